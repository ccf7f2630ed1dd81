//! mls-rs 0.57 on a crypto provider (`mls-rs-crypto-rustcrypto` or
//! `mls-rs-crypto-awslc`). `Group` is `Clone`: a fork is a clone.

use mls_rs::client_builder::{
    BaseConfig, IntoConfigOutput, PaddingMode, WithCryptoProvider, WithIdentityProvider,
    WithMlsRules,
};
use mls_rs::error::MlsError;
use mls_rs::group::{GroupContext, ReceivedMessage, Roster};
use mls_rs::identity::SigningIdentity;
use mls_rs::identity::basic::{BasicCredential, BasicIdentityProvider};
use mls_rs::mls_rules::{
    CommitDirection, CommitOptions, CommitSource, EncryptionOptions, ProposalBundle,
};
use mls_rs::{CipherSuite, CipherSuiteProvider, Client, CryptoProvider, MlsMessage, MlsRules};

use crate::driver::{Label, Mls};

/// Every commit carries an UpdatePath, Welcomes carry the ratchet tree,
/// handshakes are PublicMessages, no padding.
#[derive(Debug, Clone, Copy)]
pub struct Rules;

impl MlsRules for Rules {
    type Error = MlsError;

    fn filter_proposals(
        &self,
        _direction: CommitDirection,
        _source: CommitSource,
        _roster: &Roster,
        _context: &GroupContext,
        proposals: ProposalBundle,
    ) -> Result<ProposalBundle, MlsError> {
        Ok(proposals)
    }

    fn commit_options(
        &self,
        _roster: &Roster,
        _context: &GroupContext,
        _proposals: &ProposalBundle,
    ) -> Result<CommitOptions, MlsError> {
        Ok(CommitOptions::new()
            .with_path_required(true)
            .with_ratchet_tree_extension(true))
    }

    fn encryption_options(
        &self,
        _roster: &Roster,
        _context: &GroupContext,
    ) -> Result<EncryptionOptions, MlsError> {
        Ok(EncryptionOptions::new(false, PaddingMode::None))
    }
}

pub type Config<P> = IntoConfigOutput<
    WithMlsRules<
        Rules,
        WithIdentityProvider<BasicIdentityProvider, WithCryptoProvider<P, BaseConfig>>,
    >,
>;

/// mls-rs on provider `P`.
pub struct MlsRs<P> {
    pub backend: &'static str,
    pub crypto: P,
    pub suite: u16,
}

impl<P: CryptoProvider + Clone> MlsRs<P> {
    fn client(&self, name: &str) -> Client<Config<P>> {
        let suite = CipherSuite::from(self.suite);
        let cs = self
            .crypto
            .cipher_suite_provider(suite)
            .expect("mls-rs provider serves the suite");
        let (secret, public) = cs.signature_key_generate().expect("signature key");
        let identity = SigningIdentity::new(
            BasicCredential::new(name.as_bytes().to_vec()).into_credential(),
            public,
        );
        Client::builder()
            .crypto_provider(self.crypto.clone())
            .identity_provider(BasicIdentityProvider)
            .mls_rules(Rules)
            .signing_identity(identity, secret, suite)
            .build()
    }
}

fn msg(b: &[u8]) -> MlsMessage {
    MlsMessage::from_bytes(b).expect("MLSMessage decodes")
}

impl<P: CryptoProvider + Clone> Mls for MlsRs<P> {
    type Member = mls_rs::Group<Config<P>>;
    /// mls-rs deletes a used KeyPackage only when the group is written to
    /// storage, which the report never does: a client can join again.
    type Joiner = Client<Config<P>>;

    fn label(&self) -> Label {
        Label {
            implementation: "mls-rs",
            backend: self.backend,
            suite: self.suite,
        }
    }

    fn create(&self) -> Self::Member {
        self.client("m0")
            .create_group(Default::default(), Default::default(), None)
            .expect("create")
    }

    fn joiner(&self, i: usize) -> (Self::Joiner, Vec<u8>) {
        let c = self.client(&format!("m{i}"));
        let kp = c
            .generate_key_package_message(Default::default(), Default::default(), None)
            .expect("KeyPackage")
            .to_bytes()
            .expect("encodes");
        (c, kp)
    }

    fn fork(&self, m: &Self::Member) -> Self::Member {
        m.clone()
    }

    fn fork_joiner(&self, j: &Self::Joiner) -> Self::Joiner {
        j.clone()
    }

    fn add(&self, m: &mut Self::Member, key_packages: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>) {
        let mut b = m.commit_builder();
        for kp in key_packages {
            b = b.add_member(msg(kp)).expect("add");
        }
        let out = b.build().expect("commit");
        m.apply_pending_commit().expect("merge our commit");
        (
            out.commit_message.to_bytes().expect("encodes"),
            out.welcome_messages[0].to_bytes().expect("encodes"),
        )
    }

    fn join(&self, j: Self::Joiner, welcome: &[u8]) -> Self::Member {
        j.join_group(None, &msg(welcome), None).expect("join").0
    }

    fn update(&self, m: &mut Self::Member) -> Vec<u8> {
        let out = m.commit_builder().build().expect("commit");
        m.apply_pending_commit().expect("merge our commit");
        out.commit_message.to_bytes().expect("encodes")
    }

    fn remove(&self, m: &mut Self::Member, leaf: u32) -> Vec<u8> {
        let out = m
            .commit_builder()
            .remove_member(leaf)
            .expect("remove")
            .build()
            .expect("commit");
        m.apply_pending_commit().expect("merge our commit");
        out.commit_message.to_bytes().expect("encodes")
    }

    fn process(&self, m: &mut Self::Member, commit: &[u8]) {
        match m.process_incoming_message(msg(commit)).expect("process") {
            ReceivedMessage::Commit(_) => {}
            _ => panic!("expected a commit"),
        }
    }

    fn seal(&self, m: &mut Self::Member, data: &[u8]) -> Vec<u8> {
        m.encrypt_application_message(data, vec![])
            .expect("protect")
            .to_bytes()
            .expect("encodes")
    }

    fn open(&self, m: &mut Self::Member, message: &[u8]) -> usize {
        match m.process_incoming_message(msg(message)).expect("unprotect") {
            ReceivedMessage::ApplicationMessage(a) => a.data().len(),
            _ => panic!("expected application data"),
        }
    }

    fn leaf(&self, m: &Self::Member) -> u32 {
        m.current_member_index()
    }
}
