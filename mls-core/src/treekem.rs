//! TreeKEM (RFC 9420 §7.4–§7.6): creating and processing an UpdatePath.
//!
//! Both directions work on a [`StagedTree`], so nothing touches the group's
//! tree until the caller merges the staged commit. Cost per commit: O(log n)
//! key derivations and tree hashes, plus one HPKE operation per node in the
//! copath resolutions (sender) or a single decryption (receiver).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::fmt;

use crate::codec::VLBytes;

use crate::crypto::labeled::{
    decrypt_with_label, derive_secret, encrypt_with_label_many, sign_with_label, verify_with_label,
};
use crate::crypto::{CipherSuiteProvider, HpkePrivateKey, Rng, Secret};
use crate::error::Error;
use crate::messages::{
    Ciphertexts, LeafNode, LeafNodeSource, ParentNode, UpdatePath, UpdatePathNode,
};
use crate::tree::{PathStep, StagedTree, TreeRead, filtered_direct_path, parent_hash, resolution};
use crate::tree_math::{self, LeafIndex, NodeIndex};

pub use crate::error::TreeKemError;

/// A member's private TreeKEM state: its leaf key and the keys of the
/// parent nodes it knows (RFC 9420 §4.2 tree invariant).
#[derive(Debug, PartialEq, Eq)]
pub struct TreeKemPrivate {
    /// The member's leaf.
    pub own_leaf: LeafIndex,
    /// The private key of the leaf's encryption key.
    pub leaf_key: HpkePrivateKey,
    /// Private keys of parent nodes on the member's direct path.
    pub path_keys: BTreeMap<NodeIndex, HpkePrivateKey>,
}

impl TreeKemPrivate {
    /// The private key for node `x`, if held.
    pub fn key_for(&self, x: NodeIndex) -> Option<&HpkePrivateKey> {
        if x == self.own_leaf.node() {
            Some(&self.leaf_key)
        } else {
            self.path_keys.get(&x)
        }
    }

    /// An explicit copy (private keys are not `Clone`).
    pub fn duplicate(&self) -> Self {
        Self {
            own_leaf: self.own_leaf,
            leaf_key: self.leaf_key.duplicate(),
            path_keys: self
                .path_keys
                .iter()
                .map(|(k, v)| (*k, v.duplicate()))
                .collect(),
        }
    }

    /// Applies a processed or created path: forgets keys of nodes on the
    /// sender's direct path and stores the new ones (RFC 9420 §7.5 deletion).
    pub fn apply(&mut self, update: PrivateUpdate) {
        for x in &update.blanked {
            self.path_keys.remove(x);
        }
        if let Some(k) = update.leaf_key {
            self.leaf_key = k;
        }
        for (x, k) in update.path_keys {
            self.path_keys.insert(x, k);
        }
    }
}

/// Changes to a [`TreeKemPrivate`], applied when the commit is merged.
#[derive(Debug)]
pub struct PrivateUpdate {
    /// Nodes whose keys are dropped (the sender's direct path).
    pub blanked: Vec<NodeIndex>,
    /// A new leaf key (the committer's own).
    pub leaf_key: Option<HpkePrivateKey>,
    /// New parent keys.
    pub path_keys: Vec<(NodeIndex, HpkePrivateKey)>,
}

/// `path_secret[n] = DeriveSecret(path_secret[n-1], "path")` (RFC 9420 §7.4).
pub fn next_path_secret(
    cs: &dyn CipherSuiteProvider,
    path_secret: &Secret,
) -> Result<Secret, Error> {
    Ok(derive_secret(cs, path_secret.as_bytes(), b"path")?)
}

/// node_priv, node_pub = DeriveKeyPair(DeriveSecret(path_secret, "node")) (RFC 9420 §7.4).
pub fn node_key_pair(
    cs: &dyn CipherSuiteProvider,
    path_secret: &Secret,
) -> Result<(HpkePrivateKey, Vec<u8>), Error> {
    let node_secret = derive_secret(cs, path_secret.as_bytes(), b"node")?;
    Ok(cs.hpke().derive_key_pair(node_secret.as_bytes())?)
}

/// Sets the filtered direct path's parents to `keys` (unmerged lists empty)
/// and fills in parent hashes top-down (RFC 9420 §7.9). Returns the parent
/// hash the sender's leaf must carry.
fn install_path(
    cs: &dyn CipherSuiteProvider,
    tree: &mut StagedTree<'_>,
    steps: &[PathStep],
    keys: &[&[u8]],
) -> Result<Vec<u8>, Error> {
    for (s, k) in steps.iter().zip(keys) {
        tree.set_parent(
            s.node,
            Some(ParentNode {
                encryption_key: VLBytes::new(k.to_vec()),
                parent_hash: VLBytes::new(Vec::new()),
                unmerged_leaves: Vec::new(),
            }),
        );
    }
    let mut above: Vec<u8> = Vec::new();
    for (s, k) in steps.iter().zip(keys).rev() {
        if let Some(p) = tree.parent_mut(s.node) {
            p.parent_hash = VLBytes::new(above.clone());
        }
        let sibling_hash = tree.node_hash(cs, s.copath_child)?;
        above = parent_hash(cs, k, &above, sibling_hash.as_slice())?.to_vec();
    }
    Ok(above)
}

/// What creating an UpdatePath produced.
#[derive(Debug)]
pub struct CreatedPath {
    /// The UpdatePath for the Commit.
    pub update_path: UpdatePath,
    /// commit_secret = path_secret[n+1] (RFC 9420 §12.4.2).
    pub commit_secret: Secret,
    /// The path secret of every node of the filtered direct path, bottom-up
    /// (for the Welcome's GroupSecrets.path_secret, §12.4.3.1).
    pub path_secrets: Vec<(NodeIndex, Secret)>,
    /// The committer's private-state changes.
    pub private: PrivateUpdate,
}

/// Builds the encoded provisional GroupContext from a tree hash.
pub type GroupContextFn<'a> = dyn Fn(&[u8]) -> Result<Vec<u8>, Error> + 'a;

/// Everything needed to create an UpdatePath besides the tree.
pub struct PathParams<'a> {
    /// The committer's leaf.
    pub sender: LeafIndex,
    /// The new leaf node: every field but `encryption_key`,
    /// `leaf_node_source` and `signature` is taken as given.
    pub leaf_template: LeafNode,
    /// The committer's signature key.
    pub signer: &'a dyn crate::crypto::Signer,
    /// The group ID (LeafNodeTBS context).
    pub group_id: &'a [u8],
    /// New members added by this commit: excluded from the resolutions (§12.4.2).
    pub exclude: &'a [LeafIndex],
    /// Builds the encoded provisional GroupContext from the new tree hash.
    pub group_context: &'a GroupContextFn<'a>,
}

impl fmt::Debug for PathParams<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PathParams")
            .field("sender", &self.sender)
            .finish_non_exhaustive()
    }
}

/// Creates an UpdatePath (RFC 9420 §7.5, §12.4.2) on a staged tree.
pub fn create_update_path(
    cs: &dyn CipherSuiteProvider,
    tree: &mut StagedTree<'_>,
    params: PathParams<'_>,
    rng: &mut dyn Rng,
) -> Result<CreatedPath, Error> {
    let sender = params.sender;
    tree.blank_direct_path(sender);
    let steps = filtered_direct_path(tree, sender);
    let nh = cs.kdf().nh();

    let (leaf_sk, leaf_pk) = cs.hpke().generate_key_pair(rng)?;
    let mut secrets: Vec<Secret> = Vec::with_capacity(steps.len() + 1);
    let mut first = Secret::zero(nh)?;
    rng.fill(first.as_mut_bytes())?;
    secrets.push(first);
    for i in 1..=steps.len() {
        let next = next_path_secret(cs, &secrets[i - 1])?;
        secrets.push(next);
    }
    // secrets[steps.len()] is path_secret[n+1], the commit secret.
    let mut pubs = Vec::with_capacity(steps.len());
    let mut privs = Vec::with_capacity(steps.len());
    for (s, ps) in steps.iter().zip(&secrets) {
        let (sk, pk) = node_key_pair(cs, ps)?;
        pubs.push(pk);
        privs.push((s.node, sk));
    }
    let key_refs: Vec<&[u8]> = pubs.iter().map(Vec::as_slice).collect();
    let leaf_ph = install_path(cs, tree, &steps, &key_refs)?;

    let mut leaf = params.leaf_template;
    leaf.encryption_key = VLBytes::new(leaf_pk);
    leaf.leaf_node_source = LeafNodeSource::Commit(VLBytes::new(leaf_ph));
    let tbs = leaf.tbs(Some((params.group_id, sender.0)))?;
    leaf.signature = VLBytes::new(sign_with_label(cs, params.signer, b"LeafNodeTBS", &tbs)?);
    tree.set_leaf(sender, Some(leaf.clone()));

    let tree_hash = tree.tree_hash(cs)?;
    let ctx = (params.group_context)(tree_hash.as_slice())?;

    // One EncryptWithLabel per resolution node of each copath child, all
    // under the same context (RFC 9420 §7.6): one batch, in path order, so
    // the backend hashes the context once (and seals in parallel with
    // `parallel`).
    let mut counts = Vec::with_capacity(steps.len());
    let mut recipients: Vec<(&[u8], &[u8])> = Vec::new();
    for (s, ps) in steps.iter().zip(&secrets) {
        let before = recipients.len();
        for r in resolution(tree, s.copath_child, params.exclude) {
            let key = tree
                .encryption_key(r)
                .ok_or(TreeKemError::NoDecryptionKey)?;
            recipients.push((key, ps.as_bytes()));
        }
        counts.push(recipients.len() - before);
    }
    let cts = encrypt_with_label_many(cs, &recipients, b"UpdatePathNode", &ctx, rng)?;
    let mut cts = cts
        .iter()
        .map(|c| (c.kem_output.as_slice(), c.ciphertext.as_slice()));
    let nodes = counts
        .iter()
        .zip(&pubs)
        .map(|(&k, pk)| UpdatePathNode {
            encryption_key: VLBytes::new(pk.clone()),
            encrypted_path_secret: Ciphertexts::from_parts(cts.by_ref().take(k)),
        })
        .collect();

    let blanked = tree_math::direct_path(sender.node(), tree.n_leaves()).collect();
    let commit_secret = secrets.pop().ok_or(TreeKemError::PathLengthMismatch)?;
    let path_secrets = steps.iter().map(|s| s.node).zip(secrets).collect();
    Ok(CreatedPath {
        update_path: UpdatePath {
            leaf_node: leaf,
            nodes,
        },
        commit_secret,
        path_secrets,
        private: PrivateUpdate {
            blanked,
            leaf_key: Some(leaf_sk),
            path_keys: privs,
        },
    })
}

/// Merges a received UpdatePath's public part into a staged tree (RFC 9420
/// §7.5, first half): checks the leaf's source, signature and parent hash.
/// Returns the sender and the filtered direct path used.
pub fn merge_update_path(
    cs: &dyn CipherSuiteProvider,
    tree: &mut StagedTree<'_>,
    sender: LeafIndex,
    path: &UpdatePath,
    group_id: &[u8],
) -> Result<MergedPath, Error> {
    let tbs = path.leaf_node.tbs(Some((group_id, sender.0)))?;
    verify_with_label(
        cs,
        path.leaf_node.signature_key.as_slice(),
        b"LeafNodeTBS",
        &tbs,
        path.leaf_node.signature.as_slice(),
    )
    .map_err(|_| TreeKemError::LeafSignatureInvalid)?;
    merge_verified_update_path(cs, tree, sender, path)
}

/// [`merge_update_path`] for a path whose leaf signature the caller has
/// already verified for `sender`'s position (the group validates the
/// leaf as a whole first, RFC 9420 §7.3): one verification, not two.
pub fn merge_verified_update_path(
    cs: &dyn CipherSuiteProvider,
    tree: &mut StagedTree<'_>,
    sender: LeafIndex,
    path: &UpdatePath,
) -> Result<MergedPath, Error> {
    let LeafNodeSource::Commit(leaf_ph) = &path.leaf_node.leaf_node_source else {
        return Err(TreeKemError::LeafSourceNotCommit.into());
    };
    // RFC 9420 §12.2, §16.7: the resulting tree must not hold one key
    // twice, so the keys of the path itself are pairwise distinct.
    let mut seen = alloc::collections::BTreeSet::new();
    let all_keys = core::iter::once(path.leaf_node.encryption_key.as_slice())
        .chain(path.nodes.iter().map(|n| n.encryption_key.as_slice()));
    for k in all_keys {
        if !seen.insert(k) {
            return Err(TreeKemError::DuplicatePublicKey.into());
        }
    }
    tree.blank_direct_path(sender);
    let steps = filtered_direct_path(tree, sender);
    if steps.len() != path.nodes.len() {
        return Err(TreeKemError::PathLengthMismatch.into());
    }
    let keys: Vec<&[u8]> = path
        .nodes
        .iter()
        .map(|n| n.encryption_key.as_slice())
        .collect();
    let ph = install_path(cs, tree, &steps, &keys)?;
    if ph.as_slice() != leaf_ph.as_slice() {
        return Err(TreeKemError::ParentHashMismatch.into());
    }
    tree.set_leaf(sender, Some(path.leaf_node.clone()));
    Ok(MergedPath { sender, steps })
}

/// A received UpdatePath merged into a staged tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedPath {
    /// The committer.
    pub sender: LeafIndex,
    /// The committer's filtered direct path, bottom-up.
    pub steps: Vec<PathStep>,
}

/// What processing an UpdatePath yielded for the receiver.
#[derive(Debug)]
pub struct ProcessedPath {
    /// The commit secret.
    pub commit_secret: Secret,
    /// The path secret decrypted (for the node where the paths meet).
    pub path_secret: Secret,
    /// The receiver's private-state changes.
    pub private: PrivateUpdate,
}

/// Decrypts the receiver's path secret and derives the rest of the path
/// (RFC 9420 §7.5, second half), on a tree where [`merge_update_path`] has
/// run. `group_context` is the encoded provisional GroupContext.
pub fn decrypt_update_path(
    cs: &dyn CipherSuiteProvider,
    tree: &StagedTree<'_>,
    merged: &MergedPath,
    path: &UpdatePath,
    exclude: &[LeafIndex],
    group_context: &[u8],
    private: &TreeKemPrivate,
) -> Result<ProcessedPath, Error> {
    let (sender, steps) = (merged.sender, merged.steps.as_slice());
    let me = private.own_leaf;
    if me == sender {
        return Err(TreeKemError::NotARecipient.into());
    }
    let pos = steps
        .iter()
        .position(|s| tree_math::is_ancestor_or_self(s.copath_child, me.node()))
        .ok_or(TreeKemError::NotARecipient)?;
    // RFC 9420 §7.6: every node carries one ciphertext per node of its
    // copath child's resolution (new leaves excluded). Checked for every
    // node, not only ours, so that all receivers agree on the verdict.
    let mut res = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let r = resolution(tree, s.copath_child, exclude);
        let sent = path.nodes.get(i).ok_or(TreeKemError::PathLengthMismatch)?;
        if sent.encrypted_path_secret.len() != r.len() {
            return Err(TreeKemError::CiphertextCountMismatch.into());
        }
        if i == pos {
            res = r;
        }
    }
    let node = path
        .nodes
        .get(pos)
        .ok_or(TreeKemError::PathLengthMismatch)?;
    let (idx, key) = res
        .iter()
        .enumerate()
        .find_map(|(i, x)| private.key_for(*x).map(|k| (i, k)))
        .ok_or(TreeKemError::NoDecryptionKey)?;
    let ct = node
        .encrypted_path_secret
        .get(idx)
        .ok_or(TreeKemError::CiphertextCountMismatch)?;
    let pt = decrypt_with_label(
        cs,
        key,
        b"UpdatePathNode",
        group_context,
        ct.kem_output,
        ct.ciphertext,
    )
    .map_err(|_| TreeKemError::DecryptionFailed)?;
    let path_secret = Secret::from_slice(&pt).map_err(|_| TreeKemError::DecryptionFailed)?;
    let mut pt = pt;
    zeroize::Zeroize::zeroize(&mut pt);

    let mut ps = path_secret.duplicate();
    let mut path_keys = Vec::new();
    for (i, s) in steps.iter().enumerate().skip(pos) {
        if i > pos {
            ps = next_path_secret(cs, &ps)?;
        }
        let (sk, pk) = node_key_pair(cs, &ps)?;
        let sent = path.nodes.get(i).ok_or(TreeKemError::PathLengthMismatch)?;
        if pk.as_slice() != sent.encryption_key.as_slice() {
            return Err(TreeKemError::PublicKeyMismatch.into());
        }
        path_keys.push((s.node, sk));
    }
    let commit_secret = next_path_secret(cs, &ps)?;
    let blanked = tree_math::direct_path(sender.node(), tree.n_leaves()).collect();
    Ok(ProcessedPath {
        commit_secret,
        path_secret,
        private: PrivateUpdate {
            blanked,
            leaf_key: None,
            path_keys,
        },
    })
}
