//! key-schedule.json: epoch secrets, exporter and external key (RFC 9420 §8).

use mls_core::codec::{Encode, VLBytes};
use mls_core::crypto::{CipherSuiteProvider, CryptoProvider, Secret};
use mls_core::key_schedule::derive_epoch;
use mls_core::messages::{GroupContext, MLS10};
use serde_json::Value;

use super::with_suite;
use crate::{Verdict, expect_hex, hex_field, u64_field};

pub fn check(provider: &dyn CryptoProvider, entry: &Value) -> Verdict {
    with_suite(provider, entry, |cs| run(cs, entry))
}

fn run(cs: &dyn CipherSuiteProvider, entry: &Value) -> Result<(), String> {
    let group_id = hex_field(entry, "group_id")?;
    let mut init_secret =
        Secret::from_slice(&hex_field(entry, "initial_init_secret")?).map_err(|e| e.to_string())?;
    let epochs = entry
        .get("epochs")
        .and_then(Value::as_array)
        .ok_or("missing epochs")?;
    for (n, ep) in epochs.iter().enumerate() {
        let ctx = GroupContext {
            version: MLS10,
            cipher_suite: cs.cipher_suite(),
            group_id: VLBytes::new(group_id.clone()),
            epoch: n as u64,
            tree_hash: VLBytes::new(hex_field(ep, "tree_hash")?),
            confirmed_transcript_hash: VLBytes::new(hex_field(ep, "confirmed_transcript_hash")?),
            extensions: Vec::new(),
        };
        let ctx_bytes = ctx.encode().map_err(|e| e.to_string())?;
        let at = |m: String| format!("epoch {n}: {m}");
        expect_hex(ep, "group_context", &ctx_bytes).map_err(at)?;
        let psk = Secret::from_slice(&hex_field(ep, "psk_secret")?).map_err(|e| e.to_string())?;
        let d = derive_epoch(
            cs,
            &init_secret,
            &hex_field(ep, "commit_secret")?,
            &psk,
            &ctx_bytes,
        )
        .map_err(|e| e.to_string())?;
        expect_hex(ep, "joiner_secret", d.joiner_secret.as_bytes()).map_err(at)?;
        expect_hex(ep, "welcome_secret", d.welcome_secret.as_bytes()).map_err(at)?;
        let s = &d.epoch;
        for (k, v) in [
            ("sender_data_secret", &s.sender_data_secret),
            ("encryption_secret", &s.encryption_secret),
            ("exporter_secret", &s.exporter_secret),
            ("epoch_authenticator", &s.epoch_authenticator),
            ("external_secret", &s.external_secret),
            ("confirmation_key", &s.confirmation_key),
            ("membership_key", &s.membership_key),
            ("resumption_psk", &s.resumption_psk),
            ("init_secret", &s.init_secret),
        ] {
            expect_hex(ep, k, v.as_bytes()).map_err(at)?;
        }
        let (_, external_pub) = s.external_key_pair(cs).map_err(|e| e.to_string())?;
        expect_hex(ep, "external_pub", &external_pub).map_err(at)?;
        let ex = ep.get("exporter").ok_or("missing exporter")?;
        // The vectors carry the label as a hex-looking string; test-vectors.md
        // says "string", and the string itself (not its hex decoding) is the label.
        let label = ex
            .get("label")
            .and_then(Value::as_str)
            .ok_or("missing exporter label")?
            .as_bytes()
            .to_vec();
        let out = s
            .export(
                cs,
                &label,
                &hex_field(ex, "context")?,
                u64_field(ex, "length")? as usize,
            )
            .map_err(|e| e.to_string())?;
        expect_hex(ex, "secret", out.as_bytes()).map_err(at)?;
        init_secret = s.init_secret.duplicate();
    }
    Ok(())
}
