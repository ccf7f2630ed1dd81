//! Side by side with mls-rs 0.57 and OpenMLS 0.9.2: the time for one
//! existing member to process and merge one commit carrying an UpdatePath
//! from another member, in groups of 1,024 and 4,096 members, suite
//! 0x0001, RustCrypto-based providers everywhere.
//!
//! Setup (not measured), identical in shape for the three libraries: a
//! creator at leaf 0 adds n-1 members in one commit; five of them (the
//! receiver and four committers spread over the tree) join from the
//! Welcome; three committers each commit an UpdatePath, which everyone
//! joined processes, so the tree holds several filled direct paths as in
//! a group that has seen activity. The fourth committer then creates one
//! commit with an UpdatePath (an empty commit: RFC 9420 §12.4 requires
//! the path), once. The tree is not full: the sender's copath still has
//! blank subtrees, so its UpdatePath carries one HPKE ciphertext per leaf
//! there (the commit is about 11.4 kB at n = 1,024 and 42.9 kB at 4,096,
//! the same within 40 bytes for the three libraries, which the bench
//! prints); the receiver decrypts exactly one of them.
//!
//! Measured: the receiver's processing of that commit, including the
//! merge into its state (ours: `process` + `merge_staged`; mls-rs:
//! `process_incoming_message`, which applies the commit; OpenMLS:
//! `process_message` + `merge_staged_commit`, which also writes the new
//! epoch to its in-memory storage provider). Every iteration starts from
//! a fresh copy of the receiver's pre-commit state, made outside the
//! measurement (ours: snapshot `from_bytes`; mls-rs: `Group::clone`;
//! OpenMLS: clone of its `MemoryStorage` and `MlsGroup::load`).
//!
//! Threads: OpenMLS (always) and mls-rs (default `rayon` feature)
//! parallelise parts of TreeKEM with rayon; mls-core is single-threaded.
//! The global rayon pool is limited to one thread so the three compare on
//! one core; set `PEERS_BENCH_THREADS` to change that.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use mls_core::group::{CommitOptions, Group, GroupConfig, Received};
use mls_core::messages::{Add, MlsMessage, Proposal};
use mls_peers::{Joiner, commit, create, encode, provider};

const SIZES: [usize; 2] = [1024, 4096];

/// The receiver, the three committers that fill the tree, and the sender
/// of the measured commit, as leaf indices for `n` members.
fn roles(n: usize) -> (usize, [usize; 3], usize) {
    (1, [n / 2, n / 4, 3 * n / 4], n - 1)
}

// ---------------------------------------------------------------- mls-core

struct Ours {
    receiver: Vec<u8>,
    commit: MlsMessage,
}

fn ours_setup(n: usize) -> Ours {
    let (recv, fillers, sender) = roles(n);
    let config = GroupConfig::default();
    let mut creator = create("m0", b"bench", config);
    let joiners: Vec<Joiner> = (1..n).map(|i| Joiner::new(&format!("m{i}"))).collect();
    let out = commit(
        &mut creator,
        CommitOptions {
            proposals: joiners
                .iter()
                .map(|j| {
                    Proposal::Add(Add {
                        key_package: j.key_package.clone(),
                    })
                })
                .collect(),
            ..CommitOptions::default()
        },
    );
    creator.merge_pending().unwrap();
    let welcome = encode(out.welcome.as_ref().unwrap());
    let mut wanted: Vec<usize> = vec![recv, fillers[0], fillers[1], fillers[2], sender];
    wanted.sort_unstable();
    let mut members: Vec<(usize, Group)> = joiners
        .into_iter()
        .enumerate()
        .filter(|(i, _)| wanted.contains(&(i + 1)))
        .map(|(i, j)| (i + 1, j.join(&welcome, config)))
        .collect();
    let idx = |members: &[(usize, Group)], leaf: usize| {
        members.iter().position(|(l, _)| *l == leaf).unwrap()
    };
    for f in fillers {
        let k = idx(&members, f);
        let out = commit(
            &mut members[k].1,
            CommitOptions {
                force_path: true,
                ..CommitOptions::default()
            },
        );
        members[k].1.merge_pending().unwrap();
        for (i, (_, g)) in members.iter_mut().enumerate() {
            if i != k {
                process_merge(g, &out.commit);
            }
        }
    }
    let s = idx(&members, sender);
    let out = commit(
        &mut members[s].1,
        CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
    );
    let r = idx(&members, recv);
    Ours {
        receiver: members[r].1.to_bytes().unwrap().as_bytes().to_vec(),
        commit: out.commit,
    }
}

fn process_merge(g: &mut Group, m: &MlsMessage) {
    let mut env = mls_core::group::ProcessEnv {
        psks: &mls_core::group::NoPsks,
        credentials: &mls_core::group::AcceptAllCredentials,
        now: None,
    };
    match g.process(provider(), m, &mut env).unwrap() {
        Received::Commit(staged) => g.merge_staged(*staged).unwrap(),
        other => panic!("expected a commit, got {other:?}"),
    }
}

// ----------------------------------------------------------------- mls-rs

mod mlsrs {
    use mls_rs::client_builder::MlsConfig;
    use mls_rs::identity::SigningIdentity;
    use mls_rs::identity::basic::{BasicCredential, BasicIdentityProvider};
    use mls_rs::{CipherSuite, CipherSuiteProvider, Client, CryptoProvider, MlsMessage};
    use mls_rs_crypto_rustcrypto::RustCryptoProvider;

    const SUITE: CipherSuite = CipherSuite::CURVE25519_AES128;

    fn client(name: &str) -> Client<impl MlsConfig + use<>> {
        let crypto = RustCryptoProvider::default();
        let cs = crypto.cipher_suite_provider(SUITE).unwrap();
        let (secret, public) = cs.signature_key_generate().unwrap();
        let identity = SigningIdentity::new(
            BasicCredential::new(name.as_bytes().to_vec()).into_credential(),
            public,
        );
        Client::builder()
            .identity_provider(BasicIdentityProvider)
            .crypto_provider(crypto)
            .signing_identity(identity, secret, SUITE)
            .build()
    }

    pub struct Setup<C: MlsConfig> {
        pub receiver: mls_rs::Group<C>,
        pub commit: MlsMessage,
    }

    pub fn setup(n: usize) -> Setup<impl MlsConfig> {
        let (recv, fillers, sender) = super::roles(n);
        let creator_c = client("m0");
        let mut creator = creator_c
            .create_group(Default::default(), Default::default(), None)
            .unwrap();
        let clients: Vec<_> = (1..n).map(|i| client(&format!("m{i}"))).collect();
        let mut b = creator.commit_builder();
        for c in &clients {
            b = b
                .add_member(
                    c.generate_key_package_message(Default::default(), Default::default(), None)
                        .unwrap(),
                )
                .unwrap();
        }
        let out = b.build().unwrap();
        creator.apply_pending_commit().unwrap();
        let welcome = &out.welcome_messages[0];
        let wanted = [recv, fillers[0], fillers[1], fillers[2], sender];
        let mut members: Vec<(usize, mls_rs::Group<_>)> = clients
            .iter()
            .enumerate()
            .filter(|(i, _)| wanted.contains(&(i + 1)))
            .map(|(i, c)| (i + 1, c.join_group(None, welcome, None).unwrap().0))
            .collect();
        for (l, g) in &members {
            assert_eq!(g.current_member_index() as usize, *l);
        }
        let idx = |members: &[(usize, mls_rs::Group<_>)], leaf: usize| {
            members.iter().position(|(l, _)| *l == leaf).unwrap()
        };
        for f in fillers {
            let k = idx(&members, f);
            let out = members[k].1.commit_builder().build().unwrap();
            members[k].1.apply_pending_commit().unwrap();
            for (i, (_, g)) in members.iter_mut().enumerate() {
                if i != k {
                    g.process_incoming_message(out.commit_message.clone())
                        .unwrap();
                }
            }
        }
        let s = idx(&members, sender);
        let out = members[s].1.commit_builder().build().unwrap();
        let r = idx(&members, recv);
        Setup {
            receiver: members.swap_remove(r).1,
            commit: out.commit_message,
        }
    }
}

// ---------------------------------------------------------------- OpenMLS

mod openmls_side {
    use openmls::prelude::tls_codec::Serialize;
    use openmls::prelude::*;
    use openmls_basic_credential::SignatureKeyPair;
    use openmls_rust_crypto::OpenMlsRustCrypto;
    use openmls_traits::OpenMlsProvider;

    const SUITE: Ciphersuite = Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

    struct Peer {
        provider: OpenMlsRustCrypto,
        signer: SignatureKeyPair,
        credential: CredentialWithKey,
    }

    fn peer(name: &str) -> Peer {
        let provider = OpenMlsRustCrypto::default();
        let signer = SignatureKeyPair::new(SUITE.signature_algorithm()).unwrap();
        signer.store(provider.storage()).unwrap();
        let credential = CredentialWithKey {
            credential: BasicCredential::new(name.as_bytes().to_vec()).into(),
            signature_key: signer.to_public_vec().into(),
        };
        Peer {
            provider,
            signer,
            credential,
        }
    }

    fn policy() -> WireFormatPolicy {
        PURE_PLAINTEXT_WIRE_FORMAT_POLICY
    }

    pub struct Setup {
        /// The receiver's storage: the group state lives there.
        pub provider: OpenMlsRustCrypto,
        pub group_id: GroupId,
        pub commit: ProtocolMessage,
        /// The commit's `MLSMessage` encoding length.
        pub commit_len: usize,
    }

    pub fn setup(n: usize) -> Setup {
        let (recv, fillers, sender) = super::roles(n);
        let creator = peer("m0");
        let mut cg = MlsGroup::new(
            &creator.provider,
            &creator.signer,
            &MlsGroupCreateConfig::builder()
                .ciphersuite(SUITE)
                .use_ratchet_tree_extension(true)
                .wire_format_policy(policy())
                .build(),
            creator.credential.clone(),
        )
        .unwrap();
        let peers: Vec<Peer> = (1..n).map(|i| peer(&format!("m{i}"))).collect();
        let kps: Vec<KeyPackage> = peers
            .iter()
            .map(|p| {
                KeyPackage::builder()
                    .build(SUITE, &p.provider, &p.signer, p.credential.clone())
                    .unwrap()
                    .key_package()
                    .clone()
            })
            .collect();
        let (_, welcome, _) = cg
            .add_members(&creator.provider, &creator.signer, &kps)
            .unwrap();
        cg.merge_pending_commit(&creator.provider).unwrap();
        let welcome: MlsMessageIn = welcome.into();
        let MlsMessageBodyIn::Welcome(welcome) = welcome.extract() else {
            panic!("not a Welcome")
        };
        let join_config = MlsGroupJoinConfig::builder()
            .use_ratchet_tree_extension(true)
            .wire_format_policy(policy())
            .build();
        let wanted = [recv, fillers[0], fillers[1], fillers[2], sender];
        let mut members: Vec<(usize, &Peer, MlsGroup)> = peers
            .iter()
            .enumerate()
            .filter(|(i, _)| wanted.contains(&(i + 1)))
            .map(|(i, p)| {
                let g = StagedWelcome::new_from_welcome(
                    &p.provider,
                    &join_config,
                    welcome.clone(),
                    None,
                )
                .unwrap()
                .into_group(&p.provider)
                .unwrap();
                assert_eq!(g.own_leaf_index().u32() as usize, i + 1);
                (i + 1, p, g)
            })
            .collect();
        let idx = |members: &[(usize, &Peer, MlsGroup)], leaf: usize| {
            members.iter().position(|(l, _, _)| *l == leaf).unwrap()
        };
        for f in fillers {
            let k = idx(&members, f);
            let (_, p, g) = &mut members[k];
            let bundle = g
                .self_update(&p.provider, &p.signer, LeafNodeParameters::default())
                .unwrap();
            g.merge_pending_commit(&p.provider).unwrap();
            let msg: MlsMessageIn = bundle.commit().clone().into();
            for (i, (_, p, g)) in members.iter_mut().enumerate() {
                if i != k {
                    let pm = g
                        .process_message(
                            &p.provider,
                            msg.clone().try_into_protocol_message().unwrap(),
                        )
                        .unwrap();
                    let ProcessedMessageContent::StagedCommitMessage(c) = pm.into_content() else {
                        panic!("expected a commit")
                    };
                    g.merge_staged_commit(&p.provider, *c).unwrap();
                }
            }
        }
        let s = idx(&members, sender);
        let (_, p, g) = &mut members[s];
        let bundle = g
            .self_update(&p.provider, &p.signer, LeafNodeParameters::default())
            .unwrap();
        let commit_len = bundle.commit().tls_serialize_detached().unwrap().len();
        let msg: MlsMessageIn = bundle.commit().clone().into();
        let r = idx(&members, recv);
        let (_, p, g) = &members[r];
        Setup {
            provider: p.provider.clone(),
            group_id: g.group_id().clone(),
            commit: msg.try_into_protocol_message().unwrap(),
            commit_len,
        }
    }

    /// A fresh copy of the receiver's state.
    pub fn fresh(s: &Setup) -> (OpenMlsRustCrypto, MlsGroup) {
        let provider = s.provider.clone();
        let g = MlsGroup::load(provider.storage(), &s.group_id)
            .unwrap()
            .unwrap();
        (provider, g)
    }

    /// Processes and merges the commit.
    pub fn process_merge(provider: &OpenMlsRustCrypto, g: &mut MlsGroup, m: ProtocolMessage) {
        let pm = g.process_message(provider, m).unwrap();
        let ProcessedMessageContent::StagedCommitMessage(c) = pm.into_content() else {
            panic!("expected a commit")
        };
        g.merge_staged_commit(provider, *c).unwrap();
    }
}

fn peers(c: &mut Criterion) {
    let threads = std::env::var("PEERS_BENCH_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .unwrap();
    let mut g = c.benchmark_group("process_commit_with_path");
    g.sample_size(10);
    for n in SIZES {
        let ours = ours_setup(n);
        eprintln!(
            "mls-core/{n}: measured commit is {} bytes",
            encode(&ours.commit).len()
        );
        g.bench_function(BenchmarkId::new("mls-core", n), |b| {
            b.iter_batched(
                || Group::from_bytes(provider(), &ours.receiver).unwrap(),
                |mut r| {
                    process_merge(&mut r, &ours.commit);
                    r
                },
                BatchSize::LargeInput,
            )
        });
        drop(ours);

        let rs = mlsrs::setup(n);
        eprintln!(
            "mls-rs/{n}: measured commit is {} bytes",
            rs.commit.to_bytes().unwrap().len()
        );
        g.bench_function(BenchmarkId::new("mls-rs", n), |b| {
            b.iter_batched(
                || (rs.receiver.clone(), rs.commit.clone()),
                |(mut r, m)| {
                    r.process_incoming_message(m).unwrap();
                    r
                },
                BatchSize::LargeInput,
            )
        });
        drop(rs);

        let om = openmls_side::setup(n);
        eprintln!("openmls/{n}: measured commit is {} bytes", om.commit_len);
        g.bench_function(BenchmarkId::new("openmls", n), |b| {
            b.iter_batched(
                || (openmls_side::fresh(&om), om.commit.clone()),
                |((p, mut r), m)| {
                    openmls_side::process_merge(&p, &mut r, m);
                    (p, r)
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, peers);
criterion_main!(benches);
