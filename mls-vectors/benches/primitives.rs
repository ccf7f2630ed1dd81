//! Backends compared per primitive: DH (via HPKE DeriveKeyPair + seal),
//! HPKE seal/open, sign/verify, AEAD seal/open at 1 KiB and 64 KiB, for
//! every backend × suite it serves. `cargo xtask bench` runs this.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mls_core::crypto::{CipherSuite, Dh};
use mls_vectors::TestRng;
use std::hint::black_box;

fn suites() -> Vec<(String, &'static dyn mls_core::crypto::CipherSuiteProvider)> {
    let mut v = Vec::new();
    for (name, p) in mls_vectors::backends() {
        for &s in p.supported_cipher_suites() {
            if let Some(cs) = p.cipher_suite(s) {
                v.push((format!("{name}/{:#06x}", s.0), cs));
            }
        }
    }
    v
}

fn hpke(c: &mut Criterion) {
    let mut g = c.benchmark_group("hpke");
    for (id, cs) in suites() {
        let mut rng = TestRng::new(1);
        let (sk, pk) = cs.hpke().derive_key_pair(&[7u8; 32]).unwrap();
        let ct = cs
            .hpke()
            .seal(&pk, b"info", b"", &[1u8; 64], &mut rng)
            .unwrap();
        g.bench_function(BenchmarkId::new("seal_64B", &id), |b| {
            b.iter(|| {
                cs.hpke()
                    .seal(&pk, b"info", b"", black_box(&[1u8; 64]), &mut rng)
                    .unwrap()
            })
        });
        g.bench_function(BenchmarkId::new("open_64B", &id), |b| {
            b.iter(|| {
                cs.hpke()
                    .open(&sk, &ct.kem_output, b"info", b"", black_box(&ct.ciphertext))
                    .unwrap()
            })
        });
        g.bench_function(BenchmarkId::new("derive_key_pair", &id), |b| {
            b.iter(|| cs.hpke().derive_key_pair(black_box(&[9u8; 32])).unwrap())
        });
    }
    g.finish();
}

fn dh_parts() -> Vec<(&'static str, &'static str, &'static dyn Dh)> {
    #[allow(unused_mut)]
    let mut v: Vec<(&'static str, &'static str, &'static dyn Dh)> = Vec::new();
    #[cfg(feature = "rustcrypto")]
    {
        use mls_crypto_rustcrypto::dh;
        v.push(("rustcrypto", "x25519", &dh::X25519));
        v.push(("rustcrypto", "p256", &dh::P256));
        v.push(("rustcrypto", "p384", &dh::P384));
        v.push(("rustcrypto", "p521", &dh::P521));
    }
    #[cfg(feature = "awslc")]
    {
        use mls_crypto_awslc::dh;
        v.push(("awslc", "x25519", &dh::X25519));
        v.push(("awslc", "p256", &dh::P256));
        v.push(("awslc", "p384", &dh::P384));
        v.push(("awslc", "p521", &dh::P521));
    }
    #[cfg(feature = "libcrux")]
    {
        use mls_crypto_libcrux::dh;
        v.push(("libcrux", "x25519", &dh::X25519));
        v.push(("libcrux", "p256", &dh::P256));
        v.push(("libcrux", "p384", &dh::P384));
    }
    // ring has no static-key DH: it borrows the RustCrypto parts above.
    v
}

fn dh(c: &mut Criterion) {
    let mut g = c.benchmark_group("dh");
    for (backend, curve, d) in dh_parts() {
        let mut rng = TestRng::new(2);
        let a = d.generate_secret(&mut rng).unwrap();
        let b_sk = d.generate_secret(&mut rng).unwrap();
        let b_pk = d.public_key(b_sk.as_bytes()).unwrap();
        g.bench_function(BenchmarkId::new(backend, curve), |bench| {
            bench.iter(|| d.dh(a.as_bytes(), black_box(&b_pk)).unwrap())
        });
    }
    g.finish();
}

fn signatures(c: &mut Criterion) {
    let mut g = c.benchmark_group("signature");
    for (id, cs) in suites() {
        let mut rng = TestRng::new(3);
        let (sk, pk) = cs.signature().generate_key_pair(&mut rng).unwrap();
        let msg = [5u8; 256];
        let sig = cs.signature().sign(&sk, &msg).unwrap();
        g.bench_function(BenchmarkId::new("sign_256B", &id), |b| {
            b.iter(|| cs.signature().sign(&sk, black_box(&msg)).unwrap())
        });
        g.bench_function(BenchmarkId::new("verify_256B", &id), |b| {
            b.iter(|| cs.signature().verify(&pk, black_box(&msg), &sig).unwrap())
        });
    }
    g.finish();
}

fn aead(c: &mut Criterion) {
    let mut g = c.benchmark_group("aead");
    for (id, cs) in suites() {
        // One entry per (backend, AEAD): skip suites repeating an AEAD.
        let s = cs.cipher_suite();
        if ![
            CipherSuite(1),
            CipherSuite(3),
            CipherSuite(5),
            CipherSuite(7),
        ]
        .contains(&s)
        {
            continue;
        }
        let key = vec![1u8; cs.aead().key_len()];
        let nonce = vec![2u8; cs.aead().nonce_len()];
        for size in [1024usize, 64 * 1024] {
            let pt = vec![3u8; size];
            let ct = cs.aead().seal(&key, &nonce, b"aad", &pt).unwrap();
            g.throughput(Throughput::Bytes(size as u64));
            g.bench_function(
                BenchmarkId::new(format!("seal_{}KiB", size / 1024), &id),
                |b| {
                    b.iter(|| {
                        cs.aead()
                            .seal(&key, &nonce, b"aad", black_box(&pt))
                            .unwrap()
                    })
                },
            );
            g.bench_function(
                BenchmarkId::new(format!("open_{}KiB", size / 1024), &id),
                |b| {
                    b.iter(|| {
                        cs.aead()
                            .open(&key, &nonce, b"aad", black_box(&ct))
                            .unwrap()
                    })
                },
            );
        }
    }
    g.finish();
}

criterion_group!(benches, hpke, dh, signatures, aead);
criterion_main!(benches);
