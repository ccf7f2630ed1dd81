//! message-protection.json: PublicMessage and PrivateMessage protection
//! (RFC 9420 §6.1–§6.3.2), following the verification steps of
//! test-vectors.md: unprotect the given messages, and protect our own and
//! unprotect them again.

use mls_core::codec::{Encode, VLBytes, decode};
use mls_core::crypto::{CipherSuiteProvider, CryptoProvider, Secret, SignaturePrivateKey};
use mls_core::error::{Error, ProtocolError};
use mls_core::messages::{
    Commit, Content, FramedContent, MlsMessage, MlsMessageBody, Proposal, Sender, WireFormat,
};
use mls_core::messages::{GroupContext, MLS10};
use mls_core::protect::{
    FramingError, protect_private, protect_public, sign_content, unprotect_private,
    unprotect_public, verify_signature,
};
use mls_core::secret_tree::{RatchetConfig, SecretTree};
use serde_json::Value;

use super::with_suite;
use crate::{TestRng, Verdict, hex_field, u64_field};

pub fn check(provider: &dyn CryptoProvider, entry: &Value) -> Verdict {
    with_suite(provider, entry, |cs| run(cs, entry))
}

struct Keys {
    ctx: GroupContext,
    signature_priv: SignaturePrivateKey,
    signature_pub: Vec<u8>,
    encryption_secret: Vec<u8>,
    sender_data_secret: Secret,
    membership_key: Secret,
}

impl Keys {
    fn tree(&self) -> Result<SecretTree, String> {
        let root = Secret::from_slice(&self.encryption_secret).map_err(|e| e.to_string())?;
        let cfg = RatchetConfig {
            max_forward_distance: u32::MAX,
            out_of_order_tolerance: 0,
        };
        Ok(SecretTree::new(root, 2, cfg))
    }
}

/// The vectors write ECDSA private keys as big-endian scalars without
/// leading zero bytes (one P-521 key has 65 bytes); left-pad to the field
/// size, read off the uncompressed public key `04 || X || Y`.
fn signature_private_key(mut sk: Vec<u8>, pk: &[u8]) -> SignaturePrivateKey {
    if pk.len() % 2 == 1 && pk.first() == Some(&0x04) {
        let n = (pk.len() - 1) / 2;
        if sk.len() < n {
            let mut padded = vec![0u8; n - sk.len()];
            padded.append(&mut sk);
            sk = padded;
        }
    }
    SignaturePrivateKey::new(sk)
}

fn e(what: &str) -> impl Fn(Error) -> String + '_ {
    move |err| format!("{what}: {err}")
}

fn run(cs: &dyn CipherSuiteProvider, entry: &Value) -> Result<(), String> {
    let secret = |k: &str| -> Result<Secret, String> {
        Secret::from_slice(&hex_field(entry, k)?).map_err(|e| e.to_string())
    };
    let keys = Keys {
        ctx: GroupContext {
            version: MLS10,
            cipher_suite: cs.cipher_suite(),
            group_id: VLBytes::new(hex_field(entry, "group_id")?),
            epoch: u64_field(entry, "epoch")?,
            tree_hash: VLBytes::new(hex_field(entry, "tree_hash")?),
            confirmed_transcript_hash: VLBytes::new(hex_field(entry, "confirmed_transcript_hash")?),
            extensions: Vec::new(),
        },
        signature_priv: signature_private_key(
            hex_field(entry, "signature_priv")?,
            &hex_field(entry, "signature_pub")?,
        ),
        signature_pub: hex_field(entry, "signature_pub")?,
        encryption_secret: hex_field(entry, "encryption_secret")?,
        sender_data_secret: secret("sender_data_secret")?,
        membership_key: secret("membership_key")?,
    };

    let proposal: Proposal =
        decode(&hex_field(entry, "proposal")?).map_err(|e| format!("proposal: {e}"))?;
    let commit: Commit =
        decode(&hex_field(entry, "commit")?).map_err(|e| format!("commit: {e}"))?;
    let application = VLBytes::new(hex_field(entry, "application")?);

    let cases = [
        ("proposal", Content::Proposal(proposal)),
        ("commit", Content::Commit(commit)),
        ("application", Content::Application(application)),
    ];
    for (name, content) in cases {
        check_one(cs, entry, &keys, name, content).map_err(|m| format!("{name}: {m}"))?;
    }
    Ok(())
}

fn decode_message(entry: &Value, key: &str) -> Result<MlsMessageBody, String> {
    let m: MlsMessage = decode(&hex_field(entry, key)?).map_err(|e| format!("{key}: {e}"))?;
    Ok(m.body)
}

fn check_one(
    cs: &dyn CipherSuiteProvider,
    entry: &Value,
    k: &Keys,
    name: &str,
    content: Content,
) -> Result<(), String> {
    let is_app = matches!(content, Content::Application(_));
    let framed = FramedContent {
        group_id: k.ctx.group_id.clone(),
        epoch: k.ctx.epoch,
        sender: Sender::Member(1),
        authenticated_data: VLBytes::new(Vec::new()),
        content: content.clone(),
    };
    // A confirmation tag for our own commits (any MAC-sized value will do).
    let tag = cs
        .kdf()
        .mac(
            k.membership_key.as_bytes(),
            k.ctx.confirmed_transcript_hash.as_slice(),
        )
        .map_err(|e| e.to_string())?;
    let tag =
        (!is_app && matches!(content, Content::Commit(_))).then(|| VLBytes::new(tag.to_vec()));

    // 1. The given PublicMessage.
    if !is_app {
        let MlsMessageBody::PublicMessage(pm) = decode_message(entry, &format!("{name}_pub"))?
        else {
            return Err("pub is not a PublicMessage".into());
        };
        let ac =
            unprotect_public(cs, &pm, &k.ctx, &k.membership_key).map_err(e("unprotect pub"))?;
        verify_signature(cs, &ac, &k.ctx, &k.signature_pub).map_err(e("verify pub"))?;
        if ac.content.content != content {
            return Err("pub content differs".into());
        }
    }

    // 2. Our own PublicMessage (application data must be refused).
    let mut ac = sign_content(
        cs,
        &k.signature_priv,
        WireFormat::PUBLIC_MESSAGE,
        framed.clone(),
        Some(&k.ctx),
    )
    .map_err(e("sign public"))?;
    ac.auth.confirmation_tag = tag.clone();
    let protected = protect_public(cs, &ac, Some(&k.ctx), Some(&k.membership_key));
    if is_app {
        match protected {
            Err(Error::Protocol(ProtocolError::Framing(FramingError::ApplicationAsPublic))) => {}
            other => return Err(format!("application as PublicMessage: {other:?}")),
        }
    } else {
        let pm = protected.map_err(e("protect public"))?;
        let bytes = MlsMessage {
            body: MlsMessageBody::PublicMessage(pm),
        }
        .encode()
        .map_err(|e| e.to_string())?;
        let MlsMessageBody::PublicMessage(pm) = decode::<MlsMessage>(&bytes)
            .map_err(|e| e.to_string())?
            .body
        else {
            return Err("own pub did not decode as PublicMessage".into());
        };
        let back =
            unprotect_public(cs, &pm, &k.ctx, &k.membership_key).map_err(e("unprotect own pub"))?;
        verify_signature(cs, &back, &k.ctx, &k.signature_pub).map_err(e("verify own pub"))?;
        if back != ac {
            return Err("own pub round trip differs".into());
        }
    }

    // 3. The given PrivateMessage.
    let MlsMessageBody::PrivateMessage(pm) = decode_message(entry, &format!("{name}_priv"))? else {
        return Err("priv is not a PrivateMessage".into());
    };
    let tree = k.tree()?;
    let out = unprotect_private(cs, &pm, &k.ctx, &tree, &k.sender_data_secret)
        .map_err(e("unprotect priv"))?;
    verify_signature(cs, &out.content, &k.ctx, &k.signature_pub).map_err(e("verify priv"))?;
    if out.content.content.content != content || out.content.content.sender != Sender::Member(1) {
        return Err("priv content differs".into());
    }

    // 4. Our own PrivateMessage, unprotected with a fresh tree.
    let mut ac = sign_content(
        cs,
        &k.signature_priv,
        WireFormat::PRIVATE_MESSAGE,
        framed,
        Some(&k.ctx),
    )
    .map_err(e("sign private"))?;
    ac.auth.confirmation_tag = tag;
    let sender_tree = k.tree()?;
    let mut rng = TestRng::new(63);
    let protected = protect_private(cs, &ac, &sender_tree, &k.sender_data_secret, 13, &mut rng)
        .map_err(e("protect private"))?;
    let bytes = MlsMessage {
        body: MlsMessageBody::PrivateMessage(protected.message),
    }
    .encode()
    .map_err(|e| e.to_string())?;
    let MlsMessageBody::PrivateMessage(pm) = decode::<MlsMessage>(&bytes)
        .map_err(|e| e.to_string())?
        .body
    else {
        return Err("own priv did not decode as PrivateMessage".into());
    };
    let receiver_tree = k.tree()?;
    let out = unprotect_private(cs, &pm, &k.ctx, &receiver_tree, &k.sender_data_secret)
        .map_err(e("unprotect own priv"))?;
    verify_signature(cs, &out.content, &k.ctx, &k.signature_pub).map_err(e("verify own priv"))?;
    if out.content != ac {
        return Err("own priv round trip differs".into());
    }
    Ok(())
}
