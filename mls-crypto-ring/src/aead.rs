//! AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305 (`ring::aead::LessSafeKey`).
//!
//! `LessSafeKey` is ring's interface for callers that manage nonces
//! themselves, which MLS does (RFC 9420 §6.3.2 reuse guards, HPKE base
//! nonces).

use mls_core::crypto::{Aead, AeadId, CryptoError};
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use zeroize::Zeroize;

const TAG_LEN: usize = 16;

macro_rules! aead_part {
    ($name:ident, $alg:expr, $id:expr, $nk:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl $name {
            fn key(key: &[u8]) -> Result<LessSafeKey, CryptoError> {
                if key.len() != $nk {
                    return Err(CryptoError::InvalidKey);
                }
                let key = UnboundKey::new(&$alg, key).map_err(|_| CryptoError::InvalidKey)?;
                Ok(LessSafeKey::new(key))
            }

            fn nonce(nonce: &[u8]) -> Result<Nonce, CryptoError> {
                Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::InvalidLength)
            }
        }

        impl Aead for $name {
            fn id(&self) -> AeadId {
                $id
            }

            fn key_len(&self) -> usize {
                $nk
            }

            fn nonce_len(&self) -> usize {
                aead::NONCE_LEN
            }

            fn seal(
                &self,
                key: &[u8],
                nonce: &[u8],
                aad: &[u8],
                plaintext: &[u8],
            ) -> Result<Vec<u8>, CryptoError> {
                let key = Self::key(key)?;
                let nonce = Self::nonce(nonce)?;
                let mut in_out = Vec::with_capacity(plaintext.len() + TAG_LEN);
                in_out.extend_from_slice(plaintext);
                match key.seal_in_place_append_tag(nonce, Aad::from(aad), &mut in_out) {
                    Ok(()) => Ok(in_out),
                    Err(_) => {
                        // Only reachable for inputs beyond the AEAD's limit;
                        // the buffer may still hold plaintext.
                        in_out.zeroize();
                        Err(CryptoError::InvalidLength)
                    }
                }
            }

            fn open(
                &self,
                key: &[u8],
                nonce: &[u8],
                aad: &[u8],
                ciphertext: &[u8],
            ) -> Result<Vec<u8>, CryptoError> {
                let key = Self::key(key)?;
                let nonce = Self::nonce(nonce)?;
                if ciphertext.len() < TAG_LEN {
                    return Err(CryptoError::DecryptionFailed);
                }
                let mut in_out = ciphertext.to_vec();
                let len = match key.open_in_place(nonce, Aad::from(aad), &mut in_out) {
                    Ok(pt) => pt.len(),
                    Err(_) => {
                        // Never hand back (or leave behind) unauthenticated
                        // plaintext.
                        in_out.zeroize();
                        return Err(CryptoError::DecryptionFailed);
                    }
                };
                // Drop the tag: the plaintext is the first `len` bytes.
                in_out[len..].zeroize();
                in_out.truncate(len);
                Ok(in_out)
            }
        }
    };
}

aead_part!(
    Aes128Gcm,
    aead::AES_128_GCM,
    AeadId::Aes128Gcm,
    16,
    "AES-128-GCM (`ring::aead::AES_128_GCM`)."
);
aead_part!(
    Aes256Gcm,
    aead::AES_256_GCM,
    AeadId::Aes256Gcm,
    32,
    "AES-256-GCM (`ring::aead::AES_256_GCM`)."
);
aead_part!(
    ChaCha20Poly1305,
    aead::CHACHA20_POLY1305,
    AeadId::ChaCha20Poly1305,
    32,
    "ChaCha20-Poly1305 (`ring::aead::CHACHA20_POLY1305`)."
);
