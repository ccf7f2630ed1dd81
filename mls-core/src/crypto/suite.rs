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
    let (nsk, npk) = match kem {
        KemId::DhKemP256 => (32, 65),
        KemId::DhKemP384 => (48, 97),
        KemId::DhKemP521 => (66, 133),
        KemId::DhKemX25519 => (32, 32),
        KemId::DhKemX448 => (56, 56),
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
        nenc: npk,
    }
}

/// RFC 9420 §17.1, Table 6.
static REGISTRY: [SuiteInfo; 7] = [
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
    fn rfc9420_13_5_grease_values() {
        assert!(is_grease(0x0A0A) && is_grease(0xEAEA) && is_grease(0x5A5A));
        assert!(!is_grease(0x0001) && !is_grease(0x0A0B) && !is_grease(0xFAFA));
    }
}
