//! The ratchet tree (RFC 9420 §4, §7): nodes, resolution, filtered direct
//! paths, tree hashes (§7.8), parent hashes (§7.9) and joiner validation
//! (§12.4.3.1).
//!
//! # Cost model
//!
//! [`RatchetTree`] stores leaves and parents in two arrays (Appendix C
//! layout) and caches the tree hash of every node. Changes are staged in a
//! [`StagedTree`]: an overlay over a borrowed tree that records only the
//! nodes it changes and recomputes only their hashes and those of their
//! ancestors. A commit that changes one path therefore costs O(log n)
//! hashing and O(log n) memory, the base tree is never cloned, and a staged
//! change that is dropped leaves the tree untouched. [`RatchetTree::apply`]
//! merges a finished [`TreeDiff`] in O(changed nodes).
//!
//! Extending the tree (doubling its width) hashes the new blank half once:
//! O(n), amortised O(1) per added member, and forced by §7.8 since a blank
//! leaf's hash covers its index.

mod hashes;
mod validate;

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use crate::crypto::{CipherSuiteProvider, Digest};
use crate::error::Error;
use crate::messages::{LeafNode, Node, ParentNode};
use crate::tree_math::{self, LeafIndex, NodeIndex};

/// Fewest node hashes one parallel task takes (a hash is about a
/// microsecond; a task hand-off costs about as much).
const HASHES_PER_TASK: usize = 64;

pub use hashes::{parent_hash, tree_hash_input_leaf, tree_hash_input_parent};

/// The cached tree hashes (RFC 9420 §7.8), flat: `nh` bytes each (32 for
/// SHA-256) rather than a [`Digest`] of the largest hash size (65 bytes).
/// Only parent nodes are cached (one per member): a leaf's hash is one
/// encoding and one hash of the leaf itself, recomputed when needed
/// (O(1) per changed leaf). A one-leaf tree keeps its leaf's hash: the
/// root's.
#[derive(Clone, Default, PartialEq, Eq)]
struct HashArray {
    /// Bytes per hash; 0 until known.
    nh: usize,
    /// Node width of the tree the slots are laid out for.
    width: usize,
    bytes: Vec<u8>,
}

impl HashArray {
    /// Slots for a tree of `width` nodes, all zero until set.
    fn zeroed(width: usize, nh: usize) -> Self {
        Self {
            nh,
            width,
            bytes: alloc::vec![0; Self::slots(width) * nh],
        }
    }
    fn slots(width: usize) -> usize {
        if width == 1 { 1 } else { width / 2 }
    }
    /// The slot of node `x`: parents at `x / 2`, the lone leaf at 0.
    fn slot(&self, x: usize) -> Option<usize> {
        match (self.width, x % 2) {
            (1, _) if x == 0 => Some(0),
            (w, 1) if x < w => Some(x / 2),
            _ => None,
        }
    }
    fn get(&self, x: usize) -> Option<&[u8]> {
        let from = self.slot(x)?.checked_mul(self.nh)?;
        self.bytes.get(from..from + self.nh).filter(|h| !h.is_empty())
    }
    /// Stores `h` for node `x`; ignored for nodes without a slot, or when
    /// `h` is not `nh` bytes (every hash of one tree is the suite's).
    fn set(&mut self, x: usize, h: &[u8]) {
        let Some(from) = self.slot(x).and_then(|i| i.checked_mul(self.nh)) else {
            return;
        };
        if let Some(slot) = self.bytes.get_mut(from..from + self.nh) {
            if slot.len() == h.len() {
                slot.copy_from_slice(h);
            }
        }
    }
    /// Lays the slots out for `width` nodes, keeping each parent's hash
    /// (new slots zero, to be set); `nh` is taken from `nh_if_unknown` when
    /// not known yet.
    fn resize(&mut self, width: usize, nh_if_unknown: Option<usize>) {
        if self.nh == 0 {
            self.nh = nh_if_unknown.unwrap_or(0);
        }
        if self.width == 1 || width == 1 {
            // The lone leaf's slot is no parent's: start over.
            self.bytes.clear();
        }
        self.width = width;
        self.bytes.resize(Self::slots(width) * self.nh, 0);
    }
    fn heap_bytes(&self) -> usize {
        self.bytes.capacity()
    }
}

impl core::fmt::Debug for HashArray {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HashArray")
            .field("nh", &self.nh)
            .field("width", &self.width)
            .finish()
    }
}
pub use validate::{TreeValidationError, ValidationOptions};

/// Read access to a ratchet tree, implemented by the tree itself and by a
/// staged overlay, so that every algorithm runs on either.
pub trait TreeRead {
    /// Number of leaves (a power of two, or 0 for an empty tree).
    fn n_leaves(&self) -> u32;
    /// The leaf at `i`, `None` when blank or out of range.
    fn leaf(&self, i: LeafIndex) -> Option<&LeafNode>;
    /// The parent node at odd index `x`, `None` when blank or out of range.
    fn parent(&self, x: NodeIndex) -> Option<&ParentNode>;

    /// True when node `x` is blank (or outside the tree).
    fn is_blank(&self, x: NodeIndex) -> bool {
        match x.leaf() {
            Some(l) => self.leaf(l).is_none(),
            None => self.parent(x).is_none(),
        }
    }

    /// The HPKE public key of node `x`, `None` for a blank node.
    fn encryption_key(&self, x: NodeIndex) -> Option<&[u8]> {
        match x.leaf() {
            Some(l) => self.leaf(l).map(|n| n.encryption_key.as_slice()),
            None => self.parent(x).map(|n| n.encryption_key.as_slice()),
        }
    }

    /// The number of nodes: 2n - 1.
    fn node_width(&self) -> u32 {
        tree_math::node_width(self.n_leaves())
    }

    /// The root node index.
    fn root(&self) -> NodeIndex {
        tree_math::root(self.n_leaves())
    }
}

/// The resolution of node `x` (RFC 9420 §4.1.1), in order, with the leaves
/// in `exclude` left out (new members of the current commit, §12.4.2).
pub fn resolution(tree: &impl TreeRead, x: NodeIndex, exclude: &[LeafIndex]) -> Vec<NodeIndex> {
    let mut out = Vec::new();
    resolve_into(tree, x, exclude, &mut out);
    out
}

fn resolve_into(
    tree: &impl TreeRead,
    x: NodeIndex,
    exclude: &[LeafIndex],
    out: &mut Vec<NodeIndex>,
) {
    if x.0 >= tree.node_width() {
        return;
    }
    match x.leaf() {
        Some(l) => {
            if tree.leaf(l).is_some() && !exclude.contains(&l) {
                out.push(x);
            }
        }
        None => match tree.parent(x) {
            Some(p) => {
                out.push(x);
                for &u in &p.unmerged_leaves {
                    if !exclude.contains(&LeafIndex(u)) {
                        out.push(LeafIndex(u).node());
                    }
                }
            }
            None => {
                if let (Some(l), Some(r)) = (tree_math::left(x), tree_math::right(x)) {
                    resolve_into(tree, l, exclude, out);
                    resolve_into(tree, r, exclude, out);
                }
            }
        },
    }
}

/// True when the resolution of `x` has at least one node not in `exclude`.
/// Stops at the first one found.
pub fn has_nonempty_resolution(tree: &impl TreeRead, x: NodeIndex, exclude: &[LeafIndex]) -> bool {
    if x.0 >= tree.node_width() {
        return false;
    }
    match x.leaf() {
        Some(l) => tree.leaf(l).is_some() && !exclude.contains(&l),
        None => match tree.parent(x) {
            Some(_) => true,
            None => match (tree_math::left(x), tree_math::right(x)) {
                (Some(l), Some(r)) => {
                    has_nonempty_resolution(tree, l, exclude)
                        || has_nonempty_resolution(tree, r, exclude)
                }
                _ => false,
            },
        },
    }
}

/// One step of a filtered direct path: the direct-path node and its child
/// on the copath.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathStep {
    /// The node on the direct path.
    pub node: NodeIndex,
    /// Its child that is not on the path from the leaf (the copath child).
    pub copath_child: NodeIndex,
}

/// The filtered direct path of `leaf` (RFC 9420 §4.1.2), from the leaf's
/// parent up to the root: direct-path nodes whose copath child has a
/// non-empty resolution.
pub fn filtered_direct_path(tree: &impl TreeRead, leaf: LeafIndex) -> Vec<PathStep> {
    filtered_direct_path_excluding(tree, leaf, &[])
}

/// The filtered direct path computed with `exclude` left out of the copath
/// resolutions. (RFC 9420 §12.4.2 filters with new members included; this
/// variant is for callers that need the other reading.)
pub fn filtered_direct_path_excluding(
    tree: &impl TreeRead,
    leaf: LeafIndex,
    exclude: &[LeafIndex],
) -> Vec<PathStep> {
    let n = tree.n_leaves();
    let mut out = Vec::new();
    let mut child = leaf.node();
    for p in tree_math::direct_path(leaf.node(), n) {
        if let Some(s) = tree_math::sibling(child, n) {
            if has_nonempty_resolution(tree, s, exclude) {
                out.push(PathStep {
                    node: p,
                    copath_child: s,
                });
            }
        }
        child = p;
    }
    out
}

/// A ratchet tree with a tree-hash cache (RFC 9420 §7.8).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RatchetTree {
    /// Boxed: a blank costs one pointer, not a whole node (a hostile tree
    /// of blanks is one byte per node on the wire).
    leaves: Vec<Option<Box<LeafNode>>>,
    /// Indexed by `node_index / 2` for odd node indices.
    parents: Vec<Option<Box<ParentNode>>>,
    /// Tree hash of every node, by node index.
    hashes: HashArray,
    /// Encryption key -> node index, for the uniqueness checks of RFC 9420
    /// §7.3 and §12.4.2 in O(log n).
    enc_index: BTreeMap<Box<[u8]>, u32>,
    /// Signature key -> leaf index (RFC 9420 §7.3, §12.2).
    sig_index: BTreeMap<Box<[u8]>, u32>,
    /// Credential type -> (members using it, members whose capabilities
    /// list it), for the credential-type compatibility check of RFC 9420
    /// §7.3 in O(log n) instead of a scan of every member.
    cred_index: BTreeMap<u16, CredentialCount>,
    /// Credential type -> members using it (the types in use only, so that
    /// a check iterates the few types in use, not every type advertised).
    cred_in_use: BTreeMap<u16, u32>,
    /// Number of non-blank leaves.
    n_members: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct CredentialCount {
    in_use: u32,
    supported: u32,
}

/// The distinct credential types `leaf` lists as supported, sorted: O(k
/// log k) for k listed (a hostile leaf may list thousands, repeated), one
/// allocation. Look values up with `binary_search`.
fn supported_credential_types(leaf: &LeafNode) -> Vec<u16> {
    let mut v: Vec<u16> = leaf.capabilities.credentials.iter().map(|t| t.0).collect();
    v.sort_unstable();
    v.dedup();
    v
}

impl TreeRead for RatchetTree {
    fn n_leaves(&self) -> u32 {
        self.leaves.len() as u32
    }
    fn leaf(&self, i: LeafIndex) -> Option<&LeafNode> {
        self.leaves.get(i.0 as usize).and_then(Option::as_deref)
    }
    fn parent(&self, x: NodeIndex) -> Option<&ParentNode> {
        if x.is_leaf() {
            return None;
        }
        self.parents
            .get((x.0 / 2) as usize)
            .and_then(Option::as_deref)
    }
}

/// One node as a ratchet tree carries it, `optional<Node>` (RFC 9420
/// §12.4.3.3), appended to `out`: `[1, 1] || LeafNode`, `[1, 2] ||
/// ParentNode`, or `[0]` for a blank. Returns false for a blank.
fn encode_node_into(tree: &impl TreeRead, x: NodeIndex, out: &mut Vec<u8>) -> Result<bool, Error> {
    use crate::codec::Encode;
    match x.leaf() {
        Some(l) => match tree.leaf(l) {
            Some(leaf) => {
                out.extend_from_slice(&[1, 1]); // present, NodeType leaf(1)
                leaf.encode_into(out)?;
            }
            None => {
                out.push(0);
                return Ok(false);
            }
        },
        None => match tree.parent(x) {
            Some(p) => {
                out.extend_from_slice(&[1, 2]); // present, NodeType parent(2)
                p.encode_into(out)?;
            }
            None => {
                out.push(0);
                return Ok(false);
            }
        },
    }
    Ok(true)
}

/// One non-blank node as a ratchet tree carries it (`optional<Node>`,
/// RFC 9420 §12.4.3.3); `None` for a blank. Incremental storage keeps
/// nodes as records of their own.
pub fn encode_node(tree: &impl TreeRead, x: NodeIndex) -> Result<Option<Vec<u8>>, Error> {
    let mut out = Vec::new();
    Ok(encode_node_into(tree, x, &mut out)?.then_some(out))
}

/// The `ratchet_tree` extension body (RFC 9420 §12.4.3.3) of any tree view
/// (a tree, or a staged overlay before it is merged): the node array with
/// trailing blanks removed, encoded straight from the nodes, without
/// copying the tree or its nodes. Equal to encoding
/// `messages::RatchetTree(tree.to_nodes())`.
pub fn encode_ratchet_tree(tree: &impl TreeRead) -> Result<Vec<u8>, Error> {
    let mut width = tree.node_width();
    while width > 0 && tree.is_blank(NodeIndex(width - 1)) {
        width -= 1;
    }
    let mut body = Vec::new();
    for x in 0..width {
        encode_node_into(tree, NodeIndex(x), &mut body)?;
    }
    let mut out = Vec::with_capacity(body.len() + 4);
    crate::codec::write_length(body.len(), &mut out)?;
    out.extend_from_slice(&body);
    Ok(out)
}

pub use crate::error::TreeShapeError;

impl RatchetTree {
    /// A one-member tree (RFC 9420 §11: group creation).
    pub fn new_single(cs: &dyn CipherSuiteProvider, leaf: LeafNode) -> Result<Self, Error> {
        let mut t = Self {
            leaves: alloc::vec![Some(Box::new(leaf))],
            ..Self::default()
        };
        t.rehash_all(cs)?;
        t.reindex();
        Ok(t)
    }

    /// Builds a tree from the array of the `ratchet_tree` extension
    /// (RFC 9420 §12.4.3.3), extending it to a full tree with blanks, and
    /// computes every tree hash (O(n)).
    pub fn from_nodes(
        cs: &dyn CipherSuiteProvider,
        nodes: Vec<Option<Node>>,
    ) -> Result<Self, TreeShapeOr> {
        if !matches!(nodes.last(), Some(Some(_))) {
            return Err(TreeShapeOr::Shape(TreeShapeError::EmptyOrTrailingBlank));
        }
        if nodes.len() > (1usize << 31) {
            return Err(TreeShapeOr::Shape(TreeShapeError::TooLarge));
        }
        // RFC 9420 §12.4.3.3: an even length ends in a parent node.
        if nodes.len() % 2 == 0 {
            return Err(TreeShapeOr::Shape(TreeShapeError::TrailingParent));
        }
        // Smallest power of two number of leaves covering the array.
        let leaves_needed = nodes.len().div_ceil(2);
        let n_leaves = leaves_needed.next_power_of_two();
        let mut leaves = Vec::with_capacity(n_leaves);
        let mut parents = Vec::with_capacity(n_leaves.saturating_sub(1));
        for (i, node) in nodes.into_iter().enumerate() {
            match (i % 2 == 0, node) {
                (true, None) => leaves.push(None),
                (true, Some(Node::Leaf(l))) => leaves.push(Some(Box::new(l))),
                (false, None) => parents.push(None),
                (false, Some(Node::Parent(p))) => parents.push(Some(Box::new(p))),
                _ => return Err(TreeShapeOr::Shape(TreeShapeError::WrongNodeType)),
            }
        }
        Self::from_parts(cs, leaves, parents, n_leaves)
    }

    /// A tree of `n_leaves` (a power of two) from the leading leaves and
    /// parents of its node array, padded with blanks; hashes and indexes
    /// computed (O(n)).
    fn from_parts(
        cs: &dyn CipherSuiteProvider,
        mut leaves: Vec<Option<Box<LeafNode>>>,
        mut parents: Vec<Option<Box<ParentNode>>>,
        n_leaves: usize,
    ) -> Result<Self, TreeShapeOr> {
        leaves.resize_with(n_leaves, || None);
        parents.resize_with(n_leaves.saturating_sub(1), || None);
        let mut t = Self {
            leaves,
            parents,
            ..Self::default()
        };
        t.rehash_all(cs).map_err(TreeShapeOr::Other)?;
        t.reindex();
        Ok(t)
    }

    /// Decodes the `ratchet_tree` extension (RFC 9420 §12.4.3.3) straight
    /// into the tree, for a tree of at most `max_leaves` leaves: the node
    /// count is checked as each node is read, before anything is allocated
    /// for it, and a blank costs one pointer. Memory and time are linear
    /// in `bytes` with a small constant, whatever the input. Trailing
    /// bytes are an error.
    pub fn from_wire(
        cs: &dyn CipherSuiteProvider,
        bytes: &[u8],
        max_leaves: u32,
    ) -> Result<Self, TreeShapeOr> {
        use tls_codec::DeserializeBytes;
        let codec = |e: crate::codec::CodecError| TreeShapeOr::Other(e.into());
        let (len, rest) = crate::codec::read_length(bytes).map_err(codec)?;
        if rest.len() != len {
            return Err(codec(if rest.len() < len {
                crate::codec::CodecError::Truncated
            } else {
                crate::codec::CodecError::TrailingData
            }));
        }
        let max_leaves = max_leaves.min(1 << 31) as usize;
        let max_nodes = max_leaves.saturating_mul(2).saturating_sub(1);
        let mut leaves: Vec<Option<Box<LeafNode>>> = Vec::new();
        let mut parents: Vec<Option<Box<ParentNode>>> = Vec::new();
        let mut body = rest;
        let mut count = 0usize;
        let mut last_blank = true;
        while let Some((&present, after)) = body.split_first() {
            count += 1;
            if count > max_nodes {
                return Err(TreeShapeOr::Shape(TreeShapeError::TooLarge));
            }
            let is_leaf = count % 2 == 1;
            body = after;
            match present {
                0 => {
                    last_blank = true;
                    if is_leaf {
                        leaves.push(None);
                    } else {
                        parents.push(None);
                    }
                }
                1 => {
                    last_blank = false;
                    let (node, after) = Node::tls_deserialize_bytes(body).map_err(|e| {
                        TreeShapeOr::Other(crate::codec::CodecError::from(e).into())
                    })?;
                    body = after;
                    match (is_leaf, node) {
                        (true, Node::Leaf(l)) => leaves.push(Some(Box::new(l))),
                        (false, Node::Parent(p)) => parents.push(Some(Box::new(p))),
                        _ => return Err(TreeShapeOr::Shape(TreeShapeError::WrongNodeType)),
                    }
                }
                _ => return Err(codec(crate::codec::CodecError::InvalidValue)),
            }
        }
        if last_blank {
            return Err(TreeShapeOr::Shape(TreeShapeError::EmptyOrTrailingBlank));
        }
        // RFC 9420 §12.4.3.3: an even length ends in a parent node.
        if count % 2 == 0 {
            return Err(TreeShapeOr::Shape(TreeShapeError::TrailingParent));
        }
        let n_leaves = count.div_ceil(2).next_power_of_two();
        Self::from_parts(cs, leaves, parents, n_leaves)
    }

    /// The node array for the `ratchet_tree` extension: trailing blanks
    /// removed (RFC 9420 §12.4.3.3).
    pub fn to_nodes(&self) -> Vec<Option<Node>> {
        let width = self.node_width() as usize;
        let mut out = Vec::with_capacity(width);
        for x in 0..width {
            let x = NodeIndex(x as u32);
            out.push(match x.leaf() {
                Some(l) => self.leaf(l).cloned().map(Node::Leaf),
                None => self.parent(x).cloned().map(Node::Parent),
            });
        }
        while matches!(out.last(), Some(None)) {
            out.pop();
        }
        out
    }

    /// The cached tree hash of node `x` (RFC 9420 §7.8): parent nodes
    /// and the root; `None` for other leaves (see [`Self::compute_node_hash`]).
    pub fn node_hash(&self, x: NodeIndex) -> Option<&[u8]> {
        self.hashes.get(x.0 as usize)
    }

    /// The tree hash of any node `x`: the cached one, or for a leaf its
    /// hash computed now (one encoding, one hash).
    pub fn compute_node_hash(
        &self,
        cs: &dyn CipherSuiteProvider,
        x: NodeIndex,
    ) -> Result<Digest, Error> {
        if let Some(h) = self.node_hash(x) {
            return Ok(Digest::from_slice(h)?);
        }
        let l = x
            .leaf()
            .filter(|l| (l.0 as usize) < self.leaves.len())
            .ok_or(crate::error::ProtocolError::LeafIndexOutOfRange)?;
        let mut buf = Vec::new();
        tree_hash_input_leaf(l.0, self.leaf(l), &mut buf)?;
        Ok(cs.hash().hash(&buf))
    }

    /// The tree hash of the root: GroupContext.tree_hash.
    pub fn tree_hash(&self) -> Option<&[u8]> {
        self.node_hash(self.root())
    }

    /// Indices of non-blank leaves.
    pub fn members(&self) -> impl Iterator<Item = (LeafIndex, &LeafNode)> {
        self.leaves
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.as_deref().map(|l| (LeafIndex(i as u32), l)))
    }

    /// Rebuilds the key indexes: O(n log n), on construction only.
    fn reindex(&mut self) {
        self.enc_index.clear();
        self.sig_index.clear();
        self.cred_index.clear();
        self.cred_in_use.clear();
        self.n_members = 0;
        let leaves = core::mem::take(&mut self.leaves);
        for (i, l) in leaves.iter().enumerate() {
            if let Some(l) = l {
                self.index_leaf(i as u32, l);
            }
        }
        self.leaves = leaves;
        for (j, p) in self.parents.iter().enumerate() {
            if let Some(p) = p {
                self.enc_index
                    .insert(p.encryption_key.as_slice().into(), 2 * j as u32 + 1);
            }
        }
    }

    /// The node holding encryption key `key`, if any: O(log n).
    pub fn find_encryption_key(&self, key: &[u8]) -> Option<NodeIndex> {
        self.enc_index.get(key).map(|x| NodeIndex(*x))
    }

    /// The leaf holding signature key `key`, if any: O(log n).
    pub fn find_signature_key(&self, key: &[u8]) -> Option<LeafIndex> {
        self.sig_index.get(key).map(|i| LeafIndex(*i))
    }

    /// True when `leaf`'s credential type is supported by every member and
    /// `leaf` supports every credential type in use by the other members
    /// (RFC 9420 §7.3). `replacing` is the leaf it replaces, if any, which
    /// does not count as another member. O(log n + capabilities).
    pub fn credential_compatible(&self, leaf: &LeafNode, replacing: Option<LeafIndex>) -> bool {
        let old = replacing.and_then(|i| self.leaf(i));
        let others = self.n_members.saturating_sub(u32::from(old.is_some()));
        let own = leaf.credential.credential_type().0;
        let old_supports =
            |t: u16| old.is_some_and(|o| o.capabilities.credentials.iter().any(|c| c.0 == t));
        let old_uses = |t: u16| old.is_some_and(|o| o.credential.credential_type().0 == t);
        let supported_by_others = self.cred_index.get(&own).map_or(0, |c| {
            c.supported.saturating_sub(u32::from(old_supports(own)))
        });
        if supported_by_others != others {
            return false;
        }
        // Every type in use by another member is listed by `leaf`. Each
        // success is a distinct listed type, so this costs O(k log k) for k
        // listed, however many types the tree advertises.
        let listed = supported_credential_types(leaf);
        self.cred_in_use.iter().all(|(t, n)| {
            n.saturating_sub(u32::from(old_uses(*t))) == 0 || listed.binary_search(t).is_ok()
        })
    }

    /// True when the key and credential indexes equal ones rebuilt from
    /// the nodes (a test aid: O(n log n)).
    #[doc(hidden)]
    pub fn index_consistent(&self) -> bool {
        let mut fresh = self.clone();
        fresh.reindex();
        fresh == *self
    }

    fn index_leaf(&mut self, i: u32, l: &LeafNode) {
        self.enc_index
            .insert(l.encryption_key.as_slice().into(), 2 * i);
        self.sig_index
            .insert(l.signature_key.as_slice().into(), i);
        self.n_members += 1;
        let uses = l.credential.credential_type().0;
        self.cred_index.entry(uses).or_default().in_use += 1;
        *self.cred_in_use.entry(uses).or_default() += 1;
        for t in supported_credential_types(l) {
            self.cred_index.entry(t).or_default().supported += 1;
        }
    }

    fn unindex_leaf(&mut self, i: u32) {
        let Some(Some(l)) = self.leaves.get(i as usize) else {
            return;
        };
        if self.enc_index.get(l.encryption_key.as_slice()) == Some(&(2 * i)) {
            self.enc_index.remove(l.encryption_key.as_slice());
        }
        if self.sig_index.get(l.signature_key.as_slice()) == Some(&i) {
            self.sig_index.remove(l.signature_key.as_slice());
        }
        self.n_members = self.n_members.saturating_sub(1);
        let uses = l.credential.credential_type().0;
        let supports = supported_credential_types(l);
        if let Some(n) = self.cred_in_use.get_mut(&uses) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.cred_in_use.remove(&uses);
            }
        }
        // Only the entries this leaf touched can drop to zero.
        for (t, in_use) in core::iter::once((uses, 1u32)).chain(supports.iter().map(|t| (*t, 0))) {
            if let Some(c) = self.cred_index.get_mut(&t) {
                c.in_use = c.in_use.saturating_sub(in_use);
                if in_use == 0 {
                    c.supported = c.supported.saturating_sub(1);
                }
                if c.in_use == 0 && c.supported == 0 {
                    self.cred_index.remove(&t);
                }
            }
        }
    }

    fn unindex_parent(&mut self, x: u32) {
        if let Some(Some(p)) = self.parents.get((x / 2) as usize) {
            if self.enc_index.get(p.encryption_key.as_slice()) == Some(&x) {
                self.enc_index.remove(p.encryption_key.as_slice());
            }
        }
    }

    /// An estimate of the heap memory the tree holds, in bytes: the node
    /// arrays, the hash cache, each node's encoded size (a close proxy for
    /// its heap payload) and the key indexes.
    pub fn approx_heap_bytes(&self) -> usize {
        use tls_codec::Size;
        let slots = self.leaves.capacity() * core::mem::size_of::<Option<Box<LeafNode>>>()
            + self.parents.capacity() * core::mem::size_of::<Option<Box<ParentNode>>>()
            + self.hashes.heap_bytes();
        let leaves: usize = self
            .leaves
            .iter()
            .flatten()
            .map(|l| l.tls_serialized_len())
            .sum();
        let parents: usize = self
            .parents
            .iter()
            .flatten()
            .map(|p| p.tls_serialized_len())
            .sum();
        slots + leaves + parents
    }

    /// Recomputes every tree hash bottom-up: O(n). The hashes of one level
    /// are independent of each other (in parallel with `parallel`).
    fn rehash_all(&mut self, cs: &dyn CipherSuiteProvider) -> Result<(), Error> {
        let width = self.node_width() as usize;
        let nh = cs.kdf().nh();
        // A hash into its slot of a flat buffer.
        fn put(out: &mut [u8], h: Digest) -> Result<(), Error> {
            if out.len() != h.len() {
                return Err(crate::crypto::CryptoError::InvalidLength.into());
            }
            out.copy_from_slice(h.as_slice());
            Ok(())
        }
        // Leaf hashes, flat, for level 1; only the lone leaf of a one-leaf
        // tree is kept (see `HashArray`).
        let mut leaf_hashes = alloc::vec![0u8; self.leaves.len() * nh];
        let leaves = &self.leaves;
        crate::par::try_fill(&mut leaf_hashes, nh, HASHES_PER_TASK, |i, out| {
            let mut buf = Vec::new();
            let leaf = leaves.get(i).and_then(|l| l.as_deref());
            tree_hash_input_leaf(i as u32, leaf, &mut buf)?;
            put(out, cs.hash().hash(&buf))
        })?;
        self.hashes = HashArray::zeroed(width, nh);
        if self.leaves.len() == 1 {
            self.hashes.set(0, &leaf_hashes);
        }
        let levels = if width == 0 {
            0
        } else {
            tree_math::level(self.root())
        };
        for k in 1..=levels {
            // Nodes at level k: x = (2^k - 1) + j * 2^(k+1); each has two
            // children (leaves at level 1).
            let (first, step) = ((1usize << k) - 1, 1usize << (k + 1));
            let count = width.saturating_sub(first).div_ceil(step);
            let mut level = alloc::vec![0u8; count * nh];
            let (hashes, parents) = (&self.hashes, &self.parents);
            let child = |x: NodeIndex| match k {
                1 => leaf_hashes.get(x.0 as usize / 2 * nh..(x.0 as usize / 2 + 1) * nh),
                _ => hashes.get(x.0 as usize),
            };
            crate::par::try_fill(&mut level, nh, HASHES_PER_TASK, |j, out| {
                let x = NodeIndex((first + j * step) as u32);
                let (Some(lh), Some(rh)) = (
                    tree_math::left(x).and_then(child),
                    tree_math::right(x).and_then(child),
                ) else {
                    return Err(TreeValidationError::Malformed(TreeShapeError::TooLarge).into());
                };
                let mut buf = Vec::new();
                let node = parents.get(x.0 as usize / 2).and_then(|p| p.as_deref());
                tree_hash_input_parent(node, lh, rh, &mut buf)?;
                put(out, cs.hash().hash(&buf))
            })?;
            for (j, h) in level.chunks(nh).enumerate() {
                self.hashes.set(first + j * step, h);
            }
        }
        Ok(())
    }

    /// Starts staging changes over this tree.
    pub fn stage(&self) -> StagedTree<'_> {
        StagedTree::new(self)
    }

    /// Merges a finished diff (see `StagedTree::finish`): O(changed nodes).
    pub fn apply(&mut self, diff: TreeDiff) {
        // Drop index entries of every node that is replaced or cut off.
        let old_n = self.leaves.len() as u32;
        let gone: alloc::collections::BTreeSet<u32> = diff
            .leaves
            .keys()
            .copied()
            .chain(diff.n_leaves.min(old_n)..old_n)
            .collect();
        for i in gone {
            self.unindex_leaf(i);
        }
        let old_width = tree_math::node_width(old_n);
        let new_width = tree_math::node_width(diff.n_leaves);
        for x in diff
            .parents
            .keys()
            .copied()
            .chain((new_width.min(old_width)..old_width).filter(|x| x % 2 == 1))
        {
            self.unindex_parent(x);
        }
        let n = diff.n_leaves as usize;
        let width = tree_math::node_width(diff.n_leaves) as usize;
        self.leaves.resize_with(n, || None);
        self.parents.resize_with(n.saturating_sub(1), || None);
        let nh = diff.hashes.values().next().map(Digest::len);
        self.hashes.resize(width, nh);
        for (i, l) in diff.leaves {
            if let Some(leaf) = &l {
                self.index_leaf(i, leaf);
            }
            if let Some(slot) = self.leaves.get_mut(i as usize) {
                *slot = l.map(Box::new);
            }
        }
        for (x, p) in diff.parents {
            if let Some(node) = &p {
                self.enc_index
                    .insert(node.encryption_key.as_slice().into(), x);
            }
            if let Some(slot) = self.parents.get_mut((x / 2) as usize) {
                *slot = p.map(Box::new);
            }
        }
        for (x, h) in diff.hashes {
            self.hashes.set(x as usize, h.as_slice());
        }
    }
}

/// Either a shape error of the node array or another error (hashing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeShapeOr {
    /// The node array is not a valid tree.
    Shape(TreeShapeError),
    /// Hashing or encoding failed.
    Other(Error),
}

/// The changes of a staged tree, with the recomputed hashes, ready for
/// [`RatchetTree::apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeDiff {
    n_leaves: u32,
    leaves: BTreeMap<u32, Option<LeafNode>>,
    parents: BTreeMap<u32, Option<ParentNode>>,
    hashes: BTreeMap<u32, Digest>,
}

impl TreeDiff {
    /// The tree hash of the root after the change.
    pub fn tree_hash(&self) -> Option<&Digest> {
        self.hashes.get(&tree_math::root(self.n_leaves).0)
    }
    /// The number of leaves after the change.
    pub fn n_leaves(&self) -> u32 {
        self.n_leaves
    }
    /// The node indices the change sets or blanks (leaves and parents).
    pub fn changed_nodes(&self) -> impl Iterator<Item = u32> + '_ {
        self.leaves
            .keys()
            .map(|i| i.saturating_mul(2))
            .chain(self.parents.keys().copied())
    }
    /// The leaves the change sets or blanks.
    pub fn changed_leaves(&self) -> impl Iterator<Item = LeafIndex> + '_ {
        self.leaves.keys().map(|i| LeafIndex(*i))
    }
    /// The leaves the change sets, with their new leaf nodes.
    pub fn new_leaves(&self) -> impl Iterator<Item = (LeafIndex, &LeafNode)> + '_ {
        self.leaves
            .iter()
            .filter_map(|(i, l)| l.as_ref().map(|l| (LeafIndex(*i), l)))
    }
}

/// Changes staged over a borrowed [`RatchetTree`]: an overlay of the nodes
/// changed and the hashes recomputed. Dropping it discards the changes.
#[derive(Debug)]
pub struct StagedTree<'a> {
    base: &'a RatchetTree,
    diff: TreeDiff,
    dirty: BTreeSet<u32>,
    /// No blank leaf lies below this index: the free-leaf search of a
    /// bulk add resumes here, so n Adds cost O(n) in all, not O(n) each.
    free_from: u32,
    /// The keys of the nodes in `diff`, so that the uniqueness checks of
    /// a bulk add (RFC 9420 §7.3, §12.2) cost O(log n) each, not a scan
    /// of every node added so far (O(n²) for n Adds).
    diff_keys: DiffKeys,
}

/// Encryption key -> nodes and signature key -> leaves, over the nodes of
/// a staged tree's overlay.
#[derive(Debug, Default)]
struct DiffKeys {
    enc: BTreeMap<Box<[u8]>, BTreeSet<u32>>,
    sig: BTreeMap<Box<[u8]>, BTreeSet<u32>>,
}

impl DiffKeys {
    fn add(map: &mut BTreeMap<Box<[u8]>, BTreeSet<u32>>, key: &[u8], at: u32) {
        match map.get_mut(key) {
            Some(set) => {
                set.insert(at);
            }
            None => {
                map.insert(key.into(), BTreeSet::from([at]));
            }
        }
    }
    fn remove(map: &mut BTreeMap<Box<[u8]>, BTreeSet<u32>>, key: &[u8], at: u32) {
        if let Some(set) = map.get_mut(key) {
            set.remove(&at);
            if set.is_empty() {
                map.remove(key);
            }
        }
    }
    fn leaf(&mut self, i: u32, leaf: &LeafNode, add: bool) {
        let f = if add { Self::add } else { Self::remove };
        f(&mut self.enc, leaf.encryption_key.as_slice(), 2 * i);
        f(&mut self.sig, leaf.signature_key.as_slice(), i);
    }
    fn parent(&mut self, x: u32, parent: &ParentNode, add: bool) {
        let f = if add { Self::add } else { Self::remove };
        f(&mut self.enc, parent.encryption_key.as_slice(), x);
    }
}

impl TreeRead for StagedTree<'_> {
    fn n_leaves(&self) -> u32 {
        self.diff.n_leaves
    }
    fn leaf(&self, i: LeafIndex) -> Option<&LeafNode> {
        if i.0 >= self.diff.n_leaves {
            return None;
        }
        match self.diff.leaves.get(&i.0) {
            Some(l) => l.as_ref(),
            None => self.base.leaf(i),
        }
    }
    fn parent(&self, x: NodeIndex) -> Option<&ParentNode> {
        if x.is_leaf() || x.0 >= self.node_width() {
            return None;
        }
        match self.diff.parents.get(&x.0) {
            Some(p) => p.as_ref(),
            None => self.base.parent(x),
        }
    }
}

impl<'a> StagedTree<'a> {
    fn new(base: &'a RatchetTree) -> Self {
        Self {
            base,
            diff: TreeDiff {
                n_leaves: base.n_leaves(),
                leaves: BTreeMap::new(),
                parents: BTreeMap::new(),
                hashes: BTreeMap::new(),
            },
            dirty: BTreeSet::new(),
            free_from: 0,
            diff_keys: DiffKeys::default(),
        }
    }

    /// Puts leaf `i` into the overlay, keeping `diff_keys` in step.
    fn put_leaf(&mut self, i: u32, leaf: Option<LeafNode>) {
        if let Some(new) = &leaf {
            self.diff_keys.leaf(i, new, true);
        }
        if let Some(Some(old)) = self.diff.leaves.insert(i, leaf) {
            self.diff_keys.leaf(i, &old, false);
        }
    }

    /// Puts parent `x` into the overlay, keeping `diff_keys` in step.
    fn put_parent(&mut self, x: u32, parent: Option<ParentNode>) {
        if let Some(new) = &parent {
            self.diff_keys.parent(x, new, true);
        }
        if let Some(Some(old)) = self.diff.parents.insert(x, parent) {
            self.diff_keys.parent(x, &old, false);
        }
    }

    /// The leftmost blank leaf, extending the tree when there is none
    /// (RFC 9420 §7.7, §12.1.1). Amortized: the search resumes where the
    /// last one stopped, and a removal moves that point back.
    pub fn first_free_leaf(&mut self) -> LeafIndex {
        let n = self.diff.n_leaves;
        let mut i = self.free_from;
        while i < n && self.leaf(LeafIndex(i)).is_some() {
            i += 1;
        }
        self.free_from = i;
        if i < n {
            LeafIndex(i)
        } else {
            self.extend();
            LeafIndex(n)
        }
    }

    /// The tree this overlay is staged over.
    pub fn base(&self) -> &'a RatchetTree {
        self.base
    }

    fn mark_dirty(&mut self, x: NodeIndex) {
        self.diff.hashes.remove(&x.0);
        self.dirty.insert(x.0);
        for a in tree_math::direct_path(x, self.diff.n_leaves) {
            self.diff.hashes.remove(&a.0);
            self.dirty.insert(a.0);
        }
    }

    /// True when some node of the staged tree holds encryption key `key`:
    /// O(log n + changed nodes).
    pub fn encryption_key_in_use(&self, key: &[u8]) -> bool {
        // Nodes of the overlay outside the tree (after a truncation) do
        // not count.
        let width = self.node_width();
        let in_diff = self
            .diff_keys
            .enc
            .get(key)
            .is_some_and(|nodes| nodes.iter().any(|&x| x < width));
        in_diff
            || self.base.find_encryption_key(key).is_some_and(|x| {
                x.0 < self.node_width()
                    && match x.leaf() {
                        Some(l) => !self.diff.leaves.contains_key(&l.0),
                        None => !self.diff.parents.contains_key(&x.0),
                    }
            })
    }

    /// The leaf of the staged tree holding signature key `key`, if any.
    pub fn find_signature_key(&self, key: &[u8]) -> Option<LeafIndex> {
        let n = self.diff.n_leaves;
        if let Some(&i) = self
            .diff_keys
            .sig
            .get(key)
            .and_then(|leaves| leaves.iter().find(|&&i| i < n))
        {
            return Some(LeafIndex(i));
        }
        self.base
            .find_signature_key(key)
            .filter(|i| i.0 < self.diff.n_leaves && !self.diff.leaves.contains_key(&i.0))
    }

    /// Sets or blanks leaf `i` (which must be inside the tree).
    pub fn set_leaf(&mut self, i: LeafIndex, leaf: Option<LeafNode>) {
        if i.0 < self.diff.n_leaves {
            if leaf.is_none() {
                self.free_from = self.free_from.min(i.0);
            }
            self.put_leaf(i.0, leaf);
            self.mark_dirty(i.node());
        }
    }

    /// Sets or blanks parent node `x` (odd, inside the tree).
    pub fn set_parent(&mut self, x: NodeIndex, parent: Option<ParentNode>) {
        if !x.is_leaf() && x.0 < self.node_width() {
            self.put_parent(x.0, parent);
            self.mark_dirty(x);
        }
    }

    /// Mutable access to a non-blank parent node, copying it into the overlay.
    pub fn parent_mut(&mut self, x: NodeIndex) -> Option<&mut ParentNode> {
        let current = self.parent(x)?;
        if !self.diff.parents.contains_key(&x.0) {
            let current = current.clone();
            self.put_parent(x.0, Some(current));
        }
        self.mark_dirty(x);
        // Callers change unmerged leaves and parent hashes, never the key
        // `diff_keys` holds.
        self.diff.parents.get_mut(&x.0)?.as_mut()
    }

    /// Blanks every node on the direct path of `leaf` (RFC 9420 §7.5).
    pub fn blank_direct_path(&mut self, leaf: LeafIndex) {
        let n = self.diff.n_leaves;
        let path: Vec<NodeIndex> = tree_math::direct_path(leaf.node(), n).collect();
        for p in path {
            if !self.is_blank(p) {
                self.set_parent(p, None);
            }
        }
    }

    /// Doubles the tree: the old tree becomes the left subtree of a new
    /// blank root (RFC 9420 §7.7).
    pub fn extend(&mut self) {
        let n = self.diff.n_leaves;
        let new_n = if n == 0 { 1 } else { n.saturating_mul(2) };
        self.diff.n_leaves = new_n;
        // New nodes are blank; their hashes are computed in `rehash`.
        for i in n..new_n {
            self.put_leaf(i, None);
        }
        for x in tree_math::node_width(n)..tree_math::node_width(new_n) {
            if x % 2 == 1 {
                self.put_parent(x, None);
            }
            self.dirty.insert(x);
        }
        // Parents inside the old width whose ancestors changed: none; the
        // old root keeps its hash. The new root is dirty above.
    }

    /// Halves the tree while its right half is entirely blank (RFC 9420 §7.7).
    pub fn truncate(&mut self) {
        while self.diff.n_leaves > 1 {
            let n = self.diff.n_leaves;
            let half = n / 2;
            if (half..n).any(|i| self.leaf(LeafIndex(i)).is_some()) {
                break;
            }
            self.diff.n_leaves = half;
        }
    }

    /// Adds a leaf at the leftmost blank position, extending the tree if
    /// none is blank (RFC 9420 §12.1.1), and records it as unmerged at every
    /// non-blank ancestor (§7.7). Returns its index.
    pub fn add_leaf(&mut self, leaf: LeafNode) -> LeafIndex {
        let index = self.first_free_leaf();
        self.set_leaf(index, Some(leaf));
        let path: Vec<NodeIndex> =
            tree_math::direct_path(index.node(), self.diff.n_leaves).collect();
        for p in path {
            if let Some(node) = self.parent_mut(p) {
                if let Err(pos) = node.unmerged_leaves.binary_search(&index.0) {
                    node.unmerged_leaves.insert(pos, index.0);
                }
            }
        }
        index
    }

    /// Blanks leaf `i` and its direct path (RFC 9420 §12.1.3).
    pub fn remove_leaf(&mut self, i: LeafIndex) {
        self.set_leaf(i, None);
        self.blank_direct_path(i);
    }

    /// The tree hash of node `x` in the staged tree, computing (and caching)
    /// what the changes made stale.
    pub fn node_hash(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        x: NodeIndex,
    ) -> Result<Digest, Error> {
        if let Some(h) = self.diff.hashes.get(&x.0) {
            return Ok(*h);
        }
        if !self.dirty.contains(&x.0) {
            if let Some(h) = self.base.node_hash(x) {
                return Ok(Digest::from_slice(h)?);
            }
        }
        let mut buf = Vec::new();
        let h = match x.leaf() {
            Some(l) => {
                tree_hash_input_leaf(l.0, self.leaf(l), &mut buf)?;
                cs.hash().hash(&buf)
            }
            None => {
                let (l, r) = match (tree_math::left(x), tree_math::right(x)) {
                    (Some(l), Some(r)) => (l, r),
                    _ => return Err(crate::error::ProtocolError::LeafIndexOutOfRange.into()),
                };
                let lh = self.node_hash(cs, l)?;
                let rh = self.node_hash(cs, r)?;
                tree_hash_input_parent(self.parent(x), lh.as_slice(), rh.as_slice(), &mut buf)?;
                cs.hash().hash(&buf)
            }
        };
        self.diff.hashes.insert(x.0, h);
        self.dirty.remove(&x.0);
        Ok(h)
    }

    /// The root tree hash of the staged tree.
    pub fn tree_hash(&mut self, cs: &dyn CipherSuiteProvider) -> Result<Digest, Error> {
        let root = self.root();
        self.node_hash(cs, root)
    }

    /// Recomputes every stale hash and returns the diff to apply.
    pub fn finish(mut self, cs: &dyn CipherSuiteProvider) -> Result<TreeDiff, Error> {
        if self.diff.n_leaves > 0 {
            self.tree_hash(cs)?;
        }
        // Dirty nodes outside the final tree (after truncation) are dropped.
        let width = self.node_width();
        self.diff.hashes.retain(|x, _| *x < width);
        self.diff.leaves.retain(|i, _| *i < self.diff.n_leaves);
        self.diff.parents.retain(|x, _| *x < width);
        Ok(self.diff)
    }
}
