//! A deterministic multi-member driver for group scenarios.
//!
//! A [`Scenario`] holds n members of one group and applies seeded random
//! operations: adds (by value and by reference), removes, updates (commits
//! with a path, Update proposals), PSK injections, application messages
//! delivered out of order, and snapshot round trips. After every epoch it
//! asserts that all members agree on the epoch authenticator, the tree hash
//! and an exporter output, and every application message decrypts at every
//! other member.

use std::collections::BTreeMap;

use mls_core::codec::VLBytes;
use mls_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, Rng, SignaturePrivateKey,
};
use mls_core::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, Group, GroupConfig, MemberIdentity, ProcessEnv,
    Received,
};
use mls_core::key_package::{KeyPackageParams, generate_key_package};
use mls_core::messages::{Credential, Lifetime, MlsMessage, MlsMessageBody, Proposal, Remove};
use mls_core::tree_math::LeafIndex;

use crate::TestRng;
use crate::fixtures::capabilities;

/// One participant.
#[derive(Debug)]
pub struct Member {
    /// A stable name.
    pub name: u32,
    /// The group state, while a member.
    pub group: Option<Group>,
}

/// A group and its members, driven deterministically.
pub struct Scenario {
    provider: &'static dyn CryptoProvider,
    suite: CipherSuite,
    /// Every client ever created; `group` is `None` once removed.
    pub members: Vec<Member>,
    rng: TestRng,
    psks: BTreeMap<Vec<u8>, Vec<u8>>,
    next_name: u32,
    /// Operations applied so far.
    pub operations: usize,
    /// Application messages delivered so far.
    pub messages_delivered: usize,
    /// External commits (joins and resyncs) so far.
    pub external_joins: usize,
    /// The configuration every member uses.
    pub config: GroupConfig,
    /// Application messages read from a past epoch.
    pub late_messages: usize,
}

impl std::fmt::Debug for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scenario")
            .field("suite", &self.suite)
            .field("operations", &self.operations)
            .finish()
    }
}

fn lifetime() -> Lifetime {
    Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    }
}

impl Scenario {
    fn cs(&self) -> &'static dyn CipherSuiteProvider {
        self.provider
            .cipher_suite(self.suite)
            .expect("suite served")
    }

    fn new_signer(&mut self) -> (SignaturePrivateKey, Vec<u8>) {
        let cs = self.cs();
        cs.signature()
            .generate_key_pair(&mut self.rng)
            .expect("signature key")
    }

    /// A one-member group created by member 0, default configuration.
    pub fn new(provider: &'static dyn CryptoProvider, suite: CipherSuite, seed: u64) -> Self {
        Self::with_config(provider, suite, seed, GroupConfig::default())
    }

    /// A one-member group created by member 0; every member uses `config`.
    pub fn with_config(
        provider: &'static dyn CryptoProvider,
        suite: CipherSuite,
        seed: u64,
        config: GroupConfig,
    ) -> Self {
        let mut s = Self {
            provider,
            suite,
            members: Vec::new(),
            rng: TestRng::new(seed),
            psks: BTreeMap::new(),
            next_name: 0,
            operations: 0,
            messages_delivered: 0,
            external_joins: 0,
            late_messages: 0,
            config,
        };
        let (sk, pk) = s.new_signer();
        let cs = s.cs();
        let identity = MemberIdentity {
            credential: Credential::Basic(VLBytes::new(b"member-0".to_vec())),
            signature_key: sk.into(),
            signature_public_key: pk,
            capabilities: capabilities(cs),
            extensions: vec![],
            lifetime: lifetime(),
        };
        let mut gid = vec![0u8; 16];
        s.rng.fill(&mut gid).expect("rng");
        let group = Group::create(provider, suite, gid, identity, vec![], config, &mut s.rng)
            .expect("create");
        s.members.push(Member {
            name: 0,
            group: Some(group),
        });
        s.next_name = 1;
        s
    }

    /// Indices (into `members`) of current members.
    pub fn active(&self) -> Vec<usize> {
        self.members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.group.is_some())
            .map(|(i, _)| i)
            .collect()
    }

    fn pick(&mut self, from: &[usize]) -> usize {
        let mut b = [0u8; 4];
        self.rng.fill(&mut b).expect("rng");
        from[u32::from_le_bytes(b) as usize % from.len()]
    }

    fn leaf_of(&self, m: usize) -> LeafIndex {
        self.members[m].group.as_ref().expect("member").own_leaf()
    }

    /// A fresh client with a KeyPackage; returns its index and secrets.
    fn new_client(
        &mut self,
    ) -> (
        usize,
        mls_core::messages::KeyPackage,
        mls_core::key_package::KeyPackagePrivate,
        SignaturePrivateKey,
    ) {
        let (sk, _) = self.new_signer();
        let name = self.next_name;
        self.next_name += 1;
        let cs = self.cs();
        let (kp, private) = generate_key_package(
            cs,
            KeyPackageParams {
                signer: &sk,
                credential: Credential::Basic(VLBytes::new(format!("member-{name}").into_bytes())),
                capabilities: capabilities(cs),
                lifetime: lifetime(),
                leaf_extensions: vec![],
                extensions: vec![],
            },
            &mut self.rng,
        )
        .expect("key package");
        self.members.push(Member { name, group: None });
        (self.members.len() - 1, kp, private, sk)
    }

    /// Delivers `msg` to every active member except `sender`; each must
    /// accept it as the expected kind. Commits are merged.
    fn broadcast(&mut self, sender: usize, msg: &MlsMessage) {
        let provider = self.provider;
        let psks = self.psks.clone();
        let creds = AcceptAllCredentials;
        for i in self.active() {
            if i == sender {
                continue;
            }
            let mut env = ProcessEnv {
                psks: &psks,
                credentials: &creds,
                now: None,
            };
            let g = self.members[i].group.as_mut().expect("active");
            match g
                .process(provider, msg, &mut env)
                .unwrap_or_else(|e| panic!("member {i}: {e}"))
            {
                Received::Commit(staged) => {
                    let removed = staged.removes_self();
                    g.merge_staged(*staged).expect("merge");
                    if removed {
                        self.members[i].group = None;
                    }
                }
                Received::Proposal(_) => {}
                Received::Application { .. } => self.messages_delivered += 1,
                Received::OwnCommit => panic!("member {i}: own commit from another sender"),
                other => panic!("member {i}: unexpected {other:?}"),
            }
        }
    }

    /// `committer` commits `options`; everyone processes it; new members
    /// join from the Welcome.
    fn commit(
        &mut self,
        committer: usize,
        options: CommitOptions,
        joiners: Vec<(
            usize,
            mls_core::messages::KeyPackage,
            mls_core::key_package::KeyPackagePrivate,
            SignaturePrivateKey,
        )>,
    ) {
        let provider = self.provider;
        let psks = self.psks.clone();
        let creds = AcceptAllCredentials;
        let out = {
            let mut env = CommitEnv {
                rng: &mut self.rng,
                psks: &psks,
                credentials: &creds,
                now: None,
            };
            let g = self.members[committer]
                .group
                .as_mut()
                .expect("committer active");
            g.commit(provider, options, &mut env)
                .unwrap_or_else(|e| panic!("commit by {committer}: {e}"))
        };
        assert_eq!(
            matches!(out.commit.body, MlsMessageBody::PrivateMessage(_)),
            self.config.encrypt_handshake,
            "commit wire format does not follow the configuration"
        );
        self.broadcast(committer, &out.commit);
        self.members[committer]
            .group
            .as_mut()
            .expect("committer")
            .merge_pending()
            .expect("merge");
        if let Some(welcome) = out.welcome {
            let MlsMessageBody::Welcome(w) = welcome.body else {
                panic!("not a welcome")
            };
            for (idx, kp, private, sk) in joiners {
                let mut env = ProcessEnv {
                    psks: &psks,
                    credentials: &creds,
                    now: None,
                };
                let g = Group::join(provider, &w, &kp, private, sk, None, &mut env, self.config)
                    .unwrap_or_else(|e| panic!("join of {idx}: {e}"));
                self.members[idx].group = Some(g);
            }
        }
        self.operations += 1;
        self.check_agreement();
    }

    /// All members agree on the epoch authenticator, tree hash and exporter.
    pub fn check_agreement(&self) {
        let active = self.active();
        let first = self.members[active[0]].group.as_ref().expect("active");
        let export = first
            .export(self.provider, b"scenario", b"ctx", 32)
            .expect("export");
        for &i in &active[1..] {
            let g = self.members[i].group.as_ref().expect("active");
            assert_eq!(g.epoch(), first.epoch(), "member {i} epoch");
            assert_eq!(
                g.epoch_authenticator(),
                first.epoch_authenticator(),
                "member {i} epoch authenticator"
            );
            assert_eq!(g.tree_hash(), first.tree_hash(), "member {i} tree hash");
            assert!(
                g.export(self.provider, b"scenario", b"ctx", 32)
                    .expect("export")
                    == export,
                "member {i} exporter"
            );
        }
    }

    /// Adds `k` new members, by value, in one commit by a random member.
    pub fn add_members(&mut self, k: usize) {
        let committer = {
            let a = self.active();
            self.pick(&a)
        };
        let mut joiners = Vec::new();
        let mut proposals = Vec::new();
        for _ in 0..k {
            let j = self.new_client();
            proposals.push(Proposal::Add(mls_core::messages::Add {
                key_package: j.1.clone(),
            }));
            joiners.push(j);
        }
        self.commit(
            committer,
            CommitOptions {
                proposals,
                ..CommitOptions::default()
            },
            joiners,
        );
    }

    /// Adds one member by reference: a proposer proposes, another commits.
    pub fn add_by_reference(&mut self) {
        let active = self.active();
        let proposer = self.pick(&active);
        let committer = self.pick(&active);
        let j = self.new_client();
        let provider = self.provider;
        let msg = self.members[proposer]
            .group
            .as_mut()
            .expect("active")
            .propose_add(provider, j.1.clone(), &mut self.rng)
            .expect("propose");
        self.broadcast(proposer, &msg);
        self.commit(
            committer,
            CommitOptions {
                include_pending: true,
                ..CommitOptions::default()
            },
            vec![j],
        );
    }

    /// A random member removes another (by value).
    pub fn remove_member(&mut self) {
        let active = self.active();
        if active.len() < 3 {
            return;
        }
        let committer = self.pick(&active);
        let others: Vec<usize> = active.iter().copied().filter(|&i| i != committer).collect();
        let victim = self.pick(&others);
        let leaf = self.leaf_of(victim);
        self.commit(
            committer,
            CommitOptions {
                proposals: vec![Proposal::Remove(Remove { removed: leaf })],
                ..CommitOptions::default()
            },
            vec![],
        );
        assert!(
            self.members[victim].group.is_none(),
            "removed member still active"
        );
    }

    /// A random member proposes removing another; a third commits by reference.
    pub fn remove_by_reference(&mut self) {
        let active = self.active();
        if active.len() < 3 {
            return;
        }
        let committer = self.pick(&active);
        let others: Vec<usize> = active.iter().copied().filter(|&i| i != committer).collect();
        let victim = self.pick(&others);
        let proposer = self.pick(&others);
        let leaf = self.leaf_of(victim);
        let provider = self.provider;
        let msg = self.members[proposer]
            .group
            .as_mut()
            .expect("active")
            .propose_remove(provider, leaf, &mut self.rng)
            .expect("propose");
        self.broadcast(proposer, &msg);
        self.commit(
            committer,
            CommitOptions {
                include_pending: true,
                ..CommitOptions::default()
            },
            vec![],
        );
    }

    /// A random member commits with a fresh path and no proposals.
    pub fn self_update(&mut self) {
        let committer = {
            let a = self.active();
            self.pick(&a)
        };
        self.commit(
            committer,
            CommitOptions {
                force_path: true,
                ..CommitOptions::default()
            },
            vec![],
        );
    }

    /// A member sends an Update proposal; another member commits it.
    pub fn update_by_reference(&mut self) {
        let active = self.active();
        if active.len() < 2 {
            return;
        }
        let proposer = self.pick(&active);
        let others: Vec<usize> = active.iter().copied().filter(|&i| i != proposer).collect();
        let committer = self.pick(&others);
        let provider = self.provider;
        let msg = {
            let g = self.members[proposer].group.as_mut().expect("active");
            g.propose_update(provider, &mut self.rng)
                .expect("propose update")
        };
        self.broadcast(proposer, &msg);
        self.commit(
            committer,
            CommitOptions {
                include_pending: true,
                ..CommitOptions::default()
            },
            vec![],
        );
    }

    /// A member proposes an external PSK known to everyone; another commits.
    pub fn inject_psk(&mut self) {
        let active = self.active();
        let proposer = self.pick(&active);
        let committer = self.pick(&active);
        let mut id = vec![0u8; 8];
        let mut psk = vec![0u8; 32];
        self.rng.fill(&mut id).expect("rng");
        self.rng.fill(&mut psk).expect("rng");
        self.psks.insert(id.clone(), psk);
        let provider = self.provider;
        let msg = {
            let g = self.members[proposer].group.as_mut().expect("active");
            g.propose_external_psk(provider, id, &mut self.rng)
                .expect("propose psk")
        };
        self.broadcast(proposer, &msg);
        self.commit(
            committer,
            CommitOptions {
                include_pending: true,
                ..CommitOptions::default()
            },
            vec![],
        );
    }

    /// A random member is saved and restored from a snapshot; the restored
    /// state must continue the group identically.
    pub fn snapshot_round_trip(&mut self) {
        let m = {
            let a = self.active();
            self.pick(&a)
        };
        let provider = self.provider;
        let g = self.members[m].group.as_ref().expect("active");
        let bytes = g.to_bytes().expect("to_bytes");
        let restored = Group::from_bytes(provider, bytes.as_bytes()).expect("from_bytes");
        assert_eq!(restored.epoch_authenticator(), g.epoch_authenticator());
        assert_eq!(
            restored.to_bytes().expect("to_bytes").as_bytes(),
            bytes.as_bytes(),
            "snapshot not stable"
        );
        self.members[m].group = Some(restored);
    }

    /// Every member sends two application messages; each other member
    /// receives all of them in reverse order (out-of-order delivery within
    /// the ratchet window, RFC 9420 §9.1) and must decrypt each exactly once.
    pub fn exchange_messages(&mut self) {
        let provider = self.provider;
        let active = self.active();
        let mut sent = Vec::new();
        for &i in &active {
            for k in 0..2u8 {
                let data =
                    format!("m{}-{}-{k}", self.members[i].name, self.operations).into_bytes();
                let g = self.members[i].group.as_mut().expect("active");
                let msg = g
                    .protect(provider, &data, b"ad", &mut self.rng)
                    .expect("protect");
                sent.push((i, data, msg));
            }
        }
        let psks = self.psks.clone();
        let creds = AcceptAllCredentials;
        for (sender, data, msg) in sent.iter().rev() {
            for &r in &active {
                if r == *sender {
                    continue;
                }
                let mut env = ProcessEnv {
                    psks: &psks,
                    credentials: &creds,
                    now: None,
                };
                let g = self.members[r].group.as_mut().expect("active");
                match g
                    .process(provider, msg, &mut env)
                    .unwrap_or_else(|e| panic!("member {r} from {sender}: {e}"))
                {
                    Received::Application { data: got, .. } => assert_eq!(&got, data),
                    other => panic!("expected application data, got {other:?}"),
                }
                self.messages_delivered += 1;
                // RFC 9420 §9.2: a replay is rejected and changes nothing.
                let mut env = ProcessEnv {
                    psks: &psks,
                    credentials: &creds,
                    now: None,
                };
                assert!(
                    g.process(provider, msg, &mut env).is_err(),
                    "replay accepted"
                );
            }
        }
    }

    /// A new client joins by external commit from a member's GroupInfo
    /// (RFC 9420 §12.4.3.2); with `resync`, an existing member rejoins and
    /// removes its own old leaf.
    pub fn external_join(&mut self, resync: bool) {
        let provider = self.provider;
        let active = self.active();
        let publisher = self.pick(&active);
        let gi = self.members[publisher]
            .group
            .as_ref()
            .expect("active")
            .group_info(provider, true)
            .expect("group info");
        let (idx, old_leaf, name) = if resync {
            let others: Vec<usize> = active.iter().copied().filter(|&i| i != publisher).collect();
            if others.is_empty() {
                return;
            }
            let m = self.pick(&others);
            (m, Some(self.leaf_of(m)), self.members[m].name)
        } else {
            let name = self.next_name;
            self.next_name += 1;
            self.members.push(Member { name, group: None });
            (self.members.len() - 1, None, name)
        };
        let (sk, pk) = self.new_signer();
        let cs = self.cs();
        let identity = MemberIdentity {
            credential: Credential::Basic(VLBytes::new(format!("member-{name}").into_bytes())),
            signature_key: sk.into(),
            signature_public_key: pk,
            capabilities: capabilities(cs),
            extensions: vec![],
            lifetime: lifetime(),
        };
        let psks = self.psks.clone();
        let creds = AcceptAllCredentials;
        let (group, commit) = {
            let mut env = CommitEnv {
                rng: &mut self.rng,
                psks: &psks,
                credentials: &creds,
                now: None,
            };
            Group::join_external(
                provider,
                &gi,
                None,
                identity,
                old_leaf,
                &mut env,
                self.config,
            )
            .unwrap_or_else(|e| panic!("external join: {e}"))
        };
        if resync {
            // The old state is gone; the member is the new one from now on.
            self.members[idx].group = None;
        }
        self.broadcast(usize::MAX, &commit);
        self.members[idx].group = Some(group);
        self.operations += 1;
        self.external_joins += 1;
        self.check_agreement();
    }

    /// A message sent in one epoch is delivered after the next commit: it
    /// must still decrypt from the retained past epoch (RFC 9420 §15.3).
    pub fn late_message_across_commit(&mut self) {
        let provider = self.provider;
        let active = self.active();
        if active.len() < 2 {
            return;
        }
        let sender = self.pick(&active);
        let data = format!("late-{}", self.operations).into_bytes();
        let msg = {
            let g = self.members[sender].group.as_mut().expect("active");
            g.protect(provider, &data, b"", &mut self.rng)
                .expect("protect")
        };
        self.self_update();
        let psks = self.psks.clone();
        let creds = AcceptAllCredentials;
        for r in self.active() {
            if r == sender {
                continue;
            }
            let mut env = ProcessEnv {
                psks: &psks,
                credentials: &creds,
                now: None,
            };
            let g = self.members[r].group.as_mut().expect("active");
            match g
                .process(provider, &msg, &mut env)
                .unwrap_or_else(|e| panic!("late message at {r}: {e}"))
            {
                Received::Application { data: got, .. } => assert_eq!(got, data),
                other => panic!("expected application data, got {other:?}"),
            }
            self.messages_delivered += 1;
            self.late_messages += 1;
        }
    }

    /// One seeded random operation.
    pub fn random_operation(&mut self) {
        let mut b = [0u8; 1];
        self.rng.fill(&mut b).expect("rng");
        let n = self.active().len();
        match b[0] % 8 {
            0 | 1 if n < 16 => self.add_members(1 + (b[0] as usize / 8) % 2),
            2 if n < 16 => self.add_by_reference(),
            3 => self.remove_member(),
            4 => self.remove_by_reference(),
            5 => self.update_by_reference(),
            6 => self.inject_psk(),
            7 if b[0] % 3 == 0 && n < 16 => self.external_join(false),
            7 if b[0] % 3 == 1 => self.external_join(true),
            _ if b[0] % 2 == 0 => self.late_message_across_commit(),
            _ => self.self_update(),
        }
        if b[0] % 5 == 0 {
            self.snapshot_round_trip();
        }
        if b[0] % 3 == 0 {
            self.exchange_messages();
        }
    }
}
