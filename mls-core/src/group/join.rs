//! Creating a group (RFC 9420 §11) and joining one from a Welcome
//! (§12.4.3.1).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::codec::VLBytes;

use super::commit::ProcessEnv;
use super::{Group, GroupConfig, GroupError, suite};
use crate::crypto::labeled::sign_with_label;
use crate::crypto::{CipherSuite, CryptoProvider, HpkePrivateKey, Rng, Secret};
use crate::error::Error;
use crate::key_package::KeyPackagePrivate;
use crate::key_schedule::EpochSecrets;
use crate::messages::group_context::{Extension, GroupContext, MLS10};
use crate::messages::{
    Capabilities, Credential, ExtensionType, GroupInfo, KeyPackage, LeafNode, LeafNodeSource,
    Lifetime, Node, Welcome,
};
use crate::transcript::{confirmation_tag, interim_transcript_hash};
use crate::tree::{RatchetTree, TreeRead, ValidationOptions};
use crate::tree_math::{self, LeafIndex};
use crate::treekem::{TreeKemPrivate, next_path_secret, node_key_pair};

/// Who a member is: what goes into its leaf nodes.
#[derive(Debug)]
pub struct MemberIdentity {
    /// The credential.
    pub credential: Credential,
    /// The signing key: a [`SignaturePrivateKey`] (`.into()`) or an
    /// external [`Signer`](crate::crypto::Signer).
    pub signature_key: super::MemberSigner,
    /// The matching public key.
    pub signature_public_key: Vec<u8>,
    /// The capabilities to advertise.
    pub capabilities: Capabilities,
    /// Leaf extensions.
    pub extensions: Vec<Extension>,
    /// Lifetime of key-package leaves.
    pub lifetime: Lifetime,
}

impl Group {
    /// Creates a one-member group (RFC 9420 §11).
    pub fn create(
        provider: &dyn CryptoProvider,
        cipher_suite: CipherSuite,
        group_id: Vec<u8>,
        identity: MemberIdentity,
        extensions: Vec<Extension>,
        config: GroupConfig,
        rng: &mut dyn Rng,
    ) -> Result<Self, Error> {
        let cs = suite(provider, cipher_suite)?;
        let (enc_sk, enc_pk) = cs.hpke().generate_key_pair(rng)?;
        let mut leaf = LeafNode {
            encryption_key: VLBytes::new(enc_pk),
            signature_key: VLBytes::new(identity.signature_public_key),
            credential: identity.credential,
            capabilities: identity.capabilities,
            leaf_node_source: LeafNodeSource::KeyPackage(identity.lifetime),
            extensions: identity.extensions.into(),
            signature: VLBytes::new(Vec::new()),
        };
        let tbs = leaf.tbs(None)?;
        leaf.signature = VLBytes::new(sign_with_label(
            cs,
            &identity.signature_key,
            b"LeafNodeTBS",
            &tbs,
        )?);
        let req = super::proposals::required_capabilities(&extensions)?;
        if !super::proposals::leaf_supports(&leaf, req.as_ref(), &extensions) {
            return Err(GroupError::UnsupportedExtension.into());
        }
        let tree = RatchetTree::new_single(cs, leaf)?;
        let tree_hash = tree
            .tree_hash()
            .ok_or(GroupError::MissingRatchetTree)?
            .to_vec();
        let context = GroupContext {
            version: MLS10,
            cipher_suite,
            group_id: VLBytes::new(group_id),
            epoch: 0,
            tree_hash: VLBytes::new(tree_hash),
            confirmed_transcript_hash: VLBytes::new(Vec::new()),
            extensions,
        };
        let mut epoch_secret = Secret::zero(cs.kdf().nh())?;
        rng.fill(epoch_secret.as_mut_bytes())?;
        let secrets = EpochSecrets::from_epoch_secret(cs, &epoch_secret)?;
        let tag = confirmation_tag(cs, &secrets.confirmation_key, b"")?;
        let interim = interim_transcript_hash(cs, b"", tag.as_slice())?.to_vec();
        Ok(Self::assemble(super::NewState {
            context,
            tree,
            interim_transcript_hash: interim,
            confirmation_tag: tag.to_vec(),
            private: TreeKemPrivate {
                own_leaf: LeafIndex(0),
                leaf_key: enc_sk,
                path_keys: BTreeMap::new(),
            },
            signer: identity.signature_key,
            secrets,
            config,
        }))
    }

    /// Joins a group from a Welcome (RFC 9420 §12.4.3.1). `ratchet_tree` is
    /// the tree when it is not in the GroupInfo's `ratchet_tree` extension.
    #[allow(clippy::too_many_arguments)]
    pub fn join(
        provider: &dyn CryptoProvider,
        welcome: &Welcome,
        key_package: &KeyPackage,
        private: KeyPackagePrivate,
        signer: impl Into<super::MemberSigner>,
        ratchet_tree: Option<Vec<Option<Node>>>,
        env: &mut ProcessEnv<'_>,
        config: GroupConfig,
    ) -> Result<Self, Error> {
        if welcome.cipher_suite != key_package.cipher_suite {
            return Err(crate::seal_welcome::WelcomeError::CipherSuiteMismatch.into());
        }
        let cs = suite(provider, welcome.cipher_suite)?;
        let info = cs.info();
        let init_key = &private.init_key.normalized(info);
        let encryption_key = private.encryption_key.normalized(info);
        let signer = match signer.into() {
            super::MemberSigner::InMemory(k) => super::MemberSigner::InMemory(k.normalized(info)),
            external => external,
        };
        let joiner =
            crate::seal_welcome::decrypt_group_secrets(cs, welcome, key_package, init_key)?;
        // A joiner holds no resumption PSKs of its own: only external PSKs
        // (and resumption PSKs the application supplies) resolve here.
        let psk_secret = super::commit::resolve_psk_secret(cs, &joiner.psks, env.psks, |g, e| {
            env.psks.resumption_psk(g, e)
        })?;
        let welcome_secret =
            crate::seal_welcome::welcome_secret(cs, &joiner.joiner_secret, &psk_secret)?;
        // The GroupInfo's suite is checked against the Welcome's there.
        let gi = crate::seal_welcome::decrypt_group_info(cs, welcome, &welcome_secret)?;
        if gi.group_context.version != MLS10 {
            return Err(crate::seal_welcome::WelcomeError::VersionMismatch.into());
        }
        check_resumption_psks(&gi.group_context, &joiner.psks, env)?;
        let tree = verified_tree(cs, &gi, ratchet_tree, &config.limits, env)?;
        let own_leaf = tree
            .members()
            .find(|(_, l)| **l == key_package.leaf_node)
            .map(|(i, _)| i)
            .ok_or(GroupError::OwnLeafNotFound)?;
        if cs.hpke().public_key(&encryption_key)?.as_slice()
            != key_package.leaf_node.encryption_key.as_slice()
        {
            return Err(GroupError::OwnLeafNotFound.into());
        }
        let path_keys = match &joiner.path_secret {
            Some(ps) => joiner_path_keys(cs, &tree, own_leaf, LeafIndex(gi.signer), ps)?,
            None => BTreeMap::new(),
        };
        let out = crate::seal_welcome::check_confirmation_tag(
            cs,
            &joiner.joiner_secret,
            &psk_secret,
            &gi,
        )?;
        let interim = interim_transcript_hash(
            cs,
            gi.group_context.confirmed_transcript_hash.as_slice(),
            gi.confirmation_tag.as_slice(),
        )?
        .to_vec();
        Ok(Self::assemble(super::NewState {
            context: gi.group_context,
            tree,
            interim_transcript_hash: interim,
            confirmation_tag: gi.confirmation_tag.as_slice().to_vec(),
            private: TreeKemPrivate {
                own_leaf,
                leaf_key: encryption_key,
                path_keys,
            },
            signer,
            secrets: out.epoch,
            config,
        }))
    }
}

/// RFC 9420 §12.4.3.1, §11.2, §11.3: a reinit or branch PSK means a new
/// group at epoch 1, and must be the only such PSK; a reinit must match the
/// old group's ReInit, a branch keep the old group's version and suite.
fn check_resumption_psks(
    ctx: &GroupContext,
    psks: &[crate::messages::PreSharedKeyId],
    env: &ProcessEnv<'_>,
) -> Result<(), Error> {
    use crate::messages::ResumptionPskUsage as U;
    let mut n_resumption = 0usize;
    for id in psks {
        let crate::messages::Psk::Resumption(r) = &id.psk else {
            continue;
        };
        if r.usage == U::Application {
            continue;
        }
        n_resumption += 1;
        if n_resumption > 1 {
            return Err(GroupError::MultipleResumptionPsks.into());
        }
        let ok = ctx.epoch == 1
            && match r.usage {
                U::Branch => env
                    .psks
                    .context_of(r.psk_group_id.as_slice())
                    .is_some_and(|old| {
                        old.version == ctx.version && old.cipher_suite == ctx.cipher_suite
                    }),
                U::Reinit => env
                    .psks
                    .reinit_of(r.psk_group_id.as_slice())
                    .is_some_and(|ri| {
                        ri.group_id == ctx.group_id
                            && ri.version.0 == ctx.version
                            && ri.cipher_suite == ctx.cipher_suite
                            && ri.extensions == ctx.extensions
                    }),
                _ => true,
            };
        if !ok {
            return Err(GroupError::ResumptionJoinMismatch.into());
        }
    }
    Ok(())
}

/// The tree a joiner takes from a GroupInfo (RFC 9420 §12.4.3.1,
/// §12.4.3.2): imported within the limits, the GroupInfo signed by its
/// signer's leaf (checked by the function the vectors exercise; a blank or
/// missing signer leaf is the same failure), the tree valid and matching
/// the GroupInfo's tree hash, and the group-level checks of a joiner.
pub(crate) fn verified_tree(
    cs: &dyn crate::crypto::CipherSuiteProvider,
    gi: &GroupInfo,
    ratchet_tree: Option<Vec<Option<Node>>>,
    limits: &super::Limits,
    env: &ProcessEnv<'_>,
) -> Result<RatchetTree, Error> {
    let tree = import_tree(cs, ratchet_tree, &gi.extensions, limits)?;
    let signer = tree
        .leaf(LeafIndex(gi.signer))
        .ok_or(crate::seal_welcome::WelcomeError::GroupInfoSignatureInvalid)?;
    crate::seal_welcome::verify_group_info_signature(cs, gi, signer.signature_key.as_slice())?;
    tree.validate(
        cs,
        &ValidationOptions {
            group_id: gi.group_context.group_id.as_slice(),
            tree_hash: Some(gi.group_context.tree_hash.as_slice()),
            now: env.now,
        },
    )?;
    super::proposals::validate_joined_group(
        &tree,
        &gi.group_context.extensions,
        &gi.extensions,
        env.credentials,
    )?;
    Ok(tree)
}

/// The private keys a Welcome's path secret gives (RFC 9420 §12.4.3.1):
/// from the common ancestor of our leaf and the signer's up to the root,
/// each matching the tree's public key.
fn joiner_path_keys(
    cs: &dyn crate::crypto::CipherSuiteProvider,
    tree: &RatchetTree,
    own_leaf: LeafIndex,
    signer: LeafIndex,
    path_secret: &Secret,
) -> Result<BTreeMap<crate::tree_math::NodeIndex, HpkePrivateKey>, Error> {
    let mut path_keys = BTreeMap::new();
    let n = tree.n_leaves();
    let lca = tree_math::common_ancestor(own_leaf.node(), signer.node());
    let mut secret = path_secret.duplicate();
    let mut node = Some(lca);
    let mut first = true;
    while let Some(x) = node {
        if !tree.is_blank(x) || first {
            if !first {
                secret = next_path_secret(cs, &secret)?;
            }
            let (sk, pk) = node_key_pair(cs, &secret)?;
            if tree.encryption_key(x) != Some(pk.as_slice()) {
                return Err(GroupError::PathSecretMismatch.into());
            }
            path_keys.insert(x, sk);
            first = false;
        }
        node = tree_math::parent(x, n);
    }
    Ok(path_keys)
}

impl Group {
    /// A member state over an existing tree, for benchmarks and tests that
    /// need large groups without running thousands of commits: every
    /// member built from the same `tree`, `group_id`, `epoch` and
    /// `epoch_secret` shares one epoch. Not for production use: the tree is
    /// not validated and the epoch secret is the caller's.
    #[cfg(feature = "test-utils")]
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub fn from_tree_for_testing(
        provider: &dyn CryptoProvider,
        cipher_suite: CipherSuite,
        tree: RatchetTree,
        group_id: Vec<u8>,
        epoch: u64,
        epoch_secret: &[u8],
        private: TreeKemPrivate,
        signer: crate::crypto::SignaturePrivateKey,
        config: GroupConfig,
    ) -> Result<Self, Error> {
        let cs = suite(provider, cipher_suite)?;
        let tree_hash = tree
            .tree_hash()
            .ok_or(GroupError::MissingRatchetTree)?
            .to_vec();
        let context = GroupContext {
            version: MLS10,
            cipher_suite,
            group_id: VLBytes::new(group_id),
            epoch,
            tree_hash: VLBytes::new(tree_hash),
            confirmed_transcript_hash: VLBytes::new(alloc::vec![0u8; cs.kdf().nh()]),
            extensions: Vec::new(),
        };
        let secrets = EpochSecrets::from_epoch_secret(cs, &Secret::from_slice(epoch_secret)?)?;
        let tag = confirmation_tag(
            cs,
            &secrets.confirmation_key,
            context.confirmed_transcript_hash.as_slice(),
        )?;
        let interim = interim_transcript_hash(
            cs,
            context.confirmed_transcript_hash.as_slice(),
            tag.as_slice(),
        )?
        .to_vec();
        Ok(Self::assemble(super::NewState {
            context,
            tree,
            interim_transcript_hash: interim,
            confirmation_tag: tag.to_vec(),
            private,
            signer: signer.into(),
            secrets,
            config,
        }))
    }
}

/// The ratchet tree a joiner imports (RFC 9420 §12.4.3.1, §12.4.3.3): the
/// one supplied out of band, else the GroupInfo's `ratchet_tree` extension,
/// decoded straight into the tree; either way no larger than
/// `limits.max_leaves` allows, checked before it is built.
pub(crate) fn import_tree(
    cs: &dyn crate::crypto::CipherSuiteProvider,
    ratchet_tree: Option<Vec<Option<Node>>>,
    group_info_extensions: &[Extension],
    limits: &super::Limits,
) -> Result<RatchetTree, Error> {
    use crate::tree::{TreeShapeError, TreeShapeOr, TreeValidationError};
    let tree = match ratchet_tree {
        Some(t) => {
            if t.len()
                > (limits.max_leaves as usize)
                    .saturating_mul(2)
                    .saturating_sub(1)
            {
                return Err(GroupError::LimitExceeded {
                    limit: super::Limit::MaxLeaves,
                }
                .into());
            }
            RatchetTree::from_nodes(cs, t)
        }
        None => {
            let ext = group_info_extensions
                .iter()
                .find(|e| e.extension_type == ExtensionType::RATCHET_TREE.0)
                .ok_or(GroupError::MissingRatchetTree)?;
            RatchetTree::from_wire(cs, ext.extension_data.as_slice(), limits.max_leaves)
        }
    };
    tree.map_err(|e| match e {
        TreeShapeOr::Other(e) => e,
        // Past `max_leaves` (or past 2^31 leaves, which is past it too).
        TreeShapeOr::Shape(TreeShapeError::TooLarge) => GroupError::LimitExceeded {
            limit: super::Limit::MaxLeaves,
        }
        .into(),
        TreeShapeOr::Shape(s) => TreeValidationError::Malformed(s).into(),
    })
}
