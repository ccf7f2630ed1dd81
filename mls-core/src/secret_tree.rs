//! The secret tree and its per-sender hash ratchets (RFC 9420 §9), and the
//! sender-data key derivation (§6.3.2).
//!
//! Built for large groups: only the secrets still needed are stored, in a
//! sparse map. Deriving a leaf's ratchets walks O(log n) nodes down from the
//! nearest stored ancestor; consumed parents are deleted at once and their
//! other child kept (§9.2). Keys skipped over by out-of-order delivery are
//! kept up to a configurable window, and each key is deleted when used.
//!
//! Reads never mutate: [`SecretTree::decryption_key`] and
//! [`SecretTree::encryption_key`] return the key together with a
//! [`SecretTreeUpdate`], an overlay the caller applies with
//! [`SecretTree::apply`] only once the message has been accepted. A failed
//! decryption thus leaves the tree exactly as it was.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::crypto::labeled::{derive_tree_secret, expand_with_label};
use crate::crypto::{CipherSuiteProvider, Secret, SecretVec};
use crate::error::{Error, ProtocolError};
use crate::tree_math::{self, LeafIndex, NodeIndex};

/// Which of a sender's two ratchets (RFC 9420 §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatchetKind {
    /// Proposals and commits.
    Handshake,
    /// Application data.
    Application,
}

/// Limits on out-of-order delivery (RFC 9420 §9.1, §15.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RatchetConfig {
    /// How far beyond the next expected generation a message may be.
    pub max_forward_distance: u32,
    /// How many skipped keys a ratchet keeps for late messages.
    pub out_of_order_tolerance: u32,
}

impl Default for RatchetConfig {
    fn default() -> Self {
        Self {
            max_forward_distance: 1000,
            out_of_order_tolerance: 10,
        }
    }
}

/// One key and nonce of a sender ratchet.
#[derive(Debug, PartialEq, Eq)]
pub struct RatchetKey {
    /// The generation j.
    pub generation: u32,
    /// `ratchet_key_[N]_[j]`.
    pub key: Secret,
    /// `ratchet_nonce_[N]_[j]`.
    pub nonce: Secret,
}

impl RatchetKey {
    fn duplicate(&self) -> Self {
        Self {
            generation: self.generation,
            key: self.key.duplicate(),
            nonce: self.nonce.duplicate(),
        }
    }
}

/// A symmetric hash ratchet (RFC 9420 §9.1).
#[derive(Debug, PartialEq, Eq)]
pub struct HashRatchet {
    next_secret: Secret,
    next_generation: u32,
    /// Keys of generations skipped over, kept for late messages.
    skipped: BTreeMap<u32, RatchetKey>,
}

impl HashRatchet {
    fn new(secret: Secret) -> Self {
        Self {
            next_secret: secret,
            next_generation: 0,
            skipped: BTreeMap::new(),
        }
    }

    fn duplicate(&self) -> Self {
        Self {
            next_secret: self.next_secret.duplicate(),
            next_generation: self.next_generation,
            skipped: self
                .skipped
                .iter()
                .map(|(g, k)| (*g, k.duplicate()))
                .collect(),
        }
    }

    /// The next generation this ratchet will produce.
    pub fn next_generation(&self) -> u32 {
        self.next_generation
    }

    /// Derives key and nonce for the current generation and advances.
    fn step(&mut self, cs: &dyn CipherSuiteProvider) -> Result<RatchetKey, Error> {
        let info = cs.info();
        let j = self.next_generation;
        let s = self.next_secret.as_bytes();
        let key = derive_tree_secret(cs, s, b"key", j, info.nk)?;
        let nonce = derive_tree_secret(cs, s, b"nonce", j, info.nn)?;
        let next = derive_tree_secret(cs, s, b"secret", j, cs.kdf().nh())?;
        self.next_generation = j
            .checked_add(1)
            .ok_or(ProtocolError::GenerationOutOfWindow)?;
        self.next_secret = next;
        Ok(RatchetKey {
            generation: j,
            key,
            nonce,
        })
    }

    /// The key for `generation`, consuming it (and keeping the keys it skips
    /// over, within the configured tolerance).
    fn take(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        generation: u32,
        cfg: &RatchetConfig,
    ) -> Result<RatchetKey, Error> {
        if generation < self.next_generation {
            return self.skipped.remove(&generation).ok_or_else(|| {
                if self.next_generation - generation > cfg.out_of_order_tolerance {
                    ProtocolError::GenerationOutOfWindow.into()
                } else {
                    ProtocolError::SecretReused.into()
                }
            });
        }
        if generation - self.next_generation > cfg.max_forward_distance {
            return Err(ProtocolError::GenerationOutOfWindow.into());
        }
        while self.next_generation < generation {
            let k = self.step(cs)?;
            if generation - k.generation <= cfg.out_of_order_tolerance {
                self.skipped.insert(k.generation, k);
            }
        }
        let key = self.step(cs)?;
        // Forget skipped keys that fell out of the window.
        let floor = self
            .next_generation
            .saturating_sub(cfg.out_of_order_tolerance.saturating_add(1));
        self.skipped.retain(|g, _| *g >= floor);
        Ok(key)
    }
}

/// Both ratchets of one leaf.
#[derive(Debug, PartialEq, Eq)]
pub struct LeafRatchets {
    /// The handshake ratchet.
    pub handshake: HashRatchet,
    /// The application ratchet.
    pub application: HashRatchet,
}

impl LeafRatchets {
    fn get_mut(&mut self, kind: RatchetKind) -> &mut HashRatchet {
        match kind {
            RatchetKind::Handshake => &mut self.handshake,
            RatchetKind::Application => &mut self.application,
        }
    }
    fn duplicate(&self) -> Self {
        Self {
            handshake: self.handshake.duplicate(),
            application: self.application.duplicate(),
        }
    }
}

/// The changes one key derivation makes, applied by [`SecretTree::apply`].
///
/// It holds the leaf's ratchets as they are after the derivation, so it is
/// only valid against the exact state it was derived from: `base` is that
/// state's version, and [`SecretTree::apply`] refuses an update derived
/// from any other (applying it would bring back keys consumed in between,
/// RFC 9420 §9.2).
#[derive(Debug)]
pub struct SecretTreeUpdate {
    base: u64,
    leaf: LeafIndex,
    consumed_nodes: Vec<NodeIndex>,
    new_nodes: Vec<(NodeIndex, Secret)>,
    ratchets: LeafRatchets,
}

impl SecretTreeUpdate {
    /// The leaf whose ratchets change.
    pub(crate) fn leaf(&self) -> u32 {
        self.leaf.0
    }
    /// The node secrets consumed or created.
    pub(crate) fn touched_nodes(&self) -> impl Iterator<Item = u32> + '_ {
        self.consumed_nodes
            .iter()
            .map(|x| x.0)
            .chain(self.new_nodes.iter().map(|(x, _)| x.0))
    }
}

/// The secret tree of one epoch (RFC 9420 §9).
#[derive(Debug)]
pub struct SecretTree {
    n_leaves: u32,
    nodes: BTreeMap<NodeIndex, Secret>,
    ratchets: BTreeMap<LeafIndex, LeafRatchets>,
    config: RatchetConfig,
    /// Bumped by every [`SecretTree::apply`]; not part of the state.
    version: u64,
}

impl PartialEq for SecretTree {
    fn eq(&self, other: &Self) -> bool {
        self.n_leaves == other.n_leaves
            && self.nodes == other.nodes
            && self.ratchets == other.ratchets
            && self.config == other.config
    }
}
impl Eq for SecretTree {}

impl SecretTree {
    /// A secret tree for `n_leaves` leaves rooted at `encryption_secret`.
    pub fn new(encryption_secret: Secret, n_leaves: u32, config: RatchetConfig) -> Self {
        let mut nodes = BTreeMap::new();
        if n_leaves > 0 {
            nodes.insert(tree_math::root(n_leaves), encryption_secret);
        }
        Self {
            n_leaves,
            nodes,
            ratchets: BTreeMap::new(),
            config,
            version: 0,
        }
    }

    /// The number of leaves.
    pub fn n_leaves(&self) -> u32 {
        self.n_leaves
    }

    /// Derives (without storing) the ratchets of `leaf`, with the node
    /// changes that deriving them makes.
    fn leaf_ratchets(
        &self,
        cs: &dyn CipherSuiteProvider,
        leaf: LeafIndex,
    ) -> Result<SecretTreeUpdate, Error> {
        if leaf.0 >= self.n_leaves {
            return Err(ProtocolError::LeafIndexOutOfRange.into());
        }
        if let Some(r) = self.ratchets.get(&leaf) {
            return Ok(SecretTreeUpdate {
                base: self.version,
                leaf,
                consumed_nodes: Vec::new(),
                new_nodes: Vec::new(),
                ratchets: r.duplicate(),
            });
        }
        let target = leaf.node();
        // Nearest stored ancestor-or-self, searching from the leaf upward.
        let mut start = None;
        if self.nodes.contains_key(&target) {
            start = Some(target);
        } else {
            for a in tree_math::direct_path(target, self.n_leaves) {
                if self.nodes.contains_key(&a) {
                    start = Some(a);
                    break;
                }
            }
        }
        // A leaf whose ratchets were dropped (never happens while the tree
        // lives) or a tree without secrets: nothing to derive from.
        let start = start.ok_or(ProtocolError::SecretReused)?;
        let nh = cs.kdf().nh();
        let mut consumed = Vec::new();
        let mut created = Vec::new();
        let mut node = start;
        let mut secret = self
            .nodes
            .get(&start)
            .ok_or(ProtocolError::SecretReused)?
            .duplicate();
        consumed.push(start);
        while node != target {
            let (l, r) = match (tree_math::left(node), tree_math::right(node)) {
                (Some(l), Some(r)) => (l, r),
                _ => return Err(ProtocolError::LeafIndexOutOfRange.into()),
            };
            let left_secret = expand_with_label(cs, secret.as_bytes(), b"tree", b"left", nh)?;
            let right_secret = expand_with_label(cs, secret.as_bytes(), b"tree", b"right", nh)?;
            if tree_math::is_ancestor_or_self(l, target) {
                created.push((r, right_secret));
                node = l;
                secret = left_secret;
            } else {
                created.push((l, left_secret));
                node = r;
                secret = right_secret;
            }
        }
        let handshake = expand_with_label(cs, secret.as_bytes(), b"handshake", b"", nh)?;
        let application = expand_with_label(cs, secret.as_bytes(), b"application", b"", nh)?;
        Ok(SecretTreeUpdate {
            base: self.version,
            leaf,
            consumed_nodes: consumed,
            new_nodes: created,
            ratchets: LeafRatchets {
                handshake: HashRatchet::new(handshake),
                application: HashRatchet::new(application),
            },
        })
    }

    /// The key for a received message from `leaf` at `generation`, and the
    /// update that consumes it. Nothing changes until the update is applied.
    pub fn decryption_key(
        &self,
        cs: &dyn CipherSuiteProvider,
        leaf: LeafIndex,
        kind: RatchetKind,
        generation: u32,
    ) -> Result<(RatchetKey, SecretTreeUpdate), Error> {
        let mut update = self.leaf_ratchets(cs, leaf)?;
        let key = update
            .ratchets
            .get_mut(kind)
            .take(cs, generation, &self.config)?;
        Ok((key, update))
    }

    /// The next key for sending as `leaf`, and the update that consumes it.
    pub fn encryption_key(
        &self,
        cs: &dyn CipherSuiteProvider,
        leaf: LeafIndex,
        kind: RatchetKind,
    ) -> Result<(RatchetKey, SecretTreeUpdate), Error> {
        let mut update = self.leaf_ratchets(cs, leaf)?;
        let key = update.ratchets.get_mut(kind).step(cs)?;
        Ok((key, update))
    }

    /// Applies an update returned by this tree: deletes consumed secrets,
    /// stores new ones and the leaf's advanced ratchets. An update derived
    /// before another one was applied is stale and refused
    /// ([`ProtocolError::StaleSecretTreeUpdate`]); the tree is then
    /// unchanged.
    pub fn apply(&mut self, update: SecretTreeUpdate) -> Result<(), Error> {
        if update.base != self.version {
            return Err(ProtocolError::StaleSecretTreeUpdate.into());
        }
        self.version = self.version.wrapping_add(1);
        for n in update.consumed_nodes {
            self.nodes.remove(&n);
        }
        for (n, s) in update.new_nodes {
            self.nodes.insert(n, s);
        }
        self.ratchets.insert(update.leaf, update.ratchets);
        Ok(())
    }
}

impl SecretTree {
    /// An upper bound of the length of [`SecretTree::write_state`]'s output,
    /// so that a zeroizing buffer can be sized once.
    pub(crate) fn state_len_bound(&self) -> usize {
        const S: usize = 2 + 64;
        let skipped: usize = self
            .ratchets
            .values()
            .map(|r| r.handshake.skipped.len() + r.application.skipped.len())
            .sum();
        // n_leaves, the two config fields and the two counts.
        20 + self.nodes.len() * (4 + S)
            + self.ratchets.len() * (4 + 2 * (8 + S))
            + skipped * (4 + 2 * S)
    }

    /// Appends the tree's state to a snapshot.
    pub(crate) fn write_state(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        use crate::codec::write_opaque;
        out.extend_from_slice(&self.n_leaves.to_be_bytes());
        out.extend_from_slice(&self.config.max_forward_distance.to_be_bytes());
        out.extend_from_slice(&self.config.out_of_order_tolerance.to_be_bytes());
        out.extend_from_slice(&(self.nodes.len() as u32).to_be_bytes());
        for (x, s) in &self.nodes {
            out.extend_from_slice(&x.0.to_be_bytes());
            write_opaque(s.as_bytes(), out)?;
        }
        out.extend_from_slice(&(self.ratchets.len() as u32).to_be_bytes());
        for (l, r) in &self.ratchets {
            out.extend_from_slice(&l.0.to_be_bytes());
            write_leaf_ratchets(r, out)?;
        }
        Ok(())
    }

    /// The state without its nodes and ratchets: the size, the config and
    /// two zero counts (what [`SecretTree::read_state`] reads as an empty
    /// tree). Incremental storage keeps nodes and ratchets as records of
    /// their own.
    pub(crate) fn write_header(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.n_leaves.to_be_bytes());
        out.extend_from_slice(&self.config.max_forward_distance.to_be_bytes());
        out.extend_from_slice(&self.config.out_of_order_tolerance.to_be_bytes());
        out.extend_from_slice(&0u32.to_be_bytes());
        out.extend_from_slice(&0u32.to_be_bytes());
    }

    /// The unconsumed node secrets, by node index.
    pub(crate) fn node_records(&self) -> impl Iterator<Item = (u32, &Secret)> + '_ {
        self.nodes.iter().map(|(x, s)| (x.0, s))
    }

    /// The node secret at `x`, if not consumed.
    pub(crate) fn node_record(&self, x: u32) -> Option<&Secret> {
        self.nodes.get(&NodeIndex(x))
    }

    /// The leaves whose ratchets were started.
    pub(crate) fn ratchet_leaves(&self) -> impl Iterator<Item = u32> + '_ {
        self.ratchets.keys().map(|l| l.0)
    }

    /// The ratchets of `leaf`, encoded as a record, if started.
    pub(crate) fn ratchet_record(&self, leaf: u32) -> Result<Option<SecretVec>, Error> {
        let Some(r) = self.ratchets.get(&LeafIndex(leaf)) else {
            return Ok(None);
        };
        let mut out = SecretVec::new(Vec::with_capacity(ratchets_len_bound(r)));
        write_leaf_ratchets(r, out.vec_mut())?;
        Ok(Some(out))
    }

    /// Puts a node record read back from storage into the tree.
    pub(crate) fn restore_node(&mut self, x: u32, secret: &[u8]) -> Result<(), Error> {
        if x >= tree_math::node_width(self.n_leaves) {
            return Err(crate::codec::CodecError::InvalidValue.into());
        }
        self.nodes.insert(NodeIndex(x), Secret::from_slice(secret)?);
        Ok(())
    }

    /// Puts a ratchet record read back from storage into the tree.
    pub(crate) fn restore_ratchets(&mut self, leaf: u32, record: &[u8]) -> Result<(), Error> {
        if leaf >= self.n_leaves {
            return Err(crate::codec::CodecError::InvalidValue.into());
        }
        let mut r = crate::codec::Reader::new(record);
        let ratchets = read_leaf_ratchets(&mut r)?;
        if !r.is_empty() {
            return Err(crate::codec::CodecError::InvalidValue.into());
        }
        self.ratchets.insert(LeafIndex(leaf), ratchets);
        Ok(())
    }

    /// Reads a state written by [`SecretTree::write_state`].
    pub(crate) fn read_state(r: &mut crate::codec::Reader<'_>) -> Result<Self, Error> {
        let n_leaves = r.u32()?;
        // Node indices are u32: at most 2^31 leaves (node_width would
        // overflow past that).
        if n_leaves > 1 << 31 {
            return Err(crate::codec::CodecError::InvalidValue.into());
        }
        let config = RatchetConfig {
            max_forward_distance: r.u32()?,
            out_of_order_tolerance: r.u32()?,
        };
        let width = tree_math::node_width(n_leaves);
        let mut nodes = BTreeMap::new();
        for _ in 0..r.count(5)? {
            let x = r.u32()?;
            if x >= width {
                return Err(crate::codec::CodecError::InvalidValue.into());
            }
            nodes.insert(NodeIndex(x), Secret::from_slice(r.opaque()?)?);
        }
        let mut ratchets = BTreeMap::new();
        for _ in 0..r.count(22)? {
            let leaf = r.u32()?;
            if leaf >= n_leaves {
                return Err(crate::codec::CodecError::InvalidValue.into());
            }
            ratchets.insert(LeafIndex(leaf), read_leaf_ratchets(r)?);
        }
        Ok(Self {
            n_leaves,
            nodes,
            ratchets,
            config,
            version: 0,
        })
    }
}

/// One leaf's two ratchets: for each, the next generation and secret and
/// the skipped keys kept for out-of-order messages.
fn write_leaf_ratchets(r: &LeafRatchets, out: &mut Vec<u8>) -> Result<(), Error> {
    use crate::codec::write_opaque;
    for h in [&r.handshake, &r.application] {
        out.extend_from_slice(&h.next_generation.to_be_bytes());
        write_opaque(h.next_secret.as_bytes(), out)?;
        out.extend_from_slice(&(h.skipped.len() as u32).to_be_bytes());
        for (g, k) in &h.skipped {
            out.extend_from_slice(&g.to_be_bytes());
            write_opaque(k.key.as_bytes(), out)?;
            write_opaque(k.nonce.as_bytes(), out)?;
        }
    }
    Ok(())
}

/// An upper bound of [`write_leaf_ratchets`]' output.
fn ratchets_len_bound(r: &LeafRatchets) -> usize {
    const S: usize = 2 + 64;
    let skipped = r.handshake.skipped.len() + r.application.skipped.len();
    2 * (8 + S) + skipped * (4 + 2 * S)
}

/// Reads what [`write_leaf_ratchets`] wrote.
fn read_leaf_ratchets(r: &mut crate::codec::Reader<'_>) -> Result<LeafRatchets, Error> {
    let read_ratchet = |r: &mut crate::codec::Reader<'_>| -> Result<HashRatchet, Error> {
        let next_generation = r.u32()?;
        let next_secret = Secret::from_slice(r.opaque()?)?;
        let mut skipped = BTreeMap::new();
        for _ in 0..r.count(6)? {
            let generation = r.u32()?;
            let key = Secret::from_slice(r.opaque()?)?;
            let nonce = Secret::from_slice(r.opaque()?)?;
            skipped.insert(
                generation,
                RatchetKey {
                    generation,
                    key,
                    nonce,
                },
            );
        }
        Ok(HashRatchet {
            next_secret,
            next_generation,
            skipped,
        })
    };
    let handshake = read_ratchet(r)?;
    let application = read_ratchet(r)?;
    Ok(LeafRatchets {
        handshake,
        application,
    })
}

/// sender_data_key and sender_data_nonce (RFC 9420 §6.3.2): derived from the
/// first KDF.Nh bytes of the content ciphertext (or all of it if shorter).
pub fn sender_data_key_nonce(
    cs: &dyn CipherSuiteProvider,
    sender_data_secret: &Secret,
    ciphertext: &[u8],
) -> Result<(Secret, Secret), Error> {
    let info = cs.info();
    let sample = ciphertext.get(..cs.kdf().nh()).unwrap_or(ciphertext);
    let key = expand_with_label(cs, sender_data_secret.as_bytes(), b"key", sample, info.nk)?;
    let nonce = expand_with_label(cs, sender_data_secret.as_bytes(), b"nonce", sample, info.nn)?;
    Ok((key, nonce))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Reader;

    #[test]
    fn state_len_bound_covers_the_written_state() {
        for n in [0u32, 1, 5] {
            let t = SecretTree::new(
                Secret::from_slice(&[7; 64]).unwrap(),
                n,
                RatchetConfig::default(),
            );
            let mut out = Vec::new();
            t.write_state(&mut out).unwrap();
            assert!(out.len() <= t.state_len_bound(), "{n} leaves");
            let mut r = Reader::new(&out);
            assert_eq!(SecretTree::read_state(&mut r).unwrap(), t);
            assert!(r.is_empty());
        }
    }

    #[test]
    fn read_state_refuses_more_leaves_than_node_indices_allow() {
        let mut bytes = u32::MAX.to_be_bytes().to_vec();
        bytes.extend_from_slice(&[0; 16]);
        assert!(SecretTree::read_state(&mut Reader::new(&bytes)).is_err());
    }

    #[test]
    fn read_state_refuses_counts_the_input_cannot_hold() {
        // One leaf, default config, then 0xFFFFFFFF nodes and nothing else.
        let mut bytes = 1u32.to_be_bytes().to_vec();
        bytes.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1]);
        bytes.extend_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(
            SecretTree::read_state(&mut Reader::new(&bytes)),
            Err(crate::codec::CodecError::Truncated.into())
        );
    }
}
