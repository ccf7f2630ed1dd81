//! Signatures (RFC 9420 §5.1.2): Ed25519 and ECDSA over P-256/SHA-256 and
//! P-384/SHA-384, all signed and verified by ring (`ring::signature`).
//!
//! Private keys: the 32-byte RFC 8032 seed for Ed25519, the big-endian
//! scalar of exactly the field size for ECDSA. Public keys: RFC 8032 bytes
//! or uncompressed SEC1 points. ECDSA signatures are ASN.1 DER.
//!
//! ring imports an ECDSA key pair only from the private scalar *and* the
//! public point (`EcdsaKeyPair::from_private_key_and_public_key`, which
//! checks that they match) and has no way to compute the point from a raw
//! scalar. The point comes from RustCrypto `p256`/`p384`, through
//! [`mls_crypto_rustcrypto::dh`], whose `Dh::public_key` maps exactly this
//! scalar encoding to exactly this point encoding (and rejects zero and
//! out-of-range scalars).
//!
//! ECDSA nonces: ring's `EcdsaKeyPair::sign` takes a
//! `ring::rand::SecureRandom`, a sealed trait that only ring's own
//! `SystemRandom` implements, so the core's `&mut dyn Rng` cannot be
//! plugged in. Signing (which has no `Rng` argument in the core's
//! [`Signature`] trait anyway) draws its nonce randomness from
//! `SystemRandom`; ring also hedges the nonce with the private key and the
//! message digest. Key *generation* uses the core's `Rng`.

use mls_core::crypto::{CryptoError, Dh, Rng, Signature, SignaturePrivateKey, SignatureScheme};
use mls_crypto_rustcrypto::dh;
use ring::rand::SystemRandom;
use ring::signature::{self as rsig, EcdsaKeyPair, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use zeroize::Zeroizing;

/// Ed25519 (RFC 8032) via ring.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ed25519;

impl Ed25519 {
    fn key_pair(sk: &SignaturePrivateKey) -> Result<Ed25519KeyPair, CryptoError> {
        if sk.as_bytes().len() != 32 {
            return Err(CryptoError::InvalidKey);
        }
        Ed25519KeyPair::from_seed_unchecked(sk.as_bytes()).map_err(|_| CryptoError::InvalidKey)
    }
}

impl Signature for Ed25519 {
    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::Ed25519
    }

    fn sign(
        &self,
        private_key: &SignaturePrivateKey,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        Ok(Self::key_pair(private_key)?.sign(message).as_ref().to_vec())
    }

    fn verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        if public_key.len() != 32 {
            return Err(CryptoError::InvalidKey);
        }
        if signature.len() != 64 {
            return Err(CryptoError::InvalidSignature);
        }
        UnparsedPublicKey::new(&rsig::ED25519, public_key)
            .verify(message, signature)
            .map_err(|_| CryptoError::InvalidSignature)
    }

    fn generate_key_pair(
        &self,
        rng: &mut dyn Rng,
    ) -> Result<(SignaturePrivateKey, Vec<u8>), CryptoError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill(seed.as_mut())?;
        let sk = SignaturePrivateKey::from_slice(seed.as_ref());
        let pk = self.public_key(&sk)?;
        Ok((sk, pk))
    }

    fn public_key(&self, private_key: &SignaturePrivateKey) -> Result<Vec<u8>, CryptoError> {
        Ok(Self::key_pair(private_key)?.public_key().as_ref().to_vec())
    }
}

macro_rules! ecdsa {
    ($name:ident, $group:expr, $nsk:expr, $sign_alg:expr, $verify_alg:expr, $scheme:expr,
     $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl $name {
            /// Imports the field-size big-endian scalar into a ring key pair,
            /// with the public point computed by RustCrypto. Returns the key
            /// pair and the uncompressed public point.
            fn key_pair(sk: &SignaturePrivateKey) -> Result<(EcdsaKeyPair, Vec<u8>), CryptoError> {
                let scalar = sk.as_bytes();
                if scalar.len() != $nsk {
                    return Err(CryptoError::InvalidKey);
                }
                let public = $group.public_key(scalar)?;
                let pair = EcdsaKeyPair::from_private_key_and_public_key(
                    &$sign_alg,
                    scalar,
                    &public,
                    &SystemRandom::new(),
                )
                .map_err(|_| CryptoError::InvalidKey)?;
                Ok((pair, public))
            }
        }

        impl Signature for $name {
            fn scheme(&self) -> SignatureScheme {
                $scheme
            }

            fn sign(
                &self,
                private_key: &SignaturePrivateKey,
                message: &[u8],
            ) -> Result<Vec<u8>, CryptoError> {
                let (pair, _) = Self::key_pair(private_key)?;
                let sig = pair
                    .sign(&SystemRandom::new(), message)
                    .map_err(|_| CryptoError::RngFailure)?;
                Ok(sig.as_ref().to_vec())
            }

            fn verify(
                &self,
                public_key: &[u8],
                message: &[u8],
                signature: &[u8],
            ) -> Result<(), CryptoError> {
                // Only uncompressed SEC1 points (ring accepts nothing else
                // either; this check makes the error precise). A point of the
                // right shape that is not on the curve is reported by ring as
                // a failed verification.
                if public_key.len() != 1 + 2 * $nsk || public_key.first() != Some(&0x04) {
                    return Err(CryptoError::InvalidKey);
                }
                UnparsedPublicKey::new(&$verify_alg, public_key)
                    .verify(message, signature)
                    .map_err(|_| CryptoError::InvalidSignature)
            }

            fn generate_key_pair(
                &self,
                rng: &mut dyn Rng,
            ) -> Result<(SignaturePrivateKey, Vec<u8>), CryptoError> {
                // Random field-size bytes from the core's generator, retried
                // until they are a valid non-zero scalar below the order.
                let scalar = $group.generate_secret(rng)?;
                let sk = SignaturePrivateKey::from_slice(scalar.as_bytes());
                let (_, pk) = Self::key_pair(&sk)?;
                Ok((sk, pk))
            }

            fn public_key(
                &self,
                private_key: &SignaturePrivateKey,
            ) -> Result<Vec<u8>, CryptoError> {
                // Importing into ring as well checks the pair end to end.
                Self::key_pair(private_key).map(|(_, pk)| pk)
            }
        }
    };
}

ecdsa!(
    EcdsaP256,
    dh::P256,
    32,
    rsig::ECDSA_P256_SHA256_ASN1_SIGNING,
    rsig::ECDSA_P256_SHA256_ASN1,
    SignatureScheme::EcdsaP256Sha256,
    "ECDSA over P-256 with SHA-256, DER signatures (ring; public point from RustCrypto `p256`)."
);
ecdsa!(
    EcdsaP384,
    dh::P384,
    48,
    rsig::ECDSA_P384_SHA384_ASN1_SIGNING,
    rsig::ECDSA_P384_SHA384_ASN1,
    SignatureScheme::EcdsaP384Sha384,
    "ECDSA over P-384 with SHA-384, DER signatures (ring; public point from RustCrypto `p384`)."
);
