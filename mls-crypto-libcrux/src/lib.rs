//! # mls-crypto-libcrux
//!
//! stub docs, rewritten below once measured.

#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod aead;
pub mod der;
pub mod dh;
pub mod hash;
pub mod hpke_rs;
pub mod rng;
pub mod sig;

use hpke_rs::HpkeRs;
use ::hpke_rs::hpke_types::{AeadAlgorithm, KdfAlgorithm, KemAlgorithm};
use mls_core::crypto::hpke::{DhKem, GenericHpke};
use mls_core::crypto::{Borrowed, CipherSuite, CipherSuiteProvider, CryptoProvider, Suite};

use crate::aead::{Aes128Gcm, ChaCha20Poly1305};
use crate::hash::{HkdfSha256, Sha256};
use crate::sig::{EcdsaP256, Ed25519};

// ----- primitive parts ------------------------------------------------------

static SHA256: Sha256 = Sha256;
static HKDF_SHA256: HkdfSha256 = HkdfSha256;
static AES128GCM: Aes128Gcm = Aes128Gcm;
static CHACHA20POLY1305: ChaCha20Poly1305 = ChaCha20Poly1305;
static X25519: dh::X25519 = dh::X25519;
static P256: dh::P256 = dh::P256;
static ED25519: Ed25519 = Ed25519;
static ECDSA_P256: EcdsaP256 = EcdsaP256;

// ----- HPKE -----------------------------------------------------------------

static GENERIC_1: GenericHpke =
    GenericHpke::new(DhKem::new(&X25519, &HKDF_SHA256), &HKDF_SHA256, &AES128GCM);
static GENERIC_2: GenericHpke =
    GenericHpke::new(DhKem::new(&P256, &HKDF_SHA256), &HKDF_SHA256, &AES128GCM);
static GENERIC_3: GenericHpke = GenericHpke::new(
    DhKem::new(&X25519, &HKDF_SHA256),
    &HKDF_SHA256,
    &CHACHA20POLY1305,
);

static HPKE_RS_1: HpkeRs = HpkeRs::new(
    KemAlgorithm::DhKem25519,
    KdfAlgorithm::HkdfSha256,
    AeadAlgorithm::Aes128Gcm,
    &X25519,
);
static HPKE_RS_2: HpkeRs = HpkeRs::new(
    KemAlgorithm::DhKemP256,
    KdfAlgorithm::HkdfSha256,
    AeadAlgorithm::Aes128Gcm,
    &P256,
);
static HPKE_RS_3: HpkeRs = HpkeRs::new(
    KemAlgorithm::DhKem25519,
    KdfAlgorithm::HkdfSha256,
    AeadAlgorithm::ChaCha20Poly1305,
    &X25519,
);

// ----- suites -----------------------------------------------------------------

const CS1: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
const CS2: CipherSuite = CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256;
const CS3: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519;

static SUITE_1: Suite = Suite::new(CS1, &SHA256, &HKDF_SHA256, &AES128GCM, &GENERIC_1, &ED25519);
static SUITE_2: Suite = Suite::new(CS2, &SHA256, &HKDF_SHA256, &AES128GCM, &GENERIC_2, &ECDSA_P256);
static SUITE_3: Suite = Suite::new(
    CS3,
    &SHA256,
    &HKDF_SHA256,
    &CHACHA20POLY1305,
    &GENERIC_3,
    &ED25519,
);

static HR_SUITE_1: Suite = Suite::new(CS1, &SHA256, &HKDF_SHA256, &AES128GCM, &HPKE_RS_1, &ED25519);
static HR_SUITE_2: Suite = Suite::new(CS2, &SHA256, &HKDF_SHA256, &AES128GCM, &HPKE_RS_2, &ECDSA_P256);
static HR_SUITE_3: Suite = Suite::new(
    CS3,
    &SHA256,
    &HKDF_SHA256,
    &CHACHA20POLY1305,
    &HPKE_RS_3,
    &ED25519,
);

static SUPPORTED: [CipherSuite; 3] = [CS1, CS2, CS3];

/// The suite served for `cs`.
pub fn suite(cs: CipherSuite) -> Option<&'static Suite> {
    match cs.0 {
        1 => Some(&SUITE_1),
        2 => Some(&SUITE_2),
        3 => Some(&SUITE_3),
        _ => None,
    }
}

/// Suite `cs` with HPKE from `hpke-rs` + `hpke-rs-libcrux` in place of the
/// core's generic HPKE, for cross-checking and for the measurement.
pub fn hpke_rs_suite(cs: CipherSuite) -> Option<&'static Suite> {
    match cs.0 {
        1 => Some(&HR_SUITE_1),
        2 => Some(&HR_SUITE_2),
        3 => Some(&HR_SUITE_3),
        _ => None,
    }
}

/// The generic HPKE of suite `cs` (with `seal_with_ephemeral` for
/// known-answer tests).
pub fn generic_hpke(cs: CipherSuite) -> Option<&'static GenericHpke> {
    match cs.0 {
        1 => Some(&GENERIC_1),
        2 => Some(&GENERIC_2),
        3 => Some(&GENERIC_3),
        _ => None,
    }
}

// ----- provider -----------------------------------------------------------------

const BORROWED: &[Borrowed] = &[Borrowed {
    part: "HPKE",
    from: "mls-core generic HPKE",
}];

/// The libcrux [`CryptoProvider`]. Obtain it with [`provider()`].
#[derive(Debug, Clone, Copy, Default)]
pub struct LibcruxProvider;

/// The provider instance.
pub static PROVIDER: LibcruxProvider = LibcruxProvider;

/// The libcrux provider.
pub fn provider() -> &'static LibcruxProvider {
    &PROVIDER
}

impl CryptoProvider for LibcruxProvider {
    fn name(&self) -> &'static str {
        "libcrux"
    }

    fn supported_cipher_suites(&self) -> &[CipherSuite] {
        &SUPPORTED
    }

    fn cipher_suite(&self, suite: CipherSuite) -> Option<&dyn CipherSuiteProvider> {
        self::suite(suite).map(|s| s as &dyn CipherSuiteProvider)
    }

    fn borrowed_parts(&self, suite: CipherSuite) -> &'static [Borrowed] {
        match suite.0 {
            1..=3 => BORROWED,
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests;
