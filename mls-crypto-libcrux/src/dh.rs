//! Diffie-Hellman groups for DHKEM (RFC 9180 §4.1, §7.1): X25519
//! (`libcrux-curve25519`), P-256 (`libcrux-p256`) and P-384
//! (`libcrux-p384`).
//!
//! Keys use the RFC 9180 §7.1.1/§7.1.2 serializations: raw little-endian
//! bytes for X25519 (unclamped private keys are accepted: X25519 clamps),
//! big-endian scalars and uncompressed SEC1 points for the NIST curves.

use mls_core::crypto::{CryptoError, DeriveKind, Dh, KemId, SecretVec};
use zeroize::{Zeroize, Zeroizing};

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

/// X25519 (RFC 7748) via `libcrux-curve25519` (HACL*).
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
        let mut pk = [0u8; 32];
        libcrux_curve25519::secret_to_public(&mut pk, &sk);
        Ok(pk.to_vec())
    }
    fn dh(&self, secret: &[u8], public: &[u8]) -> Result<SecretVec, CryptoError> {
        let sk = to_array::<32>(secret, CryptoError::InvalidKey)?;
        let pk = to_array::<32>(public, CryptoError::InvalidKey)?;
        let mut shared = Zeroizing::new([0u8; 32]);
        // HACL* reports the all-zero output (a low-order point) as an error.
        libcrux_curve25519::ecdh(&mut shared, &pk, &sk).map_err(|_| CryptoError::InvalidKey)?;
        // RFC 9180 §7.1.4: abort on the all-zero output; checked again here.
        if all_zero(shared.as_ref()) {
            return Err(CryptoError::InvalidKey);
        }
        Ok(SecretVec::from_slice(shared.as_ref()))
    }
    fn validate_public(&self, public: &[u8]) -> Result<(), CryptoError> {
        // libcrux has no X25519 public-key check; the small-order list is
        // the core's.
        if mls_core::crypto::x25519_public_is_valid(public) {
            Ok(())
        } else {
            Err(CryptoError::InvalidKey)
        }
    }
}

/// NIST P-256 ECDH via `libcrux-p256` (HACL*).
#[derive(Debug, Clone, Copy, Default)]
pub struct P256;

impl P256 {
    /// Imports a private key: exactly 32 big-endian bytes, a non-zero
    /// scalar below the group order.
    pub(crate) fn secret(secret: &[u8]) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
        let sk = to_array::<32>(secret, CryptoError::InvalidKey)?;
        if libcrux_p256::validate_private_key(sk.as_ref()) {
            Ok(sk)
        } else {
            Err(CryptoError::InvalidKey)
        }
    }

    /// Imports a public key: an uncompressed SEC1 point (65 bytes, 0x04
    /// prefix) on the curve; returns libcrux's raw x || y form.
    pub(crate) fn public_raw(public: &[u8]) -> Result<[u8; 64], CryptoError> {
        let Some((&0x04, xy)) = public.split_first() else {
            return Err(CryptoError::InvalidKey);
        };
        let raw = <[u8; 64]>::try_from(xy).map_err(|_| CryptoError::InvalidKey)?;
        if libcrux_p256::validate_public_key(&raw) {
            Ok(raw)
        } else {
            Err(CryptoError::InvalidKey)
        }
    }

    /// The uncompressed SEC1 public key of a validated private key.
    pub(crate) fn public_of(sk: &[u8; 32]) -> Result<Vec<u8>, CryptoError> {
        let mut raw = [0u8; 64];
        if !libcrux_p256::dh_initiator(&mut raw, sk) {
            return Err(CryptoError::InvalidKey);
        }
        let mut out = Vec::with_capacity(65);
        out.push(0x04);
        out.extend_from_slice(&raw);
        Ok(out)
    }
}

impl Dh for P256 {
    fn kem_id(&self) -> KemId {
        KemId::DhKemP256
    }
    fn secret_len(&self) -> usize {
        32
    }
    fn public_len(&self) -> usize {
        65
    }
    fn derive_kind(&self) -> DeriveKind {
        DeriveKind::Prime { bitmask: 0xFF }
    }
    fn is_valid_secret(&self, candidate: &[u8]) -> bool {
        Self::secret(candidate).is_ok()
    }
    fn public_key(&self, secret: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Self::public_of(&*Self::secret(secret)?)
    }
    fn dh(&self, secret: &[u8], public: &[u8]) -> Result<SecretVec, CryptoError> {
        let sk = Self::secret(secret)?;
        let pk = Self::public_raw(public)?;
        // The shared point, x || y; the DH output is x (RFC 9180 §7.1.1).
        let mut point = Zeroizing::new([0u8; 64]);
        if !libcrux_p256::dh_responder(point.as_mut(), &pk, sk.as_ref()) {
            return Err(CryptoError::InvalidKey);
        }
        let x = &point[..32];
        if all_zero(x) {
            return Err(CryptoError::InvalidKey);
        }
        Ok(SecretVec::from_slice(x))
    }
    fn validate_public(&self, public: &[u8]) -> Result<(), CryptoError> {
        Self::public_raw(public).map(|_| ())
    }
}

/// NIST P-384 ECDH via `libcrux-p384` (fiat-crypto field arithmetic).
///
/// Offered as a part only: no suite of this provider uses it, because
/// libcrux has no P-384 ECDSA (suite 7).
#[derive(Debug, Clone, Copy, Default)]
pub struct P384;

impl P384 {
    fn secret(secret: &[u8]) -> Result<libcrux_p384::PrivateKey, CryptoError> {
        if secret.len() != 48 {
            return Err(CryptoError::InvalidKey);
        }
        libcrux_p384::PrivateKey::try_from(secret).map_err(|_| CryptoError::InvalidKey)
    }
}

impl Dh for P384 {
    fn kem_id(&self) -> KemId {
        KemId::DhKemP384
    }
    fn secret_len(&self) -> usize {
        48
    }
    fn public_len(&self) -> usize {
        97
    }
    fn derive_kind(&self) -> DeriveKind {
        DeriveKind::Prime { bitmask: 0xFF }
    }
    fn is_valid_secret(&self, candidate: &[u8]) -> bool {
        Self::secret(candidate).is_ok()
    }
    fn public_key(&self, secret: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let sk = Self::secret(secret)?;
        let mut out = [0u8; 97];
        libcrux_p384::PublicKey::from(&sk).to_uncompressed(&mut out);
        Ok(out.to_vec())
    }
    fn dh(&self, secret: &[u8], public: &[u8]) -> Result<SecretVec, CryptoError> {
        let sk = Self::secret(secret)?;
        // Uncompressed points only; `from_uncompressed` checks the curve
        // equation (a valid point on this prime-order curve is never the
        // identity, so the shared point is never the identity either).
        if public.len() != 97 || public.first() != Some(&0x04) {
            return Err(CryptoError::InvalidKey);
        }
        let pk = libcrux_p384::PublicKey::from_uncompressed(public)
            .map_err(|_| CryptoError::InvalidKey)?;
        let shared = pk.ecdh(&sk);
        let mut x = *shared.as_ref();
        let out = if all_zero(&x) {
            Err(CryptoError::InvalidKey)
        } else {
            Ok(SecretVec::from_slice(&x))
        };
        x.zeroize();
        out
    }
    fn validate_public(&self, public: &[u8]) -> Result<(), CryptoError> {
        // `from_uncompressed` checks the curve equation.
        if public.len() != 97 || public.first() != Some(&0x04) {
            return Err(CryptoError::InvalidKey);
        }
        libcrux_p384::PublicKey::from_uncompressed(public)
            .map(|_| ())
            .map_err(|_| CryptoError::InvalidKey)
    }
}
