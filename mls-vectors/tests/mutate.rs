//! The mutation test's CI slice (`cargo xtask mutate` runs more): 10,000
//! mutated inputs from the official passive-client vectors and the
//! scenario driver, fed to `Group::process`, `Group::join` and
//! `Group::join_external`. No panic, every non-void input rejected, and
//! the receiver's snapshot byte-identical after every rejection (RFC 9420
//! §6.3, §12.4.3; the project's atomicity rule).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_vectors::mutate::{self, Mutation, Options, Verdict, Xorshift};
use mls_vectors::testkit::provider;

#[test]
fn mutated_messages_are_rejected_without_panic_or_state_change() {
    let report = mutate::run(
        provider(),
        Options {
            count: 10_000,
            seed: 0x5EED_0001,
            vectors: true,
        },
    );
    eprintln!("{report}");
    if report.vectors_missing {
        assert!(
            !mls_vectors::vectors_required(),
            "MLS_REQUIRE_VECTORS is set but the vectors are missing"
        );
    }
    assert!(report.clean(), "{report}");
    assert!(report.tried >= 10_000, "{report}");
    // The corpus reaches every receiver, and most inputs get past decoding.
    for t in ["Process", "Join", "JoinExternal"] {
        assert!(
            report.per_target.get(t).copied().unwrap_or(0) > 0,
            "no input reached {t}: {report}"
        );
    }
    assert!(report.rejected > report.tried / 4, "{report}");
    for m in Mutation::ALL {
        assert!(
            report.per_mutation.contains_key(&format!("{m:?}")),
            "mutation {m:?} never drawn"
        );
    }
}

#[test]
fn a_mutation_always_changes_the_bytes() {
    let cases = mutate::all_scenario_cases(provider()).unwrap();
    let mut rng = Xorshift::new(3);
    let partners: Vec<_> = cases
        .iter()
        .map(|c| {
            (
                mls_core::codec::Encode::encode(&c.message).unwrap(),
                c.message.clone(),
            )
        })
        .collect();
    for c in &cases {
        let orig = mls_core::codec::Encode::encode(&c.message).unwrap();
        for _ in 0..200 {
            let (_, out) = mutate::mutate(&orig, &c.message, &partners, &mut rng);
            assert_ne!(out, orig, "{}", c.origin);
        }
    }
}

fn scenario_case(origin_suffix: &str, encrypt_handshake: bool) -> mutate::Case {
    mutate::all_scenario_cases(provider())
        .unwrap()
        .into_iter()
        .find(|c| {
            c.origin.ends_with(origin_suffix) && c.config.encrypt_handshake == encrypt_handshake
        })
        .unwrap()
}

/// RFC 9420 §12.4.3.1: a joiner reads only its own EncryptedGroupSecrets;
/// editing another new member's entry is void (the join succeeds into the
/// same state), editing its own is rejected.
#[test]
fn rfc9420_12_4_3_1_welcome_edits_outside_the_joiners_entry_are_void() {
    use mls_core::codec::Encode;
    use mls_core::messages::MlsMessageBody;
    let case = scenario_case(" welcome", false);
    let MlsMessageBody::Welcome(w) = &case.message.body else {
        panic!("not a Welcome");
    };
    assert_eq!(w.secrets.len(), 2, "the scenario adds two members");
    let own = match &case.target {
        mutate::Target::Join { key_package, .. } => {
            let cs = provider().cipher_suite(case.suite).unwrap();
            mls_core::key_package::key_package_reference(cs, key_package).unwrap()
        }
        other => panic!("{other:?}"),
    };
    let own_index = w
        .secrets
        .iter()
        .position(|e| e.new_member.as_slice() == own.as_ref())
        .unwrap();
    for (i, want) in [
        (1 - own_index, Verdict::Void),
        (own_index, Verdict::Rejected),
    ] {
        let mut m = case.message.clone();
        let MlsMessageBody::Welcome(w) = &mut m.body else {
            unreachable!()
        };
        let mut ct = w.secrets[i]
            .encrypted_group_secrets
            .ciphertext
            .as_slice()
            .to_vec();
        ct[0] ^= 1;
        w.secrets[i].encrypted_group_secrets.ciphertext = ct.into();
        let got = mutate::check_input(provider(), &case, &m.encode().unwrap(), &[]).unwrap();
        assert_eq!(got, want, "entry {i}");
    }
}

/// A PrivateMessage commit with one ciphertext bit flipped is rejected and
/// the receiver's snapshot is unchanged (RFC 9420 §6.3.1).
#[test]
fn rfc9420_6_3_flipped_private_commit_is_rejected_without_state_change() {
    use mls_core::codec::Encode;
    let case = scenario_case(" path commit", true);
    let mut bytes = case.message.encode().unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x80;
    let got = mutate::check_input(provider(), &case, &bytes, &[]).unwrap();
    assert_eq!(got, Verdict::Rejected);
}
