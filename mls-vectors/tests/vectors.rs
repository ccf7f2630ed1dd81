#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
//! Every official vector file with a checker, on every compiled-in backend.
//!
//! Entries of suites a backend declares must pass; entries of other suites
//! count as unsupported and must be exactly the entries of undeclared suites.
//! Missing vectors: a loud message, and a failure with MLS_REQUIRE_VECTORS=1.

use mls_core::crypto::CipherSuite;
use mls_vectors::{ALL_FILES, backends, checks, load, run_file, vectors_dir, vectors_required};

fn vectors_present() -> bool {
    if vectors_dir().join("MANIFEST.txt").exists() {
        return true;
    }
    let msg = format!(
        "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
         !!! RFC 9420 TEST VECTORS NOT FOUND at {}\n\
         !!! Set MLS_TEST_VECTORS to the official vectors directory.\n\
         !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n",
        vectors_dir().display()
    );
    assert!(
        !vectors_required(),
        "{msg}MLS_REQUIRE_VECTORS is set: missing vectors are a failure"
    );
    eprintln!("{msg}");
    false
}

fn run(file: &str) {
    if !vectors_present() {
        return;
    }
    let all = backends();
    assert!(!all.is_empty(), "no crypto backend compiled in");
    let entries = load(file).unwrap_or_else(|e| panic!("{e}"));
    for (name, provider) in all {
        let undeclared = entries
            .iter()
            .filter(|e| match e.get("cipher_suite").and_then(|v| v.as_u64()) {
                Some(id) => !provider
                    .supported_cipher_suites()
                    .contains(&CipherSuite(id as u16)),
                None => false,
            })
            .count();
        let o = run_file(provider, file).unwrap_or_else(|e| panic!("{e}"));
        println!(
            "vectors backend={name} file={file} passed={} failed={} unsupported={}",
            o.passed, o.failed, o.unsupported
        );
        assert!(o.failures.is_empty(), "{name} {file}: {:#?}", o.failures);
        assert_eq!(
            o.unsupported, undeclared,
            "{name} {file}: unsupported must be exactly the undeclared suites"
        );
        assert_eq!(o.passed + o.unsupported, entries.len());
        assert!(o.passed > 0, "{name} {file}: nothing passed");
    }
}

macro_rules! vector_tests {
    ($($name:ident => $file:literal),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                assert!(ALL_FILES.contains(&$file));
                assert!(checks::checker($file).is_some(), "no checker for {}", $file);
                run($file);
            }
        )*
    };
}

vector_tests! {
    rfc9420_appendix_c_tree_math => "tree-math.json",
    rfc9420_5_crypto_basics => "crypto-basics.json",
    rfc9420_2_1_2_deserialization => "deserialization.json",
    rfc9420_9_secret_tree => "secret-tree.json",
    rfc9420_8_key_schedule => "key-schedule.json",
    rfc9420_8_4_psk_secret => "psk_secret.json",
    rfc9420_7_tree_validation => "tree-validation.json",
    rfc9420_12_1_tree_operations => "tree-operations.json",
    rfc9420_7_6_treekem => "treekem.json",
    rfc9420_8_2_transcript_hashes => "transcript-hashes.json",
    rfc9420_6_messages_roundtrip => "messages.json",
    rfc9420_12_4_3_1_passive_client_welcome => "passive-client-welcome.json",
    rfc9420_12_4_2_passive_client_handling_commit => "passive-client-handling-commit.json",
    rfc9420_12_passive_client_random => "passive-client-random.json",
    rfc9420_6_message_protection => "message-protection.json",
    rfc9420_12_4_3_welcome => "welcome.json",
}
