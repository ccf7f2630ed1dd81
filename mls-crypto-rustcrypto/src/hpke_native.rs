//! HPKE through the `hpke` crate (rust-hpke) for the KEMs it serves:
//! DHKEM(X25519), DHKEM(P-256), DHKEM(P-384), DHKEM(P-521).
//!
//! Encapsulation, decapsulation, the key schedule, the AEAD and the
//! exporter are the `hpke` crate's. DeriveKeyPair, key generation and
//! `public_key` go through the core's [`DhKem`] over this crate's [`Dh`]
//! groups: the `hpke` crate clamps X25519 private keys when serializing
//! them, while RFC 9180's test vectors (and the RFC 9420 ones) carry the
//! unclamped `LabeledExpand` output. Both are the same key; the core's
//! derivation keeps the bytes identical to the vectors.

use core::fmt;
use core::marker::PhantomData;

use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
use mls_core::crypto::hpke::DhKem;
use mls_core::crypto::{
    CryptoError, Dh, Hpke, HpkeCiphertext, HpkePrivateKey, Kdf, Rng, SecretVec,
};

use crate::rng::RandCoreRng;

/// Carries the `hpke` crate's type parameters (Send + Sync whatever they are).
type Types<A, K, M> = fn() -> (A, K, M);

/// HPKE base mode with KEM `M`, KDF `K` and AEAD `A` of the `hpke` crate.
pub struct NativeHpke<A, K, M> {
    dh: &'static dyn Dh,
    kem: DhKem,
    kdf: &'static dyn Kdf,
    /// The core's HPKE over this crate's parts of the same suite, for
    /// sealing to many recipients under one `info` (the `hpke` crate hashes
    /// `info` again for each).
    batch: &'static dyn Hpke,
    _types: PhantomData<Types<A, K, M>>,
}

impl<A, K, M> fmt::Debug for NativeHpke<A, K, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NativeHpke")
            .field("kem", &self.dh.kem_id())
            .field("kdf", &self.kdf.id())
            .finish_non_exhaustive()
    }
}

impl<A, K, M> NativeHpke<A, K, M> {
    /// `dh` and `kdf` must be this crate's parts matching `M` (they serve
    /// DeriveKeyPair and key generation); `batch` the core's HPKE over this
    /// crate's parts of the same suite, which seals to many recipients
    /// ([`Hpke::seal_many`]) hashing their shared `info` once (a Welcome's
    /// whole encrypted GroupInfo), where the `hpke` crate would hash it once
    /// per member.
    pub const fn new(dh: &'static dyn Dh, kdf: &'static dyn Kdf, batch: &'static dyn Hpke) -> Self {
        Self {
            dh,
            kem: DhKem::new(dh, kdf),
            kdf,
            batch,
            _types: PhantomData,
        }
    }
}

fn map_err(e: hpke::HpkeError) -> CryptoError {
    match e {
        hpke::HpkeError::OpenError => CryptoError::DecryptionFailed,
        hpke::HpkeError::EncapError
        | hpke::HpkeError::DecapError
        | hpke::HpkeError::ValidationError => CryptoError::InvalidKey,
        hpke::HpkeError::IncorrectInputLength(..) => CryptoError::InvalidKey,
        hpke::HpkeError::KdfOutputTooLong => CryptoError::InvalidLength,
        hpke::HpkeError::SealError
        | hpke::HpkeError::MessageLimitReached
        | hpke::HpkeError::InvalidPskBundle => CryptoError::Internal,
    }
}

impl<A, K, M> NativeHpke<A, K, M>
where
    A: hpke::aead::Aead,
    K: hpke::kdf::Kdf,
    M: hpke::Kem,
{
    fn private_key(&self, sk: &HpkePrivateKey) -> Result<M::PrivateKey, CryptoError> {
        M::PrivateKey::from_bytes(sk.as_bytes()).map_err(|_| CryptoError::InvalidKey)
    }

    fn check_export_len(&self, len: usize) -> Result<(), CryptoError> {
        if len > 255 * self.kdf.nh() {
            return Err(CryptoError::InvalidLength);
        }
        Ok(())
    }
}

impl<A, K, M> Hpke for NativeHpke<A, K, M>
where
    A: hpke::aead::Aead,
    K: hpke::kdf::Kdf,
    M: hpke::Kem,
{
    fn seal_many(
        &self,
        recipients: &[(&[u8], &[u8])],
        info: &[u8],
        aad: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<Vec<HpkeCiphertext>, CryptoError> {
        self.batch.seal_many(recipients, info, aad, rng)
    }

    fn seal(
        &self,
        public_key: &[u8],
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<HpkeCiphertext, CryptoError> {
        let pk = M::PublicKey::from_bytes(public_key).map_err(|_| CryptoError::InvalidKey)?;
        let mut r = RandCoreRng::new(rng);
        let res = hpke::single_shot_seal_with_rng::<A, K, M>(
            &OpModeS::Base,
            &pk,
            info,
            plaintext,
            aad,
            &mut r,
        );
        r.finish()?;
        let (enc, ciphertext) = res.map_err(map_err)?;
        Ok(HpkeCiphertext {
            kem_output: enc.to_bytes().to_vec(),
            ciphertext,
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
        let sk = self.private_key(private_key)?;
        let enc = M::EncappedKey::from_bytes(kem_output).map_err(|_| CryptoError::InvalidKey)?;
        hpke::single_shot_open::<A, K, M>(&OpModeR::Base, &sk, &enc, info, ciphertext, aad)
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
        self.check_export_len(len)?;
        let pk = M::PublicKey::from_bytes(public_key).map_err(|_| CryptoError::InvalidKey)?;
        let mut r = RandCoreRng::new(rng);
        let res = hpke::setup_sender_with_rng::<A, K, M>(&OpModeS::Base, &pk, info, &mut r);
        r.finish()?;
        let (enc, ctx) = res.map_err(map_err)?;
        let mut out = SecretVec::zero(len);
        ctx.export(exporter_context, out.as_mut_bytes())
            .map_err(map_err)?;
        Ok((enc.to_bytes().to_vec(), out))
    }

    fn setup_receiver_and_export(
        &self,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
    ) -> Result<SecretVec, CryptoError> {
        self.check_export_len(len)?;
        let sk = self.private_key(private_key)?;
        let enc = M::EncappedKey::from_bytes(kem_output).map_err(|_| CryptoError::InvalidKey)?;
        let ctx =
            hpke::setup_receiver::<A, K, M>(&OpModeR::Base, &sk, &enc, info).map_err(map_err)?;
        let mut out = SecretVec::zero(len);
        ctx.export(exporter_context, out.as_mut_bytes())
            .map_err(map_err)?;
        Ok(out)
    }

    fn derive_key_pair(&self, ikm: &[u8]) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError> {
        self.kem.derive_key_pair(ikm)
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
