//! The ratchet tree caches parent hashes only (a leaf's hash is recomputed
//! when needed; a one-leaf tree keeps its leaf's, the root's): after any
//! change, shrinking to one leaf and growing again included, every node's
//! hash equals that of the same tree built from scratch.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::codec::VLBytes;
use mls_core::crypto::{CipherSuite, CipherSuiteProvider};
use mls_core::tree::{RatchetTree, TreeRead};
use mls_core::tree_math::{LeafIndex, NodeIndex, node_width};
use mls_vectors::TestRng;
use mls_vectors::fixtures::full_tree;

fn same_as_rebuilt(cs: &dyn CipherSuiteProvider, t: &RatchetTree, what: &str) {
    let fresh = RatchetTree::from_nodes(cs, t.to_nodes()).expect("rebuild");
    assert_eq!(t.tree_hash(), fresh.tree_hash(), "{what}: root");
    assert!(t.tree_hash().is_some(), "{what}: a root hash");
    for x in 0..node_width(t.n_leaves()) {
        let x = NodeIndex(x);
        assert_eq!(
            t.compute_node_hash(cs, x).unwrap().as_slice(),
            fresh.compute_node_hash(cs, x).unwrap().as_slice(),
            "{what}: node {}",
            x.0
        );
        // Parents are cached, leaves are not (but a lone leaf).
        assert_eq!(
            t.node_hash(x).is_some(),
            x.0 % 2 == 1 || t.n_leaves() == 1,
            "{what}: node {} cached",
            x.0
        );
    }
}

#[test]
fn cached_hashes_match_a_rebuilt_tree_through_shrinking_and_growing() {
    let (_, provider) = mls_vectors::backends()[0];
    let cs = provider
        .cipher_suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
        .unwrap();
    let mut rng = TestRng::new(5);
    let mut tree = full_tree(cs, 8, false, &mut rng).tree;
    same_as_rebuilt(cs, &tree, "full");
    let template = tree.leaf(LeafIndex(3)).unwrap().clone();

    // Down to one leaf.
    let mut staged = tree.stage();
    for i in 1..8 {
        staged.remove_leaf(LeafIndex(i));
    }
    staged.truncate();
    let diff = staged.finish(cs).unwrap();
    tree.apply(diff);
    assert_eq!(tree.n_leaves(), 1);
    same_as_rebuilt(cs, &tree, "one leaf");

    // Back up to five, one at a time and then three at once.
    for round in 0..2u8 {
        let mut staged = tree.stage();
        for k in 0..(1 + 2 * round) {
            let mut leaf = template.clone();
            leaf.encryption_key = VLBytes::new(vec![round * 16 + k + 1; 32]);
            leaf.signature_key = VLBytes::new(vec![round * 16 + k + 100; 32]);
            staged.add_leaf(leaf);
        }
        let diff = staged.finish(cs).unwrap();
        tree.apply(diff);
        same_as_rebuilt(cs, &tree, &format!("grown, round {round}"));
    }
    assert_eq!(tree.n_leaves(), 8);
    assert_eq!(tree.members().count(), 5);
}
