//! Diffie-Hellman groups for DHKEM (RFC 9180 §4.1, §7.1): X25519 and
//! P-256/P-384/P-521, all with static private keys through aws-lc-rs
//! `agreement::PrivateKey` (`from_private_key`, `compute_public_key`,
//! `agree`).
//!
//! Keys use the RFC 9180 §7.1.1/§7.1.2 serializations: raw little-endian
//! bytes for X25519, big-endian scalars of exactly Nsk bytes and
//! uncompressed SEC1 points for the prime curves.

use aws_lc_rs::agreement::{self, UnparsedPublicKey};
use mls_core::crypto::{CryptoError, DeriveKind, Dh, KemId, SecretVec};

/// True when every byte is zero (constant time in the contents).
pub(crate) fn all_zero(s: &[u8]) -> bool {
    s.iter().fold(0u8, |acc, b| acc | b) == 0
}

/// True when the big-endian `a` is strictly below the big-endian `b` of the
/// same length; constant time in the contents (a borrow-propagating
/// subtraction a − b).
pub(crate) fn be_less_than(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut borrow = 0u16;
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        let d = u16::from(*x)
            .wrapping_sub(u16::from(*y))
            .wrapping_sub(borrow);
        borrow = (d >> 8) & 1;
    }
    borrow == 1
}

/// The group orders of the NIST curves (SEC 2 §2.4.2, §2.5.1, §2.6.1),
/// big-endian, Nsk bytes.
pub(crate) const P256_ORDER: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
];
/// See [`P256_ORDER`].
pub(crate) const P384_ORDER: [u8; 48] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xC7, 0x63, 0x4D, 0x81, 0xF4, 0x37, 0x2D, 0xDF,
    0x58, 0x1A, 0x0D, 0xB2, 0x48, 0xB0, 0xA7, 0x7A, 0xEC, 0xEC, 0x19, 0x6A, 0xCC, 0xC5, 0x29, 0x73,
];
/// See [`P256_ORDER`].
pub(crate) const P521_ORDER: [u8; 66] = [
    0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFA, 0x51, 0x86, 0x87, 0x83, 0xBF, 0x2F, 0x96, 0x6B, 0x7F, 0xCC, 0x01, 0x48, 0xF7, 0x09,
    0xA5, 0xD0, 0x3B, 0xB5, 0xC9, 0xB8, 0x89, 0x9C, 0x47, 0xAE, 0xBB, 0x6F, 0xB7, 0x1E, 0x91, 0x38,
    0x64, 0x09,
];

/// True when `scalar` is a valid private key for a curve of order `order`:
/// exactly Nsk big-endian bytes, non-zero, below the order.
pub(crate) fn valid_scalar(scalar: &[u8], order: &[u8]) -> bool {
    scalar.len() == order.len() && !all_zero(scalar) && be_less_than(scalar, order)
}

/// Imports a static private key of `alg` (Nsk bytes; for the prime curves
/// the caller has checked the scalar range, which aws-lc checks again).
fn private_key(
    alg: &'static agreement::Algorithm,
    secret: &[u8],
) -> Result<agreement::PrivateKey, CryptoError> {
    agreement::PrivateKey::from_private_key(alg, secret).map_err(|_| CryptoError::InvalidKey)
}

/// SerializePublicKey(pk(sk)): raw for X25519, uncompressed SEC1 otherwise.
fn public_key_bytes(sk: &agreement::PrivateKey) -> Result<Vec<u8>, CryptoError> {
    let pk = sk.compute_public_key().map_err(|_| CryptoError::Internal)?;
    Ok(pk.as_ref().to_vec())
}

/// DH(sk, pk): aws-lc validates the peer key (on-curve point, X25519
/// small-order rejection); the all-zero output is rejected here as well
/// (RFC 9180 §7.1.4).
fn agree(
    sk: &agreement::PrivateKey,
    alg: &'static agreement::Algorithm,
    public: &[u8],
) -> Result<SecretVec, CryptoError> {
    let peer = UnparsedPublicKey::new(alg, public);
    let shared = agreement::agree(sk, peer, CryptoError::InvalidKey, |z| {
        Ok(SecretVec::from_slice(z))
    })?;
    if all_zero(shared.as_bytes()) {
        return Err(CryptoError::InvalidKey);
    }
    Ok(shared)
}

/// X25519 (RFC 7748) via aws-lc-rs `agreement::X25519`.
#[derive(Debug, Clone, Copy, Default)]
pub struct X25519;

impl X25519 {
    /// The imported private key and DH(sk, pk).
    fn import_and_agree(
        secret: &[u8],
        public: &[u8],
    ) -> Result<(agreement::PrivateKey, SecretVec), CryptoError> {
        // Exactly 32 raw bytes: `UnparsedPublicKey` would also accept an
        // X.509 SubjectPublicKeyInfo, which is not the RFC 9180 encoding.
        if secret.len() != 32 || public.len() != 32 {
            return Err(CryptoError::InvalidKey);
        }
        let sk = private_key(&agreement::X25519, secret)?;
        let shared = agree(&sk, &agreement::X25519, public)?;
        Ok((sk, shared))
    }
}

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
        if secret.len() != 32 {
            return Err(CryptoError::InvalidKey);
        }
        public_key_bytes(&private_key(&agreement::X25519, secret)?)
    }
    fn dh(&self, secret: &[u8], public: &[u8]) -> Result<SecretVec, CryptoError> {
        Ok(Self::import_and_agree(secret, public)?.1)
    }
    fn dh_and_public_key(
        &self,
        secret: &[u8],
        public: &[u8],
    ) -> Result<(SecretVec, Vec<u8>), CryptoError> {
        // AWS-LC computes the public key when it imports a raw X25519
        // private key: import once, for both (one fixed-base scalar
        // multiplication less per HPKE seal and open).
        let (sk, shared) = Self::import_and_agree(secret, public)?;
        Ok((shared, public_key_bytes(&sk)?))
    }
    fn validate_public(&self, public: &[u8]) -> Result<(), CryptoError> {
        // aws-lc parses any 32 raw bytes as an X25519 key; the small-order
        // list is the core's.
        if mls_core::crypto::x25519_public_is_valid(public) {
            Ok(())
        } else {
            Err(CryptoError::InvalidKey)
        }
    }
}

macro_rules! prime_dh {
    ($name:ident, $alg:expr, $order:expr, $kem:expr, $nsk:expr, $bitmask:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl $name {
            fn secret_key(secret: &[u8]) -> Result<agreement::PrivateKey, CryptoError> {
                if !valid_scalar(secret, &$order) {
                    return Err(CryptoError::InvalidKey);
                }
                private_key(&$alg, secret)
            }

            /// The imported private key and DH(sk, pk).
            fn import_and_agree(
                secret: &[u8],
                public: &[u8],
            ) -> Result<(agreement::PrivateKey, SecretVec), CryptoError> {
                // Uncompressed SEC1 only: `UnparsedPublicKey` would also take
                // compressed points and X.509 SubjectPublicKeyInfo.
                if public.len() != 1 + 2 * $nsk || public.first() != Some(&0x04) {
                    return Err(CryptoError::InvalidKey);
                }
                let sk = Self::secret_key(secret)?;
                let shared = agree(&sk, &$alg, public)?;
                Ok((sk, shared))
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
                valid_scalar(candidate, &$order)
            }
            fn public_key(&self, secret: &[u8]) -> Result<Vec<u8>, CryptoError> {
                public_key_bytes(&Self::secret_key(secret)?)
            }
            fn dh(&self, secret: &[u8], public: &[u8]) -> Result<SecretVec, CryptoError> {
                Ok(Self::import_and_agree(secret, public)?.1)
            }
            fn dh_and_public_key(
                &self,
                secret: &[u8],
                public: &[u8],
            ) -> Result<(SecretVec, Vec<u8>), CryptoError> {
                // One import of the scalar for both (see X25519).
                let (sk, shared) = Self::import_and_agree(secret, public)?;
                Ok((shared, public_key_bytes(&sk)?))
            }
            fn validate_public(&self, public: &[u8]) -> Result<(), CryptoError> {
                // Uncompressed SEC1 only; aws-lc checks the point is on
                // the curve when it parses it.
                if public.len() != 1 + 2 * $nsk || public.first() != Some(&0x04) {
                    return Err(CryptoError::InvalidKey);
                }
                agreement::ParsedPublicKey::try_from(&agreement::UnparsedPublicKey::new(
                    &$alg, public,
                ))
                .map(|_| ())
                .map_err(|_| CryptoError::InvalidKey)
            }
        }
    };
}

prime_dh!(
    P256,
    agreement::ECDH_P256,
    P256_ORDER,
    KemId::DhKemP256,
    32,
    0xFF,
    "NIST P-256 ECDH (aws-lc-rs `agreement::ECDH_P256`)."
);
prime_dh!(
    P384,
    agreement::ECDH_P384,
    P384_ORDER,
    KemId::DhKemP384,
    48,
    0xFF,
    "NIST P-384 ECDH (aws-lc-rs `agreement::ECDH_P384`)."
);
prime_dh!(
    P521,
    agreement::ECDH_P521,
    P521_ORDER,
    KemId::DhKemP521,
    66,
    0x01,
    "NIST P-521 ECDH (aws-lc-rs `agreement::ECDH_P521`)."
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    /// `dh_and_public_key` (one import of the private key) gives exactly
    /// what `dh` and `public_key` give apart, and refuses what either
    /// refuses: bad peers (small order, off the curve, compressed, wrong
    /// length) and bad private keys (zero, not below the order, wrong
    /// length).
    fn agrees(dh: &dyn Dh, secret: &[u8], peer: &[u8]) {
        let apart = dh
            .dh(secret, peer)
            .and_then(|z| Ok((z, dh.public_key(secret)?)));
        let together = dh.dh_and_public_key(secret, peer);
        match (apart, together) {
            (Ok((z1, p1)), Ok((z2, p2))) => {
                assert_eq!(z1.as_bytes(), z2.as_bytes());
                assert_eq!(p1, p2);
            }
            (Err(e1), Err(e2)) => assert_eq!(e1, e2),
            (a, t) => panic!("apart {:?}, together {:?}", a.is_ok(), t.is_ok()),
        }
    }

    #[test]
    fn dh_and_public_key_is_dh_and_public_key() {
        let cases: [(&dyn Dh, u8); 4] =
            [(&X25519, 0x11), (&P256, 0x11), (&P384, 0x22), (&P521, 0x01)];
        for (dh, fill) in cases {
            let nsk = dh.secret_len();
            let secret = vec![fill; nsk];
            let mut other = secret.clone();
            other[nsk - 1] ^= 0x5a;
            let peer = dh.public_key(&other).unwrap();
            agrees(dh, &secret, &peer);
            // Bad peers.
            let mut off_curve = peer.clone();
            if let Some(b) = off_curve.last_mut() {
                *b ^= 1;
            }
            agrees(dh, &secret, &off_curve);
            agrees(dh, &secret, &vec![0u8; peer.len()]);
            agrees(dh, &secret, &peer[..peer.len() - 1]);
            let mut compressed = peer[..peer.len().min(1 + nsk)].to_vec();
            compressed[0] = 0x02;
            agrees(dh, &secret, &compressed);
            // Bad private keys.
            agrees(dh, &vec![0u8; nsk], &peer);
            agrees(dh, &vec![0xff; nsk], &peer);
            agrees(dh, &secret[1..], &peer);
        }
    }
}
