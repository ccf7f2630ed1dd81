//! One member adds n-1 members in one commit (with an UpdatePath and a
//! Welcome carrying the ratchet tree) and merges it: the bulk-add cost that
//! the Welcome's per-member HPKE seals and the tree encoding dominate.
//! KeyPackages are made beforehand, outside the timing. On the RustCrypto
//! backend (the `hpke` crate for single seals) and aws-lc (the core's
//! generic HPKE).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use mls_core::codec::VLBytes;
use mls_core::crypto::{CipherSuite, CryptoProvider, SignaturePrivateKey};
use mls_core::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, Group, GroupConfig, MemberIdentity, NoPsks,
};
use mls_core::key_package::{KeyPackageParams, generate_key_package};
use mls_core::messages::{Add, Credential, Lifetime, Proposal};
use mls_vectors::TestRng;
use mls_vectors::fixtures::capabilities;

const SUITE: CipherSuite = CipherSuite(1);

fn lifetime() -> Lifetime {
    Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    }
}

/// n-1 Add proposals of fresh KeyPackages.
fn adds(provider: &'static dyn CryptoProvider, n: usize) -> Vec<Proposal> {
    let cs = provider.cipher_suite(SUITE).unwrap();
    let mut rng = TestRng::new(n as u64);
    (1..n)
        .map(|i| {
            let (sk, _) = cs.signature().generate_key_pair(&mut rng).unwrap();
            let (kp, _) = generate_key_package(
                cs,
                KeyPackageParams {
                    signer: &sk,
                    credential: Credential::Basic(VLBytes::new(format!("m{i}").into_bytes())),
                    capabilities: capabilities(cs),
                    lifetime: lifetime(),
                    leaf_extensions: vec![],
                    extensions: vec![],
                },
                &mut rng,
            )
            .unwrap();
            Proposal::Add(Add { key_package: kp })
        })
        .collect()
}

/// A fresh one-member group.
fn creator(
    provider: &'static dyn CryptoProvider,
    signer: &SignaturePrivateKey,
    pk: &[u8],
) -> Group {
    let cs = provider.cipher_suite(SUITE).unwrap();
    Group::create(
        provider,
        SUITE,
        b"bench".to_vec(),
        MemberIdentity {
            credential: Credential::Basic(VLBytes::new(b"creator".to_vec())),
            signature_key: signer.duplicate().into(),
            signature_public_key: pk.to_vec(),
            capabilities: capabilities(cs),
            extensions: vec![],
            lifetime: lifetime(),
        },
        vec![],
        GroupConfig::default(),
        &mut TestRng::new(7),
    )
    .unwrap()
}

fn add_commit(c: &mut Criterion) {
    let mut g = c.benchmark_group("add_commit");
    g.sample_size(10);
    for (name, provider) in mls_vectors::backends() {
        if name != "rustcrypto" && name != "awslc" {
            continue;
        }
        let Some(cs) = provider.cipher_suite(SUITE) else {
            continue;
        };
        let (sk, pk) = cs
            .signature()
            .generate_key_pair(&mut TestRng::new(3))
            .unwrap();
        for n in [128usize, 1024] {
            let proposals = adds(provider, n);
            g.bench_function(BenchmarkId::new(format!("{name}/0x0001"), n), |b| {
                b.iter_batched(
                    || (creator(provider, &sk, &pk), proposals.clone()),
                    |(mut group, proposals)| {
                        let mut rng = TestRng::new(9);
                        let mut env = CommitEnv {
                            rng: &mut rng,
                            psks: &NoPsks,
                            credentials: &AcceptAllCredentials,
                            now: None,
                        };
                        let out = group
                            .commit(
                                provider,
                                CommitOptions {
                                    proposals,
                                    ..CommitOptions::default()
                                },
                                &mut env,
                            )
                            .unwrap();
                        group.merge_pending().unwrap();
                        (group, out)
                    },
                    BatchSize::PerIteration,
                )
            });
        }
    }
    g.finish();
}

criterion_group!(benches, add_commit);
criterion_main!(benches);
