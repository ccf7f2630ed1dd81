//! treekem.json: processing and creating UpdatePaths (RFC 9420 §7.4–§7.6,
//! §7.9.2) for every member of a tree.

use std::collections::BTreeMap;

use mls_core::codec::{Encode, VLBytes, decode};
use mls_core::crypto::{
    CipherSuiteProvider, CryptoProvider, HpkePrivateKey, Secret, SignaturePrivateKey,
};
use mls_core::messages::UpdatePath;
use mls_core::messages::{GroupContext, MLS10};
use mls_core::tree::{RatchetTree, TreeRead};
use mls_core::tree_math::{LeafIndex, NodeIndex};
use mls_core::treekem::{
    PathParams, TreeKemPrivate, create_update_path, decrypt_update_path, merge_update_path,
    node_key_pair,
};
use serde_json::Value;

use super::tree_validation::load_tree;
use super::with_suite;
use crate::{TestRng, Verdict, expect_hex, hex_field, u64_field};

pub fn check(provider: &dyn CryptoProvider, entry: &Value) -> Verdict {
    with_suite(provider, entry, |cs| run(cs, entry))
}

struct Ctx {
    cs_id: mls_core::crypto::CipherSuite,
    group_id: Vec<u8>,
    epoch: u64,
    cth: Vec<u8>,
}

impl Ctx {
    fn encode(&self, tree_hash: &[u8]) -> Result<Vec<u8>, mls_core::Error> {
        Ok(GroupContext {
            version: MLS10,
            cipher_suite: self.cs_id,
            group_id: VLBytes::new(self.group_id.clone()),
            epoch: self.epoch,
            tree_hash: VLBytes::new(tree_hash.to_vec()),
            confirmed_transcript_hash: VLBytes::new(self.cth.clone()),
            extensions: Vec::new(),
        }
        .encode()?)
    }
}

fn run(cs: &dyn CipherSuiteProvider, entry: &Value) -> Result<(), String> {
    let tree = load_tree(cs, &hex_field(entry, "ratchet_tree")?)?;
    let ctx = Ctx {
        cs_id: cs.cipher_suite(),
        group_id: hex_field(entry, "group_id")?,
        epoch: u64_field(entry, "epoch")?,
        cth: hex_field(entry, "confirmed_transcript_hash")?,
    };
    let gc = |th: &[u8]| ctx.encode(th);

    // Private states, checked against the public tree.
    let mut privs: BTreeMap<u32, (TreeKemPrivate, SignaturePrivateKey)> = BTreeMap::new();
    for lp in entry
        .get("leaves_private")
        .and_then(Value::as_array)
        .ok_or("missing leaves_private")?
    {
        let index = u64_field(lp, "index")? as u32;
        let leaf_key = HpkePrivateKey::new(hex_field(lp, "encryption_priv")?);
        let leaf_pub = cs.hpke().public_key(&leaf_key).map_err(|e| e.to_string())?;
        if tree.encryption_key(LeafIndex(index).node()) != Some(leaf_pub.as_slice()) {
            return Err(format!(
                "leaf {index}: encryption_priv does not match the tree"
            ));
        }
        let mut path_keys = BTreeMap::new();
        for ps in lp
            .get("path_secrets")
            .and_then(Value::as_array)
            .ok_or("missing path_secrets")?
        {
            let node = NodeIndex(u64_field(ps, "node")? as u32);
            let secret =
                Secret::from_slice(&hex_field(ps, "path_secret")?).map_err(|e| e.to_string())?;
            let (sk, pk) = node_key_pair(cs, &secret).map_err(|e| e.to_string())?;
            if tree.encryption_key(node) != Some(pk.as_slice()) {
                return Err(format!(
                    "leaf {index}: path secret of node {} does not match the tree",
                    node.0
                ));
            }
            path_keys.insert(node, sk);
        }
        let sig = SignaturePrivateKey::new(hex_field(lp, "signature_priv")?);
        privs.insert(
            index,
            (
                TreeKemPrivate {
                    own_leaf: LeafIndex(index),
                    leaf_key,
                    path_keys,
                },
                sig,
            ),
        );
    }

    for up in entry
        .get("update_paths")
        .and_then(Value::as_array)
        .ok_or("missing update_paths")?
    {
        let sender = LeafIndex(u64_field(up, "sender")? as u32);
        let path: UpdatePath =
            decode(&hex_field(up, "update_path")?).map_err(|e| format!("update_path: {e}"))?;
        let want_secrets = up
            .get("path_secrets")
            .and_then(Value::as_array)
            .ok_or("missing path_secrets")?;

        let mut staged = tree.stage();
        let merged = merge_update_path(cs, &mut staged, sender, &path, &ctx.group_id)
            .map_err(|e| format!("sender {}: merge: {e}", sender.0))?;
        let th = staged.tree_hash(cs).map_err(|e| e.to_string())?;
        expect_hex(up, "tree_hash_after", th.as_slice())?;
        let ctx_bytes = gc(th.as_slice()).map_err(|e| e.to_string())?;
        for (j, (private, _)) in &privs {
            if *j == sender.0 {
                continue;
            }
            let out = decrypt_update_path(cs, &staged, &merged, &path, &[], &ctx_bytes, private)
                .map_err(|e| format!("sender {} receiver {j}: {e}", sender.0))?;
            let want = want_secrets
                .get(*j as usize)
                .and_then(Value::as_str)
                .ok_or("missing path secret")?;
            if hex::encode(out.path_secret.as_bytes()) != want {
                return Err(format!(
                    "sender {} receiver {j}: path secret differs",
                    sender.0
                ));
            }
            expect_hex(up, "commit_secret", out.commit_secret.as_bytes())?;
        }
        drop(staged);

        // Our own UpdatePath from the same sender, processed by everyone.
        let (_, sig) = privs.get(&sender.0).ok_or("sender has no private state")?;
        let template = tree.leaf(sender).ok_or("sender leaf blank")?.clone();
        let mut staged = tree.stage();
        let mut rng = TestRng::new(sender.0 as u64 + 1);
        let created = create_update_path(
            cs,
            &mut staged,
            PathParams {
                sender,
                leaf_template: template,
                signer: sig,
                group_id: &ctx.group_id,
                exclude: &[],
                group_context: &gc,
            },
            &mut rng,
        )
        .map_err(|e| format!("create: {e}"))?;
        drop(staged);
        let mut staged = tree.stage();
        let merged =
            merge_update_path(cs, &mut staged, sender, &created.update_path, &ctx.group_id)
                .map_err(|e| format!("own path: merge: {e}"))?;
        let th = staged.tree_hash(cs).map_err(|e| e.to_string())?;
        let ctx_bytes = gc(th.as_slice()).map_err(|e| e.to_string())?;
        for (j, (private, _)) in &privs {
            if *j == sender.0 {
                continue;
            }
            let out = decrypt_update_path(
                cs,
                &staged,
                &merged,
                &created.update_path,
                &[],
                &ctx_bytes,
                private,
            )
            .map_err(|e| format!("own path, receiver {j}: {e}"))?;
            if out.commit_secret != created.commit_secret {
                return Err(format!("own path, receiver {j}: commit secret differs"));
            }
        }
    }
    let _ = RatchetTree::default();
    Ok(())
}
