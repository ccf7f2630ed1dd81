//! Commits: staging a received one (RFC 9420 §12.4.2), creating our own
//! (§12.4.1), and merging either (§12.4.2 last steps).

use alloc::vec::Vec;

use crate::codec::VLBytes;

use super::proposals::{ApplyEnv, CachedProposal, Resolved};
use super::{CredentialValidator, Group, GroupError, PskStore, vl};
use crate::codec::Encode;
use crate::crypto::{CipherSuiteProvider, CryptoProvider, Rng, Secret};
use crate::error::{Error, UsageError};
use crate::key_schedule::{EpochSecrets, PskInput, derive_epoch, psk_secret};
use crate::messages::group_context::{Extension, GroupContext};
use crate::messages::{
    AuthenticatedContent, Commit, Content, FramedContent, GroupInfo, KeyPackage, LeafNode,
    LeafNodeSource, MlsMessage, MlsMessageBody, PreSharedKeyId, Proposal, ProposalOrRef, Psk,
    ReInit, Sender, WireFormat,
};
use crate::secret_tree::SecretTree;
use crate::transcript::{
    confirmation_tag, confirmed_transcript_hash, confirmed_transcript_input,
    interim_transcript_hash, verify_confirmation_tag,
};
use crate::tree::{TreeDiff, TreeRead};
use crate::tree_math::{self, LeafIndex};
use crate::treekem::{
    PathParams, PrivateUpdate, create_update_path, decrypt_update_path, merge_update_path,
};

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
    /// The signed GroupInfo of the new epoch. It carries the ratchet tree
    /// only when members were added; after merging, `Group::group_info`
    /// gives one with the tree for external joiners.
    pub group_info: GroupInfo,
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

    fn resolve(&self, commit: &Commit, sender: &Sender) -> Result<Vec<Resolved>, Error> {
        commit
            .proposals
            .iter()
            .map(|p| match p {
                ProposalOrRef::Proposal(p) => Ok(Resolved {
                    proposal: (**p).clone(),
                    sender: *sender,
                }),
                ProposalOrRef::Reference(r) => self
                    .proposals
                    .get(r.as_slice())
                    .map(|c| Resolved {
                        proposal: c.proposal.clone(),
                        sender: c.sender,
                    })
                    .ok_or_else(|| GroupError::UnknownProposalRef.into()),
            })
            .collect()
    }

    pub(crate) fn provisional_context(
        &self,
        epoch: u64,
        tree_hash: &[u8],
        cth: &[u8],
        ext: &[Extension],
    ) -> GroupContext {
        GroupContext {
            version: self.context.version,
            cipher_suite: self.context.cipher_suite,
            group_id: self.context.group_id.clone(),
            epoch,
            tree_hash: vl(tree_hash),
            confirmed_transcript_hash: vl(cth),
            extensions: ext.to_vec(),
        }
    }

    /// Stages a received, authenticated commit (RFC 9420 §12.4.2).
    pub(crate) fn stage_commit(
        &self,
        _provider: &dyn CryptoProvider,
        cs: &dyn CipherSuiteProvider,
        ac: &super::VerifiedContent,
        env: &mut ProcessEnv<'_>,
    ) -> Result<StagedCommit, Error> {
        let Content::Commit(commit) = &ac.content.content else {
            return Err(GroupError::SenderNotAllowed.into());
        };
        let committer = match ac.content.sender {
            Sender::Member(i) => Some(LeafIndex(i)),
            Sender::NewMemberCommit => None,
            _ => return Err(GroupError::SenderNotAllowed.into()),
        };
        if committer.is_some_and(|c| self.tree.leaf(c).is_none()) {
            return Err(GroupError::UnknownSender.into());
        }
        // RFC 9420 §12.4.3.2: an external joiner cannot judge proposals sent
        // within the group, so its Commit carries none by reference.
        if committer.is_none()
            && commit
                .proposals
                .iter()
                .any(|p| matches!(p, ProposalOrRef::Reference(_)))
        {
            return Err(GroupError::ProposalByReferenceInExternalCommit.into());
        }
        let resolved = self.resolve(commit, &ac.content.sender)?;
        let mut staged = self.tree.stage();
        let apply_env = ApplyEnv {
            psks: env.psks,
            credentials: env.credentials,
            initial_resumption: false,
            now: env.now,
        };
        let applied = self.apply_proposals(cs, &mut staged, committer, &resolved, &apply_env)?;
        if (applied.path_required || committer.is_none()) && commit.path.is_none() {
            return Err(GroupError::PathRequired.into());
        }
        let extensions = applied
            .extensions
            .clone()
            .unwrap_or_else(|| self.context.extensions.clone());
        let new_epoch = self
            .context
            .epoch
            .checked_add(1)
            .ok_or(GroupError::WrongEpoch)?;
        let me = self.private.own_leaf;
        let self_removed = applied.removed.iter().any(|(i, _)| *i == me);
        let exclude: Vec<LeafIndex> = applied.added.iter().map(|(i, _)| *i).collect();

        let nh = cs.kdf().nh();
        let mut commit_secret = Secret::zero(nh)?;
        let mut private = None;
        let mut committer_leaf = committer;
        if let Some(path) = &commit.path {
            // RFC 9420 §7.3, §12.4.2: a path's leaf has source `commit`.
            if !matches!(path.leaf_node.leaf_node_source, LeafNodeSource::Commit(_)) {
                return Err(GroupError::LeafNodeSourceMismatch.into());
            }
            // The leaf the new one replaces: the committer's own, or for an
            // external resync the removed one, which it must succeed like an
            // Update would (RFC 9420 §12.2, §12.4.2).
            let predecessor = match committer {
                Some(c) => Some(self.tree.leaf(c).ok_or(GroupError::UnknownSender)?),
                None => applied.removed.first().map(|(_, l)| l),
            };
            if let Some(old) = predecessor {
                if old.encryption_key.as_slice() == path.leaf_node.encryption_key.as_slice() {
                    return Err(GroupError::EncryptionKeyNotFresh.into());
                }
            }
            let sender_leaf = match committer {
                Some(c) => c,
                None => staged.first_free_leaf(),
            };
            committer_leaf = Some(sender_leaf);
            super::proposals::validate_leaf(
                self,
                cs,
                &path.leaf_node,
                Some(sender_leaf),
                &extensions,
                env.credentials,
            )?;
            if let Some(old) = predecessor {
                super::proposals::check_successor(env.credentials, old, &path.leaf_node)?;
            }
            // RFC 9420 §7.3: the signature key is unique among the members.
            if staged
                .find_signature_key(path.leaf_node.signature_key.as_slice())
                .is_some_and(|j| j != sender_leaf)
            {
                return Err(GroupError::DuplicatePublicKey.into());
            }
            // RFC 9420 §12.4.2: no public key of the path may already be in the tree.
            let keys = core::iter::once(path.leaf_node.encryption_key.as_slice())
                .chain(path.nodes.iter().map(|n| n.encryption_key.as_slice()));
            for k in keys {
                if staged.encryption_key_in_use(k) {
                    return Err(GroupError::DuplicatePublicKey.into());
                }
            }
            // The parent keys are valid keys of the suite's KEM (the leaf
            // key was checked with the leaf).
            for n in &path.nodes {
                super::proposals::check_hpke_key(cs, n.encryption_key.as_slice())?;
            }
            let merged = merge_update_path(
                cs,
                &mut staged,
                sender_leaf,
                path,
                self.context.group_id.as_slice(),
            )?;
            if !self_removed {
                let th = staged.tree_hash(cs)?;
                let ctx = self.provisional_context(
                    new_epoch,
                    th.as_slice(),
                    self.context.confirmed_transcript_hash.as_slice(),
                    &extensions,
                );
                let ctx_bytes = ctx.encode()?;
                // If this commit applies our own Update proposal, our leaf
                // now holds that proposal's key (RFC 9420 §12.1.2); our
                // direct path was blanked, so no parent keys are needed.
                let updated_private;
                let receiver = if applied.updated.contains(&me) {
                    let pk = staged
                        .leaf(me)
                        .map(|l| l.encryption_key.as_slice())
                        .unwrap_or_default();
                    let sk = self
                        .pending_updates
                        .iter()
                        .find(|(p, _)| p.as_slice() == pk)
                        .map(|(_, sk)| sk.duplicate())
                        .ok_or(crate::treekem::TreeKemError::NoDecryptionKey)?;
                    updated_private = crate::treekem::TreeKemPrivate {
                        own_leaf: me,
                        leaf_key: sk,
                        path_keys: Default::default(),
                    };
                    &updated_private
                } else {
                    &self.private
                };
                let out = decrypt_update_path(
                    cs, &staged, &merged, path, &exclude, &ctx_bytes, receiver,
                )?;
                commit_secret = out.commit_secret;
                private = Some(out.private);
            }
        }
        let tree_hash = staged.tree_hash(cs)?;
        let diff = staged.finish(cs)?;

        let input = confirmed_transcript_input(ac)?;
        let confirmed = confirmed_transcript_hash(cs, &self.interim_transcript_hash, &input);
        let context = self.provisional_context(
            new_epoch,
            tree_hash.as_slice(),
            confirmed.as_slice(),
            &extensions,
        );
        let tag = ac
            .auth
            .confirmation_tag
            .as_ref()
            .ok_or(GroupError::InvalidSignature)?;

        let mut staged_commit = StagedCommit {
            committer: ac.content.sender,
            committer_leaf,
            tree_diff: Some(diff),
            context,
            secrets: None,
            interim: Vec::new(),
            confirmation_tag: tag.as_slice().to_vec(),
            private,
            base_interim: self.interim_transcript_hash.clone(),
            self_removed,
            reinit: applied.reinit,
            signature: ac.auth.signature.as_slice().to_vec(),
            added: applied.added,
            removed: applied.removed,
            updated: applied.updated,
            psks: applied.psks,
            new_extensions: applied.extensions,
            proposals: resolved
                .iter()
                .map(|r| super::ProposalSummary::of(&r.proposal, &r.sender))
                .collect(),
        };
        if self_removed {
            return Ok(staged_commit);
        }
        let psk = self.psk_secret_for(cs, &staged_commit.psks, env.psks)?;
        let init_secret = match &applied.external_init {
            None => self.secrets.init_secret.duplicate(),
            Some(kem_output) => {
                let (external_priv, _) = self.secrets.external_key_pair(cs)?;
                let s = cs.hpke().setup_receiver_and_export(
                    &external_priv,
                    kem_output,
                    b"",
                    b"MLS 1.0 external init secret",
                    nh,
                )?;
                Secret::from_slice(s.as_bytes())?
            }
        };
        let ctx_bytes = staged_commit.context.encode()?;
        let d = derive_epoch(cs, &init_secret, commit_secret.as_bytes(), &psk, &ctx_bytes)?;
        verify_confirmation_tag(
            cs,
            &d.epoch.confirmation_key,
            confirmed.as_slice(),
            tag.as_slice(),
        )?;
        staged_commit.interim =
            interim_transcript_hash(cs, confirmed.as_slice(), tag.as_slice())?.to_vec();
        staged_commit.secrets = Some(d.epoch);
        Ok(staged_commit)
    }

    /// Which cached proposals (indices into `cached`, in order) a commit
    /// with the `by_value` proposals includes. RFC 9420 §12.4: the committer
    /// includes every valid proposal it received, and §12.2: of conflicting
    /// ones it prefers a Remove over an Update and the latest Update over
    /// earlier ones, and other proposals over a ReInit. An invalid proposal
    /// (a bad KeyPackage or key, a PSK we lack, ...) is left out rather
    /// than blocking every commit of the epoch.
    ///
    /// Called only when the whole list is invalid. Linear in the common
    /// cases, so that one bad proposal among many costs one validation
    /// each, not one per pair:
    /// 1. each cached proposal is validated alone; the invalid ones go;
    /// 2. structural conflicts are resolved in preference order: one
    ///    change per leaf, one Add per signature or encryption key, one
    ///    use of each PSK, one GroupContextExtensions, a ReInit only alone;
    /// 3. the rest is validated once. Only if it is still invalid (the
    ///    proposals are valid alone and do not collide, but not together)
    ///    is each kept greedily, one validation per proposal.
    fn select_cached(
        &self,
        cs: &dyn CipherSuiteProvider,
        me: LeafIndex,
        cached: &[&CachedProposal],
        by_value: &[Resolved],
        env: &ApplyEnv<'_>,
    ) -> Vec<usize> {
        use alloc::collections::BTreeSet;
        let as_list = |chosen: &[usize]| -> Vec<Resolved> {
            chosen
                .iter()
                .filter_map(|&i| cached.get(i))
                .map(|c| Resolved {
                    proposal: c.proposal.clone(),
                    sender: c.sender,
                })
                .chain(by_value.iter().cloned())
                .collect()
        };
        let valid = |chosen: &[usize]| {
            self.apply_proposals(cs, &mut self.tree.stage(), Some(me), &as_list(chosen), env)
                .is_ok()
        };
        // Each cached proposal alone, without the by-value ones: a bulk add
        // by value with a few cached proposals costs one validation of the
        // Adds, not one per cached proposal. (Collisions with the by-value
        // proposals are claimed below; joint validity is checked last.)
        let valid_alone = |i: usize| {
            cached.get(i).is_some_and(|c| {
                let one = [Resolved {
                    proposal: c.proposal.clone(),
                    sender: c.sender,
                }];
                self.apply_proposals(cs, &mut self.tree.stage(), Some(me), &one, env)
                    .is_ok()
            })
        };
        let n = cached.len();
        let mut order: Vec<usize> = (0..n).filter(|&i| valid_alone(i)).collect();
        order.sort_by_key(|&i| match cached.get(i).map(|c| &c.proposal) {
            Some(Proposal::Remove(_)) => (0, i),
            Some(Proposal::Update(_)) => (1, n - i),
            Some(Proposal::ReInit(_)) => (3, i),
            _ => (2, i),
        });
        // Leaves the by-value proposals already change, keys they add.
        let mut leaves: BTreeSet<u32> = BTreeSet::new();
        let mut keys: BTreeSet<Vec<u8>> = BTreeSet::new();
        let mut psks: BTreeSet<Vec<u8>> = BTreeSet::new();
        let mut gce = false;
        let mut others = !by_value.is_empty();
        let mut claim = |p: &Proposal, sender: &Sender| -> bool {
            let ok = match p {
                Proposal::Remove(r) => leaves.insert(r.removed),
                Proposal::Update(u) => match sender {
                    Sender::Member(i) => {
                        leaves.insert(*i)
                            && keys.insert(u.leaf_node.encryption_key.as_slice().to_vec())
                    }
                    _ => false,
                },
                Proposal::Add(a) => {
                    let leaf = &a.key_package.leaf_node;
                    keys.insert(leaf.signature_key.as_slice().to_vec())
                        && keys.insert(leaf.encryption_key.as_slice().to_vec())
                        && keys.insert(a.key_package.init_key.as_slice().to_vec())
                }
                Proposal::PreSharedKey(psk) => {
                    psk.psk.encode().map(|id| psks.insert(id)).unwrap_or(false)
                }
                Proposal::GroupContextExtensions(_) => !core::mem::replace(&mut gce, true),
                // A ReInit only when nothing else is in the commit (it
                // sorts last, so everything else was claimed before it).
                Proposal::ReInit(_) => !others,
                _ => true,
            };
            others |= ok;
            ok
        };
        for r in by_value {
            claim(&r.proposal, &r.sender);
        }
        let mut chosen: Vec<usize> = Vec::new();
        for i in order {
            if let Some(c) = cached.get(i) {
                if claim(&c.proposal, &c.sender) {
                    chosen.push(i);
                }
            }
        }
        chosen.sort_unstable();
        if valid(&chosen) {
            return chosen;
        }
        // Valid alone, no collision, invalid together: keep greedily.
        let mut kept: Vec<usize> = Vec::new();
        for i in chosen {
            let pos = kept.partition_point(|&j| j < i);
            kept.insert(pos, i);
            if !valid(&kept) {
                kept.remove(pos);
            }
        }
        kept
    }

    /// Creates a commit (RFC 9420 §12.4.1). The group keeps it pending:
    /// send `commit`, then [`Group::merge_pending`] once the delivery
    /// service accepts it, or [`Group::discard_pending`].
    pub fn commit(
        &mut self,
        provider: &dyn CryptoProvider,
        options: CommitOptions,
        env: &mut CommitEnv<'_>,
    ) -> Result<CommitOutput, Error> {
        self.commit_inner(provider, options, env, false, None)
    }

    /// The member's signature key, so that a negative test can sign forged
    /// leaves and messages. Test builds only (feature `test-utils`).
    #[cfg(feature = "test-utils")]
    #[doc(hidden)]
    pub fn signer_for_testing(&self) -> &crate::crypto::SignaturePrivateKey {
        &self.signer
    }

    /// [`Group::commit`] with a hook that may alter the Commit before it is
    /// signed and the confirmation tag after it is computed: for negative
    /// tests that need a forged but properly signed commit. Test builds
    /// only (feature `test-utils`).
    #[cfg(feature = "test-utils")]
    #[doc(hidden)]
    pub fn commit_forged(
        &mut self,
        provider: &dyn CryptoProvider,
        options: CommitOptions,
        env: &mut CommitEnv<'_>,
        forge: &mut dyn FnMut(Forge<'_>),
    ) -> Result<CommitOutput, Error> {
        self.commit_inner(provider, options, env, false, Some(forge))
    }

    /// [`Group::commit`], optionally as the initial commit of a branch or
    /// reinit group (which alone may carry reinit/branch resumption PSKs).
    pub(crate) fn commit_inner(
        &mut self,
        provider: &dyn CryptoProvider,
        options: CommitOptions,
        env: &mut CommitEnv<'_>,
        initial_resumption: bool,
        mut forge: Option<&mut dyn FnMut(Forge<'_>)>,
    ) -> Result<CommitOutput, Error> {
        if !self.active {
            return Err(UsageError::GroupInactive.into());
        }
        if self.pending.is_some() {
            return Err(UsageError::CommitPending.into());
        }
        let cs = super::suite(provider, self.context.cipher_suite)?;
        let me = self.private.own_leaf;
        let sender = Sender::Member(me.0);
        let apply_env = ApplyEnv {
            psks: env.psks,
            credentials: env.credentials,
            initial_resumption,
            now: env.now,
        };
        let by_value: Vec<Resolved> = options
            .proposals
            .iter()
            .map(|p| Resolved {
                proposal: p.clone(),
                sender,
            })
            .collect();
        // Our own Updates are superseded by the path (RFC 9420 §12.2).
        // So are proposals the policy caches without committing them.
        let policy = self.config.proposal_policy;
        let cached: Vec<&CachedProposal> = if options.include_pending {
            self.proposals
                .iter()
                .filter(|c| !(c.sender == sender && matches!(c.proposal, Proposal::Update(_))))
                .filter(|c| {
                    c.sender == sender
                        || policy.action(&c.sender) == super::ProposalAction::CacheAndCommit
                })
                .collect()
        } else {
            Vec::new()
        };
        let list =
            |chosen: &mut dyn Iterator<Item = usize>| -> (Vec<ProposalOrRef>, Vec<Resolved>) {
                let mut por = Vec::new();
                let mut resolved = Vec::new();
                for c in chosen.filter_map(|i| cached.get(i)) {
                    por.push(ProposalOrRef::Reference(vl(&c.reference)));
                    resolved.push(Resolved {
                        proposal: c.proposal.clone(),
                        sender: c.sender,
                    });
                }
                resolved.extend(by_value.iter().cloned());
                por.extend(
                    options
                        .proposals
                        .iter()
                        .cloned()
                        .map(|p| ProposalOrRef::Proposal(alloc::boxed::Box::new(p))),
                );
                (por, resolved)
            };
        let (mut por, mut resolved) = list(&mut (0..cached.len()));
        let mut staged = self.tree.stage();
        let applied = match self.apply_proposals(cs, &mut staged, Some(me), &resolved, &apply_env) {
            Ok(a) => a,
            // Some cached proposal is invalid or conflicts: choose (one
            // validation pass was the common case; this is the rare one).
            Err(_) if !cached.is_empty() => {
                let chosen = self.select_cached(cs, me, &cached, &by_value, &apply_env);
                (por, resolved) = list(&mut chosen.into_iter());
                staged = self.tree.stage();
                self.apply_proposals(cs, &mut staged, Some(me), &resolved, &apply_env)?
            }
            Err(e) => return Err(e),
        };
        let extensions = applied
            .extensions
            .clone()
            .unwrap_or_else(|| self.context.extensions.clone());
        let new_epoch = self
            .context
            .epoch
            .checked_add(1)
            .ok_or(GroupError::WrongEpoch)?;
        let exclude: Vec<LeafIndex> = applied.added.iter().map(|(i, _)| *i).collect();
        let nh = cs.kdf().nh();

        let mut commit_secret = Secret::zero(nh)?;
        let mut private = None;
        let mut path = None;
        let mut path_secrets = Vec::new();
        if applied.path_required || options.force_path {
            let template = self.tree.leaf(me).ok_or(UsageError::NoSuchMember)?.clone();
            let cth = self.context.confirmed_transcript_hash.as_slice().to_vec();
            let gc = |th: &[u8]| -> Result<Vec<u8>, Error> {
                Ok(self
                    .provisional_context(new_epoch, th, &cth, &extensions)
                    .encode()?)
            };
            let created = create_update_path(
                cs,
                &mut staged,
                PathParams {
                    sender: me,
                    leaf_template: template,
                    signer: &self.signer,
                    group_id: self.context.group_id.as_slice(),
                    exclude: &exclude,
                    group_context: &gc,
                },
                env.rng,
            )?;
            commit_secret = created.commit_secret;
            private = Some(created.private);
            path_secrets = created.path_secrets;
            path = Some(created.update_path);
        }
        let tree_hash = staged.tree_hash(cs)?;
        // The tree goes into the GroupInfo only for a Welcome (encoding it is
        // O(n)), encoded from the staged view: no copy of the tree.
        // `Group::group_info` gives one with the tree on demand.
        let tree_after = if self.config.ratchet_tree_in_welcome && !applied.added.is_empty() {
            Some(crate::tree::encode_ratchet_tree(&staged)?)
        } else {
            None
        };
        let diff = staged.finish(cs)?;
        let wire_format = if self.config.encrypt_handshake {
            WireFormat::PRIVATE_MESSAGE
        } else {
            WireFormat::PUBLIC_MESSAGE
        };
        let mut commit = Commit {
            proposals: por,
            path,
        };
        if let Some(f) = forge.as_mut() {
            f(Forge::Commit {
                commit: &mut commit,
                cs,
                signer: &self.signer,
                group_id: self.context.group_id.as_slice(),
                sender: me,
            });
        }
        let content = FramedContent {
            group_id: self.context.group_id.clone(),
            epoch: self.context.epoch,
            sender,
            authenticated_data: VLBytes::new(options.authenticated_data),
            content: Content::Commit(commit),
        };
        // Signed and (below) tagged by the framing functions the official
        // vectors exercise (RFC 9420 §6.1, §6.2).
        let mut ac = crate::protect::sign_content(
            cs,
            &self.signer,
            wire_format,
            content,
            Some(&self.context),
        )?;
        let signature = ac.auth.signature.as_slice().to_vec();
        let input = confirmed_transcript_input(&ac)?;
        let confirmed = confirmed_transcript_hash(cs, &self.interim_transcript_hash, &input);
        let context = self.provisional_context(
            new_epoch,
            tree_hash.as_slice(),
            confirmed.as_slice(),
            &extensions,
        );
        let ctx_bytes = context.encode()?;
        let psk = self.psk_secret_for(cs, &applied.psks, env.psks)?;
        let d = derive_epoch(
            cs,
            &self.secrets.init_secret,
            commit_secret.as_bytes(),
            &psk,
            &ctx_bytes,
        )?;
        let tag = confirmation_tag(cs, &d.epoch.confirmation_key, confirmed.as_slice())?;
        let mut sent_tag = tag.to_vec();
        if let Some(f) = forge.as_mut() {
            f(Forge::ConfirmationTag(&mut sent_tag));
        }
        ac.auth.confirmation_tag = Some(VLBytes::new(sent_tag));
        let interim = interim_transcript_hash(cs, confirmed.as_slice(), tag.as_slice())?.to_vec();

        // PrivateMessage under the current epoch's secret tree (the key is
        // consumed now: it was used to send), or PublicMessage with the
        // membership tag of the current epoch.
        // The key is applied only after the last step that can fail, so a
        // failed commit changes nothing.
        let mut tree_update = None;
        let message = if self.config.encrypt_handshake {
            let p = crate::protect::protect_private(
                cs,
                &ac,
                &self.secret_tree,
                &self.secrets.sender_data_secret,
                0,
                env.rng,
            )?;
            tree_update = Some(p.update);
            MlsMessage {
                body: MlsMessageBody::PrivateMessage(p.message),
            }
        } else {
            MlsMessage {
                body: MlsMessageBody::PublicMessage(crate::protect::protect_public(
                    cs,
                    &ac,
                    Some(&self.context),
                    Some(&self.secrets.membership_key),
                )?),
            }
        };

        // GroupInfo of the new epoch (RFC 9420 §12.4.3), signed by us.
        let (_, external_pub) = d.epoch.external_key_pair(cs)?;
        let group_info = super::external::build_group_info(
            cs,
            &self.signer,
            me,
            context.clone(),
            tag.as_slice(),
            &external_pub,
            tree_after,
        )?;

        let welcome = if applied.added.is_empty() {
            None
        } else {
            let lca_secrets: Vec<Option<&Secret>> = applied
                .added
                .iter()
                .map(|(leaf, _)| {
                    let lca = tree_math::common_ancestor(me.node(), leaf.node());
                    path_secrets.iter().find(|(x, _)| *x == lca).map(|(_, s)| s)
                })
                .collect();
            let new_members: Vec<crate::seal_welcome::NewMember<'_>> = applied
                .added
                .iter()
                .zip(&lca_secrets)
                .map(|((_, kp), ps)| crate::seal_welcome::NewMember {
                    key_package: kp,
                    path_secret: *ps,
                })
                .collect();
            let w = crate::seal_welcome::encrypt_welcome(
                cs,
                &group_info,
                &d.joiner_secret,
                &psk,
                &applied.psks,
                &new_members,
                env.rng,
            )?;
            Some(MlsMessage {
                body: MlsMessageBody::Welcome(w),
            })
        };

        if let Some(u) = tree_update {
            self.secret_tree.apply(u)?;
        }
        self.pending = Some(alloc::boxed::Box::new(StagedCommit {
            committer: sender,
            committer_leaf: Some(me),
            tree_diff: Some(diff),
            context,
            secrets: Some(d.epoch),
            interim,
            confirmation_tag: tag.to_vec(),
            private,
            base_interim: self.interim_transcript_hash.clone(),
            self_removed: false,
            reinit: applied.reinit,
            signature,
            added: applied.added,
            removed: applied.removed,
            updated: applied.updated,
            psks: applied.psks,
            new_extensions: applied.extensions,
            proposals: resolved
                .iter()
                .map(|r| super::ProposalSummary::of(&r.proposal, &r.sender))
                .collect(),
        }));
        Ok(CommitOutput {
            commit: message,
            welcome,
            group_info,
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
        signer: &'a crate::crypto::SignaturePrivateKey,
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

/// Applies a staged commit (RFC 9420 §12.4.2, last steps; §7.5 deletion).
pub(crate) fn merge(group: &mut Group, staged: StagedCommit) {
    if staged.self_removed {
        group.active = false;
        group.proposals.clear();
        group.pending = None;
        return;
    }
    let Some(secrets) = staged.secrets else {
        return;
    };
    if let Some(diff) = staged.tree_diff {
        // Keep the ending epoch for late application messages (§15.3).
        if group.config.max_past_epochs > 0 {
            let changed = diff
                .changed_leaves()
                .map(|i| {
                    (
                        i.0,
                        group
                            .tree
                            .leaf(i)
                            .map(|l| l.signature_key.as_slice().to_vec()),
                    )
                })
                .collect();
            // Replaced by the new epoch's tree below.
            let placeholder = SecretTree::new(Secret::empty(), 0, group.config.ratchet);
            group.past_epochs.push_front(super::PastEpoch {
                context: group.context.clone(),
                secret_tree: core::mem::replace(&mut group.secret_tree, placeholder),
                sender_data_secret: group.secrets.sender_data_secret.duplicate(),
                changed,
            });
            group.past_epochs.truncate(group.config.max_past_epochs);
        }
        group.tree.apply(diff);
    }
    let old_epoch = group.context.epoch;
    let old_resumption = core::mem::replace(&mut group.secrets, secrets).resumption_psk;
    group
        .resumption_psks
        .push_front((old_epoch, old_resumption));
    group
        .resumption_psks
        .truncate(group.config.max_resumption_psks);
    group.context = staged.context;
    group.interim_transcript_hash = staged.interim;
    group.confirmation_tag = staged.confirmation_tag;
    if let Some(p) = staged.private {
        group.private.apply(p);
    }
    // A committed Update of ours (RFC 9420 §12.1.2): switch to its key.
    let own_pk = group
        .tree
        .leaf(group.private.own_leaf)
        .map(|l| l.encryption_key.as_slice().to_vec());
    if let Some(pk) = own_pk {
        if let Some(pos) = group.pending_updates.iter().position(|(p, _)| *p == pk) {
            let (_, sk) = group.pending_updates.swap_remove(pos);
            group.private.leaf_key = sk;
        }
    }
    group.pending_updates.clear();
    // Forget keys of nodes that are blank or gone in the new tree.
    let tree = &group.tree;
    group.private.path_keys.retain(|x, _| !tree.is_blank(*x));
    group.secret_tree = SecretTree::new(
        group.secrets.take_encryption_secret(),
        group.tree.n_leaves(),
        group.config.ratchet,
    );
    group.proposals.clear();
    group.pending = None;
    if let Some(r) = staged.reinit {
        group.reinit = Some(r);
        group.active = false;
    }
}
