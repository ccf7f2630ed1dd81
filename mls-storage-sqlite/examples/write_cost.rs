//! Bytes a member's store writes per operation at 1,024 and 16,384
//! members: an application message read, an update commit (a full
//! UpdatePath) and an Add commit, processed by one member whose state is
//! in a [`SqliteStorage`].
//!
//! Per operation it prints the record bytes of the changes
//! (`GroupChanges::bytes_written`), of which the epoch record, the rows
//! named (writes and deletes), and the bytes the
//! process wrote to the database and its journal (`wchar` of
//! `/proc/self/io` around the write, Linux only), for a plain and an
//! encrypted store, and the plain write's time. Run: `cargo run -p mls-storage-sqlite --release
//! --example write_cost [n ...]`.

use std::error::Error;

use mls_core::codec::VLBytes;
use mls_core::crypto::{CipherSuite, CryptoProvider};
use mls_core::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, Group, GroupChanges, GroupConfig, NoPsks,
    ProcessEnv, Received,
};
use mls_core::key_package::{KeyPackageParams, generate_key_package};
use mls_core::messages::{Add, Credential, Lifetime, MlsMessage, Proposal};
use mls_core::storage::{Storage, Write};
use mls_core::tree_math::LeafIndex;
use mls_storage_sqlite::{SqliteOptions, SqliteStorage};
use mls_vectors::TestRng;
use mls_vectors::fixtures::{capabilities, full_tree};

const SUITE: CipherSuite = CipherSuite(1);

/// Bytes this process has written through `write(2)` so far.
fn wchar() -> Option<u64> {
    let io = std::fs::read_to_string("/proc/self/io").ok()?;
    io.lines()
        .find_map(|l| l.strip_prefix("wchar:"))
        .and_then(|v| v.trim().parse().ok())
}

/// A plain and an encrypted store of the same member.
struct Stores {
    plain: SqliteStorage,
    sealed: SqliteStorage,
    dir: std::path::PathBuf,
}

impl Stores {
    /// Writes `c` to both stores; prints what it cost.
    fn write(&mut self, what: &str, n: u32, c: &GroupChanges) -> Result<(), Box<dyn Error>> {
        let rows =
            c.tree.len() + c.secret_nodes.len() + c.ratchets.len() + usize::from(c.epoch.is_some());
        let mut io = [0u64; 2];
        let mut ms = 0.0;
        for (k, st) in [&mut self.plain, &mut self.sealed].into_iter().enumerate() {
            let before = wchar();
            let t = std::time::Instant::now();
            st.write(&[Write::Group(c)])?;
            if k == 0 {
                ms = t.elapsed().as_secs_f64() * 1e3;
            }
            io[k] = match (before, wchar()) {
                (Some(a), Some(b)) => b - a,
                _ => 0,
            };
        }
        let size = |f: &str| std::fs::metadata(self.dir.join(f)).map_or(0, |m| m.len());
        println!(
            "{n:>6} {what:<14} {:>10} {:>9} {rows:>6} {:>12} {:>12} {:>12} {ms:>9.2}",
            c.bytes_written(),
            c.epoch.as_ref().map_or(0, |e| e.len()),
            io[0],
            io[1],
            size("plain.db"),
        );
        Ok(())
    }
}

fn process(
    provider: &dyn CryptoProvider,
    g: &mut Group,
    msg: &MlsMessage,
) -> Result<(), Box<dyn Error>> {
    let mut env = ProcessEnv {
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    if let Received::Commit(staged) = g.process(provider, msg, &mut env)? {
        g.merge_staged(*staged)?;
    }
    Ok(())
}

fn commit(
    provider: &dyn CryptoProvider,
    g: &mut Group,
    options: CommitOptions,
    rng: &mut TestRng,
) -> Result<MlsMessage, Box<dyn Error>> {
    let mut env = CommitEnv {
        rng,
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    let out = g.commit(provider, options, &mut env)?;
    g.merge_pending()?;
    Ok(out.commit)
}

fn run(provider: &'static dyn CryptoProvider, n: u32) -> Result<(), Box<dyn Error>> {
    let cs = provider.cipher_suite(SUITE).ok_or("suite 1")?;
    let t = full_tree(cs, n, true, &mut TestRng::new(u64::from(n)));
    let member = |leaf: u32| {
        Group::from_tree_for_testing(
            provider,
            SUITE,
            t.tree.clone(),
            t.group_id.clone(),
            7,
            &[9u8; 32],
            t.private_state(LeafIndex(leaf)),
            t.members[leaf as usize].signature.duplicate(),
            GroupConfig::default(),
        )
    };
    let mut sender = member(5)?;
    let mut me = member(n - 1)?;
    let dir = std::env::temp_dir().join(format!("mls-write-cost-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut stores = Stores {
        plain: SqliteStorage::open(dir.join("plain.db"), SqliteOptions::default())?,
        sealed: SqliteStorage::open(
            dir.join("sealed.db"),
            SqliteOptions {
                encryption_key: Some([7; 32]),
                ..SqliteOptions::default()
            },
        )?,
        dir: dir.clone(),
    };
    let mut save = |what: &str, g: &mut Group| -> Result<(), Box<dyn Error>> {
        let c = g.changes()?;
        stores.write(what, n, &c)?;
        g.mark_saved();
        Ok(())
    };
    save("whole state", &mut me)?;
    let mut rng = TestRng::new(3);

    // Two messages: the first starts the sender's ratchet (and consumes
    // secret-tree nodes), the second is the steady state.
    for what in ["message 1st", "message"] {
        let msg = sender.protect(provider, b"hello", b"", &mut rng)?;
        process(provider, &mut me, &msg)?;
        save(what, &mut me)?;
    }

    let update = commit(
        provider,
        &mut sender,
        CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
        &mut rng,
    )?;
    process(provider, &mut me, &update)?;
    save("update commit", &mut me)?;

    let (sk, _) = cs.signature().generate_key_pair(&mut rng)?;
    let (kp, _private) = generate_key_package(
        cs,
        KeyPackageParams {
            signer: &sk,
            credential: Credential::Basic(VLBytes::new(b"newcomer".to_vec())),
            capabilities: capabilities(cs),
            lifetime: Lifetime {
                not_before: 0,
                not_after: u64::MAX,
            },
            leaf_extensions: vec![],
            extensions: vec![],
        },
        &mut rng,
    )?;
    let add = commit(
        provider,
        &mut sender,
        CommitOptions {
            proposals: vec![Proposal::Add(Add { key_package: kp })],
            ..CommitOptions::default()
        },
        &mut rng,
    )?;
    process(provider, &mut me, &add)?;
    save("add commit", &mut me)?;
    drop(stores);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let sizes: Vec<u32> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let sizes = if sizes.is_empty() {
        vec![1024, 16384]
    } else {
        sizes
    };
    let provider = mls_vectors::backends()[0].1;
    println!(
        "{:>6} {:<14} {:>10} {:>9} {:>6} {:>12} {:>12} {:>12} {:>9}",
        "n",
        "operation",
        "record B",
        "epoch B",
        "rows",
        "plain io B",
        "sealed io B",
        "plain file B",
        "plain ms"
    );
    for n in sizes {
        run(provider, n)?;
    }
    Ok(())
}
