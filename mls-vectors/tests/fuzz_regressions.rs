//! Regressions of inputs found by the fuzz targets of `fuzz/`, each named
//! after the rule it broke. A rejected input must leave the state unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::codec::CodecError;
use mls_core::crypto::{CipherSuite, CryptoProvider};
use mls_core::error::Error;
use mls_core::group::GroupConfig;
use mls_vectors::TestRng;
use mls_vectors::scenario::Scenario;

fn provider() -> &'static dyn CryptoProvider {
    mls_vectors::backends()[0].1
}

/// A padding block no `opaque<V>` can carry (a corrupted snapshot restored
/// one of ~1.9 GB; `usize::MAX` made the length arithmetic overflow) is a
/// typed error of `protect`, not a panic or a huge allocation, and the
/// application ratchet is not consumed.
#[test]
fn rfc9420_6_3_1_protect_refuses_padding_past_the_vector_limit_without_panicking() {
    for block in [usize::MAX, (1 << 30) + 7] {
        let config = GroupConfig {
            padding_block: block,
            ..GroupConfig::default()
        };
        let mut s = Scenario::with_config(provider(), CipherSuite(1), 11, config);
        s.add_members(1);
        let g = s.members[0].group.as_mut().unwrap();
        let before = g.to_bytes().unwrap();
        let r = g.protect(provider(), b"x", b"", &mut TestRng::new(5));
        assert_eq!(
            r.map(|_| ()),
            Err(Error::from(CodecError::InvalidLength)),
            "padding block {block}"
        );
        assert_eq!(g.to_bytes().unwrap().as_bytes(), before.as_bytes());
    }
}
