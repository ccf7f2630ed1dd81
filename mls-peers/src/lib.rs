//! Our side of the interoperability tests and side-by-side benchmarks
//! against mls-rs and OpenMLS: suite 0x0001 on the RustCrypto backend,
//! Basic credentials, messages exchanged as `MLSMessage` bytes
//! (RFC 9420 §6), exactly what would cross a network.
//!
//! Test support: the helpers panic on anything unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod adapters;
pub mod peer;
pub mod scenarios;

use mls_core::codec::{Encode, VLBytes, decode};
use mls_core::crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider, SignaturePrivateKey};
use mls_core::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, CommitOutput, Group, GroupConfig,
    MemberIdentity, NoPsks, ProcessEnv, PskStore, Received,
};
use mls_core::key_package::{KeyPackageParams, KeyPackagePrivate, generate_key_package};
use mls_core::messages::{
    Capabilities, Credential, CredentialType, KeyPackage, Lifetime, MlsMessage, MlsMessageBody,
    ProtocolVersion,
};
pub use mls_crypto_rustcrypto::OsRng;

/// MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.
pub const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

/// The exporter label and context every test compares.
pub const EXPORT_LABEL: &str = "interop exporter";
/// See [`EXPORT_LABEL`].
pub const EXPORT_CONTEXT: &[u8] = b"mls-peers";
/// See [`EXPORT_LABEL`].
pub const EXPORT_LEN: usize = 32;

/// Our RustCrypto provider.
pub fn provider() -> &'static dyn CryptoProvider {
    mls_crypto_rustcrypto::provider()
}

fn cs() -> &'static dyn CipherSuiteProvider {
    provider().cipher_suite(SUITE).expect("suite 0x0001 served")
}

/// Suite 0x0001, MLS 1.0, Basic credentials; no non-default extensions
/// or proposals (RFC 9420 §7.2: default types are not listed).
pub fn capabilities() -> Capabilities {
    Capabilities {
        versions: vec![ProtocolVersion::MLS10].into(),
        cipher_suites: vec![SUITE].into(),
        extensions: vec![].into(),
        proposals: vec![].into(),
        credentials: vec![CredentialType::BASIC].into(),
    }
}

/// Seconds since the Unix epoch: every helper passes it as `now`, so the
/// KeyPackage and LeafNode lifetimes the peers chose are checked
/// (RFC 9420 §7.3).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// Now minus an hour to now plus 90 days: a lifetime peers with a
/// maximum-range policy accept.
pub fn lifetime() -> Lifetime {
    let now = unix_now();
    Lifetime {
        not_before: now - 3600,
        not_after: now + 90 * 24 * 3600,
    }
}

/// A Basic credential `name` with a fresh Ed25519 key, for creating a
/// group or joining one by external commit.
pub fn identity(name: &str) -> MemberIdentity {
    let (sk, pk) = cs().signature().generate_key_pair(&mut OsRng).unwrap();
    MemberIdentity {
        credential: Credential::Basic(VLBytes::new(name.as_bytes().to_vec())),
        signature_key: sk.into(),
        signature_public_key: pk,
        capabilities: capabilities(),
        extensions: vec![],
        lifetime: lifetime(),
    }
}

/// A client of ours that is not in a group yet: its KeyPackage and the
/// private keys the Welcome needs.
#[derive(Debug)]
pub struct Joiner {
    /// The KeyPackage we publish.
    pub key_package: KeyPackage,
    /// Its private init and encryption keys.
    pub private: KeyPackagePrivate,
    /// Our signature key.
    pub signer: SignaturePrivateKey,
}

impl Joiner {
    /// A fresh client `name` with a KeyPackage.
    pub fn new(name: &str) -> Self {
        let (signer, _) = cs().signature().generate_key_pair(&mut OsRng).unwrap();
        let (key_package, private) = generate_key_package(
            cs(),
            KeyPackageParams {
                signer: &signer,
                credential: Credential::Basic(VLBytes::new(name.as_bytes().to_vec())),
                capabilities: capabilities(),
                lifetime: lifetime(),
                leaf_extensions: vec![],
                extensions: vec![],
            },
            &mut OsRng,
        )
        .unwrap();
        Self {
            key_package,
            private,
            signer,
        }
    }

    /// The KeyPackage as `MLSMessage` bytes (wire format mls_key_package).
    pub fn key_package_message(&self) -> Vec<u8> {
        encode(&MlsMessage {
            body: MlsMessageBody::KeyPackage(self.key_package.clone()),
        })
    }

    /// Joins from `welcome` (`MLSMessage` bytes); the ratchet tree must be
    /// in the GroupInfo extension (RFC 9420 §12.4.3.3).
    pub fn join(self, welcome: &[u8], config: GroupConfig) -> Group {
        self.join_with_psks(welcome, config, &NoPsks)
    }

    /// [`Joiner::join`] with PSKs: a group's earlier state is the store of
    /// its resumption PSKs when joining a branch or a ReInit successor.
    pub fn join_with_psks(self, welcome: &[u8], config: GroupConfig, psks: &dyn PskStore) -> Group {
        let msg: MlsMessage = decode(welcome).expect("welcome decodes");
        let MlsMessageBody::Welcome(welcome) = msg.body else {
            panic!("not a Welcome: {:?}", msg.body.wire_format());
        };
        Group::join(
            provider(),
            &welcome,
            &self.key_package,
            self.private,
            self.signer,
            None,
            &mut ProcessEnv {
                psks,
                credentials: &AcceptAllCredentials,
                now: Some(unix_now()),
            },
            config,
        )
        .unwrap()
    }
}

/// TLS encoding of `v`.
pub fn encode(v: &impl Encode) -> Vec<u8> {
    v.encode().expect("encodes")
}

/// Decodes `MLSMessage` bytes.
pub fn message(bytes: &[u8]) -> MlsMessage {
    decode(bytes).expect("MLSMessage decodes")
}

/// Creates a group with us (`name`) as its only member.
pub fn create(name: &str, group_id: &[u8], config: GroupConfig) -> Group {
    Group::create(
        provider(),
        SUITE,
        group_id.to_vec(),
        identity(name),
        vec![],
        config,
        &mut OsRng,
    )
    .unwrap()
}

/// `g` commits `options` (not merged yet).
pub fn commit(g: &mut Group, options: CommitOptions) -> CommitOutput {
    commit_with_psks(g, options, &NoPsks)
}

/// [`commit`] with external PSKs.
pub fn commit_with_psks(
    g: &mut Group,
    options: CommitOptions,
    psks: &dyn PskStore,
) -> CommitOutput {
    g.commit(
        provider(),
        options,
        &mut CommitEnv {
            rng: &mut OsRng,
            psks,
            credentials: &AcceptAllCredentials,
            now: Some(unix_now()),
        },
    )
    .unwrap()
}

/// What `g` made of a message from a peer.
#[derive(Debug, PartialEq, Eq)]
pub enum Got {
    /// Application data.
    Application(Vec<u8>),
    /// A commit, merged; we are in this epoch now.
    Commit(u64),
    /// A commit that removed us, merged.
    Removed,
    /// A proposal, cached.
    Proposal,
}

/// `g` processes `bytes` (an `MLSMessage`), merging any commit.
pub fn process(g: &mut Group, bytes: &[u8]) -> Got {
    process_with_psks(g, bytes, &NoPsks)
}

/// [`process`] with external PSKs.
pub fn process_with_psks(g: &mut Group, bytes: &[u8], psks: &dyn PskStore) -> Got {
    let msg = message(bytes);
    let mut env = ProcessEnv {
        psks,
        credentials: &AcceptAllCredentials,
        now: Some(unix_now()),
    };
    match g.process(provider(), &msg, &mut env) {
        Ok(Received::Application { data, .. }) => Got::Application(data),
        Ok(Received::Commit(staged)) => {
            let removed = staged.removes_self();
            if let Err(e) = g.merge_staged(*staged) {
                panic!("merging the peer's commit: {e:?}");
            }
            if removed {
                Got::Removed
            } else {
                Got::Commit(g.epoch())
            }
        }
        Ok(Received::Proposal(_)) => Got::Proposal,
        Ok(other) => panic!("unexpected {other:?}"),
        Err(e) => panic!("we rejected the peer's message: {e:?}"),
    }
}

/// Encrypts `data` as an application message.
pub fn protect(g: &mut Group, data: &[u8]) -> Vec<u8> {
    encode(&g.protect(provider(), data, b"", &mut OsRng).unwrap())
}

/// Our exporter output for the shared label/context/length.
pub fn export(g: &Group) -> Vec<u8> {
    g.export(
        provider(),
        EXPORT_LABEL.as_bytes(),
        EXPORT_CONTEXT,
        EXPORT_LEN,
    )
    .unwrap()
    .as_bytes()
    .to_vec()
}

/// Whether the commit in `bytes` carries an UpdatePath; `None` when it is
/// a PrivateMessage (its content is not visible on the wire).
pub fn commit_has_path(bytes: &[u8]) -> Option<bool> {
    match message(bytes).body {
        MlsMessageBody::PublicMessage(p) => match p.content.content {
            mls_core::messages::Content::Commit(c) => Some(c.path.is_some()),
            other => panic!("not a commit: {other:?}"),
        },
        MlsMessageBody::PrivateMessage(_) => None,
        other => panic!("not a framed message: {:?}", other.wire_format()),
    }
}

/// Asserts the commit in `bytes` has an UpdatePath when the wire shows it;
/// a PrivateMessage commit must be one when `private` is set.
pub fn assert_path(bytes: &[u8], private: bool) {
    match commit_has_path(bytes) {
        Some(p) => {
            assert!(!private, "expected a PrivateMessage commit");
            assert!(p, "expected an UpdatePath");
        }
        None => assert!(private, "expected a PublicMessage commit"),
    }
}
