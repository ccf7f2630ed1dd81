//! AES-128-GCM, AES-256-GCM (`libcrux-aes`) and ChaCha20-Poly1305
//! (`libcrux-chacha20poly1305`), both through the `libcrux-aead`
//! multiplexer.

use libcrux_traits::aead::typed_refs::Aead as _;
use mls_core::crypto::{Aead, AeadId, CryptoError};
use zeroize::Zeroize;

const TAG_LEN: usize = 16;

fn seal(
    alg: libcrux_aead::Aead,
    nk: usize,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    if key.len() != nk {
        return Err(CryptoError::InvalidKey);
    }
    let nonce = alg
        .new_nonce(nonce)
        .map_err(|_| CryptoError::InvalidLength)?;
    let key = alg.new_key(key).map_err(|_| CryptoError::InvalidKey)?;
    let len = plaintext
        .len()
        .checked_add(TAG_LEN)
        .ok_or(CryptoError::InvalidLength)?;
    let mut out = vec![0u8; len];
    let (ct, tag) = out.split_at_mut(plaintext.len());
    let tag = alg
        .new_tag_mut(tag)
        .map_err(|_| CryptoError::InvalidLength)?;
    key.encrypt(ct, tag, nonce, aad, plaintext)
        .map_err(|_| CryptoError::InvalidLength)?;
    Ok(out)
}

fn open(
    alg: libcrux_aead::Aead,
    nk: usize,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    if key.len() != nk {
        return Err(CryptoError::InvalidKey);
    }
    let nonce = alg
        .new_nonce(nonce)
        .map_err(|_| CryptoError::InvalidLength)?;
    let key = alg.new_key(key).map_err(|_| CryptoError::InvalidKey)?;
    let Some(boundary) = ciphertext.len().checked_sub(TAG_LEN) else {
        return Err(CryptoError::DecryptionFailed);
    };
    let (ct, tag) = ciphertext.split_at(boundary);
    let tag = alg
        .new_tag(tag)
        .map_err(|_| CryptoError::DecryptionFailed)?;
    let mut pt = vec![0u8; boundary];
    match key.decrypt(&mut pt, nonce, aad, ct, tag) {
        Ok(()) => Ok(pt),
        // A bad tag, or any other refusal: one coarse error, no plaintext.
        Err(_) => {
            pt.zeroize();
            Err(CryptoError::DecryptionFailed)
        }
    }
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
                12
            }
            fn seal(
                &self,
                key: &[u8],
                nonce: &[u8],
                aad: &[u8],
                plaintext: &[u8],
            ) -> Result<Vec<u8>, CryptoError> {
                seal($alg, $nk, key, nonce, aad, plaintext)
            }
            fn open(
                &self,
                key: &[u8],
                nonce: &[u8],
                aad: &[u8],
                ciphertext: &[u8],
            ) -> Result<Vec<u8>, CryptoError> {
                open($alg, $nk, key, nonce, aad, ciphertext)
            }
        }
    };
}

aead_part!(
    Aes128Gcm,
    libcrux_aead::Aead::AesGcm128,
    AeadId::Aes128Gcm,
    16,
    "AES-128-GCM (`libcrux-aes` via `libcrux-aead`)."
);
aead_part!(
    Aes256Gcm,
    libcrux_aead::Aead::AesGcm256,
    AeadId::Aes256Gcm,
    32,
    "AES-256-GCM (`libcrux-aes` via `libcrux-aead`)."
);
aead_part!(
    ChaCha20Poly1305,
    libcrux_aead::Aead::ChaCha20Poly1305,
    AeadId::ChaCha20Poly1305,
    32,
    "ChaCha20-Poly1305 (`libcrux-chacha20poly1305` via `libcrux-aead`)."
);
