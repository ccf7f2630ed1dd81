//! welcome.json: decrypting a Welcome, verifying the GroupInfo signature and
//! confirmation tag (RFC 9420 §12.4.3, §12.4.3.1); then encrypting our own
//! Welcome to the same KeyPackage and decrypting it again.

use mls_core::codec::decode;
use mls_core::crypto::{CipherSuiteProvider, CryptoProvider, HpkePrivateKey, Secret};
use mls_core::key_package::validate_key_package;
use mls_core::messages::{MlsMessage, MlsMessageBody};
use mls_core::seal_welcome::{
    NewMember, check_confirmation_tag, decrypt_group_info, decrypt_group_secrets, encrypt_welcome,
    verify_group_info_signature, welcome_secret,
};
use serde_json::Value;

use super::with_suite;
use crate::{TestRng, Verdict, hex_field};

pub fn check(provider: &dyn CryptoProvider, entry: &Value) -> Verdict {
    with_suite(provider, entry, |cs| run(cs, entry))
}

fn run(cs: &dyn CipherSuiteProvider, entry: &Value) -> Result<(), String> {
    let kp = match decode::<MlsMessage>(&hex_field(entry, "key_package")?)
        .map_err(|e| format!("key_package: {e}"))?
        .body
    {
        MlsMessageBody::KeyPackage(kp) => kp,
        _ => return Err("key_package is not a KeyPackage".into()),
    };
    let welcome = match decode::<MlsMessage>(&hex_field(entry, "welcome")?)
        .map_err(|e| format!("welcome: {e}"))?
        .body
    {
        MlsMessageBody::Welcome(w) => w,
        _ => return Err("welcome is not a Welcome".into()),
    };
    let init_priv = HpkePrivateKey::new(hex_field(entry, "init_priv")?);
    let signer_pub = hex_field(entry, "signer_pub")?;
    // Not one of the vector's verification steps, but the KeyPackage should
    // validate (RFC 9420 §10.1). The suite-7 entry's leaf lists suites 1-6
    // only in its capabilities, which §7.3 allows.
    validate_key_package(cs, &kp, None).map_err(|e| format!("key package: {e}"))?;

    let secrets = decrypt_group_secrets(cs, &welcome, &kp, &init_priv)
        .map_err(|e| format!("group secrets: {e}"))?;
    if !secrets.psks.is_empty() {
        return Err("unexpected PSKs".into());
    }
    let psk_secret = Secret::zero(cs.kdf().nh()).map_err(|e| e.to_string())?;
    let ws = welcome_secret(cs, &secrets.joiner_secret, &psk_secret).map_err(|e| e.to_string())?;
    let gi = decrypt_group_info(cs, &welcome, &ws).map_err(|e| format!("group info: {e}"))?;
    verify_group_info_signature(cs, &gi, &signer_pub).map_err(|e| e.to_string())?;
    let ks = check_confirmation_tag(cs, &secrets.joiner_secret, &psk_secret, &gi)
        .map_err(|e| e.to_string())?;
    if ks.welcome_secret != ws {
        return Err("welcome secret differs from the key schedule's".into());
    }

    // Our own Welcome to the same KeyPackage.
    let mut rng = TestRng::new(1243);
    let own = encrypt_welcome(
        cs,
        &gi,
        &secrets.joiner_secret,
        &psk_secret,
        &[],
        &[NewMember {
            key_package: &kp,
            path_secret: secrets.path_secret.as_ref(),
        }],
        &mut rng,
    )
    .map_err(|e| format!("encrypt welcome: {e}"))?;
    let back = decrypt_group_secrets(cs, &own, &kp, &init_priv)
        .map_err(|e| format!("own group secrets: {e}"))?;
    if back.joiner_secret != secrets.joiner_secret || back.path_secret != secrets.path_secret {
        return Err("own Welcome: group secrets differ".into());
    }
    let ws = welcome_secret(cs, &back.joiner_secret, &psk_secret).map_err(|e| e.to_string())?;
    let gi2 = decrypt_group_info(cs, &own, &ws).map_err(|e| format!("own group info: {e}"))?;
    if gi2 != gi {
        return Err("own Welcome: GroupInfo differs".into());
    }
    Ok(())
}
