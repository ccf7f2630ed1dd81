//! Synthetic groups for benchmarks and scenario tests.
//!
//! [`full_tree`] builds a ratchet tree of `n` members in which every parent
//! node is set and parent-hash valid (each parent's chain runs through its
//! left child, as if the leftmost member of every subtree had committed last),
//! with every leaf signed: a worst case for validation and hashing.

use mls_core::codec::VLBytes;
use mls_core::crypto::labeled::sign_with_label;
use mls_core::crypto::{CipherSuiteProvider, Digest, HpkePrivateKey, Rng, SignaturePrivateKey};
use mls_core::messages::{
    Capabilities, Credential, CredentialType, LeafNode, LeafNodeSource, Node, ParentNode,
    ProtocolVersion,
};
use mls_core::tree::{RatchetTree, parent_hash, tree_hash_input_leaf, tree_hash_input_parent};
use mls_core::tree_math::{self, NodeIndex};

/// A member's secrets in a synthetic tree.
#[derive(Debug)]
pub struct MemberKeys {
    /// Signature private key.
    pub signature: SignaturePrivateKey,
    /// Leaf HPKE private key (only with real keys).
    pub encryption: Option<HpkePrivateKey>,
}

/// A synthetic full tree.
#[derive(Debug)]
pub struct FullTree {
    /// The tree.
    pub tree: RatchetTree,
    /// The group ID leaves were signed for.
    pub group_id: Vec<u8>,
    /// Per-leaf secrets.
    pub members: Vec<MemberKeys>,
    /// Parent-node private keys, by node index (only with real keys).
    pub parent_keys: std::collections::BTreeMap<u32, HpkePrivateKey>,
}

impl FullTree {
    /// The TreeKEM private state of member `leaf` (needs real keys).
    pub fn private_state(
        &self,
        leaf: mls_core::tree_math::LeafIndex,
    ) -> mls_core::treekem::TreeKemPrivate {
        let n = mls_core::tree::TreeRead::n_leaves(&self.tree);
        let path_keys = tree_math::direct_path(leaf.node(), n)
            .filter_map(|x| self.parent_keys.get(&x.0).map(|k| (x, k.duplicate())))
            .collect();
        mls_core::treekem::TreeKemPrivate {
            own_leaf: leaf,
            leaf_key: self.members[leaf.0 as usize]
                .encryption
                .as_ref()
                .expect("real keys")
                .duplicate(),
            path_keys,
        }
    }
}

/// Default capabilities for `cs`.
pub fn capabilities(cs: &dyn CipherSuiteProvider) -> Capabilities {
    Capabilities {
        versions: vec![ProtocolVersion::MLS10].into(),
        cipher_suites: vec![cs.cipher_suite()].into(),
        extensions: vec![].into(),
        proposals: vec![].into(),
        credentials: vec![CredentialType::BASIC].into(),
    }
}

struct Builder<'a> {
    cs: &'a dyn CipherSuiteProvider,
    rng: &'a mut dyn Rng,
    real_keys: bool,
    group_id: Vec<u8>,
    nodes: Vec<Option<Node>>,
    members: Vec<Option<MemberKeys>>,
    parent_keys: std::collections::BTreeMap<u32, HpkePrivateKey>,
}

impl Builder<'_> {
    fn key(&mut self) -> (Option<HpkePrivateKey>, Vec<u8>) {
        if self.real_keys {
            let (sk, pk) = self
                .cs
                .hpke()
                .generate_key_pair(self.rng)
                .expect("hpke key");
            (Some(sk), pk)
        } else {
            let mut pk = vec![0u8; self.cs.info().npk];
            self.rng.fill(&mut pk).expect("rng");
            (None, pk)
        }
    }

    /// Fills subtree `x` whose `parent_hash` field is `ph`; returns its tree hash.
    fn build(&mut self, x: NodeIndex, ph: Vec<u8>) -> Digest {
        let cs = self.cs;
        let mut buf = Vec::new();
        match x.leaf() {
            Some(l) => {
                let (sig_sk, sig_pk) = cs.signature().generate_key_pair(self.rng).expect("sig key");
                let (enc_sk, enc_pk) = self.key();
                let mut leaf = LeafNode {
                    encryption_key: VLBytes::new(enc_pk),
                    signature_key: VLBytes::new(sig_pk),
                    credential: Credential::Basic(VLBytes::new(
                        format!("member-{}", l.0).into_bytes(),
                    )),
                    capabilities: capabilities(cs),
                    leaf_node_source: LeafNodeSource::Commit(VLBytes::new(ph)),
                    extensions: vec![].into(),
                    signature: VLBytes::new(vec![]),
                };
                let tbs = leaf.tbs(Some((&self.group_id, l.0))).expect("tbs");
                leaf.signature =
                    VLBytes::new(sign_with_label(cs, &sig_sk, b"LeafNodeTBS", &tbs).expect("sign"));
                tree_hash_input_leaf(l.0, Some(&leaf), &mut buf).expect("encode");
                self.nodes[x.0 as usize] = Some(Node::Leaf(leaf));
                self.members[l.0 as usize] = Some(MemberKeys {
                    signature: sig_sk,
                    encryption: enc_sk,
                });
            }
            None => {
                let (l, r) = (
                    tree_math::left(x).expect("left"),
                    tree_math::right(x).expect("right"),
                );
                let (sk, key) = self.key();
                if let Some(sk) = sk {
                    self.parent_keys.insert(x.0, sk);
                }
                let right_hash = self.build(r, Vec::new());
                let p_hash = parent_hash(cs, &key, &ph, right_hash.as_slice()).expect("ph");
                let left_hash = self.build(l, p_hash.to_vec());
                let p = ParentNode {
                    encryption_key: VLBytes::new(key),
                    parent_hash: VLBytes::new(ph),
                    unmerged_leaves: vec![],
                };
                tree_hash_input_parent(
                    Some(&p),
                    left_hash.as_slice(),
                    right_hash.as_slice(),
                    &mut buf,
                )
                .expect("encode");
                self.nodes[x.0 as usize] = Some(Node::Parent(p));
            }
        }
        cs.hash().hash(&buf)
    }
}

/// A full, valid tree of `n_leaves` (a power of two) members. With
/// `real_keys`, HPKE keys are real key pairs (needed to encrypt to them);
/// otherwise random bytes (enough for hashing and validation).
pub fn full_tree(
    cs: &dyn CipherSuiteProvider,
    n_leaves: u32,
    real_keys: bool,
    rng: &mut dyn Rng,
) -> FullTree {
    assert!(n_leaves.is_power_of_two());
    let width = tree_math::node_width(n_leaves) as usize;
    let mut b = Builder {
        cs,
        rng,
        real_keys,
        group_id: b"synthetic group".to_vec(),
        nodes: vec![None; width],
        members: (0..n_leaves).map(|_| None).collect(),
        parent_keys: Default::default(),
    };
    let root = tree_math::root(n_leaves);
    let want = b.build(root, Vec::new());
    let tree = RatchetTree::from_nodes(cs, b.nodes).expect("valid tree");
    assert_eq!(tree.tree_hash(), Some(want.as_slice()));
    FullTree {
        tree,
        group_id: b.group_id,
        members: b.members.into_iter().map(|m| m.expect("member")).collect(),
        parent_keys: b.parent_keys,
    }
}
