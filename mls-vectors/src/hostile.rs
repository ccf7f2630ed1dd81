//! Adversarial inputs at a chosen size, shared by the `hostile_inputs`
//! benchmark and the allocation test: what a peer or a delivery service can
//! send before anything it sends is authenticated.
//!
//! - a `ratchet_tree` of mostly blanks (one byte each on the wire), as a
//!   Welcome or GroupInfo carries it;
//! - a KeyPackage whose leaf lists thousands of capability entries,
//!   properly signed by its owner;
//! - a Commit of thousands of proposal references, as a PublicMessage from
//!   a member of the group whose membership tag does not verify (the
//!   attacker is not a member).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::codec::{Encode, VLBytes, write_length};
use mls_core::crypto::CipherSuite;
use mls_core::group::Group;
use mls_core::messages::{
    Ciphertexts, Commit, Content, CredentialType, ExtensionType, FramedContent,
    FramedContentAuthData, KeyPackage, LeafNode, MlsMessage, MlsMessageBody, ProposalOrRef,
    PublicMessage, Sender, UpdatePath, UpdatePathNode,
};

/// The encoded `ratchet_tree` extension body: `blanks` blank nodes (an
/// even number, rounded down), then `leaf`: 1 byte per blank node.
pub fn blank_tree(blanks: usize, leaf: &LeafNode) -> Vec<u8> {
    let mut body = vec![0u8; blanks & !1];
    body.push(1);
    body.push(1); // Node::Leaf
    body.extend_from_slice(&leaf.encode().unwrap());
    let mut out = Vec::with_capacity(body.len() + 4);
    write_length(body.len(), &mut out).unwrap();
    out.extend_from_slice(&body);
    out
}

/// An encoded KeyPackage of suite `suite` whose leaf lists `entries`
/// capability entries (credential types and extension types, half each,
/// every value repeated twice), re-signed by its owner: valid apart from
/// its size.
pub fn key_package_with_capabilities(suite: CipherSuite, entries: usize, seed: u64) -> Vec<u8> {
    let kp: KeyPackage = crate::testkit::key_package_edited(suite, seed, |kp| {
        let caps = &mut kp.leaf_node.capabilities;
        for i in 0..entries / 2 {
            let v = 0x0100 + (i / 2) as u16;
            caps.credentials.push(CredentialType(v));
            caps.extensions.push(ExtensionType(v));
        }
    });
    kp.encode().unwrap()
}

/// An encoded PublicMessage Commit in `g`'s group and epoch, claiming to
/// come from member 0, holding `refs` empty proposal references (2 bytes
/// each) and a membership tag that does not verify.
pub fn commit_with_references(g: &Group, refs: usize) -> Vec<u8> {
    forged_commit(
        g,
        Commit {
            proposals: (0..refs)
                .map(|_| ProposalOrRef::Reference(VLBytes::new(Vec::new())))
                .collect(),
            path: None,
        },
    )
}

/// An encoded PublicMessage Commit in `g`'s group and epoch, claiming to
/// come from member 0, whose UpdatePath (leaf `leaf`) carries `cts` empty
/// ciphertexts (2 bytes each) at one node, with a membership tag that does
/// not verify.
pub fn commit_with_ciphertexts(g: &Group, leaf: &LeafNode, cts: usize) -> Vec<u8> {
    let empty: (&[u8], &[u8]) = (&[], &[]);
    let path = UpdatePath {
        leaf_node: leaf.clone(),
        nodes: vec![UpdatePathNode {
            encryption_key: VLBytes::new(vec![9; 32]),
            encrypted_path_secret: Ciphertexts::from_parts(std::iter::repeat_n(empty, cts)),
        }],
    };
    forged_commit(
        g,
        Commit {
            proposals: Vec::new(),
            path: Some(path),
        },
    )
}

/// `commit` framed as a PublicMessage from member 0 in `g`'s epoch, with
/// zero signature, confirmation and membership tags.
fn forged_commit(g: &Group, commit: Commit) -> Vec<u8> {
    let msg = MlsMessage {
        body: MlsMessageBody::PublicMessage(PublicMessage {
            content: FramedContent {
                group_id: VLBytes::new(g.group_id().to_vec()),
                epoch: g.epoch(),
                sender: Sender::Member(0),
                authenticated_data: VLBytes::new(Vec::new()),
                content: Content::Commit(commit),
            },
            auth: FramedContentAuthData {
                signature: VLBytes::new(vec![0; 64]),
                confirmation_tag: Some(VLBytes::new(vec![0; 32])),
            },
            membership_tag: Some(VLBytes::new(vec![0; 32])),
        }),
    };
    msg.encode().unwrap()
}

/// A group of three members (suite 1, reference backend) to send hostile
/// messages to, and the leaf node of one of them.
pub fn target_group(seed: u64) -> (Group, LeafNode) {
    let mut s = crate::testkit::three(seed);
    let g = s.members[1].group.take().unwrap();
    let leaf = g.own_leaf_node().unwrap().clone();
    (g, leaf)
}
