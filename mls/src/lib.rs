//! # mls
//!
//! Messaging Layer Security (RFC 9420) for applications: the client layer
//! of [`mls_core`] with a crypto backend chosen by a cargo feature.
//!
//! | feature | backend | suites |
//! |---|---|---|
//! | `rustcrypto` (default) | RustCrypto | all seven of RFC 9420 |
//! | `awslc` | aws-lc-rs | 1, 2, 3, 5, 7 |
//! | `ring` | ring | 1, 2, 3, 7 |
//! | `libcrux` | libcrux | 1, 2, 3 |
//!
//! Switching backends is changing the feature: the code stays the same.
//! With several features on, [`provider`] is the first of that list.
//!
//! ```
//! use mls::{Client, ClientOptions, Event, MemoryStorage, SUITE_1};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut alice = mls::client(b"alice", SUITE_1, ClientOptions::default(), MemoryStorage::default())?;
//! let mut bob = mls::client(b"bob", SUITE_1, ClientOptions::default(), MemoryStorage::default())?;
//! alice.create_group(b"g")?;
//! let out = alice.group(b"g")?.add_members(&[&bob.key_package()?])?;
//! alice.group(b"g")?.confirm_commit()?;
//! bob.join(out.welcome.as_deref().unwrap_or_default())?;
//! let msg = alice.group(b"g")?.send(b"hi")?;
//! assert!(matches!(bob.group(b"g")?.receive(&msg)?, Event::Message { .. }));
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(not(any(
    feature = "rustcrypto",
    feature = "awslc",
    feature = "ring",
    feature = "libcrux"
)))]
compile_error!("enable one backend feature: rustcrypto, awslc, ring or libcrux");

pub use mls_core::client::{
    Client, ClientError, ClientOptions, CommitMessages, Event, GroupHandle, Member,
};
pub use mls_core::crypto::{CipherSuite, CryptoProvider, Rng, Signer};
pub use mls_core::group::{GroupConfig, LeafIndex};
pub use mls_core::storage::{MemoryStorage, Storage};
pub use mls_core::{codec, crypto, error, group, key_package, messages, storage};

/// MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, served by every backend.
pub const SUITE_1: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

/// The crypto provider of the backend the features chose.
pub fn provider() -> &'static dyn CryptoProvider {
    #[cfg(feature = "rustcrypto")]
    return mls_crypto_rustcrypto::provider();
    #[cfg(all(feature = "awslc", not(feature = "rustcrypto")))]
    return mls_crypto_awslc::provider();
    #[cfg(all(feature = "ring", not(any(feature = "rustcrypto", feature = "awslc"))))]
    return mls_crypto_ring::provider();
    #[cfg(all(
        feature = "libcrux",
        not(any(feature = "rustcrypto", feature = "awslc", feature = "ring"))
    ))]
    return mls_crypto_libcrux::provider();
}

/// The operating system's randomness, from the chosen backend.
pub fn system_rng() -> Box<dyn Rng + Send> {
    #[cfg(feature = "rustcrypto")]
    return Box::new(mls_crypto_rustcrypto::SystemRng);
    #[cfg(all(feature = "awslc", not(feature = "rustcrypto")))]
    return Box::new(mls_crypto_awslc::SystemRng);
    #[cfg(all(feature = "ring", not(any(feature = "rustcrypto", feature = "awslc"))))]
    return Box::new(mls_crypto_ring::SystemRng::default());
    #[cfg(all(
        feature = "libcrux",
        not(any(feature = "rustcrypto", feature = "awslc", feature = "ring"))
    ))]
    return Box::new(mls_crypto_libcrux::SystemRng);
}

/// A client with a fresh signature key and the basic credential
/// `identity`, on the chosen backend and its system randomness.
pub fn client<S: Storage>(
    identity: &[u8],
    suite: CipherSuite,
    options: ClientOptions,
    storage: S,
) -> Result<Client<S>, ClientError<S::Error>> {
    Client::new(provider(), suite, identity, options, storage, system_rng())
}
