//! `cargo xtask fuzz` and `cargo xtask fuzz-corpus`: the cargo-fuzz
//! targets of `fuzz/`, run one job at a time, with seed corpora built from
//! the official vectors and the scenario driver.
//!
//! Corpora live in `fuzz/corpus/<target>/` and crashes in
//! `fuzz/artifacts/<target>/`; both are git-ignored (the vectors are read
//! at run time from `$MLS_TEST_VECTORS`, never copied into the repository).

use std::collections::BTreeSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use mls_core::codec::{Encode, decode};
use mls_core::group::{CommitOptions, Group, GroupConfig};
use mls_core::messages::{
    Add, Commit, Content, GroupInfo, MlsMessage, MlsMessageBody, Proposal,
    RatchetTree as RatchetTreeExt, Welcome,
};
use mls_vectors::TestRng;
use mls_vectors::mutate::{self, Target};
use mls_vectors::testkit;

/// The targets of `fuzz/fuzz_targets/`.
pub const TARGETS: &[&str] = &[
    "decode_message",
    "ratchet_tree",
    "snapshot",
    "welcome",
    "group_process",
];

/// Seeds per target at most.
pub const MAX_SEEDS: usize = 1500;

/// Large enough for a ratchet tree of thousands of members, a snapshot
/// of a large group or a Commit with many proposals.
pub const MAX_LEN: usize = 1 << 20;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// Seed inputs per target, de-duplicated.
#[derive(Default)]
struct Seeds {
    sets: Vec<(&'static str, BTreeSet<Vec<u8>>)>,
}

impl Seeds {
    fn add(&mut self, target: &'static str, input: Vec<u8>) {
        if input.len() > MAX_LEN {
            return;
        }
        match self.sets.iter_mut().find(|(t, _)| *t == target) {
            Some((_, s)) => {
                s.insert(input);
            }
            None => {
                self.sets.push((target, BTreeSet::from([input])));
            }
        }
    }

    fn with_mode(&mut self, target: &'static str, modes: &[u8], body: &[u8]) {
        for &m in modes {
            let mut v = Vec::with_capacity(body.len() + 1);
            v.push(m);
            v.extend_from_slice(body);
            self.add(target, v);
        }
    }

    fn tree(&mut self, tree: &[u8]) {
        self.add("ratchet_tree", tree.to_vec());
        // welcome mode 5: the tree in the real GroupInfo, re-wrapped.
        self.with_mode("welcome", &[5], tree);
    }

    fn group_info(&mut self, gi: &GroupInfo) {
        let Ok(b) = gi.encode() else { return };
        // welcome mode 2, without and with the context fixed.
        self.with_mode("welcome", &[2, 0x82], &b);
        if let Some(t) = gi
            .extensions
            .iter()
            .find(|e| e.extension_type == 2)
            .map(|e| e.extension_data.as_slice().to_vec())
        {
            self.tree(&t);
        }
    }

    fn welcome(&mut self, w: &Welcome) {
        if let Ok(b) = w.encode() {
            self.with_mode("welcome", &[0], &b);
        }
    }

    fn commit(&mut self, c: &Commit) {
        if let Ok(b) = c.encode() {
            self.with_mode("group_process", &[2, 0x82], &b);
        }
    }

    fn proposal(&mut self, p: &Proposal) {
        if let Ok(b) = p.encode() {
            self.with_mode("group_process", &[3, 0x83], &b);
        }
    }

    /// An MLSMessage: decoded as such, received by the group target, and
    /// its parts handed to the targets that take them.
    fn message(&mut self, m: &MlsMessage) {
        let Ok(b) = m.encode() else { return };
        self.add("decode_message", b.clone());
        match &m.body {
            MlsMessageBody::PublicMessage(p) => {
                self.with_mode("group_process", &[0, 0x80], &b);
                match &p.content.content {
                    Content::Commit(c) => self.commit(c),
                    Content::Proposal(p) => self.proposal(p),
                    _ => {}
                }
            }
            MlsMessageBody::PrivateMessage(_) => {
                self.with_mode("group_process", &[0, 0x80], &b);
            }
            MlsMessageBody::Welcome(w) => self.welcome(w),
            MlsMessageBody::GroupInfo(gi) => self.group_info(gi),
            MlsMessageBody::KeyPackage(kp) => self.proposal(&Proposal::Add(Add {
                key_package: kp.clone(),
            })),
            _ => {}
        }
    }

    fn snapshot(&mut self, s: &[u8]) {
        // snapshot mode 0 (restore) and 2 (restore, then commit).
        self.with_mode("snapshot", &[0, 2], s);
    }

    /// Writes at most [`MAX_SEEDS`] seeds per target (an even sample), so
    /// that loading the corpus stays a small part of a short run.
    fn write(&self) -> std::io::Result<Vec<(&'static str, usize, usize)>> {
        let mut out = Vec::new();
        for (t, set) in &self.sets {
            let dir = fuzz_dir().join("corpus").join(t);
            std::fs::create_dir_all(&dir)?;
            let mut new = 0;
            let step = set.len().div_ceil(MAX_SEEDS).max(1);
            let sample: Vec<&Vec<u8>> = set.iter().step_by(step).collect();
            for input in &sample {
                let mut h = DefaultHasher::new();
                input.hash(&mut h);
                let path = dir.join(format!("seed-{:016x}-{}", h.finish(), input.len()));
                if !path.exists() {
                    std::fs::write(&path, input.as_slice())?;
                    new += 1;
                }
            }
            out.push((*t, sample.len(), new));
        }
        Ok(out)
    }
}

/// A group of `n` members (suite 1) made by one commit of Adds: its tree
/// and snapshot are tree-sized seeds.
fn big_group(n: usize) -> Option<(Vec<u8>, Vec<u8>, GroupInfo)> {
    let mut rng = TestRng::new(0xB16);
    let (id, _) = testkit::identity_in(testkit::SUITE, b"creator", &mut rng);
    let mut g = Group::create(
        testkit::provider(),
        testkit::SUITE,
        b"big fuzz group".to_vec(),
        id,
        vec![],
        GroupConfig::default(),
        &mut rng,
    )
    .ok()?;
    let proposals = (0..n)
        .map(|i| {
            let (kp, _, _) =
                testkit::key_package_in(testkit::SUITE, format!("m{i}").as_bytes(), &mut rng);
            Proposal::Add(Add { key_package: kp })
        })
        .collect();
    let out = testkit::commit(
        &mut g,
        CommitOptions {
            proposals,
            ..CommitOptions::default()
        },
        &mut rng,
    )
    .ok()?;
    g.merge_pending().ok()?;
    let tree = RatchetTreeExt(g.tree().to_nodes()).encode().ok()?;
    let snap = g.to_bytes().ok()?.as_bytes().to_vec();
    Some((tree, snap, out.group_info?))
}

/// Builds the seed corpora into `fuzz/corpus/<target>/`.
pub fn corpus() -> ExitCode {
    let started = Instant::now();
    let mut seeds = Seeds::default();
    // Empty patches: the unmodified fixtures of the patching modes.
    seeds.with_mode("group_process", &[1, 5, 0x81, 0x85], &[]);
    seeds.with_mode("welcome", &[1, 3, 4, 0x81], &[]);
    seeds.with_mode("snapshot", &[1, 3], &[]);
    let provider = testkit::provider();
    let vectors = mutate::vector_entries();
    if vectors.is_none() {
        eprintln!(
            "MLS TEST VECTORS MISSING ({}): seeds from the scenario driver only",
            mls_vectors::vectors_dir().display()
        );
    }
    let mut snapshots = 0usize;
    let r = mutate::for_each_case(provider, vectors.as_deref(), &mut |case| {
        seeds.message(&case.message);
        if let Target::Process { before, .. } = &case.target {
            // Every scenario state, a sample of the vectors' states.
            if case.origin.starts_with("scenario") || snapshots.is_multiple_of(64) {
                seeds.snapshot(before);
            }
            snapshots += 1;
            if let Ok(g) = Group::from_bytes(provider, before)
                && let Ok(t) = RatchetTreeExt(g.tree().to_nodes()).encode()
            {
                seeds.tree(&t);
            }
        }
    });
    if let Err(e) = r {
        eprintln!("corpus: {e}");
        return ExitCode::FAILURE;
    }
    for (field, bytes) in mutate::vector_seeds().unwrap_or_default() {
        let name = field.rsplit(':').next().unwrap_or_default();
        match name {
            "ratchet_tree" | "tree" | "tree_before" | "tree_after" => seeds.tree(&bytes),
            "commit" => {
                if let Ok(c) = decode::<Commit>(&bytes) {
                    seeds.commit(&c);
                }
            }
            n if n.ends_with("_proposal") => {
                if let Ok(p) = decode::<Proposal>(&bytes) {
                    seeds.proposal(&p);
                }
            }
            _ => {
                if let Ok(m) = decode::<MlsMessage>(&bytes) {
                    seeds.message(&m);
                }
            }
        }
    }
    for n in [64, 1000] {
        match big_group(n) {
            Some((tree, snap, gi)) => {
                seeds.tree(&tree);
                seeds.snapshot(&snap);
                seeds.group_info(&gi);
            }
            None => eprintln!("could not build the {n}-member group"),
        }
    }
    match seeds.write() {
        Ok(counts) => {
            for (t, n, new) in counts {
                println!("corpus target={t} seeds={n} new={new}");
            }
            println!(
                "seed corpora written to {} in {:.1} s",
                fuzz_dir().join("corpus").display(),
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("writing the corpus: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What one `cargo fuzz run` reported.
#[derive(Debug, Default)]
struct RunStats {
    executions: u64,
    crashed: bool,
    timed_out: bool,
    artifact: Option<String>,
}

fn parse_log(log: &str) -> RunStats {
    let mut s = RunStats::default();
    for line in log.lines() {
        if let Some(v) = line.strip_prefix("stat::number_of_executed_units:") {
            s.executions = v.trim().parse().unwrap_or(s.executions);
        } else if let Some(rest) = line.strip_prefix("Done ") {
            // "Done 12345 runs in 60 second(s)"
            if let Some(n) = rest.split_whitespace().next().and_then(|n| n.parse().ok()) {
                s.executions = s.executions.max(n);
            }
        } else if let Some(rest) = line.strip_prefix('#') {
            // Status lines: "#12345\tpulse  cov: ..."
            if let Some(n) = rest
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse().ok())
            {
                s.executions = s.executions.max(n);
            }
        }
        if line.contains("ERROR: libFuzzer: timeout") {
            s.timed_out = true;
        } else if line.contains("ERROR: libFuzzer:")
            || line.contains("ERROR: AddressSanitizer")
            || line.starts_with("thread '")
        {
            s.crashed = true;
        }
        if let Some(i) = line.find("Test unit written to ") {
            s.artifact = Some(line[i + "Test unit written to ".len()..].trim().to_string());
        }
    }
    s
}

/// `cargo xtask fuzz [TARGET|all] [SECONDS] [--seconds N] [--no-corpus]`.
pub fn run(args: &[String]) -> ExitCode {
    let mut target = "all".to_string();
    let mut seconds: u64 = 60;
    let mut positional = Vec::new();
    let mut build_corpus = true;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => match it.next().and_then(|s| s.parse().ok()) {
                Some(s) => seconds = s,
                None => return crate::usage(),
            },
            "--no-corpus" => build_corpus = false,
            _ => positional.push(a.clone()),
        }
    }
    match positional.as_slice() {
        [] => {}
        [t] => match t.parse() {
            Ok(s) => seconds = s,
            Err(_) => target = t.clone(),
        },
        [t, s] => match s.parse() {
            Ok(s) => {
                target = t.clone();
                seconds = s;
            }
            Err(_) => return crate::usage(),
        },
        _ => return crate::usage(),
    }
    let targets: Vec<&str> = if target == "all" {
        TARGETS.to_vec()
    } else if TARGETS.contains(&target.as_str()) {
        TARGETS.iter().copied().filter(|t| *t == target).collect()
    } else {
        eprintln!("unknown fuzz target '{target}'; targets: {TARGETS:?}");
        return ExitCode::FAILURE;
    };
    let dir = fuzz_dir();
    let corpus_missing = targets.iter().any(|t| {
        std::fs::read_dir(dir.join("corpus").join(t)).map_or(true, |mut d| d.next().is_none())
    });
    if build_corpus && corpus_missing && corpus() != ExitCode::SUCCESS {
        return ExitCode::FAILURE;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Build once, up front, so that the time budget is all fuzzing.
    if !crate::run(
        Command::new(&cargo)
            .current_dir(&dir)
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["fuzz", "build"]),
    ) {
        eprintln!("cargo fuzz build failed (is cargo-fuzz installed? `cargo install cargo-fuzz`)");
        return ExitCode::FAILURE;
    }
    let mut total_crashes = 0usize;
    let mut total_timeouts = 0usize;
    let mut failed = false;
    for t in targets {
        let started = Instant::now();
        let (mut execs, mut crashes, mut timeouts) = (0u64, 0usize, 0usize);
        let mut artifacts = Vec::new();
        // After a crash libFuzzer stops; go on for the rest of the time.
        for _ in 0..10 {
            let left = seconds.saturating_sub(started.elapsed().as_secs());
            if left == 0 {
                break;
            }
            let log_path = dir.join(format!("fuzz-{t}.log"));
            let Ok(log) = std::fs::File::create(&log_path) else {
                eprintln!("cannot write {}", log_path.display());
                return ExitCode::FAILURE;
            };
            let corpus_dir = dir.join("corpus").join(t);
            let _ = std::fs::create_dir_all(&corpus_dir);
            let status = Command::new(&cargo)
                .current_dir(&dir)
                .env("RUSTC_BOOTSTRAP", "1")
                .args(["fuzz", "run", t])
                .arg(&corpus_dir)
                .arg("--")
                .arg(format!("-max_total_time={left}"))
                .arg(format!("-max_len={MAX_LEN}"))
                .args(["-timeout=120", "-rss_limit_mb=4096", "-print_final_stats=1"])
                .stdout(Stdio::null())
                .stderr(log)
                .status();
            let text = std::fs::read_to_string(&log_path).unwrap_or_default();
            let stats = parse_log(&text);
            execs += stats.executions;
            match status {
                Ok(s) if s.success() => break,
                Ok(_) if stats.timed_out => timeouts += 1,
                Ok(_) if stats.crashed || stats.artifact.is_some() => crashes += 1,
                _ => {
                    eprintln!("fuzz target {t} did not run; see {}", log_path.display());
                    failed = true;
                    break;
                }
            }
            if let Some(a) = stats.artifact {
                eprintln!("  {t}: finding written to {a}");
                artifacts.push(a);
            }
        }
        println!(
            "fuzz target={t} seconds={} executions={execs} crashes={crashes} timeouts={timeouts}",
            started.elapsed().as_secs()
        );
        total_crashes += crashes;
        total_timeouts += timeouts;
    }
    if total_timeouts > 0 {
        println!("{total_timeouts} timeouts");
    }
    println!("{total_crashes} crashes");
    if failed || total_crashes > 0 || total_timeouts > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
