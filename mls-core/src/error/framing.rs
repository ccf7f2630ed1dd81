//! Message framing errors (RFC 9420 §6).

use core::fmt;

/// A framing rule of RFC 9420 §6 was broken. Each variant names its section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FramingError {
    /// RFC 9420 §6.2: the membership tag does not match
    /// `MAC(membership_key, AuthenticatedContentTBM)`.
    MembershipTagMismatch,
    /// RFC 9420 §6.2: a member's PublicMessage without a membership tag, or
    /// a non-member's with one.
    MembershipTagPresence,
    /// RFC 9420 §6.2: application data MUST NOT be sent as a PublicMessage.
    ApplicationAsPublic,
    /// RFC 9420 §6.1: the signature over `FramedContentTBS` does not verify.
    SignatureInvalid,
    /// RFC 9420 §6.1: the confirmation tag is present on non-commit content
    /// or missing on a commit.
    ConfirmationTagPresence,
    /// RFC 9420 §6.1: the sender type does not allow this content type
    /// (external and new-member proposals must be proposals, new-member
    /// commits must be commits).
    SenderContentMismatch,
    /// RFC 9420 §6.1: a member or new-member-commit sender needs the
    /// GroupContext (it is part of `FramedContentTBS`).
    GroupContextRequired,
    /// RFC 9420 §6.2: a member sender needs the membership key.
    MembershipKeyRequired,
    /// RFC 9420 §6: the content's wire format is not the one it is being
    /// protected or verified as.
    WrongWireFormat,
    /// RFC 9420 §6.3.2: only member senders can send a PrivateMessage.
    SenderNotMember,
    /// RFC 9420 §6.3.2: the sender data did not decrypt.
    SenderDataDecryptionFailed,
    /// RFC 9420 §6.3.2: the sender's leaf index lies outside the tree.
    SenderLeafOutOfRange,
    /// RFC 9420 §6.3.1: the content did not decrypt.
    ContentDecryptionFailed,
    /// RFC 9420 §6.3.1: the padding of a PrivateMessageContent is not all zeros.
    NonZeroPadding,
    /// RFC 9420 §6.3.1: the decrypted PrivateMessageContent is malformed.
    MalformedContent,
    /// RFC 9420 §6: the message is for another group.
    WrongGroupId,
    /// RFC 9420 §6: the message is for another epoch.
    WrongEpoch,
}

impl fmt::Display for FramingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Self::MembershipTagMismatch => "membership tag mismatch (RFC 9420 §6.2)",
            Self::MembershipTagPresence => {
                "membership tag presence does not match the sender (RFC 9420 §6.2)"
            }
            Self::ApplicationAsPublic => {
                "application data must not be sent as PublicMessage (RFC 9420 §6.2)"
            }
            Self::SignatureInvalid => "content signature invalid (RFC 9420 §6.1)",
            Self::ConfirmationTagPresence => {
                "confirmation tag presence does not match the content type (RFC 9420 §6.1)"
            }
            Self::SenderContentMismatch => {
                "sender type does not allow this content type (RFC 9420 §6.1)"
            }
            Self::GroupContextRequired => {
                "GroupContext required for member and new_member_commit senders (RFC 9420 §6.1)"
            }
            Self::MembershipKeyRequired => {
                "membership key required for member senders (RFC 9420 §6.2)"
            }
            Self::WrongWireFormat => "content has another wire format (RFC 9420 §6)",
            Self::SenderNotMember => "PrivateMessage sender is not a member (RFC 9420 §6.3.2)",
            Self::SenderDataDecryptionFailed => "sender data decryption failed (RFC 9420 §6.3.2)",
            Self::SenderLeafOutOfRange => "sender leaf index out of range (RFC 9420 §6.3.2)",
            Self::ContentDecryptionFailed => "content decryption failed (RFC 9420 §6.3.1)",
            Self::NonZeroPadding => "non-zero padding (RFC 9420 §6.3.1)",
            Self::MalformedContent => "malformed PrivateMessageContent (RFC 9420 §6.3.1)",
            Self::WrongGroupId => "message for another group (RFC 9420 §6)",
            Self::WrongEpoch => "message for another epoch (RFC 9420 §6)",
        };
        f.write_str(s)
    }
}

impl core::error::Error for FramingError {}
