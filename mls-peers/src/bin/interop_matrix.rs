//! `cargo xtask interop`: the interop matrix (scenario × roles × suite),
//! then `N passed, M failed`.
//!
//! Arguments: `--suite N` (repeatable), `--filter SUBSTRING`, `--seeds N`
//! (deep random cells, default 3), `--quiet` (failures and n/a only).

use std::process::ExitCode;

use mls_peers::scenarios::{Cell, Outcome, SUITES, deep, roles_for, run_cell, scenarios};

/// Why mls-rs with its aws-lc provider is not a peer.
const AWSLC_NA: &str = "mls-rs-crypto-awslc 0.27 (the release for mls-rs 0.57) pins aws-lc-rs =1.18.1; \
our mls-crypto-awslc needs aws-lc-rs 1.19 and one Cargo.lock cannot hold two semver-compatible \
versions of a crate";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut suites: Vec<u16> = Vec::new();
    let mut filter = String::new();
    let mut seeds = 3u64;
    let mut quiet = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match (a.as_str(), it.clone().next()) {
            ("--suite", Some(v)) => {
                suites.push(v.parse().unwrap_or(0));
                it.next();
            }
            ("--filter", Some(v)) => {
                filter = v.clone();
                it.next();
            }
            ("--seeds", Some(v)) => {
                seeds = v.parse().unwrap_or(3);
                it.next();
            }
            ("--quiet", _) => quiet = true,
            _ => {
                eprintln!("usage: interop-matrix [--suite N].. [--filter S] [--seeds N] [--quiet]");
                return ExitCode::from(2);
            }
        }
    }
    if suites.is_empty() {
        suites = SUITES.to_vec();
    }
    println!("| scenario | roles | suite | result |");
    println!("|---|---|---|---|");
    let mut cells: Vec<Cell> = Vec::new();
    let print = |c: &Cell| {
        if !quiet || c.outcome != Outcome::Pass {
            println!(
                "| {} | {} | {:#06x} | {} |",
                c.scenario, c.roles, c.suite, c.outcome
            );
        }
    };
    for s in scenarios() {
        if !s.name.contains(&filter) {
            continue;
        }
        for &suite in &suites {
            for roles in roles_for(suite) {
                let c = run_cell(&s, suite, roles);
                print(&c);
                cells.push(c);
            }
        }
    }
    if "deep_random".contains(&filter) && suites.contains(&1) {
        for seed in 1..=seeds {
            let c = deep(seed);
            print(&c);
            cells.push(c);
        }
    }
    // mls-rs on its aws-lc provider: one n/a row for all its cells.
    println!(
        "| * | mls-rs (aws-lc) in any role | 0x0001,0x0002,0x0003,0x0005,0x0007 | n/a ({AWSLC_NA}) |"
    );
    let passed = cells.iter().filter(|c| c.outcome == Outcome::Pass).count();
    let failed = cells
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Fail(_)))
        .count();
    let na = cells.len() - passed - failed + 1;
    println!();
    println!("{na} not applicable");
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
