//! # mls-crypto-libcrux
//!
//! A crypto backend for `mls-core` built on Cryspen's formally verified
//! [libcrux](https://github.com/cryspen/libcrux) crates (mostly HACL*
//! code). It serves cipher suites 1, 2 and 3 of RFC 9420 §17.1 and nine
//! of the eleven post-quantum suites of draft-ietf-mls-pq-ciphersuites-06
//! (all but TBD5 and TBD8, whose ECDSA P-384 libcrux lacks) through
//! [`provider()`], a [`CryptoProvider`] named `"libcrux"`. The
//! post-quantum parts are in [`pq`]: ML-KEM (`libcrux-ml-kem` 0.0.11),
//! X-Wing (`libcrux-kem` 0.0.10), ML-DSA (`libcrux-ml-dsa` 0.0.11),
//! SHA-3 (`libcrux-sha3` 0.0.11), all on the same train; MLKEM768-P256 is
//! composed by the core's `HybridKem`, and the HPKE key schedule is the
//! core's `KemHpke`.
//!
//! ## What comes from where
//!
//! | part | crate |
//! | --- | --- |
//! | SHA-256/384/512 | `libcrux-sha2` 0.0.9 |
//! | HKDF (KDF) | `libcrux-hkdf` 0.0.9 |
//! | HMAC (MLS MAC; HKDF-Expand for PRKs longer than Nh; RFC 6979) | `libcrux-hmac` 0.0.9 |
//! | AES-128-GCM, AES-256-GCM | `libcrux-aes` 0.0.10 via `libcrux-aead` 0.0.10 |
//! | ChaCha20-Poly1305 | `libcrux-chacha20poly1305` 0.0.10 via `libcrux-aead` 0.0.10 |
//! | X25519 | `libcrux-curve25519` 0.0.9 |
//! | P-256 ECDH | `libcrux-p256` 0.0.9 |
//! | P-384 ECDH (a [`dh::P384`] part; no suite uses it) | `libcrux-p384` 0.0.1 |
//! | Ed25519 | `libcrux-ed25519` 0.0.10 |
//! | ECDSA P-256 / SHA-256 | `libcrux-ecdsa` 0.0.9 (over `libcrux-p256`) |
//! | DER for ECDSA signatures | this crate ([`der`]) |
//! | ECDSA nonces (RFC 6979) | this crate ([`rng::Rfc6979`]) over `libcrux-hmac` |
//! | HPKE (RFC 9180) | `mls-core`'s generic HPKE over this crate's parts |
//!
//! ## One release train
//!
//! The split libcrux crates pin one another exactly (`=x.y.z`). The set
//! above is one train: all of them depend on `libcrux-traits` =0.0.9,
//! `libcrux-secrets` =0.0.7, `libcrux-hacl-rs` =0.0.6 and `rand` /
//! `rand_core` 0.10, and it is exactly the set `hpke-rs-libcrux` 0.8.0
//! pins (`libcrux-aead` =0.0.10, `libcrux-ecdh` =0.0.9 → `libcrux-p256`
//! and `libcrux-curve25519` =0.0.9, `libcrux-hkdf` =0.0.9,
//! `libcrux-p384` =0.0.1). The older `libcrux-aesgcm` 0.0.8 belongs to
//! the previous train (`libcrux-traits` 0.0.7) and is not used; nor is
//! the umbrella `libcrux` crate (0.0.6, older still). This crate pins each
//! dependency exactly, so that `cargo update` cannot mix trains.
//!
//! ## Suites served, and why not the others
//!
//! * 1 `MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519`, 2
//!   `MLS_128_DHKEMP256_AES128GCM_SHA256_P256`, 3
//!   `MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519`: everything
//!   from libcrux.
//! * 4 and 6 (X448, Ed448): libcrux has neither X448 nor Ed448.
//! * 5 (P-521, ECDSA P-521/SHA-512): libcrux has no P-521 at all (its
//!   HPKE provider borrows RustCrypto's `p521` for DHKEM(P-521)), and
//!   `libcrux-ecdsa` implements P-256 only.
//! * 7 (P-384, ECDSA P-384/SHA-384): `libcrux-p384` offers ECDH (served
//!   here as [`dh::P384`], tested against hpke-rs's DHKEM(P-384)), but
//!   libcrux has no P-384 ECDSA, so the suite's signature scheme is
//!   missing.
//!
//! Borrowing the missing signatures from another library would make those
//! suites mostly non-libcrux; that is the RustCrypto backend's job.
//!
//! ## What is borrowed, and why: HPKE
//!
//! HPKE is the core's [`GenericHpke`] over this crate's libcrux parts
//! ([`dh::X25519`] / [`dh::P256`], HKDF-SHA256, the AEADs);
//! [`CryptoProvider::borrowed_parts`] says so for every suite. The
//! alternative, `hpke-rs` 0.8.0 with its libcrux provider
//! `hpke-rs-libcrux` 0.8.0, is on the same train and works: it passes the
//! same tests (RFC 9180 A.1/A.3 known answers, round trips, interop with
//! the generic HPKE both ways, and its DeriveKeyPair gives byte-identical
//! keys to the core's `DhKem`, unclamped X25519 keys included). It was
//! measured against the generic HPKE by hand (`MLS_MEASURE_HPKE=1 cargo test --release -p
//! mls-crypto-libcrux -- --nocapture hpke_generic_and_hpke_rs`: 15 alternating
//! batches of 100 operations, fastest batch kept, 64-byte plaintext, on
//! this project's 2-core machine while other builds ran):
//!
//! | suite | generic seal / open / DeriveKeyPair | hpke-rs seal / open / DeriveKeyPair |
//! | --- | --- | --- |
//! | 1 | 241 / 192 / 87 µs | 244 / 227 / 86 µs |
//! | 2 | 746 / 865 / 198 µs | 766 / 771 / 200 µs |
//! | 3 | 267 / 223 / 61 µs | 239 / 272 / 89 µs |
//!
//! Both spend their time in the same libcrux scalar multiplications; the
//! differences are within the run-to-run noise of the loaded machine
//! (earlier runs swung ±30 % either way), so neither is faster. The
//! generic one is kept because, at equal speed, it is the better fit:
//! hpke-rs keeps its generator in a `'static` value, so the caller's
//! `&mut dyn Rng` cannot be handed to it and the ephemeral randomness has
//! to be pre-drawn (relying on hpke-rs drawing exactly Nsk bytes once);
//! its keys are checked only by the library's own rules, where the
//! generic one goes through this crate's strict [`Dh`](mls_core::crypto::Dh)
//! parts (uncompressed points only, exact lengths); and it would add
//! hpke-rs (MPL-2.0), `libcrux-kem`, `libcrux-ml-kem` and `libcrux-sha3`
//! to every build. hpke-rs is therefore a dev-dependency only, kept for the
//! measurement and the cross-checks (`src/hpke_rs.rs`).
//!
//! ## Keys, signatures and randomness
//!
//! * Ed25519: private key = the 32-byte RFC 8032 seed, public key the
//!   RFC 8032 encoding.
//! * ECDSA P-256: private key = the 32-byte big-endian scalar (non-zero,
//!   below the order); public key = uncompressed SEC1 (65 bytes, 0x04
//!   prefix), converted to and from the 64 raw bytes libcrux uses, and
//!   validated on the curve; compressed and raw forms are refused.
//!   Signatures are DER, converted to and from libcrux's raw r || s by
//!   [`der`] (strict DER, no panics; its output is byte-identical to
//!   `libcrux-ecdsa`'s own codec, which a test checks).
//! * ECDSA nonces: [`Signature::sign`](mls_core::crypto::Signature::sign)
//!   receives no generator and the core has no ambient one, so nonces are
//!   deterministic, RFC 6979 §3.2 ([`rng::Rfc6979`], an HMAC-DRBG fed to
//!   `libcrux_ecdsa::p256::Nonce::random`; the RFC 6979 A.2.5 signatures
//!   are reproduced exactly). Key generation draws from the caller's
//!   `&mut dyn Rng` ([`mls_core::crypto::Rng`]) directly, as does the
//!   generic HPKE's encapsulation.
//! * DH: X25519 accepts any 32 bytes as a private key (X25519 clamps), so
//!   the unclamped keys of the RFC 9180/9420 vectors are used as they are;
//!   P-256 secrets must be non-zero and below the order; points must be
//!   uncompressed and on the curve; an all-zero shared secret is refused.
//!
//! ## Input handling
//!
//! Nothing derived from input can panic: the HACL* functions take fixed
//! sizes and `u32` lengths, so every buffer is length-checked into an array
//! first, hashes and MACs are fed in chunks below `u32::MAX`, and
//! `Kdf::expand` refuses more than 255·Nh bytes of output. Secret
//! intermediates held by this crate (seeds, scalars, shared points, DRBG
//! state, PRKs) are zeroized; values inside libcrux's own types (e.g.
//! `libcrux_ecdsa::p256::PrivateKey`, which has no `Zeroize`) cannot be.
//! For that reason no signing key is kept beside a private key between
//! signatures (`SignaturePrivateKey::with_prepared`): libcrux's Ed25519
//! signs from the seed (its expanded-key API is private) and its ML-DSA
//! key types do not wipe themselves, so ML-DSA keys are expanded per
//! signature.

#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod aead;
pub mod der;
pub mod dh;
pub mod hash;
#[cfg(test)]
mod hpke_rs;
pub mod pq;
pub mod rng;
pub use rng::SystemRng;
pub mod sig;

use mls_core::crypto::hpke::{DhKem, GenericHpke, KemHpke};
use mls_core::crypto::kem::{HybridKem, MlKemHpkeKem};
use mls_core::crypto::{Borrowed, CipherSuite, CipherSuiteProvider, CryptoProvider, Suite};

use crate::aead::{Aes128Gcm, Aes256Gcm, ChaCha20Poly1305};
use crate::hash::{HkdfSha256, HkdfSha384, Sha256, Sha384};
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

// ----- suites -----------------------------------------------------------------

const CS1: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
const CS2: CipherSuite = CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256;
const CS3: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519;

static SUITE_1: Suite = Suite::new(CS1, &SHA256, &HKDF_SHA256, &AES128GCM, &GENERIC_1, &ED25519);
static SUITE_2: Suite = Suite::new(
    CS2,
    &SHA256,
    &HKDF_SHA256,
    &AES128GCM,
    &GENERIC_2,
    &ECDSA_P256,
);
static SUITE_3: Suite = Suite::new(
    CS3,
    &SHA256,
    &HKDF_SHA256,
    &CHACHA20POLY1305,
    &GENERIC_3,
    &ED25519,
);

// ----- post-quantum suites (draft-ietf-mls-pq-ciphersuites-06) -------------

static SHA384: Sha384 = Sha384;
static HKDF_SHA384: HkdfSha384 = HkdfSha384;
static AES256GCM: Aes256Gcm = Aes256Gcm;
static MLKEM768: pq::MlKem768 = pq::MlKem768;
static MLKEM1024: pq::MlKem1024 = pq::MlKem1024;
static KECCAK: pq::Sha3 = pq::Sha3;
static MLDSA44: pq::MlDsa44 = pq::MlDsa44;
static MLDSA65: pq::MlDsa65 = pq::MlDsa65;
static MLDSA87: pq::MlDsa87 = pq::MlDsa87;

static KEM_XWING: pq::XWing = pq::XWing;
static KEM_MLKEM768: MlKemHpkeKem = MlKemHpkeKem::new(&MLKEM768, &KECCAK);
static KEM_MLKEM1024: MlKemHpkeKem = MlKemHpkeKem::new(&MLKEM1024, &KECCAK);
static KEM_MLKEM768P256: HybridKem = HybridKem::mlkem768_p256(&MLKEM768, &P256, &KECCAK);

static HPKE_PQ1: KemHpke = KemHpke::new(&KEM_XWING, &HKDF_SHA256, &AES128GCM);
static HPKE_PQ2: KemHpke = KemHpke::new(&KEM_XWING, &HKDF_SHA384, &AES256GCM);
static HPKE_PQ3: KemHpke = KemHpke::new(&KEM_MLKEM768P256, &HKDF_SHA256, &AES128GCM);
static HPKE_PQ4: KemHpke = KemHpke::new(&KEM_MLKEM768P256, &HKDF_SHA384, &AES256GCM);
static HPKE_PQ6: KemHpke = KemHpke::new(&KEM_MLKEM768, &HKDF_SHA384, &AES256GCM);
static HPKE_PQ8: KemHpke = KemHpke::new(&KEM_MLKEM1024, &HKDF_SHA384, &AES256GCM);
static HPKE_PQ9: KemHpke = KemHpke::new(&KEM_XWING, &HKDF_SHA384, &CHACHA20POLY1305);

/// TBD5 and TBD8 (ECDSA P-384) are not served: libcrux has no P-384 ECDSA.
static PQ_SUITES: [Suite; 9] = [
    Suite::new(
        CipherSuite::PQ[0],
        &SHA256,
        &HKDF_SHA256,
        &AES128GCM,
        &HPKE_PQ1,
        &ED25519,
    ),
    Suite::new(
        CipherSuite::PQ[1],
        &SHA384,
        &HKDF_SHA384,
        &AES256GCM,
        &HPKE_PQ2,
        &ED25519,
    ),
    Suite::new(
        CipherSuite::PQ[2],
        &SHA256,
        &HKDF_SHA256,
        &AES128GCM,
        &HPKE_PQ3,
        &ECDSA_P256,
    ),
    Suite::new(
        CipherSuite::PQ[3],
        &SHA384,
        &HKDF_SHA384,
        &AES256GCM,
        &HPKE_PQ4,
        &ECDSA_P256,
    ),
    Suite::new(
        CipherSuite::PQ[5],
        &SHA384,
        &HKDF_SHA384,
        &AES256GCM,
        &HPKE_PQ6,
        &ED25519,
    ),
    Suite::new(
        CipherSuite::PQ[6],
        &SHA384,
        &HKDF_SHA384,
        &AES256GCM,
        &HPKE_PQ6,
        &ECDSA_P256,
    ),
    Suite::new(
        CipherSuite::PQ[8],
        &SHA384,
        &HKDF_SHA384,
        &CHACHA20POLY1305,
        &HPKE_PQ9,
        &MLDSA44,
    ),
    Suite::new(
        CipherSuite::PQ[9],
        &SHA384,
        &HKDF_SHA384,
        &AES256GCM,
        &HPKE_PQ6,
        &MLDSA65,
    ),
    Suite::new(
        CipherSuite::PQ[10],
        &SHA384,
        &HKDF_SHA384,
        &AES256GCM,
        &HPKE_PQ8,
        &MLDSA87,
    ),
];

static SUPPORTED: [CipherSuite; 12] = {
    let pq = CipherSuite::PQ;
    [
        CS1, CS2, CS3, pq[0], pq[1], pq[2], pq[3], pq[5], pq[6], pq[8], pq[9], pq[10],
    ]
};

/// The suite served for `cs`.
pub fn suite(cs: CipherSuite) -> Option<&'static Suite> {
    match cs.0 {
        1 => Some(&SUITE_1),
        2 => Some(&SUITE_2),
        3 => Some(&SUITE_3),
        _ => PQ_SUITES
            .iter()
            .find(|s| CipherSuiteProvider::cipher_suite(*s) == cs),
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

/// The served suites with HPKE from `hpke-rs` + `hpke-rs-libcrux` in place
/// of the generic HPKE (test-only: measurement and cross-checks).
#[cfg(test)]
mod hpke_rs_suites {
    use super::*;
    use crate::hpke_rs::HpkeRs;
    use ::hpke_rs::hpke_types::{AeadAlgorithm, KdfAlgorithm, KemAlgorithm};

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

    static HR_SUITE_1: Suite =
        Suite::new(CS1, &SHA256, &HKDF_SHA256, &AES128GCM, &HPKE_RS_1, &ED25519);
    static HR_SUITE_2: Suite = Suite::new(
        CS2,
        &SHA256,
        &HKDF_SHA256,
        &AES128GCM,
        &HPKE_RS_2,
        &ECDSA_P256,
    );
    static HR_SUITE_3: Suite = Suite::new(
        CS3,
        &SHA256,
        &HKDF_SHA256,
        &CHACHA20POLY1305,
        &HPKE_RS_3,
        &ED25519,
    );

    /// Suite `cs` with HPKE from `hpke-rs` + `hpke-rs-libcrux` in place of the
    /// core's generic HPKE, for cross-checking and for the measurement.
    pub(crate) fn hpke_rs_suite(cs: CipherSuite) -> Option<&'static Suite> {
        match cs.0 {
            1 => Some(&HR_SUITE_1),
            2 => Some(&HR_SUITE_2),
            3 => Some(&HR_SUITE_3),
            _ => None,
        }
    }
}

// ----- provider -----------------------------------------------------------------

const BORROWED: &[Borrowed] = &[Borrowed {
    part: "HPKE",
    from: "mls-core generic HPKE",
}];
const BORROWED_XWING: &[Borrowed] = &[Borrowed {
    part: "HPKE key schedule (X-Wing KEM native: libcrux-kem)",
    from: "mls-core KemHpke",
}];
const BORROWED_MLKEM: &[Borrowed] = &[Borrowed {
    part: "HPKE (ML-KEM KEM wrapper, key schedule)",
    from: "mls-core KemHpke + MlKemHpkeKem over libcrux-ml-kem, libcrux-sha3",
}];
const BORROWED_HYBRID_P256: &[Borrowed] = &[Borrowed {
    part: "KEM MLKEM768-P256 (QSF combiner)",
    from: "mls-core HybridKem over libcrux-ml-kem, libcrux-p256, libcrux-sha3 + KemHpke",
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
            _ if !SUPPORTED.contains(&suite) => &[],
            _ => {
                use mls_core::crypto::KemId;
                match suite.info().map(|i| i.kem) {
                    Some(KemId::MlKem768X25519) => BORROWED_XWING,
                    Some(KemId::MlKem768P256) => BORROWED_HYBRID_P256,
                    Some(KemId::MlKem768 | KemId::MlKem1024) => BORROWED_MLKEM,
                    _ => &[],
                }
            }
        }
    }
}

#[cfg(test)]
use hpke_rs_suites::hpke_rs_suite;

#[cfg(test)]
mod tests;
