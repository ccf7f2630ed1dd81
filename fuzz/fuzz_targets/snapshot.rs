//! `Group::from_bytes` on hostile bytes: errors, never panics. Byte 0
//! selects raw input (even) or patches of a real snapshot (odd, see
//! `mls_fuzz::patch`), which gets past the magic and the tree hash.
//! A state that restores must also work: serialize, receive Bob's
//! application message, send one, export and (byte 0 bit 1) commit,
//! each an error or a result, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mls_core::group::{AcceptAllCredentials, CommitEnv, CommitOptions, Group, NoPsks};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let f = mls_fuzz::fixture();
    let bytes = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        mls_fuzz::patch(&f.alice, rest)
    };
    if let Ok(g) = Group::from_bytes(mls_fuzz::provider(), &bytes) {
        // A restored state must serialize again.
        let again = g.to_bytes().expect("a restored group serializes");
        let _ = Group::from_bytes(mls_fuzz::provider(), again.as_bytes());
        let _ = g.members().count();
        let mut g = g;
        let p = mls_fuzz::provider();
        let mut rng = mls_fuzz::FuzzRng::new(3);
        let _ = g.process(p, &f.bob_app, &mut mls_fuzz::process_env());
        // Empty data: no padding, so a restored padding_block of up to
        // 2^30 (legal, if absurd) does not allocate a gigabyte here.
        let _ = g.protect(p, b"", b"", &mut rng);
        let _ = g.export(p, b"fuzz", b"", 32);
        if mode & 2 != 0 {
            let _ = g.commit(
                p,
                CommitOptions::default(),
                &mut CommitEnv {
                    rng: &mut rng,
                    psks: &NoPsks,
                    credentials: &AcceptAllCredentials,
                    now: None,
                },
            );
        }
    }
});
