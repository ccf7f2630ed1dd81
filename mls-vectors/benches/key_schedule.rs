#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Labeled KDF operations (RFC 9420 §5, §8) and secret-tree key derivation
//! (§9), per backend and cipher suite.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mls_core::crypto::labeled::{derive_secret, derive_tree_secret, expand_with_label};
use mls_core::crypto::{CipherSuite, Secret};
use mls_core::key_schedule::derive_epoch;
use mls_core::secret_tree::{RatchetConfig, RatchetKind, SecretTree};
use mls_core::tree_math::LeafIndex;
use std::hint::black_box;

const SUITES: [CipherSuite; 3] = [CipherSuite(1), CipherSuite(5), CipherSuite(7)];

fn labeled(c: &mut Criterion) {
    let mut g = c.benchmark_group("labeled_kdf");
    for (name, provider) in mls_vectors::backends() {
        for suite in SUITES {
            let Some(cs) = provider.cipher_suite(suite) else {
                continue;
            };
            let nh = cs.kdf().nh();
            let secret = vec![7u8; nh];
            let id = format!("{name}/{:#06x}", suite.0);
            g.bench_with_input(
                BenchmarkId::new("expand_with_label", &id),
                &secret,
                |b, s| b.iter(|| expand_with_label(cs, black_box(s), b"tree", b"left", nh)),
            );
            g.bench_with_input(BenchmarkId::new("derive_secret", &id), &secret, |b, s| {
                b.iter(|| derive_secret(cs, black_box(s), b"epoch"))
            });
            g.bench_with_input(
                BenchmarkId::new("derive_tree_secret", &id),
                &secret,
                |b, s| b.iter(|| derive_tree_secret(cs, black_box(s), b"key", 42, cs.info().nk)),
            );
            let init = Secret::from_slice(&secret).expect("secret");
            let psk = Secret::zero(nh).expect("zero");
            let ctx = vec![1u8; 120];
            g.bench_with_input(
                BenchmarkId::new("key_schedule_epoch", &id),
                &secret,
                |b, s| b.iter(|| derive_epoch(cs, &init, black_box(s), &psk, &ctx)),
            );
        }
    }
    g.finish();
}

fn secret_tree(c: &mut Criterion) {
    let mut g = c.benchmark_group("secret_tree");
    for (name, provider) in mls_vectors::backends() {
        let Some(cs) = provider.cipher_suite(CipherSuite(1)) else {
            continue;
        };
        for n in [16u32, 1024, 65536] {
            let id = format!("{name}/0x0001/n={n}");
            // First key of a leaf: O(log n) node derivations plus the ratchet.
            g.bench_function(BenchmarkId::new("first_key_of_leaf", &id), |b| {
                let root = Secret::from_slice(&[3u8; 32]).expect("secret");
                let tree = SecretTree::new(root, n, RatchetConfig::default());
                b.iter(|| tree.decryption_key(cs, LeafIndex(n / 3), RatchetKind::Application, 0))
            });
            // Next key of an already-initialised ratchet: one ratchet step.
            g.bench_function(BenchmarkId::new("next_key", &id), |b| {
                let root = Secret::from_slice(&[3u8; 32]).expect("secret");
                let mut tree = SecretTree::new(root, n, RatchetConfig::default());
                let (_, u) = tree
                    .encryption_key(cs, LeafIndex(0), RatchetKind::Application)
                    .expect("key");
                tree.apply(u).expect("apply");
                b.iter(|| tree.encryption_key(cs, LeafIndex(0), RatchetKind::Application))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, labeled, secret_tree);
criterion_main!(benches);
