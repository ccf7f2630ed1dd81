//! mls-core on its RustCrypto backend.

use std::collections::BTreeMap;

use mls_core::codec::{Encode, VLBytes, decode};
use mls_core::crypto::{CipherSuite, CipherSuiteProvider, SignaturePrivateKey};
use mls_core::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, Group, GroupConfig, MemberIdentity, ProcessEnv,
    ProposalAction, ProposalPolicy, PskStore, Received,
};
use mls_core::key_package::{
    KeyPackageParams, KeyPackagePrivate, generate_key_package, key_package_reference,
};
use mls_core::messages::{
    Add, Capabilities, Content, Credential, CredentialType, ExtensionType, ExternalSender,
    FramedContent, GroupContextExtensions, GroupInfo, KeyPackage, MlsMessage, MlsMessageBody,
    Proposal, ProtocolVersion, RatchetTree, ReInit, Remove, Sender, WireFormat,
};
use mls_core::messages::{Extension, GroupContext};
use mls_core::protect::{protect_public, sign_content};
use mls_core::tree_math::LeafIndex;

use crate::peer::{
    CommitOut, CommitSpec, EpochState, Event, ExtSender, ExternalJoin, Feature, Impl, Peer, Prop,
    Res, err,
};
use crate::{EXPORT_CONTEXT, EXPORT_LABEL, EXPORT_LEN, OsRng, lifetime, provider, unix_now};

struct Pending {
    key_package: KeyPackage,
    private: KeyPackagePrivate,
    signer: SignaturePrivateKey,
}

/// A client of ours.
pub struct OursPeer {
    name: String,
    suite: CipherSuite,
    tree_in_welcome: bool,
    pending: Vec<Pending>,
    psks: BTreeMap<Vec<u8>, Vec<u8>>,
    group: Option<Group>,
    /// The group before a ReInit or branch: the store of its resumption PSK.
    old: Option<Group>,
    external_signer: Option<SignaturePrivateKey>,
}

impl core::fmt::Debug for OursPeer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OursPeer")
            .field("name", &self.name)
            .finish()
    }
}

/// The PSK store of a join or commit: external PSKs and, when present, the
/// old group's resumption PSKs.
struct Store<'a> {
    external: &'a BTreeMap<Vec<u8>, Vec<u8>>,
    old: Option<&'a Group>,
    current: Option<&'a Group>,
}

impl PskStore for Store<'_> {
    fn external_psk(&self, psk_id: &[u8]) -> Option<&[u8]> {
        self.external.get(psk_id).map(Vec::as_slice)
    }
    fn resumption_psk(&self, group_id: &[u8], epoch: u64) -> Option<&[u8]> {
        self.old
            .and_then(|g| PskStore::resumption_psk(g, group_id, epoch))
            .or_else(|| {
                self.current
                    .and_then(|g| PskStore::resumption_psk(g, group_id, epoch))
            })
    }
    fn reinit_of(&self, group_id: &[u8]) -> Option<&ReInit> {
        self.old.and_then(|g| g.reinit_of(group_id))
    }
    fn context_of(&self, group_id: &[u8]) -> Option<&GroupContext> {
        self.old.and_then(|g| g.context_of(group_id))
    }
}

fn cs_of(suite: CipherSuite) -> Res<&'static dyn CipherSuiteProvider> {
    provider()
        .cipher_suite(suite)
        .ok_or_else(|| format!("suite {:#06x} not served", suite.0))
}

fn msg(bytes: &[u8]) -> Res<MlsMessage> {
    decode(bytes).map_err(err("MLSMessage decode"))
}

fn enc(v: &impl Encode) -> Res<Vec<u8>> {
    v.encode().map_err(err("encode"))
}

fn enc_msg(body: MlsMessageBody) -> Res<Vec<u8>> {
    enc(&MlsMessage { body })
}

fn key_package_of(bytes: &[u8]) -> Res<KeyPackage> {
    match msg(bytes)?.body {
        MlsMessageBody::KeyPackage(kp) => Ok(kp),
        other => Err(format!("not a KeyPackage: {:?}", other.wire_format())),
    }
}

fn group_info_of(bytes: &[u8]) -> Res<GroupInfo> {
    match msg(bytes)?.body {
        MlsMessageBody::GroupInfo(gi) => Ok(gi),
        other => Err(format!("not a GroupInfo: {:?}", other.wire_format())),
    }
}

fn tree_of(bytes: &[u8]) -> Res<RatchetTree> {
    decode(bytes).map_err(err("ratchet tree decode"))
}

/// The GroupContext extensions of a [`Prop::GroupContextExtensions`].
fn extensions(senders: &[ExtSender]) -> Res<Vec<Extension>> {
    if senders.is_empty() {
        return Ok(vec![]);
    }
    let list: Vec<ExternalSender> = senders
        .iter()
        .map(|s| ExternalSender {
            signature_key: VLBytes::new(s.signature_key.clone()),
            credential: Credential::Basic(VLBytes::new(s.name.clone())),
        })
        .collect();
    Ok(vec![Extension {
        extension_type: ExtensionType::EXTERNAL_SENDERS.0,
        extension_data: VLBytes::new(enc(&list)?),
    }])
}

impl OursPeer {
    /// A fresh client `name` on `suite`.
    pub fn new(name: &str, suite: u16) -> Self {
        Self {
            name: name.to_string(),
            suite: CipherSuite(suite),
            tree_in_welcome: true,
            pending: Vec::new(),
            psks: BTreeMap::new(),
            group: None,
            old: None,
            external_signer: None,
        }
    }

    fn cs(&self) -> Res<&'static dyn CipherSuiteProvider> {
        cs_of(self.suite)
    }

    fn config(&self) -> GroupConfig {
        GroupConfig {
            ratchet_tree_in_welcome: self.tree_in_welcome,
            proposal_policy: ProposalPolicy {
                new_member: ProposalAction::CacheAndCommit,
                ..ProposalPolicy::default()
            },
            ..GroupConfig::default()
        }
    }

    fn capabilities(suite: CipherSuite) -> Capabilities {
        Capabilities {
            versions: vec![ProtocolVersion::MLS10].into(),
            cipher_suites: vec![suite].into(),
            extensions: vec![].into(),
            proposals: vec![].into(),
            credentials: vec![CredentialType::BASIC].into(),
        }
    }

    fn identity(&self, suite: CipherSuite) -> Res<MemberIdentity> {
        let (sk, pk) = cs_of(suite)?
            .signature()
            .generate_key_pair(&mut OsRng)
            .map_err(err("signature key"))?;
        Ok(MemberIdentity {
            credential: Credential::Basic(VLBytes::new(self.name.as_bytes().to_vec())),
            signature_key: sk.into(),
            signature_public_key: pk,
            capabilities: Self::capabilities(suite),
            extensions: vec![],
            lifetime: lifetime(),
        })
    }

    fn new_key_package(&mut self, suite: CipherSuite) -> Res<Vec<u8>> {
        let cs = cs_of(suite)?;
        let (signer, _) = cs
            .signature()
            .generate_key_pair(&mut OsRng)
            .map_err(err("signature key"))?;
        let (key_package, private) = generate_key_package(
            cs,
            KeyPackageParams {
                signer: &signer,
                credential: Credential::Basic(VLBytes::new(self.name.as_bytes().to_vec())),
                capabilities: Self::capabilities(suite),
                lifetime: lifetime(),
                leaf_extensions: vec![],
                extensions: vec![],
            },
            &mut OsRng,
        )
        .map_err(err("KeyPackage"))?;
        let bytes = enc_msg(MlsMessageBody::KeyPackage(key_package.clone()))?;
        self.pending.push(Pending {
            key_package,
            private,
            signer,
        });
        Ok(bytes)
    }

    fn group(&self) -> Res<&Group> {
        self.group.as_ref().ok_or_else(|| "not in a group".into())
    }

    fn group_mut(&mut self) -> Res<&mut Group> {
        self.group.as_mut().ok_or_else(|| "not in a group".into())
    }

    /// Joins from `welcome` with whichever pending KeyPackage it names.
    fn join_with(&mut self, welcome: &[u8], tree: Option<&[u8]>, old: Option<Group>) -> Res<()> {
        let MlsMessageBody::Welcome(welcome) = msg(welcome)?.body else {
            return Err("not a Welcome".into());
        };
        let cs = cs_of(welcome.cipher_suite)?;
        let mut found = None;
        for (i, p) in self.pending.iter().enumerate() {
            if p.key_package.cipher_suite != welcome.cipher_suite {
                continue;
            }
            let r = key_package_reference(cs, &p.key_package).map_err(err("KeyPackageRef"))?;
            if welcome
                .secrets
                .iter()
                .any(|s| s.new_member.as_slice() == r.as_slice())
            {
                found = Some(i);
            }
        }
        let i = found.ok_or("the Welcome names none of our KeyPackages")?;
        let p = self.pending.remove(i);
        let tree = tree.map(tree_of).transpose()?.map(|t| t.0);
        let config = self.config();
        let g = Group::join(
            provider(),
            &welcome,
            &p.key_package,
            p.private,
            p.signer,
            tree,
            &mut ProcessEnv {
                psks: &Store {
                    external: &self.psks,
                    old: old.as_ref(),
                    current: None,
                },
                credentials: &AcceptAllCredentials,
                now: Some(unix_now()),
            },
            config,
        )
        .map_err(err("joining from the Welcome"))?;
        self.old = old;
        self.group = Some(g);
        Ok(())
    }

    fn proposal(&self, p: &Prop) -> Res<Proposal> {
        let g = self.group()?;
        let cs = self.cs()?;
        Ok(match p {
            Prop::Add(kp) => Proposal::Add(Add {
                key_package: key_package_of(kp)?,
            }),
            Prop::Update => return Err("an Update cannot be committed by value".into()),
            Prop::Remove(leaf) => Proposal::Remove(Remove {
                removed: LeafIndex(*leaf),
            }),
            Prop::ExternalPsk(id) => {
                let mut nonce = vec![0u8; cs.kdf().nh()];
                mls_core::crypto::Rng::fill(&mut OsRng, &mut nonce).map_err(err("rng"))?;
                Proposal::PreSharedKey(mls_core::messages::PreSharedKey {
                    psk: mls_core::messages::PreSharedKeyId {
                        psk: mls_core::messages::Psk::External(VLBytes::new(id.clone())),
                        psk_nonce: VLBytes::new(nonce),
                    },
                })
            }
            Prop::ResumptionPsk(epoch) => {
                let mut nonce = vec![0u8; cs.kdf().nh()];
                mls_core::crypto::Rng::fill(&mut OsRng, &mut nonce).map_err(err("rng"))?;
                Proposal::PreSharedKey(mls_core::messages::PreSharedKey {
                    psk: mls_core::messages::PreSharedKeyId {
                        psk: mls_core::messages::Psk::Resumption(
                            mls_core::messages::ResumptionPsk {
                                usage: mls_core::messages::ResumptionPskUsage::Application,
                                psk_group_id: VLBytes::new(g.group_id().to_vec()),
                                psk_epoch: *epoch,
                            },
                        ),
                        psk_nonce: VLBytes::new(nonce),
                    },
                })
            }
            Prop::GroupContextExtensions(s) => {
                Proposal::GroupContextExtensions(GroupContextExtensions {
                    extensions: extensions(s)?,
                })
            }
            Prop::ReInit { group_id, suite } => Proposal::ReInit(ReInit {
                group_id: VLBytes::new(group_id.clone()),
                version: ProtocolVersion::MLS10,
                cipher_suite: CipherSuite(*suite),
                extensions: vec![],
            }),
        })
    }

    /// A PublicMessage proposal signed by a non-member (`sender` external
    /// or new_member_proposal) for the group of `group_info`.
    fn sign_external(
        &self,
        group_info: &[u8],
        sender: Sender,
        proposal: Proposal,
        signer: &SignaturePrivateKey,
    ) -> Res<Vec<u8>> {
        let gi = group_info_of(group_info)?;
        let cs = cs_of(gi.group_context.cipher_suite)?;
        let content = FramedContent {
            group_id: gi.group_context.group_id.clone(),
            epoch: gi.group_context.epoch,
            sender,
            authenticated_data: VLBytes::new(vec![]),
            content: Content::Proposal(proposal),
        };
        let ac = sign_content(cs, signer, WireFormat::PUBLIC_MESSAGE, content, None)
            .map_err(err("signing"))?;
        let pm = protect_public(cs, &ac, None, None).map_err(err("framing"))?;
        enc_msg(MlsMessageBody::PublicMessage(pm))
    }
}

impl Peer for OursPeer {
    fn implementation(&self) -> Impl {
        Impl::Ours
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn set_tree_in_welcome(&mut self, on: bool) {
        self.tree_in_welcome = on;
    }

    fn key_package(&mut self) -> Res<Vec<u8>> {
        self.new_key_package(self.suite)
    }

    fn install_psk(&mut self, id: &[u8], secret: &[u8]) -> Res<()> {
        self.psks.insert(id.to_vec(), secret.to_vec());
        Ok(())
    }

    fn create_group(&mut self, group_id: &[u8]) -> Res<()> {
        let g = Group::create(
            provider(),
            self.suite,
            group_id.to_vec(),
            self.identity(self.suite)?,
            vec![],
            self.config(),
            &mut OsRng,
        )
        .map_err(err("create"))?;
        self.group = Some(g);
        Ok(())
    }

    fn join(&mut self, welcome: &[u8], tree: Option<&[u8]>) -> Res<()> {
        self.join_with(welcome, tree, None)
    }

    fn group_info(&mut self, with_tree: bool) -> Res<Vec<u8>> {
        let gi = self
            .group()?
            .group_info(provider(), with_tree)
            .map_err(err("GroupInfo"))?;
        enc_msg(MlsMessageBody::GroupInfo(gi))
    }

    fn ratchet_tree(&mut self) -> Res<Vec<u8>> {
        enc(&RatchetTree(self.group()?.tree().to_nodes()))
    }

    fn external_join(&mut self, group_info: &[u8], how: &ExternalJoin) -> Res<Vec<u8>> {
        if how.psk.is_some() {
            return Err(self
                .lacks(Feature::ExternalCommitPsk)
                .unwrap_or_default()
                .into());
        }
        let gi = group_info_of(group_info)?;
        let suite = gi.group_context.cipher_suite;
        let resync = if how.resync {
            Some(self.group()?.own_leaf())
        } else {
            None
        };
        let tree = how.tree.as_deref().map(tree_of).transpose()?.map(|t| t.0);
        let identity = self.identity(suite)?;
        let config = self.config();
        let (g, c) = Group::join_external(
            provider(),
            &gi,
            tree,
            identity,
            resync,
            &mut CommitEnv {
                rng: &mut OsRng,
                psks: &self.psks,
                credentials: &AcceptAllCredentials,
                now: Some(unix_now()),
            },
            config,
        )
        .map_err(err("external join"))?;
        self.group = Some(g);
        enc(&c)
    }

    fn propose(&mut self, proposal: &Prop) -> Res<Vec<u8>> {
        let m = match proposal {
            Prop::Update => self.group_mut()?.propose_update(provider(), &mut OsRng),
            Prop::Remove(leaf) => {
                self.group_mut()?
                    .propose_remove(provider(), LeafIndex(*leaf), &mut OsRng)
            }
            other => {
                let p = self.proposal(other)?;
                self.group_mut()?.propose(provider(), p, &mut OsRng)
            }
        }
        .map_err(err("propose"))?;
        enc(&m)
    }

    fn commit(&mut self, spec: &CommitSpec) -> Res<CommitOut> {
        let proposals = spec
            .by_value
            .iter()
            .map(|p| self.proposal(p))
            .collect::<Res<Vec<_>>>()?;
        let g = self.group.as_mut().ok_or("not in a group")?;
        let out = {
            let store = Store {
                external: &self.psks,
                old: self.old.as_ref(),
                current: None,
            };
            g.commit(
                provider(),
                CommitOptions {
                    proposals,
                    include_pending: spec.by_reference,
                    force_path: spec.force_path,
                    ..CommitOptions::default()
                },
                &mut CommitEnv {
                    rng: &mut OsRng,
                    psks: &store,
                    credentials: &AcceptAllCredentials,
                    now: Some(unix_now()),
                },
            )
            .map_err(err("commit"))?
        };
        g.merge_pending().map_err(err("merge"))?;
        Ok(CommitOut {
            commit: enc(&out.commit)?,
            welcome: out.welcome.as_ref().map(enc).transpose()?,
        })
    }

    fn process(&mut self, message: &[u8]) -> Res<Event> {
        let m = msg(message)?;
        let g = self.group.as_mut().ok_or("not in a group")?;
        let store = Store {
            external: &self.psks,
            old: self.old.as_ref(),
            current: None,
        };
        let mut env = ProcessEnv {
            psks: &store,
            credentials: &AcceptAllCredentials,
            now: Some(unix_now()),
        };
        match g.process(provider(), &m, &mut env) {
            Ok(Received::Application { data, .. }) => Ok(Event::Application(data)),
            Ok(Received::Proposal(_)) => Ok(Event::Proposal),
            Ok(Received::Commit(staged)) => {
                let removed = staged.removes_self();
                g.merge_staged(*staged).map_err(err("merge"))?;
                Ok(Event::Commit {
                    epoch: g.epoch(),
                    removed,
                })
            }
            Ok(other) => Err(format!("unexpected {other:?}")),
            Err(e) => Err(format!("process: {e:?}")),
        }
    }

    fn protect(&mut self, data: &[u8]) -> Res<Vec<u8>> {
        let m = self
            .group_mut()?
            .protect(provider(), data, b"", &mut OsRng)
            .map_err(err("protect"))?;
        enc(&m)
    }

    fn state(&mut self) -> Res<EpochState> {
        let g = self.group()?;
        Ok(EpochState {
            epoch: g.epoch(),
            authenticator: g.epoch_authenticator().to_vec(),
            exporter: g
                .export(
                    provider(),
                    EXPORT_LABEL.as_bytes(),
                    EXPORT_CONTEXT,
                    EXPORT_LEN,
                )
                .map_err(err("export"))?
                .as_bytes()
                .to_vec(),
        })
    }

    fn leaf(&self) -> Res<u32> {
        Ok(self.group()?.own_leaf().0)
    }

    fn leaf_of(&self, name: &str) -> Res<Option<u32>> {
        Ok(self
            .group()?
            .members()
            .find(|(_, l)| {
                matches!(&l.credential, Credential::Basic(id) if id.as_slice() == name.as_bytes())
            })
            .map(|(i, _)| i.0))
    }

    fn members(&self) -> Res<usize> {
        Ok(self.group()?.members().count())
    }

    fn external_sender(&mut self) -> Res<ExtSender> {
        let (sk, pk) = self
            .cs()?
            .signature()
            .generate_key_pair(&mut OsRng)
            .map_err(err("signature key"))?;
        self.external_signer = Some(sk);
        Ok(ExtSender {
            name: self.name.as_bytes().to_vec(),
            signature_key: pk,
        })
    }

    fn external_proposal(
        &mut self,
        group_info: &[u8],
        index: u32,
        proposal: &Prop,
    ) -> Res<Vec<u8>> {
        let p = match proposal {
            Prop::Add(kp) => Proposal::Add(Add {
                key_package: key_package_of(kp)?,
            }),
            Prop::Remove(leaf) => Proposal::Remove(Remove {
                removed: LeafIndex(*leaf),
            }),
            other => return Err(format!("external {} not scripted", other.kind())),
        };
        let signer = self
            .external_signer
            .as_ref()
            .ok_or("no external sender key")?;
        self.sign_external(group_info, Sender::External(index), p, signer)
    }

    fn new_member_add(&mut self, group_info: &[u8]) -> Res<Vec<u8>> {
        self.key_package()?;
        let p = self.pending.last().ok_or("no KeyPackage")?;
        let proposal = Proposal::Add(Add {
            key_package: p.key_package.clone(),
        });
        self.sign_external(group_info, Sender::NewMemberProposal, proposal, &p.signer)
    }

    fn reinit_key_package(&mut self) -> Res<Vec<u8>> {
        let g = self.group()?;
        let reinit = g.reinit_of(g.group_id()).ok_or("no ReInit committed")?;
        let suite = reinit.cipher_suite;
        self.new_key_package(suite)
    }

    fn reinit_create(&mut self, key_packages: &[Vec<u8>]) -> Res<Vec<u8>> {
        let kps = key_packages
            .iter()
            .map(|k| key_package_of(k))
            .collect::<Res<Vec<_>>>()?;
        let old = self.group.take().ok_or("not in a group")?;
        let suite = old
            .reinit_of(old.group_id())
            .ok_or("no ReInit committed")?
            .cipher_suite;
        let (new, out) = old
            .reinit_successor(
                provider(),
                self.identity(suite)?,
                kps,
                self.config(),
                &mut CommitEnv {
                    rng: &mut OsRng,
                    psks: &self.psks,
                    credentials: &AcceptAllCredentials,
                    now: Some(unix_now()),
                },
            )
            .map_err(err("ReInit successor"))?;
        self.group = Some(new);
        self.old = Some(old);
        enc(out.welcome.as_ref().ok_or("no Welcome")?)
    }

    fn reinit_join(&mut self, welcome: &[u8]) -> Res<()> {
        let old = self.group.take();
        self.join_with(welcome, None, old)
    }

    fn branch(
        &mut self,
        group_id: &[u8],
        key_packages: &[Vec<u8>],
        force_path: bool,
    ) -> Res<Vec<u8>> {
        let _ = force_path; // the initial commit of a branch always has a path
        let kps = key_packages
            .iter()
            .map(|k| key_package_of(k))
            .collect::<Res<Vec<_>>>()?;
        let old = self.group.take().ok_or("not in a group")?;
        let identity = self.identity(old.cipher_suite())?;
        let (new, out) = old
            .branch(
                provider(),
                group_id.to_vec(),
                identity,
                kps,
                self.config(),
                &mut CommitEnv {
                    rng: &mut OsRng,
                    psks: &self.psks,
                    credentials: &AcceptAllCredentials,
                    now: Some(unix_now()),
                },
            )
            .map_err(err("branch"))?;
        self.group = Some(new);
        self.old = Some(old);
        enc(out.welcome.as_ref().ok_or("no Welcome")?)
    }

    fn branch_join(&mut self, welcome: &[u8]) -> Res<()> {
        let old = self.group.take();
        self.join_with(welcome, None, old)
    }
}
