//! GroupInfo publication and joining by external commit (RFC 9420 §12.4.3,
//! §12.4.3.2, §8.3).

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;

use crate::codec::VLBytes;

use super::commit::CommitEnv;
use super::join::MemberIdentity;
use super::proposals::{ApplyEnv, Resolved};
use super::{Group, GroupConfig, GroupError, suite, vl};
use crate::codec::{Encode, decode};
use crate::crypto::{CipherSuiteProvider, CryptoProvider, Secret, SignaturePrivateKey};
use crate::error::Error;
use crate::key_schedule::derive_epoch;
use crate::messages::group_context::{Extension, GroupContext};
use crate::messages::{
    Commit, Content, ExtensionType, ExternalInit, ExternalPub, FramedContent, GroupInfo, LeafNode,
    LeafNodeSource, MlsMessage, MlsMessageBody, Node, Proposal, ProposalOrRef, PublicMessage,
    Remove, Sender, WireFormat,
};
use crate::secret_tree::SecretTree;
use crate::transcript::{
    confirmation_tag, confirmed_transcript_hash, confirmed_transcript_input,
    interim_transcript_hash,
};
use crate::tree::{TreeRead, ValidationOptions};
use crate::tree_math::LeafIndex;
use crate::treekem::{PathParams, TreeKemPrivate, create_update_path};

/// A signed GroupInfo for `context` (RFC 9420 §12.4.3) with the
/// `external_pub` extension and, if given, the `ratchet_tree` extension.
pub(crate) fn build_group_info(
    cs: &dyn CipherSuiteProvider,
    signer: &SignaturePrivateKey,
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
        let tree =
            super::join::import_tree(cs, ratchet_tree, &group_info.extensions, &config.limits)?;
        let signer = tree
            .leaf(LeafIndex(group_info.signer))
            .ok_or(crate::seal_welcome::WelcomeError::GroupInfoSignatureInvalid)?;
        crate::seal_welcome::verify_group_info_signature(
            cs,
            group_info,
            signer.signature_key.as_slice(),
        )?;
        tree.validate(
            cs,
            &ValidationOptions {
                group_id: ctx.group_id.as_slice(),
                tree_hash: Some(ctx.tree_hash.as_slice()),
                now: env.now,
            },
        )?;
        super::proposals::validate_joined_group(
            &tree,
            &ctx.extensions,
            &group_info.extensions,
            env.credentials,
        )?;
        let ext_pub = find_extension(&group_info.extensions, ExtensionType::EXTERNAL_PUB)
            .ok_or(GroupError::MissingExternalPub)?;
        let external_pub: ExternalPub = decode(ext_pub.extension_data.as_slice())?;
        super::proposals::check_hpke_key(cs, external_pub.external_pub.as_slice())?;
        let nh = cs.kdf().nh();
        let (kem_output, init) = cs.hpke().setup_sender_and_export(
            external_pub.external_pub.as_slice(),
            b"",
            b"MLS 1.0 external init secret",
            nh,
            env.rng,
        )?;
        let init_secret = Secret::from_slice(init.as_bytes())?;
        let interim_before = interim_transcript_hash(
            cs,
            ctx.confirmed_transcript_hash.as_slice(),
            group_info.confirmation_tag.as_slice(),
        )?;

        // A provisional member state in the GroupInfo's epoch: it has the
        // public state only, enough to validate and apply the proposals.
        let provisional = Group {
            context: ctx.clone(),
            tree,
            interim_transcript_hash: interim_before.to_vec(),
            confirmation_tag: group_info.confirmation_tag.as_slice().to_vec(),
            private: TreeKemPrivate {
                own_leaf: LeafIndex(u32::MAX),
                leaf_key: crate::crypto::HpkePrivateKey::new(Vec::new()),
                path_keys: BTreeMap::new(),
            },
            signer: identity.signature_key.duplicate(),
            secrets: crate::key_schedule::EpochSecrets::from_epoch_secret(cs, &Secret::zero(nh)?)?,
            secret_tree: SecretTree::new(Secret::zero(nh)?, 0, config.ratchet),
            proposals: Default::default(),
            resumption_psks: VecDeque::new(),
            config,
            pending: None,
            pending_updates: Vec::new(),
            past_epochs: VecDeque::new(),
            reinit: None,
            active: false,
        };
        let mut proposals = alloc::vec![Proposal::ExternalInit(ExternalInit {
            kem_output: VLBytes::new(kem_output)
        })];
        if let Some(old) = resync {
            proposals.push(Proposal::Remove(Remove { removed: old.0 }));
        }
        let resolved: Vec<Resolved> = proposals
            .iter()
            .map(|p| Resolved {
                proposal: p.clone(),
                sender: Sender::NewMemberCommit,
            })
            .collect();
        let mut staged = provisional.tree.stage();
        let apply_env = ApplyEnv {
            psks: env.psks,
            credentials: env.credentials,
            initial_resumption: false,
            now: env.now,
        };
        let applied = provisional.apply_proposals(cs, &mut staged, None, &resolved, &apply_env)?;
        let me = staged.first_free_leaf();
        let new_epoch = ctx.epoch.checked_add(1).ok_or(GroupError::WrongEpoch)?;
        let extensions = ctx.extensions.clone();
        let template = LeafNode {
            encryption_key: VLBytes::new(Vec::new()),
            signature_key: vl(&identity.signature_public_key),
            credential: identity.credential,
            capabilities: identity.capabilities,
            leaf_node_source: LeafNodeSource::Update,
            extensions: identity.extensions,
            signature: VLBytes::new(Vec::new()),
        };
        let cth = ctx.confirmed_transcript_hash.as_slice().to_vec();
        let gc = |th: &[u8]| -> Result<Vec<u8>, Error> {
            Ok(provisional
                .provisional_context(new_epoch, th, &cth, &extensions)
                .encode()?)
        };
        let created = create_update_path(
            cs,
            &mut staged,
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
        // Fail here, with the error the members would give, if they would
        // reject our leaf (RFC 9420 §7.3, §12.4.2; §12.2 for a resync).
        let leaf = &created.update_path.leaf_node;
        super::proposals::validate_leaf(
            &provisional,
            cs,
            leaf,
            Some(me),
            &extensions,
            env.credentials,
        )?;
        if let Some((_, old)) = applied.removed.first() {
            super::proposals::check_successor(env.credentials, old, leaf)?;
        }
        let tree_hash = staged.tree_hash(cs)?;
        let diff = staged.finish(cs)?;

        let content = FramedContent {
            group_id: ctx.group_id.clone(),
            epoch: ctx.epoch,
            sender: Sender::NewMemberCommit,
            authenticated_data: VLBytes::new(Vec::new()),
            content: Content::Commit(Commit {
                proposals: proposals
                    .into_iter()
                    .map(|p| ProposalOrRef::Proposal(alloc::boxed::Box::new(p)))
                    .collect(),
                path: Some(created.update_path),
            }),
        };
        let mut ac = crate::protect::sign_content(
            cs,
            &identity.signature_key,
            WireFormat::PUBLIC_MESSAGE,
            content,
            Some(ctx),
        )?;
        let confirmed = confirmed_transcript_hash(
            cs,
            interim_before.as_slice(),
            &confirmed_transcript_input(&ac)?,
        );
        let context = provisional.provisional_context(
            new_epoch,
            tree_hash.as_slice(),
            confirmed.as_slice(),
            &extensions,
        );
        let psk = provisional.psk_secret_for(cs, &applied.psks, env.psks)?;
        let mut d = derive_epoch(
            cs,
            &init_secret,
            created.commit_secret.as_bytes(),
            &psk,
            &context.encode()?,
        )?;
        let tag = confirmation_tag(cs, &d.epoch.confirmation_key, confirmed.as_slice())?;
        ac.auth.confirmation_tag = Some(vl(tag.as_slice()));
        let interim = interim_transcript_hash(cs, confirmed.as_slice(), tag.as_slice())?.to_vec();
        let message = MlsMessage {
            body: MlsMessageBody::PublicMessage(PublicMessage {
                content: ac.content,
                auth: ac.auth,
                membership_tag: None,
            }),
        };

        let Group { mut tree, .. } = provisional;
        tree.apply(diff);
        let mut private = TreeKemPrivate {
            own_leaf: me,
            leaf_key: crate::crypto::HpkePrivateKey::new(Vec::new()),
            path_keys: BTreeMap::new(),
        };
        private.apply(created.private);
        let secret_tree = SecretTree::new(
            d.epoch.take_encryption_secret(),
            tree.n_leaves(),
            config.ratchet,
        );
        let group = Group {
            context,
            tree,
            interim_transcript_hash: interim,
            confirmation_tag: tag.to_vec(),
            private,
            signer: identity.signature_key,
            secrets: d.epoch,
            secret_tree,
            proposals: Default::default(),
            resumption_psks: VecDeque::new(),
            config,
            pending: None,
            pending_updates: Vec::new(),
            past_epochs: VecDeque::new(),
            reinit: None,
            active: true,
        };
        Ok((group, message))
    }
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
    pub fn secret_tree_for_testing(&self) -> (&SecretTree, &Secret) {
        (&self.secret_tree, &self.secrets.sender_data_secret)
    }
}
