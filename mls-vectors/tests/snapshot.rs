//! Group snapshots (`Group::to_bytes` / `Group::from_bytes`): a member
//! restored from bytes must behave exactly like the original, including the
//! state that only matters later — retained past epochs (RFC 9420 §15.3),
//! the ReInit a group was closed with (§11.2) and the private keys of our
//! own pending Update proposals (§12.1.2). Version 1 snapshots still load,
//! and malformed snapshots fail without panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_core::codec::VLBytes;
use mls_core::crypto::{CipherSuite, SignaturePrivateKey};
use mls_core::error::{Error, ProtocolError, UsageError};
use mls_core::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, Group, GroupConfig, MemberIdentity, NoPsks,
    ProcessEnv, PskStore, Received,
};
use mls_core::key_package::KeyPackagePrivate;
use mls_core::messages::{
    KeyPackage, MlsMessage, MlsMessageBody, Proposal, ProtocolVersion, ReInit, Remove,
};
use mls_vectors::TestRng;
use mls_vectors::scenario::Scenario;
use mls_vectors::testkit::{self, SUITE, group, process, provider, three};

/// The application data of `msg` at `g`; panics on anything else.
fn read(g: &mut Group, msg: &MlsMessage) -> Vec<u8> {
    match process(g, msg).unwrap() {
        Received::Application { data, .. } => data,
        other => panic!("expected application data, got {other:?}"),
    }
}

fn protect(s: &mut Scenario, i: usize, data: &[u8], rng: &mut TestRng) -> MlsMessage {
    group(s, i).protect(provider(), data, b"", rng).unwrap()
}

/// `committer` commits `proposals` (plus the cached ones with
/// `include_pending`); every other member processes and merges it.
fn commit(
    s: &mut Scenario,
    committer: usize,
    proposals: Vec<Proposal>,
    include_pending: bool,
    rng: &mut TestRng,
) {
    let out = {
        let mut env = CommitEnv {
            rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        group(s, committer)
            .commit(
                provider(),
                CommitOptions {
                    proposals,
                    include_pending,
                    force_path: true,
                    ..CommitOptions::default()
                },
                &mut env,
            )
            .unwrap()
    };
    for i in s.active() {
        if i == committer {
            continue;
        }
        match process(group(s, i), &out.commit).unwrap() {
            Received::Commit(staged) => {
                let removed = staged.removes_self();
                group(s, i).merge_staged(*staged).unwrap();
                if removed {
                    s.members[i].group = None;
                }
            }
            other => panic!("member {i}: expected a commit, got {other:?}"),
        }
    }
    group(s, committer).merge_pending().unwrap();
    s.check_agreement();
}

/// Snapshots member `i`, restores it from the bytes and checks that the
/// restored state snapshots to the same bytes. Returns the restored group;
/// the original stays in the scenario.
fn restored(s: &mut Scenario, i: usize) -> Group {
    let g = group(s, i);
    let bytes = g.to_bytes().unwrap();
    let r = Group::from_bytes(provider(), bytes.as_bytes()).unwrap();
    assert_eq!(r.epoch(), g.epoch());
    assert_eq!(r.epoch_authenticator(), g.epoch_authenticator());
    assert_eq!(r.is_active(), g.is_active());
    assert_eq!(
        r.to_bytes().unwrap().as_bytes(),
        bytes.as_bytes(),
        "snapshot not stable"
    );
    r
}

/// Replaces member `i` by its restored snapshot.
fn restore(s: &mut Scenario, i: usize) {
    let r = restored(s, i);
    s.members[i].group = Some(r);
}

fn assert_replay(e: Error) {
    assert_eq!(e, Error::Protocol(ProtocolError::SecretReused));
}

#[test]
fn rfc9420_15_3_restored_member_reads_late_message_of_past_epoch() {
    let mut s = Scenario::new(provider(), SUITE, 0x5EED_0001);
    s.add_members(2);
    let mut rng = TestRng::new(0x5EED_0002);
    let (a, b, c) = (0, 1, 2);
    let e = group(&mut s, a).epoch();
    let m1 = protect(&mut s, a, b"one", &mut rng);
    let m2 = protect(&mut s, a, b"two", &mut rng);
    let m3 = protect(&mut s, a, b"three", &mut rng);
    // B reads m1 in epoch e: its key is consumed before any snapshot.
    assert_eq!(read(group(&mut s, b), &m1), b"one");
    // C removes A: epoch e+1. A's leaf is blank now; its epoch-e signature
    // key survives only in the retained past epoch.
    let leaf_a = group(&mut s, a).own_leaf();
    commit(
        &mut s,
        c,
        vec![Proposal::Remove(Remove { removed: leaf_a })],
        false,
        &mut rng,
    );
    assert!(s.members[a].group.is_none());
    assert_eq!(group(&mut s, b).epoch(), e + 1);
    let mc = protect(&mut s, c, b"from c in e+1", &mut rng);

    // Restored and original B read the late epoch-e message alike and end
    // in the same state.
    let mut copy = restored(&mut s, b);
    assert_eq!(read(&mut copy, &m2), b"two");
    assert_eq!(read(group(&mut s, b), &m2), b"two");
    assert_eq!(
        copy.to_bytes().unwrap().as_bytes(),
        group(&mut s, b).to_bytes().unwrap().as_bytes()
    );
    // RFC 9420 §9.2: replays stay rejected — a key consumed before the
    // snapshot (m1) and one consumed after the restore (m2).
    assert_replay(process(&mut copy, &m1).unwrap_err());
    assert_replay(process(&mut copy, &m2).unwrap_err());
    s.members[b].group = Some(copy);

    // One more commit: epoch e+2 keeps e and e+1 (max_past_epochs = 2).
    commit(&mut s, c, vec![], false, &mut rng);
    restore(&mut s, b);
    assert_eq!(read(group(&mut s, b), &mc), b"from c in e+1");
    assert_eq!(read(group(&mut s, b), &m3), b"three");
    assert_replay(process(group(&mut s, b), &m1).unwrap_err());
    assert_replay(process(group(&mut s, b), &m3).unwrap_err());
    assert_replay(process(group(&mut s, b), &mc).unwrap_err());
    // The current epoch still works after all that.
    s.exchange_messages();
}

fn key_package_in(
    suite: CipherSuite,
    name: &str,
    rng: &mut TestRng,
) -> (KeyPackage, KeyPackagePrivate, SignaturePrivateKey) {
    testkit::key_package_in(suite, name.as_bytes(), rng)
}

fn identity_in(suite: CipherSuite, name: &str, rng: &mut TestRng) -> MemberIdentity {
    testkit::identity_in(suite, name.as_bytes(), rng).0
}

/// Three members; member 0 commits a ReInit to suite 3 and everyone merges.
fn closed_by_reinit(rng: &mut TestRng) -> (Scenario, ReInit) {
    let mut s = Scenario::new(provider(), SUITE, 0x5EED_0011);
    s.add_members(2);
    let reinit = ReInit {
        group_id: VLBytes::new(b"reinitialized".to_vec()),
        version: ProtocolVersion::MLS10,
        cipher_suite: CipherSuite(3),
        extensions: vec![],
    };
    let out = {
        let mut env = CommitEnv {
            rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let g = group(&mut s, 0);
        let out = g
            .commit(
                provider(),
                CommitOptions {
                    proposals: vec![Proposal::ReInit(reinit.clone())],
                    ..Default::default()
                },
                &mut env,
            )
            .unwrap();
        g.merge_pending().unwrap();
        out
    };
    for i in [1, 2] {
        let g = group(&mut s, i);
        match process(g, &out.commit).unwrap() {
            Received::Commit(staged) => g.merge_staged(*staged).unwrap(),
            other => panic!("{other:?}"),
        }
    }
    (s, reinit)
}

#[test]
fn rfc9420_11_2_restored_closed_group_can_reinit() {
    let mut rng = TestRng::new(0x5EED_0012);
    let (mut s, reinit) = closed_by_reinit(&mut rng);
    for i in 0..3 {
        restore(&mut s, i);
        let g = group(&mut s, i);
        assert!(!g.is_active(), "a restored closed group must stay closed");
        let gid = g.group_id().to_vec();
        assert_eq!(g.reinit_of(&gid), Some(&reinit));
        assert_eq!(
            g.protect(provider(), b"x", b"", &mut rng).unwrap_err(),
            Error::Usage(UsageError::GroupInactive)
        );
    }
    // The restored member 0 creates the successor; the restored members 1
    // and 2 join it, each with its restored old group as the PSK store
    // (resumption PSK, and the ReInit the Welcome must match).
    let suite3 = reinit.cipher_suite;
    let kps: Vec<_> = ["m1", "m2"]
        .iter()
        .map(|n| key_package_in(suite3, n, &mut rng))
        .collect();
    let id0 = identity_in(suite3, "m0", &mut rng);
    let (new0, out) = {
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        s.members[0]
            .group
            .as_ref()
            .unwrap()
            .reinit_successor(
                provider(),
                id0,
                kps.iter().map(|k| k.0.clone()).collect(),
                GroupConfig::default(),
                &mut env,
            )
            .unwrap()
    };
    assert_eq!(
        (new0.epoch(), new0.cipher_suite(), new0.group_id()),
        (1, suite3, &b"reinitialized"[..])
    );
    let MlsMessageBody::Welcome(w) = out.welcome.unwrap().body else {
        panic!("not a Welcome")
    };
    for (i, (kp, private, sk)) in kps.into_iter().enumerate() {
        let old = s.members[i + 1].group.as_ref().unwrap();
        let mut env = ProcessEnv {
            psks: old,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let g = Group::join(
            provider(),
            &w,
            &kp,
            private,
            sk,
            None,
            &mut env,
            GroupConfig::default(),
        )
        .unwrap();
        assert_eq!(g.epoch_authenticator(), new0.epoch_authenticator());
    }
}

#[test]
fn rfc9420_12_1_2_restored_member_merges_commit_of_its_update() {
    let mut s = Scenario::new(provider(), SUITE, 0x5EED_0021);
    s.add_members(2);
    let mut rng = TestRng::new(0x5EED_0022);
    let msg = group(&mut s, 1)
        .propose_update(provider(), &mut rng)
        .unwrap();
    for i in [0, 2] {
        assert!(matches!(
            process(group(&mut s, i), &msg).unwrap(),
            Received::Proposal(_)
        ));
    }
    // Member 1 is saved and restored while its Update is pending; member 0
    // then commits it by reference. The commit's path is encrypted to the
    // Update's new leaf key, which only the pending update holds.
    restore(&mut s, 1);
    let before = group(&mut s, 1).own_leaf_node().unwrap().clone();
    commit(&mut s, 0, vec![], true, &mut rng);
    let after = group(&mut s, 1).own_leaf_node().unwrap().clone();
    assert_ne!(
        before.encryption_key, after.encryption_key,
        "the Update was not applied"
    );
    // All agree (checked by `commit`), and member 1's new leaf key works:
    // the next commit's path is encrypted to it again.
    commit(&mut s, 2, vec![], false, &mut rng);
    restore(&mut s, 1);
    s.exchange_messages();
    s.check_agreement();
}

#[test]
fn snapshot_versions_1_and_2_still_load() {
    // Version 1 holds no past epochs, pending Updates or ReInit; keep none.
    let config = GroupConfig {
        max_past_epochs: 0,
        ..GroupConfig::default()
    };
    let mut s = Scenario::with_config(provider(), SUITE, 0x5EED_0031, config);
    s.add_members(2);
    s.exchange_messages();
    let v3 = group(&mut s, 1).to_bytes().unwrap();
    let v3 = v3.as_bytes().to_vec();
    assert_eq!(&v3[..6], b"MLSG\x00\x03");
    for version in [1u16, 2] {
        let old = group(&mut s, 1).to_bytes_in_version(version).unwrap();
        let old = old.as_bytes().to_vec();
        assert_eq!(&old[..6], &[b'M', b'L', b'S', b'G', 0, version as u8]);
        // The old form carries one more secret (encryption_secret).
        assert!(old.len() > v3.len() - if version == 1 { 9 } else { 0 });
        let g = Group::from_bytes(provider(), &old).unwrap();
        assert_eq!(
            g.to_bytes().unwrap().as_bytes(),
            v3,
            "v{version} -> v3 upgrade"
        );
        // Another version's header over this body is refused.
        for other in [0u8, 1, 2, 3, 4, 0xFF] {
            if u16::from(other) == version {
                continue;
            }
            let mut wrong = old.clone();
            wrong[5] = other;
            assert!(
                Group::from_bytes(provider(), &wrong).is_err(),
                "v{version} body under version {other} accepted"
            );
        }
    }
    // The member loaded from version 1 carries on in the group.
    let v1 = group(&mut s, 1).to_bytes_in_version(1).unwrap();
    let g = Group::from_bytes(provider(), v1.as_bytes()).unwrap();
    s.members[1].group = Some(g);
    commit(&mut s, 1, vec![], false, &mut TestRng::new(0x5EED_0032));
    s.exchange_messages();
    s.update_by_reference();
    s.check_agreement();
}

/// RFC 9420 §9.2: a snapshot holds no `encryption_secret`: whoever reads
/// it cannot re-derive the keys of messages already read. Every message
/// of the epoch read before the snapshot stays unreadable after it.
#[test]
fn rfc9420_9_2_snapshot_holds_no_encryption_secret() {
    let mut s = three(0x5EED_0033);
    let mut rng = TestRng::new(0x5EED_0034);
    let msg = group(&mut s, 0)
        .protect(provider(), b"read then deleted", b"", &mut rng)
        .unwrap();
    let g = group(&mut s, 1);
    let _ = process(g, &msg).unwrap();
    let bytes = g.to_bytes().unwrap();
    let mut restored = Group::from_bytes(provider(), bytes.as_bytes()).unwrap();
    assert!(process(&mut restored, &msg).is_err());
    // Neither the member nor the restored copy holds the secret.
    assert!(restored.encryption_secret_for_testing().is_empty());
    assert!(group(&mut s, 1).encryption_secret_for_testing().is_empty());
}

/// Every strict prefix of `bytes` is refused, and no single-byte change
/// makes `from_bytes` panic.
fn assert_fails_cleanly(bytes: &[u8]) {
    for cut in 0..bytes.len() {
        assert!(
            Group::from_bytes(provider(), &bytes[..cut]).is_err(),
            "prefix of {cut} of {} bytes accepted",
            bytes.len()
        );
    }
    let mut extra = bytes.to_vec();
    extra.push(0);
    assert!(Group::from_bytes(provider(), &extra).is_err());
    let mut flipped = bytes.to_vec();
    for i in 0..flipped.len() {
        for mask in [0x01, 0x80, 0xFF] {
            flipped[i] ^= mask;
            let _ = Group::from_bytes(provider(), &flipped);
            flipped[i] ^= mask;
        }
    }
}

#[test]
fn snapshot_v2_truncated_or_corrupted_fails_without_panicking() {
    // A state with every version 2 part: past epochs (one recording a
    // removed sender), consumed and skipped ratchet keys, a pending Update
    // and cached proposals.
    let mut s = Scenario::new(provider(), SUITE, 0x5EED_0041);
    s.add_members(3);
    let mut rng = TestRng::new(0x5EED_0042);
    let m0 = protect(&mut s, 0, b"zero", &mut rng);
    let m1 = protect(&mut s, 0, b"one", &mut rng);
    assert_eq!(read(group(&mut s, 1), &m1), b"one");
    let leaf3 = group(&mut s, 3).own_leaf();
    commit(
        &mut s,
        2,
        vec![Proposal::Remove(Remove { removed: leaf3 })],
        false,
        &mut rng,
    );
    commit(&mut s, 0, vec![], false, &mut rng);
    let update = group(&mut s, 1)
        .propose_update(provider(), &mut rng)
        .unwrap();
    for i in [0, 2] {
        let _ = process(group(&mut s, i), &update).unwrap();
    }
    let bytes = group(&mut s, 1).to_bytes().unwrap();
    assert_fails_cleanly(bytes.as_bytes());
    // The state is what it claims: the restored member reads the skipped
    // message from two epochs back and applies its Update.
    restore(&mut s, 1);
    assert_eq!(read(group(&mut s, 1), &m0), b"zero");
    commit(&mut s, 2, vec![], true, &mut rng);

    // And a closed group's snapshot, with its ReInit.
    let (mut s, _) = closed_by_reinit(&mut rng);
    let bytes = group(&mut s, 1).to_bytes().unwrap();
    assert_fails_cleanly(bytes.as_bytes());
}
