//! # mls-core
//!
//! The sans-IO core of Messaging Layer Security (RFC 9420). It reads no
//! clock, owns no random number generator, no storage and no crypto library:
//! time, randomness and a [`crypto::CryptoProvider`] are arguments of every
//! call that needs them, so any run can be replayed exactly.
//!
//! # The application API
//!
//! - [`group`]: the group state machine: create, join (Welcome or external
//!   commit), propose, commit, process, merge, protect, export, snapshots
//!   (RFC 9420 §8.5, §11, §12).
//! - [`key_package`]: making and checking KeyPackages (§10).
//! - [`messages`]: the wire structs an application sends, receives and
//!   stores (§6, §7, §10, §12).
//! - [`codec`]: encoding and decoding them (§2.1).
//! - [`crypto`]: the traits a crypto backend implements, the suite registry
//!   (§5, §17.1) and the generic RFC 9180 HPKE backends build on.
//! - [`error`]: every error, by layer.
//!
//! # The layers below (feature `hazmat`)
//!
//! These modules are public only with the `hazmat` feature, for the
//! official test vectors, benchmarks and fuzzers. They skip the group's
//! checks and their API is unstable: applications never need them.
//!
//! - `tree_math`: array-based tree math (Appendix C).
//! - `tree`, `treekem`: the ratchet tree with cached hashes and staged
//!   overlays (§4, §7), UpdatePaths (§7.4–§7.6).
//! - `key_schedule`: epoch secrets, exporter, PSKs (§8, §8.4).
//! - `secret_tree`: per-sender hash ratchets (§9).
//! - `transcript`: transcript hashes and the confirmation tag (§8.2).
//! - `protect`: signing and protecting messages, PublicMessage and
//!   PrivateMessage (§6).
//! - `seal_welcome`: GroupInfo signatures, Welcome encryption (§12.4.3).
//! - `crypto::labeled`: the labeled operations (§5.1, §8).
//!
//! # Features
//!
//! - `std` (default): encodes through `tls_codec`'s writer traits.
//! - `hazmat`: the layers above, unstable.
//! - `test-utils`: hooks that forge messages for negative tests.
//! - `conformance`: the crypto backend conformance harness, for backend
//!   crates' tests.
//!
//! Never enable the last three in an application.
//!
//! # The driver loop
//!
//! ```
//! # use mls_core::group::*;
//! # use mls_core::key_package::{KeyPackageParams, generate_key_package};
//! # fn demo(provider: &dyn mls_core::crypto::CryptoProvider, rng: &mut dyn mls_core::crypto::Rng) -> Result<(), mls_core::error::Error> { Ok(()) }
//! ```
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
pub mod group;
pub mod key_package;
pub mod messages;

// The layers below the group: public with `hazmat` (unstable, check-
// skipping), private otherwise. Without `hazmat`, what only the vectors
// and benches call is unused here.
macro_rules! layers {
    ($($name:ident),* $(,)?) => {
        $(
            #[cfg(feature = "hazmat")]
            pub mod $name;
            #[cfg(not(feature = "hazmat"))]
            #[allow(dead_code, unreachable_pub)]
            mod $name;
        )*
    };
}
layers!(
    key_schedule,
    protect,
    seal_welcome,
    secret_tree,
    transcript,
    tree,
    tree_math,
    treekem
);

pub use error::Error;
