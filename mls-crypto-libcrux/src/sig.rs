//! Signatures (RFC 9420 §5.1.2): Ed25519 (`libcrux-ed25519`) and ECDSA
//! over P-256 with SHA-256 (`libcrux-ecdsa`, `libcrux-p256`).
//!
//! Private keys: the 32-byte RFC 8032 seed, or the 32-byte big-endian ECDSA
//! scalar. Public keys: RFC 8032 bytes, or uncompressed SEC1 points (65
//! bytes, 0x04 prefix; libcrux works on the 64 raw bytes x || y). ECDSA
//! signatures are DER ([`crate::der`]); libcrux works on raw r || s.
//!
//! ECDSA nonces are deterministic (RFC 6979, [`crate::rng::Rfc6979`]):
//! `Signature::sign` receives no generator, and the core has none of its
//! own, so the nonce is derived from the key and the message.

use mls_core::crypto::{CryptoError, Rng, Signature, SignaturePrivateKey, SignatureScheme};
use zeroize::Zeroizing;

use crate::der;
use crate::dh::{P256, to_array};
use crate::rng::Rfc6979;

/// How many 32-byte draws key generation tries before blaming the
/// generator (each draw fails with probability below 2^-32).
const KEYGEN_TRIES: usize = 100;

/// Ed25519 (RFC 8032) via `libcrux-ed25519` (HACL*).
#[derive(Debug, Clone, Copy, Default)]
pub struct Ed25519;

impl Signature for Ed25519 {
    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::Ed25519
    }

    fn sign(
        &self,
        private_key: &SignaturePrivateKey,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let seed = to_array::<32>(private_key.as_bytes(), CryptoError::InvalidKey)?;
        let sig = libcrux_ed25519::sign(message, &seed).map_err(|_| CryptoError::InvalidLength)?;
        Ok(sig.to_vec())
    }

    fn verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        let pk = <&[u8; 32]>::try_from(public_key).map_err(|_| CryptoError::InvalidKey)?;
        let sig = <&[u8; 64]>::try_from(signature).map_err(|_| CryptoError::InvalidSignature)?;
        libcrux_ed25519::verify(message, pk, sig).map_err(|_| CryptoError::InvalidSignature)
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
        let seed = to_array::<32>(private_key.as_bytes(), CryptoError::InvalidKey)?;
        let mut pk = [0u8; 32];
        libcrux_ed25519::secret_to_public(&mut pk, &seed);
        Ok(pk.to_vec())
    }
}

/// ECDSA over P-256 with SHA-256 via `libcrux-ecdsa` (HACL*), DER
/// signatures, RFC 6979 nonces.
#[derive(Debug, Clone, Copy, Default)]
pub struct EcdsaP256;

impl EcdsaP256 {
    /// Signs with an explicit RFC 6979 generator (exposed for known-answer
    /// tests). Returns raw (r, s).
    pub(crate) fn sign_raw(
        sk: &[u8; 32],
        message: &[u8],
    ) -> Result<([u8; 32], [u8; 32]), CryptoError> {
        let key =
            libcrux_ecdsa::p256::PrivateKey::try_from(sk).map_err(|_| CryptoError::InvalidKey)?;
        let h1 = libcrux_sha2::sha256(message);
        let mut drbg = Rfc6979::new(sk, &h1)?;
        let nonce =
            libcrux_ecdsa::p256::Nonce::random(&mut drbg).map_err(|_| CryptoError::Internal)?;
        let sig = libcrux_ecdsa::p256::sign(
            libcrux_ecdsa::DigestAlgorithm::Sha256,
            message,
            &key,
            &nonce,
        )
        .map_err(|_| CryptoError::Internal)?;
        let (r, s) = sig.as_bytes();
        Ok((*r, *s))
    }
}

impl Signature for EcdsaP256 {
    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::EcdsaP256Sha256
    }

    fn sign(
        &self,
        private_key: &SignaturePrivateKey,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let sk = P256::secret(private_key.as_bytes())?;
        let (r, s) = Self::sign_raw(&sk, message)?;
        Ok(der::encode(&r, &s))
    }

    fn verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        // Validated uncompressed point; built directly so that libcrux's
        // length-sniffing parser (compressed / raw / uncompressed) is
        // never involved.
        let raw = P256::public_raw(public_key)?;
        let pk = libcrux_ecdsa::p256::PublicKey(raw);
        let (r, s) = der::decode(signature)?;
        let sig = libcrux_ecdsa::p256::Signature::from_raw(r, s);
        libcrux_ecdsa::p256::verify(libcrux_ecdsa::DigestAlgorithm::Sha256, message, &sig, &pk)
            .map_err(|_| CryptoError::InvalidSignature)
    }

    fn generate_key_pair(
        &self,
        rng: &mut dyn Rng,
    ) -> Result<(SignaturePrivateKey, Vec<u8>), CryptoError> {
        let mut buf = Zeroizing::new([0u8; 32]);
        for _ in 0..KEYGEN_TRIES {
            rng.fill(buf.as_mut())?;
            if let Ok(sk) = P256::secret(buf.as_ref()) {
                let pk = P256::public_of(&sk)?;
                return Ok((SignaturePrivateKey::from_slice(sk.as_ref()), pk));
            }
        }
        Err(CryptoError::RngFailure)
    }

    fn public_key(&self, private_key: &SignaturePrivateKey) -> Result<Vec<u8>, CryptoError> {
        P256::public_of(&*P256::secret(private_key.as_bytes())?)
    }
}
