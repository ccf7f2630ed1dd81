//! `Group::join` with hostile Welcomes against a fixed KeyPackage (Bob's).
//!
//! Byte 0 selects the mode:
//! - 0: the rest is a Welcome.
//! - 1: the rest patches the real GroupInfo (`mls_fuzz::patch`), which the
//!   harness then re-signs with the real signer's key and re-encrypts
//!   under the real welcome secret, so the tree and the GroupInfo checks
//!   after decryption and signature are reached.
//! - 2: the rest is a GroupInfo, re-signed and encrypted the same way.
//! - 3: the rest patches the encoded real Welcome.
//!
//! On success the joined state must serialize; nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mls_core::codec::{Encode, VLBytes, decode};
use mls_core::group::{Group, GroupConfig};
use mls_core::messages::{GroupInfo, Welcome};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let f = mls_fuzz::fixture();
    let cs = mls_fuzz::cs();
    let welcome = match mode % 4 {
        0 => match decode::<Welcome>(rest) {
            Ok(w) => w,
            Err(_) => return,
        },
        1 | 2 => {
            let gi_bytes = if mode % 4 == 1 {
                mls_fuzz::patch(&f.group_info.encode().unwrap(), rest)
            } else {
                rest.to_vec()
            };
            let Ok(mut gi) = decode::<GroupInfo>(&gi_bytes) else {
                return;
            };
            // Re-sign unless the patch touched only the signature.
            if mls_core::welcome::sign_group_info(cs, &f.alice_signer, &mut gi).is_err() {
                return;
            }
            let Ok(enc) = mls_core::welcome::encrypt_group_info(cs, &f.welcome_secret, &gi) else {
                return;
            };
            Welcome {
                cipher_suite: f.welcome.cipher_suite,
                secrets: f.welcome.secrets.clone(),
                encrypted_group_info: VLBytes::new(enc),
            }
        }
        _ => {
            let bytes = mls_fuzz::patch(&f.welcome.encode().unwrap(), rest);
            match decode::<Welcome>(&bytes) {
                Ok(w) => w,
                Err(_) => return,
            }
        }
    };
    let c = &f.bob_client;
    if let Ok(g) = Group::join(
        mls_fuzz::provider(),
        &welcome,
        &c.key_package,
        &c.init_key,
        c.encryption_key.duplicate(),
        c.signer.duplicate(),
        None,
        &mut mls_fuzz::process_env(),
        GroupConfig::default(),
    ) {
        let bytes = g.to_bytes().expect("a joined group serializes");
        let _ = Group::from_bytes(mls_fuzz::provider(), bytes.as_bytes());
    }
});
