//! The `parallel` feature (rayon) changes where the work runs, never what
//! it produces: the same seeded scenario run in a one-thread pool (every
//! loop serial) and in a four-thread pool (seals, signature checks and
//! tree hashes fanned out) gives byte-identical messages and states, and a
//! bulk add with two bad KeyPackages fails on the first of them in both.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::Error;
use mls_core::codec::VLBytes;
use mls_core::crypto::{CipherSuite, CryptoProvider};
use mls_core::group::{AcceptAllCredentials, CommitEnv, CommitOptions, GroupError, NoPsks};
use mls_core::messages::{Add, Proposal};
use mls_vectors::scenario::Scenario;
use mls_vectors::testkit::{
    SUITE, each_backend, group_error, key_package_in, provider, snapshot, suite_under_test,
};
use mls_vectors::{TestRng, backends};

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

/// Every member's snapshot and epoch authenticator after a bulk add (one
/// Welcome sealed to every joiner, every joiner checking every leaf
/// signature and hashing the tree), a path update after it (one seal per
/// member), a removal and a second add.
fn run(provider: &'static dyn CryptoProvider, seed: u64) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut s = Scenario::new(
        provider,
        CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
        seed,
    );
    s.add_members(140);
    s.self_update();
    s.remove_member();
    s.add_members(9);
    s.self_update();
    s.members
        .iter()
        .filter_map(|m| m.group.as_ref())
        .map(|g| (snapshot(g), g.epoch_authenticator().to_vec()))
        .collect()
}

#[test]
fn parallel_results_are_byte_identical_to_serial() {
    for (name, provider) in backends() {
        if provider
            .cipher_suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
            .is_none()
        {
            continue;
        }
        let serial = pool(1).install(|| run(provider, 7));
        let parallel = pool(4).install(|| {
            assert_eq!(rayon::current_num_threads(), 4);
            run(provider, 7)
        });
        assert_eq!(serial.len(), 149, "{name}: members");
        assert!(
            serial == parallel,
            "{name}: parallel run differs from serial"
        );
    }
}

/// Twelve Adds (made on the calling thread, for the backend and suite
/// under test) where the 4th has a bad KeyPackage signature and the 8th a
/// bad LeafNode signature.
fn bad_adds() -> Vec<Proposal> {
    let mut rng = TestRng::new(99);
    (0..12u32)
        .map(|k| {
            let name = format!("joiner-{k}");
            let (mut kp, _, _) = key_package_in(SUITE, name.as_bytes(), &mut rng);
            let sig = match k {
                3 => &mut kp.signature,
                7 => &mut kp.leaf_node.signature,
                _ => return Proposal::Add(Add { key_package: kp }),
            };
            let mut bytes = sig.as_slice().to_vec();
            bytes[0] ^= 1;
            *sig = VLBytes::new(bytes);
            Proposal::Add(Add { key_package: kp })
        })
        .collect()
}

/// A member of a four-member group commits `proposals`: the error and the
/// member's snapshots before and after.
fn bulk_add(
    provider: &'static dyn CryptoProvider,
    suite: CipherSuite,
    proposals: Vec<Proposal>,
) -> (Error, Vec<u8>, Vec<u8>) {
    let mut s = Scenario::new(provider, suite, 11);
    s.add_members(3);
    let g = s.members[0].group.as_mut().expect("member 0");
    let before = snapshot(g);
    // The provider is explicit: the testkit's is the calling thread's,
    // and this runs on a pool thread.
    let mut env = CommitEnv {
        rng: &mut TestRng::new(5),
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    let options = CommitOptions {
        proposals,
        ..CommitOptions::default()
    };
    let err = g
        .commit(provider, options, &mut env)
        .expect_err("bad KeyPackages refused");
    (err, before, snapshot(g))
}

#[test]
fn parallel_bulk_add_reports_the_first_bad_key_package_like_serial() {
    each_backend(|| {
        let (provider, suite, adds) = (provider(), suite_under_test(), bad_adds());
        let (serial, before, after) = pool(1).install(|| bulk_add(provider, suite, adds.clone()));
        let kind = format!("{serial:?}");
        assert_eq!(group_error(serial), GroupError::InvalidKeyPackage);
        assert!(before == after, "a refused commit changed the state");
        let (parallel, before, after) = pool(4).install(|| bulk_add(provider, suite, adds));
        assert_eq!(format!("{parallel:?}"), kind);
        assert!(before == after, "a refused commit changed the state");
    });
}
