//! AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305 (aws-lc-rs `aead`).

use aws_lc_rs::aead::{self as lc, Aad, LessSafeKey, Nonce, UnboundKey};
use mls_core::crypto::{Aead, AeadId, CryptoError};

/// Length of every registered AEAD's tag.
const TAG_LEN: usize = 16;

/// A `LessSafeKey` for `alg`: MLS derives a fresh nonce per message from its
/// key schedule, so the nonce-sequence abstraction of aws-lc-rs does not fit.
fn key(alg: &'static lc::Algorithm, nk: usize, key: &[u8]) -> Result<LessSafeKey, CryptoError> {
    if key.len() != nk {
        return Err(CryptoError::InvalidKey);
    }
    let unbound = UnboundKey::new(alg, key).map_err(|_| CryptoError::InvalidKey)?;
    Ok(LessSafeKey::new(unbound))
}

fn nonce(nonce: &[u8]) -> Result<Nonce, CryptoError> {
    Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::InvalidLength)
}

macro_rules! aead_part {
    ($name:ident, $alg:expr, $id:expr, $nk:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl Aead for $name {
            fn id(&self) -> AeadId {
                $id
            }

            fn key_len(&self) -> usize {
                $nk
            }

            fn nonce_len(&self) -> usize {
                lc::NONCE_LEN
            }

            fn seal(
                &self,
                key: &[u8],
                nonce: &[u8],
                aad: &[u8],
                plaintext: &[u8],
            ) -> Result<Vec<u8>, CryptoError> {
                let key = self::key(&$alg, $nk, key)?;
                let nonce = self::nonce(nonce)?;
                let mut in_out = Vec::with_capacity(plaintext.len() + TAG_LEN);
                in_out.extend_from_slice(plaintext);
                key.seal_in_place_append_tag(nonce, Aad::from(aad), &mut in_out)
                    .map_err(|_| CryptoError::InvalidLength)?;
                Ok(in_out)
            }

            fn open(
                &self,
                key: &[u8],
                nonce: &[u8],
                aad: &[u8],
                ciphertext: &[u8],
            ) -> Result<Vec<u8>, CryptoError> {
                let key = self::key(&$alg, $nk, key)?;
                let nonce = self::nonce(nonce)?;
                if ciphertext.len() < TAG_LEN {
                    return Err(CryptoError::DecryptionFailed);
                }
                let mut in_out = ciphertext.to_vec();
                let len = key
                    .open_in_place(nonce, Aad::from(aad), &mut in_out)
                    .map_err(|_| CryptoError::DecryptionFailed)?
                    .len();
                in_out.truncate(len);
                Ok(in_out)
            }
        }
    };
}

aead_part!(
    Aes128Gcm,
    lc::AES_128_GCM,
    AeadId::Aes128Gcm,
    16,
    "AES-128-GCM (aws-lc-rs `aead::AES_128_GCM`)."
);
aead_part!(
    Aes256Gcm,
    lc::AES_256_GCM,
    AeadId::Aes256Gcm,
    32,
    "AES-256-GCM (aws-lc-rs `aead::AES_256_GCM`)."
);
aead_part!(
    ChaCha20Poly1305,
    lc::CHACHA20_POLY1305,
    AeadId::ChaCha20Poly1305,
    32,
    "ChaCha20-Poly1305 (aws-lc-rs `aead::CHACHA20_POLY1305`)."
);
