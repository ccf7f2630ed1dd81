//! Creating a commit (RFC 9420 §12.4.1): choosing the proposals, the
//! UpdatePath, the signed and framed message, the GroupInfo and Welcome of
//! the new epoch. The group keeps it pending until it is merged.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::commit::{CommitEnv, CommitHead, CommitOptions, CommitOutput, Forge, StagedCommit};
use super::epoch::{NextEpoch, Transition, path_context};
use super::proposals::{Applied, ApplyEnv, CachedProposal, Resolved};
use super::{Group, vl};
use crate::codec::{Encode, VLBytes};
use crate::crypto::{CipherSuiteProvider, CryptoProvider, Digest, Rng, Secret};
use crate::error::{Error, UsageError};
use crate::messages::{
    AuthenticatedContent, Commit, Content, Extension, FramedContent, GroupInfo, MlsMessage,
    MlsMessageBody, Proposal, ProposalOrRef, Sender, WireFormat,
};
use crate::secret_tree::SecretTreeUpdate;
use crate::tree::{StagedTree, TreeDiff, TreeRead};
use crate::tree_math::{self, LeafIndex, NodeIndex};
use crate::treekem::{CreatedPath, PathParams, create_update_path};

/// The proposals a commit carries, and their effect on a staged tree.
struct Chosen<'t> {
    por: Vec<ProposalOrRef>,
    resolved: Vec<Resolved>,
    staged: StagedTree<'t>,
    applied: Applied,
}

impl Group {
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

    /// The member's in-memory signature key, so that a negative test can
    /// sign forged leaves and messages. Test builds only (feature `test-utils`).
    #[cfg(feature = "test-utils")]
    #[doc(hidden)]
    pub fn signer_for_testing(&self) -> Option<&crate::crypto::SignaturePrivateKey> {
        self.signer.key()
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
    /// Nothing changes unless it succeeds.
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
        let apply_env = ApplyEnv {
            psks: env.psks,
            credentials: env.credentials,
            initial_resumption,
            now: env.now,
        };
        let Chosen {
            por,
            resolved,
            mut staged,
            applied,
        } = self.choose_proposals(cs, &options, &apply_env)?;
        let extensions = applied
            .extensions
            .clone()
            .unwrap_or_else(|| self.context.extensions.clone());
        let path = if applied.path_required || options.force_path {
            Some(self.create_path(cs, &mut staged, &applied, &extensions, env.rng)?)
        } else {
            None
        };
        let (tree_hash, tree_after, diff) = self.finish_staged(cs, staged, &applied)?;
        let (path, commit_secret, private, path_secrets) = match path {
            Some(c) => (
                Some(c.update_path),
                c.commit_secret,
                Some(c.private),
                c.path_secrets,
            ),
            None => (None, Secret::zero(cs.kdf().nh())?, None, Vec::new()),
        };
        let commit = Commit {
            proposals: por,
            path,
        };
        let mut ac = self.sign_commit(cs, commit, options.authenticated_data, &mut forge)?;
        let psk = self.psk_secret_for(cs, &applied.psks, env.psks)?;
        let next = Transition {
            base: &self.context,
            interim: &self.interim_transcript_hash,
            tree_hash: tree_hash.as_slice(),
            extensions: &extensions,
        }
        .run(
            cs,
            &crate::transcript::confirmed_transcript_input(&ac)?,
            &self.secrets.init_secret,
            commit_secret.as_bytes(),
            &psk,
        )?;
        let tag = next.confirmation_tag(cs)?;
        let mut sent_tag = tag.to_vec();
        if let Some(f) = forge.as_mut() {
            f(Forge::ConfirmationTag(&mut sent_tag));
        }
        ac.auth.confirmation_tag = Some(VLBytes::new(sent_tag));
        let interim = next.interim(cs, tag.as_slice())?;
        let (message, tree_update) = self.frame_commit(cs, &ac, env.rng)?;

        let (group_info, welcome) = self.new_epoch_invitations(
            cs,
            &next,
            tag.as_slice(),
            tree_after,
            (&psk, &applied, &path_secrets),
            env.rng,
        )?;

        // The key that framed the commit is consumed only now, after the
        // last step that can fail: a failed commit changes nothing.
        if let Some(u) = tree_update {
            self.apply_secret_update(u)?;
        }
        let head = CommitHead {
            committer: Sender::Member(me.0),
            committer_leaf: Some(me),
            tree_diff: Some(diff),
            context: next.context,
            secrets: Some(next.derived.epoch),
            interim,
            confirmation_tag: tag.to_vec(),
            private,
            base_interim: self.interim_transcript_hash.clone(),
            self_removed: false,
            signature: ac.auth.signature.as_slice().to_vec(),
        };
        self.pending = Some(Box::new(StagedCommit::new(head, applied, &resolved)));
        Ok(CommitOutput {
            commit: message,
            welcome,
            group_info,
        })
    }

    /// The staged tree's hash, its encoding for a Welcome's GroupInfo, and
    /// its diff. The tree goes into the GroupInfo only when members are
    /// added and the config asks for it (encoding it is O(n)), encoded from
    /// the staged view: no copy of the tree. `Group::group_info` gives one
    /// with the tree on demand.
    fn finish_staged(
        &self,
        cs: &dyn CipherSuiteProvider,
        mut staged: StagedTree<'_>,
        applied: &Applied,
    ) -> Result<(Digest, Option<Vec<u8>>, TreeDiff), Error> {
        let tree_hash = staged.tree_hash(cs)?;
        let tree_after = if self.config.ratchet_tree_in_welcome && !applied.added.is_empty() {
            Some(crate::tree::encode_ratchet_tree(&staged)?)
        } else {
            None
        };
        Ok((tree_hash, tree_after, staged.finish(cs)?))
    }

    /// For a commit that adds members: the signed GroupInfo of the new
    /// epoch (RFC 9420 §12.4.3), with the tree if `tree_after` is given,
    /// and the Welcome for them (§12.4.3.1).
    fn new_epoch_invitations(
        &self,
        cs: &dyn CipherSuiteProvider,
        next: &NextEpoch,
        tag: &[u8],
        tree_after: Option<Vec<u8>>,
        (psk, applied, path_secrets): (&Secret, &Applied, &[(NodeIndex, Secret)]),
        rng: &mut dyn Rng,
    ) -> Result<(Option<GroupInfo>, Option<MlsMessage>), Error> {
        // RFC 9420 §12.4.3: a GroupInfo is needed for a Welcome (and for
        // external joiners, who get one from `Group::group_info`): a commit
        // that adds nobody signs none.
        if applied.added.is_empty() {
            return Ok((None, None));
        }
        let me = self.private.own_leaf;
        let (_, external_pub) = next.derived.epoch.external_key_pair(cs)?;
        let group_info = super::external::build_group_info(
            cs,
            &self.signer,
            me,
            next.context.clone(),
            tag,
            &external_pub,
            tree_after,
        )?;
        let w = crate::seal_welcome::encrypt_welcome(
            cs,
            &group_info,
            &next.derived.joiner_secret,
            psk,
            &applied.psks,
            &new_members(me, applied, path_secrets),
            rng,
        )?;
        let welcome = MlsMessage {
            body: MlsMessageBody::Welcome(w),
        };
        Ok((Some(group_info), Some(welcome)))
    }

    /// The proposals of a commit (RFC 9420 §12.2, §12.4): the `options`'
    /// by value, and with `include_pending` every cached one the policy
    /// commits, except our own Updates, which the path supersedes. If the
    /// whole list is invalid, the cached ones are chosen
    /// ([`Group::select_cached`]); invalid by-value proposals are an error.
    fn choose_proposals(
        &self,
        cs: &dyn CipherSuiteProvider,
        options: &CommitOptions,
        env: &ApplyEnv<'_>,
    ) -> Result<Chosen<'_>, Error> {
        let me = self.private.own_leaf;
        let sender = Sender::Member(me.0);
        let by_value: Vec<Resolved> = options
            .proposals
            .iter()
            .map(|p| Resolved {
                proposal: p.clone(),
                sender,
            })
            .collect();
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
                        .map(|p| ProposalOrRef::Proposal(Box::new(p))),
                );
                (por, resolved)
            };
        let view = self.view();
        let (mut por, mut resolved) = list(&mut (0..cached.len()));
        let mut staged = self.tree.stage();
        let applied = match view.apply_proposals(cs, &mut staged, Some(me), &resolved, env) {
            Ok(a) => a,
            // Some cached proposal is invalid or conflicts: choose (one
            // validation pass was the common case; this is the rare one).
            Err(_) if !cached.is_empty() => {
                let chosen = self.select_cached(cs, me, &cached, &by_value, env);
                (por, resolved) = list(&mut chosen.into_iter());
                staged = self.tree.stage();
                view.apply_proposals(cs, &mut staged, Some(me), &resolved, env)?
            }
            Err(e) => return Err(e),
        };
        Ok(Chosen {
            por,
            resolved,
            staged,
            applied,
        })
    }

    /// A fresh UpdatePath from our leaf (RFC 9420 §7.4, §7.5), encrypted
    /// to everyone but the members this commit adds.
    fn create_path(
        &self,
        cs: &dyn CipherSuiteProvider,
        staged: &mut StagedTree<'_>,
        applied: &Applied,
        extensions: &[Extension],
        rng: &mut dyn Rng,
    ) -> Result<CreatedPath, Error> {
        let me = self.private.own_leaf;
        let template = self.tree.leaf(me).ok_or(UsageError::NoSuchMember)?.clone();
        let exclude: Vec<LeafIndex> = applied.added.iter().map(|(i, _)| *i).collect();
        let gc = |th: &[u8]| path_context(&self.context, th, extensions);
        create_update_path(
            cs,
            staged,
            PathParams {
                sender: me,
                leaf_template: template,
                signer: &self.signer,
                group_id: self.context.group_id.as_slice(),
                exclude: &exclude,
                group_context: &gc,
            },
            rng,
        )
    }

    /// Signs our Commit as FramedContent of the current epoch, with the
    /// framing functions the official vectors exercise (RFC 9420 §6.1).
    /// A test hook in `forge` may change the Commit before it is signed.
    fn sign_commit(
        &self,
        cs: &dyn CipherSuiteProvider,
        mut commit: Commit,
        authenticated_data: Vec<u8>,
        forge: &mut Option<&mut dyn FnMut(Forge<'_>)>,
    ) -> Result<AuthenticatedContent, Error> {
        if let Some(f) = forge.as_mut() {
            f(Forge::Commit {
                commit: &mut commit,
                cs,
                signer: &self.signer,
                group_id: self.context.group_id.as_slice(),
                sender: self.private.own_leaf,
            });
        }
        let content = FramedContent {
            group_id: self.context.group_id.clone(),
            epoch: self.context.epoch,
            sender: Sender::Member(self.private.own_leaf.0),
            authenticated_data: VLBytes::new(authenticated_data),
            content: Content::Commit(commit),
        };
        let wire_format = if self.config.encrypt_handshake {
            WireFormat::PRIVATE_MESSAGE
        } else {
            WireFormat::PUBLIC_MESSAGE
        };
        crate::protect::sign_content(cs, &self.signer, wire_format, content, Some(&self.context))
    }

    /// The tagged commit as a PrivateMessage under the current epoch's
    /// secret tree (with the key update to apply once the commit is made),
    /// or as a PublicMessage with the current membership tag (RFC 9420
    /// §6.2, §6.3).
    fn frame_commit(
        &self,
        cs: &dyn CipherSuiteProvider,
        ac: &AuthenticatedContent,
        rng: &mut dyn Rng,
    ) -> Result<(MlsMessage, Option<SecretTreeUpdate>), Error> {
        if self.config.encrypt_handshake {
            let p = crate::protect::protect_private(
                cs,
                ac,
                &self.secret_tree,
                &self.secrets.sender_data_secret,
                0,
                rng,
            )?;
            let body = MlsMessageBody::PrivateMessage(p.message);
            return Ok((MlsMessage { body }, Some(p.update)));
        }
        let pm = crate::protect::protect_public(
            cs,
            ac,
            Some(&self.context),
            Some(&self.secrets.membership_key),
        )?;
        let body = MlsMessageBody::PublicMessage(pm);
        Ok((MlsMessage { body }, None))
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
            self.view()
                .apply_proposals(cs, &mut self.tree.stage(), Some(me), &as_list(chosen), env)
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
                self.view()
                    .apply_proposals(cs, &mut self.tree.stage(), Some(me), &one, env)
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
                Proposal::Remove(r) => leaves.insert(r.removed.0),
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
}

/// Each new member's KeyPackage with the path secret of the lowest common
/// ancestor of its leaf and ours, if the path set one (RFC 9420 §12.4.3.1).
fn new_members<'a>(
    me: LeafIndex,
    applied: &'a Applied,
    path_secrets: &'a [(NodeIndex, Secret)],
) -> Vec<crate::seal_welcome::NewMember<'a>> {
    applied
        .added
        .iter()
        .map(|(leaf, kp)| {
            let lca = tree_math::common_ancestor(me.node(), leaf.node());
            crate::seal_welcome::NewMember {
                key_package: kp,
                path_secret: path_secrets.iter().find(|(x, _)| *x == lca).map(|(_, s)| s),
            }
        })
        .collect()
}
