//! The post-quantum suites of draft-ietf-mls-pq-ciphersuites-06 through the
//! group protocol, unchanged: the scenario driver on every PQ suite of every
//! backend that declares it, with more operations than the every-suite smoke
//! run of `tests/scenario.rs`; and the wire sizes of a KeyPackage, an Add
//! commit, its Welcome and a commit with an UpdatePath, next to the
//! classical suites (printed with `--nocapture`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::codec::{Encode, VLBytes};
use mls_core::crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider};
use mls_core::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, Group, GroupConfig, MemberIdentity, NoPsks,
    ProcessEnv,
};
use mls_core::key_package::{KeyPackageParams, generate_key_package};
use mls_core::messages::{Add, Credential, Lifetime, MlsMessageBody, Proposal};
use mls_vectors::fixtures::capabilities;
use mls_vectors::scenario::Scenario;
use mls_vectors::{TestRng, backends};

/// Operations per (backend, PQ suite).
const OPERATIONS: usize = 30;

#[test]
fn pq_suites_are_declared() {
    // RustCrypto serves all eleven; with the default features every PQ
    // suite has a backend.
    for s in CipherSuite::PQ {
        assert!(
            backends()
                .iter()
                .any(|(_, p)| p.supported_cipher_suites().contains(&s)),
            "{s:?} served by no backend"
        );
    }
}

/// RFC 9420 §12 on the PQ suites: adds, removes, updates, by-reference
/// proposals, PSKs, external joins, out-of-order application messages and
/// snapshots; every member agrees on the epoch authenticator, tree hash and
/// exporter after every epoch.
#[test]
fn pq_scenario_every_backend_every_pq_suite() {
    let mut runs = 0;
    for (name, provider) in backends() {
        for &suite in provider.supported_cipher_suites() {
            if !suite.is_pq() {
                continue;
            }
            let mut s = Scenario::new(provider, suite, 0x9000 + suite.0 as u64);
            s.add_members(4);
            while s.operations < OPERATIONS {
                s.random_operation();
            }
            s.external_join(false);
            s.exchange_messages();
            s.check_agreement();
            eprintln!(
                "{name} {suite:?}: {} operations, {} members, {} external joins, {} messages",
                s.operations,
                s.active().len(),
                s.external_joins,
                s.messages_delivered
            );
            assert!(s.messages_delivered > 0);
            runs += 1;
        }
    }
    assert!(runs >= CipherSuite::PQ.len(), "{runs} PQ runs");
}

/// Sizes in bytes of: a KeyPackage (MLSMessage), the commit adding it to a
/// one-member group, its Welcome, and a commit with an UpdatePath in the
/// resulting two-member group.
fn sizes(provider: &'static dyn CryptoProvider, suite: CipherSuite) -> [usize; 4] {
    let cs = provider.cipher_suite(suite).unwrap();
    let mut rng = TestRng::new(suite.0 as u64);
    let lifetime = Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    };
    let (sk, pk) = cs.signature().generate_key_pair(&mut rng).unwrap();
    let identity = MemberIdentity {
        credential: Credential::Basic(VLBytes::new(b"alice".to_vec())),
        signature_key: sk.into(),
        signature_public_key: pk,
        capabilities: capabilities(cs),
        extensions: vec![],
        lifetime,
    };
    let config = GroupConfig::default();
    let mut alice = Group::create(
        provider,
        suite,
        vec![7; 16],
        identity,
        vec![],
        config,
        &mut rng,
    )
    .unwrap();
    let (bob_sk, _) = cs.signature().generate_key_pair(&mut rng).unwrap();
    let (kp, bob_private) = generate_key_package(
        cs,
        KeyPackageParams {
            signer: &bob_sk,
            credential: Credential::Basic(VLBytes::new(b"bob".to_vec())),
            capabilities: capabilities(cs),
            lifetime,
            leaf_extensions: vec![],
            extensions: vec![],
        },
        &mut rng,
    )
    .unwrap();
    let kp_len = mls_core::messages::MlsMessage {
        body: MlsMessageBody::KeyPackage(kp.clone()),
    }
    .encode()
    .unwrap()
    .len();
    let creds = AcceptAllCredentials;
    let out = {
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &creds,
            now: None,
        };
        alice
            .commit(
                provider,
                CommitOptions {
                    proposals: vec![Proposal::Add(Add {
                        key_package: kp.clone(),
                    })],
                    ..CommitOptions::default()
                },
                &mut env,
            )
            .unwrap()
    };
    alice.merge_pending().unwrap();
    let add_len = out.commit.encode().unwrap().len();
    let welcome = out.welcome.unwrap();
    let welcome_len = welcome.encode().unwrap().len();
    let MlsMessageBody::Welcome(w) = welcome.body else {
        panic!("not a welcome")
    };
    let mut env = ProcessEnv {
        psks: &NoPsks,
        credentials: &creds,
        now: None,
    };
    let bob = Group::join(
        provider,
        &w,
        &kp,
        bob_private,
        bob_sk,
        None,
        &mut env,
        config,
    )
    .unwrap();
    assert_eq!(bob.epoch_authenticator(), alice.epoch_authenticator());
    let update = {
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &creds,
            now: None,
        };
        alice
            .commit(
                provider,
                CommitOptions {
                    force_path: true,
                    ..CommitOptions::default()
                },
                &mut env,
            )
            .unwrap()
    };
    [
        kp_len,
        add_len,
        welcome_len,
        update.commit.encode().unwrap().len(),
    ]
}

/// Wire sizes of the PQ suites next to the classical ones (RFC 9420 §17.1
/// suites 1, 2 and 7), on the first backend serving each. The sizes grow by
/// the KEM's public key (KeyPackage init key and leaf encryption key) and
/// ciphertext (UpdatePath, Welcome) and, for the ML-DSA suites, the
/// signature key and signatures; the check is only that the protocol
/// carries them.
#[test]
fn pq_wire_sizes_next_to_classical() {
    eprintln!("| suite | KeyPackage | Add commit | Welcome | commit with path (2 members) |");
    eprintln!("|---|---|---|---|---|");
    let classical = [CipherSuite(1), CipherSuite(2), CipherSuite(7)];
    for suite in classical.into_iter().chain(CipherSuite::PQ) {
        let Some((_, provider)) = backends()
            .into_iter()
            .find(|(_, p)| p.supported_cipher_suites().contains(&suite))
        else {
            continue;
        };
        let [kp, add, welcome, update] = sizes(provider, suite);
        eprintln!("| {suite:?} | {kp} | {add} | {welcome} | {update} |");
        let info = suite.info().unwrap();
        // Init key and encryption key are both KEM public keys.
        assert!(kp > 2 * info.npk, "{suite:?}");
        assert!(welcome > info.nenc && update > info.nenc, "{suite:?}");
        if let Some((sig_pk, sig)) = info.signature.mldsa_lengths() {
            assert!(kp > 2 * info.npk + sig_pk + sig, "{suite:?}");
        }
    }
}

/// The backends serving `suite`.
fn servers(suite: CipherSuite) -> Vec<(&'static str, &'static dyn CipherSuiteProvider)> {
    backends()
        .into_iter()
        .filter_map(|(n, p)| p.cipher_suite(suite).map(|cs| (n, cs)))
        .collect()
}

/// FIPS 204 deterministic ML-DSA (what every backend's `sign` is, having no
/// randomness): the same key and message give the same signature bytes on
/// every backend, and each verifies the others'.
#[test]
fn pq_mldsa_signatures_identical_across_backends() {
    let mut rng = TestRng::new(204);
    let mut compared = 0;
    for suite in CipherSuite::PQ {
        if suite.info().unwrap().signature.mldsa_lengths().is_none() {
            continue;
        }
        let servers = servers(suite);
        let (sk, pk) = servers[0]
            .1
            .signature()
            .generate_key_pair(&mut rng)
            .unwrap();
        let sig = servers[0].1.signature().sign(&sk, b"FIPS 204").unwrap();
        for (n, b) in &servers {
            assert_eq!(b.signature().public_key(&sk).unwrap(), pk, "{suite:?} {n}");
            assert_eq!(
                b.signature().sign(&sk, b"FIPS 204").unwrap(),
                sig,
                "{suite:?} {n}"
            );
            b.signature().verify(&pk, b"FIPS 204", &sig).unwrap();
            compared += 1;
        }
    }
    assert!(compared >= 3);
}

/// What one backend seals, another refuses to open once a bit of the KEM
/// output is flipped: in the ML-KEM ciphertext (implicit rejection gives
/// another key, FIPS 203 §6.3) or in the traditional part of a hybrid
/// (another DH output, or no valid point).
#[test]
fn pq_tampered_kem_output_fails_across_backends() {
    let mut rng = TestRng::new(203);
    for suite in CipherSuite::PQ {
        let servers = servers(suite);
        let nenc = suite.info().unwrap().nenc;
        let (sk, pk) = servers[0].1.hpke().derive_key_pair(b"tamper").unwrap();
        for (ns, sealer) in &servers {
            let ct = sealer
                .hpke()
                .seal(&pk, b"info", b"aad", b"pt", &mut rng)
                .unwrap();
            for (no, opener) in &servers {
                assert_eq!(
                    opener
                        .hpke()
                        .open(&sk, &ct.kem_output, b"info", b"aad", &ct.ciphertext)
                        .unwrap(),
                    b"pt",
                    "{suite:?}: {ns} sealed, {no} failed"
                );
                for i in [0, 700, nenc - 33, nenc - 1] {
                    let mut t = ct.kem_output.clone();
                    t[i] ^= 0x80;
                    assert!(
                        opener
                            .hpke()
                            .open(&sk, &t, b"info", b"aad", &ct.ciphertext)
                            .is_err(),
                        "{suite:?}: {no} opened {ns}'s KEM output flipped at {i}"
                    );
                }
            }
        }
    }
}
