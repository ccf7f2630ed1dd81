//! Welcome and GroupInfo errors (RFC 9420 §12.4.3).

use core::fmt;

/// A Welcome / GroupInfo rule was broken. Each variant names its section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WelcomeError {
    /// RFC 9420 §12.4.3.1: no entry of `secrets` is for this KeyPackage.
    NoEntryForKeyPackage,
    /// RFC 9420 §12.4.3.1: the Welcome's (or GroupInfo's) cipher suite is
    /// not the KeyPackage's.
    CipherSuiteMismatch,
    /// RFC 9420 §12.4.3.1: the GroupSecrets did not decrypt (or decode).
    GroupSecretsDecryptionFailed,
    /// RFC 9420 §12.4.3.1: the GroupInfo did not decrypt (or decode).
    GroupInfoDecryptionFailed,
    /// RFC 9420 §12.4.3: the GroupInfo signature does not verify.
    GroupInfoSignatureInvalid,
    /// RFC 9420 §12.4.3.1, §8.2: the GroupInfo's confirmation tag does not
    /// match `MAC(confirmation_key, confirmed_transcript_hash)`.
    ConfirmationTagMismatch,
    /// RFC 9420 §12.4.3.1: `joiner_secret` (or `path_secret`) is not KDF.Nh long.
    InvalidSecretLength,
    /// RFC 9420 §12.4.3.1: the GroupContext's version is not the
    /// KeyPackage's (mls10).
    VersionMismatch,
}

impl fmt::Display for WelcomeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Self::NoEntryForKeyPackage => {
                "Welcome has no entry for this KeyPackage (RFC 9420 §12.4.3.1)"
            }
            Self::CipherSuiteMismatch => "Welcome cipher suite mismatch (RFC 9420 §12.4.3.1)",
            Self::GroupSecretsDecryptionFailed => {
                "GroupSecrets decryption failed (RFC 9420 §12.4.3.1)"
            }
            Self::GroupInfoDecryptionFailed => "GroupInfo decryption failed (RFC 9420 §12.4.3.1)",
            Self::GroupInfoSignatureInvalid => "GroupInfo signature invalid (RFC 9420 §12.4.3)",
            Self::ConfirmationTagMismatch => {
                "GroupInfo confirmation tag mismatch (RFC 9420 §12.4.3.1)"
            }
            Self::InvalidSecretLength => "GroupSecrets secret of wrong length (RFC 9420 §12.4.3.1)",
            Self::VersionMismatch => "GroupContext version is not mls10 (RFC 9420 §12.4.3.1)",
        };
        f.write_str(s)
    }
}

impl core::error::Error for WelcomeError {}
