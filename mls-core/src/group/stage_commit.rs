//! Staging a received commit (RFC 9420 §12.4.2): resolving and applying
//! its proposals, checking and decrypting its UpdatePath, and deriving and
//! confirming the next epoch, as an overlay over the current state.

use alloc::vec::Vec;

use super::commit::{CommitHead, ProcessEnv, StagedCommit};
use super::epoch::{Transition, path_context};
use super::proposals::{Applied, ApplyEnv, Resolved};
use super::{Group, GroupError};
use crate::crypto::{CipherSuiteProvider, CryptoProvider, Secret};
use crate::error::Error;
use crate::messages::{
    Commit, Content, Extension, LeafNode, LeafNodeSource, ProposalOrRef, Sender, UpdatePath,
};
use crate::tree::{StagedTree, TreeRead};
use crate::tree_math::LeafIndex;
use crate::treekem::{
    PrivateUpdate, TreeKemError, TreeKemPrivate, decrypt_update_path, merge_verified_update_path,
};

impl Group {
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
        let committer = self.committer_of(&ac.content.sender, commit)?;
        let resolved = self.resolve(commit, &ac.content.sender)?;
        let mut staged = self.tree.stage();
        let apply_env = ApplyEnv {
            psks: env.psks,
            credentials: env.credentials,
            initial_resumption: false,
            now: env.now,
        };
        let applied =
            self.view()
                .apply_proposals(cs, &mut staged, committer, &resolved, &apply_env)?;
        if (applied.path_required || committer.is_none()) && commit.path.is_none() {
            return Err(GroupError::PathRequired.into());
        }
        let extensions = applied
            .extensions
            .clone()
            .unwrap_or_else(|| self.context.extensions.clone());
        let me = self.private.own_leaf;
        let self_removed = applied.removed.iter().any(|(i, _)| *i == me);
        let (committer_leaf, secret) = match &commit.path {
            Some(path) => {
                let p = PathInput {
                    committer,
                    applied: &applied,
                    extensions: &extensions,
                    self_removed,
                };
                let (leaf, secret) = self.stage_path(cs, &mut staged, path, &p, env)?;
                (Some(leaf), secret)
            }
            None => (committer, None),
        };
        let tree_hash = staged.tree_hash(cs)?;
        let diff = staged.finish(cs)?;
        let tag = ac
            .auth
            .confirmation_tag
            .as_ref()
            .ok_or(GroupError::InvalidSignature)?;
        // Encoded once, from the bytes the signature was checked over.
        let input = ac.transcript_input()?;
        let transition = Transition {
            base: &self.context,
            interim: &self.interim_transcript_hash,
            tree_hash: tree_hash.as_slice(),
            extensions: &extensions,
        };
        let head = |context, secrets, interim, private| CommitHead {
            committer: ac.content.sender,
            committer_leaf,
            tree_diff: Some(diff),
            context,
            secrets,
            interim,
            confirmation_tag: tag.as_slice().to_vec(),
            private,
            base_interim: self.interim_transcript_hash.clone(),
            self_removed,
            signature: ac.auth.signature.as_slice().to_vec(),
        };
        if self_removed {
            let (context, _) = transition.confirm(cs, &input)?;
            let head = head(context, None, Vec::new(), None);
            return Ok(StagedCommit::new(head, applied, &resolved));
        }
        let (commit_secret, private) = match secret {
            Some((s, p)) => (s, Some(p)),
            None => (Secret::zero(cs.kdf().nh())?, None),
        };
        let psk = self.psk_secret_for(cs, &applied.psks, env.psks)?;
        let init_secret = self.init_secret_for(cs, &applied)?;
        let next = transition.run(cs, &input, &init_secret, commit_secret.as_bytes(), &psk)?;
        next.verify_confirmation_tag(cs, tag.as_slice())?;
        let interim = next.interim(cs, tag.as_slice())?;
        let head = head(next.context, Some(next.derived.epoch), interim, private);
        Ok(StagedCommit::new(head, applied, &resolved))
    }

    /// The committer's leaf (`None` for an external commit), checking the
    /// sender may commit (RFC 9420 §12.4.2) and that an external commit
    /// carries no proposal by reference (§12.4.3.2: the joiner cannot
    /// judge proposals sent within the group).
    fn committer_of(&self, sender: &Sender, commit: &Commit) -> Result<Option<LeafIndex>, Error> {
        match sender {
            Sender::Member(i) if self.tree.leaf(LeafIndex(*i)).is_some() => Ok(Some(LeafIndex(*i))),
            Sender::Member(_) => Err(GroupError::UnknownSender.into()),
            Sender::NewMemberCommit
                if commit
                    .proposals
                    .iter()
                    .any(|p| matches!(p, ProposalOrRef::Reference(_))) =>
            {
                Err(GroupError::ProposalByReferenceInExternalCommit.into())
            }
            Sender::NewMemberCommit => Ok(None),
            _ => Err(GroupError::SenderNotAllowed.into()),
        }
    }

    /// The init secret the commit's epoch starts from: ours, or for an
    /// external commit the one its ExternalInit carries (RFC 9420 §8.3).
    fn init_secret_for(
        &self,
        cs: &dyn CipherSuiteProvider,
        applied: &Applied,
    ) -> Result<Secret, Error> {
        let Some(kem_output) = &applied.external_init else {
            return Ok(self.secrets.init_secret.duplicate());
        };
        let (external_priv, _) = self.secrets.external_key_pair(cs)?;
        let s = cs.hpke().setup_receiver_and_export(
            &external_priv,
            kem_output,
            b"",
            b"MLS 1.0 external init secret",
            cs.kdf().nh(),
        )?;
        Ok(Secret::from_slice(s.as_bytes())?)
    }

    /// A received UpdatePath (RFC 9420 §12.4.2): its leaf checked and
    /// merged into `staged`, then, unless the commit removes us, the path
    /// secret decrypted. Returns the committer's leaf (an external
    /// joiner's new one) and the commit secret with our private-key
    /// changes.
    fn stage_path(
        &self,
        cs: &dyn CipherSuiteProvider,
        staged: &mut StagedTree<'_>,
        path: &UpdatePath,
        p: &PathInput<'_>,
        env: &ProcessEnv<'_>,
    ) -> Result<(LeafIndex, Option<(Secret, PrivateUpdate)>), Error> {
        // RFC 9420 §7.3, §12.4.2: a path's leaf has source `commit`.
        if !matches!(path.leaf_node.leaf_node_source, LeafNodeSource::Commit(_)) {
            return Err(GroupError::LeafNodeSourceMismatch.into());
        }
        // The leaf the new one replaces: the committer's own, or for an
        // external resync the removed one, which it must succeed like an
        // Update would (RFC 9420 §12.2, §12.4.2).
        let predecessor = match p.committer {
            Some(c) => Some(self.tree.leaf(c).ok_or(GroupError::UnknownSender)?),
            None => p.applied.removed.first().map(|(_, l)| l),
        };
        let sender_leaf = p.committer.unwrap_or_else(|| staged.first_free_leaf());
        self.check_path(
            cs,
            staged,
            path,
            sender_leaf,
            predecessor,
            p.extensions,
            env,
        )?;
        // `check_path` verified the leaf's signature for `sender_leaf`.
        let merged = merge_verified_update_path(cs, staged, sender_leaf, path)?;
        if p.self_removed {
            return Ok((sender_leaf, None));
        }
        let ctx_bytes = path_context(
            &self.context,
            staged.tree_hash(cs)?.as_slice(),
            p.extensions,
        )?;
        let exclude: Vec<LeafIndex> = p.applied.added.iter().map(|(i, _)| *i).collect();
        let updated = self.own_updated_private(staged, p.applied)?;
        let receiver = updated.as_ref().unwrap_or(&self.private);
        let out = decrypt_update_path(cs, staged, &merged, path, &exclude, &ctx_bytes, receiver)?;
        Ok((sender_leaf, Some((out.commit_secret, out.private))))
    }

    /// The checks on a received path's leaf and keys (RFC 9420 §7.3,
    /// §12.4.2): a fresh encryption key, a valid leaf for its position, a
    /// valid successor credential, keys unique in the tree, parent keys
    /// valid keys of the suite's KEM.
    #[allow(clippy::too_many_arguments)]
    fn check_path(
        &self,
        cs: &dyn CipherSuiteProvider,
        staged: &StagedTree<'_>,
        path: &UpdatePath,
        sender_leaf: LeafIndex,
        predecessor: Option<&LeafNode>,
        extensions: &[Extension],
        env: &ProcessEnv<'_>,
    ) -> Result<(), Error> {
        let leaf = &path.leaf_node;
        if let Some(old) = predecessor {
            if old.encryption_key.as_slice() == leaf.encryption_key.as_slice() {
                return Err(GroupError::EncryptionKeyNotFresh.into());
            }
        }
        let view = self.view();
        super::proposals::validate_leaf(
            &view,
            cs,
            leaf,
            Some(sender_leaf),
            extensions,
            env.credentials,
        )?;
        if let Some(old) = predecessor {
            super::proposals::check_successor(env.credentials, old, leaf)?;
        }
        // RFC 9420 §7.3: the signature key is unique among the members.
        if staged
            .find_signature_key(leaf.signature_key.as_slice())
            .is_some_and(|j| j != sender_leaf)
        {
            return Err(GroupError::DuplicatePublicKey.into());
        }
        // RFC 9420 §12.4.2: no public key of the path may already be in the tree.
        let keys = core::iter::once(leaf.encryption_key.as_slice())
            .chain(path.nodes.iter().map(|n| n.encryption_key.as_slice()));
        for k in keys {
            if staged.encryption_key_in_use(k) {
                return Err(GroupError::DuplicatePublicKey.into());
            }
        }
        // The parent keys are valid keys of the suite's KEM (the leaf key
        // was checked with the leaf).
        for n in &path.nodes {
            super::proposals::check_hpke_key(cs, n.encryption_key.as_slice())?;
        }
        Ok(())
    }

    /// If this commit applies our own Update proposal, our leaf now holds
    /// that proposal's key (RFC 9420 §12.1.2) and our direct path was
    /// blanked: the private state to decrypt the path with is that key
    /// alone.
    fn own_updated_private(
        &self,
        staged: &StagedTree<'_>,
        applied: &Applied,
    ) -> Result<Option<TreeKemPrivate>, Error> {
        let me = self.private.own_leaf;
        if !applied.updated.contains(&me) {
            return Ok(None);
        }
        let pk = staged
            .leaf(me)
            .map(|l| l.encryption_key.as_slice())
            .unwrap_or_default();
        let sk = self
            .pending_updates
            .iter()
            .find(|(p, _)| p.as_slice() == pk)
            .map(|(_, sk)| sk.duplicate())
            .ok_or(TreeKemError::NoDecryptionKey)?;
        Ok(Some(TreeKemPrivate {
            own_leaf: me,
            leaf_key: sk,
            path_keys: Default::default(),
        }))
    }
}

/// What staging a path needs to know about the commit around it.
struct PathInput<'a> {
    committer: Option<LeafIndex>,
    applied: &'a Applied,
    extensions: &'a [Extension],
    self_removed: bool,
}
