//! The `parallel` feature (rayon) changes where the work runs, never what
//! it produces: the same seeded scenario run in a one-thread pool (every
//! loop serial) and in a four-thread pool (seals, signature checks and
//! tree hashes fanned out) gives byte-identical messages and states, and a
//! bulk add with two bad KeyPackages fails on the first of them in both.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::Error;
use mls_core::codec::VLBytes;
use mls_core::crypto::{CipherSuite, CryptoProvider};
use mls_core::group::{AcceptAllCredentials, CommitEnv, CommitOptions, GroupError};
use mls_core::key_package::{KeyPackageParams, generate_key_package};
use mls_core::messages::{Add, Credential, Lifetime, Proposal};
use mls_vectors::fixtures::capabilities;
use mls_vectors::scenario::Scenario;
use mls_vectors::testkit::group_error;
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
        .map(|g| {
            (
                g.to_bytes().expect("snapshot").as_bytes().to_vec(),
                g.epoch_authenticator().to_vec(),
            )
        })
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

/// A bulk add of twelve KeyPackages where the 4th has a bad KeyPackage
/// signature and the 8th a bad LeafNode signature.
fn bad_bulk_add(provider: &'static dyn CryptoProvider) -> (Error, Vec<u8>, Vec<u8>) {
    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    let cs = provider.cipher_suite(suite).expect("suite");
    let mut s = Scenario::new(provider, suite, 11);
    s.add_members(3);
    let mut rng = TestRng::new(99);
    let mut proposals = Vec::new();
    for k in 0..12u32 {
        let (sk, _) = cs.signature().generate_key_pair(&mut rng).expect("key");
        let (mut kp, _) = generate_key_package(
            cs,
            KeyPackageParams {
                signer: &sk,
                credential: Credential::Basic(VLBytes::new(format!("joiner-{k}").into_bytes())),
                capabilities: capabilities(cs),
                lifetime: Lifetime {
                    not_before: 0,
                    not_after: u64::MAX,
                },
                leaf_extensions: vec![],
                extensions: vec![],
            },
            &mut rng,
        )
        .expect("key package");
        if k == 3 {
            let mut sig = kp.signature.as_slice().to_vec();
            sig[0] ^= 1;
            kp.signature = VLBytes::new(sig);
        }
        if k == 7 {
            let mut sig = kp.leaf_node.signature.as_slice().to_vec();
            sig[0] ^= 1;
            kp.leaf_node.signature = VLBytes::new(sig);
        }
        proposals.push(Proposal::Add(Add { key_package: kp }));
    }
    let g = s.members[0].group.as_mut().expect("member 0");
    let before = g.to_bytes().expect("snapshot").as_bytes().to_vec();
    let mut env = CommitEnv {
        rng: &mut rng,
        psks: &std::collections::BTreeMap::<Vec<u8>, Vec<u8>>::new(),
        credentials: &AcceptAllCredentials,
        now: None,
    };
    let err = g
        .commit(
            provider,
            CommitOptions {
                proposals,
                ..CommitOptions::default()
            },
            &mut env,
        )
        .expect_err("bad KeyPackages refused");
    let after = g.to_bytes().expect("snapshot").as_bytes().to_vec();
    (err, before, after)
}

#[test]
fn parallel_bulk_add_reports_the_first_bad_key_package_like_serial() {
    for (name, provider) in backends() {
        if provider
            .cipher_suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
            .is_none()
        {
            continue;
        }
        let (serial, before, after) = pool(1).install(|| bad_bulk_add(provider));
        let kind = format!("{serial:?}");
        assert_eq!(group_error(serial), GroupError::InvalidKeyPackage, "{name}");
        assert!(
            before == after,
            "{name}: a refused commit changed the state"
        );
        let (parallel, before, after) = pool(4).install(|| bad_bulk_add(provider));
        assert_eq!(format!("{parallel:?}"), kind, "{name}");
        assert!(
            before == after,
            "{name}: a refused commit changed the state"
        );
    }
}
