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

/// The staged tree's key lookups (RFC 9420 §7.3, §12.2 uniqueness) see
/// exactly the keys of the staged tree: those added, not those replaced
/// or removed, and the base's where the overlay has not replaced them.
#[test]
fn staged_key_lookups_follow_the_overlay() {
    let (_, provider) = mls_vectors::backends()[0];
    let cs = provider
        .cipher_suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
        .unwrap();
    let tree = full_tree(cs, 4, false, &mut TestRng::new(8)).tree;
    let template = tree.leaf(LeafIndex(0)).unwrap().clone();
    let leaf = |b: u8| {
        let mut l = template.clone();
        l.encryption_key = VLBytes::new(vec![b; 32]);
        l.signature_key = VLBytes::new(vec![b ^ 0x80; 32]);
        l
    };
    let base1 = tree.leaf(LeafIndex(1)).unwrap().clone();
    let mut staged = tree.stage();
    assert!(staged.encryption_key_in_use(base1.encryption_key.as_slice()));
    assert_eq!(
        staged.find_signature_key(base1.signature_key.as_slice()),
        Some(LeafIndex(1))
    );
    // Leaf 1 replaced: its old keys are gone, the new ones in use.
    staged.set_leaf(LeafIndex(1), Some(leaf(1)));
    assert!(!staged.encryption_key_in_use(base1.encryption_key.as_slice()));
    assert_eq!(
        staged.find_signature_key(base1.signature_key.as_slice()),
        None
    );
    assert!(staged.encryption_key_in_use(&[1; 32]));
    assert_eq!(staged.find_signature_key(&[0x81; 32]), Some(LeafIndex(1)));
    // Replaced again within the overlay, then removed.
    staged.set_leaf(LeafIndex(1), Some(leaf(2)));
    assert!(!staged.encryption_key_in_use(&[1; 32]));
    assert_eq!(staged.find_signature_key(&[0x81; 32]), None);
    staged.remove_leaf(LeafIndex(1));
    assert!(!staged.encryption_key_in_use(&[2; 32]));
    assert_eq!(staged.find_signature_key(&[0x82; 32]), None);
    // Added past the end (the tree grows), then cut off by a truncation.
    for k in 0..3 {
        staged.remove_leaf(LeafIndex(k));
    }
    staged.remove_leaf(LeafIndex(3));
    let i = staged.add_leaf(leaf(7));
    assert_eq!(staged.find_signature_key(&[0x87; 32]), Some(i));
    staged.remove_leaf(i);
    staged.truncate();
    assert!(!staged.encryption_key_in_use(&[7; 32]));
    assert_eq!(staged.find_signature_key(&[0x87; 32]), None);
}
