//! Branching (RFC 9420 §11.3) and reinitialization (§11.2) through
//! resumption PSKs (§8.6), with the join checks of §12.4.3.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::codec::VLBytes;
use mls_core::crypto::{CipherSuite, SignaturePrivateKey};
use mls_core::error::{Error, ProtocolError, UsageError};
use mls_core::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, Group, GroupError, MemberIdentity, NoPsks,
    ProcessEnv, Received,
};
use mls_core::key_package::{KeyPackageParams, KeyPackagePrivate, generate_key_package};
use mls_core::messages::{
    Credential, KeyPackage, MlsMessageBody, PreSharedKey, PreSharedKeyId, Proposal,
    ProtocolVersion, Psk, ReInit, ResumptionPsk, ResumptionPskUsage, Welcome,
};
use mls_vectors::TestRng;
use mls_vectors::fixtures::capabilities;
use mls_vectors::scenario::Scenario;
use mls_vectors::testkit::{SUITE, forever, identity_in, key_package_in, provider};

fn key_package(
    name: &str,
    rng: &mut TestRng,
) -> (KeyPackage, KeyPackagePrivate, SignaturePrivateKey) {
    key_package_in(SUITE, name.as_bytes(), rng)
}

fn identity(name: &str, rng: &mut TestRng) -> MemberIdentity {
    identity_in(SUITE, name.as_bytes(), rng).0
}

fn join(
    w: &Welcome,
    kp: &KeyPackage,
    private: KeyPackagePrivate,
    sk: SignaturePrivateKey,
    old: &dyn mls_core::group::PskStore,
) -> Result<Group, Error> {
    let mut env = ProcessEnv {
        psks: old,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    Group::join(
        provider(),
        w,
        kp,
        private,
        sk,
        None,
        &mut env,
        Default::default(),
    )
}

fn group_error(e: Error) -> GroupError {
    match e {
        Error::Protocol(ProtocolError::Group(g)) => g,
        other => panic!("expected a group rule, got {other:?}"),
    }
}

#[test]
fn rfc9420_11_3_branch_a_subgroup_with_a_resumption_psk() {
    let mut s = Scenario::new(provider(), SUITE, 41);
    s.add_members(2);
    let mut rng = TestRng::new(42);
    let (kp1, private1, sk1) = key_package("member-1-branch", &mut rng);
    let old0 = s.members[0].group.as_ref().unwrap();
    let (branch0, out) = {
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        old0.branch(
            provider(),
            b"subgroup".to_vec(),
            identity("member-0", &mut TestRng::new(43)),
            vec![kp1.clone()],
            Default::default(),
            &mut env,
        )
        .unwrap()
    };
    assert_eq!(branch0.epoch(), 1);
    let MlsMessageBody::Welcome(w) = out.welcome.unwrap().body else {
        panic!()
    };
    // Without the old group's resumption PSK the Welcome cannot be opened.
    let (kp1b, private1b, sk1b) = (kp1.clone(), private1, sk1);
    let e = join(&w, &kp1b, private1b, sk1b.duplicate(), &NoPsks).unwrap_err();
    assert_eq!(group_error(e), GroupError::PskNotFound);
    // Member 1 joins with its old group as the PSK store.
    let (kp1, private1, sk1) = {
        // Re-derive the same KeyPackage secrets: generate again from the same seed.
        let mut rng = TestRng::new(42);
        key_package("member-1-branch", &mut rng)
    };
    assert_eq!(kp1, kp1b);
    let old1 = s.members[1].group.as_ref().unwrap();
    let branch1 = join(&w, &kp1, private1, sk1, old1).unwrap();
    assert_eq!(branch1.epoch_authenticator(), branch0.epoch_authenticator());
    assert_eq!(branch1.group_id(), b"subgroup");
}

#[test]
fn rfc9420_12_1_4_rejects_a_branch_psk_in_a_regular_commit() {
    let mut s = Scenario::new(provider(), SUITE, 51);
    s.add_members(1);
    let g = s.members[0].group.as_mut().unwrap();
    let psk = Proposal::PreSharedKey(PreSharedKey {
        psk: PreSharedKeyId {
            psk: Psk::Resumption(ResumptionPsk {
                usage: ResumptionPskUsage::Branch,
                psk_group_id: VLBytes::new(g.group_id().to_vec()),
                psk_epoch: g.epoch(),
            }),
            psk_nonce: VLBytes::new(vec![0; 32]),
        },
    });
    let mut rng = TestRng::new(52);
    let mut env = CommitEnv {
        rng: &mut rng,
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    let e = g
        .commit(
            provider(),
            CommitOptions {
                proposals: vec![psk],
                ..Default::default()
            },
            &mut env,
        )
        .unwrap_err();
    assert_eq!(group_error(e), GroupError::ResumptionPskUsageNotAllowed);
}

#[test]
fn rfc9420_11_2_reinitialize_a_group() {
    let mut s = Scenario::new(provider(), SUITE, 61);
    s.add_members(2);
    let mut rng = TestRng::new(62);
    // No ReInit yet: no successor.
    {
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let e = s.members[0]
            .group
            .as_ref()
            .unwrap()
            .reinit_successor(
                provider(),
                identity("m0", &mut TestRng::new(1)),
                vec![],
                Default::default(),
                &mut env,
            )
            .unwrap_err();
        assert_eq!(e, Error::Usage(UsageError::NoReInit));
    }
    // Member 0 commits a ReInit to suite 0x0003; everyone merges it.
    let reinit = Proposal::ReInit(ReInit {
        group_id: VLBytes::new(b"reinitialized".to_vec()),
        version: ProtocolVersion::MLS10,
        cipher_suite: CipherSuite(3),
        extensions: vec![],
    });
    let out = {
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let g = s.members[0].group.as_mut().unwrap();
        let out = g
            .commit(
                provider(),
                CommitOptions {
                    proposals: vec![reinit],
                    ..Default::default()
                },
                &mut env,
            )
            .unwrap();
        g.merge_pending().unwrap();
        out
    };
    for i in [1, 2] {
        let mut env = ProcessEnv {
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let g = s.members[i].group.as_mut().unwrap();
        match g.process(provider(), &out.commit, &mut env).unwrap() {
            Received::Commit(staged) => {
                assert!(staged.reinit().is_some());
                g.merge_staged(*staged).unwrap();
            }
            other => panic!("{other:?}"),
        }
        assert!(
            !g.is_active(),
            "a reinitialized group must not be used to send"
        );
    }
    // The successor, in suite 0x0003, with fresh KeyPackages of 1 and 2.
    let cs3 = provider().cipher_suite(CipherSuite(3)).unwrap();
    let mut kps = Vec::new();
    for name in ["m1", "m2"] {
        let (sk, _) = cs3.signature().generate_key_pair(&mut rng).unwrap();
        let (kp, private) = generate_key_package(
            cs3,
            KeyPackageParams {
                signer: &sk,
                credential: Credential::Basic(VLBytes::new(name.as_bytes().to_vec())),
                capabilities: capabilities(cs3),
                lifetime: forever(),
                leaf_extensions: vec![],
                extensions: vec![],
            },
            &mut rng,
        )
        .unwrap();
        kps.push((kp, private, sk));
    }
    let cs3_id = {
        let (sk, pk) = cs3.signature().generate_key_pair(&mut rng).unwrap();
        MemberIdentity {
            credential: Credential::Basic(VLBytes::new(b"m0".to_vec())),
            signature_key: sk.into(),
            signature_public_key: pk,
            capabilities: capabilities(cs3),
            extensions: vec![],
            lifetime: forever(),
        }
    };
    let (new0, out) = {
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        s.members[0]
            .group
            .as_ref()
            .unwrap()
            .reinit_successor(
                provider(),
                cs3_id,
                kps.iter().map(|k| k.0.clone()).collect(),
                Default::default(),
                &mut env,
            )
            .unwrap()
    };
    assert_eq!(
        (new0.epoch(), new0.cipher_suite(), new0.group_id()),
        (1, CipherSuite(3), &b"reinitialized"[..])
    );
    let MlsMessageBody::Welcome(w) = out.welcome.unwrap().body else {
        panic!()
    };
    for (i, (kp, private, sk)) in kps.into_iter().enumerate() {
        let old = s.members[i + 1].group.as_ref().unwrap();
        let g = join(&w, &kp, private, sk, old).unwrap();
        assert_eq!(g.epoch_authenticator(), new0.epoch_authenticator());
    }
}

#[test]
fn rfc9420_8_6_resumption_psk_of_an_earlier_epoch_by_reference() {
    // Member 1 proposes the resumption PSK of the epoch before this one;
    // member 0 commits it by reference; everyone injects the same secret.
    let mut s = Scenario::new(provider(), SUITE, 70);
    s.add_members(2);
    // One more epoch, so that every member knows the previous one.
    s.self_update();
    let mut rng = TestRng::new(71);
    let g1 = s.members[1].group.as_mut().unwrap();
    let (gid, epoch) = (g1.group_id().to_vec(), g1.epoch());
    assert!(
        matches!(
            g1.propose_resumption_psk(provider(), &gid, epoch + 5, &mut rng),
            Err(Error::Protocol(ProtocolError::Group(
                GroupError::PskNotFound
            )))
        ),
        "a PSK of a future epoch is refused"
    );
    let msg = g1
        .propose_resumption_psk(provider(), &gid, epoch - 1, &mut rng)
        .unwrap();
    for i in [0, 2] {
        let mut env = ProcessEnv {
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let g = s.members[i].group.as_mut().unwrap();
        assert!(matches!(
            g.process(provider(), &msg, &mut env).unwrap(),
            Received::Proposal(_)
        ));
    }
    let g0 = s.members[0].group.as_mut().unwrap();
    let mut env = CommitEnv {
        rng: &mut rng,
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    let out = g0
        .commit(
            provider(),
            CommitOptions {
                include_pending: true,
                ..CommitOptions::default()
            },
            &mut env,
        )
        .unwrap();
    g0.merge_pending().unwrap();
    let expected = g0.epoch_authenticator().to_vec();
    for i in [1, 2] {
        let mut env = ProcessEnv {
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let g = s.members[i].group.as_mut().unwrap();
        let Received::Commit(staged) = g.process(provider(), &out.commit, &mut env).unwrap() else {
            panic!("expected a commit")
        };
        assert!(matches!(
            &staged.psks[..],
            [PreSharedKeyId {
                psk: Psk::Resumption(ResumptionPsk {
                    usage: ResumptionPskUsage::Application,
                    ..
                }),
                ..
            }]
        ));
        g.merge_staged(*staged).unwrap();
        assert_eq!(g.epoch_authenticator(), expected.as_slice());
    }
}
