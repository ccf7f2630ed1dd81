//! A member whose signing key the library never sees (RFC 9420 §5.1.2): the
//! group signs through `mls_core::crypto::Signer`, its snapshots hold no
//! key, and restoring one needs the signer again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mls_core::crypto::{CipherSuiteProvider, CryptoError, SignaturePrivateKey, Signer};
use mls_core::error::{Error, UsageError};
use mls_core::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, Group, GroupConfig, MemberSigner, NoPsks,
    Received,
};
use mls_core::messages::{Add, Proposal};
use mls_vectors::TestRng;
use mls_vectors::testkit::{
    SUITE, each_backend, identity_in, key_package_in, process, provider, suite_under_test,
};

/// A stand-in for a key in an HSM: signs through its own key and counts
/// how often the library asked it to.
struct CountingSigner {
    key: SignaturePrivateKey,
    calls: AtomicUsize,
}

impl Signer for CountingSigner {
    fn sign(&self, cs: &dyn CipherSuiteProvider, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        cs.signature().sign(&self.key, message)
    }
    fn public_key(&self, cs: &dyn CipherSuiteProvider) -> Result<Vec<u8>, CryptoError> {
        cs.signature().public_key(&self.key)
    }
}

#[test]
fn rfc9420_5_1_2_a_member_signs_with_an_external_signer() {
    each_backend(|| {
        let mut rng = TestRng::new(7);
        let (mut id, sk) = identity_in(SUITE, b"alice", &mut rng);
        let signer = Arc::new(CountingSigner {
            key: sk,
            calls: AtomicUsize::new(0),
        });
        id.signature_key = MemberSigner::External(signer.clone());
        let mut alice = Group::create(
            provider(),
            suite_under_test(),
            b"hsm".to_vec(),
            id,
            vec![],
            GroupConfig::default(),
            &mut rng,
        )
        .unwrap();
        // Its leaf was signed by the external signer.
        assert_eq!(signer.calls.load(Ordering::SeqCst), 1);

        let (kp, private, bob_sk) = key_package_in(SUITE, b"bob", &mut rng);
        let out = alice
            .commit(
                provider(),
                CommitOptions {
                    proposals: vec![Proposal::Add(Add {
                        key_package: kp.clone(),
                    })],
                    ..CommitOptions::default()
                },
                &mut CommitEnv {
                    rng: &mut rng,
                    psks: &NoPsks,
                    credentials: &AcceptAllCredentials,
                    now: None,
                },
            )
            .unwrap();
        alice.merge_pending().unwrap();
        // The commit and the GroupInfo (an Add needs no path).
        assert_eq!(signer.calls.load(Ordering::SeqCst), 3);
        let Some(mls_core::messages::MlsMessage {
            body: mls_core::messages::MlsMessageBody::Welcome(w),
        }) = out.welcome
        else {
            panic!("an Add makes a Welcome")
        };
        let mut bob = Group::join(
            provider(),
            &w,
            &kp,
            private,
            bob_sk,
            None,
            &mut mls_core::group::ProcessEnv {
                psks: &NoPsks,
                credentials: &AcceptAllCredentials,
                now: None,
            },
            GroupConfig::default(),
        )
        .unwrap();

        // The snapshot holds no key: restoring it without the signer is a
        // typed error; with it, the member goes on signing through it.
        let bytes = alice.to_bytes().unwrap();
        let e = Group::from_bytes(provider(), bytes.as_bytes()).unwrap_err();
        assert_eq!(e, Error::Usage(UsageError::SignerRequired));
        let mut restored =
            Group::from_bytes_with_signer(provider(), bytes.as_bytes(), signer.clone()).unwrap();
        let msg = restored
            .protect(provider(), b"signed elsewhere", b"", &mut rng)
            .unwrap();
        assert_eq!(signer.calls.load(Ordering::SeqCst), 4);
        match process(&mut bob, &msg).unwrap() {
            Received::Application { data, .. } => assert_eq!(data, b"signed elsewhere"),
            other => panic!("expected application data, got {other:?}"),
        }
    });
}
