//! `cargo xtask mutate [--count N] [--seed S] [--no-vectors]`: the mutation
//! test of `mls_vectors::mutate` over the official passive-client vectors
//! and the scenario driver, on the reference backend. Prints the inputs
//! tried, rejected, accepted as void, accepted (not void), panics and state
//! changes after a rejection; exits non-zero on any panic, state change,
//! non-void acceptance or unmutated message that was not accepted.

use std::process::ExitCode;
use std::time::Instant;

use mls_vectors::mutate::{Options, run as run_mutations};

pub fn run(args: &[String]) -> ExitCode {
    let mut options = Options {
        count: 100_000,
        ..Options::default()
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--count" => match it.next().and_then(|s| s.parse().ok()) {
                Some(n) => options.count = n,
                None => return crate::usage(),
            },
            "--seed" => match it.next().and_then(|s| parse_u64(s)) {
                Some(n) => options.seed = n,
                None => return crate::usage(),
            },
            "--no-vectors" => options.vectors = false,
            _ => return crate::usage(),
        }
    }
    let started = Instant::now();
    let report = run_mutations(mls_vectors::testkit::provider(), options);
    println!("{report}");
    println!(
        "mutate: seed {:#x}, {:.1} s",
        options.seed,
        started.elapsed().as_secs_f64()
    );
    let required_missing = report.vectors_missing && mls_vectors::vectors_required();
    if report.clean() && !required_missing {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn parse_u64(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}
