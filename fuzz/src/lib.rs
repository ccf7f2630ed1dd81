//! Shared fixtures of the fuzz targets: a deterministic three-member group
//! (suite 1, RustCrypto), built once per process, and a byte patcher that
//! lets the fuzzer mutate a known-good encoding without a seed corpus.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;

use mls_core::codec::VLBytes;
use mls_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoError, CryptoProvider, HpkePrivateKey, Rng, Secret,
    SignaturePrivateKey,
};
use mls_core::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, Group, GroupConfig, MemberIdentity, NoPsks,
    ProcessEnv,
};
use mls_core::key_package::{KeyPackageParams, generate_key_package};
use mls_core::messages::{
    Add, Capabilities, Credential, CredentialType, GroupInfo, KeyPackage, Lifetime, MlsMessage,
    MlsMessageBody, Proposal, ProtocolVersion, Welcome,
};

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
        versions: vec![ProtocolVersion::MLS10],
        cipher_suites: vec![SUITE],
        extensions: vec![],
        proposals: vec![],
        credentials: vec![CredentialType::BASIC],
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
/// one commit; all three merged, epoch 1.
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
}

fn build() -> Fixture {
    let p = provider();
    let mut rng = FuzzRng::new(42);
    let (alice_sk, alice_pk) = cs().signature().generate_key_pair(&mut rng).unwrap();
    let mut alice = Group::create(
        p,
        SUITE,
        b"fuzz group".to_vec(),
        MemberIdentity {
            credential: Credential::Basic(VLBytes::new(b"alice".to_vec())),
            signature_key: alice_sk.duplicate(),
            signature_public_key: alice_pk,
            capabilities: capabilities(),
            extensions: vec![],
            lifetime: lifetime(),
        },
        vec![],
        GroupConfig::default(),
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
        &bob.init_key,
        bob.encryption_key.duplicate(),
        bob.signer.duplicate(),
        None,
        &mut process_env(),
        GroupConfig::default(),
    )
    .unwrap();
    let bob_app = bob_group.protect(p, b"hello", b"", &mut rng).unwrap();
    let joiner =
        mls_core::welcome::decrypt_group_secrets(cs(), &welcome, &bob.key_package, &bob.init_key)
            .unwrap();
    let psk_secret = Secret::zero(cs().kdf().nh()).unwrap();
    let welcome_secret =
        mls_core::welcome::welcome_secret(cs(), &joiner.joiner_secret, &psk_secret).unwrap();
    let group_info =
        mls_core::welcome::decrypt_group_info(cs(), &welcome, &welcome_secret).unwrap();
    Fixture {
        alice: alice.to_bytes().unwrap().as_bytes().to_vec(),
        bob: bob_group.to_bytes().unwrap().as_bytes().to_vec(),
        welcome,
        bob_client: bob,
        group_info,
        welcome_secret,
        alice_signer: alice_sk,
        bob_app,
    }
}

/// The fixture, built on first use.
pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(build)
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
