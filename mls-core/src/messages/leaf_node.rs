//! Leaf and parent nodes and the ratchet tree (RFC 9420 §7.1, §7.2,
//! §12.4.3.3).

#[allow(unused_imports)]
use alloc::format;
use alloc::vec::Vec;

use crate::codec::{List, VLBytes};
use tls_codec::{DeserializeBytes, Size, TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use super::credential::{Credential, CredentialType};
use super::extensions::ExtensionType;
use super::proposal::ProposalType;
use super::{HpkePublicKey, ProtocolVersion, SignaturePublicKey, manual_codec, put};
use crate::codec::CodecError;
use crate::crypto::CipherSuite;
use crate::messages::group_context::Extension;

/// ```text
/// struct {
///     ProtocolVersion versions<V>;
///     CipherSuite cipher_suites<V>;
///     ExtensionType extensions<V>;
///     ProposalType proposals<V>;
///     CredentialType credentials<V>;
/// } Capabilities;
/// ```
/// (RFC 9420 §7.2.) Every list carries unknown and GREASE values (§13.5).
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct Capabilities {
    /// Supported protocol versions.
    pub versions: List<ProtocolVersion>,
    /// Supported cipher suites.
    pub cipher_suites: List<CipherSuite>,
    /// Supported non-default extension types.
    pub extensions: List<ExtensionType>,
    /// Supported non-default proposal types.
    pub proposals: List<ProposalType>,
    /// Supported credential types.
    pub credentials: List<CredentialType>,
}

impl Default for Capabilities {
    /// MLS 1.0 and basic credentials; no cipher suite (list the group's),
    /// no non-default extension or proposal type.
    fn default() -> Self {
        Self {
            versions: [ProtocolVersion::MLS10].into(),
            cipher_suites: List::default(),
            extensions: List::default(),
            proposals: List::default(),
            credentials: [CredentialType::BASIC].into(),
        }
    }
}

/// ```text
/// struct {
///     uint64 not_before;
///     uint64 not_after;
/// } Lifetime;
/// ```
/// (RFC 9420 §7.2.) Seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct Lifetime {
    /// Not valid before this time.
    pub not_before: u64,
    /// Not valid after this time.
    pub not_after: u64,
}

/// ```text
/// enum {
///     reserved(0),
///     key_package(1),
///     update(2),
///     commit(3),
///     (255)
/// } LeafNodeSource;
///
///     LeafNodeSource leaf_node_source;
///     select (LeafNode.leaf_node_source) {
///         case key_package:
///             Lifetime lifetime;
///         case update:
///             struct{};
///         case commit:
///             opaque parent_hash<V>;
///     };
/// ```
/// (RFC 9420 §7.2.) The source together with its select.
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
#[repr(u8)]
pub enum LeafNodeSource {
    /// `key_package(1)`, with its lifetime.
    #[tls_codec(discriminant = 1)]
    KeyPackage(Lifetime),
    /// `update(2)`.
    #[tls_codec(discriminant = 2)]
    Update,
    /// `commit(3)`, with its parent hash.
    #[tls_codec(discriminant = 3)]
    Commit(VLBytes),
}

/// ```text
/// struct {
///     HPKEPublicKey encryption_key;
///     SignaturePublicKey signature_key;
///     Credential credential;
///     Capabilities capabilities;
///
///     LeafNodeSource leaf_node_source;
///     select (LeafNode.leaf_node_source) {
///         case key_package:
///             Lifetime lifetime;
///
///         case update:
///             struct{};
///
///         case commit:
///             opaque parent_hash<V>;
///     };
///
///     Extension extensions<V>;
///     /* SignWithLabel(., "LeafNodeTBS", LeafNodeTBS) */
///     opaque signature<V>;
/// } LeafNode;
/// ```
/// (RFC 9420 §7.2.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct LeafNode {
    /// The leaf's HPKE public key.
    pub encryption_key: HpkePublicKey,
    /// The member's signature key.
    pub signature_key: SignaturePublicKey,
    /// The member's credential.
    pub credential: Credential,
    /// What the client supports.
    pub capabilities: Capabilities,
    /// How the leaf came to be, with the lifetime or parent hash.
    pub leaf_node_source: LeafNodeSource,
    /// Leaf extensions.
    pub extensions: List<Extension>,
    /// `SignWithLabel(., "LeafNodeTBS", LeafNodeTBS)`.
    pub signature: VLBytes,
}

impl LeafNode {
    /// Encodes the `LeafNodeTBS` of this leaf (RFC 9420 §7.2):
    ///
    /// ```text
    /// struct {
    ///     HPKEPublicKey encryption_key;
    ///     SignaturePublicKey signature_key;
    ///     Credential credential;
    ///     Capabilities capabilities;
    ///
    ///     LeafNodeSource leaf_node_source;
    ///     select (LeafNodeTBS.leaf_node_source) {
    ///         case key_package:
    ///             Lifetime lifetime;
    ///
    ///         case update:
    ///             struct{};
    ///
    ///         case commit:
    ///             opaque parent_hash<V>;
    ///     };
    ///
    ///     Extension extensions<V>;
    ///
    ///     select (LeafNodeTBS.leaf_node_source) {
    ///         case key_package:
    ///             struct{};
    ///
    ///         case update:
    ///             opaque group_id<V>;
    ///             uint32 leaf_index;
    ///
    ///         case commit:
    ///             opaque group_id<V>;
    ///             uint32 leaf_index;
    ///     };
    /// } LeafNodeTBS;
    /// ```
    ///
    /// `group` is `(group_id, leaf_index)`: required for `update` and
    /// `commit` sources and forbidden for `key_package`
    /// ([`CodecError::InvalidValue`] otherwise).
    pub fn tbs(&self, group: Option<(&[u8], u32)>) -> Result<Vec<u8>, CodecError> {
        let mut out = Vec::new();
        put(&self.encryption_key, &mut out)?;
        put(&self.signature_key, &mut out)?;
        put(&self.credential, &mut out)?;
        put(&self.capabilities, &mut out)?;
        put(&self.leaf_node_source, &mut out)?;
        put(&self.extensions, &mut out)?;
        match (&self.leaf_node_source, group) {
            (LeafNodeSource::KeyPackage(_), None) => {}
            (LeafNodeSource::Update | LeafNodeSource::Commit(_), Some((group_id, leaf_index))) => {
                crate::codec::write_opaque(group_id, &mut out)?;
                out.extend_from_slice(&leaf_index.to_be_bytes());
            }
            _ => return Err(CodecError::InvalidValue),
        }
        Ok(out)
    }
}

/// ```text
/// struct {
///     HPKEPublicKey encryption_key;
///     opaque parent_hash<V>;
///     uint32 unmerged_leaves<V>;
/// } ParentNode;
/// ```
/// (RFC 9420 §7.1.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct ParentNode {
    /// The node's HPKE public key.
    pub encryption_key: HpkePublicKey,
    /// Hash of the parent node (§7.9).
    pub parent_hash: VLBytes,
    /// Unmerged leaves below this node, by leaf index, increasing.
    pub unmerged_leaves: Vec<u32>,
}

/// ```text
/// enum {
///     reserved(0),
///     leaf(1),
///     parent(2),
///     (255)
/// } NodeType;
///
/// struct {
///     NodeType node_type;
///     select (Node.node_type) {
///         case leaf:   LeafNode leaf_node;
///         case parent: ParentNode parent_node;
///     };
/// } Node;
/// ```
/// (RFC 9420 §7.8, §12.4.3.3.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
#[repr(u8)]
#[allow(clippy::large_enum_variant)]
pub enum Node {
    /// `leaf(1)`.
    #[tls_codec(discriminant = 1)]
    Leaf(LeafNode),
    /// `parent(2)`.
    #[tls_codec(discriminant = 2)]
    Parent(ParentNode),
}

/// ```text
/// optional<Node> ratchet_tree<V>;
/// ```
/// (RFC 9420 §12.4.3.3.) The body of the `ratchet_tree` extension: the nodes
/// in array order (Appendix C), `None` for a blank node.
///
/// Decoding enforces the one structural rule of §12.4.3.3: "The receiver
/// MUST check that the last node in `ratchet_tree` is non-blank" (so the
/// vector is also non-empty); a violation is [`CodecError::InvalidValue`].
/// Extending the tree to a full `2^(d+1) - 1` nodes is left to the tree code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatchetTree(pub Vec<Option<Node>>);

impl RatchetTree {
    fn wire_len(&self) -> usize {
        self.0.tls_serialized_len()
    }

    fn write_wire(&self, out: &mut Vec<u8>) -> Result<(), tls_codec::Error> {
        put(&self.0, out)
    }

    fn read_wire(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (nodes, rest) = Vec::<Option<Node>>::tls_deserialize_bytes(bytes)?;
        match nodes.last() {
            Some(Some(_)) => Ok((Self(nodes), rest)),
            _ => Err(tls_codec::Error::UnknownValue(0)),
        }
    }
}

manual_codec!(RatchetTree);

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
pub(crate) mod tests {
    use super::*;
    use crate::codec::{Encode, decode};
    use crate::messages::test_util::roundtrip;
    use proptest::prelude::*;

    pub(crate) fn sample_leaf(source: LeafNodeSource) -> LeafNode {
        LeafNode {
            encryption_key: VLBytes::new(alloc::vec![1; 32]),
            signature_key: VLBytes::new(alloc::vec![2; 32]),
            credential: Credential::Basic(VLBytes::new(b"alice".to_vec())),
            capabilities: Capabilities {
                versions: alloc::vec![ProtocolVersion::MLS10].into(),
                cipher_suites: alloc::vec![CipherSuite(1), CipherSuite(0x2A2A)].into(),
                extensions: alloc::vec![ExtensionType(0x0A0A)].into(),
                proposals: alloc::vec![].into(),
                credentials: alloc::vec![CredentialType::BASIC].into(),
            },
            leaf_node_source: source,
            extensions: alloc::vec![Extension {
                extension_type: 0x0A0A,
                extension_data: VLBytes::new(alloc::vec![]),
            }]
            .into(),
            signature: VLBytes::new(alloc::vec![3; 64]),
        }
    }

    #[test]
    fn rfc9420_7_2_leaf_node_sources_roundtrip() {
        for s in [
            LeafNodeSource::KeyPackage(Lifetime {
                not_before: 0,
                not_after: u64::MAX,
            }),
            LeafNodeSource::Update,
            LeafNodeSource::Commit(VLBytes::new(alloc::vec![4; 32])),
        ] {
            roundtrip(&sample_leaf(s));
        }
    }

    #[test]
    fn rfc9420_7_2_leaf_node_source_reserved_rejected() {
        assert!(decode::<LeafNodeSource>(&[0]).is_err());
        assert!(decode::<LeafNodeSource>(&[4]).is_err());
        assert_eq!(
            decode::<LeafNodeSource>(&[2]).unwrap(),
            LeafNodeSource::Update
        );
    }

    #[test]
    fn rfc9420_7_2_leaf_node_tbs_group_select() {
        let kp = sample_leaf(LeafNodeSource::KeyPackage(Lifetime {
            not_before: 1,
            not_after: 2,
        }));
        let tbs = kp.tbs(None).unwrap();
        let full = kp.encode().unwrap();
        // The TBS of a key_package leaf is the leaf without its signature.
        assert_eq!(
            tbs[..],
            full[..full.len() - kp.signature.tls_serialized_len()]
        );
        assert!(kp.tbs(Some((b"g", 0))).is_err());

        let up = sample_leaf(LeafNodeSource::Update);
        assert!(up.tbs(None).is_err());
        let tbs = up.tbs(Some((b"g", 7))).unwrap();
        assert_eq!(&tbs[tbs.len() - 6..], &[1, b'g', 0, 0, 0, 7]);
    }

    #[test]
    fn rfc9420_12_4_3_3_ratchet_tree() {
        let leaf = Node::Leaf(sample_leaf(LeafNodeSource::Update));
        let parent = Node::Parent(ParentNode {
            encryption_key: VLBytes::new(alloc::vec![5; 32]),
            parent_hash: VLBytes::new(alloc::vec![]),
            unmerged_leaves: alloc::vec![1, 2],
        });
        roundtrip(&RatchetTree(alloc::vec![
            Some(leaf.clone()),
            Some(parent),
            None,
            None,
            Some(leaf.clone()),
        ]));
        // Trailing blank, or empty: rejected.
        let bad = RatchetTree(alloc::vec![Some(leaf), None]).encode().unwrap();
        assert!(decode::<RatchetTree>(&bad).is_err());
        assert!(decode::<RatchetTree>(&[0]).is_err());
        // Unknown node type.
        assert!(decode::<Node>(&[3]).is_err());
    }

    proptest! {
        #[test]
        fn lifetime_roundtrip(a in any::<u64>(), b in any::<u64>()) {
            let bytes = roundtrip(&Lifetime { not_before: a, not_after: b });
            prop_assert_eq!(bytes.len(), 16);
        }

        #[test]
        fn parent_node_roundtrip(
            key in proptest::collection::vec(any::<u8>(), 0..100),
            leaves in proptest::collection::vec(any::<u32>(), 0..20),
        ) {
            roundtrip(&ParentNode {
                encryption_key: VLBytes::new(key.clone()),
                parent_hash: VLBytes::new(key),
                unmerged_leaves: leaves,
            });
        }
    }
}
