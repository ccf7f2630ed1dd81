//! Update paths (RFC 9420 §7.6) and Commit (§12.4).

#[allow(unused_imports)]
use alloc::format;
use alloc::vec::Vec;

use crate::codec::VLBytes;
use tls_codec::{TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use super::HpkePublicKey;
use super::leaf_node::LeafNode;
use super::proposal::ProposalOrRef;

/// ```text
/// struct {
///     opaque kem_output<V>;
///     opaque ciphertext<V>;
/// } HPKECiphertext;
/// ```
/// (RFC 9420 §7.6.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct HpkeCiphertext {
    /// HPKE encapsulated key.
    pub kem_output: VLBytes,
    /// AEAD ciphertext.
    pub ciphertext: VLBytes,
}

/// ```text
/// struct {
///     HPKEPublicKey encryption_key;
///     HPKECiphertext encrypted_path_secret<V>;
/// } UpdatePathNode;
/// ```
/// (RFC 9420 §7.6.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct UpdatePathNode {
    /// The new public key of this parent node.
    pub encryption_key: HpkePublicKey,
    /// The path secret, encrypted to each node of the copath resolution.
    pub encrypted_path_secret: Vec<HpkeCiphertext>,
}

/// ```text
/// struct {
///     LeafNode leaf_node;
///     UpdatePathNode nodes<V>;
/// } UpdatePath;
/// ```
/// (RFC 9420 §7.6.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct UpdatePath {
    /// The committer's new leaf.
    pub leaf_node: LeafNode,
    /// One entry per node of the filtered direct path.
    pub nodes: Vec<UpdatePathNode>,
}

/// ```text
/// struct {
///     ProposalOrRef proposals<V>;
///     optional<UpdatePath> path;
/// } Commit;
/// ```
/// (RFC 9420 §12.4.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct Commit {
    /// The proposals covered, by value or by reference.
    pub proposals: Vec<ProposalOrRef>,
    /// The committer's update path, if any.
    pub path: Option<UpdatePath>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::codec::decode;
    use crate::messages::key_package::tests::sample_key_package;
    use crate::messages::leaf_node::LeafNodeSource;
    use crate::messages::leaf_node::tests::sample_leaf;
    use crate::messages::proposal::{Add, Proposal, Remove};
    use crate::messages::test_util::roundtrip;

    pub(crate) fn sample_commit() -> Commit {
        Commit {
            proposals: alloc::vec![
                ProposalOrRef::Proposal(alloc::boxed::Box::new(Proposal::Add(Add {
                    key_package: sample_key_package(),
                }))),
                ProposalOrRef::Proposal(alloc::boxed::Box::new(Proposal::Remove(Remove {
                    removed: crate::tree_math::LeafIndex(1),
                }))),
                ProposalOrRef::Reference(VLBytes::new(alloc::vec![1; 32])),
            ],
            path: Some(UpdatePath {
                leaf_node: sample_leaf(LeafNodeSource::Commit(VLBytes::new(alloc::vec![2; 32]))),
                nodes: alloc::vec![UpdatePathNode {
                    encryption_key: VLBytes::new(alloc::vec![3; 32]),
                    encrypted_path_secret: alloc::vec![HpkeCiphertext {
                        kem_output: VLBytes::new(alloc::vec![4; 32]),
                        ciphertext: VLBytes::new(alloc::vec![5; 48]),
                    }],
                }],
            }),
        }
    }

    #[test]
    fn rfc9420_12_4_commit_roundtrip() {
        roundtrip(&sample_commit());
        let empty = Commit {
            proposals: alloc::vec![],
            path: None,
        };
        assert_eq!(roundtrip(&empty), [0, 0]);
    }

    #[test]
    fn rfc9420_2_1_1_optional_presence_byte() {
        // The presence byte of optional<UpdatePath> must be 0 or 1.
        assert!(decode::<Commit>(&[0, 2]).is_err());
        assert!(decode::<Commit>(&[0, 0, 0]).is_err()); // trailing
    }

    #[test]
    fn rfc9420_2_1_2_non_minimal_inside_commit() {
        // An empty proposals vector with a 2-byte length header.
        assert!(decode::<Commit>(&[0x40, 0x00, 0]).is_err());
        // A vector whose length cuts an element in half.
        assert!(decode::<Commit>(&[0x02, 2, 1, 0xAA, 0]).is_err());
    }
}
