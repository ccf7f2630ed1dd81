//! Randomness: [`SystemRng`], the operating system's generator, and the
//! `rand_core` 0.10 generator handed to libcrux's ECDSA.
//!
//! * [`SystemRng`]: libcrux has no interface to the operating system's
//!   generator, so it is borrowed from `getrandom` (as every backend names
//!   its generator `SystemRng`, switching backends changes one `use`
//!   line).
//! * [`Rfc6979`]: the deterministic ECDSA nonce generator of RFC 6979 §3.2
//!   (HMAC-DRBG over HMAC-SHA-256, `libcrux-hmac`), presented as the
//!   `TryCryptoRng` that `libcrux_ecdsa::p256::Nonce::random` samples from.

use core::fmt;

use libcrux_hmac::HmacState;
use mls_core::crypto::CryptoError;
use zeroize::{Zeroize, Zeroizing};

/// The operating system's generator (`getrandom`). The core never has one
/// of its own: pass `&mut SystemRng` where it asks for `&mut dyn Rng`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemRng;

impl mls_core::crypto::Rng for SystemRng {
    fn fill(&mut self, out: &mut [u8]) -> Result<(), CryptoError> {
        getrandom::fill(out).map_err(|_| CryptoError::RngFailure)
    }
}

/// A generator ran out of bytes or was asked for a length it cannot serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exhausted;

impl fmt::Display for Exhausted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("generator exhausted")
    }
}

impl core::error::Error for Exhausted {}

/// The P-256 group order n, big-endian.
pub(crate) const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// `a >= b` for big-endian 256-bit integers.
fn ge(a: &[u8; 32], b: &[u8; 32]) -> bool {
    // Lexicographic comparison of equal-length big-endian byte strings.
    a.as_slice() >= b.as_slice()
}

/// `a - b` for big-endian 256-bit integers with `a >= b`.
fn sub(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = i16::from(d < 0);
        out[i] = (d + (borrow << 8)) as u8;
    }
    out
}

fn hmac_sha256(key: &[u8; 32], parts: &[&[u8]]) -> Result<[u8; 32], CryptoError> {
    let mut st = libcrux_hmac::HmacSha256::new(key).map_err(|_| CryptoError::Internal)?;
    for p in parts {
        st.update(p).map_err(|_| CryptoError::InvalidLength)?;
    }
    let mut out = [0u8; 32];
    st.finalize(&mut out);
    Ok(out)
}

/// The RFC 6979 §3.2 nonce generator for ECDSA P-256 with SHA-256
/// (qlen = hlen = 256, so every candidate is one HMAC output and
/// `bits2int` is the identity).
///
/// Each `try_fill_bytes` of 32 bytes yields the next candidate T (step h);
/// the caller (`libcrux-ecdsa`) accepts it when 1 <= T < n, which is the
/// test of step h.3; otherwise the next call first updates K and V as
/// step h.3 prescribes.
pub struct Rfc6979 {
    k: Zeroizing<[u8; 32]>,
    v: Zeroizing<[u8; 32]>,
    started: bool,
}

impl fmt::Debug for Rfc6979 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rfc6979").finish_non_exhaustive()
    }
}

impl Rfc6979 {
    /// Steps a–g for private key `x` (32 big-endian bytes) and message
    /// hash `h1 = SHA-256(m)`.
    pub fn new(x: &[u8; 32], h1: &[u8; 32]) -> Result<Self, CryptoError> {
        // bits2octets(h1) = int2octets(bits2int(h1) mod n).
        let mut h = *h1;
        if ge(&h, &P256_ORDER) {
            h = sub(&h, &P256_ORDER);
        }
        let mut k = Zeroizing::new([0u8; 32]);
        let mut v = Zeroizing::new([0x01u8; 32]);
        *k = hmac_sha256(&k, &[v.as_ref(), &[0x00], x, &h])?;
        *v = hmac_sha256(&k, &[v.as_ref()])?;
        *k = hmac_sha256(&k, &[v.as_ref(), &[0x01], x, &h])?;
        *v = hmac_sha256(&k, &[v.as_ref()])?;
        Ok(Self {
            k,
            v,
            started: false,
        })
    }

    /// The next candidate T.
    pub fn next_candidate(&mut self) -> Result<[u8; 32], CryptoError> {
        if self.started {
            *self.k = hmac_sha256(&self.k, &[self.v.as_ref(), &[0x00]])?;
            *self.v = hmac_sha256(&self.k, &[self.v.as_ref()])?;
        }
        self.started = true;
        *self.v = hmac_sha256(&self.k, &[self.v.as_ref()])?;
        Ok(*self.v)
    }
}

impl rand_core::TryRng for Rfc6979 {
    type Error = Exhausted;

    fn try_next_u32(&mut self) -> Result<u32, Exhausted> {
        Err(Exhausted)
    }

    fn try_next_u64(&mut self) -> Result<u64, Exhausted> {
        Err(Exhausted)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Exhausted> {
        let Ok(dst) = <&mut [u8; 32]>::try_from(dst) else {
            return Err(Exhausted);
        };
        let mut t = self.next_candidate().map_err(|_| Exhausted)?;
        dst.copy_from_slice(&t);
        t.zeroize();
        Ok(())
    }
}

impl rand_core::TryCryptoRng for Rfc6979 {}
