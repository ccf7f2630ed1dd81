//! A `ratchet_tree` extension from the wire, built and validated as a
//! joiner does (RFC 9420 §12.4.3.1): errors, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mls_core::codec::decode;
use mls_core::messages::RatchetTree as RatchetTreeExt;
use mls_core::tree::{RatchetTree, ValidationOptions};

fuzz_target!(|data: &[u8]| {
    let cs = mls_fuzz::cs();
    let Ok(ext) = decode::<RatchetTreeExt>(data) else {
        return;
    };
    let Ok(tree) = RatchetTree::from_nodes(cs, ext.0) else {
        return;
    };
    // Without the tree-hash check, so the per-node checks are reached.
    let _ = tree.validate(
        cs,
        &ValidationOptions {
            group_id: b"fuzz group",
            tree_hash: None,
            now: Some(1),
        },
    );
    let _ = tree.to_nodes();
    let _ = tree.members().count();
});
