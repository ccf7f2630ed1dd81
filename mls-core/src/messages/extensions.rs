//! Extension types and the extension bodies of RFC 9420 §17.3.
//!
//! The `Extension` container itself is [`crate::messages::group_context::Extension`]
//! (its type is a plain `u16`; [`ExtensionType::of`] wraps it).

#[allow(unused_imports)]
use alloc::format;
use alloc::vec::Vec;

use crate::codec::VLBytes;
use tls_codec::{TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use super::credential::{Credential, CredentialType};
use super::proposal::ProposalType;
use super::{HpkePublicKey, SignaturePublicKey, u16_registry};
use crate::messages::group_context::Extension;

u16_registry! {
    /// `uint16 ExtensionType;` (RFC 9420 §7.2, registry §17.3.)
    ///
    /// Unknown and GREASE (§13.5) values are carried as they are.
    ExtensionType {
        /// `application_id` (LN).
        APPLICATION_ID = 0x0001,
        /// `ratchet_tree` (GI).
        RATCHET_TREE = 0x0002,
        /// `required_capabilities` (GC).
        REQUIRED_CAPABILITIES = 0x0003,
        /// `external_pub` (GI).
        EXTERNAL_PUB = 0x0004,
        /// `external_senders` (GC).
        EXTERNAL_SENDERS = 0x0005,
        /// `last_resort` (KP), draft-ietf-mls-extensions: `struct {} LastResort;`,
        /// an empty body.
        LAST_RESORT = 0x000A,
    }
}

impl ExtensionType {
    /// The type of `ext`.
    pub fn of(ext: &Extension) -> Self {
        Self(ext.extension_type)
    }

    /// True for the five extension types every client implements and that
    /// must not be listed in `Capabilities.extensions` (RFC 9420 §7.2).
    pub fn is_default(self) -> bool {
        (1..=5).contains(&self.0)
    }
}

/// ```text
/// opaque application_id<V>;
/// ```
/// (RFC 9420 §5.3.3.) The body of the `application_id` extension.
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct ApplicationId {
    /// The application-level identifier of the client.
    pub application_id: VLBytes,
}

/// ```text
/// struct {
///     ExtensionType extension_types<V>;
///     ProposalType proposal_types<V>;
///     CredentialType credential_types<V>;
/// } RequiredCapabilities;
/// ```
/// (RFC 9420 §11.1.) The body of the `required_capabilities` extension.
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct RequiredCapabilities {
    /// Extension types all members must support.
    pub extension_types: Vec<ExtensionType>,
    /// Proposal types all members must support.
    pub proposal_types: Vec<ProposalType>,
    /// Credential types all members must support.
    pub credential_types: Vec<CredentialType>,
}

/// ```text
/// struct {
///     HPKEPublicKey external_pub;
/// } ExternalPub;
/// ```
/// (RFC 9420 §12.4.3.2.) The body of the `external_pub` extension.
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct ExternalPub {
    /// The HPKE public key for external commits.
    pub external_pub: HpkePublicKey,
}

/// ```text
/// struct {
///   SignaturePublicKey signature_key;
///   Credential credential;
/// } ExternalSender;
/// ```
/// (RFC 9420 §12.1.8.1.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct ExternalSender {
    /// The external sender's signature key.
    pub signature_key: SignaturePublicKey,
    /// The external sender's credential.
    pub credential: Credential,
}

/// ```text
/// ExternalSender external_senders<V>;
/// ```
/// (RFC 9420 §12.1.8.1.) The body of the `external_senders` extension.
pub type ExternalSenders = Vec<ExternalSender>;

/// The body of the `ratchet_tree` extension (RFC 9420 §12.4.3.3); see
/// [`super::leaf_node::RatchetTree`].
pub type RatchetTreeExtension = super::leaf_node::RatchetTree;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::codec::decode;
    use crate::messages::test_util::roundtrip;
    use proptest::prelude::*;

    #[test]
    fn rfc9420_17_3_bodies_roundtrip() {
        roundtrip(&ApplicationId {
            application_id: VLBytes::new(b"app".to_vec()),
        });
        roundtrip(&ExternalPub {
            external_pub: VLBytes::new(alloc::vec![7; 32]),
        });
        let senders: ExternalSenders = alloc::vec![ExternalSender {
            signature_key: VLBytes::new(alloc::vec![1; 32]),
            credential: Credential::Basic(VLBytes::new(b"ds".to_vec())),
        }];
        roundtrip(&senders);
    }

    #[test]
    fn rfc9420_13_5_grease_extension_types_carried() {
        let rc = RequiredCapabilities {
            extension_types: alloc::vec![ExtensionType(0x0A0A), ExtensionType::LAST_RESORT],
            proposal_types: alloc::vec![ProposalType(0xFFFF)],
            credential_types: alloc::vec![CredentialType(0xEAEA)],
        };
        let bytes = roundtrip(&rc);
        assert!(
            decode::<RequiredCapabilities>(&bytes)
                .unwrap()
                .extension_types[0]
                .is_grease()
        );
    }

    proptest! {
        #[test]
        fn required_capabilities_roundtrip(
            e in proptest::collection::vec(any::<u16>(), 0..40),
            p in proptest::collection::vec(any::<u16>(), 0..40),
            c in proptest::collection::vec(any::<u16>(), 0..40),
        ) {
            roundtrip(&RequiredCapabilities {
                extension_types: e.into_iter().map(ExtensionType).collect(),
                proposal_types: p.into_iter().map(ProposalType).collect(),
                credential_types: c.into_iter().map(CredentialType).collect(),
            });
        }
    }
}
