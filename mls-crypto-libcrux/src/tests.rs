//! Unit tests, named after the rule they check.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::crypto::{
    Aead, CipherSuite, CipherSuiteProvider, CryptoError, CryptoProvider, Dh, Hpke, HpkePrivateKey,
    Kdf, Rng, SignaturePrivateKey, Suite,
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
            let mut input = [0u8; 16];
            input[..8].copy_from_slice(&self.seed.to_be_bytes());
            input[8..].copy_from_slice(&self.counter.to_be_bytes());
            self.counter += 1;
            let block = libcrux_sha2::sha256(&input);
            chunk.copy_from_slice(&block[..chunk.len()]);
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

/// Every served suite with both HPKE flavours: (served, hpke-rs).
fn both_hpke() -> Vec<&'static Suite> {
    provider()
        .supported_cipher_suites()
        .iter()
        .filter(|cs| !cs.is_pq())
        .flat_map(|cs| [suite(*cs).unwrap(), hpke_rs_suite(*cs).unwrap()])
        .collect()
}

#[test]
fn rfc9420_17_1_every_suite_check_passes() {
    let p = provider();
    assert_eq!(p.name(), "libcrux");
    assert_eq!(
        &p.supported_cipher_suites()[..3],
        &[CipherSuite(1), CipherSuite(2), CipherSuite(3)]
    );
    // draft-ietf-mls-pq-ciphersuites-06: all but TBD5 and TBD8 (ECDSA P-384).
    let pq: Vec<_> = CipherSuite::PQ
        .iter()
        .copied()
        .filter(|c| !matches!(c.0, 0xF005 | 0xF008))
        .collect();
    assert_eq!(&p.supported_cipher_suites()[3..], &pq[..]);
    for cs in p.supported_cipher_suites() {
        assert!(suite(*cs).unwrap().check(), "{cs:?}");
        if let Some(r) = hpke_rs_suite(*cs) {
            assert!(r.check(), "hpke-rs {cs:?}");
        }
        let dynp = p.cipher_suite(*cs).unwrap();
        assert_eq!(dynp.cipher_suite(), *cs);
        let info = cs.info().unwrap();
        assert_eq!(dynp.aead().key_len(), info.nk);
        assert_eq!(dynp.aead().nonce_len(), info.nn);
        assert_eq!(dynp.kdf().nh(), info.nh);
        assert_eq!(dynp.hash().output_len(), info.nh);
        if cs.is_pq() {
            assert_eq!(p.borrowed_parts(*cs).len(), 1, "{cs:?}");
        } else {
            assert_eq!(p.borrowed_parts(*cs), BORROWED);
        }
    }
    for cs in [0u16, 4, 5, 6, 7, 8, 0x0A0A, 0xF005, 0xF008] {
        assert!(p.cipher_suite(CipherSuite(cs)).is_none(), "{cs}");
        assert!(p.borrowed_parts(CipherSuite(cs)).is_empty());
    }
}

#[test]
fn rfc9420_5_1_2_ecdsa_keys_are_scalars_uncompressed_points_and_der_signatures() {
    let mut rng = TestRng::new(3);
    let s = suite(CipherSuite(2)).unwrap();
    let sig = s.signature();
    let (sk, pk) = sig.generate_key_pair(&mut rng).unwrap();
    assert_eq!(sk.as_bytes().len(), 32);
    assert_eq!(pk.len(), 65);
    assert_eq!(pk[0], 0x04);
    assert!(
        sig.public_key(&SignaturePrivateKey::new(vec![0u8; 32]))
            .is_err()
    );
    assert!(
        sig.public_key(&SignaturePrivateKey::new(vec![0xFFu8; 32]))
            .is_err()
    );
    let signature = sig.sign(&sk, b"x").unwrap();
    assert_eq!(signature[0], 0x30);
    assert_eq!(signature[1] as usize, signature.len() - 2);
    // The raw 64-byte x || y form libcrux uses is not accepted as a key,
    // nor is a compressed point.
    assert_eq!(
        sig.verify(&pk[1..], b"x", &signature),
        Err(CryptoError::InvalidKey)
    );
    let mut compressed = vec![0x02 | (pk[64] & 1)];
    compressed.extend_from_slice(&pk[1..33]);
    assert_eq!(
        sig.verify(&compressed, b"x", &signature),
        Err(CryptoError::InvalidKey)
    );
    // A raw r || s signature is not DER and is rejected.
    let (r, s_) = der::decode(&signature).unwrap();
    let raw = [r, s_].concat();
    assert!(sig.verify(&pk, b"x", &raw).is_err());
}

#[test]
fn rfc6979_a_2_5_p256_sha256_deterministic_signature_known_answer() {
    let x = h("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721");
    let pk = h(
        "0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb67903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299",
    );
    let sk = SignaturePrivateKey::new(x);
    let sig = suite(CipherSuite(2)).unwrap().signature();
    assert_eq!(sig.public_key(&sk).unwrap(), pk);
    for (msg, r, s) in [
        (
            &b"sample"[..],
            "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716",
            "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8",
        ),
        (
            &b"test"[..],
            "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367",
            "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083",
        ),
    ] {
        let der_sig = sig.sign(&sk, msg).unwrap();
        let (gr, gs) = der::decode(&der_sig).unwrap();
        assert_eq!(gr.to_vec(), h(r));
        assert_eq!(gs.to_vec(), h(s));
        sig.verify(&pk, msg, &der_sig).unwrap();
        // Deterministic.
        assert_eq!(sig.sign(&sk, msg).unwrap(), der_sig);
    }
}

#[test]
fn rfc6979_3_2_candidates_follow_the_drbg_update_on_rejection() {
    // After a rejected candidate the generator must step K and V (h.3)
    // rather than repeat itself.
    let mut g = rng::Rfc6979::new(&[1u8; 32], &[2u8; 32]).unwrap();
    let a = g.next_candidate().unwrap();
    let b = g.next_candidate().unwrap();
    assert_ne!(a, b);
    // A hash above the order is reduced before use: h and h + n agree
    // only if reduced, so h1 = n + 1 must behave as h1 = 1.
    let mut n_plus_1 = rng::P256_ORDER;
    n_plus_1[31] += 1;
    let mut one = [0u8; 32];
    one[31] = 1;
    let mut g1 = rng::Rfc6979::new(&[1u8; 32], &n_plus_1).unwrap();
    let mut g2 = rng::Rfc6979::new(&[1u8; 32], &one).unwrap();
    assert_eq!(g1.next_candidate().unwrap(), g2.next_candidate().unwrap());
    // The rand_core face serves 32-byte draws only.
    let mut buf = [0u8; 16];
    assert!(rand_core::TryRng::try_fill_bytes(&mut g, &mut buf).is_err());
}

#[test]
fn rfc3279_2_2_3_der_round_trip_and_minimal_integers() {
    let mut cases: Vec<([u8; 32], [u8; 32])> = vec![
        ([0x80; 32], [0x01; 32]),
        ([0x7f; 32], [0xff; 32]),
        ([0u8; 32], [0u8; 32]),
    ];
    let mut small = [0u8; 32];
    small[31] = 0x2a;
    let mut high_small = [0u8; 32];
    high_small[30] = 0x80;
    cases.push((small, high_small));
    let mut rng = TestRng::new(9);
    for _ in 0..64 {
        let mut r = [0u8; 32];
        let mut s = [0u8; 32];
        rng.fill(&mut r).unwrap();
        rng.fill(&mut s).unwrap();
        r[0] &= [0xff, 0x7f, 0x00, 0x01][(s[1] % 4) as usize];
        cases.push((r, s));
    }
    for (r, s) in cases {
        let enc = der::encode(&r, &s);
        assert_eq!(der::decode(&enc).unwrap(), (r, s));
        // Same bytes as libcrux-ecdsa's own DER codec.
        let lc = libcrux_ecdsa::p256::Signature::from_raw(r, s);
        assert_eq!(&*lc.to_der(), &enc[..]);
        let back = libcrux_ecdsa::p256::Signature::from_der(&enc).unwrap();
        assert_eq!(back.as_bytes(), (&r, &s));
    }
    // 0x2a and 0x8000: 02 01 2a, 02 02 00 80 00 (leading zero for the high bit).
    assert_eq!(
        der::encode(&small, &high_small),
        vec![0x30, 0x08, 0x02, 0x01, 0x2a, 0x02, 0x03, 0x00, 0x80, 0x00]
    );
}

#[test]
fn rfc3279_2_2_3_malformed_der_rejected_without_panic() {
    let good = der::encode(&[0x11; 32], &[0x22; 32]);
    let mut bad: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x30],
        vec![0x30, 0x00],
        vec![0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
        // Wrong INTEGER tag.
        vec![0x30, 0x06, 0x03, 0x01, 0x01, 0x02, 0x01, 0x01],
        // Empty INTEGER.
        vec![0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01],
        // Negative INTEGER.
        vec![0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01],
        // Redundant leading zero.
        vec![0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01],
        // Only one INTEGER.
        vec![0x30, 0x03, 0x02, 0x01, 0x01],
        // Three INTEGERs.
        vec![
            0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01,
        ],
        // Long-form lengths.
        vec![0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
        vec![0x30, 0x07, 0x02, 0x81, 0x01, 0x01, 0x02, 0x01, 0x01],
        // Length past the end.
        vec![0x30, 0x06, 0x02, 0x05, 0x01, 0x02, 0x01, 0x01],
        vec![0x30, 0x7f, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
        // Integer longer than 32 bytes.
        [
            &[0x30, 0x26, 0x02, 0x21, 0x01][..],
            &[0u8; 32],
            &[0x02, 0x01, 0x01],
        ]
        .concat(),
        [
            &[0x30, 0x27, 0x02, 0x22, 0x00, 0x80][..],
            &[0u8; 32],
            &[0x02, 0x01, 0x01],
        ]
        .concat(),
    ];
    let mut trailing = good.clone();
    trailing.push(0);
    bad.push(trailing);
    let mut short_seq = good.clone();
    short_seq[1] -= 1;
    bad.push(short_seq);
    for b in &bad {
        assert_eq!(
            der::decode(b),
            Err(CryptoError::InvalidSignature),
            "{b:02x?}"
        );
        assert!(
            libcrux_ecdsa::p256::Signature::from_der(b).is_err(),
            "{b:02x?}"
        );
    }
    // Every truncation of a valid encoding is rejected.
    for i in 0..good.len() {
        assert!(der::decode(&good[..i]).is_err());
    }
}

#[test]
fn rfc9180_generic_and_hpke_rs_interoperate() {
    let mut rng = TestRng::new(5);
    for cs in provider()
        .supported_cipher_suites()
        .iter()
        .filter(|c| !c.is_pq())
    {
        let g = suite(*cs).unwrap();
        let r = hpke_rs_suite(*cs).unwrap();
        let (sk, pk) = g.hpke().derive_key_pair(b"interop ikm").unwrap();
        for (a, b) in [(g, r), (r, g)] {
            let ct = a
                .hpke()
                .seal(&pk, b"info", b"aad", b"hello", &mut rng)
                .unwrap();
            assert_eq!(
                b.hpke()
                    .open(&sk, &ct.kem_output, b"info", b"aad", &ct.ciphertext)
                    .unwrap(),
                b"hello"
            );
            let (enc, exp) = a
                .hpke()
                .setup_sender_and_export(&pk, b"info", b"ctx", 32, &mut rng)
                .unwrap();
            let exp2 = b
                .hpke()
                .setup_receiver_and_export(&sk, &enc, b"info", b"ctx", 32)
                .unwrap();
            assert_eq!(exp, exp2, "{cs:?}");
        }
    }
}

#[test]
fn rfc9180_7_1_3_hpke_rs_derive_key_pair_equals_core_dhkem_unclamped() {
    use mls_core::crypto::hpke::DhKem;
    static X: dh::X25519 = dh::X25519;
    static P: dh::P256 = dh::P256;
    static KDF: hash::HkdfSha256 = hash::HkdfSha256;
    let kems = [
        (CipherSuite(1), DhKem::new(&X, &KDF)),
        (CipherSuite(2), DhKem::new(&P, &KDF)),
        (CipherSuite(3), DhKem::new(&X, &KDF)),
    ];
    let mut unclamped = 0;
    for i in 0u8..32 {
        let ikm = vec![i; 32 + i as usize];
        for (cs, kem) in &kems {
            let (sk_c, pk_c) = kem.derive_key_pair(&ikm).unwrap();
            let (sk_r, pk_r) = hpke_rs_suite(*cs)
                .unwrap()
                .hpke()
                .derive_key_pair(&ikm)
                .unwrap();
            assert_eq!(sk_r.as_bytes(), sk_c.as_bytes(), "{cs:?} ikm {i}");
            assert_eq!(pk_r, pk_c, "{cs:?} ikm {i}");
            if cs.0 == 1 {
                let b = sk_c.as_bytes();
                if b[0] & 7 != 0 || b[31] & 0x80 != 0 || b[31] & 0x40 == 0 {
                    unclamped += 1;
                }
            }
        }
    }
    // The keys really are served unclamped (as the RFC vectors carry them).
    assert!(unclamped > 0);
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
    for s in [
        suite(CipherSuite(1)).unwrap(),
        hpke_rs_suite(CipherSuite(1)).unwrap(),
    ] {
        // DeriveKeyPair (A.1 ikmR / ikmE).
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
        // Open the vector's first ciphertext.
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
    let out = generic_hpke(CipherSuite(1))
        .unwrap()
        .seal_with_ephemeral(&pk_rm, &info, &aad, &pt, &sk_em)
        .unwrap();
    assert_eq!(out.kem_output, pk_em);
    assert_eq!(out.ciphertext, ct);
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
    for s in [
        suite(CipherSuite(2)).unwrap(),
        hpke_rs_suite(CipherSuite(2)).unwrap(),
    ] {
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
        assert_eq!(s.hpke().open(&sk, &pk_em, &info, &aad, &ct).unwrap(), pt);
    }
    let out = generic_hpke(CipherSuite(2))
        .unwrap()
        .seal_with_ephemeral(&pk_rm, &info, &aad, &pt, &sk_em)
        .unwrap();
    assert_eq!(out.kem_output, pk_em);
    assert_eq!(out.ciphertext, ct);
}

#[test]
fn rfc8439_2_8_2_chacha20poly1305_and_gcm_test_case_known_answers() {
    // RFC 8439 §2.8.2.
    let key = h("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
    let nonce = h("070000004041424344454647");
    let aad = h("50515253c0c1c2c3c4c5c6c7");
    let pt = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
    let ct = aead::ChaCha20Poly1305.seal(&key, &nonce, &aad, pt).unwrap();
    assert_eq!(
        ct[pt.len()..].to_vec(),
        h("1ae10b594f09e26a7e902ecbd0600691")
    );
    // AES-GCM test case 2 (McGrew & Viega): zero key, zero IV, one zero block.
    let ct = aead::Aes128Gcm
        .seal(&[0u8; 16], &[0u8; 12], b"", &[0u8; 16])
        .unwrap();
    assert_eq!(
        ct,
        h("0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf")
    );
    // Test case 14: AES-256, zero key, one zero block.
    let ct = aead::Aes256Gcm
        .seal(&[0u8; 32], &[0u8; 12], b"", &[0u8; 16])
        .unwrap();
    assert_eq!(
        ct,
        h("cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919")
    );
}

#[test]
fn rfc5869_a_1_hkdf_sha256_known_answer_and_length_limit() {
    let kdf = hash::HkdfSha256;
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
    assert_eq!(&max[..42], &okm[..]);
    // A PRK shorter than Nh is refused.
    assert_eq!(
        kdf.expand(&prk.as_bytes()[1..], &info, &mut okm),
        Err(CryptoError::InvalidKey)
    );
    for k in [&hash::HkdfSha384 as &dyn Kdf, &hash::HkdfSha512] {
        let prk = k.extract(b"", b"ikm").unwrap();
        assert_eq!(prk.len(), k.nh());
        let mut out = vec![0u8; 255 * k.nh() + 1];
        assert_eq!(
            k.expand(prk.as_bytes(), b"", &mut out),
            Err(CryptoError::InvalidLength)
        );
    }
}

#[test]
fn rfc5869_2_3_expand_uses_the_whole_prk_when_longer_than_nh() {
    // libcrux-hkdf reads only Nh bytes of the PRK; longer PRKs go through
    // HMAC directly. T(1) = HMAC(PRK, info || 0x01), T(2) = HMAC(PRK, T(1) || info || 0x02).
    for k in [
        &hash::HkdfSha256 as &dyn Kdf,
        &hash::HkdfSha384,
        &hash::HkdfSha512,
    ] {
        let nh = k.nh();
        let prk: Vec<u8> = (0..(nh + 7) as u8).collect();
        let mut out = vec![0u8; 2 * nh + 3];
        k.expand(&prk, b"info", &mut out).unwrap();
        let t1 = k.mac(&prk, b"info\x01").unwrap();
        let t2 = k.mac(&prk, &[t1.as_slice(), b"info\x02"].concat()).unwrap();
        let t3 = k.mac(&prk, &[t2.as_slice(), b"info\x03"].concat()).unwrap();
        assert_eq!(&out[..nh], t1.as_slice());
        assert_eq!(&out[nh..2 * nh], t2.as_slice());
        assert_eq!(&out[2 * nh..], &t3.as_slice()[..3]);
        // And with exactly Nh bytes the two paths agree.
        let mut a = vec![0u8; 100];
        k.expand(&prk[..nh], b"i", &mut a).unwrap();
        let t1 = k.mac(&prk[..nh], b"i\x01").unwrap();
        assert_eq!(&a[..nh], t1.as_slice());
    }
}

#[test]
fn rfc4231_4_3_hmac_sha2_known_answers() {
    let tag = hash::HkdfSha256
        .mac(b"Jefe", b"what do ya want for nothing?")
        .unwrap();
    assert_eq!(
        tag.to_vec(),
        h("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    );
    let tag512 = hash::HkdfSha512
        .mac(b"Jefe", b"what do ya want for nothing?")
        .unwrap();
    assert_eq!(
        tag512.to_vec(),
        h(
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        )
    );
    // Test case 6: a 131-byte key (longer than the block) is hashed first.
    let tag = hash::HkdfSha256
        .mac(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        )
        .unwrap();
    assert_eq!(
        tag.to_vec(),
        h("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    );
}

#[test]
fn rfc9180_7_1_4_dh_rejects_invalid_public_keys_and_zero_output() {
    let mut rng = TestRng::new(7);
    let sk = dh::X25519.generate_secret(&mut rng).unwrap();
    assert_eq!(
        dh::X25519.dh(sk.as_bytes(), &[0u8; 32]),
        Err(CryptoError::InvalidKey)
    );
    let mut one = [0u8; 32];
    one[0] = 1;
    assert_eq!(
        dh::X25519.dh(sk.as_bytes(), &one),
        Err(CryptoError::InvalidKey)
    );
    assert!(dh::X25519.dh(sk.as_bytes(), &[9u8; 31]).is_err());
    assert!(dh::X25519.dh(&[1u8; 31], &[9u8; 32]).is_err());
    assert!(dh::X25519.is_valid_secret(&[0u8; 32]));
    assert!(!dh::X25519.is_valid_secret(&[0u8; 31]));
    // RFC 7748 §6.1 known answer (Alice's public key).
    assert_eq!(
        dh::X25519
            .public_key(&h(
                "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
            ))
            .unwrap(),
        h("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
    );
    for g in [&dh::P256 as &dyn Dh, &dh::P384] {
        let sk = g.generate_secret(&mut rng).unwrap();
        let pk = g.public_key(sk.as_bytes()).unwrap();
        assert_eq!(pk.len(), g.public_len());
        let mut off = pk.clone();
        let last = off.len() - 1;
        off[last] ^= 1;
        assert_eq!(g.dh(sk.as_bytes(), &off), Err(CryptoError::InvalidKey));
        let mut compressed = vec![0x02 | (pk[pk.len() - 1] & 1)];
        compressed.extend_from_slice(&pk[1..1 + g.secret_len()]);
        assert_eq!(
            g.dh(sk.as_bytes(), &compressed),
            Err(CryptoError::InvalidKey)
        );
        assert_eq!(g.dh(sk.as_bytes(), &pk[1..]), Err(CryptoError::InvalidKey));
        assert_eq!(g.dh(sk.as_bytes(), &[0x00]), Err(CryptoError::InvalidKey));
        assert_eq!(g.dh(sk.as_bytes(), &[]), Err(CryptoError::InvalidKey));
        assert_eq!(
            g.dh(sk.as_bytes(), &vec![0u8; g.public_len()]),
            Err(CryptoError::InvalidKey)
        );
        let mut zero_point = vec![0u8; g.public_len()];
        zero_point[0] = 0x04;
        assert_eq!(
            g.dh(sk.as_bytes(), &zero_point),
            Err(CryptoError::InvalidKey)
        );
        assert!(!g.is_valid_secret(&vec![0u8; g.secret_len()]));
        assert!(!g.is_valid_secret(&vec![0xFFu8; g.secret_len()]));
        assert!(!g.is_valid_secret(&sk.as_bytes()[1..]));
        let mut one = vec![0u8; g.secret_len()];
        *one.last_mut().unwrap() = 1;
        assert!(g.is_valid_secret(&one));
        let sk2 = g.generate_secret(&mut rng).unwrap();
        let pk2 = g.public_key(sk2.as_bytes()).unwrap();
        assert_eq!(
            g.dh(sk.as_bytes(), &pk2).unwrap(),
            g.dh(sk2.as_bytes(), &pk).unwrap()
        );
        assert!(g.dh(&vec![0u8; g.secret_len()], &pk2).is_err());
    }
    // Group orders minus one are valid, the orders themselves are not.
    let n256 = h("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    assert!(!dh::P256.is_valid_secret(&n256));
    let mut n256m1 = n256.clone();
    n256m1[31] -= 1;
    assert!(dh::P256.is_valid_secret(&n256m1));
    let n384 = h(
        "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
    );
    assert!(!dh::P384.is_valid_secret(&n384));
    let mut n384m1 = n384.clone();
    n384m1[47] -= 1;
    assert!(dh::P384.is_valid_secret(&n384m1));
}

#[test]
fn rfc9180_7_1_3_p384_dhkem_agrees_with_hpke_rs_libcrux() {
    // The P-384 part is not used by a served suite; check it against
    // hpke-rs's own DHKEM(P-384) over libcrux-p384.
    use ::hpke_rs::hpke_types::{AeadAlgorithm, KdfAlgorithm, KemAlgorithm};
    use mls_core::crypto::hpke::{DhKem, GenericHpke};
    static P: dh::P384 = dh::P384;
    static KDF: hash::HkdfSha384 = hash::HkdfSha384;
    static AEAD: aead::Aes256Gcm = aead::Aes256Gcm;
    static G: GenericHpke = GenericHpke::new(DhKem::new(&P, &KDF), &KDF, &AEAD);
    static R: crate::hpke_rs::HpkeRs = crate::hpke_rs::HpkeRs::new(
        KemAlgorithm::DhKemP384,
        KdfAlgorithm::HkdfSha384,
        AeadAlgorithm::Aes256Gcm,
        &P,
    );
    let mut rng = TestRng::new(11);
    for i in 0u8..8 {
        let ikm = vec![i; 48];
        let (sk_g, pk_g) = G.derive_key_pair(&ikm).unwrap();
        let (sk_r, pk_r) = R.derive_key_pair(&ikm).unwrap();
        assert_eq!(sk_g, sk_r);
        assert_eq!(pk_g, pk_r);
        assert_eq!(pk_g.len(), 97);
        let ct = G.seal(&pk_g, b"i", b"a", b"p384", &mut rng).unwrap();
        assert_eq!(
            R.open(&sk_r, &ct.kem_output, b"i", b"a", &ct.ciphertext)
                .unwrap(),
            b"p384"
        );
        let ct = R.seal(&pk_g, b"i", b"a", b"p384", &mut rng).unwrap();
        assert_eq!(
            G.open(&sk_g, &ct.kem_output, b"i", b"a", &ct.ciphertext)
                .unwrap(),
            b"p384"
        );
    }
}

#[test]
fn rng_failure_is_reported_not_masked() {
    for s in both_hpke() {
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
    let mut p = crate::hpke_rs::Prefilled::draw(&mut TestRng::new(1), 4).unwrap();
    let mut buf = [0u8; 8];
    assert!(rand_core::TryRng::try_fill_bytes(&mut p, &mut buf).is_err());
    let mut buf = [0u8; 4];
    assert!(rand_core::TryRng::try_fill_bytes(&mut p, &mut buf).is_ok());
    assert!(rand_core::TryRng::try_fill_bytes(&mut p, &mut buf).is_err());
}

#[test]
fn rfc9420_5_1_hpke_private_key_import_rejects_invalid_keys() {
    for s in both_hpke() {
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
    // P-256: zero and out-of-range scalars.
    let s = suite(CipherSuite(2)).unwrap();
    for bad in [vec![0u8; 32], vec![0xFFu8; 32]] {
        assert!(s.hpke().public_key(&HpkePrivateKey::new(bad)).is_err());
    }
}

/// Both HPKE implementations seal, open and derive on every suite. With
/// `MLS_MEASURE_HPKE=1` (and `--release --nocapture`) it also produces the
/// measurement recorded in the crate documentation: batches of the two
/// implementations alternate and the fastest batch is kept, which filters
/// out load from other processes. It asserts nothing about time.
#[test]
fn hpke_generic_and_hpke_rs_both_serve_every_suite() {
    use std::time::{Duration, Instant};
    let measure = std::env::var("MLS_MEASURE_HPKE").is_ok_and(|v| v == "1");
    let (batches, n): (usize, u32) = if measure { (15, 100) } else { (1, 2) };
    let mut rng = TestRng::new(42);
    for cs in provider()
        .supported_cipher_suites()
        .iter()
        .filter(|c| !c.is_pq())
    {
        let impls = [
            ("generic", suite(*cs).unwrap()),
            ("hpke-rs", hpke_rs_suite(*cs).unwrap()),
        ];
        let mut best = [[Duration::MAX; 3]; 2];
        for _ in 0..batches {
            for (i, (_, s)) in impls.iter().enumerate() {
                let (sk, pk) = s.hpke().derive_key_pair(b"measure").unwrap();
                let ct = s
                    .hpke()
                    .seal(&pk, b"info", b"aad", &[0u8; 64], &mut rng)
                    .unwrap();
                let t = Instant::now();
                for _ in 0..n {
                    s.hpke()
                        .seal(&pk, b"info", b"aad", &[0u8; 64], &mut rng)
                        .unwrap();
                }
                best[i][0] = best[i][0].min(t.elapsed() / n);
                let t = Instant::now();
                for _ in 0..n {
                    s.hpke()
                        .open(&sk, &ct.kem_output, b"info", b"aad", &ct.ciphertext)
                        .unwrap();
                }
                best[i][1] = best[i][1].min(t.elapsed() / n);
                let t = Instant::now();
                for _ in 0..n {
                    s.hpke().derive_key_pair(b"measure").unwrap();
                }
                best[i][2] = best[i][2].min(t.elapsed() / n);
            }
        }
        for (i, (name, _)) in impls.iter().enumerate() {
            let [seal, open, dkp] = best[i];
            if measure {
                println!(
                    "suite {} {name}: seal {seal:?} open {open:?} derive {dkp:?}",
                    cs.0
                );
            }
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
