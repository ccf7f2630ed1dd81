//! Incremental persistence: a group's state as records, and what changed
//! since it was last saved.
//!
//! A snapshot ([`Group::to_bytes`]) rewrites the whole state, tree
//! included, after every call: O(n) bytes for each application message.
//! Incremental storage keeps four kinds of records per group instead:
//! - the **epoch record**: the snapshot without the tree and without the
//!   secret tree's nodes and ratchets (context, transcript, private keys,
//!   epoch secrets, cached proposals, past epochs, config);
//! - one **tree node** record per non-blank node (`optional<Node>`, RFC
//!   9420 §12.4.3.3);
//! - one **secret node** record per secret-tree node not yet consumed
//!   (RFC 9420 §9);
//! - one **ratchet** record per sender leaf whose ratchets started (§9.1).
//!
//! [`Group::changes`] names what changed since [`Group::mark_saved`]:
//! reading an application message changes one ratchet record and the
//! secret nodes on its leaf's path (the consumed ones are deleted: a key
//! that is gone cannot leak, §9.2); a commit rewrites the epoch record,
//! the tree nodes it changed and the new epoch's secret tree (one node).
//!
//! The rule for the application: after every call that returns `Ok`,
//! write [`Group::changes`] in one transaction, then call
//! [`Group::mark_saved`]. If the write fails, drop the group and restore it
//! from the store with [`Group::from_records`]: the store still holds the
//! state before the call. A pending commit is never in the records: it is
//! lost with the process, as it would be on the wire.

use alloc::collections::BTreeSet;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::Group;
use crate::crypto::{CipherSuiteProvider, CryptoProvider, SecretVec, Signer};
use crate::error::{Error, UsageError};
use crate::secret_tree::{SecretTree, SecretTreeUpdate};
use crate::tree::{RatchetTree, TreeDiff, TreeRead};
use crate::tree_math::{self, NodeIndex};

/// What changed in a group since it was last saved: apply it to the
/// group's records in one transaction, in field order.
#[derive(Debug, Default)]
#[must_use]
pub struct GroupChanges {
    /// The group.
    pub group_id: Vec<u8>,
    /// Delete every record of the group first (a new or re-saved group).
    pub replace_all: bool,
    /// The new epoch record, if it changed.
    pub epoch: Option<SecretVec>,
    /// Delete every tree node record at or past this node index (the tree
    /// shrank).
    pub tree_width: Option<u32>,
    /// Tree node records to write (`Some`) or delete (`None`, a blank).
    pub tree: Vec<(u32, Option<Vec<u8>>)>,
    /// Delete every secret node and ratchet record first (a new epoch's
    /// secret tree).
    pub clear_secret_tree: bool,
    /// Secret node records to write or delete (consumed).
    pub secret_nodes: Vec<(u32, Option<SecretVec>)>,
    /// Ratchet records to write or delete.
    pub ratchets: Vec<(u32, Option<SecretVec>)>,
}

impl GroupChanges {
    /// True when nothing needs writing.
    pub fn is_empty(&self) -> bool {
        !self.replace_all
            && self.epoch.is_none()
            && self.tree_width.is_none()
            && self.tree.is_empty()
            && !self.clear_secret_tree
            && self.secret_nodes.is_empty()
            && self.ratchets.is_empty()
    }

    /// Bytes of record values written (a measure of write cost).
    pub fn bytes_written(&self) -> usize {
        let opt = |v: &Option<SecretVec>| v.as_ref().map_or(0, |s| s.len());
        self.epoch.as_ref().map_or(0, |e| e.len())
            + self
                .tree
                .iter()
                .map(|(_, v)| v.as_ref().map_or(0, Vec::len))
                .sum::<usize>()
            + self.secret_nodes.iter().map(|(_, v)| opt(v)).sum::<usize>()
            + self.ratchets.iter().map(|(_, v)| opt(v)).sum::<usize>()
    }
}

/// A group's records as a store reads them back.
#[derive(Debug, Default)]
pub struct GroupRecords {
    /// The epoch record.
    pub epoch: SecretVec,
    /// The tree node records, by node index.
    pub tree: Vec<(u32, Vec<u8>)>,
    /// The secret node records, by node index.
    pub secret_nodes: Vec<(u32, SecretVec)>,
    /// The ratchet records, by leaf index.
    pub ratchets: Vec<(u32, SecretVec)>,
}

impl GroupRecords {
    /// The ratchet tree of the node records, decoded as a `ratchet_tree`
    /// extension would be (the same bounded decoder and shape checks).
    pub(crate) fn tree(&self, cs: &dyn CipherSuiteProvider) -> Result<RatchetTree, Error> {
        let bad = || Error::from(UsageError::InvalidSnapshot);
        let mut nodes: Vec<(u32, &[u8])> =
            self.tree.iter().map(|(x, b)| (*x, b.as_slice())).collect();
        nodes.sort_unstable_by_key(|(x, _)| *x);
        // The last node is not blank: the width is the last index + 1,
        // within a tree of 2^31 leaves.
        let width = nodes.last().map_or(0, |(x, _)| x.saturating_add(1));
        if width > tree_math::node_width(1 << 31) {
            return Err(bad());
        }
        let mut body = Vec::new();
        let mut next = 0u32;
        for (x, b) in nodes {
            if x < next {
                return Err(bad()); // a node twice
            }
            body.resize(body.len() + (x - next) as usize, 0); // blanks
            body.extend_from_slice(b);
            next = x + 1;
        }
        let mut wire = Vec::with_capacity(body.len() + 4);
        crate::codec::write_length(body.len(), &mut wire)?;
        wire.extend_from_slice(&body);
        RatchetTree::from_wire(cs, &wire, 1 << 31).map_err(|_| bad())
    }

    /// Puts the secret node and ratchet records into a secret tree read
    /// from the epoch record (which holds only its size and config).
    pub(crate) fn fill_secret_tree(&self, st: &mut SecretTree) -> Result<(), Error> {
        for (x, s) in &self.secret_nodes {
            st.restore_node(*x, s.as_bytes())?;
        }
        for (leaf, r) in &self.ratchets {
            st.restore_ratchets(*leaf, r.as_bytes())?;
        }
        Ok(())
    }
}

/// What changed since the group was last saved.
#[derive(Debug, Default)]
pub(crate) struct Dirty {
    /// Everything: the group is new to the store.
    all: bool,
    epoch: bool,
    tree: BTreeSet<u32>,
    /// The smallest tree width since the last save, if it shrank.
    shrunk_to: Option<u32>,
    secret_reset: bool,
    secret_nodes: BTreeSet<u32>,
    ratchets: BTreeSet<u32>,
}

impl Dirty {
    /// A group new to the store.
    pub(crate) fn all() -> Self {
        Self {
            all: true,
            ..Self::default()
        }
    }

    /// The epoch record changed (cached proposals, pending updates, past
    /// epochs, flags).
    pub(crate) fn epoch(&mut self) {
        self.epoch = true;
    }

    /// A commit is merged: a new epoch record and secret tree, and the
    /// tree nodes `diff` changes on a tree of `old_width` nodes.
    pub(crate) fn merge(&mut self, diff: &TreeDiff, old_width: u32) {
        self.epoch = true;
        self.secret_reset = true;
        self.secret_nodes.clear();
        self.ratchets.clear();
        self.tree.extend(diff.changed_nodes());
        let new_width = tree_math::node_width(diff.n_leaves());
        if new_width < old_width {
            self.shrunk_to = Some(self.shrunk_to.map_or(new_width, |w| w.min(new_width)));
        }
    }

    /// A key derivation of the current epoch's secret tree is applied.
    fn secret_update(&mut self, u: &SecretTreeUpdate) {
        self.ratchets.insert(u.leaf());
        self.secret_nodes.extend(u.touched_nodes());
    }
}

impl Group {
    /// Applies a key derivation to the current secret tree and notes what
    /// it changed for incremental storage.
    pub(crate) fn apply_secret_update(&mut self, u: SecretTreeUpdate) -> Result<(), Error> {
        self.dirty.secret_update(&u);
        self.secret_tree.apply(u)
    }

    /// What changed since the last [`Group::mark_saved`] (everything for a
    /// group new to the store), as records to write in one transaction.
    /// Fails while a commit is pending: persist before committing or after
    /// merging (see the module docs).
    pub fn changes(&self) -> Result<GroupChanges, Error> {
        if self.pending.is_some() {
            return Err(UsageError::CommitPending.into());
        }
        let d = &self.dirty;
        let mut c = GroupChanges {
            group_id: self.context.group_id.as_slice().to_vec(),
            replace_all: d.all,
            ..GroupChanges::default()
        };
        if d.all || d.epoch {
            c.epoch = Some(self.epoch_record()?);
        }
        let tree_nodes: Vec<u32> = if d.all {
            (0..self.tree.node_width()).collect()
        } else {
            d.tree.iter().copied().collect()
        };
        for x in tree_nodes {
            if x < self.tree.node_width() {
                let node = crate::tree::encode_node(&self.tree, NodeIndex(x))?;
                if node.is_some() || !d.all {
                    c.tree.push((x, node));
                }
            }
        }
        c.tree_width = d.shrunk_to.filter(|_| !d.all);
        c.clear_secret_tree = d.secret_reset && !d.all;
        if d.all || d.secret_reset {
            for (x, s) in self.secret_tree.node_records() {
                c.secret_nodes
                    .push((x, Some(SecretVec::from_slice(s.as_bytes()))));
            }
            for leaf in self.secret_tree.ratchet_leaves() {
                c.ratchets
                    .push((leaf, self.secret_tree.ratchet_record(leaf)?));
            }
        } else {
            for &x in &d.secret_nodes {
                let s = self.secret_tree.node_record(x);
                c.secret_nodes
                    .push((x, s.map(|s| SecretVec::from_slice(s.as_bytes()))));
            }
            for &leaf in &d.ratchets {
                c.ratchets
                    .push((leaf, self.secret_tree.ratchet_record(leaf)?));
            }
        }
        Ok(c)
    }

    /// Marks the state as saved: the next [`Group::changes`] holds only
    /// what changes after this call.
    pub fn mark_saved(&mut self) {
        *self.dirty = Dirty::default();
    }

    /// Restores a group from its records ([`GroupChanges`] written by a
    /// store). Recomputes the tree hashes (O(n)) and checks them against
    /// the stored GroupContext; a member with an external signer needs it
    /// again (`signer`). Malformed records are an error, never a panic.
    pub fn from_records(
        provider: &dyn CryptoProvider,
        records: &GroupRecords,
        signer: Option<Arc<dyn Signer>>,
    ) -> Result<Self, Error> {
        let mut g = Self::restore(provider, records.epoch.as_bytes(), signer, Some(records))?;
        *g.dirty = Dirty::default();
        Ok(g)
    }
}
