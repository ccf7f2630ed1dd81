//! A generic RFC 9180 HPKE (base mode, single shot, with export) built only
//! on the core's primitive traits: [`Dh`], [`Kdf`] and [`Aead`].
//!
//! Backends whose library has no HPKE of its own (aws-lc-rs, ring) or no
//! HPKE for a given KEM (no crate offers DHKEM(X448)) assemble one here.
//! [`KemHpke`] runs the same key schedule over any [`Kem`] (the
//! post-quantum and hybrid KEMs of draft-ietf-hpke-pq).

use alloc::vec::Vec;
use core::fmt;

use super::kem::Kem;
use super::{
    Aead, CryptoError, DeriveKind, Dh, Hpke, HpkeCiphertext, HpkePrivateKey, Kdf, KemId, Rng,
    Secret, SecretVec,
};

const VERSION_LABEL: &[u8] = b"HPKE-v1";
const MODE_BASE: u8 = 0x00;

/// RFC 9180 §4: LabeledExtract(salt, label, ikm).
fn labeled_extract(
    kdf: &dyn Kdf,
    suite_id: &[u8],
    salt: &[u8],
    label: &[u8],
    ikm: &[u8],
) -> Result<Secret, CryptoError> {
    // The IKM may be secret (a DH output): keep the labeled copy zeroizing.
    let mut labeled_ikm = SecretVec::new(Vec::with_capacity(
        VERSION_LABEL.len() + suite_id.len() + label.len() + ikm.len(),
    ));
    labeled_ikm.extend_parts(&[VERSION_LABEL, suite_id, label, ikm]);
    kdf.extract(salt, labeled_ikm.as_bytes())
}

/// LabeledExtract over public input (`info`): no zeroizing copy needed.
fn labeled_extract_public(
    kdf: &dyn Kdf,
    suite_id: &[u8],
    salt: &[u8],
    label: &[u8],
    ikm: &[u8],
) -> Result<Secret, CryptoError> {
    let mut labeled_ikm =
        Vec::with_capacity(VERSION_LABEL.len() + suite_id.len() + label.len() + ikm.len());
    for part in [VERSION_LABEL, suite_id, label, ikm] {
        labeled_ikm.extend_from_slice(part);
    }
    kdf.extract(salt, &labeled_ikm)
}

/// RFC 9180 §4: LabeledExpand(prk, label, info, L) into `out` (L = out.len()).
fn labeled_expand(
    kdf: &dyn Kdf,
    suite_id: &[u8],
    prk: &[u8],
    label: &[u8],
    info: &[u8],
    out: &mut [u8],
) -> Result<(), CryptoError> {
    let len = u16::try_from(out.len()).map_err(|_| CryptoError::InvalidLength)?;
    let mut labeled_info =
        Vec::with_capacity(2 + VERSION_LABEL.len() + suite_id.len() + label.len() + info.len());
    labeled_info.extend_from_slice(&len.to_be_bytes());
    labeled_info.extend_from_slice(VERSION_LABEL);
    labeled_info.extend_from_slice(suite_id);
    labeled_info.extend_from_slice(label);
    labeled_info.extend_from_slice(info);
    kdf.expand(prk, &labeled_info, out)
}

/// DHKEM(Group, KDF) of RFC 9180 §4.1 over a [`Dh`] group.
#[derive(Clone, Copy)]
pub struct DhKem {
    dh: &'static dyn Dh,
    kdf: &'static dyn Kdf,
}

impl fmt::Debug for DhKem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DhKem")
            .field("kem", &self.dh.kem_id())
            .finish()
    }
}

impl DhKem {
    /// A DHKEM over `dh`, with `kdf` the KEM's KDF (RFC 9180 §7.1).
    pub const fn new(dh: &'static dyn Dh, kdf: &'static dyn Kdf) -> Self {
        Self { dh, kdf }
    }

    /// Checks a received public key (RFC 9180 §7.1.1, §7.1.4).
    pub fn validate_public(&self, public: &[u8]) -> Result<(), CryptoError> {
        self.dh.validate_public(public)
    }

    fn suite_id(&self) -> [u8; 5] {
        let id = (self.dh.kem_id() as u16).to_be_bytes();
        [b'K', b'E', b'M', id[0], id[1]]
    }

    /// DeriveKeyPair(ikm), RFC 9180 §7.1.3.
    pub fn derive_key_pair(&self, ikm: &[u8]) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError> {
        let sid = self.suite_id();
        let dkp_prk = labeled_extract(self.kdf, &sid, b"", b"dkp_prk", ikm)?;
        let mut sk = SecretVec::zero(self.dh.secret_len());
        match self.dh.derive_kind() {
            DeriveKind::Montgomery => {
                labeled_expand(
                    self.kdf,
                    &sid,
                    dkp_prk.as_bytes(),
                    b"sk",
                    b"",
                    sk.as_mut_bytes(),
                )?;
            }
            DeriveKind::Prime { bitmask } => {
                let mut found = false;
                for counter in 0u8..=255 {
                    labeled_expand(
                        self.kdf,
                        &sid,
                        dkp_prk.as_bytes(),
                        b"candidate",
                        &[counter],
                        sk.as_mut_bytes(),
                    )?;
                    if let Some(b) = sk.as_mut_bytes().first_mut() {
                        *b &= bitmask;
                    }
                    if self.dh.is_valid_secret(sk.as_bytes()) {
                        found = true;
                        break;
                    }
                }
                if !found {
                    return Err(CryptoError::DeriveKeyPairError);
                }
            }
        }
        let pk = self.dh.public_key(sk.as_bytes())?;
        Ok((HpkePrivateKey::from_slice(sk.as_bytes()), pk))
    }

    fn extract_and_expand(&self, dh: &[u8], kem_context: &[u8]) -> Result<Secret, CryptoError> {
        let sid = self.suite_id();
        let eae_prk = labeled_extract(self.kdf, &sid, b"", b"eae_prk", dh)?;
        let mut shared = Secret::zero(self.kdf.nh())?;
        labeled_expand(
            self.kdf,
            &sid,
            eae_prk.as_bytes(),
            b"shared_secret",
            kem_context,
            shared.as_mut_bytes(),
        )?;
        Ok(shared)
    }

    /// Encap(pkR) with a given ephemeral private key (deterministic; for tests
    /// and known-answer checks).
    pub fn encap_with_ephemeral(
        &self,
        public_key: &[u8],
        ephemeral_secret: &[u8],
    ) -> Result<(Secret, Vec<u8>), CryptoError> {
        let (dh, enc) = self.dh.dh_and_public_key(ephemeral_secret, public_key)?;
        let mut kem_context = Vec::with_capacity(enc.len() + public_key.len());
        kem_context.extend_from_slice(&enc);
        kem_context.extend_from_slice(public_key);
        let shared = self.extract_and_expand(dh.as_bytes(), &kem_context)?;
        Ok((shared, enc))
    }

    /// Encap(pkR).
    pub fn encap(
        &self,
        public_key: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<(Secret, Vec<u8>), CryptoError> {
        let eph = self.dh.generate_secret(rng)?;
        self.encap_with_ephemeral(public_key, eph.as_bytes())
    }

    /// Decap(enc, skR).
    pub fn decap(&self, enc: &[u8], private_key: &[u8]) -> Result<Secret, CryptoError> {
        if enc.len() != self.dh.public_len() {
            return Err(CryptoError::InvalidKey);
        }
        let (dh, pk_r) = self.dh.dh_and_public_key(private_key, enc)?;
        let mut kem_context = Vec::with_capacity(enc.len() + pk_r.len());
        kem_context.extend_from_slice(enc);
        kem_context.extend_from_slice(&pk_r);
        self.extract_and_expand(dh.as_bytes(), &kem_context)
    }
}

/// HPKE base mode over a [`DhKem`], a [`Kdf`] and an [`Aead`] (RFC 9180 §5).
#[derive(Clone, Copy)]
pub struct GenericHpke {
    kem: DhKem,
    kdf: &'static dyn Kdf,
    aead: &'static dyn Aead,
}

impl fmt::Debug for GenericHpke {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenericHpke")
            .field("kem", &self.kem)
            .field("kdf", &self.kdf.id())
            .field("aead", &self.aead.id())
            .finish()
    }
}

/// The secrets of an HPKE context that single-shot use needs.
struct Context {
    key: SecretVec,
    base_nonce: Vec<u8>,
    exporter_secret: Secret,
}

impl GenericHpke {
    /// HPKE with `kem`, `kdf` and `aead`.
    pub const fn new(kem: DhKem, kdf: &'static dyn Kdf, aead: &'static dyn Aead) -> Self {
        Self { kem, kdf, aead }
    }

    fn schedule(&self) -> Schedule<'static> {
        Schedule::new(self.kem.dh.kem_id(), self.kdf, self.aead)
    }

    fn key_schedule(&self, shared_secret: &Secret, info: &[u8]) -> Result<Context, CryptoError> {
        self.schedule().key_schedule(shared_secret, info)
    }

    fn export(
        &self,
        ctx: &Context,
        exporter_context: &[u8],
        len: usize,
    ) -> Result<SecretVec, CryptoError> {
        self.schedule().export(ctx, exporter_context, len)
    }

    /// SealBase with a given ephemeral key (deterministic; for tests).
    pub fn seal_with_ephemeral(
        &self,
        public_key: &[u8],
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        ephemeral_secret: &[u8],
    ) -> Result<HpkeCiphertext, CryptoError> {
        let (shared, enc) = self
            .kem
            .encap_with_ephemeral(public_key, ephemeral_secret)?;
        let ctx = self.key_schedule(&shared, info)?;
        let ciphertext = self
            .aead
            .seal(ctx.key.as_bytes(), &ctx.base_nonce, aad, plaintext)?;
        Ok(HpkeCiphertext {
            kem_output: enc,
            ciphertext,
        })
    }
}

impl Hpke for GenericHpke {
    fn seal_many(
        &self,
        recipients: &[(&[u8], &[u8])],
        info: &[u8],
        aad: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<Vec<HpkeCiphertext>, CryptoError> {
        // info_hash once for all recipients (RFC 9180 §5.1).
        let sched = self.schedule();
        let ks_context = sched.key_schedule_context(info)?;
        // The ephemeral keys are drawn first, in recipient order, exactly
        // as one `encap` after another would draw them; the curve work and
        // the AEAD then run per recipient, in parallel with `parallel`.
        let work = recipients
            .iter()
            .map(|&(pk, pt)| Ok((pk, pt, self.kem.dh.generate_secret(rng)?)))
            .collect::<Result<Vec<_>, CryptoError>>()?;
        crate::par::try_map(&work, 2, |(pk, pt, eph)| {
            let (shared, enc) = self.kem.encap_with_ephemeral(pk, eph.as_bytes())?;
            let ctx = sched.key_schedule_with(&shared, &ks_context)?;
            let ciphertext = self
                .aead
                .seal(ctx.key.as_bytes(), &ctx.base_nonce, aad, pt)?;
            Ok(HpkeCiphertext {
                kem_output: enc,
                ciphertext,
            })
        })
    }

    fn seal(
        &self,
        public_key: &[u8],
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<HpkeCiphertext, CryptoError> {
        let (shared, enc) = self.kem.encap(public_key, rng)?;
        let ctx = self.key_schedule(&shared, info)?;
        let ciphertext = self
            .aead
            .seal(ctx.key.as_bytes(), &ctx.base_nonce, aad, plaintext)?;
        Ok(HpkeCiphertext {
            kem_output: enc,
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
        let shared = self.kem.decap(kem_output, private_key.as_bytes())?;
        let ctx = self.key_schedule(&shared, info)?;
        self.aead
            .open(ctx.key.as_bytes(), &ctx.base_nonce, aad, ciphertext)
    }

    fn setup_sender_and_export(
        &self,
        public_key: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
        rng: &mut dyn Rng,
    ) -> Result<(Vec<u8>, SecretVec), CryptoError> {
        let (shared, enc) = self.kem.encap(public_key, rng)?;
        let ctx = self.key_schedule(&shared, info)?;
        Ok((enc, self.export(&ctx, exporter_context, len)?))
    }

    fn setup_receiver_and_export(
        &self,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
    ) -> Result<SecretVec, CryptoError> {
        let shared = self.kem.decap(kem_output, private_key.as_bytes())?;
        let ctx = self.key_schedule(&shared, info)?;
        self.export(&ctx, exporter_context, len)
    }

    fn derive_key_pair(&self, ikm: &[u8]) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError> {
        self.kem.derive_key_pair(ikm)
    }

    fn generate_key_pair(
        &self,
        rng: &mut dyn Rng,
    ) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError> {
        let sk = self.kem.dh.generate_secret(rng)?;
        let pk = self.kem.dh.public_key(sk.as_bytes())?;
        Ok((HpkePrivateKey::from_slice(sk.as_bytes()), pk))
    }

    fn public_key(&self, private_key: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError> {
        self.kem.dh.public_key(private_key.as_bytes())
    }
    fn validate_public_key(&self, public_key: &[u8]) -> Result<(), CryptoError> {
        self.kem.dh.validate_public(public_key)
    }
}

/// The RFC 9180 §5.1 key schedule (base mode) and exporter of one HPKE
/// suite (KEM id, KDF, AEAD), shared by [`GenericHpke`] and [`KemHpke`].
struct Schedule<'a> {
    kdf: &'a dyn Kdf,
    aead: &'a dyn Aead,
    sid: [u8; 10],
}

/// Export(exporter_context, L) (RFC 9180 §5.3) of the base-mode context
/// that a KEM shared secret gives under `info`: what
/// [`Hpke::setup_receiver_and_export`] must return when the KEM's Decap
/// yields `shared_secret`. For known-answer tests of a KEM's Decap (whose
/// shared secret the [`Hpke`] trait does not expose).
pub fn export_from_shared_secret(
    kem: KemId,
    kdf: &dyn Kdf,
    aead: &dyn Aead,
    shared_secret: &[u8],
    info: &[u8],
    exporter_context: &[u8],
    len: usize,
) -> Result<SecretVec, CryptoError> {
    let sched = Schedule::new(kem, kdf, aead);
    let ctx = sched.key_schedule(&Secret::from_slice(shared_secret)?, info)?;
    sched.export(&ctx, exporter_context, len)
}

impl<'a> Schedule<'a> {
    fn new(kem: KemId, kdf: &'a dyn Kdf, aead: &'a dyn Aead) -> Self {
        let k = (kem as u16).to_be_bytes();
        let f = (kdf.id() as u16).to_be_bytes();
        let a = (aead.id() as u16).to_be_bytes();
        Self {
            kdf,
            aead,
            sid: [b'H', b'P', b'K', b'E', k[0], k[1], f[0], f[1], a[0], a[1]],
        }
    }

    /// key_schedule_context of RFC 9180 §5.1 (base mode): what depends on
    /// `info` only, computed once per `info`.
    fn key_schedule_context(&self, info: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let sid = &self.sid;
        let psk_id_hash = labeled_extract_public(self.kdf, sid, b"", b"psk_id_hash", b"")?;
        let info_hash = labeled_extract_public(self.kdf, sid, b"", b"info_hash", info)?;
        let mut ks_context = Vec::with_capacity(1 + psk_id_hash.len() + info_hash.len());
        ks_context.push(MODE_BASE);
        ks_context.extend_from_slice(psk_id_hash.as_bytes());
        ks_context.extend_from_slice(info_hash.as_bytes());
        Ok(ks_context)
    }

    /// KeySchedule(mode_base, shared_secret, info, "", "") of RFC 9180 §5.1.
    fn key_schedule(&self, shared_secret: &Secret, info: &[u8]) -> Result<Context, CryptoError> {
        let ks_context = self.key_schedule_context(info)?;
        self.key_schedule_with(shared_secret, &ks_context)
    }

    /// The rest of KeySchedule, from a `key_schedule_context`.
    fn key_schedule_with(
        &self,
        shared_secret: &Secret,
        ks_context: &[u8],
    ) -> Result<Context, CryptoError> {
        let sid = &self.sid;
        let secret = labeled_extract(self.kdf, sid, shared_secret.as_bytes(), b"secret", b"")?;
        let mut key = SecretVec::zero(self.aead.key_len());
        labeled_expand(
            self.kdf,
            sid,
            secret.as_bytes(),
            b"key",
            ks_context,
            key.as_mut_bytes(),
        )?;
        let mut base_nonce = alloc::vec![0u8; self.aead.nonce_len()];
        labeled_expand(
            self.kdf,
            sid,
            secret.as_bytes(),
            b"base_nonce",
            ks_context,
            &mut base_nonce,
        )?;
        let mut exporter_secret = Secret::zero(self.kdf.nh())?;
        labeled_expand(
            self.kdf,
            sid,
            secret.as_bytes(),
            b"exp",
            ks_context,
            exporter_secret.as_mut_bytes(),
        )?;
        Ok(Context {
            key,
            base_nonce,
            exporter_secret,
        })
    }

    /// Export(exporter_context, L) (RFC 9180 §5.3).
    fn export(
        &self,
        ctx: &Context,
        exporter_context: &[u8],
        len: usize,
    ) -> Result<SecretVec, CryptoError> {
        let mut out = SecretVec::zero(len);
        labeled_expand(
            self.kdf,
            &self.sid,
            ctx.exporter_secret.as_bytes(),
            b"sec",
            exporter_context,
            out.as_mut_bytes(),
        )?;
        Ok(out)
    }

    fn seal(&self, ctx: &Context, aad: &[u8], pt: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.aead.seal(ctx.key.as_bytes(), &ctx.base_nonce, aad, pt)
    }

    fn open(&self, ctx: &Context, aad: &[u8], ct: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.aead.open(ctx.key.as_bytes(), &ctx.base_nonce, aad, ct)
    }
}

/// HPKE base mode (RFC 9180 §5, §6.1) over any [`Kem`]: the PQ and hybrid
/// KEMs of draft-ietf-hpke-pq, whether a backend's library serves the KEM
/// whole or the core composes it ([`super::kem`]). The key schedule is the
/// same RFC 9180 one as [`GenericHpke`]'s, with the KEM's identifier in
/// `suite_id`.
#[derive(Clone, Copy)]
pub struct KemHpke {
    kem: &'static dyn Kem,
    kdf: &'static dyn Kdf,
    aead: &'static dyn Aead,
}

impl fmt::Debug for KemHpke {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KemHpke")
            .field("kem", &self.kem.kem_id())
            .field("kdf", &self.kdf.id())
            .field("aead", &self.aead.id())
            .finish()
    }
}

impl KemHpke {
    /// HPKE with `kem`, `kdf` and `aead`.
    pub const fn new(
        kem: &'static dyn Kem,
        kdf: &'static dyn Kdf,
        aead: &'static dyn Aead,
    ) -> Self {
        Self { kem, kdf, aead }
    }

    /// The KEM.
    pub fn kem(&self) -> &'static dyn Kem {
        self.kem
    }

    fn schedule(&self) -> Schedule<'static> {
        Schedule::new(self.kem.kem_id(), self.kdf, self.aead)
    }
}

impl Hpke for KemHpke {
    fn seal_many(
        &self,
        recipients: &[(&[u8], &[u8])],
        info: &[u8],
        aad: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<Vec<HpkeCiphertext>, CryptoError> {
        // info_hash once for all recipients (RFC 9180 §5.1).
        let sched = self.schedule();
        let ks_context = sched.key_schedule_context(info)?;
        recipients
            .iter()
            .map(|(pk, pt)| {
                let (shared, enc) = self.kem.encap(pk, rng)?;
                let ctx = sched.key_schedule_with(&shared, &ks_context)?;
                Ok(HpkeCiphertext {
                    kem_output: enc,
                    ciphertext: sched.seal(&ctx, aad, pt)?,
                })
            })
            .collect()
    }

    fn seal(
        &self,
        public_key: &[u8],
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<HpkeCiphertext, CryptoError> {
        let sched = self.schedule();
        let (shared, enc) = self.kem.encap(public_key, rng)?;
        let ctx = sched.key_schedule(&shared, info)?;
        Ok(HpkeCiphertext {
            kem_output: enc,
            ciphertext: sched.seal(&ctx, aad, plaintext)?,
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
        let sched = self.schedule();
        let shared = self.kem.decap(kem_output, private_key)?;
        let ctx = sched.key_schedule(&shared, info)?;
        sched.open(&ctx, aad, ciphertext)
    }

    fn setup_sender_and_export(
        &self,
        public_key: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
        rng: &mut dyn Rng,
    ) -> Result<(Vec<u8>, SecretVec), CryptoError> {
        let sched = self.schedule();
        let (shared, enc) = self.kem.encap(public_key, rng)?;
        let ctx = sched.key_schedule(&shared, info)?;
        Ok((enc, sched.export(&ctx, exporter_context, len)?))
    }

    fn setup_receiver_and_export(
        &self,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
    ) -> Result<SecretVec, CryptoError> {
        let sched = self.schedule();
        let shared = self.kem.decap(kem_output, private_key)?;
        let ctx = sched.key_schedule(&shared, info)?;
        sched.export(&ctx, exporter_context, len)
    }

    fn derive_key_pair(&self, ikm: &[u8]) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError> {
        self.kem.derive_key_pair(ikm)
    }

    fn generate_key_pair(
        &self,
        rng: &mut dyn Rng,
    ) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError> {
        self.kem.generate_key_pair(rng)
    }

    fn public_key(&self, private_key: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError> {
        self.kem.public_key(private_key)
    }

    fn validate_public_key(&self, public_key: &[u8]) -> Result<(), CryptoError> {
        self.kem.validate_public_key(public_key)
    }
}
