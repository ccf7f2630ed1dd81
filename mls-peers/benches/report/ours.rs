//! mls-core on one of its backends, through the public `Group` API.

use mls_core::codec::{Encode, VLBytes, decode};
use mls_core::crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider, SignaturePrivateKey};
use mls_core::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, Group, GroupConfig, MemberIdentity, NoPsks,
    ProcessEnv, Received,
};
use mls_core::key_package::{KeyPackageParams, KeyPackagePrivate, generate_key_package};
use mls_core::messages::{
    Add, Capabilities, Credential, CredentialType, KeyPackage, Lifetime, MlsMessage,
    MlsMessageBody, Proposal, ProtocolVersion, Remove,
};
use mls_peers::OsRng;

use crate::driver::{Label, Mls};

/// mls-core with `provider` on `suite`.
pub struct Ours {
    pub backend: &'static str,
    pub provider: &'static dyn CryptoProvider,
    pub suite: CipherSuite,
    /// "ours", or "ours-parallel" for the runs in a two-thread pool.
    pub implementation: &'static str,
}

pub struct Joiner {
    key_package: KeyPackage,
    private: KeyPackagePrivate,
    signer: SignaturePrivateKey,
}

fn config() -> GroupConfig {
    GroupConfig {
        encrypt_handshake: false,
        ratchet_tree_in_welcome: true,
        padding_block: 0,
        ..GroupConfig::default()
    }
}

fn lifetime() -> Lifetime {
    let now = mls_peers::unix_now();
    Lifetime {
        not_before: now - 3600,
        not_after: now + 90 * 24 * 3600,
    }
}

fn env() -> ProcessEnv<'static> {
    ProcessEnv {
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: Some(mls_peers::unix_now()),
    }
}

fn enc(m: &MlsMessage) -> Vec<u8> {
    m.encode().expect("MLSMessage encodes")
}

impl Ours {
    fn cs(&self) -> &'static dyn CipherSuiteProvider {
        self.provider
            .cipher_suite(self.suite)
            .expect("the backend serves the suite")
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            versions: vec![ProtocolVersion::MLS10].into(),
            cipher_suites: vec![self.suite].into(),
            extensions: vec![].into(),
            proposals: vec![].into(),
            credentials: vec![CredentialType::BASIC].into(),
        }
    }

    fn commit(&self, g: &mut Group, options: CommitOptions) -> (Vec<u8>, Option<Vec<u8>>) {
        let out = g
            .commit(
                self.provider,
                options,
                &mut CommitEnv {
                    rng: &mut OsRng,
                    psks: &NoPsks,
                    credentials: &AcceptAllCredentials,
                    now: Some(mls_peers::unix_now()),
                },
            )
            .expect("commit");
        g.merge_pending().expect("merge our commit");
        (enc(&out.commit), out.welcome.as_ref().map(enc))
    }
}

impl Mls for Ours {
    type Member = Group;
    type Joiner = Joiner;

    fn label(&self) -> Label {
        Label {
            implementation: self.implementation,
            backend: self.backend,
            suite: self.suite.0,
        }
    }

    fn create(&self) -> Group {
        let (sk, pk) = self
            .cs()
            .signature()
            .generate_key_pair(&mut OsRng)
            .expect("signature key");
        Group::create(
            self.provider,
            self.suite,
            b"bench".to_vec(),
            MemberIdentity {
                credential: Credential::Basic(VLBytes::new(b"m0".to_vec())),
                signature_key: sk.into(),
                signature_public_key: pk,
                capabilities: self.capabilities(),
                extensions: vec![],
                lifetime: lifetime(),
            },
            vec![],
            config(),
            &mut OsRng,
        )
        .expect("create")
    }

    fn joiner(&self, i: usize) -> (Joiner, Vec<u8>) {
        let cs = self.cs();
        let (signer, _) = cs
            .signature()
            .generate_key_pair(&mut OsRng)
            .expect("signature key");
        let (key_package, private) = generate_key_package(
            cs,
            KeyPackageParams {
                signer: &signer,
                credential: Credential::Basic(VLBytes::new(format!("m{i}").into_bytes())),
                capabilities: self.capabilities(),
                lifetime: lifetime(),
                leaf_extensions: vec![],
                extensions: vec![],
            },
            &mut OsRng,
        )
        .expect("KeyPackage");
        let bytes = enc(&MlsMessage {
            body: MlsMessageBody::KeyPackage(key_package.clone()),
        });
        (
            Joiner {
                key_package,
                private,
                signer,
            },
            bytes,
        )
    }

    fn fork(&self, m: &Group) -> Group {
        let bytes = m.to_bytes().expect("snapshot");
        Group::from_bytes(self.provider, bytes.as_bytes()).expect("restore")
    }

    fn fork_joiner(&self, j: &Joiner) -> Joiner {
        Joiner {
            key_package: j.key_package.clone(),
            private: KeyPackagePrivate {
                init_key: j.private.init_key.duplicate(),
                encryption_key: j.private.encryption_key.duplicate(),
            },
            signer: j.signer.duplicate(),
        }
    }

    fn add(&self, m: &mut Group, key_packages: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>) {
        let proposals = key_packages
            .iter()
            .map(|b| {
                let msg: MlsMessage = decode(b).expect("KeyPackage decodes");
                let MlsMessageBody::KeyPackage(key_package) = msg.body else {
                    panic!("not a KeyPackage")
                };
                Proposal::Add(Add { key_package })
            })
            .collect();
        let (commit, welcome) = self.commit(
            m,
            CommitOptions {
                proposals,
                force_path: true,
                ..CommitOptions::default()
            },
        );
        (commit, welcome.expect("a Welcome"))
    }

    fn join(&self, j: Joiner, welcome: &[u8]) -> Group {
        let msg: MlsMessage = decode(welcome).expect("Welcome decodes");
        let MlsMessageBody::Welcome(welcome) = msg.body else {
            panic!("not a Welcome")
        };
        Group::join(
            self.provider,
            &welcome,
            &j.key_package,
            j.private,
            j.signer,
            None,
            &mut env(),
            config(),
        )
        .expect("join")
    }

    fn update(&self, m: &mut Group) -> Vec<u8> {
        self.commit(
            m,
            CommitOptions {
                force_path: true,
                ..CommitOptions::default()
            },
        )
        .0
    }

    fn remove(&self, m: &mut Group, leaf: u32) -> Vec<u8> {
        self.commit(
            m,
            CommitOptions {
                proposals: vec![Proposal::Remove(Remove {
                    removed: mls_core::group::LeafIndex(leaf),
                })],
                force_path: true,
                ..CommitOptions::default()
            },
        )
        .0
    }

    fn process(&self, m: &mut Group, commit: &[u8]) {
        match m.process_bytes(self.provider, commit, &mut env()) {
            Ok(Received::Commit(staged)) => m.merge_staged(*staged).expect("merge"),
            other => panic!("expected a commit: {:?}", other.err()),
        }
    }

    fn seal(&self, m: &mut Group, data: &[u8]) -> Vec<u8> {
        enc(&m
            .protect(self.provider, data, b"", &mut OsRng)
            .expect("protect"))
    }

    fn open(&self, m: &mut Group, message: &[u8]) -> usize {
        match m.process_bytes(self.provider, message, &mut env()) {
            Ok(Received::Application { data, .. }) => data.len(),
            other => panic!("expected application data: {:?}", other.err()),
        }
    }

    fn leaf(&self, m: &Group) -> u32 {
        m.own_leaf().0
    }
}
