//! Proposals sent by this member (RFC 9420 §12.1), framed as PublicMessage
//! and cached locally so a later commit can reference them.

use alloc::vec::Vec;

use crate::codec::VLBytes;

use super::{CachedProposal, Group, suite};
use crate::codec::Encode;
use crate::crypto::labeled::{proposal_ref, sign_with_label};
use crate::crypto::{CipherSuiteProvider, CryptoProvider, HpkePrivateKey, Rng};
use crate::error::{Error, UsageError};
use crate::messages::{
    Add, AuthenticatedContent, Content, FramedContent, KeyPackage, LeafNodeSource, MlsMessage,
    MlsMessageBody, PreSharedKey, PreSharedKeyId, Proposal, Psk, Remove, Sender, Update,
    WireFormat,
};
use crate::tree::TreeRead;
use crate::tree_math::LeafIndex;

impl Group {
    /// Signs `content` as this member and frames it as a PublicMessage with
    /// the membership tag (RFC 9420 §6.1, §6.2). Returns the message and
    /// the AuthenticatedContent.
    pub(crate) fn frame_public(
        &self,
        cs: &dyn CipherSuiteProvider,
        content: Content,
        authenticated_data: Vec<u8>,
    ) -> Result<(MlsMessage, AuthenticatedContent), Error> {
        let content = FramedContent {
            group_id: self.context.group_id.clone(),
            epoch: self.context.epoch,
            sender: Sender::Member(self.private.own_leaf.0),
            authenticated_data: VLBytes::new(authenticated_data),
            content,
        };
        // The framing functions the official vectors exercise (RFC 9420
        // §6.1, §6.2).
        let ac = crate::protect::sign_content(
            cs,
            &self.signer,
            WireFormat::PUBLIC_MESSAGE,
            content,
            Some(&self.context),
        )?;
        let msg = MlsMessage {
            body: MlsMessageBody::PublicMessage(crate::protect::protect_public(
                cs,
                &ac,
                Some(&self.context),
                Some(&self.secrets.membership_key),
            )?),
        };
        Ok((msg, ac))
    }

    /// Signs `content` and protects it as a PrivateMessage (RFC 9420 §6.3)
    /// with the next key of our handshake ratchet; the caller applies the
    /// returned update (consuming the key) once nothing else can fail.
    pub(crate) fn frame_private(
        &self,
        cs: &dyn CipherSuiteProvider,
        content: Content,
        rng: &mut dyn Rng,
    ) -> Result<
        (
            MlsMessage,
            AuthenticatedContent,
            crate::secret_tree::SecretTreeUpdate,
        ),
        Error,
    > {
        let content = FramedContent {
            group_id: self.context.group_id.clone(),
            epoch: self.context.epoch,
            sender: Sender::Member(self.private.own_leaf.0),
            authenticated_data: VLBytes::new(Vec::new()),
            content,
        };
        let ac = crate::protect::sign_content(
            cs,
            &self.signer,
            WireFormat::PRIVATE_MESSAGE,
            content,
            Some(&self.context),
        )?;
        let p = crate::protect::protect_private(
            cs,
            &ac,
            &self.secret_tree,
            &self.secrets.sender_data_secret,
            0,
            rng,
        )?;
        Ok((
            MlsMessage {
                body: MlsMessageBody::PrivateMessage(p.message),
            },
            ac,
            p.update,
        ))
    }

    /// Sends a proposal: frames it, caches it for our own next commit, and
    /// returns the message for the group.
    pub fn propose(
        &mut self,
        provider: &dyn CryptoProvider,
        proposal: Proposal,
        rng: &mut dyn Rng,
    ) -> Result<MlsMessage, Error> {
        if !self.active {
            return Err(UsageError::GroupInactive.into());
        }
        if self.pending.is_some() {
            return Err(UsageError::CommitPending.into());
        }
        let cs = suite(provider, self.context.cipher_suite)?;
        let (msg, ac, update) = if self.config.encrypt_handshake {
            let (m, ac, u) = self.frame_private(cs, Content::Proposal(proposal.clone()), rng)?;
            (m, ac, Some(u))
        } else {
            let (m, ac) = self.frame_public(cs, Content::Proposal(proposal.clone()), Vec::new())?;
            (m, ac, None)
        };
        let reference = proposal_ref(cs, &ac.encode()?)?;
        if let Some(u) = update {
            self.apply_secret_update(u)?;
        }
        self.dirty.epoch();
        let _ = self.proposals.push(CachedProposal {
            reference: reference.to_vec(),
            proposal,
            sender: Sender::Member(self.private.own_leaf.0),
        });
        Ok(msg)
    }

    /// Proposes adding the owner of `key_package` (RFC 9420 §12.1.1).
    pub fn propose_add(
        &mut self,
        provider: &dyn CryptoProvider,
        key_package: KeyPackage,
        rng: &mut dyn Rng,
    ) -> Result<MlsMessage, Error> {
        self.propose(provider, Proposal::Add(Add { key_package }), rng)
    }

    /// Proposes removing member `leaf` (RFC 9420 §12.1.3).
    pub fn propose_remove(
        &mut self,
        provider: &dyn CryptoProvider,
        leaf: LeafIndex,
        rng: &mut dyn Rng,
    ) -> Result<MlsMessage, Error> {
        if self.tree.leaf(leaf).is_none() {
            return Err(UsageError::NoSuchMember.into());
        }
        self.propose(provider, Proposal::Remove(Remove { removed: leaf }), rng)
    }

    /// Proposes a PreSharedKey with an external PSK ID (RFC 9420 §12.1.4);
    /// the nonce is fresh.
    pub fn propose_external_psk(
        &mut self,
        provider: &dyn CryptoProvider,
        psk_id: Vec<u8>,
        rng: &mut dyn Rng,
    ) -> Result<MlsMessage, Error> {
        let cs = suite(provider, self.context.cipher_suite)?;
        let mut nonce = alloc::vec![0u8; cs.kdf().nh()];
        rng.fill(&mut nonce)?;
        let psk = PreSharedKeyId {
            psk: Psk::External(VLBytes::new(psk_id)),
            psk_nonce: VLBytes::new(nonce),
        };
        self.propose(provider, Proposal::PreSharedKey(PreSharedKey { psk }), rng)
    }

    /// Proposes a resumption PSK (usage `application`) from an earlier
    /// epoch of this group, or of another group whose resumption PSK the
    /// committer's [`PskStore`](super::PskStore) knows (RFC 9420 §8.6,
    /// §12.1.4); the nonce is fresh. Fails with
    /// [`GroupError::PskNotFound`](super::GroupError::PskNotFound) when the
    /// epoch is one of this group's and no longer retained.
    pub fn propose_resumption_psk(
        &mut self,
        provider: &dyn CryptoProvider,
        group_id: &[u8],
        epoch: u64,
        rng: &mut dyn Rng,
    ) -> Result<MlsMessage, Error> {
        if group_id == self.context.group_id.as_slice() && self.resumption_psk(epoch).is_none() {
            return Err(super::GroupError::PskNotFound.into());
        }
        let cs = suite(provider, self.context.cipher_suite)?;
        let mut nonce = alloc::vec![0u8; cs.kdf().nh()];
        rng.fill(&mut nonce)?;
        let psk = PreSharedKeyId {
            psk: Psk::Resumption(crate::messages::ResumptionPsk {
                usage: crate::messages::ResumptionPskUsage::Application,
                psk_group_id: VLBytes::new(group_id.to_vec()),
                psk_epoch: epoch,
            }),
            psk_nonce: VLBytes::new(nonce),
        };
        self.propose(provider, Proposal::PreSharedKey(PreSharedKey { psk }), rng)
    }

    /// Proposes replacing our leaf with a fresh encryption key (RFC 9420
    /// §12.1.2). The new private key is kept until a commit applies the
    /// update or the epoch ends.
    pub fn propose_update(
        &mut self,
        provider: &dyn CryptoProvider,
        rng: &mut dyn Rng,
    ) -> Result<MlsMessage, Error> {
        let cs = suite(provider, self.context.cipher_suite)?;
        let me = self.private.own_leaf;
        let mut leaf = self.tree.leaf(me).ok_or(UsageError::NoSuchMember)?.clone();
        let (sk, pk): (HpkePrivateKey, Vec<u8>) = cs.hpke().generate_key_pair(rng)?;
        leaf.encryption_key = VLBytes::new(pk.clone());
        leaf.leaf_node_source = LeafNodeSource::Update;
        let tbs = leaf.tbs(Some((self.context.group_id.as_slice(), me.0)))?;
        leaf.signature = VLBytes::new(sign_with_label(cs, &self.signer, b"LeafNodeTBS", &tbs)?);
        let msg = self.propose(provider, Proposal::Update(Update { leaf_node: leaf }), rng)?;
        self.dirty.epoch();
        self.pending_updates.push((pk, sk));
        Ok(msg)
    }
}
