//! messages.json: every RFC 9420 wire struct decodes and re-encodes
//! byte-identically. The entries carry no cipher suite; the check is
//! suite-independent and uses no crypto.

use mls_core::codec::{DeserializeBytes, Encode, decode};
use mls_core::crypto::CryptoProvider;
use mls_core::messages::{
    Add, Commit, ExternalInit, GroupContextExtensions, GroupSecrets, MlsMessage, MlsMessageBody,
    PreSharedKey, RatchetTree, ReInit, Remove, Update, WireFormat,
};
use serde_json::Value;

use super::verdict;
use crate::{Verdict, hex_field};

/// Decodes field `key` as `T` and checks the re-encoding; returns the value.
fn roundtrip<T: DeserializeBytes + Encode>(entry: &Value, key: &str) -> Result<T, String> {
    let bytes = hex_field(entry, key)?;
    let v: T = decode(&bytes).map_err(|e| format!("{key}: decode: {e}"))?;
    let again = v.encode().map_err(|e| format!("{key}: encode: {e}"))?;
    if again != bytes {
        return Err(format!(
            "{key}: re-encoding differs: expected {}, got {}",
            hex::encode(&bytes),
            hex::encode(&again)
        ));
    }
    Ok(v)
}

/// An `MLSMessage` field with the expected wire format (and, for public
/// messages, content type).
fn message(
    entry: &Value,
    key: &str,
    wire_format: WireFormat,
    content_type: Option<mls_core::messages::ContentType>,
) -> Result<(), String> {
    let m: MlsMessage = roundtrip(entry, key)?;
    if m.wire_format() != wire_format {
        return Err(format!(
            "{key}: wire format {:?}, expected {wire_format:?}",
            m.wire_format()
        ));
    }
    if let (Some(ct), MlsMessageBody::PublicMessage(pm)) = (content_type, &m.body)
        && pm.content.content_type() != ct
    {
        return Err(format!(
            "{key}: content type {:?}, expected {ct:?}",
            pm.content.content_type()
        ));
    }
    Ok(())
}

pub fn check(_: &dyn CryptoProvider, entry: &Value) -> Verdict {
    use mls_core::messages::ContentType as Ct;
    verdict((|| {
        message(entry, "mls_welcome", WireFormat::WELCOME, None)?;
        message(entry, "mls_group_info", WireFormat::GROUP_INFO, None)?;
        message(entry, "mls_key_package", WireFormat::KEY_PACKAGE, None)?;
        roundtrip::<RatchetTree>(entry, "ratchet_tree")?;
        roundtrip::<GroupSecrets>(entry, "group_secrets")?;
        roundtrip::<Add>(entry, "add_proposal")?;
        roundtrip::<Update>(entry, "update_proposal")?;
        roundtrip::<Remove>(entry, "remove_proposal")?;
        roundtrip::<PreSharedKey>(entry, "pre_shared_key_proposal")?;
        roundtrip::<ReInit>(entry, "re_init_proposal")?;
        roundtrip::<ExternalInit>(entry, "external_init_proposal")?;
        roundtrip::<GroupContextExtensions>(entry, "group_context_extensions_proposal")?;
        roundtrip::<Commit>(entry, "commit")?;
        message(
            entry,
            "public_message_application",
            WireFormat::PUBLIC_MESSAGE,
            Some(Ct::Application),
        )?;
        message(
            entry,
            "public_message_proposal",
            WireFormat::PUBLIC_MESSAGE,
            Some(Ct::Proposal),
        )?;
        message(
            entry,
            "public_message_commit",
            WireFormat::PUBLIC_MESSAGE,
            Some(Ct::Commit),
        )?;
        message(entry, "private_message", WireFormat::PRIVATE_MESSAGE, None)?;
        Ok(())
    })())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mls_core::crypto::{CipherSuite, CipherSuiteProvider};

    /// A provider with no suites: messages.json needs no crypto.
    struct NoCrypto;

    impl CryptoProvider for NoCrypto {
        fn name(&self) -> &'static str {
            "none"
        }
        fn supported_cipher_suites(&self) -> &[CipherSuite] {
            &[]
        }
        fn cipher_suite(&self, _: CipherSuite) -> Option<&dyn CipherSuiteProvider> {
            None
        }
    }

    #[test]
    fn messages_json_all_entries_roundtrip() {
        let entries = match crate::load("messages.json") {
            Ok(e) => e,
            Err(e) => {
                eprintln!("\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
                eprintln!("!!! {e}");
                eprintln!("!!! messages.json NOT CHECKED");
                eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n");
                assert!(
                    !crate::vectors_required(),
                    "MLS_REQUIRE_VECTORS=1 but messages.json could not be loaded: {e}"
                );
                return;
            }
        };
        assert_eq!(entries.len(), 300, "messages.json should have 300 entries");
        let mut failures = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            match check(&NoCrypto, entry) {
                Verdict::Pass => {}
                Verdict::Fail(why) => failures.push(format!("entry {i}: {why}")),
                Verdict::Unsupported => failures.push(format!("entry {i}: unsupported")),
            }
        }
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn every_prefix_of_every_message_fails_cleanly() {
        // Hostile input: each proper prefix of each MLSMessage of the
        // official vectors must be a decoding error, never a panic.
        let Ok(entries) = crate::load("messages.json") else {
            assert!(
                !crate::vectors_required(),
                "MLS_REQUIRE_VECTORS=1 but messages.json is missing"
            );
            return;
        };
        let keys = [
            "mls_welcome",
            "mls_group_info",
            "mls_key_package",
            "public_message_application",
            "public_message_proposal",
            "public_message_commit",
            "private_message",
        ];
        let mut tried = 0usize;
        for entry in &entries {
            for key in keys {
                let bytes = hex::decode(entry[key].as_str().unwrap_or_default()).unwrap();
                assert!(decode::<MlsMessage>(&bytes).is_ok(), "{key} must decode");
                for n in 0..bytes.len() {
                    assert!(decode::<MlsMessage>(&bytes[..n]).is_err(), "{key}[..{n}]");
                    tried += 1;
                }
            }
        }
        assert!(tried > 1000, "only {tried} prefixes tried");
    }

    #[test]
    fn messages_checker_rejects_corrupted_fields() {
        let Ok(entries) = crate::load("messages.json") else {
            eprintln!("!!! messages.json missing: corruption test NOT RUN");
            assert!(
                !crate::vectors_required(),
                "MLS_REQUIRE_VECTORS=1 but messages.json is missing"
            );
            return;
        };
        let Some(entry) = entries.first() else {
            panic!("messages.json is empty");
        };
        for key in [
            "commit",
            "mls_key_package",
            "public_message_commit",
            "ratchet_tree",
        ] {
            let mut bad = entry.clone();
            let hex = bad[key].as_str().unwrap_or_default().to_string();
            // A trailing byte must be rejected.
            bad[key] = Value::String(format!("{hex}00"));
            assert!(
                matches!(check(&NoCrypto, &bad), Verdict::Fail(_)),
                "{key} + 00 accepted"
            );
            // A truncated one too (RFC 9420 §2.1.2), as an error and never
            // a panic, in debug builds as in release ones.
            bad[key] = Value::String(hex[..hex.len() - 2].to_string());
            assert!(
                matches!(check(&NoCrypto, &bad), Verdict::Fail(_)),
                "{key} truncated accepted"
            );
        }
        // An MLSMessage of another wire format than the field's.
        let mut bad = entry.clone();
        bad["mls_welcome"] = entry["mls_group_info"].clone();
        assert!(
            matches!(check(&NoCrypto, &bad), Verdict::Fail(_)),
            "wire format not checked"
        );
    }
}
