//! The client layer over real storage semantics: a failed storage write
//! keeps nothing of the call, a restarted client carries on from its
//! storage, and clients can cross `.await` points (`Send`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use mls_core::client::{Client, ClientError, ClientOptions, Event};
use mls_core::codec::VLBytes;
use mls_core::crypto::{CipherSuite, CryptoProvider, Rng, SecretVec, Signer};
use mls_core::group::GroupRecords;
use mls_core::messages::Credential;
use mls_core::storage::{MemoryStorage, Storage, StoredKeyPackage, Write};
use mls_vectors::TestRng;

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

fn provider() -> &'static dyn CryptoProvider {
    mls_vectors::testkit::provider()
}

/// A store that can be told to fail its next writes.
#[derive(Default)]
struct Flaky {
    inner: MemoryStorage,
    fail: bool,
}

#[derive(Debug)]
struct WriteFailed;

impl std::fmt::Display for WriteFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("write failed")
    }
}

impl Storage for Flaky {
    type Error = WriteFailed;
    fn write(&mut self, writes: &[Write<'_>]) -> Result<(), WriteFailed> {
        if self.fail {
            return Err(WriteFailed);
        }
        self.inner.write(writes).map_err(|e| match e {})
    }
    fn group(&self, id: &[u8]) -> Result<Option<GroupRecords>, WriteFailed> {
        self.inner.group(id).map_err(|e| match e {})
    }
    fn group_ids(&self) -> Result<Vec<Vec<u8>>, WriteFailed> {
        self.inner.group_ids().map_err(|e| match e {})
    }
    fn key_package(&self, r: &[u8]) -> Result<Option<StoredKeyPackage>, WriteFailed> {
        self.inner.key_package(r).map_err(|e| match e {})
    }
    fn psk(&self, id: &[u8]) -> Result<Option<SecretVec>, WriteFailed> {
        self.inner.psk(id).map_err(|e| match e {})
    }
}

fn rng(seed: u64) -> Box<dyn Rng + Send> {
    Box::new(TestRng::new(seed))
}

fn client<S: Storage>(name: &[u8], signer: Arc<dyn Signer>, storage: S, seed: u64) -> Client<S> {
    Client::with_signer(
        provider(),
        SUITE,
        signer,
        Credential::Basic(VLBytes::new(name.to_vec())),
        ClientOptions::default(),
        storage,
        rng(seed),
    )
    .unwrap()
}

fn key(seed: u64) -> Arc<dyn Signer> {
    let cs = provider().cipher_suite(SUITE).unwrap();
    let (k, _) = cs
        .signature()
        .generate_key_pair(&mut TestRng::new(seed))
        .unwrap();
    Arc::new(k)
}

#[test]
fn a_client_can_cross_await_points() {
    fn send<T: Send>() {}
    send::<Client<MemoryStorage>>();
    send::<ClientOptions>();
}

#[test]
fn a_failed_storage_write_keeps_nothing_of_the_call() {
    let mut alice = client(b"alice", key(1), MemoryStorage::default(), 10);
    let mut bob = client(b"bob", key(2), Flaky::default(), 20);
    alice.create_group(b"g").unwrap();
    let kp = bob.key_package().unwrap();
    let add = alice.group(b"g").unwrap().add_members(&[&kp]).unwrap();
    alice.group(b"g").unwrap().confirm_commit().unwrap();
    bob.join(add.welcome.as_deref().unwrap()).unwrap();

    let first = alice.group(b"g").unwrap().send(b"one").unwrap();
    let before = bob.storage().inner.group(b"g").unwrap().unwrap();
    // Bob's store refuses the write: the call fails and nothing is kept.
    bob_storage(&mut bob).fail = true;
    let e = bob.group(b"g").unwrap().receive(&first).unwrap_err();
    assert!(matches!(e, ClientError::Storage(WriteFailed)));
    let after = bob.storage().inner.group(b"g").unwrap().unwrap();
    assert_eq!(before.epoch.as_bytes(), after.epoch.as_bytes());
    assert_eq!(ratchets(&before), ratchets(&after));
    // Once the store works again, the group is reloaded in its state
    // before the call: the message is still unread, and reads once.
    bob_storage(&mut bob).fail = false;
    match bob.group(b"g").unwrap().receive(&first).unwrap() {
        Event::Message { data, .. } => assert_eq!(data, b"one"),
        other => panic!("{other:?}"),
    }
    assert!(
        bob.group(b"g").unwrap().receive(&first).is_err(),
        "a replay"
    );
}

/// The flaky store of a client.
fn bob_storage(c: &mut Client<Flaky>) -> &mut Flaky {
    c.storage_mut()
}

fn ratchets(r: &GroupRecords) -> Vec<(u32, Vec<u8>)> {
    r.ratchets
        .iter()
        .map(|(l, v)| (*l, v.as_bytes().to_vec()))
        .collect()
}

#[test]
fn a_restarted_client_carries_on_from_its_storage() {
    let (ka, kb) = (key(3), key(4));
    let mut alice = client(b"alice", ka, MemoryStorage::default(), 30);
    let mut bob = client(b"bob", kb.clone(), MemoryStorage::default(), 40);
    alice.create_group(b"g").unwrap();
    let kp = bob.key_package().unwrap();
    let add = alice.group(b"g").unwrap().add_members(&[&kp]).unwrap();
    alice.group(b"g").unwrap().confirm_commit().unwrap();
    bob.join(add.welcome.as_deref().unwrap()).unwrap();
    let m1 = alice.group(b"g").unwrap().send(b"before").unwrap();
    bob.group(b"g").unwrap().receive(&m1).unwrap();

    // Bob's process ends; a new one opens the same storage.
    let storage = bob.into_storage();
    let mut bob = client(b"bob", kb, storage, 41);
    let m2 = alice.group(b"g").unwrap().send(b"after").unwrap();
    match bob.group(b"g").unwrap().receive(&m2).unwrap() {
        Event::Message { data, .. } => assert_eq!(data, b"after"),
        other => panic!("{other:?}"),
    }
    // Bob commits from the restored state; Alice follows.
    let up = bob.group(b"g").unwrap().self_update().unwrap();
    bob.group(b"g").unwrap().confirm_commit().unwrap();
    alice.group(b"g").unwrap().receive(&up.commit).unwrap();
    let a = alice
        .group(b"g")
        .unwrap()
        .export_secret(b"x", b"", 32)
        .unwrap();
    let b = bob
        .group(b"g")
        .unwrap()
        .export_secret(b"x", b"", 32)
        .unwrap();
    assert!(a.as_bytes() == b.as_bytes());
}

#[test]
fn an_external_psk_reaches_the_key_schedule_through_the_clients() {
    let mut alice = client(b"alice", key(5), MemoryStorage::default(), 50);
    let mut bob = client(b"bob", key(6), MemoryStorage::default(), 60);
    alice.create_group(b"g").unwrap();
    let kp = bob.key_package().unwrap();
    let add = alice.group(b"g").unwrap().add_members(&[&kp]).unwrap();
    alice.group(b"g").unwrap().confirm_commit().unwrap();
    bob.join(add.welcome.as_deref().unwrap()).unwrap();

    alice.add_psk(b"shared", &[7; 32]).unwrap();
    let p = alice.group(b"g").unwrap().propose_psk(b"shared").unwrap();
    // Bob lacks the PSK: he caches the proposal but cannot follow the
    // commit; with it (from his storage after a restart), he can.
    assert!(matches!(
        bob.group(b"g").unwrap().receive(&p).unwrap(),
        Event::Proposal { .. }
    ));
    let out = alice.group(b"g").unwrap().commit_pending().unwrap();
    alice.group(b"g").unwrap().confirm_commit().unwrap();
    assert!(bob.group(b"g").unwrap().receive(&out.commit).is_err());
    bob.add_psk(b"shared", &[7; 32]).unwrap();
    let storage = bob.into_storage();
    let mut bob = client(b"bob", key(6), storage, 61);
    assert!(bob.load_psk(b"shared").unwrap());
    match bob.group(b"g").unwrap().receive(&out.commit).unwrap() {
        Event::Commit { .. } => {}
        other => panic!("{other:?}"),
    }
    let a = alice
        .group(b"g")
        .unwrap()
        .export_secret(b"x", b"", 32)
        .unwrap();
    let b = bob
        .group(b"g")
        .unwrap()
        .export_secret(b"x", b"", 32)
        .unwrap();
    assert!(a.as_bytes() == b.as_bytes());
}
