//! Ratchet tree and TreeKEM costs (RFC 9420 §7): tree hash after one path
//! change (should grow with log n), full joiner validation, UpdatePath
//! creation and processing, and memory per member.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mls_core::codec::{Encode, VLBytes};
use mls_core::crypto::CipherSuite;
use mls_core::messages::ParentNode;
use mls_core::messages::{GroupContext, MLS10};
use mls_core::tree::{ValidationOptions, filtered_direct_path};
use mls_core::tree_math::LeafIndex;
use mls_core::treekem::{PathParams, create_update_path, decrypt_update_path, merge_update_path};
use mls_vectors::TestRng;
use mls_vectors::fixtures::full_tree;

fn tree_hash_after_path_change(c: &mut Criterion) {
    let mut g = c.benchmark_group("tree_hash_after_path_change");
    for (name, provider) in mls_vectors::backends() {
        let Some(cs) = provider.cipher_suite(CipherSuite(1)) else {
            continue;
        };
        for n in [1024u32, 16384, 65536] {
            let t = full_tree(cs, n, false, &mut TestRng::new(n as u64));
            let leaf = LeafIndex(n / 3);
            let steps = filtered_direct_path(&t.tree, leaf);
            eprintln!(
                "memory: {name} n={n}: {} bytes total, {} bytes per member",
                t.tree.approx_heap_bytes(),
                t.tree.approx_heap_bytes() / n as usize
            );
            g.bench_function(BenchmarkId::new(format!("{name}/0x0001"), n), |b| {
                b.iter(|| {
                    let mut staged = t.tree.stage();
                    for s in &steps {
                        staged.set_parent(
                            s.node,
                            Some(ParentNode {
                                encryption_key: VLBytes::new(vec![9u8; 32]),
                                parent_hash: VLBytes::new(vec![]),
                                unmerged_leaves: vec![],
                            }),
                        );
                    }
                    staged.tree_hash(cs).unwrap()
                })
            });
        }
    }
    g.finish();
}

fn full_validation(c: &mut Criterion) {
    let mut g = c.benchmark_group("tree_validation");
    g.sample_size(10);
    for (name, provider) in mls_vectors::backends() {
        let Some(cs) = provider.cipher_suite(CipherSuite(1)) else {
            continue;
        };
        for n in [1024u32, 16384] {
            let t = full_tree(cs, n, false, &mut TestRng::new(n as u64));
            let opts = ValidationOptions {
                group_id: &t.group_id,
                tree_hash: None,
                now: None,
            };
            t.tree.validate(cs, &opts).expect("valid");
            g.bench_function(BenchmarkId::new(format!("{name}/0x0001"), n), |b| {
                b.iter(|| t.tree.validate(cs, &opts).unwrap())
            });
        }
    }
    g.finish();
}

fn update_path(c: &mut Criterion) {
    let mut g = c.benchmark_group("update_path");
    for (name, provider) in mls_vectors::backends() {
        for suite in [CipherSuite(1), CipherSuite(2)] {
            let Some(cs) = provider.cipher_suite(suite) else {
                continue;
            };
            let n = 1024u32;
            let t = full_tree(cs, n, true, &mut TestRng::new(7));
            let group_id = t.group_id.clone();
            let gc = |th: &[u8]| {
                Ok(GroupContext {
                    version: MLS10,
                    cipher_suite: suite,
                    group_id: VLBytes::new(group_id.clone()),
                    epoch: 1,
                    tree_hash: VLBytes::new(th.to_vec()),
                    confirmed_transcript_hash: VLBytes::new(vec![0; 32]),
                    extensions: vec![],
                }
                .encode()?)
            };
            let sender = LeafIndex(5);
            let template = t
                .tree
                .members()
                .find(|(i, _)| *i == sender)
                .unwrap()
                .1
                .clone();
            let id = format!("{name}/{:#06x}", suite.0);
            let mut rng = TestRng::new(1);
            g.bench_function(BenchmarkId::new("create", format!("{id}/n={n}")), |b| {
                b.iter(|| {
                    let mut staged = t.tree.stage();
                    create_update_path(
                        cs,
                        &mut staged,
                        PathParams {
                            sender,
                            leaf_template: template.clone(),
                            signer: &t.members[5].signature,
                            group_id: &t.group_id,
                            exclude: &[],
                            group_context: &gc,
                        },
                        &mut rng,
                    )
                    .unwrap()
                })
            });
            let mut staged = t.tree.stage();
            let created = create_update_path(
                cs,
                &mut staged,
                PathParams {
                    sender,
                    leaf_template: template.clone(),
                    signer: &t.members[5].signature,
                    group_id: &t.group_id,
                    exclude: &[],
                    group_context: &gc,
                },
                &mut rng,
            )
            .unwrap();
            drop(staged);
            // The receiver farthest from the sender decrypts at the root.
            let private = t.private_state(LeafIndex(n - 1));
            g.bench_function(BenchmarkId::new("process", format!("{id}/n={n}")), |b| {
                b.iter(|| {
                    let mut staged = t.tree.stage();
                    let merged = merge_update_path(
                        cs,
                        &mut staged,
                        sender,
                        &created.update_path,
                        &t.group_id,
                    )
                    .unwrap();
                    let th = staged.tree_hash(cs).unwrap();
                    let ctx = gc(th.as_slice()).unwrap();
                    decrypt_update_path(
                        cs,
                        &staged,
                        &merged,
                        &created.update_path,
                        &[],
                        &ctx,
                        &private,
                    )
                    .unwrap()
                })
            });
        }
    }
    g.finish();
}

criterion_group!(
    benches,
    tree_hash_after_path_change,
    full_validation,
    update_path
);
criterion_main!(benches);
