//! GroupInfo publication and joining by external commit (RFC 9420 §12.4.3,
//! §12.4.3.2, §8.3).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::codec::VLBytes;

use super::commit::{CommitEnv, ProcessEnv};
use super::epoch::{EpochView, Transition, path_context};
use super::join::{MemberIdentity, verified_tree};
use super::proposals::{ApplyEnv, Resolved};
use super::{Group, GroupConfig, GroupError, suite, vl};
use crate::codec::{Encode, decode};
use crate::crypto::{CipherSuiteProvider, CryptoProvider, Secret};
use crate::error::Error;
use crate::messages::group_context::{Extension, GroupContext};
use crate::messages::{
    Commit, Content, ExtensionType, ExternalInit, ExternalPub, FramedContent, GroupInfo, LeafNode,
    LeafNodeSource, MlsMessage, MlsMessageBody, Node, Proposal, ProposalOrRef, PublicMessage,
    Remove, Sender, WireFormat,
};
use crate::transcript::interim_transcript_hash;
use crate::tree_math::LeafIndex;
use crate::treekem::{PathParams, TreeKemPrivate, create_update_path};

/// A signed GroupInfo for `context` (RFC 9420 §12.4.3) with the
/// `external_pub` extension and, if given, the `ratchet_tree` extension.
pub(crate) fn build_group_info(
    cs: &dyn CipherSuiteProvider,
    signer: &dyn crate::crypto::Signer,
    signer_leaf: LeafIndex,
    context: GroupContext,
    confirmation_tag: &[u8],
    external_pub: &[u8],
    ratchet_tree: Option<Vec<u8>>,
) -> Result<GroupInfo, Error> {
    let mut extensions = Vec::new();
    let body = ExternalPub {
        external_pub: vl(external_pub),
    }
    .encode()?;
    extensions.push(Extension {
        extension_type: ExtensionType::EXTERNAL_PUB.0,
        extension_data: VLBytes::new(body),
    });
    // The tree's extension body, encoded by the caller from its tree view
    // (`tree::encode_ratchet_tree`).
    if let Some(body) = ratchet_tree {
        extensions.push(Extension {
            extension_type: ExtensionType::RATCHET_TREE.0,
            extension_data: VLBytes::new(body),
        });
    }
    let mut gi = GroupInfo {
        group_context: context,
        extensions,
        confirmation_tag: vl(confirmation_tag),
        signer: signer_leaf.0,
        signature: VLBytes::new(Vec::new()),
    };
    crate::seal_welcome::sign_group_info(cs, signer, &mut gi)?;
    Ok(gi)
}

fn find_extension(exts: &[Extension], t: ExtensionType) -> Option<&Extension> {
    exts.iter().find(|e| e.extension_type == t.0)
}

impl Group {
    /// A signed GroupInfo of the current epoch, for new members to join by
    /// external commit (RFC 9420 §12.4.3.2).
    pub fn group_info(
        &self,
        provider: &dyn CryptoProvider,
        with_ratchet_tree: bool,
    ) -> Result<GroupInfo, Error> {
        let cs = suite(provider, self.context.cipher_suite)?;
        let (_, external_pub) = self.secrets.external_key_pair(cs)?;
        build_group_info(
            cs,
            &self.signer,
            self.private.own_leaf,
            self.context.clone(),
            &self.confirmation_tag,
            &external_pub,
            if with_ratchet_tree {
                Some(crate::tree::encode_ratchet_tree(&self.tree)?)
            } else {
                None
            },
        )
    }

    /// Joins a group by external commit (RFC 9420 §12.4.3.2): validates
    /// the GroupInfo and tree, derives the init secret from `external_pub`
    /// (§8.3), takes the leftmost blank leaf with a fresh path, optionally
    /// removing our own earlier leaf (`resync`), and returns the new member
    /// state (already in the new epoch) and the commit to send.
    #[allow(clippy::too_many_arguments)]
    pub fn join_external(
        provider: &dyn CryptoProvider,
        group_info: &GroupInfo,
        ratchet_tree: Option<Vec<Option<Node>>>,
        identity: MemberIdentity,
        resync: Option<LeafIndex>,
        env: &mut CommitEnv<'_>,
        config: GroupConfig,
    ) -> Result<(Self, MlsMessage), Error> {
        let ctx = &group_info.group_context;
        let cs = suite(provider, ctx.cipher_suite)?;
        let process_env = ProcessEnv {
            psks: env.psks,
            credentials: env.credentials,
            now: env.now,
        };
        let mut tree = verified_tree(cs, group_info, ratchet_tree, &config.limits, &process_env)?;
        let (kem_output, init_secret) = external_init(cs, group_info, env.rng)?;
        let interim_before = interim_transcript_hash(
            cs,
            ctx.confirmed_transcript_hash.as_slice(),
            group_info.confirmation_tag.as_slice(),
        )?;
        let mut proposals = alloc::vec![Proposal::ExternalInit(ExternalInit {
            kem_output: VLBytes::new(kem_output)
        })];
        if let Some(old) = resync {
            proposals.push(Proposal::Remove(Remove { removed: old }));
        }
        let resolved: Vec<Resolved> = proposals
            .iter()
            .map(|p| Resolved {
                proposal: p.clone(),
                sender: Sender::NewMemberCommit,
            })
            .collect();
        // The GroupInfo's epoch, as the members see it.
        let view = EpochView {
            context: ctx,
            tree: &tree,
            limits: &config.limits,
        };
        let mut staged = tree.stage();
        let apply_env = ApplyEnv {
            psks: env.psks,
            credentials: env.credentials,
            initial_resumption: false,
            now: env.now,
        };
        let applied = view.apply_proposals(cs, &mut staged, None, &resolved, &apply_env)?;
        let me = staged.first_free_leaf();
        let created = external_path(cs, &view, &mut staged, me, &identity, &applied, env)?;
        let tree_hash = staged.tree_hash(cs)?;
        let diff = staged.finish(cs)?;

        let commit = Commit {
            proposals: proposals
                .into_iter()
                .map(|p| ProposalOrRef::Proposal(alloc::boxed::Box::new(p)))
                .collect(),
            path: Some(created.update_path),
        };
        let mut ac = sign_external_commit(cs, ctx, commit, &identity.signature_key)?;
        let psk = super::commit::resolve_psk_secret(cs, &applied.psks, env.psks, |g, e| {
            env.psks.resumption_psk(g, e)
        })?;
        let next = Transition {
            base: ctx,
            interim: interim_before.as_slice(),
            tree_hash: tree_hash.as_slice(),
            extensions: &ctx.extensions,
        }
        .run(
            cs,
            &crate::transcript::confirmed_transcript_input(&ac)?,
            &init_secret,
            created.commit_secret.as_bytes(),
            &psk,
        )?;
        let tag = next.confirmation_tag(cs)?;
        ac.auth.confirmation_tag = Some(vl(tag.as_slice()));
        let interim = next.interim(cs, tag.as_slice())?;
        let message = MlsMessage {
            body: MlsMessageBody::PublicMessage(PublicMessage {
                content: ac.content,
                auth: ac.auth,
                membership_tag: None,
            }),
        };
        tree.apply(diff);
        let mut private = TreeKemPrivate {
            own_leaf: me,
            leaf_key: crate::crypto::HpkePrivateKey::new(Vec::new()),
            path_keys: BTreeMap::new(),
        };
        private.apply(created.private);
        let group = Group::assemble(super::NewState {
            context: next.context,
            tree,
            interim_transcript_hash: interim,
            confirmation_tag: tag.to_vec(),
            private,
            signer: identity.signature_key,
            secrets: next.derived.epoch,
            config,
        });
        Ok((group, message))
    }
}

/// The external commit as FramedContent of the GroupInfo's epoch, signed
/// by the joiner (RFC 9420 §6.1, §12.4.3.2), always a PublicMessage.
fn sign_external_commit(
    cs: &dyn CipherSuiteProvider,
    ctx: &GroupContext,
    commit: Commit,
    signer: &dyn crate::crypto::Signer,
) -> Result<crate::messages::AuthenticatedContent, Error> {
    let content = FramedContent {
        group_id: ctx.group_id.clone(),
        epoch: ctx.epoch,
        sender: Sender::NewMemberCommit,
        authenticated_data: VLBytes::new(Vec::new()),
        content: Content::Commit(commit),
    };
    crate::protect::sign_content(cs, signer, WireFormat::PUBLIC_MESSAGE, content, Some(ctx))
}

/// External init (RFC 9420 §8.3): the kem_output for the ExternalInit
/// proposal and the init secret, from the GroupInfo's `external_pub`
/// (a valid key of the suite's KEM).
fn external_init(
    cs: &dyn CipherSuiteProvider,
    group_info: &GroupInfo,
    rng: &mut dyn crate::crypto::Rng,
) -> Result<(Vec<u8>, Secret), Error> {
    let ext_pub = find_extension(&group_info.extensions, ExtensionType::EXTERNAL_PUB)
        .ok_or(GroupError::MissingExternalPub)?;
    let external_pub: ExternalPub = decode(ext_pub.extension_data.as_slice())?;
    super::proposals::check_hpke_key(cs, external_pub.external_pub.as_slice())?;
    let (kem_output, init) = cs.hpke().setup_sender_and_export(
        external_pub.external_pub.as_slice(),
        b"",
        b"MLS 1.0 external init secret",
        cs.kdf().nh(),
        rng,
    )?;
    Ok((kem_output, Secret::from_slice(init.as_bytes())?))
}

/// The joiner's UpdatePath from its new leaf `me`, checked as the members
/// will check it, so that a join they would reject fails here with their
/// error (RFC 9420 §7.3, §12.4.2; §12.2 for a resync's successor).
fn external_path(
    cs: &dyn CipherSuiteProvider,
    view: &EpochView<'_>,
    staged: &mut crate::tree::StagedTree<'_>,
    me: LeafIndex,
    identity: &MemberIdentity,
    applied: &super::proposals::Applied,
    env: &mut CommitEnv<'_>,
) -> Result<crate::treekem::CreatedPath, Error> {
    let ctx = view.context;
    let template = LeafNode {
        encryption_key: VLBytes::new(Vec::new()),
        signature_key: vl(&identity.signature_public_key),
        credential: identity.credential.clone(),
        capabilities: identity.capabilities.clone(),
        leaf_node_source: LeafNodeSource::Update,
        extensions: identity.extensions.clone().into(),
        signature: VLBytes::new(Vec::new()),
    };
    let gc = |th: &[u8]| path_context(ctx, th, &ctx.extensions);
    let created = create_update_path(
        cs,
        staged,
        PathParams {
            sender: me,
            leaf_template: template,
            signer: &identity.signature_key,
            group_id: ctx.group_id.as_slice(),
            exclude: &[],
            group_context: &gc,
        },
        env.rng,
    )?;
    let leaf = &created.update_path.leaf_node;
    super::proposals::validate_leaf(view, cs, leaf, Some(me), &ctx.extensions, env.credentials)?;
    if let Some((_, old)) = applied.removed.first() {
        super::proposals::check_successor(env.credentials, old, leaf)?;
    }
    Ok(created)
}

impl Group {
    /// The current epoch's membership key, so that a negative test can tag
    /// forged PublicMessages of members (RFC 9420 §6.2). Test builds only
    /// (feature `test-utils`).
    #[cfg(feature = "test-utils")]
    #[doc(hidden)]
    pub fn membership_key_for_testing(&self) -> &Secret {
        &self.secrets.membership_key
    }

    /// The current epoch's secret tree and sender-data secret, so that a
    /// negative test can seal forged PrivateMessages of members (RFC 9420
    /// §6.3). Test builds only (feature `test-utils`).
    #[cfg(feature = "test-utils")]
    #[doc(hidden)]
    pub fn secret_tree_for_testing(&self) -> (&crate::secret_tree::SecretTree, &Secret) {
        (&self.secret_tree, &self.secrets.sender_data_secret)
    }
}
