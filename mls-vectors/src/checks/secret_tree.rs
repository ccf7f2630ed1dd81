//! secret-tree.json: the secret tree and hash ratchets (RFC 9420 §9) and
//! sender-data keys (§6.3.2).

use mls_core::crypto::{CipherSuiteProvider, CryptoProvider, Secret};
use mls_core::secret_tree::{RatchetConfig, RatchetKind, SecretTree, sender_data_key_nonce};
use mls_core::tree_math::LeafIndex;
use serde_json::Value;

use super::with_suite;
use crate::{Verdict, expect_hex, hex_field, u64_field};

pub fn check(provider: &dyn CryptoProvider, entry: &Value) -> Verdict {
    with_suite(provider, entry, |cs| run(cs, entry))
}

fn run(cs: &dyn CipherSuiteProvider, entry: &Value) -> Result<(), String> {
    let sd = entry.get("sender_data").ok_or("missing sender_data")?;
    let secret =
        Secret::from_slice(&hex_field(sd, "sender_data_secret")?).map_err(|e| e.to_string())?;
    let (key, nonce) = sender_data_key_nonce(cs, &secret, &hex_field(sd, "ciphertext")?)
        .map_err(|e| e.to_string())?;
    expect_hex(sd, "key", key.as_bytes())?;
    expect_hex(sd, "nonce", nonce.as_bytes())?;

    let leaves = entry
        .get("leaves")
        .and_then(Value::as_array)
        .ok_or("missing leaves")?;
    let root =
        Secret::from_slice(&hex_field(entry, "encryption_secret")?).map_err(|e| e.to_string())?;
    let cfg = RatchetConfig {
        max_forward_distance: u32::MAX,
        out_of_order_tolerance: 0,
    };
    let mut tree = SecretTree::new(root, leaves.len() as u32, cfg);
    for (i, gens) in leaves.iter().enumerate() {
        for g in gens.as_array().ok_or("leaves[i] not an array")? {
            let generation = u64_field(g, "generation")? as u32;
            for (kind, k, n) in [
                (RatchetKind::Handshake, "handshake_key", "handshake_nonce"),
                (
                    RatchetKind::Application,
                    "application_key",
                    "application_nonce",
                ),
            ] {
                let (rk, update) = tree
                    .decryption_key(cs, LeafIndex(i as u32), kind, generation)
                    .map_err(|e| format!("leaf {i} gen {generation}: {e}"))?;
                expect_hex(g, k, rk.key.as_bytes()).map_err(|m| format!("leaf {i}: {m}"))?;
                expect_hex(g, n, rk.nonce.as_bytes()).map_err(|m| format!("leaf {i}: {m}"))?;
                tree.apply(update)
                    .map_err(|e| format!("leaf {i} gen {generation}: apply: {e}"))?;
                // RFC 9420 §9.2: a consumed key cannot be derived again.
                if tree
                    .decryption_key(cs, LeafIndex(i as u32), kind, generation)
                    .is_ok()
                {
                    return Err(format!(
                        "leaf {i} gen {generation}: consumed key derived again"
                    ));
                }
            }
        }
    }
    Ok(())
}
