//! The benchmark report's measuring side (`cargo xtask bench` runs it and
//! renders what it writes): every operation of the report, bytes in and
//! bytes out, for mls-core on every backend and suite, OpenMLS 0.9.2 and
//! mls-rs 0.57 (RustCrypto and aws-lc providers), with the same settings
//! (PublicMessage handshakes, no padding, ratchet tree in the Welcome).
//! One JSON object per line on the output file.
//!
//! Options: `--quick`, `--large`, `--n 2,16`, `--filter SUBSTR` (matched
//! against `impl/backend/suite`, e.g. `ours/awslc/0x0001`), `--out FILE`.
//!
//! State: every sample starts from a fresh copy of the state it consumes
//! (made outside the timing); the median of an adaptive number of samples
//! (at least 3) is reported. Everything runs in a one-thread rayon pool
//! (OpenMLS's and mls-rs's rayon use too, and mls-core's `parallel`
//! feature, which is serial there), except the "ours-parallel" rows: the
//! fastest backend on suite 1 with `parallel` in a two-thread pool.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod count;
mod driver;
mod mlsrs_side;
mod openmls_side;
mod ours;

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

use mls_core::crypto::{CipherSuite, CryptoProvider};
use serde_json::{Value, json};

use count::{Costs, Counting, Counts, PRIMS, Prim};
use driver::{Label, Mls};

#[global_allocator]
static ALLOC: mls_test_alloc::Counting = mls_test_alloc::Counting;

struct Cfg {
    /// Measured time to spend per operation (beyond the minimum samples).
    budget: Duration,
    max_samples: usize,
    ns: Vec<usize>,
    filter: Option<String>,
    out: std::fs::File,
    /// Crypto costs per (backend, suite).
    costs: BTreeMap<(&'static str, u16), Costs>,
    /// Counts of ours per (suite, op, n), for the peers' floor.
    counts: BTreeMap<(u16, String, usize), Counts>,
    cost_budget_ms: u64,
}

#[derive(Debug, Clone, Copy)]
struct Stat {
    median_ns: f64,
    min_ns: f64,
    samples: usize,
    peak: usize,
}

/// Times `op` on fresh states from `prep` (not timed); the first
/// sample's result is returned, the others are dropped outside the timing.
fn bench<S, R>(cfg: &Cfg, mut prep: impl FnMut() -> S, mut op: impl FnMut(S) -> R) -> (Stat, R) {
    let s = prep();
    let t = Instant::now();
    let (first, peak) = mls_test_alloc::peak_during(|| op(s));
    let mut times = vec![t.elapsed()];
    let want = (cfg.budget.as_secs_f64() / times[0].as_secs_f64().max(1e-9)) as usize;
    let want = want.clamp(3, cfg.max_samples);
    while times.len() < want {
        let s = prep();
        let t = Instant::now();
        let r = op(s);
        times.push(t.elapsed());
        drop(r);
    }
    times.sort();
    let ns: Vec<f64> = times.iter().map(|d| d.as_nanos() as f64).collect();
    let median = if ns.len() % 2 == 1 {
        ns[ns.len() / 2]
    } else {
        (ns[ns.len() / 2 - 1] + ns[ns.len() / 2]) / 2.0
    };
    (
        Stat {
            median_ns: median,
            min_ns: ns[0],
            samples: ns.len(),
            peak,
        },
        first,
    )
}

/// The fewest signatures, verifications and HPKE decryptions RFC 9420
/// asks of each operation (path commits, Basic credentials).
fn rfc_min(op: &str, n: usize) -> Value {
    let n = n as u64;
    match op.trim_end_matches("_steady") {
        // 2(n-1) KeyPackage and leaf-node signatures; our new leaf, the
        // commit and the Welcome's GroupInfo are signed.
        "add_commit" => {
            json!({"sign": 3, "verify": 2 * (n - 1), "hpke_open": 0, "hpke_seal_welcome": n - 1})
        }
        // The GroupInfo and every leaf of the tree.
        "join_welcome" => json!({"sign": 0, "verify": n + 1, "hpke_open": 1}),
        // The new leaf and the commit.
        "update_commit" | "remove_commit" => json!({"sign": 2, "verify": 0, "hpke_open": 0}),
        // The commit and the committer's new leaf; one path secret.
        "process_commit" | "process_remove" => json!({"sign": 0, "verify": 2, "hpke_open": 1}),
        "app_msg_1k" => json!({"sign": 1, "verify": 1, "hpke_open": 0}),
        _ => Value::Null,
    }
}

struct Emit<'a> {
    label: &'a Label,
    n: usize,
    /// The backend whose primitive costs give the floor.
    cost_backend: &'static str,
}

impl Emit<'_> {
    fn row(&self, cfg: &mut Cfg, op: &str, st: Stat, counts: Option<&Counts>, extra: Value) {
        let key = (self.label.suite, op.to_string(), self.n);
        if let Some(c) = counts {
            cfg.counts.entry(key.clone()).or_insert_with(|| c.clone());
        }
        let counts = counts.or_else(|| cfg.counts.get(&key)).cloned();
        let floor = match (
            &counts,
            cfg.costs.get(&(self.cost_backend, self.label.suite)),
        ) {
            (Some(c), Some(costs)) => Some(costs.floor(c).round()),
            _ => None,
        };
        let mut row = json!({
            "impl": self.label.implementation,
            "backend": self.label.backend,
            "suite": self.label.suite,
            "op": op,
            "n": self.n,
            "median_ns": st.median_ns.round(),
            "floor_ns": floor,
            "peak_bytes": st.peak,
            "min_ns": st.min_ns.round(),
            "samples": st.samples,
        });
        let obj = row.as_object_mut().expect("object");
        if let Some(c) = &counts {
            let mut m = serde_json::Map::new();
            for p in PRIMS {
                if c.get(p) > 0 {
                    m.insert(p.name().into(), json!(c.get(p)));
                }
            }
            obj.insert("counts".into(), Value::Object(m));
            obj.insert("rfc_min".into(), rfc_min(op, self.n));
        }
        if let Value::Object(e) = extra {
            obj.extend(e);
        }
        eprintln!(
            "  {:8} {:12} {:#06x} {:22} n={:<6} {:>12.3} ms  floor {:>10} ms  peak {:>10} B",
            self.label.implementation,
            self.label.backend,
            self.label.suite,
            op,
            self.n,
            st.median_ns / 1e6,
            floor.map_or("-".to_string(), |f| format!("{:.3}", f / 1e6)),
            st.peak
        );
        writeln!(cfg.out, "{row}").expect("write results");
    }
}

/// Runs `f` with the counting provider and returns the counts.
fn counted<M: Mls, R>(cnt: Option<&M>, f: impl FnOnce(&M) -> R) -> Option<Counts> {
    let c = cnt?;
    count::reset();
    let r = f(c);
    let counts = count::take();
    drop(r);
    Some(counts)
}

fn log2(n: usize) -> u32 {
    usize::BITS - 1 - n.leading_zeros()
}

/// Everything the report measures for one implementation at group size `n`.
fn run<M: Mls>(m: &M, cnt: Option<&M>, cost_backend: &'static str, n: usize, cfg: &mut Cfg) {
    let label = m.label();
    let e = Emit {
        label: &label,
        n,
        cost_backend,
    };
    let t0 = Instant::now();
    // Not measured: the creator and the n-1 KeyPackages.
    let creator0 = m.create();
    let (joiners, kps): (Vec<M::Joiner>, Vec<Vec<u8>>) = (1..n).map(|i| m.joiner(i)).unzip();
    let kp_bytes = kps.iter().map(Vec::len).sum::<usize>() / kps.len().max(1);

    // add_commit: the creator adds n-1 members in one commit with a path.
    let (st, (creator, commit, welcome)) = bench(
        cfg,
        || m.fork(&creator0),
        |mut g| {
            let (c, w) = m.add(&mut g, &kps);
            (g, c, w)
        },
    );
    let counts = counted(cnt, |c| {
        let mut g = m.fork(&creator0);
        c.add(&mut g, &kps);
        g
    });
    e.row(
        cfg,
        "add_commit",
        st,
        counts.as_ref(),
        json!({"out_bytes": commit.len(), "welcome_bytes": welcome.len(), "kp_bytes": kp_bytes}),
    );
    drop(creator0);

    // join_welcome: the member at leaf n-1 joins (it commits below).
    let cj = &joiners[n - 2];
    let (st, mut committer) = bench(cfg, || m.fork_joiner(cj), |j| m.join(j, &welcome));
    assert_eq!(m.leaf(&committer) as usize, n - 1);
    let counts = counted(cnt, |c| c.join(m.fork_joiner(cj), &welcome));
    // A live member's state: what a copy of it holds on the heap.
    let before = mls_test_alloc::live();
    let copy = m.fork(&committer);
    let state = mls_test_alloc::live().saturating_sub(before);
    drop(copy);
    e.row(
        cfg,
        "join_welcome",
        st,
        counts.as_ref(),
        json!({"state_bytes": state, "bytes_per_member": state / n}),
    );

    let mut processor = creator;
    // The victim is the committer's sibling (leaf n-2; the creator at
    // n = 2): its removal blanks only the committer's own direct path,
    // which the commit sets again, so the steady-state removal stays
    // O(log n) whatever parts of the tree the set-up left blank.
    let victim = if n > 2 { (n - 2) as u32 } else { 0 };
    ops(m, cnt, &e, cfg, &mut committer, &mut processor, victim, "");

    // Steady state: the committer's copath filled, so that its commits
    // cost O(log n) as in a group after many commits. The creator's path
    // (set by the add) covers the left half; member n - 2^(j+1) fills the
    // copath node of level j, for j = 1 .. log2(n) - 2.
    let fillers: Vec<usize> = (1..log2(n).saturating_sub(1))
        .rev()
        .map(|j| n - (1usize << (j + 1)))
        .collect();
    let mut live: Vec<M::Member> = fillers
        .iter()
        .map(|&f| m.join(m.fork_joiner(&joiners[f - 1]), &welcome))
        .collect();
    for k in 0..live.len() {
        let c = m.update(&mut live[k]);
        for (i, g) in live.iter_mut().enumerate() {
            if i != k {
                m.process(g, &c);
            }
        }
        m.process(&mut committer, &c);
        m.process(&mut processor, &c);
    }
    drop(live);
    ops(
        m,
        cnt,
        &e,
        cfg,
        &mut committer,
        &mut processor,
        victim,
        "_steady",
    );
    eprintln!(
        "{}/{}/{:#06x} n={n}: {:.1} s",
        label.implementation,
        label.backend,
        label.suite,
        t0.elapsed().as_secs_f64()
    );
}

/// update / process / remove / process-remove (and, in the fresh group,
/// the application message) between `c` (leaf n-1) and `p` (leaf 0).
#[allow(clippy::too_many_arguments)]
fn ops<M: Mls>(
    m: &M,
    cnt: Option<&M>,
    e: &Emit<'_>,
    cfg: &mut Cfg,
    c: &mut M::Member,
    p: &mut M::Member,
    victim: u32,
    suffix: &str,
) {
    let (st, (upd, _g)) = bench(cfg, || m.fork(c), |mut g| (m.update(&mut g), g));
    let counts = counted(cnt, |x| {
        let mut g = m.fork(c);
        x.update(&mut g);
        g
    });
    e.row(
        cfg,
        &format!("update_commit{suffix}"),
        st,
        counts.as_ref(),
        json!({"out_bytes": upd.len()}),
    );

    let (st, _g) = bench(
        cfg,
        || m.fork(p),
        |mut g| {
            m.process(&mut g, &upd);
            g
        },
    );
    let counts = counted(cnt, |x| {
        let mut g = m.fork(p);
        x.process(&mut g, &upd);
        g
    });
    e.row(
        cfg,
        &format!("process_commit{suffix}"),
        st,
        counts.as_ref(),
        json!({}),
    );

    let (st, (rem, _g)) = bench(cfg, || m.fork(c), |mut g| (m.remove(&mut g, victim), g));
    let counts = counted(cnt, |x| {
        let mut g = m.fork(c);
        x.remove(&mut g, victim);
        g
    });
    e.row(
        cfg,
        &format!("remove_commit{suffix}"),
        st,
        counts.as_ref(),
        json!({"out_bytes": rem.len(), "victim": victim}),
    );

    // A third member processes the removal; at n = 2 there is none, and
    // the removed member processes its own removal (leaf 0 is the victim).
    let (st, _g) = bench(
        cfg,
        || m.fork(p),
        |mut g| {
            m.process(&mut g, &rem);
            g
        },
    );
    let counts = counted(cnt, |x| {
        let mut g = m.fork(p);
        x.process(&mut g, &rem);
        g
    });
    e.row(
        cfg,
        &format!("process_remove{suffix}"),
        st,
        counts.as_ref(),
        json!({}),
    );

    if suffix.is_empty() {
        let data = vec![0x5a; 1024];
        let mut len = 0;
        let (st, ()) = bench(
            cfg,
            || (),
            |()| {
                let ct = m.seal(c, &data);
                assert_eq!(m.open(p, &ct), data.len());
                len = ct.len();
            },
        );
        let counts = counted(cnt, |x| {
            let ct = x.seal(c, &data);
            x.open(p, &ct)
        });
        e.row(
            cfg,
            "app_msg_1k",
            st,
            counts.as_ref(),
            json!({"out_bytes": len}),
        );
    }
}

fn wanted(cfg: &Cfg, l: &Label) -> bool {
    let name = format!("{}/{}/{:#06x}", l.implementation, l.backend, l.suite);
    cfg.filter
        .as_ref()
        .is_none_or(|f| name.contains(f.as_str()))
}

fn costs_for(
    cfg: &mut Cfg,
    backend: &'static str,
    provider: &'static dyn CryptoProvider,
    suite: u16,
) {
    if cfg.costs.contains_key(&(backend, suite)) {
        return;
    }
    let Some(cs) = provider.cipher_suite(CipherSuite(suite)) else {
        return;
    };
    let c = count::measure(cs, cfg.cost_budget_ms);
    let mut prims = serde_json::Map::new();
    for p in PRIMS {
        prims.insert(
            p.name().into(),
            json!({"ns": c.per_call[p as usize].round(), "ns_per_byte": c.per_byte[p as usize]}),
        );
    }
    writeln!(
        cfg.out,
        "{}",
        json!({"impl": "primitives", "backend": backend, "suite": suite, "costs": prims})
    )
    .expect("write results");
    eprintln!(
        "primitives {backend}/{suite:#06x}: sign {:.1} us, verify {:.1} us, hpke seal {:.1} us, open {:.1} us",
        c.per_call[Prim::Sign as usize] / 1e3,
        c.per_call[Prim::Verify as usize] / 1e3,
        c.per_call[Prim::HpkeSeal as usize] / 1e3,
        c.per_call[Prim::HpkeOpen as usize] / 1e3,
    );
    cfg.costs.insert((backend, suite), c);
}

/// One configuration of the run.
enum Job {
    /// Backend name, the timed provider (serial batches), the counting
    /// one, the suite.
    Ours(&'static str, &'static Counting, &'static Counting, u16),
    /// The same on suite 1 in a two-thread pool (the `parallel` feature).
    OursParallel(&'static str, &'static Counting, &'static Counting),
    OpenMls,
    MlsRsRustCrypto,
    MlsRsAwsLc,
}

fn run_job(cfg: &mut Cfg, job: &Job, n: usize) {
    match *job {
        Job::Ours(backend, timed, counting, suite) => {
            let m = ours::Ours {
                backend,
                provider: timed,
                suite: CipherSuite(suite),
                implementation: "ours",
            };
            if !wanted(cfg, &m.label()) {
                return;
            }
            costs_for(cfg, backend, timed.inner(), suite);
            let cnt = ours::Ours {
                provider: counting,
                ..m
            };
            run(&m, Some(&cnt), backend, n, cfg);
        }
        Job::OursParallel(backend, timed, counting) => {
            let m = ours::Ours {
                backend,
                provider: timed,
                suite: CipherSuite(1),
                implementation: "ours-parallel",
            };
            if !wanted(cfg, &m.label()) {
                return;
            }
            costs_for(cfg, backend, timed.inner(), 1);
            let cnt = ours::Ours {
                provider: counting,
                ..m
            };
            let two = rayon::ThreadPoolBuilder::new()
                .num_threads(2)
                .build()
                .expect("two-thread pool");
            two.install(|| run(&m, Some(&cnt), backend, n, cfg));
        }
        Job::OpenMls => {
            let m = openmls_side::OpenMls { suite: 1 };
            if wanted(cfg, &m.label()) {
                run(&m, None, "rustcrypto", n, cfg);
            }
        }
        Job::MlsRsRustCrypto => {
            let m = mlsrs_side::MlsRs {
                backend: "rustcrypto",
                crypto: mls_rs_crypto_rustcrypto::RustCryptoProvider::default(),
                suite: 1,
            };
            if wanted(cfg, &m.label()) {
                run(&m, None, "rustcrypto", n, cfg);
            }
        }
        Job::MlsRsAwsLc => {
            let m = mlsrs_side::MlsRs {
                backend: "awslc",
                crypto: mls_rs_crypto_awslc::AwsLcCryptoProvider::default(),
                suite: 1,
            };
            if wanted(cfg, &m.label()) {
                run(&m, None, "awslc", n, cfg);
            }
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut quick = false;
    let mut large = false;
    let mut ns: Option<Vec<usize>> = None;
    let mut filter = None;
    let mut out = "target/bench-report/results.jsonl".to_string();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--large" => large = true,
            "--n" => {
                ns = Some(
                    args.next()
                        .expect("--n LIST")
                        .split(',')
                        .map(|s| s.parse().expect("--n: numbers"))
                        .collect(),
                )
            }
            "--filter" => filter = Some(args.next().expect("--filter SUBSTR")),
            "--out" => out = args.next().expect("--out FILE"),
            // What `cargo bench` passes to every bench target.
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    let ns = ns.unwrap_or_else(|| {
        let mut v = if quick {
            vec![2, 16, 128, 1024]
        } else {
            vec![2, 16, 128, 1024, 4096]
        };
        if large {
            v.push(16384);
        }
        v
    });
    assert!(ns.iter().all(|&n| n >= 2), "n >= 2");
    if let Some(d) = std::path::Path::new(&out).parent() {
        std::fs::create_dir_all(d).expect("output directory");
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()
        .expect("rayon pool");
    let mut cfg = Cfg {
        budget: Duration::from_millis(if quick { 60 } else { 250 }),
        max_samples: if quick { 9 } else { 31 },
        ns,
        filter,
        out: std::fs::File::create(&out).expect("create the output file"),
        costs: BTreeMap::new(),
        counts: BTreeMap::new(),
        cost_budget_ms: if quick { 8 } else { 25 },
    };
    let started = Instant::now();
    writeln!(
        cfg.out,
        "{}",
        json!({"impl": "meta", "quick": quick, "ns": cfg.ns, "threads": 1,
               "started_unix": mls_peers::unix_now()})
    )
    .expect("write");

    // Primitive costs of suite 1 on every backend first: they price the
    // floors (the peers' too) and pick the backend that runs every suite,
    // the one whose signature, verification, HPKE seal and open are
    // cheapest.
    let backends = mls_vectors::backends();
    for &(name, provider) in &backends {
        costs_for(&mut cfg, name, provider, 1);
    }
    let score = |name: &str| {
        cfg.costs.get(&(name, 1)).map_or(f64::INFINITY, |c| {
            [Prim::Sign, Prim::Verify, Prim::HpkeSeal, Prim::HpkeOpen]
                .iter()
                .map(|p| c.per_call[*p as usize])
                .sum()
        })
    };
    let fastest = backends
        .iter()
        .min_by(|a, b| score(a.0).total_cmp(&score(b.0)))
        .copied();
    let mut jobs: Vec<Job> = backends
        .iter()
        .map(|&(name, provider)| {
            Job::Ours(
                name,
                Counting::serial(provider),
                Counting::wrap(provider),
                1,
            )
        })
        .collect();
    if let Some((name, provider)) = fastest {
        eprintln!("every suite on the backend with the cheapest primitives: {name}");
        let (timed, counting) = (Counting::serial(provider), Counting::wrap(provider));
        jobs.push(Job::OursParallel(name, timed, counting));
        for s in provider.supported_cipher_suites() {
            if s.0 != 1 {
                jobs.push(Job::Ours(name, timed, counting, s.0));
            }
        }
    }
    jobs.extend([Job::OpenMls, Job::MlsRsRustCrypto, Job::MlsRsAwsLc]);
    // Size by size, every configuration at each: a shared machine's load
    // then weighs on all implementations alike.
    for n in cfg.ns.clone() {
        for job in &jobs {
            run_job(&mut cfg, job, n);
        }
    }
    writeln!(
        cfg.out,
        "{}",
        json!({"impl": "meta", "elapsed_s": started.elapsed().as_secs_f64()})
    )
    .expect("write");
    eprintln!("done in {:.1} s: {out}", started.elapsed().as_secs_f64());
}
