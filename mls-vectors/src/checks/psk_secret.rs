//! psk_secret.json: the PSK secret over external PSKs (RFC 9420 §8.4).

use mls_core::codec::write_opaque;
use mls_core::crypto::{CipherSuiteProvider, CryptoProvider};
use mls_core::key_schedule::{PskInput, psk_secret};
use serde_json::Value;

use super::with_suite;
use crate::{Verdict, expect_hex, hex_field};

pub fn check(provider: &dyn CryptoProvider, entry: &Value) -> Verdict {
    with_suite(provider, entry, |cs| run(cs, entry))
}

fn run(cs: &dyn CipherSuiteProvider, entry: &Value) -> Result<(), String> {
    let psks = entry
        .get("psks")
        .and_then(Value::as_array)
        .ok_or("missing psks")?;
    let mut ids = Vec::new();
    let mut values = Vec::new();
    for p in psks {
        // PreSharedKeyID { psktype = external(1); opaque psk_id<V>; opaque psk_nonce<V>; }
        let mut id = vec![1u8];
        write_opaque(&hex_field(p, "psk_id")?, &mut id).map_err(|e| e.to_string())?;
        write_opaque(&hex_field(p, "psk_nonce")?, &mut id).map_err(|e| e.to_string())?;
        ids.push(id);
        values.push(hex_field(p, "psk")?);
    }
    let inputs: Vec<PskInput<'_>> = ids
        .iter()
        .zip(&values)
        .map(|(id, psk)| PskInput { id, psk })
        .collect();
    let got = psk_secret(cs, &inputs).map_err(|e| e.to_string())?;
    expect_hex(entry, "psk_secret", got.as_bytes())
}
