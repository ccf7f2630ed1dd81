//! A fast slice of the interop matrix (`cargo xtask interop` runs all of
//! it, on every shared suite): every scenario on suite 0x0001 with all
//! nine role assignments (every committer × joiner pair of mls-core,
//! OpenMLS and mls-rs), one deep random run, and the n/a cells the peers'
//! missing features must produce.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mls_peers::peer::{Feature, Impl};
use mls_peers::scenarios::{Outcome, SUITES, deep, impls_for, roles_for, run_cell, scenarios};

#[test]
fn rfc9420_interop_matrix_suite_1_passes_in_every_direction() {
    let roles = roles_for(1);
    assert_eq!(roles.len(), 9, "3 committers x 3 joiners");
    let mut failures = Vec::new();
    let (mut passed, mut na) = (0, 0);
    for s in scenarios() {
        for r in &roles {
            let cell = run_cell(&s, 1, *r);
            match &cell.outcome {
                Outcome::Pass => passed += 1,
                Outcome::NotApplicable(_) => na += 1,
                Outcome::Fail(e) => {
                    failures.push(format!("{} [{}]: {e}", cell.scenario, cell.roles))
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "failed cells:\n{}",
        failures.join("\n")
    );
    assert!(passed >= 200, "only {passed} cells passed ({na} n/a)");
}

#[test]
fn rfc9420_interop_deep_random_across_three_implementations() {
    let cell = deep(7);
    assert_eq!(cell.outcome, Outcome::Pass, "{}", cell.scenario);
}

#[test]
fn interop_matrix_suites_and_missing_features_are_reported_not_skipped() {
    assert_eq!(impls_for(1), Impl::ALL);
    assert_eq!(impls_for(7), [Impl::Ours, Impl::MlsRs]);
    assert_eq!(roles_for(7).len(), 4);
    for s in SUITES {
        for r in roles_for(s) {
            for imp in [r.creator, r.committer, r.proposer, r.joiner] {
                assert!(impls_for(s).contains(&imp));
            }
        }
    }
    // OpenMLS in any role of a ReInit or branch cell: n/a with the reason.
    let reinit = scenarios()
        .into_iter()
        .find(|s| s.name == "reinit/change_group_id_by_value")
        .unwrap();
    let r = roles_for(1)
        .into_iter()
        .find(|r| r.committer == Impl::OpenMls)
        .unwrap();
    match run_cell(&reinit, 1, r).outcome {
        Outcome::NotApplicable(why) => assert!(why.contains("ReInit"), "{why}"),
        other => panic!("expected n/a, got {other:?}"),
    }
    assert!(Impl::OpenMls.lacks(Feature::Branch).is_some());
    assert!(Impl::Ours.lacks(Feature::ReInit).is_none());
    assert!(Impl::MlsRs.lacks(Feature::Branch).is_none());
}
