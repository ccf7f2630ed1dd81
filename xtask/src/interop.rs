//! `cargo xtask interop [--suite N].. [--filter S] [--seeds N] [--quiet]`:
//! the interop matrix of `mls-peers` (scenario × roles × suite against
//! OpenMLS and mls-rs: `pass`, `fail` or `n/a (reason)`), closing with
//! `N passed, M failed`.
//!
//! The peers are dependencies of `mls-peers` only, so the matrix runs as
//! its `interop-matrix` binary (release build: the deep random scenario
//! and P-256/P-384 suites are slow unoptimised).

use std::process::{Command, ExitCode};

pub fn run(args: &[String]) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args([
        "run",
        "--release",
        "--quiet",
        "-p",
        "mls-peers",
        "--bin",
        "interop-matrix",
        "--",
    ]);
    cmd.args(args);
    match cmd.status() {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("cannot run cargo: {e}");
            ExitCode::FAILURE
        }
    }
}
