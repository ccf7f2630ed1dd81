//! The shared conformance harness every crypto backend runs: known answers
//! from the primitives' RFCs and round-trip/tamper checks through the
//! core's traits, for every suite a provider serves.
//!
//! Backends call [`check_provider`] from their tests (`mls-vectors` runs it
//! over every backend), so the checks are written once. Backend-specific
//! tests (key encodings, internal constants, native-vs-generic HPKE) stay
//! in the backend crates.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::labeled::{decrypt_with_label, encrypt_with_label};
use super::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, HpkePrivateKey, KdfId, KemId, Rng,
    SignaturePrivateKey,
};

/// A failed check: which suite, which rule, what happened.
pub type Failure = String;

fn hex(s: &str) -> Vec<u8> {
    // Constants below are valid hex; a bad digit yields an empty vector and
    // a failing comparison, never a panic.
    let b = s.as_bytes();
    let nib = |c: u8| -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        }
    };
    b.chunks(2)
        .map(|p| {
            match (
                p.first().copied().and_then(nib),
                p.get(1).copied().and_then(nib),
            ) {
                (Some(h), Some(l)) => Some(h << 4 | l),
                _ => None,
            }
        })
        .collect::<Option<Vec<u8>>>()
        .unwrap_or_default()
}

fn check(ok: bool, suite: CipherSuite, what: &str) -> Result<(), Failure> {
    if ok {
        Ok(())
    } else {
        Err(format!("{suite:?}: {what}"))
    }
}

/// Runs every check on every suite `provider` serves. `rng` supplies the
/// randomness of key generation and encryption.
pub fn check_provider(provider: &dyn CryptoProvider, rng: &mut dyn Rng) -> Result<usize, Failure> {
    let mut checked = 0;
    for &s in provider.supported_cipher_suites() {
        let cs = provider
            .cipher_suite(s)
            .ok_or_else(|| format!("{s:?}: declared but not served"))?;
        check(cs.cipher_suite() == s, s, "provider returned another suite")?;
        hash_and_kdf(cs)?;
        aead(cs)?;
        signatures(cs, rng)?;
        malformed_signature_inputs(cs, rng)?;
        hpke(cs, rng)?;
        public_key_validation(cs, rng)?;
        hpke_seal_many(cs, rng)?;
        known_answers(cs)?;
        if cs.info().kem.is_pq() {
            pq_kem_inputs(cs, rng)?;
        }
        checked += 1;
    }
    Ok(checked)
}

/// FIPS 180-4 SHA-2 of "abc", RFC 4231 §4.3 HMAC, RFC 5869 A.1 HKDF and
/// the 255·Nh output limit.
fn hash_and_kdf(cs: &dyn CipherSuiteProvider) -> Result<(), Failure> {
    let s = cs.cipher_suite();
    let (sha_abc, hmac_jefe) = match cs.kdf().id() {
        KdfId::HkdfSha256 => (
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        ),
        KdfId::HkdfSha384 => (
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
        ),
        KdfId::HkdfSha512 => (
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
        ),
    };
    check(
        cs.hash().hash(b"abc").as_slice() == hex(sha_abc).as_slice(),
        s,
        "FIPS 180-4 SHA-2(\"abc\")",
    )?;
    check(
        cs.hash().hash_parts(&[b"a", b"", b"bc"]) == cs.hash().hash(b"abc"),
        s,
        "hash_parts differs from hash",
    )?;
    let mac = cs
        .kdf()
        .mac(b"Jefe", b"what do ya want for nothing?")
        .map_err(|e| format!("{s:?}: HMAC: {e}"))?;
    check(
        mac.as_slice() == hex(hmac_jefe).as_slice(),
        s,
        "RFC 4231 §4.3 HMAC",
    )?;
    let nh = cs.kdf().nh();
    if cs.kdf().id() == KdfId::HkdfSha256 {
        let prk = cs
            .kdf()
            .extract(&hex("000102030405060708090a0b0c"), &[0x0b; 22])
            .map_err(|e| format!("{s:?}: extract: {e}"))?;
        check(
            prk.as_bytes()
                == hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")
                    .as_slice(),
            s,
            "RFC 5869 A.1 PRK",
        )?;
        let mut okm = [0u8; 42];
        cs.kdf()
            .expand(prk.as_bytes(), &hex("f0f1f2f3f4f5f6f7f8f9"), &mut okm)
            .map_err(|e| format!("{s:?}: expand: {e}"))?;
        check(
            okm.as_slice()
                == hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865").as_slice(),
            s,
            "RFC 5869 A.1 OKM",
        )?;
    }
    let prk = cs
        .kdf()
        .extract(b"salt", b"ikm")
        .map_err(|e| format!("{s:?}: extract: {e}"))?;
    check(prk.len() == nh, s, "PRK length is not Nh")?;
    let mut too_long = alloc::vec![0u8; 255 * nh + 1];
    check(
        cs.kdf().expand(prk.as_bytes(), b"", &mut too_long).is_err(),
        s,
        "expand past 255*Nh accepted",
    )?;
    Ok(())
}

/// RFC 5116 AEAD: round trip, and rejection of a flipped bit in the
/// ciphertext, the tag and the AAD.
fn aead(cs: &dyn CipherSuiteProvider) -> Result<(), Failure> {
    let s = cs.cipher_suite();
    let a = cs.aead();
    let key = alloc::vec![0x42u8; a.key_len()];
    let nonce = alloc::vec![0x24u8; a.nonce_len()];
    for len in [0usize, 1, 16, 1000] {
        let pt = alloc::vec![0x5au8; len];
        let ct = a
            .seal(&key, &nonce, b"aad", &pt)
            .map_err(|e| format!("{s:?}: seal: {e}"))?;
        check(ct.len() == len + a.tag_len(), s, "AEAD ciphertext length")?;
        check(
            a.open(&key, &nonce, b"aad", &ct).ok().as_deref() == Some(pt.as_slice()),
            s,
            "AEAD round trip",
        )?;
        for i in [0, ct.len() - 1] {
            let mut bad = ct.clone();
            if let Some(b) = bad.get_mut(i) {
                *b ^= 1;
            }
            check(
                a.open(&key, &nonce, b"aad", &bad).is_err(),
                s,
                "AEAD accepted a flipped bit",
            )?;
        }
        check(
            a.open(&key, &nonce, b"aaD", &ct).is_err(),
            s,
            "AEAD accepted other AAD",
        )?;
    }
    check(
        a.open(&key, &nonce, b"", &[0u8; 3]).is_err(),
        s,
        "AEAD accepted a short ciphertext",
    )?;
    Ok(())
}

/// RFC 9420 §5.1.2: sign/verify round trip; other messages, flipped
/// signatures, truncated signatures and another key are rejected.
fn signatures(cs: &dyn CipherSuiteProvider, rng: &mut dyn Rng) -> Result<(), Failure> {
    let s = cs.cipher_suite();
    let sig = cs.signature();
    let (sk, pk) = sig
        .generate_key_pair(rng)
        .map_err(|e| format!("{s:?}: keygen: {e}"))?;
    let (_, other_pk) = sig
        .generate_key_pair(rng)
        .map_err(|e| format!("{s:?}: keygen: {e}"))?;
    check(
        sig.public_key(&sk).ok().as_deref() == Some(pk.as_slice()),
        s,
        "public_key(sk) differs",
    )?;
    let msg = b"conformance message";
    let signature = sig
        .sign(&sk, msg)
        .map_err(|e| format!("{s:?}: sign: {e}"))?;
    check(
        sig.verify(&pk, msg, &signature).is_ok(),
        s,
        "own signature rejected",
    )?;
    check(
        sig.verify(&pk, b"other message", &signature).is_err(),
        s,
        "signature over another message accepted",
    )?;
    check(
        sig.verify(&other_pk, msg, &signature).is_err(),
        s,
        "signature accepted under another key",
    )?;
    let mut bad = signature.clone();
    if let Some(b) = bad.last_mut() {
        *b ^= 1;
    }
    check(
        sig.verify(&pk, msg, &bad).is_err(),
        s,
        "flipped signature accepted",
    )?;
    check(
        sig.verify(&pk, msg, &signature[..signature.len() / 2])
            .is_err(),
        s,
        "truncated signature accepted",
    )?;
    check(
        sig.verify(&pk[..pk.len() - 1], msg, &signature).is_err(),
        s,
        "truncated public key accepted",
    )?;
    check(
        sig.sign(&SignaturePrivateKey::new(Vec::new()), msg)
            .is_err(),
        s,
        "empty private key accepted",
    )?;
    let items = [super::VerifyItem {
        public_key: &pk,
        message: msg,
        signature: &signature,
    }];
    check(
        sig.verify_batch(&items).is_ok(),
        s,
        "batch verification rejected a valid signature",
    )?;
    // Batches large enough for a backend to split (or to use a batch
    // equation): all valid passes; one bad signature anywhere fails it.
    let mut bad = signature.clone();
    if let Some(b) = bad.last_mut() {
        *b ^= 1;
    }
    for bad_at in [None, Some(0), Some(150), Some(299)] {
        let batch: Vec<super::VerifyItem<'_>> = (0..300)
            .map(|i| super::VerifyItem {
                public_key: &pk,
                message: msg,
                signature: if Some(i) == bad_at { &bad } else { &signature },
            })
            .collect();
        check(
            sig.verify_batch(&batch).is_ok() == bad_at.is_none(),
            s,
            "batch of 300 judged wrongly",
        )?;
    }
    Ok(())
}

/// RFC 9420 §5.1.2: malformed signatures, public keys and private keys are
/// rejected with an error (never a panic).
fn malformed_signature_inputs(
    cs: &dyn CipherSuiteProvider,
    rng: &mut dyn Rng,
) -> Result<(), Failure> {
    let s = cs.cipher_suite();
    let sig = cs.signature();
    let (sk, pk) = sig
        .generate_key_pair(rng)
        .map_err(|e| format!("{s:?}: keygen: {e}"))?;
    let signature = sig
        .sign(&sk, b"m")
        .map_err(|e| format!("{s:?}: sign: {e}"))?;
    let mut long = signature.clone();
    long.push(0);
    let bad_sigs: [&[u8]; 6] = [
        &[],
        &signature[..signature.len() - 1],
        &long,
        &[0u8; 200],
        &[0xFFu8; 64],
        &[0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00],
    ];
    for bad in bad_sigs {
        check(
            sig.verify(&pk, b"m", bad).is_err(),
            s,
            "malformed signature accepted",
        )?;
    }
    let ones = alloc::vec![0xFFu8; pk.len()];
    let bad_pks: [&[u8]; 4] = [&[], &pk[..pk.len() - 1], &[0u8; 200], &ones];
    for bad in bad_pks {
        check(
            sig.verify(bad, b"m", &signature).is_err(),
            s,
            "malformed public key accepted",
        )?;
    }
    let n = sk.as_bytes().len();
    for len in [0, n + 1] {
        let bad = SignaturePrivateKey::new(alloc::vec![1u8; len]);
        check(
            sig.public_key(&bad).is_err(),
            s,
            "private key of a wrong length imported",
        )?;
        check(
            sig.sign(&bad, b"m").is_err(),
            s,
            "private key of a wrong length signed",
        )?;
    }
    Ok(())
}

/// RFC 9420 §5.1.3 EncryptWithLabel round trip and tamper rejection;
/// RFC 9180 §5.3 export agreement; §7.1.3 DeriveKeyPair determinism.
/// `Hpke::validate_public_key`: generated and derived keys pass; wrong
/// lengths, the all-zero and all-one strings, small-order X25519 points,
/// compressed or off-curve prime-curve points fail.
fn public_key_validation(cs: &dyn CipherSuiteProvider, rng: &mut dyn Rng) -> Result<(), Failure> {
    let s = cs.cipher_suite();
    let h = cs.hpke();
    let npk = cs.info().npk;
    for i in 0..8u8 {
        let (_, pk) = h
            .generate_key_pair(rng)
            .map_err(|e| format!("{s:?}: generate: {e}"))?;
        check(
            h.validate_public_key(&pk).is_ok(),
            s,
            "a generated public key is refused",
        )?;
        let (_, pk) = h
            .derive_key_pair(&[i; 32])
            .map_err(|e| format!("{s:?}: derive: {e}"))?;
        check(
            h.validate_public_key(&pk).is_ok(),
            s,
            "a derived public key is refused",
        )?;
        let mut longer = pk.clone();
        longer.push(0);
        let shorter = pk.get(..pk.len().saturating_sub(1)).unwrap_or_default();
        check(
            h.validate_public_key(&longer).is_err() && h.validate_public_key(shorter).is_err(),
            s,
            "a public key of the wrong length is accepted",
        )?;
        if pk.first() == Some(&0x04) {
            // Prime curve: change y; the point leaves the curve.
            let mut off = pk.clone();
            if let Some(b) = off.last_mut() {
                *b ^= 1;
            }
            check(
                h.validate_public_key(&off).is_err(),
                s,
                "an off-curve point is accepted",
            )?;
            let mut compressed = pk.get(..1 + (npk - 1) / 2).unwrap_or_default().to_vec();
            if let Some(b) = compressed.first_mut() {
                *b = 0x02;
            }
            check(
                h.validate_public_key(&compressed).is_err(),
                s,
                "a compressed point is accepted",
            )?;
        }
    }
    // (All-0xFF is a valid X25519/X448 encoding: RFC 7748 §5 reduces
    // non-canonical values; for the prime curves it is no SEC1 point.)
    let mut bad: Vec<Vec<u8>> = alloc::vec![Vec::new(), alloc::vec![0x42; 5]];
    // All zeros is a valid ML-KEM encapsulation key (every coefficient is
    // below q, FIPS 203 §7.2); for every other KEM it is malformed.
    if !matches!(cs.info().kem, KemId::MlKem768 | KemId::MlKem1024) {
        bad.push(alloc::vec![0u8; npk]);
    }
    if npk != 32 && npk != 56 {
        bad.push(alloc::vec![0xffu8; npk]);
    }
    for bad in &bad {
        check(
            h.validate_public_key(bad).is_err(),
            s,
            "a malformed public key is accepted",
        )?;
    }
    if npk == 32 {
        // X25519 points of small order (RFC 7748), also with the top bit set.
        let mut order8 = hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");
        let mut one = alloc::vec![0u8; 32];
        one[0] = 1;
        let mut p_minus_1 = alloc::vec![0xffu8; 32];
        p_minus_1[0] = 0xec;
        p_minus_1[31] = 0x7f;
        for pk in [&one, &order8, &p_minus_1] {
            check(
                h.validate_public_key(pk).is_err(),
                s,
                "an X25519 point of small order is accepted",
            )?;
        }
        if let Some(b) = order8.last_mut() {
            *b |= 0x80;
        }
        check(
            h.validate_public_key(&order8).is_err(),
            s,
            "an X25519 small-order point with the top bit set is accepted",
        )?;
    }
    Ok(())
}

/// `Hpke::seal_many`: one ciphertext per recipient, each opening under its
/// own key with the shared `info`, none under another's.
fn hpke_seal_many(cs: &dyn CipherSuiteProvider, rng: &mut dyn Rng) -> Result<(), Failure> {
    let s = cs.cipher_suite();
    let h = cs.hpke();
    let mut keys = Vec::new();
    for i in 0..3u8 {
        keys.push(
            h.derive_key_pair(&[i; 32])
                .map_err(|e| format!("{s:?}: derive: {e}"))?,
        );
    }
    let info = alloc::vec![0x5a; 3000];
    let pts: [&[u8]; 3] = [b"first", b"", &[9u8; 300]];
    let recipients: Vec<(&[u8], &[u8])> = keys
        .iter()
        .zip(pts)
        .map(|((_, pk), pt)| (pk.as_slice(), pt))
        .collect();
    let cts = h
        .seal_many(&recipients, &info, b"aad", rng)
        .map_err(|e| format!("{s:?}: seal_many: {e}"))?;
    check(cts.len() == 3, s, "seal_many: one ciphertext per recipient")?;
    for (i, ct) in cts.iter().enumerate() {
        let (sk, _) = &keys[i];
        let opened = h.open(sk, &ct.kem_output, &info, b"aad", &ct.ciphertext);
        check(
            opened.as_deref().ok() == Some(pts[i]),
            s,
            "seal_many: a ciphertext does not open under its key",
        )?;
        let (other, _) = &keys[(i + 1) % 3];
        check(
            h.open(other, &ct.kem_output, &info, b"aad", &ct.ciphertext)
                .is_err(),
            s,
            "seal_many: a ciphertext opens under another key",
        )?;
        check(
            h.open(sk, &ct.kem_output, b"other info", b"aad", &ct.ciphertext)
                .is_err(),
            s,
            "seal_many: a ciphertext opens under another info",
        )?;
    }
    check(
        h.seal_many(&[], &info, b"", rng)
            .is_ok_and(|v| v.is_empty()),
        s,
        "seal_many of no recipients",
    )?;
    Ok(())
}

fn hpke(cs: &dyn CipherSuiteProvider, rng: &mut dyn Rng) -> Result<(), Failure> {
    let s = cs.cipher_suite();
    let h = cs.hpke();
    let (sk, pk) = h
        .derive_key_pair(b"conformance ikm")
        .map_err(|e| format!("{s:?}: derive: {e}"))?;
    let (sk2, pk2) = h
        .derive_key_pair(b"conformance ikm")
        .map_err(|e| format!("{s:?}: derive: {e}"))?;
    check(
        sk == sk2 && pk == pk2,
        s,
        "DeriveKeyPair is not deterministic",
    )?;
    check(
        h.public_key(&sk).ok().as_deref() == Some(pk.as_slice()),
        s,
        "HPKE public_key(sk) differs",
    )?;
    check(
        pk.len() == cs.info().npk,
        s,
        "HPKE public key length is not Npk",
    )?;
    let (gsk, gpk) = h
        .generate_key_pair(rng)
        .map_err(|e| format!("{s:?}: generate: {e}"))?;
    check(
        h.public_key(&gsk).ok().as_deref() == Some(gpk.as_slice()),
        s,
        "generated key pair mismatch",
    )?;
    for pt in [&b""[..], b"path secret", &[7u8; 300]] {
        let ct = encrypt_with_label(cs, &pk, b"Conformance", b"context", pt, rng)
            .map_err(|e| format!("{s:?}: seal: {e}"))?;
        check(
            ct.kem_output.len() == cs.info().nenc,
            s,
            "kem_output length is not Nenc",
        )?;
        let got = decrypt_with_label(
            cs,
            &sk,
            b"Conformance",
            b"context",
            &ct.kem_output,
            &ct.ciphertext,
        );
        check(
            got.ok().as_deref() == Some(pt),
            s,
            "EncryptWithLabel round trip",
        )?;
        check(
            decrypt_with_label(
                cs,
                &sk,
                b"Other",
                b"context",
                &ct.kem_output,
                &ct.ciphertext,
            )
            .is_err(),
            s,
            "DecryptWithLabel accepted another label",
        )?;
        check(
            decrypt_with_label(
                cs,
                &gsk,
                b"Conformance",
                b"context",
                &ct.kem_output,
                &ct.ciphertext,
            )
            .is_err(),
            s,
            "DecryptWithLabel accepted another key",
        )?;
        let mut bad = ct.ciphertext.clone();
        if let Some(b) = bad.first_mut() {
            *b ^= 1;
        }
        check(
            decrypt_with_label(cs, &sk, b"Conformance", b"context", &ct.kem_output, &bad).is_err(),
            s,
            "DecryptWithLabel accepted a flipped ciphertext",
        )?;
    }
    let (enc, exported) = h
        .setup_sender_and_export(&pk, b"info", b"exporter context", 42, rng)
        .map_err(|e| format!("{s:?}: export: {e}"))?;
    let rx = h
        .setup_receiver_and_export(&sk, &enc, b"info", b"exporter context", 42)
        .map_err(|e| format!("{s:?}: export: {e}"))?;
    check(
        rx == exported && rx.len() == 42,
        s,
        "HPKE export sender/receiver differ",
    )?;
    check(
        h.open(&HpkePrivateKey::new(Vec::new()), &enc, b"", b"", &[0u8; 32])
            .is_err(),
        s,
        "empty private key accepted",
    )?;
    Ok(())
}

/// RFC 9180 A.1 (suites 1 and 3: DHKEM(X25519)) and A.3 (suite 2:
/// DHKEM(P-256)) DeriveKeyPair, open of the first encryption, and export;
/// RFC 8032 §7.1 test 1 for Ed25519.
fn known_answers(cs: &dyn CipherSuiteProvider) -> Result<(), Failure> {
    let s = cs.cipher_suite();
    if s == CipherSuite(1) || s == CipherSuite(3) {
        let (sk, pk) = cs
            .hpke()
            .derive_key_pair(&hex(
                "6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037",
            ))
            .map_err(|e| format!("{s:?}: derive: {e}"))?;
        check(
            sk.as_bytes()
                == hex("4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8")
                    .as_slice()
                && pk == hex("3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d"),
            s,
            "RFC 9180 A.1 DeriveKeyPair",
        )?;
        // The HPKE key schedule covers the AEAD: A.1's ciphertext and
        // exports are for AES-128-GCM, i.e. suite 1 only.
        if s == CipherSuite(1) {
            let enc = hex("37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431");
            let info = hex("4f6465206f6e2061204772656369616e2055726e");
            let exp = cs
                .hpke()
                .setup_receiver_and_export(&sk, &enc, &info, b"", 32)
                .map_err(|e| format!("{s:?}: export: {e}"))?;
            check(
                exp.as_bytes()
                    == hex("3853fe2b4035195a573ffc53856e77058e15d9ea064de3e59f4961d0095250ee")
                        .as_slice(),
                s,
                "RFC 9180 A.1.1.2 export",
            )?;
            let pt = cs.hpke().open(
                &sk,
                &enc,
                &info,
                &hex("436f756e742d30"),
                &hex("f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a"),
            );
            check(
                pt.ok()
                    == Some(hex(
                        "4265617574792069732074727574682c20747275746820626561757479",
                    )),
                s,
                "RFC 9180 A.1.1.1 open",
            )?;
        }
        let ed_sk = SignaturePrivateKey::new(hex(
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        ));
        let ed_pk = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        let ed_sig = hex(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        );
        check(
            cs.signature().public_key(&ed_sk).ok() == Some(ed_pk.clone()),
            s,
            "RFC 8032 test 1 public key",
        )?;
        check(
            cs.signature().sign(&ed_sk, b"").ok() == Some(ed_sig.clone()),
            s,
            "RFC 8032 test 1 signature",
        )?;
        check(
            cs.signature().verify(&ed_pk, b"", &ed_sig).is_ok(),
            s,
            "RFC 8032 test 1 verify",
        )?;
    }
    if s == CipherSuite(2) {
        let (sk, pk) = cs
            .hpke()
            .derive_key_pair(&hex(
                "668b37171f1072f3cf12ea8a236a45df23fc13b82af3609ad1e354f6ef817550",
            ))
            .map_err(|e| format!("{s:?}: derive: {e}"))?;
        check(
            sk.as_bytes()
                == hex("f3ce7fdae57e1a310d87f1ebbde6f328be0a99cdbcadf4d6589cf29de4b8ffd2")
                    .as_slice()
                && pk
                    == hex(
                        "04fe8c19ce0905191ebc298a9245792531f26f0cece2460639e8bc39cb7f706a826a779b4cf969b8a0e539c7f62fb3d30ad6aa8f80e30f1d128aafd68a2ce72ea0",
                    ),
            s,
            "RFC 9180 A.3 DeriveKeyPair",
        )?;
    }
    Ok(())
}

/// The post-quantum KEMs of draft-ietf-hpke-pq: key and ciphertext sizes
/// are the registry's (private keys are seeds); an encapsulation key whose
/// first ML-KEM coefficient is not below q fails the FIPS 203 §7.2 modulus
/// check, in validation and in sealing; a KEM output of the wrong length
/// or with a flipped bit (ML-KEM part or traditional part) fails to open,
/// with an error, never a panic.
fn pq_kem_inputs(cs: &dyn CipherSuiteProvider, rng: &mut dyn Rng) -> Result<(), Failure> {
    let s = cs.cipher_suite();
    let info = cs.info();
    let h = cs.hpke();
    let (sk, pk) = h
        .generate_key_pair(rng)
        .map_err(|e| format!("{s:?}: generate: {e}"))?;
    check(
        sk.as_bytes().len() == info.nsk && pk.len() == info.npk,
        s,
        "PQ key sizes differ from Nsk / Npk",
    )?;
    let (dsk, dpk) = h
        .derive_key_pair(b"pq conformance")
        .map_err(|e| format!("{s:?}: derive: {e}"))?;
    check(
        dsk.as_bytes().len() == info.nsk && dpk.len() == info.npk,
        s,
        "derived PQ key sizes differ from Nsk / Npk",
    )?;
    let mut unreduced = pk.clone();
    if let Some(a) = unreduced.first_mut() {
        *a = 0xFF;
    }
    if let Some(b) = unreduced.get_mut(1) {
        *b |= 0x0F;
    }
    check(
        h.validate_public_key(&unreduced).is_err(),
        s,
        "an encapsulation key failing the FIPS 203 modulus check is accepted",
    )?;
    check(
        h.seal(&unreduced, b"info", b"aad", b"pt", rng).is_err(),
        s,
        "sealed to an encapsulation key failing the modulus check",
    )?;
    let ct = h
        .seal(&pk, b"info", b"aad", b"pt", rng)
        .map_err(|e| format!("{s:?}: seal: {e}"))?;
    check(
        ct.kem_output.len() == info.nenc,
        s,
        "enc size differs from Nenc",
    )?;
    let mut longer = ct.kem_output.clone();
    longer.push(0);
    let shorter = ct.kem_output.get(..info.nenc - 1).unwrap_or_default();
    for bad in [&longer[..], shorter, &[]] {
        check(
            h.open(&sk, bad, b"info", b"aad", &ct.ciphertext).is_err(),
            s,
            "a KEM output of the wrong length opened",
        )?;
    }
    // A bit flipped in the first byte (ML-KEM ciphertext: implicit
    // rejection, FIPS 203 §6.3) and in the last (the traditional part of
    // a hybrid).
    for i in [0, info.nenc - 1] {
        let mut t = ct.kem_output.clone();
        if let Some(b) = t.get_mut(i) {
            *b ^= 0x01;
        }
        check(
            h.open(&sk, &t, b"info", b"aad", &ct.ciphertext).is_err(),
            s,
            "a tampered KEM output opened",
        )?;
    }
    check(
        h.open(&sk, &ct.kem_output, b"info", b"aad", &ct.ciphertext)
            .ok()
            .as_deref()
            == Some(&b"pt"[..]),
        s,
        "own PQ ciphertext does not open",
    )?;
    let wrong = HpkePrivateKey::new(alloc::vec![7u8; info.nsk + 1]);
    check(
        h.open(&wrong, &ct.kem_output, b"info", b"aad", &ct.ciphertext)
            .is_err()
            && h.public_key(&wrong).is_err(),
        s,
        "a private key of the wrong length is used",
    )?;
    Ok(())
}
