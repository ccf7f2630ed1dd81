//! KeyPackage errors (RFC 9420 §10).

use core::fmt;

/// A KeyPackage rule was broken. Each variant names its section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyPackageError {
    /// RFC 9420 §10.1: the protocol version is not the group's (mls10).
    VersionMismatch,
    /// RFC 9420 §10.1: the cipher suite is not the group's.
    CipherSuiteMismatch,
    /// RFC 9420 §10.1, §5.1: the cipher suite is not served by the provider.
    UnsupportedCipherSuite,
    /// RFC 9420 §10: the signature over `KeyPackageTBS` does not verify.
    SignatureInvalid,
    /// RFC 9420 §10, §7.3: the leaf node's source is not `key_package`.
    LeafSourceNotKeyPackage,
    /// RFC 9420 §7.3: the signature over `LeafNodeTBS` does not verify.
    LeafSignatureInvalid,
    /// RFC 9420 §7.3: the current time is outside the leaf's lifetime.
    LifetimeInvalid,
    /// RFC 9420 §10, §7.2: a non-default extension of the KeyPackage or of
    /// its leaf is not listed in `capabilities.extensions`.
    ExtensionNotInCapabilities,
    /// RFC 9420 §7.2: the leaf's credential type is not listed in
    /// `capabilities.credentials`.
    CredentialTypeNotInCapabilities,
    /// RFC 9420 §13.4: the KeyPackage's or its leaf's extensions hold two
    /// of one type.
    DuplicateExtension,
    /// RFC 9420 §10.1: `init_key` equals `leaf_node.encryption_key`.
    InitKeyEqualsEncryptionKey,
}

impl fmt::Display for KeyPackageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Self::VersionMismatch => "KeyPackage version is not the group's (RFC 9420 §10.1)",
            Self::CipherSuiteMismatch => {
                "KeyPackage cipher suite is not the group's (RFC 9420 §10.1)"
            }
            Self::UnsupportedCipherSuite => "KeyPackage cipher suite not served (RFC 9420 §10.1)",
            Self::SignatureInvalid => "KeyPackage signature invalid (RFC 9420 §10)",
            Self::LeafSourceNotKeyPackage => {
                "KeyPackage leaf source is not key_package (RFC 9420 §10)"
            }
            Self::LeafSignatureInvalid => "KeyPackage leaf signature invalid (RFC 9420 §7.3)",
            Self::LifetimeInvalid => "KeyPackage leaf lifetime does not cover now (RFC 9420 §7.3)",
            Self::ExtensionNotInCapabilities => {
                "extension not listed in capabilities (RFC 9420 §10, §7.2)"
            }
            Self::CredentialTypeNotInCapabilities => {
                "credential type not listed in capabilities (RFC 9420 §7.2)"
            }
            Self::DuplicateExtension => "two extensions of one type (RFC 9420 §13.4)",
            Self::InitKeyEqualsEncryptionKey => {
                "init_key equals the leaf encryption_key (RFC 9420 §10.1)"
            }
        };
        f.write_str(s)
    }
}

impl core::error::Error for KeyPackageError {}
