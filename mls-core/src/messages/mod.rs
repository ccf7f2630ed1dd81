//! The wire structs of RFC 9420 and their codecs.
//!
//! Every struct of the RFC's presentation language that travels on the wire
//! (or is signed, MACed or hashed) has a type here; the struct's doc comment
//! quotes its definition and names its section. `GroupContext` and
//! `Extension` live in [`crate::messages::group_context`] and are reused.
//!
//! - [`credential`]: `Credential`, `Certificate`, `CredentialType` (§5.3).
//! - [`leaf_node`]: `Capabilities`, `Lifetime`, `LeafNode` and its TBS,
//!   `ParentNode`, `Node`, the ratchet tree (§7.1, §7.2, §12.4.3.3).
//! - [`key_package`]: `KeyPackage` and its TBS (§10).
//! - [`proposal`]: `Proposal` and the seven proposal bodies, `PreSharedKeyID`,
//!   `ProposalOrRef` (§8.4, §12.1, §12.4).
//! - [`commit`]: `HPKECiphertext`, `UpdatePathNode`, `UpdatePath`, `Commit`
//!   (§7.6, §12.4).
//! - [`framing`]: `WireFormat`, `ContentType`, `Sender`, `FramedContent`,
//!   `FramedContentAuthData`, `AuthenticatedContent`, `FramedContentTBS`,
//!   `PublicMessage`, `PrivateMessage`, `SenderData`, the AADs, `MLSMessage`
//!   (§6).
//! - [`welcome`]: `GroupInfo` and its TBS, `GroupSecrets`, `PathSecret`,
//!   `EncryptedGroupSecrets`, `Welcome` (§12.4.3).
//! - [`extensions`]: `ExtensionType` and the extension bodies of §17.3.
//!
//! Decoding is strict where the RFC fixes a value set (reserved values and
//! unknown values of closed enums are [`CodecError::InvalidValue`]) and lax
//! where the RFC requires unknown values to be carried and ignored (cipher
//! suites, extension types, proposal and credential types in capabilities,
//! GREASE values of §13.5): those are `u16` newtypes.
//!
//! [`CodecError::InvalidValue`]: crate::codec::CodecError::InvalidValue

use alloc::vec::Vec;

pub mod commit;
pub mod credential;
pub mod extensions;
pub mod framing;
pub mod group_context;
pub mod key_package;
pub mod leaf_node;
pub mod proposal;
pub mod welcome;

pub use commit::{
    Ciphertexts, Commit, HpkeCiphertext, HpkeCiphertextRef, UpdatePath, UpdatePathNode,
};
pub use credential::{Certificate, Credential, CredentialType};
pub use extensions::{
    ApplicationId, ExtensionType, ExternalPub, ExternalSender, ExternalSenders,
    RequiredCapabilities,
};
pub use framing::{
    AuthenticatedContent, Content, ContentType, FramedContent, FramedContentAuthData, MlsMessage,
    MlsMessageBody, PrivateContentAad, PrivateMessage, PublicMessage, Sender, SenderData,
    SenderDataAad, WireFormat,
};
pub use group_context::{Extension, GroupContext, MLS10};
pub use key_package::KeyPackage;
pub use leaf_node::{
    Capabilities, LeafNode, LeafNodeSource, Lifetime, Node, ParentNode, RatchetTree,
};
pub use proposal::{
    Add, CustomProposal, ExternalInit, GroupContextExtensions, PreSharedKey, PreSharedKeyId,
    Proposal, ProposalOrRef, ProposalType, Psk, PskType, ReInit, Remove, ResumptionPsk,
    ResumptionPskUsage, Update,
};
pub use welcome::{EncryptedGroupSecrets, GroupInfo, GroupSecrets, PathSecret, Welcome};

/// `opaque HPKEPublicKey<V>;` (RFC 9420 §5.1.1.)
pub type HpkePublicKey = crate::codec::VLBytes;

/// `opaque SignaturePublicKey<V>;` (RFC 9420 §5.1.1.)
pub type SignaturePublicKey = crate::codec::VLBytes;

/// `opaque MAC<V>;` (RFC 9420 §6.1.)
pub type Mac = crate::codec::VLBytes;

/// `opaque HashReference<V>;` (RFC 9420 §5.2.)
pub type HashReference = crate::codec::VLBytes;

/// `HashReference KeyPackageRef;` (RFC 9420 §5.2.)
pub type KeyPackageRef = HashReference;

/// `HashReference ProposalRef;` (RFC 9420 §5.2.)
pub type ProposalRef = HashReference;

/// Appends the `SerializeBytes` encoding of `v` to `out`.
pub(crate) fn put<T: tls_codec::SerializeBytes + ?Sized>(
    v: &T,
    out: &mut Vec<u8>,
) -> Result<(), tls_codec::Error> {
    out.extend_from_slice(&v.tls_serialize_bytes()?);
    Ok(())
}

/// Implements `Size`, `SerializeBytes`, `Serialize` (std) and
/// `DeserializeBytes` for a type with inherent `wire_len`, `write_wire` and
/// `read_wire` functions (for selects the derive cannot express).
macro_rules! manual_codec {
    ($t:ty) => {
        impl tls_codec::Size for $t {
            fn tls_serialized_len(&self) -> usize {
                self.wire_len()
            }
        }

        impl tls_codec::SerializeBytes for $t {
            fn tls_serialize_bytes(&self) -> Result<alloc::vec::Vec<u8>, tls_codec::Error> {
                let mut out = alloc::vec::Vec::with_capacity(self.wire_len());
                self.write_wire(&mut out)?;
                Ok(out)
            }
        }

        #[cfg(feature = "std")]
        impl tls_codec::Serialize for $t {
            fn tls_serialize<W: std::io::Write>(
                &self,
                writer: &mut W,
            ) -> Result<usize, tls_codec::Error> {
                let bytes = tls_codec::SerializeBytes::tls_serialize_bytes(self)?;
                writer.write_all(&bytes)?;
                Ok(bytes.len())
            }
        }

        impl tls_codec::DeserializeBytes for $t {
            fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
                Self::read_wire(bytes)
            }
        }
    };
}
pub(crate) use manual_codec;

/// Defines a `u16` registry newtype (RFC 9420 §17) that carries unknown and
/// GREASE values as they are.
macro_rules! u16_registry {
    ($(#[$doc:meta])* $name:ident { $($(#[$cdoc:meta])* $c:ident = $v:expr),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u16);

        impl $name {
            $($(#[$cdoc])* pub const $c: Self = Self($v);)*

            /// True for the GREASE values of RFC 9420 §13.5.
            pub fn is_grease(self) -> bool {
                crate::crypto::is_grease(self.0)
            }
        }

        impl From<u16> for $name {
            fn from(v: u16) -> Self {
                Self(v)
            }
        }

        impl tls_codec::Size for $name {
            fn tls_serialized_len(&self) -> usize {
                2
            }
        }

        impl tls_codec::SerializeBytes for $name {
            fn tls_serialize_bytes(&self) -> Result<alloc::vec::Vec<u8>, tls_codec::Error> {
                Ok(self.0.to_be_bytes().to_vec())
            }
        }

        #[cfg(feature = "std")]
        impl tls_codec::Serialize for $name {
            fn tls_serialize<W: std::io::Write>(
                &self,
                writer: &mut W,
            ) -> Result<usize, tls_codec::Error> {
                self.0.tls_serialize(writer)
            }
        }

        impl tls_codec::DeserializeBytes for $name {
            fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
                let (v, rest) = u16::tls_deserialize_bytes(bytes)?;
                Ok((Self(v), rest))
            }
        }
    };
}
pub(crate) use u16_registry;

u16_registry! {
    /// ```text
    /// enum {
    ///     reserved(0),
    ///     mls10(1),
    ///     (65535)
    /// } ProtocolVersion;
    /// ```
    /// (RFC 9420 §6.) A newtype rather than an enum: `Capabilities.versions`
    /// must carry versions this implementation does not know (§7.2).
    ProtocolVersion {
        /// `mls10(1)`.
        MLS10 = 1,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
pub(crate) mod test_util {
    use crate::codec::{Encode, decode};
    use core::fmt::Debug;
    use tls_codec::{DeserializeBytes, Size};

    /// Encodes, checks the length, decodes and compares; returns the bytes.
    pub fn roundtrip<T>(v: &T) -> alloc::vec::Vec<u8>
    where
        T: Encode + DeserializeBytes + Size + PartialEq + Debug,
    {
        let bytes = v.encode().unwrap();
        assert_eq!(bytes.len(), v.tls_serialized_len(), "Size disagrees");
        let back: T = decode(&bytes).unwrap();
        assert_eq!(&back, v);
        bytes
    }
}
