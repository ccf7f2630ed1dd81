//! tree-validation.json: resolutions (RFC 9420 §4.1.1), tree hashes (§7.8),
//! parent-hash validity (§7.9.2) and leaf signatures (§7.3) of a tree.

use mls_core::codec::decode;
use mls_core::crypto::{CipherSuiteProvider, CryptoProvider};
use mls_core::messages::RatchetTree as RatchetTreeExt;
use mls_core::tree::{RatchetTree, TreeRead, ValidationOptions, resolution};
use mls_core::tree_math::NodeIndex;
use serde_json::Value;

use super::with_suite;
use crate::{Verdict, hex_field};

pub fn check(provider: &dyn CryptoProvider, entry: &Value) -> Verdict {
    with_suite(provider, entry, |cs| run(cs, entry))
}

pub(crate) fn load_tree(cs: &dyn CipherSuiteProvider, bytes: &[u8]) -> Result<RatchetTree, String> {
    let nodes: RatchetTreeExt = decode(bytes).map_err(|e| format!("tree decode: {e}"))?;
    RatchetTree::from_nodes(cs, nodes.0).map_err(|e| format!("tree shape: {e:?}"))
}

fn run(cs: &dyn CipherSuiteProvider, entry: &Value) -> Result<(), String> {
    let tree = load_tree(cs, &hex_field(entry, "tree")?)?;
    let resolutions = entry
        .get("resolutions")
        .and_then(Value::as_array)
        .ok_or("missing resolutions")?;
    let hashes = entry
        .get("tree_hashes")
        .and_then(Value::as_array)
        .ok_or("missing tree_hashes")?;
    if hashes.len() as u32 != tree.node_width() || resolutions.len() as u32 != tree.node_width() {
        return Err(format!(
            "tree width {} vs {} hashes",
            tree.node_width(),
            hashes.len()
        ));
    }
    for (i, want) in resolutions.iter().enumerate() {
        let want: Vec<u32> = want
            .as_array()
            .ok_or("resolution not an array")?
            .iter()
            .filter_map(Value::as_u64)
            .map(|v| v as u32)
            .collect();
        let got: Vec<u32> = resolution(&tree, NodeIndex(i as u32), &[])
            .into_iter()
            .map(|n| n.0)
            .collect();
        if got != want {
            return Err(format!(
                "resolution of node {i}: got {got:?}, expected {want:?}"
            ));
        }
    }
    for (i, want) in hashes.iter().enumerate() {
        let want =
            hex::decode(want.as_str().ok_or("hash not a string")?).map_err(|e| e.to_string())?;
        let got = tree
            .compute_node_hash(cs, NodeIndex(i as u32))
            .map_err(|e| format!("hash of node {i}: {e}"))?;
        if got.as_slice() != want.as_slice() {
            return Err(format!("tree hash of node {i} differs"));
        }
    }
    let group_id = hex_field(entry, "group_id")?;
    tree.validate(
        cs,
        &ValidationOptions {
            group_id: &group_id,
            tree_hash: None,
            now: None,
        },
    )
    .map_err(|e| format!("validation: {e:?}"))?;
    Ok(())
}
