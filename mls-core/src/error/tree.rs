//! Ratchet tree errors (RFC 9420 §7, §12.4.3.1).

use core::fmt;

/// A rule of the tree a joiner found broken. Each names its section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TreeValidationError {
    /// RFC 9420 §12.4.3.3: the node array is not a ratchet tree.
    Malformed(TreeShapeError),
    /// RFC 9420 §12.4.3.1: the tree hash differs from GroupInfo's.
    TreeHashMismatch,
    /// RFC 9420 §7.9.2: a non-blank parent is not parent-hash valid with
    /// respect to exactly one descendant.
    ParentHashInvalid {
        /// The parent node.
        node: u32,
    },
    /// RFC 9420 §7.3: a leaf's signature does not verify.
    LeafSignatureInvalid,
    /// RFC 9420 §12.4.3.1: an unmerged leaf is blank, not a descendant, not
    /// sorted, or missing from an intermediate node.
    UnmergedLeavesInvalid {
        /// The parent node.
        node: u32,
    },
    /// RFC 9420 §7.3, §12.4.3.1: an encryption key appears twice.
    DuplicateEncryptionKey,
    /// RFC 9420 §7.3: a signature key appears twice.
    DuplicateSignatureKey,
    /// RFC 9420 §12.4.3.1 (RFC 9180 §7.1.1): a node's encryption key is
    /// not a valid public key of the group's KEM.
    InvalidEncryptionKey {
        /// The node.
        node: u32,
    },
    /// RFC 9420 §7.3: a leaf's credential type is not supported by every
    /// member, or it does not support every credential type in use.
    CredentialTypeUnsupported {
        /// The leaf.
        leaf: u32,
    },
    /// RFC 9420 §7.3: a leaf carries an extension its capabilities omit.
    ExtensionNotInCapabilities {
        /// The leaf.
        leaf: u32,
    },
    /// RFC 9420 §7.3: a leaf's lifetime does not cover the current time.
    LifetimeExpired {
        /// The leaf.
        leaf: u32,
    },
}

impl fmt::Display for TreeValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid ratchet tree: ")?;
        match self {
            Self::Malformed(e) => write!(f, "{e}"),
            Self::TreeHashMismatch => {
                f.write_str("its tree hash differs from the GroupInfo's (RFC 9420 §12.4.3.1)")
            }
            Self::ParentHashInvalid { node } => write!(
                f,
                "parent node {node} is not parent-hash valid for exactly one descendant (RFC 9420 §7.9.2)"
            ),
            Self::LeafSignatureInvalid => {
                f.write_str("a leaf's signature does not verify (RFC 9420 §7.3)")
            }
            Self::UnmergedLeavesInvalid { node } => write!(
                f,
                "the unmerged leaves of parent node {node} are wrong (RFC 9420 §12.4.3.1)"
            ),
            Self::DuplicateEncryptionKey => {
                f.write_str("an encryption key appears twice (RFC 9420 §7.3)")
            }
            Self::DuplicateSignatureKey => {
                f.write_str("a signature key appears twice (RFC 9420 §7.3)")
            }
            Self::InvalidEncryptionKey { node } => write!(
                f,
                "node {node}'s encryption key is not a valid key of the suite's KEM (RFC 9420 §12.4.3.1)"
            ),
            Self::CredentialTypeUnsupported { leaf } => write!(
                f,
                "leaf {leaf}'s credential type is not supported by every member, or it does not support one in use (RFC 9420 §7.3)"
            ),
            Self::ExtensionNotInCapabilities { leaf } => write!(
                f,
                "leaf {leaf} carries an extension its capabilities omit (RFC 9420 §7.3)"
            ),
            Self::LifetimeExpired { leaf } => write!(
                f,
                "leaf {leaf}'s lifetime does not cover the current time (RFC 9420 §7.3)"
            ),
        }
    }
}

impl core::error::Error for TreeValidationError {}

/// Why a node array is not a ratchet tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TreeShapeError {
    /// The array is empty or its last node is blank (RFC 9420 §12.4.3.3).
    EmptyOrTrailingBlank,
    /// A leaf position holds a parent node or vice versa (RFC 9420 §12.4.3.3).
    WrongNodeType,
    /// More nodes than a tree of 2^31 leaves, or than the configured
    /// maximum number of leaves allows (`Limits::max_leaves`).
    TooLarge,
    /// The array ends in a parent node (RFC 9420 §12.4.3.3): no tree a
    /// member can hold ends so, since every non-blank parent has a
    /// non-blank leaf on both sides (§7.5, §12.1.3).
    TrailingParent,
}

impl fmt::Display for TreeShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EmptyOrTrailingBlank => {
                "the node array is empty or ends in a blank node (RFC 9420 §12.4.3.3)"
            }
            Self::WrongNodeType => {
                "a leaf position holds a parent node or a parent position a leaf (RFC 9420 §12.4.3.3)"
            }
            Self::TooLarge => "more nodes than the leaf limit allows",
            Self::TrailingParent => "the node array ends in a parent node (RFC 9420 §12.4.3.3)",
        })
    }
}

impl core::error::Error for TreeShapeError {}
