//! Post-quantum parts (draft-ietf-mls-pq-ciphersuites-06): ML-KEM
//! (`libcrux-ml-kem`, FIPS 203), X-Wing (`libcrux-kem`'s
//! `XWingKemDraft06`), ML-DSA (`libcrux-ml-dsa`, FIPS 204), SHA3-256 and
//! SHAKE256 (`libcrux-sha3`, FIPS 202).
//!
//! ML-KEM-768/1024 become HPKE KEMs through the core's
//! [`MlKemHpkeKem`](mls_core::crypto::kem::MlKemHpkeKem); X-Wing is
//! libcrux's own KEM ([`XWing`]); MLKEM768-P256 is composed by the core's
//! [`HybridKem`](mls_core::crypto::kem::HybridKem) from `libcrux-ml-kem`,
//! `libcrux-p256` and `libcrux-sha3` (libcrux has no such hybrid).
//! Secret values inside libcrux's own types (the expanded ML-KEM and ML-DSA
//! keys) have no `Zeroize` and cannot be wiped; the seeds held here are.

use libcrux_kem::{Algorithm, Ct, PublicKey};
use mls_core::crypto::kem::{
    Keccak, Kem, MlKem, MlKemParams, mlkem_check_encapsulation_key, shake256_labeled_derive,
};
use mls_core::crypto::{
    CryptoError, HpkePrivateKey, KemId, Rng, Secret, Signature, SignaturePrivateKey,
    SignatureScheme, x25519_public_is_valid,
};
use zeroize::{Zeroize, Zeroizing};

/// SHA3-256 and SHAKE256 (FIPS 202) from `libcrux-sha3` (one-shot, so the
/// parts are joined first, in a zeroizing buffer).
#[derive(Debug, Clone, Copy, Default)]
pub struct Sha3;

fn join(parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
    let mut v = Zeroizing::new(Vec::with_capacity(parts.iter().map(|p| p.len()).sum()));
    for p in parts {
        v.extend_from_slice(p);
    }
    v
}

impl Keccak for Sha3 {
    fn shake256(&self, parts: &[&[u8]], out: &mut [u8]) {
        libcrux_sha3::shake256_ema(out, &join(parts));
    }
    fn sha3_256(&self, parts: &[&[u8]]) -> [u8; 32] {
        libcrux_sha3::sha256(&join(parts))
    }
}

static KECCAK: Sha3 = Sha3;

macro_rules! mlkem {
    ($name:ident, $m:ident, $pkt:ident, $ctt:ident, $params:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl MlKem for $name {
            fn params(&self) -> MlKemParams {
                $params
            }
            fn encapsulation_key(&self, seed: &[u8; 64]) -> Result<Vec<u8>, CryptoError> {
                // KeyGen_internal(d, z): libcrux takes d || z.
                let kp = libcrux_ml_kem::$m::generate_key_pair(*seed);
                Ok(kp.pk().to_vec())
            }
            fn encaps_derand(
                &self,
                ek: &[u8],
                m: &[u8; 32],
            ) -> Result<(Secret, Vec<u8>), CryptoError> {
                // FIPS 203 §7.2 input check, then Encaps_internal.
                mlkem_check_encapsulation_key($params, ek)?;
                let pk =
                    libcrux_ml_kem::$m::$pkt::try_from(ek).map_err(|_| CryptoError::InvalidKey)?;
                if !libcrux_ml_kem::$m::validate_public_key(&pk) {
                    return Err(CryptoError::InvalidKey);
                }
                let (ct, mut k) = libcrux_ml_kem::$m::encapsulate(&pk, *m);
                let ss = Secret::from_slice(&k);
                k.zeroize();
                Ok((ss?, ct.as_slice().to_vec()))
            }
            fn decaps(&self, seed: &[u8; 64], ct: &[u8]) -> Result<Secret, CryptoError> {
                let ct =
                    libcrux_ml_kem::$m::$ctt::try_from(ct).map_err(|_| CryptoError::InvalidKey)?;
                let kp = libcrux_ml_kem::$m::generate_key_pair(*seed);
                let mut k = libcrux_ml_kem::$m::decapsulate(kp.private_key(), &ct);
                let ss = Secret::from_slice(&k);
                k.zeroize();
                ss
            }
        }
    };
}

mlkem!(
    MlKem768,
    mlkem768,
    MlKem768PublicKey,
    MlKem768Ciphertext,
    MlKemParams::MlKem768,
    "ML-KEM-768 (FIPS 203) from `libcrux-ml-kem`."
);
mlkem!(
    MlKem1024,
    mlkem1024,
    MlKem1024PublicKey,
    MlKem1024Ciphertext,
    MlKemParams::MlKem1024,
    "ML-KEM-1024 (FIPS 203) from `libcrux-ml-kem`."
);

/// X-Wing (MLKEM768-X25519, HPKE KEM 0x647a) from `libcrux-kem`
/// (`Algorithm::XWingKemDraft06`). DeriveKeyPair is draft-ietf-hpke-pq's
/// SHAKE256.LabeledDerive of the 32-byte seed.
#[derive(Debug, Clone, Copy, Default)]
pub struct XWing;

const XWING: Algorithm = Algorithm::XWingKemDraft06;

impl XWing {
    fn keys(seed: &[u8]) -> Result<(libcrux_kem::PrivateKey, PublicKey), CryptoError> {
        if seed.len() != 32 {
            return Err(CryptoError::InvalidKey);
        }
        libcrux_kem::key_gen_derand(XWING, seed).map_err(|_| CryptoError::InvalidKey)
    }
}

impl Kem for XWing {
    fn kem_id(&self) -> KemId {
        KemId::MlKem768X25519
    }
    fn nsk(&self) -> usize {
        32
    }
    fn npk(&self) -> usize {
        1216
    }
    fn nenc(&self) -> usize {
        1120
    }
    fn derive_key_pair(&self, ikm: &[u8]) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        shake256_labeled_derive(
            &KECCAK,
            KemId::MlKem768X25519,
            ikm,
            b"DeriveKeyPair",
            b"",
            seed.as_mut(),
        )?;
        let (_, pk) = Self::keys(seed.as_ref())?;
        Ok((HpkePrivateKey::from_slice(seed.as_ref()), pk.encode()))
    }
    fn generate_key_pair(
        &self,
        rng: &mut dyn Rng,
    ) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill(seed.as_mut())?;
        let (_, pk) = Self::keys(seed.as_ref())?;
        Ok((HpkePrivateKey::from_slice(seed.as_ref()), pk.encode()))
    }
    fn public_key(&self, private_key: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError> {
        Ok(Self::keys(private_key.as_bytes())?.1.encode())
    }
    fn encap(
        &self,
        public_key: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<(Secret, Vec<u8>), CryptoError> {
        self.validate_public_key(public_key)?;
        let pk = PublicKey::decode(XWING, public_key).map_err(|_| CryptoError::InvalidKey)?;
        let mut r = Zeroizing::new([0u8; 64]);
        rng.fill(r.as_mut())?;
        let (ss, ct) = pk
            .encapsulate_derand(r.as_ref())
            .map_err(|_| CryptoError::InvalidKey)?;
        let mut ss = Zeroizing::new(ss.encode());
        let out = Secret::from_slice(&ss)?;
        ss.zeroize();
        Ok((out, ct.encode()))
    }
    fn decap(&self, enc: &[u8], private_key: &HpkePrivateKey) -> Result<Secret, CryptoError> {
        if enc.len() != 1120 {
            return Err(CryptoError::InvalidKey);
        }
        let ct = Ct::decode(XWING, enc).map_err(|_| CryptoError::InvalidKey)?;
        let (sk, _) = Self::keys(private_key.as_bytes())?;
        // libcrux's X25519 refuses an all-zero output (RFC 7748 §6.1).
        let ss = ct.decapsulate(&sk).map_err(|_| CryptoError::InvalidKey)?;
        let ss = Zeroizing::new(ss.encode());
        Secret::from_slice(&ss)
    }
    fn validate_public_key(&self, public_key: &[u8]) -> Result<(), CryptoError> {
        // Both parts: FIPS 203 §7.2 for ML-KEM, small order for X25519.
        if public_key.len() != 1216 {
            return Err(CryptoError::InvalidKey);
        }
        let (m, x) = public_key.split_at(1184);
        mlkem_check_encapsulation_key(MlKemParams::MlKem768, m)?;
        if !x25519_public_is_valid(x) {
            return Err(CryptoError::InvalidKey);
        }
        Ok(())
    }
}

macro_rules! mldsa {
    ($name:ident, $m:ident, $kp:ident, $scheme:expr, $pk:expr, $sig:expr, $doc:literal) => {
        #[doc = $doc]
        ///
        /// Private key: the 32-byte seed ξ (FIPS 204 Algorithm 6;
        /// draft-ietf-tls-mldsa), expanded for each use. Signing is
        /// ML-DSA.Sign with an empty context in the deterministic variant
        /// (FIPS 204 §3.4, rnd = {0}^32): the core's [`Signature::sign`]
        /// takes no randomness. Wrong-length keys and signatures are
        /// rejected before libcrux sees them.
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl $name {
            fn key_pair(sk: &SignaturePrivateKey) -> Result<libcrux_ml_dsa::$m::$kp, CryptoError> {
                let seed: [u8; 32] = sk
                    .as_bytes()
                    .try_into()
                    .map_err(|_| CryptoError::InvalidKey)?;
                let seed = Zeroizing::new(seed);
                Ok(libcrux_ml_dsa::$m::generate_key_pair(*seed))
            }
        }

        impl Signature for $name {
            fn scheme(&self) -> SignatureScheme {
                $scheme
            }
            fn sign(
                &self,
                private_key: &SignaturePrivateKey,
                message: &[u8],
            ) -> Result<Vec<u8>, CryptoError> {
                let kp = Self::key_pair(private_key)?;
                let sig = libcrux_ml_dsa::$m::sign(&kp.signing_key, message, b"", [0u8; 32])
                    .map_err(|_| CryptoError::Internal)?;
                Ok(sig.as_slice().to_vec())
            }
            fn verify(
                &self,
                public_key: &[u8],
                message: &[u8],
                signature: &[u8],
            ) -> Result<(), CryptoError> {
                let pk: [u8; $pk] = public_key.try_into().map_err(|_| CryptoError::InvalidKey)?;
                let sig: [u8; $sig] = signature
                    .try_into()
                    .map_err(|_| CryptoError::InvalidSignature)?;
                libcrux_ml_dsa::$m::verify(
                    &libcrux_ml_dsa::MLDSAVerificationKey::new(pk),
                    message,
                    b"",
                    &libcrux_ml_dsa::MLDSASignature::new(sig),
                )
                .map_err(|_| CryptoError::InvalidSignature)
            }
            fn generate_key_pair(
                &self,
                rng: &mut dyn Rng,
            ) -> Result<(SignaturePrivateKey, Vec<u8>), CryptoError> {
                let mut seed = Zeroizing::new([0u8; 32]);
                rng.fill(seed.as_mut())?;
                let sk = SignaturePrivateKey::from_slice(seed.as_ref());
                let pk = self.public_key(&sk)?;
                Ok((sk, pk))
            }
            fn public_key(
                &self,
                private_key: &SignaturePrivateKey,
            ) -> Result<Vec<u8>, CryptoError> {
                Ok(Self::key_pair(private_key)?
                    .verification_key
                    .as_slice()
                    .to_vec())
            }
        }
    };
}

mldsa!(
    MlDsa44,
    ml_dsa_44,
    MLDSA44KeyPair,
    SignatureScheme::MlDsa44,
    1312,
    2420,
    "ML-DSA-44 (FIPS 204) from `libcrux-ml-dsa`."
);
mldsa!(
    MlDsa65,
    ml_dsa_65,
    MLDSA65KeyPair,
    SignatureScheme::MlDsa65,
    1952,
    3309,
    "ML-DSA-65 (FIPS 204) from `libcrux-ml-dsa`."
);
mldsa!(
    MlDsa87,
    ml_dsa_87,
    MLDSA87KeyPair,
    SignatureScheme::MlDsa87,
    2592,
    4627,
    "ML-DSA-87 (FIPS 204) from `libcrux-ml-dsa`."
);
