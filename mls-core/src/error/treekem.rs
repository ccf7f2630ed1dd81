//! TreeKEM errors (RFC 9420 §7.4–§7.6).

use core::fmt;

/// A TreeKEM rule an UpdatePath broke. Each names its section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TreeKemError {
    /// RFC 9420 §7.3: the path's leaf node source is not `commit`.
    LeafSourceNotCommit,
    /// RFC 9420 §7.3: the path's leaf node signature does not verify.
    LeafSignatureInvalid,
    /// RFC 9420 §12.4.2: the path length differs from the filtered direct path.
    PathLengthMismatch,
    /// RFC 9420 §7.9.2: the leaf's parent hash does not match the path.
    ParentHashMismatch,
    /// RFC 9420 §7.6: the number of encrypted path secrets differs from the
    /// resolution of the copath node.
    CiphertextCountMismatch,
    /// RFC 9420 §7.6: no private key for any node of the resolution.
    NoDecryptionKey,
    /// RFC 9420 §7.6: the path secret did not decrypt.
    DecryptionFailed,
    /// RFC 9420 §7.6: a derived public key differs from the one sent.
    PublicKeyMismatch,
    /// The receiver is the sender, or not in the tree.
    NotARecipient,
    /// RFC 9420 §12.2, §16.7: one public key appears twice in the
    /// UpdatePath (leaf and path nodes).
    DuplicatePublicKey,
}

impl fmt::Display for TreeKemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid UpdatePath: ")?;
        f.write_str(match self {
            Self::LeafSourceNotCommit => "its leaf's source is not `commit` (RFC 9420 §7.3)",
            Self::LeafSignatureInvalid => "its leaf's signature does not verify (RFC 9420 §7.3)",
            Self::PathLengthMismatch => {
                "its length differs from the filtered direct path (RFC 9420 §12.4.2)"
            }
            Self::ParentHashMismatch => {
                "the leaf's parent hash does not match the path (RFC 9420 §7.9.2)"
            }
            Self::CiphertextCountMismatch => {
                "a node's ciphertexts do not match its copath resolution (RFC 9420 §7.6)"
            }
            Self::NoDecryptionKey => "we hold no key of the copath resolution (RFC 9420 §7.6)",
            Self::DecryptionFailed => "the path secret did not decrypt (RFC 9420 §7.6)",
            Self::PublicKeyMismatch => {
                "a derived public key differs from the one sent (RFC 9420 §7.6)"
            }
            Self::NotARecipient => "we are its sender, or not in the tree",
            Self::DuplicatePublicKey => {
                "one public key appears twice in it (RFC 9420 §12.2, §16.7)"
            }
        })
    }
}

impl core::error::Error for TreeKemError {}
