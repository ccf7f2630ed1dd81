//! # mls-core
//!
//! The sans-IO core of Messaging Layer Security (RFC 9420). It reads no
//! clock, owns no random number generator, no storage and no crypto library:
//! time, randomness and a [`crypto::CryptoProvider`] are arguments of every
//! call that needs them, so any run can be replayed exactly.
//!
//! Modules follow the RFC's concepts:
//! - [`codec`]: the wire encoding (§2.1).
//! - [`crypto`]: the crypto traits, the suite registry (§17.1), secrets, the
//!   labeled operations (§5, §8) and a generic RFC 9180 HPKE.
//! - [`tree_math`]: array-based tree math (Appendix C).
//! - [`key_schedule`]: epoch secrets, exporter, epoch authenticator (§8), PSKs (§8.4).
//! - [`secret_tree`]: per-sender hash ratchets (§9).
//! - [`transcript`]: transcript hashes and the confirmation tag (§8.2).
//! - [`framing`]: signing and protecting messages: PublicMessage and
//!   membership tag, PrivateMessage encryption (§6).
//! - [`key_package`]: KeyPackage generation and validation (§10, §10.1).
//! - [`welcome`]: GroupInfo signatures and Welcome encryption (§12.4.3).
//! - [`tree`], [`treekem`]: the ratchet tree with cached hashes and staged
//!   overlays (§4, §7), UpdatePaths (§7.4–§7.6).
//! - [`group`]: the group state machine users program against: proposals,
//!   commits, Welcome and external joins, PSKs, reinit and branch (§11,
//!   §12), snapshots.
//!
//! Features: `std` (default) encodes through `tls_codec`'s writer traits,
//! one buffer per message instead of one vector per field. `test-utils`
//! exposes hooks that forge messages for negative tests; never enable it
//! in an application.
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod codec;
pub mod crypto;
pub mod error;
pub mod framing;
pub mod group;
pub mod group_context;
pub mod key_package;
pub mod key_schedule;
pub mod messages;
pub mod secret_tree;
pub mod transcript;
pub mod tree;
pub mod tree_math;
pub mod treekem;
pub mod welcome;

pub use error::Error;
