//! Tree hash inputs (RFC 9420 §7.8) and parent hashes (§7.9), written
//! straight into a caller's buffer.

use alloc::vec::Vec;

use crate::codec::{CodecError, Encode, write_opaque};
use crate::crypto::{CipherSuiteProvider, Digest};
use crate::messages::{LeafNode, ParentNode};

/// Appends the encoded `TreeHashInput` of a leaf:
///
/// ```text
/// struct { NodeType node_type = leaf(1);
///          uint32 leaf_index; optional<LeafNode> leaf_node; }
/// ```
pub fn tree_hash_input_leaf(
    leaf_index: u32,
    leaf: Option<&LeafNode>,
    out: &mut Vec<u8>,
) -> Result<(), CodecError> {
    out.push(1);
    out.extend_from_slice(&leaf_index.to_be_bytes());
    match leaf {
        None => out.push(0),
        Some(l) => {
            out.push(1);
            l.encode_into(out)?;
        }
    }
    Ok(())
}

/// Appends the encoded `TreeHashInput` of a parent:
///
/// ```text
/// struct { NodeType node_type = parent(2);
///          optional<ParentNode> parent_node;
///          opaque left_hash<V>; opaque right_hash<V>; }
/// ```
pub fn tree_hash_input_parent(
    parent: Option<&ParentNode>,
    left_hash: &[u8],
    right_hash: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), CodecError> {
    out.push(2);
    match parent {
        None => out.push(0),
        Some(p) => {
            out.push(1);
            p.encode_into(out)?;
        }
    }
    write_opaque(left_hash, out)?;
    write_opaque(right_hash, out)
}

/// The parent hash of a node (RFC 9420 §7.9):
///
/// ```text
/// struct { HPKEPublicKey encryption_key; opaque parent_hash<V>;
///          opaque original_sibling_tree_hash<V>; } ParentHashInput;
/// ```
pub fn parent_hash(
    cs: &dyn CipherSuiteProvider,
    encryption_key: &[u8],
    parent_hash_above: &[u8],
    original_sibling_tree_hash: &[u8],
) -> Result<Digest, CodecError> {
    let mut buf = Vec::with_capacity(
        encryption_key.len() + parent_hash_above.len() + original_sibling_tree_hash.len() + 8,
    );
    write_opaque(encryption_key, &mut buf)?;
    write_opaque(parent_hash_above, &mut buf)?;
    write_opaque(original_sibling_tree_hash, &mut buf)?;
    Ok(cs.hash().hash(&buf))
}
