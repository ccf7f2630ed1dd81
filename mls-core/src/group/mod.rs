//! The group state machine (RFC 9420 §11, §12): a member's view of one
//! group, driven by the caller.
//!
//! Sans-IO: every call takes the crypto provider, and where needed the
//! randomness, the current time and the PSKs, as arguments. Inputs are
//! `process_*`, commands are verbs (`commit`, `propose_*`, `protect`),
//! results are `#[must_use]` values.
//!
//! # Atomicity
//!
//! Nothing is changed by a call that fails. Processing a commit returns a
//! [`StagedCommit`]: an overlay of what the commit changes (the tree diff,
//! the next epoch's secrets and context, the private-key changes) over the
//! current state, built without cloning the tree. [`Group::merge_staged`]
//! applies it. An own commit stays pending until [`Group::merge_pending`] or
//! [`Group::discard_pending`].

mod commit;
mod create_commit;
mod epoch;
mod merge;
mod persist;
mod stage_commit;

mod external;
mod join;
mod proposals;
mod propose;
mod resumption;
mod snapshot;

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::codec::VLBytes;

pub use crate::error::{GroupError, Limit};
pub use crate::secret_tree::RatchetConfig;
pub use crate::tree::RatchetTree;
pub use crate::tree_math::LeafIndex;
#[cfg(feature = "test-utils")]
#[doc(hidden)]
pub use commit::Forge;
pub use commit::{CommitEnv, ProcessEnv};
pub use commit::{CommitOptions, CommitOutput, StagedCommit};
pub use join::MemberIdentity;
pub use persist::{GroupChanges, GroupRecords};
pub(crate) use proposals::Listed;
pub use proposals::{CachedProposal, ProposalSummary};

use crate::codec::Encode;
use crate::crypto::labeled::proposal_ref;
use crate::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, Secret, SecretVec, SignaturePrivateKey,
};
use crate::error::{Error, ProtocolError, UsageError};
use crate::key_schedule::EpochSecrets;
use crate::messages::group_context::GroupContext;
use crate::messages::{
    AuthenticatedContent, Content, ContentType, Credential, ExternalSenders, FramedContent,
    LeafNode, Proposal, PublicMessage, Sender, WireFormat,
};
use crate::secret_tree::SecretTree;
use crate::tree::TreeRead;
use crate::treekem::TreeKemPrivate;

/// External pre-shared keys the application holds (RFC 9420 §8.4).
pub trait PskStore {
    /// The PSK with this `psk_id`, if known.
    fn external_psk(&self, psk_id: &[u8]) -> Option<&[u8]>;
    /// The resumption PSK of `group_id` at `epoch` (RFC 9420 §8.6), if
    /// known: how a member of an old group joins its branch or successor.
    fn resumption_psk(&self, group_id: &[u8], epoch: u64) -> Option<&[u8]> {
        let _ = (group_id, epoch);
        None
    }
    /// The ReInit committed last in `group_id`, if this store is that group
    /// (RFC 9420 §11.2: a reinit join must match it).
    fn reinit_of(&self, group_id: &[u8]) -> Option<&crate::messages::ReInit> {
        let _ = group_id;
        None
    }
    /// The current GroupContext of `group_id`, if this store is that group
    /// (RFC 9420 §11.3: a branch keeps the old group's version and suite).
    fn context_of(&self, group_id: &[u8]) -> Option<&GroupContext> {
        let _ = group_id;
        None
    }
}

/// A group is the store of its own resumption PSKs: pass the old group
/// when joining its branch (§11.3) or its reinitialized successor (§11.2).
impl PskStore for Group {
    fn external_psk(&self, _: &[u8]) -> Option<&[u8]> {
        None
    }
    fn resumption_psk(&self, group_id: &[u8], epoch: u64) -> Option<&[u8]> {
        if group_id == self.context.group_id.as_slice() {
            Group::resumption_psk(self, epoch).map(Secret::as_bytes)
        } else {
            None
        }
    }
    fn reinit_of(&self, group_id: &[u8]) -> Option<&crate::messages::ReInit> {
        if group_id == self.context.group_id.as_slice() {
            self.reinit.as_ref()
        } else {
            None
        }
    }
    fn context_of(&self, group_id: &[u8]) -> Option<&GroupContext> {
        (group_id == self.context.group_id.as_slice()).then_some(&self.context)
    }
}

/// No external PSKs.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPsks;

impl PskStore for NoPsks {
    fn external_psk(&self, _: &[u8]) -> Option<&[u8]> {
        None
    }
}

impl PskStore for alloc::collections::BTreeMap<Vec<u8>, Vec<u8>> {
    fn external_psk(&self, psk_id: &[u8]) -> Option<&[u8]> {
        self.get(psk_id).map(Vec::as_slice)
    }
}

/// The application's authentication service (RFC 9750 §5, RFC 9420 §5.3.1):
/// called wherever RFC 9420 says a credential must be validated — new
/// members, updated leaves, external senders and external joiners.
pub trait CredentialValidator {
    /// True when `credential` is acceptable and binds `signature_key`.
    fn validate(&self, credential: &Credential, signature_key: &[u8]) -> bool;

    /// RFC 9420 §5.3.1: true when `new` is acceptable as the successor of
    /// `old` for the same member (an Update, a commit's path leaf, an
    /// external commit that resyncs a removed leaf). Called only after
    /// `validate` accepted `new`. The default accepts only an unchanged
    /// credential; override it to allow rotation (a renewed certificate,
    /// say) under the application's policy.
    fn valid_successor(&self, old: &Credential, new: &Credential) -> bool {
        old == new
    }

    /// RFC 9420 §12.2: the application's identifier of the client
    /// `credential` belongs to, if it has one. An Add whose client is
    /// already a member (and not removed by the same commit), or is added
    /// twice by one commit, is invalid. Equal signature keys always count
    /// as the same client; the default (`None`) adds nothing to that.
    /// Identifiers, not a pairwise test, so that a commit of many Adds
    /// costs one pass over the members, not one per Add.
    fn client_id(&self, credential: &Credential) -> Option<Vec<u8>> {
        let _ = credential;
        None
    }

    /// RFC 9420 §7.2: the longest total lifetime (`not_after - not_before`,
    /// seconds) accepted for a KeyPackage leaf; longer ones are rejected.
    /// `None` (the default) sets no maximum.
    fn max_leaf_lifetime(&self) -> Option<u64> {
        None
    }

    /// RFC 9420 §12.1.8: true when `proposal` from an `external` or
    /// `new_member_proposal` sender is authorized ("external proposals that
    /// are not authorized are considered invalid"): a commit including an
    /// unauthorized one is rejected. The default authorizes every one.
    fn authorize_external_proposal(&self, sender: &Sender, proposal: &Proposal) -> bool {
        let _ = (sender, proposal);
        true
    }
}

/// Accepts every credential. For tests and applications that authenticate
/// members by other means; say so explicitly by choosing it.
#[derive(Debug, Clone, Copy, Default)]
pub struct AcceptAllCredentials;

impl CredentialValidator for AcceptAllCredentials {
    fn validate(&self, _: &Credential, _: &[u8]) -> bool {
        true
    }
    fn valid_successor(&self, _: &Credential, _: &Credential) -> bool {
        true
    }
}

/// Policy knobs of a group member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupConfig {
    /// Out-of-order tolerance of the sender ratchets (RFC 9420 §9.1).
    pub ratchet: RatchetConfig,
    /// How many past epochs' resumption PSKs to keep (RFC 9420 §8.6).
    pub max_resumption_psks: usize,
    /// Send handshake messages as PrivateMessage (else PublicMessage).
    pub encrypt_handshake: bool,
    /// Include the ratchet tree in the GroupInfo of Welcome messages.
    pub ratchet_tree_in_welcome: bool,
    /// Pad PrivateMessage content to a multiple of this many bytes (0: none;
    /// at most [`MAX_PADDING_BLOCK`], larger values count as that).
    pub padding_block: usize,
    /// How many past epochs' secret trees to keep for late application
    /// messages (RFC 9420 §15.3); 0 keeps none.
    pub max_past_epochs: usize,
    /// What to do with proposals received from each kind of sender.
    pub proposal_policy: ProposalPolicy,
    /// Bounds on what peers can make this member hold or do.
    pub limits: Limits,
}

/// Bounds on every cost a peer or a delivery service controls, checked
/// before anything is allocated for the input they bound. The defaults fit
/// a group of 65,536 members; raise them for larger groups. How many keys
/// a sender ratchet skips for out-of-order messages is bounded by
/// [`RatchetConfig`] (`max_forward_distance`, `out_of_order_tolerance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most leaves of a ratchet tree this member imports (a Welcome's
    /// or GroupInfo's tree, or one supplied out of band) or grows to by
    /// Adds. A larger tree is refused while it is decoded
    /// ([`TreeShapeError::TooLarge`](crate::tree::TreeShapeError::TooLarge)),
    /// a commit growing past it with [`GroupError::LimitExceeded`] naming
    /// [`Limit::MaxLeaves`].
    /// Default 65,536.
    pub max_leaves: u32,
    /// The largest encoded message [`Group::process_bytes`] decodes.
    /// Default 16 MiB: a Welcome or GroupInfo with the tree of a
    /// 65,536-member group is about 8 MiB with Ed25519 credentials.
    pub max_message_bytes: usize,
    /// The most entries of one vector in a message: proposals in a Commit,
    /// extensions in a list, capability entries of a leaf. Checked before
    /// the message is verified or processed
    /// ([`GroupError::LimitExceeded`]). Default 65,536 (a Commit adding
    /// 65,535 members).
    pub max_vector_entries: u32,
    /// The most proposals cached in one epoch (a replay of a cached one is
    /// not cached twice); one more is refused with
    /// [`GroupError::LimitExceeded`]. Default 65,536.
    pub max_cached_proposals: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_leaves: 1 << 16,
            max_message_bytes: 16 << 20,
            max_vector_entries: 1 << 16,
            max_cached_proposals: 1 << 16,
        }
    }
}

/// What a member does with a received proposal (RFC 9420 §12.1), by sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalAction {
    /// Refused with [`GroupError::ProposalRefusedByPolicy`]; nothing changes.
    Refuse,
    /// Cached (so that a commit referencing it can be processed), but not
    /// included by [`CommitOptions::include_pending`].
    Cache,
    /// Cached and included by [`CommitOptions::include_pending`].
    CacheAndCommit,
}

impl ProposalAction {
    fn code(self) -> u8 {
        match self {
            Self::Refuse => 0,
            Self::Cache => 1,
            Self::CacheAndCommit => 2,
        }
    }
    fn from_code(c: u8) -> Option<Self> {
        match c {
            0 => Some(Self::Refuse),
            1 => Some(Self::Cache),
            2 => Some(Self::CacheAndCommit),
            _ => None,
        }
    }
}

/// The application's policy on received proposals, per sender type. The
/// default caches every proposal and commits those of members and of the
/// group's external senders; proposals of new members (an Add anyone who
/// knows the group ID and epoch can sign) are cached but committed only
/// when the application includes them itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProposalPolicy {
    /// Proposals of members (`Sender::Member`).
    pub member: ProposalAction,
    /// Proposals of the group's external senders (`Sender::External`).
    pub external_sender: ProposalAction,
    /// Proposals of new members (`Sender::NewMemberProposal`).
    pub new_member: ProposalAction,
}

impl Default for ProposalPolicy {
    fn default() -> Self {
        Self {
            member: ProposalAction::CacheAndCommit,
            external_sender: ProposalAction::CacheAndCommit,
            new_member: ProposalAction::Cache,
        }
    }
}

impl ProposalPolicy {
    /// The action for proposals of `sender`.
    pub fn action(&self, sender: &Sender) -> ProposalAction {
        match sender {
            Sender::Member(_) => self.member,
            Sender::External(_) => self.external_sender,
            Sender::NewMemberProposal => self.new_member,
            Sender::NewMemberCommit => ProposalAction::Refuse,
        }
    }
    pub(crate) fn encode(&self) -> [u8; 3] {
        [
            self.member.code(),
            self.external_sender.code(),
            self.new_member.code(),
        ]
    }
    pub(crate) fn decode(b: [u8; 3]) -> Option<Self> {
        Some(Self {
            member: ProposalAction::from_code(b[0])?,
            external_sender: ProposalAction::from_code(b[1])?,
            new_member: ProposalAction::from_code(b[2])?,
        })
    }
}

/// The largest `padding_block` honoured: 64 KiB. Padding hides lengths;
/// a block larger than this only wastes memory and bandwidth (a block near
/// the 2^30-byte vector limit would make every message a gigabyte).
pub const MAX_PADDING_BLOCK: usize = 1 << 16;

impl Default for GroupConfig {
    fn default() -> Self {
        Self {
            ratchet: RatchetConfig::default(),
            max_resumption_psks: 8,
            encrypt_handshake: false,
            ratchet_tree_in_welcome: true,
            padding_block: 0,
            max_past_epochs: 2,
            proposal_policy: ProposalPolicy::default(),
            limits: Limits::default(),
        }
    }
}

/// What an incoming message was.
#[derive(Debug)]
#[must_use]
#[non_exhaustive]
pub enum Received {
    /// Application data from a member.
    Application {
        /// The sender's leaf.
        sender: LeafIndex,
        /// The data.
        data: Vec<u8>,
        /// The message's authenticated data.
        authenticated_data: Vec<u8>,
    },
    /// A proposal, now cached for a later commit.
    Proposal(ProposalSummary),
    /// A commit from another member, staged: inspect, then
    /// [`Group::merge_staged`] it.
    Commit(alloc::boxed::Box<StagedCommit>),
    /// Our own pending commit came back from the delivery service: merge it
    /// with [`Group::merge_pending`].
    OwnCommit,
}

/// One member's state in one group.
pub struct Group {
    pub(crate) context: GroupContext,
    pub(crate) tree: RatchetTree,
    pub(crate) interim_transcript_hash: Vec<u8>,
    pub(crate) confirmation_tag: Vec<u8>,
    pub(crate) private: TreeKemPrivate,
    pub(crate) signer: MemberSigner,
    pub(crate) secrets: EpochSecrets,
    pub(crate) secret_tree: SecretTree,
    pub(crate) proposals: proposals::ProposalCache,
    pub(crate) resumption_psks: VecDeque<(u64, Secret)>,
    pub(crate) config: GroupConfig,
    pub(crate) pending: Option<alloc::boxed::Box<StagedCommit>>,
    pub(crate) active: bool,
    /// Leaf keys of our Update proposals of this epoch (public, private).
    pub(crate) pending_updates: Vec<(Vec<u8>, crate::crypto::HpkePrivateKey)>,
    /// Recent past epochs, newest first, for late application messages.
    pub(crate) past_epochs: VecDeque<PastEpoch>,
    /// The ReInit this group was closed with (RFC 9420 §11.2).
    pub(crate) reinit: Option<crate::messages::ReInit>,
    /// What changed since the state was last saved (incremental storage).
    pub(crate) dirty: alloc::boxed::Box<persist::Dirty>,
}

/// The member's signing key (RFC 9420 §5.1.2): in memory, where snapshots
/// store it, or a [`Signer`](crate::crypto::Signer) the library never
/// sees, such as a key in an HSM or a platform keystore; a snapshot then
/// stores no key, and [`Group::from_bytes_with_signer`] restores it.
pub enum MemberSigner {
    /// A private key held by the library.
    InMemory(SignaturePrivateKey),
    /// A signer outside the library.
    External(alloc::sync::Arc<dyn crate::crypto::Signer>),
}

impl MemberSigner {
    /// The in-memory key, if the key is held here.
    pub(crate) fn key(&self) -> Option<&SignaturePrivateKey> {
        match self {
            Self::InMemory(k) => Some(k),
            Self::External(_) => None,
        }
    }
}

impl crate::crypto::Signer for MemberSigner {
    fn sign(
        &self,
        cs: &dyn CipherSuiteProvider,
        message: &[u8],
    ) -> Result<Vec<u8>, crate::crypto::CryptoError> {
        match self {
            Self::InMemory(k) => k.sign(cs, message),
            Self::External(s) => s.sign(cs, message),
        }
    }
    fn public_key(
        &self,
        cs: &dyn CipherSuiteProvider,
    ) -> Result<Vec<u8>, crate::crypto::CryptoError> {
        match self {
            Self::InMemory(k) => crate::crypto::Signer::public_key(k, cs),
            Self::External(s) => s.public_key(cs),
        }
    }
}

impl From<SignaturePrivateKey> for MemberSigner {
    fn from(k: SignaturePrivateKey) -> Self {
        Self::InMemory(k)
    }
}

impl core::fmt::Debug for MemberSigner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::InMemory(_) => "MemberSigner::InMemory(..)",
            Self::External(_) => "MemberSigner::External(..)",
        })
    }
}

/// What a member state starts an epoch with: the rest of a [`Group`]
/// (caches, pending state, history) starts empty.
pub(crate) struct NewState {
    pub context: GroupContext,
    pub tree: RatchetTree,
    pub interim_transcript_hash: Vec<u8>,
    pub confirmation_tag: Vec<u8>,
    pub private: TreeKemPrivate,
    pub signer: MemberSigner,
    pub secrets: EpochSecrets,
    pub config: GroupConfig,
}

impl Group {
    /// The one constructor of a member state (creating, joining by
    /// Welcome or external commit, and test set-ups): the encryption
    /// secret goes into the secret tree and nowhere else (RFC 9420 §9.2).
    pub(crate) fn assemble(s: NewState) -> Self {
        let mut secrets = s.secrets;
        let secret_tree = SecretTree::new(
            secrets.take_encryption_secret(),
            s.tree.n_leaves(),
            s.config.ratchet,
        );
        Self {
            context: s.context,
            tree: s.tree,
            interim_transcript_hash: s.interim_transcript_hash,
            confirmation_tag: s.confirmation_tag,
            private: s.private,
            signer: s.signer,
            secrets,
            secret_tree,
            proposals: Default::default(),
            resumption_psks: VecDeque::new(),
            config: s.config,
            pending: None,
            pending_updates: Vec::new(),
            past_epochs: VecDeque::new(),
            reinit: None,
            active: true,
            dirty: alloc::boxed::Box::new(persist::Dirty::all()),
        }
    }
}

/// Content whose signature (and, for PublicMessage, membership tag) has
/// been verified: decoding yields `AuthenticatedContent`, only
/// [`Group::verify_content`] yields this, and only this reaches the group
/// logic (RFC 9420 §6.1: parse, verify, use).
/// It keeps the content's `FramedContentTBS`, encoded once for the
/// signature (and membership tag), for the transcript hash.
#[derive(Debug)]
pub(crate) struct VerifiedContent(crate::protect::Framed);

impl VerifiedContent {
    /// The encoded `ConfirmedTranscriptHashInput` (RFC 9420 §8.2).
    pub(crate) fn transcript_input(&self) -> Result<Vec<u8>, Error> {
        self.0.transcript_input()
    }
}

impl core::ops::Deref for VerifiedContent {
    type Target = AuthenticatedContent;
    fn deref(&self) -> &AuthenticatedContent {
        &self.0.ac
    }
}

/// What is kept of a past epoch to read its late application messages
/// (RFC 9420 §15.3): its context, secret tree and sender-data secret, and
/// the signature keys of the leaves the epoch-ending commit changed.
#[derive(Debug)]
pub(crate) struct PastEpoch {
    pub(crate) context: GroupContext,
    pub(crate) secret_tree: SecretTree,
    pub(crate) sender_data_secret: Secret,
    /// Leaf -> signature key during this epoch (None: blank), for leaves
    /// the commit ending this epoch changed.
    pub(crate) changed: alloc::collections::BTreeMap<u32, Option<Vec<u8>>>,
}

impl core::fmt::Debug for Group {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Group")
            .field("cipher_suite", &self.context.cipher_suite)
            .field("epoch", &self.context.epoch)
            .field("own_leaf", &self.private.own_leaf)
            .field("members", &self.tree.members().count())
            .finish_non_exhaustive()
    }
}

/// The suite object of `cs` from `provider`, or an error.
pub(crate) fn suite(
    provider: &dyn CryptoProvider,
    cs: CipherSuite,
) -> Result<&dyn CipherSuiteProvider, Error> {
    provider
        .cipher_suite(cs)
        .ok_or_else(|| ProtocolError::UnsupportedCipherSuite.into())
}

impl Group {
    /// The current epoch as the proposal rules see it.
    pub(crate) fn view(&self) -> epoch::EpochView<'_> {
        epoch::EpochView {
            context: &self.context,
            tree: &self.tree,
            limits: &self.config.limits,
        }
    }

    /// The current GroupContext.
    pub fn context(&self) -> &GroupContext {
        &self.context
    }
    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.context.epoch
    }
    /// The group ID.
    pub fn group_id(&self) -> &[u8] {
        self.context.group_id.as_slice()
    }
    /// The cipher suite.
    pub fn cipher_suite(&self) -> CipherSuite {
        self.context.cipher_suite
    }
    /// The ratchet tree.
    pub fn tree(&self) -> &RatchetTree {
        &self.tree
    }
    /// Our leaf index.
    pub fn own_leaf(&self) -> LeafIndex {
        self.private.own_leaf
    }
    /// The members: leaf index and leaf node.
    pub fn members(&self) -> impl Iterator<Item = (LeafIndex, &LeafNode)> {
        self.tree.members()
    }
    /// The epoch authenticator (RFC 9420 §8.7).
    pub fn epoch_authenticator(&self) -> &[u8] {
        self.secrets.epoch_authenticator.as_bytes()
    }
    /// The tree hash of the current tree.
    pub fn tree_hash(&self) -> Option<&[u8]> {
        self.tree.tree_hash()
    }
    /// True while this member can send (not removed, not reinitialized).
    pub fn is_active(&self) -> bool {
        self.active
    }
    /// The interim transcript hash.
    pub fn interim_transcript_hash(&self) -> &[u8] {
        &self.interim_transcript_hash
    }
    /// Proposals received this epoch and cached for the next commit.
    pub fn pending_proposals(&self) -> &[CachedProposal] {
        &self.proposals
    }
    /// True when an own commit awaits merge or discard.
    pub fn has_pending_commit(&self) -> bool {
        self.pending.is_some()
    }

    /// MLS-Exporter(label, context, len) (RFC 9420 §8.5).
    pub fn export(
        &self,
        provider: &dyn CryptoProvider,
        label: &[u8],
        context: &[u8],
        len: usize,
    ) -> Result<SecretVec, Error> {
        let cs = suite(provider, self.context.cipher_suite)?;
        Ok(self.secrets.export(cs, label, context, len)?)
    }

    /// The resumption PSK of `epoch`, if still kept (RFC 9420 §8.6).
    pub fn resumption_psk(&self, epoch: u64) -> Option<&Secret> {
        if epoch == self.context.epoch {
            return Some(&self.secrets.resumption_psk);
        }
        self.resumption_psks
            .iter()
            .find(|(e, _)| *e == epoch)
            .map(|(_, s)| s)
    }

    /// The signature public key of `sender` for content verification
    /// (RFC 9420 §6.1). For new-member senders the key comes from the
    /// content itself; for external senders from the external_senders
    /// extension (§12.1.8.1).
    fn sender_signature_key(&self, sender: &Sender, content: &Content) -> Result<Vec<u8>, Error> {
        let key = match sender {
            Sender::Member(i) => self
                .tree
                .leaf(LeafIndex(*i))
                .map(|l| l.signature_key.as_slice().to_vec()),
            Sender::External(i) => self
                .external_senders()?
                .get(*i as usize)
                .map(|s| s.signature_key.as_slice().to_vec()),
            Sender::NewMemberProposal => match content {
                Content::Proposal(Proposal::Add(add)) => {
                    Some(add.key_package.leaf_node.signature_key.as_slice().to_vec())
                }
                _ => return Err(GroupError::SenderNotAllowed.into()),
            },
            Sender::NewMemberCommit => match content {
                Content::Commit(c) => c
                    .path
                    .as_ref()
                    .map(|p| p.leaf_node.signature_key.as_slice().to_vec()),
                _ => return Err(GroupError::SenderNotAllowed.into()),
            },
        };
        key.ok_or_else(|| GroupError::UnknownSender.into())
    }

    /// The external_senders extension of the GroupContext (RFC 9420 §12.1.8.1).
    pub(crate) fn external_senders(&self) -> Result<ExternalSenders, Error> {
        for e in &self.context.extensions {
            if e.extension_type == crate::messages::ExtensionType::EXTERNAL_SENDERS.0 {
                return Ok(crate::codec::decode(e.extension_data.as_slice())?);
            }
        }
        Ok(Vec::new())
    }

    /// Verifies the content signature (RFC 9420 §6.1) with the key §6.1
    /// prescribes for the sender type, through the framing layer's
    /// `verify_signature` (the function the official vectors exercise):
    /// the only way to get a [`VerifiedContent`], which is all the group
    /// logic accepts.
    pub(crate) fn verify_content(
        &self,
        cs: &dyn CipherSuiteProvider,
        framed: crate::protect::Framed,
    ) -> Result<VerifiedContent, Error> {
        let ac = &framed.ac;
        if !Self::content_type_allowed(&ac.content.sender, ac.content.content_type()) {
            return Err(GroupError::SenderNotAllowed.into());
        }
        let key = self.sender_signature_key(&ac.content.sender, &ac.content.content)?;
        framed.verify_signature(cs, &key)?;
        Ok(VerifiedContent(framed))
    }

    /// Processes an incoming PublicMessage (RFC 9420 §6.2): the vector
    /// bounds first, then group, epoch, content type, sender and membership
    /// tag through the framing layer's `unprotect_public` (the function the
    /// official vectors exercise), then the signature; then handles the
    /// proposal or stages the commit.
    pub(crate) fn process_public(
        &mut self,
        provider: &dyn CryptoProvider,
        msg: &PublicMessage,
        env: &mut commit::ProcessEnv<'_>,
    ) -> Result<Received, Error> {
        if !self.active {
            return Err(UsageError::GroupInactive.into());
        }
        proposals::check_vector_limits(&msg.content.content, &self.config.limits)?;
        // Another group or epoch fails before the message is copied.
        crate::protect::check_group_epoch(
            msg.content.group_id.as_slice(),
            msg.content.epoch,
            &self.context,
        )?;
        self.process_public_owned(provider, msg.clone(), env)
    }

    /// [`Group::process_public_owned`] after the vector bounds (RFC 9420
    /// §2.1.2 vectors a peer fills), checked before anything else.
    fn process_public_bytes(
        &mut self,
        provider: &dyn CryptoProvider,
        msg: PublicMessage,
        env: &mut commit::ProcessEnv<'_>,
    ) -> Result<Received, Error> {
        proposals::check_vector_limits(&msg.content.content, &self.config.limits)?;
        self.process_public_owned(provider, msg, env)
    }

    /// [`Group::process_public`] on a message given up by the caller, its
    /// vector bounds already checked: its content is moved into the
    /// group's processing, not copied.
    fn process_public_owned(
        &mut self,
        provider: &dyn CryptoProvider,
        msg: PublicMessage,
        env: &mut commit::ProcessEnv<'_>,
    ) -> Result<Received, Error> {
        if !self.active {
            return Err(UsageError::GroupInactive.into());
        }
        let cs = suite(provider, self.context.cipher_suite)?;
        let framed = crate::protect::unprotect_public_owned(
            cs,
            msg,
            &self.context,
            &self.secrets.membership_key,
        )?;
        let verified = self.verify_content(cs, framed)?;
        self.handle_authenticated(provider, cs, verified, None, env)
    }

    /// Decodes an MLSMessage of at most `Limits::max_message_bytes` and
    /// processes it ([`Group::process`]). A larger input is refused with
    /// [`GroupError::LimitExceeded`] before anything is decoded.
    pub fn process_bytes(
        &mut self,
        provider: &dyn CryptoProvider,
        bytes: &[u8],
        env: &mut commit::ProcessEnv<'_>,
    ) -> Result<Received, Error> {
        if bytes.len() > self.config.limits.max_message_bytes {
            return Err(GroupError::LimitExceeded {
                limit: Limit::MaxMessageBytes,
            }
            .into());
        }
        let msg: crate::messages::MlsMessage = crate::codec::decode(bytes)?;
        match msg.body {
            crate::messages::MlsMessageBody::PublicMessage(pm) => {
                self.process_public_bytes(provider, pm, env)
            }
            _ => self.process(provider, &msg, env),
        }
    }

    /// Processes an incoming MLSMessage: a PublicMessage or PrivateMessage
    /// of this group. Any other wire format is a usage error.
    pub fn process(
        &mut self,
        provider: &dyn CryptoProvider,
        msg: &crate::messages::MlsMessage,
        env: &mut commit::ProcessEnv<'_>,
    ) -> Result<Received, Error> {
        match &msg.body {
            crate::messages::MlsMessageBody::PublicMessage(pm) => {
                self.process_public(provider, pm, env)
            }
            crate::messages::MlsMessageBody::PrivateMessage(pm) => {
                self.process_private(provider, pm, env)
            }
            _ => Err(Error::Usage(UsageError::NotAGroupMessage)),
        }
    }

    /// Processes an incoming PrivateMessage (RFC 9420 §6.3): decrypts it
    /// with the secret tree without consuming the key, checks the sender is
    /// a member and the signature, then handles the content; the key is
    /// consumed only when everything succeeded.
    pub(crate) fn process_private(
        &mut self,
        provider: &dyn CryptoProvider,
        msg: &crate::messages::PrivateMessage,
        env: &mut commit::ProcessEnv<'_>,
    ) -> Result<Received, Error> {
        if !self.active {
            return Err(UsageError::GroupInactive.into());
        }
        let cs = suite(provider, self.context.cipher_suite)?;
        if msg.epoch < self.context.epoch
            && msg.group_id.as_slice() == self.context.group_id.as_slice()
        {
            return self.process_past_private(cs, msg);
        }
        let u = crate::protect::unprotect_private(
            cs,
            msg,
            &self.context,
            &self.secret_tree,
            &self.secrets.sender_data_secret,
        )?;
        let Sender::Member(i) = u.content.content.sender else {
            return Err(GroupError::SenderNotAllowed.into());
        };
        if self.tree.leaf(LeafIndex(i)).is_none() {
            return Err(GroupError::UnknownSender.into());
        }
        proposals::check_vector_limits(&u.content.content.content, &self.config.limits)?;
        let framed = crate::protect::Framed::new(u.content, &self.context)?;
        let verified = self.verify_content(cs, framed)?;
        self.handle_authenticated(provider, cs, verified, Some(u.update), env)
    }

    /// A late application message of a retained past epoch (RFC 9420
    /// §15.3). Handshake messages of past epochs are refused.
    fn process_past_private(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        msg: &crate::messages::PrivateMessage,
    ) -> Result<Received, Error> {
        if msg.content_type != ContentType::Application {
            return Err(GroupError::WrongEpoch.into());
        }
        let pos = self
            .past_epochs
            .iter()
            .position(|p| p.context.epoch == msg.epoch)
            .ok_or(GroupError::WrongEpoch)?;
        let past = &self.past_epochs[pos];
        let u = crate::protect::unprotect_private(
            cs,
            msg,
            &past.context,
            &past.secret_tree,
            &past.sender_data_secret,
        )?;
        let Sender::Member(i) = u.content.content.sender else {
            return Err(GroupError::SenderNotAllowed.into());
        };
        // The sender's key in that epoch: the first override recorded by a
        // commit at or after it, else the current leaf.
        let key = self
            .past_epochs
            .iter()
            .take(pos + 1)
            .rev()
            .find_map(|p| p.changed.get(&i).cloned())
            .unwrap_or_else(|| {
                self.tree
                    .leaf(LeafIndex(i))
                    .map(|l| l.signature_key.as_slice().to_vec())
            })
            .ok_or(GroupError::UnknownSender)?;
        crate::protect::verify_signature(cs, &u.content, &past.context, &key)
            .map_err(|_| GroupError::InvalidSignature)?;
        let Content::Application(data) = &u.content.content.content else {
            return Err(GroupError::SenderNotAllowed.into());
        };
        let data = data.as_slice().to_vec();
        let authenticated_data = u.content.content.authenticated_data.as_slice().to_vec();
        if let Some(p) = self.past_epochs.get_mut(pos) {
            p.secret_tree.apply(u.update)?;
            self.dirty.epoch();
        }
        Ok(Received::Application {
            sender: LeafIndex(i),
            data,
            authenticated_data,
        })
    }

    /// Encrypts application data as a PrivateMessage (RFC 9420 §6.3) with
    /// the next key of our application ratchet, which is consumed at once.
    pub fn protect(
        &mut self,
        provider: &dyn CryptoProvider,
        data: &[u8],
        authenticated_data: &[u8],
        rng: &mut dyn crate::crypto::Rng,
    ) -> Result<crate::messages::MlsMessage, Error> {
        if !self.active {
            return Err(UsageError::GroupInactive.into());
        }
        if self.pending.is_some() {
            return Err(UsageError::CommitPending.into());
        }
        let cs = suite(provider, self.context.cipher_suite)?;
        let content = FramedContent {
            group_id: self.context.group_id.clone(),
            epoch: self.context.epoch,
            sender: Sender::Member(self.private.own_leaf.0),
            authenticated_data: vl(authenticated_data),
            content: Content::Application(vl(data)),
        };
        let ac = crate::protect::sign_content(
            cs,
            &self.signer,
            WireFormat::PRIVATE_MESSAGE,
            content,
            Some(&self.context),
        )?;
        let block = self.config.padding_block.min(MAX_PADDING_BLOCK);
        let padding = if block == 0 {
            0
        } else {
            (block - data.len() % block) % block
        };
        let p = crate::protect::protect_private(
            cs,
            &ac,
            &self.secret_tree,
            &self.secrets.sender_data_secret,
            padding,
            rng,
        )?;
        self.apply_secret_update(p.update)?;
        Ok(crate::messages::MlsMessage {
            body: crate::messages::MlsMessageBody::PrivateMessage(p.message),
        })
    }

    /// Handles verified content.
    pub(crate) fn handle_authenticated(
        &mut self,
        provider: &dyn CryptoProvider,
        cs: &dyn CipherSuiteProvider,
        verified: VerifiedContent,
        tree_update: Option<crate::secret_tree::SecretTreeUpdate>,
        env: &mut commit::ProcessEnv<'_>,
    ) -> Result<Received, Error> {
        let ac = &verified.0.ac;
        match &ac.content.content {
            Content::Application(data) => {
                let Sender::Member(i) = ac.content.sender else {
                    return Err(GroupError::SenderNotAllowed.into());
                };
                let data = data.as_slice().to_vec();
                let ad = ac.content.authenticated_data.as_slice().to_vec();
                if let Some(u) = tree_update {
                    self.apply_secret_update(u)?;
                }
                Ok(Received::Application {
                    sender: LeafIndex(i),
                    data,
                    authenticated_data: ad,
                })
            }
            Content::Proposal(p) => {
                proposals::check_proposal_sender(&ac.content.sender, p)?;
                if self.config.proposal_policy.action(&ac.content.sender) == ProposalAction::Refuse
                {
                    return Err(GroupError::ProposalRefusedByPolicy.into());
                }
                let encoded = ac.encode()?;
                let reference = proposal_ref(cs, &encoded)?;
                let summary = ProposalSummary::of(p, &ac.content.sender);
                // A replay (same reference) is cached once.
                if self.proposals.contains(reference.as_slice()) {
                    return Ok(Received::Proposal(summary));
                }
                if self.proposals.len() >= self.config.limits.max_cached_proposals as usize {
                    return Err(GroupError::LimitExceeded {
                        limit: Limit::MaxCachedProposals,
                    }
                    .into());
                }
                if let Some(u) = tree_update {
                    self.apply_secret_update(u)?;
                }
                self.dirty.epoch();
                let _ = self.proposals.push(CachedProposal {
                    reference: reference.to_vec(),
                    proposal: p.clone(),
                    sender: ac.content.sender,
                });
                Ok(Received::Proposal(summary))
            }
            Content::Commit(_) => {
                if let (Some(pending), Sender::Member(i)) = (&self.pending, &ac.content.sender) {
                    if *i == self.private.own_leaf.0 {
                        return if pending.is_same_commit(ac) {
                            Ok(Received::OwnCommit)
                        } else {
                            Err(GroupError::UnexpectedOwnCommit.into())
                        };
                    }
                }
                let staged = self.stage_commit(provider, cs, &verified, env)?;
                // The commit's key (PrivateMessage) is consumed now, in this
                // epoch's tree: the message was read, whether or not the
                // application merges it (RFC 9420 §9.2). The staged commit
                // holds no copy of the ratchets.
                if let Some(u) = tree_update {
                    self.apply_secret_update(u)?;
                }
                Ok(Received::Commit(alloc::boxed::Box::new(staged)))
            }
        }
    }

    /// True when our pending commit carries an UpdatePath (new keys for
    /// us, RFC 9420 §12.4).
    pub fn pending_commit_has_path(&self) -> bool {
        self.pending.as_ref().is_some_and(|p| p.private.is_some())
    }

    /// Discards our pending commit (e.g. when another commit won).
    pub fn discard_pending(&mut self) {
        self.pending = None;
    }

    /// Makes our pending commit the current state.
    pub fn merge_pending(&mut self) -> Result<(), Error> {
        let staged = self.pending.take().ok_or(UsageError::NoPendingCommit)?;
        merge::merge(self, *staged);
        Ok(())
    }

    /// Makes a staged commit the current state: O(changed nodes).
    ///
    /// The commit must have been staged on this group in its current
    /// epoch: a commit staged before another one was merged (two competing
    /// commits of one epoch) or staged by another group is refused with
    /// [`UsageError::StaleStagedCommit`], and nothing changes.
    pub fn merge_staged(&mut self, staged: StagedCommit) -> Result<(), Error> {
        if !staged.is_based_on(self) {
            return Err(UsageError::StaleStagedCommit.into());
        }
        merge::merge(self, staged);
        Ok(())
    }

    /// Our leaf node.
    pub fn own_leaf_node(&self) -> Option<&LeafNode> {
        self.tree.leaf(self.private.own_leaf)
    }

    /// The confirmation tag of the commit that started this epoch.
    pub fn confirmation_tag(&self) -> &[u8] {
        &self.confirmation_tag
    }

    pub(crate) fn content_type_allowed(sender: &Sender, ct: ContentType) -> bool {
        match sender {
            Sender::Member(_) => true,
            Sender::External(_) | Sender::NewMemberProposal => ct == ContentType::Proposal,
            Sender::NewMemberCommit => ct == ContentType::Commit,
        }
    }
}

/// `opaque` helper: a VLBytes from a slice.
pub(crate) fn vl(b: &[u8]) -> VLBytes {
    VLBytes::new(b.to_vec())
}
