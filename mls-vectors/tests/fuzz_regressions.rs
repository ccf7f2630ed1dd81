//! Regressions of inputs found by the fuzz targets of `fuzz/`, each named
//! after the rule it broke. A rejected input must leave the state unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::codec::Encode;
use mls_core::crypto::CipherSuite;
use mls_core::group::{Group, GroupConfig, MAX_PADDING_BLOCK, Received};
use mls_vectors::TestRng;
use mls_vectors::scenario::Scenario;
use mls_vectors::testkit::{process, provider};

/// A padding block no `opaque<V>` could carry (a corrupted snapshot
/// restored one of ~1.9 GB; `usize::MAX` made the length arithmetic
/// overflow) is capped at `MAX_PADDING_BLOCK`: `protect` neither panics nor
/// allocates gigabytes, the message still decrypts, and the group still
/// round-trips through a snapshot.
#[test]
fn rfc9420_6_3_1_protect_caps_a_huge_padding_block_without_panicking() {
    for block in [usize::MAX, (1 << 30) + 7] {
        let config = GroupConfig {
            padding_block: block,
            ..GroupConfig::default()
        };
        let mut s = Scenario::with_config(provider(), CipherSuite(1), 11, config);
        s.add_members(1);
        let g = s.members[0].group.as_mut().unwrap();
        let msg = g
            .protect(provider(), b"x", b"", &mut TestRng::new(5))
            .unwrap();
        let len = msg.encode().unwrap().len();
        assert!(
            (MAX_PADDING_BLOCK..MAX_PADDING_BLOCK + 512).contains(&len),
            "padding block {block}: {len} bytes"
        );
        let restored = Group::from_bytes(provider(), g.to_bytes().unwrap().as_bytes()).unwrap();
        assert_eq!(
            restored.to_bytes().unwrap().as_bytes(),
            g.to_bytes().unwrap().as_bytes()
        );
        let data = match process(s.members[1].group.as_mut().unwrap(), &msg).unwrap() {
            Received::Application { data, .. } => data,
            other => panic!("{other:?}"),
        };
        assert_eq!(data, b"x");
    }
}
