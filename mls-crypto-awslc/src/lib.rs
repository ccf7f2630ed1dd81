//! # mls-crypto-awslc
//!
//! A crypto backend for `mls-core` built on
//! [aws-lc-rs](https://github.com/aws/aws-lc-rs) (Rust bindings to AWS-LC,
//! Amazon's BoringSSL-derived C library). It serves five of the seven
//! cipher suites of RFC 9420 §17.1 — 0x0001, 0x0002, 0x0003, 0x0005 and
//! 0x0007 — and the post-quantum suites TBD1–TBD8 of
//! draft-ietf-mls-pq-ciphersuites-06 (see [`pq`] for what aws-lc-rs serves
//! and what is borrowed) through [`provider()`], a [`CryptoProvider`] named
//! `"awslc"`.
//!
//! ## What comes from where
//!
//! | part | aws-lc-rs module |
//! | --- | --- |
//! | SHA-256/384/512 | `digest` |
//! | HMAC (MLS MAC) | `hmac` |
//! | HKDF-Extract, HKDF-Expand (KDF) | this crate, RFC 5869 over `hmac` |
//! | AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 | `aead` (`LessSafeKey`) |
//! | X25519, P-256 / P-384 / P-521 ECDH (static keys) | `agreement` (`PrivateKey::from_private_key`, `compute_public_key`, `agree`) |
//! | Ed25519 | `signature` (`Ed25519KeyPair::from_seed_unchecked`, `ED25519`) |
//! | ECDSA P-256/SHA-256, P-384/SHA-384, P-521/SHA-512 (DER) | `signature` (`EcdsaKeyPair::from_private_key_and_public_key`, `ECDSA_*_ASN1`) |
//! | ECDSA public key from the raw scalar | `agreement` (`compute_public_key` on the same curve) |
//! | HPKE (RFC 9180, base mode, export) | **borrowed**: `mls-core`'s generic HPKE ([`GenericHpke`], [`DhKem`]) over the `dh` groups, HKDF and AEADs above |
//! | [`SystemRng`] (for applications) | `rand` |
//!
//! HKDF is written over HMAC because aws-lc-rs's `hkdf::Salt::extract`
//! returns an opaque `Prk` (MLS needs the PRK bytes: its key-schedule
//! secrets are PRKs), and `hkdf::Prk::new_less_safe` panics on a PRK longer
//! than 64 bytes. It is checked against RFC 5869 test case 1.
//!
//! ## What is borrowed, and why
//!
//! aws-lc-rs has no HPKE API (it exposes the primitives only), so every
//! suite's HPKE is the core's generic RFC 9180 construction assembled from
//! this crate's aws-lc-rs primitives. DeriveKeyPair (RFC 9180 §7.1.3) is
//! the core's [`DhKem`] as well; this crate supplies the scalar validity
//! check it needs (non-zero, below the group order, compared in constant
//! time against the order constants). [`CryptoProvider::borrowed_parts`]
//! reports `HPKE` from `mls-core generic HPKE` for every suite.
//!
//! ## Suites not served
//!
//! Suites 0x0004 and 0x0006 need X448 and Ed448, which aws-lc-rs does not
//! offer; the provider does not serve them
//! ([`CryptoProvider::cipher_suite`] returns `None`).
//!
//! ## Input handling
//!
//! Nothing derived from input can panic: keys, points, signatures and
//! lengths are checked and rejected with a
//! [`CryptoError`](mls_core::crypto::CryptoError). (aws-lc-rs itself panics
//! only on internal failures of AWS-LC, e.g. allocation in `hmac`.)
//! Encodings are strict where aws-lc-rs is lenient: X25519 and Ed25519
//! public keys must be the 32 raw bytes and NIST public keys uncompressed
//! SEC1 points (aws-lc-rs would also parse X.509 SubjectPublicKeyInfo and
//! compressed points); ECDSA private keys must be exactly the field-size
//! big-endian scalar (66 bytes for P-521) and Ed25519 private keys the
//! 32-byte seed. ECDSA signatures are DER, Ed25519 signatures R || S.
//! DH rejects invalid points and all-zero shared secrets (RFC 9180 §7.1.4).
//! `Kdf::expand` requires a PRK of at least Nh bytes (RFC 5869) and at most
//! 255·Nh bytes of output. Intermediate secrets this crate handles are
//! zeroized (HKDF blocks and PRKs in zeroizing buffers, shared secrets and
//! keys in the core's secret types); key material inside AWS-LC is freed by
//! AWS-LC, which cleanses it.
//!
//! A signing key pair (`Ed25519KeyPair`, `EcdsaKeyPair`) is built on a
//! private key's first signature and kept with it
//! (`SignaturePrivateKey::with_prepared`): building one from the seed or
//! scalar costs a scalar multiplication, as much as the signature. It lives
//! in AWS-LC's memory, which AWS-LC cleanses when the private key is dropped.
//!
//! ## Randomness
//!
//! The core passes randomness as `&mut dyn mls_core::crypto::Rng`, and all
//! key generation draws from it: HPKE (and ephemeral DHKEM) private keys
//! are Nsk bytes from that generator, checked for validity and redrawn if
//! invalid (the core's `Dh::generate_secret`); Ed25519 seeds are 32 of its
//! bytes; ECDSA scalars are field-size draws, masked for P-521 and redrawn
//! until valid. aws-lc-rs never generates a key here.
//!
//! The one exception is the ECDSA signing nonce: aws-lc-rs's
//! `EcdsaKeyPair::sign` ignores its `SecureRandom` argument and AWS-LC draws
//! the nonce from its own internal generator (which also mixes in the
//! private key and message). The nonce is internal to signing and is never
//! an input or output of the protocol, so MLS's "randomness is an input"
//! rule still holds for every value the protocol sees. Ed25519 signing is
//! deterministic (RFC 8032).
//!
//! [`SystemRng`] is AWS-LC's generator as a core [`Rng`](mls_core::crypto::Rng),
//! for applications to pass in.
//!
//! ## Build requirements
//!
//! `aws-lc-sys` compiles AWS-LC's C code with the system C compiler
//! (`cc`); on Linux x86_64 and aarch64 no CMake, Clang, Go or NASM is
//! needed for the default (non-FIPS) build.

#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod aead;
pub mod dh;
pub mod hash;
pub mod pq;
mod rng;
pub mod sig;

pub use rng::SystemRng;

use mls_core::crypto::hpke::{DhKem, GenericHpke, KemHpke};
use mls_core::crypto::kem::{HybridKem, MlKemHpkeKem};
use mls_core::crypto::{Borrowed, CipherSuite, CipherSuiteProvider, CryptoProvider, Suite};

use crate::aead::{Aes128Gcm, Aes256Gcm, ChaCha20Poly1305};
use crate::hash::{HkdfSha256, HkdfSha384, HkdfSha512, Sha256, Sha384, Sha512};
use crate::sig::{EcdsaP256, EcdsaP384, EcdsaP521, Ed25519};

// ----- primitive parts ------------------------------------------------------

static SHA256: Sha256 = Sha256;
static SHA384: Sha384 = Sha384;
static SHA512: Sha512 = Sha512;
static HKDF_SHA256: HkdfSha256 = HkdfSha256;
static HKDF_SHA384: HkdfSha384 = HkdfSha384;
static HKDF_SHA512: HkdfSha512 = HkdfSha512;
static AES128GCM: Aes128Gcm = Aes128Gcm;
static AES256GCM: Aes256Gcm = Aes256Gcm;
static CHACHA20POLY1305: ChaCha20Poly1305 = ChaCha20Poly1305;
static X25519: dh::X25519 = dh::X25519;
static P256: dh::P256 = dh::P256;
static P384: dh::P384 = dh::P384;
static P521: dh::P521 = dh::P521;
static ED25519: Ed25519 = Ed25519;
static ECDSA_P256: EcdsaP256 = EcdsaP256;
static ECDSA_P384: EcdsaP384 = EcdsaP384;
static ECDSA_P521: EcdsaP521 = EcdsaP521;

// ----- HPKE: the core's generic RFC 9180 construction -------------------------

static HPKE_1: GenericHpke =
    GenericHpke::new(DhKem::new(&X25519, &HKDF_SHA256), &HKDF_SHA256, &AES128GCM);
static HPKE_2: GenericHpke =
    GenericHpke::new(DhKem::new(&P256, &HKDF_SHA256), &HKDF_SHA256, &AES128GCM);
static HPKE_3: GenericHpke = GenericHpke::new(
    DhKem::new(&X25519, &HKDF_SHA256),
    &HKDF_SHA256,
    &CHACHA20POLY1305,
);
static HPKE_5: GenericHpke =
    GenericHpke::new(DhKem::new(&P521, &HKDF_SHA512), &HKDF_SHA512, &AES256GCM);
static HPKE_7: GenericHpke =
    GenericHpke::new(DhKem::new(&P384, &HKDF_SHA384), &HKDF_SHA384, &AES256GCM);

// ----- suites -----------------------------------------------------------------

const CS1: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
const CS2: CipherSuite = CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256;
const CS3: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519;
const CS5: CipherSuite = CipherSuite::MLS_256_DHKEMP521_AES256GCM_SHA512_P521;
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
static SUITE_5: Suite = Suite::new(CS5, &SHA512, &HKDF_SHA512, &AES256GCM, &HPKE_5, &ECDSA_P521);
static SUITE_7: Suite = Suite::new(CS7, &SHA384, &HKDF_SHA384, &AES256GCM, &HPKE_7, &ECDSA_P384);

// ----- post-quantum suites (draft-ietf-mls-pq-ciphersuites-06) -------------

static MLKEM768: pq::MlKem768 = pq::MlKem768;
static MLKEM1024: pq::MlKem1024 = pq::MlKem1024;
static KECCAK: pq::Sha3 = pq::Sha3;

static KEM_MLKEM768: MlKemHpkeKem = MlKemHpkeKem::new(&MLKEM768, &KECCAK);
static KEM_MLKEM1024: MlKemHpkeKem = MlKemHpkeKem::new(&MLKEM1024, &KECCAK);
static KEM_XWING: HybridKem = HybridKem::mlkem768_x25519(&MLKEM768, &X25519, &KECCAK);
static KEM_MLKEM768P256: HybridKem = HybridKem::mlkem768_p256(&MLKEM768, &P256, &KECCAK);
static KEM_MLKEM1024P384: HybridKem = HybridKem::mlkem1024_p384(&MLKEM1024, &P384, &KECCAK);

static HPKE_PQ1: KemHpke = KemHpke::new(&KEM_XWING, &HKDF_SHA256, &AES128GCM);
static HPKE_PQ2: KemHpke = KemHpke::new(&KEM_XWING, &HKDF_SHA384, &AES256GCM);
static HPKE_PQ3: KemHpke = KemHpke::new(&KEM_MLKEM768P256, &HKDF_SHA256, &AES128GCM);
static HPKE_PQ4: KemHpke = KemHpke::new(&KEM_MLKEM768P256, &HKDF_SHA384, &AES256GCM);
static HPKE_PQ5: KemHpke = KemHpke::new(&KEM_MLKEM1024P384, &HKDF_SHA384, &AES256GCM);
static HPKE_PQ6: KemHpke = KemHpke::new(&KEM_MLKEM768, &HKDF_SHA384, &AES256GCM);
static HPKE_PQ8: KemHpke = KemHpke::new(&KEM_MLKEM1024, &HKDF_SHA384, &AES256GCM);

/// TBD1-TBD8; the ML-DSA suites TBD9-TBD11 are not served (aws-lc-rs has
/// ML-DSA only behind its `unstable` feature).
static PQ_SUITES: [Suite; 8] = [
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
        CipherSuite::PQ[4],
        &SHA384,
        &HKDF_SHA384,
        &AES256GCM,
        &HPKE_PQ5,
        &ECDSA_P384,
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
        CipherSuite::PQ[7],
        &SHA384,
        &HKDF_SHA384,
        &AES256GCM,
        &HPKE_PQ8,
        &ECDSA_P384,
    ),
];

static SUPPORTED: [CipherSuite; 13] = {
    let pq = CipherSuite::PQ;
    [
        CS1, CS2, CS3, CS5, CS7, pq[0], pq[1], pq[2], pq[3], pq[4], pq[5], pq[6], pq[7],
    ]
};

/// The suite served for `cs` (1, 2, 3, 5, 7 or a PQ suite TBD1-TBD8), or `None`.
pub fn suite(cs: CipherSuite) -> Option<&'static Suite> {
    match cs.0 {
        1 => Some(&SUITE_1),
        2 => Some(&SUITE_2),
        3 => Some(&SUITE_3),
        5 => Some(&SUITE_5),
        7 => Some(&SUITE_7),
        _ => PQ_SUITES
            .iter()
            .find(|s| CipherSuiteProvider::cipher_suite(*s) == cs),
    }
}

/// The HPKE of suite `cs`: the core's [`GenericHpke`] over this crate's
/// parts (exposed for known-answer tests with a fixed ephemeral key,
/// [`GenericHpke::seal_with_ephemeral`]).
pub fn hpke(cs: CipherSuite) -> Option<&'static GenericHpke> {
    match cs.0 {
        1 => Some(&HPKE_1),
        2 => Some(&HPKE_2),
        3 => Some(&HPKE_3),
        5 => Some(&HPKE_5),
        7 => Some(&HPKE_7),
        _ => None,
    }
}

// ----- provider -----------------------------------------------------------------

const BORROWED_HPKE: &[Borrowed] = &[Borrowed {
    part: "HPKE",
    from: "mls-core generic HPKE",
}];
const BORROWED_MLKEM: &[Borrowed] = &[
    Borrowed {
        part: "ML-KEM KeyGen_internal (seeded keys)",
        from: "RustCrypto ml-kem",
    },
    Borrowed {
        part: "SHAKE256 (DeriveKeyPair)",
        from: "RustCrypto shake",
    },
    Borrowed {
        part: "HPKE (ML-KEM KEM wrapper, key schedule)",
        from: "mls-core KemHpke + MlKemHpkeKem",
    },
];
const BORROWED_HYBRID: &[Borrowed] = &[
    Borrowed {
        part: "ML-KEM KeyGen_internal (seeded keys)",
        from: "RustCrypto ml-kem",
    },
    Borrowed {
        part: "SHAKE256 (DeriveKeyPair, expandKey)",
        from: "RustCrypto shake",
    },
    Borrowed {
        part: "hybrid KEM (QSF combiner, draft-ietf-hpke-pq)",
        from: "mls-core HybridKem over aws-lc-rs ML-KEM, ECDH, SHA3-256 + KemHpke",
    },
];

/// The aws-lc-rs [`CryptoProvider`]. Obtain it with [`provider()`].
#[derive(Debug, Clone, Copy, Default)]
pub struct AwsLcProvider;

/// The provider instance.
pub static PROVIDER: AwsLcProvider = AwsLcProvider;

/// The aws-lc-rs provider.
pub fn provider() -> &'static AwsLcProvider {
    &PROVIDER
}

impl CryptoProvider for AwsLcProvider {
    fn name(&self) -> &'static str {
        "awslc"
    }

    fn supported_cipher_suites(&self) -> &[CipherSuite] {
        &SUPPORTED
    }

    fn cipher_suite(&self, suite: CipherSuite) -> Option<&dyn CipherSuiteProvider> {
        self::suite(suite).map(|s| s as &dyn CipherSuiteProvider)
    }

    fn borrowed_parts(&self, suite: CipherSuite) -> &'static [Borrowed] {
        if self::suite(suite).is_none() {
            &[]
        } else if suite.is_pq() {
            match suite.info().map(|i| i.kem) {
                Some(mls_core::crypto::KemId::MlKem768 | mls_core::crypto::KemId::MlKem1024) => {
                    BORROWED_MLKEM
                }
                _ => BORROWED_HYBRID,
            }
        } else if self::suite(suite).is_some() {
            BORROWED_HPKE
        } else {
            &[]
        }
    }
}

#[cfg(test)]
mod tests;
