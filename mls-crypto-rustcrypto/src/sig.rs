//! Signatures (RFC 9420 §5.1.2): Ed25519 (`ed25519-dalek`), Ed448
//! (`ed448-goldilocks`), ECDSA over P-256/P-384/P-521 with
//! SHA-256/384/512 (`p256`, `p384`, `p521`).
//!
//! Private keys: the RFC 8032 secret (32 bytes for Ed25519, 57 for Ed448)
//! or the big-endian ECDSA scalar of exactly the field size (66 bytes for
//! P-521). Public keys: RFC 8032 bytes or uncompressed SEC1 points. ECDSA
//! signatures are DER encoded.

use mls_core::crypto::{CryptoError, Rng, Signature, SignaturePrivateKey, SignatureScheme};
use zeroize::Zeroizing;

use crate::dh::to_array;

/// Ed25519 (RFC 8032) via `ed25519-dalek`; verification is `verify_strict`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ed25519;

impl Ed25519 {
    fn signing_key(sk: &[u8]) -> Result<ed25519_dalek::SigningKey, CryptoError> {
        let seed = to_array::<32>(sk, CryptoError::InvalidKey)?;
        Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
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
        use ed25519_dalek::Signer;
        // The expanded key and its public point (a scalar multiplication)
        // are kept with the private key; `SigningKey` wipes itself on drop.
        crate::with_kept(private_key, Self::signing_key, |key| {
            key.sign(message).to_bytes().to_vec()
        })
    }

    fn verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        let pk = <[u8; 32]>::try_from(public_key).map_err(|_| CryptoError::InvalidKey)?;
        let pk =
            ed25519_dalek::VerifyingKey::from_bytes(&pk).map_err(|_| CryptoError::InvalidKey)?;
        let sig = ed25519_dalek::Signature::from_slice(signature)
            .map_err(|_| CryptoError::InvalidSignature)?;
        pk.verify_strict(message, &sig)
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
        Ok(Self::signing_key(private_key.as_bytes())?
            .verifying_key()
            .to_bytes()
            .to_vec())
    }
}

/// Ed448 (RFC 8032) via the pre-release `ed448-goldilocks` crate.
#[cfg(feature = "x448")]
#[derive(Debug, Clone, Copy, Default)]
pub struct Ed448;

#[cfg(feature = "x448")]
impl Ed448 {
    fn signing_key(sk: &[u8]) -> Result<ed448_goldilocks::SigningKey, CryptoError> {
        if sk.len() != ed448_goldilocks::SECRET_KEY_LENGTH {
            return Err(CryptoError::InvalidKey);
        }
        ed448_goldilocks::SigningKey::try_from(sk).map_err(|_| CryptoError::InvalidKey)
    }
}

#[cfg(feature = "x448")]
impl Signature for Ed448 {
    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::Ed448
    }

    fn sign(
        &self,
        private_key: &SignaturePrivateKey,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        // Kept with the private key, as for Ed25519 (wiped on drop).
        crate::with_kept(private_key, Self::signing_key, |key| {
            key.sign_raw(message).to_bytes().to_vec()
        })
    }

    fn verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        let pk = <[u8; 57]>::try_from(public_key).map_err(|_| CryptoError::InvalidKey)?;
        let pk =
            ed448_goldilocks::VerifyingKey::from_bytes(&pk).map_err(|_| CryptoError::InvalidKey)?;
        let sig = ed448_goldilocks::Signature::from_slice(signature)
            .map_err(|_| CryptoError::InvalidSignature)?;
        pk.verify_raw(&sig, message)
            .map_err(|_| CryptoError::InvalidSignature)
    }

    fn generate_key_pair(
        &self,
        rng: &mut dyn Rng,
    ) -> Result<(SignaturePrivateKey, Vec<u8>), CryptoError> {
        let mut seed = Zeroizing::new([0u8; 57]);
        rng.fill(seed.as_mut())?;
        let sk = SignaturePrivateKey::from_slice(seed.as_ref());
        let pk = self.public_key(&sk)?;
        Ok((sk, pk))
    }

    fn public_key(&self, private_key: &SignaturePrivateKey) -> Result<Vec<u8>, CryptoError> {
        Ok(Self::signing_key(private_key.as_bytes())?
            .verifying_key()
            .to_bytes()
            .to_vec())
    }
}

macro_rules! ecdsa {
    ($name:ident, $krate:ident, $scheme:expr, $n:expr, $bitmask:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl $name {
            fn signing_key(sk: &[u8]) -> Result<$krate::ecdsa::SigningKey, CryptoError> {
                // Exactly the field-size scalar: `from_bytes` takes a
                // fixed-size array, so shorter encodings are not padded.
                let bytes =
                    <&$krate::FieldBytes>::try_from(sk).map_err(|_| CryptoError::InvalidKey)?;
                $krate::ecdsa::SigningKey::from_bytes(bytes).map_err(|_| CryptoError::InvalidKey)
            }

            fn verifying_key(pk: &[u8]) -> Result<$krate::ecdsa::VerifyingKey, CryptoError> {
                if pk.len() != 1 + 2 * $n || pk.first() != Some(&0x04) {
                    return Err(CryptoError::InvalidKey);
                }
                $krate::ecdsa::VerifyingKey::from_sec1_bytes(pk)
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
                use $krate::ecdsa::signature::Signer;
                // The signing key (with its public point) is kept with the
                // private key; `ecdsa::SigningKey` wipes its scalar on drop.
                let sig: $krate::ecdsa::Signature =
                    crate::with_kept(private_key, Self::signing_key, |key| key.try_sign(message))?
                        .map_err(|_| CryptoError::Internal)?;
                Ok(sig.to_der().as_bytes().to_vec())
            }

            fn verify(
                &self,
                public_key: &[u8],
                message: &[u8],
                signature: &[u8],
            ) -> Result<(), CryptoError> {
                use $krate::ecdsa::signature::Verifier;
                let pk = Self::verifying_key(public_key)?;
                let sig = $krate::ecdsa::Signature::from_der(signature)
                    .map_err(|_| CryptoError::InvalidSignature)?;
                pk.verify(message, &sig)
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
                    let sk = SignaturePrivateKey::from_slice(buf.as_ref());
                    if let Ok(pk) = self.public_key(&sk) {
                        return Ok((sk, pk));
                    }
                }
            }

            fn public_key(
                &self,
                private_key: &SignaturePrivateKey,
            ) -> Result<Vec<u8>, CryptoError> {
                let key = Self::signing_key(private_key.as_bytes())?;
                Ok(key.verifying_key().to_sec1_point(false).as_bytes().to_vec())
            }
        }
    };
}

ecdsa!(
    EcdsaP256,
    p256,
    SignatureScheme::EcdsaP256Sha256,
    32,
    0xFF,
    "ECDSA over P-256 with SHA-256, DER signatures (RustCrypto `p256`)."
);
ecdsa!(
    EcdsaP384,
    p384,
    SignatureScheme::EcdsaP384Sha384,
    48,
    0xFF,
    "ECDSA over P-384 with SHA-384, DER signatures (RustCrypto `p384`)."
);
ecdsa!(
    EcdsaP521,
    p521,
    SignatureScheme::EcdsaP521Sha512,
    66,
    0x01,
    "ECDSA over P-521 with SHA-512, DER signatures (RustCrypto `p521`)."
);
