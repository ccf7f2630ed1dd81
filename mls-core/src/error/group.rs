//! Group-level protocol rules (RFC 9420 §7.3, §10.1, §12).

use core::fmt;

/// A rule of RFC 9420 that an incoming message or a requested operation
/// broke at the group level. Each variant names its section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupError {
    /// RFC 9420 §6, §12.4.2: the message is for another epoch.
    WrongEpoch,
    /// RFC 9420 §6.1: the signature does not verify.
    InvalidSignature,
    /// RFC 9420 §6.1: the sender is not a member (blank or out-of-range leaf).
    UnknownSender,
    /// RFC 9420 §6.1: this sender type may not send this content.
    SenderNotAllowed,
    /// RFC 9420 §12.4: a proposal reference names no cached proposal.
    UnknownProposalRef,
    /// RFC 9420 §12.2: the Commit contains an Update by the committer.
    CommitterUpdate,
    /// RFC 9420 §12.2: the Commit removes the committer.
    CommitterRemoved,
    /// RFC 9420 §12.2: two Update/Remove proposals for the same leaf.
    DuplicateLeafChange,
    /// RFC 9420 §12.2: two Adds for the same client, or an Add of a member.
    DuplicateAdd,
    /// RFC 9420 §12.2: two PreSharedKey proposals with the same ID.
    DuplicatePsk,
    /// RFC 9420 §12.2: more than one GroupContextExtensions proposal.
    MultipleGroupContextExtensions,
    /// RFC 9420 §12.2: a ReInit together with other proposals.
    ReInitNotAlone,
    /// RFC 9420 §12.2: an ExternalInit in a regular Commit, or an external
    /// Commit without exactly one.
    ExternalInitMisplaced,
    /// RFC 9420 §12.2: a proposal type external commits may not carry.
    ExternalCommitProposalNotAllowed,
    /// RFC 9420 §12.2: a proposal type some member does not support.
    UnsupportedProposalType,
    /// RFC 9420 §12.1.1: a Remove names a blank or out-of-range leaf.
    RemoveOfBlankLeaf,
    /// RFC 9420 §12.4.2: the Commit needs a path and has none.
    PathRequired,
    /// RFC 9420 §7.3: a leaf node is invalid (a non-KeyPackage leaf with no
    /// position in the group).
    InvalidLeafNode,
    /// RFC 9420 §5.3.1: the authentication service refused a credential.
    CredentialRejected,
    /// RFC 9420 §5.3.1: the authentication service refused a new credential
    /// as the successor of the member's old one.
    InvalidSuccessorCredential,
    /// RFC 9420 §7.3: `leaf_node_source` is wrong for where the leaf
    /// appears (KeyPackage, Update proposal, commit path).
    LeafNodeSourceMismatch,
    /// RFC 9420 §7.3: the LeafNode signature does not verify.
    LeafNodeSignatureInvalid,
    /// RFC 9420 §7.3: the leaf's credential type is not supported by every
    /// member, or the leaf does not support a credential type in use.
    CredentialTypeUnsupported,
    /// RFC 9420 §7.3: the leaf carries an extension its capabilities omit.
    LeafExtensionNotInCapabilities,
    /// RFC 9420 §12.4.3.2: an external Commit includes a proposal by
    /// reference.
    ProposalByReferenceInExternalCommit,
    /// RFC 9420 §7.3: an Update/commit leaf keeps the old encryption key.
    EncryptionKeyNotFresh,
    /// RFC 9420 §7.3, §12.4.2: a public key already appears in the tree.
    DuplicatePublicKey,
    /// RFC 9420 §5.1, §7.3, §10.1 (RFC 9180 §7.1.1): an HPKE public key
    /// (init key, leaf or parent encryption key, external_pub) is not a
    /// valid key of the group's KEM.
    InvalidPublicKey,
    /// RFC 9420 §8.4: a PSK is not available.
    PskNotFound,
    /// The application's [`ProposalPolicy`](crate::group::ProposalPolicy) refuses
    /// proposals from this kind of sender.
    ProposalRefusedByPolicy,
    /// Input beyond a configured bound ([`Limits`](crate::group::Limits)): a
    /// message larger than `max_message_bytes`, a vector with more than
    /// `max_vector_entries` entries, a commit growing the tree past
    /// `max_leaves`, a proposal past `max_cached_proposals`; `limit` names
    /// which.
    LimitExceeded {
        /// Which limit.
        limit: Limit,
    },
    /// RFC 9420 §10.1: a KeyPackage is invalid.
    InvalidKeyPackage,
    /// RFC 9420 §7.3, §10.1: a KeyPackage's lifetime does not cover the
    /// current time.
    KeyPackageExpired,
    /// RFC 9420 §11.1: a member or new member lacks a required capability.
    RequiredCapabilityMissing,
    /// RFC 9420 §13: an extension is not supported by every member.
    UnsupportedExtension,
    /// RFC 9420 §12.4.3.1: the ratchet tree is missing (neither in the
    /// GroupInfo nor supplied).
    MissingRatchetTree,
    /// RFC 9420 §12.4.3.1: our KeyPackage's leaf is not in the tree.
    OwnLeafNotFound,
    /// RFC 9420 §12.4.3.1: the Welcome's path secret does not match the tree.
    PathSecretMismatch,
    /// RFC 9420 §8.3, §12.4.3.2: no external_pub to join with.
    MissingExternalPub,
    /// RFC 9420 §12.4: an own commit arrived back but none is pending, or
    /// it differs from the pending one.
    UnexpectedOwnCommit,
    /// RFC 9420 §12.1.4: a resumption PSK with usage `reinit` or `branch`
    /// outside the initial commit of a reinit or branch group.
    ResumptionPskUsageNotAllowed,
    /// RFC 9420 §11.2, §11.3: a Welcome with a reinit/branch PSK is not at
    /// epoch 1, or does not match the ReInit of the old group.
    ResumptionJoinMismatch,
    /// RFC 9420 §13.4: an extension list holds two extensions of one type.
    DuplicateExtension,
    /// RFC 9420 §12.1.5: a ReInit names a version lower than the group's.
    ReInitVersionTooLow,
    /// RFC 9420 §7.2: a leaf's total lifetime exceeds the configured
    /// maximum (`CredentialValidator::max_leaf_lifetime`).
    LeafLifetimeTooLong,
    /// RFC 9420 §11.2, §11.3, §12.4.3.1: a Welcome carries more than one
    /// resumption PSK with usage `reinit` or `branch`.
    MultipleResumptionPsks,
    /// RFC 9420 §12.1.4: a PreSharedKeyID's psk_nonce is not KDF.Nh bytes.
    InvalidPskNonce,
    /// RFC 9420 §12.1.8: the application did not authorize a proposal from
    /// an external or new-member sender.
    UnauthorizedExternalProposal,
}

impl fmt::Display for GroupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::LimitExceeded { limit } => {
                return write!(f, "input beyond this member's limit {limit} (Limits)");
            }
            Self::WrongEpoch => "the message is for another epoch (RFC 9420 §6, §12.4.2)",
            Self::InvalidSignature => "the signature does not verify (RFC 9420 §6.1)",
            Self::UnknownSender => "the sender is not a member (blank or out-of-range leaf) (RFC 9420 §6.1)",
            Self::SenderNotAllowed => "this sender type may not send this content (RFC 9420 §6.1)",
            Self::UnknownProposalRef => "a proposal reference names no cached proposal (RFC 9420 §12.4)",
            Self::CommitterUpdate => "the Commit contains an Update by the committer (RFC 9420 §12.2)",
            Self::CommitterRemoved => "the Commit removes the committer (RFC 9420 §12.2)",
            Self::DuplicateLeafChange => "two Update/Remove proposals for the same leaf (RFC 9420 §12.2)",
            Self::DuplicateAdd => "two Adds for the same client, or an Add of a member (RFC 9420 §12.2)",
            Self::DuplicatePsk => "two PreSharedKey proposals with the same ID (RFC 9420 §12.2)",
            Self::MultipleGroupContextExtensions => "more than one GroupContextExtensions proposal (RFC 9420 §12.2)",
            Self::ReInitNotAlone => "a ReInit together with other proposals (RFC 9420 §12.2)",
            Self::ExternalInitMisplaced => "an ExternalInit in a regular Commit, or an external Commit without exactly one (RFC 9420 §12.2)",
            Self::ExternalCommitProposalNotAllowed => "a proposal type external commits may not carry (RFC 9420 §12.2)",
            Self::UnsupportedProposalType => "a proposal type some member does not support (RFC 9420 §12.2)",
            Self::RemoveOfBlankLeaf => "a Remove names a blank or out-of-range leaf (RFC 9420 §12.1.1)",
            Self::PathRequired => "the Commit needs a path and has none (RFC 9420 §12.4.2)",
            Self::InvalidLeafNode => "a leaf node is invalid (a non-KeyPackage leaf with no position in the group) (RFC 9420 §7.3)",
            Self::CredentialRejected => "the authentication service refused a credential (RFC 9420 §5.3.1)",
            Self::InvalidSuccessorCredential => "the authentication service refused a new credential as the successor of the member's old one (RFC 9420 §5.3.1)",
            Self::LeafNodeSourceMismatch => "leaf_node_source is wrong for where the leaf appears (KeyPackage, Update proposal, commit path) (RFC 9420 §7.3)",
            Self::LeafNodeSignatureInvalid => "the LeafNode signature does not verify (RFC 9420 §7.3)",
            Self::CredentialTypeUnsupported => "the leaf's credential type is not supported by every member, or the leaf does not support a credential type in use (RFC 9420 §7.3)",
            Self::LeafExtensionNotInCapabilities => "the leaf carries an extension its capabilities omit (RFC 9420 §7.3)",
            Self::ProposalByReferenceInExternalCommit => "an external Commit includes a proposal by reference (RFC 9420 §12.4.3.2)",
            Self::EncryptionKeyNotFresh => "an Update/commit leaf keeps the old encryption key (RFC 9420 §7.3)",
            Self::DuplicatePublicKey => "a public key already appears in the tree (RFC 9420 §7.3, §12.4.2)",
            Self::InvalidPublicKey => "an HPKE public key (init key, leaf or parent encryption key, external_pub) is not a valid key of the group's KEM (RFC 9420 §5.1, §7.3, §10.1 (RFC 9180 §7.1.1))",
            Self::PskNotFound => "a PSK is not available (RFC 9420 §8.4)",
            Self::ProposalRefusedByPolicy => "the application's ProposalPolicy refuses proposals from this kind of sender",
            Self::InvalidKeyPackage => "a KeyPackage is invalid (RFC 9420 §10.1)",
            Self::KeyPackageExpired => "a KeyPackage's lifetime does not cover the current time (RFC 9420 §7.3, §10.1)",
            Self::RequiredCapabilityMissing => "a member or new member lacks a required capability (RFC 9420 §11.1)",
            Self::UnsupportedExtension => "an extension is not supported by every member (RFC 9420 §13)",
            Self::MissingRatchetTree => "the ratchet tree is missing (neither in the GroupInfo nor supplied) (RFC 9420 §12.4.3.1)",
            Self::OwnLeafNotFound => "our KeyPackage's leaf is not in the tree (RFC 9420 §12.4.3.1)",
            Self::PathSecretMismatch => "the Welcome's path secret does not match the tree (RFC 9420 §12.4.3.1)",
            Self::MissingExternalPub => "no external_pub to join with (RFC 9420 §8.3, §12.4.3.2)",
            Self::UnexpectedOwnCommit => "an own commit arrived back but none is pending, or it differs from the pending one (RFC 9420 §12.4)",
            Self::ResumptionPskUsageNotAllowed => "a resumption PSK with usage reinit or branch outside the initial commit of a reinit or branch group (RFC 9420 §12.1.4)",
            Self::ResumptionJoinMismatch => "a Welcome with a reinit/branch PSK is not at epoch 1, or does not match the ReInit of the old group (RFC 9420 §11.2, §11.3)",
            Self::DuplicateExtension => "an extension list holds two extensions of one type (RFC 9420 §13.4)",
            Self::ReInitVersionTooLow => "a ReInit names a version lower than the group's (RFC 9420 §12.1.5)",
            Self::LeafLifetimeTooLong => "a leaf's total lifetime exceeds the configured maximum (CredentialValidator::max_leaf_lifetime) (RFC 9420 §7.2)",
            Self::MultipleResumptionPsks => "a Welcome carries more than one resumption PSK with usage reinit or branch (RFC 9420 §11.2, §11.3, §12.4.3.1)",
            Self::InvalidPskNonce => "a PreSharedKeyID's psk_nonce is not KDF.Nh bytes (RFC 9420 §12.1.4)",
            Self::UnauthorizedExternalProposal => "the application did not authorize a proposal from an external or new-member sender (RFC 9420 §12.1.8)",
        })
    }
}

impl core::error::Error for GroupError {}

#[cfg(test)]
mod tests {
    use super::GroupError;

    #[test]
    fn display_says_what_was_broken_and_where() {
        assert_eq!(
            alloc::format!("{}", GroupError::WrongEpoch),
            "the message is for another epoch (RFC 9420 §6, §12.4.2)"
        );
        for e in [
            GroupError::DuplicatePublicKey,
            GroupError::LimitExceeded {
                limit: super::Limit::MaxLeaves,
            },
            GroupError::ProposalRefusedByPolicy,
            GroupError::InvalidPublicKey,
        ] {
            let s = alloc::format!("{e}");
            assert!(
                !s.is_empty() && !s.contains(&alloc::format!("{e:?}")),
                "{s}"
            );
        }
    }
}

/// A bound of [`Limits`](crate::group::Limits) (or of the ratchet window) that an
/// input went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// `Limits::max_leaves`.
    MaxLeaves,
    /// `Limits::max_message_bytes`.
    MaxMessageBytes,
    /// `Limits::max_vector_entries`.
    MaxVectorEntries,
    /// `Limits::max_cached_proposals`.
    MaxCachedProposals,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MaxLeaves => "max_leaves",
            Self::MaxMessageBytes => "max_message_bytes",
            Self::MaxVectorEntries => "max_vector_entries",
            Self::MaxCachedProposals => "max_cached_proposals",
        })
    }
}
