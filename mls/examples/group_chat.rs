//! A three-member group chat through the client layer, each member with
//! its own database: `cargo run --example group_chat`.
//!
//! Alice creates a group and adds Bob and Carol with one commit; everyone
//! chats; Bob's process stops and starts again from his database, and
//! the others never notice; Bob refreshes his keys; Alice removes Carol;
//! the remaining two chat on. The "network" is a few function calls: the
//! library is sans-IO, so the application moves the bytes.
#![allow(clippy::expect_used, clippy::panic)]

use std::error::Error;
use std::path::{Path, PathBuf};

use mls::{Client, ClientOptions, Event, SUITE_1};
use mls_storage_sqlite::{SqliteOptions, SqliteStorage};

type Member = Client<SqliteStorage>;

/// Opens (or reopens) `name`'s client on its database file. The signing
/// key lives with the application, as an HSM key would: here it is kept
/// beside the database so that a restarted process finds it.
fn open(dir: &Path, name: &str) -> Result<Member, Box<dyn Error>> {
    let storage = SqliteStorage::open(dir.join(format!("{name}.db")), SqliteOptions::default())?;
    let key_file = dir.join(format!("{name}.key"));
    let cs = mls::provider()
        .cipher_suite(SUITE_1)
        .ok_or("the backend serves suite 1")?;
    let key = match std::fs::read(&key_file) {
        Ok(bytes) => mls::crypto::SignaturePrivateKey::from_slice(&bytes),
        Err(_) => {
            let (key, _) = cs
                .signature()
                .generate_key_pair(mls::system_rng().as_mut())?;
            std::fs::write(&key_file, key.as_bytes())?;
            key
        }
    };
    let credential = mls::messages::Credential::Basic(mls::codec::VLBytes::new(name.into()));
    Ok(Client::with_signer(
        mls::provider(),
        SUITE_1,
        std::sync::Arc::new(key),
        credential,
        ClientOptions::default(),
        storage,
        mls::system_rng(),
    )?)
}

/// Hands `msg` to `member` and prints what it made of it.
fn deliver(name: &str, member: &mut Member, msg: &[u8]) -> Result<(), Box<dyn Error>> {
    let mut g = member.group(b"book club")?;
    match g.receive(msg)? {
        Event::Message { sender, data } => {
            let from = g
                .members()?
                .into_iter()
                .find(|m| m.leaf == sender)
                .map(|m| String::from_utf8_lossy(&m.identity).into_owned())
                .unwrap_or_default();
            println!(
                "  {name} reads from {from}: {}",
                String::from_utf8_lossy(&data)
            );
        }
        Event::Commit { epoch, .. } => println!("  {name} follows the commit to epoch {epoch}"),
        Event::Removed => println!("  {name} was removed from the group"),
        other => println!("  {name}: {other:?}"),
    }
    Ok(())
}

fn scratch_dir() -> Result<PathBuf, Box<dyn Error>> {
    let dir = std::env::temp_dir().join(format!("mls-group-chat-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = scratch_dir()?;
    println!("databases in {}", dir.display());
    let mut alice = open(&dir, "alice")?;
    let mut bob = open(&dir, "bob")?;
    let mut carol = open(&dir, "carol")?;

    alice.create_group(b"book club")?;
    println!("alice created the group (epoch 0)");

    // Bob and Carol publish KeyPackages; Alice adds both with one commit.
    let (bob_kp, carol_kp) = (bob.key_package()?, carol.key_package()?);
    let add = alice
        .group(b"book club")?
        .add_members(&[&bob_kp, &carol_kp])?;
    alice.group(b"book club")?.confirm_commit()?; // the server accepted it
    let welcome = add.welcome.ok_or("an Add makes a Welcome")?;
    for (name, c) in [("bob", &mut bob), ("carol", &mut carol)] {
        c.join(&welcome)?;
        println!("{name} joined at epoch {}", c.group(b"book club")?.epoch()?);
    }

    // Everyone chats.
    let m = alice.group(b"book club")?.send(b"Welcome, both of you!")?;
    deliver("bob", &mut bob, &m)?;
    deliver("carol", &mut carol, &m)?;

    // Bob's process stops; a new one opens his database. Alice and Carol
    // notice nothing: the next message reads as any other.
    drop(bob);
    println!("bob's app restarts from its database");
    let mut bob = open(&dir, "bob")?;
    let m = carol.group(b"book club")?.send(b"Glad to be here.")?;
    deliver("alice", &mut alice, &m)?;
    deliver("bob", &mut bob, &m)?;

    // Bob refreshes his keys (post-compromise security).
    let up = bob.group(b"book club")?.self_update()?;
    println!("bob updates his keys (path: {})", up.has_path);
    bob.group(b"book club")?.confirm_commit()?;
    deliver("alice", &mut alice, &up.commit)?;
    deliver("carol", &mut carol, &up.commit)?;

    // Alice removes Carol.
    let carol_leaf = alice
        .group(b"book club")?
        .member_by_identity(b"carol")?
        .ok_or("carol is a member")?;
    let rm = alice.group(b"book club")?.remove_members(&[carol_leaf])?;
    alice.group(b"book club")?.confirm_commit()?;
    println!("alice removes carol");
    deliver("bob", &mut bob, &rm.commit)?;
    deliver("carol", &mut carol, &rm.commit)?;

    let m = bob.group(b"book club")?.send(b"Just the two of us now.")?;
    deliver("alice", &mut alice, &m)?;
    let a = alice.group(b"book club")?.export_secret(b"chat", b"", 32)?;
    let b = bob.group(b"book club")?.export_secret(b"chat", b"", 32)?;
    assert!(a.as_bytes() == b.as_bytes(), "alice and bob agree");
    println!(
        "alice and bob agree on epoch {}'s secrets",
        alice.group(b"book club")?.epoch()?
    );
    drop((alice, bob, carol));
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
