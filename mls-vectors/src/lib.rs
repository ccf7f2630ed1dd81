//! The official RFC 9420 test vectors (mlswg/mls-implementations), run
//! against every crypto backend this crate is built with.
//!
//! The vector files are not part of this repository. They are read at run
//! time from `$MLS_TEST_VECTORS`, or from `../shared/mls-test-vectors` next
//! to the workspace root, and each file's sha256 is checked against the
//! `MANIFEST.txt` found there. When they are missing, every run says so
//! loudly; with `MLS_REQUIRE_VECTORS=1` (as CI sets it) that is a failure.
//!
//! Each vector file has a checker in [`checks`]; an entry whose cipher suite
//! the backend does not declare counts as `unsupported`, never as passed, and
//! an entry of a declared suite can only pass or fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod checks;
pub mod fixtures;
pub mod hostile;
pub mod mutate;
pub mod scenario;
pub mod testkit;

use std::fmt;
use std::path::{Path, PathBuf};

use mls_core::crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider};
use serde_json::Value;

/// Every vector file the official suite ships, in a stable order.
pub const ALL_FILES: &[&str] = &[
    "tree-math.json",
    "crypto-basics.json",
    "deserialization.json",
    "secret-tree.json",
    "key-schedule.json",
    "psk_secret.json",
    "transcript-hashes.json",
    "message-protection.json",
    "messages.json",
    "welcome.json",
    "tree-operations.json",
    "tree-validation.json",
    "treekem.json",
    "passive-client-welcome.json",
    "passive-client-handling-commit.json",
    "passive-client-random.json",
];

/// The backends compiled in, by name.
#[allow(clippy::vec_init_then_push)]
pub fn backends() -> Vec<(&'static str, &'static dyn CryptoProvider)> {
    #[allow(unused_mut)]
    let mut v: Vec<(&'static str, &'static dyn CryptoProvider)> = Vec::new();
    #[cfg(feature = "rustcrypto")]
    v.push(("rustcrypto", mls_crypto_rustcrypto::provider()));
    #[cfg(feature = "ring")]
    v.push(("ring", mls_crypto_ring::provider()));
    #[cfg(feature = "awslc")]
    v.push(("awslc", mls_crypto_awslc::provider()));
    #[cfg(feature = "libcrux")]
    v.push(("libcrux", mls_crypto_libcrux::provider()));

    v
}

/// Where the vectors are: `$MLS_TEST_VECTORS`, else `../shared/mls-test-vectors`
/// beside the workspace root.
pub fn vectors_dir() -> PathBuf {
    // A relative path is taken relative to the workspace root, so that
    // `MLS_TEST_VECTORS=../shared/mls-test-vectors` means the same to
    // `cargo xtask` (run from the root) and to test binaries (run from
    // their crate directory).
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    match std::env::var_os("MLS_TEST_VECTORS") {
        Some(p) if Path::new(&p).is_absolute() => PathBuf::from(p),
        Some(p) => workspace.join(p),
        None => workspace.join("../shared/mls-test-vectors"),
    }
}

/// True when `MLS_REQUIRE_VECTORS=1`: missing vectors are then a failure.
pub fn vectors_required() -> bool {
    std::env::var("MLS_REQUIRE_VECTORS").is_ok_and(|v| v == "1" || v == "true")
}

/// Why a vector file could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// The directory or the file is not there.
    Missing(PathBuf),
    /// The file's sha256 is not the one in the MANIFEST.
    ChecksumMismatch {
        file: String,
        expected: String,
        actual: String,
    },
    /// The file is not listed in the MANIFEST.
    NotInManifest(String),
    /// The file is not valid JSON.
    Json(String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing(p) => write!(
                f,
                "MLS TEST VECTORS MISSING: {} not found (set MLS_TEST_VECTORS to the directory of the official vectors)",
                p.display()
            ),
            Self::ChecksumMismatch {
                file,
                expected,
                actual,
            } => {
                write!(
                    f,
                    "{file}: sha256 {actual} does not match MANIFEST {expected}"
                )
            }
            Self::NotInManifest(file) => write!(f, "{file}: not listed in MANIFEST.txt"),
            Self::Json(e) => write!(f, "invalid JSON: {e}"),
        }
    }
}

fn manifest_sha256(dir: &Path, file: &str) -> Result<String, LoadError> {
    let manifest_path = dir.join("MANIFEST.txt");
    let manifest =
        std::fs::read_to_string(&manifest_path).map_err(|_| LoadError::Missing(manifest_path))?;
    for line in manifest.lines() {
        let mut cols = line.split_whitespace();
        if cols.next() == Some(file) {
            let _bytes = cols.next();
            if let Some(h) = cols.next() {
                return Ok(h.to_ascii_lowercase());
            }
        }
    }
    Err(LoadError::NotInManifest(file.to_string()))
}

/// Loads a vector file after checking its sha256 against the MANIFEST.
pub fn load(file: &str) -> Result<Vec<Value>, LoadError> {
    use sha2::Digest;
    let dir = vectors_dir();
    let path = dir.join(file);
    let bytes = std::fs::read(&path).map_err(|_| LoadError::Missing(path))?;
    let expected = manifest_sha256(&dir, file)?;
    let actual = hex::encode(sha2::Sha256::digest(&bytes));
    if actual != expected {
        return Err(LoadError::ChecksumMismatch {
            file: file.to_string(),
            expected,
            actual,
        });
    }
    match serde_json::from_slice::<Value>(&bytes).map_err(|e| LoadError::Json(e.to_string()))? {
        Value::Array(v) => Ok(v),
        other => Ok(vec![other]),
    }
}

/// The result of one checker on one entry.
#[derive(Debug)]
pub enum Verdict {
    /// Every value matched.
    Pass,
    /// The entry's suite is not declared by the backend.
    Unsupported,
    /// Something did not match; the message says what.
    Fail(String),
}

/// Totals for one (backend, file).
#[derive(Debug, Default)]
pub struct Outcome {
    /// Entries that passed.
    pub passed: usize,
    /// Entries that failed.
    pub failed: usize,
    /// Entries whose suite the backend does not declare.
    pub unsupported: usize,
    /// One line per failure (entry index and reason).
    pub failures: Vec<String>,
}

/// Runs every entry of `file` against `provider`.
pub fn run_file(provider: &dyn CryptoProvider, file: &str) -> Result<Outcome, LoadError> {
    let entries = load(file)?;
    let checker = checks::checker(file);
    let mut out = Outcome::default();
    for (i, entry) in entries.iter().enumerate() {
        let verdict = match checker {
            Some(check) => {
                match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    check(provider, entry)
                })) {
                    Ok(v) => v,
                    Err(_) => Verdict::Fail("checker panicked".into()),
                }
            }
            None => Verdict::Fail("no checker implemented for this file".into()),
        };
        match verdict {
            Verdict::Pass => out.passed += 1,
            Verdict::Unsupported => out.unsupported += 1,
            Verdict::Fail(why) => {
                out.failed += 1;
                out.failures.push(format!("entry {i}: {why}"));
            }
        }
    }
    Ok(out)
}

/// The suite provider for an entry's `cipher_suite`, or `None` when the
/// backend does not declare it.
pub fn suite_of<'a>(
    provider: &'a dyn CryptoProvider,
    entry: &Value,
) -> Option<&'a dyn CipherSuiteProvider> {
    let id = entry.get("cipher_suite")?.as_u64()?;
    let cs = CipherSuite(u16::try_from(id).ok()?);
    if !provider.supported_cipher_suites().contains(&cs) {
        return None;
    }
    provider.cipher_suite(cs)
}

/// Hex field `key` of `v`, decoded.
pub fn hex_field(v: &Value, key: &str) -> Result<Vec<u8>, String> {
    let s = v
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing field {key}"))?;
    hex::decode(s).map_err(|e| format!("field {key}: {e}"))
}

/// Integer field `key` of `v`.
pub fn u64_field(v: &Value, key: &str) -> Result<u64, String> {
    v.get(key)
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("missing integer field {key}"))
}

/// Compares `got` with the hex field `key` of `v`.
pub fn expect_hex(v: &Value, key: &str, got: &[u8]) -> Result<(), String> {
    let want = hex_field(v, key)?;
    if want == got {
        Ok(())
    } else {
        Err(format!(
            "{key}: expected {}, got {}",
            hex::encode(want),
            hex::encode(got)
        ))
    }
}

/// A deterministic random source for checks that need fresh randomness
/// (SplitMix64; not cryptographic, test use only).
#[derive(Debug, Clone)]
pub struct TestRng(u64);

impl TestRng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl mls_core::crypto::Rng for TestRng {
    fn fill(&mut self, out: &mut [u8]) -> Result<(), mls_core::crypto::CryptoError> {
        for chunk in out.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        Ok(())
    }
}
