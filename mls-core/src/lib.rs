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
//! - `parallel` (std): runs the embarrassingly parallel parts on rayon's
//!   current thread pool: HPKE seals to many recipients (Welcome,
//!   UpdatePath), signature checks of many leaves (joins, bulk adds), tree
//!   hashing on import. The results are byte-identical to the serial path
//!   (randomness is drawn serially, in the serial order); inside a
//!   one-thread pool (`rayon::ThreadPool::install`) everything runs on the
//!   calling thread.
//!
//! Never enable the last three in an application.
//!
//! # The driver loop
//!
//! The core is sans-IO: the application moves the bytes. Alice creates a
//! group and adds Bob with one commit; she sends the commit and merges it
//! once the delivery service accepted it; Bob joins from the Welcome;
//! they exchange a message; Bob commits an update that Alice processes and
//! merges; both derive the same exporter secret.
//!
//! ```
//! use mls_core::codec::{Encode, VLBytes, decode};
//! use mls_core::crypto::{CipherSuite, CryptoProvider};
//! use mls_core::group::{
//!     AcceptAllCredentials, CommitEnv, CommitOptions, Group, GroupConfig, MemberIdentity,
//!     NoPsks, ProcessEnv, Received,
//! };
//! use mls_core::key_package::{KeyPackageParams, generate_key_package};
//! use mls_core::messages::{
//!     Add, Capabilities, Credential, Lifetime, MlsMessage, MlsMessageBody, Proposal,
//! };
//!
//! # fn main() -> Result<(), mls_core::Error> {
//! let provider = mls_crypto_rustcrypto::provider();
//! let mut rng = mls_crypto_rustcrypto::OsRng;
//! const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
//! let cs = provider.cipher_suite(SUITE).ok_or(mls_core::error::CryptoError::Unsupported)?;
//! let caps = Capabilities { cipher_suites: [SUITE].into(), ..Capabilities::default() };
//! let forever = Lifetime { not_before: 0, not_after: u64::MAX };
//!
//! // Alice creates the group.
//! let (alice_key, alice_pub) = cs.signature().generate_key_pair(&mut rng)?;
//! let mut alice = Group::create(
//!     provider,
//!     SUITE,
//!     b"group".to_vec(),
//!     MemberIdentity {
//!         credential: Credential::Basic(VLBytes::new(b"alice".to_vec())),
//!         signature_key: alice_key.into(),
//!         signature_public_key: alice_pub,
//!         capabilities: caps.clone(),
//!         extensions: vec![],
//!         lifetime: forever.clone(),
//!     },
//!     vec![],
//!     GroupConfig::default(),
//!     &mut rng,
//! )?;
//!
//! // Bob publishes a KeyPackage and keeps its private part.
//! let (bob_key, _) = cs.signature().generate_key_pair(&mut rng)?;
//! let (bob_kp, bob_private) = generate_key_package(
//!     cs,
//!     KeyPackageParams {
//!         signer: &bob_key,
//!         credential: Credential::Basic(VLBytes::new(b"bob".to_vec())),
//!         capabilities: caps,
//!         lifetime: forever,
//!         leaf_extensions: vec![],
//!         extensions: vec![],
//!     },
//!     &mut rng,
//! )?;
//!
//! // Alice commits the Add; the commit stays pending until she merges it.
//! let add = Proposal::Add(Add { key_package: bob_kp.clone() });
//! let out = alice.commit(
//!     provider,
//!     CommitOptions { proposals: vec![add], ..CommitOptions::default() },
//!     &mut CommitEnv { rng: &mut rng, psks: &NoPsks, credentials: &AcceptAllCredentials, now: None },
//! )?;
//! let welcome_bytes = out.welcome.map(|w| w.encode()).transpose()?.unwrap_or_default();
//! alice.merge_pending()?; // the delivery service accepted the commit
//!
//! // Bob joins from the Welcome's bytes.
//! let mut env = ProcessEnv { psks: &NoPsks, credentials: &AcceptAllCredentials, now: None };
//! let MlsMessage { body: MlsMessageBody::Welcome(welcome), .. } = decode(&welcome_bytes)? else {
//!     unreachable!("a Welcome")
//! };
//! let mut bob = Group::join(
//!     provider,
//!     &welcome,
//!     &bob_kp,
//!     bob_private,
//!     bob_key,
//!     None,
//!     &mut env,
//!     GroupConfig::default(),
//! )?;
//!
//! // Alice protects an application message; Bob processes its bytes.
//! let msg = alice.protect(provider, b"hello", b"", &mut rng)?.encode()?;
//! match bob.process_bytes(provider, &msg, &mut env)? {
//!     Received::Application { data, .. } => assert_eq!(data, b"hello"),
//!     _ => unreachable!("an application message"),
//! }
//!
//! // Bob updates his keys; Alice stages his commit and merges it.
//! let update = bob.commit(
//!     provider,
//!     CommitOptions { force_path: true, ..CommitOptions::default() },
//!     &mut CommitEnv { rng: &mut rng, psks: &NoPsks, credentials: &AcceptAllCredentials, now: None },
//! )?;
//! bob.merge_pending()?;
//! match alice.process_bytes(provider, &update.commit.encode()?, &mut env)? {
//!     Received::Commit(staged) => alice.merge_staged(*staged)?,
//!     _ => unreachable!("a commit"),
//! }
//! let (a, b) = (alice.export(provider, b"l", b"", 32)?, bob.export(provider, b"l", b"", 32)?);
//! assert!(a.as_bytes() == b.as_bytes());
//! # Ok(())
//! # }
//! ```

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod client;
pub mod codec;
pub mod crypto;
pub mod error;
pub mod group;
pub mod key_package;
pub mod messages;
pub mod storage;

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

mod par;

pub use error::Error;

// The README's examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
