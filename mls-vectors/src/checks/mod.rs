//! One checker per vector file. A checker gets the backend and one JSON
//! entry and returns a [`Verdict`].

use mls_core::crypto::CryptoProvider;
use serde_json::Value;

use crate::Verdict;

mod crypto_basics;
mod deserialization;
mod key_schedule;
mod message_protection;
mod messages;
mod passive_client;
mod psk_secret;
mod secret_tree;
mod transcript_hashes;
mod tree_math;
mod tree_operations;
mod tree_validation;
mod treekem;
mod welcome;

/// A checker for one entry of a vector file.
pub type Checker = fn(&dyn CryptoProvider, &Value) -> Verdict;

/// The checker for a vector file, if one exists.
pub fn checker(file: &str) -> Option<Checker> {
    Some(match file {
        "tree-math.json" => tree_math::check,
        "deserialization.json" => deserialization::check,
        "crypto-basics.json" => crypto_basics::check,
        "secret-tree.json" => secret_tree::check,
        "key-schedule.json" => key_schedule::check,
        "psk_secret.json" => psk_secret::check,
        "tree-validation.json" => tree_validation::check,
        "tree-operations.json" => tree_operations::check,
        "treekem.json" => treekem::check,
        "messages.json" => messages::check,
        "transcript-hashes.json" => transcript_hashes::check,
        "passive-client-welcome.json"
        | "passive-client-handling-commit.json"
        | "passive-client-random.json" => passive_client::check,
        "message-protection.json" => message_protection::check,
        "welcome.json" => welcome::check,
        _ => return None,
    })
}

/// Turns a `Result` of a check into a [`Verdict`].
pub(crate) fn verdict(r: Result<(), String>) -> Verdict {
    match r {
        Ok(()) => Verdict::Pass,
        Err(e) => Verdict::Fail(e),
    }
}

/// Runs `f` with the entry's suite, or reports it unsupported.
pub(crate) fn with_suite(
    provider: &dyn CryptoProvider,
    entry: &Value,
    f: impl FnOnce(&dyn mls_core::crypto::CipherSuiteProvider) -> Result<(), String>,
) -> Verdict {
    match crate::suite_of(provider, entry) {
        Some(cs) => verdict(f(cs)),
        None => Verdict::Unsupported,
    }
}
