//! Groups linked to an earlier group by a resumption PSK (RFC 9420 §8.6):
//! subgroup branching (§11.3) and reinitialization (§11.2).

use alloc::vec::Vec;

use crate::codec::VLBytes;

use super::commit::{CommitEnv, CommitOptions, CommitOutput};
use super::join::MemberIdentity;
use super::{Group, GroupConfig, suite};
use crate::crypto::CryptoProvider;
use crate::error::{Error, UsageError};
use crate::messages::{
    Add, KeyPackage, PreSharedKey, PreSharedKeyId, Proposal, Psk, ResumptionPsk, ResumptionPskUsage,
};

impl Group {
    fn resumption_proposal(
        &self,
        provider: &dyn CryptoProvider,
        usage: ResumptionPskUsage,
        rng: &mut dyn crate::crypto::Rng,
    ) -> Result<Proposal, Error> {
        let cs = suite(provider, self.context.cipher_suite)?;
        let mut nonce = alloc::vec![0u8; cs.kdf().nh()];
        rng.fill(&mut nonce)?;
        Ok(Proposal::PreSharedKey(PreSharedKey {
            psk: PreSharedKeyId {
                psk: Psk::Resumption(ResumptionPsk {
                    usage,
                    psk_group_id: self.context.group_id.clone(),
                    psk_epoch: self.context.epoch,
                }),
                psk_nonce: VLBytes::new(nonce),
            },
        }))
    }

    /// Creates a subgroup of this group (RFC 9420 §11.3): a new group with
    /// the same version and suite, whose initial commit adds `members` (fresh
    /// KeyPackages of members of this group) and injects this epoch's
    /// resumption PSK with usage `branch`. Returns the new group (at epoch
    /// 1, its commit already merged) and the commit output with the Welcome.
    pub fn branch(
        &self,
        provider: &dyn CryptoProvider,
        new_group_id: Vec<u8>,
        identity: MemberIdentity,
        members: Vec<KeyPackage>,
        config: GroupConfig,
        env: &mut CommitEnv<'_>,
    ) -> Result<(Group, CommitOutput), Error> {
        let psk = self.resumption_proposal(provider, ResumptionPskUsage::Branch, env.rng)?;
        let new = Group::create(
            provider,
            self.context.cipher_suite,
            new_group_id,
            identity,
            self.context.extensions.clone(),
            config,
            env.rng,
        )?;
        self.initial_commit(provider, new, members, psk, env)
    }

    /// Creates the successor of this group after a committed ReInit (RFC
    /// 9420 §11.2): a new group with the ReInit's group ID, version, suite
    /// and extensions, whose initial commit adds `members` and injects the
    /// resumption PSK of this (final) epoch with usage `reinit`.
    pub fn reinit_successor(
        &self,
        provider: &dyn CryptoProvider,
        identity: MemberIdentity,
        members: Vec<KeyPackage>,
        config: GroupConfig,
        env: &mut CommitEnv<'_>,
    ) -> Result<(Group, CommitOutput), Error> {
        let reinit = self.reinit.as_ref().ok_or(UsageError::NoReInit)?;
        let psk = self.resumption_proposal(provider, ResumptionPskUsage::Reinit, env.rng)?;
        let new = Group::create(
            provider,
            reinit.cipher_suite,
            reinit.group_id.as_slice().to_vec(),
            identity,
            reinit.extensions.clone(),
            config,
            env.rng,
        )?;
        self.initial_commit(provider, new, members, psk, env)
    }

    /// The initial commit of a branch / reinit group `new`, with this group
    /// as the store of the resumption PSK.
    fn initial_commit(
        &self,
        provider: &dyn CryptoProvider,
        mut new: Group,
        members: Vec<KeyPackage>,
        psk: Proposal,
        env: &mut CommitEnv<'_>,
    ) -> Result<(Group, CommitOutput), Error> {
        let mut proposals: Vec<Proposal> = members
            .into_iter()
            .map(|key_package| Proposal::Add(Add { key_package }))
            .collect();
        proposals.push(psk);
        let out = {
            let mut inner = CommitEnv {
                rng: &mut *env.rng,
                psks: self,
                credentials: env.credentials,
                now: env.now,
            };
            new.commit_inner(
                provider,
                CommitOptions {
                    proposals,
                    ..CommitOptions::default()
                },
                &mut inner,
                true,
                None,
            )?
        };
        new.merge_pending()?;
        Ok((new, out))
    }
}
