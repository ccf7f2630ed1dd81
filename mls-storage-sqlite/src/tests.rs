//! Tests: round trips over random scenarios (plain and encrypted), a
//! failure injected at every statement of a write, a writer process
//! killed mid-transaction, key erasure in the raw file bytes, schema
//! migration from version 1, and the encryption errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mls_core::crypto::SecretVec;
use mls_core::group::{Group, GroupChanges, GroupRecords};
use mls_core::storage::{MemoryStorage, Storage, Write};
use mls_vectors::scenario::Scenario;
use mls_vectors::testkit::{deliver, group, provider, suite_under_test};

use super::*;

// ---------------------------------------------------------------- helpers

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let p = std::env::temp_dir().join(format!(
            "mls-storage-sqlite-{tag}-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn plain() -> SqliteOptions {
    SqliteOptions::default()
}

fn keyed(k: u8) -> SqliteOptions {
    SqliteOptions {
        encryption_key: Some([k; 32]),
        ..SqliteOptions::default()
    }
}

type Rec = Vec<(u32, Vec<u8>)>;

/// A group's records as plain bytes: epoch, tree, secret nodes, ratchets.
type Flat = (Vec<u8>, Rec, Rec, Rec);

/// A group's records as plain bytes, to compare byte for byte.
fn flat(r: &GroupRecords) -> Flat {
    let s = |v: &[(u32, SecretVec)]| -> Rec {
        v.iter().map(|(x, s)| (*x, s.as_bytes().to_vec())).collect()
    };
    (
        r.epoch.as_bytes().to_vec(),
        r.tree.clone(),
        s(&r.secret_nodes),
        s(&r.ratchets),
    )
}

fn flat_group(s: &impl Storage, g: &[u8]) -> Option<Flat> {
    s.group(g).expect("group() reads").map(|r| flat(&r))
}

fn snapshot(g: &Group) -> Vec<u8> {
    g.to_bytes().unwrap().as_bytes().to_vec()
}

/// The snapshot of the group the records restore.
fn restored(records: &GroupRecords) -> Vec<u8> {
    snapshot(&Group::from_records(provider(), records, None).unwrap())
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// The bytes of the database file and of its journal / WAL, if any.
fn raw_files(db: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", db.display()));
        if let Ok(b) = std::fs::read(&p) {
            out.push((p.display().to_string(), b));
        }
    }
    out
}

fn found_in_files(db: &Path, needle: &[u8]) -> Option<String> {
    raw_files(db)
        .into_iter()
        .find(|(_, b)| contains(b, needle))
        .map(|(n, _)| n)
}

/// The 32-byte chunks of `v` (at offsets 0, 32, ...; the whole of a
/// shorter value). A value larger than a page is split over overflow
/// pages, so it is searched chunk by chunk.
fn chunks(v: &[u8]) -> Vec<&[u8]> {
    if v.len() <= 32 {
        return vec![v];
    }
    v.chunks_exact(32).collect()
}

/// True when some chunk of `v` is in a file of the database.
fn any_chunk_found(db: &Path, v: &[u8]) -> bool {
    let files = raw_files(db);
    chunks(v)
        .iter()
        .any(|c| files.iter().any(|(_, b)| contains(b, c)))
}

/// True when most chunks of `v` are in a file of the database (the
/// control: a chunk may straddle an overflow page boundary).
fn mostly_found(db: &Path, v: &[u8]) -> bool {
    let files = raw_files(db);
    let c = chunks(v);
    let found = c
        .iter()
        .filter(|c| files.iter().any(|(_, b)| contains(b, c)))
        .count();
    found * 4 >= c.len() * 3
}

/// splitmix64: distinct test values.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Each member's store and a `MemoryStorage` given the same writes.
struct Stores {
    stores: BTreeMap<usize, (SqliteStorage, MemoryStorage)>,
    options: SqliteOptions,
    dir: Option<TempDir>,
}

impl Stores {
    fn new(options: SqliteOptions, on_disk: bool) -> Self {
        Self {
            stores: BTreeMap::new(),
            options,
            dir: on_disk.then(|| TempDir::new("stores")),
        }
    }

    fn path(&self, i: usize) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.file(&format!("member-{i}.db")))
    }

    /// Saves every active member's changes; checks that the store reads
    /// back what `MemoryStorage` holds and restores the member's state.
    fn save_and_check(&mut self, s: &mut Scenario) {
        for i in s.active() {
            let g = s.members[i].group.as_mut().unwrap();
            if g.has_pending_commit() {
                continue;
            }
            let changes = g.changes().unwrap();
            let path = self.path(i);
            let opts = self.options.clone();
            let (store, shadow) = self.stores.entry(i).or_insert_with(|| {
                let st = match path {
                    Some(p) => SqliteStorage::open(p, opts).unwrap(),
                    None => SqliteStorage::open_in_memory(opts).unwrap(),
                };
                (st, MemoryStorage::default())
            });
            store.write(&[Write::Group(&changes)]).unwrap();
            shadow.write(&[Write::Group(&changes)]).unwrap();
            g.mark_saved();
            let records = store.group(g.group_id()).unwrap().unwrap();
            let expected = shadow.group(g.group_id()).unwrap().unwrap();
            assert_eq!(flat(&records), flat(&expected), "member {i}: records");
            assert_eq!(restored(&records), snapshot(g), "member {i}: restores");
        }
    }
}

fn scenario_round_trip(options: SqliteOptions, on_disk: bool, seed: u64) -> Stores {
    let mut s = Scenario::new(provider(), suite_under_test(), seed);
    let mut stores = Stores::new(options, on_disk);
    stores.save_and_check(&mut s);
    s.add_members(3);
    stores.save_and_check(&mut s);
    for _ in 0..20 {
        s.random_operation();
        stores.save_and_check(&mut s);
    }
    assert!(s.operations >= 20);
    stores
}

// ------------------------------------------------------------ round trip

#[test]
fn round_trip_plain_scenario() {
    scenario_round_trip(plain(), false, 11);
}

#[test]
fn round_trip_encrypted_scenario_and_wrong_key() {
    let stores = scenario_round_trip(keyed(7), true, 12);
    let ids: Vec<usize> = stores.stores.keys().copied().collect();
    let path = stores.path(ids[0]).unwrap();
    let gid = stores.stores[&ids[0]].0.group_ids().unwrap();
    assert_eq!(gid.len(), 1);
    // Reopened with the key: everything is there.
    let reopened = SqliteStorage::open(&path, keyed(7)).unwrap();
    let mine = flat_group(&reopened, &gid[0]).unwrap();
    assert_eq!(Some(mine), flat_group(&stores.stores[&ids[0]].1, &gid[0]));
    // The file holds no plaintext record.
    let records = reopened.group(&gid[0]).unwrap().unwrap();
    for (_, r) in &records.ratchets {
        assert!(found_in_files(&path, r.as_bytes()).is_none());
    }
    assert!(found_in_files(&path, &records.epoch.as_bytes()[..64]).is_none());
    drop(reopened);
    // A wrong key, or none, fails cleanly.
    assert!(matches!(
        SqliteStorage::open(&path, keyed(8)),
        Err(Error::WrongKey)
    ));
    assert!(matches!(
        SqliteStorage::open(&path, plain()),
        Err(Error::KeyRequired)
    ));
    let e = SqliteStorage::open(&path, keyed(8)).unwrap_err();
    assert!(e.to_string().contains("key"), "{e}");
}

#[test]
fn encryption_errors_are_typed() {
    let dir = TempDir::new("enc");
    let p = dir.file("plain.db");
    drop(SqliteStorage::open(&p, plain()).unwrap());
    assert!(matches!(
        SqliteStorage::open(&p, keyed(1)),
        Err(Error::NotEncrypted)
    ));

    // A value moved to another row does not open.
    let e = dir.file("enc.db");
    let mut st = SqliteStorage::open(&e, keyed(1)).unwrap();
    let c = GroupChanges {
        group_id: b"g".to_vec(),
        replace_all: true,
        epoch: Some(SecretVec::from_slice(b"epoch")),
        ratchets: vec![
            (0, Some(SecretVec::from_slice(b"r0"))),
            (1, Some(SecretVec::from_slice(b"r1"))),
        ],
        ..GroupChanges::default()
    };
    st.write(&[Write::Group(&c)]).unwrap();
    assert_eq!(flat_group(&st, b"g").unwrap().3[1].1, b"r1");
    st.conn
        .execute(
            "UPDATE ratchets SET value = (SELECT value FROM ratchets WHERE idx = 0) WHERE idx = 1",
            [],
        )
        .unwrap();
    assert!(matches!(
        st.group(b"g"),
        Err(Error::Decryption { table: "ratchets" })
    ));
    // A group's epoch record under another group's ID.
    st.conn
        .execute(
            "INSERT INTO groups (group_id, epoch) SELECT x'68', epoch FROM groups WHERE group_id = x'67'",
            [],
        )
        .unwrap();
    assert!(matches!(
        st.group(b"h"),
        Err(Error::Decryption { table: "groups" })
    ));
    // A newer schema is refused.
    st.conn
        .execute("UPDATE schema_version SET version = 3", [])
        .unwrap();
    drop(st);
    assert!(matches!(
        SqliteStorage::open(&e, keyed(1)),
        Err(Error::UnsupportedSchema(3))
    ));
}

#[test]
fn key_packages_and_psks() {
    let mut st = SqliteStorage::open_in_memory(keyed(3)).unwrap();
    st.write(&[
        Write::KeyPackage {
            reference: b"ref",
            key_package: b"kp",
            private: b"private",
        },
        Write::Psk {
            id: b"psk",
            secret: b"secret",
        },
    ])
    .unwrap();
    let kp = st.key_package(b"ref").unwrap().unwrap();
    assert_eq!(kp.key_package, b"kp");
    assert_eq!(kp.private.as_bytes(), b"private");
    assert_eq!(st.psk(b"psk").unwrap().unwrap().as_bytes(), b"secret");
    st.write(&[Write::DeleteKeyPackage(b"ref"), Write::DeletePsk(b"psk")])
        .unwrap();
    assert!(st.key_package(b"ref").unwrap().is_none());
    assert!(st.psk(b"psk").unwrap().is_none());
    assert!(st.group_ids().unwrap().is_empty());
}

// ------------------------------------------- failure at every statement

/// What a store holds, for the groups and keys the test uses.
#[derive(Debug, PartialEq)]
struct State {
    groups: Vec<(Vec<u8>, Option<Flat>)>,
    key_package: Option<(Vec<u8>, Vec<u8>)>,
    psks: Vec<Option<Vec<u8>>>,
}

fn state(s: &impl Storage, gid: &[u8], psk_ids: &[&[u8]]) -> State {
    State {
        groups: vec![(gid.to_vec(), flat_group(s, gid))],
        key_package: s
            .key_package(b"kp-ref")
            .expect("reads")
            .map(|k| (k.key_package, k.private.as_bytes().to_vec())),
        psks: psk_ids
            .iter()
            .map(|id| s.psk(id).expect("reads").map(|v| v.as_bytes().to_vec()))
            .collect(),
    }
}

#[test]
fn a_failure_at_any_statement_leaves_the_state_before() {
    fail_at_every_statement(plain(), 21);
    fail_at_every_statement(keyed(9), 22);
}

fn fail_at_every_statement(options: SqliteOptions, seed: u64) {
    let mut s = Scenario::new(provider(), suite_under_test(), seed);
    s.add_members(3);
    // Per member: the store, a MemoryStorage, and the snapshot of the
    // state the store holds.
    let mut stores: BTreeMap<usize, (SqliteStorage, MemoryStorage, Option<Vec<u8>>)> =
        BTreeMap::new();
    let mut calls = 0usize;
    let mut max_statements = 0usize;
    let mut rng = mls_vectors::TestRng::new(5);
    for step in 0..7 {
        match step {
            0 => {} // the first save: every record of the group
            1 => {
                let msg = group(&mut s, 0)
                    .protect(provider(), b"hello", b"", &mut rng)
                    .unwrap();
                deliver(&mut s, 0, &msg);
            }
            2 => s.self_update(),
            3 => s.add_members(2),
            4 => s.exchange_messages(),
            5 => s.remove_member(),
            _ => s.update_by_reference(),
        }
        for i in s.active() {
            let g = s.members[i].group.as_mut().unwrap();
            let changes = g.changes().unwrap();
            let after_snapshot = snapshot(g);
            let gid = g.group_id().to_vec();
            let (store, shadow, saved) = stores.entry(i).or_insert_with(|| {
                (
                    SqliteStorage::open_in_memory(options.clone()).unwrap(),
                    MemoryStorage::default(),
                    None,
                )
            });
            let psk_old = format!("psk-{}", step).into_bytes();
            let psk_new = format!("psk-{}", step + 1).into_bytes();
            let secret = format!("secret {step} {i}").into_bytes();
            let kp = format!("kp {step}").into_bytes();
            let writes = [
                Write::Group(&changes),
                Write::KeyPackage {
                    reference: b"kp-ref",
                    key_package: &kp,
                    private: &secret,
                },
                Write::DeletePsk(&psk_old),
                Write::Psk {
                    id: &psk_new,
                    secret: &secret,
                },
            ];
            let ids: [&[u8]; 2] = [&psk_old, &psk_new];
            let before = state(store, &gid, &ids);
            assert_eq!(before, state(shadow, &gid, &ids));
            let mut n = 0;
            loop {
                store.fail_after(n);
                match store.write(&writes) {
                    Err(Error::InjectedFailure) => {
                        assert_eq!(
                            state(store, &gid, &ids),
                            before,
                            "step {step} member {i} n {n}"
                        );
                        match (store.group(&gid).unwrap(), &saved) {
                            (Some(r), Some(snap)) => assert_eq!(&restored(&r), snap),
                            (None, None) => {}
                            _ => panic!("group presence changed at n {n}"),
                        }
                        n += 1;
                    }
                    Err(e) => panic!("unexpected {e}"),
                    Ok(()) => break,
                }
                assert!(n < 100_000);
            }
            calls += 1;
            max_statements = max_statements.max(n);
            shadow.write(&writes).unwrap();
            let after = state(store, &gid, &ids);
            assert_eq!(after, state(shadow, &gid, &ids), "step {step} member {i}");
            let r = store.group(&gid).unwrap().unwrap();
            assert_eq!(restored(&r), after_snapshot);
            g.mark_saved();
            *saved = Some(after_snapshot);
        }
    }
    eprintln!("{calls} write calls, up to {max_statements} statements each, failed at each");
    assert!(calls > 20 && max_statements >= 15);
}

// ------------------------------------------------------- killed writer

const CHILD_ENV: &str = "MLS_STORAGE_SQLITE_CRASH_CHILD";
const CRASH_GROUPS: [&[u8]; 2] = [b"crash-a", b"crash-b"];

fn crash_value(i: u64, kind: u8, x: u32, len: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(len);
    v.extend_from_slice(&i.to_be_bytes());
    v.push(kind);
    v.extend_from_slice(&x.to_be_bytes());
    let mut m = Mix(i.wrapping_mul(31) ^ u64::from(x) ^ (u64::from(kind) << 40));
    v.extend(m.bytes(len - v.len()));
    v
}

/// State `i` of a crash group: sizes vary with `i` so that a mix of two
/// states shows.
fn crash_changes(g: &[u8], i: u64) -> GroupChanges {
    let n_tree = 300 + (i % 5) as u32 * 60;
    let n_secret = 60 + (i % 3) as u32 * 20;
    let n_ratchets = 30 + (i % 4) as u32 * 5;
    GroupChanges {
        group_id: g.to_vec(),
        replace_all: false,
        epoch: Some(SecretVec::new(crash_value(i, 0, 0, 4000))),
        tree_width: Some(n_tree),
        tree: (0..n_tree)
            .map(|x| (x, Some(crash_value(i, 1, x, 500))))
            .collect(),
        clear_secret_tree: true,
        secret_nodes: (0..n_secret)
            .map(|x| (x, Some(SecretVec::new(crash_value(i, 2, x, 64)))))
            .collect(),
        ratchets: (0..n_ratchets)
            .map(|x| (x, Some(SecretVec::new(crash_value(i, 3, x, 200)))))
            .collect(),
    }
}

/// The state the store holds: `None` before the first commit; panics
/// on a mix of states.
fn crash_state(st: &SqliteStorage) -> Option<u64> {
    let marker = st
        .psk(b"marker")
        .unwrap()
        .map(|m| u64::from_be_bytes(m.as_bytes().try_into().unwrap()));
    for g in CRASH_GROUPS {
        let got = flat_group(st, g);
        match marker {
            None => assert!(got.is_none(), "a group without the marker"),
            Some(i) => {
                let mut mem = MemoryStorage::default();
                mem.write(&[Write::Group(&crash_changes(g, i))]).unwrap();
                assert!(
                    got == flat_group(&mem, g),
                    "group {:?} is not state {i}",
                    String::from_utf8_lossy(g)
                );
            }
        }
    }
    marker
}

/// The child mode of `a_killed_writer_leaves_a_committed_state`: a no-op
/// unless the environment names a database.
#[test]
fn crash_child_writer() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut st = SqliteStorage::open(&path, plain()).unwrap();
    let mut i = crash_state(&st).unwrap_or(0);
    // Never outlive a parent that died: stop after a minute.
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(60) {
        i += 1;
        let changes: Vec<GroupChanges> = CRASH_GROUPS.iter().map(|g| crash_changes(g, i)).collect();
        let marker = i.to_be_bytes();
        let mut writes: Vec<Write<'_>> = changes.iter().map(Write::Group).collect();
        writes.push(Write::Psk {
            id: b"marker",
            secret: &marker,
        });
        st.write(&writes).unwrap();
        println!("COMMITTED {i}");
    }
}

/// Kills the child if the test fails before it does.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_killed_writer_leaves_a_committed_state() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{Duration, Instant};

    let dir = TempDir::new("crash");
    let db = dir.file("crash.db");
    let journal = PathBuf::from(format!("{}-journal", db.display()));
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("crash test seed {seed}");
    let mut rng = Mix(seed);
    let exe = std::env::current_exe().unwrap();
    let mut committed: Option<u64> = None;
    let mut hot_journals = 0;
    let rounds = 12;
    for round in 0..rounds {
        let mut child = KillOnDrop(
            Command::new(&exe)
                .args([
                    "tests::crash_child_writer",
                    "--exact",
                    "--nocapture",
                    "--test-threads",
                    "1",
                ])
                .env(CHILD_ENV, &db)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let announced = Arc::new(AtomicU64::new(0));
        let out = child.0.stdout.take().unwrap();
        let reader = {
            let announced = announced.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(out).lines() {
                    let Ok(line) = line else { break };
                    if let Some(n) = line.strip_prefix("COMMITTED ") {
                        announced.store(n.trim().parse().unwrap(), Ordering::SeqCst);
                    }
                }
            })
        };
        // Let it commit 1 to 3 states, then kill it at a random moment.
        let target = committed.unwrap_or(0) + 1 + rng.next() % 3;
        let start = Instant::now();
        while announced.load(Ordering::SeqCst) < target {
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "the child did not commit"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_micros(rng.next() % 40_000));
        child.0.kill().unwrap();
        child.0.wait().unwrap();
        reader.join().unwrap();
        let last = announced.load(Ordering::SeqCst);
        let hot = std::fs::metadata(&journal)
            .map(|m| m.len() > 0)
            .unwrap_or(false);
        hot_journals += usize::from(hot);
        // Reopening rolls a hot journal back, and removes a stale one.
        let st = SqliteStorage::open(&db, plain()).unwrap();
        assert!(
            !journal.exists(),
            "round {round}: opening leaves no journal"
        );
        let now = crash_state(&st).expect("committed states");
        assert!(
            now == last || now == last + 1,
            "round {round}: state {now}, the child announced {last}"
        );
        assert!(Some(now) >= committed);
        eprintln!(
            "round {round}: killed after state {last} (hot journal: {hot}), reads back state {now}"
        );
        committed = Some(now);
    }
    // A journal the kill left before its header was written is not hot
    // (nothing to roll back): opening removes it.
    let mut st = SqliteStorage::open(&db, plain()).unwrap();
    assert!(!journal.exists(), "no journal after opening");
    st.write(&[Write::DeletePsk(b"marker")]).unwrap();
    assert!(!journal.exists(), "no journal after a committed write");
    // Killed in mid-transaction at least once (the child spends nearly
    // all its time inside transactions).
    assert!(hot_journals >= 1, "no kill landed inside a transaction");
}

// ------------------------------------------------------------ key erasure

/// The ratchet records that `after` no longer holds with the same value.
fn replaced(before: &Rec, after: &Rec) -> Vec<(u32, Vec<u8>)> {
    before
        .iter()
        .filter(|(x, v)| !after.iter().any(|(y, w)| y == x && w == v))
        .cloned()
        .collect()
}

#[test]
fn consumed_keys_are_gone_from_the_files() {
    let dir = TempDir::new("erase");
    let db = dir.file("member.db");
    let mut s = Scenario::new(provider(), suite_under_test(), 31);
    s.add_members(2);
    let mut st = SqliteStorage::open(&db, plain()).unwrap();
    let save = |s: &mut Scenario, st: &mut SqliteStorage| {
        let g = s.members[1].group.as_mut().unwrap();
        let c = g.changes().unwrap();
        st.write(&[Write::Group(&c)]).unwrap();
        g.mark_saved();
        g.group_id().to_vec()
    };
    let gid = save(&mut s, &mut st);
    let mut rng = mls_vectors::TestRng::new(3);
    let mut send = |s: &mut Scenario, text: &[u8]| {
        let msg = group(s, 0)
            .protect(provider(), text, b"", &mut rng)
            .unwrap();
        deliver(s, 0, &msg);
    };
    let mut checked = 0;
    for round in 0..3 {
        let before = flat_group(&st, &gid).unwrap();
        send(&mut s, format!("message {round}").as_bytes());
        save(&mut s, &mut st);
        let after = flat_group(&st, &gid).unwrap();
        let gone_ratchets = replaced(&before.3, &after.3);
        let gone_nodes = replaced(&before.2, &after.2);
        if round > 0 {
            // The sender's ratchet record existed and was replaced.
            assert_eq!(gone_ratchets.len(), 1, "round {round}");
        } else {
            // The first message consumes secret-tree nodes.
            assert!(!gone_nodes.is_empty());
        }
        for (x, old) in gone_ratchets.iter().chain(&gone_nodes) {
            assert!(
                found_in_files(&db, old).is_none(),
                "round {round}: record {x} still in {:?}",
                found_in_files(&db, old)
            );
            checked += 1;
        }
        // The search does find what is stored (encryption is off).
        for (_, v) in after.3.iter().chain(&after.2) {
            assert!(found_in_files(&db, v).is_some());
        }
    }
    // A commit: the old epoch record, secret nodes and ratchets go.
    let before = flat_group(&st, &gid).unwrap();
    s.self_update();
    save(&mut s, &mut st);
    let after = flat_group(&st, &gid).unwrap();
    assert_ne!(before.0, after.0);
    assert!(mostly_found(&db, &after.0), "control: the epoch record");
    // What the new records still hold (the new epoch record keeps a past
    // epoch's secrets, the signature key, the context) may stay; the
    // rest of the old records must be gone.
    let current: Vec<&[u8]> = std::iter::once(after.0.as_slice())
        .chain(after.1.iter().map(|(_, v)| v.as_slice()))
        .chain(after.2.iter().map(|(_, v)| v.as_slice()))
        .chain(after.3.iter().map(|(_, v)| v.as_slice()))
        .collect();
    let kept = |c: &[u8]| current.iter().any(|v| contains(v, c));
    let files = raw_files(&db);
    let mut gone_chunks = 0;
    for v in std::iter::once(&before.0)
        .chain(before.2.iter().map(|(_, v)| v))
        .chain(before.3.iter().map(|(_, v)| v))
    {
        for c in chunks(v) {
            if !kept(c) {
                assert!(
                    !files.iter().any(|(_, b)| contains(b, c)),
                    "an old record's bytes are still in the file"
                );
                gone_chunks += 1;
            }
        }
    }
    eprintln!("after a commit: {gone_chunks} chunks of old records checked gone");
    assert!(gone_chunks > 10);
    checked += 1;
    assert!(!PathBuf::from(format!("{}-journal", db.display())).exists());
    assert!(checked >= 4);
}

#[test]
fn replaced_and_deleted_values_leave_no_trace() {
    let dir = TempDir::new("residue");
    let db = dir.file("r.db");
    let mut st = SqliteStorage::open(&db, plain()).unwrap();
    let mut m = Mix(77);
    let mut old: Vec<Vec<u8>> = Vec::new();
    let ratchets: Vec<Vec<u8>> = (0..30).map(|_| m.bytes(100)).collect();
    let epoch = m.bytes(9000); // overflow pages
    let big = m.bytes(3000);
    let c = GroupChanges {
        group_id: b"g".to_vec(),
        replace_all: true,
        epoch: Some(SecretVec::from_slice(&epoch)),
        tree: (0..30).map(|x| (x, Some(m.bytes(120)))).collect(),
        ratchets: ratchets
            .iter()
            .enumerate()
            .map(|(x, v)| (x as u32, Some(SecretVec::from_slice(v))))
            .chain([(99, Some(SecretVec::from_slice(&big)))])
            .collect(),
        ..GroupChanges::default()
    };
    let private = m.bytes(64);
    let psk = m.bytes(48);
    st.write(&[
        Write::Group(&c),
        Write::KeyPackage {
            reference: b"r",
            key_package: b"kp",
            private: &private,
        },
        Write::Psk {
            id: b"p",
            secret: &psk,
        },
    ])
    .unwrap();
    for v in [&epoch, &big, &private, &psk].into_iter().chain(&ratchets) {
        assert!(mostly_found(&db, v), "control: stored values are found");
    }
    // Same size, smaller, larger, deleted; a new epoch record; a tree
    // shrink; a smaller overflow value.
    let (same, small, large) = (m.bytes(100), m.bytes(40), m.bytes(300));
    let epoch2 = m.bytes(8000);
    let c2 = GroupChanges {
        group_id: b"g".to_vec(),
        epoch: Some(SecretVec::from_slice(&epoch2)),
        ratchets: vec![
            (3, Some(SecretVec::from_slice(&same))),
            (4, Some(SecretVec::from_slice(&small))),
            (5, Some(SecretVec::from_slice(&large))),
            (6, None),
            (99, Some(SecretVec::from_slice(&small))),
        ],
        ..GroupChanges::default()
    };
    st.write(&[Write::Group(&c2), Write::DeletePsk(b"p")])
        .unwrap();
    old.extend([epoch.clone(), big.clone(), psk.clone()]);
    old.extend(ratchets[3..7].iter().cloned());
    // A new secret tree clears every ratchet.
    let c3 = GroupChanges {
        group_id: b"g".to_vec(),
        clear_secret_tree: true,
        ..GroupChanges::default()
    };
    st.write(&[Write::Group(&c3), Write::DeleteKeyPackage(b"r")])
        .unwrap();
    old.extend(ratchets.iter().cloned());
    old.extend([same, small, large, private]);
    for (k, v) in old.iter().enumerate() {
        assert!(!any_chunk_found(&db, v), "old value {k} found");
    }
    assert!(mostly_found(&db, &epoch2));
    // Deleting the group erases the rest.
    let tree = flat_group(&st, b"g").unwrap().1;
    st.write(&[Write::DeleteGroup(b"g")]).unwrap();
    assert!(!any_chunk_found(&db, &epoch2));
    for (_, v) in tree {
        assert!(!any_chunk_found(&db, &v));
    }
    assert!(st.group(b"g").unwrap().is_none());
}

/// The control: without secure_delete, the same kind of replacement
/// leaves old values in the file (so the test above can see them).
#[test]
fn without_secure_delete_old_values_linger() {
    let dir = TempDir::new("control");
    let db = dir.file("c.db");
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch(
        "PRAGMA secure_delete = OFF; PRAGMA journal_mode = DELETE; CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB);",
    )
    .unwrap();
    let mut m = Mix(5);
    let vals: Vec<Vec<u8>> = (0..30).map(|_| m.bytes(100)).collect();
    for (k, v) in vals.iter().enumerate() {
        conn.execute("INSERT INTO t VALUES (?1, ?2)", params![k as i64, v])
            .unwrap();
    }
    conn.execute("UPDATE t SET v = ?1 WHERE k = 4", [m.bytes(40)])
        .unwrap();
    conn.execute("DELETE FROM t WHERE k = 6", []).unwrap();
    drop(conn);
    assert!(found_in_files(&db, &vals[4]).is_some() || found_in_files(&db, &vals[6]).is_some());
}

// ------------------------------------------------------------- migration

/// Writes a group's records, a KeyPackage and a PSK in the version-1
/// layout.
fn write_v1(conn: &Connection, r: &GroupRecords, gid: &[u8]) {
    let ins = |kind: i64, idx: u32, v: &[u8]| {
        conn.execute(
            "INSERT INTO group_records (group_id, kind, idx, value) VALUES (?1, ?2, ?3, ?4)",
            params![gid, kind, idx, v],
        )
        .unwrap();
    };
    ins(0, 0, r.epoch.as_bytes());
    for (x, v) in &r.tree {
        ins(1, *x, v);
    }
    for (x, v) in &r.secret_nodes {
        ins(2, *x, v.as_bytes());
    }
    for (x, v) in &r.ratchets {
        ins(3, *x, v.as_bytes());
    }
    conn.execute(
        "INSERT INTO key_packages VALUES (x'01', x'0203', x'040506')",
        [],
    )
    .unwrap();
    conn.execute("INSERT INTO psks VALUES (x'07', x'08090a0b')", [])
        .unwrap();
}

#[test]
fn a_version_1_database_migrates() {
    let mut s = Scenario::new(provider(), suite_under_test(), 41);
    s.add_members(3);
    let mut rng = mls_vectors::TestRng::new(9);
    let msg = group(&mut s, 0)
        .protect(provider(), b"x", b"", &mut rng)
        .unwrap();
    deliver(&mut s, 0, &msg);
    let g = s.members[1].group.as_mut().unwrap();
    let mut mem = MemoryStorage::default();
    mem.write(&[Write::Group(&g.changes().unwrap())]).unwrap();
    let gid = g.group_id().to_vec();
    let records = mem.group(&gid).unwrap().unwrap();
    assert!(!records.ratchets.is_empty());
    let live = snapshot(g);
    let dir = TempDir::new("migrate");
    for options in [plain(), keyed(4)] {
        let encrypted = options.encryption_key.is_some();
        let db = dir.file(&format!("v1-{encrypted}.db"));
        {
            let conn = Connection::open(&db).unwrap();
            conn.execute_batch(SCHEMA_V1).unwrap();
            write_v1(&conn, &records, &gid);
        }
        let st = SqliteStorage::open(&db, options.clone()).unwrap();
        assert_eq!(st.schema_version().unwrap(), 2);
        let check = |st: &SqliteStorage| {
            assert_eq!(st.group_ids().unwrap(), vec![gid.clone()]);
            let r = st.group(&gid).unwrap().unwrap();
            assert_eq!(flat(&r), flat(&records));
            assert_eq!(restored(&r), live);
            let kp = st.key_package(&[1]).unwrap().unwrap();
            assert_eq!(
                (kp.key_package.as_slice(), kp.private.as_bytes()),
                (&[2u8, 3][..], &[4u8, 5, 6][..])
            );
            assert_eq!(st.psk(&[7]).unwrap().unwrap().as_bytes(), &[8, 9, 10, 11]);
        };
        check(&st);
        drop(st);
        // Reopened: no second migration.
        let st = SqliteStorage::open(&db, options).unwrap();
        check(&st);
        let has_v1: bool = st
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'group_records')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(!has_v1);
        if encrypted {
            // Sealed in place: the plaintext records are gone.
            assert!(found_in_files(&db, records.epoch.as_bytes()).is_none());
            for (_, v) in &records.ratchets {
                assert!(found_in_files(&db, v.as_bytes()).is_none());
            }
            drop(st);
            assert!(matches!(
                SqliteStorage::open(&db, plain()),
                Err(Error::KeyRequired)
            ));
        }
    }
}

#[test]
fn a_database_of_something_else_is_refused() {
    let dir = TempDir::new("other");
    let db = dir.file("o.db");
    Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE x (y);")
        .unwrap();
    assert!(matches!(
        SqliteStorage::open(&db, plain()),
        Err(Error::NotAStore)
    ));
}

/// A message writes a few rows; the statement count shows a write touches
/// only the rows its changes name.
#[test]
fn a_message_touches_only_its_rows() {
    let mut s = Scenario::new(provider(), suite_under_test(), 51);
    s.add_members(20);
    let mut st = SqliteStorage::open_in_memory(plain()).unwrap();
    let g = s.members[1].group.as_mut().unwrap();
    st.write(&[Write::Group(&g.changes().unwrap())]).unwrap();
    g.mark_saved();
    let mut rng = mls_vectors::TestRng::new(2);
    let msg = group(&mut s, 0)
        .protect(provider(), b"m", b"", &mut rng)
        .unwrap();
    deliver(&mut s, 0, &msg);
    let g = s.members[1].group.as_mut().unwrap();
    let c = g.changes().unwrap();
    let named = c.tree.len() + c.secret_nodes.len() + c.ratchets.len();
    let before = st.conn.total_changes();
    st.write(&[Write::Group(&c)]).unwrap();
    let changed = st.conn.total_changes() - before;
    assert!(c.epoch.is_none() && c.tree.is_empty());
    assert!(
        changed as usize <= named,
        "{changed} rows for {named} records"
    );
}

/// Page splits, merges and rebuilds move cells between pages: after many
/// random inserts, replacements and deletes, no deleted or replaced value
/// is left anywhere in the file (not in the unallocated gap of a rebuilt
/// page either).
#[test]
fn churn_leaves_no_deleted_value() {
    let dir = TempDir::new("churn");
    let db = dir.file("churn.db");
    let mut st = SqliteStorage::open(&db, plain()).unwrap();
    let mut m = Mix(99);
    let mut live: BTreeMap<(u8, u32), Vec<u8>> = BTreeMap::new();
    let mut dead: Vec<Vec<u8>> = Vec::new();
    let mut shadow = MemoryStorage::default();
    for round in 0..60 {
        let mut cs: Vec<GroupChanges> = Vec::new();
        for g in 0..4u8 {
            let mut c = GroupChanges {
                group_id: vec![b'g', g],
                ..GroupChanges::default()
            };
            for _ in 0..25 {
                let x = (m.next() % 200) as u32;
                let op = m.next() % 3;
                if op == 0 {
                    if let Some(old) = live.remove(&(g, x)) {
                        dead.push(old);
                    }
                    c.ratchets.push((x, None));
                } else {
                    let len = 40 + (m.next() % 200) as usize;
                    let v = m.bytes(len);
                    if let Some(old) = live.insert((g, x), v.clone()) {
                        dead.push(old);
                    }
                    c.ratchets.retain(|(y, _)| *y != x);
                    c.ratchets.push((x, Some(SecretVec::new(v))));
                }
            }
            // Keep only the last write of each index (the map's view).
            cs.push(c);
        }
        let writes: Vec<Write<'_>> = cs.iter().map(Write::Group).collect();
        st.write(&writes).unwrap();
        shadow.write(&writes).unwrap();
        if round % 20 == 19 {
            for g in 0..4u8 {
                assert_eq!(flat_group(&st, &[b'g', g]), flat_group(&shadow, &[b'g', g]));
            }
            let files = raw_files(&db);
            for (k, v) in dead.iter().enumerate() {
                assert!(
                    !files.iter().any(|(_, b)| contains(b, v)),
                    "round {round}: dead value {k} of {} is in the file",
                    dead.len()
                );
            }
            for v in live.values() {
                assert!(files.iter().any(|(_, b)| contains(b, v)));
            }
        }
    }
    assert!(dead.len() > 1000, "{} dead values", dead.len());
}

/// Deletes of consecutive indices run as one range delete: the same
/// result as `MemoryStorage`, whatever the order of writes and deletes.
#[test]
fn delete_runs_match_memory_storage() {
    let mut st = SqliteStorage::open_in_memory(keyed(2)).unwrap();
    let mut mem = MemoryStorage::default();
    let fill = GroupChanges {
        group_id: b"g".to_vec(),
        replace_all: true,
        epoch: Some(SecretVec::from_slice(b"e")),
        tree: (0..20).map(|x| (x, Some(vec![x as u8; 3]))).collect(),
        ..GroupChanges::default()
    };
    let edit = GroupChanges {
        group_id: b"g".to_vec(),
        tree: vec![
            (5, None),
            (6, None),
            (7, None),
            (3, Some(vec![33])),
            (8, None),
            (9, None),
            (9, Some(vec![99])),
            (10, None),
            (2, None),
            (4, None),
            (11, None),
            (12, None),
            (12, Some(vec![12])),
            (13, None),
            (30, None),
            (31, None),
        ],
        ..GroupChanges::default()
    };
    for c in [&fill, &edit] {
        st.write(&[Write::Group(c)]).unwrap();
        mem.write(&[Write::Group(c)]).unwrap();
        assert_eq!(flat_group(&st, b"g"), flat_group(&mem, b"g"));
    }
}
