//! The shared conformance harness (`mls_core::crypto::conformance`) over
//! every backend compiled in: RFC known answers and round-trip / tamper
//! checks for every suite each backend declares.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::crypto::conformance::check_provider;
use mls_vectors::{TestRng, backends};

#[test]
fn every_backend_passes_the_conformance_harness() {
    for (name, provider) in backends() {
        let n = check_provider(provider, &mut TestRng::new(11))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(n, provider.supported_cipher_suites().len(), "{name}");
    }
}
