//! Custom (non-default) proposal types (RFC 9420 §12.1, §12.2, §13): carried
//! by reference through a commit when every member lists the type in its
//! capabilities, rejected when some member does not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::codec::VLBytes;
use mls_core::crypto::{CipherSuite, CryptoProvider};
use mls_core::error::{Error, ProtocolError};
use mls_core::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, Group, GroupConfig, GroupError, MemberIdentity,
    NoPsks, ProcessEnv, Received,
};
use mls_core::key_package::{KeyPackageParams, generate_key_package};
use mls_core::messages::{
    Add, Capabilities, Credential, CustomProposal, Lifetime, MlsMessageBody, Proposal, ProposalType,
};
use mls_vectors::TestRng;
use mls_vectors::fixtures::capabilities;

const SUITE: CipherSuite = CipherSuite(1);
const CUSTOM: ProposalType = ProposalType(0xF00D);

fn provider() -> &'static dyn CryptoProvider {
    mls_vectors::backends()[0].1
}

fn caps(custom: bool) -> Capabilities {
    let mut c = capabilities(provider().cipher_suite(SUITE).unwrap());
    if custom {
        c.proposals.push(CUSTOM);
    }
    c
}

/// Alice (custom-capable) and Bob (`bob_custom`), both members.
fn pair(bob_custom: bool) -> (Group, Group) {
    let cs = provider().cipher_suite(SUITE).unwrap();
    let mut rng = TestRng::new(1);
    let lifetime = Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    };
    let (sk, pk) = cs.signature().generate_key_pair(&mut rng).unwrap();
    let mut alice = Group::create(
        provider(),
        SUITE,
        b"custom".to_vec(),
        MemberIdentity {
            credential: Credential::Basic(VLBytes::new(b"alice".to_vec())),
            signature_key: sk.into(),
            signature_public_key: pk,
            capabilities: caps(true),
            extensions: vec![],
            lifetime,
        },
        vec![],
        GroupConfig::default(),
        &mut rng,
    )
    .unwrap();
    let (bsk, _) = cs.signature().generate_key_pair(&mut rng).unwrap();
    let (kp, private) = generate_key_package(
        cs,
        KeyPackageParams {
            signer: &bsk,
            credential: Credential::Basic(VLBytes::new(b"bob".to_vec())),
            capabilities: caps(bob_custom),
            lifetime,
            leaf_extensions: vec![],
            extensions: vec![],
        },
        &mut rng,
    )
    .unwrap();
    let out = {
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        alice
            .commit(
                provider(),
                CommitOptions {
                    proposals: vec![Proposal::Add(Add {
                        key_package: kp.clone(),
                    })],
                    ..Default::default()
                },
                &mut env,
            )
            .unwrap()
    };
    alice.merge_pending().unwrap();
    let MlsMessageBody::Welcome(w) = out.welcome.unwrap().body else {
        panic!()
    };
    let mut env = ProcessEnv {
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    let bob = Group::join(
        provider(),
        &w,
        &kp,
        private,
        bsk,
        None,
        &mut env,
        GroupConfig::default(),
    )
    .unwrap();
    (alice, bob)
}

fn custom() -> Proposal {
    Proposal::Custom(CustomProposal {
        proposal_type: CUSTOM,
        data: VLBytes::new(b"app-defined".to_vec()),
    })
}

#[test]
fn rfc9420_12_1_custom_proposal_committed_by_reference() {
    let (mut alice, mut bob) = pair(true);
    let mut rng = TestRng::new(2);
    let msg = bob.propose(provider(), custom(), &mut rng).unwrap();
    let mut env = ProcessEnv {
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    match alice.process(provider(), &msg, &mut env).unwrap() {
        Received::Proposal(p) => assert_eq!(p.proposal_type, CUSTOM),
        other => panic!("{other:?}"),
    }
    let out = {
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        alice
            .commit(
                provider(),
                CommitOptions {
                    include_pending: true,
                    ..Default::default()
                },
                &mut env,
            )
            .unwrap()
    };
    alice.merge_pending().unwrap();
    match bob.process(provider(), &out.commit, &mut env).unwrap() {
        Received::Commit(staged) => bob.merge_staged(*staged).unwrap(),
        other => panic!("{other:?}"),
    }
    assert_eq!(alice.epoch_authenticator(), bob.epoch_authenticator());
}

#[test]
fn rfc9420_12_2_rejects_a_custom_proposal_some_member_does_not_support() {
    let (mut alice, _bob) = pair(false);
    let mut rng = TestRng::new(3);
    let before = alice.to_bytes().unwrap();
    let mut env = CommitEnv {
        rng: &mut rng,
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    let e = alice
        .commit(
            provider(),
            CommitOptions {
                proposals: vec![custom()],
                ..Default::default()
            },
            &mut env,
        )
        .unwrap_err();
    assert_eq!(
        e,
        Error::Protocol(ProtocolError::Group(GroupError::UnsupportedProposalType))
    );
    assert_eq!(alice.to_bytes().unwrap().as_bytes(), before.as_bytes());
}
