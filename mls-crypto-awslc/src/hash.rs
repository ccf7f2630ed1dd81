//! SHA-2 hashes (aws-lc-rs `digest`), HKDF and HMAC (aws-lc-rs `hmac`).
//!
//! HKDF is written out over HMAC (RFC 5869 §2.2, §2.3) rather than taken
//! from aws-lc-rs's `hkdf` module: that module's `Salt::extract` hides the
//! PRK, which MLS needs as bytes (the key schedule's secrets are PRKs), and
//! its `Prk::new_less_safe` panics on a PRK longer than 64 bytes.

use aws_lc_rs::{digest, hmac};
use mls_core::crypto::{CryptoError, Digest, Hash, Kdf, KdfId, Secret};
use zeroize::Zeroizing;

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

const _: () = assert!(digest::MAX_OUTPUT_LEN <= mls_core::crypto::MAX_HASH_LEN);

/// HMAC(key, data) written into a zeroizing buffer (the output may be a
/// secret: a PRK or an HKDF block). Returns the buffer and the tag length.
fn hmac_into(
    alg: hmac::Algorithm,
    key: &hmac::Key,
    data: &[u8],
) -> Result<(Zeroizing<[u8; digest::MAX_OUTPUT_LEN]>, usize), CryptoError> {
    let mut buf = Zeroizing::new([0u8; digest::MAX_OUTPUT_LEN]);
    let len = hmac::sign_to_buffer(key, data, buf.as_mut())
        .map_err(|_| CryptoError::Internal)?
        .len();
    debug_assert_eq!(len, alg.digest_algorithm().output_len());
    Ok((buf, len))
}

/// HKDF-Expand (RFC 5869 §2.3) over HMAC: T(i) = HMAC(PRK, T(i-1) || info || i).
fn hkdf_expand(
    alg: hmac::Algorithm,
    nh: usize,
    prk: &[u8],
    info: &[u8],
    out: &mut [u8],
) -> Result<(), CryptoError> {
    // RFC 5869 §2.3: PRK is "at least HashLen octets"; L <= 255*HashLen.
    if prk.len() < nh {
        return Err(CryptoError::InvalidKey);
    }
    if out.len() > 255 * nh {
        return Err(CryptoError::InvalidLength);
    }
    let key = hmac::Key::new(alg, prk);
    // T(i-1) || info || i, rebuilt per block in one zeroizing buffer whose
    // capacity is reserved up front (no reallocation leaves a copy behind).
    let mut input = Zeroizing::new(Vec::with_capacity(nh + info.len() + 1));
    for (i, chunk) in out.chunks_mut(nh).enumerate() {
        // i < 255 by the length check above.
        let counter = (i as u8).wrapping_add(1);
        input.extend_from_slice(info);
        input.push(counter);
        let (t, len) = hmac_into(alg, &key, &input)?;
        chunk.copy_from_slice(&t[..chunk.len()]);
        input.clear();
        input.extend_from_slice(&t[..len]);
    }
    Ok(())
}

macro_rules! sha2_parts {
    ($hash:ident, $kdf:ident, $digest:expr, $hmac:expr, $len:expr, $id:expr, $hname:literal, $kname:literal) => {
        #[doc = concat!($hname, " (aws-lc-rs `digest`).")]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $hash;

        impl Hash for $hash {
            fn output_len(&self) -> usize {
                $len
            }

            fn hash(&self, data: &[u8]) -> Digest {
                to_digest(digest::digest(&$digest, data).as_ref())
            }

            fn hash_parts(&self, parts: &[&[u8]]) -> Digest {
                let mut ctx = digest::Context::new(&$digest);
                for p in parts {
                    ctx.update(p);
                }
                to_digest(ctx.finish().as_ref())
            }
        }

        #[doc = concat!($kname, " (RFC 5869) and HMAC over the same hash, both on aws-lc-rs `hmac`.")]
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
                let key = hmac::Key::new($hmac, salt);
                let (prk, len) = hmac_into($hmac, &key, ikm)?;
                Secret::from_slice(&prk[..len])
            }

            fn expand(&self, prk: &[u8], info: &[u8], out: &mut [u8]) -> Result<(), CryptoError> {
                hkdf_expand($hmac, $len, prk, info, out)
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
    64,
    KdfId::HkdfSha512,
    "SHA-512",
    "HKDF-SHA512"
);
