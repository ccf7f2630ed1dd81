//! Shared fixtures of the fuzz targets: a deterministic three-member group
//! (suite 1, RustCrypto), built once per process, and a byte patcher that
//! lets the fuzzer mutate a known-good encoding without a seed corpus.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;

use mls_core::codec::{Encode, VLBytes, decode};
use mls_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoError, CryptoProvider, HpkePrivateKey, Rng, Secret,
    SignaturePrivateKey,
};
use mls_core::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, Group, GroupConfig, MemberIdentity, NoPsks,
    ProcessEnv,
};
use mls_core::key_package::{KeyPackageParams, generate_key_package};
use mls_core::messages::Extension;
use mls_core::messages::{
    Add, Capabilities, Credential, CredentialType, ExtensionType, GroupInfo, KeyPackage, Lifetime,
    MlsMessage, MlsMessageBody, Proposal, ProtocolVersion, RatchetTree as RatchetTreeExt, Welcome,
};
use mls_core::tree::RatchetTree;

/// The suite every fixture uses.
pub const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

/// The RustCrypto provider.
pub fn provider() -> &'static dyn CryptoProvider {
    mls_crypto_rustcrypto::provider()
}

/// Suite 1 of the provider.
pub fn cs() -> &'static dyn CipherSuiteProvider {
    provider().cipher_suite(SUITE).expect("suite 1")
}

/// SplitMix64: deterministic, not cryptographic. Fuzzing only.
#[derive(Debug, Clone)]
pub struct FuzzRng(u64);

impl FuzzRng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
}

impl Rng for FuzzRng {
    fn fill(&mut self, out: &mut [u8]) -> Result<(), CryptoError> {
        for chunk in out.chunks_mut(8) {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let v = z.to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        Ok(())
    }
}

/// A process environment that accepts every credential and knows no PSK.
pub fn process_env() -> ProcessEnv<'static> {
    ProcessEnv {
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    }
}

fn capabilities() -> Capabilities {
    Capabilities {
        versions: [ProtocolVersion::MLS10].into(),
        cipher_suites: [SUITE].into(),
        extensions: Default::default(),
        proposals: Default::default(),
        credentials: [CredentialType::BASIC].into(),
    }
}

fn lifetime() -> Lifetime {
    Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    }
}

/// A client not yet in the group.
pub struct Client {
    /// Signature key.
    pub signer: SignaturePrivateKey,
    /// Its KeyPackage.
    pub key_package: KeyPackage,
    /// KeyPackage init private key.
    pub init_key: HpkePrivateKey,
    /// Leaf encryption private key.
    pub encryption_key: HpkePrivateKey,
}

fn client(name: &[u8], rng: &mut FuzzRng) -> Client {
    let (signer, _) = cs().signature().generate_key_pair(rng).unwrap();
    let (key_package, private) = generate_key_package(
        cs(),
        KeyPackageParams {
            signer: &signer,
            credential: Credential::Basic(VLBytes::new(name.to_vec())),
            capabilities: capabilities(),
            lifetime: lifetime(),
            leaf_extensions: vec![],
            extensions: vec![],
        },
        rng,
    )
    .unwrap();
    Client {
        signer,
        key_package,
        init_key: private.init_key,
        encryption_key: private.encryption_key,
    }
}

/// The fixed group: Alice (leaf 0) created it and added Bob and Carol with
/// one commit; all three merged, epoch 1. [`fixture`] sends handshake
/// messages as PublicMessage, [`fixture_encrypted`] as PrivateMessage.
pub struct Fixture {
    /// Alice's state, `Group::to_bytes`.
    pub alice: Vec<u8>,
    /// Bob's state.
    pub bob: Vec<u8>,
    /// The Welcome that added Bob and Carol.
    pub welcome: Welcome,
    /// Bob, as he was before joining (KeyPackage and private keys).
    pub bob_client: Client,
    /// The GroupInfo inside `welcome`.
    pub group_info: GroupInfo,
    /// The welcome secret of `welcome` (no PSKs).
    pub welcome_secret: Secret,
    /// Alice's signature key (signer of the GroupInfo).
    pub alice_signer: SignaturePrivateKey,
    /// An application message from Bob to the group at epoch 1.
    pub bob_app: MlsMessage,
    /// The joiner secret of `welcome` (for re-wrapping forged Welcomes).
    pub joiner_secret: Secret,
    /// Bob's path secret in `welcome`, if the commit had a path.
    pub path_secret: Option<Secret>,
    /// The configuration every member uses.
    pub config: GroupConfig,
}

fn build(config: GroupConfig) -> Fixture {
    let p = provider();
    let mut rng = FuzzRng::new(42);
    let (alice_sk, alice_pk) = cs().signature().generate_key_pair(&mut rng).unwrap();
    let mut alice = Group::create(
        p,
        SUITE,
        b"fuzz group".to_vec(),
        MemberIdentity {
            credential: Credential::Basic(VLBytes::new(b"alice".to_vec())),
            signature_key: alice_sk.duplicate().into(),
            signature_public_key: alice_pk,
            capabilities: capabilities(),
            extensions: vec![],
            lifetime: lifetime(),
        },
        vec![],
        config,
        &mut rng,
    )
    .unwrap();
    let bob = client(b"bob", &mut rng);
    let carol = client(b"carol", &mut rng);
    let out = alice
        .commit(
            p,
            CommitOptions {
                proposals: vec![
                    Proposal::Add(Add {
                        key_package: bob.key_package.clone(),
                    }),
                    Proposal::Add(Add {
                        key_package: carol.key_package.clone(),
                    }),
                ],
                ..CommitOptions::default()
            },
            &mut CommitEnv {
                rng: &mut rng,
                psks: &NoPsks,
                credentials: &AcceptAllCredentials,
                now: None,
            },
        )
        .unwrap();
    alice.merge_pending().unwrap();
    let Some(MlsMessage {
        body: MlsMessageBody::Welcome(welcome),
    }) = out.welcome
    else {
        panic!("an add produces a Welcome");
    };
    let mut bob_group = Group::join(
        p,
        &welcome,
        &bob.key_package,
        mls_core::key_package::KeyPackagePrivate {
            init_key: bob.init_key.duplicate(),
            encryption_key: bob.encryption_key.duplicate(),
        },
        bob.signer.duplicate(),
        None,
        &mut process_env(),
        config,
    )
    .unwrap();
    let bob_app = bob_group.protect(p, b"hello", b"", &mut rng).unwrap();
    let joiner = mls_core::seal_welcome::decrypt_group_secrets(
        cs(),
        &welcome,
        &bob.key_package,
        &bob.init_key,
    )
    .unwrap();
    let psk_secret = Secret::zero(cs().kdf().nh()).unwrap();
    let welcome_secret =
        mls_core::seal_welcome::welcome_secret(cs(), &joiner.joiner_secret, &psk_secret).unwrap();
    let group_info =
        mls_core::seal_welcome::decrypt_group_info(cs(), &welcome, &welcome_secret).unwrap();
    Fixture {
        alice: alice.to_bytes().unwrap().as_bytes().to_vec(),
        bob: bob_group.to_bytes().unwrap().as_bytes().to_vec(),
        welcome,
        bob_client: bob,
        group_info,
        welcome_secret,
        alice_signer: alice_sk,
        bob_app,
        joiner_secret: joiner.joiner_secret,
        path_secret: joiner.path_secret,
        config,
    }
}

/// The fixture (PublicMessage handshakes), built on first use.
pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| build(GroupConfig::default()))
}

/// The same group with `encrypt_handshake`: Bob's proposals and commits
/// are PrivateMessages that Alice decrypts (RFC 9420 §6.3).
pub fn fixture_encrypted() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        build(GroupConfig {
            encrypt_handshake: true,
            ..GroupConfig::default()
        })
    })
}

/// Re-wraps a (forged) GroupInfo as the Welcome of `f` would carry it:
/// with `fix_context`, the GroupContext's tree hash is recomputed from the
/// GroupInfo's `ratchet_tree` extension (when it builds) and the
/// confirmation tag from the joiner secret, so that a forged tree gets
/// past the tree-hash and confirmation checks; then the GroupInfo is
/// signed with Alice's key and the whole Welcome is encrypted again to
/// Bob's KeyPackage (the GroupSecrets bind the encrypted GroupInfo, RFC
/// 9420 §12.4.3.1, so they must be encrypted anew too).
pub fn rewrap_welcome(f: &Fixture, mut gi: GroupInfo, fix_context: bool) -> Option<Welcome> {
    let cs = cs();
    let psk_secret = Secret::zero(cs.kdf().nh()).ok()?;
    if fix_context {
        if let Some(ext) = gi
            .extensions
            .iter()
            .find(|e| e.extension_type == ExtensionType::RATCHET_TREE.0)
        {
            if let Ok(t) = decode::<RatchetTreeExt>(ext.extension_data.as_slice()) {
                if let Ok(tree) = RatchetTree::from_nodes(cs, t.0) {
                    if let Some(h) = tree.tree_hash() {
                        gi.group_context.tree_hash = VLBytes::new(h.to_vec());
                    }
                }
            }
        }
        let ctx = gi.group_context.encode().ok()?;
        let out =
            mls_core::key_schedule::from_joiner_secret(cs, &f.joiner_secret, &psk_secret, &ctx)
                .ok()?;
        let tag = cs
            .kdf()
            .mac(
                out.epoch.confirmation_key.as_bytes(),
                gi.group_context.confirmed_transcript_hash.as_slice(),
            )
            .ok()?;
        gi.confirmation_tag = VLBytes::new(tag.as_ref().to_vec());
    }
    mls_core::seal_welcome::sign_group_info(cs, &f.alice_signer, &mut gi).ok()?;
    let mut rng = FuzzRng::new(11);
    mls_core::seal_welcome::encrypt_welcome(
        cs,
        &gi,
        &f.joiner_secret,
        &psk_secret,
        &[],
        &[mls_core::seal_welcome::NewMember {
            key_package: &f.bob_client.key_package,
            path_secret: f.path_secret.as_ref(),
        }],
        &mut rng,
    )
    .ok()
}

/// `gi` with its `ratchet_tree` extension's data replaced by `tree`
/// (added when missing).
pub fn with_tree(mut gi: GroupInfo, tree: Vec<u8>) -> GroupInfo {
    let data = VLBytes::new(tree);
    match gi
        .extensions
        .iter_mut()
        .find(|e| e.extension_type == ExtensionType::RATCHET_TREE.0)
    {
        Some(e) => e.extension_data = data,
        None => gi.extensions.push(Extension {
            extension_type: ExtensionType::RATCHET_TREE.0,
            extension_data: data,
        }),
    }
    gi
}

/// The encoded `ratchet_tree` extension data of `gi`, if any.
pub fn tree_bytes(gi: &GroupInfo) -> Option<Vec<u8>> {
    gi.extensions
        .iter()
        .find(|e| e.extension_type == ExtensionType::RATCHET_TREE.0)
        .map(|e| e.extension_data.as_slice().to_vec())
}

/// Restores a member from its snapshot.
pub fn restore(bytes: &[u8]) -> Group {
    Group::from_bytes(provider(), bytes).unwrap()
}

/// `base` with the patches of `ops` applied. `ops` is read in 3-byte
/// records `(offset: u16 BE, xor: u8)`; the offset wraps modulo the length.
/// A trailing record of 1 or 2 bytes truncates the result to
/// `offset % (len + 1)` instead, so lengths get explored too.
pub fn patch(base: &[u8], ops: &[u8]) -> Vec<u8> {
    let mut out = base.to_vec();
    let mut chunks = ops.chunks_exact(3);
    for c in chunks.by_ref() {
        if out.is_empty() {
            break;
        }
        let off = usize::from(u16::from_be_bytes([c[0], c[1]])) % out.len();
        out[off] ^= c[2];
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut v = 0usize;
        for &b in rest {
            v = (v << 8) | usize::from(b);
        }
        let keep = v % (out.len() + 1);
        out.truncate(keep);
    }
    out
}

/// The harness itself: the fixtures and the re-wrapping reach what the
/// targets claim to reach (`cargo test` in `fuzz/`).
#[cfg(test)]
mod tests {
    use super::*;
    use mls_core::error::{Error, ProtocolError};
    use mls_core::group::Received;
    use mls_core::seal_welcome::WelcomeError;

    fn join(w: &Welcome) -> Result<Group, Error> {
        let f = fixture();
        let c = &f.bob_client;
        Group::join(
            provider(),
            w,
            &c.key_package,
            mls_core::key_package::KeyPackagePrivate {
                init_key: c.init_key.duplicate(),
                encryption_key: c.encryption_key.duplicate(),
            },
            c.signer.duplicate(),
            None,
            &mut process_env(),
            f.config,
        )
    }

    #[test]
    fn a_rewrapped_welcome_joins() {
        let f = fixture();
        for fix in [false, true] {
            let w = rewrap_welcome(f, f.group_info.clone(), fix).unwrap();
            join(&w).unwrap();
        }
    }

    /// A forged tree (a leaf's signature broken) in a re-wrapped Welcome
    /// with the context fixed gets past decryption, the GroupInfo
    /// signature, the tree hash and the confirmation tag, to the per-leaf
    /// checks.
    #[test]
    fn a_forged_tree_reaches_tree_validation() {
        let f = fixture();
        let mut t: RatchetTreeExt = decode(&tree_bytes(&f.group_info).unwrap()).unwrap();
        let leaf =
            t.0.iter_mut()
                .find_map(|n| match n {
                    Some(mls_core::messages::Node::Leaf(l)) => Some(l),
                    _ => None,
                })
                .unwrap();
        let mut sig = leaf.signature.as_slice().to_vec();
        sig[0] ^= 1;
        leaf.signature = VLBytes::new(sig);
        let gi = with_tree(f.group_info.clone(), t.encode().unwrap());
        let e = join(&rewrap_welcome(f, gi.clone(), true).unwrap())
            .err()
            .unwrap();
        assert!(
            !matches!(e, Error::Protocol(ProtocolError::Welcome(_))),
            "stopped before the tree checks: {e:?}"
        );
        // Without the fix-up the same tree stops at the tree hash or the
        // confirmation tag, before any per-leaf check.
        let e = join(&rewrap_welcome(f, gi, false).unwrap()).err().unwrap();
        assert!(
            !matches!(
                e,
                Error::Protocol(ProtocolError::Welcome(
                    WelcomeError::GroupSecretsDecryptionFailed
                        | WelcomeError::GroupInfoDecryptionFailed
                ))
            ),
            "{e:?}"
        );
    }

    /// With `encrypt_handshake`, Bob's proposals and commits are
    /// PrivateMessages that Alice decrypts and accepts.
    #[test]
    fn the_encrypted_fixture_sends_private_handshakes_that_decrypt() {
        let f = fixture_encrypted();
        let mut bob = restore(&f.bob);
        let mut rng = FuzzRng::new(7);
        let out = bob
            .commit(
                provider(),
                CommitOptions::default(),
                &mut CommitEnv {
                    rng: &mut rng,
                    psks: &NoPsks,
                    credentials: &AcceptAllCredentials,
                    now: None,
                },
            )
            .unwrap();
        assert!(matches!(out.commit.body, MlsMessageBody::PrivateMessage(_)));
        let mut alice = restore(&f.alice);
        let r = alice.process(provider(), &out.commit, &mut process_env());
        assert!(matches!(r, Ok(Received::Commit(_))), "{r:?}");
        let mut bob = restore(&f.bob);
        let p = bob.propose_update(provider(), &mut rng).unwrap();
        assert!(matches!(p.body, MlsMessageBody::PrivateMessage(_)));
        let mut alice = restore(&f.alice);
        let r = alice.process(provider(), &p, &mut process_env());
        assert!(matches!(r, Ok(Received::Proposal(_))), "{r:?}");
    }
}
