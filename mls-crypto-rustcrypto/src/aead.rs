//! AES-GCM (RustCrypto `aes-gcm`) and ChaCha20-Poly1305 (RustCrypto
//! `chacha20poly1305`).

use aes_gcm::aead::{Aead as _, KeyInit, Payload};
use mls_core::crypto::{Aead, AeadId, CryptoError};

macro_rules! aead_part {
    ($name:ident, $cipher:ty, $id:expr, $nk:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl $name {
            fn cipher(key: &[u8]) -> Result<$cipher, CryptoError> {
                if key.len() != $nk {
                    return Err(CryptoError::InvalidKey);
                }
                <$cipher as KeyInit>::new_from_slice(key).map_err(|_| CryptoError::InvalidKey)
            }

            fn nonce(nonce: &[u8]) -> Result<&aes_gcm::aead::Nonce<$cipher>, CryptoError> {
                <&aes_gcm::aead::Nonce<$cipher>>::try_from(nonce)
                    .map_err(|_| CryptoError::InvalidLength)
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
                12
            }

            fn seal(
                &self,
                key: &[u8],
                nonce: &[u8],
                aad: &[u8],
                plaintext: &[u8],
            ) -> Result<Vec<u8>, CryptoError> {
                let cipher = Self::cipher(key)?;
                let nonce = Self::nonce(nonce)?;
                cipher
                    .encrypt(
                        nonce,
                        Payload {
                            msg: plaintext,
                            aad,
                        },
                    )
                    .map_err(|_| CryptoError::InvalidLength)
            }

            fn open(
                &self,
                key: &[u8],
                nonce: &[u8],
                aad: &[u8],
                ciphertext: &[u8],
            ) -> Result<Vec<u8>, CryptoError> {
                let cipher = Self::cipher(key)?;
                let nonce = Self::nonce(nonce)?;
                if ciphertext.len() < 16 {
                    return Err(CryptoError::DecryptionFailed);
                }
                cipher
                    .decrypt(
                        nonce,
                        Payload {
                            msg: ciphertext,
                            aad,
                        },
                    )
                    .map_err(|_| CryptoError::DecryptionFailed)
            }
        }
    };
}

aead_part!(
    Aes128Gcm,
    aes_gcm::Aes128Gcm,
    AeadId::Aes128Gcm,
    16,
    "AES-128-GCM (RustCrypto `aes-gcm`)."
);
aead_part!(
    Aes256Gcm,
    aes_gcm::Aes256Gcm,
    AeadId::Aes256Gcm,
    32,
    "AES-256-GCM (RustCrypto `aes-gcm`)."
);
aead_part!(
    ChaCha20Poly1305,
    chacha20poly1305::ChaCha20Poly1305,
    AeadId::ChaCha20Poly1305,
    32,
    "ChaCha20-Poly1305 (RustCrypto `chacha20poly1305`)."
);
