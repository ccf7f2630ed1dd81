//! Seeded multi-member scenarios over every backend (RFC 9420 §12): adds,
//! removes, updates, by-reference proposals, PSKs, application messages
//! delivered out of order, snapshots. Every epoch, all members must agree
//! on the epoch authenticator, tree hash and exporter output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::crypto::CipherSuite;
use mls_vectors::backends;
use mls_vectors::scenario::Scenario;

/// Operations per backend, across 10+ members.
const OPERATIONS: usize = 1000;

#[test]
fn rfc9420_12_scenario_1000_operations_per_backend() {
    for (name, provider) in backends() {
        let mut s = Scenario::new(provider, CipherSuite(1), 0xC0FFEE);
        // Grow to 12 members first, then random operations.
        s.add_members(5);
        s.add_members(6);
        assert!(s.active().len() >= 10, "{name}: group did not grow");
        let mut max_members = s.active().len();
        while s.operations < OPERATIONS {
            s.random_operation();
            max_members = max_members.max(s.active().len());
        }
        s.exchange_messages();
        s.check_agreement();
        eprintln!(
            "{name}: {} operations ({} external commits), up to {max_members} members, {} messages delivered",
            s.operations, s.external_joins, s.messages_delivered
        );
        assert!(s.messages_delivered > 0);
        assert!(s.external_joins > 0, "{name}: no external commit exercised");
        assert!(s.late_messages > 0, "{name}: no late message exercised");
    }
}

#[test]
fn rfc9420_12_scenario_every_served_suite() {
    for (name, provider) in backends() {
        for &suite in provider.supported_cipher_suites() {
            let mut s = Scenario::new(provider, suite, suite.0 as u64);
            s.add_members(3);
            for _ in 0..12 {
                s.random_operation();
            }
            s.exchange_messages();
            s.check_agreement();
            eprintln!("{name} {suite:?}: {} operations ok", s.operations);
        }
    }
}

/// The same operations with every handshake message sent as PrivateMessage
/// (RFC 9420 §6.3): proposals and commits under the handshake ratchets.
#[test]
fn rfc9420_6_3_scenario_with_encrypted_handshake() {
    let config = mls_core::group::GroupConfig {
        encrypt_handshake: true,
        ..Default::default()
    };
    for (name, provider) in backends() {
        let mut s = Scenario::with_config(provider, CipherSuite(1), 0xBEEF, config);
        s.add_members(4);
        while s.operations < 120 {
            s.random_operation();
        }
        s.exchange_messages();
        s.check_agreement();
        eprintln!(
            "{name}: {} operations with encrypted handshake",
            s.operations
        );
    }
}
