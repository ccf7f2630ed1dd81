//! Update paths (RFC 9420 §7.6) and Commit (§12.4).

#[allow(unused_imports)]
use alloc::format;
use alloc::vec::Vec;

use crate::codec::{CodecError, VLBytes, read_opaque, write_opaque};
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

/// An HPKECiphertext inside a [`Ciphertexts`] list, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HpkeCiphertextRef<'a> {
    /// HPKE encapsulated key.
    pub kem_output: &'a [u8],
    /// AEAD ciphertext.
    pub ciphertext: &'a [u8],
}

impl HpkeCiphertextRef<'_> {
    /// An owned copy.
    pub fn to_owned(&self) -> HpkeCiphertext {
        HpkeCiphertext {
            kem_output: VLBytes::from(self.kem_output),
            ciphertext: VLBytes::from(self.ciphertext),
        }
    }
}

/// `HPKECiphertext encrypted_path_secret<V>` (RFC 9420 §7.6), held as its
/// encoding: one buffer and one offset per item, not two allocations per
/// ciphertext. An UpdatePath in a group with blank parents carries one
/// ciphertext per member below the blanks (thousands), of which a
/// receiver opens one: decoding checks every item's framing (two
/// minimal-length `opaque<V>`) and copies the bytes once; items are read
/// in place ([`Self::get`], [`Self::iter`]).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Ciphertexts {
    /// The items' encodings, back to back (without the list's header).
    bytes: alloc::boxed::Box<[u8]>,
    /// Where each item starts in `bytes`.
    starts: alloc::boxed::Box<[u32]>,
}

impl Ciphertexts {
    /// The number of ciphertexts.
    pub fn len(&self) -> usize {
        self.starts.len()
    }
    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }
    /// The `i`-th ciphertext.
    pub fn get(&self, i: usize) -> Option<HpkeCiphertextRef<'_>> {
        let from = *self.starts.get(i)? as usize;
        let item = self.bytes.get(from..)?;
        let (kem_output, rest) = read_opaque(item).ok()?;
        let (ciphertext, _) = read_opaque(rest).ok()?;
        Some(HpkeCiphertextRef {
            kem_output,
            ciphertext,
        })
    }
    /// The ciphertexts in order.
    pub fn iter(&self) -> impl Iterator<Item = HpkeCiphertextRef<'_>> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
    /// Owned copies of the ciphertexts (to edit, then convert back).
    pub fn to_vec(&self) -> Vec<HpkeCiphertext> {
        self.iter().map(|c| c.to_owned()).collect()
    }
    /// The list of `(kem_output, ciphertext)` pairs.
    pub fn from_parts<'a>(items: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> Self {
        let mut bytes = Vec::new();
        let mut starts = Vec::new();
        for (kem_output, ciphertext) in items {
            starts.push(bytes.len() as u32);
            // Lengths beyond the RFC's 2^30 cannot come from HPKE.
            let _ = write_opaque(kem_output, &mut bytes);
            let _ = write_opaque(ciphertext, &mut bytes);
        }
        Self {
            bytes: bytes.into_boxed_slice(),
            starts: starts.into_boxed_slice(),
        }
    }
}

impl core::fmt::Debug for Ciphertexts {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl From<Vec<HpkeCiphertext>> for Ciphertexts {
    fn from(v: Vec<HpkeCiphertext>) -> Self {
        v.into_iter().collect()
    }
}

impl FromIterator<HpkeCiphertext> for Ciphertexts {
    fn from_iter<I: IntoIterator<Item = HpkeCiphertext>>(iter: I) -> Self {
        let items: Vec<HpkeCiphertext> = iter.into_iter().collect();
        Self::from_parts(
            items
                .iter()
                .map(|c| (c.kem_output.as_slice(), c.ciphertext.as_slice())),
        )
    }
}

impl tls_codec::Size for Ciphertexts {
    fn tls_serialized_len(&self) -> usize {
        crate::codec::length_header_len(self.bytes.len()) + self.bytes.len()
    }
}

impl tls_codec::SerializeBytes for Ciphertexts {
    fn tls_serialize_bytes(&self) -> Result<Vec<u8>, tls_codec::Error> {
        let mut out = Vec::with_capacity(tls_codec::Size::tls_serialized_len(self));
        write_opaque(&self.bytes, &mut out).map_err(|_| tls_codec::Error::InvalidVectorLength)?;
        Ok(out)
    }
}

#[cfg(feature = "std")]
impl tls_codec::Serialize for Ciphertexts {
    fn tls_serialize<W: std::io::Write>(&self, writer: &mut W) -> Result<usize, tls_codec::Error> {
        let bytes = tls_codec::SerializeBytes::tls_serialize_bytes(self)?;
        writer.write_all(&bytes)?;
        Ok(bytes.len())
    }
}

impl tls_codec::DeserializeBytes for Ciphertexts {
    fn tls_deserialize_bytes(input: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let to_tls = |_| tls_codec::Error::InvalidVectorLength;
        let (body, rest) = read_opaque(input).map_err(|e| match e {
            CodecError::Truncated => tls_codec::Error::EndOfStream,
            _ => tls_codec::Error::InvalidVectorLength,
        })?;
        // Every item is at least two bytes (two empty opaques): at most
        // body.len() / 2 offsets, linear in the input.
        let mut starts = Vec::new();
        let mut at = body;
        while !at.is_empty() {
            starts.push((body.len() - at.len()) as u32);
            let (_, r) = read_opaque(at).map_err(to_tls)?;
            let (_, r) = read_opaque(r).map_err(to_tls)?;
            at = r;
        }
        Ok((
            Self {
                bytes: body.into(),
                starts: starts.into_boxed_slice(),
            },
            rest,
        ))
    }
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
    pub encrypted_path_secret: Ciphertexts,
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
                    }]
                    .into(),
                }],
            }),
        }
    }

    fn owned(items: &[(usize, usize)]) -> Vec<HpkeCiphertext> {
        items
            .iter()
            .enumerate()
            .map(|(i, &(k, c))| HpkeCiphertext {
                kem_output: VLBytes::new(alloc::vec![i as u8; k]),
                ciphertext: VLBytes::new(alloc::vec![!(i as u8); c]),
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn rfc9420_7_6_ciphertexts_encode_as_a_vector_of_hpke_ciphertexts(
            items in proptest::collection::vec((0usize..70, 0usize..300), 0..20)
        ) {
            use crate::codec::Encode;
            let v = owned(&items);
            let list = Ciphertexts::from(v.clone());
            let bytes = list.encode().unwrap();
            proptest::prop_assert_eq!(&bytes, &v.encode().unwrap());
            proptest::prop_assert_eq!(tls_codec::Size::tls_serialized_len(&list), bytes.len());
            let back: Ciphertexts = decode(&bytes).unwrap();
            proptest::prop_assert_eq!(back.len(), v.len());
            proptest::prop_assert_eq!(back.to_vec(), v);
            proptest::prop_assert!(back == list);
        }
    }

    #[test]
    fn rfc9420_2_1_2_ciphertexts_reject_bad_framing() {
        use crate::codec::Encode;
        // Two items of 1 + 2 + 1 + 3 bytes: a one-byte list header (14).
        let good = Ciphertexts::from(owned(&[(2, 3), (2, 3)]))
            .encode()
            .unwrap();
        assert_eq!(good[0], 14);
        // Truncated anywhere: refused.
        for cut in 0..good.len() {
            assert!(decode::<Ciphertexts>(&good[..cut]).is_err(), "cut at {cut}");
        }
        // An item that ends inside the list: refused.
        let mut short = good.clone();
        short[0] -= 1;
        short.pop();
        assert!(decode::<Ciphertexts>(&short).is_err());
        // A non-minimal item header: refused.
        let bad = [3u8, 0x40, 0x00, 0x00];
        assert!(decode::<Ciphertexts>(&bad).is_err());
        // Empty items are items.
        let two_empty = decode::<Ciphertexts>(&[4, 0, 0, 0, 0]).unwrap();
        assert_eq!(two_empty.len(), 2);
        assert_eq!(two_empty.get(1).unwrap().kem_output, &[] as &[u8]);
        assert!(two_empty.get(2).is_none());
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
