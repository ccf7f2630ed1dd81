//! HPKE through `hpke-rs` 0.8 with its libcrux provider (`hpke-rs-libcrux`),
//! behind the core's [`Hpke`] trait.
//!
//! Test-only: kept for the measurement against the core's generic HPKE
//! (see the crate documentation) and for cross-checking the two.
//!
//! hpke-rs keeps its generator inside a `'static` value, which cannot
//! borrow the caller's `&mut dyn Rng`; its encapsulation draws exactly Nsk
//! bytes in one call, so they are drawn from the caller's generator first
//! and handed over in a [`Prefilled`] buffer.

use core::fmt;

use hpke_rs::hpke_types::{AeadAlgorithm, KdfAlgorithm, KemAlgorithm};
use hpke_rs::{Hpke as HpkeRsHpke, HpkeError, Mode};
use hpke_rs_libcrux::HpkeLibcrux;
use mls_core::crypto::{CryptoError, Dh, Hpke, HpkeCiphertext, HpkePrivateKey, Rng, SecretVec};

use crate::rng::Exhausted;
use zeroize::Zeroizing;

type Provider = HpkeLibcrux<Prefilled>;

/// HPKE base mode over `hpke-rs` + `hpke-rs-libcrux`.
#[derive(Clone, Copy)]
pub struct HpkeRs {
    kem: KemAlgorithm,
    kdf: KdfAlgorithm,
    aead: AeadAlgorithm,
    dh: &'static dyn Dh,
}

impl fmt::Debug for HpkeRs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HpkeRs")
            .field("kem", &self.kem)
            .field("kdf", &self.kdf)
            .field("aead", &self.aead)
            .finish()
    }
}

fn map_err(e: HpkeError) -> CryptoError {
    match e {
        HpkeError::OpenError => CryptoError::DecryptionFailed,
        HpkeError::InsufficientRandomness => CryptoError::RngFailure,
        HpkeError::InvalidInput | HpkeError::InvalidConfig => CryptoError::InvalidLength,
        _ => CryptoError::InvalidKey,
    }
}

impl HpkeRs {
    /// HPKE with the given hpke-rs identifiers; `dh` is this crate's group
    /// of the same KEM, used for key generation and public-key import.
    pub const fn new(
        kem: KemAlgorithm,
        kdf: KdfAlgorithm,
        aead: AeadAlgorithm,
        dh: &'static dyn Dh,
    ) -> Self {
        Self { kem, kdf, aead, dh }
    }

    fn hpke(&self, rng: Prefilled) -> HpkeRsHpke<Provider> {
        HpkeRsHpke::new_with_rng(Mode::Base, self.kem, self.kdf, self.aead, rng)
    }

    /// The sender's ephemeral randomness (Nsk bytes, drawn once by hpke-rs).
    fn draw(&self, rng: &mut dyn Rng) -> Result<Prefilled, CryptoError> {
        Prefilled::draw(rng, self.dh.secret_len())
    }

    fn check_public(&self, pk: &[u8]) -> Result<hpke_rs::HpkePublicKey, CryptoError> {
        if pk.len() != self.dh.public_len() {
            return Err(CryptoError::InvalidKey);
        }
        Ok(hpke_rs::HpkePublicKey::new(pk.to_vec()))
    }

    fn check_private(&self, sk: &HpkePrivateKey) -> Result<hpke_rs::HpkePrivateKey, CryptoError> {
        if !self.dh.is_valid_secret(sk.as_bytes()) {
            return Err(CryptoError::InvalidKey);
        }
        Ok(hpke_rs::HpkePrivateKey::new(sk.as_bytes().to_vec()))
    }

    fn check_enc(&self, enc: &[u8]) -> Result<(), CryptoError> {
        if enc.len() == self.dh.public_len() {
            Ok(())
        } else {
            Err(CryptoError::InvalidKey)
        }
    }
}

impl Hpke for HpkeRs {
    fn seal(
        &self,
        public_key: &[u8],
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<HpkeCiphertext, CryptoError> {
        let pk = self.check_public(public_key)?;
        let mut hpke = self.hpke(self.draw(rng)?);
        let (enc, ct) = hpke
            .seal(&pk, info, aad, plaintext, None, None, None)
            .map_err(map_err)?;
        Ok(HpkeCiphertext {
            kem_output: enc,
            ciphertext: ct,
        })
    }

    fn open(
        &self,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let sk = self.check_private(private_key)?;
        self.check_enc(kem_output)?;
        self.hpke(Prefilled::empty())
            .open(kem_output, &sk, info, aad, ciphertext, None, None, None)
            .map_err(map_err)
    }

    fn setup_sender_and_export(
        &self,
        public_key: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
        rng: &mut dyn Rng,
    ) -> Result<(Vec<u8>, SecretVec), CryptoError> {
        let pk = self.check_public(public_key)?;
        let mut hpke = self.hpke(self.draw(rng)?);
        let (enc, exported) = hpke
            .send_export(&pk, info, None, None, None, exporter_context, len)
            .map_err(map_err)?;
        Ok((enc, SecretVec::new(exported)))
    }

    fn setup_receiver_and_export(
        &self,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
    ) -> Result<SecretVec, CryptoError> {
        let sk = self.check_private(private_key)?;
        self.check_enc(kem_output)?;
        self.hpke(Prefilled::empty())
            .receiver_export(
                kem_output,
                &sk,
                info,
                None,
                None,
                None,
                exporter_context,
                len,
            )
            .map(SecretVec::new)
            .map_err(map_err)
    }

    fn derive_key_pair(&self, ikm: &[u8]) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError> {
        let kp = self
            .hpke(Prefilled::empty())
            .derive_key_pair(ikm)
            .map_err(|_| CryptoError::DeriveKeyPairError)?;
        let (sk, pk) = kp.into_keys();
        // `as_slice` on hpke-rs's private key needs its `hazmat` feature.
        Ok((
            HpkePrivateKey::from_slice(sk.as_slice()),
            pk.as_slice().to_vec(),
        ))
    }

    fn generate_key_pair(
        &self,
        rng: &mut dyn Rng,
    ) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError> {
        let sk = self.dh.generate_secret(rng)?;
        let pk = self.dh.public_key(sk.as_bytes())?;
        Ok((HpkePrivateKey::from_slice(sk.as_bytes()), pk))
    }

    fn public_key(&self, private_key: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError> {
        self.dh.public_key(private_key.as_bytes())
    }
    fn validate_public_key(&self, public_key: &[u8]) -> Result<(), CryptoError> {
        self.dh.validate_public(public_key)
    }
}

/// Bytes drawn beforehand from the core's generator, served once.
pub struct Prefilled {
    buf: Zeroizing<Vec<u8>>,
    pos: usize,
}

impl fmt::Debug for Prefilled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prefilled")
            .field("remaining", &(self.buf.len() - self.pos))
            .finish()
    }
}

impl Prefilled {
    /// `len` bytes from `rng`.
    pub fn draw(rng: &mut dyn Rng, len: usize) -> Result<Self, CryptoError> {
        let mut buf = Zeroizing::new(vec![0u8; len]);
        rng.fill(&mut buf)?;
        Ok(Self { buf, pos: 0 })
    }

    /// No bytes at all (for operations that draw none).
    pub fn empty() -> Self {
        Self {
            buf: Zeroizing::new(Vec::new()),
            pos: 0,
        }
    }
}

impl rand_core::TryRng for Prefilled {
    type Error = Exhausted;

    fn try_next_u32(&mut self) -> Result<u32, Exhausted> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Exhausted> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Exhausted> {
        let end = self.pos.checked_add(dst.len()).ok_or(Exhausted)?;
        let src = self.buf.get(self.pos..end).ok_or(Exhausted)?;
        dst.copy_from_slice(src);
        self.pos = end;
        Ok(())
    }
}

impl rand_core::TryCryptoRng for Prefilled {}
