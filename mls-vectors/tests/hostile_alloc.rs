//! Peak heap of adversarial inputs stays within a small constant times the
//! input size (a counting global allocator; one test in this binary so
//! that nothing else allocates meanwhile). The inputs are those of the
//! `hostile_inputs` benchmark.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::codec::decode;
use mls_core::group::{AcceptAllCredentials, NoPsks, ProcessEnv};
use mls_core::key_package::validate_key_package;
use mls_core::messages::KeyPackage;
use mls_core::tree::RatchetTree;
use mls_vectors::hostile::{
    blank_tree, commit_with_ciphertexts, commit_with_references, key_package_with_capabilities,
    target_group,
};
use mls_vectors::testkit::{SUITE, provider, suite};

#[global_allocator]
static ALLOC: mls_test_alloc::Counting = mls_test_alloc::Counting;

/// Peak bytes per input byte allowed. A blank tree node is one byte on the
/// wire; in memory it needs a share of the tree hashes (RFC 9420 §7.8)
/// and a pointer-sized slot.
const MAX_FACTOR: usize = 96;

#[test]
fn peak_heap_of_hostile_inputs_is_linear_in_their_size() {
    let (mut g, leaf) = target_group(5);
    let cs = suite(SUITE);
    let mut report = Vec::new();
    for n in [16_382usize, 32_766, 65_534] {
        let bytes = blank_tree(n, &leaf);
        let (r, peak) = mls_test_alloc::peak_during(|| RatchetTree::from_wire(cs, &bytes, 1 << 16));
        assert!(r.is_ok());
        report.push(("tree", bytes.len(), peak));
    }
    // Past the default limit: refused while read, the allocation bounded
    // by the limit, not the input.
    let bytes = blank_tree(1 << 20, &leaf);
    let (r, peak) = mls_test_alloc::peak_during(|| RatchetTree::from_wire(cs, &bytes, 1 << 16));
    assert!(r.is_err());
    assert!(
        peak < MAX_FACTOR * 131_072,
        "tree past the limit: {peak} bytes"
    );
    for n in [5_000usize, 10_000, 20_000] {
        let bytes = key_package_with_capabilities(SUITE, n, 6);
        let ((), peak) = mls_test_alloc::peak_during(|| {
            let kp: KeyPackage = decode(&bytes).unwrap();
            validate_key_package(cs, &kp, None).unwrap();
        });
        report.push(("key package", bytes.len(), peak));
    }
    for n in [5_000usize, 10_000, 20_000] {
        let bytes = commit_with_references(&g, n);
        let mut env = ProcessEnv {
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let (r, peak) =
            mls_test_alloc::peak_during(|| g.process_bytes(provider(), &bytes, &mut env).err());
        assert!(r.is_some(), "a forged commit was accepted");
        report.push(("commit", bytes.len(), peak));
    }
    for n in [5_000usize, 10_000, 20_000] {
        let bytes = commit_with_ciphertexts(&g, &leaf, n);
        let mut env = ProcessEnv {
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let (r, peak) =
            mls_test_alloc::peak_during(|| g.process_bytes(provider(), &bytes, &mut env).err());
        assert!(r.is_some(), "a forged commit was accepted");
        report.push(("path ciphertexts", bytes.len(), peak));
    }
    for (what, len, peak) in &report {
        eprintln!(
            "{what}: {len} bytes in, {peak} bytes peak ({}x)",
            peak / len
        );
        assert!(
            *peak <= MAX_FACTOR * len,
            "{what} of {len} bytes peaked at {peak} bytes"
        );
    }
}
