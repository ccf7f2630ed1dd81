//! The crypto floor: a `CryptoProvider` wrapper that counts every
//! primitive call (and the bytes it processes), and micro-timings of each
//! primitive on a backend, so that `floor = sum(calls x cost)`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use mls_core::crypto::{
    Aead, AeadId, CipherSuite, CipherSuiteProvider, CryptoError, CryptoProvider, Digest, Hash,
    Hpke, HpkeCiphertext, HpkePrivateKey, Kdf, KdfId, Rng, Secret, SecretVec, Signature,
    SignaturePrivateKey, SignatureScheme, VerifyItem,
};
use mls_peers::OsRng;

/// The counted primitives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prim {
    Sign,
    Verify,
    HpkeSeal,
    HpkeOpen,
    HpkeExportSend,
    HpkeExportRecv,
    HpkeDeriveKeyPair,
    HpkeGenKeyPair,
    HpkePublicKey,
    HpkeValidate,
    SigGenKeyPair,
    SigPublicKey,
    Extract,
    Expand,
    Mac,
    Hash,
    AeadSeal,
    AeadOpen,
}

pub const PRIMS: [Prim; 18] = [
    Prim::Sign,
    Prim::Verify,
    Prim::HpkeSeal,
    Prim::HpkeOpen,
    Prim::HpkeExportSend,
    Prim::HpkeExportRecv,
    Prim::HpkeDeriveKeyPair,
    Prim::HpkeGenKeyPair,
    Prim::HpkePublicKey,
    Prim::HpkeValidate,
    Prim::SigGenKeyPair,
    Prim::SigPublicKey,
    Prim::Extract,
    Prim::Expand,
    Prim::Mac,
    Prim::Hash,
    Prim::AeadSeal,
    Prim::AeadOpen,
];

impl Prim {
    pub fn name(self) -> &'static str {
        match self {
            Prim::Sign => "sign",
            Prim::Verify => "verify",
            Prim::HpkeSeal => "hpke_seal",
            Prim::HpkeOpen => "hpke_open",
            Prim::HpkeExportSend => "hpke_export_send",
            Prim::HpkeExportRecv => "hpke_export_recv",
            Prim::HpkeDeriveKeyPair => "hpke_derive_key_pair",
            Prim::HpkeGenKeyPair => "hpke_gen_key_pair",
            Prim::HpkePublicKey => "hpke_public_key",
            Prim::HpkeValidate => "hpke_validate",
            Prim::SigGenKeyPair => "sig_gen_key_pair",
            Prim::SigPublicKey => "sig_public_key",
            Prim::Extract => "kdf_extract",
            Prim::Expand => "kdf_expand",
            Prim::Mac => "mac",
            Prim::Hash => "hash",
            Prim::AeadSeal => "aead_seal",
            Prim::AeadOpen => "aead_open",
        }
    }
}

static CALLS: [AtomicU64; 18] = [const { AtomicU64::new(0) }; 18];
static BYTES: [AtomicU64; 18] = [const { AtomicU64::new(0) }; 18];

fn note(p: Prim, calls: usize, bytes: usize) {
    CALLS[p as usize].fetch_add(calls as u64, Ordering::Relaxed);
    BYTES[p as usize].fetch_add(bytes as u64, Ordering::Relaxed);
}

/// Calls and bytes per primitive since the last reset.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub calls: [u64; 18],
    pub bytes: [u64; 18],
}

impl Counts {
    pub fn get(&self, p: Prim) -> u64 {
        self.calls[p as usize]
    }
}

pub fn reset() {
    for i in 0..18 {
        CALLS[i].store(0, Ordering::Relaxed);
        BYTES[i].store(0, Ordering::Relaxed);
    }
}

pub fn take() -> Counts {
    let mut c = Counts::default();
    for i in 0..18 {
        c.calls[i] = CALLS[i].load(Ordering::Relaxed);
        c.bytes[i] = BYTES[i].load(Ordering::Relaxed);
    }
    c
}

/// One suite of the wrapped backend: counting (or not), and verifying a
/// batch of signatures one at a time on the calling thread.
struct CountingSuite {
    inner: &'static dyn CipherSuiteProvider,
    counting: bool,
}

impl CountingSuite {
    fn note(&self, p: Prim, calls: usize, bytes: usize) {
        if self.counting {
            note(p, calls, bytes);
        }
    }
}

impl Hash for CountingSuite {
    fn output_len(&self) -> usize {
        self.inner.hash().output_len()
    }
    fn hash(&self, data: &[u8]) -> Digest {
        self.note(Prim::Hash, 1, data.len());
        self.inner.hash().hash(data)
    }
    fn hash_parts(&self, parts: &[&[u8]]) -> Digest {
        self.note(Prim::Hash, 1, parts.iter().map(|p| p.len()).sum());
        self.inner.hash().hash_parts(parts)
    }
}

impl Kdf for CountingSuite {
    fn id(&self) -> KdfId {
        self.inner.kdf().id()
    }
    fn nh(&self) -> usize {
        self.inner.kdf().nh()
    }
    fn extract(&self, salt: &[u8], ikm: &[u8]) -> Result<Secret, CryptoError> {
        self.note(Prim::Extract, 1, 0);
        self.inner.kdf().extract(salt, ikm)
    }
    fn expand(&self, prk: &[u8], info: &[u8], out: &mut [u8]) -> Result<(), CryptoError> {
        self.note(Prim::Expand, 1, 0);
        self.inner.kdf().expand(prk, info, out)
    }
    fn mac(&self, key: &[u8], data: &[u8]) -> Result<Digest, CryptoError> {
        self.note(Prim::Mac, 1, data.len());
        self.inner.kdf().mac(key, data)
    }
}

impl Aead for CountingSuite {
    fn id(&self) -> AeadId {
        self.inner.aead().id()
    }
    fn key_len(&self) -> usize {
        self.inner.aead().key_len()
    }
    fn nonce_len(&self) -> usize {
        self.inner.aead().nonce_len()
    }
    fn tag_len(&self) -> usize {
        self.inner.aead().tag_len()
    }
    fn seal(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        self.note(Prim::AeadSeal, 1, plaintext.len());
        self.inner.aead().seal(key, nonce, aad, plaintext)
    }
    fn open(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        self.note(Prim::AeadOpen, 1, ciphertext.len());
        self.inner.aead().open(key, nonce, aad, ciphertext)
    }
}

impl Hpke for CountingSuite {
    fn seal(
        &self,
        public_key: &[u8],
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<HpkeCiphertext, CryptoError> {
        self.note(Prim::HpkeSeal, 1, plaintext.len());
        self.note(Prim::Hash, 0, info.len());
        self.inner
            .hpke()
            .seal(public_key, info, aad, plaintext, rng)
    }
    fn open(
        &self,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        self.note(Prim::HpkeOpen, 1, ciphertext.len());
        self.note(Prim::Hash, 0, info.len());
        self.inner
            .hpke()
            .open(private_key, kem_output, info, aad, ciphertext)
    }
    fn setup_sender_and_export(
        &self,
        public_key: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
        rng: &mut dyn Rng,
    ) -> Result<(Vec<u8>, SecretVec), CryptoError> {
        self.note(Prim::HpkeExportSend, 1, 0);
        self.inner
            .hpke()
            .setup_sender_and_export(public_key, info, exporter_context, len, rng)
    }
    fn setup_receiver_and_export(
        &self,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
    ) -> Result<SecretVec, CryptoError> {
        self.note(Prim::HpkeExportRecv, 1, 0);
        self.inner.hpke().setup_receiver_and_export(
            private_key,
            kem_output,
            info,
            exporter_context,
            len,
        )
    }
    fn derive_key_pair(&self, ikm: &[u8]) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError> {
        self.note(Prim::HpkeDeriveKeyPair, 1, 0);
        self.inner.hpke().derive_key_pair(ikm)
    }
    fn generate_key_pair(
        &self,
        rng: &mut dyn Rng,
    ) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError> {
        self.note(Prim::HpkeGenKeyPair, 1, 0);
        self.inner.hpke().generate_key_pair(rng)
    }
    fn public_key(&self, private_key: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError> {
        self.note(Prim::HpkePublicKey, 1, 0);
        self.inner.hpke().public_key(private_key)
    }
    fn seal_many(
        &self,
        recipients: &[(&[u8], &[u8])],
        info: &[u8],
        aad: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<Vec<HpkeCiphertext>, CryptoError> {
        self.note(
            Prim::HpkeSeal,
            recipients.len(),
            recipients.iter().map(|r| r.1.len()).sum(),
        );
        self.note(Prim::Hash, 0, info.len());
        self.inner.hpke().seal_many(recipients, info, aad, rng)
    }
    fn validate_public_key(&self, public_key: &[u8]) -> Result<(), CryptoError> {
        self.note(Prim::HpkeValidate, 1, 0);
        self.inner.hpke().validate_public_key(public_key)
    }
}

impl Signature for CountingSuite {
    fn scheme(&self) -> SignatureScheme {
        self.inner.signature().scheme()
    }
    fn sign(
        &self,
        private_key: &SignaturePrivateKey,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        self.note(Prim::Sign, 1, message.len());
        self.inner.signature().sign(private_key, message)
    }
    fn verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        self.note(Prim::Verify, 1, message.len());
        self.inner
            .signature()
            .verify(public_key, message, signature)
    }
    fn generate_key_pair(
        &self,
        rng: &mut dyn Rng,
    ) -> Result<(SignaturePrivateKey, Vec<u8>), CryptoError> {
        self.note(Prim::SigGenKeyPair, 1, 0);
        self.inner.signature().generate_key_pair(rng)
    }
    fn public_key(&self, private_key: &SignaturePrivateKey) -> Result<Vec<u8>, CryptoError> {
        self.note(Prim::SigPublicKey, 1, 0);
        self.inner.signature().public_key(private_key)
    }
    /// One at a time on this thread: every implementation is measured on
    /// one core (the RustCrypto backend's `verify_batch` spreads a batch
    /// over the machine's cores).
    fn verify_batch(&self, items: &[VerifyItem<'_>]) -> Result<(), CryptoError> {
        items
            .iter()
            .try_for_each(|i| self.verify(i.public_key, i.message, i.signature))
    }
}

impl CipherSuiteProvider for CountingSuite {
    fn cipher_suite(&self) -> CipherSuite {
        self.inner.cipher_suite()
    }
    fn hash(&self) -> &dyn Hash {
        self
    }
    fn kdf(&self) -> &dyn Kdf {
        self
    }
    fn aead(&self) -> &dyn Aead {
        self
    }
    fn hpke(&self) -> &dyn Hpke {
        self
    }
    fn signature(&self) -> &dyn Signature {
        self
    }
}

/// A backend whose every suite counts its primitive calls (or, with
/// [`Counting::serial`], only verifies batches one at a time).
pub struct Counting {
    inner: &'static dyn CryptoProvider,
    suites: Vec<CountingSuite>,
}

impl Counting {
    fn new(inner: &'static dyn CryptoProvider, counting: bool) -> &'static Counting {
        let suites = inner
            .supported_cipher_suites()
            .iter()
            .filter_map(|s| inner.cipher_suite(*s))
            .map(|cs| CountingSuite {
                inner: cs,
                counting,
            })
            .collect();
        // Leaked: providers are `'static`, and a run makes a few.
        Box::leak(Box::new(Counting { inner, suites }))
    }

    /// The wrapped backend.
    pub fn inner(&self) -> &'static dyn CryptoProvider {
        self.inner
    }

    /// Wraps `inner`, counting every primitive call.
    pub fn wrap(inner: &'static dyn CryptoProvider) -> &'static Counting {
        Self::new(inner, true)
    }

    /// Wraps `inner` without counting: what the timed runs use, so that
    /// every batch of signatures is verified on the calling thread.
    pub fn serial(inner: &'static dyn CryptoProvider) -> &'static Counting {
        Self::new(inner, false)
    }
}

impl CryptoProvider for Counting {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn supported_cipher_suites(&self) -> &[CipherSuite] {
        self.inner.supported_cipher_suites()
    }
    fn cipher_suite(&self, suite: CipherSuite) -> Option<&dyn CipherSuiteProvider> {
        self.suites
            .iter()
            .find(|s| s.inner.cipher_suite() == suite)
            .map(|s| s as &dyn CipherSuiteProvider)
    }
}

/// The measured cost of each primitive on one backend and suite:
/// nanoseconds per call plus nanoseconds per byte.
#[derive(Debug, Clone, Default)]
pub struct Costs {
    pub per_call: [f64; 18],
    pub per_byte: [f64; 18],
}

impl Costs {
    /// The floor of an operation with these counts.
    pub fn floor(&self, c: &Counts) -> f64 {
        (0..18)
            .map(|i| c.calls[i] as f64 * self.per_call[i] + c.bytes[i] as f64 * self.per_byte[i])
            .sum()
    }
}

/// Nanoseconds per call of `f`: the fastest of 5 to 15 batches of about
/// 1 ms (~`budget_ms` in total).
fn per_call(budget_ms: u64, mut f: impl FnMut()) -> f64 {
    f();
    let t0 = Instant::now();
    f();
    let one = t0.elapsed().as_nanos().max(1) as f64;
    // Batches of ~1 ms, 9 of them or as many as fit the budget.
    let per_batch = ((1.0e6 / one).ceil() as usize).max(1);
    let batches = ((budget_ms as f64 * 1.0e6) / (one * per_batch as f64)).clamp(5.0, 15.0) as usize;
    let v: Vec<f64> = (0..batches)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..per_batch {
                f();
            }
            t.elapsed().as_nanos() as f64 / per_batch as f64
        })
        .collect();
    // The fastest batch: the floor is a lower bound, and on a shared
    // machine the slower batches measure the neighbours.
    v.into_iter().fold(f64::INFINITY, f64::min)
}

/// Cost per call (at `small` bytes) and per extra byte (from `large`).
fn linear(small: f64, large: f64, small_len: usize, large_len: usize) -> (f64, f64) {
    let b = ((large - small) / (large_len - small_len) as f64).max(0.0);
    ((small - b * small_len as f64).max(0.0), b)
}

/// Keeps the optimiser from discarding a measured result.
fn sink<T>(t: T) {
    std::hint::black_box(t);
}

/// Micro-timings of every primitive of `cs`.
pub fn measure(cs: &dyn CipherSuiteProvider, budget_ms: u64) -> Costs {
    const S: usize = 64;
    const L: usize = 16 * 1024;
    let small = vec![7u8; S];
    let large = vec![7u8; L];
    let mut c = Costs::default();
    let mut set = |p: Prim, a: f64, b: f64| {
        c.per_call[p as usize] = a;
        c.per_byte[p as usize] = b;
    };
    let sig = cs.signature();
    let (ssk, spk) = sig.generate_key_pair(&mut OsRng).expect("sig key");
    let (s1, s2) = (
        per_call(budget_ms, || sink(sig.sign(&ssk, &small))),
        per_call(budget_ms, || sink(sig.sign(&ssk, &large))),
    );
    let (a, b) = linear(s1, s2, S, L);
    set(Prim::Sign, a, b);
    let sg_s = sig.sign(&ssk, &small).expect("sign");
    let sg_l = sig.sign(&ssk, &large).expect("sign");
    let (v1, v2) = (
        per_call(budget_ms, || sink(sig.verify(&spk, &small, &sg_s))),
        per_call(budget_ms, || sink(sig.verify(&spk, &large, &sg_l))),
    );
    let (a, b) = linear(v1, v2, S, L);
    set(Prim::Verify, a, b);
    set(
        Prim::SigGenKeyPair,
        per_call(budget_ms, || sink(sig.generate_key_pair(&mut OsRng))),
        0.0,
    );
    set(
        Prim::SigPublicKey,
        per_call(budget_ms, || sink(sig.public_key(&ssk))),
        0.0,
    );

    let hpke = cs.hpke();
    let (hsk, hpk) = hpke.generate_key_pair(&mut OsRng).expect("hpke key");
    let info = vec![1u8; 32];
    let (h1, h2) = (
        per_call(budget_ms, || {
            sink(hpke.seal(&hpk, &info, b"", &small, &mut OsRng))
        }),
        per_call(budget_ms, || {
            sink(hpke.seal(&hpk, &info, b"", &large, &mut OsRng))
        }),
    );
    let (a, b) = linear(h1, h2, S, L);
    set(Prim::HpkeSeal, a, b);
    let ct_s = hpke
        .seal(&hpk, &info, b"", &small, &mut OsRng)
        .expect("seal");
    let ct_l = hpke
        .seal(&hpk, &info, b"", &large, &mut OsRng)
        .expect("seal");
    let (o1, o2) = (
        per_call(budget_ms, || {
            sink(hpke.open(&hsk, &ct_s.kem_output, &info, b"", &ct_s.ciphertext))
        }),
        per_call(budget_ms, || {
            sink(hpke.open(&hsk, &ct_l.kem_output, &info, b"", &ct_l.ciphertext))
        }),
    );
    let (a, b) = linear(o1, o2, S + 16, L + 16);
    set(Prim::HpkeOpen, a, b);
    set(
        Prim::HpkeExportSend,
        per_call(budget_ms, || {
            sink(hpke.setup_sender_and_export(&hpk, &info, b"ctx", 32, &mut OsRng))
        }),
        0.0,
    );
    let (enc, _) = hpke
        .setup_sender_and_export(&hpk, &info, b"ctx", 32, &mut OsRng)
        .expect("export");
    set(
        Prim::HpkeExportRecv,
        per_call(budget_ms, || {
            sink(hpke.setup_receiver_and_export(&hsk, &enc, &info, b"ctx", 32))
        }),
        0.0,
    );
    let ikm = vec![3u8; cs.kdf().nh()];
    set(
        Prim::HpkeDeriveKeyPair,
        per_call(budget_ms, || sink(hpke.derive_key_pair(&ikm))),
        0.0,
    );
    set(
        Prim::HpkeGenKeyPair,
        per_call(budget_ms, || sink(hpke.generate_key_pair(&mut OsRng))),
        0.0,
    );
    set(
        Prim::HpkePublicKey,
        per_call(budget_ms, || sink(hpke.public_key(&hsk))),
        0.0,
    );
    set(
        Prim::HpkeValidate,
        per_call(budget_ms, || sink(hpke.validate_public_key(&hpk))),
        0.0,
    );

    let kdf = cs.kdf();
    let prk = vec![5u8; kdf.nh()];
    set(
        Prim::Extract,
        per_call(budget_ms, || sink(kdf.extract(&prk, &prk))),
        0.0,
    );
    let mut out = vec![0u8; kdf.nh()];
    set(
        Prim::Expand,
        per_call(budget_ms, || {
            sink(kdf.expand(&prk, b"some label info", &mut out))
        }),
        0.0,
    );
    let (m1, m2) = (
        per_call(budget_ms, || sink(kdf.mac(&prk, &small))),
        per_call(budget_ms, || sink(kdf.mac(&prk, &large))),
    );
    let (a, b) = linear(m1, m2, S, L);
    set(Prim::Mac, a, b);
    let hash = cs.hash();
    let (x1, x2) = (
        per_call(budget_ms, || sink(hash.hash(&small))),
        per_call(budget_ms, || sink(hash.hash(&large))),
    );
    let (a, b) = linear(x1, x2, S, L);
    set(Prim::Hash, a, b);

    let aead = cs.aead();
    let key = vec![9u8; aead.key_len()];
    let nonce = vec![1u8; aead.nonce_len()];
    let (e1, e2) = (
        per_call(budget_ms, || sink(aead.seal(&key, &nonce, b"", &small))),
        per_call(budget_ms, || sink(aead.seal(&key, &nonce, b"", &large))),
    );
    let (a, b) = linear(e1, e2, S, L);
    set(Prim::AeadSeal, a, b);
    let cs_s = aead.seal(&key, &nonce, b"", &small).expect("seal");
    let cs_l = aead.seal(&key, &nonce, b"", &large).expect("seal");
    let (d1, d2) = (
        per_call(budget_ms, || sink(aead.open(&key, &nonce, b"", &cs_s))),
        per_call(budget_ms, || sink(aead.open(&key, &nonce, b"", &cs_l))),
    );
    let (a, b) = linear(d1, d2, S + 16, L + 16);
    set(Prim::AeadOpen, a, b);
    c
}
