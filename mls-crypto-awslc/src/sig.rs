//! Signatures (RFC 9420 §5.1.2): Ed25519 and ECDSA over P-256/P-384/P-521
//! with SHA-256/384/512 and DER (ASN.1) signatures, all from aws-lc-rs
//! `signature`.
//!
//! Private keys: the RFC 8032 seed (32 bytes) for Ed25519, the big-endian
//! ECDSA scalar of exactly the field size (66 bytes for P-521). Public keys:
//! RFC 8032 bytes or uncompressed SEC1 points; other encodings aws-lc-rs
//! would accept (X.509 SubjectPublicKeyInfo, compressed points) are
//! rejected. ECDSA signatures are DER encoded.
//!
//! aws-lc-rs builds an ECDSA key pair from a raw scalar only together with
//! its public key (`EcdsaKeyPair::from_private_key_and_public_key`); the
//! public point is computed with `agreement::PrivateKey` on the same curve.

use core::marker::PhantomData;

use aws_lc_rs::agreement;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self as lc, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _};
use mls_core::crypto::{CryptoError, Rng, Signature, SignaturePrivateKey, SignatureScheme};
use zeroize::Zeroizing;

use crate::dh::{P256_ORDER, P384_ORDER, P521_ORDER, valid_scalar};

/// Ed25519 seed and public key length.
const ED25519_LEN: usize = 32;

/// An ECDSA key pair kept with a private key, tagged with its curve: aws-lc-rs
/// has one `EcdsaKeyPair` type for every curve, and the kept form is found by
/// type, so an untagged P-256 pair would sign for a P-384 signer handed the
/// same key (which must refuse a 32-byte scalar instead).
struct KeptEcdsa<Curve>(EcdsaKeyPair, PhantomData<Curve>);

/// Ed25519 (RFC 8032) via aws-lc-rs `signature::Ed25519KeyPair` and
/// `signature::ED25519`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ed25519;

impl Ed25519 {
    fn key_pair(seed: &[u8]) -> Result<Ed25519KeyPair, CryptoError> {
        // `from_seed_unchecked` accepts longer inputs; the seed is exactly 32 bytes.
        if seed.len() != ED25519_LEN {
            return Err(CryptoError::InvalidKey);
        }
        Ed25519KeyPair::from_seed_unchecked(seed).map_err(|_| CryptoError::InvalidKey)
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
        // The key pair (its public point costs a scalar multiplication) is
        // kept with the private key: AWS-LC wipes it when it is freed.
        private_key
            .with_prepared(Self::key_pair, |kp| kp.try_sign(message))?
            .map(|sig| sig.as_ref().to_vec())
            .map_err(|_| CryptoError::Internal)
    }

    fn verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        // Raw RFC 8032 bytes only (aws-lc-rs also parses X.509 SPKI).
        if public_key.len() != ED25519_LEN {
            return Err(CryptoError::InvalidKey);
        }
        let pk = lc::ParsedPublicKey::new(&lc::ED25519, public_key)
            .map_err(|_| CryptoError::InvalidKey)?;
        pk.verify_sig(message, signature)
            .map_err(|_| CryptoError::InvalidSignature)
    }

    fn generate_key_pair(
        &self,
        rng: &mut dyn Rng,
    ) -> Result<(SignaturePrivateKey, Vec<u8>), CryptoError> {
        let mut seed = Zeroizing::new([0u8; ED25519_LEN]);
        rng.fill(seed.as_mut())?;
        let sk = SignaturePrivateKey::from_slice(seed.as_ref());
        let pk = self.public_key(&sk)?;
        Ok((sk, pk))
    }

    fn public_key(&self, private_key: &SignaturePrivateKey) -> Result<Vec<u8>, CryptoError> {
        Ok(Self::key_pair(private_key.as_bytes())?
            .public_key()
            .as_ref()
            .to_vec())
    }
}

macro_rules! ecdsa {
    ($name:ident, $sign_alg:expr, $verify_alg:expr, $ecdh:expr, $order:expr, $scheme:expr, $n:expr, $bitmask:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl $name {
            /// The uncompressed public point of a field-size scalar.
            fn public_point(scalar: &[u8]) -> Result<Vec<u8>, CryptoError> {
                if !valid_scalar(scalar, &$order) {
                    return Err(CryptoError::InvalidKey);
                }
                let sk = agreement::PrivateKey::from_private_key(&$ecdh, scalar)
                    .map_err(|_| CryptoError::InvalidKey)?;
                let pk = sk.compute_public_key().map_err(|_| CryptoError::Internal)?;
                Ok(pk.as_ref().to_vec())
            }

            fn key_pair(scalar: &[u8]) -> Result<KeptEcdsa<Self>, CryptoError> {
                let pk = Self::public_point(scalar)?;
                EcdsaKeyPair::from_private_key_and_public_key(&$sign_alg, scalar, &pk)
                    .map(|kp| KeptEcdsa(kp, PhantomData))
                    .map_err(|_| CryptoError::InvalidKey)
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
                // The key pair is kept with the private key (AWS-LC wipes
                // it when it is freed). aws-lc-rs ignores the generator
                // argument: the nonce comes from AWS-LC's internal generator
                // (see the crate docs).
                private_key
                    .with_prepared(Self::key_pair, |kp| {
                        kp.0.sign(&SystemRandom::new(), message)
                    })?
                    .map(|sig| sig.as_ref().to_vec())
                    .map_err(|_| CryptoError::Internal)
            }

            fn verify(
                &self,
                public_key: &[u8],
                message: &[u8],
                signature: &[u8],
            ) -> Result<(), CryptoError> {
                if public_key.len() != 1 + 2 * $n || public_key.first() != Some(&0x04) {
                    return Err(CryptoError::InvalidKey);
                }
                let pk = lc::ParsedPublicKey::new(&$verify_alg, public_key)
                    .map_err(|_| CryptoError::InvalidKey)?;
                pk.verify_sig(message, signature)
                    .map_err(|_| CryptoError::InvalidSignature)
            }

            fn generate_key_pair(
                &self,
                rng: &mut dyn Rng,
            ) -> Result<(SignaturePrivateKey, Vec<u8>), CryptoError> {
                let mut buf = Zeroizing::new([0u8; $n]);
                loop {
                    rng.fill(buf.as_mut())?;
                    buf[0] &= $bitmask;
                    if valid_scalar(buf.as_ref(), &$order) {
                        let sk = SignaturePrivateKey::from_slice(buf.as_ref());
                        let pk = self.public_key(&sk)?;
                        return Ok((sk, pk));
                    }
                }
            }

            fn public_key(
                &self,
                private_key: &SignaturePrivateKey,
            ) -> Result<Vec<u8>, CryptoError> {
                Self::public_point(private_key.as_bytes())
            }
        }
    };
}

ecdsa!(
    EcdsaP256,
    lc::ECDSA_P256_SHA256_ASN1_SIGNING,
    lc::ECDSA_P256_SHA256_ASN1,
    agreement::ECDH_P256,
    P256_ORDER,
    SignatureScheme::EcdsaP256Sha256,
    32,
    0xFF,
    "ECDSA over P-256 with SHA-256, DER signatures (aws-lc-rs `signature::ECDSA_P256_SHA256_ASN1`)."
);
ecdsa!(
    EcdsaP384,
    lc::ECDSA_P384_SHA384_ASN1_SIGNING,
    lc::ECDSA_P384_SHA384_ASN1,
    agreement::ECDH_P384,
    P384_ORDER,
    SignatureScheme::EcdsaP384Sha384,
    48,
    0xFF,
    "ECDSA over P-384 with SHA-384, DER signatures (aws-lc-rs `signature::ECDSA_P384_SHA384_ASN1`)."
);
ecdsa!(
    EcdsaP521,
    lc::ECDSA_P521_SHA512_ASN1_SIGNING,
    lc::ECDSA_P521_SHA512_ASN1,
    agreement::ECDH_P521,
    P521_ORDER,
    SignatureScheme::EcdsaP521Sha512,
    66,
    0x01,
    "ECDSA over P-521 with SHA-512, DER signatures (aws-lc-rs `signature::ECDSA_P521_SHA512_ASN1`)."
);
