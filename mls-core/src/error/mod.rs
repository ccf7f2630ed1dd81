//! Errors by layer: [`CodecError`] (wire), [`CryptoError`] (opaque on
//! purpose), [`ProtocolError`] (one variant per RFC rule) and [`UsageError`]
//! (the caller asked for something impossible). [`Error`] joins them.

use core::fmt;

mod framing;
mod group;
mod key_package;
mod tree;
mod treekem;
mod welcome;

pub use crate::codec::CodecError;
pub use crate::crypto::CryptoError;
pub use framing::FramingError;
pub use group::{GroupError, Limit};
pub use key_package::KeyPackageError;
pub use tree::{TreeShapeError, TreeValidationError};
pub use treekem::TreeKemError;
pub use welcome::WelcomeError;

/// A peer or message broke a rule of RFC 9420. Each variant names its section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// RFC 9420 §8.2: the confirmation tag does not match.
    ConfirmationTagMismatch,
    /// RFC 9420 §9: a secret-tree leaf index outside the tree.
    LeafIndexOutOfRange,
    /// RFC 9420 §9.1: a generation that was already consumed or lies beyond
    /// the configured window.
    GenerationOutOfWindow,
    /// RFC 9420 §9.2: a key or nonce was already consumed (replay).
    SecretReused,
    /// RFC 9420 §9.2: a secret-tree update derived before another was
    /// applied; applying it would bring back consumed keys.
    StaleSecretTreeUpdate,
    /// RFC 9420 §8.4: more PSKs than a uint16 count can carry.
    TooManyPsks,
    /// RFC 9420 §5.1: the cipher suite is not served by the provider.
    UnsupportedCipherSuite,
    /// A ratchet tree rule (RFC 9420 §7, §12.4.3.1).
    Tree(TreeValidationError),
    /// A TreeKEM rule (RFC 9420 §7.4–§7.6).
    TreeKem(TreeKemError),
    /// A group-level rule (RFC 9420 §12).
    Group(GroupError),
    /// A message framing rule (RFC 9420 §6).
    Framing(FramingError),
    /// A KeyPackage rule (RFC 9420 §10, §10.1).
    KeyPackage(KeyPackageError),
    /// A Welcome / GroupInfo rule (RFC 9420 §12.4.3).
    Welcome(WelcomeError),
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Self::ConfirmationTagMismatch => "confirmation tag mismatch (RFC 9420 §8.2)",
            Self::LeafIndexOutOfRange => "leaf index outside the tree (RFC 9420 §9)",
            Self::GenerationOutOfWindow => "generation outside the ratchet window (RFC 9420 §9.1)",
            Self::SecretReused => "key already consumed (RFC 9420 §9.2)",
            Self::StaleSecretTreeUpdate => {
                "secret-tree update derived from an older state (RFC 9420 §9.2)"
            }
            Self::TooManyPsks => "too many PSKs (RFC 9420 §8.4)",
            Self::UnsupportedCipherSuite => {
                "cipher suite not supported by the provider (RFC 9420 §5.1)"
            }
            Self::Tree(e) => return write!(f, "{e}"),
            Self::TreeKem(e) => return write!(f, "{e}"),
            Self::Group(e) => return write!(f, "{e}"),
            Self::Framing(e) => return write!(f, "{e}"),
            Self::KeyPackage(e) => return write!(f, "{e}"),
            Self::Welcome(e) => return write!(f, "{e}"),
        };
        f.write_str(s)
    }
}

/// The caller asked for something the current state cannot do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UsageError {
    /// A requested output length is not possible for the suite.
    InvalidLength,
    /// A commit of ours is pending: merge or discard it first.
    CommitPending,
    /// No commit of ours is pending.
    NoPendingCommit,
    /// The leaf index does not name a member.
    NoSuchMember,
    /// This member was removed or the group reinitialized: it cannot send.
    GroupInactive,
    /// The snapshot bytes are not a group state of a supported version.
    InvalidSnapshot,
    /// The message is not a PublicMessage or PrivateMessage.
    NotAGroupMessage,
    /// No ReInit was committed in this group.
    NoReInit,
    /// The staged commit was staged on another group or epoch than the
    /// group's current one (a competing commit was merged first).
    StaleStagedCommit,
    /// The snapshot holds no signing key (the member signs with an
    /// external signer): restore it with `Group::from_bytes_with_signer`.
    SignerRequired,
}

impl core::error::Error for ProtocolError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Tree(e) => Some(e),
            Self::TreeKem(e) => Some(e),
            Self::Group(e) => Some(e),
            Self::Framing(e) => Some(e),
            Self::KeyPackage(e) => Some(e),
            Self::Welcome(e) => Some(e),
            _ => None,
        }
    }
}

impl core::error::Error for UsageError {}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidLength => f.write_str("invalid requested length"),
            Self::CommitPending => f.write_str("a commit is pending: merge or discard it first"),
            Self::NoPendingCommit => f.write_str("no commit is pending"),
            Self::NoSuchMember => f.write_str("no such member"),
            Self::GroupInactive => f.write_str("the group can no longer be used to send"),
            Self::InvalidSnapshot => f.write_str("invalid group snapshot"),
            Self::NotAGroupMessage => f.write_str("not a PublicMessage or PrivateMessage"),
            Self::NoReInit => f.write_str("no ReInit was committed in this group"),
            Self::SignerRequired => {
                f.write_str("the snapshot holds no signing key: restore it with a signer")
            }
            Self::StaleStagedCommit => {
                f.write_str("the staged commit is not for the group's current epoch")
            }
        }
    }
}

/// Any error of the MLS core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// Malformed wire data.
    Codec(CodecError),
    /// A cryptographic operation failed.
    Crypto(CryptoError),
    /// A protocol rule was broken.
    Protocol(ProtocolError),
    /// The caller misused the API.
    Usage(UsageError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Codec(e) => write!(f, "codec: {e}"),
            Self::Crypto(e) => write!(f, "crypto: {e}"),
            Self::Protocol(e) => write!(f, "protocol: {e}"),
            Self::Usage(e) => write!(f, "usage: {e}"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Codec(e) => Some(e),
            Self::Crypto(e) => Some(e),
            _ => None,
        }
    }
}

impl From<CodecError> for Error {
    fn from(e: CodecError) -> Self {
        Self::Codec(e)
    }
}
impl From<CryptoError> for Error {
    fn from(e: CryptoError) -> Self {
        Self::Crypto(e)
    }
}
impl From<ProtocolError> for Error {
    fn from(e: ProtocolError) -> Self {
        Self::Protocol(e)
    }
}
impl From<UsageError> for Error {
    fn from(e: UsageError) -> Self {
        Self::Usage(e)
    }
}
impl From<tls_codec::Error> for Error {
    fn from(e: tls_codec::Error) -> Self {
        Self::Codec(e.into())
    }
}

impl From<TreeValidationError> for Error {
    fn from(e: TreeValidationError) -> Self {
        Self::Protocol(ProtocolError::Tree(e))
    }
}
impl From<TreeKemError> for Error {
    fn from(e: TreeKemError) -> Self {
        Self::Protocol(ProtocolError::TreeKem(e))
    }
}

impl From<GroupError> for Error {
    fn from(e: GroupError) -> Self {
        Self::Protocol(ProtocolError::Group(e))
    }
}
impl From<FramingError> for Error {
    fn from(e: FramingError) -> Self {
        Self::Protocol(ProtocolError::Framing(e))
    }
}
impl From<KeyPackageError> for Error {
    fn from(e: KeyPackageError) -> Self {
        Self::Protocol(ProtocolError::KeyPackage(e))
    }
}
impl From<WelcomeError> for Error {
    fn from(e: WelcomeError) -> Self {
        Self::Protocol(ProtocolError::Welcome(e))
    }
}
