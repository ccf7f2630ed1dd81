//! Credentials (RFC 9420 §5.3).

#[allow(unused_imports)]
use alloc::format;
use alloc::vec::Vec;

use crate::codec::VLBytes;
use tls_codec::{DeserializeBytes, Size, TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use super::{manual_codec, put, u16_registry};

u16_registry! {
    /// `uint16 CredentialType;` (RFC 9420 §5.3, registry §17.5.)
    CredentialType {
        /// `basic`.
        BASIC = 0x0001,
        /// `x509`.
        X509 = 0x0002,
    }
}

/// ```text
/// struct {
///     opaque cert_data<V>;
/// } Certificate;
/// ```
/// (RFC 9420 §5.3.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct Certificate {
    /// One DER-encoded X.509 certificate.
    pub cert_data: VLBytes,
}

/// ```text
/// struct {
///     CredentialType credential_type;
///     select (Credential.credential_type) {
///         case basic:
///             opaque identity<V>;
///
///         case x509:
///             Certificate certificates<V>;
///     };
/// } Credential;
/// ```
/// (RFC 9420 §5.3.)
///
/// **Other credential types.** The RFC gives no length prefix for the body of
/// a type it does not define, so such a body cannot be skipped without its
/// schema. This implementation follows the convention of the deployed
/// implementations (OpenMLS, mls-rs): the body of any other credential type
/// is a single `opaque credential_data<V>` — the same shape as `basic`. It is
/// carried as [`Credential::Other`] and re-encodes byte for byte. The
/// reserved value 0 is rejected. Whether a credential type is *supported* is
/// a validation question (§5.3.1, §7.3), not a decoding one; GREASE values
/// (which §13.5 forbids here) are therefore not special-cased either.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credential {
    /// `basic`: an application-defined identity.
    Basic(VLBytes),
    /// `x509`: a certificate chain, end-entity first.
    X509(Vec<Certificate>),
    /// Any other credential type, body as `opaque<V>` (see above).
    Other {
        /// The credential type (never 0, 1 or 2).
        credential_type: CredentialType,
        /// The type-specific body.
        data: VLBytes,
    },
}

impl Credential {
    /// The credential type.
    pub fn credential_type(&self) -> CredentialType {
        match self {
            Self::Basic(_) => CredentialType::BASIC,
            Self::X509(_) => CredentialType::X509,
            Self::Other {
                credential_type, ..
            } => *credential_type,
        }
    }

    fn wire_len(&self) -> usize {
        2 + match self {
            Self::Basic(id) => id.tls_serialized_len(),
            Self::X509(certs) => certs.tls_serialized_len(),
            Self::Other { data, .. } => data.tls_serialized_len(),
        }
    }

    fn write_wire(&self, out: &mut Vec<u8>) -> Result<(), tls_codec::Error> {
        let t = self.credential_type();
        if matches!(self, Self::Other { .. })
            && matches!(
                t,
                CredentialType::BASIC | CredentialType::X509 | CredentialType(0)
            )
        {
            return Err(tls_codec::Error::EncodingError(format!(
                "Credential::Other with credential type {}",
                t.0
            )));
        }
        put(&t, out)?;
        match self {
            Self::Basic(id) => put(id, out),
            Self::X509(certs) => put(certs, out),
            Self::Other { data, .. } => put(data, out),
        }
    }

    fn read_wire(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (t, rest) = CredentialType::tls_deserialize_bytes(bytes)?;
        Ok(match t {
            CredentialType(0) => return Err(tls_codec::Error::UnknownValue(0)),
            CredentialType::BASIC => {
                let (id, rest) = VLBytes::tls_deserialize_bytes(rest)?;
                (Self::Basic(id), rest)
            }
            CredentialType::X509 => {
                let (certs, rest) = Vec::<Certificate>::tls_deserialize_bytes(rest)?;
                (Self::X509(certs), rest)
            }
            credential_type => {
                let (data, rest) = VLBytes::tls_deserialize_bytes(rest)?;
                (
                    Self::Other {
                        credential_type,
                        data,
                    },
                    rest,
                )
            }
        })
    }
}

manual_codec!(Credential);

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::codec::{CodecError, decode};
    use crate::messages::test_util::roundtrip;
    use proptest::prelude::*;

    #[test]
    fn rfc9420_5_3_basic_encoding() {
        let c = Credential::Basic(VLBytes::new(b"alice".to_vec()));
        assert_eq!(roundtrip(&c), hex::decode("000105616c696365").unwrap());
    }

    #[test]
    fn rfc9420_5_3_x509_and_other_roundtrip() {
        roundtrip(&Credential::X509(alloc::vec![
            Certificate {
                cert_data: VLBytes::new(alloc::vec![1, 2, 3])
            },
            Certificate {
                cert_data: VLBytes::new(alloc::vec![])
            },
        ]));
        roundtrip(&Credential::Other {
            credential_type: CredentialType(0xF001),
            data: VLBytes::new(alloc::vec![9; 70]),
        });
    }

    #[test]
    fn rfc9420_5_3_reserved_type_rejected() {
        assert_eq!(
            decode::<Credential>(&[0, 0, 0]),
            Err(CodecError::InvalidValue)
        );
        let bad = Credential::Other {
            credential_type: CredentialType::BASIC,
            data: VLBytes::new(alloc::vec![]),
        };
        assert!(crate::codec::Encode::encode(&bad).is_err());
    }

    #[test]
    fn rfc9420_2_1_2_non_minimal_inside_credential() {
        // A basic identity of length 1 with a 2-byte length header.
        assert!(decode::<Credential>(&[0, 1, 0x40, 0x01, 0xAA]).is_err());
        assert!(decode::<Credential>(&[0, 1, 0x01, 0xAA]).is_ok());
    }

    proptest! {
        #[test]
        fn credential_roundtrip(t in 1u16.., data in proptest::collection::vec(any::<u8>(), 0..100)) {
            let c = match t {
                1 => Credential::Basic(VLBytes::new(data)),
                2 => Credential::X509(alloc::vec![Certificate { cert_data: VLBytes::new(data) }]),
                t => Credential::Other { credential_type: CredentialType(t), data: VLBytes::new(data) },
            };
            roundtrip(&c);
        }
    }
}
