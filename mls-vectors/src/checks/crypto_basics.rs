//! crypto-basics.json: the labeled operations of RFC 9420 §5 and §8.

use mls_core::crypto::labeled::{
    decrypt_with_label, derive_secret, derive_tree_secret, encrypt_with_label,
    expand_with_label_into, ref_hash, sign_with_label, verify_with_label,
};
use mls_core::crypto::{CipherSuiteProvider, CryptoProvider, HpkePrivateKey, SignaturePrivateKey};
use serde_json::Value;

use super::with_suite;
use crate::{Verdict, expect_hex, hex_field, u64_field};

fn field<'a>(v: &'a Value, k: &str) -> Result<&'a Value, String> {
    v.get(k).ok_or_else(|| format!("missing {k}"))
}

fn label(v: &Value) -> Result<&str, String> {
    v.get("label")
        .and_then(Value::as_str)
        .ok_or_else(|| "missing label".to_string())
}

pub fn check(provider: &dyn CryptoProvider, entry: &Value) -> Verdict {
    with_suite(provider, entry, |cs| run(cs, entry))
}

fn run(cs: &dyn CipherSuiteProvider, entry: &Value) -> Result<(), String> {
    let e = |x: mls_core::crypto::CryptoError| x.to_string();

    let v = field(entry, "ref_hash")?;
    let out = ref_hash(cs, label(v)?.as_bytes(), &hex_field(v, "value")?).map_err(e)?;
    expect_hex(v, "out", out.as_slice()).map_err(|m| format!("ref_hash {m}"))?;

    let v = field(entry, "expand_with_label")?;
    let mut out = vec![0u8; u64_field(v, "length")? as usize];
    expand_with_label_into(
        cs,
        &hex_field(v, "secret")?,
        label(v)?.as_bytes(),
        &hex_field(v, "context")?,
        &mut out,
    )
    .map_err(e)?;
    expect_hex(v, "out", &out).map_err(|m| format!("expand_with_label {m}"))?;

    let v = field(entry, "derive_secret")?;
    let out = derive_secret(cs, &hex_field(v, "secret")?, label(v)?.as_bytes()).map_err(e)?;
    expect_hex(v, "out", out.as_bytes()).map_err(|m| format!("derive_secret {m}"))?;

    let v = field(entry, "derive_tree_secret")?;
    let generation = u32::try_from(u64_field(v, "generation")?).map_err(|x| x.to_string())?;
    let out = derive_tree_secret(
        cs,
        &hex_field(v, "secret")?,
        label(v)?.as_bytes(),
        generation,
        u64_field(v, "length")? as usize,
    )
    .map_err(e)?;
    expect_hex(v, "out", out.as_bytes()).map_err(|m| format!("derive_tree_secret {m}"))?;

    let v = field(entry, "sign_with_label")?;
    let (sk, pk, content, lbl) = (
        SignaturePrivateKey::new(hex_field(v, "priv")?),
        hex_field(v, "pub")?,
        hex_field(v, "content")?,
        label(v)?.as_bytes(),
    );
    if cs.signature().public_key(&sk).map_err(e)? != pk {
        return Err("sign_with_label: public key of priv differs from pub".into());
    }
    verify_with_label(cs, &pk, lbl, &content, &hex_field(v, "signature")?)
        .map_err(|x| format!("sign_with_label: vector signature rejected: {x}"))?;
    let sig = sign_with_label(cs, &sk, lbl, &content).map_err(e)?;
    verify_with_label(cs, &pk, lbl, &content, &sig)
        .map_err(|x| format!("sign_with_label: own signature rejected: {x}"))?;
    let mut bad = content.clone();
    bad.push(0);
    if verify_with_label(cs, &pk, lbl, &bad, &sig).is_ok() {
        return Err("sign_with_label: signature over other content accepted".into());
    }

    let v = field(entry, "encrypt_with_label")?;
    let (sk, pk, lbl, ctx, pt) = (
        HpkePrivateKey::new(hex_field(v, "priv")?),
        hex_field(v, "pub")?,
        label(v)?.as_bytes(),
        hex_field(v, "context")?,
        hex_field(v, "plaintext")?,
    );
    let got = decrypt_with_label(
        cs,
        &sk,
        lbl,
        &ctx,
        &hex_field(v, "kem_output")?,
        &hex_field(v, "ciphertext")?,
    )
    .map_err(|x| format!("encrypt_with_label: vector decrypt: {x}"))?;
    if got != pt {
        return Err("encrypt_with_label: vector plaintext mismatch".into());
    }
    let mut rng = crate::TestRng::new(entry.to_string().len() as u64);
    let ct = encrypt_with_label(cs, &pk, lbl, &ctx, &pt, &mut rng).map_err(e)?;
    let got = decrypt_with_label(cs, &sk, lbl, &ctx, &ct.kem_output, &ct.ciphertext)
        .map_err(|x| format!("encrypt_with_label: own ciphertext: {x}"))?;
    if got != pt {
        return Err("encrypt_with_label: round trip mismatch".into());
    }
    Ok(())
}
