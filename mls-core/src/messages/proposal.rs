//! Proposals (RFC 9420 §12.1), pre-shared key IDs (§8.4) and
//! `ProposalOrRef` (§12.4).

use alloc::boxed::Box;
#[allow(unused_imports)]
use alloc::format;
use alloc::vec::Vec;

use crate::codec::VLBytes;
use tls_codec::{DeserializeBytes, Size, TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use super::key_package::KeyPackage;
use super::leaf_node::LeafNode;
use super::{ProposalRef, ProtocolVersion, manual_codec, put, u16_registry};
use crate::crypto::CipherSuite;
use crate::messages::group_context::Extension;

u16_registry! {
    /// `uint16 ProposalType;` (RFC 9420 §12.1, registry §17.4.)
    ProposalType {
        /// `add`.
        ADD = 0x0001,
        /// `update`.
        UPDATE = 0x0002,
        /// `remove`.
        REMOVE = 0x0003,
        /// `psk`.
        PSK = 0x0004,
        /// `reinit`.
        REINIT = 0x0005,
        /// `external_init`.
        EXTERNAL_INIT = 0x0006,
        /// `group_context_extensions`.
        GROUP_CONTEXT_EXTENSIONS = 0x0007,
    }
}

impl ProposalType {
    /// True for the seven proposal types of RFC 9420, which must not be
    /// listed in `Capabilities.proposals` (§7.2).
    pub fn is_default(self) -> bool {
        (1..=7).contains(&self.0)
    }
}

/// ```text
/// struct {
///     KeyPackage key_package;
/// } Add;
/// ```
/// (RFC 9420 §12.1.1.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct Add {
    /// The new member's KeyPackage.
    pub key_package: KeyPackage,
}

/// ```text
/// struct {
///     LeafNode leaf_node;
/// } Update;
/// ```
/// (RFC 9420 §12.1.2.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct Update {
    /// The sender's new leaf.
    pub leaf_node: LeafNode,
}

/// ```text
/// struct {
///     uint32 removed;
/// } Remove;
/// ```
/// (RFC 9420 §12.1.3.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct Remove {
    /// Leaf index of the member to remove.
    pub removed: crate::tree_math::LeafIndex,
}

/// ```text
/// enum {
///   reserved(0),
///   external(1),
///   resumption(2),
///   (255)
/// } PSKType;
/// ```
/// (RFC 9420 §8.4.)
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes,
)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
#[repr(u8)]
pub enum PskType {
    /// `external(1)`.
    External = 1,
    /// `resumption(2)`.
    Resumption = 2,
}

/// ```text
/// enum {
///   reserved(0),
///   application(1),
///   reinit(2),
///   branch(3),
///   (255)
/// } ResumptionPSKUsage;
/// ```
/// (RFC 9420 §8.4.)
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes,
)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
#[repr(u8)]
pub enum ResumptionPskUsage {
    /// `application(1)`.
    Application = 1,
    /// `reinit(2)`.
    Reinit = 2,
    /// `branch(3)`.
    Branch = 3,
}

/// The `resumption` arm of `PreSharedKeyID` (RFC 9420 §8.4):
///
/// ```text
///     case resumption:
///       ResumptionPSKUsage usage;
///       opaque psk_group_id<V>;
///       uint64 psk_epoch;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct ResumptionPsk {
    /// What the resumption PSK is used for.
    pub usage: ResumptionPskUsage,
    /// The group the PSK comes from.
    pub psk_group_id: VLBytes,
    /// The epoch the PSK comes from.
    pub psk_epoch: u64,
}

/// `PSKType psktype` with its select (RFC 9420 §8.4):
///
/// ```text
///   PSKType psktype;
///   select (PreSharedKeyID.psktype) {
///     case external:
///       opaque psk_id<V>;
///
///     case resumption:
///       ResumptionPSKUsage usage;
///       opaque psk_group_id<V>;
///       uint64 psk_epoch;
///   };
/// ```
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
#[repr(u8)]
pub enum Psk {
    /// `external(1)`: the application's PSK identifier.
    #[tls_codec(discriminant = 1)]
    External(VLBytes),
    /// `resumption(2)`.
    #[tls_codec(discriminant = 2)]
    Resumption(ResumptionPsk),
}

impl Psk {
    /// The `psktype`.
    pub fn psk_type(&self) -> PskType {
        match self {
            Self::External(_) => PskType::External,
            Self::Resumption(_) => PskType::Resumption,
        }
    }
}

/// ```text
/// struct {
///   PSKType psktype;
///   select (PreSharedKeyID.psktype) {
///     case external:
///       opaque psk_id<V>;
///
///     case resumption:
///       ResumptionPSKUsage usage;
///       opaque psk_group_id<V>;
///       uint64 psk_epoch;
///   };
///   opaque psk_nonce<V>;
/// } PreSharedKeyID;
/// ```
/// (RFC 9420 §8.4.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct PreSharedKeyId {
    /// The PSK type and its identifying fields.
    pub psk: Psk,
    /// A fresh nonce of length `KDF.Nh`.
    pub psk_nonce: VLBytes,
}

/// ```text
/// struct {
///     PreSharedKeyID psk;
/// } PreSharedKey;
/// ```
/// (RFC 9420 §12.1.4.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct PreSharedKey {
    /// The PSK to inject.
    pub psk: PreSharedKeyId,
}

/// ```text
/// struct {
///     opaque group_id<V>;
///     ProtocolVersion version;
///     CipherSuite cipher_suite;
///     Extension extensions<V>;
/// } ReInit;
/// ```
/// (RFC 9420 §12.1.5.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct ReInit {
    /// The new group's ID.
    pub group_id: VLBytes,
    /// The new group's protocol version.
    pub version: ProtocolVersion,
    /// The new group's cipher suite.
    pub cipher_suite: CipherSuite,
    /// The new group's GroupContext extensions.
    pub extensions: Vec<Extension>,
}

/// ```text
/// struct {
///   opaque kem_output<V>;
/// } ExternalInit;
/// ```
/// (RFC 9420 §12.1.6.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct ExternalInit {
    /// KEM output for the external init secret (§8.3).
    pub kem_output: VLBytes,
}

/// ```text
/// struct {
///   Extension extensions<V>;
/// } GroupContextExtensions;
/// ```
/// (RFC 9420 §12.1.7.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct GroupContextExtensions {
    /// The complete new list of GroupContext extensions.
    pub extensions: Vec<Extension>,
}

/// A proposal of a type RFC 9420 does not define (§13.4: "New types of
/// proposals can be used...").
///
/// The RFC's `Proposal` select has no length prefix for bodies of other
/// types, so they cannot be skipped without their schema. This
/// implementation follows the convention of the deployed implementations
/// (OpenMLS, mls-rs): the body of any other proposal type is a single
/// `opaque proposal_data<V>`. It is carried unchanged and re-encodes byte
/// for byte; whether the type is *supported* (and so whether the proposal
/// may appear in a Commit, §13.4) is a validation question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomProposal {
    /// The proposal type (never 0 nor one of the seven RFC 9420 types).
    pub proposal_type: ProposalType,
    /// The type-specific body.
    pub data: VLBytes,
}

/// ```text
/// // See the "MLS Proposal Types" IANA registry for values
/// uint16 ProposalType;
///
/// struct {
///     ProposalType proposal_type;
///     select (Proposal.proposal_type) {
///         case add:                      Add;
///         case update:                   Update;
///         case remove:                   Remove;
///         case psk:                      PreSharedKey;
///         case reinit:                   ReInit;
///         case external_init:            ExternalInit;
///         case group_context_extensions: GroupContextExtensions;
///     };
/// } Proposal;
/// ```
/// (RFC 9420 §12.1.) The reserved type 0 is a decoding error; other unknown
/// types decode as [`Proposal::Custom`] (see [`CustomProposal`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)]
#[non_exhaustive]
pub enum Proposal {
    /// `add`.
    Add(Add),
    /// `update`.
    Update(Update),
    /// `remove`.
    Remove(Remove),
    /// `psk`.
    PreSharedKey(PreSharedKey),
    /// `reinit`.
    ReInit(ReInit),
    /// `external_init`.
    ExternalInit(ExternalInit),
    /// `group_context_extensions`.
    GroupContextExtensions(GroupContextExtensions),
    /// Any other proposal type, body as `opaque<V>`.
    Custom(CustomProposal),
}

impl Proposal {
    /// The proposal type.
    pub fn proposal_type(&self) -> ProposalType {
        match self {
            Self::Add(_) => ProposalType::ADD,
            Self::Update(_) => ProposalType::UPDATE,
            Self::Remove(_) => ProposalType::REMOVE,
            Self::PreSharedKey(_) => ProposalType::PSK,
            Self::ReInit(_) => ProposalType::REINIT,
            Self::ExternalInit(_) => ProposalType::EXTERNAL_INIT,
            Self::GroupContextExtensions(_) => ProposalType::GROUP_CONTEXT_EXTENSIONS,
            Self::Custom(c) => c.proposal_type,
        }
    }

    fn wire_len(&self) -> usize {
        2 + match self {
            Self::Add(p) => p.tls_serialized_len(),
            Self::Update(p) => p.tls_serialized_len(),
            Self::Remove(p) => p.tls_serialized_len(),
            Self::PreSharedKey(p) => p.tls_serialized_len(),
            Self::ReInit(p) => p.tls_serialized_len(),
            Self::ExternalInit(p) => p.tls_serialized_len(),
            Self::GroupContextExtensions(p) => p.tls_serialized_len(),
            Self::Custom(p) => p.data.tls_serialized_len(),
        }
    }

    fn write_wire(&self, out: &mut Vec<u8>) -> Result<(), tls_codec::Error> {
        let t = self.proposal_type();
        if matches!(self, Self::Custom(_)) && (t.0 == 0 || t.is_default()) {
            return Err(tls_codec::Error::EncodingError(format!(
                "Proposal::Custom with proposal type {}",
                t.0
            )));
        }
        put(&t, out)?;
        match self {
            Self::Add(p) => put(p, out),
            Self::Update(p) => put(p, out),
            Self::Remove(p) => put(p, out),
            Self::PreSharedKey(p) => put(p, out),
            Self::ReInit(p) => put(p, out),
            Self::ExternalInit(p) => put(p, out),
            Self::GroupContextExtensions(p) => put(p, out),
            Self::Custom(p) => put(&p.data, out),
        }
    }

    fn read_wire(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        fn body<T: DeserializeBytes>(
            rest: &[u8],
            f: impl FnOnce(T) -> Proposal,
        ) -> Result<(Proposal, &[u8]), tls_codec::Error> {
            let (v, rest) = T::tls_deserialize_bytes(rest)?;
            Ok((f(v), rest))
        }
        let (t, rest) = ProposalType::tls_deserialize_bytes(bytes)?;
        match t {
            ProposalType(0) => Err(tls_codec::Error::UnknownValue(0)),
            ProposalType::ADD => body(rest, Self::Add),
            ProposalType::UPDATE => body(rest, Self::Update),
            ProposalType::REMOVE => body(rest, Self::Remove),
            ProposalType::PSK => body(rest, Self::PreSharedKey),
            ProposalType::REINIT => body(rest, Self::ReInit),
            ProposalType::EXTERNAL_INIT => body(rest, Self::ExternalInit),
            ProposalType::GROUP_CONTEXT_EXTENSIONS => body(rest, Self::GroupContextExtensions),
            proposal_type => body(rest, |data| {
                Self::Custom(CustomProposal {
                    proposal_type,
                    data,
                })
            }),
        }
    }
}

manual_codec!(Proposal);

/// ```text
/// enum {
///   reserved(0),
///   proposal(1),
///   reference(2),
///   (255)
/// } ProposalOrRefType;
///
/// struct {
///   ProposalOrRefType type;
///   select (ProposalOrRef.type) {
///     case proposal:  Proposal proposal;
///     case reference: ProposalRef reference;
///   };
/// } ProposalOrRef;
/// ```
/// (RFC 9420 §12.4.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
#[repr(u8)]
pub enum ProposalOrRef {
    /// `proposal(1)`: the proposal by value. Boxed, so that a Commit of
    /// many (possibly empty) references costs a few words per entry, not
    /// the size of the largest proposal.
    #[tls_codec(discriminant = 1)]
    Proposal(Box<Proposal>),
    /// `reference(2)`: a ProposalRef (§5.2).
    #[tls_codec(discriminant = 2)]
    Reference(ProposalRef),
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::codec::{CodecError, decode};
    use crate::messages::test_util::roundtrip;
    use proptest::prelude::*;

    fn psk_id(psk: Psk) -> PreSharedKeyId {
        PreSharedKeyId {
            psk,
            psk_nonce: VLBytes::new(alloc::vec![9; 32]),
        }
    }

    #[test]
    fn rfc9420_12_1_simple_proposals_roundtrip() {
        for p in [
            Proposal::Remove(Remove {
                removed: crate::tree_math::LeafIndex(5),
            }),
            Proposal::PreSharedKey(PreSharedKey {
                psk: psk_id(Psk::External(VLBytes::new(b"id".to_vec()))),
            }),
            Proposal::PreSharedKey(PreSharedKey {
                psk: psk_id(Psk::Resumption(ResumptionPsk {
                    usage: ResumptionPskUsage::Branch,
                    psk_group_id: VLBytes::new(b"g".to_vec()),
                    psk_epoch: 77,
                })),
            }),
            Proposal::ReInit(ReInit {
                group_id: VLBytes::new(b"new".to_vec()),
                version: ProtocolVersion::MLS10,
                cipher_suite: CipherSuite(3),
                extensions: alloc::vec![],
            }),
            Proposal::ExternalInit(ExternalInit {
                kem_output: VLBytes::new(alloc::vec![1; 32]),
            }),
            Proposal::GroupContextExtensions(GroupContextExtensions {
                extensions: alloc::vec![Extension {
                    extension_type: 3,
                    extension_data: VLBytes::new(alloc::vec![0, 0, 0]),
                }],
            }),
            Proposal::Custom(CustomProposal {
                proposal_type: ProposalType(0xF0F0),
                data: VLBytes::new(alloc::vec![1, 2]),
            }),
        ] {
            let bytes = roundtrip(&p);
            assert_eq!(bytes[..2], p.proposal_type().0.to_be_bytes());
            roundtrip(&ProposalOrRef::Proposal(Box::new(p)));
        }
        roundtrip(&ProposalOrRef::Reference(VLBytes::new(
            alloc::vec![0xAB; 32],
        )));
    }

    #[test]
    fn rfc9420_12_1_remove_encoding() {
        let bytes = roundtrip(&Proposal::Remove(Remove {
            removed: crate::tree_math::LeafIndex(0x0102_0304),
        }));
        assert_eq!(bytes, [0, 3, 1, 2, 3, 4]);
    }

    #[test]
    fn rfc9420_reserved_and_unknown_values_rejected() {
        // Proposal type 0 is reserved.
        assert_eq!(
            decode::<Proposal>(&[0, 0, 0]),
            Err(CodecError::InvalidValue)
        );
        // PSKType 0 and 3, usage 0 and 4.
        assert!(decode::<Psk>(&[0, 0]).is_err());
        assert!(decode::<Psk>(&[3, 0]).is_err());
        assert!(decode::<ResumptionPskUsage>(&[0]).is_err());
        assert!(decode::<ResumptionPskUsage>(&[4]).is_err());
        // ProposalOrRefType 0 and 3.
        assert!(decode::<ProposalOrRef>(&[0, 0]).is_err());
        assert!(decode::<ProposalOrRef>(&[3, 0]).is_err());
        // A custom proposal cannot claim a default type.
        let bad = Proposal::Custom(CustomProposal {
            proposal_type: ProposalType::ADD,
            data: VLBytes::new(alloc::vec![]),
        });
        assert!(crate::codec::Encode::encode(&bad).is_err());
    }

    #[test]
    fn rfc9420_2_1_2_non_minimal_inside_proposal() {
        // ExternalInit with a 1-byte kem_output under a 2-byte header.
        assert!(decode::<Proposal>(&[0, 6, 0x40, 0x01, 0xAA]).is_err());
        assert!(decode::<Proposal>(&[0, 6, 0x01, 0xAA]).is_ok());
        // Truncated Remove.
        assert_eq!(
            decode::<Proposal>(&[0, 3, 0, 0, 1]),
            Err(CodecError::Truncated)
        );
    }

    proptest! {
        #[test]
        fn remove_roundtrip(i in any::<u32>()) {
            roundtrip(&Proposal::Remove(Remove { removed: crate::tree_math::LeafIndex(i) }));
        }

        #[test]
        fn psk_id_roundtrip(
            external in any::<bool>(),
            id in proptest::collection::vec(any::<u8>(), 0..80),
            epoch in any::<u64>(),
            usage in 1u8..=3,
        ) {
            let psk = if external {
                Psk::External(VLBytes::new(id))
            } else {
                let usage = match usage {
                    1 => ResumptionPskUsage::Application,
                    2 => ResumptionPskUsage::Reinit,
                    _ => ResumptionPskUsage::Branch,
                };
                Psk::Resumption(ResumptionPsk { usage, psk_group_id: VLBytes::new(id), psk_epoch: epoch })
            };
            roundtrip(&psk_id(psk));
        }
    }
}
