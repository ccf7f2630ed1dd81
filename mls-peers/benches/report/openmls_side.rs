//! OpenMLS 0.9.2 on `openmls_rust_crypto` (its in-memory storage holds the
//! group state; a fork is a deep copy of the storage plus `MlsGroup::load`).

use std::rc::Rc;

use openmls::prelude::tls_codec::{Deserialize, Serialize};
use openmls::prelude::*;
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;
use openmls_traits::OpenMlsProvider;

use crate::driver::{Label, Mls};

pub struct OpenMls {
    pub suite: u16,
}

pub struct Member {
    provider: OpenMlsRustCrypto,
    signer: Rc<SignatureKeyPair>,
    group: MlsGroup,
}

pub struct Joiner {
    provider: OpenMlsRustCrypto,
    signer: Rc<SignatureKeyPair>,
}

fn out(m: &MlsMessageOut) -> Vec<u8> {
    m.tls_serialize_detached().expect("MLSMessage encodes")
}

fn body(bytes: &[u8]) -> MlsMessageBodyIn {
    MlsMessageIn::tls_deserialize_exact(bytes)
        .expect("MLSMessage decodes")
        .extract()
}

/// PublicMessage handshakes out; both wire formats accepted (application
/// messages are always PrivateMessages).
fn policy() -> WireFormatPolicy {
    MIXED_PLAINTEXT_WIRE_FORMAT_POLICY
}

fn join_config() -> MlsGroupJoinConfig {
    MlsGroupJoinConfig::builder()
        .use_ratchet_tree_extension(true)
        .wire_format_policy(policy())
        .padding_size(0)
        .build()
}

impl OpenMls {
    fn cs(&self) -> Ciphersuite {
        Ciphersuite::try_from(self.suite).expect("OpenMLS suite")
    }

    fn client(&self, name: &str) -> (OpenMlsRustCrypto, SignatureKeyPair, CredentialWithKey) {
        let provider = OpenMlsRustCrypto::default();
        let signer = SignatureKeyPair::new(self.cs().signature_algorithm()).expect("signer");
        signer.store(provider.storage()).expect("store signer");
        let credential = CredentialWithKey {
            credential: BasicCredential::new(name.as_bytes().to_vec()).into(),
            signature_key: signer.to_public_vec().into(),
        };
        (provider, signer, credential)
    }

    fn commit(
        &self,
        m: &mut Member,
        adds: Vec<KeyPackage>,
        removes: Vec<LeafNodeIndex>,
    ) -> (Vec<u8>, Option<Vec<u8>>) {
        let bundle = m
            .group
            .commit_builder()
            .consume_proposal_store(false)
            .force_self_update(true)
            .propose_adds(adds)
            .propose_removals(removes)
            .load_psks(m.provider.storage())
            .expect("commit")
            .build(
                m.provider.rand(),
                m.provider.crypto(),
                m.signer.as_ref(),
                |_| true,
            )
            .expect("commit")
            .stage_commit(&m.provider)
            .expect("commit");
        m.group
            .merge_pending_commit(&m.provider)
            .expect("merge our commit");
        let (c, w, _) = bundle.into_messages();
        (out(&c), w.as_ref().map(out))
    }
}

impl Mls for OpenMls {
    type Member = Member;
    type Joiner = Joiner;

    fn label(&self) -> Label {
        Label {
            implementation: "openmls",
            backend: "rustcrypto",
            suite: self.suite,
        }
    }

    fn create(&self) -> Member {
        let (provider, signer, credential) = self.client("m0");
        let group = MlsGroup::new(
            &provider,
            &signer,
            &MlsGroupCreateConfig::builder()
                .ciphersuite(self.cs())
                .use_ratchet_tree_extension(true)
                .wire_format_policy(policy())
                .padding_size(0)
                .build(),
            credential,
        )
        .expect("create");
        Member {
            provider,
            signer: Rc::new(signer),
            group,
        }
    }

    fn joiner(&self, i: usize) -> (Joiner, Vec<u8>) {
        let (provider, signer, credential) = self.client(&format!("m{i}"));
        let bundle = KeyPackage::builder()
            .build(self.cs(), &provider, &signer, credential)
            .expect("KeyPackage");
        let bytes = out(&MlsMessageOut::from(bundle.key_package().clone()));
        (
            Joiner {
                provider,
                signer: Rc::new(signer),
            },
            bytes,
        )
    }

    fn fork(&self, m: &Member) -> Member {
        let provider = m.provider.clone();
        let group = MlsGroup::load(provider.storage(), m.group.group_id())
            .expect("load")
            .expect("stored group");
        Member {
            provider,
            signer: m.signer.clone(),
            group,
        }
    }

    fn fork_joiner(&self, j: &Joiner) -> Joiner {
        Joiner {
            provider: j.provider.clone(),
            signer: j.signer.clone(),
        }
    }

    fn add(&self, m: &mut Member, key_packages: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>) {
        let kps = key_packages
            .iter()
            .map(|b| match body(b) {
                MlsMessageBodyIn::KeyPackage(kp) => kp
                    .validate(m.provider.crypto(), ProtocolVersion::Mls10)
                    .expect("valid KeyPackage"),
                _ => panic!("not a KeyPackage"),
            })
            .collect();
        let (c, w) = self.commit(m, kps, vec![]);
        (c, w.expect("a Welcome"))
    }

    fn join(&self, j: Joiner, welcome: &[u8]) -> Member {
        let MlsMessageBodyIn::Welcome(welcome) = body(welcome) else {
            panic!("not a Welcome")
        };
        let group = StagedWelcome::new_from_welcome(&j.provider, &join_config(), welcome, None)
            .expect("join")
            .into_group(&j.provider)
            .expect("join");
        Member {
            provider: j.provider,
            signer: j.signer,
            group,
        }
    }

    fn update(&self, m: &mut Member) -> Vec<u8> {
        self.commit(m, vec![], vec![]).0
    }

    fn remove(&self, m: &mut Member, leaf: u32) -> Vec<u8> {
        self.commit(m, vec![], vec![LeafNodeIndex::new(leaf)]).0
    }

    fn process(&self, m: &mut Member, commit: &[u8]) {
        let pm = MlsMessageIn::tls_deserialize_exact(commit)
            .expect("MLSMessage decodes")
            .try_into_protocol_message()
            .expect("a protocol message");
        let processed = m.group.process_message(&m.provider, pm).expect("process");
        let ProcessedMessageContent::StagedCommitMessage(c) = processed.into_content() else {
            panic!("expected a commit")
        };
        m.group.merge_staged_commit(&m.provider, *c).expect("merge");
    }

    fn seal(&self, m: &mut Member, data: &[u8]) -> Vec<u8> {
        out(&m
            .group
            .create_message(&m.provider, m.signer.as_ref(), data)
            .expect("protect"))
    }

    fn open(&self, m: &mut Member, message: &[u8]) -> usize {
        let pm = MlsMessageIn::tls_deserialize_exact(message)
            .expect("MLSMessage decodes")
            .try_into_protocol_message()
            .expect("a protocol message");
        let processed = m.group.process_message(&m.provider, pm).expect("unprotect");
        match processed.into_content() {
            ProcessedMessageContent::ApplicationMessage(a) => a.into_bytes().len(),
            _ => panic!("expected application data"),
        }
    }

    fn leaf(&self, m: &Member) -> u32 {
        m.group.own_leaf_index().u32()
    }
}
