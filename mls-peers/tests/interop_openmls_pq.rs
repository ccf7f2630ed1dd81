//! Interoperability with OpenMLS 0.9.2 on the X-Wing suite TBD1 of
//! draft-ietf-mls-pq-ciphersuites-06 (X-Wing = HPKE KEM 0x647a,
//! AES-128-GCM, SHA-256, Ed25519), which OpenMLS (feature
//! `draft-ietf-mls-pq-ciphersuites`) serves on its provisional value 0x004F
//! and we on the alias
//! [`CipherSuite::OPENMLS_MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519`]
//! (our own provisional TBD1 is 0xF001). Every message crosses as
//! `MLSMessage` bytes; after every epoch both sides agree on the epoch
//! authenticator and an exporter output.
//!
//! Result: HPKE over X-Wing interoperates both ways (so do Welcomes without
//! a path, the key schedule and application messages), but OpenMLS 0.9.2
//! derives X-Wing key pairs from path secrets with a pre-draft
//! DeriveKeyPair (hpke-rs 0.7: seed = SHAKE256(ikm, 32)), not
//! draft-ietf-hpke-pq's SHAKE256.LabeledDerive, so UpdatePaths and
//! Welcomes carrying a path secret are refused on both sides. The tests pin
//! both halves.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::codec::VLBytes;
use mls_core::crypto::{CipherSuite, CipherSuiteProvider};
use mls_core::group::{
    AcceptAllCredentials, CommitOptions, Group, GroupConfig, MemberIdentity, NoPsks, ProcessEnv,
};
use mls_core::key_package::{KeyPackageParams, generate_key_package};
use mls_core::messages::{
    Add, Capabilities, Credential, CredentialType, MlsMessage, MlsMessageBody, Proposal,
    ProtocolVersion,
};
use mls_peers::{
    EXPORT_CONTEXT, EXPORT_LABEL, EXPORT_LEN, Got, OsRng, commit, encode, export, lifetime,
    message, process, protect, provider, unix_now,
};
use openmls::prelude::tls_codec::{Deserialize, Serialize};
use openmls::prelude::*;
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;
use openmls_traits::OpenMlsProvider;

const OURS: CipherSuite = CipherSuite::OPENMLS_MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519;
const PEER: Ciphersuite = Ciphersuite::MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519;

fn cs() -> &'static dyn CipherSuiteProvider {
    provider().cipher_suite(OURS).expect("alias 0x004F served")
}

fn capabilities() -> Capabilities {
    Capabilities {
        versions: vec![ProtocolVersion::MLS10].into(),
        cipher_suites: vec![OURS].into(),
        extensions: vec![].into(),
        proposals: vec![].into(),
        credentials: vec![CredentialType::BASIC].into(),
    }
}

/// An OpenMLS client (handshakes as PublicMessage, like our default).
struct Peer {
    provider: OpenMlsRustCrypto,
    signer: SignatureKeyPair,
    credential: CredentialWithKey,
}

impl Peer {
    fn new(name: &str) -> Self {
        let provider = OpenMlsRustCrypto::default();
        let signer = SignatureKeyPair::new(PEER.signature_algorithm()).unwrap();
        signer.store(provider.storage()).unwrap();
        let credential = CredentialWithKey {
            credential: BasicCredential::new(name.as_bytes().to_vec()).into(),
            signature_key: signer.to_public_vec().into(),
        };
        Self {
            provider,
            signer,
            credential,
        }
    }

    fn create_group(&self) -> MlsGroup {
        let config = MlsGroupCreateConfig::builder()
            .ciphersuite(PEER)
            .use_ratchet_tree_extension(true)
            .wire_format_policy(PURE_PLAINTEXT_WIRE_FORMAT_POLICY)
            .build();
        MlsGroup::new(
            &self.provider,
            &self.signer,
            &config,
            self.credential.clone(),
        )
        .unwrap()
    }

    fn key_package_message(&self) -> Vec<u8> {
        let bundle = KeyPackage::builder()
            .build(PEER, &self.provider, &self.signer, self.credential.clone())
            .unwrap();
        MlsMessageOut::from(bundle.key_package().clone())
            .tls_serialize_detached()
            .unwrap()
    }

    fn validate_key_package(&self, bytes: &[u8]) -> KeyPackage {
        match MlsMessageIn::tls_deserialize_exact(bytes)
            .unwrap()
            .extract()
        {
            MlsMessageBodyIn::KeyPackage(kp) => kp
                .validate(
                    self.provider.crypto(),
                    openmls::prelude::ProtocolVersion::Mls10,
                )
                .unwrap_or_else(|e| panic!("OpenMLS rejected our KeyPackage: {e:?}")),
            _ => panic!("not a KeyPackage"),
        }
    }

    fn join(&self, welcome: &[u8]) -> MlsGroup {
        let MlsMessageBodyIn::Welcome(welcome) = MlsMessageIn::tls_deserialize_exact(welcome)
            .unwrap()
            .extract()
        else {
            panic!("not a Welcome")
        };
        let config = MlsGroupJoinConfig::builder()
            .use_ratchet_tree_extension(true)
            .wire_format_policy(PURE_PLAINTEXT_WIRE_FORMAT_POLICY)
            .build();
        StagedWelcome::new_from_welcome(&self.provider, &config, welcome, None)
            .unwrap_or_else(|e| panic!("OpenMLS rejected our Welcome: {e:?}"))
            .into_group(&self.provider)
            .unwrap()
    }

    /// Processes a commit or an application message.
    fn process(&self, g: &mut MlsGroup, bytes: &[u8]) -> Option<Vec<u8>> {
        let m = MlsMessageIn::tls_deserialize_exact(bytes).unwrap();
        let processed = g
            .process_message(&self.provider, m.try_into_protocol_message().unwrap())
            .unwrap_or_else(|e| panic!("OpenMLS rejected our message: {e:?}"));
        match processed.into_content() {
            ProcessedMessageContent::ApplicationMessage(a) => Some(a.into_bytes()),
            ProcessedMessageContent::StagedCommitMessage(c) => {
                g.merge_staged_commit(&self.provider, *c).unwrap();
                None
            }
            _ => panic!("unexpected content"),
        }
    }

    fn export(&self, g: &MlsGroup) -> Vec<u8> {
        g.export_secret(
            self.provider.crypto(),
            EXPORT_LABEL,
            EXPORT_CONTEXT,
            EXPORT_LEN,
        )
        .unwrap()
    }
}

/// One of our clients, not in a group yet.
struct Joiner {
    key_package: mls_core::messages::KeyPackage,
    private: mls_core::key_package::KeyPackagePrivate,
    signer: mls_core::crypto::SignaturePrivateKey,
}

impl Joiner {
    fn new(name: &str) -> Self {
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

    fn try_join(self, welcome: &[u8]) -> Result<Group, mls_core::Error> {
        let MlsMessageBody::Welcome(welcome) = message(welcome).body else {
            panic!("not a Welcome")
        };
        Group::join(
            provider(),
            &welcome,
            &self.key_package,
            self.private,
            self.signer,
            None,
            &mut ProcessEnv {
                psks: &NoPsks,
                credentials: &AcceptAllCredentials,
                now: Some(unix_now()),
            },
            GroupConfig::default(),
        )
    }
}

fn agree(ours: &Group, peer: &Peer, g: &MlsGroup) {
    assert_eq!(ours.cipher_suite(), OURS);
    assert_eq!(ours.epoch(), g.epoch().as_u64(), "epoch");
    assert_eq!(
        ours.epoch_authenticator(),
        g.epoch_authenticator().as_slice(),
        "epoch_authenticator at epoch {}",
        ours.epoch()
    );
    assert_eq!(export(ours), peer.export(g), "exporter");
}

fn chat(ours: &mut Group, peer: &Peer, g: &mut MlsGroup) {
    let m = protect(ours, b"post-quantum hello from mls-core");
    assert_eq!(
        peer.process(g, &m).as_deref(),
        Some(&b"post-quantum hello from mls-core"[..])
    );
    let m = g
        .create_message(
            &peer.provider,
            &peer.signer,
            b"post-quantum hello from OpenMLS",
        )
        .unwrap()
        .tls_serialize_detached()
        .unwrap();
    assert_eq!(
        process(ours, &m),
        Got::Application(b"post-quantum hello from OpenMLS".to_vec())
    );
}

const HPKE: HpkeConfig = HpkeConfig(
    HpkeKemType::XWingKemDraft6,
    HpkeKdfType::HkdfSha256,
    HpkeAeadType::AesGcm128,
);

/// RFC 9420 §5.1.3 / RFC 9180 over X-Wing (0x647a): what OpenMLS seals to
/// our key we open, what we seal to OpenMLS's key it opens (generated
/// keys: 32-byte seeds on both sides).
#[test]
fn pq_tbd1_hpke_interoperates_both_ways() {
    let peer = Peer::new("p");
    let hpke = cs().hpke();
    for i in 0..4u8 {
        let (sk, pk) = hpke.generate_key_pair(&mut OsRng).unwrap();
        let ct = peer
            .provider
            .crypto()
            .hpke_seal(HPKE, &pk, b"info", &[i], b"from OpenMLS")
            .unwrap();
        assert_eq!(
            hpke.open(
                &sk,
                ct.kem_output.as_slice(),
                b"info",
                &[i],
                ct.ciphertext.as_slice()
            )
            .unwrap(),
            b"from OpenMLS"
        );
        let kp = peer
            .provider
            .crypto()
            .derive_hpke_keypair(HPKE, &[i; 32])
            .unwrap();
        let ours = hpke
            .seal(&kp.public, b"info", &[i], b"from mls-core", &mut OsRng)
            .unwrap();
        let input = openmls_traits::types::HpkeCiphertext {
            kem_output: ours.kem_output.into(),
            ciphertext: ours.ciphertext.into(),
        };
        assert_eq!(
            peer.provider
                .crypto()
                .hpke_open(HPKE, &input, &kp.private, b"info", &[i])
                .unwrap(),
            b"from mls-core"
        );
    }
}

/// OpenMLS 0.9.2 derives X-Wing key pairs (hpke-rs 0.7) as seed =
/// SHAKE256(ikm, 32), which predates draft-ietf-hpke-pq's seed =
/// SHAKE256.LabeledDerive(ikm, "DeriveKeyPair", "", 32) that we (and the
/// `hpke` crate, and the conformance vectors) follow. MLS derives every
/// tree key from a path secret (RFC 9420 §7.4), so the two cannot share a
/// group once an UpdatePath or a Welcome path secret is involved. This
/// test pins that difference; when OpenMLS moves to the draft's
/// DeriveKeyPair it fails, and the group-level tests below should become
/// positive ones.
#[test]
fn pq_tbd1_openmls_derive_key_pair_predates_draft_ietf_hpke_pq() {
    use mls_core::crypto::kem::{Keccak, Kem};
    let peer = Peer::new("p");
    for ikm in [[0u8; 32], [7u8; 32]] {
        let theirs = peer
            .provider
            .crypto()
            .derive_hpke_keypair(HPKE, &ikm)
            .unwrap();
        let (_, ours) = cs().hpke().derive_key_pair(&ikm).unwrap();
        assert_ne!(
            ours, theirs.public,
            "OpenMLS now follows draft-ietf-hpke-pq"
        );
        let mut seed = [0u8; 32];
        mls_crypto_rustcrypto::pq::Sha3.shake256(&[&ikm], &mut seed);
        let old = mls_crypto_rustcrypto::pq::XWing
            .public_key(&mls_core::crypto::HpkePrivateKey::from_slice(&seed))
            .unwrap();
        assert_eq!(old, theirs.public, "OpenMLS's X-Wing DeriveKeyPair changed");
    }
}

/// OpenMLS creates the group and adds us: its Welcome seals our
/// GroupSecrets to our X-Wing init key, which we open; but OpenMLS always
/// commits with an UpdatePath, and the path secret it gives us derives
/// (draft-ietf-hpke-pq DeriveKeyPair) a key other than the one it put in the
/// tree (its pre-draft DeriveKeyPair), which we refuse (RFC 9420 §12.4.3.1).
#[test]
fn pq_tbd1_openmls_welcome_decrypts_but_its_path_keys_differ() {
    let alice = Peer::new("alice");
    let mut g = alice.create_group();
    let bob = Joiner::new("bob");
    let kp = alice.validate_key_package(&encode(&MlsMessage {
        body: MlsMessageBody::KeyPackage(bob.key_package.clone()),
    }));
    let (_, welcome, _) = g
        .add_members(&alice.provider, &alice.signer, &[kp])
        .unwrap();
    g.merge_pending_commit(&alice.provider).unwrap();
    let err = bob
        .try_join(&welcome.tls_serialize_detached().unwrap())
        .expect_err("OpenMLS's path keys now match ours");
    assert!(format!("{err:?}").contains("PathSecretMismatch"), "{err:?}");
}

/// We create the group and add an OpenMLS client from its KeyPackage: our
/// Welcome (an Add without a path) seals to its X-Wing init key; it joins,
/// both sides agree on the epoch authenticator and exporter, and
/// application messages cross both ways. UpdatePaths do not: each side
/// refuses the other's node keys (DeriveKeyPair, see above).
#[test]
fn pq_tbd1_openmls_joins_our_group_from_our_welcome() {
    let mut ours = {
        let (sk, pk) = cs().signature().generate_key_pair(&mut OsRng).unwrap();
        Group::create(
            provider(),
            OURS,
            b"pq group".to_vec(),
            MemberIdentity {
                credential: Credential::Basic(VLBytes::new(b"alice".to_vec())),
                signature_key: sk.into(),
                signature_public_key: pk,
                capabilities: capabilities(),
                extensions: vec![],
                lifetime: lifetime(),
            },
            vec![],
            GroupConfig::default(),
            &mut OsRng,
        )
        .unwrap()
    };
    let bob = Peer::new("bob");
    let MlsMessageBody::KeyPackage(kp) = message(&bob.key_package_message()).body else {
        panic!("not a KeyPackage")
    };
    assert_eq!(kp.cipher_suite, OURS);
    let o = commit(
        &mut ours,
        CommitOptions {
            proposals: vec![Proposal::Add(Add { key_package: kp })],
            ..CommitOptions::default()
        },
    );
    ours.merge_pending().unwrap();
    let mut g = bob.join(&encode(o.welcome.as_ref().unwrap()));
    agree(&ours, &bob, &g);
    chat(&mut ours, &bob, &mut g);

    // OpenMLS's UpdatePath: we refuse its node public key.
    let (c, _, _) = g
        .self_update(&bob.provider, &bob.signer, LeafNodeParameters::default())
        .unwrap()
        .into_contents();
    let err = ours
        .process(
            provider(),
            &message(&c.tls_serialize_detached().unwrap()),
            &mut ProcessEnv {
                psks: &NoPsks,
                credentials: &AcceptAllCredentials,
                now: Some(unix_now()),
            },
        )
        .expect_err("OpenMLS's path keys now match ours");
    assert!(format!("{err:?}").contains("PublicKeyMismatch"), "{err:?}");
}
