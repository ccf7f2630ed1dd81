//! Proposals from outside the group (RFC 9420 §12.1.8): an external sender
//! listed in the `external_senders` extension removes a member, and a new
//! client proposes its own Add (`new_member_proposal`); members commit them
//! by reference.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::codec::{Encode, VLBytes};
use mls_core::crypto::{CipherSuite, CryptoProvider};
use mls_core::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, Group, NoPsks, ProcessEnv, Received,
};
use mls_core::messages::Extension;
use mls_core::messages::{
    Add, Content, Credential, ExtensionType, ExternalSender, FramedContent, GroupContextExtensions,
    Lifetime, MlsMessage, MlsMessageBody, Proposal, Remove, Sender, WireFormat,
};
use mls_core::protect::{protect_public, sign_content};
use mls_vectors::TestRng;
use mls_vectors::scenario::Scenario;

fn provider() -> &'static dyn CryptoProvider {
    mls_vectors::backends()[0].1
}

const SUITE: CipherSuite = CipherSuite(1);

fn deliver_all(s: &mut Scenario, from: Option<usize>, msg: &MlsMessage) -> Vec<Received> {
    let mut out = Vec::new();
    for i in s.active() {
        if Some(i) == from {
            continue;
        }
        let mut env = ProcessEnv {
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let g = s.members[i].group.as_mut().unwrap();
        out.push(
            g.process(provider(), msg, &mut env)
                .unwrap_or_else(|e| panic!("member {i}: {e}")),
        );
    }
    out
}

/// Processes and merges `commit` at every active member but `committer`.
fn apply_commit(s: &mut Scenario, committer: usize, commit: &MlsMessage) {
    for i in s.active() {
        if i == committer {
            continue;
        }
        let mut env = ProcessEnv {
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let g = s.members[i].group.as_mut().unwrap();
        match g.process(provider(), commit, &mut env).unwrap() {
            Received::Commit(staged) => {
                let gone = staged.removes_self();
                g.merge_staged(*staged).unwrap();
                if gone {
                    s.members[i].group = None;
                }
            }
            other => panic!("expected a commit, got {other:?}"),
        }
    }
}

#[test]
fn rfc9420_12_1_8_external_sender_removes_a_member() {
    let cs = provider().cipher_suite(SUITE).unwrap();
    let mut s = Scenario::new(provider(), SUITE, 21);
    s.add_members(2);
    let mut rng = TestRng::new(22);
    let (ds_sk, ds_pk) = cs.signature().generate_key_pair(&mut rng).unwrap();

    // Member 0 installs the external_senders extension (RFC 9420 §12.1.7).
    let senders = vec![ExternalSender {
        signature_key: VLBytes::new(ds_pk),
        credential: Credential::Basic(VLBytes::new(b"delivery service".to_vec())),
    }];
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
        extensions: vec![Extension {
            extension_type: ExtensionType::EXTERNAL_SENDERS.0,
            extension_data: VLBytes::new(senders.encode().unwrap()),
        }],
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
                    proposals: vec![gce],
                    ..Default::default()
                },
                &mut env,
            )
            .unwrap();
        g.merge_pending().unwrap();
        out
    };
    apply_commit(&mut s, 0, &out.commit);
    s.check_agreement();

    // The external sender proposes removing member 2.
    let g0 = s.members[0].group.as_ref().unwrap();
    let victim = s.members[2].group.as_ref().unwrap().own_leaf();
    let content = FramedContent {
        group_id: VLBytes::new(g0.group_id().to_vec()),
        epoch: g0.epoch(),
        sender: Sender::External(0),
        authenticated_data: VLBytes::new(vec![]),
        content: Content::Proposal(Proposal::Remove(Remove { removed: victim })),
    };
    let ac = sign_content(cs, &ds_sk, WireFormat::PUBLIC_MESSAGE, content, None).unwrap();
    let pm = protect_public(cs, &ac, None, None).unwrap();
    let msg = MlsMessage {
        body: MlsMessageBody::PublicMessage(pm),
    };
    for r in deliver_all(&mut s, None, &msg) {
        match r {
            Received::Proposal(p) => assert_eq!(p.sender, Sender::External(0)),
            other => panic!("expected a proposal, got {other:?}"),
        }
    }
    // A forged external proposal (wrong key) is rejected and changes nothing.
    let (bad_sk, _) = cs.signature().generate_key_pair(&mut rng).unwrap();
    let ac_bad = sign_content(
        cs,
        &bad_sk,
        WireFormat::PUBLIC_MESSAGE,
        ac.content.clone(),
        None,
    )
    .unwrap();
    let forged = MlsMessage {
        body: MlsMessageBody::PublicMessage(protect_public(cs, &ac_bad, None, None).unwrap()),
    };
    let g1 = s.members[1].group.as_mut().unwrap();
    let before = g1.to_bytes().unwrap();
    let mut env = ProcessEnv {
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    assert!(g1.process(provider(), &forged, &mut env).is_err());
    assert_eq!(g1.to_bytes().unwrap().as_bytes(), before.as_bytes());

    // Member 1 commits it by reference; member 2 is out.
    let out = {
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let g = s.members[1].group.as_mut().unwrap();
        let out = g
            .commit(
                provider(),
                CommitOptions {
                    include_pending: true,
                    ..Default::default()
                },
                &mut env,
            )
            .unwrap();
        g.merge_pending().unwrap();
        out
    };
    apply_commit(&mut s, 1, &out.commit);
    assert!(s.members[2].group.is_none());
    s.check_agreement();
}

#[test]
fn rfc9420_12_1_8_new_member_proposes_its_own_add() {
    let cs = provider().cipher_suite(SUITE).unwrap();
    // New members' proposals are committed only by a policy that says so.
    let config = mls_core::group::GroupConfig {
        proposal_policy: mls_core::group::ProposalPolicy {
            new_member: mls_core::group::ProposalAction::CacheAndCommit,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut s = Scenario::with_config(provider(), SUITE, 31, config);
    s.add_members(2);
    let mut rng = TestRng::new(32);
    let (sk, _) = cs.signature().generate_key_pair(&mut rng).unwrap();
    let (kp, private) = mls_core::key_package::generate_key_package(
        cs,
        mls_core::key_package::KeyPackageParams {
            signer: &sk,
            credential: Credential::Basic(VLBytes::new(b"newcomer".to_vec())),
            capabilities: mls_vectors::fixtures::capabilities(cs),
            lifetime: Lifetime {
                not_before: 0,
                not_after: u64::MAX,
            },
            leaf_extensions: vec![],
            extensions: vec![],
        },
        &mut rng,
    )
    .unwrap();
    let g0 = s.members[0].group.as_ref().unwrap();
    let content = FramedContent {
        group_id: VLBytes::new(g0.group_id().to_vec()),
        epoch: g0.epoch(),
        sender: Sender::NewMemberProposal,
        authenticated_data: VLBytes::new(vec![]),
        content: Content::Proposal(Proposal::Add(Add {
            key_package: kp.clone(),
        })),
    };
    let ac = sign_content(cs, &sk, WireFormat::PUBLIC_MESSAGE, content, None).unwrap();
    let msg = MlsMessage {
        body: MlsMessageBody::PublicMessage(protect_public(cs, &ac, None, None).unwrap()),
    };
    for r in deliver_all(&mut s, None, &msg) {
        assert!(matches!(r, Received::Proposal(_)));
    }
    let out = {
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let g = s.members[1].group.as_mut().unwrap();
        let out = g
            .commit(
                provider(),
                CommitOptions {
                    include_pending: true,
                    ..Default::default()
                },
                &mut env,
            )
            .unwrap();
        g.merge_pending().unwrap();
        out
    };
    apply_commit(&mut s, 1, &out.commit);
    let MlsMessageBody::Welcome(w) = out.welcome.unwrap().body else {
        panic!("no welcome")
    };
    let mut env = ProcessEnv {
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    let newcomer = Group::join(
        provider(),
        &w,
        &kp,
        private,
        sk,
        None,
        &mut env,
        Default::default(),
    )
    .unwrap();
    assert_eq!(
        newcomer.epoch_authenticator(),
        s.members[1].group.as_ref().unwrap().epoch_authenticator()
    );
}
