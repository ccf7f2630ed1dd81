//! `Group::join` with hostile Welcomes against a fixed KeyPackage (Bob's).
//!
//! Byte 0 selects the mode (`(byte & 0x7f) % 6`); bit 7 of byte 0 is the
//! `fix_context` flag of `mls_fuzz::rewrap_welcome` for modes 1 and 2
//! (modes 4 and 5 always fix the context):
//! - 0: the rest is a Welcome.
//! - 1: the rest patches the real GroupInfo (`mls_fuzz::patch`).
//! - 2: the rest is a GroupInfo.
//! - 3: the rest patches the encoded real Welcome.
//! - 4: the rest patches the real GroupInfo's `ratchet_tree` extension.
//! - 5: the rest is the `ratchet_tree` extension of the real GroupInfo.
//!
//! In modes 1, 2, 4 and 5 the harness re-signs the GroupInfo with the real
//! signer's key and encrypts the whole Welcome again to Bob's KeyPackage
//! under the real joiner secret (GroupSecrets and GroupInfo both), so Bob
//! decrypts it and the GroupInfo signature, tree and GroupInfo checks are
//! reached. In modes 4 and 5 (and with bit 7) the tree hash and the
//! confirmation tag of the GroupContext are recomputed, so a forged tree
//! gets past the tree-hash and confirmation checks to the per-node checks.
//!
//! On success the joined state must serialize; nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mls_core::codec::{Encode, decode};
use mls_core::group::Group;
use mls_core::messages::{GroupInfo, Welcome};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let f = mls_fuzz::fixture();
    let fix = mode & 0x80 != 0;
    let welcome = match (mode & 0x7f) % 6 {
        0 => match decode::<Welcome>(rest) {
            Ok(w) => w,
            Err(_) => return,
        },
        1 | 2 => {
            let gi_bytes = if (mode & 0x7f) % 6 == 1 {
                mls_fuzz::patch(&f.group_info.encode().unwrap(), rest)
            } else {
                rest.to_vec()
            };
            let Ok(gi) = decode::<GroupInfo>(&gi_bytes) else {
                return;
            };
            match mls_fuzz::rewrap_welcome(f, gi, fix) {
                Some(w) => w,
                None => return,
            }
        }
        3 => {
            let bytes = mls_fuzz::patch(&f.welcome.encode().unwrap(), rest);
            match decode::<Welcome>(&bytes) {
                Ok(w) => w,
                Err(_) => return,
            }
        }
        _ => {
            let tree = if (mode & 0x7f) % 6 == 4 {
                let real = mls_fuzz::tree_bytes(&f.group_info).unwrap_or_default();
                mls_fuzz::patch(&real, rest)
            } else {
                rest.to_vec()
            };
            let gi = mls_fuzz::with_tree(f.group_info.clone(), tree);
            match mls_fuzz::rewrap_welcome(f, gi, true) {
                Some(w) => w,
                None => return,
            }
        }
    };
    let c = &f.bob_client;
    if let Ok(g) = Group::join(
        mls_fuzz::provider(),
        &welcome,
        &c.key_package,
        mls_core::key_package::KeyPackagePrivate {
            init_key: c.init_key.duplicate(),
            encryption_key: c.encryption_key.duplicate(),
        },
        c.signer.duplicate(),
        None,
        &mut mls_fuzz::process_env(),
        f.config,
    ) {
        let bytes = g.to_bytes().expect("a joined group serializes");
        let _ = Group::from_bytes(mls_fuzz::provider(), bytes.as_bytes());
    }
});
