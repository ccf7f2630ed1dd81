#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
//! Message protection (RFC 9420 §6), KeyPackages (§10, §10.1) and Welcome
//! (§12.4.3) with real crypto: every compiled-in backend, every suite it
//! serves.

use mls_core::codec::{Encode, VLBytes, decode};
use mls_core::crypto::labeled::{encrypt_with_label, sign_with_label};
use mls_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, Secret, SignaturePrivateKey,
};
use mls_core::error::{Error, ProtocolError};
use mls_core::key_package::{
    KeyPackageError, KeyPackageParams, generate_key_package, key_package_reference,
    validate_key_package, validate_key_package_for_group,
};
use mls_core::key_schedule::from_joiner_secret;
use mls_core::messages::{Add, Extension};
use mls_core::messages::{
    Capabilities, Commit, Content, Credential, CredentialType, ExtensionType, FramedContent,
    GroupInfo, KeyPackage, LeafNodeSource, Lifetime, PreSharedKeyId, PrivateContentAad,
    PrivateMessage, Proposal, ProtocolVersion, Psk, Remove, Sender, SenderData, SenderDataAad,
    WireFormat,
};
use mls_core::messages::{GroupContext, MLS10};
use mls_core::protect::{
    FramingError, protect_private, protect_public, sign_content, unprotect_private,
    unprotect_public, verify_signature,
};
use mls_core::seal_welcome::{
    NewMember, WelcomeError, check_confirmation_tag, decrypt_group_info, decrypt_group_secrets,
    encrypt_welcome, sign_group_info, verify_group_info_signature, welcome_secret,
};
use mls_core::secret_tree::{RatchetConfig, RatchetKind, SecretTree, sender_data_key_nonce};
use mls_core::tree_math::LeafIndex;
use mls_vectors::{TestRng, backends};

/// Runs `f` for every backend and every suite it serves.
fn each_suite(mut f: impl FnMut(&dyn CryptoProvider, &dyn CipherSuiteProvider)) {
    let all = backends();
    assert!(!all.is_empty());
    for (_, provider) in all {
        for &suite in provider.supported_cipher_suites() {
            let cs = provider.cipher_suite(suite).expect("declared suite");
            f(provider, cs);
        }
    }
}

fn framing_err<T: std::fmt::Debug>(r: Result<T, Error>) -> FramingError {
    match r {
        Err(Error::Protocol(ProtocolError::Framing(e))) => e,
        other => panic!("expected a framing error, got {other:?}"),
    }
}

fn kp_err<T: std::fmt::Debug>(r: Result<T, Error>) -> KeyPackageError {
    match r {
        Err(Error::Protocol(ProtocolError::KeyPackage(e))) => e,
        other => panic!("expected a KeyPackage error, got {other:?}"),
    }
}

fn welcome_err<T: std::fmt::Debug>(r: Result<T, Error>) -> WelcomeError {
    match r {
        Err(Error::Protocol(ProtocolError::Welcome(e))) => e,
        other => panic!("expected a Welcome error, got {other:?}"),
    }
}

struct Group {
    ctx: GroupContext,
    signer: SignaturePrivateKey,
    signer_pub: Vec<u8>,
    membership_key: Secret,
    sender_data_secret: Secret,
    encryption_secret: Vec<u8>,
}

impl Group {
    fn new(cs: &dyn CipherSuiteProvider, rng: &mut TestRng) -> Self {
        let nh = cs.kdf().nh();
        let (signer, signer_pub) = cs.signature().generate_key_pair(rng).unwrap();
        Self {
            ctx: GroupContext {
                version: MLS10,
                cipher_suite: cs.cipher_suite(),
                group_id: VLBytes::new(b"group".to_vec()),
                epoch: 5,
                tree_hash: VLBytes::new(vec![1; nh]),
                confirmed_transcript_hash: VLBytes::new(vec![2; nh]),
                extensions: vec![],
            },
            signer,
            signer_pub,
            membership_key: Secret::from_slice(&vec![3; nh]).unwrap(),
            sender_data_secret: Secret::from_slice(&vec![4; nh]).unwrap(),
            encryption_secret: vec![5; nh],
        }
    }

    fn tree(&self, n: u32) -> SecretTree {
        SecretTree::new(
            Secret::from_slice(&self.encryption_secret).unwrap(),
            n,
            RatchetConfig::default(),
        )
    }

    fn framed(&self, sender: Sender, content: Content) -> FramedContent {
        FramedContent {
            group_id: self.ctx.group_id.clone(),
            epoch: self.ctx.epoch,
            sender,
            authenticated_data: VLBytes::new(b"aad".to_vec()),
            content,
        }
    }
}

fn remove() -> Content {
    Content::Proposal(Proposal::Remove(Remove {
        removed: mls_core::group::LeafIndex(0),
    }))
}

fn commit() -> Content {
    Content::Commit(Commit {
        proposals: vec![],
        path: None,
    })
}

fn app(len: usize) -> Content {
    Content::Application(VLBytes::new(vec![0xAB; len]))
}

// ---------------------------------------------------------------- §6.2

#[test]
fn rfc9420_6_2_public_message_roundtrip() {
    each_suite(|_, cs| {
        let mut rng = TestRng::new(1);
        let g = Group::new(cs, &mut rng);
        for content in [remove(), commit()] {
            let is_commit = matches!(content, Content::Commit(_));
            let mut ac = sign_content(
                cs,
                &g.signer,
                WireFormat::PUBLIC_MESSAGE,
                g.framed(Sender::Member(1), content),
                Some(&g.ctx),
            )
            .unwrap();
            if is_commit {
                ac.auth.confirmation_tag = Some(VLBytes::new(vec![9; cs.kdf().nh()]));
            }
            let pm = protect_public(cs, &ac, Some(&g.ctx), Some(&g.membership_key)).unwrap();
            assert!(pm.membership_tag.is_some());
            let back = unprotect_public(cs, &pm, &g.ctx, &g.membership_key).unwrap();
            assert_eq!(back, ac);
            verify_signature(cs, &back, &g.ctx, &g.signer_pub).unwrap();
        }
    });
}

#[test]
fn rfc9420_6_2_rejects_wrong_membership_key_and_tampering() {
    each_suite(|_, cs| {
        let mut rng = TestRng::new(2);
        let g = Group::new(cs, &mut rng);
        let ac = sign_content(
            cs,
            &g.signer,
            WireFormat::PUBLIC_MESSAGE,
            g.framed(Sender::Member(0), remove()),
            Some(&g.ctx),
        )
        .unwrap();
        let pm = protect_public(cs, &ac, Some(&g.ctx), Some(&g.membership_key)).unwrap();
        let wrong = Secret::from_slice(&vec![0xEE; cs.kdf().nh()]).unwrap();
        assert_eq!(
            framing_err(unprotect_public(cs, &pm, &g.ctx, &wrong)),
            FramingError::MembershipTagMismatch
        );
        let mut t = pm.clone();
        t.content.authenticated_data = VLBytes::new(b"aaD".to_vec());
        assert_eq!(
            framing_err(unprotect_public(cs, &t, &g.ctx, &g.membership_key)),
            FramingError::MembershipTagMismatch
        );
        let mut t = pm.clone();
        t.membership_tag = None;
        assert_eq!(
            framing_err(unprotect_public(cs, &t, &g.ctx, &g.membership_key)),
            FramingError::MembershipTagPresence
        );
        // Another epoch's context: refused before any MAC.
        let mut ctx = g.ctx.clone();
        ctx.epoch += 1;
        assert_eq!(
            framing_err(unprotect_public(cs, &pm, &ctx, &g.membership_key)),
            FramingError::WrongEpoch
        );
        let mut ctx = g.ctx.clone();
        ctx.group_id = VLBytes::new(b"other".to_vec());
        assert_eq!(
            framing_err(unprotect_public(cs, &pm, &ctx, &g.membership_key)),
            FramingError::WrongGroupId
        );
    });
}

#[test]
fn rfc9420_6_2_application_as_public_fails() {
    each_suite(|_, cs| {
        let mut rng = TestRng::new(3);
        let g = Group::new(cs, &mut rng);
        let ac = sign_content(
            cs,
            &g.signer,
            WireFormat::PUBLIC_MESSAGE,
            g.framed(Sender::Member(0), app(10)),
            Some(&g.ctx),
        )
        .unwrap();
        assert_eq!(
            framing_err(protect_public(
                cs,
                &ac,
                Some(&g.ctx),
                Some(&g.membership_key)
            )),
            FramingError::ApplicationAsPublic
        );
    });
}

#[test]
fn rfc9420_6_1_signature_checks() {
    each_suite(|_, cs| {
        let mut rng = TestRng::new(4);
        let g = Group::new(cs, &mut rng);
        let (_, other_pub) = cs.signature().generate_key_pair(&mut rng).unwrap();
        let ac = sign_content(
            cs,
            &g.signer,
            WireFormat::PUBLIC_MESSAGE,
            g.framed(Sender::Member(0), remove()),
            Some(&g.ctx),
        )
        .unwrap();
        assert_eq!(
            framing_err(verify_signature(cs, &ac, &g.ctx, &other_pub)),
            FramingError::SignatureInvalid
        );
        // The signature covers the GroupContext and the wire format.
        let mut ctx = g.ctx.clone();
        ctx.tree_hash = VLBytes::new(vec![0; 3]);
        assert_eq!(
            framing_err(verify_signature(cs, &ac, &ctx, &g.signer_pub)),
            FramingError::SignatureInvalid
        );
        let mut t = ac.clone();
        t.wire_format = WireFormat::PRIVATE_MESSAGE;
        assert_eq!(
            framing_err(verify_signature(cs, &t, &g.ctx, &g.signer_pub)),
            FramingError::SignatureInvalid
        );
        // Member senders need the context to sign.
        assert_eq!(
            framing_err(sign_content(
                cs,
                &g.signer,
                WireFormat::PUBLIC_MESSAGE,
                g.framed(Sender::Member(0), remove()),
                None,
            )),
            FramingError::GroupContextRequired
        );
        // Sender/content rules.
        assert_eq!(
            framing_err(sign_content(
                cs,
                &g.signer,
                WireFormat::PUBLIC_MESSAGE,
                g.framed(Sender::NewMemberCommit, remove()),
                Some(&g.ctx),
            )),
            FramingError::SenderContentMismatch
        );
    });
}

#[test]
fn rfc9420_6_2_external_sender_has_no_membership_tag() {
    each_suite(|_, cs| {
        let mut rng = TestRng::new(5);
        let g = Group::new(cs, &mut rng);
        let ac = sign_content(
            cs,
            &g.signer,
            WireFormat::PUBLIC_MESSAGE,
            g.framed(Sender::External(0), remove()),
            None,
        )
        .unwrap();
        let pm = protect_public(cs, &ac, None, None).unwrap();
        assert!(pm.membership_tag.is_none());
        let back = unprotect_public(cs, &pm, &g.ctx, &g.membership_key).unwrap();
        verify_signature(cs, &back, &g.ctx, &g.signer_pub).unwrap();
        let mut t = pm.clone();
        t.membership_tag = Some(VLBytes::new(vec![0; 32]));
        assert_eq!(
            framing_err(unprotect_public(cs, &t, &g.ctx, &g.membership_key)),
            FramingError::MembershipTagPresence
        );
    });
}

// ---------------------------------------------------------------- §6.3

fn private_ac(
    cs: &dyn CipherSuiteProvider,
    g: &Group,
    sender: u32,
    content: Content,
) -> mls_core::messages::AuthenticatedContent {
    let is_commit = matches!(content, Content::Commit(_));
    let mut ac = sign_content(
        cs,
        &g.signer,
        WireFormat::PRIVATE_MESSAGE,
        g.framed(Sender::Member(sender), content),
        Some(&g.ctx),
    )
    .unwrap();
    if is_commit {
        ac.auth.confirmation_tag = Some(VLBytes::new(vec![9; cs.kdf().nh()]));
    }
    ac
}

#[test]
fn rfc9420_6_3_private_message_roundtrip() {
    each_suite(|_, cs| {
        let mut rng = TestRng::new(6);
        let g = Group::new(cs, &mut rng);
        let mut sender_tree = g.tree(4);
        let mut receiver_tree = g.tree(4);
        for (i, content) in [remove(), commit(), app(0), app(1024), remove()]
            .into_iter()
            .enumerate()
        {
            let ac = private_ac(cs, &g, 2, content);
            let out = protect_private(
                cs,
                &ac,
                &sender_tree,
                &g.sender_data_secret,
                i * 5,
                &mut rng,
            )
            .unwrap();
            sender_tree.apply(out.update).unwrap();
            let bytes = out.message.encode().unwrap();
            let msg: PrivateMessage = decode(&bytes).unwrap();
            let back =
                unprotect_private(cs, &msg, &g.ctx, &receiver_tree, &g.sender_data_secret).unwrap();
            assert_eq!(back.content, ac);
            assert_eq!(back.sender_data.generation, out.generation);
            verify_signature(cs, &back.content, &g.ctx, &g.signer_pub).unwrap();
            receiver_tree.apply(back.update).unwrap();
            // Replay: the key is consumed.
            assert!(
                unprotect_private(cs, &msg, &g.ctx, &receiver_tree, &g.sender_data_secret).is_err()
            );
        }
    });
}

#[test]
fn rfc9420_6_3_rejects_tampering_without_changing_the_tree() {
    each_suite(|_, cs| {
        let mut rng = TestRng::new(7);
        let g = Group::new(cs, &mut rng);
        let tree = g.tree(2);
        let ac = private_ac(cs, &g, 1, app(100));
        let msg = protect_private(cs, &ac, &g.tree(2), &g.sender_data_secret, 0, &mut rng)
            .unwrap()
            .message;
        let nh = cs.kdf().nh();

        // Last byte of the content ciphertext (outside the sender-data sample).
        let mut t = msg.clone();
        let mut c = t.ciphertext.as_slice().to_vec();
        assert!(c.len() > nh);
        *c.last_mut().unwrap() ^= 1;
        t.ciphertext = VLBytes::new(c);
        assert_eq!(
            framing_err(unprotect_private(
                cs,
                &t,
                &g.ctx,
                &tree,
                &g.sender_data_secret
            )),
            FramingError::ContentDecryptionFailed
        );
        // First byte: changes the sender-data key.
        let mut t = msg.clone();
        let mut c = t.ciphertext.as_slice().to_vec();
        c[0] ^= 1;
        t.ciphertext = VLBytes::new(c);
        assert_eq!(
            framing_err(unprotect_private(
                cs,
                &t,
                &g.ctx,
                &tree,
                &g.sender_data_secret
            )),
            FramingError::SenderDataDecryptionFailed
        );
        // Encrypted sender data.
        let mut t = msg.clone();
        let mut c = t.encrypted_sender_data.as_slice().to_vec();
        c[3] ^= 0x80;
        t.encrypted_sender_data = VLBytes::new(c);
        assert_eq!(
            framing_err(unprotect_private(
                cs,
                &t,
                &g.ctx,
                &tree,
                &g.sender_data_secret
            )),
            FramingError::SenderDataDecryptionFailed
        );
        // Authenticated data (in the content AAD).
        let mut t = msg.clone();
        t.authenticated_data = VLBytes::new(b"AAD".to_vec());
        assert_eq!(
            framing_err(unprotect_private(
                cs,
                &t,
                &g.ctx,
                &tree,
                &g.sender_data_secret
            )),
            FramingError::ContentDecryptionFailed
        );
        // Wrong sender data secret.
        let wrong = Secret::from_slice(&vec![0x44; nh]).unwrap();
        assert_eq!(
            framing_err(unprotect_private(cs, &msg, &g.ctx, &tree, &wrong)),
            FramingError::SenderDataDecryptionFailed
        );
        // Wrong epoch.
        let mut ctx = g.ctx.clone();
        ctx.epoch = 0;
        assert_eq!(
            framing_err(unprotect_private(
                cs,
                &msg,
                &ctx,
                &tree,
                &g.sender_data_secret
            )),
            FramingError::WrongEpoch
        );
        // Nothing was consumed: the genuine message still decrypts.
        assert_eq!(tree, g.tree(2));
        let out = unprotect_private(cs, &msg, &g.ctx, &tree, &g.sender_data_secret).unwrap();
        assert_eq!(out.content, ac);
    });
}

#[test]
fn rfc9420_6_3_2_rejects_non_member_sender() {
    each_suite(|_, cs| {
        let mut rng = TestRng::new(8);
        let g = Group::new(cs, &mut rng);
        let ac = sign_content(
            cs,
            &g.signer,
            WireFormat::PRIVATE_MESSAGE,
            g.framed(Sender::External(0), remove()),
            None,
        )
        .unwrap();
        assert_eq!(
            framing_err(protect_private(
                cs,
                &ac,
                &g.tree(2),
                &g.sender_data_secret,
                0,
                &mut rng
            )),
            FramingError::SenderNotMember
        );
        // A public wire format cannot be protected as private.
        let ac = private_ac(cs, &g, 0, remove());
        let mut t = ac.clone();
        t.wire_format = WireFormat::PUBLIC_MESSAGE;
        assert_eq!(
            framing_err(protect_private(
                cs,
                &t,
                &g.tree(2),
                &g.sender_data_secret,
                0,
                &mut rng
            )),
            FramingError::WrongWireFormat
        );
    });
}

#[test]
fn rfc9420_6_3_2_rejects_leaf_outside_the_tree() {
    each_suite(|_, cs| {
        let mut rng = TestRng::new(9);
        let g = Group::new(cs, &mut rng);
        let ac = private_ac(cs, &g, 3, remove());
        let msg = protect_private(cs, &ac, &g.tree(4), &g.sender_data_secret, 0, &mut rng)
            .unwrap()
            .message;
        assert_eq!(
            framing_err(unprotect_private(
                cs,
                &msg,
                &g.ctx,
                &g.tree(2),
                &g.sender_data_secret
            )),
            FramingError::SenderLeafOutOfRange
        );
    });
}

/// Encrypts `plaintext` as a PrivateMessageContent from leaf 0, generation 0,
/// the way `protect_private` does, so that malformed plaintexts can be tested.
fn encrypt_raw(
    cs: &dyn CipherSuiteProvider,
    g: &Group,
    ct: mls_core::messages::ContentType,
    plaintext: &[u8],
) -> PrivateMessage {
    let kind = match ct {
        mls_core::messages::ContentType::Application => RatchetKind::Application,
        _ => RatchetKind::Handshake,
    };
    let (key, _) = g.tree(2).encryption_key(cs, LeafIndex(0), kind).unwrap();
    let aad = PrivateContentAad {
        group_id: g.ctx.group_id.clone(),
        epoch: g.ctx.epoch,
        content_type: ct,
        authenticated_data: VLBytes::new(vec![]),
    }
    .encode()
    .unwrap();
    let ciphertext = cs
        .aead()
        .seal(key.key.as_bytes(), key.nonce.as_bytes(), &aad, plaintext)
        .unwrap();
    let (sk, sn) = sender_data_key_nonce(cs, &g.sender_data_secret, &ciphertext).unwrap();
    let sd = SenderData {
        leaf_index: 0,
        generation: 0,
        reuse_guard: [0; 4],
    }
    .encode()
    .unwrap();
    let sd_aad = SenderDataAad {
        group_id: g.ctx.group_id.clone(),
        epoch: g.ctx.epoch,
        content_type: ct,
    }
    .encode()
    .unwrap();
    let esd = cs
        .aead()
        .seal(sk.as_bytes(), sn.as_bytes(), &sd_aad, &sd)
        .unwrap();
    PrivateMessage {
        group_id: g.ctx.group_id.clone(),
        epoch: g.ctx.epoch,
        content_type: ct,
        authenticated_data: VLBytes::new(vec![]),
        encrypted_sender_data: VLBytes::new(esd),
        ciphertext: VLBytes::new(ciphertext),
    }
}

#[test]
fn rfc9420_6_3_1_rejects_non_zero_padding() {
    use mls_core::messages::ContentType;
    each_suite(|_, cs| {
        let g = Group::new(cs, &mut TestRng::new(10));
        // application_data<V> = "hi", signature<V> = 4 bytes, padding.
        let good = [2, b'h', b'i', 4, 1, 2, 3, 4, 0, 0, 0];
        let msg = encrypt_raw(cs, &g, ContentType::Application, &good);
        let out = unprotect_private(cs, &msg, &g.ctx, &g.tree(2), &g.sender_data_secret).unwrap();
        assert_eq!(
            out.content.content.content,
            Content::Application(VLBytes::new(b"hi".to_vec()))
        );
        let bad = [2, b'h', b'i', 4, 1, 2, 3, 4, 0, 1, 0];
        let msg = encrypt_raw(cs, &g, ContentType::Application, &bad);
        assert_eq!(
            framing_err(unprotect_private(
                cs,
                &msg,
                &g.ctx,
                &g.tree(2),
                &g.sender_data_secret
            )),
            FramingError::NonZeroPadding
        );
        // Truncated: the auth data is missing.
        let msg = encrypt_raw(cs, &g, ContentType::Application, &[2, b'h', b'i']);
        assert_eq!(
            framing_err(unprotect_private(
                cs,
                &msg,
                &g.ctx,
                &g.tree(2),
                &g.sender_data_secret
            )),
            FramingError::MalformedContent
        );
    });
}

// ---------------------------------------------------------------- §10

fn capabilities(suite: CipherSuite) -> Capabilities {
    Capabilities {
        versions: vec![ProtocolVersion::MLS10].into(),
        cipher_suites: vec![suite, CipherSuite(0x0A0A)].into(),
        extensions: vec![ExtensionType(0x1A1A), ExtensionType::LAST_RESORT].into(),
        proposals: vec![].into(),
        credentials: vec![CredentialType::BASIC].into(),
    }
}

fn params(signer: &SignaturePrivateKey, suite: CipherSuite) -> KeyPackageParams<'_> {
    KeyPackageParams {
        signer,
        credential: Credential::Basic(VLBytes::new(b"alice".to_vec())),
        capabilities: capabilities(suite),
        lifetime: Lifetime {
            not_before: 100,
            not_after: 200,
        },
        leaf_extensions: vec![Extension {
            extension_type: 0x1A1A,
            extension_data: VLBytes::new(vec![]),
        }],
        extensions: vec![Extension {
            extension_type: ExtensionType::LAST_RESORT.0,
            extension_data: VLBytes::new(vec![]),
        }],
    }
}

/// Re-signs a modified KeyPackage (and optionally its leaf) with `signer`.
fn resign(
    cs: &dyn CipherSuiteProvider,
    kp: &mut KeyPackage,
    signer: &SignaturePrivateKey,
    leaf: bool,
) {
    if leaf {
        let tbs = kp.leaf_node.tbs(None).unwrap();
        kp.leaf_node.signature =
            VLBytes::new(sign_with_label(cs, signer, b"LeafNodeTBS", &tbs).unwrap());
    }
    let tbs = kp.tbs().unwrap();
    kp.signature = VLBytes::new(sign_with_label(cs, signer, b"KeyPackageTBS", &tbs).unwrap());
}

fn fresh_kp(
    cs: &dyn CipherSuiteProvider,
    seed: u64,
) -> (
    KeyPackage,
    mls_core::key_package::KeyPackagePrivate,
    SignaturePrivateKey,
) {
    let mut rng = TestRng::new(seed);
    let (signer, _) = cs.signature().generate_key_pair(&mut rng).unwrap();
    let (kp, private) =
        generate_key_package(cs, params(&signer, cs.cipher_suite()), &mut rng).unwrap();
    (kp, private, signer)
}

#[test]
fn rfc9420_10_generated_key_package_validates() {
    each_suite(|provider, cs| {
        let (kp, private, _) = fresh_kp(cs, 11);
        validate_key_package(cs, &kp, Some(150)).unwrap();
        validate_key_package(cs, &kp, None).unwrap();
        validate_key_package_for_group(provider, cs.cipher_suite(), &kp, Some(100)).unwrap();
        assert_ne!(kp.init_key, kp.leaf_node.encryption_key);
        assert_eq!(
            cs.hpke().public_key(&private.init_key).unwrap(),
            kp.init_key.as_slice()
        );
        assert_eq!(
            cs.hpke().public_key(&private.encryption_key).unwrap(),
            kp.leaf_node.encryption_key.as_slice()
        );
        // Survives the wire, and the reference is the hash of the encoding.
        let back: KeyPackage = decode(&kp.encode().unwrap()).unwrap();
        validate_key_package(cs, &back, None).unwrap();
        assert_eq!(
            key_package_reference(cs, &back).unwrap().len(),
            cs.kdf().nh()
        );
    });
}

#[test]
fn rfc9420_10_1_rejects_init_key_equal_to_encryption_key() {
    each_suite(|_, cs| {
        let (mut kp, _, signer) = fresh_kp(cs, 12);
        kp.init_key = kp.leaf_node.encryption_key.clone();
        resign(cs, &mut kp, &signer, false);
        assert_eq!(
            kp_err(validate_key_package(cs, &kp, None)),
            KeyPackageError::InitKeyEqualsEncryptionKey
        );
    });
}

#[test]
fn rfc9420_10_1_rejects_other_version_and_suite() {
    each_suite(|provider, cs| {
        let (kp, _, signer) = fresh_kp(cs, 13);
        let mut t = kp.clone();
        t.version = ProtocolVersion(2);
        resign(cs, &mut t, &signer, false);
        assert_eq!(
            kp_err(validate_key_package(cs, &t, None)),
            KeyPackageError::VersionMismatch
        );
        // Validated for a group of another suite.
        if let Some(other) = provider
            .supported_cipher_suites()
            .iter()
            .copied()
            .find(|s| *s != cs.cipher_suite())
        {
            let other_cs = provider.cipher_suite(other).unwrap();
            assert_eq!(
                kp_err(validate_key_package(other_cs, &kp, None)),
                KeyPackageError::CipherSuiteMismatch
            );
            assert_eq!(
                kp_err(validate_key_package_for_group(provider, other, &kp, None)),
                KeyPackageError::CipherSuiteMismatch
            );
        }
        // A suite the provider does not serve.
        let mut t = kp.clone();
        t.cipher_suite = CipherSuite(0x0A0A);
        assert_eq!(
            kp_err(validate_key_package_for_group(
                provider,
                CipherSuite(0x0A0A),
                &t,
                None
            )),
            KeyPackageError::UnsupportedCipherSuite
        );
    });
}

#[test]
fn rfc9420_10_rejects_bad_signatures() {
    each_suite(|_, cs| {
        let (kp, _, signer) = fresh_kp(cs, 14);
        let mut t = kp.clone();
        let mut s = t.signature.as_slice().to_vec();
        let last = s.len() - 1;
        s[last] ^= 1;
        t.signature = VLBytes::new(s);
        assert_eq!(
            kp_err(validate_key_package(cs, &t, None)),
            KeyPackageError::SignatureInvalid
        );
        // A changed field under the signature.
        let mut t = kp.clone();
        t.extensions.clear();
        assert_eq!(
            kp_err(validate_key_package(cs, &t, None)),
            KeyPackageError::SignatureInvalid
        );
        // §7.3: the leaf's own signature.
        let mut t = kp.clone();
        t.leaf_node.extensions.clear();
        resign(cs, &mut t, &signer, false);
        assert_eq!(
            kp_err(validate_key_package(cs, &t, None)),
            KeyPackageError::LeafSignatureInvalid
        );
    });
}

#[test]
fn rfc9420_10_rejects_leaf_source_not_key_package() {
    each_suite(|_, cs| {
        let (mut kp, _, signer) = fresh_kp(cs, 15);
        kp.leaf_node.leaf_node_source = LeafNodeSource::Update;
        assert_eq!(
            kp_err(validate_key_package(cs, &kp, None)),
            KeyPackageError::LeafSourceNotKeyPackage
        );
        resign(cs, &mut kp, &signer, false);
        assert_eq!(
            kp_err(validate_key_package(cs, &kp, None)),
            KeyPackageError::LeafSourceNotKeyPackage
        );
    });
}

#[test]
fn rfc9420_7_3_rejects_lifetime_not_covering_now() {
    each_suite(|_, cs| {
        let (kp, _, _) = fresh_kp(cs, 16);
        for now in [99, 201] {
            assert_eq!(
                kp_err(validate_key_package(cs, &kp, Some(now))),
                KeyPackageError::LifetimeInvalid
            );
        }
    });
}

type Modify = fn(&mut KeyPackage);

#[test]
fn rfc9420_7_2_rejects_capability_gaps() {
    each_suite(|_, cs| {
        let (kp, _, signer) = fresh_kp(cs, 17);
        let cases: [(Modify, KeyPackageError); 2] = [
            (
                |kp| kp.leaf_node.capabilities.extensions.clear(),
                KeyPackageError::ExtensionNotInCapabilities,
            ),
            (
                |kp| kp.leaf_node.capabilities.credentials = vec![CredentialType::X509].into(),
                KeyPackageError::CredentialTypeNotInCapabilities,
            ),
        ];
        for (modify, want) in cases {
            let mut t = kp.clone();
            modify(&mut t);
            resign(cs, &mut t, &signer, true);
            assert_eq!(kp_err(validate_key_package(cs, &t, None)), want);
        }
        // RFC 9420 §7.3 does not ask the leaf to list the suite or the
        // version: a KeyPackage whose capabilities omit them validates.
        let mut t = kp.clone();
        t.leaf_node.capabilities.cipher_suites.clear();
        t.leaf_node.capabilities.versions.clear();
        resign(cs, &mut t, &signer, true);
        validate_key_package(cs, &t, None).unwrap();
        // Generation refuses what validation would refuse.
        let mut rng = TestRng::new(18);
        let mut p = params(&signer, cs.cipher_suite());
        p.capabilities.extensions.clear();
        assert_eq!(
            kp_err(generate_key_package(cs, p, &mut rng)),
            KeyPackageError::ExtensionNotInCapabilities
        );
    });
}

// ---------------------------------------------------------------- §12.4.3

struct WelcomeFixture {
    group_info: GroupInfo,
    signer_pub: Vec<u8>,
    joiner_secret: Secret,
    psk_secret: Secret,
}

fn welcome_fixture(cs: &dyn CipherSuiteProvider, rng: &mut TestRng) -> WelcomeFixture {
    let nh = cs.kdf().nh();
    let g = Group::new(cs, rng);
    let joiner_secret = Secret::from_slice(&vec![0x11; nh]).unwrap();
    let psk_secret = Secret::from_slice(&vec![0x22; nh]).unwrap();
    let ks = from_joiner_secret(cs, &joiner_secret, &psk_secret, &g.ctx.encode().unwrap()).unwrap();
    let tag = cs
        .kdf()
        .mac(
            ks.epoch.confirmation_key.as_bytes(),
            g.ctx.confirmed_transcript_hash.as_slice(),
        )
        .unwrap();
    let mut group_info = GroupInfo {
        group_context: g.ctx.clone(),
        extensions: vec![],
        confirmation_tag: VLBytes::new(tag.to_vec()),
        signer: 0,
        signature: VLBytes::new(vec![]),
    };
    sign_group_info(cs, &g.signer, &mut group_info).unwrap();
    WelcomeFixture {
        group_info,
        signer_pub: g.signer_pub,
        joiner_secret,
        psk_secret,
    }
}

#[test]
fn rfc9420_12_4_3_1_welcome_roundtrip_two_members() {
    each_suite(|_, cs| {
        let mut rng = TestRng::new(20);
        let f = welcome_fixture(cs, &mut rng);
        let (kp_a, priv_a, _) = fresh_kp(cs, 21);
        let (kp_b, priv_b, _) = fresh_kp(cs, 22);
        let path = Secret::from_slice(&vec![0x33; cs.kdf().nh()]).unwrap();
        let psks = vec![PreSharedKeyId {
            psk: Psk::External(VLBytes::new(b"psk".to_vec())),
            psk_nonce: VLBytes::new(vec![7; cs.kdf().nh()]),
        }];
        let welcome = encrypt_welcome(
            cs,
            &f.group_info,
            &f.joiner_secret,
            &f.psk_secret,
            &psks,
            &[
                NewMember {
                    key_package: &kp_a,
                    path_secret: Some(&path),
                },
                NewMember {
                    key_package: &kp_b,
                    path_secret: None,
                },
            ],
            &mut rng,
        )
        .unwrap();
        let welcome: mls_core::messages::Welcome = decode(&welcome.encode().unwrap()).unwrap();
        for (kp, private, want_path) in [(&kp_a, &priv_a, Some(&path)), (&kp_b, &priv_b, None)] {
            let s = decrypt_group_secrets(cs, &welcome, kp, &private.init_key).unwrap();
            assert_eq!(s.joiner_secret, f.joiner_secret);
            assert_eq!(s.path_secret.as_ref(), want_path);
            assert_eq!(s.psks, psks);
            let ws = welcome_secret(cs, &s.joiner_secret, &f.psk_secret).unwrap();
            let gi = decrypt_group_info(cs, &welcome, &ws).unwrap();
            assert_eq!(gi, f.group_info);
            verify_group_info_signature(cs, &gi, &f.signer_pub).unwrap();
            let ks = check_confirmation_tag(cs, &s.joiner_secret, &f.psk_secret, &gi).unwrap();
            assert_eq!(ks.welcome_secret, ws);
        }
        // Member A's key cannot open B's entry.
        let mut only_b = welcome.clone();
        only_b.secrets.retain(|e| {
            e.new_member.as_slice() == key_package_reference(cs, &kp_b).unwrap().as_slice()
        });
        only_b.secrets[0].new_member =
            VLBytes::new(key_package_reference(cs, &kp_a).unwrap().to_vec());
        assert_eq!(
            welcome_err(decrypt_group_secrets(cs, &only_b, &kp_a, &priv_a.init_key)),
            WelcomeError::GroupSecretsDecryptionFailed
        );
    });
}

#[test]
fn rfc9420_12_4_3_1_welcome_rejections() {
    each_suite(|_, cs| {
        let mut rng = TestRng::new(23);
        let f = welcome_fixture(cs, &mut rng);
        let (kp, private, _) = fresh_kp(cs, 24);
        let (other_kp, other_priv, _) = fresh_kp(cs, 25);
        let welcome = encrypt_welcome(
            cs,
            &f.group_info,
            &f.joiner_secret,
            &f.psk_secret,
            &[],
            &[NewMember {
                key_package: &kp,
                path_secret: None,
            }],
            &mut rng,
        )
        .unwrap();
        // Not for us.
        assert_eq!(
            welcome_err(decrypt_group_secrets(
                cs,
                &welcome,
                &other_kp,
                &other_priv.init_key
            )),
            WelcomeError::NoEntryForKeyPackage
        );
        // Wrong init key.
        assert_eq!(
            welcome_err(decrypt_group_secrets(
                cs,
                &welcome,
                &kp,
                &other_priv.init_key
            )),
            WelcomeError::GroupSecretsDecryptionFailed
        );
        // encrypted_group_info is the HPKE context of the group secrets.
        let mut t = welcome.clone();
        let mut egi = t.encrypted_group_info.as_slice().to_vec();
        egi[0] ^= 1;
        t.encrypted_group_info = VLBytes::new(egi);
        assert_eq!(
            welcome_err(decrypt_group_secrets(cs, &t, &kp, &private.init_key)),
            WelcomeError::GroupSecretsDecryptionFailed
        );
        let s = decrypt_group_secrets(cs, &welcome, &kp, &private.init_key).unwrap();
        assert!(s.path_secret.is_none());
        // Wrong PSK secret: wrong welcome key.
        let zero = Secret::zero(cs.kdf().nh()).unwrap();
        let ws = welcome_secret(cs, &s.joiner_secret, &zero).unwrap();
        assert_eq!(
            welcome_err(decrypt_group_info(cs, &welcome, &ws)),
            WelcomeError::GroupInfoDecryptionFailed
        );
        assert_eq!(
            welcome_err(check_confirmation_tag(
                cs,
                &s.joiner_secret,
                &zero,
                &f.group_info
            )),
            WelcomeError::ConfirmationTagMismatch
        );
        // Signature with another key; a modified GroupInfo.
        let (_, other_pub) = cs.signature().generate_key_pair(&mut rng).unwrap();
        assert_eq!(
            welcome_err(verify_group_info_signature(cs, &f.group_info, &other_pub)),
            WelcomeError::GroupInfoSignatureInvalid
        );
        let mut gi = f.group_info.clone();
        gi.signer = 1;
        assert_eq!(
            welcome_err(verify_group_info_signature(cs, &gi, &f.signer_pub)),
            WelcomeError::GroupInfoSignatureInvalid
        );
        let mut gi = f.group_info.clone();
        gi.group_context.epoch += 1;
        assert_eq!(
            welcome_err(check_confirmation_tag(
                cs,
                &s.joiner_secret,
                &f.psk_secret,
                &gi
            )),
            WelcomeError::ConfirmationTagMismatch
        );
        // A GroupSecrets whose joiner secret has the wrong length.
        let mut bad = welcome.clone();
        let egi = bad.encrypted_group_info.as_slice().to_vec();
        let gs = mls_core::messages::GroupSecrets {
            joiner_secret: VLBytes::new(vec![1; 3]),
            path_secret: None,
            psks: vec![],
        }
        .encode()
        .unwrap();
        let ct = encrypt_with_label(cs, kp.init_key.as_slice(), b"Welcome", &egi, &gs, &mut rng)
            .unwrap();
        bad.secrets[0].encrypted_group_secrets.kem_output = VLBytes::new(ct.kem_output);
        bad.secrets[0].encrypted_group_secrets.ciphertext = VLBytes::new(ct.ciphertext);
        assert_eq!(
            welcome_err(decrypt_group_secrets(cs, &bad, &kp, &private.init_key)),
            WelcomeError::InvalidSecretLength
        );
    });
}

#[test]
fn rfc9420_6_add_by_new_member_proposal_allowed() {
    // §6.1: a new_member_proposal sender may send exactly Add proposals.
    each_suite(|_, cs| {
        let mut rng = TestRng::new(26);
        let g = Group::new(cs, &mut rng);
        let (kp, _, _) = fresh_kp(cs, 27);
        let content = Content::Proposal(Proposal::Add(Add { key_package: kp }));
        let ac = sign_content(
            cs,
            &g.signer,
            WireFormat::PUBLIC_MESSAGE,
            g.framed(Sender::NewMemberProposal, content),
            None,
        )
        .unwrap();
        let pm = protect_public(cs, &ac, None, None).unwrap();
        let back = unprotect_public(cs, &pm, &g.ctx, &g.membership_key).unwrap();
        verify_signature(cs, &back, &g.ctx, &g.signer_pub).unwrap();
    });
}
