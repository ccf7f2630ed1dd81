//! Versioned group-state snapshots: `to_bytes` after every successful call,
//! `from_bytes` to resume. A pending own commit is not part of a snapshot:
//! merge or discard it before persisting, or re-create it after loading.
//! Past epochs kept for late application messages are not saved either: a
//! restored member reads only the current epoch.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;

use super::{CachedProposal, Group, GroupConfig, suite};
use crate::codec::{Encode, Reader, write_opaque};
use crate::crypto::{CryptoProvider, HpkePrivateKey, Secret, SecretVec, SignaturePrivateKey};
use crate::error::{Error, UsageError};
use crate::group_context::GroupContext;
use crate::key_schedule::EpochSecrets;
use crate::messages::{Proposal, RatchetTree as RatchetTreeExt, Sender};
use crate::secret_tree::{RatchetConfig, SecretTree};
use crate::tree::RatchetTree;
use crate::tree_math::{LeafIndex, NodeIndex};
use crate::treekem::TreeKemPrivate;

const MAGIC: &[u8; 4] = b"MLSG";
const VERSION: u16 = 1;

fn secrets_of(s: &EpochSecrets) -> [&Secret; 9] {
    [
        &s.sender_data_secret,
        &s.encryption_secret,
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
        if self.pending.is_some() {
            return Err(UsageError::CommitPending.into());
        }
        // Public parts first, in ordinary buffers; then one zeroizing buffer
        // sized up front so that it never reallocates (a reallocation would
        // leave an unzeroized copy of the secrets behind).
        let mut public = Vec::new();
        public.extend_from_slice(MAGIC);
        public.extend_from_slice(&VERSION.to_be_bytes());
        self.context.encode_into(&mut public)?;
        RatchetTreeExt(self.tree.to_nodes()).encode_into(&mut public)?;
        write_opaque(&self.interim_transcript_hash, &mut public)?;
        write_opaque(&self.confirmation_tag, &mut public)?;
        let mut cached = Vec::new();
        cached.extend_from_slice(&(self.proposals.len() as u32).to_be_bytes());
        for p in &self.proposals {
            write_opaque(&p.reference, &mut cached)?;
            p.proposal.encode_into(&mut cached)?;
            p.sender.encode_into(&mut cached)?;
        }
        const S: usize = 4 + 133;
        let bound = public.len()
            + cached.len()
            + 8
            + S * (2 + self.private.path_keys.len() * 2 + 9 + self.resumption_psks.len() * 2)
            + self.secret_tree.state_len_bound()
            + 64;
        let mut out = SecretVec::new(Vec::with_capacity(bound));
        let o = out.vec_mut();
        o.extend_from_slice(&public);
        o.extend_from_slice(&self.private.own_leaf.0.to_be_bytes());
        write_opaque(self.private.leaf_key.as_bytes(), o)?;
        o.extend_from_slice(&(self.private.path_keys.len() as u32).to_be_bytes());
        for (x, k) in &self.private.path_keys {
            o.extend_from_slice(&x.0.to_be_bytes());
            write_opaque(k.as_bytes(), o)?;
        }
        write_opaque(self.signer.as_bytes(), o)?;
        for s in secrets_of(&self.secrets) {
            write_opaque(s.as_bytes(), o)?;
        }
        self.secret_tree.write_state(o)?;
        o.extend_from_slice(&cached);
        o.extend_from_slice(&(self.resumption_psks.len() as u32).to_be_bytes());
        for (e, s) in &self.resumption_psks {
            o.extend_from_slice(&e.to_be_bytes());
            write_opaque(s.as_bytes(), o)?;
        }
        let c = &self.config;
        o.extend_from_slice(&c.ratchet.max_forward_distance.to_be_bytes());
        o.extend_from_slice(&c.ratchet.out_of_order_tolerance.to_be_bytes());
        o.extend_from_slice(&(c.max_resumption_psks as u32).to_be_bytes());
        o.push(u8::from(c.encrypt_handshake));
        o.push(u8::from(c.ratchet_tree_in_welcome));
        o.extend_from_slice(&(c.padding_block as u32).to_be_bytes());
        o.extend_from_slice(&(c.max_past_epochs as u32).to_be_bytes());
        o.push(u8::from(self.active));
        Ok(out)
    }

    /// Restores a group from [`Group::to_bytes`]. Recomputes the tree-hash
    /// cache (O(n)) and checks it against the stored GroupContext.
    pub fn from_bytes(provider: &dyn CryptoProvider, bytes: &[u8]) -> Result<Self, Error> {
        let bad = || Error::from(UsageError::InvalidSnapshot);
        let mut r = Reader::new(bytes);
        if r.take(4)? != MAGIC {
            return Err(bad());
        }
        let v = r.take(2)?;
        if u16::from_be_bytes([v[0], v[1]]) != VERSION {
            return Err(bad());
        }
        let context: GroupContext = r.value()?;
        let cs = suite(provider, context.cipher_suite)?;
        let nodes: RatchetTreeExt = r.value()?;
        let tree = RatchetTree::from_nodes(cs, nodes.0).map_err(|_| bad())?;
        if tree.tree_hash().map(|h| h.as_slice()) != Some(context.tree_hash.as_slice()) {
            return Err(bad());
        }
        let interim_transcript_hash = r.opaque()?.to_vec();
        let confirmation_tag = r.opaque()?.to_vec();
        let own_leaf = LeafIndex(r.u32()?);
        let leaf_key = HpkePrivateKey::from_slice(r.opaque()?);
        let mut path_keys = BTreeMap::new();
        for _ in 0..r.u32()? {
            let x = NodeIndex(r.u32()?);
            path_keys.insert(x, HpkePrivateKey::from_slice(r.opaque()?));
        }
        let signer = SignaturePrivateKey::from_slice(r.opaque()?);
        let mut s: Vec<Secret> = Vec::with_capacity(9);
        for _ in 0..9 {
            s.push(Secret::from_slice(r.opaque()?)?);
        }
        let mut it = s.into_iter();
        let mut next = || it.next().ok_or_else(bad);
        let secrets = EpochSecrets {
            sender_data_secret: next()?,
            encryption_secret: next()?,
            exporter_secret: next()?,
            external_secret: next()?,
            confirmation_key: next()?,
            membership_key: next()?,
            resumption_psk: next()?,
            epoch_authenticator: next()?,
            init_secret: next()?,
        };
        let secret_tree = SecretTree::read_state(&mut r)?;
        let mut proposals = Vec::new();
        for _ in 0..r.u32()? {
            let reference = r.opaque()?.to_vec();
            let proposal: Proposal = r.value()?;
            let sender: Sender = r.value()?;
            proposals.push(CachedProposal {
                reference,
                proposal,
                sender,
            });
        }
        let mut resumption_psks = VecDeque::new();
        for _ in 0..r.u32()? {
            let e = r.u64()?;
            resumption_psks.push_back((e, Secret::from_slice(r.opaque()?)?));
        }
        let config = GroupConfig {
            ratchet: RatchetConfig {
                max_forward_distance: r.u32()?,
                out_of_order_tolerance: r.u32()?,
            },
            max_resumption_psks: r.u32()? as usize,
            encrypt_handshake: r.u8()? != 0,
            ratchet_tree_in_welcome: r.u8()? != 0,
            padding_block: r.u32()? as usize,
            max_past_epochs: r.u32()? as usize,
        };
        let active = r.u8()? != 0;
        if !r.is_empty() {
            return Err(bad());
        }
        if crate::tree::TreeRead::leaf(&tree, own_leaf).is_none() && active {
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
            pending_updates: Vec::new(),
            past_epochs: VecDeque::new(),
            reinit: None,
            active,
        })
    }
}
