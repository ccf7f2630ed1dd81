//! Negative tests of RFC 9420's receiver-side rules, one per row of
//! `mls-core/RFC9420-CHECKS.md` that no other test covered, each driven
//! through the group's public API (`Group::process`, `Group::join`,
//! `Group::join_external`) and named after its section. Every rejection
//! asserts the typed error and, for members, a byte-identical snapshot.
//!
//! Each test runs over every compiled backend and cipher suites 1 and 2.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::codec::{Encode, VLBytes};
use mls_core::crypto::labeled::sign_with_label;
use mls_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, Secret, SignaturePrivateKey,
};
use mls_core::error::{Error, ProtocolError};
use mls_core::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, CredentialValidator, Forge, Group, GroupConfig,
    GroupError, MemberIdentity, NoPsks, ProcessEnv, PskStore, Received,
};
use mls_core::key_package::{KeyPackageParams, KeyPackagePrivate, generate_key_package};
use mls_core::messages::framing::{authenticated_content_tbm, framed_content_tbs};
use mls_core::messages::{
    Add, Content, Credential, CredentialType, CustomProposal, ExtensionType, ExternalInit,
    ExternalSender, FramedContent, FramedContentAuthData, GroupContextExtensions, HpkeCiphertext,
    KeyPackage, LeafNode, Lifetime, MlsMessage, MlsMessageBody, Node, PreSharedKey, PreSharedKeyId,
    Proposal, ProposalOrRef, ProposalType, ProtocolVersion, Psk, PublicMessage, ReInit,
    RequiredCapabilities, Sender, Update, Welcome, WireFormat,
};
use mls_core::messages::{Extension, GroupContext};
use mls_core::protect::FramingError;
use mls_core::tree::TreeValidationError;
use mls_core::treekem::TreeKemError;
use mls_vectors::TestRng;
use mls_vectors::fixtures::capabilities;
use mls_vectors::scenario::Scenario;

/// One backend and suite.
#[derive(Clone, Copy)]
struct Ctx {
    provider: &'static dyn CryptoProvider,
    suite: CipherSuite,
}

/// Runs `f` over every compiled backend and suites 1 and 2.
fn each(f: impl Fn(Ctx)) {
    let mut runs = 0;
    for (_, provider) in mls_vectors::backends() {
        for suite in [CipherSuite(1), CipherSuite(2)] {
            if provider.cipher_suite(suite).is_some() {
                f(Ctx { provider, suite });
                runs += 1;
            }
        }
    }
    assert!(runs >= 2, "at least suites 1 and 2 of one backend");
}

impl Ctx {
    fn cs(&self) -> &'static dyn CipherSuiteProvider {
        self.provider.cipher_suite(self.suite).unwrap()
    }

    /// A three-member group (members 0, 1, 2 at leaves 0, 1, 2).
    fn three(&self, seed: u64) -> Scenario {
        let mut s = Scenario::new(self.provider, self.suite, seed);
        s.add_members(2);
        s
    }

    fn process_with(
        &self,
        g: &mut Group,
        msg: &MlsMessage,
        credentials: &dyn CredentialValidator,
    ) -> Result<Received, Error> {
        let mut env = ProcessEnv {
            psks: &NoPsks,
            credentials,
            now: None,
        };
        g.process(self.provider, msg, &mut env)
    }

    /// Member `i` must reject `msg` and keep its state byte-identical.
    fn rejected_with(
        &self,
        s: &mut Scenario,
        i: usize,
        msg: &MlsMessage,
        credentials: &dyn CredentialValidator,
    ) -> Error {
        let g = group(s, i);
        let before = g.to_bytes().unwrap();
        let e = self.process_with(g, msg, credentials).unwrap_err();
        assert_eq!(
            g.to_bytes().unwrap().as_bytes(),
            before.as_bytes(),
            "a rejected message changed the state"
        );
        e
    }

    fn rejected(&self, s: &mut Scenario, i: usize, msg: &MlsMessage) -> Error {
        self.rejected_with(s, i, msg, &AcceptAllCredentials)
    }

    /// Member `i` commits `proposals` by value (with a path when
    /// `force_path`), `hook` forging the message after the committer's own
    /// checks; the committer then drops its pending commit.
    fn forged(
        &self,
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
                self.provider,
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

    /// A commit by member 0 (with a path) whose proposal list the hook
    /// extends by value with `ps`: only receivers judge them.
    fn commit_carrying(&self, s: &mut Scenario, ps: Vec<Proposal>) -> MlsMessage {
        self.forged(s, 0, vec![], true, move |f| {
            if let Forge::Commit { commit, .. } = f {
                for p in &ps {
                    commit
                        .proposals
                        .push(ProposalOrRef::Proposal(Box::new(p.clone())));
                }
            }
        })
    }

    /// What member 1 rejects a commit of member 0 carrying `ps` with.
    fn receiver_verdict(&self, seed: u64, ps: Vec<Proposal>) -> Error {
        let mut s = self.three(seed);
        let msg = self.commit_carrying(&mut s, ps);
        self.rejected(&mut s, 1, &msg)
    }

    /// A KeyPackage of a new client `name`, edited by `edit` and re-signed.
    fn key_package(
        &self,
        seed: u64,
        name: &[u8],
        edit: impl FnOnce(&mut KeyPackage),
    ) -> (KeyPackage, KeyPackagePrivate, SignaturePrivateKey) {
        let cs = self.cs();
        let mut rng = TestRng::new(seed);
        let (sk, _) = cs.signature().generate_key_pair(&mut rng).unwrap();
        let (mut kp, private) = generate_key_package(
            cs,
            KeyPackageParams {
                signer: &sk,
                credential: Credential::Basic(VLBytes::new(name.to_vec())),
                capabilities: capabilities(cs),
                lifetime: forever(),
                leaf_extensions: vec![],
                extensions: vec![],
            },
            &mut rng,
        )
        .unwrap();
        edit(&mut kp);
        resign_leaf(cs, &sk, &mut kp.leaf_node, None);
        let tbs = kp.tbs().unwrap();
        kp.signature = VLBytes::new(sign_with_label(cs, &sk, b"KeyPackageTBS", &tbs).unwrap());
        (kp, private, sk)
    }

    fn identity(&self, name: &[u8], seed: u64) -> (MemberIdentity, SignaturePrivateKey) {
        let cs = self.cs();
        let (sk, pk) = cs
            .signature()
            .generate_key_pair(&mut TestRng::new(seed))
            .unwrap();
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

    /// Member 0 commits `proposals` for real and everyone merges it.
    fn commit_and_merge(&self, s: &mut Scenario, proposals: Vec<Proposal>) {
        let mut rng = TestRng::new(77);
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let g = group(s, 0);
        let out = g
            .commit(
                self.provider,
                CommitOptions {
                    proposals,
                    ..CommitOptions::default()
                },
                &mut env,
            )
            .unwrap();
        g.merge_pending().unwrap();
        for i in 1..s.members.len() {
            if s.members[i].group.is_none() {
                continue;
            }
            match self.process_with(group(s, i), &out.commit, &AcceptAllCredentials) {
                Ok(Received::Commit(staged)) => group(s, i).merge_staged(*staged).unwrap(),
                other => panic!("member {i}: {other:?}"),
            }
        }
    }
}

fn group(s: &mut Scenario, i: usize) -> &mut Group {
    s.members[i].group.as_mut().unwrap()
}

fn forever() -> Lifetime {
    Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    }
}

fn group_error(e: Error) -> GroupError {
    match e {
        Error::Protocol(ProtocolError::Group(g)) => g,
        other => panic!("expected a group rule, got {other:?}"),
    }
}

fn tree_error(e: Error) -> TreeValidationError {
    match e {
        Error::Protocol(ProtocolError::Tree(t)) => t,
        other => panic!("expected a tree rule, got {other:?}"),
    }
}

fn treekem_error(e: Error) -> TreeKemError {
    match e {
        Error::Protocol(ProtocolError::TreeKem(t)) => t,
        other => panic!("expected a TreeKEM rule, got {other:?}"),
    }
}

/// Re-signs `leaf` (for `group`'s leaf `index` unless a KeyPackage leaf).
fn resign_leaf(
    cs: &dyn CipherSuiteProvider,
    signer: &dyn mls_core::crypto::Signer,
    leaf: &mut LeafNode,
    group: Option<(&[u8], u32)>,
) {
    let tbs = leaf.tbs(group).unwrap();
    leaf.signature = VLBytes::new(sign_with_label(cs, signer, b"LeafNodeTBS", &tbs).unwrap());
}

/// A PublicMessage of `content`, signed by `signer` as it stands (no sender
/// / content rule applied), tagged with `membership_key` when given.
fn forge_public(
    cs: &dyn CipherSuiteProvider,
    signer: &dyn mls_core::crypto::Signer,
    content: FramedContent,
    context: Option<&GroupContext>,
    membership_key: Option<&Secret>,
    confirmation_tag: Option<Vec<u8>>,
) -> MlsMessage {
    let tbs = framed_content_tbs(WireFormat::PUBLIC_MESSAGE, &content, context).unwrap();
    let auth = FramedContentAuthData {
        signature: VLBytes::new(sign_with_label(cs, signer, b"FramedContentTBS", &tbs).unwrap()),
        confirmation_tag: confirmation_tag.map(VLBytes::new),
    };
    let membership_tag = membership_key.map(|k| {
        let tbm = authenticated_content_tbm(&tbs, &auth).unwrap();
        VLBytes::new(
            cs.kdf()
                .mac(k.as_bytes(), &tbm)
                .unwrap()
                .as_slice()
                .to_vec(),
        )
    });
    MlsMessage {
        body: MlsMessageBody::PublicMessage(PublicMessage {
            content,
            auth,
            membership_tag,
        }),
    }
}

/// A PublicMessage from member `i` of `s` carrying `content`, properly
/// signed and tagged.
fn member_message(c: Ctx, s: &mut Scenario, i: usize, content: Content) -> MlsMessage {
    let g = group(s, i);
    let fc = FramedContent {
        group_id: VLBytes::new(g.group_id().to_vec()),
        epoch: g.epoch(),
        sender: Sender::Member(g.own_leaf().0),
        authenticated_data: VLBytes::new(vec![]),
        content,
    };
    forge_public(
        c.cs(),
        g.signer_for_testing().unwrap(),
        fc,
        Some(g.context()),
        Some(g.membership_key_for_testing()),
        None,
    )
}

fn gce(extensions: Vec<Extension>) -> Proposal {
    Proposal::GroupContextExtensions(GroupContextExtensions { extensions })
}

fn ext(t: u16, data: Vec<u8>) -> Extension {
    Extension {
        extension_type: t,
        extension_data: VLBytes::new(data),
    }
}

fn required(rc: RequiredCapabilities) -> Extension {
    ext(ExtensionType::REQUIRED_CAPABILITIES.0, rc.encode().unwrap())
}

fn add(kp: KeyPackage) -> Proposal {
    Proposal::Add(Add { key_package: kp })
}

/// Refuses credentials bound to this signature key.
struct RefuseKey(Vec<u8>);

impl CredentialValidator for RefuseKey {
    fn validate(&self, _: &Credential, signature_key: &[u8]) -> bool {
        signature_key != self.0.as_slice()
    }
    fn valid_successor(&self, _: &Credential, _: &Credential) -> bool {
        true
    }
}

fn leaf_key(s: &mut Scenario, i: usize) -> Vec<u8> {
    group(s, i)
        .own_leaf_node()
        .unwrap()
        .signature_key
        .as_slice()
        .to_vec()
}

// ---------------------------------------------------------------- §6 framing

#[test]
fn rfc9420_6_rejects_a_public_message_of_another_group() {
    each(|c| {
        let mut s = c.three(1);
        let mut msg = c.commit_carrying(&mut s, vec![]);
        if let MlsMessageBody::PublicMessage(pm) = &mut msg.body {
            pm.content.group_id = VLBytes::new(b"another group".to_vec());
        }
        assert_eq!(
            c.rejected(&mut s, 1, &msg),
            Error::Protocol(ProtocolError::Framing(FramingError::WrongGroupId))
        );
    });
}

#[test]
fn rfc9420_6_2_rejects_application_data_as_a_public_message() {
    each(|c| {
        let mut s = c.three(2);
        let (kp, _, sk) = c.key_package(3, b"new", |_| {});
        let _ = kp;
        let g = group(&mut s, 1);
        let fc = FramedContent {
            group_id: VLBytes::new(g.group_id().to_vec()),
            epoch: g.epoch(),
            sender: Sender::NewMemberProposal,
            authenticated_data: VLBytes::new(vec![]),
            content: Content::Application(VLBytes::new(b"hi".to_vec())),
        };
        let msg = forge_public(c.cs(), &sk, fc, None, None, None);
        assert_eq!(
            c.rejected(&mut s, 1, &msg),
            Error::Protocol(ProtocolError::Framing(FramingError::ApplicationAsPublic))
        );
    });
}

#[test]
fn rfc9420_6_1_rejects_a_public_message_with_a_bad_signature() {
    each(|c| {
        let mut s = c.three(3);
        let (kp, _, _) = c.key_package(4, b"new", |_| {});
        // A new-member Add signed with a key that is not the KeyPackage's.
        let (other, _) = c
            .cs()
            .signature()
            .generate_key_pair(&mut TestRng::new(5))
            .unwrap();
        let g = group(&mut s, 1);
        let fc = FramedContent {
            group_id: VLBytes::new(g.group_id().to_vec()),
            epoch: g.epoch(),
            sender: Sender::NewMemberProposal,
            authenticated_data: VLBytes::new(vec![]),
            content: Content::Proposal(add(kp)),
        };
        let msg = forge_public(c.cs(), &other, fc, None, None, None);
        assert_eq!(
            c.rejected(&mut s, 1, &msg),
            Error::Protocol(ProtocolError::Framing(FramingError::SignatureInvalid))
        );
    });
}

#[test]
fn rfc9420_6_1_rejects_a_member_sender_at_a_blank_leaf() {
    each(|c| {
        let mut s = c.three(4);
        for leaf in [3u32, 99] {
            let g = group(&mut s, 0);
            let fc = FramedContent {
                group_id: VLBytes::new(g.group_id().to_vec()),
                epoch: g.epoch(),
                sender: Sender::Member(leaf),
                authenticated_data: VLBytes::new(vec![]),
                content: Content::Proposal(Proposal::Remove(mls_core::messages::Remove {
                    removed: mls_core::group::LeafIndex(2),
                })),
            };
            let msg = forge_public(
                c.cs(),
                g.signer_for_testing().unwrap(),
                fc,
                Some(g.context()),
                Some(g.membership_key_for_testing()),
                None,
            );
            assert_eq!(
                group_error(c.rejected(&mut s, 1, &msg)),
                GroupError::UnknownSender
            );
        }
    });
}

/// A group with one external sender (index 0) whose key is returned.
fn with_external_sender(c: Ctx, seed: u64) -> (Scenario, SignaturePrivateKey) {
    let mut s = c.three(seed);
    let (sk, pk) = c
        .cs()
        .signature()
        .generate_key_pair(&mut TestRng::new(seed + 1))
        .unwrap();
    let senders = vec![ExternalSender {
        signature_key: VLBytes::new(pk),
        credential: Credential::Basic(VLBytes::new(b"ds".to_vec())),
    }];
    c.commit_and_merge(
        &mut s,
        vec![gce(vec![ext(
            ExtensionType::EXTERNAL_SENDERS.0,
            senders.encode().unwrap(),
        )])],
    );
    (s, sk)
}

fn external_message(
    c: Ctx,
    s: &mut Scenario,
    index: u32,
    sk: &SignaturePrivateKey,
    content: Content,
) -> MlsMessage {
    let g = group(s, 1);
    let fc = FramedContent {
        group_id: VLBytes::new(g.group_id().to_vec()),
        epoch: g.epoch(),
        sender: Sender::External(index),
        authenticated_data: VLBytes::new(vec![]),
        content,
    };
    forge_public(c.cs(), sk, fc, None, None, None)
}

#[test]
fn rfc9420_6_1_rejects_an_unknown_external_sender() {
    each(|c| {
        // No external_senders extension at all...
        let mut s = c.three(5);
        let (sk, _) = c
            .cs()
            .signature()
            .generate_key_pair(&mut TestRng::new(6))
            .unwrap();
        let remove = Content::Proposal(Proposal::Remove(mls_core::messages::Remove {
            removed: mls_core::group::LeafIndex(2),
        }));
        let msg = external_message(c, &mut s, 0, &sk, remove.clone());
        assert_eq!(
            group_error(c.rejected(&mut s, 1, &msg)),
            GroupError::UnknownSender
        );
        // ...or an index past its end.
        let (mut s, sk) = with_external_sender(c, 7);
        let msg = external_message(c, &mut s, 1, &sk, remove);
        assert_eq!(
            group_error(c.rejected(&mut s, 1, &msg)),
            GroupError::UnknownSender
        );
    });
}

#[test]
fn rfc9420_6_1_rejects_a_commit_from_an_external_sender() {
    each(|c| {
        let (mut s, sk) = with_external_sender(c, 8);
        let commit = Content::Commit(mls_core::messages::Commit {
            proposals: vec![],
            path: None,
        });
        let g = group(&mut s, 1);
        let fc = FramedContent {
            group_id: VLBytes::new(g.group_id().to_vec()),
            epoch: g.epoch(),
            sender: Sender::External(0),
            authenticated_data: VLBytes::new(vec![]),
            content: commit,
        };
        let msg = forge_public(c.cs(), &sk, fc, None, None, Some(vec![0; 32]));
        assert_eq!(
            c.rejected(&mut s, 1, &msg),
            Error::Protocol(ProtocolError::Framing(FramingError::SenderContentMismatch))
        );
    });
}

#[test]
fn rfc9420_12_1_8_rejects_external_proposal_types_the_rfc_does_not_allow() {
    each(|c| {
        let (mut s, sk) = with_external_sender(c, 9);
        let bad = [
            Proposal::Custom(CustomProposal {
                proposal_type: ProposalType(0xF000),
                data: VLBytes::new(vec![1]),
            }),
            Proposal::ExternalInit(ExternalInit {
                kem_output: VLBytes::new(vec![1; 32]),
            }),
        ];
        for p in bad {
            let msg = external_message(c, &mut s, 0, &sk, Content::Proposal(p));
            assert_eq!(
                group_error(c.rejected(&mut s, 1, &msg)),
                GroupError::SenderNotAllowed
            );
        }
        // The allowed ones are accepted (a Remove).
        let ok = external_message(
            c,
            &mut s,
            0,
            &sk,
            Content::Proposal(Proposal::Remove(mls_core::messages::Remove {
                removed: mls_core::group::LeafIndex(2),
            })),
        );
        let _ = c
            .process_with(group(&mut s, 1), &ok, &AcceptAllCredentials)
            .unwrap();
    });
}

#[test]
fn rfc9420_6_1_rejects_a_new_member_proposal_that_is_not_an_add() {
    each(|c| {
        let mut s = c.three(10);
        let (_, _, sk) = c.key_package(11, b"new", |_| {});
        let g = group(&mut s, 1);
        let fc = FramedContent {
            group_id: VLBytes::new(g.group_id().to_vec()),
            epoch: g.epoch(),
            sender: Sender::NewMemberProposal,
            authenticated_data: VLBytes::new(vec![]),
            content: Content::Proposal(Proposal::Remove(mls_core::messages::Remove {
                removed: mls_core::group::LeafIndex(2),
            })),
        };
        let msg = forge_public(c.cs(), &sk, fc, None, None, None);
        assert_eq!(
            c.rejected(&mut s, 1, &msg),
            Error::Protocol(ProtocolError::Framing(FramingError::SenderContentMismatch))
        );
    });
}

#[test]
fn rfc9420_6_1_rejects_a_new_member_commit_sender_on_a_proposal() {
    each(|c| {
        let mut s = c.three(12);
        let (kp, _, sk) = c.key_package(13, b"new", |_| {});
        let g = group(&mut s, 1);
        let fc = FramedContent {
            group_id: VLBytes::new(g.group_id().to_vec()),
            epoch: g.epoch(),
            sender: Sender::NewMemberCommit,
            authenticated_data: VLBytes::new(vec![]),
            content: Content::Proposal(add(kp)),
        };
        let ctx = g.context().clone();
        let msg = forge_public(c.cs(), &sk, fc, Some(&ctx), None, None);
        assert_eq!(
            c.rejected(&mut s, 1, &msg),
            Error::Protocol(ProtocolError::Framing(FramingError::SenderContentMismatch))
        );
    });
}

// ------------------------------------------------- §12.4.3.2 external commits

/// An external commit of a new client into `s` (GroupInfo of member 0).
fn external_commit(c: Ctx, s: &mut Scenario, seed: u64) -> (MlsMessage, SignaturePrivateKey) {
    let gi = group(s, 0).group_info(c.provider, true).unwrap();
    let (id, sk) = c.identity(b"joiner", seed);
    let mut rng = TestRng::new(seed + 1);
    let mut env = CommitEnv {
        rng: &mut rng,
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    let (_, msg) = Group::join_external(
        c.provider,
        &gi,
        None,
        id,
        None,
        &mut env,
        GroupConfig::default(),
    )
    .unwrap();
    (msg, sk)
}

/// `msg` (an external commit) with `edit` applied, re-signed with `sk`.
fn resigned(
    c: Ctx,
    s: &mut Scenario,
    msg: &MlsMessage,
    sk: &SignaturePrivateKey,
    edit: impl FnOnce(&mut mls_core::messages::Commit),
) -> MlsMessage {
    let MlsMessageBody::PublicMessage(pm) = &msg.body else {
        panic!("external commits are PublicMessages")
    };
    let mut content = pm.content.clone();
    let Content::Commit(commit) = &mut content.content else {
        panic!()
    };
    edit(commit);
    let ctx = group(s, 1).context().clone();
    forge_public(
        c.cs(),
        sk,
        content,
        Some(&ctx),
        None,
        pm.auth
            .confirmation_tag
            .as_ref()
            .map(|t| t.as_slice().to_vec()),
    )
}

#[test]
fn rfc9420_12_4_3_2_rejects_an_external_commit_signed_by_another_key() {
    each(|c| {
        let mut s = c.three(14);
        let (msg, _) = external_commit(c, &mut s, 15);
        let (other, _) = c
            .cs()
            .signature()
            .generate_key_pair(&mut TestRng::new(16))
            .unwrap();
        let msg = resigned(c, &mut s, &msg, &other, |_| {});
        assert_eq!(
            c.rejected(&mut s, 1, &msg),
            Error::Protocol(ProtocolError::Framing(FramingError::SignatureInvalid))
        );
    });
}

#[test]
fn rfc9420_12_4_3_2_rejects_an_external_commit_without_a_path() {
    each(|c| {
        let mut s = c.three(17);
        let (msg, sk) = external_commit(c, &mut s, 18);
        let msg = resigned(c, &mut s, &msg, &sk, |commit| commit.path = None);
        // Without a path there is no key to verify the signature with.
        assert_eq!(
            group_error(c.rejected(&mut s, 1, &msg)),
            GroupError::UnknownSender
        );
    });
}

#[test]
fn rfc9420_12_2_rejects_an_external_commit_with_two_external_inits() {
    each(|c| {
        let mut s = c.three(19);
        let (msg, sk) = external_commit(c, &mut s, 20);
        let msg = resigned(c, &mut s, &msg, &sk, |commit| {
            let first = commit.proposals[0].clone();
            commit.proposals.push(first);
        });
        assert_eq!(
            group_error(c.rejected(&mut s, 1, &msg)),
            GroupError::ExternalInitMisplaced
        );
    });
}

#[test]
fn rfc9420_12_2_rejects_an_external_commit_with_other_proposals() {
    each(|c| {
        let mut s = c.three(21);
        let (msg, sk) = external_commit(c, &mut s, 22);
        let (kp, _, _) = c.key_package(23, b"other", |_| {});
        let rm = |i| {
            ProposalOrRef::Proposal(Box::new(Proposal::Remove(mls_core::messages::Remove {
                removed: mls_core::group::LeafIndex(i),
            })))
        };
        let cases: Vec<Vec<ProposalOrRef>> = vec![
            vec![ProposalOrRef::Proposal(Box::new(add(kp)))],
            vec![rm(1), rm(2)],
        ];
        for extra in cases {
            let msg = resigned(c, &mut s, &msg, &sk, |commit| {
                commit.proposals.extend(extra)
            });
            assert_eq!(
                group_error(c.rejected(&mut s, 1, &msg)),
                GroupError::ExternalCommitProposalNotAllowed
            );
        }
    });
}

#[test]
fn rfc9420_5_3_1_external_joiner_validates_every_tree_credential() {
    each(|c| {
        let mut s = c.three(24);
        let refused = leaf_key(&mut s, 2);
        let gi = group(&mut s, 0).group_info(c.provider, true).unwrap();
        let (id, _) = c.identity(b"joiner", 25);
        let mut rng = TestRng::new(26);
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &RefuseKey(refused),
            now: None,
        };
        let e = Group::join_external(
            c.provider,
            &gi,
            None,
            id,
            None,
            &mut env,
            GroupConfig::default(),
        )
        .unwrap_err();
        assert_eq!(group_error(e), GroupError::CredentialRejected);
    });
}

#[test]
fn rfc9420_12_4_3_2_external_joiner_checks_the_group_info_signature() {
    each(|c| {
        let mut s = c.three(27);
        let mut gi = group(&mut s, 0).group_info(c.provider, true).unwrap();
        let mut sig = gi.signature.as_slice().to_vec();
        sig[0] ^= 1;
        gi.signature = VLBytes::new(sig);
        let (id, _) = c.identity(b"joiner", 28);
        let mut rng = TestRng::new(29);
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let e = Group::join_external(
            c.provider,
            &gi,
            None,
            id,
            None,
            &mut env,
            GroupConfig::default(),
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                Error::Protocol(ProtocolError::Welcome(
                    mls_core::seal_welcome::WelcomeError::GroupInfoSignatureInvalid
                ))
            ),
            "{e:?}"
        );
    });
}

// ------------------------------------------------------ §7, §12 commit rules

#[test]
fn rfc9420_5_3_1_rejects_an_update_whose_credential_the_as_refuses() {
    each(|c| {
        let mut s = c.three(33);
        let mut rng = TestRng::new(34);
        let update = group(&mut s, 2)
            .propose_update(c.provider, &mut rng)
            .unwrap();
        for i in 0..2 {
            let _ = c
                .process_with(group(&mut s, i), &update, &AcceptAllCredentials)
                .unwrap();
        }
        let refs = group_refs(&mut s, 1);
        let msg = c.forged(&mut s, 0, vec![], true, include_all_cached(refs));
        let refused = leaf_key(&mut s, 2);
        assert_eq!(
            group_error(c.rejected_with(&mut s, 1, &msg, &RefuseKey(refused))),
            GroupError::CredentialRejected
        );
    });
}

fn group_refs(s: &mut Scenario, i: usize) -> Vec<Vec<u8>> {
    group(s, i)
        .pending_proposals()
        .iter()
        .map(|p| p.reference.clone())
        .collect()
}

fn include_all_cached(refs: Vec<Vec<u8>>) -> impl FnMut(Forge<'_>) {
    move |f| {
        if let Forge::Commit { commit, .. } = f {
            for r in &refs {
                commit
                    .proposals
                    .push(ProposalOrRef::Reference(VLBytes::new(r.clone())));
            }
        }
    }
}

/// Refuses every change of credential.
struct NoRotation;

impl CredentialValidator for NoRotation {
    fn validate(&self, _: &Credential, _: &[u8]) -> bool {
        true
    }
    fn valid_successor(&self, old: &Credential, new: &Credential) -> bool {
        old == new
    }
}

#[test]
fn rfc9420_5_3_1_rejects_an_update_whose_credential_is_no_successor() {
    each(|c| {
        let mut s = c.three(35);
        // Member 2 proposes an Update under another name, signed properly.
        let g2 = group(&mut s, 2);
        let mut leaf = g2.own_leaf_node().unwrap().clone();
        let (_, enc) = c
            .cs()
            .hpke()
            .generate_key_pair(&mut TestRng::new(36))
            .unwrap();
        leaf.encryption_key = VLBytes::new(enc);
        leaf.credential = Credential::Basic(VLBytes::new(b"impostor".to_vec()));
        leaf.leaf_node_source = mls_core::messages::LeafNodeSource::Update;
        let gid = g2.group_id().to_vec();
        resign_leaf(
            c.cs(),
            g2.signer_for_testing().unwrap(),
            &mut leaf,
            Some((&gid, 2)),
        );
        let msg = member_message(
            c,
            &mut s,
            2,
            Content::Proposal(Proposal::Update(Update { leaf_node: leaf })),
        );
        let _ = c
            .process_with(group(&mut s, 1), &msg, &AcceptAllCredentials)
            .unwrap();
        let refs = group_refs(&mut s, 1);
        let _ = c
            .process_with(group(&mut s, 0), &msg, &AcceptAllCredentials)
            .unwrap();
        let commit = c.forged(&mut s, 0, vec![], true, include_all_cached(refs));
        assert_eq!(
            group_error(c.rejected_with(&mut s, 1, &commit, &NoRotation)),
            GroupError::InvalidSuccessorCredential
        );
    });
}

#[test]
fn rfc9420_7_3_rejects_an_update_reusing_another_members_signature_key() {
    each(|c| {
        let mut s = c.three(37);
        // Member 2 proposes a leaf with member 1's signature key (signed by
        // member 1's key, so that only uniqueness is broken).
        let mut leaf = group(&mut s, 2).own_leaf_node().unwrap().clone();
        let (_, enc) = c
            .cs()
            .hpke()
            .generate_key_pair(&mut TestRng::new(38))
            .unwrap();
        leaf.encryption_key = VLBytes::new(enc);
        leaf.signature_key = VLBytes::new(leaf_key(&mut s, 1));
        leaf.leaf_node_source = mls_core::messages::LeafNodeSource::Update;
        let gid = group(&mut s, 2).group_id().to_vec();
        let sk1 = group(&mut s, 1).signer_for_testing().unwrap().duplicate();
        resign_leaf(c.cs(), &sk1, &mut leaf, Some((&gid, 2)));
        let msg = member_message(
            c,
            &mut s,
            2,
            Content::Proposal(Proposal::Update(Update { leaf_node: leaf })),
        );
        for i in 0..2 {
            let _ = c
                .process_with(group(&mut s, i), &msg, &AcceptAllCredentials)
                .unwrap();
        }
        let refs = group_refs(&mut s, 1);
        let commit = c.forged(&mut s, 0, vec![], true, include_all_cached(refs));
        assert_eq!(
            group_error(c.rejected(&mut s, 1, &commit)),
            GroupError::DuplicatePublicKey
        );
    });
}

#[test]
fn rfc9420_7_3_rejects_a_commit_leaf_reusing_another_members_signature_key() {
    each(|c| {
        let mut s = c.three(39);
        let pk2 = leaf_key(&mut s, 2);
        let sk2 = group(&mut s, 2).signer_for_testing().unwrap().duplicate();
        let msg = c.forged(&mut s, 0, vec![], true, move |f| {
            if let Forge::Commit {
                commit,
                cs,
                group_id,
                sender,
                ..
            } = f
            {
                let leaf = &mut commit.path.as_mut().unwrap().leaf_node;
                leaf.signature_key = VLBytes::new(pk2.clone());
                resign_leaf(cs, &sk2, leaf, Some((group_id, sender.0)));
            }
        });
        assert_eq!(
            group_error(c.rejected(&mut s, 1, &msg)),
            GroupError::DuplicatePublicKey
        );
    });
}

#[test]
fn rfc9420_7_6_rejects_an_extra_ciphertext_for_another_members_node() {
    each(|c| {
        let mut s = c.three(40);
        // Member 0's path: node 1 (copath: leaf 1) and node 3 (copath: leaf
        // 2). One extra ciphertext at node 3 is member 2's business only,
        // yet member 1 must reject it too, or the group splits.
        let msg = c.forged(&mut s, 0, vec![], true, |f| {
            if let Forge::Commit { commit, .. } = f {
                let node = &mut commit.path.as_mut().unwrap().nodes[1];
                let mut cts = node.encrypted_path_secret.to_vec();
                cts.push(cts[0].clone());
                node.encrypted_path_secret = cts.into();
            }
        });
        for i in [1, 2] {
            assert_eq!(
                treekem_error(c.rejected(&mut s, i, &msg)),
                TreeKemError::CiphertextCountMismatch
            );
        }
    });
}

/// RFC 9180 §7.1.4 / RFC 9420 §7.6: a member signs a commit whose
/// ciphertext to member 1 carries a hostile `kem_output`: all zeros (a
/// small-order X25519 point; no P-256 point), the ephemeral key with its
/// last byte flipped (off the curve for P-256; for X25519 another key, so
/// the AEAD fails), one byte short, and empty. Decap (one import of the
/// receiver's key for DH and its public key) or the AEAD refuses each with
/// a typed error, and the receiver's state is unchanged.
#[test]
fn rfc9420_7_6_rejects_a_hostile_kem_output_and_changes_nothing() {
    each(|c| {
        let edits: [fn(&mut Vec<u8>); 4] = [
            |k| k.iter_mut().for_each(|b| *b = 0),
            |k| {
                if let Some(b) = k.last_mut() {
                    *b ^= 1;
                }
            },
            |k| {
                k.pop();
            },
            |k| k.clear(),
        ];
        for (i, edit) in edits.into_iter().enumerate() {
            let mut s = c.three(60 + i as u64);
            let msg = c.forged(&mut s, 0, vec![], true, |f| {
                if let Forge::Commit { commit, .. } = f {
                    let node = &mut commit.path.as_mut().unwrap().nodes[0];
                    let mut cts = node.encrypted_path_secret.to_vec();
                    let mut k = cts[0].kem_output.as_slice().to_vec();
                    edit(&mut k);
                    cts[0].kem_output = VLBytes::new(k);
                    node.encrypted_path_secret = cts.into();
                }
            });
            assert_eq!(
                treekem_error(c.rejected(&mut s, 1, &msg)),
                TreeKemError::DecryptionFailed,
                "edit {i}"
            );
        }
    });
}

#[test]
fn rfc9420_12_2_rejects_an_update_path_repeating_a_key() {
    each(|c| {
        let mut s = c.three(41);
        let msg = c.forged(&mut s, 0, vec![], true, |f| {
            if let Forge::Commit { commit, .. } = f {
                let path = commit.path.as_mut().unwrap();
                path.nodes[1].encryption_key = path.nodes[0].encryption_key.clone();
            }
        });
        assert_eq!(
            treekem_error(c.rejected(&mut s, 1, &msg)),
            TreeKemError::DuplicatePublicKey
        );
    });
}

/// A group of three (leaves 0, 1, 2) built by hand, every member's
/// capabilities edited by `caps` (member 0 created it and added the others).
fn three_with(c: Ctx, seed: u64, caps: impl Fn(&mut mls_core::messages::Capabilities)) -> Scenario {
    let (mut id, _) = c.identity(b"member-0", seed);
    caps(&mut id.capabilities);
    let mut rng = TestRng::new(seed + 1);
    let mut g0 = Group::create(
        c.provider,
        c.suite,
        b"group".to_vec(),
        id,
        vec![],
        GroupConfig::default(),
        &mut rng,
    )
    .unwrap();
    let joiners: Vec<_> = (1..3u64)
        .map(|i| {
            let name = format!("member-{i}");
            c.key_package(seed + 10 * i, name.as_bytes(), |kp| {
                caps(&mut kp.leaf_node.capabilities)
            })
        })
        .collect();
    let mut env = CommitEnv {
        rng: &mut rng,
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    let out = g0
        .commit(
            c.provider,
            CommitOptions {
                proposals: joiners.iter().map(|(kp, _, _)| add(kp.clone())).collect(),
                ..CommitOptions::default()
            },
            &mut env,
        )
        .unwrap();
    g0.merge_pending().unwrap();
    let MlsMessageBody::Welcome(welcome) = out.welcome.unwrap().body else {
        panic!("a Welcome")
    };
    let mut s = Scenario::new(c.provider, c.suite, seed);
    s.members = vec![mls_vectors::scenario::Member {
        name: 0,
        group: Some(g0),
    }];
    for (i, (kp, private, sk)) in joiners.into_iter().enumerate() {
        let mut env = ProcessEnv {
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let g = Group::join(
            c.provider,
            &welcome,
            &kp,
            private,
            sk,
            None,
            &mut env,
            GroupConfig::default(),
        )
        .unwrap();
        s.members.push(mls_vectors::scenario::Member {
            name: i as u32 + 1,
            group: Some(g),
        });
    }
    s
}

/// A group of three whose members all list extension type 0xF001.
fn three_listing(c: Ctx, seed: u64) -> Scenario {
    three_with(c, seed, |caps| caps.extensions.push(ExtensionType(0xF001)))
}

#[test]
fn rfc9420_13_4_external_joiner_must_support_the_group_context_extensions() {
    each(|c| {
        let mut s = three_listing(c, 45);
        c.commit_and_merge(&mut s, vec![gce(vec![ext(0xF001, vec![])])]);
        let gi = group(&mut s, 0).group_info(c.provider, true).unwrap();
        let (id, _) = c.identity(b"joiner", 31);
        let mut rng = TestRng::new(32);
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let e = Group::join_external(
            c.provider,
            &gi,
            None,
            id,
            None,
            &mut env,
            GroupConfig::default(),
        )
        .unwrap_err();
        assert_eq!(group_error(e), GroupError::UnsupportedExtension);
    });
}

#[test]
fn rfc9420_7_3_rejects_an_add_lacking_a_required_capability() {
    each(|c| {
        let mut s = three_listing(c, 42);
        c.commit_and_merge(
            &mut s,
            vec![gce(vec![required(RequiredCapabilities {
                extension_types: vec![ExtensionType(0xF001)],
                proposal_types: vec![],
                credential_types: vec![],
            })])],
        );
        let (kp, _, _) = c.key_package(43, b"new", |_| {});
        let msg = c.commit_carrying(&mut s, vec![add(kp)]);
        assert_eq!(
            group_error(c.rejected(&mut s, 1, &msg)),
            GroupError::RequiredCapabilityMissing
        );
    });
}

#[test]
fn rfc9420_11_1_rejects_required_capabilities_an_added_member_lacks() {
    each(|c| {
        let mut s = three_listing(c, 44);
        let (kp, _, _) = c.key_package(45, b"new", |_| {});
        let rc = gce(vec![required(RequiredCapabilities {
            extension_types: vec![ExtensionType(0xF001)],
            proposal_types: vec![],
            credential_types: vec![],
        })]);
        let msg = c.commit_carrying(&mut s, vec![rc, add(kp)]);
        assert_eq!(
            group_error(c.rejected(&mut s, 1, &msg)),
            GroupError::RequiredCapabilityMissing
        );
    });
}

#[test]
fn rfc9420_13_4_rejects_an_add_not_supporting_a_group_context_extension() {
    each(|c| {
        let mut s = three_listing(c, 46);
        c.commit_and_merge(&mut s, vec![gce(vec![ext(0xF001, vec![])])]);
        let (kp, _, _) = c.key_package(47, b"new", |_| {});
        let msg = c.commit_carrying(&mut s, vec![add(kp)]);
        assert_eq!(
            group_error(c.rejected(&mut s, 1, &msg)),
            GroupError::UnsupportedExtension
        );
    });
}

#[test]
fn rfc9420_13_4_rejects_duplicate_extension_types() {
    each(|c| {
        let rc = required(RequiredCapabilities {
            extension_types: vec![],
            proposal_types: vec![],
            credential_types: vec![CredentialType::BASIC],
        });
        // Two required_capabilities entries in a GCE.
        assert_eq!(
            group_error(c.receiver_verdict(48, vec![gce(vec![rc.clone(), rc])])),
            GroupError::DuplicateExtension
        );
        // Two leaf extensions of one type in an added KeyPackage's leaf.
        let (kp, _, _) = c.key_package(49, b"new", |kp| {
            kp.leaf_node
                .capabilities
                .extensions
                .push(ExtensionType(0xF002));
            kp.leaf_node.extensions = vec![ext(0xF002, vec![1]), ext(0xF002, vec![2])].into();
        });
        assert_eq!(
            group_error(c.receiver_verdict(50, vec![add(kp)])),
            GroupError::DuplicateExtension
        );
        // Two KeyPackage extensions of one type.
        let (kp, _, _) = c.key_package(51, b"new", |kp| {
            kp.extensions = vec![ext(0x0001, vec![1]), ext(0x0001, vec![2])];
        });
        assert_eq!(
            group_error(c.receiver_verdict(52, vec![add(kp)])),
            GroupError::DuplicateExtension
        );
    });
}

#[test]
fn rfc9420_10_rejects_key_package_extensions_missing_from_capabilities() {
    each(|c| {
        let (kp, _, _) = c.key_package(53, b"new", |kp| {
            kp.extensions = vec![ext(0xF003, vec![])];
        });
        assert_eq!(
            group_error(c.receiver_verdict(54, vec![add(kp)])),
            GroupError::LeafExtensionNotInCapabilities
        );
    });
}

#[test]
fn rfc9420_13_5_grease_is_never_supported() {
    each(|c| {
        // Every member lists GREASE 0x0A0A (as the RFC recommends): a GCE
        // with that type is still unsupported...
        let grease = ExtensionType(0x0A0A);
        let mut s = three_with(c, 55, |caps| {
            caps.extensions.push(grease);
            caps.proposals.push(ProposalType(0x0A0A));
        });
        let msg = c.commit_carrying(&mut s, vec![gce(vec![ext(grease.0, vec![])])]);
        assert_eq!(
            group_error(c.rejected(&mut s, 1, &msg)),
            GroupError::UnsupportedExtension
        );
        // ...and so is a proposal of a GREASE type.
        let p = Proposal::Custom(CustomProposal {
            proposal_type: ProposalType(0x0A0A),
            data: VLBytes::new(vec![]),
        });
        let msg = c.commit_carrying(&mut s, vec![p]);
        assert_eq!(
            group_error(c.rejected(&mut s, 1, &msg)),
            GroupError::UnsupportedProposalType
        );
    });
}

#[test]
fn rfc9420_12_1_5_rejects_a_reinit_to_a_lower_version() {
    each(|c| {
        let reinit = Proposal::ReInit(ReInit {
            group_id: VLBytes::new(b"next".to_vec()),
            version: ProtocolVersion(0),
            cipher_suite: c.suite,
            extensions: vec![],
        });
        let mut s = c.three(57);
        let msg = c.forged(&mut s, 0, vec![], false, move |f| {
            if let Forge::Commit { commit, .. } = f {
                commit.proposals = vec![ProposalOrRef::Proposal(Box::new(reinit.clone()))];
            }
        });
        assert_eq!(
            group_error(c.rejected(&mut s, 1, &msg)),
            GroupError::ReInitVersionTooLow
        );
    });
}

fn external_psk(id: &[u8], nonce_len: usize) -> Proposal {
    Proposal::PreSharedKey(PreSharedKey {
        psk: PreSharedKeyId {
            psk: Psk::External(VLBytes::new(id.to_vec())),
            psk_nonce: VLBytes::new(vec![7; nonce_len]),
        },
    })
}

#[test]
fn rfc9420_12_2_rejects_two_psk_proposals_with_one_id() {
    each(|c| {
        let nh = c.cs().kdf().nh();
        let p = external_psk(b"psk", nh);
        assert_eq!(
            group_error(c.receiver_verdict(58, vec![p.clone(), p])),
            GroupError::DuplicatePsk
        );
    });
}

#[test]
fn rfc9420_12_1_4_rejects_a_psk_nonce_of_the_wrong_length() {
    each(|c| {
        let nh = c.cs().kdf().nh();
        assert_eq!(
            group_error(c.receiver_verdict(59, vec![external_psk(b"psk", nh - 1)])),
            GroupError::InvalidPskNonce
        );
    });
}

/// Treats every Basic credential with this identity as one client.
struct SameName(&'static [u8]);

impl CredentialValidator for SameName {
    fn validate(&self, _: &Credential, _: &[u8]) -> bool {
        true
    }
    fn valid_successor(&self, _: &Credential, _: &Credential) -> bool {
        true
    }
    fn client_id(&self, c: &Credential) -> Option<Vec<u8>> {
        match c {
            Credential::Basic(x) if x.as_slice() == self.0 => Some(x.as_slice().to_vec()),
            _ => None,
        }
    }
}

#[test]
fn rfc9420_12_2_rejects_an_add_of_a_client_already_in_the_group() {
    each(|c| {
        let mut s = c.three(60);
        // Two KeyPackages of "alice" under two keys: one client by the
        // application's judgement, so the second Add is invalid.
        let (kp1, _, _) = c.key_package(61, b"alice", |_| {});
        let (kp2, _, _) = c.key_package(62, b"alice", |_| {});
        let msg = c.forged(&mut s, 0, vec![add(kp1), add(kp2)], false, |_| {});
        assert_eq!(
            group_error(c.rejected_with(&mut s, 1, &msg, &SameName(b"alice"))),
            GroupError::DuplicateAdd
        );
        // Without the hook, two keys are two clients.
        let _ = c
            .process_with(group(&mut s, 1), &msg, &AcceptAllCredentials)
            .unwrap();
    });
}

/// A maximum leaf lifetime of one day.
struct OneDay;

impl CredentialValidator for OneDay {
    fn validate(&self, _: &Credential, _: &[u8]) -> bool {
        true
    }
    fn valid_successor(&self, _: &Credential, _: &Credential) -> bool {
        true
    }
    fn max_leaf_lifetime(&self) -> Option<u64> {
        Some(86_400)
    }
}

#[test]
fn rfc9420_7_2_rejects_a_leaf_whose_lifetime_exceeds_the_maximum() {
    each(|c| {
        let mut s = c.three(63);
        let (kp, _, _) = c.key_package(64, b"new", |_| {});
        let msg = c.commit_carrying(&mut s, vec![add(kp)]);
        assert_eq!(
            group_error(c.rejected_with(&mut s, 1, &msg, &OneDay)),
            GroupError::LeafLifetimeTooLong
        );
        let (kp, _, _) = c.key_package(65, b"new", |kp| {
            if let mls_core::messages::LeafNodeSource::KeyPackage(lt) =
                &mut kp.leaf_node.leaf_node_source
            {
                *lt = Lifetime {
                    not_before: 1000,
                    not_after: 1000 + 86_400,
                };
            }
        });
        let msg = c.forged(&mut s, 0, vec![add(kp)], false, |_| {});
        let _ = c.process_with(group(&mut s, 1), &msg, &OneDay).unwrap();
    });
}

// ------------------------------------------------------ §12.4.3.1 Welcome

/// A two-member group: the creator (leaf 0) added a new client by a
/// commit (with a path when `path`); the Welcome and what the joiner holds.
struct Welcomed {
    creator_sk: SignaturePrivateKey,
    kp: KeyPackage,
    private: KeyPackagePrivate,
    joiner_sk: SignaturePrivateKey,
    welcome: Welcome,
    creator: Group,
}

fn welcomed(c: Ctx, seed: u64, path: bool) -> Welcomed {
    let (id, creator_sk) = c.identity(b"creator", seed);
    let mut rng = TestRng::new(seed + 1);
    let mut creator = Group::create(
        c.provider,
        c.suite,
        b"group".to_vec(),
        id,
        vec![],
        GroupConfig::default(),
        &mut rng,
    )
    .unwrap();
    let (kp, private, joiner_sk) = c.key_package(seed + 2, b"joiner", |_| {});
    let mut env = CommitEnv {
        rng: &mut rng,
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    let out = creator
        .commit(
            c.provider,
            CommitOptions {
                proposals: vec![add(kp.clone())],
                force_path: path,
                ..CommitOptions::default()
            },
            &mut env,
        )
        .unwrap();
    creator.merge_pending().unwrap();
    let MlsMessageBody::Welcome(welcome) = out.welcome.unwrap().body else {
        panic!("a Welcome")
    };
    Welcomed {
        creator_sk,
        kp,
        private,
        joiner_sk,
        welcome,
        creator,
    }
}

/// A group of seven built by the creator (leaf 0): four members added with
/// a path (parents 1, 3, 7 set), then leaves 5 and 6 without one, so that
/// the root lists them as unmerged. The Welcome is leaf 5's.
fn welcomed_unmerged(c: Ctx, seed: u64) -> Welcomed {
    let (id, creator_sk) = c.identity(b"creator", seed);
    let mut rng = TestRng::new(seed + 1);
    let mut creator = Group::create(
        c.provider,
        c.suite,
        b"group".to_vec(),
        id,
        vec![],
        GroupConfig::default(),
        &mut rng,
    )
    .unwrap();
    let first: Vec<Proposal> = (0..4u64)
        .map(|i| {
            add(c
                .key_package(seed + 10 + i, format!("m{i}").as_bytes(), |_| {})
                .0)
        })
        .collect();
    let (kp, private, joiner_sk) = c.key_package(seed + 2, b"joiner", |_| {});
    let (other, _, _) = c.key_package(seed + 3, b"other", |_| {});
    let mut welcome = None;
    for (proposals, force_path) in [(first, true), (vec![add(kp.clone()), add(other)], false)] {
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let out = creator
            .commit(
                c.provider,
                CommitOptions {
                    proposals,
                    force_path,
                    ..CommitOptions::default()
                },
                &mut env,
            )
            .unwrap();
        creator.merge_pending().unwrap();
        welcome = out.welcome;
    }
    let MlsMessageBody::Welcome(welcome) = welcome.unwrap().body else {
        panic!("a Welcome")
    };
    Welcomed {
        creator_sk,
        kp,
        private,
        joiner_sk,
        welcome,
        creator,
    }
}

impl Welcomed {
    fn join_with(
        &self,
        c: Ctx,
        welcome: &Welcome,
        tree: Option<Vec<Option<Node>>>,
        credentials: &dyn CredentialValidator,
    ) -> Result<Group, Error> {
        let mut env = ProcessEnv {
            psks: &NoPsks,
            credentials,
            now: None,
        };
        Group::join(
            c.provider,
            welcome,
            &self.kp,
            mls_core::key_package::KeyPackagePrivate {
                init_key: self.private.init_key.duplicate(),
                encryption_key: self.private.encryption_key.duplicate(),
            },
            self.joiner_sk.duplicate(),
            tree,
            &mut env,
            GroupConfig::default(),
        )
    }

    fn join(&self, c: Ctx, welcome: &Welcome) -> Error {
        self.join_with(c, welcome, None, &AcceptAllCredentials)
            .unwrap_err()
    }

    /// The Welcome with its GroupInfo edited by `edit` and re-signed by
    /// the creator, the group secrets edited by `secrets` (PSK-free
    /// Welcomes only: the welcome secret is derived without PSKs).
    fn forge(
        &self,
        c: Ctx,
        edit: impl FnOnce(&mut mls_core::messages::GroupInfo),
        secrets: impl FnOnce(&mut mls_core::seal_welcome::JoinerSecrets),
    ) -> Welcome {
        self.forge_signed(c, &self.creator_sk, edit, secrets)
    }

    /// [`Self::forge`] with the GroupInfo signed by `signer`.
    fn forge_signed(
        &self,
        c: Ctx,
        signer: &SignaturePrivateKey,
        edit: impl FnOnce(&mut mls_core::messages::GroupInfo),
        secrets: impl FnOnce(&mut mls_core::seal_welcome::JoinerSecrets),
    ) -> Welcome {
        let cs = c.cs();
        let mut js = mls_core::seal_welcome::decrypt_group_secrets(
            cs,
            &self.welcome,
            &self.kp,
            &self.private.init_key,
        )
        .unwrap();
        let psk = Secret::zero(cs.kdf().nh()).unwrap();
        let ws = mls_core::seal_welcome::welcome_secret(cs, &js.joiner_secret, &psk).unwrap();
        let mut gi = mls_core::seal_welcome::decrypt_group_info(cs, &self.welcome, &ws).unwrap();
        edit(&mut gi);
        mls_core::seal_welcome::sign_group_info(cs, signer, &mut gi).unwrap();
        secrets(&mut js);
        let ws = mls_core::seal_welcome::welcome_secret(cs, &js.joiner_secret, &psk).unwrap();
        let egi = mls_core::seal_welcome::encrypt_group_info(cs, &ws, &gi).unwrap();
        let ct = mls_core::seal_welcome::encrypt_group_secrets(
            cs,
            self.kp.init_key.as_slice(),
            &egi,
            &js.joiner_secret,
            js.path_secret.as_ref(),
            &js.psks,
            &mut TestRng::new(99),
        )
        .unwrap();
        let mut w = self.welcome.clone();
        w.encrypted_group_info = VLBytes::new(egi);
        let ours = mls_core::key_package::key_package_reference(cs, &self.kp).unwrap();
        for e in &mut w.secrets {
            if e.new_member.as_slice() == ours.as_slice() {
                e.encrypted_group_secrets = ct.clone();
            }
        }
        w
    }

    /// The Welcome with the ratchet tree edited by `edit` (leaves re-signed
    /// by the caller) and the GroupContext's tree hash made to match.
    fn forge_tree(&self, c: Ctx, edit: impl FnOnce(&mut Vec<Option<Node>>)) -> Welcome {
        self.forge_tree_signed(c, &self.creator_sk, edit)
    }

    /// [`Self::forge_tree`] with the GroupInfo signed by `signer`.
    fn forge_tree_signed(
        &self,
        c: Ctx,
        signer: &SignaturePrivateKey,
        edit: impl FnOnce(&mut Vec<Option<Node>>),
    ) -> Welcome {
        let cs = c.cs();
        self.forge_signed(
            c,
            signer,
            |gi| {
                let pos = gi
                    .extensions
                    .iter()
                    .position(|e| e.extension_type == ExtensionType::RATCHET_TREE.0)
                    .unwrap();
                let mut nodes: mls_core::messages::RatchetTree =
                    mls_core::codec::decode(gi.extensions[pos].extension_data.as_slice()).unwrap();
                edit(&mut nodes.0);
                let tree = mls_core::tree::RatchetTree::from_nodes(cs, nodes.0.clone())
                    .map_err(|_| ())
                    .unwrap();
                gi.group_context.tree_hash = VLBytes::new(tree.tree_hash().unwrap().to_vec());
                gi.extensions[pos].extension_data = VLBytes::new(nodes.encode().unwrap());
            },
            |_| {},
        )
    }
}

fn leaf_mut(nodes: &mut [Option<Node>], i: usize) -> &mut LeafNode {
    match &mut nodes[2 * i] {
        Some(Node::Leaf(l)) => l,
        _ => panic!("leaf {i}"),
    }
}

#[test]
fn forged_welcome_is_accepted_unchanged() {
    each(|c| {
        let w = welcomed(c, 100, false);
        let forged = w.forge(c, |_| {}, |_| {});
        let g = w
            .join_with(c, &forged, None, &AcceptAllCredentials)
            .unwrap();
        assert_eq!(g.epoch(), w.creator.epoch());
        assert_eq!(g.epoch_authenticator(), w.creator.epoch_authenticator());
    });
}

#[test]
fn rfc9420_5_3_1_joiner_validates_every_tree_credential() {
    each(|c| {
        let w = welcomed(c, 101, false);
        let creator_key = w
            .creator
            .own_leaf_node()
            .unwrap()
            .signature_key
            .as_slice()
            .to_vec();
        let e = w
            .join_with(c, &w.welcome, None, &RefuseKey(creator_key))
            .unwrap_err();
        assert_eq!(group_error(e), GroupError::CredentialRejected);
    });
}

#[test]
fn rfc9420_5_3_1_joiner_validates_external_senders() {
    each(|c| {
        let w = welcomed(c, 102, false);
        let (_, pk) = c
            .cs()
            .signature()
            .generate_key_pair(&mut TestRng::new(103))
            .unwrap();
        let senders = vec![ExternalSender {
            signature_key: VLBytes::new(pk.clone()),
            credential: Credential::Basic(VLBytes::new(b"ds".to_vec())),
        }];
        let forged = w.forge(
            c,
            |gi| {
                gi.group_context.extensions.push(ext(
                    ExtensionType::EXTERNAL_SENDERS.0,
                    senders.encode().unwrap(),
                ))
            },
            |_| {},
        );
        let e = w.join_with(c, &forged, None, &RefuseKey(pk)).unwrap_err();
        assert_eq!(group_error(e), GroupError::CredentialRejected);
    });
}

#[test]
fn rfc9420_12_4_3_1_rejects_a_group_info_with_a_bad_signature() {
    each(|c| {
        let w = welcomed(c, 104, false);
        let forged = w.forge(c, |gi| gi.signer = 1, |_| {});
        // Signed by the creator (leaf 0) but naming leaf 1 as signer, or a
        // leaf outside the tree.
        for forged in [forged, w.forge(c, |gi| gi.signer = 7, |_| {})] {
            let e = w.join(c, &forged);
            assert!(
                matches!(
                    e,
                    Error::Protocol(ProtocolError::Welcome(
                        mls_core::seal_welcome::WelcomeError::GroupInfoSignatureInvalid
                    ))
                ),
                "{e:?}"
            );
        }
    });
}

#[test]
fn rfc9420_12_4_3_1_rejects_a_missing_psk() {
    each(|c| {
        let w = welcomed(c, 105, false);
        let nh = c.cs().kdf().nh();
        let forged = w.forge(
            c,
            |_| {},
            |js| {
                js.psks.push(PreSharedKeyId {
                    psk: Psk::External(VLBytes::new(b"unknown".to_vec())),
                    psk_nonce: VLBytes::new(vec![0; nh]),
                })
            },
        );
        assert_eq!(group_error(w.join(c, &forged)), GroupError::PskNotFound);
    });
}

#[test]
fn rfc9420_12_4_3_1_rejects_a_group_info_of_another_cipher_suite() {
    each(|c| {
        let w = welcomed(c, 106, false);
        let other = if c.suite == CipherSuite(1) {
            CipherSuite(2)
        } else {
            CipherSuite(1)
        };
        let forged = w.forge(c, |gi| gi.group_context.cipher_suite = other, |_| {});
        let e = w.join(c, &forged);
        assert!(
            matches!(
                e,
                Error::Protocol(ProtocolError::Welcome(
                    mls_core::seal_welcome::WelcomeError::CipherSuiteMismatch
                ))
            ),
            "{e:?}"
        );
        let forged = w.forge(c, |gi| gi.group_context.version = 2, |_| {});
        let e = w.join(c, &forged);
        assert!(
            matches!(
                e,
                Error::Protocol(ProtocolError::Welcome(
                    mls_core::seal_welcome::WelcomeError::VersionMismatch
                ))
            ),
            "{e:?}"
        );
    });
}

#[test]
fn rfc9420_12_4_3_1_rejects_a_tree_not_matching_the_tree_hash() {
    each(|c| {
        let w = welcomed(c, 107, false);
        let forged = w.forge(
            c,
            |gi| gi.group_context.tree_hash = VLBytes::new(vec![0; c.cs().kdf().nh()]),
            |_| {},
        );
        assert_eq!(
            tree_error(w.join(c, &forged)),
            TreeValidationError::TreeHashMismatch
        );
    });
}

#[test]
fn rfc9420_12_4_3_1_rejects_a_welcome_without_a_tree() {
    each(|c| {
        let w = welcomed(c, 108, false);
        let forged = w.forge(
            c,
            |gi| {
                gi.extensions
                    .retain(|e| e.extension_type != ExtensionType::RATCHET_TREE.0)
            },
            |_| {},
        );
        assert_eq!(
            group_error(w.join(c, &forged)),
            GroupError::MissingRatchetTree
        );
    });
}

#[test]
fn rfc9420_12_4_3_3_rejects_a_tree_ending_in_a_parent() {
    each(|c| {
        let w = welcomed(c, 109, true);
        // The real tree (two leaves and their parent), cut after the parent.
        let mut nodes = w.creator.tree().to_nodes();
        nodes.truncate(2);
        assert!(matches!(nodes[1], Some(Node::Parent(_))));
        let e = w
            .join_with(c, &w.welcome, Some(nodes.clone()), &AcceptAllCredentials)
            .unwrap_err();
        assert_eq!(
            tree_error(e),
            TreeValidationError::Malformed(mls_core::tree::TreeShapeError::TrailingParent)
        );
        // The same array in the GroupInfo's ratchet_tree extension.
        let forged = w.forge(
            c,
            |gi| {
                for e in &mut gi.extensions {
                    if e.extension_type == ExtensionType::RATCHET_TREE.0 {
                        e.extension_data = VLBytes::new(
                            mls_core::messages::RatchetTree(nodes.clone())
                                .encode()
                                .unwrap(),
                        );
                    }
                }
            },
            |_| {},
        );
        assert_eq!(
            tree_error(w.join(c, &forged)),
            TreeValidationError::Malformed(mls_core::tree::TreeShapeError::TrailingParent)
        );
    });
}

#[test]
fn rfc9420_12_4_3_1_rejects_a_tree_leaf_with_a_bad_signature() {
    each(|c| {
        let w = welcomed(c, 110, false);
        let forged = w.forge_tree(c, |nodes| {
            let leaf = leaf_mut(nodes, 0);
            let mut sig = leaf.signature.as_slice().to_vec();
            sig[0] ^= 1;
            leaf.signature = VLBytes::new(sig);
        });
        assert_eq!(
            tree_error(w.join(c, &forged)),
            TreeValidationError::LeafSignatureInvalid
        );
    });
}

#[test]
fn rfc9420_7_3_joiner_rejects_a_tree_leaf_without_its_credential_type() {
    each(|c| {
        let w = welcomed(c, 111, false);
        let sk = w.creator_sk.duplicate();
        let forged = w.forge_tree(c, |nodes| {
            let leaf = leaf_mut(nodes, 0);
            leaf.capabilities.credentials = vec![CredentialType::X509].into();
            resign_leaf(c.cs(), &sk, leaf, None);
        });
        assert_eq!(
            tree_error(w.join(c, &forged)),
            TreeValidationError::CredentialTypeUnsupported { leaf: 0 }
        );
    });
}

#[test]
fn rfc9420_12_4_3_1_rejects_a_tree_with_duplicate_keys() {
    each(|c| {
        let w = welcomed(c, 112, false);
        let sk = w.creator_sk.duplicate();
        let joiner_enc = w.kp.leaf_node.encryption_key.clone();
        let forged = w.forge_tree(c, |nodes| {
            let leaf = leaf_mut(nodes, 0);
            leaf.encryption_key = joiner_enc;
            resign_leaf(c.cs(), &sk, leaf, None);
        });
        assert_eq!(
            tree_error(w.join(c, &forged)),
            TreeValidationError::DuplicateEncryptionKey
        );
        let jsk = w.joiner_sk.duplicate();
        let joiner_sig = w.kp.leaf_node.signature_key.clone();
        // Leaf 0 (the GroupInfo's signer) now holds the joiner's key.
        let forged = w.forge_tree_signed(c, &w.joiner_sk, |nodes| {
            let leaf = leaf_mut(nodes, 0);
            leaf.signature_key = joiner_sig;
            resign_leaf(c.cs(), &jsk, leaf, None);
        });
        assert_eq!(
            tree_error(w.join(c, &forged)),
            TreeValidationError::DuplicateSignatureKey
        );
    });
}

#[test]
fn rfc9420_12_4_3_1_rejects_a_tree_whose_leaf_for_us_differs() {
    each(|c| {
        let w = welcomed(c, 113, false);
        let jsk = w.joiner_sk.duplicate();
        let forged = w.forge_tree(c, |nodes| {
            let leaf = leaf_mut(nodes, 1);
            leaf.capabilities.extensions.push(ExtensionType(0x1A1A));
            resign_leaf(c.cs(), &jsk, leaf, None);
        });
        assert_eq!(group_error(w.join(c, &forged)), GroupError::OwnLeafNotFound);
    });
}

#[test]
fn rfc9420_12_4_3_1_rejects_a_wrong_path_secret() {
    each(|c| {
        let w = welcomed(c, 114, true);
        let nh = c.cs().kdf().nh();
        let forged = w.forge(
            c,
            |_| {},
            |js| js.path_secret = Some(Secret::from_slice(&vec![9; nh]).unwrap()),
        );
        assert_eq!(
            group_error(w.join(c, &forged)),
            GroupError::PathSecretMismatch
        );
    });
}

#[test]
fn rfc9420_12_4_3_1_rejects_a_tree_lacking_required_capabilities() {
    each(|c| {
        let w = welcomed(c, 115, false);
        let forged = w.forge(
            c,
            |gi| {
                gi.group_context
                    .extensions
                    .push(required(RequiredCapabilities {
                        extension_types: vec![],
                        proposal_types: vec![],
                        credential_types: vec![CredentialType::X509],
                    }))
            },
            |_| {},
        );
        assert_eq!(
            group_error(w.join(c, &forged)),
            GroupError::RequiredCapabilityMissing
        );
    });
}

#[test]
fn rfc9420_13_4_joiner_rejects_group_context_extensions_it_does_not_support() {
    each(|c| {
        let w = welcomed(c, 116, false);
        let forged = w.forge(
            c,
            |gi| gi.group_context.extensions.push(ext(0xF004, vec![])),
            |_| {},
        );
        assert_eq!(
            group_error(w.join(c, &forged)),
            GroupError::UnsupportedExtension
        );
    });
}

#[test]
fn rfc9420_13_4_joiner_rejects_duplicate_group_info_extensions() {
    each(|c| {
        let w = welcomed(c, 117, false);
        let forged = w.forge(
            c,
            |gi| {
                let dup = gi.extensions[0].clone();
                gi.extensions.push(dup);
            },
            |_| {},
        );
        assert_eq!(
            group_error(w.join(c, &forged)),
            GroupError::DuplicateExtension
        );
    });
}

#[test]
fn rfc9420_7_2_joiner_rejects_a_tree_leaf_whose_lifetime_exceeds_the_maximum() {
    each(|c| {
        let w = welcomed(c, 118, false);
        let e = w.join_with(c, &w.welcome, None, &OneDay).unwrap_err();
        assert_eq!(group_error(e), GroupError::LeafLifetimeTooLong);
    });
}

#[test]
fn rfc9420_7_3_joiner_rejects_an_expired_tree_leaf_when_the_time_is_known() {
    each(|c| {
        let w = welcomed(c, 119, false);
        let sk = w.creator_sk.duplicate();
        let forged = w.forge_tree(c, |nodes| {
            let leaf = leaf_mut(nodes, 0);
            leaf.leaf_node_source = mls_core::messages::LeafNodeSource::KeyPackage(Lifetime {
                not_before: 0,
                not_after: 10,
            });
            resign_leaf(c.cs(), &sk, leaf, None);
        });
        let mut env = ProcessEnv {
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: Some(1_000),
        };
        let e = Group::join(
            c.provider,
            &forged,
            &w.kp,
            mls_core::key_package::KeyPackagePrivate {
                init_key: w.private.init_key.duplicate(),
                encryption_key: w.private.encryption_key.duplicate(),
            },
            w.joiner_sk.duplicate(),
            None,
            &mut env,
            GroupConfig::default(),
        )
        .unwrap_err();
        assert_eq!(
            tree_error(e),
            TreeValidationError::LifetimeExpired { leaf: 0 }
        );
    });
}

#[test]
fn rfc9420_7_3_joiner_accepts_a_tree_leaf_that_omits_the_groups_cipher_suite() {
    each(|c| {
        let w = welcomed(c, 120, false);
        let sk = w.creator_sk.duplicate();
        let forged = w.forge_tree(c, |nodes| {
            let leaf = leaf_mut(nodes, 0);
            leaf.capabilities.cipher_suites = vec![CipherSuite(0x0A0A)].into();
            resign_leaf(c.cs(), &sk, leaf, None);
        });
        // Everything §7.3 asks passes; only the confirmation tag (the
        // forged GroupContext) fails, after every tree check.
        let e = w.join(c, &forged);
        assert!(
            matches!(
                e,
                Error::Protocol(ProtocolError::Welcome(
                    mls_core::seal_welcome::WelcomeError::ConfirmationTagMismatch
                ))
            ),
            "{e:?}"
        );
    });
}

#[test]
fn rfc9420_5_3_1_receiver_validates_the_credential_of_an_added_member() {
    each(|c| {
        let mut s = c.three(122);
        let (kp, _, _) = c.key_package(123, b"new", |_| {});
        let key = kp.leaf_node.signature_key.as_slice().to_vec();
        let msg = c.forged(&mut s, 0, vec![add(kp)], false, |_| {});
        assert_eq!(
            group_error(c.rejected_with(&mut s, 1, &msg, &RefuseKey(key))),
            GroupError::CredentialRejected
        );
    });
}

/// A PrivateMessage from member 0's secret tree carrying `content` from
/// `sender`, signed with `signer`.
fn forge_private(
    c: Ctx,
    s: &mut Scenario,
    sender: u32,
    signer: &dyn mls_core::crypto::Signer,
    content: Content,
) -> MlsMessage {
    let g = group(s, 0);
    let fc = FramedContent {
        group_id: VLBytes::new(g.group_id().to_vec()),
        epoch: g.epoch(),
        sender: Sender::Member(sender),
        authenticated_data: VLBytes::new(vec![]),
        content,
    };
    let ac = mls_core::protect::sign_content(
        c.cs(),
        signer,
        WireFormat::PRIVATE_MESSAGE,
        fc,
        Some(g.context()),
    )
    .unwrap();
    let (tree, sds) = g.secret_tree_for_testing();
    let p = mls_core::protect::protect_private(c.cs(), &ac, tree, sds, 0, &mut TestRng::new(7))
        .unwrap();
    MlsMessage {
        body: MlsMessageBody::PrivateMessage(p.message),
    }
}

#[test]
fn rfc9420_6_3_1_rejects_a_private_message_with_a_bad_signature() {
    each(|c| {
        let mut s = c.three(124);
        let (other, _) = c
            .cs()
            .signature()
            .generate_key_pair(&mut TestRng::new(125))
            .unwrap();
        let remove = Content::Proposal(Proposal::Remove(mls_core::messages::Remove {
            removed: mls_core::group::LeafIndex(2),
        }));
        let msg = forge_private(c, &mut s, 0, &other, remove.clone());
        assert_eq!(
            c.rejected(&mut s, 1, &msg),
            Error::Protocol(ProtocolError::Framing(FramingError::SignatureInvalid))
        );
        // The same message signed by member 0 is accepted.
        let sk = group(&mut s, 0).signer_for_testing().unwrap().duplicate();
        let msg = forge_private(c, &mut s, 0, &sk, remove);
        let _ = c
            .process_with(group(&mut s, 1), &msg, &AcceptAllCredentials)
            .unwrap();
    });
}

#[test]
fn rfc9420_6_3_2_rejects_a_private_message_from_a_blank_leaf() {
    each(|c| {
        let mut s = c.three(126);
        let sk = group(&mut s, 0).signer_for_testing().unwrap().duplicate();
        let remove = Content::Proposal(Proposal::Remove(mls_core::messages::Remove {
            removed: mls_core::group::LeafIndex(2),
        }));
        // Leaf 3 is inside the tree (four leaves) but blank.
        let msg = forge_private(c, &mut s, 3, &sk, remove);
        assert_eq!(
            group_error(c.rejected(&mut s, 1, &msg)),
            GroupError::UnknownSender
        );
    });
}

#[test]
fn rfc9420_7_9_2_joiner_rejects_a_tree_with_a_bad_parent_hash() {
    each(|c| {
        let w = welcomed(c, 127, true);
        let forged = w.forge_tree(c, |nodes| {
            let Some(Node::Parent(p)) = &mut nodes[1] else {
                panic!("the root is set by the commit's path")
            };
            p.parent_hash = VLBytes::new(vec![1; c.cs().kdf().nh()]);
        });
        assert_eq!(
            tree_error(w.join(c, &forged)),
            TreeValidationError::ParentHashInvalid { node: 1 }
        );
    });
}

#[test]
fn rfc9420_12_4_3_ignores_unknown_group_info_extensions() {
    each(|c| {
        let w = welcomed(c, 128, false);
        let forged = w.forge(
            c,
            |gi| gi.extensions.push(ext(0x3A3A, vec![1, 2, 3])),
            |_| {},
        );
        let g = w
            .join_with(c, &forged, None, &AcceptAllCredentials)
            .unwrap();
        assert_eq!(g.epoch_authenticator(), w.creator.epoch_authenticator());
    });
}

// ------------------------------------------- §11.2, §11.3 branch and reinit

/// Member 0 of a group of three branches with member 1: the Welcome, the
/// branch creator's key, and what member 1 joins with.
struct Branched {
    s: Scenario,
    creator_sk: SignaturePrivateKey,
    kp: KeyPackage,
    private: KeyPackagePrivate,
    sk: SignaturePrivateKey,
    welcome: Welcome,
}

fn branched(c: Ctx, seed: u64) -> Branched {
    let s = c.three(seed);
    let (kp, private, sk) = c.key_package(seed + 1, b"member-1-branch", |_| {});
    let (id, creator_sk) = c.identity(b"member-0", seed + 2);
    let mut rng = TestRng::new(seed + 3);
    let mut env = CommitEnv {
        rng: &mut rng,
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    let (_, out) = s.members[0]
        .group
        .as_ref()
        .unwrap()
        .branch(
            c.provider,
            b"branch".to_vec(),
            id,
            vec![kp.clone()],
            GroupConfig::default(),
            &mut env,
        )
        .unwrap();
    let MlsMessageBody::Welcome(welcome) = out.welcome.unwrap().body else {
        panic!("a Welcome")
    };
    Branched {
        s,
        creator_sk,
        kp,
        private,
        sk,
        welcome,
    }
}

fn psk_secret_of(c: Ctx, ids: &[PreSharedKeyId], store: &dyn PskStore) -> Secret {
    let encoded: Vec<Vec<u8>> = ids.iter().map(|id| id.encode().unwrap()).collect();
    let values: Vec<&[u8]> = ids
        .iter()
        .map(|id| match &id.psk {
            Psk::Resumption(r) => store
                .resumption_psk(r.psk_group_id.as_slice(), r.psk_epoch)
                .unwrap(),
            Psk::External(e) => store.external_psk(e.as_slice()).unwrap(),
        })
        .collect();
    let inputs: Vec<mls_core::key_schedule::PskInput<'_>> = encoded
        .iter()
        .zip(&values)
        .map(|(id, psk)| mls_core::key_schedule::PskInput { id, psk })
        .collect();
    mls_core::key_schedule::psk_secret(c.cs(), &inputs).unwrap()
}

impl Branched {
    fn old(&self) -> &Group {
        self.s.members[1].group.as_ref().unwrap()
    }

    fn join(&self, c: Ctx, welcome: &Welcome, store: &dyn PskStore) -> Error {
        let mut env = ProcessEnv {
            psks: store,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        Group::join(
            c.provider,
            welcome,
            &self.kp,
            mls_core::key_package::KeyPackagePrivate {
                init_key: self.private.init_key.duplicate(),
                encryption_key: self.private.encryption_key.duplicate(),
            },
            self.sk.duplicate(),
            None,
            &mut env,
            GroupConfig::default(),
        )
        .unwrap_err()
    }

    /// The Welcome with its GroupInfo and PSK list edited, re-signed and
    /// re-encrypted under the PSKs' new psk_secret (resolved in `store`).
    fn forge(
        &self,
        c: Ctx,
        store: &dyn PskStore,
        edit: impl FnOnce(&mut mls_core::messages::GroupInfo),
        psks: impl FnOnce(&mut Vec<PreSharedKeyId>),
    ) -> Welcome {
        let cs = c.cs();
        let mut js = mls_core::seal_welcome::decrypt_group_secrets(
            cs,
            &self.welcome,
            &self.kp,
            &self.private.init_key,
        )
        .unwrap();
        let psk = psk_secret_of(c, &js.psks, store);
        let ws = mls_core::seal_welcome::welcome_secret(cs, &js.joiner_secret, &psk).unwrap();
        let mut gi = mls_core::seal_welcome::decrypt_group_info(cs, &self.welcome, &ws).unwrap();
        edit(&mut gi);
        mls_core::seal_welcome::sign_group_info(cs, &self.creator_sk, &mut gi).unwrap();
        psks(&mut js.psks);
        let psk = psk_secret_of(c, &js.psks, store);
        let ws = mls_core::seal_welcome::welcome_secret(cs, &js.joiner_secret, &psk).unwrap();
        let egi = mls_core::seal_welcome::encrypt_group_info(cs, &ws, &gi).unwrap();
        let ct = mls_core::seal_welcome::encrypt_group_secrets(
            cs,
            self.kp.init_key.as_slice(),
            &egi,
            &js.joiner_secret,
            js.path_secret.as_ref(),
            &js.psks,
            &mut TestRng::new(98),
        )
        .unwrap();
        let mut w = self.welcome.clone();
        w.encrypted_group_info = VLBytes::new(egi);
        w.secrets[0].encrypted_group_secrets = ct;
        w
    }
}

#[test]
fn forged_branch_welcome_is_accepted_unchanged() {
    each(|c| {
        let b = branched(c, 130);
        let w = b.forge(c, b.old(), |_| {}, |_| {});
        let mut env = ProcessEnv {
            psks: b.old(),
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let g = Group::join(
            c.provider,
            &w,
            &b.kp,
            mls_core::key_package::KeyPackagePrivate {
                init_key: b.private.init_key.duplicate(),
                encryption_key: b.private.encryption_key.duplicate(),
            },
            b.sk.duplicate(),
            None,
            &mut env,
            GroupConfig::default(),
        )
        .unwrap();
        assert_eq!(g.epoch(), 1);
    });
}

#[test]
fn rfc9420_11_3_rejects_a_branch_welcome_not_at_epoch_1() {
    each(|c| {
        let b = branched(c, 131);
        let w = b.forge(c, b.old(), |gi| gi.group_context.epoch = 2, |_| {});
        assert_eq!(
            group_error(b.join(c, &w, b.old())),
            GroupError::ResumptionJoinMismatch
        );
    });
}

#[test]
fn rfc9420_12_4_3_1_rejects_two_resumption_psks_of_usage_branch() {
    each(|c| {
        let b = branched(c, 132);
        let w = b.forge(
            c,
            b.old(),
            |_| {},
            |psks| {
                let mut second = psks[0].clone();
                second.psk_nonce = VLBytes::new(vec![3; c.cs().kdf().nh()]);
                psks.push(second);
            },
        );
        assert_eq!(
            group_error(b.join(c, &w, b.old())),
            GroupError::MultipleResumptionPsks
        );
    });
}

/// The old group as PSK store, with what it reports about itself replaced.
struct Claims<'a> {
    old: &'a Group,
    context: Option<GroupContext>,
    reinit: Option<ReInit>,
}

impl PskStore for Claims<'_> {
    fn external_psk(&self, _: &[u8]) -> Option<&[u8]> {
        None
    }
    fn resumption_psk(&self, group_id: &[u8], epoch: u64) -> Option<&[u8]> {
        PskStore::resumption_psk(self.old, group_id, epoch)
    }
    fn reinit_of(&self, _: &[u8]) -> Option<&ReInit> {
        self.reinit.as_ref()
    }
    fn context_of(&self, _: &[u8]) -> Option<&GroupContext> {
        self.context.as_ref()
    }
}

#[test]
fn rfc9420_11_3_rejects_a_branch_of_another_version_or_suite() {
    each(|c| {
        let b = branched(c, 133);
        let other = if c.suite == CipherSuite(1) {
            CipherSuite(2)
        } else {
            CipherSuite(1)
        };
        let mut ctx = b.old().context().clone();
        ctx.cipher_suite = other;
        let mut newer = b.old().context().clone();
        newer.version = 2;
        for context in [Some(ctx), Some(newer), None] {
            let store = Claims {
                old: b.old(),
                context,
                reinit: None,
            };
            assert_eq!(
                group_error(b.join(c, &b.welcome, &store)),
                GroupError::ResumptionJoinMismatch
            );
        }
    });
}

#[test]
fn rfc9420_11_2_rejects_a_reinit_welcome_that_does_not_match_the_reinit() {
    each(|c| {
        let b = branched(c, 134);
        // The branch PSK turned into a reinit PSK: the old group committed
        // no ReInit, or one for another group, so the Welcome is refused.
        let w = b.forge(
            c,
            b.old(),
            |_| {},
            |psks| {
                if let Psk::Resumption(r) = &mut psks[0].psk {
                    r.usage = mls_core::messages::ResumptionPskUsage::Reinit;
                }
            },
        );
        let matching = ReInit {
            group_id: VLBytes::new(b"branch".to_vec()),
            version: ProtocolVersion::MLS10,
            cipher_suite: c.suite,
            extensions: vec![],
        };
        let mut other = matching.clone();
        other.group_id = VLBytes::new(b"elsewhere".to_vec());
        for reinit in [None, Some(other)] {
            let store = Claims {
                old: b.old(),
                context: None,
                reinit,
            };
            assert_eq!(
                group_error(b.join(c, &w, &store)),
                GroupError::ResumptionJoinMismatch
            );
        }
        // With the matching ReInit, the check passes; the key schedule
        // (the forged PSK) is what fails then.
        let store = Claims {
            old: b.old(),
            context: None,
            reinit: Some(matching),
        };
        let e = b.join(c, &w, &store);
        assert!(
            matches!(
                e,
                Error::Protocol(ProtocolError::Welcome(
                    mls_core::seal_welcome::WelcomeError::ConfirmationTagMismatch
                ))
            ),
            "{e:?}"
        );
    });
}

// ---------------------------------------------------------- §9 secret tree

/// A group of three with a narrow ratchet window (2 ahead, 1 behind), and
/// four application messages of member 0, in sending order.
fn narrow_window(c: Ctx, seed: u64) -> (Scenario, Vec<MlsMessage>) {
    let config = GroupConfig {
        ratchet: mls_core::secret_tree::RatchetConfig {
            max_forward_distance: 2,
            out_of_order_tolerance: 1,
        },
        ..GroupConfig::default()
    };
    let mut s = Scenario::with_config(c.provider, c.suite, seed, config);
    s.add_members(2);
    let mut rng = TestRng::new(seed + 1);
    let msgs = (0..4u8)
        .map(|i| {
            group(&mut s, 0)
                .protect(c.provider, &[i], b"", &mut rng)
                .unwrap()
        })
        .collect();
    (s, msgs)
}

fn out_of_window(e: Error) {
    assert!(
        matches!(e, Error::Protocol(ProtocolError::GenerationOutOfWindow)),
        "{e:?}"
    );
}

#[test]
fn rfc9420_9_1_rejects_a_generation_too_far_ahead() {
    each(|c| {
        let (mut s, m) = narrow_window(c, 140);
        out_of_window(c.rejected(&mut s, 1, &m[3]));
        let _ = c
            .process_with(group(&mut s, 1), &m[2], &AcceptAllCredentials)
            .unwrap();
    });
}

#[test]
fn rfc9420_9_2_forgets_skipped_keys_beyond_the_tolerance() {
    each(|c| {
        let (mut s, m) = narrow_window(c, 141);
        // Generation 2 first: keys 0 and 1 are skipped, only 1 is kept.
        let _ = c
            .process_with(group(&mut s, 1), &m[2], &AcceptAllCredentials)
            .unwrap();
        out_of_window(c.rejected(&mut s, 1, &m[0]));
        let _ = c
            .process_with(group(&mut s, 1), &m[1], &AcceptAllCredentials)
            .unwrap();
    });
}

fn parent_mut(nodes: &mut [Option<Node>], x: usize) -> &mut mls_core::messages::ParentNode {
    match &mut nodes[x] {
        Some(Node::Parent(p)) => p,
        _ => panic!("parent {x}"),
    }
}

#[test]
fn forged_welcome_with_unmerged_leaves_is_accepted_unchanged() {
    each(|c| {
        let w = welcomed_unmerged(c, 150);
        let forged = w.forge_tree(c, |nodes| {
            assert_eq!(parent_mut(nodes, 7).unmerged_leaves, vec![5, 6]);
        });
        let g = w
            .join_with(c, &forged, None, &AcceptAllCredentials)
            .unwrap();
        assert_eq!(g.epoch_authenticator(), w.creator.epoch_authenticator());
    });
}

#[test]
fn rfc9420_7_1_joiner_rejects_unsorted_unmerged_leaves() {
    each(|c| {
        let w = welcomed_unmerged(c, 151);
        // The same set in another order keeps every parent hash valid.
        let forged = w.forge_tree(c, |nodes| {
            parent_mut(nodes, 7).unmerged_leaves = vec![6, 5];
        });
        assert_eq!(
            tree_error(w.join(c, &forged)),
            TreeValidationError::UnmergedLeavesInvalid { node: 7 }
        );
    });
}

#[test]
fn rfc9420_12_4_3_1_joiner_rejects_an_unmerged_leaf_outside_the_subtree() {
    each(|c| {
        let w = welcomed_unmerged(c, 152);
        // Leaf 5 listed at parent 1, whose subtree is leaves 0 and 1.
        let forged = w.forge_tree(c, |nodes| {
            parent_mut(nodes, 1).unmerged_leaves = vec![5];
        });
        assert_eq!(
            tree_error(w.join(c, &forged)),
            TreeValidationError::UnmergedLeavesInvalid { node: 1 }
        );
    });
}

/// Authorizes no external proposal.
struct NoExternalProposals;

impl CredentialValidator for NoExternalProposals {
    fn validate(&self, _: &Credential, _: &[u8]) -> bool {
        true
    }
    fn valid_successor(&self, _: &Credential, _: &Credential) -> bool {
        true
    }
    fn authorize_external_proposal(&self, _: &Sender, _: &Proposal) -> bool {
        false
    }
}

#[test]
fn rfc9420_12_1_8_rejects_a_commit_of_an_unauthorized_external_proposal() {
    each(|c| {
        let (mut s, sk) = with_external_sender(c, 153);
        let remove = Content::Proposal(Proposal::Remove(mls_core::messages::Remove {
            removed: mls_core::group::LeafIndex(2),
        }));
        let msg = external_message(c, &mut s, 0, &sk, remove);
        for i in 0..2 {
            let _ = c
                .process_with(group(&mut s, i), &msg, &AcceptAllCredentials)
                .unwrap();
        }
        // Member 0 commits it (its application authorizes it).
        let commit = {
            let mut rng = TestRng::new(154);
            let mut env = CommitEnv {
                rng: &mut rng,
                psks: &NoPsks,
                credentials: &AcceptAllCredentials,
                now: None,
            };
            let g = group(&mut s, 0);
            let out = g
                .commit(
                    c.provider,
                    CommitOptions {
                        include_pending: true,
                        ..CommitOptions::default()
                    },
                    &mut env,
                )
                .unwrap();
            g.discard_pending();
            out.commit
        };
        assert_eq!(
            group_error(c.rejected_with(&mut s, 1, &commit, &NoExternalProposals)),
            GroupError::UnauthorizedExternalProposal
        );
        // Authorized, the same commit is accepted.
        let _ = c
            .process_with(group(&mut s, 1), &commit, &AcceptAllCredentials)
            .unwrap();
    });
}

#[test]
fn rfc9420_7_5_rejects_a_path_whose_keys_do_not_derive_from_its_secrets() {
    each(|c| {
        let mut s = c.three(160);
        // Member 0's filtered direct path is parents 1 and 3 (copath: leaf 1
        // and parent 5). The forged path carries, for member 1, a path
        // secret whose key is parent 1's, but a foreign key at parent 3;
        // parent hashes, tree hash and the encryption context all agree
        // with the forged keys, so only the derivation check can object.
        let g0 = group(&mut s, 0);
        let mut nodes = g0.tree().to_nodes();
        let h = |x: u32| {
            g0.tree()
                .compute_node_hash(c.cs(), mls_core::tree_math::NodeIndex(x))
                .unwrap()
                .as_slice()
                .to_vec()
        };
        let (h2, h5) = (h(2), h(5));
        let mut ctx = g0.context().clone();
        let Some(Node::Leaf(leaf1)) = &nodes[2] else {
            panic!("leaf 1")
        };
        let leaf1_key = leaf1.encryption_key.as_slice().to_vec();
        let (_, foreign) = c
            .cs()
            .hpke()
            .generate_key_pair(&mut TestRng::new(161))
            .unwrap();
        let secret = Secret::from_slice(&vec![5; c.cs().kdf().nh()]).unwrap();
        let msg = c.forged(&mut s, 0, vec![], true, move |f| {
            if let Forge::Commit {
                commit,
                cs,
                signer,
                group_id,
                sender,
            } = f
            {
                let path = commit.path.as_mut().unwrap();
                assert_eq!(path.nodes.len(), 2);
                let (_, k1) = mls_core::treekem::node_key_pair(cs, &secret).unwrap();
                let ph1 = mls_core::tree::parent_hash(cs, &foreign, &[], &h5).unwrap();
                let ph0 = mls_core::tree::parent_hash(cs, &k1, ph1.as_slice(), &h2).unwrap();
                path.leaf_node.leaf_node_source = mls_core::messages::LeafNodeSource::Commit(
                    VLBytes::new(ph0.as_slice().to_vec()),
                );
                resign_leaf(cs, signer, &mut path.leaf_node, Some((group_id, sender.0)));
                path.nodes[0].encryption_key = VLBytes::new(k1.clone());
                path.nodes[1].encryption_key = VLBytes::new(foreign.clone());
                // The tree the receivers will hold, for the provisional
                // GroupContext the path secret is encrypted under.
                nodes[0] = Some(Node::Leaf(path.leaf_node.clone()));
                nodes[1] = Some(Node::Parent(mls_core::messages::ParentNode {
                    encryption_key: VLBytes::new(k1.clone()),
                    parent_hash: VLBytes::new(ph1.as_slice().to_vec()),
                    unmerged_leaves: vec![],
                }));
                nodes[3] = Some(Node::Parent(mls_core::messages::ParentNode {
                    encryption_key: VLBytes::new(foreign.clone()),
                    parent_hash: VLBytes::new(vec![]),
                    unmerged_leaves: vec![],
                }));
                let tree = mls_core::tree::RatchetTree::from_nodes(cs, nodes.clone())
                    .map_err(|_| ())
                    .unwrap();
                ctx.epoch += 1;
                ctx.tree_hash = VLBytes::new(tree.tree_hash().unwrap().to_vec());
                let ct = mls_core::crypto::labeled::encrypt_with_label(
                    cs,
                    &leaf1_key,
                    b"UpdatePathNode",
                    &ctx.encode().unwrap(),
                    secret.as_bytes(),
                    &mut TestRng::new(162),
                )
                .unwrap();
                let mut cts = path.nodes[0].encrypted_path_secret.to_vec();
                cts[0] = HpkeCiphertext {
                    kem_output: VLBytes::new(ct.kem_output),
                    ciphertext: VLBytes::new(ct.ciphertext),
                };
                path.nodes[0].encrypted_path_secret = cts.into();
            }
        });
        assert_eq!(
            treekem_error(c.rejected(&mut s, 1, &msg)),
            TreeKemError::PublicKeyMismatch
        );
    });
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn rfc9420_7_5_replaced_path_keys_and_the_old_init_secret_are_deleted() {
    each(|c| {
        let mut w = welcomed(c, 170, true);
        let cs = c.cs();
        // What the joiner holds after joining: parent 1's private key (from
        // the Welcome's path secret) and the epoch's init secret.
        let js = mls_core::seal_welcome::decrypt_group_secrets(
            cs,
            &w.welcome,
            &w.kp,
            &w.private.init_key,
        )
        .unwrap();
        let (parent_key, _) =
            mls_core::treekem::node_key_pair(cs, js.path_secret.as_ref().unwrap()).unwrap();
        let mut joiner = w
            .join_with(c, &w.welcome, None, &AcceptAllCredentials)
            .unwrap();
        let psk = Secret::zero(cs.kdf().nh()).unwrap();
        let epoch = mls_core::key_schedule::from_joiner_secret(
            cs,
            &js.joiner_secret,
            &psk,
            &joiner.context().encode().unwrap(),
        )
        .unwrap()
        .epoch;
        let init = epoch.init_secret.as_bytes().to_vec();
        let before = joiner.to_bytes().unwrap();
        assert!(contains(before.as_bytes(), parent_key.as_bytes()));
        assert!(contains(before.as_bytes(), &init));
        // The creator commits a new path; the joiner follows it.
        let mut rng = TestRng::new(171);
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let out = w
            .creator
            .commit(
                c.provider,
                CommitOptions {
                    force_path: true,
                    ..CommitOptions::default()
                },
                &mut env,
            )
            .unwrap();
        match c.process_with(&mut joiner, &out.commit, &AcceptAllCredentials) {
            Ok(Received::Commit(staged)) => joiner.merge_staged(*staged).unwrap(),
            other => panic!("{other:?}"),
        }
        let after = joiner.to_bytes().unwrap();
        assert!(!contains(after.as_bytes(), parent_key.as_bytes()));
        assert!(!contains(after.as_bytes(), &init));
    });
}
