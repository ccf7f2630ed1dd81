//! Tidy test of the RFC 9420 receiver-check index (`mls-core/RFC9420-CHECKS.md`):
//! every row names tests that exist (a `fn` of the named file, or an entry
//! of its `vector_tests!` table) or is marked `n/a:` with a reason, the ids
//! are unique, and the counts the index and the README state are the
//! counts of the rows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// True when `src` defines `fn name` or lists `name =>` in a table of
/// generated tests.
fn defines(src: &str, name: &str) -> bool {
    let whole = |pat: &str| {
        src.match_indices(pat).any(|(i, _)| {
            let before = src[..i].chars().next_back().is_none_or(|c| !is_ident(c));
            let after = src[i + pat.len()..]
                .chars()
                .next()
                .is_none_or(|c| !is_ident(c));
            before && after
        })
    };
    whole(&format!("fn {name}")) || whole(&format!("{name} =>"))
}

/// The cells of a table row, split at unescaped `|`.
fn cells(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev = ' ';
    for c in line.trim().trim_start_matches('|').chars() {
        if c == '|' && prev != '\\' {
            out.push(cur.trim().to_string());
            cur.clear();
        } else {
            cur.push(c);
        }
        prev = c;
    }
    out
}

struct Row {
    id: u32,
    test: String,
}

fn rows(index: &str) -> Vec<Row> {
    index
        .lines()
        .filter_map(|l| {
            let c = cells(l);
            let id: u32 = c.first()?.parse().ok()?;
            assert_eq!(c.len(), 5, "row {id}: five cells expected: {l}");
            Some(Row {
                id,
                test: c[4].clone(),
            })
        })
        .collect()
}

/// Checks one test cell; returns "test" or "n/a".
fn check_cell(id: u32, cell: &str, root: &Path) -> &'static str {
    if let Some(reason) = cell.strip_prefix("n/a:") {
        assert!(reason.trim().len() >= 10, "row {id}: `n/a:` needs a reason");
        return "n/a";
    }
    let mut n = 0;
    for entry in cell.split(';') {
        let entry = entry.trim();
        let inner = entry
            .strip_prefix('`')
            .and_then(|e| e.strip_suffix('`'))
            .unwrap_or_else(|| panic!("row {id}: expected `file::test`, got {entry:?}"));
        let (file, name) = inner
            .rsplit_once("::")
            .unwrap_or_else(|| panic!("row {id}: expected `file::test`, got {inner:?}"));
        assert!(
            !name.is_empty() && name.chars().all(is_ident),
            "row {id}: bad test name {name:?}"
        );
        let src = std::fs::read_to_string(root.join(file))
            .unwrap_or_else(|e| panic!("row {id}: cannot read {file}: {e}"));
        assert!(defines(&src, name), "row {id}: {file} has no test `{name}`");
        n += 1;
    }
    assert!(n > 0, "row {id}: neither a test nor a reason");
    "test"
}

#[test]
fn rfc9420_receiver_check_index_names_real_tests() {
    let root = root();
    let index = std::fs::read_to_string(root.join("mls-core/RFC9420-CHECKS.md")).unwrap();
    let rows = rows(&index);
    assert!(rows.len() >= 150, "only {} rows", rows.len());
    let mut ids = BTreeSet::new();
    let (mut tested, mut na) = (0, 0);
    for r in &rows {
        assert!(ids.insert(r.id), "row {} twice", r.id);
        match check_cell(r.id, &r.test, &root) {
            "test" => tested += 1,
            _ => na += 1,
        }
    }
    let claim = format!(
        "{tested} of {} receiver checks enforced and tested",
        rows.len()
    );
    assert!(
        index.contains(&format!("**{claim}; {na} not applicable.**")),
        "the index must state: {claim}; {na} not applicable"
    );
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.contains(&claim), "README.md must state: {claim}");
}

#[test]
fn index_parser_rejects_what_it_must() {
    let root = root();
    let here = "mls-vectors/tests/rfc_index.rs";
    assert_eq!(
        check_cell(
            1,
            &format!("`{here}::index_parser_rejects_what_it_must`"),
            &root
        ),
        "test"
    );
    assert_eq!(check_cell(1, "n/a: the application's to do", &root), "n/a");
    for bad in [
        format!("`{here}::no_such_test`"),
        format!("`{here}::index_parser`"),
        "n/a:".to_string(),
        "todo: no negative test yet".to_string(),
        String::new(),
        "`mls-vectors/tests/nowhere.rs::x`".to_string(),
    ] {
        let r = std::panic::catch_unwind(|| check_cell(1, &bad, &root));
        assert!(r.is_err(), "accepted {bad:?}");
    }
    assert!(defines("vector_tests! { rfc_x => \"x.json\" }", "rfc_x"));
    assert!(!defines("fn rfc_xy() {}", "rfc_x"));
}
