//! SHA-2 hashes (`libcrux-sha2`), HKDF (`libcrux-hkdf`) and HMAC
//! (`libcrux-hmac`).
//!
//! The HACL* code underneath takes `u32` lengths; every input is fed in
//! chunks or checked, so that no input length can reach a panic.

use libcrux_hmac::HmacState;
use libcrux_sha2::Digest as _;
use mls_core::crypto::{CryptoError, Digest, Hash, Kdf, KdfId, Secret};
use zeroize::Zeroize;

/// Largest slice handed to a HACL* streaming update (well below `u32::MAX`).
const CHUNK: usize = 1 << 30;

macro_rules! sha2_parts {
    ($hash:ident, $kdf:ident, $state:ty, $hmac:ty, $alg:expr, $len:expr, $id:expr, $hname:literal, $kname:literal) => {
        #[doc = concat!($hname, " (`libcrux-sha2`).")]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $hash;

        impl Hash for $hash {
            fn output_len(&self) -> usize {
                $len
            }

            fn hash(&self, data: &[u8]) -> Digest {
                self.hash_parts(&[data])
            }

            fn hash_parts(&self, parts: &[&[u8]]) -> Digest {
                let mut state = <$state>::new();
                for p in parts {
                    for c in p.chunks(CHUNK) {
                        state.update(c);
                    }
                }
                let mut out = [0u8; $len];
                state.finish(&mut out);
                to_digest(&out)
            }
        }

        #[doc = concat!($kname, " (RFC 5869, `libcrux-hkdf`) and HMAC over the same hash (`libcrux-hmac`).")]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $kdf;

        impl $kdf {
            /// HMAC(key, parts...) into a zeroizing-by-caller array.
            fn hmac(key: &[u8], parts: &[&[u8]], out: &mut [u8; $len]) -> Result<(), CryptoError> {
                let mut st = <$hmac as HmacState<$len>>::new(key).map_err(|_| CryptoError::InvalidKey)?;
                for p in parts {
                    for c in p.chunks(CHUNK) {
                        st.update(c).map_err(|_| CryptoError::InvalidLength)?;
                    }
                }
                st.finalize(out);
                Ok(())
            }

            /// HKDF-Expand (RFC 5869 §2.3) over HMAC, for PRKs longer than
            /// Nh (libcrux-hkdf only reads the first Nh bytes of a PRK).
            fn expand_long_prk(prk: &[u8], info: &[u8], out: &mut [u8]) -> Result<(), CryptoError> {
                let mut t = [0u8; $len];
                let mut t_len = 0usize;
                for (i, block) in out.chunks_mut($len).enumerate() {
                    let counter = u8::try_from(i + 1).map_err(|_| CryptoError::InvalidLength)?;
                    let prev = t;
                    let r = Self::hmac(prk, &[&prev[..t_len], info, &[counter]], &mut t);
                    let mut prev = prev;
                    prev.zeroize();
                    r?;
                    t_len = $len;
                    block.copy_from_slice(&t[..block.len()]);
                }
                t.zeroize();
                Ok(())
            }
        }

        impl Kdf for $kdf {
            fn id(&self) -> KdfId {
                $id
            }

            fn nh(&self) -> usize {
                $len
            }

            fn extract(&self, salt: &[u8], ikm: &[u8]) -> Result<Secret, CryptoError> {
                // An empty salt is HMAC's zero-padded key: the RFC 5869 default.
                let mut prk = [0u8; $len];
                let r = libcrux_hkdf::extract($alg, &mut prk, salt, ikm)
                    .map_err(|_| CryptoError::InvalidLength)
                    .and_then(|()| Secret::from_slice(&prk));
                prk.zeroize();
                r
            }

            fn expand(&self, prk: &[u8], info: &[u8], out: &mut [u8]) -> Result<(), CryptoError> {
                if out.len() > 255 * $len {
                    return Err(CryptoError::InvalidLength);
                }
                if prk.len() < $len {
                    return Err(CryptoError::InvalidKey);
                }
                if prk.len() > $len {
                    return Self::expand_long_prk(prk, info, out);
                }
                libcrux_hkdf::expand($alg, out, prk, info).map_err(|_| CryptoError::InvalidLength)
            }

            fn mac(&self, key: &[u8], data: &[u8]) -> Result<Digest, CryptoError> {
                let mut tag = [0u8; $len];
                Self::hmac(key, &[data], &mut tag)?;
                Digest::from_slice(&tag)
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
    libcrux_sha2::Sha256,
    libcrux_hmac::HmacSha256,
    libcrux_hkdf::Algorithm::Sha256,
    32,
    KdfId::HkdfSha256,
    "SHA-256",
    "HKDF-SHA256"
);
sha2_parts!(
    Sha384,
    HkdfSha384,
    libcrux_sha2::Sha384,
    libcrux_hmac::HmacSha384,
    libcrux_hkdf::Algorithm::Sha384,
    48,
    KdfId::HkdfSha384,
    "SHA-384",
    "HKDF-SHA384"
);
sha2_parts!(
    Sha512,
    HkdfSha512,
    libcrux_sha2::Sha512,
    libcrux_hmac::HmacSha512,
    libcrux_hkdf::Algorithm::Sha512,
    64,
    KdfId::HkdfSha512,
    "SHA-512",
    "HKDF-SHA512"
);
