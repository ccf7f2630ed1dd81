//! What an attacker's input costs before it is authenticated, at two sizes
//! each (RFC 9420 §15: "Denial of Service"): a ratchet tree of blanks as a
//! Welcome carries it, a KeyPackage listing thousands of capability
//! entries, a Commit of thousands of proposal references from a
//! non-member. Growth must be linear: twice the input, under 2.5 times the
//! time and the peak memory.
//!
//! Before the criterion runs, a summary table gives, per input, its size,
//! the median of a few timed runs and the peak heap (a counting global
//! allocator), with the ratios between the two sizes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mls_core::codec::decode;
use mls_core::group::{AcceptAllCredentials, NoPsks, ProcessEnv};
use mls_core::key_package::validate_key_package;
use mls_core::messages::KeyPackage;
use mls_core::tree::RatchetTree;
use mls_vectors::hostile::{
    blank_tree, commit_with_references, key_package_with_capabilities, target_group,
};
use mls_vectors::testkit::{SUITE, provider, suite};

#[global_allocator]
static ALLOC: mls_test_alloc::Counting = mls_test_alloc::Counting;

/// One adversarial input family at two sizes.
struct Case {
    name: &'static str,
    sizes: [usize; 2],
    /// Builds the input of a size.
    make: fn(usize) -> Vec<u8>,
    /// Processes it (the outcome does not matter, the cost does).
    run: fn(&[u8]),
}

fn tree_input(n: usize) -> Vec<u8> {
    let (_, leaf) = target_group(1);
    blank_tree(n, &leaf)
}

fn tree_run(bytes: &[u8]) {
    let _ = RatchetTree::from_wire(suite(SUITE), bytes, 1 << 16);
}

fn kp_input(n: usize) -> Vec<u8> {
    key_package_with_capabilities(SUITE, n, 2)
}

fn kp_run(bytes: &[u8]) {
    if let Ok(kp) = decode::<KeyPackage>(bytes) {
        let _ = validate_key_package(suite(SUITE), &kp, None);
    }
}

fn commit_input(n: usize) -> Vec<u8> {
    let (g, _) = target_group(3);
    commit_with_references(&g, n)
}

fn commit_run(bytes: &[u8]) {
    thread_local! {
        static G: std::cell::RefCell<mls_core::group::Group> =
            std::cell::RefCell::new(target_group(3).0);
    }
    G.with(|g| {
        let mut env = ProcessEnv {
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let _ = g.borrow_mut().process_bytes(provider(), bytes, &mut env);
    });
}

const CASES: [Case; 3] = [
    Case {
        name: "ratchet_tree_blanks",
        sizes: [32_766, 65_534],
        make: tree_input,
        run: tree_run,
    },
    Case {
        name: "key_package_capabilities",
        sizes: [10_000, 20_000],
        make: kp_input,
        run: kp_run,
    },
    Case {
        name: "commit_references",
        sizes: [10_000, 20_000],
        make: commit_input,
        run: commit_run,
    },
];

/// Median of `runs` timed runs and the peak heap of one.
fn measure(case: &Case, input: &[u8], runs: usize) -> (Duration, usize) {
    (case.run)(input); // warm-up (thread-locals, caches)
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            (case.run)(input);
            t.elapsed()
        })
        .collect();
    times.sort();
    let ((), peak) = mls_test_alloc::peak_during(|| (case.run)(input));
    (times[runs / 2], peak)
}

fn summary() {
    println!("| input | entries | bytes | median | peak heap | time ratio | memory ratio |");
    println!("|---|---|---|---|---|---|---|");
    for case in &CASES {
        let mut prev: Option<(Duration, usize)> = None;
        for &n in &case.sizes {
            let input = (case.make)(n);
            let (t, peak) = measure(case, &input, 7);
            let (tr, mr) = match prev {
                Some((pt, pm)) => (
                    format!("{:.2}x", t.as_secs_f64() / pt.as_secs_f64().max(1e-9)),
                    format!("{:.2}x", peak as f64 / (pm as f64).max(1.0)),
                ),
                None => ("-".into(), "-".into()),
            };
            println!(
                "| {} | {n} | {} | {:.3} ms | {} KiB | {tr} | {mr} |",
                case.name,
                input.len(),
                t.as_secs_f64() * 1e3,
                peak / 1024,
            );
            prev = Some((t, peak));
        }
    }
}

fn hostile_inputs(c: &mut Criterion) {
    summary();
    for case in &CASES {
        let mut g = c.benchmark_group(format!("hostile_inputs/{}", case.name));
        g.sample_size(10);
        for &n in &case.sizes {
            let input = (case.make)(n);
            g.bench_function(BenchmarkId::from_parameter(n), |b| {
                b.iter(|| (case.run)(&input))
            });
        }
        g.finish();
    }
}

criterion_group!(benches, hostile_inputs);
criterion_main!(benches);
