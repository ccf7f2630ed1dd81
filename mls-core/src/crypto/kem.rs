//! KEMs beyond DHKEM: the post-quantum and hybrid KEMs of
//! draft-ietf-hpke-pq, for the suites of draft-ietf-mls-pq-ciphersuites-06.
//!
//! A [`Kem`] is what RFC 9180 §4 calls a KEM: GenerateKeyPair,
//! DeriveKeyPair, Encap, Decap, with serialized keys. [`KemHpke`](super::hpke::KemHpke)
//! (in [`super::hpke`]) runs the RFC 9180 key schedule over any of them,
//! so a backend provides only the KEM.
//!
//! A backend whose library serves a KEM whole (X-Wing in the `x-wing`
//! crate or libcrux) implements [`Kem`] itself. Otherwise the core composes
//! one here from primitives the backend provides:
//!
//! - [`MlKemHpkeKem`]: ML-KEM-768 / ML-KEM-1024 as an HPKE KEM
//!   (draft-ietf-hpke-pq §3), over a backend's [`MlKem`] and [`Keccak`];
//! - [`HybridKem`]: MLKEM768-X25519 (X-Wing), MLKEM768-P256 and
//!   MLKEM1024-P384 (draft-ietf-hpke-pq; the QSF combiner of
//!   draft-irtf-cfrg-hybrid-kems with the parameters of
//!   draft-irtf-cfrg-concrete-hybrid-kems), over a backend's [`MlKem`],
//!   [`Dh`] group and [`Keccak`].
//!
//! Private keys are seeds, as the drafts define them: the 64-byte d || z of
//! FIPS 203 for ML-KEM, 32 bytes for the hybrids. Received public keys and
//! ciphertexts are checked (FIPS 203 §7.2 and §7.3 input checks, the
//! traditional part as for DHKEM) and rejected with a [`CryptoError`], never
//! a panic.

use alloc::vec::Vec;
use core::fmt;

use super::{CryptoError, DeriveKind, Dh, HpkePrivateKey, KemId, Rng, Secret, SecretVec};

/// A KEM with serialized keys (RFC 9180 §4), as [`KemHpke`](super::hpke::KemHpke) uses it.
pub trait Kem: Send + Sync {
    /// The HPKE KEM identifier (enters the HPKE `suite_id`, RFC 9180 §5.1).
    fn kem_id(&self) -> KemId;
    /// Nsk: private key length.
    fn nsk(&self) -> usize;
    /// Npk: public key length.
    fn npk(&self) -> usize;
    /// Nenc: encapsulated key length.
    fn nenc(&self) -> usize;
    /// DeriveKeyPair(ikm): private key and serialized public key.
    fn derive_key_pair(&self, ikm: &[u8]) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError>;
    /// GenerateKeyPair().
    fn generate_key_pair(
        &self,
        rng: &mut dyn Rng,
    ) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError>;
    /// The serialized public key of `private_key`.
    fn public_key(&self, private_key: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError>;
    /// Encap(pkR): the shared secret and enc. Rejects an invalid `public_key`
    /// with [`CryptoError::InvalidKey`].
    fn encap(&self, public_key: &[u8], rng: &mut dyn Rng)
    -> Result<(Secret, Vec<u8>), CryptoError>;
    /// Decap(enc, skR). Rejects an `enc` of the wrong length or an invalid
    /// traditional part with [`CryptoError::InvalidKey`].
    fn decap(&self, enc: &[u8], private_key: &HpkePrivateKey) -> Result<Secret, CryptoError>;
    /// Checks a received public key (for ML-KEM the encapsulation key check
    /// of FIPS 203 §7.2; for the hybrids both parts). Errors with
    /// [`CryptoError::InvalidKey`].
    fn validate_public_key(&self, public_key: &[u8]) -> Result<(), CryptoError>;
}

/// The two ML-KEM parameter sets MLS uses (FIPS 203 §8, Table 2 and 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MlKemParams {
    /// ML-KEM-768 (k = 3).
    MlKem768,
    /// ML-KEM-1024 (k = 4).
    MlKem1024,
}

impl MlKemParams {
    /// k.
    pub const fn k(self) -> usize {
        match self {
            Self::MlKem768 => 3,
            Self::MlKem1024 => 4,
        }
    }
    /// Encapsulation key length: 384·k + 32 (FIPS 203 Table 3).
    pub const fn ek_len(self) -> usize {
        384 * self.k() + 32
    }
    /// Ciphertext length: 32·(du·k + dv) (FIPS 203 Table 3).
    pub const fn ct_len(self) -> usize {
        match self {
            Self::MlKem768 => 1088,
            Self::MlKem1024 => 1568,
        }
    }
}

/// The encapsulation key check of FIPS 203 §7.2 ("input checking"): the
/// length is 384·k + 32 (type check) and every 12-bit coefficient of the
/// encoded vector t̂ is below q = 3329, i.e. ByteEncode12(ByteDecode12(ek))
/// = ek (modulus check). Public data: not constant time.
pub fn mlkem_check_encapsulation_key(params: MlKemParams, ek: &[u8]) -> Result<(), CryptoError> {
    if ek.len() != params.ek_len() {
        return Err(CryptoError::InvalidKey);
    }
    let t_hat = &ek[..384 * params.k()];
    for c in t_hat.chunks_exact(3) {
        let a = u16::from(c[0]) | (u16::from(c[1] & 0x0F) << 8);
        let b = u16::from(c[1] >> 4) | (u16::from(c[2]) << 4);
        if a >= 3329 || b >= 3329 {
            return Err(CryptoError::InvalidKey);
        }
    }
    Ok(())
}

/// ML-KEM (FIPS 203) as a backend's library provides it. Keys are handled
/// by seed: the library expands the 64-byte d || z itself.
pub trait MlKem: Send + Sync {
    /// The parameter set.
    fn params(&self) -> MlKemParams;
    /// ML-KEM.KeyGen_internal(d, z) (FIPS 203 Algorithm 16) with
    /// `seed` = d || z: the encapsulation key.
    fn encapsulation_key(&self, seed: &[u8; 64]) -> Result<Vec<u8>, CryptoError>;
    /// ML-KEM.Encaps_internal(ek, m) (FIPS 203 Algorithm 17) after the
    /// input check of §7.2: (K, c). Deterministic: for known-answer tests
    /// and for [`MlKem::encaps`]'s default. A library without it returns
    /// [`CryptoError::Unsupported`] and overrides [`MlKem::encaps`].
    fn encaps_derand(&self, ek: &[u8], m: &[u8; 32]) -> Result<(Secret, Vec<u8>), CryptoError>;
    /// ML-KEM.Encaps(ek) (FIPS 203 Algorithm 20): (K, c).
    fn encaps(&self, ek: &[u8], rng: &mut dyn Rng) -> Result<(Secret, Vec<u8>), CryptoError> {
        let mut m = zeroize::Zeroizing::new([0u8; 32]);
        rng.fill(m.as_mut())?;
        self.encaps_derand(ek, &m)
    }
    /// ML-KEM.Decaps(dk, c) (FIPS 203 Algorithm 21) with dk expanded from
    /// `seed`; a `ct` of the wrong length is rejected (§7.3 type check)
    /// with [`CryptoError::InvalidKey`].
    fn decaps(&self, seed: &[u8; 64], ct: &[u8]) -> Result<Secret, CryptoError>;
}

/// The SHA-3 functions the KEM constructions need (FIPS 202).
pub trait Keccak: Send + Sync {
    /// SHAKE256 over the concatenation of `parts`, `out.len()` bytes.
    fn shake256(&self, parts: &[&[u8]], out: &mut [u8]);
    /// SHA3-256 over the concatenation of `parts`.
    fn sha3_256(&self, parts: &[&[u8]]) -> [u8; 32];
}

/// SHAKE256.LabeledDerive(ikm, label, context, L) of draft-ietf-hpke-pq
/// (the single-stage KDF of draft-ietf-hpke-hpke §4): SHAKE256(ikm ||
/// "HPKE-v1" || suite_id || I2OSP(len(label), 2) || label || I2OSP(L, 2)
/// || context, L), with suite_id = "KEM" || I2OSP(kem_id, 2).
pub fn shake256_labeled_derive(
    keccak: &dyn Keccak,
    kem_id: KemId,
    ikm: &[u8],
    label: &[u8],
    context: &[u8],
    out: &mut [u8],
) -> Result<(), CryptoError> {
    let l = u16::try_from(out.len()).map_err(|_| CryptoError::InvalidLength)?;
    let ll = u16::try_from(label.len()).map_err(|_| CryptoError::InvalidLength)?;
    let id = (kem_id as u16).to_be_bytes();
    let suite_id = [b'K', b'E', b'M', id[0], id[1]];
    keccak.shake256(
        &[
            ikm,
            b"HPKE-v1",
            &suite_id,
            &ll.to_be_bytes(),
            label,
            &l.to_be_bytes(),
            context,
        ],
        out,
    );
    Ok(())
}

fn seed64(sk: &[u8]) -> Result<zeroize::Zeroizing<[u8; 64]>, CryptoError> {
    let mut s = zeroize::Zeroizing::new([0u8; 64]);
    if sk.len() != 64 {
        return Err(CryptoError::InvalidKey);
    }
    s.copy_from_slice(sk);
    Ok(s)
}

/// ML-KEM-768 / ML-KEM-1024 as HPKE KEMs 0x0041 / 0x0042
/// (draft-ietf-hpke-pq §3): private key = the 64-byte seed d || z,
/// public key = ek, enc = c, shared secret = K.
#[derive(Clone, Copy)]
pub struct MlKemHpkeKem {
    mlkem: &'static dyn MlKem,
    keccak: &'static dyn Keccak,
}

impl fmt::Debug for MlKemHpkeKem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MlKemHpkeKem")
            .field("params", &self.mlkem.params())
            .finish()
    }
}

impl MlKemHpkeKem {
    /// The HPKE KEM over a backend's ML-KEM and SHAKE256.
    pub const fn new(mlkem: &'static dyn MlKem, keccak: &'static dyn Keccak) -> Self {
        Self { mlkem, keccak }
    }
}

impl Kem for MlKemHpkeKem {
    fn kem_id(&self) -> KemId {
        match self.mlkem.params() {
            MlKemParams::MlKem768 => KemId::MlKem768,
            MlKemParams::MlKem1024 => KemId::MlKem1024,
        }
    }
    fn nsk(&self) -> usize {
        64
    }
    fn npk(&self) -> usize {
        self.mlkem.params().ek_len()
    }
    fn nenc(&self) -> usize {
        self.mlkem.params().ct_len()
    }
    fn derive_key_pair(&self, ikm: &[u8]) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError> {
        // draft-ietf-hpke-pq §3: seed = SHAKE256.LabeledDerive(ikm,
        // "DeriveKeyPair", "", 64); (ek, dk) = KeyGen_internal(seed[..32], seed[32..]).
        let mut seed = zeroize::Zeroizing::new([0u8; 64]);
        shake256_labeled_derive(
            self.keccak,
            self.kem_id(),
            ikm,
            b"DeriveKeyPair",
            b"",
            seed.as_mut(),
        )?;
        let pk = self.mlkem.encapsulation_key(&seed)?;
        Ok((HpkePrivateKey::from_slice(seed.as_ref()), pk))
    }
    fn generate_key_pair(
        &self,
        rng: &mut dyn Rng,
    ) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError> {
        let mut seed = zeroize::Zeroizing::new([0u8; 64]);
        rng.fill(seed.as_mut())?;
        let pk = self.mlkem.encapsulation_key(&seed)?;
        Ok((HpkePrivateKey::from_slice(seed.as_ref()), pk))
    }
    fn public_key(&self, private_key: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError> {
        let seed = seed64(private_key.as_bytes())?;
        self.mlkem.encapsulation_key(&seed)
    }
    fn encap(
        &self,
        public_key: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<(Secret, Vec<u8>), CryptoError> {
        // FIPS 203 §7.2: the input check comes before Encaps.
        mlkem_check_encapsulation_key(self.mlkem.params(), public_key)?;
        self.mlkem.encaps(public_key, rng)
    }
    fn decap(&self, enc: &[u8], private_key: &HpkePrivateKey) -> Result<Secret, CryptoError> {
        // FIPS 203 §7.3: ciphertext type check.
        if enc.len() != self.mlkem.params().ct_len() {
            return Err(CryptoError::InvalidKey);
        }
        let seed = seed64(private_key.as_bytes())?;
        self.mlkem.decaps(&seed, enc)
    }
    fn validate_public_key(&self, public_key: &[u8]) -> Result<(), CryptoError> {
        mlkem_check_encapsulation_key(self.mlkem.params(), public_key)
    }
}

/// The PQ/T hybrid KEMs of draft-ietf-hpke-pq: ML-KEM combined with an
/// elliptic-curve group by the QSF combiner of draft-irtf-cfrg-hybrid-kems
/// (ss = SHA3-256(ss_PQ || ss_T || ct_T || ek_T || Label)), keys expanded
/// from a 32-byte seed with SHAKE256. MLKEM768-X25519 is X-Wing
/// (draft-connolly-cfrg-xwing-kem).
#[derive(Clone, Copy)]
pub struct HybridKem {
    id: KemId,
    mlkem: &'static dyn MlKem,
    group: &'static dyn Dh,
    keccak: &'static dyn Keccak,
}

impl fmt::Debug for HybridKem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HybridKem").field("kem", &self.id).finish()
    }
}

/// expandKey's output: the ML-KEM seed d || z, the traditional private
/// scalar dk_T, and the public key ek_PQ || ek_T.
type ExpandedKey = (zeroize::Zeroizing<[u8; 64]>, SecretVec, Vec<u8>);

/// The X-Wing label "\.//^\" (draft-connolly-cfrg-xwing-kem §5.3).
const XWING_LABEL: &[u8] = b"\\.//^\\";

impl HybridKem {
    /// MLKEM768-X25519 (X-Wing, 0x647a) over ML-KEM-768 and X25519.
    pub const fn mlkem768_x25519(
        mlkem768: &'static dyn MlKem,
        x25519: &'static dyn Dh,
        keccak: &'static dyn Keccak,
    ) -> Self {
        Self {
            id: KemId::MlKem768X25519,
            mlkem: mlkem768,
            group: x25519,
            keccak,
        }
    }
    /// MLKEM768-P256 (0x0050) over ML-KEM-768 and P-256.
    pub const fn mlkem768_p256(
        mlkem768: &'static dyn MlKem,
        p256: &'static dyn Dh,
        keccak: &'static dyn Keccak,
    ) -> Self {
        Self {
            id: KemId::MlKem768P256,
            mlkem: mlkem768,
            group: p256,
            keccak,
        }
    }
    /// MLKEM1024-P384 (0x0051) over ML-KEM-1024 and P-384.
    pub const fn mlkem1024_p384(
        mlkem1024: &'static dyn MlKem,
        p384: &'static dyn Dh,
        keccak: &'static dyn Keccak,
    ) -> Self {
        Self {
            id: KemId::MlKem1024P384,
            mlkem: mlkem1024,
            group: p384,
            keccak,
        }
    }

    /// True when the parts match the KEM (parameter set and group).
    pub fn check(&self) -> bool {
        let (p, g) = match self.id {
            KemId::MlKem768X25519 => (MlKemParams::MlKem768, KemId::DhKemX25519),
            KemId::MlKem768P256 => (MlKemParams::MlKem768, KemId::DhKemP256),
            _ => (MlKemParams::MlKem1024, KemId::DhKemP384),
        };
        self.mlkem.params() == p && self.group.kem_id() == g
    }

    /// Label.
    fn label(&self) -> &'static [u8] {
        match self.id {
            KemId::MlKem768X25519 => XWING_LABEL,
            KemId::MlKem768P256 => b"MLKEM768-P256",
            _ => b"MLKEM1024-P384",
        }
    }

    /// Group.Nseed (draft-irtf-cfrg-concrete-hybrid-kems): 32 for X25519,
    /// 128 for P-256, 48 for P-384.
    fn nseed_t(&self) -> usize {
        match self.id {
            KemId::MlKem768X25519 => 32,
            KemId::MlKem768P256 => 128,
            _ => 48,
        }
    }

    /// Group.RandomScalar(seed): the identity for X25519; for the NIST
    /// curves, rejection sampling over consecutive Nscalar-byte chunks until
    /// one is a non-zero scalar below the group order.
    fn random_scalar(&self, seed: &[u8]) -> Result<SecretVec, CryptoError> {
        let n = self.group.secret_len();
        match self.group.derive_kind() {
            DeriveKind::Montgomery => Ok(SecretVec::from_slice(seed)),
            DeriveKind::Prime { .. } => seed
                .chunks_exact(n)
                .find(|c| self.group.is_valid_secret(c))
                .map(SecretVec::from_slice)
                .ok_or(CryptoError::DeriveKeyPairError),
        }
    }

    /// expandKey(seed): (seed_PQ, dk_T, ek_PQ || ek_T).
    fn expand_key(&self, seed: &[u8]) -> Result<ExpandedKey, CryptoError> {
        if seed.len() != 32 {
            return Err(CryptoError::InvalidKey);
        }
        let mut full = SecretVec::zero(64 + self.nseed_t());
        self.keccak.shake256(&[seed], full.as_mut_bytes());
        let seed_pq = seed64(&full.as_bytes()[..64])?;
        let dk_t = self.random_scalar(&full.as_bytes()[64..])?;
        let mut ek = self.mlkem.encapsulation_key(&seed_pq)?;
        ek.extend_from_slice(&self.group.public_key(dk_t.as_bytes())?);
        Ok((seed_pq, dk_t, ek))
    }

    fn combine(
        &self,
        ss_pq: &Secret,
        ss_t: &SecretVec,
        ct_t: &[u8],
        ek_t: &[u8],
    ) -> Result<Secret, CryptoError> {
        let mut ss =
            self.keccak
                .sha3_256(&[ss_pq.as_bytes(), ss_t.as_bytes(), ct_t, ek_t, self.label()]);
        let out = Secret::from_slice(&ss);
        zeroize::Zeroize::zeroize(&mut ss);
        out
    }

    /// EncapsDerand(ek, randomness): deterministic encapsulation with
    /// Nrandom = 32 + Group.Nseed bytes (for known-answer tests).
    pub fn encap_derand(
        &self,
        public_key: &[u8],
        randomness: &[u8],
    ) -> Result<(Secret, Vec<u8>), CryptoError> {
        if randomness.len() != 32 + self.nseed_t() {
            return Err(CryptoError::InvalidLength);
        }
        self.validate_public_key(public_key)?;
        let nek = self.mlkem.params().ek_len();
        let (ek_pq, ek_t) = public_key.split_at(nek);
        let mut m = zeroize::Zeroizing::new([0u8; 32]);
        m.copy_from_slice(&randomness[..32]);
        let (ss_pq, mut ct) = self.mlkem.encaps_derand(ek_pq, &m)?;
        self.finish_encap(ek_t, &randomness[32..], ss_pq, &mut ct)
            .map(|ss| (ss, ct))
    }

    fn finish_encap(
        &self,
        ek_t: &[u8],
        seed_t: &[u8],
        ss_pq: Secret,
        ct: &mut Vec<u8>,
    ) -> Result<Secret, CryptoError> {
        let sk_e = self.random_scalar(seed_t)?;
        let ct_t = self.group.public_key(sk_e.as_bytes())?;
        let ss_t = self.group.dh(sk_e.as_bytes(), ek_t)?;
        let ss = self.combine(&ss_pq, &ss_t, &ct_t, ek_t)?;
        ct.extend_from_slice(&ct_t);
        Ok(ss)
    }
}

impl Kem for HybridKem {
    fn kem_id(&self) -> KemId {
        self.id
    }
    fn nsk(&self) -> usize {
        32
    }
    fn npk(&self) -> usize {
        self.mlkem.params().ek_len() + self.group.public_len()
    }
    fn nenc(&self) -> usize {
        self.mlkem.params().ct_len() + self.group.public_len()
    }
    fn derive_key_pair(&self, ikm: &[u8]) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError> {
        // draft-ietf-hpke-pq: seed = SHAKE256.LabeledDerive(ikm,
        // "DeriveKeyPair", "", Nsk).
        let mut seed = zeroize::Zeroizing::new([0u8; 32]);
        shake256_labeled_derive(
            self.keccak,
            self.id,
            ikm,
            b"DeriveKeyPair",
            b"",
            seed.as_mut(),
        )?;
        let (_, _, ek) = self.expand_key(seed.as_ref())?;
        Ok((HpkePrivateKey::from_slice(seed.as_ref()), ek))
    }
    fn generate_key_pair(
        &self,
        rng: &mut dyn Rng,
    ) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError> {
        let mut seed = zeroize::Zeroizing::new([0u8; 32]);
        rng.fill(seed.as_mut())?;
        let (_, _, ek) = self.expand_key(seed.as_ref())?;
        Ok((HpkePrivateKey::from_slice(seed.as_ref()), ek))
    }
    fn public_key(&self, private_key: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError> {
        Ok(self.expand_key(private_key.as_bytes())?.2)
    }
    fn encap(
        &self,
        public_key: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<(Secret, Vec<u8>), CryptoError> {
        self.validate_public_key(public_key)?;
        let nek = self.mlkem.params().ek_len();
        let (ek_pq, ek_t) = public_key.split_at(nek);
        let (ss_pq, mut ct) = self.mlkem.encaps(ek_pq, rng)?;
        let mut seed_t = SecretVec::zero(self.nseed_t());
        rng.fill(seed_t.as_mut_bytes())?;
        let ss = self.finish_encap(ek_t, seed_t.as_bytes(), ss_pq, &mut ct)?;
        Ok((ss, ct))
    }
    fn decap(&self, enc: &[u8], private_key: &HpkePrivateKey) -> Result<Secret, CryptoError> {
        if enc.len() != self.nenc() {
            return Err(CryptoError::InvalidKey);
        }
        let (ct_pq, ct_t) = enc.split_at(self.mlkem.params().ct_len());
        let (seed_pq, dk_t, ek) = self.expand_key(private_key.as_bytes())?;
        let ek_t = &ek[self.mlkem.params().ek_len()..];
        let ss_pq = self.mlkem.decaps(&seed_pq, ct_pq)?;
        // Group.Exp(ct_T, dk_T): rejects a ct_T that is not a valid point
        // (and for X25519 an all-zero result, RFC 7748 §6.1).
        let ss_t = self.group.dh(dk_t.as_bytes(), ct_t)?;
        self.combine(&ss_pq, &ss_t, ct_t, ek_t)
    }
    fn validate_public_key(&self, public_key: &[u8]) -> Result<(), CryptoError> {
        if public_key.len() != self.npk() {
            return Err(CryptoError::InvalidKey);
        }
        let (ek_pq, ek_t) = public_key.split_at(self.mlkem.params().ek_len());
        mlkem_check_encapsulation_key(self.mlkem.params(), ek_pq)?;
        self.group.validate_public(ek_t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fips203_7_2_modulus_check() {
        let p = MlKemParams::MlKem768;
        let mut ek = alloc::vec![0u8; p.ek_len()];
        assert!(mlkem_check_encapsulation_key(p, &ek).is_ok());
        // q - 1 = 3328 = 0xD00 in the first coefficient: fine.
        ek[0] = 0x00;
        ek[1] = 0x0D;
        assert!(mlkem_check_encapsulation_key(p, &ek).is_ok());
        // 3329 in the second coefficient: rejected.
        ek[1] = 0x1D;
        ek[2] = 0xD0;
        assert_eq!(
            mlkem_check_encapsulation_key(p, &ek),
            Err(CryptoError::InvalidKey)
        );
        // The trailing rho is not checked; wrong lengths are rejected.
        ek[1] = 0;
        ek[2] = 0;
        let n = ek.len();
        ek[n - 1] = 0xFF;
        assert!(mlkem_check_encapsulation_key(p, &ek).is_ok());
        assert!(mlkem_check_encapsulation_key(p, &ek[1..]).is_err());
        assert!(mlkem_check_encapsulation_key(MlKemParams::MlKem1024, &ek).is_err());
    }
}
