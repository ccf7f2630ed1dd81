//! mls-rs 0.57 on its RustCrypto provider (`mls-rs-crypto-rustcrypto`).
//!
//! mls-rs with its aws-lc provider is not in the matrix: the
//! mls-rs-crypto-awslc release for mls-rs-core 0.27 pins aws-lc-rs
//! =1.18.1 while our `mls-crypto-awslc` uses aws-lc-rs 1.19, and Cargo
//! cannot hold two semver-compatible versions of one crate in a lockfile.

use std::sync::{Arc, Mutex};

use mls_rs::MlsRules;
use mls_rs::client_builder::{MlsConfig, PaddingMode};
use mls_rs::error::MlsError;
use mls_rs::extension::built_in::ExternalSendersExt;
use mls_rs::group::{CommitEffect, ExportedTree, GroupContext, ReceivedMessage, Roster};
use mls_rs::identity::SigningIdentity;
use mls_rs::identity::basic::{BasicCredential, BasicIdentityProvider};
use mls_rs::mls_rules::{
    CommitDirection, CommitOptions, CommitSource, EncryptionOptions, ProposalBundle,
};
use mls_rs::psk::{ExternalPskId, PreSharedKey};
use mls_rs::storage_provider::in_memory::InMemoryPreSharedKeyStorage;
use mls_rs::{CipherSuite, CipherSuiteProvider, Client, CryptoProvider, ExtensionList, MlsMessage};
use mls_rs_crypto_rustcrypto::RustCryptoProvider;

use crate::peer::{
    CommitOut, CommitSpec, EpochState, Event, ExtSender, ExternalJoin, Impl, Peer, Prop, Res, err,
};
use crate::{EXPORT_CONTEXT, EXPORT_LABEL, EXPORT_LEN};

/// Per-commit options, shared with the client's [`MlsRules`].
#[derive(Debug, Clone, Copy)]
struct Opts {
    path_required: bool,
    tree_in_welcome: bool,
}

/// mls-rs's policy hook: everything proposed is committed; the UpdatePath
/// and the ratchet tree extension follow [`Opts`].
#[derive(Debug, Clone)]
struct Rules(Arc<Mutex<Opts>>);

impl Rules {
    fn get(&self) -> Opts {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

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
        let o = self.get();
        Ok(CommitOptions::new()
            .with_path_required(o.path_required)
            .with_ratchet_tree_extension(o.tree_in_welcome))
    }

    fn encryption_options(
        &self,
        _roster: &Roster,
        _context: &GroupContext,
    ) -> Result<EncryptionOptions, MlsError> {
        Ok(EncryptionOptions::new(false, PaddingMode::None))
    }
}

/// An mls-rs client.
pub struct MlsRsPeer<C: MlsConfig> {
    name: String,
    opts: Arc<Mutex<Opts>>,
    psks: InMemoryPreSharedKeyStorage,
    client: Client<C>,
    group: Option<mls_rs::Group<C>>,
    /// The group a branch was made from.
    old: Option<mls_rs::Group<C>>,
    reinit: Option<mls_rs::group::ReinitClient<C>>,
}

impl<C: MlsConfig> core::fmt::Debug for MlsRsPeer<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MlsRsPeer")
            .field("name", &self.name)
            .finish()
    }
}

fn client(
    name: &str,
    suite: CipherSuite,
    opts: Arc<Mutex<Opts>>,
    psks: InMemoryPreSharedKeyStorage,
) -> Res<Client<impl MlsConfig + use<>>> {
    let crypto = RustCryptoProvider::default();
    let cs = crypto
        .cipher_suite_provider(suite)
        .ok_or_else(|| format!("mls-rs RustCrypto lacks suite {}", u16::from(suite)))?;
    let (secret, public) = cs.signature_key_generate().map_err(err("signature key"))?;
    let identity = SigningIdentity::new(
        BasicCredential::new(name.as_bytes().to_vec()).into_credential(),
        public,
    );
    Ok(Client::builder()
        .identity_provider(BasicIdentityProvider)
        .crypto_provider(crypto)
        .mls_rules(Rules(opts))
        .psk_store(psks)
        .signing_identity(identity, secret, suite)
        .build())
}

/// A fresh mls-rs client `name` on `suite`.
pub fn new_peer(name: &str, suite: u16) -> Res<Box<dyn Peer>> {
    let suite = CipherSuite::from(suite);
    let opts = Arc::new(Mutex::new(Opts {
        path_required: false,
        tree_in_welcome: true,
    }));
    let psks = InMemoryPreSharedKeyStorage::default();
    let client = client(name, suite, opts.clone(), psks.clone())?;
    Ok(Box::new(MlsRsPeer {
        name: name.to_string(),
        opts,
        psks,
        client,
        group: None,
        old: None,
        reinit: None,
    }))
}

fn msg(bytes: &[u8]) -> Res<MlsMessage> {
    MlsMessage::from_bytes(bytes).map_err(err("MLSMessage decode"))
}

fn bytes(m: &MlsMessage) -> Res<Vec<u8>> {
    m.to_bytes().map_err(err("MLSMessage encode"))
}

fn tree(t: &[u8]) -> Res<ExportedTree<'static>> {
    ExportedTree::from_bytes(t).map_err(err("ratchet tree decode"))
}

fn extensions(senders: &[ExtSender]) -> Res<ExtensionList> {
    let mut list = ExtensionList::new();
    if !senders.is_empty() {
        list.set_from(ExternalSendersExt::new(
            senders
                .iter()
                .map(|s| {
                    SigningIdentity::new(
                        BasicCredential::new(s.name.clone()).into_credential(),
                        s.signature_key.clone().into(),
                    )
                })
                .collect(),
        ))
        .map_err(err("external_senders"))?;
    }
    Ok(list)
}

impl<C: MlsConfig> MlsRsPeer<C> {
    fn group(&self) -> Res<&mls_rs::Group<C>> {
        self.group.as_ref().ok_or_else(|| "not in a group".into())
    }

    fn group_mut(&mut self) -> Res<&mut mls_rs::Group<C>> {
        self.group.as_mut().ok_or_else(|| "not in a group".into())
    }

    fn set(&self, f: impl FnOnce(&mut Opts)) {
        f(&mut self.opts.lock().unwrap_or_else(|p| p.into_inner()));
    }
}

impl<C: MlsConfig> Peer for MlsRsPeer<C> {
    fn implementation(&self) -> Impl {
        Impl::MlsRs
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn set_tree_in_welcome(&mut self, on: bool) {
        self.set(|o| o.tree_in_welcome = on);
    }

    fn key_package(&mut self) -> Res<Vec<u8>> {
        let m = self
            .client
            .generate_key_package_message(Default::default(), Default::default(), None)
            .map_err(err("KeyPackage"))?;
        bytes(&m)
    }

    fn install_psk(&mut self, id: &[u8], secret: &[u8]) -> Res<()> {
        self.psks.insert(
            ExternalPskId::new(id.to_vec()),
            PreSharedKey::new(secret.to_vec()),
        );
        Ok(())
    }

    fn create_group(&mut self, group_id: &[u8]) -> Res<()> {
        let g = self
            .client
            .create_group_with_id(
                group_id.to_vec(),
                Default::default(),
                Default::default(),
                None,
            )
            .map_err(err("create"))?;
        self.group = Some(g);
        Ok(())
    }

    fn join(&mut self, welcome: &[u8], t: Option<&[u8]>) -> Res<()> {
        let t = t.map(tree).transpose()?;
        let (g, _) = self
            .client
            .join_group(t, &msg(welcome)?, None)
            .map_err(err("joining from the Welcome"))?;
        self.group = Some(g);
        Ok(())
    }

    fn group_info(&mut self, with_tree: bool) -> Res<Vec<u8>> {
        let m = self
            .group()?
            .group_info_message_allowing_ext_commit(with_tree)
            .map_err(err("GroupInfo"))?;
        bytes(&m)
    }

    fn ratchet_tree(&mut self) -> Res<Vec<u8>> {
        self.group()?
            .export_tree()
            .to_bytes()
            .map_err(err("ratchet tree"))
    }

    fn external_join(&mut self, group_info: &[u8], how: &ExternalJoin) -> Res<Vec<u8>> {
        let mut b = self
            .client
            .external_commit_builder()
            .map_err(err("external commit"))?;
        if let Some(t) = &how.tree {
            b = b.with_tree_data(tree(t)?);
        }
        if how.resync {
            b = b.with_removal(self.group()?.current_member_index());
        }
        if let Some(id) = &how.psk {
            b = b.with_external_psk(ExternalPskId::new(id.clone()));
        }
        let (g, c) = b.build(msg(group_info)?).map_err(err("external join"))?;
        self.group = Some(g);
        bytes(&c)
    }

    fn propose(&mut self, proposal: &Prop) -> Res<Vec<u8>> {
        let g = self.group_mut()?;
        let m = match proposal {
            Prop::Add(kp) => g.propose_add(msg(kp)?, vec![]),
            Prop::Update => g.propose_update(vec![]),
            Prop::Remove(leaf) => g.propose_remove(*leaf, vec![]),
            Prop::ExternalPsk(id) => g.propose_external_psk(ExternalPskId::new(id.clone()), vec![]),
            Prop::ResumptionPsk(epoch) => g.propose_resumption_psk(*epoch, vec![]),
            Prop::GroupContextExtensions(s) => {
                g.propose_group_context_extensions(extensions(s)?, vec![])
            }
            Prop::ReInit { group_id, suite } => g.propose_reinit(
                Some(group_id.clone()),
                mls_rs::ProtocolVersion::MLS_10,
                CipherSuite::from(*suite),
                Default::default(),
                vec![],
            ),
        }
        .map_err(err("propose"))?;
        bytes(&m)
    }

    fn commit(&mut self, spec: &CommitSpec) -> Res<CommitOut> {
        // mls-rs commits every cached proposal by reference, always.
        self.set(|o| o.path_required = spec.force_path);
        let result = (|| {
            let g = self.group_mut()?;
            let mut b = g.commit_builder();
            for p in &spec.by_value {
                b = match p {
                    Prop::Add(kp) => b.add_member(msg(kp)?),
                    Prop::Update => return Err("an Update cannot be committed by value".into()),
                    Prop::Remove(leaf) => b.remove_member(*leaf),
                    Prop::ExternalPsk(id) => b.add_external_psk(ExternalPskId::new(id.clone())),
                    Prop::ResumptionPsk(epoch) => b.add_resumption_psk(*epoch),
                    Prop::GroupContextExtensions(s) => b.set_group_context_ext(extensions(s)?),
                    Prop::ReInit { group_id, suite } => b.reinit(
                        Some(group_id.clone()),
                        mls_rs::ProtocolVersion::MLS_10,
                        CipherSuite::from(*suite),
                        Default::default(),
                    ),
                }
                .map_err(err("commit builder"))?;
            }
            let out = b.build().map_err(err("commit"))?;
            g.apply_pending_commit().map_err(err("apply"))?;
            Ok(CommitOut {
                commit: bytes(&out.commit_message)?,
                welcome: out.welcome_messages.first().map(bytes).transpose()?,
            })
        })();
        self.set(|o| o.path_required = false);
        result
    }

    fn process(&mut self, message: &[u8]) -> Res<Event> {
        let m = msg(message)?;
        let g = self.group_mut()?;
        match g.process_incoming_message(m).map_err(err("process"))? {
            ReceivedMessage::ApplicationMessage(a) => Ok(Event::Application(a.data().to_vec())),
            ReceivedMessage::Proposal(_) => Ok(Event::Proposal),
            ReceivedMessage::Commit(c) => Ok(Event::Commit {
                epoch: g.current_epoch(),
                removed: matches!(c.effect, CommitEffect::Removed { .. }),
            }),
            other => Err(format!("unexpected {other:?}")),
        }
    }

    fn protect(&mut self, data: &[u8]) -> Res<Vec<u8>> {
        let m = self
            .group_mut()?
            .encrypt_application_message(data, vec![])
            .map_err(err("protect"))?;
        bytes(&m)
    }

    fn state(&mut self) -> Res<EpochState> {
        let g = self.group()?;
        Ok(EpochState {
            epoch: g.current_epoch(),
            authenticator: g
                .epoch_authenticator()
                .map_err(err("epoch authenticator"))?
                .as_bytes()
                .to_vec(),
            exporter: g
                .export_secret(EXPORT_LABEL.as_bytes(), EXPORT_CONTEXT, EXPORT_LEN)
                .map_err(err("export"))?
                .as_bytes()
                .to_vec(),
        })
    }

    fn leaf(&self) -> Res<u32> {
        Ok(self.group()?.current_member_index())
    }

    fn leaf_of(&self, name: &str) -> Res<Option<u32>> {
        Ok(self
            .group()?
            .roster()
            .members()
            .into_iter()
            .find(|m| {
                m.signing_identity
                    .credential
                    .as_basic()
                    .is_some_and(|b| b.identifier() == name.as_bytes())
            })
            .map(|m| m.index))
    }

    fn members(&self) -> Res<usize> {
        Ok(self.group()?.roster().members().len())
    }

    fn new_member_add(&mut self, group_info: &[u8]) -> Res<Vec<u8>> {
        let m = self
            .client
            .external_add_proposal(
                &msg(group_info)?,
                None,
                vec![],
                Default::default(),
                Default::default(),
                None,
            )
            .map_err(err("new-member Add"))?;
        bytes(&m)
    }

    fn reinit_key_package(&mut self) -> Res<Vec<u8>> {
        let g = self.group.take().ok_or("not in a group")?;
        let rc = g
            .get_reinit_client(None, None)
            .map_err(err("ReInit client"))?;
        let kp = rc.generate_key_package(None).map_err(err("KeyPackage"));
        self.reinit = Some(rc);
        bytes(&kp?)
    }

    fn reinit_create(&mut self, key_packages: &[Vec<u8>]) -> Res<Vec<u8>> {
        let rc = match self.reinit.take() {
            Some(rc) => rc,
            None => self
                .group
                .take()
                .ok_or("not in a group")?
                .get_reinit_client(None, None)
                .map_err(err("ReInit client"))?,
        };
        let kps = key_packages
            .iter()
            .map(|k| msg(k))
            .collect::<Res<Vec<_>>>()?;
        let (g, welcomes) = rc
            .commit(kps, Default::default(), None)
            .map_err(err("ReInit successor"))?;
        self.group = Some(g);
        bytes(welcomes.first().ok_or("no Welcome")?)
    }

    fn reinit_join(&mut self, welcome: &[u8]) -> Res<()> {
        let rc = self.reinit.take().ok_or("no ReInit KeyPackage")?;
        let (g, _) = rc
            .join(&msg(welcome)?, None, None)
            .map_err(err("joining the successor"))?;
        self.group = Some(g);
        Ok(())
    }

    fn branch(
        &mut self,
        group_id: &[u8],
        key_packages: &[Vec<u8>],
        force_path: bool,
    ) -> Res<Vec<u8>> {
        let kps = key_packages
            .iter()
            .map(|k| msg(k))
            .collect::<Res<Vec<_>>>()?;
        self.set(|o| o.path_required = force_path);
        let r = self
            .group()?
            .branch(group_id.to_vec(), kps, None)
            .map_err(err("branch"));
        self.set(|o| o.path_required = false);
        let (sub, welcomes) = r?;
        self.old = self.group.replace(sub);
        bytes(welcomes.first().ok_or("no Welcome")?)
    }

    fn branch_join(&mut self, welcome: &[u8]) -> Res<()> {
        let (sub, _) = self
            .group()?
            .join_subgroup(&msg(welcome)?, None, None)
            .map_err(err("joining the branch"))?;
        self.old = self.group.replace(sub);
        Ok(())
    }
}
