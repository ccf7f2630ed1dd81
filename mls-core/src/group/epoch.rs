//! One epoch as the proposal rules see it, and the step to the next epoch,
//! shared by creating a commit (RFC 9420 §12.4.1), staging a received one
//! (§12.4.2) and joining by external commit (§12.4.3.2).

use alloc::vec::Vec;

use super::{GroupError, Limits, vl};
use crate::codec::Encode;
use crate::crypto::{CipherSuiteProvider, Digest, Secret};
use crate::error::Error;
use crate::key_schedule::{EpochDerivation, derive_epoch};
use crate::messages::{Extension, GroupContext};
use crate::transcript::{
    confirmation_tag, confirmed_transcript_hash, interim_transcript_hash, verify_confirmation_tag,
};
use crate::tree::RatchetTree;

/// The public state of one epoch that validating and applying a proposal
/// list needs (RFC 9420 §12.2, §12.3): a member's current epoch, or the
/// epoch an external joiner learned from a GroupInfo.
#[derive(Clone, Copy)]
pub(crate) struct EpochView<'a> {
    /// The epoch's GroupContext.
    pub context: &'a GroupContext,
    /// The epoch's ratchet tree.
    pub tree: &'a RatchetTree,
    /// The bounds the group accepts.
    pub limits: &'a Limits,
}

/// The number of the epoch after `context`'s.
pub(crate) fn next_epoch(context: &GroupContext) -> Result<u64, Error> {
    context
        .epoch
        .checked_add(1)
        .ok_or_else(|| GroupError::WrongEpoch.into())
}

/// `base` moved to `epoch` with a new tree hash, confirmed transcript hash
/// and extensions (RFC 9420 §8.1): group ID, version and suite stay.
pub(crate) fn next_context(
    base: &GroupContext,
    epoch: u64,
    tree_hash: &[u8],
    confirmed_transcript_hash: &[u8],
    extensions: &[Extension],
) -> GroupContext {
    GroupContext {
        version: base.version,
        cipher_suite: base.cipher_suite,
        group_id: base.group_id.clone(),
        epoch,
        tree_hash: vl(tree_hash),
        confirmed_transcript_hash: vl(confirmed_transcript_hash),
        extensions: extensions.to_vec(),
    }
}

/// The encoded GroupContext an UpdatePath is encrypted under (RFC 9420
/// §12.4.1 step 5, §12.4.2): the next epoch's, with the new tree hash but
/// still the old confirmed transcript hash.
pub(crate) fn path_context(
    base: &GroupContext,
    tree_hash: &[u8],
    extensions: &[Extension],
) -> Result<Vec<u8>, Error> {
    let ctx = next_context(
        base,
        next_epoch(base)?,
        tree_hash,
        base.confirmed_transcript_hash.as_slice(),
        extensions,
    );
    Ok(ctx.encode()?)
}

/// What a commit changes in the key schedule, once its proposals and path
/// are applied.
pub(crate) struct Transition<'a> {
    /// The GroupContext of the epoch the commit is sent in.
    pub base: &'a GroupContext,
    /// That epoch's interim transcript hash.
    pub interim: &'a [u8],
    /// The tree hash after the commit.
    pub tree_hash: &'a [u8],
    /// The GroupContext extensions after the commit.
    pub extensions: &'a [Extension],
}

/// The next epoch, before its confirmation tag is checked or made.
pub(crate) struct NextEpoch {
    /// Its GroupContext.
    pub context: GroupContext,
    /// Its confirmed transcript hash.
    pub confirmed: Digest,
    /// Its secrets, and the joiner secret for a Welcome.
    pub derived: EpochDerivation,
}

impl Transition<'_> {
    /// RFC 9420 §8.2: the confirmed transcript hash over the signed
    /// commit's encoded `ConfirmedTranscriptHashInput`, and the new
    /// GroupContext.
    pub(crate) fn confirm(
        &self,
        cs: &dyn CipherSuiteProvider,
        input: &[u8],
    ) -> Result<(GroupContext, Digest), Error> {
        let confirmed = confirmed_transcript_hash(cs, self.interim, input);
        let context = next_context(
            self.base,
            next_epoch(self.base)?,
            self.tree_hash,
            confirmed.as_slice(),
            self.extensions,
        );
        Ok((context, confirmed))
    }

    /// [`Transition::confirm`] over `input`, then the key schedule (RFC 9420 §8) from
    /// init_secret (the previous epoch's, or from external init),
    /// commit_secret (zero without a path) and psk_secret, over the new
    /// GroupContext encoded once.
    pub(crate) fn run(
        &self,
        cs: &dyn CipherSuiteProvider,
        input: &[u8],
        init_secret: &Secret,
        commit_secret: &[u8],
        psk_secret: &Secret,
    ) -> Result<NextEpoch, Error> {
        let (context, confirmed) = self.confirm(cs, input)?;
        let derived = derive_epoch(
            cs,
            init_secret,
            commit_secret,
            psk_secret,
            &context.encode()?,
        )?;
        Ok(NextEpoch {
            context,
            confirmed,
            derived,
        })
    }
}

impl NextEpoch {
    /// The confirmation tag a committer sends (RFC 9420 §6.1).
    pub(crate) fn confirmation_tag(&self, cs: &dyn CipherSuiteProvider) -> Result<Digest, Error> {
        Ok(confirmation_tag(
            cs,
            &self.derived.epoch.confirmation_key,
            self.confirmed.as_slice(),
        )?)
    }

    /// Checks a received confirmation tag in constant time (RFC 9420
    /// §12.4.2).
    pub(crate) fn verify_confirmation_tag(
        &self,
        cs: &dyn CipherSuiteProvider,
        tag: &[u8],
    ) -> Result<(), Error> {
        verify_confirmation_tag(
            cs,
            &self.derived.epoch.confirmation_key,
            self.confirmed.as_slice(),
            tag,
        )
    }

    /// The new interim transcript hash (RFC 9420 §8.2).
    pub(crate) fn interim(
        &self,
        cs: &dyn CipherSuiteProvider,
        tag: &[u8],
    ) -> Result<Vec<u8>, Error> {
        Ok(interim_transcript_hash(cs, self.confirmed.as_slice(), tag)?.to_vec())
    }
}
