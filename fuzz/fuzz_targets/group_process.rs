//! `Group::process` on hostile messages; a rejected message must leave the
//! receiver's state byte-identical (the project's atomicity rule).
//!
//! The receiver is Alice of `mls_fuzz::fixture()`, restored per input; the
//! sender for the signed modes is Bob, a real member, so the membership tag
//! and the signature are valid and the fuzzer reaches the group rules.
//! Bits 0..7 of byte 0 select the mode (`(byte & 0x7f) % 6`); bit 7
//! selects the fixture: clear, `mls_fuzz::fixture()` (handshakes as
//! PublicMessage); set, `mls_fuzz::fixture_encrypted()` (`encrypt_handshake`,
//! so Bob's proposals and commits in modes 1, 2, 3 and 5 are
//! PrivateMessages that Alice decrypts before the group rules apply).
//! - 0: the rest is an MLSMessage.
//! - 1: Bob commits; the rest patches the encoded Commit before it is
//!   signed (`mls_fuzz::patch`).
//! - 2: Bob commits; the rest is the Commit that is signed.
//! - 3: Bob sends the rest as a Proposal, properly signed.
//! - 4: the rest is the ciphertext of a PrivateMessage of the right group
//!   and epoch (content type from byte 1).
//! - 5: Bob's real commit message, patched after signing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mls_core::codec::{Encode, VLBytes, decode};
use mls_core::group::{AcceptAllCredentials, CommitEnv, CommitOptions, Forge, NoPsks};
use mls_core::messages::{
    Commit, ContentType, MlsMessage, MlsMessageBody, PrivateMessage, Proposal,
};

fn bob_commit(f: &mls_fuzz::Fixture, forge: &mut dyn FnMut(Forge<'_>)) -> Option<MlsMessage> {
    let mut bob = mls_fuzz::restore(&f.bob);
    let mut rng = mls_fuzz::FuzzRng::new(7);
    bob.commit_forged(
        mls_fuzz::provider(),
        CommitOptions::default(),
        &mut CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        },
        forge,
    )
    .ok()
    .map(|o| o.commit)
}

fn replace_commit(fx: &mls_fuzz::Fixture, new: Commit) -> Option<MlsMessage> {
    let mut new = Some(new);
    bob_commit(fx, &mut |f| {
        if let Forge::Commit { commit, .. } = f {
            if let Some(c) = new.take() {
                *commit = c;
            }
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let f = if mode & 0x80 == 0 {
        mls_fuzz::fixture()
    } else {
        mls_fuzz::fixture_encrypted()
    };
    let msg = match (mode & 0x7f) % 6 {
        0 => match decode::<MlsMessage>(rest) {
            Ok(m) => m,
            Err(_) => return,
        },
        1 => {
            // Patch Bob's own commit (with its path) before signing.
            let mut patched = None;
            let msg = bob_commit(f, &mut |fg| {
                if let Forge::Commit { commit, .. } = fg {
                    let Ok(enc) = commit.encode() else { return };
                    if let Ok(c) = decode::<Commit>(&mls_fuzz::patch(&enc, rest)) {
                        *commit = c;
                        patched = Some(());
                    }
                }
            });
            match (msg, patched) {
                (Some(m), Some(())) => m,
                _ => return,
            }
        }
        2 => match decode::<Commit>(rest) {
            Ok(c) => match replace_commit(f, c) {
                Some(m) => m,
                None => return,
            },
            Err(_) => return,
        },
        3 => {
            let Ok(p) = decode::<Proposal>(rest) else {
                return;
            };
            let mut bob = mls_fuzz::restore(&f.bob);
            let mut rng = mls_fuzz::FuzzRng::new(9);
            match bob.propose(mls_fuzz::provider(), p, &mut rng) {
                Ok(m) => m,
                Err(_) => return,
            }
        }
        4 => {
            let Some((&ct, body)) = rest.split_first() else {
                return;
            };
            let alice = mls_fuzz::restore(&f.alice);
            let content_type = match ct % 3 {
                0 => ContentType::Application,
                1 => ContentType::Proposal,
                _ => ContentType::Commit,
            };
            let half = body.len() / 2;
            MlsMessage {
                body: MlsMessageBody::PrivateMessage(PrivateMessage {
                    group_id: VLBytes::new(alice.group_id().to_vec()),
                    epoch: alice.epoch(),
                    content_type,
                    authenticated_data: VLBytes::new(Vec::new()),
                    encrypted_sender_data: VLBytes::new(body[..half].to_vec()),
                    ciphertext: VLBytes::new(body[half..].to_vec()),
                }),
            }
        }
        _ => {
            let Some(m) = bob_commit(f, &mut |_| {}) else {
                return;
            };
            let Ok(enc) = m.encode() else { return };
            match decode::<MlsMessage>(&mls_fuzz::patch(&enc, rest)) {
                Ok(m) => m,
                Err(_) => return,
            }
        }
    };
    let mut alice = mls_fuzz::restore(&f.alice);
    let before = alice.to_bytes().expect("snapshot");
    let r = alice.process(mls_fuzz::provider(), &msg, &mut mls_fuzz::process_env());
    match r {
        Err(_) => {
            let after = alice.to_bytes().expect("snapshot");
            assert!(
                after.as_bytes() == before.as_bytes(),
                "a rejected message changed the state"
            );
        }
        Ok(mls_core::group::Received::Commit(staged)) => {
            // A commit that passed every check must merge cleanly.
            alice
                .merge_staged(*staged)
                .expect("a commit staged on this state merges");
            let bytes = alice.to_bytes().expect("a merged group serializes");
            let _ = mls_fuzz::restore(bytes.as_bytes());
        }
        Ok(_) => {}
    }
});
