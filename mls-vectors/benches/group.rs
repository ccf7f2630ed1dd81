//! Group-level costs (RFC 9420 §12): joining from a Welcome at n = 1,024
//! and 4,096 members, and processing one commit with a path in groups of
//! 1,024 and 4,096 (the O(n)-versus-O(log n) question).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mls_core::codec::VLBytes;
use mls_core::crypto::{CipherSuite, CryptoProvider};
use mls_core::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, Group, GroupConfig, MemberIdentity, NoPsks,
    ProcessEnv, Received,
};
use mls_core::key_package::{KeyPackageParams, KeyPackagePrivate, generate_key_package};
use mls_core::messages::{
    Add, Credential, KeyPackage, Lifetime, MlsMessageBody, Proposal, Welcome,
};
use mls_vectors::TestRng;
use mls_vectors::fixtures::capabilities;

const SUITE: CipherSuite = CipherSuite(1);

struct Built {
    creator: Group,
    welcome: Welcome,
    joiner: (
        KeyPackage,
        KeyPackagePrivate,
        mls_core::crypto::SignaturePrivateKey,
    ),
}

/// A group of `n` members built by one commit of n-1 Adds.
fn build(provider: &'static dyn CryptoProvider, n: usize) -> Built {
    let cs = provider.cipher_suite(SUITE).unwrap();
    let mut rng = TestRng::new(n as u64);
    let lifetime = Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    };
    let (sk, pk) = cs.signature().generate_key_pair(&mut rng).unwrap();
    let mut creator = Group::create(
        provider,
        SUITE,
        b"bench".to_vec(),
        MemberIdentity {
            credential: Credential::Basic(VLBytes::new(b"creator".to_vec())),
            signature_key: sk.into(),
            signature_public_key: pk,
            capabilities: capabilities(cs),
            extensions: vec![],
            lifetime,
        },
        vec![],
        GroupConfig::default(),
        &mut rng,
    )
    .unwrap();
    let mut proposals = Vec::with_capacity(n - 1);
    let mut joiner = None;
    for i in 1..n {
        let (sk, _) = cs.signature().generate_key_pair(&mut rng).unwrap();
        let (kp, private) = generate_key_package(
            cs,
            KeyPackageParams {
                signer: &sk,
                credential: Credential::Basic(VLBytes::new(format!("m{i}").into_bytes())),
                capabilities: capabilities(cs),
                lifetime,
                leaf_extensions: vec![],
                extensions: vec![],
            },
            &mut rng,
        )
        .unwrap();
        proposals.push(Proposal::Add(Add {
            key_package: kp.clone(),
        }));
        if i == n - 1 {
            joiner = Some((kp, private, sk));
        }
    }
    let out = {
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        creator
            .commit(
                provider,
                CommitOptions {
                    proposals,
                    ..CommitOptions::default()
                },
                &mut env,
            )
            .unwrap()
    };
    creator.merge_pending().unwrap();
    let MlsMessageBody::Welcome(welcome) = out.welcome.unwrap().body else {
        panic!()
    };
    Built {
        creator,
        welcome,
        joiner: joiner.unwrap(),
    }
}

fn join(b: &Built, provider: &'static dyn CryptoProvider) -> Group {
    let (kp, private, sk) = &b.joiner;
    let mut env = ProcessEnv {
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    Group::join(
        provider,
        &b.welcome,
        kp,
        mls_core::key_package::KeyPackagePrivate {
            init_key: private.init_key.duplicate(),
            encryption_key: private.encryption_key.duplicate(),
        },
        sk.duplicate(),
        None,
        &mut env,
        GroupConfig::default(),
    )
    .unwrap()
}

fn group_benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("group");
    g.sample_size(10);
    for (name, provider) in mls_vectors::backends() {
        if provider.cipher_suite(SUITE).is_none() {
            continue;
        }
        for n in [1024usize, 4096] {
            let mut b = build(provider, n);
            g.bench_function(
                BenchmarkId::new(format!("join_from_welcome/{name}/0x0001"), n),
                |bench| bench.iter(|| join(&b, provider)),
            );
            // One commit with a path by the creator, processed by the last joiner.
            let mut member = join(&b, provider);
            let mut rng = TestRng::new(3);
            let out = {
                let mut env = CommitEnv {
                    rng: &mut rng,
                    psks: &NoPsks,
                    credentials: &AcceptAllCredentials,
                    now: None,
                };
                b.creator
                    .commit(
                        provider,
                        CommitOptions {
                            force_path: true,
                            ..CommitOptions::default()
                        },
                        &mut env,
                    )
                    .unwrap()
            };
            g.bench_function(
                BenchmarkId::new(format!("process_commit/{name}/0x0001"), n),
                |bench| {
                    bench.iter(|| {
                        let mut env = ProcessEnv {
                            psks: &NoPsks,
                            credentials: &AcceptAllCredentials,
                            now: None,
                        };
                        match member.process(provider, &out.commit, &mut env).unwrap() {
                            Received::Commit(staged) => staged,
                            _ => panic!("not a commit"),
                        }
                    })
                },
            );
            b.creator.discard_pending();
        }
    }
    g.finish();
}

/// Commit processing in a steady-state group: every parent node set (as
/// after many members have committed), so an UpdatePath carries O(log n)
/// ciphertexts and the cost model is the one of RFC 9420's TreeKEM.
fn full_tree_commit(c: &mut Criterion) {
    use mls_core::tree_math::LeafIndex;
    let mut g = c.benchmark_group("group_full_tree");
    g.sample_size(20);
    for (name, provider) in mls_vectors::backends() {
        let Some(cs) = provider.cipher_suite(SUITE) else {
            continue;
        };
        for n in [1024u32, 4096, 16384] {
            let t = mls_vectors::fixtures::full_tree(cs, n, true, &mut TestRng::new(n as u64));
            let member = |leaf: u32| {
                Group::from_tree_for_testing(
                    provider,
                    SUITE,
                    t.tree.clone(),
                    t.group_id.clone(),
                    7,
                    &[9u8; 32],
                    t.private_state(LeafIndex(leaf)),
                    t.members[leaf as usize].signature.duplicate(),
                    GroupConfig::default(),
                )
                .unwrap()
            };
            let mut committer = member(5);
            let mut receiver = member(n - 1);
            let mut rng = TestRng::new(4);
            g.bench_function(
                BenchmarkId::new(format!("commit/{name}/0x0001"), n),
                |bench| {
                    bench.iter(|| {
                        let mut env = CommitEnv {
                            rng: &mut rng,
                            psks: &NoPsks,
                            credentials: &AcceptAllCredentials,
                            now: None,
                        };
                        let out = committer
                            .commit(
                                provider,
                                CommitOptions {
                                    force_path: true,
                                    ..CommitOptions::default()
                                },
                                &mut env,
                            )
                            .unwrap();
                        committer.discard_pending();
                        out
                    })
                },
            );
            let out = {
                let mut env = CommitEnv {
                    rng: &mut rng,
                    psks: &NoPsks,
                    credentials: &AcceptAllCredentials,
                    now: None,
                };
                committer
                    .commit(
                        provider,
                        CommitOptions {
                            force_path: true,
                            ..CommitOptions::default()
                        },
                        &mut env,
                    )
                    .unwrap()
            };
            g.bench_function(
                BenchmarkId::new(format!("process_commit/{name}/0x0001"), n),
                |bench| {
                    bench.iter(|| {
                        let mut env = ProcessEnv {
                            psks: &NoPsks,
                            credentials: &AcceptAllCredentials,
                            now: None,
                        };
                        match receiver.process(provider, &out.commit, &mut env).unwrap() {
                            Received::Commit(staged) => staged,
                            _ => panic!("not a commit"),
                        }
                    })
                },
            );
            // Merge included: process + merge_staged.
            g.bench_function(
                BenchmarkId::new(format!("process_and_merge/{name}/0x0001"), n),
                |bench| {
                    bench.iter_batched(
                        || member(n - 1),
                        |mut r| {
                            let mut env = ProcessEnv {
                                psks: &NoPsks,
                                credentials: &AcceptAllCredentials,
                                now: None,
                            };
                            if let Received::Commit(staged) =
                                r.process(provider, &out.commit, &mut env).unwrap()
                            {
                                r.merge_staged(*staged).unwrap();
                            }
                            r
                        },
                        criterion::BatchSize::LargeInput,
                    )
                },
            );
        }
    }
    g.finish();
}

criterion_group!(benches, group_benches, full_tree_commit);
criterion_main!(benches);
