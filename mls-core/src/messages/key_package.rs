//! KeyPackages (RFC 9420 §10).

#[allow(unused_imports)]
use alloc::format;
use alloc::vec::Vec;

use crate::codec::VLBytes;
use tls_codec::{TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use super::leaf_node::LeafNode;
use super::{HpkePublicKey, ProtocolVersion, put};
use crate::codec::CodecError;
use crate::crypto::CipherSuite;
use crate::messages::group_context::Extension;

/// ```text
/// struct {
///     ProtocolVersion version;
///     CipherSuite cipher_suite;
///     HPKEPublicKey init_key;
///     LeafNode leaf_node;
///     Extension extensions<V>;
///     /* SignWithLabel(., "KeyPackageTBS", KeyPackageTBS) */
///     opaque signature<V>;
/// } KeyPackage;
/// ```
/// (RFC 9420 §10.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct KeyPackage {
    /// Protocol version.
    pub version: ProtocolVersion,
    /// The cipher suite of this KeyPackage.
    pub cipher_suite: CipherSuite,
    /// HPKE key the Welcome is encrypted to.
    pub init_key: HpkePublicKey,
    /// The leaf the new member will occupy.
    pub leaf_node: LeafNode,
    /// KeyPackage extensions.
    pub extensions: Vec<Extension>,
    /// `SignWithLabel(., "KeyPackageTBS", KeyPackageTBS)`.
    pub signature: VLBytes,
}

impl KeyPackage {
    /// Encodes the `KeyPackageTBS` (RFC 9420 §10): every field but the
    /// signature.
    ///
    /// ```text
    /// struct {
    ///     ProtocolVersion version;
    ///     CipherSuite cipher_suite;
    ///     HPKEPublicKey init_key;
    ///     LeafNode leaf_node;
    ///     Extension extensions<V>;
    /// } KeyPackageTBS;
    /// ```
    pub fn tbs(&self) -> Result<Vec<u8>, CodecError> {
        let mut out = Vec::new();
        put(&self.version, &mut out)?;
        put(&self.cipher_suite, &mut out)?;
        put(&self.init_key, &mut out)?;
        put(&self.leaf_node, &mut out)?;
        put(&self.extensions, &mut out)?;
        Ok(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
pub(crate) mod tests {
    use super::*;
    use crate::codec::Encode;
    use crate::messages::leaf_node::tests::sample_leaf;
    use crate::messages::leaf_node::{LeafNodeSource, Lifetime};
    use crate::messages::test_util::roundtrip;
    use tls_codec::Size;

    pub(crate) fn sample_key_package() -> KeyPackage {
        KeyPackage {
            version: ProtocolVersion::MLS10,
            cipher_suite: CipherSuite(1),
            init_key: VLBytes::new(alloc::vec![8; 32]),
            leaf_node: sample_leaf(LeafNodeSource::KeyPackage(Lifetime {
                not_before: 10,
                not_after: 20,
            })),
            extensions: alloc::vec![Extension {
                extension_type: 0x000A,
                extension_data: VLBytes::new(alloc::vec![]),
            }],
            signature: VLBytes::new(alloc::vec![6; 64]),
        }
    }

    #[test]
    fn rfc9420_10_key_package_roundtrip_and_tbs() {
        let kp = sample_key_package();
        let full = roundtrip(&kp);
        let tbs = kp.tbs().unwrap();
        assert_eq!(
            tbs[..],
            full[..full.len() - kp.signature.tls_serialized_len()]
        );
        assert_eq!(full, kp.encode().unwrap());
    }
}
