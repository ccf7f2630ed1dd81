//! Cross-checks between backends (and between native and generic HPKE) on
//! random inputs: every suite served by two or more backends must agree on
//! hashes, KDF and MAC outputs, AEAD ciphertexts and DeriveKeyPair, and
//! each must open, verify and reject what the others produce.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::crypto::labeled::{decrypt_with_label, encrypt_with_label};
use mls_core::crypto::{CipherSuite, CipherSuiteProvider, Hpke, SignaturePrivateKey};
use mls_vectors::{TestRng, backends};
use proptest::prelude::*;

/// The backends serving one suite.
type Servers = Vec<(&'static str, &'static dyn CipherSuiteProvider)>;

/// (suite, servers) for suites served by at least two backends: the RFC 9420
/// suites and the post-quantum ones (draft-ietf-mls-pq-ciphersuites-06).
/// For the X-Wing suites the RustCrypto backend's second X-Wing, composed by
/// the core from `ml-kem`, X25519 and SHA-3, counts as one more server.
fn shared_suites() -> Vec<(CipherSuite, Servers)> {
    let mut out = Vec::new();
    for suite in CipherSuite::RFC9420.into_iter().chain(CipherSuite::PQ) {
        #[allow(unused_mut)]
        let mut servers: Vec<_> = backends()
            .into_iter()
            .filter_map(|(n, p)| p.cipher_suite(suite).map(|cs| (n, cs)))
            .collect();
        #[cfg(feature = "rustcrypto")]
        if let Some(s) = mls_crypto_rustcrypto::generic::xwing_composed(suite) {
            servers.push(("rustcrypto-composed-xwing", s as &dyn CipherSuiteProvider));
        }
        if servers.len() >= 2 {
            out.push((suite, servers));
        }
    }
    out
}

#[test]
fn cross_backend_suites_exist() {
    // With the default features at least two backends share suite 1.
    assert!(
        shared_suites().iter().any(|(s, _)| *s == CipherSuite(1)),
        "no suite shared by two backends"
    );
    // Every PQ suite has two servers or more: RustCrypto serves all eleven,
    // libcrux nine (not TBD5/TBD8: no ECDSA P-384), aws-lc TBD1-TBD8.
    #[cfg(all(feature = "rustcrypto", feature = "libcrux", feature = "awslc"))]
    {
        let pq = shared_suites()
            .into_iter()
            .filter(|(s, _)| s.is_pq())
            .count();
        assert_eq!(pq, 11, "PQ suites with two or more servers");
    }
}

fn flip(v: &mut [u8], i: usize) {
    if !v.is_empty() {
        let n = v.len();
        v[i % n] ^= 0x01;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// RFC 9420 §5.1: hash, KDF (extract/expand), MAC agree across backends.
    #[test]
    fn rfc9420_5_1_hash_kdf_mac_agree(data in proptest::collection::vec(any::<u8>(), 0..200), salt in proptest::collection::vec(any::<u8>(), 0..64)) {
        for (suite, servers) in shared_suites() {
            let (n0, a) = servers[0];
            let prk = a.kdf().extract(&salt, &data).unwrap();
            let mut out_a = vec![0u8; 77];
            a.kdf().expand(prk.as_bytes(), &data, &mut out_a).unwrap();
            for (n, b) in &servers[1..] {
                prop_assert_eq!(a.hash().hash(&data), b.hash().hash(&data), "{:?} hash {} vs {}", suite, n0, n);
                let prk_b = b.kdf().extract(&salt, &data).unwrap();
                prop_assert!(prk == prk_b, "{:?} extract {} vs {}", suite, n0, n);
                let mut out_b = vec![0u8; 77];
                b.kdf().expand(prk.as_bytes(), &data, &mut out_b).unwrap();
                prop_assert_eq!(&out_a, &out_b, "{:?} expand {} vs {}", suite, n0, n);
                prop_assert_eq!(a.kdf().mac(prk.as_bytes(), &data).unwrap(), b.kdf().mac(prk.as_bytes(), &data).unwrap());
            }
        }
    }

    /// RFC 9420 §5.1: AEAD outputs are identical; each opens the others' and
    /// rejects a flipped bit.
    #[test]
    fn rfc9420_5_1_aead_agree(pt in proptest::collection::vec(any::<u8>(), 0..300), aad in proptest::collection::vec(any::<u8>(), 0..40), seed in any::<u64>(), bit in any::<usize>()) {
        for (suite, servers) in shared_suites() {
            let info = suite.info().unwrap();
            let mut key = vec![0u8; info.nk];
            let mut nonce = vec![0u8; info.nn];
            let mut rng = TestRng::new(seed);
            mls_core::crypto::Rng::fill(&mut rng, &mut key).unwrap();
            mls_core::crypto::Rng::fill(&mut rng, &mut nonce).unwrap();
            let (_, a) = servers[0];
            let ct = a.aead().seal(&key, &nonce, &aad, &pt).unwrap();
            for (n, b) in &servers {
                prop_assert_eq!(&b.aead().seal(&key, &nonce, &aad, &pt).unwrap(), &ct, "{:?} {}", suite, n);
                prop_assert_eq!(&b.aead().open(&key, &nonce, &aad, &ct).unwrap(), &pt);
                let mut bad = ct.clone();
                flip(&mut bad, bit);
                prop_assert!(b.aead().open(&key, &nonce, &aad, &bad).is_err(), "{:?} {} accepted a tampered ciphertext", suite, n);
            }
        }
    }

    /// RFC 9180 §7.1.3: DeriveKeyPair gives the same key pair everywhere;
    /// RFC 9420 §5.1.3: what one backend seals every other opens, and a
    /// tampered ciphertext is rejected by all; exports agree.
    #[test]
    fn rfc9420_5_1_3_hpke_cross_open(ikm in proptest::collection::vec(any::<u8>(), 32..64), pt in proptest::collection::vec(any::<u8>(), 0..100), seed in any::<u64>(), bit in any::<usize>()) {
        for (suite, servers) in shared_suites() {
            let (sk, pk) = servers[0].1.hpke().derive_key_pair(&ikm).unwrap();
            for (n, b) in &servers {
                let (sk_b, pk_b) = b.hpke().derive_key_pair(&ikm).unwrap();
                prop_assert!(sk == sk_b && pk == pk_b, "{:?} {}: DeriveKeyPair differs", suite, n);
            }
            for (ns, sealer) in &servers {
                let mut rng = TestRng::new(seed);
                let ct = encrypt_with_label(*sealer, &pk, b"Cross", b"ctx", &pt, &mut rng).unwrap();
                let (enc, exported) = sealer.hpke().setup_sender_and_export(&pk, b"info", b"exp", 32, &mut rng).unwrap();
                for (no, opener) in &servers {
                    let got = decrypt_with_label(*opener, &sk, b"Cross", b"ctx", &ct.kem_output, &ct.ciphertext);
                    prop_assert_eq!(got.as_deref().ok(), Some(pt.as_slice()), "{:?}: {} sealed, {} failed to open", suite, ns, no);
                    let mut bad = ct.ciphertext.clone();
                    flip(&mut bad, bit);
                    prop_assert!(decrypt_with_label(*opener, &sk, b"Cross", b"ctx", &ct.kem_output, &bad).is_err());
                    let rx = opener.hpke().setup_receiver_and_export(&sk, &enc, b"info", b"exp", 32).unwrap();
                    prop_assert!(rx == exported, "{:?}: export {} vs {}", suite, ns, no);
                }
            }
        }
    }

    /// RFC 9420 §5.1.2: what one backend signs every other verifies; a
    /// signature over other content is rejected by all.
    #[test]
    fn rfc9420_5_1_2_signatures_cross_verify(msg in proptest::collection::vec(any::<u8>(), 0..200), seed in any::<u64>()) {
        for (suite, servers) in shared_suites() {
            for (ns, signer) in &servers {
                let mut rng = TestRng::new(seed);
                let (sk, pk): (SignaturePrivateKey, Vec<u8>) = signer.signature().generate_key_pair(&mut rng).unwrap();
                let sig = signer.signature().sign(&sk, &msg).unwrap();
                for (nv, verifier) in &servers {
                    prop_assert!(verifier.signature().public_key(&sk).unwrap() == pk, "{:?}: public key {} vs {}", suite, ns, nv);
                    prop_assert!(verifier.signature().verify(&pk, &msg, &sig).is_ok(), "{:?}: {} signed, {} rejected", suite, ns, nv);
                    let mut other = msg.clone();
                    other.push(1);
                    prop_assert!(verifier.signature().verify(&pk, &other, &sig).is_err());
                }
            }
        }
    }
}

/// RFC 9420 §5.1.2: a private key keeps the backend's prepared form of
/// itself after its first signature (`SignaturePrivateKey::with_prepared`).
/// One key signs through every backend in turn, twice each, then through
/// the first again: every path (prepare and keep, reuse, another backend's
/// form already kept) signs what a fresh copy of the key signs. EdDSA is
/// deterministic, so its signatures are byte-identical; every signature
/// verifies everywhere.
#[test]
fn rfc9420_5_1_2_a_kept_signing_key_signs_as_a_fresh_one() {
    let msg = b"the same content, signed again and again";
    for (suite, servers) in shared_suites() {
        let mut rng = TestRng::new(u64::from(suite.0));
        let (sk, pk) = servers[0]
            .1
            .signature()
            .generate_key_pair(&mut rng)
            .unwrap();
        let deterministic = matches!(
            suite.info().unwrap().signature,
            mls_core::crypto::SignatureScheme::Ed25519 | mls_core::crypto::SignatureScheme::Ed448
        );
        let reference = servers[0].1.signature().sign(&sk.duplicate(), msg).unwrap();
        let order = servers.iter().chain(servers.iter().take(1));
        for (ns, signer) in order {
            for round in 0..2 {
                let sig = signer.signature().sign(&sk, msg).unwrap();
                if deterministic {
                    assert_eq!(sig, reference, "{suite:?}: {ns} round {round}");
                }
                for (nv, verifier) in &servers {
                    assert!(
                        verifier.signature().verify(&pk, msg, &sig).is_ok(),
                        "{suite:?}: {ns} signed (round {round}), {nv} rejected"
                    );
                }
            }
        }
    }
}

/// A kept signing form belongs to one scheme: the same private key handed
/// to another scheme of the same backend (P-256 then P-384, Ed25519 then
/// P-256) signs exactly as a fresh copy of the key would, or is refused as a
/// fresh copy would be. A form found only by its Rust type would let a P-256
/// key pair sign for P-384 where aws-lc-rs has one type for every curve.
#[test]
fn rfc9420_5_1_2_a_kept_signing_key_is_not_reused_by_another_scheme() {
    let msg = b"signed under one scheme, then another";
    for (name, backend) in backends() {
        let served: Vec<_> = CipherSuite::RFC9420
            .into_iter()
            .chain(CipherSuite::PQ)
            .filter_map(|s| backend.cipher_suite(s).map(|cs| (s, cs)))
            .collect();
        for (sa, a) in &served {
            let mut rng = TestRng::new(u64::from(sa.0));
            let (sk, _) = a.signature().generate_key_pair(&mut rng).unwrap();
            a.signature().sign(&sk, msg).unwrap();
            for (sb, b) in &served {
                if a.signature().scheme() == b.signature().scheme() {
                    continue;
                }
                let kept = b.signature().sign(&sk, msg);
                let fresh = b.signature().sign(&sk.duplicate(), msg);
                assert_eq!(
                    kept.is_ok(),
                    fresh.is_ok(),
                    "{name}: a {sa:?} key signing for {sb:?}: kept {kept:?}, fresh {fresh:?}"
                );
                if let Ok(sig) = kept {
                    let pk = b.signature().public_key(&sk.duplicate()).unwrap();
                    assert!(
                        b.signature().verify(&pk, msg, &sig).is_ok(),
                        "{name}: a {sa:?} key signed for {sb:?} with another scheme's form"
                    );
                }
            }
        }
    }
}

/// Native HPKE implementations (the `hpke` crate in the RustCrypto backend)
/// against the core's generic RFC 9180 HPKE, both directions.
#[cfg(feature = "rustcrypto")]
#[test]
fn rfc9180_native_hpke_matches_generic() {
    for suite in CipherSuite::RFC9420 {
        let (Some(native), Some(generic)) = (
            mls_crypto_rustcrypto::suite(suite),
            mls_crypto_rustcrypto::generic::hpke(suite),
        ) else {
            continue;
        };
        let native: &dyn Hpke = native.hpke();
        let generic: &dyn Hpke = generic;
        for seed in 0..4u64 {
            let ikm = [seed as u8; 48];
            let (sk, pk) = native.derive_key_pair(&ikm).unwrap();
            let (sk2, pk2) = generic.derive_key_pair(&ikm).unwrap();
            assert!(sk == sk2 && pk == pk2, "{suite:?}");
            let mut rng = TestRng::new(seed);
            for (a, b) in [(native, generic), (generic, native)] {
                let ct = a.seal(&pk, b"info", b"aad", b"payload", &mut rng).unwrap();
                assert_eq!(
                    b.open(&sk, &ct.kem_output, b"info", b"aad", &ct.ciphertext)
                        .unwrap(),
                    b"payload"
                );
            }
        }
    }
}

/// Why no backend verifies Ed25519 signatures with a batch equation.
///
/// Single verification in every backend is cofactorless (RFC 8032 §5.1.7:
/// `[S]B = R + [k]A`; `verify_strict` in ed25519-dalek, BoringSSL's and
/// aws-lc's check, libcrux's). Batch verification checks a random linear
/// combination of the equations, which is sound only when multiplied by
/// the cofactor 8: `[8]([S]B - R - [k]A) = 0`. The two disagree on any
/// signature whose R carries a torsion component T: `[S]B - [k]A = R - T`
/// fails the cofactorless check but passes the cofactored one. An attacker
/// makes such signatures at will (below), so a batch would accept
/// signatures every strict verifier refuses: members with and without the
/// batch path would disagree on a commit, and the group forks. Telling the
/// two apart costs a check that R is torsion-free ([L]R = 0), about a
/// verification's worth of curve arithmetic, which is all batching saves.
/// So joins and bulk adds verify one by one (in parallel with the
/// `parallel` feature), and this test pins that every backend refuses
/// these signatures while the cofactored equation holds for them.
#[test]
fn ed25519_signature_with_torsion_in_r_is_refused_by_every_backend() {
    use curve25519_dalek::constants::EIGHT_TORSION;
    use curve25519_dalek::edwards::EdwardsPoint;
    use curve25519_dalek::scalar::Scalar;
    use curve25519_dalek::traits::IsIdentity;
    use sha2::{Digest, Sha512};

    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    let message = b"a LeafNodeTBS, say";
    let a = Scalar::from_bytes_mod_order([7u8; 32]);
    let big_a = EdwardsPoint::mul_base(&a);
    let pk = big_a.compress().to_bytes();
    let r = Scalar::from_bytes_mod_order([9u8; 32]);
    for (t, torsion) in EIGHT_TORSION.iter().enumerate() {
        // R = rB + T, k = H(R || A || M), S = r + k a: a signature a
        // signer could only make on purpose.
        let big_r = EdwardsPoint::mul_base(&r) + torsion;
        let r_bytes = big_r.compress().to_bytes();
        let k = Scalar::from_bytes_mod_order_wide(
            &Sha512::new()
                .chain_update(r_bytes)
                .chain_update(pk)
                .chain_update(message)
                .finalize()
                .into(),
        );
        let s = r + k * a;
        let mut sig = r_bytes.to_vec();
        sig.extend_from_slice(s.as_bytes());
        // The cofactored (batch) equation accepts it, whatever T.
        let d = EdwardsPoint::mul_base(&s) - big_r - k * big_a;
        assert!(
            d.mul_by_cofactor().is_identity(),
            "torsion {t}: cofactored equation"
        );
        for (name, provider) in backends() {
            let Some(cs) = provider.cipher_suite(suite) else {
                continue;
            };
            let verdict = cs.signature().verify(&pk, message, &sig);
            if t == 0 {
                // No torsion: an ordinary valid signature.
                assert!(
                    verdict.is_ok(),
                    "{name}: the torsion-free signature is valid"
                );
            } else {
                assert!(
                    verdict.is_err(),
                    "{name}: accepted a signature with a torsion point of R (torsion {t})"
                );
            }
        }
    }
}
