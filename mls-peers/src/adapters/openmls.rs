//! OpenMLS 0.9.2 on `openmls_rust_crypto`.
//!
//! Handshake messages are PublicMessages, received PrivateMessages are
//! accepted too (OpenMLS's mixed-plaintext wire-format policy), so that
//! one mixed group serves every implementation's default.

use openmls::messages::group_info::VerifiableGroupInfo;
use openmls::prelude::tls_codec::{Deserialize, Serialize};
use openmls::prelude::*;
use openmls::schedule::psk::{ResumptionPsk, ResumptionPskUsage};
use openmls::schedule::{ExternalPsk, PreSharedKeyId, Psk};
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;
use openmls_traits::OpenMlsProvider;

use crate::peer::{
    CommitOut, CommitSpec, EpochState, Event, ExtSender, ExternalJoin, Feature, Impl, Peer, Prop,
    Res, err,
};
use crate::{EXPORT_CONTEXT, EXPORT_LABEL, EXPORT_LEN};

/// OpenMLS pads its PrivateMessages to a multiple of this (RFC 9420 §6.3.1).
const PADDING: usize = 64;

/// An OpenMLS client: its provider (crypto and storage), signer and
/// credential, and at most one group.
pub struct OpenMlsPeer {
    name: String,
    suite: Ciphersuite,
    provider: OpenMlsRustCrypto,
    signer: SignatureKeyPair,
    credential: CredentialWithKey,
    tree_in_welcome: bool,
    group: Option<MlsGroup>,
    external_signer: Option<SignatureKeyPair>,
}

impl core::fmt::Debug for OpenMlsPeer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OpenMlsPeer")
            .field("name", &self.name)
            .finish()
    }
}

fn out(m: &MlsMessageOut) -> Res<Vec<u8>> {
    m.tls_serialize_detached().map_err(err("MLSMessage encode"))
}

fn body(bytes: &[u8]) -> Res<MlsMessageBodyIn> {
    Ok(MlsMessageIn::tls_deserialize_exact(bytes)
        .map_err(err("MLSMessage decode"))?
        .extract())
}

fn tree_in(bytes: &[u8]) -> Res<RatchetTreeIn> {
    RatchetTreeIn::tls_deserialize_exact(bytes).map_err(err("ratchet tree decode"))
}

fn group_info_in(bytes: &[u8]) -> Res<VerifiableGroupInfo> {
    match body(bytes)? {
        MlsMessageBodyIn::GroupInfo(gi) => Ok(gi),
        _ => Err("not a GroupInfo".into()),
    }
}

fn extensions(senders: &[ExtSender]) -> Res<Extensions<GroupContext>> {
    if senders.is_empty() {
        return Ok(Extensions::empty());
    }
    Extensions::from_vec(vec![Extension::ExternalSenders(
        senders
            .iter()
            .map(|s| {
                ExternalSender::new(
                    s.signature_key.clone().into(),
                    BasicCredential::new(s.name.clone()).into(),
                )
            })
            .collect(),
    )])
    .map_err(err("extensions"))
}

impl OpenMlsPeer {
    /// A fresh client `name` on `suite`.
    pub fn new(name: &str, suite: u16) -> Res<Self> {
        let suite = Ciphersuite::try_from(suite).map_err(err("suite"))?;
        let provider = OpenMlsRustCrypto::default();
        let signer =
            SignatureKeyPair::new(suite.signature_algorithm()).map_err(err("signature key"))?;
        signer
            .store(provider.storage())
            .map_err(err("storing the signer"))?;
        let credential = CredentialWithKey {
            credential: BasicCredential::new(name.as_bytes().to_vec()).into(),
            signature_key: signer.to_public_vec().into(),
        };
        Ok(Self {
            name: name.to_string(),
            suite,
            provider,
            signer,
            credential,
            tree_in_welcome: true,
            group: None,
            external_signer: None,
        })
    }

    fn join_config(&self) -> MlsGroupJoinConfig {
        MlsGroupJoinConfig::builder()
            .use_ratchet_tree_extension(self.tree_in_welcome)
            .wire_format_policy(MIXED_PLAINTEXT_WIRE_FORMAT_POLICY)
            .padding_size(PADDING)
            .number_of_resumption_psks(8)
            .max_past_epochs(2)
            .build()
    }

    fn group(&self) -> Res<&MlsGroup> {
        self.group.as_ref().ok_or_else(|| "not in a group".into())
    }

    fn key_package_in(&self, bytes: &[u8]) -> Res<KeyPackage> {
        match body(bytes)? {
            MlsMessageBodyIn::KeyPackage(kp) => kp
                .validate(self.provider.crypto(), ProtocolVersion::Mls10)
                .map_err(err("KeyPackage validation")),
            _ => Err("not a KeyPackage".into()),
        }
    }

    fn psk_id(&self, p: &Prop) -> Res<PreSharedKeyId> {
        let psk = match p {
            Prop::ExternalPsk(id) => Psk::External(ExternalPsk::new(id.clone())),
            Prop::ResumptionPsk(epoch) => Psk::Resumption(ResumptionPsk::new(
                ResumptionPskUsage::Application,
                self.group()?.group_id().clone(),
                GroupEpoch::from(*epoch),
            )),
            _ => return Err("not a PSK".into()),
        };
        PreSharedKeyId::new(self.suite, self.provider.rand(), psk).map_err(err("PSK ID"))
    }
}

impl Peer for OpenMlsPeer {
    fn implementation(&self) -> Impl {
        Impl::OpenMls
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn set_tree_in_welcome(&mut self, on: bool) {
        self.tree_in_welcome = on;
    }

    fn key_package(&mut self) -> Res<Vec<u8>> {
        let bundle = KeyPackage::builder()
            .build(
                self.suite,
                &self.provider,
                &self.signer,
                self.credential.clone(),
            )
            .map_err(err("KeyPackage"))?;
        out(&MlsMessageOut::from(bundle.key_package().clone()))
    }

    fn install_psk(&mut self, id: &[u8], secret: &[u8]) -> Res<()> {
        let psk_id = PreSharedKeyId::new(
            self.suite,
            self.provider.rand(),
            Psk::External(ExternalPsk::new(id.to_vec())),
        )
        .map_err(err("PSK ID"))?;
        psk_id
            .store(&self.provider, secret)
            .map_err(err("storing the PSK"))
    }

    fn create_group(&mut self, group_id: &[u8]) -> Res<()> {
        let config = MlsGroupCreateConfig::builder()
            .ciphersuite(self.suite)
            .use_ratchet_tree_extension(self.tree_in_welcome)
            .wire_format_policy(MIXED_PLAINTEXT_WIRE_FORMAT_POLICY)
            .padding_size(PADDING)
            .number_of_resumption_psks(8)
            .max_past_epochs(2)
            .build();
        let g = MlsGroup::new_with_group_id(
            &self.provider,
            &self.signer,
            &config,
            GroupId::from_slice(group_id),
            self.credential.clone(),
        )
        .map_err(err("create"))?;
        self.group = Some(g);
        Ok(())
    }

    fn join(&mut self, welcome: &[u8], tree: Option<&[u8]>) -> Res<()> {
        let MlsMessageBodyIn::Welcome(welcome) = body(welcome)? else {
            return Err("not a Welcome".into());
        };
        let tree = tree.map(tree_in).transpose()?;
        let g = StagedWelcome::new_from_welcome(&self.provider, &self.join_config(), welcome, tree)
            .map_err(err("joining from the Welcome"))?
            .into_group(&self.provider)
            .map_err(err("joining from the Welcome"))?;
        self.group = Some(g);
        Ok(())
    }

    fn group_info(&mut self, with_tree: bool) -> Res<Vec<u8>> {
        let m = self
            .group()?
            .export_group_info(self.provider.crypto(), &self.signer, with_tree)
            .map_err(err("GroupInfo"))?;
        out(&m)
    }

    fn ratchet_tree(&mut self) -> Res<Vec<u8>> {
        self.group()?
            .export_ratchet_tree()
            .tls_serialize_detached()
            .map_err(err("ratchet tree"))
    }

    fn external_join(&mut self, group_info: &[u8], how: &ExternalJoin) -> Res<Vec<u8>> {
        if how.psk.is_some() {
            return Err(self
                .lacks(Feature::ExternalCommitPsk)
                .unwrap_or_default()
                .into());
        }
        // OpenMLS removes an earlier leaf with our signature key itself
        // (the resync of RFC 9420 §12.4.3.2); `how.resync` needs no flag.
        let gi = group_info_in(group_info)?;
        let mut b = MlsGroup::external_commit_builder().with_config(self.join_config());
        if let Some(t) = &how.tree {
            b = b.with_ratchet_tree(tree_in(t)?);
        }
        let (g, bundle) = b
            .build_group(&self.provider, gi, self.credential.clone())
            .map_err(err("external join"))?
            .load_psks(self.provider.storage())
            .map_err(err("external join"))?
            .build(
                self.provider.rand(),
                self.provider.crypto(),
                &self.signer,
                |_| true,
            )
            .map_err(err("external join"))?
            .finalize(&self.provider)
            .map_err(err("external join"))?;
        let mut g = g;
        g.merge_pending_commit(&self.provider)
            .map_err(err("merge"))?;
        self.group = Some(g);
        out(bundle.commit())
    }

    fn propose(&mut self, proposal: &Prop) -> Res<Vec<u8>> {
        let psk = match proposal {
            Prop::ExternalPsk(_) | Prop::ResumptionPsk(_) => Some(self.psk_id(proposal)?),
            _ => None,
        };
        let kp = match proposal {
            Prop::Add(kp) => Some(self.key_package_in(kp)?),
            _ => None,
        };
        let (provider, signer) = (&self.provider, &self.signer);
        let g = self.group.as_mut().ok_or("not in a group")?;
        let m = match proposal {
            Prop::Add(_) => {
                g.propose_add_member(provider, signer, kp.as_ref().ok_or("no KeyPackage")?)
                    .map_err(err("propose"))?
                    .0
            }
            Prop::Update => {
                g.propose_self_update(provider, signer, LeafNodeParameters::default())
                    .map_err(err("propose"))?
                    .0
            }
            Prop::Remove(leaf) => {
                g.propose_remove_member(provider, signer, LeafNodeIndex::new(*leaf))
                    .map_err(err("propose"))?
                    .0
            }
            Prop::ExternalPsk(_) | Prop::ResumptionPsk(_) => {
                g.propose_pre_shared_key(provider, signer, psk.ok_or("no PSK")?)
                    .map_err(err("propose"))?
                    .0
            }
            Prop::GroupContextExtensions(s) => {
                g.propose_group_context_extensions(provider, extensions(s)?, signer)
                    .map_err(err("propose"))?
                    .0
            }
            Prop::ReInit { .. } => {
                return Err(self.lacks(Feature::ReInit).unwrap_or_default().into());
            }
        };
        out(&m)
    }

    fn commit(&mut self, spec: &CommitSpec) -> Res<CommitOut> {
        let mut adds = Vec::new();
        let mut removes = Vec::new();
        let mut others = Vec::new();
        let mut gce = None;
        for p in &spec.by_value {
            match p {
                Prop::Add(kp) => adds.push(self.key_package_in(kp)?),
                Prop::Remove(leaf) => removes.push(LeafNodeIndex::new(*leaf)),
                Prop::ExternalPsk(_) | Prop::ResumptionPsk(_) => others.push(
                    Proposal::PreSharedKey(Box::new(PreSharedKeyProposal::new(self.psk_id(p)?))),
                ),
                Prop::GroupContextExtensions(s) => gce = Some(extensions(s)?),
                Prop::Update => return Err("an Update cannot be committed by value".into()),
                Prop::ReInit { .. } => {
                    return Err(self.lacks(Feature::ReInit).unwrap_or_default().into());
                }
            }
        }
        let (provider, signer) = (&self.provider, &self.signer);
        let g = self.group.as_mut().ok_or("not in a group")?;
        let mut b = g
            .commit_builder()
            .consume_proposal_store(spec.by_reference)
            .force_self_update(spec.force_path)
            .propose_adds(adds)
            .propose_removals(removes)
            .add_proposals(others);
        if let Some(e) = gce {
            b = b.propose_group_context_extensions(e).map_err(err("GCE"))?;
        }
        let bundle = b
            .load_psks(provider.storage())
            .map_err(err("commit"))?
            .build(provider.rand(), provider.crypto(), signer, |_| true)
            .map_err(err("commit"))?
            .stage_commit(provider)
            .map_err(err("commit"))?;
        g.merge_pending_commit(provider).map_err(err("merge"))?;
        let (c, w, _) = bundle.into_messages();
        Ok(CommitOut {
            commit: out(&c)?,
            welcome: w.as_ref().map(out).transpose()?,
        })
    }

    fn process(&mut self, message: &[u8]) -> Res<Event> {
        let m = MlsMessageIn::tls_deserialize_exact(message).map_err(err("MLSMessage decode"))?;
        let pm = m
            .try_into_protocol_message()
            .map_err(err("not a protocol message"))?;
        let provider = &self.provider;
        let g = self.group.as_mut().ok_or("not in a group")?;
        let processed = g.process_message(provider, pm).map_err(err("process"))?;
        match processed.into_content() {
            ProcessedMessageContent::ApplicationMessage(a) => {
                Ok(Event::Application(a.into_bytes()))
            }
            ProcessedMessageContent::ProposalMessage(p) => {
                g.store_pending_proposal(provider.storage(), *p)
                    .map_err(err("storing the proposal"))?;
                Ok(Event::Proposal)
            }
            ProcessedMessageContent::ExternalJoinProposalMessage(p) => {
                g.store_pending_proposal(provider.storage(), *p)
                    .map_err(err("storing the proposal"))?;
                Ok(Event::Proposal)
            }
            ProcessedMessageContent::StagedCommitMessage(c) => {
                g.merge_staged_commit(provider, *c).map_err(err("merge"))?;
                Ok(Event::Commit {
                    epoch: g.epoch().as_u64(),
                    removed: !g.is_active(),
                })
            }
            _ => Err("unexpected own message".into()),
        }
    }

    fn protect(&mut self, data: &[u8]) -> Res<Vec<u8>> {
        let (provider, signer) = (&self.provider, &self.signer);
        let g = self.group.as_mut().ok_or("not in a group")?;
        let m = g
            .create_message(provider, signer, data)
            .map_err(err("protect"))?;
        out(&m)
    }

    fn state(&mut self) -> Res<EpochState> {
        let g = self.group()?;
        Ok(EpochState {
            epoch: g.epoch().as_u64(),
            authenticator: g.epoch_authenticator().as_slice().to_vec(),
            exporter: g
                .export_secret(
                    self.provider.crypto(),
                    EXPORT_LABEL,
                    EXPORT_CONTEXT,
                    EXPORT_LEN,
                )
                .map_err(err("export"))?,
        })
    }

    fn leaf(&self) -> Res<u32> {
        Ok(self.group()?.own_leaf_index().u32())
    }

    fn leaf_of(&self, name: &str) -> Res<Option<u32>> {
        Ok(self
            .group()?
            .members()
            .find(|m| m.credential.serialized_content() == name.as_bytes())
            .map(|m| m.index.u32()))
    }

    fn members(&self) -> Res<usize> {
        Ok(self.group()?.members().count())
    }

    fn external_sender(&mut self) -> Res<ExtSender> {
        let s = SignatureKeyPair::new(self.suite.signature_algorithm())
            .map_err(err("signature key"))?;
        let e = ExtSender {
            name: self.name.as_bytes().to_vec(),
            signature_key: s.to_public_vec(),
        };
        self.external_signer = Some(s);
        Ok(e)
    }

    fn external_proposal(
        &mut self,
        group_info: &[u8],
        index: u32,
        proposal: &Prop,
    ) -> Res<Vec<u8>> {
        let gi = group_info_in(group_info)?;
        let (group_id, epoch) = (gi.group_id().clone(), gi.epoch());
        let signer = self
            .external_signer
            .as_ref()
            .ok_or("no external sender key")?;
        let index = SenderExtensionIndex::new(index);
        let m = match proposal {
            Prop::Add(kp) => ExternalProposal::new_add::<OpenMlsRustCrypto>(
                self.key_package_in(kp)?,
                group_id,
                epoch,
                signer,
                index,
            )
            .map_err(err("external Add"))?,
            Prop::Remove(leaf) => ExternalProposal::new_remove::<OpenMlsRustCrypto>(
                LeafNodeIndex::new(*leaf),
                group_id,
                epoch,
                signer,
                index,
            )
            .map_err(err("external Remove"))?,
            other => return Err(format!("external {} not scripted", other.kind())),
        };
        out(&m)
    }

    fn new_member_add(&mut self, group_info: &[u8]) -> Res<Vec<u8>> {
        let gi = group_info_in(group_info)?;
        let bundle = KeyPackage::builder()
            .build(
                self.suite,
                &self.provider,
                &self.signer,
                self.credential.clone(),
            )
            .map_err(err("KeyPackage"))?;
        let m = JoinProposal::new::<<OpenMlsRustCrypto as OpenMlsProvider>::StorageProvider>(
            bundle.key_package().clone(),
            gi.group_id().clone(),
            gi.epoch(),
            &self.signer,
        )
        .map_err(err("new-member Add"))?;
        out(&m)
    }
}
