#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! KeyPackage generation (RFC 9420 §10) and PrivateMessage protection of a
//! 1 KiB application message (§6.3), per backend and cipher suite.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mls_core::codec::VLBytes;
use mls_core::crypto::{CipherSuite, Secret};
use mls_core::key_package::{KeyPackageParams, generate_key_package};
use mls_core::messages::{
    Capabilities, Content, Credential, CredentialType, FramedContent, Lifetime, ProtocolVersion,
    Sender, WireFormat,
};
use mls_core::messages::{GroupContext, MLS10};
use mls_core::protect::{protect_private, sign_content, unprotect_private};
use mls_core::secret_tree::{RatchetConfig, SecretTree};
use mls_vectors::TestRng;
use std::hint::black_box;

const SUITES: [CipherSuite; 2] = [CipherSuite(1), CipherSuite(2)];

fn key_package(c: &mut Criterion) {
    let mut g = c.benchmark_group("key_package");
    for (name, provider) in mls_vectors::backends() {
        for suite in SUITES {
            let Some(cs) = provider.cipher_suite(suite) else {
                continue;
            };
            let mut rng = TestRng::new(1);
            let (signer, _) = cs.signature().generate_key_pair(&mut rng).expect("keys");
            let id = format!("{name}/{:#06x}", suite.0);
            g.bench_function(BenchmarkId::new("generate", &id), |b| {
                b.iter(|| {
                    let params = KeyPackageParams {
                        signer: &signer,
                        credential: Credential::Basic(VLBytes::new(b"alice".to_vec())),
                        capabilities: Capabilities {
                            versions: vec![ProtocolVersion::MLS10].into(),
                            cipher_suites: vec![suite].into(),
                            extensions: vec![].into(),
                            proposals: vec![].into(),
                            credentials: vec![CredentialType::BASIC].into(),
                        },
                        lifetime: Lifetime {
                            not_before: 0,
                            not_after: u64::MAX,
                        },
                        leaf_extensions: vec![],
                        extensions: vec![],
                    };
                    generate_key_package(cs, params, &mut rng).expect("key package")
                })
            });
        }
    }
    g.finish();
}

fn private_message(c: &mut Criterion) {
    let mut g = c.benchmark_group("private_message_1KiB");
    for (name, provider) in mls_vectors::backends() {
        for suite in SUITES {
            let Some(cs) = provider.cipher_suite(suite) else {
                continue;
            };
            let nh = cs.kdf().nh();
            let mut rng = TestRng::new(2);
            let (signer, _) = cs.signature().generate_key_pair(&mut rng).expect("keys");
            let ctx = GroupContext {
                version: MLS10,
                cipher_suite: suite,
                group_id: VLBytes::new(b"bench group".to_vec()),
                epoch: 1,
                tree_hash: VLBytes::new(vec![1; nh]),
                confirmed_transcript_hash: VLBytes::new(vec![2; nh]),
                extensions: vec![],
            };
            let sds = Secret::from_slice(&vec![3; nh]).expect("secret");
            let tree = SecretTree::new(
                Secret::from_slice(&vec![4; nh]).expect("secret"),
                8,
                RatchetConfig::default(),
            );
            let ac = sign_content(
                cs,
                &signer,
                WireFormat::PRIVATE_MESSAGE,
                FramedContent {
                    group_id: ctx.group_id.clone(),
                    epoch: ctx.epoch,
                    sender: Sender::Member(3),
                    authenticated_data: VLBytes::new(vec![]),
                    content: Content::Application(VLBytes::new(vec![0x5A; 1024])),
                },
                Some(&ctx),
            )
            .expect("sign");
            let id = format!("{name}/{:#06x}", suite.0);
            // The tree is never updated, so each iteration uses generation 0
            // of a fresh ratchet (one leaf derivation plus one ratchet step).
            g.bench_function(BenchmarkId::new("protect", &id), |b| {
                b.iter(|| {
                    protect_private(cs, black_box(&ac), &tree, &sds, 0, &mut rng).expect("protect")
                })
            });
            let msg = protect_private(cs, &ac, &tree, &sds, 0, &mut rng)
                .expect("protect")
                .message;
            g.bench_function(BenchmarkId::new("unprotect", &id), |b| {
                b.iter(|| {
                    unprotect_private(cs, black_box(&msg), &ctx, &tree, &sds).expect("unprotect")
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, key_package, private_message);
criterion_main!(benches);
