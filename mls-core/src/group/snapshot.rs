//! Versioned group-state snapshots: `to_bytes` after every successful call,
//! `from_bytes` to resume. A pending own commit is not part of a snapshot:
//! merge or discard it before persisting, or re-create it after loading.
//!
//! Version 3 (written) carries the whole member state, so that a restored
//! member behaves exactly like the original, and no secret the RFC says to
//! delete: the epoch's `encryption_secret` is not stored (version 2 stored
//! it; RFC 9420 §9.2: with it, every message key of the epoch could be
//! re-derived, including keys of messages already read). Versions 2 and 3
//! carry, beyond version 1:
//! - the private leaf keys of our own Update proposals of this epoch, for a
//!   commit that applies one (RFC 9420 §12.1.2);
//! - the past epochs kept for late application messages (§15.3, config
//!   `max_past_epochs`), with their ratchets as consumed so far: a message
//!   read before the snapshot is still refused as a replay after it;
//! - the ReInit the group was closed with (§11.2), for
//!   [`Group::reinit_successor`].
//!
//! Version 1 snapshots still load; they hold none of these, so a member
//! restored from one reads only the current epoch, cannot apply its own
//! pending Update and has no ReInit.
//!
//! Layout (integers big-endian; `opaque<V>` as in RFC 9420 §2.1.2;
//! GroupContext, RatchetTree, Proposal, Sender, ReInit in their wire
//! encodings; a `SecretTree` as written by `SecretTree::write_state`):
//!
//! ```text
//! "MLSG" u16 version
//! GroupContext; RatchetTree; opaque interim_transcript_hash<V>;
//! opaque confirmation_tag<V>; u32 own_leaf; opaque leaf_key<V>;
//! u32 n, n * { u32 node; opaque path_key<V> }; opaque signature_key<V>;
//! 8 * opaque epoch_secret<V>  (version 3: Table 4 of §8 in order, without
//!                              encryption_secret; versions 1-2: 9, with it);
//! SecretTree;
//! u32 n, n * { opaque reference<V>; Proposal; Sender };
//! u32 n, n * { u64 epoch; opaque resumption_psk<V> };
//! u32 max_forward_distance; u32 out_of_order_tolerance;
//! u32 max_resumption_psks; u8 encrypt_handshake; u8 ratchet_tree_in_welcome;
//! u32 padding_block; u32 max_past_epochs; u8 active;
//! -- versions 2 and 3 --
//! u32 n, n * { opaque update_public_key<V>; opaque update_private_key<V> };
//! u32 n, n * {                                  (past epochs, newest first)
//!     GroupContext; opaque sender_data_secret<V>; SecretTree;
//!     u32 m, m * { u32 leaf; u8 present; [opaque signature_key<V>] } };
//! u8 present; [ReInit]
//! -- version 3 only --
//! u8[3] proposal_policy (member, external sender, new member: 0 refuse,
//!       1 cache, 2 cache and commit); u32 max_leaves;
//! u32 max_message_bytes; u32 max_vector_entries; u32 max_cached_proposals
//! ```
//!
//! Booleans of version 2 fields are 0 or 1; counts are checked against the
//! remaining input before anything is read or allocated for them.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;

use super::{CachedProposal, Group, GroupConfig, MemberSigner, PastEpoch, suite};
use crate::codec::{Encode, Reader, length_header_len, write_opaque};
use crate::crypto::{CryptoProvider, HpkePrivateKey, Secret, SecretVec, SignaturePrivateKey};
use crate::error::{Error, UsageError};
use crate::key_schedule::EpochSecrets;
use crate::messages::group_context::GroupContext;
use crate::messages::{Proposal, ReInit, Sender};
use crate::secret_tree::{RatchetConfig, SecretTree};
use crate::tree::RatchetTree;
use crate::tree_math::{LeafIndex, NodeIndex};
use crate::treekem::TreeKemPrivate;

const MAGIC: &[u8; 4] = b"MLSG";
/// The epoch record of incremental storage: a snapshot without the tree's
/// nodes and the secret tree's nodes and ratchets, which are records of
/// their own ([`super::persist`]).
const EPOCH_MAGIC: &[u8; 4] = b"MLSE";
/// The version [`Group::to_bytes`] writes.
const VERSION: u16 = 3;
/// Version 2: as 3, plus the epoch's `encryption_secret`.
const VERSION_2: u16 = 2;
/// The first version: no pending updates, past epochs or ReInit.
const VERSION_1: u16 = 1;

/// Bytes of an `opaque<V>` holding `len` bytes.
fn opaque_len(len: usize) -> usize {
    length_header_len(len) + len
}

fn invalid() -> Error {
    Error::from(UsageError::InvalidSnapshot)
}

/// A version-2 boolean: exactly 0 or 1.
fn flag(r: &mut Reader<'_>) -> Result<bool, Error> {
    match r.u8()? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(invalid()),
    }
}

/// The epoch secrets a snapshot keeps: all but `encryption_secret`, which
/// lives on only in the secret tree (RFC 9420 §9.2).
fn secrets_of(s: &EpochSecrets) -> [&Secret; 8] {
    [
        &s.sender_data_secret,
        &s.exporter_secret,
        &s.external_secret,
        &s.confirmation_key,
        &s.membership_key,
        &s.resumption_psk,
        &s.epoch_authenticator,
        &s.init_secret,
    ]
}

impl Group {
    /// The whole member state, versioned. It contains private keys and
    /// secrets: the result zeroizes on drop; store it encrypted.
    pub fn to_bytes(&self) -> Result<SecretVec, Error> {
        self.write_snapshot(VERSION, false)
    }

    /// The state in an older snapshot version (1 or 2), to test that
    /// those still load. Their `encryption_secret` field is written as
    /// zeros: the group no longer holds that secret, and loading drops it.
    /// Test builds only (feature `test-utils`).
    #[cfg(feature = "test-utils")]
    #[doc(hidden)]
    pub fn to_bytes_in_version(&self, version: u16) -> Result<SecretVec, Error> {
        if !matches!(version, VERSION_1 | VERSION_2) {
            return Err(UsageError::InvalidSnapshot.into());
        }
        self.write_snapshot(version, false)
    }

    /// The epoch's `encryption_secret` as the group holds it: empty, since
    /// the secret tree took it (RFC 9420 §9.2). Test builds only.
    #[cfg(feature = "test-utils")]
    #[doc(hidden)]
    pub fn encryption_secret_for_testing(&self) -> &[u8] {
        self.secrets.encryption_secret.as_bytes()
    }

    /// The epoch record of incremental storage (see [`super::persist`]).
    pub(crate) fn epoch_record(&self) -> Result<SecretVec, Error> {
        self.write_snapshot(VERSION, true)
    }

    /// The snapshot in `version`; with `records`, the epoch record: the
    /// tree and the secret tree's nodes and ratchets left out.
    fn write_snapshot(&self, version: u16, records: bool) -> Result<SecretVec, Error> {
        if self.pending.is_some() {
            return Err(UsageError::CommitPending.into());
        }
        // Public parts first, in ordinary buffers; then one zeroizing buffer
        // sized up front so that it never reallocates (a reallocation would
        // leave an unzeroized copy of the secrets behind).
        let p = self.snapshot_public(version, records)?;
        let mut out = SecretVec::new(Vec::with_capacity(self.snapshot_bound(&p)));
        let o = out.vec_mut();
        let capacity = o.capacity();
        o.extend_from_slice(&p.public);
        self.write_private_state(o, version, &p.cached, records)?;
        if version != VERSION_1 {
            self.write_version_2(o, version, &p)?;
        }
        debug_assert_eq!(o.capacity(), capacity, "snapshot buffer reallocated");
        Ok(out)
    }

    /// The public parts of a snapshot: the header, context, tree and
    /// transcript; the cached proposals; the past epochs' public halves
    /// and the ReInit (version 2).
    fn snapshot_public(&self, version: u16, records: bool) -> Result<SnapshotPublic, Error> {
        let mut public = Vec::new();
        public.extend_from_slice(if records { EPOCH_MAGIC } else { MAGIC });
        public.extend_from_slice(&version.to_be_bytes());
        self.context.encode_into(&mut public)?;
        if records {
            public.push(0); // an empty node vector: the nodes are records
        } else {
            public.extend_from_slice(&crate::tree::encode_ratchet_tree(&self.tree)?);
        }
        write_opaque(&self.interim_transcript_hash, &mut public)?;
        write_opaque(&self.confirmation_tag, &mut public)?;
        let mut cached = Vec::new();
        cached.extend_from_slice(&(self.proposals.len() as u32).to_be_bytes());
        for p in self.proposals.iter() {
            write_opaque(&p.reference, &mut cached)?;
            p.proposal.encode_into(&mut cached)?;
            p.sender.encode_into(&mut cached)?;
        }
        // Version 2 parts: the public halves of the past epochs and the
        // ReInit, encoded here; their secrets go straight into `out`.
        let mut past_public = Vec::with_capacity(self.past_epochs.len());
        for p in &self.past_epochs {
            let context = p.context.encode()?;
            let mut changed = Vec::new();
            changed.extend_from_slice(&(p.changed.len() as u32).to_be_bytes());
            for (leaf, key) in &p.changed {
                changed.extend_from_slice(&leaf.to_be_bytes());
                match key {
                    Some(k) => {
                        changed.push(1);
                        write_opaque(k, &mut changed)?;
                    }
                    None => changed.push(0),
                }
            }
            past_public.push((context, changed));
        }
        let mut reinit = Vec::new();
        match &self.reinit {
            Some(ri) => {
                reinit.push(1);
                ri.encode_into(&mut reinit)?;
            }
            None => reinit.push(0),
        }
        Ok(SnapshotPublic {
            public,
            cached,
            past: past_public,
            reinit,
        })
    }

    /// An upper bound of a snapshot's length: every variable-length part
    /// by its actual length; the fixed-size fields (leaf index, counts,
    /// config, flags: 43 bytes) within 64.
    fn snapshot_bound(&self, p: &SnapshotPublic) -> usize {
        // Every variable-length part by its actual length; the fixed-size
        // fields (leaf index, counts, config, flags: 43 bytes) within 64.
        p.public.len()
            + opaque_len(self.private.leaf_key.as_bytes().len())
            + self
                .private
                .path_keys
                .values()
                .map(|k| 4 + opaque_len(k.as_bytes().len()))
                .sum::<usize>()
            + opaque_len(self.signer.key().map_or(0, |k| k.as_bytes().len()))
            + secrets_of(&self.secrets)
                .iter()
                .map(|s| opaque_len(s.len()))
                .sum::<usize>()
            + self.secret_tree.state_len_bound()
            + p.cached.len()
            + self
                .resumption_psks
                .iter()
                .map(|(_, s)| 8 + opaque_len(s.len()))
                .sum::<usize>()
            + self
                .pending_updates
                .iter()
                .map(|(pk, sk)| opaque_len(pk.len()) + opaque_len(sk.as_bytes().len()))
                .sum::<usize>()
            + self
                .past_epochs
                .iter()
                .zip(&p.past)
                .map(|(e, (context, changed))| {
                    context.len()
                        + opaque_len(e.sender_data_secret.len())
                        + e.secret_tree.state_len_bound()
                        + changed.len()
                })
                .sum::<usize>()
            + p.reinit.len()
            // Versions 1-2: the zero encryption_secret.
            + opaque_len(self.secrets.init_secret.len())
            + 64
    }

    /// Our private TreeKEM state, signature key, epoch secrets, secret
    /// tree, cached proposals, resumption PSKs, config and flag (version 1
    /// layout).
    fn write_private_state(
        &self,
        o: &mut Vec<u8>,
        version: u16,
        cached: &[u8],
        records: bool,
    ) -> Result<(), Error> {
        o.extend_from_slice(&self.private.own_leaf.0.to_be_bytes());
        write_opaque(self.private.leaf_key.as_bytes(), o)?;
        o.extend_from_slice(&(self.private.path_keys.len() as u32).to_be_bytes());
        for (x, k) in &self.private.path_keys {
            o.extend_from_slice(&x.0.to_be_bytes());
            write_opaque(k.as_bytes(), o)?;
        }
        write_opaque(self.signer.key().map_or(&[][..], |k| k.as_bytes()), o)?;
        for (i, s) in secrets_of(&self.secrets).into_iter().enumerate() {
            if i == 1 && version != VERSION {
                write_opaque(&[0; crate::crypto::MAX_HASH_LEN][..s.len()], o)?;
            }
            write_opaque(s.as_bytes(), o)?;
        }
        if records {
            self.secret_tree.write_header(o);
        } else {
            self.secret_tree.write_state(o)?;
        }
        o.extend_from_slice(cached);
        o.extend_from_slice(&(self.resumption_psks.len() as u32).to_be_bytes());
        for (e, s) in &self.resumption_psks {
            o.extend_from_slice(&e.to_be_bytes());
            write_opaque(s.as_bytes(), o)?;
        }
        let c = &self.config;
        o.extend_from_slice(&c.ratchet.max_forward_distance.to_be_bytes());
        o.extend_from_slice(&c.ratchet.out_of_order_tolerance.to_be_bytes());
        o.extend_from_slice(&saturating_u32(c.max_resumption_psks).to_be_bytes());
        o.push(u8::from(c.encrypt_handshake));
        o.push(u8::from(c.ratchet_tree_in_welcome));
        o.extend_from_slice(
            &saturating_u32(c.padding_block.min(super::MAX_PADDING_BLOCK)).to_be_bytes(),
        );
        o.extend_from_slice(&saturating_u32(c.max_past_epochs).to_be_bytes());
        o.push(u8::from(self.active));
        Ok(())
    }

    /// Version 2: pending Update keys, past epochs, the ReInit; version 3:
    /// the proposal policy and limits.
    fn write_version_2(
        &self,
        o: &mut Vec<u8>,
        version: u16,
        p: &SnapshotPublic,
    ) -> Result<(), Error> {
        o.extend_from_slice(&(self.pending_updates.len() as u32).to_be_bytes());
        for (pk, sk) in &self.pending_updates {
            write_opaque(pk, o)?;
            write_opaque(sk.as_bytes(), o)?;
        }
        o.extend_from_slice(&(self.past_epochs.len() as u32).to_be_bytes());
        for (e, (context, changed)) in self.past_epochs.iter().zip(&p.past) {
            o.extend_from_slice(context);
            write_opaque(e.sender_data_secret.as_bytes(), o)?;
            e.secret_tree.write_state(o)?;
            o.extend_from_slice(changed);
        }
        o.extend_from_slice(&p.reinit);
        let c = &self.config;
        if version == VERSION {
            o.extend_from_slice(&c.proposal_policy.encode());
            let l = &c.limits;
            o.extend_from_slice(&l.max_leaves.to_be_bytes());
            o.extend_from_slice(&saturating_u32(l.max_message_bytes).to_be_bytes());
            o.extend_from_slice(&l.max_vector_entries.to_be_bytes());
            o.extend_from_slice(&l.max_cached_proposals.to_be_bytes());
        }
        Ok(())
    }

    /// Restores a group from [`Group::to_bytes`] (version 2, or version 1
    /// without pending updates, past epochs and ReInit). Recomputes the
    /// tree-hash cache (O(n)) and checks it against the stored GroupContext.
    /// Malformed or truncated input is an error, never a panic. A snapshot
    /// of a member with an external signer holds no key: restore it with
    /// [`Group::from_bytes_with_signer`].
    pub fn from_bytes(provider: &dyn CryptoProvider, bytes: &[u8]) -> Result<Self, Error> {
        Self::restore(provider, bytes, None, None)
    }

    /// [`Group::from_bytes`] for a member that signs with an external
    /// [`Signer`](crate::crypto::Signer) (the snapshot holds no key). A
    /// snapshot that holds a key keeps signing with it.
    pub fn from_bytes_with_signer(
        provider: &dyn CryptoProvider,
        bytes: &[u8],
        signer: alloc::sync::Arc<dyn crate::crypto::Signer>,
    ) -> Result<Self, Error> {
        Self::restore(provider, bytes, Some(signer), None)
    }

    /// Restores a snapshot, or with `records` an epoch record and the
    /// records beside it.
    pub(crate) fn restore(
        provider: &dyn CryptoProvider,
        bytes: &[u8],
        external: Option<alloc::sync::Arc<dyn crate::crypto::Signer>>,
        records: Option<&super::persist::GroupRecords>,
    ) -> Result<Self, Error> {
        let bad = invalid;
        let mut r = Reader::new(bytes);
        if r.take(4)?
            != if records.is_some() {
                EPOCH_MAGIC
            } else {
                MAGIC
            }
        {
            return Err(bad());
        }
        let v = r.take(2)?;
        let version = u16::from_be_bytes([v[0], v[1]]);
        if !matches!(version, VERSION | VERSION_2 | VERSION_1) {
            return Err(bad());
        }
        let context: GroupContext = r.value()?;
        let cs = suite(provider, context.cipher_suite)?;
        // Decoded straight into the tree (a blank costs one pointer).
        let nodes = r.vector()?;
        let tree = match records {
            None => RatchetTree::from_wire(cs, nodes, 1 << 31).map_err(|_| bad())?,
            Some(_) if nodes != [0] => return Err(bad()), // an empty vector
            Some(rec) => rec.tree(cs)?,
        };
        if tree.tree_hash() != Some(context.tree_hash.as_slice()) {
            return Err(bad());
        }
        let interim_transcript_hash = r.opaque()?.to_vec();
        let confirmation_tag = r.opaque()?.to_vec();
        let own_leaf = LeafIndex(r.u32()?);
        let leaf_key = HpkePrivateKey::from_slice(r.opaque()?);
        let mut path_keys = BTreeMap::new();
        for _ in 0..r.count(5)? {
            let x = NodeIndex(r.u32()?);
            path_keys.insert(x, HpkePrivateKey::from_slice(r.opaque()?));
        }
        // An empty key: the member signs with an external signer.
        let signer = match (r.opaque()?, external) {
            ([], Some(s)) => MemberSigner::External(s),
            ([], None) => return Err(UsageError::SignerRequired.into()),
            (key, _) => MemberSigner::InMemory(SignaturePrivateKey::from_slice(key)),
        };
        let secrets = read_epoch_secrets(&mut r, cs.kdf().nh(), version)?;
        let mut secret_tree = SecretTree::read_state(&mut r)?;
        if let Some(rec) = records {
            rec.fill_secret_tree(&mut secret_tree)?;
        }
        let proposals = read_cached_proposals(&mut r)?;
        let mut resumption_psks = VecDeque::new();
        for _ in 0..r.count(9)? {
            let e = r.u64()?;
            resumption_psks.push_back((e, read_secret(&mut r, cs.kdf().nh())?));
        }
        let mut config = read_config(&mut r)?;
        let active = r.u8()? != 0;
        let (pending_updates, past_epochs, reinit) = if version == VERSION_1 {
            (Vec::new(), VecDeque::new(), None)
        } else {
            read_v2_state(&mut r, &context, &config)?
        };
        if version == VERSION {
            read_policy_and_limits(&mut r, &mut config)?;
        }
        if !r.is_empty() {
            return Err(bad());
        }
        let n_leaves = crate::tree::TreeRead::n_leaves(&tree);
        // We are in the tree while active; our parent keys sit on parent
        // nodes inside it; the secret tree spans its leaves; padding is
        // bounded; merging a ReInit commit closed the group (RFC 9420
        // §11.2).
        if (active && crate::tree::TreeRead::leaf(&tree, own_leaf).is_none())
            || path_keys
                .keys()
                .any(|x| x.is_leaf() || x.0 >= crate::tree_math::node_width(n_leaves))
            || (active && secret_tree.n_leaves() != n_leaves)
            || config.padding_block > super::MAX_PADDING_BLOCK
            || (reinit.is_some() && active)
        {
            return Err(bad());
        }
        Ok(Self {
            context,
            tree,
            interim_transcript_hash,
            confirmation_tag,
            private: TreeKemPrivate {
                own_leaf,
                leaf_key,
                path_keys,
            },
            signer,
            secrets,
            secret_tree,
            proposals,
            resumption_psks,
            config,
            pending: None,
            pending_updates,
            past_epochs,
            reinit,
            active,
            dirty: alloc::boxed::Box::new(super::persist::Dirty::all()),
        })
    }
}

/// One epoch secret: Nh bytes long (RFC 9420 §8).
fn read_secret(r: &mut Reader<'_>, nh: usize) -> Result<Secret, Error> {
    let b = r.opaque()?;
    if b.len() != nh {
        return Err(invalid());
    }
    Ok(Secret::from_slice(b)?)
}

/// The epoch secrets. Versions 1 and 2 also stored encryption_secret,
/// second; it is read and dropped (the stored secret tree already holds
/// what is left of it).
fn read_epoch_secrets(r: &mut Reader<'_>, nh: usize, version: u16) -> Result<EpochSecrets, Error> {
    let count = if version == VERSION { 8 } else { 9 };
    let mut s: Vec<Secret> = Vec::with_capacity(9);
    for i in 0..count {
        let v = read_secret(r, nh)?;
        if !(count == 9 && i == 1) {
            s.push(v);
        }
    }
    let mut it = s.into_iter();
    let mut next = || it.next().ok_or_else(invalid);
    Ok(EpochSecrets {
        sender_data_secret: next()?,
        encryption_secret: Secret::empty(),
        exporter_secret: next()?,
        external_secret: next()?,
        confirmation_key: next()?,
        membership_key: next()?,
        resumption_psk: next()?,
        epoch_authenticator: next()?,
        init_secret: next()?,
    })
}

/// The cached proposals; a reference cached twice is not a state we
/// write.
fn read_cached_proposals(r: &mut Reader<'_>) -> Result<super::proposals::ProposalCache, Error> {
    let mut proposals = super::proposals::ProposalCache::default();
    for _ in 0..r.count(1)? {
        let reference = r.opaque()?.to_vec();
        let proposal: Proposal = r.value()?;
        let sender: Sender = r.value()?;
        if !proposals.push(CachedProposal {
            reference,
            proposal,
            sender,
        }) {
            return Err(invalid());
        }
    }
    Ok(proposals)
}

/// The version-1 part of the config (the rest keeps its defaults).
fn read_config(r: &mut Reader<'_>) -> Result<GroupConfig, Error> {
    Ok(GroupConfig {
        ratchet: RatchetConfig {
            max_forward_distance: r.u32()?,
            out_of_order_tolerance: r.u32()?,
        },
        max_resumption_psks: r.u32()? as usize,
        encrypt_handshake: r.u8()? != 0,
        ratchet_tree_in_welcome: r.u8()? != 0,
        padding_block: r.u32()? as usize,
        max_past_epochs: r.u32()? as usize,
        ..GroupConfig::default()
    })
}

/// Version 3: the proposal policy and the limits.
fn read_policy_and_limits(r: &mut Reader<'_>, config: &mut GroupConfig) -> Result<(), Error> {
    let p = r.take(3)?;
    config.proposal_policy =
        super::ProposalPolicy::decode([p[0], p[1], p[2]]).ok_or_else(invalid)?;
    config.limits = super::Limits {
        max_leaves: r.u32()?,
        max_message_bytes: r.u32()? as usize,
        max_vector_entries: r.u32()?,
        max_cached_proposals: r.u32()?,
    };
    Ok(())
}

/// A count for the snapshot: values past u32::MAX mean "unbounded" and
/// are stored as u32::MAX rather than silently wrapped.
fn saturating_u32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// What version 2 adds to version 1.
type V2State = (
    Vec<(Vec<u8>, HpkePrivateKey)>,
    VecDeque<PastEpoch>,
    Option<ReInit>,
);

/// Reads the version-2 fields. Past epochs must be of the same group and
/// suite, strictly older than `context` and newest first, and no more than
/// `config.max_past_epochs` (what the original could have kept).
fn read_v2_state(
    r: &mut Reader<'_>,
    context: &GroupContext,
    config: &GroupConfig,
) -> Result<V2State, Error> {
    let mut pending_updates = Vec::new();
    for _ in 0..r.count(2)? {
        let pk = r.opaque()?.to_vec();
        let sk = HpkePrivateKey::from_slice(r.opaque()?);
        pending_updates.push((pk, sk));
    }
    let n = r.count(1)?;
    if n as usize > config.max_past_epochs {
        return Err(invalid());
    }
    let mut past_epochs = VecDeque::new();
    let mut newer = context.epoch;
    for _ in 0..n {
        let past: GroupContext = r.value()?;
        if past.group_id != context.group_id
            || past.version != context.version
            || past.cipher_suite != context.cipher_suite
            || past.epoch >= newer
        {
            return Err(invalid());
        }
        newer = past.epoch;
        let sender_data_secret = Secret::from_slice(r.opaque()?)?;
        let secret_tree = SecretTree::read_state(r)?;
        let mut changed = BTreeMap::new();
        let mut last: Option<u32> = None;
        for _ in 0..r.count(5)? {
            let leaf = r.u32()?;
            // Written in map order: strictly increasing, no duplicates.
            if last.is_some_and(|l| leaf <= l) {
                return Err(invalid());
            }
            last = Some(leaf);
            let key = if flag(r)? {
                Some(r.opaque()?.to_vec())
            } else {
                None
            };
            changed.insert(leaf, key);
        }
        past_epochs.push_back(PastEpoch {
            context: past,
            secret_tree,
            sender_data_secret,
            changed,
        });
    }
    let reinit = if flag(r)? {
        Some(r.value::<ReInit>()?)
    } else {
        None
    };
    Ok((pending_updates, past_epochs, reinit))
}

/// The public parts of a snapshot, encoded before the secret buffer is
/// sized.
struct SnapshotPublic {
    public: Vec<u8>,
    cached: Vec<u8>,
    past: Vec<(Vec<u8>, Vec<u8>)>,
    reinit: Vec<u8>,
}
