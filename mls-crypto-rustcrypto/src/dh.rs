//! Diffie-Hellman groups for DHKEM (RFC 9180 §4.1, §7.1): X25519
//! (`x25519-dalek`), X448 (`x448`), P-256/P-384/P-521 (`p256`, `p384`,
//! `p521`).
//!
//! Keys use the RFC 9180 §7.1.1/§7.1.2 serializations: raw little-endian
//! bytes for the Montgomery curves, big-endian scalars and uncompressed SEC1
//! points for the prime curves.

use mls_core::crypto::{CryptoError, DeriveKind, Dh, KemId, SecretVec};
use zeroize::Zeroizing;

/// Copies `s` into a zeroizing fixed-size array, or fails with `err`.
pub(crate) fn to_array<const N: usize>(
    s: &[u8],
    err: CryptoError,
) -> Result<Zeroizing<[u8; N]>, CryptoError> {
    if s.len() != N {
        return Err(err);
    }
    let mut out = Zeroizing::new([0u8; N]);
    out.copy_from_slice(s);
    Ok(out)
}

/// True when every byte is zero (constant time in the contents).
pub(crate) fn all_zero(s: &[u8]) -> bool {
    s.iter().fold(0u8, |acc, b| acc | b) == 0
}

/// X25519 (RFC 7748) via `x25519-dalek`.
#[derive(Debug, Clone, Copy, Default)]
pub struct X25519;

impl Dh for X25519 {
    fn kem_id(&self) -> KemId {
        KemId::DhKemX25519
    }
    fn secret_len(&self) -> usize {
        32
    }
    fn public_len(&self) -> usize {
        32
    }
    fn derive_kind(&self) -> DeriveKind {
        DeriveKind::Montgomery
    }
    fn is_valid_secret(&self, candidate: &[u8]) -> bool {
        candidate.len() == 32
    }
    fn public_key(&self, secret: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let sk = to_array::<32>(secret, CryptoError::InvalidKey)?;
        let sk = x25519_dalek::StaticSecret::from(*sk);
        Ok(x25519_dalek::PublicKey::from(&sk).as_bytes().to_vec())
    }
    fn dh(&self, secret: &[u8], public: &[u8]) -> Result<SecretVec, CryptoError> {
        let sk = to_array::<32>(secret, CryptoError::InvalidKey)?;
        let pk = to_array::<32>(public, CryptoError::InvalidKey)?;
        let sk = x25519_dalek::StaticSecret::from(*sk);
        let shared = sk.diffie_hellman(&x25519_dalek::PublicKey::from(*pk));
        // RFC 9180 §7.1.4: abort on the all-zero output (low-order point).
        if all_zero(shared.as_bytes()) {
            return Err(CryptoError::InvalidKey);
        }
        Ok(SecretVec::from_slice(shared.as_bytes()))
    }
    fn validate_public(&self, public: &[u8]) -> Result<(), CryptoError> {
        // x25519-dalek accepts any 32 bytes; the small-order list is the core's.
        if mls_core::crypto::x25519_public_is_valid(public) {
            Ok(())
        } else {
            Err(CryptoError::InvalidKey)
        }
    }
}

/// X448 (RFC 7748) via the pre-release `x448` crate.
#[cfg(feature = "x448")]
#[derive(Debug, Clone, Copy, Default)]
pub struct X448;

#[cfg(feature = "x448")]
impl Dh for X448 {
    fn kem_id(&self) -> KemId {
        KemId::DhKemX448
    }
    fn secret_len(&self) -> usize {
        56
    }
    fn public_len(&self) -> usize {
        56
    }
    fn derive_kind(&self) -> DeriveKind {
        DeriveKind::Montgomery
    }
    fn is_valid_secret(&self, candidate: &[u8]) -> bool {
        candidate.len() == 56
    }
    fn public_key(&self, secret: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let sk = to_array::<56>(secret, CryptoError::InvalidKey)?;
        let sk = x448::StaticSecret::from(*sk);
        Ok(x448::PublicKey::from(&sk).as_bytes().to_vec())
    }
    fn dh(&self, secret: &[u8], public: &[u8]) -> Result<SecretVec, CryptoError> {
        let sk = to_array::<56>(secret, CryptoError::InvalidKey)?;
        if public.len() != 56 {
            return Err(CryptoError::InvalidKey);
        }
        // `from_bytes` rejects low-order points.
        let pk = x448::PublicKey::from_bytes(public).ok_or(CryptoError::InvalidKey)?;
        let sk = x448::StaticSecret::from(*sk);
        let shared = sk.diffie_hellman(&pk);
        let shared = Zeroizing::new(*shared.as_bytes());
        if all_zero(shared.as_ref()) {
            return Err(CryptoError::InvalidKey);
        }
        Ok(SecretVec::from_slice(shared.as_ref()))
    }
    fn validate_public(&self, public: &[u8]) -> Result<(), CryptoError> {
        // `from_bytes` rejects low-order points.
        if public.len() == 56 && x448::PublicKey::from_bytes(public).is_some() {
            Ok(())
        } else {
            Err(CryptoError::InvalidKey)
        }
    }
}

macro_rules! prime_dh {
    ($name:ident, $krate:ident, $kem:expr, $nsk:expr, $bitmask:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl $name {
            /// Imports a private key: exactly Nsk big-endian bytes, a non-zero
            /// scalar below the group order.
            pub(crate) fn secret_key(secret: &[u8]) -> Result<$krate::SecretKey, CryptoError> {
                let bytes =
                    <&$krate::FieldBytes>::try_from(secret).map_err(|_| CryptoError::InvalidKey)?;
                $krate::SecretKey::from_bytes(bytes).map_err(|_| CryptoError::InvalidKey)
            }

            /// Imports a public key: an uncompressed SEC1 point on the curve.
            pub(crate) fn public_key_from(public: &[u8]) -> Result<$krate::PublicKey, CryptoError> {
                if public.len() != 1 + 2 * $nsk || public.first() != Some(&0x04) {
                    return Err(CryptoError::InvalidKey);
                }
                $krate::PublicKey::from_sec1_bytes(public).map_err(|_| CryptoError::InvalidKey)
            }

            /// The uncompressed SEC1 encoding of a public key.
            pub(crate) fn encode_public(pk: &$krate::PublicKey) -> Vec<u8> {
                use $krate::elliptic_curve::sec1::ToSec1Point;
                pk.to_sec1_point(false).as_bytes().to_vec()
            }
        }

        impl Dh for $name {
            fn kem_id(&self) -> KemId {
                $kem
            }
            fn secret_len(&self) -> usize {
                $nsk
            }
            fn public_len(&self) -> usize {
                1 + 2 * $nsk
            }
            fn derive_kind(&self) -> DeriveKind {
                DeriveKind::Prime { bitmask: $bitmask }
            }
            fn is_valid_secret(&self, candidate: &[u8]) -> bool {
                Self::secret_key(candidate).is_ok()
            }
            fn public_key(&self, secret: &[u8]) -> Result<Vec<u8>, CryptoError> {
                let sk = Self::secret_key(secret)?;
                Ok(Self::encode_public(&sk.public_key()))
            }
            fn dh(&self, secret: &[u8], public: &[u8]) -> Result<SecretVec, CryptoError> {
                let sk = Self::secret_key(secret)?;
                let pk = Self::public_key_from(public)?;
                let shared = $krate::ecdh::diffie_hellman(sk.to_nonzero_scalar(), pk.as_affine());
                let bytes = shared.raw_secret_bytes();
                if all_zero(bytes.as_slice()) {
                    return Err(CryptoError::InvalidKey);
                }
                Ok(SecretVec::from_slice(bytes.as_slice()))
            }
            fn validate_public(&self, public: &[u8]) -> Result<(), CryptoError> {
                Self::public_key_from(public).map(|_| ())
            }
        }
    };
}

prime_dh!(
    P256,
    p256,
    KemId::DhKemP256,
    32,
    0xFF,
    "NIST P-256 ECDH (RustCrypto `p256`)."
);
prime_dh!(
    P384,
    p384,
    KemId::DhKemP384,
    48,
    0xFF,
    "NIST P-384 ECDH (RustCrypto `p384`)."
);
prime_dh!(
    P521,
    p521,
    KemId::DhKemP521,
    66,
    0x01,
    "NIST P-521 ECDH (RustCrypto `p521`)."
);
