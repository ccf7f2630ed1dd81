//! Incremental storage (`Group::changes`, `Group::from_records`): after
//! every operation of random runs, each member's records restore a group
//! whose snapshot is byte-identical to the live one; reading a message
//! writes its ratchet, not the tree.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use mls_core::group::Group;
use mls_core::storage::{MemoryStorage, Storage, Write};
use mls_vectors::scenario::Scenario;
use mls_vectors::testkit::{each_backend, provider, suite_under_test};

/// Each member's store, by the member's slot in the scenario.
#[derive(Default)]
struct Stores(BTreeMap<usize, MemoryStorage>);

impl Stores {
    /// Saves every active member's changes, then checks that its records
    /// restore exactly its state. Returns the bytes each save wrote.
    fn save_and_check(&mut self, s: &mut Scenario) -> Vec<usize> {
        let mut written = Vec::new();
        for i in s.active() {
            let g = s.members[i].group.as_mut().unwrap();
            if g.has_pending_commit() {
                continue;
            }
            let changes = g.changes().unwrap();
            written.push(changes.bytes_written());
            let store = self.0.entry(i).or_default();
            store.write(&[Write::Group(&changes)]).unwrap();
            g.mark_saved();
            assert!(g.changes().unwrap().is_empty(), "saved state is clean");
            let records = store.group(g.group_id()).unwrap().unwrap();
            let restored = Group::from_records(provider(), &records, None).unwrap();
            assert_eq!(
                restored.to_bytes().unwrap().as_bytes(),
                g.to_bytes().unwrap().as_bytes(),
                "member {i}: the records restore its state"
            );
        }
        written
    }
}

#[test]
fn records_restore_the_state_after_every_operation() {
    each_backend(|| {
        let mut s = Scenario::new(provider(), suite_under_test(), 5);
        let mut stores = Stores::default();
        stores.save_and_check(&mut s);
        s.add_members(3);
        stores.save_and_check(&mut s);
        for _ in 0..12 {
            s.random_operation();
            stores.save_and_check(&mut s);
        }
    });
}

#[test]
fn reading_a_message_writes_its_ratchet_not_the_tree() {
    let mut s = Scenario::new(provider(), suite_under_test(), 9);
    s.add_members(30);
    let mut stores = Stores::default();
    let first = stores.save_and_check(&mut s);
    let full = *first.iter().min().unwrap();
    let mut rng = mls_vectors::TestRng::new(1);
    let msg = mls_vectors::testkit::group(&mut s, 0)
        .protect(provider(), b"one message", b"", &mut rng)
        .unwrap();
    mls_vectors::testkit::deliver(&mut s, 0, &msg);
    let after = stores.save_and_check(&mut s);
    let most = *after.iter().max().unwrap();
    // The whole state of a 31-member group against a few ratchet and
    // secret-node records.
    assert!(
        most * 10 < full,
        "a message wrote {most} bytes; the whole state is {full}"
    );
}
