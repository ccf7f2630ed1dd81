//! Crypto traits, chosen at run time (RFC 9420 §5).
//!
//! The core owns no crypto library. A backend exposes a [`CryptoProvider`],
//! which hands out one [`CipherSuiteProvider`] object per cipher suite. A suite
//! is made of object-safe parts: [`Hash`], [`Kdf`] (which carries the MAC),
//! [`Aead`], [`Hpke`] and [`Signature`]. A backend whose library lacks a part
//! can borrow it from another library, or build HPKE from [`Dh`] with the
//! core's generic RFC 9180 implementation in [`hpke`].
//!
//! Randomness is always an explicit `&mut dyn` [`Rng`] argument: there is no
//! ambient generator anywhere in the core.
//!
//! Traits never grow `#[cfg]`-gated methods; new capabilities arrive as
//! defaulted methods returning [`CryptoError::Unsupported`].

// The shared backend conformance harness: feature `conformance`, for
// backends' tests, never for applications.
#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
pub mod hpke;
pub mod kem;
// The labeled operations (RFC 9420 §5.1, §8): protocol internals, public
// with `hazmat` for the vectors.
#[cfg(feature = "hazmat")]
pub mod labeled;
#[cfg(not(feature = "hazmat"))]
#[allow(dead_code, unreachable_pub)]
pub(crate) mod labeled;
mod secret;
mod suite;

use alloc::vec::Vec;
use core::fmt;

pub use secret::{Digest, HpkePrivateKey, MAX_HASH_LEN, Secret, SecretVec, SignaturePrivateKey};
pub use suite::{AeadId, CipherSuite, KdfId, KemId, SignatureScheme, SuiteInfo, is_grease};

/// Failure of a cryptographic operation.
///
/// Deliberately coarse: a failed decryption or verification says nothing more
/// than that it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CryptoError {
    /// A key was malformed or not valid for the algorithm.
    InvalidKey,
    /// A signature did not verify.
    InvalidSignature,
    /// AEAD or HPKE decryption failed.
    DecryptionFailed,
    /// An input or output length is not acceptable for the algorithm.
    InvalidLength,
    /// The random number generator failed.
    RngFailure,
    /// The backend does not offer this suite or operation.
    Unsupported,
    /// DeriveKeyPair found no valid key (RFC 9180 §7.1.3; practically unreachable).
    DeriveKeyPairError,
    /// The backend library reported an internal error.
    Internal,
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Self::InvalidKey => "invalid key",
            Self::InvalidSignature => "invalid signature",
            Self::DecryptionFailed => "decryption failed",
            Self::InvalidLength => "invalid length",
            Self::RngFailure => "random number generator failed",
            Self::Unsupported => "unsupported by the crypto backend",
            Self::DeriveKeyPairError => "DeriveKeyPair found no valid key",
            Self::Internal => "internal crypto backend error",
        };
        f.write_str(s)
    }
}

impl core::error::Error for CryptoError {}

/// A cryptographically secure random number generator, passed explicitly.
pub trait Rng {
    /// Fills `out` with random bytes.
    fn fill(&mut self, out: &mut [u8]) -> Result<(), CryptoError>;
}

/// A hash function (RFC 9420 §5.1: the hash of the suite's KDF).
pub trait Hash: Send + Sync {
    /// Output length in bytes (KDF.Nh).
    fn output_len(&self) -> usize;
    /// Hashes `data`.
    fn hash(&self, data: &[u8]) -> Digest;
    /// Hashes the concatenation of `parts` without joining them first.
    fn hash_parts(&self, parts: &[&[u8]]) -> Digest {
        let mut v = Vec::new();
        for p in parts {
            v.extend_from_slice(p);
        }
        self.hash(&v)
    }
}

/// HKDF (RFC 5869) and the HMAC over the same hash, which MLS uses as its MAC.
pub trait Kdf: Send + Sync {
    /// The HPKE KDF identifier.
    fn id(&self) -> KdfId;
    /// KDF.Nh.
    fn nh(&self) -> usize;
    /// HKDF-Extract(salt, ikm): the PRK, KDF.Nh bytes.
    fn extract(&self, salt: &[u8], ikm: &[u8]) -> Result<Secret, CryptoError>;
    /// HKDF-Expand(prk, info) into `out` (its length is the requested length).
    fn expand(&self, prk: &[u8], info: &[u8], out: &mut [u8]) -> Result<(), CryptoError>;
    /// HMAC(key, data) (RFC 9420 §5.1: MAC).
    fn mac(&self, key: &[u8], data: &[u8]) -> Result<Digest, CryptoError>;
}

/// An AEAD (RFC 5116) with the ciphertext and tag as one output.
pub trait Aead: Send + Sync {
    /// The HPKE AEAD identifier.
    fn id(&self) -> AeadId;
    /// AEAD.Nk.
    fn key_len(&self) -> usize;
    /// AEAD.Nn.
    fn nonce_len(&self) -> usize;
    /// Tag length (16 for every registered AEAD).
    fn tag_len(&self) -> usize {
        16
    }
    /// Encrypts `plaintext`, returning ciphertext || tag.
    fn seal(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError>;
    /// Decrypts ciphertext || tag.
    fn open(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, CryptoError>;
}

/// How a DH group turns DeriveKeyPair candidates into private keys
/// (RFC 9180 §7.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeriveKind {
    /// X25519 / X448: any Nsk bytes are a private key.
    Montgomery,
    /// P-256 / P-384 / P-521: rejection sampling; the first byte is masked
    /// with `bitmask` and the candidate must be a valid non-zero scalar.
    Prime {
        /// 0xFF for P-256 and P-384, 0x01 for P-521.
        bitmask: u8,
    },
}

/// A Diffie-Hellman group with static keys, from which [`hpke::DhKem`] builds
/// a DHKEM (RFC 9180 §4.1).
pub trait Dh: Send + Sync {
    /// The KEM this group yields.
    fn kem_id(&self) -> KemId;
    /// Nsk.
    fn secret_len(&self) -> usize;
    /// Npk (also Nenc).
    fn public_len(&self) -> usize;
    /// How DeriveKeyPair maps candidates to keys.
    fn derive_kind(&self) -> DeriveKind;
    /// True when `candidate` (Nsk bytes, already masked) is a valid private key.
    fn is_valid_secret(&self, candidate: &[u8]) -> bool;
    /// The serialized public key of `secret` (SerializePublicKey(pk(sk))).
    fn public_key(&self, secret: &[u8]) -> Result<Vec<u8>, CryptoError>;
    /// DH(sk, pk), the serialized shared secret (Ndh bytes). Must reject
    /// invalid public keys and an all-zero result.
    fn dh(&self, secret: &[u8], public: &[u8]) -> Result<SecretVec, CryptoError>;
    /// `dh(secret, public)` and `public_key(secret)` together: what Encap
    /// (the ephemeral key and its `enc`) and Decap (the recipient's key and
    /// its `pkRm` for the KEM context) both need (RFC 9180 §4.1). A backend
    /// whose import of a private key already computes the public key (a
    /// scalar multiplication) overrides this to import the key once.
    fn dh_and_public_key(
        &self,
        secret: &[u8],
        public: &[u8],
    ) -> Result<(SecretVec, Vec<u8>), CryptoError> {
        Ok((self.dh(secret, public)?, self.public_key(secret)?))
    }
    /// Checks a received public key (RFC 9180 §7.1.1, §7.1.4): exactly the
    /// serialization `public_key` produces (Npk bytes; for the prime
    /// curves an uncompressed point on the curve), and for X25519 / X448
    /// not a point of small order, with which every DH output would be
    /// zero. A key that passes can be encrypted to. Errors with
    /// [`CryptoError::InvalidKey`].
    fn validate_public(&self, public: &[u8]) -> Result<(), CryptoError>;
    /// A fresh private key.
    fn generate_secret(&self, rng: &mut dyn Rng) -> Result<SecretVec, CryptoError> {
        let mut buf = SecretVec::zero(self.secret_len());
        loop {
            rng.fill(buf.as_mut_bytes())?;
            if let DeriveKind::Prime { bitmask } = self.derive_kind() {
                if let Some(b) = buf.as_mut_bytes().first_mut() {
                    *b &= bitmask;
                }
            }
            if self.is_valid_secret(buf.as_bytes()) {
                return Ok(buf);
            }
        }
    }
}

/// An HPKE ciphertext as MLS carries it (RFC 9420 §5.1.3, `HPKECiphertext`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HpkeCiphertext {
    /// The KEM output (enc).
    pub kem_output: Vec<u8>,
    /// The AEAD ciphertext.
    pub ciphertext: Vec<u8>,
}

/// HPKE in base mode, single shot (RFC 9180 §5, §6.1), with the exporter
/// MLS needs for external init (RFC 9420 §8.3).
pub trait Hpke: Send + Sync {
    /// SealBase(pk, info, aad, pt).
    fn seal(
        &self,
        public_key: &[u8],
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<HpkeCiphertext, CryptoError>;
    /// OpenBase(enc, sk, info, aad, ct).
    fn open(
        &self,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, CryptoError>;
    /// SetupBaseS(pk, info) followed by Export(exporter_context, len).
    fn setup_sender_and_export(
        &self,
        public_key: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
        rng: &mut dyn Rng,
    ) -> Result<(Vec<u8>, SecretVec), CryptoError>;
    /// SetupBaseR(enc, sk, info) followed by Export(exporter_context, len).
    fn setup_receiver_and_export(
        &self,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
    ) -> Result<SecretVec, CryptoError>;
    /// DeriveKeyPair(ikm) (RFC 9180 §7.1.3): private key and serialized public key.
    fn derive_key_pair(&self, ikm: &[u8]) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError>;
    /// GenerateKeyPair().
    fn generate_key_pair(
        &self,
        rng: &mut dyn Rng,
    ) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError>;
    /// The public key of a private key (to check that a key pair matches).
    fn public_key(&self, private_key: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError>;
    /// SealBase(pk_i, info, aad, pt_i) for each `(pk_i, pt_i)` of
    /// `recipients`, all under one `info`: a Welcome encrypts one
    /// GroupSecrets per new member with the encrypted GroupInfo (up to
    /// megabytes) as context (RFC 9420 §12.4.3.1), and what depends only on
    /// `info` (its hash in the key schedule, RFC 9180 §5.1) needs computing
    /// once, not once per member. The default seals one at a time.
    fn seal_many(
        &self,
        recipients: &[(&[u8], &[u8])],
        info: &[u8],
        aad: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<Vec<HpkeCiphertext>, CryptoError> {
        recipients
            .iter()
            .map(|(pk, pt)| self.seal(pk, info, aad, pt, rng))
            .collect()
    }
    /// Checks a received public key of this KEM: DeserializePublicKey
    /// succeeds and the key can be encrypted to (RFC 9180 §7.1.1, §7.1.4).
    /// MLS calls it for every HPKE public key it receives (init keys,
    /// leaf and parent encryption keys, external_pub) before the key is
    /// accepted into a group, so that one bad key cannot block every later
    /// commit. Errors with [`CryptoError::InvalidKey`].
    fn validate_public_key(&self, public_key: &[u8]) -> Result<(), CryptoError>;
}

/// The X25519 u-coordinates of small order, little-endian, as they appear
/// on the wire with the top bit cleared (RFC 7748 §5 masks it): 0, 1, the
/// two points of order 8, p-1, and the non-canonical p and p+1. DH with any
/// of them gives the all-zero output (RFC 9180 §7.1.4).
const X25519_SMALL_ORDER: [[u8; 32]; 7] = {
    let mut t = [[0u8; 32]; 7];
    t[1][0] = 1;
    t[2] = [
        0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4,
        0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49,
        0xb8, 0x00,
    ];
    t[3] = [
        0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef,
        0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f,
        0x11, 0x57,
    ];
    // p - 1, p, p + 1 with p = 2^255 - 19.
    let mut k = 0;
    while k < 3 {
        let mut i = 1;
        while i < 31 {
            t[4 + k][i] = 0xff;
            i += 1;
        }
        t[4 + k][0] = 0xec + k as u8;
        t[4 + k][31] = 0x7f;
        k += 1;
    }
    t
};

/// True when `public` is a well-formed X25519 public key (32 bytes) that
/// is not of small order: the check [`Dh::validate_public`] needs for
/// X25519, for backends whose library has none. Public data: not
/// constant time.
pub fn x25519_public_is_valid(public: &[u8]) -> bool {
    let Ok(mut pk) = <[u8; 32]>::try_from(public) else {
        return false;
    };
    pk[31] &= 0x7f;
    !X25519_SMALL_ORDER.contains(&pk)
}

/// One item of a batch signature verification.
#[derive(Debug, Clone, Copy)]
pub struct VerifyItem<'a> {
    /// Encoded public key.
    pub public_key: &'a [u8],
    /// The signed message.
    pub message: &'a [u8],
    /// The signature.
    pub signature: &'a [u8],
}

/// A signature algorithm (RFC 9420 §5.1.2). ECDSA signatures are DER encoded,
/// EdDSA signatures are R || S; public keys are RFC 8032 bytes or uncompressed
/// points.
pub trait Signature: Send + Sync {
    /// The TLS SignatureScheme.
    fn scheme(&self) -> SignatureScheme;
    /// Signs `message`.
    fn sign(
        &self,
        private_key: &SignaturePrivateKey,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError>;
    /// Verifies `signature` over `message`.
    fn verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError>;
    /// A fresh key pair: private key and encoded public key.
    fn generate_key_pair(
        &self,
        rng: &mut dyn Rng,
    ) -> Result<(SignaturePrivateKey, Vec<u8>), CryptoError>;
    /// Imports a private key and returns its encoded public key (fails on an
    /// invalid key).
    fn public_key(&self, private_key: &SignaturePrivateKey) -> Result<Vec<u8>, CryptoError>;
    /// Verifies many signatures; fails if any fails. Backends with batch
    /// verification override this.
    fn verify_batch(&self, items: &[VerifyItem<'_>]) -> Result<(), CryptoError> {
        items
            .iter()
            .try_for_each(|i| self.verify(i.public_key, i.message, i.signature))
    }
}

/// Signatures verified per item ([`Signature::verify_batch`] over chunks of
/// `items`), the chunks in parallel with the `parallel` feature; fails if
/// any fails. Each item is judged exactly as the backend's
/// `verify_batch` judges it: this adds no batch equation.
pub(crate) fn verify_all(sig: &dyn Signature, items: &[VerifyItem<'_>]) -> Result<(), CryptoError> {
    /// Items per chunk: enough to amortize a task hand-off.
    const CHUNK: usize = 16;
    let chunks: Vec<&[VerifyItem<'_>]> = items.chunks(CHUNK).collect();
    crate::par::try_map(&chunks, 1, |c| sig.verify_batch(c)).map(|_| ())
}

/// A signing key the protocol signs with (RFC 9420 §5.1.2), possibly one
/// the library never sees: a key in an HSM, a platform keystore or a
/// remote signer implements this; [`SignaturePrivateKey`] is the
/// in-memory implementation.
pub trait Signer: Send + Sync {
    /// Signs `message` (the encoded `SignContent`) with the suite's
    /// signature scheme, in its wire form (RFC 9420 §5.1.2: DER for ECDSA,
    /// R || S for EdDSA).
    fn sign(&self, cs: &dyn CipherSuiteProvider, message: &[u8]) -> Result<Vec<u8>, CryptoError>;
    /// The encoded public key, as it goes into a leaf node.
    fn public_key(&self, cs: &dyn CipherSuiteProvider) -> Result<Vec<u8>, CryptoError>;
}

impl Signer for SignaturePrivateKey {
    fn sign(&self, cs: &dyn CipherSuiteProvider, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        cs.signature().sign(self, message)
    }
    fn public_key(&self, cs: &dyn CipherSuiteProvider) -> Result<Vec<u8>, CryptoError> {
        cs.signature().public_key(self)
    }
}

/// All primitives of one cipher suite. Handed out by a [`CryptoProvider`];
/// the protocol code holds it as `&dyn CipherSuiteProvider`.
pub trait CipherSuiteProvider: Send + Sync {
    /// The suite served.
    fn cipher_suite(&self) -> CipherSuite;
    /// The suite's hash.
    fn hash(&self) -> &dyn Hash;
    /// The suite's KDF and MAC.
    fn kdf(&self) -> &dyn Kdf;
    /// The suite's AEAD.
    fn aead(&self) -> &dyn Aead;
    /// The suite's HPKE.
    fn hpke(&self) -> &dyn Hpke;
    /// The suite's signature algorithm.
    fn signature(&self) -> &dyn Signature;
    /// The registry entry of the suite.
    fn info(&self) -> &'static SuiteInfo {
        // Providers only serve registered suites; see `Suite::new`.
        match self.cipher_suite().info() {
            Some(i) => i,
            None => &UNREGISTERED,
        }
    }
}

static UNREGISTERED: SuiteInfo = SuiteInfo {
    suite: CipherSuite(0),
    name: "unregistered",
    kem: KemId::DhKemX25519,
    kdf: KdfId::HkdfSha256,
    aead: AeadId::Aes128Gcm,
    signature: SignatureScheme::Ed25519,
    nh: 0,
    nk: 0,
    nn: 0,
    nsk: 0,
    npk: 0,
    nenc: 0,
};

/// How a backend builds one part of a suite: with its own library, or
/// borrowed from another one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Borrowed {
    /// The part (e.g. "DH", "HPKE", "ECDSA key import").
    pub part: &'static str,
    /// Where it comes from (e.g. "RustCrypto p256", "mls-core generic HPKE").
    pub from: &'static str,
}

/// A crypto backend: one [`CipherSuiteProvider`] per suite it serves.
pub trait CryptoProvider: Send + Sync {
    /// A short name ("rustcrypto", "ring", ...).
    fn name(&self) -> &'static str;
    /// The suites served, in preference order.
    fn supported_cipher_suites(&self) -> &[CipherSuite];
    /// The provider for `suite`, or `None` when it is not served.
    fn cipher_suite(&self, suite: CipherSuite) -> Option<&dyn CipherSuiteProvider>;
    /// The parts of `suite` this backend takes from outside its own library.
    /// Empty means fully native.
    fn borrowed_parts(&self, suite: CipherSuite) -> &'static [Borrowed] {
        let _ = suite;
        &[]
    }
}

/// A cipher suite assembled from `'static` parts, which may come from
/// different libraries.
#[derive(Clone, Copy)]
pub struct Suite {
    suite: CipherSuite,
    hash: &'static dyn Hash,
    kdf: &'static dyn Kdf,
    aead: &'static dyn Aead,
    hpke: &'static dyn Hpke,
    signature: &'static dyn Signature,
}

impl Suite {
    /// Assembles a suite. The parts must be the ones `suite` names in the
    /// registry; [`Suite::check`] verifies the identifiers.
    pub const fn new(
        suite: CipherSuite,
        hash: &'static dyn Hash,
        kdf: &'static dyn Kdf,
        aead: &'static dyn Aead,
        hpke: &'static dyn Hpke,
        signature: &'static dyn Signature,
    ) -> Self {
        Self {
            suite,
            hash,
            kdf,
            aead,
            hpke,
            signature,
        }
    }

    /// True when the parts' identifiers match the registry entry of the suite.
    pub fn check(&self) -> bool {
        match self.suite.info() {
            Some(i) => {
                i.kdf == self.kdf.id()
                    && i.aead == self.aead.id()
                    && i.signature == self.signature.scheme()
                    && i.nh == self.hash.output_len()
            }
            None => false,
        }
    }
}

impl fmt::Debug for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Suite")
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

impl CipherSuiteProvider for Suite {
    fn cipher_suite(&self) -> CipherSuite {
        self.suite
    }
    fn hash(&self) -> &dyn Hash {
        self.hash
    }
    fn kdf(&self) -> &dyn Kdf {
        self.kdf
    }
    fn aead(&self) -> &dyn Aead {
        self.aead
    }
    fn hpke(&self) -> &dyn Hpke {
        self.hpke
    }
    fn signature(&self) -> &dyn Signature {
        self.signature
    }
}
