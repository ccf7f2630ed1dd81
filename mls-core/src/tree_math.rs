//! Tree math over the array representation of a left-balanced binary tree
//! (RFC 9420 §4.1, Appendix C).
//!
//! Leaves sit at even node indices, parents at odd ones; a tree of `n`
//! leaves (a power of two in MLS) has `2n - 1` nodes. All functions are
//! O(log n), allocation-free, and total: an index outside the tree yields
//! `None` rather than a panic.

#[allow(unused_imports)]
use alloc::format;
#[allow(unused_imports)]
use alloc::vec::Vec;

/// A leaf index (the member's position among the leaves). On the wire a
/// `uint32` (RFC 9420 §12.1.3 `Remove`).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    tls_codec::TlsSize,
    tls_codec::TlsSerializeBytes,
    tls_codec::TlsDeserializeBytes,
)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct LeafIndex(pub u32);

/// A node index in the array representation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeIndex(pub u32);

impl LeafIndex {
    /// The node index of this leaf: 2 * leaf.
    pub fn node(self) -> NodeIndex {
        NodeIndex(self.0.wrapping_mul(2))
    }
}

impl NodeIndex {
    /// The leaf index of a leaf node, `None` for a parent node.
    pub fn leaf(self) -> Option<LeafIndex> {
        (self.0 % 2 == 0).then_some(LeafIndex(self.0 / 2))
    }

    /// True for leaf nodes (even indices).
    pub fn is_leaf(self) -> bool {
        self.0 % 2 == 0
    }
}

/// The level of a node: 0 for leaves, the number of trailing one bits otherwise.
pub fn level(x: NodeIndex) -> u32 {
    x.0.trailing_ones()
}

/// Number of nodes for `n_leaves` leaves: 2n - 1 (0 for an empty tree).
pub fn node_width(n_leaves: u32) -> u32 {
    if n_leaves == 0 {
        0
    } else {
        2 * (n_leaves - 1) + 1
    }
}

/// The root of a tree with `n_leaves` leaves (`n_leaves` ≥ 1).
pub fn root(n_leaves: u32) -> NodeIndex {
    let w = node_width(n_leaves);
    if w <= 1 {
        return NodeIndex(0);
    }
    // (1 << log2(w)) - 1
    NodeIndex((1u32 << (31 - w.leading_zeros())) - 1)
}

/// The left child of an intermediate node.
pub fn left(x: NodeIndex) -> Option<NodeIndex> {
    let k = level(x);
    (k > 0).then(|| NodeIndex(x.0 ^ (1 << (k - 1))))
}

/// The right child of an intermediate node.
pub fn right(x: NodeIndex) -> Option<NodeIndex> {
    let k = level(x);
    (k > 0).then(|| NodeIndex(x.0 ^ (3 << (k - 1))))
}

/// The parent of a node in a tree of `n_leaves` leaves; `None` for the root
/// or a node outside the tree.
pub fn parent(x: NodeIndex, n_leaves: u32) -> Option<NodeIndex> {
    if x.0 >= node_width(n_leaves) || x == root(n_leaves) {
        return None;
    }
    let k = level(x);
    if k >= 31 {
        return None;
    }
    let b = (x.0 >> (k + 1)) & 1;
    Some(NodeIndex((x.0 | (1 << k)) ^ (b << (k + 1))))
}

/// The other child of the node's parent.
pub fn sibling(x: NodeIndex, n_leaves: u32) -> Option<NodeIndex> {
    let p = parent(x, n_leaves)?;
    if x.0 < p.0 { right(p) } else { left(p) }
}

/// An iterator over the direct path of `x` (its ancestors, root last,
/// excluding `x`).
pub fn direct_path(x: NodeIndex, n_leaves: u32) -> impl Iterator<Item = NodeIndex> {
    let mut cur = parent(x, n_leaves);
    core::iter::from_fn(move || {
        let c = cur?;
        cur = parent(c, n_leaves);
        Some(c)
    })
}

/// An iterator over the copath of `x`: the sibling of `x` and of each node
/// of its direct path except the root.
pub fn copath(x: NodeIndex, n_leaves: u32) -> impl Iterator<Item = NodeIndex> {
    let mut cur = Some(x);
    core::iter::from_fn(move || {
        let c = cur?;
        let s = sibling(c, n_leaves);
        cur = parent(c, n_leaves);
        s
    })
}

/// True when `ancestor` is `x` or one of its ancestors.
pub fn is_ancestor_or_self(ancestor: NodeIndex, x: NodeIndex) -> bool {
    let k = level(ancestor);
    (x.0 >> (k + 1)) == (ancestor.0 >> (k + 1)) && {
        let lo = ancestor.0 - ((1u32 << k) - 1).min(ancestor.0);
        let hi = ancestor.0 + ((1u32 << k) - 1);
        x.0 >= lo && x.0 <= hi
    }
}

/// The parent of `x` in an unbounded tree (Appendix C, without the root check).
fn parent_unbounded(x: NodeIndex) -> NodeIndex {
    let k = level(x);
    if k >= 30 {
        return x;
    }
    let b = (x.0 >> (k + 1)) & 1;
    NodeIndex((x.0 | (1 << k)) ^ (b << (k + 1)))
}

/// The lowest common ancestor of two nodes (either may be the ancestor of
/// the other).
pub fn common_ancestor(x: NodeIndex, y: NodeIndex) -> NodeIndex {
    let (mut x, mut y) = (x, y);
    // At most 2 * 31 steps: each step raises one side by a level.
    for _ in 0..64 {
        if x == y {
            break;
        }
        if level(x) <= level(y) {
            x = parent_unbounded(x);
        } else {
            y = parent_unbounded(y);
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appendix_c_small_tree() {
        // 4 leaves: nodes 0..7, root 3.
        assert_eq!(root(4), NodeIndex(3));
        assert_eq!(root(1), NodeIndex(0));
        assert_eq!(root(8), NodeIndex(7));
        assert_eq!(left(NodeIndex(3)), Some(NodeIndex(1)));
        assert_eq!(right(NodeIndex(3)), Some(NodeIndex(5)));
        assert_eq!(left(NodeIndex(0)), None);
        assert_eq!(parent(NodeIndex(0), 4), Some(NodeIndex(1)));
        assert_eq!(parent(NodeIndex(3), 4), None);
        assert_eq!(parent(NodeIndex(99), 4), None);
        assert_eq!(sibling(NodeIndex(4), 4), Some(NodeIndex(6)));
        let dp: alloc::vec::Vec<_> = direct_path(NodeIndex(0), 4).collect();
        assert_eq!(dp, [NodeIndex(1), NodeIndex(3)]);
        let cp: alloc::vec::Vec<_> = copath(NodeIndex(0), 4).collect();
        assert_eq!(cp, [NodeIndex(2), NodeIndex(5)]);
        assert_eq!(common_ancestor(NodeIndex(0), NodeIndex(6)), NodeIndex(3));
        assert_eq!(common_ancestor(NodeIndex(0), NodeIndex(2)), NodeIndex(1));
        assert_eq!(common_ancestor(NodeIndex(1), NodeIndex(2)), NodeIndex(1));
        assert_eq!(common_ancestor(NodeIndex(4), NodeIndex(6)), NodeIndex(5));
        assert_eq!(common_ancestor(NodeIndex(0), NodeIndex(14)), NodeIndex(7));
        assert_eq!(common_ancestor(NodeIndex(5), NodeIndex(4)), NodeIndex(5));
        assert!(is_ancestor_or_self(NodeIndex(3), NodeIndex(6)));
        assert!(!is_ancestor_or_self(NodeIndex(1), NodeIndex(4)));
    }
}
