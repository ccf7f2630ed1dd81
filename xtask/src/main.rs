//! `cargo xtask <task>`: the maintainer's commands.
//!
//! - `vectors [--backend NAME|all] [--file NAME[,NAME..]]`: runs the official
//!   RFC 9420 vectors, one line per (backend, file), then `N passed, M failed`.
//! - `test`: the full test run CI does (fmt, clippy, tests with vectors required).
//! - `fuzz [TARGET|all] [SECONDS] [--seconds N]`: runs cargo-fuzz targets
//!   of `fuzz/`, one job at a time, N seconds (default 60) each; prints
//!   executions and crashes per target, then `N crashes` (see `fuzz.rs`).
//! - `fuzz-corpus`: writes seed corpora into `fuzz/corpus/<target>/`.
//! - `bench [--quick] [--large] [--filter S] [--n LIST] [--render-only]`:
//!   the benchmark report (see `bench_report.rs`): measures every operation
//!   for mls-core, OpenMLS and mls-rs, writes `target/bench-report/`
//!   (`results.jsonl`, SVG plots, `index.html`) and prints the tables.
//!   `bench --criterion [--quick] [FILTER]` and `bench --peers` run the
//!   criterion benchmarks as before (a FILTER alone implies `--criterion`).
//! - `mutate [--count N] [--seed S]`: the mutation test (see `mutate.rs`).
//! - `interop [--suite N].. [--filter S] [--seeds N] [--quiet]`: the interop
//!   matrix against OpenMLS and mls-rs, then `N passed, M failed` (see
//!   `interop.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bench_report;
mod fuzz;
mod interop;
mod mutate;

use std::process::{Command, ExitCode};

pub(crate) fn usage() -> ExitCode {
    eprintln!(
        "usage: cargo xtask <task>\n\
         tasks:\n  vectors [--backend NAME|all] [--file NAME[,NAME..]]   run the official RFC 9420 vectors\n  \
         test                                                  fmt, clippy and every test, vectors required\n  \
         matrix                                                backend x cipher-suite table\n  \
         bench [--quick] [--large] [--filter S] [--n LIST]     the benchmark report: every operation for mls-core (every\n  \
         \x20     [--render-only]                                 backend and suite), OpenMLS and mls-rs; tables on stdout,\n  \
         \x20                                                     JSON lines, SVG plots, index.html in target/bench-report/\n  \
         bench --criterion [--quick] [FILTER] | --peers        criterion benchmarks (mls-vectors; --peers: mls-peers)\n  \
         fuzz [TARGET|all] [SECONDS] [--seconds N]             run cargo-fuzz targets (one job, default 60 s each),\n  \
         \x20                                                     then `N crashes`; needs `cargo install cargo-fuzz`\n  \
         fuzz-corpus                                           seed corpora from the vectors and the scenario driver\n  \
         mutate [--count N] [--seed S]                         mutation test of process and join (default 100000)\n  \
         interop [--suite N].. [--filter S] [--seeds N] [--quiet]  interop matrix vs OpenMLS and mls-rs (mls-peers)"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("vectors") => vectors(&args[1..]),
        Some("test") => test(),
        Some("matrix") => matrix(),
        Some("bench") => bench(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("fuzz-corpus") => fuzz::corpus(),
        Some("mutate") => mutate::run(&args[1..]),
        Some("interop") => interop::run(&args[1..]),
        _ => usage(),
    }
}

fn vectors(args: &[String]) -> ExitCode {
    let mut backend = "all".to_string();
    // By default every file that has a checker; the rest are named below.
    let mut files: Vec<String> = mls_vectors::ALL_FILES
        .iter()
        .filter(|f| mls_vectors::checks::checker(f).is_some())
        .map(|s| s.to_string())
        .collect();
    let unchecked: Vec<&str> = mls_vectors::ALL_FILES
        .iter()
        .copied()
        .filter(|f| mls_vectors::checks::checker(f).is_none())
        .collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--backend" => match it.next() {
                Some(b) => backend = b.clone(),
                None => return usage(),
            },
            "--file" => match it.next() {
                Some(f) => {
                    files = f
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                }
                None => return usage(),
            },
            _ => return usage(),
        }
    }
    let all = mls_vectors::backends();
    let selected: Vec<_> = all
        .iter()
        .filter(|(n, _)| backend == "all" || *n == backend)
        .collect();
    if selected.is_empty() {
        let names: Vec<_> = all.iter().map(|(n, _)| *n).collect();
        eprintln!("unknown or not compiled-in backend '{backend}'; compiled in: {names:?}");
        return ExitCode::FAILURE;
    }
    if !unchecked.is_empty() && !args.iter().any(|a| a == "--file") {
        eprintln!("note: no checker yet for {}", unchecked.join(", "));
    }
    let (mut passed, mut failed) = (0usize, 0usize);
    for (name, provider) in selected {
        for file in &files {
            match mls_vectors::run_file(*provider, file) {
                Ok(o) => {
                    println!(
                        "vectors backend={name} file={file} passed={} failed={} unsupported={}",
                        o.passed, o.failed, o.unsupported
                    );
                    for f in o.failures.iter().take(10) {
                        eprintln!("  FAIL {name} {file} {f}");
                    }
                    passed += o.passed;
                    failed += o.failed;
                }
                Err(e) => {
                    eprintln!("!!! {e}");
                    println!("vectors backend={name} file={file} passed=0 failed=1 unsupported=0");
                    failed += 1;
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

pub(crate) fn run(cmd: &mut Command) -> bool {
    eprintln!("$ {cmd:?}");
    cmd.status().map(|s| s.success()).unwrap_or(false)
}

fn test() -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let ok = run(Command::new(&cargo).args(["fmt", "--all", "--", "--check"]))
        && run(Command::new(&cargo).args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
        && run(Command::new(&cargo)
            .args(["test", "--workspace"])
            .env("MLS_REQUIRE_VECTORS", "1"));
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Prints the backend × suite tables: `native`, `composed (<part> from <lib>)`
/// or `-`. First the RFC 9420 suites, then the post-quantum suites of
/// draft-ietf-mls-pq-ciphersuites-06 (provisional private-use code points),
/// one row per suite since the "composed" cells are long.
fn matrix() -> ExitCode {
    use mls_core::crypto::CipherSuite;
    let backends = mls_vectors::backends();
    let cell = |provider: &dyn mls_core::crypto::CryptoProvider, s: CipherSuite| {
        if !provider.supported_cipher_suites().contains(&s) {
            "-".to_string()
        } else {
            let parts = provider.borrowed_parts(s);
            if parts.is_empty() {
                "native".to_string()
            } else {
                let list: Vec<String> = parts
                    .iter()
                    .map(|b| format!("{} from {}", b.part, b.from))
                    .collect();
                format!("composed ({})", list.join("; "))
            }
        }
    };
    let suites = CipherSuite::RFC9420;
    let mut header = String::from("| backend |");
    let mut rule = String::from("|---|");
    for s in suites {
        header.push_str(&format!(" {:#06x} |", s.0));
        rule.push_str("---|");
    }
    println!("{header}");
    println!("{rule}");
    for (name, provider) in &backends {
        let mut row = format!("| {name} |");
        for s in suites {
            row.push_str(&format!(" {} |", cell(*provider, s)));
        }
        println!("{row}");
    }
    println!();
    println!(
        "Post-quantum suites (draft-ietf-mls-pq-ciphersuites-06; provisional private-use values)"
    );
    println!();
    let mut header = String::from("| value | suite | KEM |");
    let mut rule = String::from("|---|---|---|");
    for (name, _) in &backends {
        header.push_str(&format!(" {name} |"));
        rule.push_str("---|");
    }
    println!("{header}");
    println!("{rule}");
    for s in CipherSuite::PQ.into_iter().chain(CipherSuite::PQ_ALIASES) {
        let Some(info) = s.info() else { continue };
        let mut row = format!("| {:#06x} | {} | {:?} |", s.0, info.name, info.kem);
        for (_, provider) in &backends {
            row.push_str(&format!(" {} |", cell(*provider, s)));
        }
        println!("{row}");
    }
    ExitCode::SUCCESS
}

/// `bench`: the report, unless `--criterion`, `--peers` or a criterion
/// FILTER (an argument not starting with `--`) asks for criterion.
fn bench(args: &[String]) -> ExitCode {
    let mut criterion = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            // The report's options with a value.
            "--filter" | "--n" => {
                it.next();
            }
            "--criterion" | "--peers" => criterion = true,
            a if !a.starts_with("--") => criterion = true,
            _ => {}
        }
    }
    if criterion {
        let rest: Vec<String> = args
            .iter()
            .filter(|a| *a != "--criterion")
            .cloned()
            .collect();
        criterion_bench(&rest)
    } else {
        bench_report::run(args)
    }
}

/// Runs the criterion benchmarks of `mls-vectors`: every backend compiled in,
/// every suite it serves. `--quick` shortens measurement; a FILTER selects
/// benchmark IDs (e.g. `hpke`, `aead`, `tree_hash`). `--peers` runs the
/// side-by-side benchmark of `mls-peers` (mls-core, mls-rs, OpenMLS) instead.
fn criterion_bench(args: &[String]) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    let package = if args.iter().any(|a| a == "--peers") {
        "mls-peers"
    } else {
        "mls-vectors"
    };
    cmd.args(["bench", "-p", package]);
    if package == "mls-peers" {
        // The criterion bench only: the report takes other options.
        cmd.args(["--bench", "peers"]);
    }
    cmd.arg("--");
    for a in args {
        if a == "--peers" {
            continue;
        } else if a == "--quick" {
            cmd.args(["--warm-up-time", "1", "--measurement-time", "2"]);
        } else {
            cmd.arg(a);
        }
    }
    if run(&mut cmd) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
