//! tree-operations.json: applying Add, Update and Remove proposals to a
//! tree (RFC 9420 §12.1.1–§12.1.3) and the tree hashes before and after.

use mls_core::codec::{Encode, decode};
use mls_core::crypto::{CipherSuiteProvider, CryptoProvider};
use mls_core::messages::{Proposal, RatchetTree as RatchetTreeExt};
use mls_core::tree::TreeRead;
use mls_core::tree_math::LeafIndex;
use serde_json::Value;

use super::tree_validation::load_tree;
use super::with_suite;
use crate::{Verdict, expect_hex, hex_field, u64_field};

pub fn check(provider: &dyn CryptoProvider, entry: &Value) -> Verdict {
    with_suite(provider, entry, |cs| run(cs, entry))
}

fn run(cs: &dyn CipherSuiteProvider, entry: &Value) -> Result<(), String> {
    let mut tree = load_tree(cs, &hex_field(entry, "tree_before")?)?;
    expect_hex(
        entry,
        "tree_hash_before",
        tree.tree_hash().ok_or("no hash")?,
    )?;
    let proposal: Proposal =
        decode(&hex_field(entry, "proposal")?).map_err(|e| format!("proposal: {e}"))?;
    let sender = LeafIndex(u64_field(entry, "proposal_sender")? as u32);
    let mut staged = tree.stage();
    match proposal {
        Proposal::Add(add) => {
            staged.add_leaf(add.key_package.leaf_node);
        }
        Proposal::Update(update) => {
            staged.set_leaf(sender, Some(update.leaf_node));
            staged.blank_direct_path(sender);
        }
        Proposal::Remove(remove) => {
            staged.remove_leaf(remove.removed);
            staged.truncate();
        }
        other => return Err(format!("unexpected proposal {other:?}")),
    }
    let staged_hash = staged.tree_hash(cs).map_err(|e| e.to_string())?;
    let diff = staged.finish(cs).map_err(|e| e.to_string())?;
    tree.apply(diff);
    expect_hex(entry, "tree_hash_after", staged_hash.as_slice())?;
    expect_hex(entry, "tree_hash_after", tree.tree_hash().ok_or("no hash")?)?;
    let after = RatchetTreeExt(tree.to_nodes())
        .encode()
        .map_err(|e| e.to_string())?;
    expect_hex(entry, "tree_after", &after)?;
    // The merged tree's cache must equal a from-scratch computation.
    let fresh = load_tree(cs, &after)?;
    for x in 0..fresh.node_width() {
        let x = mls_core::tree_math::NodeIndex(x);
        if fresh.node_hash(x) != tree.node_hash(x) {
            return Err(format!("cached hash of node {} stale after merge", x.0));
        }
    }
    Ok(())
}
