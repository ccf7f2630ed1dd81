//! What the group-level integration tests share: the reference provider,
//! default environments, identities and KeyPackages for suite 0x0001, and
//! delivery helpers over a [`Scenario`]. Test support: it panics on
//! anything unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::codec::VLBytes;
use mls_core::crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider, SignaturePrivateKey};
use mls_core::error::{Error, ProtocolError};
use mls_core::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, CommitOutput, CredentialValidator, Group,
    GroupError, MemberIdentity, NoPsks, ProcessEnv, Received,
};
use mls_core::key_package::{KeyPackageParams, KeyPackagePrivate, generate_key_package};
use mls_core::messages::{Credential, KeyPackage, Lifetime, MlsMessage};

use crate::TestRng;
use crate::fixtures::capabilities;
use crate::scenario::Scenario;

/// The suite under test: suite 0x0001, unless [`each_backend`] runs the
/// test for another pair of backend and suite. Helpers that take a suite
/// read `SUITE` as "the suite under test".
pub const SUITE: CipherSuite = CipherSuite(1);

thread_local! {
    static UNDER_TEST: core::cell::Cell<Option<(&'static dyn CryptoProvider, CipherSuite)>> =
        const { core::cell::Cell::new(None) };
}

/// Runs `f` once for every compiled-in backend and each of suites 1 and 2
/// it serves; inside, [`provider`], [`suite_under_test`] and the helpers
/// answer for that pair. The group-rule tests run so, on every backend.
pub fn each_backend(f: impl Fn()) {
    let mut runs = 0;
    for (_, p) in crate::backends() {
        for s in [CipherSuite(1), CipherSuite(2)] {
            if p.cipher_suite(s).is_some() {
                UNDER_TEST.with(|c| c.set(Some((p, s))));
                f();
                runs += 1;
            }
        }
    }
    UNDER_TEST.with(|c| c.set(None));
    assert!(runs >= 2, "at least suites 1 and 2 of one backend");
}

/// The backend under test (the reference backend, RustCrypto, outside
/// [`each_backend`]).
pub fn provider() -> &'static dyn CryptoProvider {
    UNDER_TEST
        .with(|c| c.get())
        .map_or(crate::backends()[0].1, |(p, _)| p)
}

/// The suite under test ([`SUITE`] outside [`each_backend`]).
pub fn suite_under_test() -> CipherSuite {
    UNDER_TEST.with(|c| c.get()).map_or(SUITE, |(_, s)| s)
}

/// The backend under test's suite `suite` ([`SUITE`]: the suite under test).
pub fn suite(suite: CipherSuite) -> &'static dyn CipherSuiteProvider {
    let suite = if suite == SUITE {
        suite_under_test()
    } else {
        suite
    };
    provider().cipher_suite(suite).expect("suite served")
}

/// A three-member group (members 0, 1, 2 at leaves 0, 1, 2), seeded.
pub fn three(seed: u64) -> Scenario {
    let mut s = Scenario::new(provider(), suite_under_test(), seed);
    s.add_members(2);
    s
}

/// Member `i`'s group.
pub fn group(s: &mut Scenario, i: usize) -> &mut Group {
    s.members[i].group.as_mut().expect("active member")
}

/// The group rule `e` names; panics on any other error.
pub fn group_error(e: Error) -> GroupError {
    match e {
        Error::Protocol(ProtocolError::Group(g)) => g,
        other => panic!("expected a group rule, got {other:?}"),
    }
}

/// A lifetime that never ends.
pub fn forever() -> Lifetime {
    Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    }
}

/// `g` processes `msg` with no PSKs, no clock and `credentials`.
pub fn process_with(
    g: &mut Group,
    msg: &MlsMessage,
    credentials: &dyn CredentialValidator,
) -> Result<Received, Error> {
    let mut env = ProcessEnv {
        psks: &NoPsks,
        credentials,
        now: None,
    };
    g.process(provider(), msg, &mut env)
}

/// `g` processes `msg` with no PSKs, no clock, every credential accepted.
pub fn process(g: &mut Group, msg: &MlsMessage) -> Result<Received, Error> {
    process_with(g, msg, &AcceptAllCredentials)
}

/// `g` commits with `options`: no PSKs, no clock, every credential accepted.
pub fn commit(
    g: &mut Group,
    options: CommitOptions,
    rng: &mut TestRng,
) -> Result<CommitOutput, Error> {
    let mut env = CommitEnv {
        rng,
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    g.commit(provider(), options, &mut env)
}

/// Member `from` sends `msg`; every other active member processes it
/// (and must accept it).
pub fn deliver(s: &mut Scenario, from: usize, msg: &MlsMessage) {
    for i in s.active() {
        if i != from {
            let _ = process(group(s, i), msg).unwrap();
        }
    }
}

/// A fresh signature key pair and a Basic credential `name` in `suite`,
/// as a [`MemberIdentity`] with default capabilities; the private key is
/// returned again for tests that sign by hand.
pub fn identity_in(
    suite_id: CipherSuite,
    name: &[u8],
    rng: &mut TestRng,
) -> (MemberIdentity, SignaturePrivateKey) {
    let cs = suite(suite_id);
    let (sk, pk) = cs.signature().generate_key_pair(rng).unwrap();
    let id = MemberIdentity {
        credential: Credential::Basic(VLBytes::new(name.to_vec())),
        signature_key: sk.duplicate().into(),
        signature_public_key: pk,
        capabilities: capabilities(cs),
        extensions: vec![],
        lifetime: forever(),
    };
    (id, sk)
}

/// A KeyPackage of a new client `name` in `suite`, with its private part
/// and signature key.
pub fn key_package_in(
    suite_id: CipherSuite,
    name: &[u8],
    rng: &mut TestRng,
) -> (KeyPackage, KeyPackagePrivate, SignaturePrivateKey) {
    let cs = suite(suite_id);
    let (sk, _) = cs.signature().generate_key_pair(rng).unwrap();
    let (kp, private) = generate_key_package(
        cs,
        KeyPackageParams {
            signer: &sk,
            credential: Credential::Basic(VLBytes::new(name.to_vec())),
            capabilities: capabilities(cs),
            lifetime: forever(),
            leaf_extensions: vec![],
            extensions: vec![],
        },
        rng,
    )
    .unwrap();
    (kp, private, sk)
}

/// A KeyPackage of a new client in `suite_id`, with `edit` applied before
/// its leaf (when its source is still `key_package`) and the package are
/// re-signed by the client: a properly signed but possibly invalid package.
pub fn key_package_edited(
    suite_id: CipherSuite,
    seed: u64,
    edit: impl FnOnce(&mut KeyPackage),
) -> KeyPackage {
    use mls_core::crypto::labeled::sign_with_label;
    use mls_core::messages::LeafNodeSource;
    let cs = suite(suite_id);
    let (mut kp, _, sk) = key_package_in(suite_id, b"edited", &mut TestRng::new(seed));
    edit(&mut kp);
    if matches!(kp.leaf_node.leaf_node_source, LeafNodeSource::KeyPackage(_)) {
        let tbs = kp.leaf_node.tbs(None).unwrap();
        kp.leaf_node.signature =
            VLBytes::new(sign_with_label(cs, &sk, b"LeafNodeTBS", &tbs).unwrap());
    }
    let tbs = kp.tbs().unwrap();
    kp.signature = VLBytes::new(sign_with_label(cs, &sk, b"KeyPackageTBS", &tbs).unwrap());
    kp
}

/// `g`'s snapshot bytes (its whole persistent state).
pub fn snapshot(g: &Group) -> Vec<u8> {
    g.to_bytes().unwrap().as_bytes().to_vec()
}
