//! SHA-2 hashes, HKDF and HMAC (RustCrypto `sha2`, `hkdf`, `hmac`).

use hmac::{Hmac, KeyInit, Mac};
use mls_core::crypto::{CryptoError, Digest, Hash, Kdf, KdfId, Secret};
use sha2::Digest as _;
use zeroize::Zeroize;

macro_rules! sha2_parts {
    ($hash:ident, $kdf:ident, $h:ty, $len:expr, $id:expr, $hname:literal, $kname:literal) => {
        #[doc = concat!($hname, " (RustCrypto `sha2`).")]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $hash;

        impl Hash for $hash {
            fn output_len(&self) -> usize {
                $len
            }

            fn hash(&self, data: &[u8]) -> Digest {
                to_digest(<$h>::digest(data).as_slice())
            }

            fn hash_parts(&self, parts: &[&[u8]]) -> Digest {
                let mut h = <$h>::new();
                for p in parts {
                    h.update(p);
                }
                to_digest(h.finalize().as_slice())
            }
        }

        #[doc = concat!($kname, " (RFC 5869, RustCrypto `hkdf`) and HMAC over the same hash (RustCrypto `hmac`).")]
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
                // HKDF-Extract(salt, ikm) = HMAC(salt, ikm). An empty salt is
                // HMAC's zero-padded key, i.e. the RFC 5869 default salt.
                let mut mac = <Hmac<$h> as KeyInit>::new_from_slice(salt)
                    .map_err(|_| CryptoError::InvalidKey)?;
                mac.update(ikm);
                let mut prk = mac.finalize().into_bytes();
                let out = Secret::from_slice(prk.as_slice());
                prk.as_mut_slice().zeroize();
                out
            }

            fn expand(&self, prk: &[u8], info: &[u8], out: &mut [u8]) -> Result<(), CryptoError> {
                if out.len() > 255 * $len {
                    return Err(CryptoError::InvalidLength);
                }
                let hk = hkdf::Hkdf::<$h>::from_prk(prk).map_err(|_| CryptoError::InvalidKey)?;
                hk.expand(info, out).map_err(|_| CryptoError::InvalidLength)
            }

            fn mac(&self, key: &[u8], data: &[u8]) -> Result<Digest, CryptoError> {
                let mut mac = <Hmac<$h> as KeyInit>::new_from_slice(key)
                    .map_err(|_| CryptoError::InvalidKey)?;
                mac.update(data);
                let tag = mac.finalize().into_bytes();
                Digest::from_slice(tag.as_slice())
            }
        }
    };
}

/// Wraps a SHA-2 output in a [`Digest`].
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

const _: () = assert!(64 <= mls_core::crypto::MAX_HASH_LEN);

sha2_parts!(
    Sha256,
    HkdfSha256,
    sha2::Sha256,
    32,
    KdfId::HkdfSha256,
    "SHA-256",
    "HKDF-SHA256"
);
sha2_parts!(
    Sha384,
    HkdfSha384,
    sha2::Sha384,
    48,
    KdfId::HkdfSha384,
    "SHA-384",
    "HKDF-SHA384"
);
sha2_parts!(
    Sha512,
    HkdfSha512,
    sha2::Sha512,
    64,
    KdfId::HkdfSha512,
    "SHA-512",
    "HKDF-SHA512"
);
