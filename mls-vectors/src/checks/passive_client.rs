//! passive-client-welcome.json, passive-client-handling-commit.json and
//! passive-client-random.json: a client joins from a Welcome and follows
//! the group's commits (RFC 9420 §12.4.2, §12.4.3.1), checking the epoch
//! authenticator after every epoch.

use std::collections::BTreeMap;

use mls_core::codec::decode;
use mls_core::crypto::{CipherSuiteProvider, CryptoProvider, HpkePrivateKey, SignaturePrivateKey};
use mls_core::group::{AcceptAllCredentials, Group, GroupConfig, ProcessEnv, Received};
use mls_core::messages::{MlsMessage, MlsMessageBody, RatchetTree as RatchetTreeExt};
use serde_json::Value;

use super::with_suite;
use crate::{Verdict, hex_field};

pub fn check(provider: &dyn CryptoProvider, entry: &Value) -> Verdict {
    with_suite(provider, entry, |cs| run(provider, cs, entry))
}

fn message(v: &Value) -> Result<MlsMessage, String> {
    let s = v.as_str().ok_or("message not a string")?;
    decode(&hex::decode(s).map_err(|e| e.to_string())?)
        .map_err(|e| format!("decode MLSMessage: {e}"))
}

fn run(
    provider: &dyn CryptoProvider,
    cs: &dyn CipherSuiteProvider,
    entry: &Value,
) -> Result<(), String> {
    let mut psks: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
    for p in entry
        .get("external_psks")
        .and_then(Value::as_array)
        .ok_or("missing external_psks")?
    {
        psks.insert(hex_field(p, "psk_id")?, hex_field(p, "psk")?);
    }
    let kp = match message(entry.get("key_package").ok_or("missing key_package")?)?.body {
        MlsMessageBody::KeyPackage(kp) => kp,
        _ => return Err("key_package is not a KeyPackage".into()),
    };
    let welcome = match message(entry.get("welcome").ok_or("missing welcome")?)?.body {
        MlsMessageBody::Welcome(w) => w,
        _ => return Err("welcome is not a Welcome".into()),
    };
    // Some vectors carry P-521 scalars without their leading zero byte.
    let init_priv = HpkePrivateKey::new(hex_field(entry, "init_priv")?).normalized(cs.info());
    let enc_priv = HpkePrivateKey::new(hex_field(entry, "encryption_priv")?).normalized(cs.info());
    let sig_priv =
        SignaturePrivateKey::new(hex_field(entry, "signature_priv")?).normalized(cs.info());
    let e = |x: mls_core::crypto::CryptoError| x.to_string();
    if cs.hpke().public_key(&init_priv).map_err(e)? != kp.init_key.as_slice()
        || cs.hpke().public_key(&enc_priv).map_err(e)? != kp.leaf_node.encryption_key.as_slice()
        || cs.signature().public_key(&sig_priv).map_err(e)? != kp.leaf_node.signature_key.as_slice()
    {
        return Err("private keys do not match the KeyPackage".into());
    }
    let tree = match entry.get("ratchet_tree") {
        Some(Value::String(s)) => {
            let t: RatchetTreeExt = decode(&hex::decode(s).map_err(|e| e.to_string())?)
                .map_err(|e| format!("ratchet_tree: {e}"))?;
            Some(t.0)
        }
        _ => None,
    };
    let creds = AcceptAllCredentials;
    let mut env = ProcessEnv {
        psks: &psks,
        credentials: &creds,
        now: None,
    };
    let mut group = Group::join(
        provider,
        &welcome,
        &kp,
        mls_core::key_package::KeyPackagePrivate {
            init_key: init_priv.duplicate(),
            encryption_key: enc_priv,
        },
        sig_priv,
        tree,
        &mut env,
        GroupConfig::default(),
    )
    .map_err(|e| format!("join: {e}"))?;
    let want = hex_field(entry, "initial_epoch_authenticator")?;
    if group.epoch_authenticator() != want.as_slice() {
        return Err("initial epoch authenticator differs".into());
    }
    for (n, ep) in entry
        .get("epochs")
        .and_then(Value::as_array)
        .ok_or("missing epochs")?
        .iter()
        .enumerate()
    {
        for p in ep
            .get("proposals")
            .and_then(Value::as_array)
            .ok_or("missing proposals")?
        {
            match group
                .process(provider, &message(p)?, &mut env)
                .map_err(|e| format!("epoch {n}: proposal: {e}"))?
            {
                Received::Proposal(_) => {}
                other => return Err(format!("epoch {n}: proposal processed as {other:?}")),
            }
        }
        let commit = message(ep.get("commit").ok_or("missing commit")?)?;
        match group
            .process(provider, &commit, &mut env)
            .map_err(|e| format!("epoch {n}: commit: {e}"))?
        {
            Received::Commit(staged) => group
                .merge_staged(*staged)
                .map_err(|e| format!("epoch {n}: merge: {e}"))?,
            other => return Err(format!("epoch {n}: commit processed as {other:?}")),
        }
        let want = hex_field(ep, "epoch_authenticator")?;
        if group.epoch_authenticator() != want.as_slice() {
            return Err(format!("epoch {n}: epoch authenticator differs"));
        }
    }
    Ok(())
}
