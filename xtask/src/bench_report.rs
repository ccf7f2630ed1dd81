//! `cargo xtask bench`: runs the report harness (`mls-peers/benches/report`),
//! then reads its `results.jsonl` and prints markdown tables, draws SVG
//! plots (time against n, log-log) and writes `index.html`, all in
//! `target/bench-report/`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use serde_json::Value;

/// The operations, in report order.
pub const OPS: [&str; 11] = [
    "add_commit",
    "join_welcome",
    "update_commit",
    "process_commit",
    "remove_commit",
    "process_remove",
    "app_msg_1k",
    "update_commit_steady",
    "process_commit_steady",
    "remove_commit_steady",
    "process_remove_steady",
];

/// One measurement.
#[derive(Debug, Clone)]
pub struct Row {
    pub imp: String,
    pub backend: String,
    pub suite: u16,
    pub op: String,
    pub n: u64,
    pub median_ns: f64,
    pub floor_ns: Option<f64>,
    pub peak_bytes: u64,
    pub out_bytes: Option<u64>,
    pub welcome_bytes: Option<u64>,
    pub kp_bytes: Option<u64>,
    pub bytes_per_member: Option<u64>,
    pub counts: BTreeMap<String, u64>,
    pub rfc_min: BTreeMap<String, u64>,
}

/// Primitive costs of one backend and suite (ns).
#[derive(Debug, Clone)]
pub struct Prims {
    pub backend: String,
    pub suite: u16,
    pub costs: BTreeMap<String, f64>,
}

fn u(v: &Value, k: &str) -> Option<u64> {
    v.get(k).and_then(Value::as_u64)
}

fn map(v: &Value, k: &str) -> BTreeMap<String, u64> {
    v.get(k)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_u64().map(|x| (k.clone(), x)))
                .collect()
        })
        .unwrap_or_default()
}

/// The rows, the primitive costs and the measuring time of a results file.
type Parsed = (Vec<Row>, Vec<Prims>, Option<f64>);

fn parse(text: &str) -> Result<Parsed, String> {
    let mut rows = Vec::new();
    let mut prims = Vec::new();
    let mut elapsed = None;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value =
            serde_json::from_str(line).map_err(|e| format!("results line {}: {e}", i + 1))?;
        let imp = v.get("impl").and_then(Value::as_str).unwrap_or_default();
        match imp {
            "meta" => {
                if let Some(e) = v.get("elapsed_s").and_then(Value::as_f64) {
                    elapsed = Some(e);
                }
            }
            "primitives" => prims.push(Prims {
                backend: v["backend"].as_str().unwrap_or_default().to_string(),
                suite: u(&v, "suite").unwrap_or(0) as u16,
                costs: v
                    .get("costs")
                    .and_then(Value::as_object)
                    .map(|m| {
                        m.iter()
                            .filter_map(|(k, c)| {
                                c.get("ns").and_then(Value::as_f64).map(|x| (k.clone(), x))
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }),
            _ => rows.push(Row {
                imp: imp.to_string(),
                backend: v["backend"].as_str().unwrap_or_default().to_string(),
                suite: u(&v, "suite").unwrap_or(0) as u16,
                op: v["op"].as_str().unwrap_or_default().to_string(),
                n: u(&v, "n").unwrap_or(0),
                median_ns: v["median_ns"].as_f64().unwrap_or(f64::NAN),
                floor_ns: v.get("floor_ns").and_then(Value::as_f64),
                peak_bytes: u(&v, "peak_bytes").unwrap_or(0),
                out_bytes: u(&v, "out_bytes"),
                welcome_bytes: u(&v, "welcome_bytes"),
                kp_bytes: u(&v, "kp_bytes"),
                bytes_per_member: u(&v, "bytes_per_member"),
                counts: map(&v, "counts"),
                rfc_min: map(&v, "rfc_min"),
            }),
        }
    }
    Ok((rows, prims, elapsed))
}

/// A duration in ns, three significant digits.
pub fn time(ns: f64) -> String {
    if !ns.is_finite() {
        return "-".into();
    }
    let (v, unit) = if ns >= 1e9 {
        (ns / 1e9, "s")
    } else if ns >= 1e6 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e3, "µs")
    };
    if v >= 100.0 {
        format!("{v:.0} {unit}")
    } else if v >= 10.0 {
        format!("{v:.1} {unit}")
    } else {
        format!("{v:.2} {unit}")
    }
}

fn bytes(b: u64) -> String {
    if b >= 10 * 1024 * 1024 {
        format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0))
    } else if b >= 10 * 1024 {
        format!("{:.1} KiB", b as f64 / 1024.0)
    } else {
        format!("{b} B")
    }
}

fn ratio(a: f64, b: Option<f64>) -> String {
    match b {
        Some(b) if b > 0.0 && a.is_finite() => format!("{:.2}×", a / b),
        _ => "-".into(),
    }
}

fn suite_name(s: u16) -> String {
    format!("{s:#06x}")
}

fn pretty(imp: &str, backend: &str) -> String {
    let b = match backend {
        "rustcrypto" => "RustCrypto",
        "awslc" => "aws-lc",
        "ring" => "ring",
        "libcrux" => "libcrux",
        o => o,
    };
    match imp {
        "ours" => format!("mls-core ({b})"),
        "ours-parallel" => format!("mls-core + `parallel`, 2 threads ({b})"),
        "openmls" => format!("OpenMLS 0.9.2 ({b})"),
        "mls-rs" => format!("mls-rs 0.57 ({b})"),
        o => format!("{o} ({b})"),
    }
}

struct Index<'a> {
    rows: &'a [Row],
}

impl<'a> Index<'a> {
    fn get(&self, imp: &str, backend: &str, suite: u16, op: &str, n: u64) -> Option<&'a Row> {
        self.rows.iter().find(|r| {
            r.imp == imp && r.backend == backend && r.suite == suite && r.op == op && r.n == n
        })
    }
    fn ns(&self) -> Vec<u64> {
        self.rows
            .iter()
            .map(|r| r.n)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }
    fn backends(&self, imp: &str, suite: u16) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for r in self.rows {
            if r.imp == imp && r.suite == suite && !v.contains(&r.backend) {
                v.push(r.backend.clone());
            }
        }
        v
    }
    /// Our fastest row for (suite, op, n) over backends.
    fn ours_best(&self, suite: u16, op: &str, n: u64) -> Option<&'a Row> {
        self.rows
            .iter()
            .filter(|r| r.imp == "ours" && r.suite == suite && r.op == op && r.n == n)
            .min_by(|a, b| a.median_ns.total_cmp(&b.median_ns))
    }
    fn peers(&self) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = Vec::new();
        for r in self.rows {
            let peer = !r.imp.starts_with("ours");
            if peer && !v.iter().any(|(i, b)| *i == r.imp && *b == r.backend) {
                v.push((r.imp.clone(), r.backend.clone()));
            }
        }
        v
    }
}

/// The headline: ours (fastest backend) against every peer at size `n`.
pub fn headline(rows: &[Row], n: u64) -> String {
    let ix = Index { rows };
    let peers = ix.peers();
    let mut s = String::new();
    let _ = write!(s, "| n = {n} | mls-core (best backend) |");
    for (i, b) in &peers {
        let _ = write!(s, " {} |", pretty(i, b));
    }
    s.push_str(" best peer ÷ ours | ours ÷ floor | best peer ÷ floor |\n|---|---|");
    for _ in &peers {
        s.push_str("---|");
    }
    s.push_str("---|---|---|\n");
    for op in OPS {
        let Some(o) = ix.ours_best(1, op, n) else {
            continue;
        };
        let _ = write!(s, "| `{op}` | {} ({}) |", time(o.median_ns), o.backend);
        let mut best: Option<&Row> = None;
        for (i, b) in &peers {
            match ix.get(i, b, 1, op, n) {
                Some(p) => {
                    let _ = write!(s, " {} |", time(p.median_ns));
                    if best.is_none_or(|x| p.median_ns < x.median_ns) {
                        best = Some(p);
                    }
                }
                None => s.push_str(" - |"),
            }
        }
        let _ = writeln!(
            s,
            " {} | {} | {} |",
            best.map_or("-".into(), |b| ratio(b.median_ns, Some(o.median_ns))),
            ratio(o.median_ns, o.floor_ns),
            best.map_or("-".into(), |b| ratio(b.median_ns, b.floor_ns)),
        );
    }
    s
}

/// The `parallel` feature on two threads (suite 1, the backend it ran
/// on) against the same backend on one core and the fastest peer (one
/// core): empty when the run had no "ours-parallel" rows.
pub fn parallel_section(rows: &[Row], ns: &[u64]) -> String {
    let ix = Index { rows };
    let mut s = String::new();
    let Some(backend) = ix.backends("ours-parallel", 1).into_iter().next() else {
        return s;
    };
    let peers = ix.peers();
    let _ = writeln!(
        s,
        "## The `parallel` feature on 2 threads ({}, suite 0x0001)\n\n\
         The one-core rows above run serially; these run the same operations \
         with the `parallel` feature in a two-thread rayon pool (the peers stay \
         on one core).\n\n\
         | op | n | one core | 2 threads | speed-up | best peer ÷ 2 threads |\n\
         |---|---|---|---|---|---|",
        pretty("ours", &backend)
    );
    for op in OPS {
        for &n in ns {
            let (Some(one), Some(two)) = (
                ix.get("ours", &backend, 1, op, n),
                ix.get("ours-parallel", &backend, 1, op, n),
            ) else {
                continue;
            };
            let best = peers
                .iter()
                .filter_map(|(i, b)| ix.get(i, b, 1, op, n))
                .map(|p| p.median_ns)
                .fold(f64::INFINITY, f64::min);
            let _ = writeln!(
                s,
                "| `{op}` | {n} | {} | {} | {} | {} |",
                time(one.median_ns),
                time(two.median_ns),
                ratio(one.median_ns, Some(two.median_ns)),
                ratio(best, Some(two.median_ns)),
            );
        }
    }
    s.push('\n');
    s
}

/// The whole markdown report.
pub fn markdown(rows: &[Row], prims: &[Prims], elapsed: Option<f64>) -> String {
    let ix = Index { rows };
    let ns = ix.ns();
    let mut s = String::new();
    s.push_str("# Benchmark report\n\n");
    if let Some(e) = elapsed {
        let _ = writeln!(s, "Measuring took {e:.0} s.\n");
    }
    s.push_str(
        "Median time per operation, bytes in and bytes out; `×f` is the ratio to the crypto \
         floor (the primitive calls mls-core makes for that operation, times the backend's \
         measured cost per call). Suite 0x0001 unless said.\n\n",
    );

    s.push_str("## mls-core against OpenMLS and mls-rs (suite 0x0001)\n\n");
    for &n in &ns {
        s.push_str(&headline(rows, n));
        s.push('\n');
    }

    s.push_str(&parallel_section(rows, &ns));

    s.push_str("## mls-core per suite and backend\n\n");
    let suites: BTreeSet<u16> = rows
        .iter()
        .filter(|r| r.imp == "ours")
        .map(|r| r.suite)
        .collect();
    for &suite in &suites {
        for backend in ix.backends("ours", suite) {
            let _ = writeln!(
                s,
                "### {} {}\n",
                pretty("ours", &backend),
                suite_name(suite)
            );
            s.push_str("| op |");
            for n in &ns {
                let _ = write!(s, " n = {n} |");
            }
            s.push_str("\n|---|");
            for _ in &ns {
                s.push_str("---|");
            }
            s.push('\n');
            for op in OPS {
                let _ = write!(s, "| `{op}` |");
                for &n in &ns {
                    match ix.get("ours", &backend, suite, op, n) {
                        Some(r) => {
                            let _ = write!(
                                s,
                                " {} ({}f) |",
                                time(r.median_ns),
                                ratio(r.median_ns, r.floor_ns)
                            );
                        }
                        None => s.push_str(" - |"),
                    }
                }
                s.push('\n');
            }
            s.push('\n');
        }
    }

    let nmax = ns.last().copied().unwrap_or(0);
    s.push_str("## Memory\n\n");
    let _ = writeln!(
        s,
        "Heap of one member's live state (a copy of it) per member at n = {nmax}, and the peak \
         heap each operation allocates on top of what was live (n = {nmax}), suite 0x0001.\n"
    );
    s.push_str("| implementation | bytes per member |");
    for op in OPS {
        let _ = write!(s, " `{op}` |");
    }
    s.push_str("\n|---|---|");
    for _ in OPS {
        s.push_str("---|");
    }
    s.push('\n');
    let mut whos: Vec<(String, String)> = ix
        .backends("ours", 1)
        .into_iter()
        .map(|b| ("ours".to_string(), b))
        .collect();
    whos.extend(ix.peers());
    for (i, b) in &whos {
        let bpm = ix
            .get(i, b, 1, "join_welcome", nmax)
            .and_then(|r| r.bytes_per_member)
            .map_or("-".into(), bytes);
        let _ = write!(s, "| {} | {bpm} |", pretty(i, b));
        for op in OPS {
            match ix.get(i, b, 1, op, nmax) {
                Some(r) => {
                    let _ = write!(s, " {} |", bytes(r.peak_bytes));
                }
                None => s.push_str(" - |"),
            }
        }
        s.push('\n');
    }
    s.push('\n');

    s.push_str("## Wire sizes (bytes)\n\n");
    s.push_str(
        "| implementation | suite | n | KeyPackage | add: Commit | add: Welcome | update Commit | \
         update Commit (steady) | remove Commit (steady) | 1 KiB app msg |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut lines: Vec<(String, String, u16)> = Vec::new();
    // The parallel rows send the same bytes as ours.
    for r in rows.iter().filter(|r| r.imp != "ours-parallel") {
        let k = (r.imp.clone(), r.backend.clone(), r.suite);
        if !lines.contains(&k) {
            lines.push(k);
        }
    }
    // One backend of ours per suite: sizes do not depend on the backend.
    let mut seen = BTreeSet::new();
    for (i, b, suite) in &lines {
        if !seen.insert((
            i.clone(),
            *suite,
            if i == "ours" {
                String::new()
            } else {
                b.clone()
            },
        )) {
            continue;
        }
        for &n in &ns {
            let g = |op: &str, f: fn(&Row) -> Option<u64>| {
                ix.get(i, b, *suite, op, n)
                    .and_then(f)
                    .map_or("-".to_string(), |x| x.to_string())
            };
            let _ = writeln!(
                s,
                "| {} | {} | {n} | {} | {} | {} | {} | {} | {} | {} |",
                if i == "ours" {
                    "mls-core".to_string()
                } else {
                    pretty(i, b)
                },
                suite_name(*suite),
                g("add_commit", |r| r.kp_bytes),
                g("add_commit", |r| r.out_bytes),
                g("add_commit", |r| r.welcome_bytes),
                g("update_commit", |r| r.out_bytes),
                g("update_commit_steady", |r| r.out_bytes),
                g("remove_commit_steady", |r| r.out_bytes),
                g("app_msg_1k", |r| r.out_bytes),
            );
        }
    }
    s.push('\n');

    s.push_str("## Crypto calls of mls-core against the RFC minimum (suite 0x0001)\n\n");
    let _ = writeln!(
        s,
        "Signatures, verifications and HPKE decryptions per operation at n = {nmax}, with the \
         fewest RFC 9420 requires; counts above the minimum inflate the floor.\n"
    );
    s.push_str("| op | sign | verify | HPKE seal | HPKE open | DeriveKeyPair | RFC minimum (sign / verify / open) | above the minimum |\n|---|---|---|---|---|---|---|---|\n");
    if let Some(b) = ix.backends("ours", 1).first() {
        for op in OPS {
            let Some(r) = ix.get("ours", b, 1, op, nmax) else {
                continue;
            };
            let c = |k: &str| r.counts.get(k).copied().unwrap_or(0);
            let m = |k: &str| r.rfc_min.get(k).copied().unwrap_or(0);
            let mut above = Vec::new();
            for k in ["sign", "verify", "hpke_open"] {
                if c(k) > m(k) {
                    above.push(format!("{k} +{}", c(k) - m(k)));
                }
            }
            let _ = writeln!(
                s,
                "| `{op}` | {} | {} | {} | {} | {} | {} / {} / {} | {} |",
                c("sign"),
                c("verify"),
                c("hpke_seal"),
                c("hpke_open"),
                c("hpke_derive_key_pair"),
                m("sign"),
                m("verify"),
                m("hpke_open"),
                if above.is_empty() {
                    "-".to_string()
                } else {
                    above.join(", ")
                }
            );
        }
    }
    s.push('\n');

    s.push_str("## Primitive costs (the floor's prices)\n\n| backend | suite | sign | verify | HPKE seal | HPKE open | DeriveKeyPair | HKDF expand | AEAD seal (64 B) |\n|---|---|---|---|---|---|---|---|---|\n");
    for p in prims {
        let c = |k: &str| time(p.costs.get(k).copied().unwrap_or(f64::NAN));
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            p.backend,
            suite_name(p.suite),
            c("sign"),
            c("verify"),
            c("hpke_seal"),
            c("hpke_open"),
            c("hpke_derive_key_pair"),
            c("kdf_expand"),
            c("aead_seal")
        );
    }
    s
}

type Series = Vec<(String, Vec<(f64, f64)>)>;

fn plot(path: &Path, title: &str, series: &Series) -> Result<(), String> {
    use plotters::prelude::*;
    let pts = series.iter().flat_map(|(_, p)| p.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 || y0 <= 0.0 {
        return Ok(());
    }
    let colors = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    let e = |e: &dyn std::fmt::Display| format!("plot {}: {e}", path.display());
    let root = SVGBackend::new(path, (760, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(
            (x0 / 1.3..x1 * 1.3).log_scale(),
            (y0 / 1.5..y1 * 1.5).log_scale(),
        )
        .map_err(|x| e(&x))?;
    chart
        .configure_mesh()
        .x_desc("members (n)")
        .y_desc("median time (ms)")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y}"))
        .draw()
        .map_err(|x| e(&x))?;
    for (i, (name, p)) in series.iter().enumerate() {
        let color = colors[i % colors.len()];
        chart
            .draw_series(LineSeries::new(p.iter().copied(), color.stroke_width(2)))
            .map_err(|x| e(&x))?
            .label(name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        chart
            .draw_series(p.iter().map(|&q| Circle::new(q, 3, color.filled())))
            .map_err(|x| e(&x))?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(|x| e(&x))?;
    root.present().map_err(|x| e(&x))?;
    Ok(())
}

/// Draws every plot into `dir`; returns the file names.
pub fn plots(rows: &[Row], dir: &Path) -> Result<Vec<String>, String> {
    let ix = Index { rows };
    let mut files = Vec::new();
    let mut whos: Vec<(String, String)> = ix
        .backends("ours", 1)
        .into_iter()
        .map(|b| ("ours".to_string(), b))
        .collect();
    whos.extend(ix.peers());
    for op in OPS {
        let mut series: Series = Vec::new();
        for (i, b) in &whos {
            let p: Vec<(f64, f64)> = rows
                .iter()
                .filter(|r| r.imp == *i && r.backend == *b && r.suite == 1 && r.op == op)
                .map(|r| (r.n as f64, r.median_ns / 1e6))
                .collect();
            if !p.is_empty() {
                series.push((pretty(i, b), p));
            }
        }
        // The floor of our fastest backend, for scale.
        let floor: Vec<(f64, f64)> = ix
            .ns()
            .into_iter()
            .filter_map(|n| ix.ours_best(1, op, n))
            .filter_map(|r| r.floor_ns.map(|f| (r.n as f64, f / 1e6)))
            .collect();
        if !floor.is_empty() {
            series.push(("crypto floor (mls-core's fastest backend)".into(), floor));
        }
        let name = format!("op-{op}.svg");
        plot(&dir.join(&name), &format!("{op}, suite 0x0001"), &series)?;
        files.push(name);
    }
    // Suites compared, on the backend that ran the most suites.
    let mut by_backend: BTreeMap<String, BTreeSet<u16>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.imp == "ours") {
        by_backend
            .entry(r.backend.clone())
            .or_default()
            .insert(r.suite);
    }
    if let Some((backend, suites)) = by_backend.iter().max_by_key(|(_, s)| s.len()) {
        for op in [
            "add_commit",
            "join_welcome",
            "update_commit_steady",
            "process_commit_steady",
        ] {
            let mut series: Series = Vec::new();
            for &suite in suites {
                let p: Vec<(f64, f64)> = rows
                    .iter()
                    .filter(|r| {
                        r.imp == "ours" && r.backend == *backend && r.suite == suite && r.op == op
                    })
                    .map(|r| (r.n as f64, r.median_ns / 1e6))
                    .collect();
                if !p.is_empty() {
                    let name = mls_core::crypto::CipherSuite(suite)
                        .info()
                        .map_or(suite_name(suite), |i| {
                            format!("{} {}", suite_name(suite), i.name)
                        });
                    series.push((name, p));
                }
            }
            let name = format!("suites-{op}.svg");
            plot(
                &dir.join(&name),
                &format!("{op}: suites on mls-core ({backend})"),
                &series,
            )?;
            files.push(name);
        }
    }
    Ok(files)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Reads `dir/results.jsonl`; writes `report.md`, the SVGs and
/// `index.html` beside it; returns the markdown.
pub fn render(dir: &Path) -> Result<String, String> {
    let path = dir.join("results.jsonl");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (rows, prims, elapsed) = parse(&text)?;
    let md = markdown(&rows, &prims, elapsed);
    std::fs::write(dir.join("report.md"), &md).map_err(|e| e.to_string())?;
    let files = plots(&rows, dir)?;
    let mut html = String::from(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>mls benchmark report</title>\n\
         <style>body{font-family:sans-serif;max-width:1200px;margin:auto}img{max-width:760px}\
         pre{white-space:pre;overflow-x:auto;font-size:12px}</style></head><body>\n\
         <h1>mls benchmark report</h1>\n<p>Raw data: <a href=\"results.jsonl\">results.jsonl</a>, \
         tables: <a href=\"report.md\">report.md</a>.</p>\n",
    );
    for f in &files {
        let _ = writeln!(
            html,
            "<figure><img src=\"{f}\" alt=\"{f}\"><figcaption>{f}</figcaption></figure>"
        );
    }
    let _ = writeln!(html, "<pre>{}</pre>\n</body></html>", html_escape(&md));
    std::fs::write(dir.join("index.html"), html).map_err(|e| e.to_string())?;
    Ok(md)
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `cargo xtask bench [--quick] [--large] [--filter S] [--n LIST] [--render-only]`.
pub fn run(args: &[String]) -> ExitCode {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"));
    let dir = target.join("bench-report");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("{}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let mut harness: Vec<String> = Vec::new();
    let mut render_only = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" | "--large" => harness.push(a.clone()),
            "--filter" | "--n" => match it.next() {
                Some(v) => harness.extend([a.clone(), v.clone()]),
                None => return crate::usage(),
            },
            "--render-only" => render_only = true,
            _ => return crate::usage(),
        }
    }
    if !render_only {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = dir.join("results.jsonl");
        let mut cmd = Command::new(cargo);
        cmd.current_dir(workspace())
            .args(["bench", "-p", "mls-peers", "--bench", "report", "--"])
            .args(&harness)
            .arg("--out")
            .arg(&out);
        let t = Instant::now();
        if !crate::run(&mut cmd) {
            return ExitCode::FAILURE;
        }
        eprintln!(
            "cargo bench (build and measure) took {:.0} s",
            t.elapsed().as_secs_f64()
        );
    }
    match render(&dir) {
        Ok(md) => {
            println!("{md}");
            eprintln!("wrote {}", dir.join("index.html").display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
