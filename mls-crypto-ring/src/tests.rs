//! Unit tests, named after the rule they check.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoError, CryptoProvider, Dh, Hash, HpkePrivateKey, Kdf,
    Rng, SignaturePrivateKey, Suite,
};

use super::*;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// Deterministic test generator: SHA-256(seed || counter) blocks.
struct TestRng {
    seed: u64,
    counter: u64,
}

impl TestRng {
    fn new(seed: u64) -> Self {
        Self { seed, counter: 0 }
    }
}

impl Rng for TestRng {
    fn fill(&mut self, out: &mut [u8]) -> Result<(), CryptoError> {
        for chunk in out.chunks_mut(32) {
            let block = Sha256.hash_parts(&[&self.seed.to_be_bytes(), &self.counter.to_be_bytes()]);
            self.counter += 1;
            chunk.copy_from_slice(&block.as_slice()[..chunk.len()]);
        }
        Ok(())
    }
}

/// A generator that always fails.
struct FailingRng;

impl Rng for FailingRng {
    fn fill(&mut self, _out: &mut [u8]) -> Result<(), CryptoError> {
        Err(CryptoError::RngFailure)
    }
}

fn suites() -> Vec<&'static Suite> {
    provider()
        .supported_cipher_suites()
        .iter()
        .map(|cs| suite(*cs).unwrap())
        .collect()
}

/// The RustCrypto backend's suite of the same id, for cross-checks.
fn rustcrypto_suite(cs: CipherSuite) -> &'static Suite {
    mls_crypto_rustcrypto::suite(cs).unwrap()
}

#[test]
fn rfc9420_17_1_every_served_suite_check_passes() {
    let p = provider();
    assert_eq!(p.name(), "ring");
    assert_eq!(
        p.supported_cipher_suites(),
        &[
            CipherSuite(1),
            CipherSuite(2),
            CipherSuite(3),
            CipherSuite(7)
        ]
    );
    for cs in p.supported_cipher_suites() {
        let s = suite(*cs).unwrap();
        assert!(s.check(), "{cs:?}");
        let dynp = p.cipher_suite(*cs).unwrap();
        assert_eq!(dynp.cipher_suite(), *cs);
        let info = cs.info().unwrap();
        assert_eq!(dynp.aead().key_len(), info.nk);
        assert_eq!(dynp.aead().nonce_len(), info.nn);
        assert_eq!(dynp.kdf().nh(), info.nh);
        assert_eq!(dynp.hash().output_len(), info.nh);
        assert_eq!(dynp.aead().id(), info.aead);
        assert_eq!(dynp.kdf().id(), info.kdf);
        assert_eq!(dynp.signature().scheme(), info.signature);
    }
    for cs in [4u16, 5, 6, 8, 0x0A0A] {
        assert!(p.cipher_suite(CipherSuite(cs)).is_none(), "{cs}");
        assert!(suite(CipherSuite(cs)).is_none());
        assert!(hpke(CipherSuite(cs)).is_none());
    }
}

#[test]
fn borrowed_parts_name_static_dh_generic_hpke_and_ecdsa_public_keys() {
    let p = provider();
    for cs in [1u16, 3] {
        let b = p.borrowed_parts(CipherSuite(cs));
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].part, "DH (X25519)");
        assert_eq!(b[0].from, "RustCrypto x25519-dalek");
        assert_eq!(b[1].part, "HPKE");
        assert_eq!(b[1].from, "mls-core generic HPKE");
    }
    for (cs, krate) in [(2u16, "RustCrypto p256"), (7, "RustCrypto p384")] {
        let b = p.borrowed_parts(CipherSuite(cs));
        assert_eq!(b.len(), 3);
        assert!(b[0].part.starts_with("DH (P-"));
        assert_eq!(b[0].from, krate);
        assert_eq!(b[1].from, "mls-core generic HPKE");
        assert_eq!(b[2].part, "ECDSA public key from private scalar");
        assert_eq!(b[2].from, krate);
    }
    assert!(p.borrowed_parts(CipherSuite(5)).is_empty());
}

#[test]
fn rfc9420_5_1_2_signatures_interoperate_with_rustcrypto_backend() {
    let mut rng = TestRng::new(9);
    for s in suites() {
        let rc = rustcrypto_suite(s.cipher_suite()).signature();
        let (sk, pk) = s.signature().generate_key_pair(&mut rng).unwrap();
        assert_eq!(rc.public_key(&sk).unwrap(), pk);
        let sig = s.signature().sign(&sk, b"interop").unwrap();
        rc.verify(&pk, b"interop", &sig).unwrap();
        let sig = rc.sign(&sk, b"interop").unwrap();
        s.signature().verify(&pk, b"interop", &sig).unwrap();
    }
}

/// The (r, s) integers of a DER ECDSA signature, left-padded to `n` bytes.
fn der_to_fixed(der: &[u8], n: usize) -> Vec<u8> {
    let mut i = 2;
    if der[1] == 0x81 {
        i = 3;
    }
    let mut out = Vec::new();
    for _ in 0..2 {
        assert_eq!(der[i], 0x02);
        let len = der[i + 1] as usize;
        let int = &der[i + 2..i + 2 + len];
        let int = if int.len() > n {
            &int[int.len() - n..]
        } else {
            int
        };
        out.extend(std::iter::repeat_n(0u8, n - int.len()));
        out.extend_from_slice(int);
        i += 2 + len;
    }
    out
}

#[test]
fn rfc9420_5_1_2_ecdsa_keys_are_field_size_scalars_and_uncompressed_points() {
    let mut rng = TestRng::new(3);
    for (cs, n) in [(2u16, 32usize), (7, 48)] {
        let s = suite(CipherSuite(cs)).unwrap();
        let sig = s.signature();
        let (sk, pk) = sig.generate_key_pair(&mut rng).unwrap();
        assert_eq!(sk.as_bytes().len(), n);
        assert_eq!(pk.len(), 1 + 2 * n);
        assert_eq!(pk[0], 0x04);
        assert_eq!(
            sig.public_key(&SignaturePrivateKey::new(vec![0u8; n])),
            Err(CryptoError::InvalidKey)
        );
        assert_eq!(
            sig.public_key(&SignaturePrivateKey::new(vec![0xFFu8; n])),
            Err(CryptoError::InvalidKey)
        );
        let signature = sig.sign(&sk, b"x").unwrap();
        assert_eq!(signature[0], 0x30);
        if signature[1] == 0x81 {
            assert_eq!(signature[2] as usize, signature.len() - 3);
        } else {
            assert_eq!(signature[1] as usize, signature.len() - 2);
        }
        // A compressed point is rejected.
        let mut compressed = vec![0x02 | (pk[pk.len() - 1] & 1)];
        compressed.extend_from_slice(&pk[1..1 + n]);
        assert_eq!(
            sig.verify(&compressed, b"x", &signature),
            Err(CryptoError::InvalidKey)
        );
        // An off-curve point of the right shape is rejected.
        let mut off = pk.clone();
        let last = off.len() - 1;
        off[last] ^= 1;
        assert!(sig.verify(&off, b"x", &signature).is_err());
        // The fixed-width r || s form is not DER and is rejected.
        let raw = der_to_fixed(&signature, n);
        assert_eq!(raw.len(), 2 * n);
        assert_eq!(
            sig.verify(&pk, b"x", &raw),
            Err(CryptoError::InvalidSignature)
        );
        // Randomised nonces: two signatures of one message differ, both verify.
        let again = sig.sign(&sk, b"x").unwrap();
        assert_ne!(again, signature);
        sig.verify(&pk, b"x", &again).unwrap();
    }
}

#[test]
fn rfc9180_hpke_interoperates_with_rustcrypto_backend() {
    let mut rng = TestRng::new(5);
    for s in suites() {
        let rc = rustcrypto_suite(s.cipher_suite());
        let (sk, pk) = s.hpke().derive_key_pair(b"interop ikm").unwrap();
        let (sk_rc, pk_rc) = rc.hpke().derive_key_pair(b"interop ikm").unwrap();
        assert_eq!(sk, sk_rc);
        assert_eq!(pk, pk_rc);
        let ct = s
            .hpke()
            .seal(&pk, b"info", b"aad", b"hello", &mut rng)
            .unwrap();
        assert_eq!(
            rc.hpke()
                .open(&sk, &ct.kem_output, b"info", b"aad", &ct.ciphertext)
                .unwrap(),
            b"hello"
        );
        let ct = rc
            .hpke()
            .seal(&pk, b"info", b"aad", b"hello", &mut rng)
            .unwrap();
        assert_eq!(
            s.hpke()
                .open(&sk, &ct.kem_output, b"info", b"aad", &ct.ciphertext)
                .unwrap(),
            b"hello"
        );
        let (enc, exp) = s
            .hpke()
            .setup_sender_and_export(&pk, b"info", b"ctx", 32, &mut rng)
            .unwrap();
        let exp2 = rc
            .hpke()
            .setup_receiver_and_export(&sk, &enc, b"info", b"ctx", 32)
            .unwrap();
        assert_eq!(exp, exp2, "{:?}", s.cipher_suite());
    }
}

#[test]
fn rfc9180_a_1_x25519_sha256_aes128gcm_base_known_answer() {
    let info = h("4f6465206f6e2061204772656369616e2055726e");
    let sk_em = h("52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736");
    let pk_em = h("37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431");
    let pk_rm = h("3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d");
    let sk_rm = h("4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8");
    let pt = h("4265617574792069732074727574682c20747275746820626561757479");
    let aad = h("436f756e742d30");
    let ct = h(
        "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a",
    );

    let s = suite(CipherSuite(1)).unwrap();
    let (sk, pk) = s
        .hpke()
        .derive_key_pair(&h(
            "6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037",
        ))
        .unwrap();
    assert_eq!(sk.as_bytes(), &sk_rm[..]);
    assert_eq!(pk, pk_rm);
    let (ske, pke) = s
        .hpke()
        .derive_key_pair(&h(
            "7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234",
        ))
        .unwrap();
    assert_eq!(ske.as_bytes(), &sk_em[..]);
    assert_eq!(pke, pk_em);
    let out = hpke(CipherSuite(1))
        .unwrap()
        .seal_with_ephemeral(&pk_rm, &info, &aad, &pt, &sk_em)
        .unwrap();
    assert_eq!(out.kem_output, pk_em);
    assert_eq!(out.ciphertext, ct);
    let sk = HpkePrivateKey::new(sk_rm.clone());
    assert_eq!(s.hpke().open(&sk, &pk_em, &info, &aad, &ct).unwrap(), pt);
    // Exported values (A.1.1.2).
    for (ctx, want) in [
        (
            "",
            "3853fe2b4035195a573ffc53856e77058e15d9ea064de3e59f4961d0095250ee",
        ),
        (
            "00",
            "2e8f0b54673c7029649d4eb9d5e33bf1872cf76d623ff164ac185da9e88c21a5",
        ),
        (
            "54657374436f6e74657874",
            "e9e43065102c3836401bed8c3c3c75ae46be1639869391d62c61f1ec7af54931",
        ),
    ] {
        let got = s
            .hpke()
            .setup_receiver_and_export(&sk, &pk_em, &info, &h(ctx), 32)
            .unwrap();
        assert_eq!(got.as_bytes(), &h(want)[..]);
    }
}

#[test]
fn rfc9180_a_3_p256_sha256_aes128gcm_base_known_answer() {
    let info = h("4f6465206f6e2061204772656369616e2055726e");
    let sk_em = h("4995788ef4b9d6132b249ce59a77281493eb39af373d236a1fe415cb0c2d7beb");
    let pk_em = h(
        "04a92719c6195d5085104f469a8b9814d5838ff72b60501e2c4466e5e67b325ac98536d7b61a1af4b78e5b7f951c0900be863c403ce65c9bfcb9382657222d18c4",
    );
    let sk_rm = h("f3ce7fdae57e1a310d87f1ebbde6f328be0a99cdbcadf4d6589cf29de4b8ffd2");
    let pk_rm = h(
        "04fe8c19ce0905191ebc298a9245792531f26f0cece2460639e8bc39cb7f706a826a779b4cf969b8a0e539c7f62fb3d30ad6aa8f80e30f1d128aafd68a2ce72ea0",
    );
    let pt = h("4265617574792069732074727574682c20747275746820626561757479");
    let aad = h("436f756e742d30");
    let ct = h(
        "5ad590bb8baa577f8619db35a36311226a896e7342a6d836d8b7bcd2f20b6c7f9076ac232e3ab2523f39513434",
    );

    let s = suite(CipherSuite(2)).unwrap();
    let (sk, pk) = s
        .hpke()
        .derive_key_pair(&h(
            "668b37171f1072f3cf12ea8a236a45df23fc13b82af3609ad1e354f6ef817550",
        ))
        .unwrap();
    assert_eq!(sk.as_bytes(), &sk_rm[..]);
    assert_eq!(pk, pk_rm);
    let (ske, pke) = s
        .hpke()
        .derive_key_pair(&h(
            "4270e54ffd08d79d5928020af4686d8f6b7d35dbe470265f1f5aa22816ce860e",
        ))
        .unwrap();
    assert_eq!(ske.as_bytes(), &sk_em[..]);
    assert_eq!(pke, pk_em);
    let out = hpke(CipherSuite(2))
        .unwrap()
        .seal_with_ephemeral(&pk_rm, &info, &aad, &pt, &sk_em)
        .unwrap();
    assert_eq!(out.kem_output, pk_em);
    assert_eq!(out.ciphertext, ct);
    assert_eq!(s.hpke().open(&sk, &pk_em, &info, &aad, &ct).unwrap(), pt);
}

#[test]
fn rfc5869_a_1_hkdf_sha256_test_case_1_known_answer_and_length_limit() {
    let kdf = HkdfSha256;
    let ikm = [0x0bu8; 22];
    let salt = h("000102030405060708090a0b0c");
    let info = h("f0f1f2f3f4f5f6f7f8f9");
    let prk = kdf.extract(&salt, &ikm).unwrap();
    assert_eq!(
        prk.as_bytes(),
        &h("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")[..]
    );
    let mut okm = [0u8; 42];
    kdf.expand(prk.as_bytes(), &info, &mut okm).unwrap();
    assert_eq!(
        okm.to_vec(),
        h("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    );
    let mut too_long = vec![0u8; 255 * 32 + 1];
    assert_eq!(
        kdf.expand(prk.as_bytes(), &info, &mut too_long),
        Err(CryptoError::InvalidLength)
    );
    let mut max = vec![0u8; 255 * 32];
    kdf.expand(prk.as_bytes(), &info, &mut max).unwrap();
    assert_eq!(
        kdf.expand(&prk.as_bytes()[1..], &info, &mut okm),
        Err(CryptoError::InvalidKey)
    );
    let k = HkdfSha384;
    let prk = k.extract(b"", b"ikm").unwrap();
    assert_eq!(prk.len(), k.nh());
    let mut out = vec![0u8; 255 * k.nh() + 1];
    assert_eq!(
        k.expand(prk.as_bytes(), b"", &mut out),
        Err(CryptoError::InvalidLength)
    );
}

#[test]
fn rfc5869_hkdf_matches_rustcrypto_backend() {
    let pairs: [(&dyn Kdf, &dyn Kdf); 3] = [
        (&HkdfSha256, &mls_crypto_rustcrypto::hash::HkdfSha256),
        (&HkdfSha384, &mls_crypto_rustcrypto::hash::HkdfSha384),
        (
            &crate::hash::HkdfSha512,
            &mls_crypto_rustcrypto::hash::HkdfSha512,
        ),
    ];
    for (ring_kdf, rc_kdf) in pairs {
        for (salt, ikm) in [
            (&b""[..], &b""[..]),
            (b"salt", b"ikm"),
            (&[0x5a; 200], b"k"),
        ] {
            let a = ring_kdf.extract(salt, ikm).unwrap();
            assert_eq!(a, rc_kdf.extract(salt, ikm).unwrap());
            for len in [0, 1, ring_kdf.nh(), 3 * ring_kdf.nh() + 5] {
                let mut x = vec![0u8; len];
                let mut y = vec![0u8; len];
                ring_kdf.expand(a.as_bytes(), b"info", &mut x).unwrap();
                rc_kdf.expand(a.as_bytes(), b"info", &mut y).unwrap();
                assert_eq!(x, y);
            }
        }
    }
}

#[test]
fn rfc4231_4_3_hmac_sha256_and_sha512_known_answer() {
    let tag = HkdfSha256
        .mac(b"Jefe", b"what do ya want for nothing?")
        .unwrap();
    assert_eq!(
        tag.to_vec(),
        h("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    );
    let tag512 = crate::hash::HkdfSha512
        .mac(b"Jefe", b"what do ya want for nothing?")
        .unwrap();
    assert_eq!(
        tag512.to_vec(),
        h(
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        )
    );
}

#[test]
fn rfc9180_7_1_4_borrowed_dh_rejects_invalid_public_keys_and_zero_output() {
    let mut rng = TestRng::new(7);
    let sk = dh::X25519.generate_secret(&mut rng).unwrap();
    assert_eq!(
        dh::X25519.dh(sk.as_bytes(), &[0u8; 32]),
        Err(CryptoError::InvalidKey)
    );
    for g in [&dh::P256 as &dyn Dh, &dh::P384] {
        let sk = g.generate_secret(&mut rng).unwrap();
        let pk = g.public_key(sk.as_bytes()).unwrap();
        let mut off = pk.clone();
        let last = off.len() - 1;
        off[last] ^= 1;
        assert_eq!(g.dh(sk.as_bytes(), &off), Err(CryptoError::InvalidKey));
        assert_eq!(
            g.dh(sk.as_bytes(), &vec![0u8; g.public_len()]),
            Err(CryptoError::InvalidKey)
        );
        assert!(!g.is_valid_secret(&vec![0u8; g.secret_len()]));
        assert!(!g.is_valid_secret(&vec![0xFFu8; g.secret_len()]));
    }
    // Through HPKE: an all-zero X25519 enc is rejected on open.
    let s = suite(CipherSuite(1)).unwrap();
    let (sk, _) = s.hpke().derive_key_pair(b"k").unwrap();
    assert!(
        s.hpke()
            .open(&sk, &[0u8; 32], b"", b"", &[0u8; 17])
            .is_err()
    );
}

#[test]
fn rng_failure_is_reported_not_masked() {
    for s in suites() {
        let (_, pk) = s.hpke().derive_key_pair(b"k").unwrap();
        assert_eq!(
            s.hpke().seal(&pk, b"", b"", b"x", &mut FailingRng),
            Err(CryptoError::RngFailure),
            "{:?}",
            s.cipher_suite()
        );
        assert_eq!(
            s.hpke()
                .setup_sender_and_export(&pk, b"", b"", 32, &mut FailingRng)
                .map(|_| ()),
            Err(CryptoError::RngFailure)
        );
        assert_eq!(
            s.hpke().generate_key_pair(&mut FailingRng).map(|_| ()),
            Err(CryptoError::RngFailure)
        );
        assert_eq!(
            s.signature().generate_key_pair(&mut FailingRng).map(|_| ()),
            Err(CryptoError::RngFailure)
        );
    }
}

#[test]
fn key_generation_draws_from_the_core_rng() {
    for s in suites() {
        let a = s
            .signature()
            .generate_key_pair(&mut TestRng::new(42))
            .unwrap();
        let b = s
            .signature()
            .generate_key_pair(&mut TestRng::new(42))
            .unwrap();
        assert_eq!(a.0, b.0);
        assert_eq!(a.1, b.1);
        let a = s.hpke().generate_key_pair(&mut TestRng::new(42)).unwrap();
        let b = s.hpke().generate_key_pair(&mut TestRng::new(42)).unwrap();
        assert_eq!(a.0, b.0);
        assert_eq!(a.1, b.1);
    }
}

#[test]
fn system_rng_fills_and_serves_the_provider() {
    let mut rng = SystemRng::new();
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    rng.fill(&mut a).unwrap();
    rng.fill(&mut b).unwrap();
    assert_ne!(a, b);
    let s = suite(CipherSuite(1)).unwrap();
    let (sk, pk) = s.hpke().generate_key_pair(&mut rng).unwrap();
    let ct = s.hpke().seal(&pk, b"i", b"a", b"p", &mut rng).unwrap();
    assert_eq!(
        s.hpke()
            .open(&sk, &ct.kem_output, b"i", b"a", &ct.ciphertext)
            .unwrap(),
        b"p"
    );
}

#[test]
fn rfc9420_5_1_hpke_private_key_import_rejects_invalid_keys() {
    for s in suites() {
        let (_, pk) = s.hpke().derive_key_pair(b"x").unwrap();
        let ct = s
            .hpke()
            .seal(&pk, b"", b"", b"m", &mut TestRng::new(8))
            .unwrap();
        let nsk = s.info().nsk;
        for bad in [vec![], vec![1u8; nsk - 1], vec![1u8; nsk + 1]] {
            let sk = HpkePrivateKey::new(bad);
            assert!(
                s.hpke()
                    .open(&sk, &ct.kem_output, b"", b"", &ct.ciphertext)
                    .is_err()
            );
            assert!(s.hpke().public_key(&sk).is_err());
        }
    }
}

/// The shared conformance harness of mls-core (RFC known answers and
/// round-trip / tamper checks for every served suite), which replaces the
/// suite-generic tests this crate would otherwise repeat.
#[test]
fn shared_conformance_harness_passes() {
    let n =
        mls_core::crypto::conformance::check_provider(provider(), &mut TestRng::new(5)).unwrap();
    assert_eq!(n, provider().supported_cipher_suites().len());
}
