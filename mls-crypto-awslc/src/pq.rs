//! Post-quantum parts (draft-ietf-mls-pq-ciphersuites-06) over aws-lc-rs.
//!
//! aws-lc-rs serves ML-KEM-768/1024 Encaps and Decaps (`kem`, FIPS 203) and
//! SHA3-256 (`digest`), but neither seeded key generation
//! (ML-KEM.KeyGen_internal(d, z), which DeriveKeyPair needs: RFC 9420
//! derives every tree key from a path secret) nor SHAKE256, nor a
//! derandomized Encaps, nor any hybrid KEM. So:
//!
//! - KeyGen_internal(d, z) is borrowed from RustCrypto's `ml-kem`: it expands
//!   the 64-byte seed into the encapsulation key and the FIPS 203 expanded
//!   decapsulation key, which aws-lc-rs imports for Decaps;
//! - SHAKE256 (DeriveKeyPair, the hybrids' expandKey) is borrowed from
//!   RustCrypto's `shake`;
//! - Encaps is aws-lc-rs's, with AWS-LC's own generator for the message m
//!   (as for its ECDSA nonces): aws-lc-rs has no Encaps_internal;
//! - X-Wing, MLKEM768-P256 and MLKEM1024-P384 are composed by the core's
//!   [`HybridKem`](mls_core::crypto::kem::HybridKem) (the QSF combiner of
//!   draft-irtf-cfrg-hybrid-kems) from these ML-KEM parts, this crate's
//!   aws-lc-rs X25519 / P-256 / P-384 and SHA3-256.
//!
//! ML-DSA is only behind aws-lc-rs's `unstable` feature (a separate
//! AWS-LC build), so the ML-DSA suites (TBD9-TBD11) are not served.

use aws_lc_rs::kem::{Ciphertext, DecapsulationKey, EncapsulationKey, ML_KEM_768, ML_KEM_1024};
use mls_core::crypto::kem::{Keccak, MlKem, MlKemParams, mlkem_check_encapsulation_key};
use mls_core::crypto::{CryptoError, Rng, Secret};
use zeroize::{Zeroize, Zeroizing};

/// SHA3-256 from aws-lc-rs; SHAKE256 borrowed from RustCrypto's `shake`
/// (aws-lc-rs does not expose it).
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
        let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA3_256);
        for p in parts {
            ctx.update(p);
        }
        let d = ctx.finish();
        let mut out = [0u8; 32];
        out.copy_from_slice(d.as_ref());
        out
    }
}

macro_rules! mlkem {
    ($name:ident, $rc:ty, $alg:expr, $params:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl $name {
            /// KeyGen_internal(d, z) (RustCrypto `ml-kem`): the expanded
            /// decapsulation key (zeroizing) and the encapsulation key.
            #[allow(deprecated)]
            fn expand(seed: &[u8; 64]) -> (Zeroizing<Vec<u8>>, Vec<u8>) {
                use ml_kem::{ExpandedKeyEncoding, KeyExport};
                let dk = ml_kem::DecapsulationKey::<$rc>::from_seed((*seed).into());
                let mut exp = dk.to_expanded_bytes();
                let dk_bytes = Zeroizing::new(exp.to_vec());
                exp.as_mut_slice().zeroize();
                (dk_bytes, dk.encapsulation_key().to_bytes().to_vec())
            }
        }

        impl MlKem for $name {
            fn params(&self) -> MlKemParams {
                $params
            }
            fn encapsulation_key(&self, seed: &[u8; 64]) -> Result<Vec<u8>, CryptoError> {
                Ok(Self::expand(seed).1)
            }
            fn encaps_derand(
                &self,
                _ek: &[u8],
                _m: &[u8; 32],
            ) -> Result<(Secret, Vec<u8>), CryptoError> {
                // aws-lc-rs has no Encaps_internal.
                Err(CryptoError::Unsupported)
            }
            fn encaps(
                &self,
                ek: &[u8],
                _rng: &mut dyn Rng,
            ) -> Result<(Secret, Vec<u8>), CryptoError> {
                // FIPS 203 §7.2 input check (aws-lc checks too).
                mlkem_check_encapsulation_key($params, ek)?;
                let ek = EncapsulationKey::new(&$alg, ek).map_err(|_| CryptoError::InvalidKey)?;
                let (ct, ss) = ek.encapsulate().map_err(|_| CryptoError::Internal)?;
                Ok((Secret::from_slice(ss.as_ref())?, ct.as_ref().to_vec()))
            }
            fn decaps(&self, seed: &[u8; 64], ct: &[u8]) -> Result<Secret, CryptoError> {
                if ct.len() != $params.ct_len() {
                    return Err(CryptoError::InvalidKey);
                }
                let (dk_bytes, _) = Self::expand(seed);
                let dk =
                    DecapsulationKey::new(&$alg, &dk_bytes).map_err(|_| CryptoError::InvalidKey)?;
                let ss = dk
                    .decapsulate(Ciphertext::from(ct))
                    .map_err(|_| CryptoError::InvalidKey)?;
                Secret::from_slice(ss.as_ref())
            }
        }
    };
}

mlkem!(
    MlKem768,
    ml_kem::MlKem768,
    ML_KEM_768,
    MlKemParams::MlKem768,
    "ML-KEM-768: Encaps/Decaps from aws-lc-rs, KeyGen_internal from RustCrypto `ml-kem`."
);
mlkem!(
    MlKem1024,
    ml_kem::MlKem1024,
    ML_KEM_1024,
    MlKemParams::MlKem1024,
    "ML-KEM-1024: Encaps/Decaps from aws-lc-rs, KeyGen_internal from RustCrypto `ml-kem`."
);
