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
        pq_known_answers(cs)?;
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

// ----- post-quantum known answers -------------------------------------------
//
// Public keys from seeds: the examples of the IETF LAMPS drafts
// (draft-ietf-lamps-kyber-certificates, RFC 9881 for ML-DSA) for the seed
// 00 01 02 ... (64 bytes d || z for ML-KEM, 32 bytes ξ for ML-DSA), i.e.
// FIPS 203 KeyGen_internal and FIPS 204 KeyGen_internal; X-Wing: test
// vector 1 of draft-connolly-cfrg-xwing-kem (seed, public key, ciphertext,
// shared secret). Public keys are compared by their SHA-256 or SHA-384
// (whichever the suite's hash is) to keep this file small.

/// ML-KEM-768: SHA-256 and SHA-384 of the public key of the seed 00 01 02 ... .
const KAT_MLKEM768_PK: (&str, &str) = (
    "0b7934c83125c788995e2ba6bd761e33046b3e40571be53e023309a29f398cc9",
    "03ffd2545cfbbd7ba73ebe0cbefe4078337fbe2fcb19394135809315ed286e9be842510a847065a5d5d060b3ca0f9d7e",
);
/// ML-KEM-1024: SHA-256 and SHA-384 of the public key of the seed 00 01 02 ... .
const KAT_MLKEM1024_PK: (&str, &str) = (
    "c7b8fa0aa471d5ae18922d6ccad5b31e1d84f92ae723abfd13747018740a8530",
    "ba4b4110e076430953ec80eb6e2f6f05b4f32a5a6d1982993b44f9a4b7336442d53cefc88026849976768b3b593ec2f0",
);
/// ML-DSA-44: SHA-256 and SHA-384 of the public key of the seed 00 01 02 ... .
const KAT_MLDSA44_PK: (&str, &str) = (
    "9f107644c1084526af3bc8098680b05499a2325a644e388fb4f970e058d19d46",
    "72cc9acf493d0596dc883ebf21881e786c86c354fc614a6aac501c06f54885ca28a53c7f40194ef2ed78369f512534eb",
);
/// ML-DSA-65: SHA-256 and SHA-384 of the public key of the seed 00 01 02 ... .
const KAT_MLDSA65_PK: (&str, &str) = (
    "d666806e11cee19a7c989f7445f90dd419cf4d2d51db8c0fdb4c0f0a542238c9",
    "3ccc1ab7c3c9b7bcb81b2266f5da286dda4a3b4436f2b2cd2d47fcdf75329d94a4fa3b1daed007c3fa3060a416432ec2",
);
/// ML-DSA-87: SHA-256 and SHA-384 of the public key of the seed 00 01 02 ... .
const KAT_MLDSA87_PK: (&str, &str) = (
    "91dc389cfaa01470b7f66eee45a4ae9026d154817c754dfe22298b3fa241ffcd",
    "57a8bdb8699c4db011830200874c10c134673783ba0a2b166bd32f1e780328162b7a84e6dcb43709b1851efbf9fd34ea",
);
/// draft-connolly-cfrg-xwing-kem test vector 1: seed (private key),
/// SHA-256 / SHA-384 of the public key, ciphertext, shared secret.
const KAT_XWING_SK: &str = "7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26";
const KAT_XWING_PK: (&str, &str) = (
    "2e816deebcd76c5c80d0cd2d174478871658e8e2ff42bc9d4a6e486372e856bb",
    "0b7c8eb51d73a550756c072baa5543c605225778d1b8b74e705830e235d92345be51f749435a900521aba206f8899915",
);
const KAT_XWING_SS: &str = "d2df0522128f09dd8e2c92b1e905c793d8f57a54c3da25861f10bf4ca613e384";
const KAT_XWING_CT: &str = concat!(
    "b83aa828d4d62b9a83ceffe1d3d3bb1ef31264643c070c5798927e41fb07914a273f8f96e7826cd5375a283d7da88530",
    "4c5de0516a0f0654243dc5b97f8bfeb831f68251219aabdd723bc6512041acbaef8af44265524942b902e68ffd23221c",
    "da70b1b55d776a92d1143ea3a0c475f63ee6890157c7116dae3f62bf72f60acd2bb8cc31ce2ba0de364f52b8ed38c79d",
    "719715963a5dd3842d8e8b43ab704e4759b5327bf027c63c8fa857c4908d5a8a7b88ac7f2be394d93c3706ddd4e698cc",
    "6ce370101f4d0213254238b4a2e8821b6e414a1cf20f6c1244b699046f5a01caa0a1a55516300b40d2048c77cc73afba",
    "79afeea9d2c0118bdf2adb8870dc328c5516cc45b1a2058141039e2c90a110a9e16b318dfb53bd49a126d6b73f215787",
    "517b8917cc01cabd107d06859854ee8b4f9861c226d3764c87339ab16c3667d2f49384e55456dd40414b70a6af841585",
    "f4c90c68725d57704ee8ee7ce6e2f9be582dbee985e038ffc346ebfb4e22158b6c84374a9ab4a44e1f91de5aac5197f8",
    "9bc5e5442f51f9a5937b102ba3beaebf6e1c58380a4a5fedce4a4e5026f88f528f59ffd2db41752b3a3d90efabe46389",
    "9b7d40870c530c8841e8712b733668ed033adbfafb2d49d37a44d4064e5863eb0af0a08d47b3cc888373bc05f7a33b84",
    "1bc2587c57eb69554e8a3767b7506917b6b70498727f16eac1a36ec8d8cfaf751549f2277db277e8a55a9a5106b23a02",
    "06b4721fa9b3048552c5bd5b594d6e247f38c18c591aea7f56249c72ce7b117afcc3a8621582f9cf71787e183dee0936",
    "7976e98409ad9217a497df888042384d7707a6b78f5f7fb8409e3b535175373461b776002d799cbad62860be70573ecb",
    "e13b246e0da7e93a52168e0fb6a9756b895ef7f0147a0dc81bfa644b088a9228160c0f9acf1379a2941cd28c06ebc80e",
    "44e17aa2f8177010afd78a97ce0868d1629ebb294c5151812c583daeb88685220f4da9118112e07041fcc24d5564a99f",
    "dbde28869fe0722387d7a9a4d16e1cc8555917e09944aa5ebaaaec2cf62693afad42a3f518fce67d273cc6c9fb5472b3",
    "80e8573ec7de06a3ba2fd5f931d725b493026cb0acbd3fe62d00e4c790d965d7a03a3c0b4222ba8c2a9a16e2ac658f57",
    "2ae0e746eafc4feba023576f08942278a041fb82a70a595d5bacbf297ce2029898a71e5c3b0d1c6228b485b1ade509b3",
    "5fbca7eca97b2132e7cb6bc465375146b7dceac969308ac0c2ac89e7863eb8943015b24314cafb9c7c0e85fe543d5665",
    "8c213632599efabfc1ec49dd8c88547bb2cc40c9d38cbd3099b4547840560531d0188cd1e9c23a0ebee0a03d5577d66b",
    "1d2bcb4baaf21cc7fef1e03806ca96299df0dfbc56e1b2b43e4fc20c37f834c4af62127e7dae86c3c25a2f696ac8b589",
    "dec71d595bfbe94b5ed4bc07d800b330796fda89edb77be0294136139354eb8cd37591578f9c600dd9be8ec6219fdd50",
    "7adf3397ed4d68707b8d13b24ce4cd8fb22851bfe9d632407f31ed6f7cb1600de56f17576740ce2a32fc5145030145cf",
    "b97e63e0e41d354274a079d3e6fb2e15",
);

fn seed_0_to(n: u8) -> Vec<u8> {
    (0..n).collect()
}

fn pk_matches(cs: &dyn CipherSuiteProvider, pk: &[u8], kat: (&str, &str)) -> bool {
    let want = if cs.hash().output_len() == 32 {
        kat.0
    } else {
        kat.1
    };
    let got = cs.hash().hash(pk);
    !want.is_empty() && got.as_slice() == hex(want).as_slice()
}

/// The known answers above, for the KEM and signature scheme of `cs`.
fn pq_known_answers(cs: &dyn CipherSuiteProvider) -> Result<(), Failure> {
    let s = cs.cipher_suite();
    let info = cs.info();
    let kem_kat = match info.kem {
        KemId::MlKem768 => Some(KAT_MLKEM768_PK),
        KemId::MlKem1024 => Some(KAT_MLKEM1024_PK),
        _ => None,
    };
    if let Some(kat) = kem_kat {
        let pk = cs
            .hpke()
            .public_key(&HpkePrivateKey::new(seed_0_to(64)))
            .map_err(|e| format!("{s:?}: ML-KEM public key: {e}"))?;
        check(
            pk_matches(cs, &pk, kat),
            s,
            "ML-KEM KeyGen_internal differs from the LAMPS example (FIPS 203)",
        )?;
    }
    if info.kem == KemId::MlKem768X25519 {
        let sk = HpkePrivateKey::new(hex(KAT_XWING_SK));
        let pk = cs
            .hpke()
            .public_key(&sk)
            .map_err(|e| format!("{s:?}: X-Wing public key: {e}"))?;
        check(
            pk_matches(cs, &pk, KAT_XWING_PK),
            s,
            "X-Wing public key differs from draft-connolly-cfrg-xwing-kem vector 1",
        )?;
        let ct = hex(KAT_XWING_CT);
        let got = cs
            .hpke()
            .setup_receiver_and_export(&sk, &ct, b"kat info", b"kat context", 32)
            .map_err(|e| format!("{s:?}: X-Wing decap: {e}"))?;
        let want = super::hpke::export_from_shared_secret(
            info.kem,
            cs.kdf(),
            cs.aead(),
            &hex(KAT_XWING_SS),
            b"kat info",
            b"kat context",
            32,
        )
        .map_err(|e| format!("{s:?}: export: {e}"))?;
        check(
            got == want,
            s,
            "X-Wing Decap differs from draft-connolly-cfrg-xwing-kem vector 1",
        )?;
    }
    let sig_kat = match info.signature {
        super::SignatureScheme::MlDsa44 => Some(KAT_MLDSA44_PK),
        super::SignatureScheme::MlDsa65 => Some(KAT_MLDSA65_PK),
        super::SignatureScheme::MlDsa87 => Some(KAT_MLDSA87_PK),
        _ => None,
    };
    if let Some(kat) = sig_kat {
        let pk = cs
            .signature()
            .public_key(&SignaturePrivateKey::new(seed_0_to(32)))
            .map_err(|e| format!("{s:?}: ML-DSA public key: {e}"))?;
        check(
            pk_matches(cs, &pk, kat),
            s,
            "ML-DSA KeyGen_internal differs from the RFC 9881 example (FIPS 204)",
        )?;
    }
    Ok(())
}
