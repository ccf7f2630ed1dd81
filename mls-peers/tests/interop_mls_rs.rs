//! Interoperability with mls-rs 0.57 (AWS Labs) on suite 0x0001 with Basic
//! credentials: every message crosses between the implementations as
//! `MLSMessage` bytes (RFC 9420 §6), and after every epoch change both
//! sides must agree on the epoch authenticator (§8, Table 4) and on an
//! `MLS-Exporter` output (§8.5), which together pin the whole key schedule
//! and, through the GroupContext, the tree hash and transcript hash.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::group::{CommitOptions, Group, GroupConfig};
use mls_core::messages::{MlsMessage, MlsMessageBody, Proposal, Remove};
use mls_core::tree_math::LeafIndex;
use mls_peers::{
    EXPORT_CONTEXT, EXPORT_LABEL, EXPORT_LEN, Got, Joiner, assert_path, commit, create, encode,
    export, identity, message, process, protect, provider,
};
use mls_rs::client_builder::{MlsConfig, PaddingMode};
use mls_rs::group::ReceivedMessage;
use mls_rs::identity::SigningIdentity;
use mls_rs::identity::basic::{BasicCredential, BasicIdentityProvider};
use mls_rs::mls_rules::{DefaultMlsRules, EncryptionOptions};
use mls_rs::{CipherSuite, CipherSuiteProvider, Client, CryptoProvider};
use mls_rs_crypto_rustcrypto::RustCryptoProvider;

const SUITE: CipherSuite = CipherSuite::CURVE25519_AES128;

/// An mls-rs client `name`; `encrypt_handshake` makes its commits and
/// proposals PrivateMessages (RFC 9420 §6.3).
fn client(name: &str, encrypt_handshake: bool) -> Client<impl MlsConfig + use<>> {
    let crypto = RustCryptoProvider::default();
    let cs = crypto.cipher_suite_provider(SUITE).unwrap();
    let (secret, public) = cs.signature_key_generate().unwrap();
    let identity = SigningIdentity::new(
        BasicCredential::new(name.as_bytes().to_vec()).into_credential(),
        public,
    );
    Client::builder()
        .identity_provider(BasicIdentityProvider)
        .crypto_provider(crypto)
        .mls_rules(
            DefaultMlsRules::new().with_encryption_options(EncryptionOptions::new(
                encrypt_handshake,
                // Padded PrivateMessages (RFC 9420 §6.3.1) in the encrypted runs.
                if encrypt_handshake {
                    PaddingMode::StepFunction
                } else {
                    PaddingMode::None
                },
            )),
        )
        .signing_identity(identity, secret, SUITE)
        .build()
}

type PeerGroup<C> = mls_rs::Group<C>;

fn peer_msg(bytes: &[u8]) -> mls_rs::MlsMessage {
    mls_rs::MlsMessage::from_bytes(bytes).unwrap()
}

fn to_bytes(m: &mls_rs::MlsMessage) -> Vec<u8> {
    m.to_bytes().unwrap()
}

/// The peer processes `bytes` (commits are applied on processing).
fn peer_process<C: MlsConfig>(g: &mut PeerGroup<C>, bytes: &[u8]) -> ReceivedMessage {
    match g.process_incoming_message(peer_msg(bytes)) {
        Ok(r) => r,
        Err(e) => panic!("mls-rs rejected our message: {e:?}"),
    }
}

fn peer_export<C: MlsConfig>(g: &PeerGroup<C>) -> Vec<u8> {
    g.export_secret(EXPORT_LABEL.as_bytes(), EXPORT_CONTEXT, EXPORT_LEN)
        .unwrap()
        .as_bytes()
        .to_vec()
}

/// Both sides are in the same epoch with the same key schedule.
fn agree<C: MlsConfig>(ours: &Group, peer: &PeerGroup<C>) {
    assert_eq!(ours.epoch(), peer.current_epoch(), "epoch");
    assert_eq!(
        ours.epoch_authenticator(),
        peer.epoch_authenticator().unwrap().as_bytes(),
        "epoch_authenticator at epoch {}",
        ours.epoch()
    );
    assert_eq!(
        export(ours),
        peer_export(peer),
        "exporter at epoch {}",
        ours.epoch()
    );
}

/// Application messages both ways.
fn chat<C: MlsConfig>(ours: &mut Group, peer: &mut PeerGroup<C>) {
    let m = protect(ours, b"hello from mls-core");
    match peer_process(peer, &m) {
        ReceivedMessage::ApplicationMessage(a) => assert_eq!(a.data(), b"hello from mls-core"),
        other => panic!("expected application data, got {other:?}"),
    }
    let m = peer
        .encrypt_application_message(b"hello from mls-rs", vec![])
        .unwrap();
    assert_eq!(
        process(ours, &to_bytes(&m)),
        Got::Application(b"hello from mls-rs".to_vec())
    );
}

fn welcome_of(out: &mls_rs::group::CommitOutput) -> Vec<u8> {
    assert_eq!(out.welcome_messages.len(), 1);
    to_bytes(&out.welcome_messages[0])
}

fn peer_is_commit(r: ReceivedMessage) {
    assert!(
        matches!(r, ReceivedMessage::Commit(_)),
        "expected a commit, got {r:?}"
    );
}

fn leaf_of(ours: &Group, name: &str) -> LeafIndex {
    ours.members()
        .find(|(_, l)| {
            matches!(&l.credential, mls_core::messages::Credential::Basic(id) if id.as_slice() == name.as_bytes())
        })
        .map(|(i, _)| i)
        .unwrap()
}

#[test]
fn rfc9420_12_4_3_1_we_join_an_mls_rs_group_from_its_welcome() {
    let alice = client("alice", false);
    let mut peer = alice
        .create_group(Default::default(), Default::default(), None)
        .unwrap();
    let bob = Joiner::new("bob");
    let out = peer
        .commit_builder()
        .add_member(peer_msg(&bob.key_package_message()))
        .unwrap()
        .build()
        .unwrap();
    peer.apply_pending_commit().unwrap();
    let mut ours = bob.join(&welcome_of(&out), GroupConfig::default());
    agree(&ours, &peer);
    chat(&mut ours, &mut peer);
}

#[test]
fn rfc9420_12_4_3_1_mls_rs_joins_our_group_from_our_welcome() {
    let mut ours = create("alice", b"our group", GroupConfig::default());
    let bob = client("bob", false);
    let kp = bob
        .generate_key_package_message(Default::default(), Default::default(), None)
        .unwrap();
    let MlsMessageBody::KeyPackage(kp) = message(&to_bytes(&kp)).body else {
        panic!("not a KeyPackage")
    };
    let out = commit(
        &mut ours,
        CommitOptions {
            proposals: vec![Proposal::Add(mls_core::messages::Add { key_package: kp })],
            ..CommitOptions::default()
        },
    );
    ours.merge_pending().unwrap();
    let welcome = encode(out.welcome.as_ref().unwrap());
    let (mut peer, _) = bob.join_group(None, &peer_msg(&welcome), None).unwrap();
    agree(&ours, &peer);
    chat(&mut ours, &mut peer);
}

/// A four-member group, two members per implementation, through Adds,
/// UpdatePaths and Removes committed from both sides; after every epoch
/// all members agree.
fn mixed_group(encrypt_handshake: bool) {
    let config = GroupConfig {
        encrypt_handshake,
        padding_block: if encrypt_handshake { 32 } else { 0 },
        ..GroupConfig::default()
    };
    // Epoch 1: we (alice) add mls-rs bob and dave and our carol in one commit.
    let mut alice = create("alice", b"mixed", config);
    let bob_c = client("bob", encrypt_handshake);
    let dave_c = client("dave", encrypt_handshake);
    let carol_j = Joiner::new("carol");
    let kp = |c: &Client<_>| -> mls_core::messages::KeyPackage {
        let m = c
            .generate_key_package_message(Default::default(), Default::default(), None)
            .unwrap();
        match message(&to_bytes(&m)).body {
            MlsMessageBody::KeyPackage(kp) => kp,
            _ => panic!("not a KeyPackage"),
        }
    };
    let out = commit(
        &mut alice,
        CommitOptions {
            proposals: vec![
                Proposal::Add(mls_core::messages::Add {
                    key_package: kp(&bob_c),
                }),
                Proposal::Add(mls_core::messages::Add {
                    key_package: carol_j.key_package.clone(),
                }),
            ],
            ..CommitOptions::default()
        },
    );
    alice.merge_pending().unwrap();
    let welcome = encode(out.welcome.as_ref().unwrap());
    let (mut bob, _) = bob_c.join_group(None, &peer_msg(&welcome), None).unwrap();
    let mut carol = carol_j.join(&welcome, config);
    agree(&alice, &bob);
    agree(&carol, &bob);

    // Epoch 2: mls-rs bob adds mls-rs dave (an Add-only commit, no path).
    let out = bob
        .commit_builder()
        .add_member(
            dave_c
                .generate_key_package_message(Default::default(), Default::default(), None)
                .unwrap(),
        )
        .unwrap()
        .build()
        .unwrap();
    bob.apply_pending_commit().unwrap();
    let c = to_bytes(&out.commit_message);
    assert_eq!(process(&mut alice, &c), Got::Commit(2));
    assert_eq!(process(&mut carol, &c), Got::Commit(2));
    let (mut dave, _) = dave_c
        .join_group(None, &out.welcome_messages[0], None)
        .unwrap();
    for ours in [&alice, &carol] {
        agree(ours, &bob);
        agree(ours, &dave);
    }

    // Epoch 3: our alice commits a full UpdatePath (empty commit, forced path).
    let out = commit(
        &mut alice,
        CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
    );
    alice.merge_pending().unwrap();
    let c = encode(&out.commit);
    assert_path(&c, encrypt_handshake);
    peer_is_commit(peer_process(&mut bob, &c));
    peer_is_commit(peer_process(&mut dave, &c));
    assert_eq!(process(&mut carol, &c), Got::Commit(3));
    for ours in [&alice, &carol] {
        agree(ours, &bob);
        agree(ours, &dave);
    }

    // Epoch 4: mls-rs dave commits an empty commit (always with a path).
    let out = dave.commit_builder().build().unwrap();
    dave.apply_pending_commit().unwrap();
    let c = to_bytes(&out.commit_message);
    assert_path(&c, encrypt_handshake);
    peer_is_commit(peer_process(&mut bob, &c));
    assert_eq!(process(&mut alice, &c), Got::Commit(4));
    assert_eq!(process(&mut carol, &c), Got::Commit(4));
    for ours in [&alice, &carol] {
        agree(ours, &bob);
        agree(ours, &dave);
    }

    // Epoch 5: our carol removes mls-rs dave (path from carol's leaf).
    let dave_leaf = leaf_of(&carol, "dave");
    let out = commit(
        &mut carol,
        CommitOptions {
            proposals: vec![Proposal::Remove(Remove { removed: dave_leaf })],
            ..CommitOptions::default()
        },
    );
    carol.merge_pending().unwrap();
    let c = encode(&out.commit);
    assert_path(&c, encrypt_handshake);
    peer_is_commit(peer_process(&mut bob, &c));
    peer_is_commit(peer_process(&mut dave, &c));
    assert_eq!(process(&mut alice, &c), Got::Commit(5));
    agree(&alice, &bob);
    agree(&carol, &bob);

    // Epoch 6: mls-rs bob removes our carol.
    let carol_leaf = carol.own_leaf();
    let out = bob
        .commit_builder()
        .remove_member(carol_leaf.0)
        .unwrap()
        .build()
        .unwrap();
    bob.apply_pending_commit().unwrap();
    let c = to_bytes(&out.commit_message);
    assert_path(&c, encrypt_handshake);
    assert_eq!(process(&mut alice, &c), Got::Commit(6));
    assert_eq!(process(&mut carol, &c), Got::Removed);
    assert!(!carol.is_active());
    agree(&alice, &bob);
    chat(&mut alice, &mut bob);
    assert_eq!(bob.roster().members().len(), 2);
    assert_eq!(alice.members().count(), 2);
}

#[test]
fn rfc9420_12_4_mixed_group_commits_add_update_remove_both_ways_agree_every_epoch() {
    mixed_group(false);
}

#[test]
fn rfc9420_6_3_mixed_group_with_handshake_as_private_message_both_ways() {
    mixed_group(true);
}

#[test]
fn rfc9420_12_1_12_2_proposals_by_reference_across_implementations() {
    let mut alice = create("alice", b"by ref", GroupConfig::default());
    let bob_c = client("bob", false);
    let kp = bob_c
        .generate_key_package_message(Default::default(), Default::default(), None)
        .unwrap();
    let MlsMessageBody::KeyPackage(kp) = message(&to_bytes(&kp)).body else {
        panic!()
    };
    let out = commit(
        &mut alice,
        CommitOptions {
            proposals: vec![Proposal::Add(mls_core::messages::Add { key_package: kp })],
            ..CommitOptions::default()
        },
    );
    alice.merge_pending().unwrap();
    let (mut bob, _) = bob_c
        .join_group(
            None,
            &peer_msg(&encode(out.welcome.as_ref().unwrap())),
            None,
        )
        .unwrap();

    // mls-rs proposes an Update; we commit it by reference.
    let p = bob.propose_update(vec![]).unwrap();
    assert_eq!(process(&mut alice, &to_bytes(&p)), Got::Proposal);
    let out = commit(
        &mut alice,
        CommitOptions {
            include_pending: true,
            ..CommitOptions::default()
        },
    );
    alice.merge_pending().unwrap();
    peer_is_commit(peer_process(&mut bob, &encode(&out.commit)));
    agree(&alice, &bob);

    // We propose an Update and an Add (of a client of ours); mls-rs
    // commits both by reference (it includes every cached proposal).
    let carol_j = Joiner::new("carol");
    let p1 = alice
        .propose_update(provider(), &mut mls_peers::OsRng)
        .unwrap();
    let p2 = alice
        .propose_add(
            provider(),
            carol_j.key_package.clone(),
            &mut mls_peers::OsRng,
        )
        .unwrap();
    for p in [&p1, &p2] {
        assert!(matches!(
            peer_process(&mut bob, &encode(p)),
            ReceivedMessage::Proposal(_)
        ));
    }
    let out = bob.commit_builder().build().unwrap();
    bob.apply_pending_commit().unwrap();
    assert_eq!(
        process(&mut alice, &to_bytes(&out.commit_message)),
        Got::Commit(3)
    );
    let mut carol = carol_j.join(&welcome_of(&out), GroupConfig::default());
    agree(&alice, &bob);
    agree(&carol, &bob);
    chat(&mut carol, &mut bob);
}

#[test]
fn rfc9420_12_4_3_2_mls_rs_joins_our_group_by_external_commit() {
    let mut alice = create("alice", b"external", GroupConfig::default());
    let gi = alice.group_info(provider(), true).unwrap();
    let gi = encode(&MlsMessage {
        body: MlsMessageBody::GroupInfo(gi),
    });
    let bob_c = client("bob", false);
    let (mut bob, c) = bob_c
        .external_commit_builder()
        .unwrap()
        .build(peer_msg(&gi))
        .unwrap();
    assert_eq!(process(&mut alice, &to_bytes(&c)), Got::Commit(1));
    agree(&alice, &bob);
    chat(&mut alice, &mut bob);
}

#[test]
fn rfc9420_12_4_3_2_we_join_an_mls_rs_group_by_external_commit() {
    let bob_c = client("bob", false);
    let mut bob = bob_c
        .create_group(Default::default(), Default::default(), None)
        .unwrap();
    let gi = to_bytes(&bob.group_info_message_allowing_ext_commit(true).unwrap());
    let MlsMessageBody::GroupInfo(gi) = message(&gi).body else {
        panic!("not a GroupInfo")
    };
    let (mut alice, c) = Group::join_external(
        provider(),
        &gi,
        None,
        identity("alice"),
        None,
        &mut mls_core::group::CommitEnv {
            rng: &mut mls_peers::OsRng,
            psks: &mls_core::group::NoPsks,
            credentials: &mls_core::group::AcceptAllCredentials,
            now: Some(mls_peers::unix_now()),
        },
        GroupConfig::default(),
    )
    .unwrap();
    peer_is_commit(peer_process(&mut bob, &encode(&c)));
    agree(&alice, &bob);
    chat(&mut alice, &mut bob);
}

/// A member of a mixed group: ours or mls-rs.
enum M<C: MlsConfig> {
    Ours(Group),
    Peer(PeerGroup<C>),
}

impl<C: MlsConfig> M<C> {
    /// (epoch, epoch authenticator, exporter output).
    fn state(&self) -> (u64, Vec<u8>, Vec<u8>) {
        match self {
            M::Ours(g) => (g.epoch(), g.epoch_authenticator().to_vec(), export(g)),
            M::Peer(g) => (
                g.current_epoch(),
                g.epoch_authenticator().unwrap().as_bytes().to_vec(),
                peer_export(g),
            ),
        }
    }

    fn leaf(&self) -> u32 {
        match self {
            M::Ours(g) => g.own_leaf().0,
            M::Peer(g) => g.current_member_index(),
        }
    }

    /// Commits with an UpdatePath and `removes` (applied locally); returns
    /// the commit and any Welcome.
    fn commit_path(&mut self, removes: &[u32], adds: Vec<Vec<u8>>) -> (Vec<u8>, Option<Vec<u8>>) {
        match self {
            M::Ours(g) => {
                let mut proposals: Vec<Proposal> = removes
                    .iter()
                    .map(|r| {
                        Proposal::Remove(Remove {
                            removed: LeafIndex(*r),
                        })
                    })
                    .collect();
                for kp in adds {
                    let MlsMessageBody::KeyPackage(key_package) = message(&kp).body else {
                        panic!()
                    };
                    proposals.push(Proposal::Add(mls_core::messages::Add { key_package }));
                }
                let out = commit(
                    g,
                    CommitOptions {
                        proposals,
                        force_path: true,
                        ..CommitOptions::default()
                    },
                );
                g.merge_pending().unwrap();
                (encode(&out.commit), out.welcome.as_ref().map(encode))
            }
            M::Peer(g) => {
                let mut b = g.commit_builder();
                for r in removes {
                    b = b.remove_member(*r).unwrap();
                }
                for kp in adds {
                    b = b.add_member(peer_msg(&kp)).unwrap();
                }
                // mls-rs sends a path when RFC 9420 §12.4 requires one
                // (empty commit, Remove); an Add-only commit has none.
                let out = b.build().unwrap();
                g.apply_pending_commit().unwrap();
                (
                    to_bytes(&out.commit_message),
                    out.welcome_messages.first().map(to_bytes),
                )
            }
        }
    }

    fn receive(&mut self, bytes: &[u8]) {
        match self {
            M::Ours(g) => assert!(matches!(process(g, bytes), Got::Commit(_) | Got::Removed)),
            M::Peer(g) => peer_is_commit(peer_process(g, bytes)),
        }
    }
}

fn all_agree<C: MlsConfig>(members: &[M<C>]) {
    let first = members[0].state();
    for m in &members[1..] {
        assert_eq!(m.state(), first, "member at leaf {} disagrees", m.leaf());
    }
}

/// Sender `i` commits; everyone else processes; all agree.
fn round<C: MlsConfig>(
    members: &mut [M<C>],
    i: usize,
    removes: &[u32],
    adds: Vec<Vec<u8>>,
) -> Option<Vec<u8>> {
    let (c, w) = members[i].commit_path(removes, adds);
    for (j, m) in members.iter_mut().enumerate() {
        if j != i {
            m.receive(&c);
        }
    }
    w
}

#[test]
fn rfc9420_7_8_blanks_unmerged_leaves_and_truncation_across_many_epochs_agree() {
    // Alice (ours) creates; adds m1..m7, odd ones mls-rs, even ones ours.
    let peers: Vec<_> = (0..6).map(|i| client(&format!("rs{i}"), false)).collect();
    let mut next_peer = peers.iter();
    let mut kps = Vec::new();
    let mut ours_joiners = Vec::new();
    for i in 1..8 {
        if i % 2 == 1 {
            let c = next_peer.next().unwrap();
            kps.push((
                Some(c),
                to_bytes(
                    &c.generate_key_package_message(Default::default(), Default::default(), None)
                        .unwrap(),
                ),
            ));
        } else {
            let j = Joiner::new(&format!("ours{i}"));
            kps.push((None, j.key_package_message()));
            ours_joiners.push(j);
        }
    }
    let mut first = M::Ours(create("alice", b"many epochs", GroupConfig::default()));
    let (_, w) = first.commit_path(&[], kps.iter().map(|(_, k)| k.clone()).collect());
    let w = w.unwrap();
    let mut members = vec![first];
    let mut ours_iter = ours_joiners.into_iter();
    for (c, _) in &kps {
        members.push(match c {
            Some(c) => M::Peer(c.join_group(None, &peer_msg(&w), None).unwrap().0),
            None => M::Ours(ours_iter.next().unwrap().join(&w, GroupConfig::default())),
        });
    }
    all_agree(&members);

    // Every member commits a path, in turn.
    for i in 0..members.len() {
        round(&mut members, i, &[], vec![]);
        all_agree(&members);
    }

    // mls-rs m1 removes m2 (ours) and m5 (mls-rs): blank leaves.
    round(&mut members, 1, &[2, 5], vec![]);
    members.remove(5);
    members.remove(2);
    all_agree(&members);

    // Our m4 (now at index 3) adds an mls-rs and an our client: they take
    // the blank leaves 2 and 5, unmerged in the parents above them.
    let newc = next_peer.next().unwrap();
    let newj = Joiner::new("ours-new");
    let w = round(
        &mut members,
        3,
        &[],
        vec![
            to_bytes(
                &newc
                    .generate_key_package_message(Default::default(), Default::default(), None)
                    .unwrap(),
            ),
            newj.key_package_message(),
        ],
    )
    .unwrap();
    members.push(M::Peer(
        newc.join_group(None, &peer_msg(&w), None).unwrap().0,
    ));
    members.push(M::Ours(newj.join(&w, GroupConfig::default())));
    all_agree(&members);
    // Everyone commits a path again.
    for i in 0..members.len() {
        round(&mut members, i, &[], vec![]);
        all_agree(&members);
    }

    // Our alice removes the rightmost member (leaf 7, mls-rs): the tree
    // truncates (RFC 9420 §12.1.3).
    let last = members.iter().position(|m| m.leaf() == 7).unwrap();
    round(&mut members, 0, &[7], vec![]);
    members.remove(last);
    all_agree(&members);
    for i in 0..members.len() {
        round(&mut members, i, &[], vec![]);
        all_agree(&members);
    }
}

/// A two-member group: our alice created it, mls-rs `bob` joined.
fn pair<C: MlsConfig>(bob: &Client<C>) -> (Group, PeerGroup<C>) {
    let mut alice = create("alice", b"pair", GroupConfig::default());
    let kp = bob
        .generate_key_package_message(Default::default(), Default::default(), None)
        .unwrap();
    let MlsMessageBody::KeyPackage(kp) = message(&to_bytes(&kp)).body else {
        panic!()
    };
    let out = commit(
        &mut alice,
        CommitOptions {
            proposals: vec![Proposal::Add(mls_core::messages::Add { key_package: kp })],
            ..CommitOptions::default()
        },
    );
    alice.merge_pending().unwrap();
    let (g, _) = bob
        .join_group(
            None,
            &peer_msg(&encode(out.welcome.as_ref().unwrap())),
            None,
        )
        .unwrap();
    (alice, g)
}

#[test]
fn rfc9420_8_4_external_psk_injected_by_commits_both_ways() {
    use mls_rs::psk::{ExternalPskId, PreSharedKey};
    let (id, secret) = (b"shared psk".to_vec(), vec![7u8; 32]);
    let crypto = RustCryptoProvider::default();
    let (sk, pk) = crypto
        .cipher_suite_provider(SUITE)
        .unwrap()
        .signature_key_generate()
        .unwrap();
    let bob_c = Client::builder()
        .identity_provider(BasicIdentityProvider)
        .crypto_provider(crypto)
        .psk(
            ExternalPskId::new(id.clone()),
            PreSharedKey::new(secret.clone()),
        )
        .signing_identity(
            SigningIdentity::new(BasicCredential::new(b"bob".to_vec()).into_credential(), pk),
            sk,
            SUITE,
        )
        .build();
    let psks = std::collections::BTreeMap::from([(id.clone(), secret)]);
    let (mut alice, mut bob) = pair(&bob_c);

    // We propose the PSK; we commit it by reference; mls-rs processes.
    let p = alice
        .propose_external_psk(provider(), id.clone(), &mut mls_peers::OsRng)
        .unwrap();
    assert!(matches!(
        peer_process(&mut bob, &encode(&p)),
        ReceivedMessage::Proposal(_)
    ));
    let out = mls_peers::commit_with_psks(
        &mut alice,
        CommitOptions {
            include_pending: true,
            ..CommitOptions::default()
        },
        &psks,
    );
    alice.merge_pending().unwrap();
    peer_is_commit(peer_process(&mut bob, &encode(&out.commit)));
    agree(&alice, &bob);

    // mls-rs commits a PSK proposal by value; we process it.
    let out = bob
        .commit_builder()
        .add_external_psk(ExternalPskId::new(id))
        .unwrap()
        .build()
        .unwrap();
    bob.apply_pending_commit().unwrap();
    assert_eq!(
        mls_peers::process_with_psks(&mut alice, &to_bytes(&out.commit_message), &psks),
        Got::Commit(3)
    );
    agree(&alice, &bob);
}

#[test]
fn rfc9420_9_1_application_messages_out_of_order_and_with_authenticated_data() {
    let bob_c = client("bob", false);
    let (mut alice, mut bob) = pair(&bob_c);
    let m1 = alice
        .protect(provider(), b"first", b"aad one", &mut mls_peers::OsRng)
        .unwrap();
    let m2 = alice
        .protect(provider(), b"second", b"", &mut mls_peers::OsRng)
        .unwrap();
    for (m, data, aad) in [(&m2, &b"second"[..], &b""[..]), (&m1, b"first", b"aad one")] {
        match peer_process(&mut bob, &encode(m)) {
            ReceivedMessage::ApplicationMessage(a) => {
                assert_eq!(a.data(), data);
                assert_eq!(a.authenticated_data, aad);
            }
            other => panic!("expected application data, got {other:?}"),
        }
    }
    let p1 = bob
        .encrypt_application_message(b"one", b"aad".to_vec())
        .unwrap();
    let p2 = bob.encrypt_application_message(b"two", vec![]).unwrap();
    let p3 = bob.encrypt_application_message(b"three", vec![]).unwrap();
    for (m, data) in [(&p3, &b"three"[..]), (&p1, b"one"), (&p2, b"two")] {
        let msg = message(&to_bytes(m));
        let mut env = mls_core::group::ProcessEnv {
            psks: &mls_core::group::NoPsks,
            credentials: &mls_core::group::AcceptAllCredentials,
            now: Some(mls_peers::unix_now()),
        };
        match alice.process(provider(), &msg, &mut env).unwrap() {
            mls_core::group::Received::Application {
                data: d,
                authenticated_data,
                ..
            } => {
                assert_eq!(d, data);
                assert_eq!(
                    authenticated_data,
                    if data == b"one" { &b"aad"[..] } else { b"" }
                );
            }
            other => panic!("expected application data, got {other:?}"),
        }
    }
}

#[test]
fn rfc9420_12_4_3_2_resync_by_external_commit_removing_the_old_leaf_both_ways() {
    // We lost our state in an mls-rs group and rejoin, removing our old leaf.
    let bob_c = client("bob", false);
    let mut bob = bob_c
        .create_group(Default::default(), Default::default(), None)
        .unwrap();
    let alice_j = Joiner::new("alice");
    let out = bob
        .commit_builder()
        .add_member(peer_msg(&alice_j.key_package_message()))
        .unwrap()
        .build()
        .unwrap();
    bob.apply_pending_commit().unwrap();
    let old = alice_j.join(&welcome_of(&out), GroupConfig::default());
    let gi = to_bytes(&bob.group_info_message_allowing_ext_commit(true).unwrap());
    let MlsMessageBody::GroupInfo(gi) = message(&gi).body else {
        panic!()
    };
    let (mut alice, c) = Group::join_external(
        provider(),
        &gi,
        None,
        identity("alice"),
        Some(old.own_leaf()),
        &mut mls_core::group::CommitEnv {
            rng: &mut mls_peers::OsRng,
            psks: &mls_core::group::NoPsks,
            credentials: &mls_core::group::AcceptAllCredentials,
            now: Some(mls_peers::unix_now()),
        },
        GroupConfig::default(),
    )
    .unwrap();
    peer_is_commit(peer_process(&mut bob, &encode(&c)));
    agree(&alice, &bob);
    assert_eq!(bob.roster().members().len(), 2);
    chat(&mut alice, &mut bob);

    // mls-rs lost its state in our group and rejoins the same way.
    let carol_c = client("carol", false);
    let kp = carol_c
        .generate_key_package_message(Default::default(), Default::default(), None)
        .unwrap();
    let out = bob
        .commit_builder()
        .add_member(kp)
        .unwrap()
        .build()
        .unwrap();
    bob.apply_pending_commit().unwrap();
    assert_eq!(
        process(&mut alice, &to_bytes(&out.commit_message)),
        Got::Commit(3)
    );
    let (carol_old, _) = carol_c
        .join_group(None, &out.welcome_messages[0], None)
        .unwrap();
    let old_leaf = carol_old.current_member_index();
    drop(carol_old);
    let gi = encode(&MlsMessage {
        body: MlsMessageBody::GroupInfo(alice.group_info(provider(), true).unwrap()),
    });
    let (mut carol, c) = carol_c
        .external_commit_builder()
        .unwrap()
        .with_removal(old_leaf)
        .build(peer_msg(&gi))
        .unwrap();
    assert_eq!(process(&mut alice, &to_bytes(&c)), Got::Commit(4));
    peer_is_commit(peer_process(&mut bob, &to_bytes(&c)));
    agree(&alice, &carol);
    agree(&alice, &bob);
    assert_eq!(alice.members().count(), 3);
    chat(&mut alice, &mut carol);
}

#[test]
fn rfc9420_12_1_7_group_context_extensions_committed_both_ways() {
    use mls_core::messages::Extension;
    use mls_core::messages::{
        CredentialType, ExtensionType, ExternalSender, GroupContextExtensions, RequiredCapabilities,
    };
    use mls_rs::extension::built_in::RequiredCapabilitiesExt;
    let bob_c = client("bob", false);
    let (mut alice, mut bob) = pair(&bob_c);

    // mls-rs sets required_capabilities (Basic credentials).
    let mut exts = mls_rs::ExtensionList::new();
    exts.set_from(RequiredCapabilitiesExt {
        extensions: vec![],
        proposals: vec![],
        credentials: vec![mls_rs::identity::CredentialType::BASIC],
    })
    .unwrap();
    let out = bob
        .commit_builder()
        .set_group_context_ext(exts)
        .unwrap()
        .build()
        .unwrap();
    bob.apply_pending_commit().unwrap();
    assert_eq!(
        process(&mut alice, &to_bytes(&out.commit_message)),
        Got::Commit(2)
    );
    agree(&alice, &bob);
    let rc = alice
        .context()
        .extensions
        .iter()
        .find(|e| e.extension_type == ExtensionType::REQUIRED_CAPABILITIES.0)
        .expect("required_capabilities in the GroupContext");
    assert_eq!(
        mls_core::codec::decode::<RequiredCapabilities>(rc.extension_data.as_slice()).unwrap(),
        RequiredCapabilities {
            extension_types: vec![],
            proposal_types: vec![],
            credential_types: vec![CredentialType::BASIC],
        }
    );

    // We replace the list: required_capabilities kept, external_senders
    // added (a default extension type: nobody lists it, RFC 9420 §7.2).
    let (_, ds_pk) = provider()
        .cipher_suite(mls_peers::SUITE)
        .unwrap()
        .signature()
        .generate_key_pair(&mut mls_peers::OsRng)
        .unwrap();
    let senders: Vec<ExternalSender> = vec![ExternalSender {
        signature_key: mls_core::codec::VLBytes::new(ds_pk),
        credential: mls_core::messages::Credential::Basic(mls_core::codec::VLBytes::new(
            b"delivery service".to_vec(),
        )),
    }];
    let extensions = vec![
        rc.clone(),
        Extension {
            extension_type: ExtensionType::EXTERNAL_SENDERS.0,
            extension_data: mls_core::codec::VLBytes::new(encode(&senders)),
        },
    ];
    let out = commit(
        &mut alice,
        CommitOptions {
            proposals: vec![Proposal::GroupContextExtensions(GroupContextExtensions {
                extensions,
            })],
            ..CommitOptions::default()
        },
    );
    alice.merge_pending().unwrap();
    peer_is_commit(peer_process(&mut bob, &encode(&out.commit)));
    agree(&alice, &bob);
    assert_eq!(bob.context().extensions.len(), 2);
    chat(&mut alice, &mut bob);
}

#[test]
fn rfc9420_8_6_resumption_psk_of_a_past_epoch_committed_both_ways() {
    let bob_c = client("bob", false);
    let (mut alice, mut bob) = pair(&bob_c);
    // Epoch 2, so that epoch 1 is in the past for both.
    let out = commit(
        &mut alice,
        CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
    );
    alice.merge_pending().unwrap();
    peer_is_commit(peer_process(&mut bob, &encode(&out.commit)));

    // We propose resumption PSK (application usage) of epoch 1 and commit it.
    let group_id = alice.group_id().to_vec();
    let p = alice
        .propose_resumption_psk(provider(), &group_id, 1, &mut mls_peers::OsRng)
        .unwrap();
    assert!(matches!(
        peer_process(&mut bob, &encode(&p)),
        ReceivedMessage::Proposal(_)
    ));
    let out = commit(
        &mut alice,
        CommitOptions {
            include_pending: true,
            ..CommitOptions::default()
        },
    );
    alice.merge_pending().unwrap();
    peer_is_commit(peer_process(&mut bob, &encode(&out.commit)));
    agree(&alice, &bob);

    // mls-rs commits the resumption PSK of epoch 2 by value.
    let out = bob
        .commit_builder()
        .add_resumption_psk(2)
        .unwrap()
        .build()
        .unwrap();
    bob.apply_pending_commit().unwrap();
    assert_eq!(
        process(&mut alice, &to_bytes(&out.commit_message)),
        Got::Commit(4)
    );
    agree(&alice, &bob);
}

#[test]
fn rfc9420_11_3_branch_subgroups_created_and_joined_both_ways() {
    let bob_c = client("bob", false);
    let (alice, bob) = pair(&bob_c);

    // We branch; mls-rs joins the subgroup with its resumption PSK (branch).
    let kp = message(&to_bytes(
        &bob_c
            .generate_key_package_message(Default::default(), Default::default(), None)
            .unwrap(),
    ));
    let MlsMessageBody::KeyPackage(kp) = kp.body else {
        panic!()
    };
    let (mut sub, out) = alice
        .branch(
            provider(),
            b"our subgroup".to_vec(),
            identity("alice"),
            vec![kp],
            GroupConfig::default(),
            &mut mls_core::group::CommitEnv {
                rng: &mut mls_peers::OsRng,
                psks: &mls_core::group::NoPsks,
                credentials: &mls_core::group::AcceptAllCredentials,
                now: Some(mls_peers::unix_now()),
            },
        )
        .unwrap();
    let (mut bob_sub, _) = bob
        .join_subgroup(
            &peer_msg(&encode(out.welcome.as_ref().unwrap())),
            None,
            None,
        )
        .unwrap();
    agree(&sub, &bob_sub);
    chat(&mut sub, &mut bob_sub);

    // mls-rs branches; we join with the old group as the PSK store.
    let alice_j = Joiner::new("alice");
    let (mut bob_sub2, welcomes) = bob
        .branch(
            b"mls-rs subgroup".to_vec(),
            vec![peer_msg(&alice_j.key_package_message())],
            None,
        )
        .unwrap();
    let mut sub2 = alice_j.join_with_psks(&to_bytes(&welcomes[0]), GroupConfig::default(), &alice);
    agree(&sub2, &bob_sub2);
    chat(&mut sub2, &mut bob_sub2);
}

#[test]
fn rfc9420_11_2_reinit_committed_and_successor_joined_both_ways() {
    use mls_core::messages::{ProtocolVersion, ReInit};
    // mls-rs commits a ReInit, creates the successor and adds us.
    let bob_c = client("bob", false);
    let (mut alice, mut bob) = pair(&bob_c);
    let out = bob
        .commit_builder()
        .reinit(
            Some(b"successor".to_vec()),
            mls_rs::ProtocolVersion::MLS_10,
            SUITE,
            Default::default(),
        )
        .unwrap()
        .build()
        .unwrap();
    bob.apply_pending_commit().unwrap();
    assert_eq!(
        process(&mut alice, &to_bytes(&out.commit_message)),
        Got::Commit(2)
    );
    assert!(!alice.is_active(), "a ReInit commit ends the group");
    agree(&alice, &bob);
    let alice_j = Joiner::new("alice");
    let rc = bob.get_reinit_client(None, None).unwrap();
    let (mut bob_new, welcomes) = rc
        .commit(
            vec![peer_msg(&alice_j.key_package_message())],
            Default::default(),
            None,
        )
        .unwrap();
    let mut alice_new =
        alice_j.join_with_psks(&to_bytes(&welcomes[0]), GroupConfig::default(), &alice);
    assert_eq!(alice_new.group_id(), b"successor");
    agree(&alice_new, &bob_new);
    chat(&mut alice_new, &mut bob_new);

    // We commit a ReInit, create the successor and add mls-rs.
    let bob_c = client("bob", false);
    let (mut alice, mut bob) = pair(&bob_c);
    let out = commit(
        &mut alice,
        CommitOptions {
            proposals: vec![Proposal::ReInit(ReInit {
                group_id: mls_core::codec::VLBytes::new(b"our successor".to_vec()),
                version: ProtocolVersion::MLS10,
                cipher_suite: mls_peers::SUITE,
                extensions: vec![],
            })],
            ..CommitOptions::default()
        },
    );
    alice.merge_pending().unwrap();
    peer_is_commit(peer_process(&mut bob, &encode(&out.commit)));
    agree(&alice, &bob);
    let rc = bob.get_reinit_client(None, None).unwrap();
    let kp = message(&to_bytes(&rc.generate_key_package(None).unwrap()));
    let MlsMessageBody::KeyPackage(kp) = kp.body else {
        panic!()
    };
    let (mut alice_new, out) = alice
        .reinit_successor(
            provider(),
            identity("alice"),
            vec![kp],
            GroupConfig::default(),
            &mut mls_core::group::CommitEnv {
                rng: &mut mls_peers::OsRng,
                psks: &mls_core::group::NoPsks,
                credentials: &mls_core::group::AcceptAllCredentials,
                now: Some(mls_peers::unix_now()),
            },
        )
        .unwrap();
    let (mut bob_new, _) = rc
        .join(
            &peer_msg(&encode(out.welcome.as_ref().unwrap())),
            None,
            None,
        )
        .unwrap();
    agree(&alice_new, &bob_new);
    chat(&mut alice_new, &mut bob_new);
}
