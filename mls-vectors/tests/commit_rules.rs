//! Negative tests that need a forged but properly signed message: commits
//! altered through the `test-utils` hook (`Group::commit_forged`), external
//! commits re-signed by the joiner, KeyPackages re-signed by their owner.
//! Each test is named after the RFC 9420 rule it checks; every rejection
//! must leave the receiver's state byte-identical.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::codec::VLBytes;
use mls_core::crypto::labeled::sign_with_label;
use mls_core::crypto::{CipherSuite, CipherSuiteProvider};
use mls_core::error::{Error, ProtocolError};
use mls_core::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, CredentialValidator, Forge, Group, GroupError,
    MemberIdentity, NoPsks,
};
use mls_core::messages::framing::framed_content_tbs;
use mls_core::messages::{
    Add, Certificate, Content, Credential, CredentialType, ExtensionType, ExternalSender,
    GroupContextExtensions, KeyPackage, LeafNode, LeafNodeSource, MlsMessage, MlsMessageBody,
    Proposal, ProposalOrRef, Remove, Update, WireFormat,
};
use mls_core::tree::TreeRead;
use mls_core::tree_math::LeafIndex;
use mls_core::treekem::TreeKemError;
use mls_vectors::TestRng;
use mls_vectors::scenario::Scenario;
use mls_vectors::testkit::{
    SUITE, commit, deliver, each_backend, group, group_error, identity_in, key_package_in, process,
    process_with, provider, suite, suite_under_test, three,
};

/// Member `i` commits `proposals` (with a path when `force_path`), the hook
/// forging the message; the committer then drops its pending commit.
fn forged(
    s: &mut Scenario,
    i: usize,
    proposals: Vec<Proposal>,
    force_path: bool,
    mut hook: impl FnMut(Forge<'_>),
) -> MlsMessage {
    let g = group(s, i);
    let mut rng = TestRng::new(5);
    let mut env = CommitEnv {
        rng: &mut rng,
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    let out = g
        .commit_forged(
            provider(),
            CommitOptions {
                proposals,
                force_path,
                ..CommitOptions::default()
            },
            &mut env,
            &mut hook,
        )
        .unwrap();
    g.discard_pending();
    out.commit
}

/// Member `i` processes `msg` with `credentials`: it must fail and leave the
/// state byte-identical. Returns the error.
fn rejected_with(
    s: &mut Scenario,
    i: usize,
    msg: &MlsMessage,
    credentials: &dyn CredentialValidator,
) -> Error {
    let g = group(s, i);
    let before = g.to_bytes().unwrap();
    let e = process_with(g, msg, credentials).unwrap_err();
    assert_eq!(
        g.to_bytes().unwrap().as_bytes(),
        before.as_bytes(),
        "a rejected message changed the state"
    );
    e
}

fn rejected(s: &mut Scenario, i: usize, msg: &MlsMessage) -> Error {
    rejected_with(s, i, msg, &AcceptAllCredentials)
}

/// Re-signs a commit-source leaf for `leaf_index` in `group_id`.
fn resign_leaf(
    cs: &dyn CipherSuiteProvider,
    signer: &dyn mls_core::crypto::Signer,
    leaf: &mut LeafNode,
    group: Option<(&[u8], u32)>,
) {
    let tbs = leaf.tbs(group).unwrap();
    leaf.signature = VLBytes::new(sign_with_label(cs, signer, b"LeafNodeTBS", &tbs).unwrap());
}

/// Applies `f` to the path leaf of a forged commit and re-signs it.
fn with_path_leaf(f: impl Fn(&mut LeafNode)) -> impl FnMut(Forge<'_>) {
    move |forge| {
        if let Forge::Commit {
            commit,
            cs,
            signer,
            group_id,
            sender,
        } = forge
        {
            let path = commit.path.as_mut().unwrap();
            f(&mut path.leaf_node);
            resign_leaf(cs, signer, &mut path.leaf_node, Some((group_id, sender.0)));
        }
    }
}

/// Member 0 sends an empty commit with a path, forged by `hook`; returns
/// the rule member 1 rejects it with (its state unchanged).
fn verdict(hook: impl FnMut(Forge<'_>)) -> GroupError {
    let mut s = three(11);
    let msg = forged(&mut s, 0, vec![], true, hook);
    group_error(rejected(&mut s, 1, &msg))
}

/// [`verdict`] of a commit that carries `ps` by value: the committer's own
/// checks never see them, only the receiver's.
fn receiver_verdict_with(ps: Vec<Proposal>) -> GroupError {
    verdict(move |f| {
        if let Forge::Commit { commit, .. } = f {
            for p in &ps {
                commit
                    .proposals
                    .push(ProposalOrRef::Proposal(Box::new(p.clone())));
            }
        }
    })
}

fn remove(i: u32) -> Proposal {
    Proposal::Remove(Remove {
        removed: mls_core::group::LeafIndex(i),
    })
}

#[test]
fn forged_commit_without_changes_is_accepted() {
    each_backend(|| {
        // The hook itself is harmless: an untouched forged commit processes.
        let mut s = three(11);
        let msg = forged(&mut s, 0, vec![remove(2)], false, |_| {});
        let _ = process(group(&mut s, 1), &msg).unwrap();
    });
}

#[test]
fn rfc9420_12_4_2_rejects_a_remove_commit_without_path() {
    each_backend(|| {
        let mut s = three(11);
        let msg = forged(&mut s, 0, vec![remove(2)], false, |f| {
            if let Forge::Commit { commit, .. } = f {
                commit.path = None;
            }
        });
        assert_eq!(
            group_error(rejected(&mut s, 1, &msg)),
            GroupError::PathRequired
        );
    });
}

#[test]
fn rfc9420_12_4_2_rejects_an_empty_commit_without_path() {
    each_backend(|| {
        let e = verdict(|f| {
            if let Forge::Commit { commit, .. } = f {
                commit.path = None;
            }
        });
        assert_eq!(e, GroupError::PathRequired);
    });
}

#[test]
fn rfc9420_12_4_2_rejects_a_wrong_confirmation_tag() {
    each_backend(|| {
        let mut s = three(11);
        let msg = forged(&mut s, 0, vec![], true, |f| {
            if let Forge::ConfirmationTag(tag) = f {
                tag[0] ^= 1;
            }
        });
        let e = rejected(&mut s, 1, &msg);
        assert!(
            matches!(e, Error::Protocol(ProtocolError::ConfirmationTagMismatch)),
            "{e:?}"
        );
    });
}

#[test]
fn rfc9420_12_4_2_rejects_a_wrong_confirmation_tag_in_a_private_message() {
    each_backend(|| {
        let config = mls_core::group::GroupConfig {
            encrypt_handshake: true,
            ..mls_core::group::GroupConfig::default()
        };
        let mut s = Scenario::with_config(provider(), suite_under_test(), 12, config);
        s.add_members(2);
        let msg = forged(&mut s, 0, vec![remove(2)], false, |f| {
            if let Forge::ConfirmationTag(tag) = f {
                let last = tag.len() - 1;
                tag[last] ^= 0x80;
            }
        });
        assert!(matches!(msg.body, MlsMessageBody::PrivateMessage(_)));
        let e = rejected(&mut s, 1, &msg);
        assert!(
            matches!(e, Error::Protocol(ProtocolError::ConfirmationTagMismatch)),
            "{e:?}"
        );
    });
}

#[test]
fn rfc9420_7_3_rejects_a_commit_leaf_whose_source_is_not_commit() {
    each_backend(|| {
        let hook = with_path_leaf(|leaf| leaf.leaf_node_source = LeafNodeSource::Update);
        assert_eq!(verdict(hook), GroupError::LeafNodeSourceMismatch);
    });
}

#[test]
fn rfc9420_12_4_2_rejects_a_commit_leaf_keeping_the_encryption_key() {
    each_backend(|| {
        let mut s = three(11);
        let old = group(&mut s, 0)
            .own_leaf_node()
            .unwrap()
            .encryption_key
            .clone();
        let hook = with_path_leaf(move |leaf| leaf.encryption_key = old.clone());
        let msg = forged(&mut s, 0, vec![], true, hook);
        assert_eq!(
            group_error(rejected(&mut s, 1, &msg)),
            GroupError::EncryptionKeyNotFresh
        );
    });
}

#[test]
fn rfc9420_7_3_rejects_a_commit_leaf_with_a_bad_signature() {
    each_backend(|| {
        let e = verdict(|f| {
            if let Forge::Commit { commit, .. } = f {
                let leaf = &mut commit.path.as_mut().unwrap().leaf_node;
                let mut sig = leaf.signature.as_slice().to_vec();
                sig[3] ^= 1;
                leaf.signature = VLBytes::new(sig);
            }
        });
        assert_eq!(e, GroupError::LeafNodeSignatureInvalid);
    });
}

#[test]
fn rfc9420_7_3_rejects_a_commit_leaf_with_an_unlisted_extension() {
    each_backend(|| {
        let hook = with_path_leaf(|leaf| {
            leaf.extensions.push(mls_core::messages::Extension {
                extension_type: 0xF0F0,
                extension_data: VLBytes::new(vec![]),
            })
        });
        assert_eq!(verdict(hook), GroupError::LeafExtensionNotInCapabilities);
    });
}

#[test]
fn rfc9420_12_4_2_rejects_an_update_path_reusing_a_key_of_the_tree() {
    each_backend(|| {
        let mut s = three(11);
        let taken = group(&mut s, 2)
            .own_leaf_node()
            .unwrap()
            .encryption_key
            .clone();
        let msg = forged(&mut s, 0, vec![], true, move |f| {
            if let Forge::Commit { commit, .. } = f {
                commit.path.as_mut().unwrap().nodes[0].encryption_key = taken.clone();
            }
        });
        assert_eq!(
            group_error(rejected(&mut s, 1, &msg)),
            GroupError::DuplicatePublicKey
        );
    });
}

#[test]
fn rfc9420_7_9_2_rejects_an_update_path_breaking_the_parent_hash_chain() {
    each_backend(|| {
        let mut s = three(11);
        // A fresh key of the right shape in place of a path node's key: the
        // leaf's signed parent_hash no longer matches the path.
        let (_, fresh) = suite(SUITE)
            .hpke()
            .generate_key_pair(&mut TestRng::new(77))
            .unwrap();
        let msg = forged(&mut s, 0, vec![], true, move |f| {
            if let Forge::Commit { commit, .. } = f {
                let path = commit.path.as_mut().unwrap();
                let last = path.nodes.len() - 1;
                path.nodes[last].encryption_key = VLBytes::new(fresh.as_slice().to_vec());
            }
        });
        let e = rejected(&mut s, 1, &msg);
        assert!(
            matches!(
                e,
                Error::Protocol(ProtocolError::TreeKem(TreeKemError::ParentHashMismatch))
            ),
            "{e:?}"
        );
    });
}

#[test]
fn rfc9420_12_4_2_rejects_an_update_path_of_the_wrong_length() {
    each_backend(|| {
        let mut s = three(11);
        let msg = forged(&mut s, 0, vec![], true, |f| {
            if let Forge::Commit { commit, .. } = f {
                commit.path.as_mut().unwrap().nodes.pop();
            }
        });
        let e = rejected(&mut s, 1, &msg);
        assert!(
            matches!(
                e,
                Error::Protocol(ProtocolError::TreeKem(TreeKemError::PathLengthMismatch))
            ),
            "{e:?}"
        );
    });
}

#[test]
fn rfc9420_12_4_rejects_an_unknown_proposal_reference() {
    each_backend(|| {
        let e = verdict(|f| {
            if let Forge::Commit { commit, .. } = f {
                commit
                    .proposals
                    .push(ProposalOrRef::Reference(VLBytes::new(vec![7; 32])));
            }
        });
        assert_eq!(e, GroupError::UnknownProposalRef);
    });
}

#[test]
fn rfc9420_12_2_rejects_the_committers_own_update_by_value() {
    each_backend(|| {
        let mut s = three(11);
        let own = group(&mut s, 0).own_leaf_node().unwrap().clone();
        let msg = forged(&mut s, 0, vec![], true, move |f| {
            if let Forge::Commit { commit, .. } = f {
                commit
                    .proposals
                    .push(ProposalOrRef::Proposal(Box::new(Proposal::Update(
                        Update {
                            leaf_node: own.clone(),
                        },
                    ))));
            }
        });
        assert_eq!(
            group_error(rejected(&mut s, 1, &msg)),
            GroupError::CommitterUpdate
        );
    });
}

#[test]
fn rfc9420_12_2_rejects_the_committers_own_update_by_reference() {
    each_backend(|| {
        let mut s = three(11);
        let mut rng = TestRng::new(8);
        let proposal = group(&mut s, 0)
            .propose_update(provider(), &mut rng)
            .unwrap();
        // Everyone else caches the Update; the committer skips its own Updates
        // when it commits, so the forged commit adds the reference back.
        for i in 1..3 {
            let _ = process(group(&mut s, i), &proposal).unwrap();
        }
        let reference = group(&mut s, 1).pending_proposals()[0].reference.clone();
        let msg = forged(&mut s, 0, vec![], true, move |f| {
            if let Forge::Commit { commit, .. } = f {
                commit
                    .proposals
                    .push(ProposalOrRef::Reference(VLBytes::new(reference.clone())));
            }
        });
        assert_eq!(
            group_error(rejected(&mut s, 1, &msg)),
            GroupError::CommitterUpdate
        );
    });
}

/// Validates every credential; keeps the default successor rule (the
/// credential may not change).
struct Strict;

impl CredentialValidator for Strict {
    fn validate(&self, _: &Credential, _: &[u8]) -> bool {
        true
    }
}

#[test]
fn rfc9420_5_3_1_rejects_a_commit_leaf_with_a_credential_the_as_refuses_as_successor() {
    each_backend(|| {
        let mut s = three(11);
        let hook = with_path_leaf(|leaf| {
            leaf.credential = Credential::Basic(VLBytes::new(b"somebody else".to_vec()));
        });
        let msg = forged(&mut s, 0, vec![], true, hook);
        assert_eq!(
            group_error(rejected_with(&mut s, 1, &msg, &Strict)),
            GroupError::InvalidSuccessorCredential
        );
        // An AS that allows the change lets the leaf through; the commit then
        // fails later (the committer encrypted its path to the unforged tree),
        // which shows that the rule above, not the forgery, refused it.
        let e = rejected(&mut s, 1, &msg);
        assert!(
            matches!(
                e,
                Error::Protocol(ProtocolError::TreeKem(TreeKemError::DecryptionFailed))
            ),
            "{e:?}"
        );
    });
}

fn external_commit(
    s: &mut Scenario,
    id: MemberIdentity,
    resync: Option<LeafIndex>,
    credentials: &dyn CredentialValidator,
) -> Result<MlsMessage, Error> {
    let gi = group(s, 0).group_info(provider(), true).unwrap();
    let mut rng = TestRng::new(21);
    let mut env = CommitEnv {
        rng: &mut rng,
        psks: &NoPsks,
        credentials,
        now: None,
    };
    Group::join_external(
        provider(),
        &gi,
        None,
        id,
        resync,
        &mut env,
        mls_core::group::GroupConfig::default(),
    )
    .map(|(_, m)| m)
}

#[test]
fn rfc9420_12_4_3_2_rejects_an_external_commit_with_a_proposal_by_reference() {
    each_backend(|| {
        let mut s = three(11);
        let mut rng = TestRng::new(9);
        // A proposal everyone caches, so that the reference would resolve.
        let proposal = group(&mut s, 2)
            .propose_update(provider(), &mut rng)
            .unwrap();
        for i in 0..2 {
            let _ = process(group(&mut s, i), &proposal).unwrap();
        }
        let reference = group(&mut s, 1).pending_proposals()[0].reference.clone();
        let context = group(&mut s, 0).context().clone();
        let (id, sk) = identity_in(SUITE, b"joiner", &mut TestRng::new(31));
        let msg = external_commit(&mut s, id, None, &AcceptAllCredentials).unwrap();
        let MlsMessageBody::PublicMessage(mut pm) = msg.body else {
            panic!("external commits are PublicMessages")
        };
        let Content::Commit(commit) = &mut pm.content.content else {
            panic!()
        };
        commit
            .proposals
            .push(ProposalOrRef::Reference(VLBytes::new(reference)));
        let tbs =
            framed_content_tbs(WireFormat::PUBLIC_MESSAGE, &pm.content, Some(&context)).unwrap();
        pm.auth.signature =
            VLBytes::new(sign_with_label(suite(SUITE), &sk, b"FramedContentTBS", &tbs).unwrap());
        let msg = MlsMessage {
            body: MlsMessageBody::PublicMessage(pm),
        };
        assert_eq!(
            group_error(rejected(&mut s, 1, &msg)),
            GroupError::ProposalByReferenceInExternalCommit
        );
    });
}

#[test]
fn rfc9420_12_2_rejects_a_resync_whose_credential_is_no_successor() {
    each_backend(|| {
        let mut s = three(11);
        // Member 2 ("member-2" in the scenario) comes back under another name.
        let (id, _) = identity_in(SUITE, b"impostor", &mut TestRng::new(32));
        // The joiner's own AS refuses to build it...
        let e = external_commit(&mut s, id, Some(LeafIndex(2)), &Strict).unwrap_err();
        assert_eq!(group_error(e), GroupError::InvalidSuccessorCredential);
        // ...and members refuse it when the joiner's AS let it through.
        let (id, _) = identity_in(SUITE, b"impostor", &mut TestRng::new(32));
        let msg = external_commit(&mut s, id, Some(LeafIndex(2)), &AcceptAllCredentials).unwrap();
        assert_eq!(
            group_error(rejected_with(&mut s, 1, &msg, &Strict)),
            GroupError::InvalidSuccessorCredential
        );
    });
}

/// Refuses every credential with this Basic identity.
struct Refuse(&'static [u8]);

impl CredentialValidator for Refuse {
    fn validate(&self, credential: &Credential, _: &[u8]) -> bool {
        !matches!(credential, Credential::Basic(id) if id.as_slice() == self.0)
    }
}

#[test]
fn rfc9420_5_3_1_validates_credentials_of_new_external_senders() {
    each_backend(|| {
        let mut s = three(11);
        let (_, pk) = suite(SUITE)
            .signature()
            .generate_key_pair(&mut TestRng::new(40))
            .unwrap();
        let senders = vec![ExternalSender {
            signature_key: VLBytes::new(pk),
            credential: Credential::Basic(VLBytes::new(b"ds".to_vec())),
        }];
        let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
            extensions: vec![mls_core::messages::Extension {
                extension_type: ExtensionType::EXTERNAL_SENDERS.0,
                extension_data: VLBytes::new(mls_core::codec::Encode::encode(&senders).unwrap()),
            }],
        });
        let g = group(&mut s, 0);
        let before = g.to_bytes().unwrap();
        let mut rng = TestRng::new(41);
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &Refuse(b"ds"),
            now: None,
        };
        let e = g
            .commit(
                provider(),
                CommitOptions {
                    proposals: vec![gce.clone()],
                    ..CommitOptions::default()
                },
                &mut env,
            )
            .unwrap_err();
        assert_eq!(group_error(e), GroupError::CredentialRejected);
        assert_eq!(g.to_bytes().unwrap().as_bytes(), before.as_bytes());
        // Accepted by an AS that knows the DS, and refused by a receiver whose
        // AS does not.
        let msg = forged(&mut s, 0, vec![gce], false, |_| {});
        assert_eq!(
            group_error(rejected_with(&mut s, 1, &msg, &Refuse(b"ds"))),
            GroupError::CredentialRejected
        );
    });
}

/// A KeyPackage for a new client, with `edit` applied to it before its
/// leaf and the package are (re-)signed by the client.
fn key_package(seed: u64, edit: impl FnOnce(&mut KeyPackage)) -> KeyPackage {
    let cs = suite(SUITE);
    let (mut kp, _, sk) = key_package_in(SUITE, b"new", &mut TestRng::new(seed));
    edit(&mut kp);
    if matches!(kp.leaf_node.leaf_node_source, LeafNodeSource::KeyPackage(_)) {
        resign_leaf(cs, &sk, &mut kp.leaf_node, None);
    }
    let tbs = kp.tbs().unwrap();
    kp.signature = VLBytes::new(sign_with_label(cs, &sk, b"KeyPackageTBS", &tbs).unwrap());
    kp
}

fn add(kp: KeyPackage) -> Proposal {
    Proposal::Add(Add { key_package: kp })
}

#[test]
fn forged_add_of_a_valid_key_package_is_accepted() {
    each_backend(|| {
        let mut s = three(11);
        let msg = forged(&mut s, 0, vec![add(key_package(50, |_| {}))], false, |_| {});
        let _ = process(group(&mut s, 1), &msg).unwrap();
    });
}

#[test]
fn rfc9420_7_3_committer_refuses_a_credential_type_members_do_not_support() {
    each_backend(|| {
        let kp = key_package(51, |kp| {
            kp.leaf_node.credential = Credential::X509(vec![Certificate {
                cert_data: VLBytes::new(b"not really DER".to_vec()),
            }]);
            kp.leaf_node
                .capabilities
                .credentials
                .push(CredentialType::X509);
        });
        let mut s = three(11);
        let g = group(&mut s, 0);
        let before = g.to_bytes().unwrap();
        let mut rng = TestRng::new(2);
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let options = CommitOptions {
            proposals: vec![add(kp)],
            ..CommitOptions::default()
        };
        let e = g.commit(provider(), options, &mut env).unwrap_err();
        assert_eq!(group_error(e), GroupError::CredentialTypeUnsupported);
        assert_eq!(g.to_bytes().unwrap().as_bytes(), before.as_bytes());
    });
}

#[test]
fn rfc9420_7_3_rejects_a_leaf_whose_credential_type_members_do_not_support() {
    each_backend(|| {
        // Build the Add through the hook so that only the receiver judges it.
        let kp = key_package(51, |kp| {
            kp.leaf_node.credential = Credential::X509(vec![Certificate {
                cert_data: VLBytes::new(b"not really DER".to_vec()),
            }]);
            kp.leaf_node
                .capabilities
                .credentials
                .push(CredentialType::X509);
        });
        assert_eq!(
            receiver_verdict_with(vec![add(kp)]),
            GroupError::CredentialTypeUnsupported
        );
    });
}

#[test]
fn rfc9420_7_3_rejects_a_leaf_that_does_not_list_its_own_credential_type() {
    each_backend(|| {
        let kp = key_package(52, |kp| {
            kp.leaf_node.capabilities.credentials = vec![CredentialType::X509].into();
        });
        assert_eq!(
            receiver_verdict_with(vec![add(kp)]),
            GroupError::CredentialTypeUnsupported
        );
    });
}

/// RFC 9420 §7.3 does not ask a leaf to list the group's cipher suite or
/// version; deployed clients produce such leaves, so they are accepted.
#[test]
fn rfc9420_7_3_accepts_a_leaf_that_omits_the_groups_cipher_suite() {
    each_backend(|| {
        let kp = key_package(53, |kp| {
            kp.leaf_node.capabilities.cipher_suites = vec![CipherSuite(3)].into();
            kp.leaf_node.capabilities.versions = vec![].into();
        });
        let mut s = three(11);
        let msg = forged(&mut s, 0, vec![add(kp)], false, |_| {});
        let _ = process(group(&mut s, 1), &msg).unwrap();
    });
}

#[test]
fn rfc9420_7_3_rejects_an_add_whose_encryption_key_is_in_the_tree() {
    each_backend(|| {
        // The scenario is seeded: member 2's key is the same in the group that
        // `receiver_verdict_with` builds.
        let taken = group(&mut three(11), 2)
            .own_leaf_node()
            .unwrap()
            .encryption_key
            .clone();
        let kp = key_package(54, move |kp| kp.leaf_node.encryption_key = taken);
        assert_eq!(
            receiver_verdict_with(vec![add(kp)]),
            GroupError::DuplicatePublicKey
        );
    });
}

#[test]
fn rfc9420_10_1_rejects_a_key_package_whose_init_key_is_its_encryption_key() {
    each_backend(|| {
        let kp = key_package(55, |kp| kp.init_key = kp.leaf_node.encryption_key.clone());
        assert_eq!(
            receiver_verdict_with(vec![add(kp)]),
            GroupError::InvalidKeyPackage
        );
    });
}

#[test]
fn rfc9420_10_1_rejects_a_key_package_leaf_with_source_update() {
    each_backend(|| {
        let kp = key_package(56, |kp| {
            kp.leaf_node.leaf_node_source = LeafNodeSource::Update
        });
        assert_eq!(
            receiver_verdict_with(vec![add(kp)]),
            GroupError::LeafNodeSourceMismatch
        );
    });
}

#[test]
fn rfc9420_12_2_rejects_a_commit_removing_a_member_twice_by_value() {
    each_backend(|| {
        assert_eq!(
            receiver_verdict_with(vec![remove(2), remove(2)]),
            GroupError::DuplicateLeafChange
        );
    });
}

#[test]
fn rfc9420_12_2_rejects_a_commit_removing_the_committer_by_value() {
    each_backend(|| {
        assert_eq!(
            receiver_verdict_with(vec![remove(0)]),
            GroupError::CommitterRemoved
        );
    });
}

#[test]
fn rfc9420_12_2_rejects_an_external_init_in_a_regular_commit() {
    each_backend(|| {
        let p = Proposal::ExternalInit(mls_core::messages::ExternalInit {
            kem_output: VLBytes::new(vec![1; 32]),
        });
        assert_eq!(
            receiver_verdict_with(vec![p]),
            GroupError::ExternalInitMisplaced
        );
    });
}

#[test]
fn rfc9420_12_1_3_rejects_a_remove_of_a_blank_leaf() {
    each_backend(|| {
        assert_eq!(
            receiver_verdict_with(vec![remove(9)]),
            GroupError::RemoveOfBlankLeaf
        );
    });
}

#[test]
fn tree_credential_index_stays_consistent() {
    each_backend(|| {
        // The O(log n) credential-type index (RFC 9420 §7.3 check) must equal
        // one rebuilt from scratch after every kind of change.
        let mut s = Scenario::new(provider(), suite_under_test(), 13);
        for _ in 0..60 {
            s.random_operation();
            for m in s.active() {
                let g = s.members[m].group.as_ref().unwrap();
                assert!(g.tree().index_consistent());
            }
        }
        let first = s.active()[0];
        assert!(group(&mut s, first).tree().n_leaves() > 0);
    });
}

/// Member 0 commits every cached proposal; member 2 processes the commit.
/// Returns what member 2 staged.
fn commit_pending_seen_by_2(s: &mut Scenario) -> mls_core::group::StagedCommit {
    let options = CommitOptions {
        include_pending: true,
        ..CommitOptions::default()
    };
    let out = commit(group(s, 0), options, &mut TestRng::new(60)).unwrap();
    match process(group(s, 2), &out.commit).unwrap() {
        mls_core::group::Received::Commit(staged) => *staged,
        other => panic!("{other:?}"),
    }
}

#[test]
fn rfc9420_12_2_committer_prefers_a_remove_over_an_update() {
    each_backend(|| {
        let mut s = three(11);
        let mut rng = TestRng::new(61);
        let update = group(&mut s, 1)
            .propose_update(provider(), &mut rng)
            .unwrap();
        deliver(&mut s, 1, &update);
        let remove = group(&mut s, 2)
            .propose_remove(provider(), LeafIndex(1), &mut rng)
            .unwrap();
        deliver(&mut s, 2, &remove);
        let staged = commit_pending_seen_by_2(&mut s);
        assert_eq!(
            staged.removed.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
            vec![LeafIndex(1)]
        );
        assert!(staged.updated.is_empty());
    });
}

#[test]
fn rfc9420_12_2_committer_takes_the_latest_update_of_a_member() {
    each_backend(|| {
        let mut s = three(11);
        let mut rng = TestRng::new(62);
        let first = group(&mut s, 1)
            .propose_update(provider(), &mut rng)
            .unwrap();
        deliver(&mut s, 1, &first);
        let second = group(&mut s, 1)
            .propose_update(provider(), &mut rng)
            .unwrap();
        deliver(&mut s, 1, &second);
        let latest = group(&mut s, 2).pending_proposals()[1].proposal.clone();
        let Proposal::Update(latest) = latest else {
            panic!()
        };
        let staged = commit_pending_seen_by_2(&mut s);
        assert_eq!(staged.updated, vec![LeafIndex(1)]);
        group(&mut s, 2).merge_staged(staged).unwrap();
        let now = group(&mut s, 2).tree().leaf(LeafIndex(1)).unwrap().clone();
        assert_eq!(now.encryption_key, latest.leaf_node.encryption_key);
    });
}

#[test]
fn rfc9420_12_2_committer_prefers_other_proposals_over_a_reinit() {
    each_backend(|| {
        let mut s = three(11);
        let mut rng = TestRng::new(63);
        let reinit = Proposal::ReInit(mls_core::messages::ReInit {
            group_id: VLBytes::new(b"next".to_vec()),
            version: mls_core::messages::ProtocolVersion::MLS10,
            cipher_suite: suite_under_test(),
            extensions: vec![],
        });
        let msg = group(&mut s, 1)
            .propose(provider(), reinit, &mut rng)
            .unwrap();
        deliver(&mut s, 1, &msg);
        let update = group(&mut s, 2)
            .propose_update(provider(), &mut rng)
            .unwrap();
        deliver(&mut s, 2, &update);
        let staged = commit_pending_seen_by_2(&mut s);
        assert!(staged.reinit().is_none());
        assert_eq!(staged.updated, vec![LeafIndex(2)]);
    });
}

#[test]
fn rfc9420_12_4_committer_leaves_out_an_invalid_cached_proposal() {
    each_backend(|| {
        // An Add of a KeyPackage whose signature was broken in transit would
        // otherwise block every commit of the epoch.
        let mut s = three(11);
        let mut rng = TestRng::new(64);
        let mut kp = key_package(65, |_| {});
        let mut sig = kp.signature.as_slice().to_vec();
        sig[0] ^= 1;
        kp.signature = VLBytes::new(sig);
        let bad = group(&mut s, 1)
            .propose_add(provider(), kp, &mut rng)
            .unwrap();
        deliver(&mut s, 1, &bad);
        let good = group(&mut s, 2)
            .propose_update(provider(), &mut rng)
            .unwrap();
        deliver(&mut s, 2, &good);
        let staged = commit_pending_seen_by_2(&mut s);
        assert!(staged.added.is_empty());
        assert_eq!(staged.updated, vec![LeafIndex(2)]);
    });
}

#[test]
fn rfc9420_5_3_1_staged_commit_shows_every_new_leaf_and_credential() {
    each_backend(|| {
        // The application inspects new credentials before merging: the added
        // member's and the committer's new leaf are both visible.
        let mut s = three(11);
        let old = group(&mut s, 0).own_leaf_node().unwrap().clone();
        let kp = key_package(80, |_| {});
        let options = CommitOptions {
            proposals: vec![add(kp.clone())],
            force_path: true,
            ..CommitOptions::default()
        };
        let out = commit(group(&mut s, 0), options, &mut TestRng::new(81)).unwrap();
        let staged = match process(group(&mut s, 2), &out.commit).unwrap() {
            mls_core::group::Received::Commit(staged) => staged,
            other => panic!("{other:?}"),
        };
        let (i, leaf) = staged.committer_leaf_node().unwrap();
        assert_eq!(i, LeafIndex(0));
        assert_eq!(leaf.credential, old.credential);
        assert_ne!(leaf.encryption_key, old.encryption_key);
        let new: Vec<LeafIndex> = staged.new_leaf_nodes().map(|(i, _)| i).collect();
        assert_eq!(new, vec![LeafIndex(0), LeafIndex(3)]);
        let (_, added) = staged.new_leaf_nodes().nth(1).unwrap();
        assert_eq!(added, &kp.leaf_node);
    });
}
