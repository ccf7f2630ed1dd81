//! Validation of a whole ratchet tree, as a joiner must do it
//! (RFC 9420 §12.4.3.1): tree hash, parent-hash validity of every parent
//! (§7.9.2), leaf node validity (§7.3), unmerged-leaf consistency and key
//! uniqueness. Linear in the tree size, apart from resolutions of blank
//! regions and the subtrees re-hashed for unmerged leaves.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use super::{
    RatchetTree, TreeRead, parent_hash, resolution, tree_hash_input_leaf, tree_hash_input_parent,
};
use crate::crypto::labeled::sign_content_bytes;
use crate::crypto::{CipherSuiteProvider, Digest, VerifyItem};
use crate::error::Error;
use crate::messages::{LeafNode, LeafNodeSource};
use crate::tree_math::{self, LeafIndex, NodeIndex};

pub use crate::error::TreeValidationError;

/// What a joiner checks besides the tree itself.
#[derive(Debug, Clone, Copy)]
pub struct ValidationOptions<'a> {
    /// The group's ID (context of update/commit leaf signatures).
    pub group_id: &'a [u8],
    /// The expected root tree hash, if known.
    pub tree_hash: Option<&'a [u8]>,
    /// The current time (seconds since the Unix epoch), to check the
    /// lifetime of `key_package` leaves (RECOMMENDED by §7.3); `None` skips it.
    pub now: Option<u64>,
}

/// The parent hash a leaf carries, if its source is `commit`.
fn leaf_parent_hash(l: &LeafNode) -> Option<&[u8]> {
    match &l.leaf_node_source {
        LeafNodeSource::Commit(ph) => Some(ph.as_slice()),
        _ => None,
    }
}

/// The `parent_hash` field of node `x` (a leaf's only for commit sources).
pub(crate) fn node_parent_hash(tree: &impl TreeRead, x: NodeIndex) -> Option<&[u8]> {
    match x.leaf() {
        Some(l) => tree.leaf(l).and_then(leaf_parent_hash),
        None => tree.parent(x).map(|p| p.parent_hash.as_slice()),
    }
}

fn subtree_contains(x: NodeIndex, leaf: u32) -> bool {
    tree_math::is_ancestor_or_self(x, LeafIndex(leaf).node())
}

impl RatchetTree {
    /// The tree hash of subtree `x` with the leaves in `excluded` blanked and
    /// removed from every unmerged list (the "original sibling tree hash" of
    /// RFC 9420 §7.9). Uses the cache for subtrees without excluded leaves.
    ///
    /// `excluded` comes from a received tree (a parent's unmerged leaves):
    /// it is sorted once, and every membership test is a binary search, so
    /// a parent with u unmerged leaves costs O(u log n log u), not O(u²).
    pub fn original_tree_hash(
        &self,
        cs: &dyn CipherSuiteProvider,
        x: NodeIndex,
        excluded: &[u32],
    ) -> Result<Digest, Error> {
        let mut sorted = excluded.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        self.original_tree_hash_sorted(cs, x, &sorted)
    }

    fn original_tree_hash_sorted(
        &self,
        cs: &dyn CipherSuiteProvider,
        x: NodeIndex,
        excluded: &[u32],
    ) -> Result<Digest, Error> {
        // The leaves below `x` are a contiguous range of leaf indices.
        // (In u64: no shift can overflow, whatever the index.)
        let level = tree_math::level(x);
        let first = (u64::from(x.0) >> (level + 1)) << level;
        let end = first + (1u64 << level);
        let from = excluded.partition_point(|&u| u64::from(u) < first);
        if excluded.get(from).is_none_or(|&u| u64::from(u) >= end) {
            return self.compute_node_hash(cs, x);
        }
        let mut buf = Vec::new();
        match x.leaf() {
            Some(l) => {
                // Only reached when this very leaf is excluded: blank.
                tree_hash_input_leaf(l.0, None, &mut buf)?;
            }
            None => {
                let (l, r) = match (tree_math::left(x), tree_math::right(x)) {
                    (Some(l), Some(r)) => (l, r),
                    _ => return Err(crate::error::ProtocolError::LeafIndexOutOfRange.into()),
                };
                let lh = self.original_tree_hash_sorted(cs, l, excluded)?;
                let rh = self.original_tree_hash_sorted(cs, r, excluded)?;
                let node = self.parent(x).map(|p| {
                    let mut p = p.clone();
                    p.unmerged_leaves
                        .retain(|u| excluded.binary_search(u).is_err());
                    p
                });
                tree_hash_input_parent(node.as_ref(), lh.as_slice(), rh.as_slice(), &mut buf)?;
            }
        }
        Ok(cs.hash().hash(&buf))
    }

    /// True when parent `p` is parent-hash valid with respect to exactly one
    /// descendant (RFC 9420 §7.9.2, "top down").
    fn parent_hash_valid(&self, cs: &dyn CipherSuiteProvider, p: NodeIndex) -> Result<bool, Error> {
        let Some(node) = self.parent(p) else {
            return Ok(true);
        };
        let (l, r) = match (tree_math::left(p), tree_math::right(p)) {
            (Some(l), Some(r)) => (l, r),
            _ => return Ok(false),
        };
        let mut valid = 0;
        for (c, s) in [(l, r), (r, l)] {
            let osth = self.original_tree_hash(cs, s, &node.unmerged_leaves)?;
            let ph = parent_hash(
                cs,
                node.encryption_key.as_slice(),
                node.parent_hash.as_slice(),
                osth.as_slice(),
            )?;
            // D must be in resolution(C), and resolution(C) \ {D} must equal
            // P.unmerged_leaves ∩ subtree(C).
            let unmerged_in_c: Vec<NodeIndex> = node
                .unmerged_leaves
                .iter()
                .filter(|&&u| subtree_contains(c, u))
                .map(|&u| LeafIndex(u).node())
                .collect();
            let res = resolution(self, c, &[]);
            let others: Vec<NodeIndex> = res
                .iter()
                .copied()
                .filter(|n| !unmerged_in_c.contains(n))
                .collect();
            if others.len() != 1 || res.len() != unmerged_in_c.len() + 1 {
                continue;
            }
            let d = others[0];
            if node_parent_hash(self, d) == Some(ph.as_slice()) {
                valid += 1;
            }
        }
        Ok(valid == 1)
    }

    /// Validates the whole tree as a joiner must (RFC 9420 §12.4.3.1).
    pub fn validate(
        &self,
        cs: &dyn CipherSuiteProvider,
        opts: &ValidationOptions<'_>,
    ) -> Result<(), Error> {
        if let Some(want) = opts.tree_hash {
            if self.tree_hash() != Some(want) {
                return Err(TreeValidationError::TreeHashMismatch.into());
            }
        }
        let width = self.node_width();
        let mut enc_keys: BTreeSet<&[u8]> = BTreeSet::new();
        // Parents: parent-hash validity, unmerged leaves, unique keys.
        let mut x = 1u32;
        while x < width {
            let p = NodeIndex(x);
            if let Some(node) = self.parent(p) {
                if !enc_keys.insert(node.encryption_key.as_slice()) {
                    return Err(TreeValidationError::DuplicateEncryptionKey.into());
                }
                if cs
                    .hpke()
                    .validate_public_key(node.encryption_key.as_slice())
                    .is_err()
                {
                    return Err(TreeValidationError::InvalidEncryptionKey { node: x }.into());
                }
                if !self.parent_hash_valid(cs, p)? {
                    return Err(TreeValidationError::ParentHashInvalid { node: x }.into());
                }
                let mut prev: Option<u32> = None;
                for &u in &node.unmerged_leaves {
                    let bad = prev.is_some_and(|v| v >= u)
                        || self.leaf(LeafIndex(u)).is_none()
                        || !subtree_contains(p, u)
                        || LeafIndex(u).node() == p;
                    if bad {
                        return Err(TreeValidationError::UnmergedLeavesInvalid { node: x }.into());
                    }
                    prev = Some(u);
                    for a in tree_math::direct_path(LeafIndex(u).node(), self.n_leaves()) {
                        if a == p {
                            break;
                        }
                        if let Some(mid) = self.parent(a) {
                            if mid.unmerged_leaves.binary_search(&u).is_err() {
                                return Err(
                                    TreeValidationError::UnmergedLeavesInvalid { node: x }.into()
                                );
                            }
                        }
                    }
                }
            }
            x += 2;
        }
        // Leaves: keys, capabilities, signatures (batched).
        let mut sig_keys: BTreeSet<&[u8]> = BTreeSet::new();
        let mut cred_types: BTreeSet<u16> = BTreeSet::new();
        for (_, leaf) in self.members() {
            cred_types.insert(leaf.credential.credential_type().0);
        }
        let mut tbs: Vec<(usize, Vec<u8>)> = Vec::new();
        for (i, leaf) in self.members() {
            if !enc_keys.insert(leaf.encryption_key.as_slice()) {
                return Err(TreeValidationError::DuplicateEncryptionKey.into());
            }
            if cs
                .hpke()
                .validate_public_key(leaf.encryption_key.as_slice())
                .is_err()
            {
                return Err(TreeValidationError::InvalidEncryptionKey { node: i.node().0 }.into());
            }
            if !sig_keys.insert(leaf.signature_key.as_slice()) {
                return Err(TreeValidationError::DuplicateSignatureKey.into());
            }
            validate_leaf_capabilities(leaf, i, &cred_types)?;
            if let (Some(now), LeafNodeSource::KeyPackage(lt)) = (opts.now, &leaf.leaf_node_source)
            {
                if now < lt.not_before || now > lt.not_after {
                    return Err(TreeValidationError::LifetimeExpired { leaf: i.0 }.into());
                }
            }
            let group = match leaf.leaf_node_source {
                LeafNodeSource::KeyPackage(_) => None,
                _ => Some((opts.group_id, i.0)),
            };
            let content = leaf.tbs(group)?;
            tbs.push((i.0 as usize, sign_content_bytes(b"LeafNodeTBS", &content)?));
        }
        let items: Vec<VerifyItem<'_>> = tbs
            .iter()
            .filter_map(|(i, msg)| {
                self.leaf(LeafIndex(*i as u32)).map(|l| VerifyItem {
                    public_key: l.signature_key.as_slice(),
                    message: msg,
                    signature: l.signature.as_slice(),
                })
            })
            .collect();
        crate::crypto::verify_all(cs.signature(), &items)
            .map_err(|_| Error::from(TreeValidationError::LeafSignatureInvalid))?;
        Ok(())
    }
}

/// Extension types RFC 9420 §7.2 calls default: never listed in capabilities.
fn is_default_extension(t: u16) -> bool {
    (1..=5).contains(&t)
}

/// The lifetime-independent capability checks of RFC 9420 §7.3 for one leaf.
pub(crate) fn validate_leaf_capabilities(
    leaf: &LeafNode,
    i: LeafIndex,
    cred_types_in_use: &BTreeSet<u16>,
) -> Result<(), TreeValidationError> {
    // RFC 9420 §7.3 does not ask a leaf to list the group's cipher suite
    // (deployed clients omit it), so it is not checked.
    // Sets, so that a leaf listing thousands of types costs O(k log k),
    // not O(k) per check. Each successful lookup is a distinct listed
    // type, so the loops stop after at most k + 1 lookups.
    let caps = &leaf.capabilities;
    let credentials = crate::group::Listed::new(&caps.credentials);
    for t in cred_types_in_use {
        if !credentials.contains(&crate::messages::CredentialType(*t)) {
            return Err(TreeValidationError::CredentialTypeUnsupported { leaf: i.0 });
        }
    }
    let extensions = crate::group::Listed::new(&caps.extensions);
    for e in &leaf.extensions {
        if !is_default_extension(e.extension_type)
            && !extensions.contains(&crate::messages::ExtensionType(e.extension_type))
        {
            return Err(TreeValidationError::ExtensionNotInCapabilities { leaf: i.0 });
        }
    }
    Ok(())
}
