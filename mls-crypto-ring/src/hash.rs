//! SHA-2 digests (`ring::digest`), HKDF (RFC 5869, `ring::hkdf`) and HMAC
//! (`ring::hmac`).
//!
//! ring's `hkdf::Salt::extract` yields an opaque `Prk` that cannot be read
//! back, but the MLS key schedule stores and transmits PRKs (every
//! `*_secret` of RFC 9420 §8 is an HKDF-Extract output). So HKDF-Extract is
//! computed as its definition, HMAC-Hash(salt, IKM) (RFC 5869 §2.2), and
//! HKDF-Expand goes through `hkdf::Prk::new_less_safe` with a run-time output
//! length.

use mls_core::crypto::{CryptoError, Digest, Hash, Kdf, KdfId, Secret};
use ring::{digest, hkdf, hmac};

/// A run-time HKDF-Expand output length for `ring::hkdf::Prk::expand`.
struct OkmLen(usize);

impl hkdf::KeyType for OkmLen {
    fn len(&self) -> usize {
        self.0
    }
}

/// Wraps a ring digest or HMAC tag in a [`Digest`].
///
/// `Digest` has only fallible constructors, but a SHA-2 output is at most
/// 64 bytes = `MAX_HASH_LEN` (asserted at compile time below), so the error
/// branch cannot be taken.
fn to_digest(bytes: &[u8]) -> Digest {
    match Digest::from_slice(bytes) {
        Ok(d) => d,
        Err(_) => unreachable!("SHA-2 output longer than MAX_HASH_LEN"),
    }
}

const _: () = assert!(digest::MAX_OUTPUT_LEN <= mls_core::crypto::MAX_HASH_LEN);

macro_rules! sha2_parts {
    ($hash:ident, $kdf:ident, $dig:expr, $hmac:expr, $hkdf:expr, $len:expr, $id:expr,
     $hname:literal, $kname:literal) => {
        #[doc = concat!($hname, " (`ring::digest`).")]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $hash;

        impl Hash for $hash {
            fn output_len(&self) -> usize {
                $len
            }

            fn hash(&self, data: &[u8]) -> Digest {
                to_digest(digest::digest(&$dig, data).as_ref())
            }

            fn hash_parts(&self, parts: &[&[u8]]) -> Digest {
                let mut ctx = digest::Context::new(&$dig);
                for p in parts {
                    ctx.update(p);
                }
                to_digest(ctx.finish().as_ref())
            }
        }

        #[doc = concat!($kname, " (RFC 5869) and HMAC over the same hash (`ring::hmac`, `ring::hkdf`).")]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $kdf;

        impl Kdf for $kdf {
            fn id(&self) -> KdfId {
                $id
            }

            fn nh(&self) -> usize {
                $len
            }

            fn extract(&self, salt: &[u8], ikm: &[u8]) -> Result<Secret, CryptoError> {
                // HKDF-Extract(salt, ikm) = HMAC(salt, ikm) (RFC 5869 §2.2).
                // An empty salt is HMAC's zero-padded key, i.e. the RFC 5869
                // default salt of HashLen zeros.
                let key = hmac::Key::new($hmac, salt);
                Secret::from_slice(hmac::sign(&key, ikm).as_ref())
            }

            fn expand(&self, prk: &[u8], info: &[u8], out: &mut [u8]) -> Result<(), CryptoError> {
                // RFC 5869 §2.3: PRK is at least HashLen bytes, L at most 255·HashLen.
                if prk.len() < $len {
                    return Err(CryptoError::InvalidKey);
                }
                if out.len() > 255 * $len {
                    return Err(CryptoError::InvalidLength);
                }
                let prk = hkdf::Prk::new_less_safe($hkdf, prk);
                let info = [info];
                let okm = prk
                    .expand(&info, OkmLen(out.len()))
                    .map_err(|_| CryptoError::InvalidLength)?;
                okm.fill(out).map_err(|_| CryptoError::InvalidLength)
            }

            fn mac(&self, key: &[u8], data: &[u8]) -> Result<Digest, CryptoError> {
                let key = hmac::Key::new($hmac, key);
                Digest::from_slice(hmac::sign(&key, data).as_ref())
            }
        }
    };
}

sha2_parts!(
    Sha256,
    HkdfSha256,
    digest::SHA256,
    hmac::HMAC_SHA256,
    hkdf::HKDF_SHA256,
    32,
    KdfId::HkdfSha256,
    "SHA-256",
    "HKDF-SHA256"
);
sha2_parts!(
    Sha384,
    HkdfSha384,
    digest::SHA384,
    hmac::HMAC_SHA384,
    hkdf::HKDF_SHA384,
    48,
    KdfId::HkdfSha384,
    "SHA-384",
    "HKDF-SHA384"
);
sha2_parts!(
    Sha512,
    HkdfSha512,
    digest::SHA512,
    hmac::HMAC_SHA512,
    hkdf::HKDF_SHA512,
    64,
    KdfId::HkdfSha512,
    "SHA-512",
    "HKDF-SHA512"
);
