//! Interoperability with OpenMLS 0.9.2 on suite 0x0001 with Basic
//! credentials: every message crosses between the implementations as
//! `MLSMessage` bytes (RFC 9420 §6), and after every epoch change both
//! sides must agree on the epoch authenticator (§8, Table 4) and on an
//! `MLS-Exporter` output (§8.5).
//!
//! OpenMLS's default wire-format policy is "pure ciphertext": it only sends
//! and accepts handshake messages as PrivateMessage (§6.3). The tests run
//! both that default (with our `encrypt_handshake`) and OpenMLS's "pure
//! plaintext" policy (PublicMessage handshakes, our default).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::group::{CommitOptions, Group, GroupConfig};
use mls_core::messages::{Add, MlsMessage, MlsMessageBody, Proposal, Remove};
use mls_core::tree_math::LeafIndex;
use mls_peers::{
    EXPORT_CONTEXT, EXPORT_LABEL, EXPORT_LEN, Got, Joiner, assert_path, commit, create, encode,
    export, identity, message, process, protect, provider,
};
use openmls::prelude::tls_codec::{Deserialize, Serialize};
use openmls::prelude::*;
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;
use openmls_traits::OpenMlsProvider;

const SUITE: Ciphersuite = Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

/// OpenMLS pads its PrivateMessages to a multiple of this (RFC 9420 §6.3.1);
/// we pad ours to a multiple of [`OUR_PADDING`].
const PEER_PADDING: usize = 64;
/// See [`PEER_PADDING`].
const OUR_PADDING: usize = 32;

/// An OpenMLS client: its provider (crypto and storage), signer and
/// credential.
struct Peer {
    provider: OpenMlsRustCrypto,
    signer: SignatureKeyPair,
    credential: CredentialWithKey,
    policy: WireFormatPolicy,
}

impl Peer {
    fn new(name: &str, policy: WireFormatPolicy) -> Self {
        let provider = OpenMlsRustCrypto::default();
        let signer = SignatureKeyPair::new(SUITE.signature_algorithm()).unwrap();
        signer.store(provider.storage()).unwrap();
        let credential = CredentialWithKey {
            credential: BasicCredential::new(name.as_bytes().to_vec()).into(),
            signature_key: signer.to_public_vec().into(),
        };
        Self {
            provider,
            signer,
            credential,
            policy,
        }
    }

    fn create_group(&self) -> MlsGroup {
        let config = MlsGroupCreateConfig::builder()
            .ciphersuite(SUITE)
            .use_ratchet_tree_extension(true)
            .wire_format_policy(self.policy)
            .padding_size(PEER_PADDING)
            .number_of_resumption_psks(8)
            .build();
        MlsGroup::new(
            &self.provider,
            &self.signer,
            &config,
            self.credential.clone(),
        )
        .unwrap()
    }

    fn join_config(&self) -> MlsGroupJoinConfig {
        MlsGroupJoinConfig::builder()
            .use_ratchet_tree_extension(true)
            .wire_format_policy(self.policy)
            .padding_size(PEER_PADDING)
            .number_of_resumption_psks(8)
            .build()
    }

    /// A KeyPackage as `MLSMessage` bytes.
    fn key_package_message(&self) -> Vec<u8> {
        let bundle = KeyPackage::builder()
            .build(SUITE, &self.provider, &self.signer, self.credential.clone())
            .unwrap();
        MlsMessageOut::from(bundle.key_package().clone())
            .tls_serialize_detached()
            .unwrap()
    }

    /// Our KeyPackage, as OpenMLS validates an incoming one.
    fn validate_key_package(&self, bytes: &[u8]) -> KeyPackage {
        match MlsMessageIn::tls_deserialize_exact(bytes)
            .unwrap()
            .extract()
        {
            MlsMessageBodyIn::KeyPackage(kp) => kp
                .validate(self.provider.crypto(), ProtocolVersion::Mls10)
                .unwrap(),
            _ => panic!("not a KeyPackage"),
        }
    }

    fn join(&self, welcome: &[u8]) -> MlsGroup {
        let MlsMessageBodyIn::Welcome(welcome) = MlsMessageIn::tls_deserialize_exact(welcome)
            .unwrap()
            .extract()
        else {
            panic!("not a Welcome")
        };
        StagedWelcome::new_from_welcome(&self.provider, &self.join_config(), welcome, None)
            .unwrap_or_else(|e| panic!("OpenMLS rejected our Welcome: {e:?}"))
            .into_group(&self.provider)
            .unwrap()
    }

    /// Processes `bytes`: commits are merged, proposals stored.
    fn process(&self, g: &mut MlsGroup, bytes: &[u8]) -> Seen {
        let m = MlsMessageIn::tls_deserialize_exact(bytes).unwrap();
        let processed = g
            .process_message(&self.provider, m.try_into_protocol_message().unwrap())
            .unwrap_or_else(|e| panic!("OpenMLS rejected our message: {e:?}"));
        match processed.into_content() {
            ProcessedMessageContent::ApplicationMessage(a) => Seen::Application(a.into_bytes()),
            ProcessedMessageContent::StagedCommitMessage(c) => {
                g.merge_staged_commit(&self.provider, *c).unwrap();
                Seen::Commit
            }
            ProcessedMessageContent::ProposalMessage(p) => {
                g.store_pending_proposal(self.provider.storage(), *p)
                    .unwrap();
                Seen::Proposal
            }
            _ => panic!("unexpected content"),
        }
    }

    fn protect(&self, g: &mut MlsGroup, data: &[u8]) -> Vec<u8> {
        out(&g
            .create_message(&self.provider, &self.signer, data)
            .unwrap())
    }

    fn export(&self, g: &MlsGroup) -> Vec<u8> {
        g.export_secret(
            self.provider.crypto(),
            EXPORT_LABEL,
            EXPORT_CONTEXT,
            EXPORT_LEN,
        )
        .unwrap()
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Seen {
    Application(Vec<u8>),
    Commit,
    Proposal,
}

fn out(m: &MlsMessageOut) -> Vec<u8> {
    m.tls_serialize_detached().unwrap()
}

/// Both sides are in the same epoch with the same key schedule.
fn agree(ours: &Group, peer: &Peer, g: &MlsGroup) {
    assert_eq!(ours.epoch(), g.epoch().as_u64(), "epoch");
    assert_eq!(
        ours.epoch_authenticator(),
        g.epoch_authenticator().as_slice(),
        "epoch_authenticator at epoch {}",
        ours.epoch()
    );
    assert_eq!(
        export(ours),
        peer.export(g),
        "exporter at epoch {}",
        ours.epoch()
    );
}

/// Application messages both ways.
fn chat(ours: &mut Group, peer: &Peer, g: &mut MlsGroup) {
    let m = protect(ours, b"hello from mls-core");
    assert_eq!(
        peer.process(g, &m),
        Seen::Application(b"hello from mls-core".to_vec())
    );
    let m = peer.protect(g, b"hello from OpenMLS");
    assert_eq!(
        process(ours, &m),
        Got::Application(b"hello from OpenMLS".to_vec())
    );
}

fn our_config(policy: WireFormatPolicy) -> GroupConfig {
    GroupConfig {
        encrypt_handshake: policy == PURE_CIPHERTEXT_WIRE_FORMAT_POLICY,
        padding_block: OUR_PADDING,
        ..GroupConfig::default()
    }
}

fn leaf_of(ours: &Group, name: &str) -> LeafIndex {
    ours.members()
        .find(|(_, l)| {
            matches!(&l.credential, mls_core::messages::Credential::Basic(id)
                if id.as_slice() == name.as_bytes())
        })
        .map(|(i, _)| i)
        .unwrap()
}

fn our_key_package(bytes: &[u8]) -> mls_core::messages::KeyPackage {
    match message(bytes).body {
        MlsMessageBody::KeyPackage(kp) => kp,
        _ => panic!("not a KeyPackage"),
    }
}

fn we_join_an_openmls_group_from_its_welcome(policy: WireFormatPolicy) {
    let alice = Peer::new("alice", policy);
    let mut g = alice.create_group();
    let bob = Joiner::new("bob");
    let kp = alice.validate_key_package(&bob.key_package_message());
    let (_, welcome, _) = g
        .add_members(&alice.provider, &alice.signer, &[kp])
        .unwrap();
    g.merge_pending_commit(&alice.provider).unwrap();
    let mut ours = bob.join(&out(&welcome), our_config(policy));
    agree(&ours, &alice, &g);
    chat(&mut ours, &alice, &mut g);
}

#[test]
fn rfc9420_12_4_3_1_we_join_an_openmls_group_from_its_welcome() {
    we_join_an_openmls_group_from_its_welcome(PURE_CIPHERTEXT_WIRE_FORMAT_POLICY);
    we_join_an_openmls_group_from_its_welcome(PURE_PLAINTEXT_WIRE_FORMAT_POLICY);
}

#[test]
fn rfc9420_12_4_3_1_openmls_joins_our_group_from_our_welcome() {
    for policy in [
        PURE_CIPHERTEXT_WIRE_FORMAT_POLICY,
        PURE_PLAINTEXT_WIRE_FORMAT_POLICY,
    ] {
        let mut ours = create("alice", b"our group", our_config(policy));
        let bob = Peer::new("bob", policy);
        let kp = our_key_package(&bob.key_package_message());
        let o = commit(
            &mut ours,
            CommitOptions {
                proposals: vec![Proposal::Add(Add { key_package: kp })],
                ..CommitOptions::default()
            },
        );
        ours.merge_pending().unwrap();
        let mut g = bob.join(&encode(o.welcome.as_ref().unwrap()));
        agree(&ours, &bob, &g);
        chat(&mut ours, &bob, &mut g);
    }
}

/// A four-member group, two members per implementation, through Adds,
/// UpdatePaths and Removes committed from both sides; after every epoch
/// all members agree.
fn mixed_group(policy: WireFormatPolicy) {
    let config = our_config(policy);
    let private = config.encrypt_handshake;
    // Epoch 1: our alice adds OpenMLS bob and our carol.
    let mut alice = create("alice", b"mixed", config);
    let bob = Peer::new("bob", policy);
    let dave = Peer::new("dave", policy);
    let carol_j = Joiner::new("carol");
    let o = commit(
        &mut alice,
        CommitOptions {
            proposals: vec![
                Proposal::Add(Add {
                    key_package: our_key_package(&bob.key_package_message()),
                }),
                Proposal::Add(Add {
                    key_package: carol_j.key_package.clone(),
                }),
            ],
            ..CommitOptions::default()
        },
    );
    alice.merge_pending().unwrap();
    let welcome = encode(o.welcome.as_ref().unwrap());
    let mut bg = bob.join(&welcome);
    let mut carol = carol_j.join(&welcome, config);
    agree(&alice, &bob, &bg);
    agree(&carol, &bob, &bg);

    // Epoch 2: OpenMLS bob adds OpenMLS dave (OpenMLS always sends a path).
    let kp = bob.validate_key_package(&dave.key_package_message());
    let (c, welcome, _) = bg.add_members(&bob.provider, &bob.signer, &[kp]).unwrap();
    bg.merge_pending_commit(&bob.provider).unwrap();
    let c = out(&c);
    assert_path(&c, private);
    assert_eq!(process(&mut alice, &c), Got::Commit(2));
    assert_eq!(process(&mut carol, &c), Got::Commit(2));
    let mut dg = dave.join(&out(&welcome));
    for ours in [&alice, &carol] {
        agree(ours, &bob, &bg);
        agree(ours, &dave, &dg);
    }

    // Epoch 3: our alice commits a full UpdatePath.
    let o = commit(
        &mut alice,
        CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
    );
    alice.merge_pending().unwrap();
    let c = encode(&o.commit);
    assert_path(&c, private);
    assert_eq!(bob.process(&mut bg, &c), Seen::Commit);
    assert_eq!(dave.process(&mut dg, &c), Seen::Commit);
    assert_eq!(process(&mut carol, &c), Got::Commit(3));
    for ours in [&alice, &carol] {
        agree(ours, &bob, &bg);
        agree(ours, &dave, &dg);
    }

    // Epoch 4: OpenMLS dave commits a self-update (UpdatePath).
    let bundle = dg
        .self_update(&dave.provider, &dave.signer, LeafNodeParameters::default())
        .unwrap();
    dg.merge_pending_commit(&dave.provider).unwrap();
    let c = out(bundle.commit());
    assert_path(&c, private);
    assert_eq!(bob.process(&mut bg, &c), Seen::Commit);
    assert_eq!(process(&mut alice, &c), Got::Commit(4));
    assert_eq!(process(&mut carol, &c), Got::Commit(4));
    for ours in [&alice, &carol] {
        agree(ours, &bob, &bg);
        agree(ours, &dave, &dg);
    }

    // Epoch 5: our carol removes OpenMLS dave.
    let dave_leaf = leaf_of(&carol, "dave");
    let o = commit(
        &mut carol,
        CommitOptions {
            proposals: vec![Proposal::Remove(Remove { removed: dave_leaf })],
            ..CommitOptions::default()
        },
    );
    carol.merge_pending().unwrap();
    let c = encode(&o.commit);
    assert_path(&c, private);
    assert_eq!(bob.process(&mut bg, &c), Seen::Commit);
    assert_eq!(dave.process(&mut dg, &c), Seen::Commit);
    assert!(!dg.is_active());
    assert_eq!(process(&mut alice, &c), Got::Commit(5));
    agree(&alice, &bob, &bg);
    agree(&carol, &bob, &bg);

    // Epoch 6: OpenMLS bob removes our carol.
    let (c, _, _) = bg
        .remove_members(
            &bob.provider,
            &bob.signer,
            &[LeafNodeIndex::new(carol.own_leaf().0)],
        )
        .unwrap();
    bg.merge_pending_commit(&bob.provider).unwrap();
    let c = out(&c);
    assert_path(&c, private);
    assert_eq!(process(&mut alice, &c), Got::Commit(6));
    assert_eq!(process(&mut carol, &c), Got::Removed);
    agree(&alice, &bob, &bg);
    chat(&mut alice, &bob, &mut bg);
    assert_eq!(bg.members().count(), 2);
    assert_eq!(alice.members().count(), 2);
}

#[test]
fn rfc9420_12_4_mixed_group_commits_add_update_remove_both_ways_agree_every_epoch() {
    mixed_group(PURE_PLAINTEXT_WIRE_FORMAT_POLICY);
}

#[test]
fn rfc9420_6_3_mixed_group_with_handshake_as_private_message_both_ways() {
    mixed_group(PURE_CIPHERTEXT_WIRE_FORMAT_POLICY);
}

#[test]
fn rfc9420_12_1_12_2_proposals_by_reference_across_implementations() {
    let policy = PURE_PLAINTEXT_WIRE_FORMAT_POLICY;
    let mut alice = create("alice", b"by ref", our_config(policy));
    let bob = Peer::new("bob", policy);
    let o = commit(
        &mut alice,
        CommitOptions {
            proposals: vec![Proposal::Add(Add {
                key_package: our_key_package(&bob.key_package_message()),
            })],
            ..CommitOptions::default()
        },
    );
    alice.merge_pending().unwrap();
    let mut bg = bob.join(&encode(o.welcome.as_ref().unwrap()));

    // OpenMLS proposes an Update; we commit it by reference.
    let (p, _) = bg
        .propose_self_update(&bob.provider, &bob.signer, LeafNodeParameters::default())
        .unwrap();
    assert_eq!(process(&mut alice, &out(&p)), Got::Proposal);
    let o = commit(
        &mut alice,
        CommitOptions {
            include_pending: true,
            ..CommitOptions::default()
        },
    );
    alice.merge_pending().unwrap();
    assert_eq!(bob.process(&mut bg, &encode(&o.commit)), Seen::Commit);
    agree(&alice, &bob, &bg);

    // We propose an Update and an Add; OpenMLS commits both by reference.
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
        assert_eq!(bob.process(&mut bg, &encode(p)), Seen::Proposal);
    }
    let (c, welcome, _) = bg
        .commit_to_pending_proposals(&bob.provider, &bob.signer)
        .unwrap();
    bg.merge_pending_commit(&bob.provider).unwrap();
    assert_eq!(process(&mut alice, &out(&c)), Got::Commit(3));
    let mut carol = carol_j.join(&out(&welcome.unwrap()), our_config(policy));
    agree(&alice, &bob, &bg);
    agree(&carol, &bob, &bg);
    chat(&mut carol, &bob, &mut bg);
}

#[test]
fn rfc9420_12_4_3_2_openmls_joins_our_group_by_external_commit() {
    for policy in [
        PURE_CIPHERTEXT_WIRE_FORMAT_POLICY,
        PURE_PLAINTEXT_WIRE_FORMAT_POLICY,
    ] {
        let mut alice = create("alice", b"external", our_config(policy));
        let gi = encode(&MlsMessage {
            body: MlsMessageBody::GroupInfo(alice.group_info(provider(), true).unwrap()),
        });
        let bob = Peer::new("bob", policy);
        let MlsMessageBodyIn::GroupInfo(gi) =
            MlsMessageIn::tls_deserialize_exact(&gi).unwrap().extract()
        else {
            panic!("not a GroupInfo")
        };
        let (mut bg, bundle) = MlsGroup::external_commit_builder()
            .with_config(bob.join_config())
            .build_group(&bob.provider, gi, bob.credential.clone())
            .unwrap()
            .load_psks(bob.provider.storage())
            .unwrap()
            .build(
                bob.provider.rand(),
                bob.provider.crypto(),
                &bob.signer,
                |_| true,
            )
            .unwrap()
            .finalize(&bob.provider)
            .unwrap();
        bg.merge_pending_commit(&bob.provider).unwrap();
        assert_eq!(process(&mut alice, &out(bundle.commit())), Got::Commit(1));
        agree(&alice, &bob, &bg);
        chat(&mut alice, &bob, &mut bg);
    }
}

#[test]
fn rfc9420_12_4_3_2_we_join_an_openmls_group_by_external_commit() {
    for policy in [
        PURE_CIPHERTEXT_WIRE_FORMAT_POLICY,
        PURE_PLAINTEXT_WIRE_FORMAT_POLICY,
    ] {
        let bob = Peer::new("bob", policy);
        let mut bg = bob.create_group();
        let gi = out(&bg
            .export_group_info(bob.provider.crypto(), &bob.signer, true)
            .unwrap());
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
            our_config(policy),
        )
        .unwrap();
        assert_eq!(bob.process(&mut bg, &encode(&c)), Seen::Commit);
        agree(&alice, &bob, &bg);
        chat(&mut alice, &bob, &mut bg);
    }
}

/// A member of a mixed group: ours or OpenMLS.
enum M {
    Ours(Group),
    Peer(Box<Peer>, MlsGroup),
}

impl M {
    /// (epoch, epoch authenticator, exporter output).
    fn state(&self) -> (u64, Vec<u8>, Vec<u8>) {
        match self {
            M::Ours(g) => (g.epoch(), g.epoch_authenticator().to_vec(), export(g)),
            M::Peer(p, g) => (
                g.epoch().as_u64(),
                g.epoch_authenticator().as_slice().to_vec(),
                p.export(g),
            ),
        }
    }

    fn leaf(&self) -> u32 {
        match self {
            M::Ours(g) => g.own_leaf().0,
            M::Peer(_, g) => g.own_leaf_index().u32(),
        }
    }

    /// Commits with an UpdatePath: `removes`, or `adds` (KeyPackage
    /// messages), or nothing; returns the commit and any Welcome.
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
                    proposals.push(Proposal::Add(Add {
                        key_package: our_key_package(&kp),
                    }));
                }
                let o = commit(
                    g,
                    CommitOptions {
                        proposals,
                        force_path: true,
                        ..CommitOptions::default()
                    },
                );
                g.merge_pending().unwrap();
                (encode(&o.commit), o.welcome.as_ref().map(encode))
            }
            M::Peer(p, g) => {
                let (c, w) = if !removes.is_empty() {
                    let idx: Vec<_> = removes.iter().map(|r| LeafNodeIndex::new(*r)).collect();
                    let (c, w, _) = g.remove_members(&p.provider, &p.signer, &idx).unwrap();
                    (c, w)
                } else if !adds.is_empty() {
                    let kps: Vec<_> = adds.iter().map(|k| p.validate_key_package(k)).collect();
                    let (c, w, _) = g.add_members(&p.provider, &p.signer, &kps).unwrap();
                    (c, Some(w))
                } else {
                    let b = g
                        .self_update(&p.provider, &p.signer, LeafNodeParameters::default())
                        .unwrap();
                    (b.commit().clone(), None)
                };
                g.merge_pending_commit(&p.provider).unwrap();
                (out(&c), w.as_ref().map(out))
            }
        }
    }

    fn receive(&mut self, bytes: &[u8]) {
        match self {
            M::Ours(g) => assert!(matches!(process(g, bytes), Got::Commit(_) | Got::Removed)),
            M::Peer(p, g) => assert_eq!(p.process(g, bytes), Seen::Commit),
        }
    }
}

fn all_agree(members: &[M]) {
    let first = members[0].state();
    for m in &members[1..] {
        assert_eq!(m.state(), first, "member at leaf {} disagrees", m.leaf());
    }
}

/// Member `i` commits; everyone else processes; all agree afterwards.
fn round(members: &mut [M], i: usize, removes: &[u32], adds: Vec<Vec<u8>>) -> Option<Vec<u8>> {
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
    let policy = PURE_PLAINTEXT_WIRE_FORMAT_POLICY;
    let config = our_config(policy);
    // Alice (ours) creates and adds m1..m7: odd ones OpenMLS, even ones ours.
    let mut kps = Vec::new();
    let mut joiners: Vec<Option<Joiner>> = Vec::new();
    let mut peers: Vec<Option<Peer>> = Vec::new();
    for i in 1..8 {
        if i % 2 == 1 {
            let p = Peer::new(&format!("om{i}"), policy);
            kps.push(p.key_package_message());
            peers.push(Some(p));
            joiners.push(None);
        } else {
            let j = Joiner::new(&format!("ours{i}"));
            kps.push(j.key_package_message());
            joiners.push(Some(j));
            peers.push(None);
        }
    }
    let mut first = M::Ours(create("alice", b"many epochs", config));
    let (_, w) = first.commit_path(&[], kps);
    let w = w.unwrap();
    let mut members = vec![first];
    for (p, j) in peers.into_iter().zip(joiners) {
        members.push(match (p, j) {
            (Some(p), None) => {
                let g = p.join(&w);
                M::Peer(Box::new(p), g)
            }
            (None, Some(j)) => M::Ours(j.join(&w, config)),
            _ => unreachable!(),
        });
    }
    all_agree(&members);

    // Every member commits a path, in turn.
    for i in 0..members.len() {
        round(&mut members, i, &[], vec![]);
        all_agree(&members);
    }

    // OpenMLS m1 removes m2 (ours) and m5 (OpenMLS): blank leaves.
    round(&mut members, 1, &[2, 5], vec![]);
    members.remove(5);
    members.remove(2);
    all_agree(&members);

    // OpenMLS m3 (index 2) adds an OpenMLS and an our client: they take the
    // blank leaves 2 and 5, unmerged in the parents above them.
    let newp = Peer::new("om-new", policy);
    let newj = Joiner::new("ours-new");
    let w = round(
        &mut members,
        2,
        &[],
        vec![newp.key_package_message(), newj.key_package_message()],
    )
    .unwrap();
    let g = newp.join(&w);
    members.push(M::Peer(Box::new(newp), g));
    members.push(M::Ours(newj.join(&w, config)));
    all_agree(&members);
    for i in 0..members.len() {
        round(&mut members, i, &[], vec![]);
        all_agree(&members);
    }

    // Our alice removes the rightmost member (leaf 7, OpenMLS): the tree
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

#[test]
fn rfc9420_9_1_application_messages_out_of_order_and_with_authenticated_data() {
    let policy = PURE_CIPHERTEXT_WIRE_FORMAT_POLICY;
    let mut alice = create("alice", b"pair", our_config(policy));
    let bob = Peer::new("bob", policy);
    let o = commit(
        &mut alice,
        CommitOptions {
            proposals: vec![Proposal::Add(Add {
                key_package: our_key_package(&bob.key_package_message()),
            })],
            ..CommitOptions::default()
        },
    );
    alice.merge_pending().unwrap();
    let mut bg = bob.join(&encode(o.welcome.as_ref().unwrap()));

    let m1 = alice
        .protect(provider(), b"first", b"aad one", &mut mls_peers::OsRng)
        .unwrap();
    let m2 = alice
        .protect(provider(), b"second", b"", &mut mls_peers::OsRng)
        .unwrap();
    for (m, data, aad) in [(&m2, &b"second"[..], &b""[..]), (&m1, b"first", b"aad one")] {
        let pm = bg
            .process_message(
                &bob.provider,
                MlsMessageIn::tls_deserialize_exact(encode(m))
                    .unwrap()
                    .try_into_protocol_message()
                    .unwrap(),
            )
            .unwrap();
        assert_eq!(pm.aad(), aad);
        match pm.into_content() {
            ProcessedMessageContent::ApplicationMessage(a) => assert_eq!(a.into_bytes(), data),
            _ => panic!("expected application data"),
        }
    }
    bg.set_aad(b"aad".to_vec());
    let p1 = bob.protect(&mut bg, b"one");
    let p2 = bob.protect(&mut bg, b"two");
    let p3 = bob.protect(&mut bg, b"three");
    for (m, data) in [(&p3, &b"three"[..]), (&p1, b"one"), (&p2, b"two")] {
        let mut env = mls_core::group::ProcessEnv {
            psks: &mls_core::group::NoPsks,
            credentials: &mls_core::group::AcceptAllCredentials,
            now: Some(mls_peers::unix_now()),
        };
        match alice.process(provider(), &message(m), &mut env).unwrap() {
            mls_core::group::Received::Application {
                data: d,
                authenticated_data,
                ..
            } => {
                assert_eq!(d, data);
                // OpenMLS's `set_aad` applies to the next message only.
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
fn rfc9420_12_1_7_group_context_extensions_committed_both_ways() {
    use mls_core::messages::{ExtensionType as OurExtensionType, GroupContextExtensions};
    let policy = PURE_PLAINTEXT_WIRE_FORMAT_POLICY;
    let mut alice = create("alice", b"gce", our_config(policy));
    let bob = Peer::new("bob", policy);
    let o = commit(
        &mut alice,
        CommitOptions {
            proposals: vec![Proposal::Add(Add {
                key_package: our_key_package(&bob.key_package_message()),
            })],
            ..CommitOptions::default()
        },
    );
    alice.merge_pending().unwrap();
    let mut bg = bob.join(&encode(o.welcome.as_ref().unwrap()));

    // OpenMLS sets required_capabilities and external_senders (default
    // extension types: nobody lists them in Capabilities, RFC 9420 §7.2).
    let ds = SignatureKeyPair::new(SUITE.signature_algorithm()).unwrap();
    let exts = Extensions::from_vec(vec![
        Extension::RequiredCapabilities(RequiredCapabilitiesExtension::new(
            &[],
            &[],
            &[CredentialType::Basic],
        )),
        Extension::ExternalSenders(vec![ExternalSender::new(
            ds.to_public_vec().into(),
            BasicCredential::new(b"delivery service".to_vec()).into(),
        )]),
    ])
    .unwrap();
    let (c, _, _) = bg
        .update_group_context_extensions(&bob.provider, exts, &bob.signer)
        .unwrap();
    bg.merge_pending_commit(&bob.provider).unwrap();
    assert_eq!(process(&mut alice, &out(&c)), Got::Commit(2));
    agree(&alice, &bob, &bg);
    let types: Vec<u16> = alice
        .context()
        .extensions
        .iter()
        .map(|e| e.extension_type)
        .collect();
    assert_eq!(
        types,
        [
            OurExtensionType::REQUIRED_CAPABILITIES.0,
            OurExtensionType::EXTERNAL_SENDERS.0
        ]
    );

    // We drop external_senders again.
    let kept = alice.context().extensions[..1].to_vec();
    let o = commit(
        &mut alice,
        CommitOptions {
            proposals: vec![Proposal::GroupContextExtensions(GroupContextExtensions {
                extensions: kept,
            })],
            ..CommitOptions::default()
        },
    );
    alice.merge_pending().unwrap();
    assert_eq!(bob.process(&mut bg, &encode(&o.commit)), Seen::Commit);
    agree(&alice, &bob, &bg);
    assert!(bg.extensions().external_senders().is_none());
    assert!(bg.extensions().required_capabilities().is_some());
    chat(&mut alice, &bob, &mut bg);
}

/// A two-member group: our alice created it, OpenMLS `bob` joined.
fn pair(bob: &Peer, policy: WireFormatPolicy) -> (Group, MlsGroup) {
    let mut alice = create("alice", b"pair", our_config(policy));
    let o = commit(
        &mut alice,
        CommitOptions {
            proposals: vec![Proposal::Add(Add {
                key_package: our_key_package(&bob.key_package_message()),
            })],
            ..CommitOptions::default()
        },
    );
    alice.merge_pending().unwrap();
    let bg = bob.join(&encode(o.welcome.as_ref().unwrap()));
    (alice, bg)
}

#[test]
fn rfc9420_8_4_external_psk_proposed_and_committed_both_ways() {
    use openmls::schedule::{ExternalPsk, PreSharedKeyId, Psk};
    let policy = PURE_PLAINTEXT_WIRE_FORMAT_POLICY;
    let (id, secret) = (b"shared psk".to_vec(), vec![7u8; 32]);
    let bob = Peer::new("bob", policy);
    let psk_id = PreSharedKeyId::new(
        SUITE,
        bob.provider.rand(),
        Psk::External(ExternalPsk::new(id.clone())),
    )
    .unwrap();
    psk_id.store(&bob.provider, &secret).unwrap();
    let psks = std::collections::BTreeMap::from([(id.clone(), secret)]);
    let (mut alice, mut bg) = pair(&bob, policy);

    // We propose the PSK and commit it by reference.
    let p = alice
        .propose_external_psk(provider(), id, &mut mls_peers::OsRng)
        .unwrap();
    assert_eq!(bob.process(&mut bg, &encode(&p)), Seen::Proposal);
    let o = mls_peers::commit_with_psks(
        &mut alice,
        CommitOptions {
            include_pending: true,
            ..CommitOptions::default()
        },
        &psks,
    );
    alice.merge_pending().unwrap();
    assert_eq!(bob.process(&mut bg, &encode(&o.commit)), Seen::Commit);
    agree(&alice, &bob, &bg);

    // OpenMLS proposes it and commits it by reference.
    let (p, _) = bg
        .propose_pre_shared_key(&bob.provider, &bob.signer, psk_id)
        .unwrap();
    assert_eq!(
        mls_peers::process_with_psks(&mut alice, &out(&p), &psks),
        Got::Proposal
    );
    let (c, _, _) = bg
        .commit_to_pending_proposals(&bob.provider, &bob.signer)
        .unwrap();
    bg.merge_pending_commit(&bob.provider).unwrap();
    assert_eq!(
        mls_peers::process_with_psks(&mut alice, &out(&c), &psks),
        Got::Commit(3)
    );
    agree(&alice, &bob, &bg);
}

#[test]
fn rfc9420_12_4_3_2_resync_by_external_commit_removing_the_old_leaf() {
    let policy = PURE_PLAINTEXT_WIRE_FORMAT_POLICY;
    // We lost our state in an OpenMLS group and rejoin, removing our old leaf.
    let bob = Peer::new("bob", policy);
    let mut bg = bob.create_group();
    let alice_j = Joiner::new("alice");
    let kp = bob.validate_key_package(&alice_j.key_package_message());
    let (_, welcome, _) = bg.add_members(&bob.provider, &bob.signer, &[kp]).unwrap();
    bg.merge_pending_commit(&bob.provider).unwrap();
    let old = alice_j.join(&out(&welcome), our_config(policy));
    let gi = out(&bg
        .export_group_info(bob.provider.crypto(), &bob.signer, true)
        .unwrap());
    let MlsMessageBody::GroupInfo(gi) = message(&gi).body else {
        panic!("not a GroupInfo")
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
        our_config(policy),
    )
    .unwrap();
    assert_eq!(bob.process(&mut bg, &encode(&c)), Seen::Commit);
    agree(&alice, &bob, &bg);
    assert_eq!(bg.members().count(), 2);
    chat(&mut alice, &bob, &mut bg);
}

#[test]
fn rfc9420_8_6_resumption_psk_of_a_past_epoch_committed_both_ways() {
    use openmls::schedule::psk::{ResumptionPsk, ResumptionPskUsage};
    use openmls::schedule::{PreSharedKeyId, Psk};
    let policy = PURE_PLAINTEXT_WIRE_FORMAT_POLICY;
    let bob = Peer::new("bob", policy);
    let (mut alice, mut bg) = pair(&bob, policy);
    // Epoch 2, so that epoch 1 is in the past for both.
    let o = commit(
        &mut alice,
        CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
    );
    alice.merge_pending().unwrap();
    assert_eq!(bob.process(&mut bg, &encode(&o.commit)), Seen::Commit);

    // We propose the resumption PSK (application usage) of epoch 1.
    let group_id = alice.group_id().to_vec();
    let p = alice
        .propose_resumption_psk(provider(), &group_id, 1, &mut mls_peers::OsRng)
        .unwrap();
    assert_eq!(bob.process(&mut bg, &encode(&p)), Seen::Proposal);
    let o = commit(
        &mut alice,
        CommitOptions {
            include_pending: true,
            ..CommitOptions::default()
        },
    );
    alice.merge_pending().unwrap();
    assert_eq!(bob.process(&mut bg, &encode(&o.commit)), Seen::Commit);
    agree(&alice, &bob, &bg);

    // OpenMLS proposes the one of epoch 2 and commits it.
    let psk_id = PreSharedKeyId::new(
        SUITE,
        bob.provider.rand(),
        Psk::Resumption(ResumptionPsk::new(
            ResumptionPskUsage::Application,
            bg.group_id().clone(),
            GroupEpoch::from(2),
        )),
    )
    .unwrap();
    let (p, _) = bg
        .propose_pre_shared_key(&bob.provider, &bob.signer, psk_id)
        .unwrap();
    assert_eq!(process(&mut alice, &out(&p)), Got::Proposal);
    let (c, _, _) = bg
        .commit_to_pending_proposals(&bob.provider, &bob.signer)
        .unwrap();
    bg.merge_pending_commit(&bob.provider).unwrap();
    assert_eq!(process(&mut alice, &out(&c)), Got::Commit(4));
    agree(&alice, &bob, &bg);
}
