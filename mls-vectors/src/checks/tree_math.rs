//! tree-math.json: Appendix C tree math over every node of trees of 1..n leaves.

use mls_core::crypto::CryptoProvider;
use mls_core::tree_math::{self, NodeIndex};
use serde_json::Value;

use super::verdict;
use crate::{Verdict, u64_field};

fn opt_list(entry: &Value, key: &str) -> Result<Vec<Option<u32>>, String> {
    entry
        .get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("missing {key}"))?
        .iter()
        .map(|v| match v {
            Value::Null => Ok(None),
            v => v
                .as_u64()
                .map(|x| Some(x as u32))
                .ok_or_else(|| format!("bad {key} value")),
        })
        .collect()
}

pub fn check(_: &dyn CryptoProvider, entry: &Value) -> Verdict {
    verdict((|| {
        let n_leaves = u64_field(entry, "n_leaves")? as u32;
        let n_nodes = u64_field(entry, "n_nodes")? as u32;
        if tree_math::node_width(n_leaves) != n_nodes {
            return Err("n_nodes".into());
        }
        if tree_math::root(n_leaves).0 as u64 != u64_field(entry, "root")? {
            return Err("root".into());
        }
        let (left, right, parent, sibling) = (
            opt_list(entry, "left")?,
            opt_list(entry, "right")?,
            opt_list(entry, "parent")?,
            opt_list(entry, "sibling")?,
        );
        for x in 0..n_nodes {
            let i = x as usize;
            let n = NodeIndex(x);
            let got = [
                tree_math::left(n).map(|v| v.0),
                tree_math::right(n).map(|v| v.0),
                tree_math::parent(n, n_leaves).map(|v| v.0),
                tree_math::sibling(n, n_leaves).map(|v| v.0),
            ];
            let want = [
                left.get(i).copied().flatten(),
                right.get(i).copied().flatten(),
                parent.get(i).copied().flatten(),
                sibling.get(i).copied().flatten(),
            ];
            if got != want {
                return Err(format!("node {x}: got {got:?}, expected {want:?}"));
            }
        }
        Ok(())
    })())
}
