//! Post-quantum parts (draft-ietf-mls-pq-ciphersuites-06): ML-KEM
//! (`ml-kem`, FIPS 203), X-Wing (`x-wing`, draft-connolly-cfrg-xwing-kem),
//! ML-DSA (`ml-dsa`, FIPS 204), SHA3-256 / SHAKE256 (`sha3`, `shake`,
//! FIPS 202).
//!
//! ML-KEM-768/1024 become HPKE KEMs through the core's
//! [`MlKemHpkeKem`](mls_core::crypto::kem::MlKemHpkeKem); X-Wing is the
//! `x-wing` crate's whole KEM ([`XWing`]); the NIST hybrids MLKEM768-P256 and
//! MLKEM1024-P384 are composed by the core's
//! [`HybridKem`](mls_core::crypto::kem::HybridKem) from `ml-kem`, `p256` /
//! `p384` and `sha3` (no RustCrypto crate offers them).

use kem::{Decapsulate, Decapsulator, Key, KeyExport, KeyInit, TryDecapsulate};
use ml_dsa::{SigningKey, VerifyingKey};
use ml_kem::array::Array;
use mls_core::crypto::kem::{
    Keccak, Kem, MlKem, MlKemParams, mlkem_check_encapsulation_key, shake256_labeled_derive,
};
use mls_core::crypto::{
    CryptoError, HpkePrivateKey, KemId, Rng, Secret, Signature, SignaturePrivateKey,
    SignatureScheme, x25519_public_is_valid,
};
use zeroize::{Zeroize, Zeroizing};

/// SHA3-256 and SHAKE256 (FIPS 202) from `sha3` and `shake`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sha3;

impl Keccak for Sha3 {
    fn shake256(&self, parts: &[&[u8]], out: &mut [u8]) {
        use shake::{ExtendableOutput, Update, XofReader};
        let mut h = shake::Shake256::default();
        for p in parts {
            h.update(p);
        }
        h.finalize_xof().read(out);
    }
    fn sha3_256(&self, parts: &[&[u8]]) -> [u8; 32] {
        use sha3::Digest;
        let mut h = sha3::Sha3_256::new();
        for p in parts {
            h.update(p);
        }
        h.finalize().into()
    }
}

macro_rules! mlkem {
    ($name:ident, $p:ty, $params:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl MlKem for $name {
            fn params(&self) -> MlKemParams {
                $params
            }
            fn encapsulation_key(&self, seed: &[u8; 64]) -> Result<Vec<u8>, CryptoError> {
                let dk = ml_kem::DecapsulationKey::<$p>::from_seed(Array::from(*seed));
                Ok(dk.encapsulation_key().to_bytes().to_vec())
            }
            fn encaps_derand(
                &self,
                ek: &[u8],
                m: &[u8; 32],
            ) -> Result<(Secret, Vec<u8>), CryptoError> {
                // FIPS 203 §7.2 input check (the crate checks too).
                mlkem_check_encapsulation_key($params, ek)?;
                let key = Key::<ml_kem::EncapsulationKey<$p>>::try_from(ek)
                    .map_err(|_| CryptoError::InvalidKey)?;
                let ek = ml_kem::EncapsulationKey::<$p>::new(&key)
                    .map_err(|_| CryptoError::InvalidKey)?;
                let (ct, mut k) = ek.encapsulate_deterministic(&Array::from(*m));
                let ss = Secret::from_slice(&k);
                k.as_mut_slice().zeroize();
                Ok((ss?, ct.to_vec()))
            }
            fn decaps(&self, seed: &[u8; 64], ct: &[u8]) -> Result<Secret, CryptoError> {
                let ct =
                    kem::Ciphertext::<$p>::try_from(ct).map_err(|_| CryptoError::InvalidKey)?;
                let dk = ml_kem::DecapsulationKey::<$p>::from_seed(Array::from(*seed));
                let mut k = dk.decapsulate(&ct);
                let ss = Secret::from_slice(&k);
                k.as_mut_slice().zeroize();
                ss
            }
        }
    };
}

mlkem!(
    MlKem768,
    ml_kem::MlKem768,
    MlKemParams::MlKem768,
    "ML-KEM-768 (FIPS 203) from `ml-kem`."
);
mlkem!(
    MlKem1024,
    ml_kem::MlKem1024,
    MlKemParams::MlKem1024,
    "ML-KEM-1024 (FIPS 203) from `ml-kem`."
);

static KECCAK: Sha3 = Sha3;

/// X-Wing (MLKEM768-X25519, HPKE KEM 0x647a) from the `x-wing` crate.
/// DeriveKeyPair is draft-ietf-hpke-pq's (SHAKE256.LabeledDerive of the
/// 32-byte seed); decapsulation rejects an all-zero X25519 output
/// (`DecapsulationKeyRejectNonContrib`), as DHKEM does (RFC 9180 §7.1.4).
#[derive(Debug, Clone, Copy, Default)]
pub struct XWing;

fn xwing_seed(sk: &HpkePrivateKey) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
    let mut s = Zeroizing::new([0u8; 32]);
    if sk.as_bytes().len() != 32 {
        return Err(CryptoError::InvalidKey);
    }
    s.copy_from_slice(sk.as_bytes());
    Ok(s)
}

impl Kem for XWing {
    fn kem_id(&self) -> KemId {
        KemId::MlKem768X25519
    }
    fn nsk(&self) -> usize {
        x_wing::DECAPSULATION_KEY_SIZE
    }
    fn npk(&self) -> usize {
        x_wing::ENCAPSULATION_KEY_SIZE
    }
    fn nenc(&self) -> usize {
        x_wing::CIPHERTEXT_SIZE
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
        let sk = HpkePrivateKey::from_slice(seed.as_ref());
        let pk = self.public_key(&sk)?;
        Ok((sk, pk))
    }
    fn generate_key_pair(
        &self,
        rng: &mut dyn Rng,
    ) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill(seed.as_mut())?;
        let sk = HpkePrivateKey::from_slice(seed.as_ref());
        let pk = self.public_key(&sk)?;
        Ok((sk, pk))
    }
    fn public_key(&self, private_key: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError> {
        let seed = xwing_seed(private_key)?;
        let dk = x_wing::DecapsulationKey::from(*seed);
        Ok(dk.encapsulation_key().to_bytes().to_vec())
    }
    fn encap(
        &self,
        public_key: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<(Secret, Vec<u8>), CryptoError> {
        self.validate_public_key(public_key)?;
        let ek =
            x_wing::EncapsulationKey::try_from(public_key).map_err(|_| CryptoError::InvalidKey)?;
        let mut r = Zeroizing::new([0u8; x_wing::ENCAPSULATION_RANDOMNESS_SIZE]);
        rng.fill(r.as_mut())?;
        let (ct, mut ss) = ek.encapsulate_deterministic(&Array::from(*r));
        let out = Secret::from_slice(&ss);
        ss.as_mut_slice().zeroize();
        Ok((out?, ct.to_vec()))
    }
    fn decap(&self, enc: &[u8], private_key: &HpkePrivateKey) -> Result<Secret, CryptoError> {
        let ct = x_wing::Ciphertext::try_from(enc).map_err(|_| CryptoError::InvalidKey)?;
        let seed = xwing_seed(private_key)?;
        let dk = x_wing::DecapsulationKeyRejectNonContrib::new(&Array::from(*seed));
        let mut ss = dk
            .try_decapsulate(&ct)
            .map_err(|_| CryptoError::InvalidKey)?;
        let out = Secret::from_slice(&ss);
        ss.as_mut_slice().zeroize();
        out
    }
    fn validate_public_key(&self, public_key: &[u8]) -> Result<(), CryptoError> {
        // Both parts: FIPS 203 §7.2 for ML-KEM, small order for X25519.
        if public_key.len() != x_wing::ENCAPSULATION_KEY_SIZE {
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
    ($name:ident, $p:ty, $scheme:expr, $doc:literal) => {
        #[doc = $doc]
        ///
        /// Private key: the 32-byte seed ξ (FIPS 204 Algorithm 6;
        /// draft-ietf-tls-mldsa). Signing is ML-DSA.Sign with an empty
        /// context, in the deterministic variant (FIPS 204 §3.4, rnd =
        /// {0}^32): the core's [`Signature::sign`] takes no randomness.
        /// Public keys and signatures of the wrong length, and signatures
        /// whose hint encoding is malformed, are rejected.
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl $name {
            fn signing_key(sk: &[u8]) -> Result<SigningKey<$p>, CryptoError> {
                let seed = ml_dsa::B32::try_from(sk).map_err(|_| CryptoError::InvalidKey)?;
                Ok(SigningKey::<$p>::from_seed(&seed))
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
                // The expanded key (the matrix and vectors of FIPS 204
                // Algorithm 6) is kept with the private key; `SigningKey`
                // zeroizes on drop.
                let sig = crate::with_kept(private_key, Self::signing_key, |sk| {
                    sk.expanded_key().sign_deterministic(message, b"")
                })?
                .map_err(|_| CryptoError::Internal)?;
                Ok(sig.encode().to_vec())
            }
            fn verify(
                &self,
                public_key: &[u8],
                message: &[u8],
                signature: &[u8],
            ) -> Result<(), CryptoError> {
                let pk = ml_dsa::EncodedVerifyingKey::<$p>::try_from(public_key)
                    .map_err(|_| CryptoError::InvalidKey)?;
                let enc = ml_dsa::EncodedSignature::<$p>::try_from(signature)
                    .map_err(|_| CryptoError::InvalidSignature)?;
                let sig =
                    ml_dsa::Signature::<$p>::decode(&enc).ok_or(CryptoError::InvalidSignature)?;
                let vk = VerifyingKey::<$p>::decode(&pk);
                if vk.verify_with_context(message, b"", &sig) {
                    Ok(())
                } else {
                    Err(CryptoError::InvalidSignature)
                }
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
                let sk = Self::signing_key(private_key.as_bytes())?;
                Ok(sk.expanded_key().verifying_key().encode().to_vec())
            }
        }
    };
}

mldsa!(
    MlDsa44,
    ml_dsa::MlDsa44,
    SignatureScheme::MlDsa44,
    "ML-DSA-44 (FIPS 204) from `ml-dsa`."
);
mldsa!(
    MlDsa65,
    ml_dsa::MlDsa65,
    SignatureScheme::MlDsa65,
    "ML-DSA-65 (FIPS 204) from `ml-dsa`."
);
mldsa!(
    MlDsa87,
    ml_dsa::MlDsa87,
    SignatureScheme::MlDsa87,
    "ML-DSA-87 (FIPS 204) from `ml-dsa`."
);
