//! Negative tests of the group rules, each named after its RFC 9420 section.
//! Every rejected input must leave the member's state byte-identical.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::codec::VLBytes;
use mls_core::crypto::CipherSuite;
use mls_core::error::{Error, ProtocolError};
use mls_core::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, Group, GroupError, NoPsks, ProcessEnv, Received,
};
use mls_core::messages::{
    Add, ExternalInit, GroupContextExtensions, MlsMessage, MlsMessageBody, PreSharedKey,
    PreSharedKeyId, Proposal, Psk, ReInit, Remove,
};
use mls_vectors::TestRng;
use mls_vectors::scenario::Scenario;
use mls_vectors::testkit::{
    SUITE, commit, each_backend, group, group_error, key_package_in, process, provider, suite,
    suite_under_test, three,
};

fn try_commit(g: &mut Group, proposals: Vec<Proposal>) -> Result<(), Error> {
    let mut rng = TestRng::new(1);
    let mut env = CommitEnv {
        rng: &mut rng,
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    let before = g.to_bytes().unwrap();
    let r = g
        .commit(
            provider(),
            CommitOptions {
                proposals,
                ..CommitOptions::default()
            },
            &mut env,
        )
        .map(|_| ());
    if r.is_err() {
        assert_eq!(
            g.to_bytes().unwrap().as_bytes(),
            before.as_bytes(),
            "a failed commit changed the state"
        );
    }
    r
}

#[test]
fn rfc9420_12_2_rejects_commit_removing_the_committer() {
    each_backend(|| {
        let mut s = three(7);
        let g = group(&mut s, 0);
        let me = g.own_leaf().0;
        let e = try_commit(
            g,
            vec![Proposal::Remove(Remove {
                removed: mls_core::group::LeafIndex(me),
            })],
        )
        .unwrap_err();
        assert_eq!(group_error(e), GroupError::CommitterRemoved);
    });
}

#[test]
fn rfc9420_12_2_rejects_two_removes_of_one_leaf() {
    each_backend(|| {
        let mut s = three(7);
        let victim = group(&mut s, 1).own_leaf().0;
        let e = try_commit(
            group(&mut s, 0),
            vec![
                Proposal::Remove(Remove {
                    removed: mls_core::group::LeafIndex(victim),
                }),
                Proposal::Remove(Remove {
                    removed: mls_core::group::LeafIndex(victim),
                }),
            ],
        )
        .unwrap_err();
        assert_eq!(group_error(e), GroupError::DuplicateLeafChange);
    });
}

#[test]
fn rfc9420_12_1_3_rejects_remove_of_blank_leaf() {
    each_backend(|| {
        let mut s = three(7);
        let e = try_commit(
            group(&mut s, 0),
            vec![Proposal::Remove(Remove {
                removed: mls_core::group::LeafIndex(99),
            })],
        )
        .unwrap_err();
        assert_eq!(group_error(e), GroupError::RemoveOfBlankLeaf);
    });
}

#[test]
fn rfc9420_12_2_rejects_two_group_context_extensions() {
    each_backend(|| {
        let mut s = three(7);
        let gce = Proposal::GroupContextExtensions(GroupContextExtensions { extensions: vec![] });
        let e = try_commit(group(&mut s, 0), vec![gce.clone(), gce]).unwrap_err();
        assert_eq!(group_error(e), GroupError::MultipleGroupContextExtensions);
    });
}

#[test]
fn rfc9420_12_2_rejects_reinit_with_other_proposals() {
    each_backend(|| {
        let mut s = three(7);
        let g = group(&mut s, 0);
        let reinit = Proposal::ReInit(ReInit {
            group_id: VLBytes::new(b"new".to_vec()),
            version: mls_core::messages::ProtocolVersion::MLS10,
            cipher_suite: suite_under_test(),
            extensions: vec![],
        });
        let victim = 1;
        let e = try_commit(
            g,
            vec![
                reinit,
                Proposal::Remove(Remove {
                    removed: mls_core::group::LeafIndex(victim),
                }),
            ],
        )
        .unwrap_err();
        assert_eq!(group_error(e), GroupError::ReInitNotAlone);
    });
}

#[test]
fn rfc9420_12_2_rejects_external_init_in_a_regular_commit() {
    each_backend(|| {
        let mut s = three(7);
        let ei = Proposal::ExternalInit(ExternalInit {
            kem_output: VLBytes::new(vec![1; 32]),
        });
        let e = try_commit(group(&mut s, 0), vec![ei]).unwrap_err();
        assert_eq!(group_error(e), GroupError::ExternalInitMisplaced);
    });
}

#[test]
fn rfc9420_12_2_rejects_two_adds_of_one_client() {
    each_backend(|| {
        let mut s = three(7);
        let (_, kp) = fresh_key_package(&mut s);
        let add = Proposal::Add(Add { key_package: kp });
        let e = try_commit(group(&mut s, 0), vec![add.clone(), add]).unwrap_err();
        assert_eq!(group_error(e), GroupError::DuplicateAdd);
    });
}

fn fresh_key_package(s: &mut Scenario) -> (usize, mls_core::messages::KeyPackage) {
    let (kp, _, _) = key_package_in(SUITE, b"x", &mut TestRng::new(99));
    (s.members.len(), kp)
}

#[test]
fn rfc9420_10_1_rejects_add_with_a_bad_key_package_signature() {
    each_backend(|| {
        let mut s = three(7);
        let (_, mut kp) = fresh_key_package(&mut s);
        let mut sig = kp.signature.as_slice().to_vec();
        sig[0] ^= 1;
        kp.signature = VLBytes::new(sig);
        let e = try_commit(
            group(&mut s, 0),
            vec![Proposal::Add(Add { key_package: kp })],
        )
        .unwrap_err();
        assert_eq!(group_error(e), GroupError::InvalidKeyPackage);
    });
}

#[test]
fn rfc9420_10_1_rejects_key_package_of_another_suite() {
    each_backend(|| {
        let mut s = three(7);
        let (_, mut kp) = fresh_key_package(&mut s);
        kp.cipher_suite = CipherSuite(3);
        let e = try_commit(
            group(&mut s, 0),
            vec![Proposal::Add(Add { key_package: kp })],
        )
        .unwrap_err();
        assert_eq!(group_error(e), GroupError::InvalidKeyPackage);
    });
}

#[test]
fn rfc9420_8_4_rejects_unknown_external_psk() {
    each_backend(|| {
        let mut s = three(7);
        let psk = Proposal::PreSharedKey(PreSharedKey {
            psk: PreSharedKeyId {
                psk: Psk::External(VLBytes::new(b"nope".to_vec())),
                psk_nonce: VLBytes::new(vec![0; 32]),
            },
        });
        let e = try_commit(group(&mut s, 0), vec![psk]).unwrap_err();
        assert_eq!(group_error(e), GroupError::PskNotFound);
    });
}

#[test]
fn rfc9420_6_2_rejects_a_tampered_membership_tag_and_changes_nothing() {
    each_backend(|| {
        let mut s = three(7);
        let mut rng = TestRng::new(3);
        let msg = group(&mut s, 0)
            .propose_update(provider(), &mut rng)
            .unwrap();
        let MlsMessageBody::PublicMessage(mut pm) = msg.body else {
            panic!()
        };
        let mut tag = pm.membership_tag.clone().unwrap().as_slice().to_vec();
        tag[0] ^= 1;
        pm.membership_tag = Some(VLBytes::new(tag));
        let tampered = MlsMessage {
            body: MlsMessageBody::PublicMessage(pm),
        };
        let g = group(&mut s, 1);
        let before = g.to_bytes().unwrap();
        let e = process(g, &tampered).unwrap_err();
        assert_eq!(
            e,
            Error::Protocol(ProtocolError::Framing(
                mls_core::protect::FramingError::MembershipTagMismatch
            ))
        );
        assert_eq!(g.to_bytes().unwrap().as_bytes(), before.as_bytes());
    });
}

#[test]
fn rfc9420_6_rejects_a_message_of_another_epoch() {
    each_backend(|| {
        let mut s = three(7);
        let mut rng = TestRng::new(3);
        let msg = group(&mut s, 0)
            .propose_update(provider(), &mut rng)
            .unwrap();
        group(&mut s, 0).discard_pending();
        // Move member 1 one epoch ahead on its own: it cannot, so instead feed
        // member 1 a message whose epoch field is altered.
        let MlsMessageBody::PublicMessage(mut pm) = msg.body else {
            panic!()
        };
        pm.content.epoch += 1;
        let e = process(
            group(&mut s, 1),
            &MlsMessage {
                body: MlsMessageBody::PublicMessage(pm),
            },
        )
        .unwrap_err();
        assert_eq!(
            e,
            Error::Protocol(ProtocolError::Framing(
                mls_core::protect::FramingError::WrongEpoch
            ))
        );
    });
}

#[test]
fn rfc9420_6_3_rejects_a_flipped_private_message_and_changes_nothing() {
    each_backend(|| {
        let mut s = three(7);
        let mut rng = TestRng::new(4);
        let msg = group(&mut s, 0)
            .protect(provider(), b"hello", b"", &mut rng)
            .unwrap();
        let MlsMessageBody::PrivateMessage(mut pm) = msg.body.clone() else {
            panic!()
        };
        let mut ct = pm.ciphertext.as_slice().to_vec();
        let last = ct.len() - 1;
        ct[last] ^= 1;
        pm.ciphertext = VLBytes::new(ct);
        let g = group(&mut s, 1);
        let before = g.to_bytes().unwrap();
        assert!(
            process(
                g,
                &MlsMessage {
                    body: MlsMessageBody::PrivateMessage(pm)
                }
            )
            .is_err()
        );
        assert_eq!(g.to_bytes().unwrap().as_bytes(), before.as_bytes());
        // The genuine message still decrypts afterwards, exactly once (§9.2).
        assert!(matches!(
            process(g, &msg).unwrap(),
            Received::Application { .. }
        ));
        assert!(process(g, &msg).is_err());
    });
}

#[test]
fn rfc9420_12_4_3_1_rejects_a_welcome_for_another_key_package() {
    each_backend(|| {
        let mut s = three(7);
        let (_, kp) = fresh_key_package(&mut s);
        let mut rng = TestRng::new(5);
        let options = CommitOptions {
            proposals: vec![Proposal::Add(Add { key_package: kp })],
            ..Default::default()
        };
        let out = commit(group(&mut s, 0), options, &mut rng).unwrap();
        let MlsMessageBody::Welcome(w) = out.welcome.unwrap().body else {
            panic!()
        };
        let (other, private, sk) = key_package_in(SUITE, b"y", &mut rng);
        let mut env = ProcessEnv {
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let r = Group::join(
            provider(),
            &w,
            &other,
            private,
            sk,
            None,
            &mut env,
            Default::default(),
        );
        assert!(r.is_err());
    });
}

#[test]
fn snapshot_from_bytes_rejects_garbage_without_panicking() {
    each_backend(|| {
        let mut s = three(7);
        let bytes = group(&mut s, 0).to_bytes().unwrap();
        let b = bytes.as_bytes();
        for cut in [0, 3, 6, 20, b.len() / 2, b.len() - 1] {
            assert!(Group::from_bytes(provider(), &b[..cut]).is_err());
        }
        let mut extra = b.to_vec();
        extra.push(0);
        assert!(Group::from_bytes(provider(), &extra).is_err());
        let mut flipped = b.to_vec();
        flipped[4] ^= 0xFF;
        assert!(Group::from_bytes(provider(), &flipped).is_err());
    });
}

/// Member 1 proposes an Update whose leaf `edit` changed, signed by it;
/// members 0 and 2 cache it. Member 0's commit of all cached proposals
/// leaves the invalid one out (RFC 9420 §12.4); a commit that references it
/// anyway is rejected by member 2 with the returned error, state unchanged.
fn update_commit_error(edit: impl FnOnce(&mut mls_core::messages::LeafNode)) -> GroupError {
    let mut s = three(7);
    let mut leaf = group(&mut s, 1).own_leaf_node().unwrap().clone();
    leaf.leaf_node_source = mls_core::messages::LeafNodeSource::Update;
    edit(&mut leaf);
    let g = group(&mut s, 1);
    let cs = suite(SUITE);
    let ctx = match leaf.leaf_node_source {
        mls_core::messages::LeafNodeSource::KeyPackage(_) => None,
        _ => Some((g.group_id(), g.own_leaf().0)),
    };
    let tbs = leaf.tbs(ctx).unwrap();
    leaf.signature = VLBytes::new(
        mls_core::crypto::labeled::sign_with_label(
            cs,
            g.signer_for_testing().unwrap(),
            b"LeafNodeTBS",
            &tbs,
        )
        .unwrap(),
    );
    let msg = g
        .propose(
            provider(),
            Proposal::Update(mls_core::messages::Update { leaf_node: leaf }),
            &mut TestRng::new(8),
        )
        .unwrap();
    for i in [0, 2] {
        assert!(matches!(
            process(group(&mut s, i), &msg).unwrap(),
            Received::Proposal(_)
        ));
    }
    let reference = group(&mut s, 0).pending_proposals()[0].reference.clone();
    let mut rng = TestRng::new(6);
    let mut env = CommitEnv {
        rng: &mut rng,
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    let g = group(&mut s, 0);
    let honest = g
        .commit(
            provider(),
            CommitOptions {
                include_pending: true,
                ..Default::default()
            },
            &mut env,
        )
        .unwrap();
    g.discard_pending();
    match process(group(&mut s, 2), &honest.commit).unwrap() {
        Received::Commit(staged) => assert!(staged.updated.is_empty(), "invalid Update committed"),
        other => panic!("{other:?}"),
    }
    let g = group(&mut s, 0);
    let forged = g
        .commit_forged(provider(), CommitOptions::default(), &mut env, &mut |f| {
            if let mls_core::group::Forge::Commit { commit, .. } = f {
                commit
                    .proposals
                    .push(mls_core::messages::ProposalOrRef::Reference(VLBytes::new(
                        reference.clone(),
                    )));
            }
        })
        .unwrap();
    g.discard_pending();
    let g = group(&mut s, 2);
    let before = g.to_bytes().unwrap();
    let e = process(g, &forged.commit).unwrap_err();
    assert_eq!(g.to_bytes().unwrap().as_bytes(), before.as_bytes());
    group_error(e)
}

#[test]
fn rfc9420_12_1_2_rejects_update_keeping_the_encryption_key() {
    each_backend(|| {
        assert_eq!(
            update_commit_error(|_| {}),
            GroupError::EncryptionKeyNotFresh
        );
    });
}

#[test]
fn rfc9420_7_3_rejects_update_whose_leaf_source_is_not_update() {
    each_backend(|| {
        let e = update_commit_error(|leaf| {
            leaf.leaf_node_source =
                mls_core::messages::LeafNodeSource::KeyPackage(mls_core::messages::Lifetime {
                    not_before: 0,
                    not_after: u64::MAX,
                })
        });
        assert_eq!(e, GroupError::LeafNodeSourceMismatch);
    });
}

#[test]
fn rfc9420_7_3_rejects_update_reusing_another_members_encryption_key() {
    each_backend(|| {
        let mut s = three(7);
        let taken = group(&mut s, 2)
            .own_leaf_node()
            .unwrap()
            .encryption_key
            .clone();
        let e = update_commit_error(move |leaf| leaf.encryption_key = taken);
        assert_eq!(e, GroupError::DuplicatePublicKey);
    });
}

#[test]
fn rfc9420_11_1_rejects_required_capabilities_members_lack() {
    each_backend(|| {
        use mls_core::messages::Extension;
        use mls_core::messages::{ExtensionType, RequiredCapabilities};
        let mut s = three(7);
        let req = RequiredCapabilities {
            extension_types: vec![ExtensionType(0xF000)],
            proposal_types: vec![],
            credential_types: vec![],
        };
        let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
            extensions: vec![Extension {
                extension_type: ExtensionType::REQUIRED_CAPABILITIES.0,
                extension_data: VLBytes::new(mls_core::codec::Encode::encode(&req).unwrap()),
            }],
        });
        let e = try_commit(group(&mut s, 0), vec![gce]).unwrap_err();
        assert_eq!(group_error(e), GroupError::UnsupportedExtension);
    });
}

#[test]
fn rfc9420_13_rejects_a_group_extension_members_do_not_support() {
    each_backend(|| {
        use mls_core::messages::Extension;
        let mut s = three(7);
        let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
            extensions: vec![Extension {
                extension_type: 0xF001,
                extension_data: VLBytes::new(vec![]),
            }],
        });
        let e = try_commit(group(&mut s, 0), vec![gce]).unwrap_err();
        assert_eq!(group_error(e), GroupError::UnsupportedExtension);
    });
}

/// An authentication service that refuses one identity.
struct Refuse(&'static [u8]);

impl mls_core::group::CredentialValidator for Refuse {
    fn validate(&self, credential: &mls_core::messages::Credential, _: &[u8]) -> bool {
        !matches!(credential, mls_core::messages::Credential::Basic(id) if id.as_slice() == self.0)
    }
}

#[test]
fn rfc9420_5_3_1_credential_hook_refuses_a_new_member() {
    each_backend(|| {
        let mut s = three(7);
        let (_, kp) = fresh_key_package(&mut s);
        // fresh_key_package's credential is "x".
        let g = group(&mut s, 0);
        let before = g.to_bytes().unwrap();
        let mut rng = TestRng::new(12);
        let refuse = Refuse(b"x");
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &refuse,
            now: None,
        };
        let e = g
            .commit(
                provider(),
                CommitOptions {
                    proposals: vec![Proposal::Add(Add { key_package: kp })],
                    ..Default::default()
                },
                &mut env,
            )
            .unwrap_err();
        assert_eq!(group_error(e), GroupError::CredentialRejected);
        assert_eq!(g.to_bytes().unwrap().as_bytes(), before.as_bytes());
    });
}

#[test]
fn rfc9420_7_3_rejects_adding_an_expired_key_package_when_the_time_is_known() {
    each_backend(|| {
        let mut s = three(7);
        let cs = suite(SUITE);
        let mut rng = TestRng::new(77);
        let (sk, _) = cs.signature().generate_key_pair(&mut rng).unwrap();
        let (kp, _) = mls_core::key_package::generate_key_package(
            cs,
            mls_core::key_package::KeyPackageParams {
                signer: &sk,
                credential: mls_core::messages::Credential::Basic(VLBytes::new(b"old".to_vec())),
                capabilities: mls_vectors::fixtures::capabilities(cs),
                lifetime: mls_core::messages::Lifetime {
                    not_before: 1_000,
                    not_after: 2_000,
                },
                leaf_extensions: vec![],
                extensions: vec![],
            },
            &mut rng,
        )
        .unwrap();
        let g = group(&mut s, 0);
        let add = || {
            vec![Proposal::Add(Add {
                key_package: kp.clone(),
            })]
        };
        for (now, ok) in [
            (Some(3_000), false),
            (Some(500), false),
            (Some(1_500), true),
            (None, true),
        ] {
            let mut env = CommitEnv {
                rng: &mut rng,
                psks: &NoPsks,
                credentials: &AcceptAllCredentials,
                now,
            };
            let r = g.commit(
                provider(),
                CommitOptions {
                    proposals: add(),
                    ..Default::default()
                },
                &mut env,
            );
            match (ok, r) {
                (true, Ok(_)) => g.discard_pending(),
                (false, Err(e)) => assert_eq!(group_error(e), GroupError::KeyPackageExpired),
                (ok, r) => panic!("now={now:?}: expected ok={ok}, got {:?}", r.map(|_| ())),
            }
        }
    });
}
