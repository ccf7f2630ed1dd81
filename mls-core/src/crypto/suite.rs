//! The cipher-suite registry of RFC 9420 §17.1.

use core::fmt;

/// An MLS cipher suite identifier (RFC 9420 §5.1, §17.1).
///
/// A plain `u16` newtype so that unknown and GREASE values (§13.5) decode and
/// can be carried; [`CipherSuite::info`] tells whether the suite is registered.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CipherSuite(pub u16);

impl CipherSuite {
    /// MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
    pub const MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519: Self = Self(0x0001);
    /// MLS_128_DHKEMP256_AES128GCM_SHA256_P256
    pub const MLS_128_DHKEMP256_AES128GCM_SHA256_P256: Self = Self(0x0002);
    /// MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519
    pub const MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519: Self = Self(0x0003);
    /// MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448
    pub const MLS_256_DHKEMX448_AES256GCM_SHA512_ED448: Self = Self(0x0004);
    /// MLS_256_DHKEMP521_AES256GCM_SHA512_P521
    pub const MLS_256_DHKEMP521_AES256GCM_SHA512_P521: Self = Self(0x0005);
    /// MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448
    pub const MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_ED448: Self = Self(0x0006);
    /// MLS_256_DHKEMP384_AES256GCM_SHA384_P384
    pub const MLS_256_DHKEMP384_AES256GCM_SHA384_P384: Self = Self(0x0007);

    // ----- draft-ietf-mls-pq-ciphersuites-06 §3 (IANA Considerations) -----
    //
    // The draft leaves the values TBD1..TBD11. Until IANA assigns them these
    // suites sit in the private-use range 0xF000-0xFFFF (RFC 9420 §17.1), one
    // constant each: moving to the assigned value is a one-line change here
    // (and the table in the README). Every value below is provisional.
    //
    // | draft | value  | name                                                   |
    // |-------|--------|--------------------------------------------------------|
    // | TBD1  | 0xF001 | MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519        |
    // | TBD2  | 0xF002 | MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519        |
    // | TBD3  | 0xF003 | MLS_128_MLKEM768P256_AES128GCM_SHA256_P256             |
    // | TBD4  | 0xF004 | MLS_128_MLKEM768P256_AES256GCM_SHA384_P256             |
    // | TBD5  | 0xF005 | MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384            |
    // | TBD6  | 0xF006 | MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519              |
    // | TBD7  | 0xF007 | MLS_128_MLKEM768_AES256GCM_SHA384_P256                 |
    // | TBD8  | 0xF008 | MLS_192_MLKEM1024_AES256GCM_SHA384_P384                |
    // | TBD9  | 0xF009 | MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44 |
    // | TBD10 | 0xF00A | MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65              |
    // | TBD11 | 0xF00B | MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87             |
    //
    // OpenMLS's "X-Wing suite" 0x004D (draft-mahy-mls-xwing) is, in the
    // released OpenMLS 0.9 (openmls_traits 0.6, feature
    // draft-ietf-mls-pq-ciphersuites), MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519:
    // X-Wing with ChaCha20Poly1305 and SHA-256, which matches none of the
    // eleven suites (TBD1 is AES-128-GCM; TBD9 is SHA-384 with ML-DSA-44),
    // so it gets no alias. The same release puts the draft's TBD1 on its own
    // provisional value 0x004F with exactly TBD1's algorithms (X-Wing as
    // HPKE KEM 0x647a, AES-128-GCM, SHA-256, Ed25519): that value is the
    // alias below, for interoperating with OpenMLS.

    /// TBD1: X-Wing (MLKEM768-X25519), AES-128-GCM, SHA-256, Ed25519.
    pub const MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519: Self = Self(0xF001);
    /// TBD2: X-Wing (MLKEM768-X25519), AES-256-GCM, SHA-384, Ed25519.
    pub const MLS_128_MLKEM768X25519_AES256GCM_SHA384_ED25519: Self = Self(0xF002);
    /// TBD3: MLKEM768-P256, AES-128-GCM, SHA-256, ECDSA P-256.
    pub const MLS_128_MLKEM768P256_AES128GCM_SHA256_P256: Self = Self(0xF003);
    /// TBD4: MLKEM768-P256, AES-256-GCM, SHA-384, ECDSA P-256.
    pub const MLS_128_MLKEM768P256_AES256GCM_SHA384_P256: Self = Self(0xF004);
    /// TBD5: MLKEM1024-P384, AES-256-GCM, SHA-384, ECDSA P-384.
    pub const MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384: Self = Self(0xF005);
    /// TBD6: ML-KEM-768, AES-256-GCM, SHA-384, Ed25519.
    pub const MLS_128_MLKEM768_AES256GCM_SHA384_ED25519: Self = Self(0xF006);
    /// TBD7: ML-KEM-768, AES-256-GCM, SHA-384, ECDSA P-256.
    pub const MLS_128_MLKEM768_AES256GCM_SHA384_P256: Self = Self(0xF007);
    /// TBD8: ML-KEM-1024, AES-256-GCM, SHA-384, ECDSA P-384.
    pub const MLS_192_MLKEM1024_AES256GCM_SHA384_P384: Self = Self(0xF008);
    /// TBD9: X-Wing (MLKEM768-X25519), ChaCha20Poly1305, SHA-384, ML-DSA-44.
    pub const MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44: Self = Self(0xF009);
    /// TBD10: ML-KEM-768, AES-256-GCM, SHA-384, ML-DSA-65.
    pub const MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65: Self = Self(0xF00A);
    /// TBD11: ML-KEM-1024, AES-256-GCM, SHA-384, ML-DSA-87.
    pub const MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87: Self = Self(0xF00B);

    /// Alias of TBD1 ([`Self::MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519`])
    /// on the provisional value OpenMLS 0.9 uses for it (0x004F): same
    /// algorithms, for interoperating with OpenMLS. Not a private-use value
    /// and not IANA-assigned: only for talking to OpenMLS.
    pub const OPENMLS_MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519: Self = Self(0x004F);

    /// Aliases of PQ suites on other implementations' provisional values.
    pub const PQ_ALIASES: [Self; 1] =
        [Self::OPENMLS_MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519];

    /// The eleven suites of draft-ietf-mls-pq-ciphersuites-06, in the
    /// draft's order (TBD1..TBD11).
    pub const PQ: [Self; 11] = [
        Self::MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519,
        Self::MLS_128_MLKEM768X25519_AES256GCM_SHA384_ED25519,
        Self::MLS_128_MLKEM768P256_AES128GCM_SHA256_P256,
        Self::MLS_128_MLKEM768P256_AES256GCM_SHA384_P256,
        Self::MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384,
        Self::MLS_128_MLKEM768_AES256GCM_SHA384_ED25519,
        Self::MLS_128_MLKEM768_AES256GCM_SHA384_P256,
        Self::MLS_192_MLKEM1024_AES256GCM_SHA384_P384,
        Self::MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44,
        Self::MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65,
        Self::MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87,
    ];

    /// True for the post-quantum suites of draft-ietf-mls-pq-ciphersuites
    /// (and their aliases, [`Self::PQ_ALIASES`]).
    pub fn is_pq(self) -> bool {
        Self::PQ.contains(&self) || Self::PQ_ALIASES.contains(&self)
    }

    /// The seven suites registered by RFC 9420.
    pub const RFC9420: [Self; 7] = [
        Self(1),
        Self(2),
        Self(3),
        Self(4),
        Self(5),
        Self(6),
        Self(7),
    ];

    /// Algorithm identifiers and lengths for a registered suite.
    pub fn info(self) -> Option<&'static SuiteInfo> {
        REGISTRY.iter().find(|i| i.suite == self)
    }

    /// True for the GREASE values of RFC 9420 §13.5 (0x0A0A, 0x1A1A, ... 0xEAEA).
    pub fn is_grease(self) -> bool {
        is_grease(self.0)
    }
}

/// True for the GREASE values of RFC 9420 §13.5.
pub fn is_grease(v: u16) -> bool {
    let [hi, lo] = v.to_be_bytes();
    hi == lo && hi & 0x0F == 0x0A && hi != 0xFA
}

impl fmt::Debug for CipherSuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.info() {
            Some(i) => f.write_str(i.name),
            None => write!(f, "CipherSuite({:#06x})", self.0),
        }
    }
}

impl fmt::Display for CipherSuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// HPKE KEM identifiers (RFC 9180 §7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KemId {
    /// DHKEM(P-256, HKDF-SHA256)
    DhKemP256 = 0x0010,
    /// DHKEM(P-384, HKDF-SHA384)
    DhKemP384 = 0x0011,
    /// DHKEM(P-521, HKDF-SHA512)
    DhKemP521 = 0x0012,
    /// DHKEM(X25519, HKDF-SHA256)
    DhKemX25519 = 0x0020,
    /// DHKEM(X448, HKDF-SHA512)
    DhKemX448 = 0x0021,
    /// ML-KEM-768 (draft-ietf-hpke-pq §3; FIPS 203).
    MlKem768 = 0x0041,
    /// ML-KEM-1024 (draft-ietf-hpke-pq §3; FIPS 203).
    MlKem1024 = 0x0042,
    /// MLKEM768-P256 hybrid (draft-ietf-hpke-pq; draft-irtf-cfrg-concrete-hybrid-kems).
    MlKem768P256 = 0x0050,
    /// MLKEM1024-P384 hybrid (draft-ietf-hpke-pq; draft-irtf-cfrg-concrete-hybrid-kems).
    MlKem1024P384 = 0x0051,
    /// MLKEM768-X25519, i.e. X-Wing (draft-ietf-hpke-pq; draft-connolly-cfrg-xwing-kem).
    MlKem768X25519 = 0x647a,
}

impl KemId {
    /// True for the post-quantum (pure or hybrid) KEMs.
    pub fn is_pq(self) -> bool {
        matches!(
            self,
            Self::MlKem768
                | Self::MlKem1024
                | Self::MlKem768P256
                | Self::MlKem1024P384
                | Self::MlKem768X25519
        )
    }
}

/// HPKE KDF identifiers (RFC 9180 §7.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KdfId {
    /// HKDF-SHA256
    HkdfSha256 = 0x0001,
    /// HKDF-SHA384
    HkdfSha384 = 0x0002,
    /// HKDF-SHA512
    HkdfSha512 = 0x0003,
}

/// HPKE AEAD identifiers (RFC 9180 §7.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AeadId {
    /// AES-128-GCM
    Aes128Gcm = 0x0001,
    /// AES-256-GCM
    Aes256Gcm = 0x0002,
    /// ChaCha20Poly1305
    ChaCha20Poly1305 = 0x0003,
}

/// TLS SignatureScheme values used by MLS (RFC 8446 §4.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureScheme {
    /// ecdsa_secp256r1_sha256
    EcdsaP256Sha256 = 0x0403,
    /// ecdsa_secp384r1_sha384
    EcdsaP384Sha384 = 0x0503,
    /// ecdsa_secp521r1_sha512
    EcdsaP521Sha512 = 0x0603,
    /// ed25519
    Ed25519 = 0x0807,
    /// ed448
    Ed448 = 0x0808,
    /// mldsa44 (draft-ietf-tls-mldsa; FIPS 204 ML-DSA-44)
    MlDsa44 = 0x0904,
    /// mldsa65 (draft-ietf-tls-mldsa; FIPS 204 ML-DSA-65)
    MlDsa65 = 0x0905,
    /// mldsa87 (draft-ietf-tls-mldsa; FIPS 204 ML-DSA-87)
    MlDsa87 = 0x0906,
}

impl SignatureScheme {
    /// (public key, signature) lengths of the ML-DSA schemes (FIPS 204
    /// Table 2); `None` for the classical ones, whose lengths vary (DER).
    pub fn mldsa_lengths(self) -> Option<(usize, usize)> {
        match self {
            Self::MlDsa44 => Some((1312, 2420)),
            Self::MlDsa65 => Some((1952, 3309)),
            Self::MlDsa87 => Some((2592, 4627)),
            _ => None,
        }
    }
}

/// What a registered suite is made of, with the lengths the protocol needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuiteInfo {
    /// The suite.
    pub suite: CipherSuite,
    /// IANA name.
    pub name: &'static str,
    /// HPKE KEM.
    pub kem: KemId,
    /// HPKE KDF (also the MLS KDF and, via its hash, the MLS hash and MAC).
    pub kdf: KdfId,
    /// HPKE AEAD (also the MLS AEAD).
    pub aead: AeadId,
    /// Signature scheme.
    pub signature: SignatureScheme,
    /// KDF.Nh: hash output length.
    pub nh: usize,
    /// AEAD.Nk: key length.
    pub nk: usize,
    /// AEAD.Nn: nonce length.
    pub nn: usize,
    /// KEM.Nsk: private key length.
    pub nsk: usize,
    /// KEM.Npk: public key length.
    pub npk: usize,
    /// KEM.Nenc: encapsulated key length.
    pub nenc: usize,
}

const fn info(
    suite: u16,
    name: &'static str,
    kem: KemId,
    kdf: KdfId,
    aead: AeadId,
    signature: SignatureScheme,
) -> SuiteInfo {
    let nh = match kdf {
        KdfId::HkdfSha256 => 32,
        KdfId::HkdfSha384 => 48,
        KdfId::HkdfSha512 => 64,
    };
    let nk = match aead {
        AeadId::Aes128Gcm => 16,
        AeadId::Aes256Gcm | AeadId::ChaCha20Poly1305 => 32,
    };
    // draft-ietf-hpke-pq §3: ML-KEM private keys are the 64-byte seed
    // d || z, hybrid private keys the 32-byte seed.
    let (nsk, npk, nenc) = match kem {
        KemId::DhKemP256 => (32, 65, 65),
        KemId::DhKemP384 => (48, 97, 97),
        KemId::DhKemP521 => (66, 133, 133),
        KemId::DhKemX25519 => (32, 32, 32),
        KemId::DhKemX448 => (56, 56, 56),
        KemId::MlKem768 => (64, 1184, 1088),
        KemId::MlKem1024 => (64, 1568, 1568),
        KemId::MlKem768P256 => (32, 1184 + 65, 1088 + 65),
        KemId::MlKem1024P384 => (32, 1568 + 97, 1568 + 97),
        KemId::MlKem768X25519 => (32, 1184 + 32, 1088 + 32),
    };
    SuiteInfo {
        suite: CipherSuite(suite),
        name,
        kem,
        kdf,
        aead,
        signature,
        nh,
        nk,
        nn: 12,
        nsk,
        npk,
        nenc,
    }
}

/// RFC 9420 §17.1, Table 6, then draft-ietf-mls-pq-ciphersuites-06 §3
/// (provisional private-use values, see [`CipherSuite::PQ`]).
static REGISTRY: [SuiteInfo; 19] = [
    info(
        1,
        "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519",
        KemId::DhKemX25519,
        KdfId::HkdfSha256,
        AeadId::Aes128Gcm,
        SignatureScheme::Ed25519,
    ),
    info(
        2,
        "MLS_128_DHKEMP256_AES128GCM_SHA256_P256",
        KemId::DhKemP256,
        KdfId::HkdfSha256,
        AeadId::Aes128Gcm,
        SignatureScheme::EcdsaP256Sha256,
    ),
    info(
        3,
        "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519",
        KemId::DhKemX25519,
        KdfId::HkdfSha256,
        AeadId::ChaCha20Poly1305,
        SignatureScheme::Ed25519,
    ),
    info(
        4,
        "MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448",
        KemId::DhKemX448,
        KdfId::HkdfSha512,
        AeadId::Aes256Gcm,
        SignatureScheme::Ed448,
    ),
    info(
        5,
        "MLS_256_DHKEMP521_AES256GCM_SHA512_P521",
        KemId::DhKemP521,
        KdfId::HkdfSha512,
        AeadId::Aes256Gcm,
        SignatureScheme::EcdsaP521Sha512,
    ),
    info(
        6,
        "MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448",
        KemId::DhKemX448,
        KdfId::HkdfSha512,
        AeadId::ChaCha20Poly1305,
        SignatureScheme::Ed448,
    ),
    info(
        7,
        "MLS_256_DHKEMP384_AES256GCM_SHA384_P384",
        KemId::DhKemP384,
        KdfId::HkdfSha384,
        AeadId::Aes256Gcm,
        SignatureScheme::EcdsaP384Sha384,
    ),
    info(
        CipherSuite::MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519.0,
        "MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519",
        KemId::MlKem768X25519,
        KdfId::HkdfSha256,
        AeadId::Aes128Gcm,
        SignatureScheme::Ed25519,
    ),
    info(
        CipherSuite::MLS_128_MLKEM768X25519_AES256GCM_SHA384_ED25519.0,
        "MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519",
        KemId::MlKem768X25519,
        KdfId::HkdfSha384,
        AeadId::Aes256Gcm,
        SignatureScheme::Ed25519,
    ),
    info(
        CipherSuite::MLS_128_MLKEM768P256_AES128GCM_SHA256_P256.0,
        "MLS_128_MLKEM768P256_AES128GCM_SHA256_P256",
        KemId::MlKem768P256,
        KdfId::HkdfSha256,
        AeadId::Aes128Gcm,
        SignatureScheme::EcdsaP256Sha256,
    ),
    info(
        CipherSuite::MLS_128_MLKEM768P256_AES256GCM_SHA384_P256.0,
        "MLS_128_MLKEM768P256_AES256GCM_SHA384_P256",
        KemId::MlKem768P256,
        KdfId::HkdfSha384,
        AeadId::Aes256Gcm,
        SignatureScheme::EcdsaP256Sha256,
    ),
    info(
        CipherSuite::MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384.0,
        "MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384",
        KemId::MlKem1024P384,
        KdfId::HkdfSha384,
        AeadId::Aes256Gcm,
        SignatureScheme::EcdsaP384Sha384,
    ),
    info(
        CipherSuite::MLS_128_MLKEM768_AES256GCM_SHA384_ED25519.0,
        "MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519",
        KemId::MlKem768,
        KdfId::HkdfSha384,
        AeadId::Aes256Gcm,
        SignatureScheme::Ed25519,
    ),
    info(
        CipherSuite::MLS_128_MLKEM768_AES256GCM_SHA384_P256.0,
        "MLS_128_MLKEM768_AES256GCM_SHA384_P256",
        KemId::MlKem768,
        KdfId::HkdfSha384,
        AeadId::Aes256Gcm,
        SignatureScheme::EcdsaP256Sha256,
    ),
    info(
        CipherSuite::MLS_192_MLKEM1024_AES256GCM_SHA384_P384.0,
        "MLS_192_MLKEM1024_AES256GCM_SHA384_P384",
        KemId::MlKem1024,
        KdfId::HkdfSha384,
        AeadId::Aes256Gcm,
        SignatureScheme::EcdsaP384Sha384,
    ),
    info(
        CipherSuite::MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44.0,
        "MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44",
        KemId::MlKem768X25519,
        KdfId::HkdfSha384,
        AeadId::ChaCha20Poly1305,
        SignatureScheme::MlDsa44,
    ),
    info(
        CipherSuite::MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65.0,
        "MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65",
        KemId::MlKem768,
        KdfId::HkdfSha384,
        AeadId::Aes256Gcm,
        SignatureScheme::MlDsa65,
    ),
    info(
        CipherSuite::MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87.0,
        "MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87",
        KemId::MlKem1024,
        KdfId::HkdfSha384,
        AeadId::Aes256Gcm,
        SignatureScheme::MlDsa87,
    ),
    info(
        CipherSuite::OPENMLS_MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519.0,
        "MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519 (OpenMLS 0x004F)",
        KemId::MlKem768X25519,
        KdfId::HkdfSha256,
        AeadId::Aes128Gcm,
        SignatureScheme::Ed25519,
    ),
];

impl tls_codec::Size for CipherSuite {
    fn tls_serialized_len(&self) -> usize {
        2
    }
}

impl tls_codec::SerializeBytes for CipherSuite {
    fn tls_serialize_bytes(&self) -> Result<alloc::vec::Vec<u8>, tls_codec::Error> {
        Ok(self.0.to_be_bytes().to_vec())
    }
}

#[cfg(feature = "std")]
impl tls_codec::Serialize for CipherSuite {
    fn tls_serialize<W: std::io::Write>(&self, writer: &mut W) -> Result<usize, tls_codec::Error> {
        self.0.tls_serialize(writer)
    }
}

impl tls_codec::DeserializeBytes for CipherSuite {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (v, rest) = u16::tls_deserialize_bytes(bytes)?;
        Ok((Self(v), rest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9420_17_1_registry_lengths() {
        let s5 = CipherSuite(5).info().unwrap();
        assert_eq!((s5.nh, s5.nk, s5.nsk, s5.npk), (64, 32, 66, 133));
        let s7 = CipherSuite(7).info().unwrap();
        assert_eq!((s7.nh, s7.kem), (48, KemId::DhKemP384));
        assert!(CipherSuite(8).info().is_none());
    }

    #[test]
    fn pq_ciphersuites_06_registry() {
        // draft-ietf-mls-pq-ciphersuites-06 §3: eleven suites, private-use
        // values (RFC 9420 §17.1), each registered once.
        for (i, cs) in CipherSuite::PQ.iter().enumerate() {
            assert!((0xF000..=0xFFFF).contains(&cs.0), "{cs:?}");
            let info = cs.info().unwrap();
            assert!(info.kem.is_pq() && cs.is_pq());
            assert_eq!(
                CipherSuite::PQ.iter().filter(|c| *c == cs).count(),
                1,
                "{i}"
            );
        }
        // X-Wing (draft-ietf-hpke-pq): Npk 1216, Nenc 1120, Nsk 32.
        let tbd1 = CipherSuite::MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519
            .info()
            .unwrap();
        assert_eq!(
            (tbd1.nsk, tbd1.npk, tbd1.nenc, tbd1.nh),
            (32, 1216, 1120, 32)
        );
        let tbd5 = CipherSuite::MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384
            .info()
            .unwrap();
        assert_eq!(
            (tbd5.nsk, tbd5.npk, tbd5.nenc, tbd5.nh),
            (32, 1665, 1665, 48)
        );
        let tbd11 = CipherSuite::MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87
            .info()
            .unwrap();
        assert_eq!((tbd11.nsk, tbd11.npk, tbd11.nenc), (64, 1568, 1568));
        assert_eq!(tbd11.signature.mldsa_lengths(), Some((2592, 4627)));
        assert_eq!(KemId::MlKem768X25519 as u16, 0x647a);
        // The OpenMLS alias has exactly TBD1's algorithms.
        let alias = CipherSuite(0x004F).info().unwrap();
        assert_eq!(
            (alias.kem, alias.kdf, alias.aead, alias.signature),
            (tbd1.kem, tbd1.kdf, tbd1.aead, tbd1.signature)
        );
        assert!(CipherSuite(0x004F).is_pq() && CipherSuite(0x004D).info().is_none());
    }

    #[test]
    fn rfc9420_13_5_grease_values() {
        assert!(is_grease(0x0A0A) && is_grease(0xEAEA) && is_grease(0x5A5A));
        assert!(!is_grease(0x0001) && !is_grease(0x0A0B) && !is_grease(0xFAFA));
    }
}
