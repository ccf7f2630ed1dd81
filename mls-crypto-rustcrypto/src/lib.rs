//! # mls-crypto-rustcrypto
//!
//! A crypto backend for `mls-core` built on the pure-Rust
//! [RustCrypto](https://github.com/RustCrypto) crates. It serves all seven
//! cipher suites of RFC 9420 §17.1 (0x0001–0x0007) and the eleven
//! post-quantum suites of draft-ietf-mls-pq-ciphersuites-06 (provisional
//! values 0xF001–0xF00B, plus OpenMLS's value 0x004F for TBD1) through
//! [`provider()`], a [`CryptoProvider`] named `"rustcrypto"`.
//!
//! ## What comes from where
//!
//! | part | crate |
//! | --- | --- |
//! | SHA-256/384/512 | `sha2` |
//! | HKDF (KDF) and HMAC (MLS MAC) | `hkdf`, `hmac` |
//! | AES-128-GCM, AES-256-GCM | `aes-gcm` |
//! | ChaCha20-Poly1305 | `chacha20poly1305` |
//! | X25519 | `x25519-dalek` |
//! | P-256 / P-384 / P-521 (ECDH and ECDSA) | `p256`, `p384`, `p521` |
//! | Ed25519 | `ed25519-dalek` |
//! | X448 | `x448` (pre-release) |
//! | Ed448 | `ed448-goldilocks` (pre-release) |
//! | HPKE for DHKEM(X25519), DHKEM(P-256/384/521) | `hpke` (rust-hpke) |
//! | HPKE for DHKEM(X448) | `mls-core`'s generic RFC 9180 HPKE over `dh::X448` |
//! | OS randomness ([`OsRng`]) | `getrandom` |
//! | ML-KEM-768/1024 (FIPS 203) | `ml-kem` ([`pq::MlKem768`], [`pq::MlKem1024`]), as HPKE KEMs through the core's `MlKemHpkeKem` |
//! | X-Wing (MLKEM768-X25519, HPKE KEM 0x647a) | `x-wing` ([`pq::XWing`]) |
//! | MLKEM768-P256, MLKEM1024-P384 | composed by the core's `HybridKem` from `ml-kem`, `p256` / `p384`, `sha3` |
//! | ML-DSA-44/65/87 (FIPS 204) | `ml-dsa` ([`pq::MlDsa44`], ...) |
//! | SHA3-256, SHAKE256 | `sha3`, `shake` ([`pq::Sha3`]) |
//! | HPKE for the PQ KEMs | `mls-core`'s `KemHpke` (RFC 9180 key schedule over any `Kem`) |
//!
//! This backend spawns no threads: every call runs on the caller's
//! thread. Spreading many seals or signature checks over cores is the
//! core's `parallel` feature (rayon), for every backend alike.
//!
//! All of them share one generation of the RustCrypto traits
//! (`rand_core` 0.10, `elliptic-curve` 0.14, `digest` 0.11, `aead` 0.6):
//! `sha2` 0.11, `hkdf` 0.13, `hmac` 0.13, `aes-gcm` 0.11,
//! `chacha20poly1305` 0.11, `p256`/`p384`/`p521` 0.14, `x25519-dalek` 3,
//! `ed25519-dalek` 3, `getrandom` 0.4 — all stable releases — and the
//! stable `hpke` 0.15 is built on the same generation, so there is a single
//! copy of each trait crate in the dependency graph.
//!
//! ## Input handling
//!
//! Nothing derived from input can panic: keys, points, signatures and
//! lengths are checked and rejected with a [`CryptoError`](mls_core::crypto::CryptoError).
//! ECDSA private keys must be exactly the field-size big-endian scalar
//! (66 bytes for P-521) and public keys uncompressed SEC1 points; ECDSA
//! signatures are DER. Ed25519 verification is `verify_strict`. DH rejects
//! invalid points and all-zero shared secrets. `Kdf::expand` requires a PRK
//! of at least Nh bytes (RFC 5869) and at most 255·Nh bytes of output.
//! Intermediate secret buffers are zeroized.
//! A signing key (`ed25519_dalek::SigningKey`, `ed448_goldilocks::SigningKey`,
//! `ecdsa::SigningKey`) is built on a private key's first signature and
//! kept with it (`SignaturePrivateKey::with_prepared`): building one costs a
//! scalar multiplication for the public point, as much as the signature.
//! So is the expanded ML-DSA key (`ml_dsa::SigningKey`). Those types
//! zeroize on drop, which the compiler checks: every kept form goes through
//! `with_kept`, which takes only `ZeroizeOnDrop` types.
//!
//! ## What is borrowed, and why
//!
//! No crate offers DHKEM(X448) (the `hpke` crate implements X25519 and the
//! NIST curves only), so suites 4 and 6 use the core's
//! [`GenericHpke`] assembled from this crate's `dh::X448`, HKDF-SHA512 and
//! AEAD parts.
//! [`CryptoProvider::borrowed_parts`] lists this.
//!
//! In the suites served by the `hpke` crate, DeriveKeyPair (RFC 9180
//! §7.1.3) also goes through the core's `DhKem`, over this crate's
//! [`Dh`](mls_core::crypto::Dh) groups: the `hpke` crate serializes X25519
//! private keys clamped, whereas the RFC 9180 and RFC 9420 test vectors
//! carry the unclamped bytes. The keys are the same; a unit test checks that
//! both derivations agree for every KEM the `hpke` crate serves.
//!
//! Every suite is also available with the core's generic HPKE in place of
//! the `hpke` crate ([`generic`]), so that the two can be cross-checked.
//!
//! Sealing to many recipients under one `info` (`Hpke::seal_many`: the
//! GroupSecrets of a Welcome, whose HPKE `info` holds the whole encrypted
//! GroupInfo) goes through that generic HPKE over this crate's own DH, KDF
//! and AEAD: it hashes `info` once per Welcome, where the `hpke` crate's
//! key schedule would hash it again for every new member (a third of the
//! time of a 4,096-member add commit).
//!
//! ## Pre-release crates
//!
//! The X448 and Ed448 crates (`x448` 0.14.0-pre.12, `ed448-goldilocks`
//! 0.14.0-pre.15) exist only as pre-releases of the current RustCrypto
//! generation. They are pinned exactly (`=x.y.z-pre.N`) in `Cargo.toml`,
//! because Cargo does not consider pre-releases semver compatible with one
//! another. They sit behind the default-on feature `x448`; with it off, the
//! provider serves neither suite 4 nor suite 6.
//!
//! ## Randomness
//!
//! The core passes randomness as `&mut dyn mls_core::crypto::Rng`;
//! [`RandCoreRng`] adapts it to the `rand_core` 0.10 traits the `hpke`
//! crate needs. [`OsRng`] is the operating system's generator, for
//! applications to pass in.

#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod aead;
pub mod dh;
pub mod hash;
pub mod hpke_native;
pub mod pq;
mod rng;
pub mod sig;

pub use rng::{OsRng, RandCoreRng, SystemRng};

use mls_core::crypto::hpke::{DhKem, GenericHpke, KemHpke};
use mls_core::crypto::kem::{HybridKem, MlKemHpkeKem};
use mls_core::crypto::{Borrowed, CipherSuite, CipherSuiteProvider, CryptoProvider, Suite};

use crate::aead::{Aes128Gcm, Aes256Gcm, ChaCha20Poly1305};
use crate::hash::{HkdfSha256, HkdfSha384, HkdfSha512, Sha256, Sha384, Sha512};
use crate::hpke_native::NativeHpke;
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
#[cfg(feature = "x448")]
static X448: dh::X448 = dh::X448;
static ED25519: Ed25519 = Ed25519;
#[cfg(feature = "x448")]
static ED448: sig::Ed448 = sig::Ed448;
static ECDSA_P256: EcdsaP256 = EcdsaP256;
static ECDSA_P384: EcdsaP384 = EcdsaP384;
static ECDSA_P521: EcdsaP521 = EcdsaP521;

// ----- HPKE -----------------------------------------------------------------

type HpkeX25519Aes128 =
    NativeHpke<hpke::aead::AesGcm128, hpke::kdf::HkdfSha256, hpke::kem::X25519HkdfSha256>;
type HpkeX25519ChaCha =
    NativeHpke<hpke::aead::ChaCha20Poly1305, hpke::kdf::HkdfSha256, hpke::kem::X25519HkdfSha256>;
type HpkeP256Aes128 =
    NativeHpke<hpke::aead::AesGcm128, hpke::kdf::HkdfSha256, hpke::kem::DhP256HkdfSha256>;
type HpkeP521Aes256 =
    NativeHpke<hpke::aead::AesGcm256, hpke::kdf::HkdfSha512, hpke::kem::DhP521HkdfSha512>;
type HpkeP384Aes256 =
    NativeHpke<hpke::aead::AesGcm256, hpke::kdf::HkdfSha384, hpke::kem::DhP384HkdfSha384>;

static HPKE_1: HpkeX25519Aes128 = NativeHpke::new(&X25519, &HKDF_SHA256, &GENERIC_1);
static HPKE_2: HpkeP256Aes128 = NativeHpke::new(&P256, &HKDF_SHA256, &GENERIC_2);
static HPKE_3: HpkeX25519ChaCha = NativeHpke::new(&X25519, &HKDF_SHA256, &GENERIC_3);
static HPKE_5: HpkeP521Aes256 = NativeHpke::new(&P521, &HKDF_SHA512, &GENERIC_5);
static HPKE_7: HpkeP384Aes256 = NativeHpke::new(&P384, &HKDF_SHA384, &GENERIC_7);

static GENERIC_1: GenericHpke =
    GenericHpke::new(DhKem::new(&X25519, &HKDF_SHA256), &HKDF_SHA256, &AES128GCM);
static GENERIC_2: GenericHpke =
    GenericHpke::new(DhKem::new(&P256, &HKDF_SHA256), &HKDF_SHA256, &AES128GCM);
static GENERIC_3: GenericHpke = GenericHpke::new(
    DhKem::new(&X25519, &HKDF_SHA256),
    &HKDF_SHA256,
    &CHACHA20POLY1305,
);
#[cfg(feature = "x448")]
static GENERIC_4: GenericHpke =
    GenericHpke::new(DhKem::new(&X448, &HKDF_SHA512), &HKDF_SHA512, &AES256GCM);
static GENERIC_5: GenericHpke =
    GenericHpke::new(DhKem::new(&P521, &HKDF_SHA512), &HKDF_SHA512, &AES256GCM);
#[cfg(feature = "x448")]
static GENERIC_6: GenericHpke = GenericHpke::new(
    DhKem::new(&X448, &HKDF_SHA512),
    &HKDF_SHA512,
    &CHACHA20POLY1305,
);
static GENERIC_7: GenericHpke =
    GenericHpke::new(DhKem::new(&P384, &HKDF_SHA384), &HKDF_SHA384, &AES256GCM);

// ----- post-quantum parts (draft-ietf-mls-pq-ciphersuites-06) ---------------

static MLKEM768: pq::MlKem768 = pq::MlKem768;
static MLKEM1024: pq::MlKem1024 = pq::MlKem1024;
static KECCAK: pq::Sha3 = pq::Sha3;
static MLDSA44: pq::MlDsa44 = pq::MlDsa44;
static MLDSA65: pq::MlDsa65 = pq::MlDsa65;
static MLDSA87: pq::MlDsa87 = pq::MlDsa87;

/// ML-KEM-768 / -1024 as HPKE KEMs (draft-ietf-hpke-pq §3) over `ml-kem`.
static KEM_MLKEM768: MlKemHpkeKem = MlKemHpkeKem::new(&MLKEM768, &KECCAK);
static KEM_MLKEM1024: MlKemHpkeKem = MlKemHpkeKem::new(&MLKEM1024, &KECCAK);
/// X-Wing, the `x-wing` crate's KEM.
static KEM_XWING: pq::XWing = pq::XWing;
/// X-Wing composed by the core from `ml-kem`, `x25519-dalek` and `sha3`
/// (cross-checked against the `x-wing` crate; see [`generic`]).
static KEM_XWING_COMPOSED: HybridKem = HybridKem::mlkem768_x25519(&MLKEM768, &X25519, &KECCAK);
/// MLKEM768-P256 / MLKEM1024-P384, composed by the core (no crate offers them).
static KEM_MLKEM768P256: HybridKem = HybridKem::mlkem768_p256(&MLKEM768, &P256, &KECCAK);
static KEM_MLKEM1024P384: HybridKem = HybridKem::mlkem1024_p384(&MLKEM1024, &P384, &KECCAK);

static HPKE_PQ1: KemHpke = KemHpke::new(&KEM_XWING, &HKDF_SHA256, &AES128GCM);
static HPKE_PQ2: KemHpke = KemHpke::new(&KEM_XWING, &HKDF_SHA384, &AES256GCM);
static HPKE_PQ3: KemHpke = KemHpke::new(&KEM_MLKEM768P256, &HKDF_SHA256, &AES128GCM);
static HPKE_PQ4: KemHpke = KemHpke::new(&KEM_MLKEM768P256, &HKDF_SHA384, &AES256GCM);
static HPKE_PQ5: KemHpke = KemHpke::new(&KEM_MLKEM1024P384, &HKDF_SHA384, &AES256GCM);
static HPKE_PQ6: KemHpke = KemHpke::new(&KEM_MLKEM768, &HKDF_SHA384, &AES256GCM);
static HPKE_PQ8: KemHpke = KemHpke::new(&KEM_MLKEM1024, &HKDF_SHA384, &AES256GCM);
static HPKE_PQ9: KemHpke = KemHpke::new(&KEM_XWING, &HKDF_SHA384, &CHACHA20POLY1305);

static PQ_SUITES: [Suite; 11] = [
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

// ----- suites -----------------------------------------------------------------

const CS1: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
const CS2: CipherSuite = CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256;
const CS3: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519;
#[cfg(feature = "x448")]
const CS4: CipherSuite = CipherSuite::MLS_256_DHKEMX448_AES256GCM_SHA512_ED448;
const CS5: CipherSuite = CipherSuite::MLS_256_DHKEMP521_AES256GCM_SHA512_P521;
#[cfg(feature = "x448")]
const CS6: CipherSuite = CipherSuite::MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_ED448;
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
#[cfg(feature = "x448")]
static SUITE_4: Suite = Suite::new(CS4, &SHA512, &HKDF_SHA512, &AES256GCM, &GENERIC_4, &ED448);
static SUITE_5: Suite = Suite::new(CS5, &SHA512, &HKDF_SHA512, &AES256GCM, &HPKE_5, &ECDSA_P521);
#[cfg(feature = "x448")]
static SUITE_6: Suite = Suite::new(
    CS6,
    &SHA512,
    &HKDF_SHA512,
    &CHACHA20POLY1305,
    &GENERIC_6,
    &ED448,
);
static SUITE_7: Suite = Suite::new(CS7, &SHA384, &HKDF_SHA384, &AES256GCM, &HPKE_7, &ECDSA_P384);

/// OpenMLS 0.9's value for TBD1 (see
/// [`CipherSuite::OPENMLS_MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519`]),
/// last in preference order.
const CS_OPENMLS_TBD1: CipherSuite =
    CipherSuite::OPENMLS_MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519;

#[cfg(feature = "x448")]
static SUPPORTED: [CipherSuite; 19] = {
    let pq = CipherSuite::PQ;
    [
        CS1,
        CS2,
        CS3,
        CS4,
        CS5,
        CS6,
        CS7,
        pq[0],
        pq[1],
        pq[2],
        pq[3],
        pq[4],
        pq[5],
        pq[6],
        pq[7],
        pq[8],
        pq[9],
        pq[10],
        CS_OPENMLS_TBD1,
    ]
};
#[cfg(not(feature = "x448"))]
static SUPPORTED: [CipherSuite; 17] = {
    let pq = CipherSuite::PQ;
    [
        CS1,
        CS2,
        CS3,
        CS5,
        CS7,
        pq[0],
        pq[1],
        pq[2],
        pq[3],
        pq[4],
        pq[5],
        pq[6],
        pq[7],
        pq[8],
        pq[9],
        pq[10],
        CS_OPENMLS_TBD1,
    ]
};

/// TBD1's parts under OpenMLS's value 0x004F.
static SUITE_OPENMLS_TBD1: Suite = Suite::new(
    CS_OPENMLS_TBD1,
    &SHA256,
    &HKDF_SHA256,
    &AES128GCM,
    &HPKE_PQ1,
    &ED25519,
);

/// The suite served for `cs`, with HPKE from the `hpke` crate where it has
/// the KEM (X25519, P-256, P-384, P-521) and the core's generic HPKE for
/// X448.
pub fn suite(cs: CipherSuite) -> Option<&'static Suite> {
    match cs.0 {
        1 => Some(&SUITE_1),
        2 => Some(&SUITE_2),
        3 => Some(&SUITE_3),
        #[cfg(feature = "x448")]
        4 => Some(&SUITE_4),
        5 => Some(&SUITE_5),
        #[cfg(feature = "x448")]
        6 => Some(&SUITE_6),
        7 => Some(&SUITE_7),
        _ => pq_suite(cs),
    }
}

/// The post-quantum suite `cs` (draft-ietf-mls-pq-ciphersuites-06), or
/// OpenMLS's alias of TBD1.
fn pq_suite(cs: CipherSuite) -> Option<&'static Suite> {
    if cs == CS_OPENMLS_TBD1 {
        return Some(&SUITE_OPENMLS_TBD1);
    }
    CipherSuite::PQ
        .iter()
        .position(|s| *s == cs)
        .map(|i| &PQ_SUITES[i])
}

// ----- provider -----------------------------------------------------------------

#[cfg(feature = "x448")]
const BORROWED_X448: &[Borrowed] = &[Borrowed {
    part: "HPKE (X448)",
    from: "mls-core generic HPKE",
}];

const BORROWED_MLKEM: &[Borrowed] = &[Borrowed {
    part: "HPKE (ML-KEM KEM wrapper, key schedule)",
    from: "mls-core KemHpke + MlKemHpkeKem over ml-kem, sha3",
}];
const BORROWED_XWING: &[Borrowed] = &[Borrowed {
    part: "HPKE key schedule (X-Wing KEM native: x-wing)",
    from: "mls-core KemHpke",
}];
const BORROWED_HYBRID_P256: &[Borrowed] = &[Borrowed {
    part: "KEM MLKEM768-P256 (QSF combiner)",
    from: "mls-core HybridKem over ml-kem, p256, sha3 + KemHpke",
}];
const BORROWED_HYBRID_P384: &[Borrowed] = &[Borrowed {
    part: "KEM MLKEM1024-P384 (QSF combiner)",
    from: "mls-core HybridKem over ml-kem, p384, sha3 + KemHpke",
}];

/// What the core composes for a post-quantum suite, by KEM (the ML-DSA
/// signatures are `ml-dsa`'s own).
pub(crate) fn pq_borrowed(suite: CipherSuite) -> &'static [Borrowed] {
    use mls_core::crypto::KemId;
    match suite.info().map(|i| i.kem) {
        Some(KemId::MlKem768X25519) => BORROWED_XWING,
        Some(KemId::MlKem768P256) => BORROWED_HYBRID_P256,
        Some(KemId::MlKem1024P384) => BORROWED_HYBRID_P384,
        Some(KemId::MlKem768 | KemId::MlKem1024) => BORROWED_MLKEM,
        _ => &[],
    }
}

/// The RustCrypto [`CryptoProvider`]. Obtain it with [`provider()`].
#[derive(Debug, Clone, Copy, Default)]
pub struct RustCryptoProvider;

/// The provider instance.
pub static PROVIDER: RustCryptoProvider = RustCryptoProvider;

/// The RustCrypto provider.
pub fn provider() -> &'static RustCryptoProvider {
    &PROVIDER
}

impl CryptoProvider for RustCryptoProvider {
    fn name(&self) -> &'static str {
        "rustcrypto"
    }

    fn supported_cipher_suites(&self) -> &[CipherSuite] {
        &SUPPORTED
    }

    fn cipher_suite(&self, suite: CipherSuite) -> Option<&dyn CipherSuiteProvider> {
        self::suite(suite).map(|s| s as &dyn CipherSuiteProvider)
    }

    fn borrowed_parts(&self, suite: CipherSuite) -> &'static [Borrowed] {
        match suite.0 {
            #[cfg(feature = "x448")]
            4 | 6 => BORROWED_X448,
            _ => pq_borrowed(suite),
        }
    }
}

/// Every suite with the core's generic RFC 9180 HPKE
/// ([`GenericHpke`]) over this crate's [`Dh`](mls_core::crypto::Dh), KDF
/// and AEAD parts, in place of the `hpke` crate. For cross-checking the two
/// HPKE implementations on the same suite (for X448 suites the generic one
/// is what [`provider()`] serves anyway).
pub mod generic {
    use super::*;

    static G_SUITE_1: Suite =
        Suite::new(CS1, &SHA256, &HKDF_SHA256, &AES128GCM, &GENERIC_1, &ED25519);
    static G_SUITE_2: Suite = Suite::new(
        CS2,
        &SHA256,
        &HKDF_SHA256,
        &AES128GCM,
        &GENERIC_2,
        &ECDSA_P256,
    );
    static G_SUITE_3: Suite = Suite::new(
        CS3,
        &SHA256,
        &HKDF_SHA256,
        &CHACHA20POLY1305,
        &GENERIC_3,
        &ED25519,
    );
    static G_SUITE_5: Suite = Suite::new(
        CS5,
        &SHA512,
        &HKDF_SHA512,
        &AES256GCM,
        &GENERIC_5,
        &ECDSA_P521,
    );
    static G_SUITE_7: Suite = Suite::new(
        CS7,
        &SHA384,
        &HKDF_SHA384,
        &AES256GCM,
        &GENERIC_7,
        &ECDSA_P384,
    );

    static G_HPKE_PQ1: KemHpke = KemHpke::new(&KEM_XWING_COMPOSED, &HKDF_SHA256, &AES128GCM);
    static G_HPKE_PQ2: KemHpke = KemHpke::new(&KEM_XWING_COMPOSED, &HKDF_SHA384, &AES256GCM);
    static G_HPKE_PQ9: KemHpke = KemHpke::new(&KEM_XWING_COMPOSED, &HKDF_SHA384, &CHACHA20POLY1305);
    static G_PQ: [Suite; 3] = [
        Suite::new(
            CipherSuite::PQ[0],
            &SHA256,
            &HKDF_SHA256,
            &AES128GCM,
            &G_HPKE_PQ1,
            &ED25519,
        ),
        Suite::new(
            CipherSuite::PQ[1],
            &SHA384,
            &HKDF_SHA384,
            &AES256GCM,
            &G_HPKE_PQ2,
            &ED25519,
        ),
        Suite::new(
            CipherSuite::PQ[8],
            &SHA384,
            &HKDF_SHA384,
            &CHACHA20POLY1305,
            &G_HPKE_PQ9,
            &MLDSA44,
        ),
    ];

    /// The X-Wing suites (TBD1, TBD2, TBD9) with X-Wing composed by the
    /// core's [`HybridKem`] from `ml-kem`, `x25519-dalek` and `sha3`, in
    /// place of the `x-wing` crate: for cross-checking the two.
    pub fn xwing_composed(cs: CipherSuite) -> Option<&'static Suite> {
        G_PQ.iter()
            .find(|s| mls_core::crypto::CipherSuiteProvider::cipher_suite(*s) == cs)
    }

    /// The X-Wing KEM composed by the core (see [`xwing_composed`]).
    pub fn xwing_composed_kem() -> &'static HybridKem {
        &KEM_XWING_COMPOSED
    }

    /// The generic HPKE of suite `cs`.
    pub fn hpke(cs: CipherSuite) -> Option<&'static GenericHpke> {
        match cs.0 {
            1 => Some(&GENERIC_1),
            2 => Some(&GENERIC_2),
            3 => Some(&GENERIC_3),
            #[cfg(feature = "x448")]
            4 => Some(&GENERIC_4),
            5 => Some(&GENERIC_5),
            #[cfg(feature = "x448")]
            6 => Some(&GENERIC_6),
            7 => Some(&GENERIC_7),
            _ => None,
        }
    }

    /// Suite `cs` with the generic HPKE.
    pub fn suite(cs: CipherSuite) -> Option<&'static Suite> {
        match cs.0 {
            1 => Some(&G_SUITE_1),
            2 => Some(&G_SUITE_2),
            3 => Some(&G_SUITE_3),
            #[cfg(feature = "x448")]
            4 => Some(&super::SUITE_4),
            5 => Some(&G_SUITE_5),
            #[cfg(feature = "x448")]
            6 => Some(&super::SUITE_6),
            7 => Some(&G_SUITE_7),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;

/// [`mls_core::crypto::SignaturePrivateKey::with_prepared`] for a key type
/// that wipes itself on drop: what a private key keeps is as secret as the
/// key and lives as long, so only `ZeroizeOnDrop` types may be kept.
pub(crate) fn with_kept<T, R>(
    key: &mls_core::crypto::SignaturePrivateKey,
    prepare: impl FnOnce(&[u8]) -> Result<T, mls_core::crypto::CryptoError>,
    f: impl FnOnce(&T) -> R,
) -> Result<R, mls_core::crypto::CryptoError>
where
    T: zeroize::ZeroizeOnDrop + Send + Sync + 'static,
{
    key.with_prepared(prepare, f)
}
