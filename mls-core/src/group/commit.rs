//! What a commit is made of, for the three steps of its life: creating
//! one (`create_commit`, RFC 9420 §12.4.1), staging a received one
//! (`stage_commit`, §12.4.2), and merging either (`merge`).

use alloc::vec::Vec;

use super::proposals::{Applied, Resolved};
use super::{CredentialValidator, Group, GroupError, PskStore};
use crate::codec::Encode;
use crate::crypto::{CipherSuiteProvider, Rng, Secret};
use crate::error::Error;
use crate::key_schedule::{EpochSecrets, PskInput, psk_secret};
use crate::messages::{
    AuthenticatedContent, Commit, Extension, GroupContext, GroupInfo, KeyPackage, LeafNode,
    MlsMessage, PreSharedKeyId, Proposal, Psk, ReInit, Sender,
};
use crate::tree::TreeDiff;
use crate::tree_math::LeafIndex;
use crate::treekem::PrivateUpdate;

/// What processing needs from the caller besides the message.
pub struct ProcessEnv<'a> {
    /// External PSKs.
    pub psks: &'a dyn PskStore,
    /// The authentication service.
    pub credentials: &'a dyn CredentialValidator,
    /// The current time (seconds since the Unix epoch), to check the
    /// lifetime of KeyPackages (RFC 9420 §7.3, §10.1); `None` skips it.
    pub now: Option<u64>,
}

impl core::fmt::Debug for ProcessEnv<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ProcessEnv")
    }
}

/// A commit whose effects are computed but not applied: an overlay over the
/// group's current state. Inspect it, then [`Group::merge_staged`] it.
#[derive(Debug)]
#[must_use]
pub struct StagedCommit {
    pub(crate) committer: Sender,
    /// The committer's leaf in the new tree (an external joiner's new one).
    pub(crate) committer_leaf: Option<LeafIndex>,
    pub(crate) tree_diff: Option<TreeDiff>,
    pub(crate) context: GroupContext,
    pub(crate) secrets: Option<EpochSecrets>,
    pub(crate) interim: Vec<u8>,
    pub(crate) confirmation_tag: Vec<u8>,
    pub(crate) private: Option<PrivateUpdate>,
    /// The interim transcript hash of the state it was staged on: with the
    /// group ID and epoch in `context`, it binds the commit to that state.
    pub(crate) base_interim: Vec<u8>,
    pub(crate) self_removed: bool,
    pub(crate) reinit: Option<ReInit>,
    pub(crate) signature: Vec<u8>,
    /// New members (leaf, KeyPackage).
    pub added: Vec<(LeafIndex, KeyPackage)>,
    /// Removed members (leaf, their last leaf node).
    pub removed: Vec<(LeafIndex, LeafNode)>,
    /// Members who replaced their leaf by Update.
    pub updated: Vec<LeafIndex>,
    /// PSKs injected.
    pub psks: Vec<PreSharedKeyId>,
    /// New GroupContext extensions, if changed.
    pub new_extensions: Option<Vec<Extension>>,
    /// Every proposal the commit applies, in order, with who proposed it
    /// (the committer for proposals by value): refuse to merge a commit
    /// whose proposals the application does not accept.
    pub proposals: Vec<super::ProposalSummary>,
}

impl StagedCommit {
    /// The committer.
    pub fn committer(&self) -> &Sender {
        &self.committer
    }
    /// The epoch the commit leads to.
    pub fn new_epoch(&self) -> u64 {
        self.context.epoch
    }
    /// True when the commit removes us: merging it deactivates the group.
    pub fn removes_self(&self) -> bool {
        self.self_removed
    }
    /// The ReInit committed, if any (RFC 9420 §11.2).
    pub fn reinit(&self) -> Option<&ReInit> {
        self.reinit.as_ref()
    }
    /// The epoch authenticator of the new epoch (None when removed).
    pub fn epoch_authenticator(&self) -> Option<&[u8]> {
        self.secrets
            .as_ref()
            .map(|s| s.epoch_authenticator.as_bytes())
    }
    /// Every leaf node this commit puts into the tree, by leaf: new
    /// members', updated members' and the committer's new leaf (from its
    /// UpdatePath, or an external joiner's). Compare with the current
    /// tree to see whose credential changed (RFC 9420 §5.3.1).
    pub fn new_leaf_nodes(&self) -> impl Iterator<Item = (LeafIndex, &LeafNode)> + '_ {
        self.tree_diff.iter().flat_map(TreeDiff::new_leaves)
    }
    /// The committer's leaf after the commit: for a member commit with a
    /// path, its new leaf node; for an external commit, the joiner's.
    pub fn committer_leaf_node(&self) -> Option<(LeafIndex, &LeafNode)> {
        let i = self.committer_leaf?;
        self.new_leaf_nodes().find(|(j, _)| *j == i)
    }
    /// True when this commit was staged on `group`'s current state: same
    /// group, the epoch right after the current one, same transcript.
    pub(crate) fn is_based_on(&self, group: &Group) -> bool {
        self.context.group_id.as_slice() == group.context.group_id.as_slice()
            && Some(self.context.epoch) == group.context.epoch.checked_add(1)
            && self.base_interim == group.interim_transcript_hash
    }
    pub(crate) fn is_same_commit(&self, ac: &AuthenticatedContent) -> bool {
        ac.auth.signature.as_slice() == self.signature.as_slice()
    }
}

/// What to commit.
#[derive(Debug, Clone, Default)]
pub struct CommitOptions {
    /// Proposals to include by value.
    pub proposals: Vec<Proposal>,
    /// Include every cached proposal by reference.
    pub include_pending: bool,
    /// Include an UpdatePath even when not required.
    pub force_path: bool,
    /// Authenticated data of the commit message.
    pub authenticated_data: Vec<u8>,
}

/// The messages a commit produced.
#[derive(Debug)]
#[must_use]
pub struct CommitOutput {
    /// The Commit, to send to the group.
    pub commit: MlsMessage,
    /// The Welcome for new members, if any were added.
    pub welcome: Option<MlsMessage>,
    /// The signed GroupInfo of the new epoch, the one inside the Welcome,
    /// when the commit adds members (with the ratchet tree if the config
    /// puts it in Welcomes). A commit that adds nobody signs none: after
    /// merging, `Group::group_info` gives one for external joiners.
    pub group_info: Option<GroupInfo>,
}

/// Randomness and policy for creating a commit.
pub struct CommitEnv<'a> {
    /// Randomness.
    pub rng: &'a mut dyn Rng,
    /// External PSKs.
    pub psks: &'a dyn PskStore,
    /// The authentication service.
    pub credentials: &'a dyn CredentialValidator,
    /// The current time (seconds since the Unix epoch). RFC 9420 §7.3: a
    /// KeyPackage's lifetime MUST cover it when we send its Add; `None`
    /// skips the check.
    pub now: Option<u64>,
}

impl core::fmt::Debug for CommitEnv<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("CommitEnv")
    }
}

/// What a commit does to the epoch besides its proposals' effects: the
/// parts of a [`StagedCommit`] that creating and staging compute.
pub(crate) struct CommitHead {
    pub committer: Sender,
    pub committer_leaf: Option<LeafIndex>,
    pub tree_diff: Option<TreeDiff>,
    pub context: GroupContext,
    pub secrets: Option<EpochSecrets>,
    pub interim: Vec<u8>,
    pub confirmation_tag: Vec<u8>,
    pub private: Option<PrivateUpdate>,
    pub base_interim: Vec<u8>,
    pub self_removed: bool,
    pub signature: Vec<u8>,
}

impl StagedCommit {
    /// The staged commit of `head` applying `applied`, the effects of the
    /// proposal list `resolved`.
    pub(crate) fn new(head: CommitHead, applied: Applied, resolved: &[Resolved]) -> Self {
        Self {
            committer: head.committer,
            committer_leaf: head.committer_leaf,
            tree_diff: head.tree_diff,
            context: head.context,
            secrets: head.secrets,
            interim: head.interim,
            confirmation_tag: head.confirmation_tag,
            private: head.private,
            base_interim: head.base_interim,
            self_removed: head.self_removed,
            reinit: applied.reinit,
            signature: head.signature,
            added: applied.added,
            removed: applied.removed,
            updated: applied.updated,
            psks: applied.psks,
            new_extensions: applied.extensions,
            proposals: resolved
                .iter()
                .map(|r| super::ProposalSummary::of(&r.proposal, &r.sender))
                .collect(),
        }
    }
}

impl Group {
    /// psk_secret for `ids`, in order (RFC 9420 §8.4): external PSKs from
    /// `store`, resumption PSKs of this group from its own history.
    pub(crate) fn psk_secret_for(
        &self,
        cs: &dyn CipherSuiteProvider,
        ids: &[PreSharedKeyId],
        store: &dyn PskStore,
    ) -> Result<Secret, Error> {
        let own_group = self.context.group_id.as_slice();
        resolve_psk_secret(cs, ids, store, |group_id, epoch| {
            if group_id == own_group {
                self.resumption_psk(epoch).map(|s| s.as_bytes())
            } else {
                store.resumption_psk(group_id, epoch)
            }
        })
    }
}

/// A point in [`Group::commit`] where a test hook may forge the message.
#[doc(hidden)]
#[non_exhaustive]
#[cfg_attr(not(feature = "test-utils"), allow(dead_code))]
pub enum Forge<'a> {
    /// The Commit, before the FramedContent is signed. `signer`, `cs`,
    /// `group_id` and `sender` let the hook re-sign a changed path leaf.
    Commit {
        /// The Commit to send.
        commit: &'a mut Commit,
        /// The group's cipher suite.
        cs: &'a dyn CipherSuiteProvider,
        /// The committer's signature key.
        signer: &'a dyn crate::crypto::Signer,
        /// The group ID.
        group_id: &'a [u8],
        /// The committer's leaf.
        sender: LeafIndex,
    },
    /// The confirmation tag to send (the committer keeps the real one).
    ConfirmationTag(&'a mut Vec<u8>),
}

impl core::fmt::Debug for Forge<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Commit { .. } => "Forge::Commit",
            Self::ConfirmationTag(_) => "Forge::ConfirmationTag",
        })
    }
}

/// psk_secret for `ids` (RFC 9420 §8.4). External PSKs come from `store`,
/// resumption PSKs from `resumption(group_id, epoch)`; a missing one is
/// [`GroupError::PskNotFound`].
pub(crate) fn resolve_psk_secret<'a>(
    cs: &dyn CipherSuiteProvider,
    ids: &[PreSharedKeyId],
    store: &'a dyn PskStore,
    resumption: impl Fn(&[u8], u64) -> Option<&'a [u8]>,
) -> Result<Secret, Error> {
    let mut encoded = Vec::with_capacity(ids.len());
    let mut values: Vec<&[u8]> = Vec::with_capacity(ids.len());
    for id in ids {
        encoded.push(id.encode()?);
        let v = match &id.psk {
            Psk::External(psk_id) => store.external_psk(psk_id.as_slice()),
            Psk::Resumption(r) => resumption(r.psk_group_id.as_slice(), r.psk_epoch),
        };
        values.push(v.ok_or(GroupError::PskNotFound)?);
    }
    let inputs: Vec<PskInput<'_>> = encoded
        .iter()
        .zip(&values)
        .map(|(id, psk)| PskInput { id, psk })
        .collect();
    psk_secret(cs, &inputs)
}
