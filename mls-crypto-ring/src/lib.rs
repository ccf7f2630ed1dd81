//! # mls-crypto-ring
//!
//! A crypto backend for `mls-core` built on [ring](https://github.com/briansmith/ring)
//! 0.17. It serves the RFC 9420 §17.1 cipher suites 0x0001, 0x0002, 0x0003
//! and 0x0007 through [`provider()`], a [`CryptoProvider`] named `"ring"`.
//!
//! ## What comes from where
//!
//! | part | suites | library |
//! | --- | --- | --- |
//! | SHA-256 / SHA-384 | 1, 2, 3 / 7 | ring `digest` |
//! | HKDF (KDF) and HMAC (MLS MAC) | all | ring `hmac`, `hkdf` |
//! | AES-128-GCM / AES-256-GCM / ChaCha20-Poly1305 | 1, 2 / 7 / 3 | ring `aead` (`LessSafeKey`) |
//! | Ed25519 signing and verification | 1, 3 | ring `signature` |
//! | ECDSA P-256/SHA-256, P-384/SHA-384 signing and verification (DER) | 2, 7 | ring `signature` |
//! | ECDSA public key from the private scalar | 2, 7 | **borrowed**: RustCrypto `p256`, `p384` |
//! | static DH: X25519 / P-256 / P-384 | 1, 3 / 2 / 7 | **borrowed**: RustCrypto `x25519-dalek`, `p256`, `p384` |
//! | HPKE (RFC 9180 base mode, export) | all | **borrowed**: `mls-core`'s generic HPKE ([`GenericHpke`]) over the DH above and ring's HKDF and AEAD |
//! | OS randomness ([`SystemRng`]) | — | ring `rand::SystemRandom` |
//!
//! [`CryptoProvider::borrowed_parts`] lists the borrowed parts per suite.
//!
//! ## What is borrowed, and why
//!
//! * **Static-key DH.** ring's key agreement (`ring::agreement`) is
//!   ephemeral-only: an `EphemeralPrivateKey` is generated inside ring,
//!   cannot be imported from bytes, and is consumed by one
//!   `agree_ephemeral`. HPKE needs DH with a stored private key (Decap with
//!   skR) and DeriveKeyPair (RFC 9180 §7.1.3) needs to turn derived bytes
//!   into a key. ring has no HPKE either. So the KEM's DH groups come from
//!   the RustCrypto crates and HPKE is the core's generic RFC 9180
//!   implementation, fed with ring's HKDF and AEAD.
//! * **ECDSA public key from a scalar.** MLS stores ECDSA private keys as the
//!   bare big-endian scalar (as the RFC 9420 test vectors do). ring imports
//!   such a key only together with its public point
//!   (`EcdsaKeyPair::from_private_key_and_public_key`, which checks that the
//!   two match) and offers no scalar multiplication to compute the point.
//!   The point is computed with RustCrypto `p256`/`p384`; signing and
//!   verification themselves are ring's.
//!
//! The borrowed DH parts are [`mls_crypto_rustcrypto::dh`]'s `X25519`,
//! `P256` and `P384`, reused through a dependency on `mls-crypto-rustcrypto`
//! with `default-features = false` (which leaves out its pre-release X448
//! and Ed448 crates) rather than copied. Those types are this workspace's own
//! code, already validated there (invalid-point and all-zero-output
//! rejection, scalar range checks, the RFC 9180 and RFC 9420 vectors);
//! a copy would be a second implementation of the same checks to keep in
//! step. The same `Dh::public_key` also yields the ECDSA public point (the
//! scalar and point encodings of RFC 9180 §7.1.1 are the ones MLS uses for
//! ECDSA keys), so this crate needs no direct curve dependency at all. The
//! cost is that the RustCrypto backend's other crates (`hpke`, `aes-gcm`,
//! `ed25519-dalek`, `p521`, ...) are compiled in too; within this workspace
//! they are built anyway, and the versions are then necessarily the same
//! (`p256`/`p384` 0.14, `x25519-dalek` 3, `rand_core` 0.10): one copy of
//! each in the dependency graph.
//!
//! ## Suites not served
//!
//! * **0x0004 and 0x0006** (X448, Ed448): ring 0.17 implements neither
//!   curve448 key agreement nor Ed448; it has no curve448 code at all.
//! * **0x0005** (P-521): ring 0.17 has no P-521 at all — its ECDSA signing
//!   and verification algorithms cover P-256 and P-384 only, and so does its
//!   ECDH. The suite could only be served by borrowing its signature
//!   algorithm and its DH group both from RustCrypto, leaving ring nothing
//!   but SHA-512, HKDF and AES-256-GCM: that would be the RustCrypto suite
//!   under another name, so this backend does not claim it. Use
//!   `mls-crypto-rustcrypto` for suites 4, 5 and 6.
//!
//! ## Randomness
//!
//! The core passes randomness as `&mut dyn mls_core::crypto::Rng`. Key
//! generation (HPKE and signature keys, HPKE ephemeral keys) draws from it:
//! random bytes, a validity check, retry. ring's ECDSA signing wants a
//! `ring::rand::SecureRandom` for its nonces, and that trait is sealed (only
//! ring's `SystemRandom` implements it), so ECDSA nonces — and only they —
//! come from `SystemRandom` (ring hedges them with the key and message
//! digest). Ed25519 signing is deterministic. [`SystemRng`] is the
//! operating system's generator as a core `Rng`, for applications to pass
//! in.
//!
//! ## Input handling
//!
//! Nothing derived from input can panic: keys, points, signatures and
//! lengths are checked and rejected with a
//! [`CryptoError`](mls_core::crypto::CryptoError). ECDSA private keys must
//! be exactly the field-size big-endian scalar and public keys uncompressed
//! SEC1 points; ECDSA signatures are DER. DH rejects invalid points and
//! all-zero shared secrets. `Kdf::expand` requires a PRK of at least Nh
//! bytes (RFC 5869) and at most 255·Nh bytes of output. This crate zeroizes
//! the secret buffers it owns (key seeds, failed decryptions); ring keeps
//! key material in its own types (`hmac::Key`, `Ed25519KeyPair`,
//! `EcdsaKeyPair`, AEAD keys), which it does not zeroize on drop.
//! For that reason this backend builds its signing key pair anew for each
//! signature and never keeps one beside a private key
//! (`SignaturePrivateKey::with_prepared`), although building it costs a
//! scalar multiplication: the pair is dropped, unwiped, right after use.

#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod aead;
pub mod hash;
mod rng;
pub mod sig;

pub use rng::SystemRng;

use mls_core::crypto::hpke::{DhKem, GenericHpke};
use mls_core::crypto::{Borrowed, CipherSuite, CipherSuiteProvider, CryptoProvider, Suite};
use mls_crypto_rustcrypto::dh;

use crate::aead::{Aes128Gcm, Aes256Gcm, ChaCha20Poly1305};
use crate::hash::{HkdfSha256, HkdfSha384, Sha256, Sha384};
use crate::sig::{EcdsaP256, EcdsaP384, Ed25519};

// ----- primitive parts ------------------------------------------------------

static SHA256: Sha256 = Sha256;
static SHA384: Sha384 = Sha384;
static HKDF_SHA256: HkdfSha256 = HkdfSha256;
static HKDF_SHA384: HkdfSha384 = HkdfSha384;
static AES128GCM: Aes128Gcm = Aes128Gcm;
static AES256GCM: Aes256Gcm = Aes256Gcm;
static CHACHA20POLY1305: ChaCha20Poly1305 = ChaCha20Poly1305;
static X25519: dh::X25519 = dh::X25519;
static P256: dh::P256 = dh::P256;
static P384: dh::P384 = dh::P384;
static ED25519: Ed25519 = Ed25519;
static ECDSA_P256: EcdsaP256 = EcdsaP256;
static ECDSA_P384: EcdsaP384 = EcdsaP384;

// ----- HPKE -----------------------------------------------------------------

static HPKE_1: GenericHpke =
    GenericHpke::new(DhKem::new(&X25519, &HKDF_SHA256), &HKDF_SHA256, &AES128GCM);
static HPKE_2: GenericHpke =
    GenericHpke::new(DhKem::new(&P256, &HKDF_SHA256), &HKDF_SHA256, &AES128GCM);
static HPKE_3: GenericHpke = GenericHpke::new(
    DhKem::new(&X25519, &HKDF_SHA256),
    &HKDF_SHA256,
    &CHACHA20POLY1305,
);
static HPKE_7: GenericHpke =
    GenericHpke::new(DhKem::new(&P384, &HKDF_SHA384), &HKDF_SHA384, &AES256GCM);

// ----- suites -----------------------------------------------------------------

const CS1: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
const CS2: CipherSuite = CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256;
const CS3: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519;
const CS7: CipherSuite = CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384;

static SUITE_1: Suite = Suite::new(CS1, &SHA256, &HKDF_SHA256, &AES128GCM, &HPKE_1, &ED25519);
static SUITE_2: Suite = Suite::new(CS2, &SHA256, &HKDF_SHA256, &AES128GCM, &HPKE_2, &ECDSA_P256);
static SUITE_3: Suite = Suite::new(
    CS3,
    &SHA256,
    &HKDF_SHA256,
    &CHACHA20POLY1305,
    &HPKE_3,
    &ED25519,
);
static SUITE_7: Suite = Suite::new(CS7, &SHA384, &HKDF_SHA384, &AES256GCM, &HPKE_7, &ECDSA_P384);

static SUPPORTED: [CipherSuite; 4] = [CS1, CS2, CS3, CS7];

/// The suite served for `cs` (1, 2, 3 or 7).
pub fn suite(cs: CipherSuite) -> Option<&'static Suite> {
    match cs.0 {
        1 => Some(&SUITE_1),
        2 => Some(&SUITE_2),
        3 => Some(&SUITE_3),
        7 => Some(&SUITE_7),
        _ => None,
    }
}

/// The HPKE of suite `cs`, as its concrete type (for deterministic
/// known-answer checks with [`GenericHpke::seal_with_ephemeral`]).
pub fn hpke(cs: CipherSuite) -> Option<&'static GenericHpke> {
    match cs.0 {
        1 => Some(&HPKE_1),
        2 => Some(&HPKE_2),
        3 => Some(&HPKE_3),
        7 => Some(&HPKE_7),
        _ => None,
    }
}

// ----- provider -----------------------------------------------------------------

const HPKE_GENERIC: Borrowed = Borrowed {
    part: "HPKE",
    from: "mls-core generic HPKE",
};

const BORROWED_X25519: &[Borrowed] = &[
    Borrowed {
        part: "DH (X25519)",
        from: "RustCrypto x25519-dalek",
    },
    HPKE_GENERIC,
];

const BORROWED_P256: &[Borrowed] = &[
    Borrowed {
        part: "DH (P-256)",
        from: "RustCrypto p256",
    },
    HPKE_GENERIC,
    Borrowed {
        part: "ECDSA public key from private scalar",
        from: "RustCrypto p256",
    },
];

const BORROWED_P384: &[Borrowed] = &[
    Borrowed {
        part: "DH (P-384)",
        from: "RustCrypto p384",
    },
    HPKE_GENERIC,
    Borrowed {
        part: "ECDSA public key from private scalar",
        from: "RustCrypto p384",
    },
];

/// The ring [`CryptoProvider`]. Obtain it with [`provider()`].
#[derive(Debug, Clone, Copy, Default)]
pub struct RingProvider;

/// The provider instance.
pub static PROVIDER: RingProvider = RingProvider;

/// The ring provider.
pub fn provider() -> &'static RingProvider {
    &PROVIDER
}

impl CryptoProvider for RingProvider {
    fn name(&self) -> &'static str {
        "ring"
    }

    fn supported_cipher_suites(&self) -> &[CipherSuite] {
        &SUPPORTED
    }

    fn cipher_suite(&self, suite: CipherSuite) -> Option<&dyn CipherSuiteProvider> {
        self::suite(suite).map(|s| s as &dyn CipherSuiteProvider)
    }

    fn borrowed_parts(&self, suite: CipherSuite) -> &'static [Borrowed] {
        match suite.0 {
            1 | 3 => BORROWED_X25519,
            2 => BORROWED_P256,
            7 => BORROWED_P384,
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests;
