//! Unit tests, named after the rule they check.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hpke::Serializable as _;
use mls_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoError, CryptoProvider, Dh, HpkePrivateKey, Kdf, Rng,
    SignaturePrivateKey, Suite,
};
use sha2::Digest as _;

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
            let mut hasher = sha2::Sha256::new();
            hasher.update(self.seed.to_be_bytes());
            hasher.update(self.counter.to_be_bytes());
            self.counter += 1;
            let block = hasher.finalize();
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

fn suites() -> Vec<&'static Suite> {
    provider()
        .supported_cipher_suites()
        .iter()
        .map(|cs| suite(*cs).unwrap())
        .collect()
}

/// Both HPKE flavours of every served suite: (native-or-served, generic).
fn suite_pairs() -> Vec<(&'static Suite, &'static Suite)> {
    provider()
        .supported_cipher_suites()
        .iter()
        .filter_map(|cs| Some((suite(*cs).unwrap(), generic::suite(*cs)?)))
        .collect()
}

#[test]
fn rfc9420_17_1_every_suite_check_passes() {
    let p = provider();
    assert_eq!(p.name(), "rustcrypto");
    for cs in p.supported_cipher_suites() {
        let s = suite(*cs).unwrap();
        assert!(s.check(), "{cs:?}");
        if let Some(g) = generic::suite(*cs).or(generic::xwing_composed(*cs)) {
            assert!(g.check(), "generic {cs:?}");
        }
        let dynp = p.cipher_suite(*cs).unwrap();
        assert_eq!(dynp.cipher_suite(), *cs);
        let info = cs.info().unwrap();
        assert_eq!(dynp.aead().key_len(), info.nk);
        assert_eq!(dynp.aead().nonce_len(), info.nn);
        assert_eq!(dynp.kdf().nh(), info.nh);
        assert_eq!(dynp.hash().output_len(), info.nh);
    }
    assert!(p.cipher_suite(CipherSuite(8)).is_none());
    assert!(p.cipher_suite(CipherSuite(0x0A0A)).is_none());
}

#[cfg(feature = "x448")]
#[test]
fn rfc9420_17_1_all_seven_suites_served_with_x448_feature() {
    assert_eq!(
        &provider().supported_cipher_suites()[..7],
        &CipherSuite::RFC9420[..]
    );
    assert_eq!(
        &provider().supported_cipher_suites()[7..18],
        &CipherSuite::PQ[..]
    );
    assert_eq!(
        &provider().supported_cipher_suites()[18..],
        &CipherSuite::PQ_ALIASES[..]
    );
    let b = provider().borrowed_parts(CipherSuite(4));
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].part, "HPKE (X448)");
    assert_eq!(b[0].from, "mls-core generic HPKE");
    assert_eq!(provider().borrowed_parts(CipherSuite(6)), b);
    for cs in [1, 2, 3, 5, 7] {
        assert!(provider().borrowed_parts(CipherSuite(cs)).is_empty());
    }
}

#[cfg(not(feature = "x448"))]
#[test]
fn feature_x448_off_drops_suites_4_and_6() {
    let s = provider().supported_cipher_suites();
    assert_eq!(s.len(), 5 + 11 + 1);
    assert!(!s.contains(&CipherSuite(4)) && !s.contains(&CipherSuite(6)));
    assert!(provider().cipher_suite(CipherSuite(4)).is_none());
    assert!(provider().cipher_suite(CipherSuite(6)).is_none());
}

#[test]
fn rfc9420_5_1_2_ecdsa_keys_are_field_size_scalars_and_uncompressed_points() {
    use p256::elliptic_curve::sec1::ToSec1Point;
    let mut rng = TestRng::new(3);
    for (cs, n) in [(2u16, 32usize), (5, 66), (7, 48)] {
        let s = suite(CipherSuite(cs)).unwrap();
        let sig = s.signature();
        let (sk, pk) = sig.generate_key_pair(&mut rng).unwrap();
        assert_eq!(sk.as_bytes().len(), n);
        assert_eq!(pk.len(), 1 + 2 * n);
        assert_eq!(pk[0], 0x04);
        // Zero scalar is rejected.
        assert!(
            sig.public_key(&SignaturePrivateKey::new(vec![0u8; n]))
                .is_err()
        );
        // All-ones is >= the order for every curve.
        assert!(
            sig.public_key(&SignaturePrivateKey::new(vec![0xFFu8; n]))
                .is_err()
        );
        // DER signature.
        let signature = sig.sign(&sk, b"x").unwrap();
        assert_eq!(signature[0], 0x30);
        if signature[1] == 0x81 {
            assert_eq!(signature[2] as usize, signature.len() - 3);
        } else {
            assert_eq!(signature[1] as usize, signature.len() - 2);
        }
    }
    // A compressed point is rejected for verification.
    let s = suite(CipherSuite(2)).unwrap();
    let (sk, _) = s.signature().generate_key_pair(&mut rng).unwrap();
    let key = p256::SecretKey::from_bytes(sk.as_bytes().try_into().unwrap()).unwrap();
    let compressed = key.public_key().to_sec1_point(true).as_bytes().to_vec();
    let signature = s.signature().sign(&sk, b"x").unwrap();
    assert_eq!(
        s.signature().verify(&compressed, b"x", &signature),
        Err(CryptoError::InvalidKey)
    );
    // A raw (r || s) signature is not DER and is rejected.
    let raw = p256::ecdsa::Signature::from_der(&signature)
        .unwrap()
        .to_bytes();
    assert!(
        s.signature()
            .verify(&key_uncompressed(&key), b"x", &raw)
            .is_err()
    );
}

fn key_uncompressed(key: &p256::SecretKey) -> Vec<u8> {
    use p256::elliptic_curve::sec1::ToSec1Point;
    key.public_key().to_sec1_point(false).as_bytes().to_vec()
}

#[cfg(feature = "x448")]
#[test]
fn rfc8032_7_4_ed448_blank_known_answer() {
    let s = suite(CipherSuite(4)).unwrap();
    let sk = SignaturePrivateKey::new(h(
        "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b",
    ));
    let pk = h(
        "5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180",
    );
    let sig = h(
        "533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f2b233f034f628281f2fd7a22ddd47d7828c59bd0a21bfd3980ff0d2028d4b18a9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4dbb61149f05a7363268c71d95808ff2e652600",
    );
    assert_eq!(s.signature().public_key(&sk).unwrap(), pk);
    assert_eq!(s.signature().sign(&sk, b"").unwrap(), sig);
    s.signature().verify(&pk, b"", &sig).unwrap();
}

#[test]
fn rfc9180_native_and_generic_hpke_interoperate() {
    let mut rng = TestRng::new(5);
    for (native, generic) in suite_pairs() {
        let (sk, pk) = native.hpke().derive_key_pair(b"interop ikm").unwrap();
        let ct = native
            .hpke()
            .seal(&pk, b"info", b"aad", b"hello", &mut rng)
            .unwrap();
        assert_eq!(
            generic
                .hpke()
                .open(&sk, &ct.kem_output, b"info", b"aad", &ct.ciphertext)
                .unwrap(),
            b"hello"
        );
        let ct = generic
            .hpke()
            .seal(&pk, b"info", b"aad", b"hello", &mut rng)
            .unwrap();
        assert_eq!(
            native
                .hpke()
                .open(&sk, &ct.kem_output, b"info", b"aad", &ct.ciphertext)
                .unwrap(),
            b"hello"
        );
        let (enc, exp) = native
            .hpke()
            .setup_sender_and_export(&pk, b"info", b"ctx", 32, &mut rng)
            .unwrap();
        let exp2 = generic
            .hpke()
            .setup_receiver_and_export(&sk, &enc, b"info", b"ctx", 32)
            .unwrap();
        assert_eq!(exp, exp2, "{:?}", native.cipher_suite());
    }
}

fn hpke_crate_derive<M: hpke::Kem>(ikm: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (sk, pk) = M::derive_keypair(ikm);
    (sk.to_bytes().to_vec(), pk.to_bytes().to_vec())
}

fn clamp25519(mut k: Vec<u8>) -> Vec<u8> {
    k[0] &= 248;
    k[31] &= 127;
    k[31] |= 64;
    k
}

#[test]
fn rfc9180_7_1_3_derive_key_pair_matches_hpke_crate() {
    let ikms: Vec<Vec<u8>> = (0u8..8).map(|i| vec![i; 32 + i as usize]).collect();
    for ikm in &ikms {
        // P-256 / P-384 / P-521: identical private and public keys.
        for (cs, (sk_c, pk_c)) in [
            (2u16, hpke_crate_derive::<hpke::kem::DhP256HkdfSha256>(ikm)),
            (7, hpke_crate_derive::<hpke::kem::DhP384HkdfSha384>(ikm)),
            (5, hpke_crate_derive::<hpke::kem::DhP521HkdfSha512>(ikm)),
        ] {
            let (sk, pk) = suite(CipherSuite(cs))
                .unwrap()
                .hpke()
                .derive_key_pair(ikm)
                .unwrap();
            assert_eq!(sk.as_bytes(), &sk_c[..], "suite {cs}");
            assert_eq!(pk, pk_c, "suite {cs}");
        }
        // X25519: identical public keys; the hpke crate serializes the
        // private key clamped, the core (and the RFC vectors) unclamped.
        let (sk_c, pk_c) = hpke_crate_derive::<hpke::kem::X25519HkdfSha256>(ikm);
        for cs in [1u16, 3] {
            let (sk, pk) = suite(CipherSuite(cs))
                .unwrap()
                .hpke()
                .derive_key_pair(ikm)
                .unwrap();
            assert_eq!(pk, pk_c);
            assert_eq!(clamp25519(sk.as_bytes().to_vec()), sk_c);
        }
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

    let native = suite(CipherSuite(1)).unwrap();
    for s in [native, generic::suite(CipherSuite(1)).unwrap()] {
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
    }
    let g = generic::hpke(CipherSuite(1)).unwrap();
    let out = g
        .seal_with_ephemeral(&pk_rm, &info, &aad, &pt, &sk_em)
        .unwrap();
    assert_eq!(out.kem_output, pk_em);
    assert_eq!(out.ciphertext, ct);
    // The hpke-crate HPKE opens the vector's ciphertext.
    let sk = HpkePrivateKey::new(sk_rm.clone());
    assert_eq!(
        native.hpke().open(&sk, &pk_em, &info, &aad, &ct).unwrap(),
        pt
    );
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
        for s in [native, generic::suite(CipherSuite(1)).unwrap()] {
            let got = s
                .hpke()
                .setup_receiver_and_export(&sk, &pk_em, &info, &h(ctx), 32)
                .unwrap();
            assert_eq!(got.as_bytes(), &h(want)[..]);
        }
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

    let native = suite(CipherSuite(2)).unwrap();
    let (sk, pk) = native
        .hpke()
        .derive_key_pair(&h(
            "668b37171f1072f3cf12ea8a236a45df23fc13b82af3609ad1e354f6ef817550",
        ))
        .unwrap();
    assert_eq!(sk.as_bytes(), &sk_rm[..]);
    assert_eq!(pk, pk_rm);
    let (ske, pke) = native
        .hpke()
        .derive_key_pair(&h(
            "4270e54ffd08d79d5928020af4686d8f6b7d35dbe470265f1f5aa22816ce860e",
        ))
        .unwrap();
    assert_eq!(ske.as_bytes(), &sk_em[..]);
    assert_eq!(pke, pk_em);
    let out = generic::hpke(CipherSuite(2))
        .unwrap()
        .seal_with_ephemeral(&pk_rm, &info, &aad, &pt, &sk_em)
        .unwrap();
    assert_eq!(out.kem_output, pk_em);
    assert_eq!(out.ciphertext, ct);
    assert_eq!(
        native.hpke().open(&sk, &pk_em, &info, &aad, &ct).unwrap(),
        pt
    );
}

#[test]
fn rfc5869_a_1_hkdf_sha256_known_answer_and_length_limit() {
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
    for k in [&HkdfSha384 as &dyn Kdf, &HkdfSha512] {
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
fn rfc4231_4_3_hmac_sha256_known_answer() {
    let tag = HkdfSha256
        .mac(b"Jefe", b"what do ya want for nothing?")
        .unwrap();
    assert_eq!(
        tag.to_vec(),
        h("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    );
    let tag512 = HkdfSha512
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
fn rfc9180_7_1_4_dh_rejects_invalid_public_keys_and_zero_output() {
    let mut rng = TestRng::new(7);
    // X25519: the zero point and other low-order points give an all-zero result.
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
    #[cfg(feature = "x448")]
    {
        let sk = dh::X448.generate_secret(&mut rng).unwrap();
        assert_eq!(
            dh::X448.dh(sk.as_bytes(), &[0u8; 56]),
            Err(CryptoError::InvalidKey)
        );
        let mut one = [0u8; 56];
        one[0] = 1;
        assert_eq!(
            dh::X448.dh(sk.as_bytes(), &one),
            Err(CryptoError::InvalidKey)
        );
        assert!(dh::X448.dh(sk.as_bytes(), &[5u8; 55]).is_err());
        assert!(dh::X448.is_valid_secret(&[0u8; 56]));
        assert!(!dh::X448.is_valid_secret(&[0u8; 57]));
        // Round trip.
        let sk2 = dh::X448.generate_secret(&mut rng).unwrap();
        let pk1 = dh::X448.public_key(sk.as_bytes()).unwrap();
        let pk2 = dh::X448.public_key(sk2.as_bytes()).unwrap();
        assert_eq!(
            dh::X448.dh(sk.as_bytes(), &pk2).unwrap(),
            dh::X448.dh(sk2.as_bytes(), &pk1).unwrap()
        );
    }
    // Prime curves: off-curve, compressed, identity and wrong-length points.
    for g in [&dh::P256 as &dyn Dh, &dh::P384, &dh::P521] {
        let sk = g.generate_secret(&mut rng).unwrap();
        let pk = g.public_key(sk.as_bytes()).unwrap();
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
        assert_eq!(g.dh(sk.as_bytes(), &[0x00]), Err(CryptoError::InvalidKey));
        assert_eq!(
            g.dh(sk.as_bytes(), &vec![0u8; g.public_len()]),
            Err(CryptoError::InvalidKey)
        );
        // is_valid_secret: non-zero and below the order, exact length.
        assert!(!g.is_valid_secret(&vec![0u8; g.secret_len()]));
        assert!(!g.is_valid_secret(&vec![0xFFu8; g.secret_len()]));
        assert!(!g.is_valid_secret(&sk.as_bytes()[1..]));
        let mut one = vec![0u8; g.secret_len()];
        *one.last_mut().unwrap() = 1;
        assert!(g.is_valid_secret(&one));
        // Round trip.
        let sk2 = g.generate_secret(&mut rng).unwrap();
        let pk2 = g.public_key(sk2.as_bytes()).unwrap();
        assert_eq!(
            g.dh(sk.as_bytes(), &pk2).unwrap(),
            g.dh(sk2.as_bytes(), &pk).unwrap()
        );
    }
    // Group orders minus one are valid, the orders themselves are not.
    let n256 = h("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    assert!(!dh::P256.is_valid_secret(&n256));
    let mut n256m1 = n256.clone();
    n256m1[31] -= 1;
    assert!(dh::P256.is_valid_secret(&n256m1));
}

#[test]
fn rng_failure_is_reported_not_masked() {
    for (native, generic) in suite_pairs() {
        for s in [native, generic] {
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
    let mut f = FailingRng;
    let mut r = RandCoreRng::new(&mut f);
    let mut buf = [1u8; 8];
    rand_core::TryRng::try_fill_bytes(&mut r, &mut buf).unwrap();
    assert_eq!(buf, [0u8; 8]);
    assert!(r.failed());
    assert_eq!(r.finish(), Err(CryptoError::RngFailure));
}

#[test]
fn os_rng_fills_and_serves_the_provider() {
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    OsRng.fill(&mut a).unwrap();
    OsRng.fill(&mut b).unwrap();
    assert_ne!(a, b);
    let s = suite(CipherSuite(1)).unwrap();
    let (sk, pk) = s.hpke().generate_key_pair(&mut OsRng).unwrap();
    let ct = s.hpke().seal(&pk, b"i", b"a", b"p", &mut OsRng).unwrap();
    assert_eq!(
        s.hpke()
            .open(&sk, &ct.kem_output, b"i", b"a", &ct.ciphertext)
            .unwrap(),
        b"p"
    );
    let mut os = OsRng;
    let mut r = RandCoreRng::new(&mut os);
    assert_ne!(
        rand_core::Rng::next_u64(&mut r),
        rand_core::Rng::next_u64(&mut r)
    );
    assert!(r.finish().is_ok());
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

/// One PQ suite against the `hpke` crate's implementation of the same
/// draft-ietf-hpke-pq KEM, KDF and AEAD: DeriveKeyPair gives the same
/// private and public keys, and each side opens what the other seals.
fn pq_against_hpke_crate<A, K, M>(cs: CipherSuite, ours: &dyn mls_core::crypto::Hpke)
where
    A: hpke::aead::Aead,
    K: hpke::kdf::Kdf,
    M: hpke::Kem,
{
    use hpke::{Deserializable, OpModeR, OpModeS};
    let mut rng = TestRng::new(cs.0 as u64);
    for i in 0u8..4 {
        let ikm = vec![i; 32 + i as usize];
        let (sk_c, pk_c) = hpke_crate_derive::<M>(&ikm);
        let (sk, pk) = ours.derive_key_pair(&ikm).unwrap();
        assert_eq!(
            sk.as_bytes(),
            &sk_c[..],
            "{cs:?}: DeriveKeyPair private key"
        );
        assert_eq!(pk, pk_c, "{cs:?}: DeriveKeyPair public key");
        // The hpke crate seals, we open.
        let pk_m = M::PublicKey::from_bytes(&pk).unwrap();
        let mut r = RandCoreRng::new(&mut rng);
        let (enc, ct) = hpke::single_shot_seal_with_rng::<A, K, M>(
            &OpModeS::Base,
            &pk_m,
            b"info",
            b"from the hpke crate",
            b"aad",
            &mut r,
        )
        .unwrap();
        let enc = enc.to_bytes().to_vec();
        assert_eq!(
            ours.open(&sk, &enc, b"info", b"aad", &ct).unwrap(),
            b"from the hpke crate",
            "{cs:?}"
        );
        // We seal, the hpke crate opens.
        let ct = ours
            .seal(&pk, b"info", b"aad", b"from mls-core", &mut rng)
            .unwrap();
        let sk_m = M::PrivateKey::from_bytes(sk.as_bytes()).unwrap();
        let enc_m = M::EncappedKey::from_bytes(&ct.kem_output).unwrap();
        let pt = hpke::single_shot_open::<A, K, M>(
            &OpModeR::Base,
            &sk_m,
            &enc_m,
            b"info",
            &ct.ciphertext,
            b"aad",
        )
        .unwrap();
        assert_eq!(pt, b"from mls-core", "{cs:?}");
    }
}

/// draft-ietf-hpke-pq: the five PQ KEMs of draft-ietf-mls-pq-ciphersuites-06
/// as this backend serves them (ML-KEM through the core's `MlKemHpkeKem`,
/// X-Wing from the `x-wing` crate and composed by the core, the NIST hybrids
/// composed by the core's `HybridKem`) agree with the `hpke` crate.
#[test]
fn pq_kems_match_hpke_crate() {
    use hpke::aead::{AesGcm128, AesGcm256};
    use hpke::kdf::{HkdfSha256, HkdfSha384};
    use hpke::kem::{MlKem768, MlKem768P256, MlKem1024, MlKem1024P384, XWing};
    let pq = CipherSuite::PQ;
    let hpke_of = |cs: CipherSuite| suite(cs).unwrap().hpke();
    pq_against_hpke_crate::<AesGcm128, HkdfSha256, XWing>(pq[0], hpke_of(pq[0]));
    pq_against_hpke_crate::<AesGcm128, HkdfSha256, XWing>(
        pq[0],
        generic::xwing_composed(pq[0]).unwrap().hpke(),
    );
    pq_against_hpke_crate::<AesGcm256, HkdfSha384, XWing>(pq[1], hpke_of(pq[1]));
    pq_against_hpke_crate::<AesGcm128, HkdfSha256, MlKem768P256>(pq[2], hpke_of(pq[2]));
    pq_against_hpke_crate::<AesGcm256, HkdfSha384, MlKem768P256>(pq[3], hpke_of(pq[3]));
    pq_against_hpke_crate::<AesGcm256, HkdfSha384, MlKem1024P384>(pq[4], hpke_of(pq[4]));
    pq_against_hpke_crate::<AesGcm256, HkdfSha384, MlKem768>(pq[5], hpke_of(pq[5]));
    pq_against_hpke_crate::<AesGcm256, HkdfSha384, MlKem1024>(pq[7], hpke_of(pq[7]));
}

/// The X-Wing of the `x-wing` crate and the one the core composes from
/// `ml-kem`, X25519 and SHA-3 are the same KEM: same keys, each decapsulates
/// the other's ciphertexts.
#[test]
fn xwing_native_and_composed_agree() {
    use mls_core::crypto::kem::Kem;
    let native = &pq::XWing;
    let composed = generic::xwing_composed_kem();
    let mut rng = TestRng::new(77);
    for i in 0u8..4 {
        let (sk, pk) = native.derive_key_pair(&[i; 40]).unwrap();
        let (sk2, pk2) = composed.derive_key_pair(&[i; 40]).unwrap();
        assert!(sk == sk2 && pk == pk2);
        for (a, b) in [
            (native as &dyn Kem, composed as &dyn Kem),
            (composed as &dyn Kem, native as &dyn Kem),
        ] {
            let (ss, enc) = a.encap(&pk, &mut rng).unwrap();
            assert!(b.decap(&enc, &sk).unwrap() == ss);
        }
    }
}
