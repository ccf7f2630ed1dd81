//! Attacks by a delivery service or a peer, through the group's public
//! API: replays, stale or competing staged commits, failed calls that must
//! change nothing, malformed public keys. Each rejection must name a typed
//! error and leave the state byte-identical.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::codec::VLBytes;
use mls_core::error::{Error, ProtocolError, UsageError};
use mls_core::group::{CommitOptions, GroupConfig, GroupError, Received};
use mls_core::messages::{Add, MlsMessage, Proposal};
use mls_vectors::TestRng;
use mls_vectors::scenario::Scenario;
use mls_vectors::testkit::{
    SUITE, commit, deliver, group, key_package_edited, process, provider, snapshot, three,
};

fn encrypted_three(seed: u64) -> Scenario {
    let config = GroupConfig {
        encrypt_handshake: true,
        ..GroupConfig::default()
    };
    let mut s = Scenario::with_config(provider(), SUITE, seed, config);
    s.add_members(2);
    s
}

fn staged(r: Received) -> Box<mls_core::group::StagedCommit> {
    match r {
        Received::Commit(c) => c,
        other => panic!("expected a commit, got {other:?}"),
    }
}

fn protect(s: &mut Scenario, i: usize, data: &[u8]) -> MlsMessage {
    let mut rng = TestRng::new(77);
    group(s, i)
        .protect(provider(), data, b"", &mut rng)
        .unwrap()
}

/// Member `i` sends an empty commit to which the hook appends `extra`
/// (after the committer's own checks, properly signed); the committer then
/// drops its pending commit.
fn commit_with_extra(
    s: &mut Scenario,
    i: usize,
    extra: Vec<mls_core::messages::ProposalOrRef>,
) -> MlsMessage {
    let mut rng = TestRng::new(25);
    let mut env = mls_core::group::CommitEnv {
        rng: &mut rng,
        psks: &mls_core::group::NoPsks,
        credentials: &mls_core::group::AcceptAllCredentials,
        now: None,
    };
    let msg = group(s, i)
        .commit_forged(provider(), CommitOptions::default(), &mut env, &mut |f| {
            if let mls_core::group::Forge::Commit { commit, .. } = f {
                commit.proposals.extend(extra.iter().cloned());
            }
        })
        .unwrap()
        .commit;
    group(s, i).discard_pending();
    msg
}

/// A group of `members` with every member's limits set by `limits`.
fn limited(seed: u64, members: usize, limits: mls_core::group::Limits) -> Scenario {
    let config = GroupConfig {
        limits,
        ..GroupConfig::default()
    };
    let mut s = Scenario::with_config(provider(), SUITE, seed, config);
    s.add_members(members);
    s
}

/// `g` refuses `msg`; its state stays byte-identical. Returns the error.
fn refused(g: &mut mls_core::group::Group, msg: &MlsMessage) -> Error {
    let before = snapshot(g);
    let e = process(g, msg).unwrap_err();
    assert_eq!(snapshot(g), before, "a rejected message changed the state");
    e
}

/// Finding 1: Bob sends an application message, then a commit as
/// PrivateMessage. Alice stages the commit, reads the message, then merges:
/// the merge must not bring back the key the message consumed (RFC 9420
/// §9.2: a consumed key is deleted; §15.3 replay).
#[test]
fn rfc9420_9_2_no_replay_after_merging_a_private_message_commit() {
    let mut s = encrypted_three(1);
    let app = protect(&mut s, 1, b"hello");
    let out = commit(
        group(&mut s, 1),
        CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
        &mut TestRng::new(2),
    )
    .unwrap();
    assert!(matches!(
        out.commit.body,
        mls_core::messages::MlsMessageBody::PrivateMessage(_)
    ));
    let alice = group(&mut s, 0);
    let staged_commit = staged(process(alice, &out.commit).unwrap());
    assert!(matches!(
        process(alice, &app).unwrap(),
        Received::Application { .. }
    ));
    assert_eq!(
        refused(alice, &app),
        Error::Protocol(ProtocolError::SecretReused)
    );
    alice.merge_staged(*staged_commit).unwrap();
    // The message is of the previous epoch now, kept for late messages.
    assert!(refused(alice, &app) != Error::Protocol(ProtocolError::GenerationOutOfWindow));
    // The commit itself cannot be replayed either.
    assert!(process(alice, &out.commit).is_err());
    // And the epoch after that.
    group(&mut s, 1).merge_pending().unwrap();
    let out2 = commit(
        group(&mut s, 1),
        CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
        &mut TestRng::new(3),
    )
    .unwrap();
    group(&mut s, 1).merge_pending().unwrap();
    let alice = group(&mut s, 0);
    let c = staged(process(alice, &out2.commit).unwrap());
    alice.merge_staged(*c).unwrap();
    let _ = refused(alice, &app);
}

/// Finding 1, the commit's own key: a replayed PrivateMessage commit is
/// refused once the first copy was staged.
#[test]
fn rfc9420_9_2_a_private_message_commit_is_staged_once() {
    let mut s = encrypted_three(4);
    let out = commit(
        group(&mut s, 1),
        CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
        &mut TestRng::new(5),
    )
    .unwrap();
    let alice = group(&mut s, 0);
    let first = staged(process(alice, &out.commit).unwrap());
    assert_eq!(
        refused(alice, &out.commit),
        Error::Protocol(ProtocolError::SecretReused)
    );
    alice.merge_staged(*first).unwrap();
}

/// Finding 2: two competing commits of one epoch, both staged; merging the
/// second after the first must fail and change nothing.
#[test]
fn stale_staged_commit_is_refused() {
    let mut s = three(6);
    let force = || CommitOptions {
        force_path: true,
        ..CommitOptions::default()
    };
    let bob = commit(group(&mut s, 1), force(), &mut TestRng::new(7)).unwrap();
    let carol = commit(group(&mut s, 2), force(), &mut TestRng::new(8)).unwrap();
    let alice = group(&mut s, 0);
    let from_bob = staged(process(alice, &bob.commit).unwrap());
    let from_carol = staged(process(alice, &carol.commit).unwrap());
    alice.merge_staged(*from_bob).unwrap();
    let before = snapshot(alice);
    assert_eq!(
        alice.merge_staged(*from_carol).unwrap_err(),
        Error::Usage(UsageError::StaleStagedCommit)
    );
    assert_eq!(snapshot(alice), before);
    group(&mut s, 1).merge_pending().unwrap();
    group(&mut s, 2).discard_pending();
    // Alice and Bob still agree.
    let bob_auth = group(&mut s, 1).epoch_authenticator().to_vec();
    assert_eq!(group(&mut s, 0).epoch_authenticator(), bob_auth.as_slice());
}

/// Finding 2: a staged commit of another group (same epoch) is refused.
#[test]
fn staged_commit_of_another_group_is_refused() {
    let mut a = three(9);
    let mut b = three(10);
    let out = commit(
        group(&mut a, 1),
        CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
        &mut TestRng::new(11),
    )
    .unwrap();
    let st = staged(process(group(&mut a, 0), &out.commit).unwrap());
    let epoch_a = group(&mut a, 0).epoch();
    let other = group(&mut b, 0);
    assert_eq!(other.epoch(), epoch_a);
    let before = snapshot(other);
    assert_eq!(
        other.merge_staged(*st).unwrap_err(),
        Error::Usage(UsageError::StaleStagedCommit)
    );
    assert_eq!(snapshot(other), before);
}

/// A KeyPackage whose leaf encryption key is `len` bytes of 0x42.
fn key_package_with_bad_leaf_key(seed: u64, len: usize) -> mls_core::messages::KeyPackage {
    key_package_edited(SUITE, seed, |kp| {
        kp.leaf_node.encryption_key = VLBytes::new(vec![0x42; len]);
    })
}

/// A KeyPackage whose init key is `len` bytes of 0x42.
fn key_package_with_bad_init_key(seed: u64, len: usize) -> mls_core::messages::KeyPackage {
    key_package_edited(SUITE, seed, |kp| {
        kp.init_key = VLBytes::new(vec![0x42; len]);
    })
}

fn invalid_key(e: Error) {
    assert_eq!(
        e,
        Error::Protocol(ProtocolError::Group(GroupError::InvalidPublicKey)),
        "expected InvalidPublicKey, got {e:?}"
    );
}

/// Finding 3 and 5: a commit adding a KeyPackage with a malformed init key,
/// with handshakes encrypted, fails with a typed error and changes nothing
/// (the secret tree key is not consumed).
#[test]
fn rfc9420_10_1_commit_with_a_bad_init_key_fails_and_changes_nothing() {
    let mut s = encrypted_three(12);
    let g = group(&mut s, 0);
    let before = snapshot(g);
    let e = commit(
        g,
        CommitOptions {
            proposals: vec![Proposal::Add(Add {
                key_package: key_package_with_bad_init_key(13, 5),
            })],
            ..CommitOptions::default()
        },
        &mut TestRng::new(14),
    )
    .unwrap_err();
    invalid_key(e);
    assert_eq!(snapshot(g), before, "a failed commit changed the state");
}

/// Finding 5: an Add whose leaf key is malformed is refused by the
/// committer (by value) and cannot poison the group.
#[test]
fn rfc9420_7_3_add_with_a_malformed_leaf_key_is_refused() {
    for len in [0usize, 5, 31, 33, 65] {
        let mut s = three(15);
        let g = group(&mut s, 0);
        let before = snapshot(g);
        let e = commit(
            g,
            CommitOptions {
                proposals: vec![Proposal::Add(Add {
                    key_package: key_package_with_bad_leaf_key(16, len),
                })],
                ..CommitOptions::default()
            },
            &mut TestRng::new(17),
        )
        .unwrap_err();
        invalid_key(e);
        assert_eq!(snapshot(g), before);
    }
}

/// Finding 5: a cached proposal with a malformed key (sent by a member by
/// reference) does not block commits that include pending proposals: it
/// is left out, and the rest of the group keeps working.
#[test]
fn rfc9420_12_4_a_cached_add_with_a_bad_key_is_left_out() {
    let mut s = three(18);
    // Bob proposes an Add of a bad KeyPackage; everyone caches it (a
    // receiver does not judge a proposal until it is committed).
    let bad = Proposal::Add(Add {
        key_package: key_package_with_bad_leaf_key(19, 5),
    });
    let mut rng = TestRng::new(20);
    let msg = group(&mut s, 1)
        .propose(provider(), bad, &mut rng)
        .unwrap_or_else(|e| panic!("propose: {e:?}"));
    deliver(&mut s, 1, &msg);
    let out = commit(
        group(&mut s, 0),
        CommitOptions {
            include_pending: true,
            force_path: true,
            ..CommitOptions::default()
        },
        &mut TestRng::new(21),
    )
    .unwrap();
    assert!(out.welcome.is_none(), "the bad Add was committed");
    group(&mut s, 0).merge_pending().unwrap();
    for i in [1, 2] {
        let c = staged(process(group(&mut s, i), &out.commit).unwrap());
        group(&mut s, i).merge_staged(*c).unwrap();
    }
    // A later path commit by someone else still works everywhere.
    let out = commit(
        group(&mut s, 2),
        CommitOptions {
            proposals: vec![Proposal::Remove(mls_core::messages::Remove {
                removed: mls_core::group::LeafIndex(1),
            })],
            ..CommitOptions::default()
        },
        &mut TestRng::new(22),
    )
    .unwrap();
    let c = staged(process(group(&mut s, 0), &out.commit).unwrap());
    group(&mut s, 0).merge_staged(*c).unwrap();
}

/// Finding 5, receiver side: a commit carrying by value an Add with a
/// malformed leaf key is refused by every receiver.
#[test]
fn rfc9420_7_3_receiver_refuses_an_add_with_a_malformed_key() {
    let mut s = three(23);
    let bad = key_package_with_bad_leaf_key(24, 5);
    let msg = commit_with_extra(
        &mut s,
        0,
        vec![mls_core::messages::ProposalOrRef::Proposal(Box::new(
            Proposal::Add(Add { key_package: bad }),
        ))],
    );
    invalid_key(refused(group(&mut s, 1), &msg));
}

/// The secret tree refuses an update derived before another was applied:
/// applying it would bring back the key the other consumed.
#[test]
fn rfc9420_9_2_secret_tree_refuses_a_stale_update() {
    use mls_core::crypto::Secret;
    use mls_core::secret_tree::{RatchetConfig, RatchetKind, SecretTree};
    use mls_core::tree_math::LeafIndex;
    let cs = mls_vectors::testkit::suite(SUITE);
    let mut t = SecretTree::new(
        Secret::from_slice(&[7; 32]).unwrap(),
        4,
        RatchetConfig::default(),
    );
    let (_, first) = t
        .decryption_key(cs, LeafIndex(1), RatchetKind::Application, 0)
        .unwrap();
    let (_, second) = t
        .decryption_key(cs, LeafIndex(1), RatchetKind::Application, 1)
        .unwrap();
    t.apply(first).unwrap();
    assert_eq!(
        t.apply(second).unwrap_err(),
        Error::Protocol(ProtocolError::StaleSecretTreeUpdate)
    );
    // Generation 0 stays consumed; generation 1 is still there.
    assert!(
        t.decryption_key(cs, LeafIndex(1), RatchetKind::Application, 0)
            .is_err()
    );
    assert!(
        t.decryption_key(cs, LeafIndex(1), RatchetKind::Application, 1)
            .is_ok()
    );
}

/// A correctly signed new-member Add proposal for the group `g` is in.
fn new_member_add(g: &mls_core::group::Group, seed: u64) -> MlsMessage {
    use mls_core::messages::{Content, FramedContent, MlsMessageBody, Sender, WireFormat};
    use mls_core::protect::{protect_public, sign_content};
    let cs = mls_vectors::testkit::suite(SUITE);
    let (kp, _, sk) =
        mls_vectors::testkit::key_package_in(SUITE, b"outsider", &mut TestRng::new(seed));
    let content = FramedContent {
        group_id: VLBytes::new(g.group_id().to_vec()),
        epoch: g.epoch(),
        sender: Sender::NewMemberProposal,
        authenticated_data: VLBytes::new(vec![]),
        content: Content::Proposal(Proposal::Add(Add { key_package: kp })),
    };
    let ac = sign_content(cs, &sk, WireFormat::PUBLIC_MESSAGE, content, None).unwrap();
    MlsMessage {
        body: MlsMessageBody::PublicMessage(protect_public(cs, &ac, None, None).unwrap()),
    }
}

/// Finding 8: 1,000 replays of one proposal are cached once; the snapshot
/// does not grow.
#[test]
fn replayed_proposal_is_cached_once() {
    let mut s = three(30);
    let msg = new_member_add(group(&mut s, 0), 31);
    let g = group(&mut s, 1);
    let _ = process(g, &msg).unwrap();
    let once = snapshot(g);
    for _ in 0..1000 {
        let _ = process(g, &msg).unwrap();
    }
    assert_eq!(g.pending_proposals().len(), 1);
    assert_eq!(snapshot(g), once);
}

/// Finding 8: by default a new member's Add is cached but not committed
/// by `include_pending`; the staged commit names who proposed what.
#[test]
fn new_member_adds_are_not_committed_by_default() {
    let mut s = three(32);
    let msg = new_member_add(group(&mut s, 0), 33);
    deliver(&mut s, usize::MAX, &msg);
    assert_eq!(group(&mut s, 0).pending_proposals().len(), 1);
    // A member's own Remove proposal is committed with it.
    let rm = group(&mut s, 2)
        .propose(
            provider(),
            Proposal::Remove(mls_core::messages::Remove {
                removed: mls_core::group::LeafIndex(1),
            }),
            &mut TestRng::new(34),
        )
        .unwrap();
    deliver(&mut s, 2, &rm);
    let out = commit(
        group(&mut s, 0),
        CommitOptions {
            include_pending: true,
            ..CommitOptions::default()
        },
        &mut TestRng::new(35),
    )
    .unwrap();
    assert!(out.welcome.is_none(), "the outsider's Add was committed");
    let st = staged(process(group(&mut s, 2), &out.commit).unwrap());
    assert_eq!(
        st.proposals,
        vec![mls_core::group::ProposalSummary {
            proposal_type: mls_core::messages::ProposalType::REMOVE,
            sender: mls_core::messages::Sender::Member(2),
        }]
    );
}

/// Finding 8: a policy refusing new members' proposals refuses them with a
/// typed error and changes nothing.
#[test]
fn proposal_policy_refuses_new_member_proposals() {
    use mls_core::group::{ProposalAction, ProposalPolicy};
    let config = GroupConfig {
        proposal_policy: ProposalPolicy {
            new_member: ProposalAction::Refuse,
            ..ProposalPolicy::default()
        },
        ..GroupConfig::default()
    };
    let mut s = Scenario::with_config(provider(), SUITE, 36, config);
    s.add_members(1);
    let msg = new_member_add(group(&mut s, 0), 37);
    assert_eq!(
        refused(group(&mut s, 1), &msg),
        Error::Protocol(ProtocolError::Group(GroupError::ProposalRefusedByPolicy))
    );
    // The policy survives a snapshot.
    let bytes = group(&mut s, 1).to_bytes().unwrap();
    let mut restored = mls_core::group::Group::from_bytes(provider(), bytes.as_bytes()).unwrap();
    assert_eq!(
        refused(&mut restored, &msg),
        Error::Protocol(ProtocolError::Group(GroupError::ProposalRefusedByPolicy))
    );
}

/// Finding 8: the proposal cache is bounded: past `max_cached_proposals`
/// a proposal is refused with a typed error and changes nothing.
#[test]
fn proposal_cache_is_bounded() {
    let limits = mls_core::group::Limits {
        max_cached_proposals: 3,
        ..Default::default()
    };
    let mut s = limited(38, 1, limits);
    for seed in 0..3 {
        let msg = new_member_add(group(&mut s, 0), 40 + seed);
        let _ = process(group(&mut s, 1), &msg).unwrap();
    }
    let msg = new_member_add(group(&mut s, 0), 50);
    assert_eq!(
        refused(group(&mut s, 1), &msg),
        Error::Protocol(ProtocolError::Group(GroupError::LimitExceeded {
            limit: mls_core::group::Limit::MaxCachedProposals
        }))
    );
}

/// An encoded `ratchet_tree` of `blanks` blank nodes and one leaf at the
/// end (so that it ends in a leaf): `blanks` must be even.
pub fn blank_tree_bytes(blanks: usize, leaf: &mls_core::messages::LeafNode) -> Vec<u8> {
    use mls_core::codec::Encode;
    let mut body = vec![0u8; blanks];
    body.push(1);
    body.push(1); // Node::Leaf
    body.extend_from_slice(&leaf.encode().unwrap());
    let mut out = Vec::new();
    mls_core::codec::write_length(body.len(), &mut out).unwrap();
    out.extend_from_slice(&body);
    out
}

/// Finding 7: a tree of more leaves than `max_leaves` is refused while it
/// is decoded; one within the limit is accepted.
#[test]
fn tree_larger_than_max_leaves_is_refused_while_decoding() {
    use mls_core::tree::{RatchetTree, TreeShapeError, TreeShapeOr};
    let s = three(60);
    let leaf = s.members[0]
        .group
        .as_ref()
        .unwrap()
        .own_leaf_node()
        .unwrap()
        .clone();
    let cs = mls_vectors::testkit::suite(SUITE);
    // 7 nodes: 4 leaves.
    let ok = blank_tree_bytes(6, &leaf);
    assert!(RatchetTree::from_wire(cs, &ok, 4).is_ok());
    assert_eq!(
        RatchetTree::from_wire(cs, &ok, 2).unwrap_err(),
        TreeShapeOr::Shape(TreeShapeError::TooLarge)
    );
    // A million blanks against the default limit.
    let big = blank_tree_bytes(1 << 20, &leaf);
    assert_eq!(
        RatchetTree::from_wire(cs, &big, 1 << 16).unwrap_err(),
        TreeShapeOr::Shape(TreeShapeError::TooLarge)
    );
}

/// Limits: a Commit with more proposals than `max_vector_entries` is
/// refused before it is verified, and changes nothing.
#[test]
fn commit_with_too_many_proposals_is_refused() {
    let limits = mls_core::group::Limits {
        max_vector_entries: 4,
        ..Default::default()
    };
    let mut s = limited(61, 2, limits);
    let reference = mls_core::messages::ProposalOrRef::Reference(VLBytes::new(vec![7; 32]));
    let msg = commit_with_extra(&mut s, 0, vec![reference; 5]);
    assert_eq!(
        refused(group(&mut s, 1), &msg),
        Error::Protocol(ProtocolError::Group(GroupError::LimitExceeded {
            limit: mls_core::group::Limit::MaxVectorEntries
        }))
    );
}

/// Limits: `process_bytes` refuses input over `max_message_bytes` before
/// decoding it.
#[test]
fn message_over_max_message_bytes_is_refused() {
    use mls_core::codec::Encode;
    let limits = mls_core::group::Limits {
        max_message_bytes: 64,
        ..Default::default()
    };
    let mut s = limited(63, 1, limits);
    let msg = protect(&mut s, 0, &[1; 200]);
    let bytes = msg.encode().unwrap();
    let g = group(&mut s, 1);
    let before = snapshot(g);
    let mut env = mls_core::group::ProcessEnv {
        psks: &mls_core::group::NoPsks,
        credentials: &mls_core::group::AcceptAllCredentials,
        now: None,
    };
    assert_eq!(
        g.process_bytes(provider(), &bytes, &mut env).unwrap_err(),
        Error::Protocol(ProtocolError::Group(GroupError::LimitExceeded {
            limit: mls_core::group::Limit::MaxMessageBytes
        }))
    );
    assert_eq!(snapshot(g), before);
}

/// The tree encoder used for Welcomes (straight from a tree view, no copy)
/// gives exactly the `ratchet_tree` encoding of the node array, and the
/// bounded decoder reads it back to the same tree, for trees with blanks
/// inside (after removals) and at the end.
#[test]
fn rfc9420_12_4_3_3_tree_encoding_round_trips() {
    use mls_core::codec::Encode;
    use mls_core::messages::RatchetTree as RatchetTreeExt;
    use mls_core::tree::{RatchetTree, encode_ratchet_tree};
    let mut s = three(70);
    s.add_members(3);
    s.remove_member();
    s.self_update();
    let g = group(&mut s, 0);
    let cs = mls_vectors::testkit::suite(SUITE);
    let encoded = encode_ratchet_tree(g.tree()).unwrap();
    assert_eq!(
        encoded,
        RatchetTreeExt(g.tree().to_nodes()).encode().unwrap()
    );
    let back = RatchetTree::from_wire(cs, &encoded, 1 << 16).unwrap();
    assert_eq!(back.tree_hash(), g.tree().tree_hash());
}

/// Limits: a joiner whose `max_leaves` is below the group's tree refuses
/// the Welcome, naming the limit.
#[test]
fn welcome_with_a_tree_past_max_leaves_is_refused() {
    let mut s = three(80);
    let (kp, private, sk) =
        mls_vectors::testkit::key_package_in(SUITE, b"joiner", &mut TestRng::new(81));
    let out = commit(
        group(&mut s, 0),
        CommitOptions {
            proposals: vec![Proposal::Add(Add {
                key_package: kp.clone(),
            })],
            ..CommitOptions::default()
        },
        &mut TestRng::new(82),
    )
    .unwrap();
    let mls_core::messages::MlsMessageBody::Welcome(w) = out.welcome.unwrap().body else {
        panic!("no Welcome")
    };
    let config = GroupConfig {
        limits: mls_core::group::Limits {
            max_leaves: 2,
            ..Default::default()
        },
        ..GroupConfig::default()
    };
    let mut env = mls_core::group::ProcessEnv {
        psks: &mls_core::group::NoPsks,
        credentials: &mls_core::group::AcceptAllCredentials,
        now: None,
    };
    let e = mls_core::group::Group::join(provider(), &w, &kp, private, sk, None, &mut env, config)
        .unwrap_err();
    assert_eq!(
        e,
        Error::Protocol(ProtocolError::Group(GroupError::LimitExceeded {
            limit: mls_core::group::Limit::MaxLeaves
        }))
    );
}

/// The byte path (`process_bytes`, which moves the decoded content and
/// checks the signature, membership tag and transcript over one encoding):
/// a commit with any one byte of its signature, membership tag or content
/// flipped is refused with a typed error and changes nothing; the intact
/// commit is then accepted.
#[test]
fn rfc9420_6_1_tampered_commit_bytes_are_refused_and_change_nothing() {
    use mls_core::group::{AcceptAllCredentials, NoPsks, ProcessEnv};
    let mut s = three(61);
    let mut rng = TestRng::new(62);
    let out = commit(
        group(&mut s, 0),
        CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
        &mut rng,
    )
    .unwrap();
    let bytes = out.commit.to_bytes().unwrap();
    let before = snapshot(group(&mut s, 1));
    let mut env = ProcessEnv {
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    // The last bytes are the membership tag and, before it, the
    // confirmation tag and signature; a byte in the middle is content.
    let n = bytes.len();
    for i in [n - 1, n - 40, n - 80, n - 120, n / 2, 20] {
        let mut bad = bytes.clone();
        bad[i] ^= 0x01;
        let e = group(&mut s, 1)
            .process_bytes(provider(), &bad, &mut env)
            .unwrap_err();
        assert!(
            matches!(e, Error::Protocol(_) | Error::Codec(_) | Error::Crypto(_)),
            "byte {i}: {e:?}"
        );
        assert_eq!(snapshot(group(&mut s, 1)), before, "byte {i}");
    }
    let r = group(&mut s, 1)
        .process_bytes(provider(), &bytes, &mut env)
        .unwrap();
    assert!(matches!(r, Received::Commit(_)));
}
