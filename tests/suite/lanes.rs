//! Lanes and the learning rate as thresholds of the layered policy (issue 21, item 6): set
//! per category, through `--set`, swept, and (the learning rate) tuned; an unknown lane id is
//! exit 2 naming the policy, the category and the field.

use restock::Order;
use restock::Scenario;

use super::cli::restock;
use super::support::{load, scenario_path};

/// The orders of candidate `c` in replication `rep`, without their days.
fn orders_of(sc: &Scenario, c: usize, rep: u64) -> Vec<Order> {
    super::support::orders_of(sc, c, rep)
        .into_iter()
        .map(|(_, o)| o)
        .collect()
}

fn lane(sc: &Scenario, id: &str) -> usize {
    sc.lanes.iter().position(|l| l.id == id).unwrap()
}

#[test]
fn a_category_whose_lanes_are_sea_never_flies_and_the_others_still_do() {
    // The `layered` entry of tune-categories (its first swept candidate): apparel set to
    // "never fly" by --set, phone accessories and beauty untouched.
    let set = [
        "policies.1.categories.apparel.fast_lane=sea",
        "policies.1.categories.apparel.persist_lane=sea",
        "policies.1.categories.apparel.signal_lane=sea",
    ];
    let base = load("tune-categories.yaml", &[]);
    let sea_only = load("tune-categories.yaml", &set);
    let c = base
        .policies
        .iter()
        .position(|p| p.name.starts_with("layered"))
        .unwrap();
    let (sea, air) = (lane(&base, "sea"), lane(&base, "air"));
    let apparel = base
        .categories
        .iter()
        .position(|x| x.id == "apparel")
        .unwrap();
    let is_apparel = |o: &Order| base.skus[o.sku].category == Some(apparel);
    let (mut flew_before, mut flew_after, mut others_flew) = (0, 0, 0);
    for rep in 0..4 {
        let before = orders_of(&base, c, rep);
        let after = orders_of(&sea_only, c, rep);
        flew_before += before
            .iter()
            .filter(|o| is_apparel(o) && o.lane == air)
            .count();
        flew_after += after
            .iter()
            .filter(|o| is_apparel(o) && o.lane == air)
            .count();
        others_flew += after
            .iter()
            .filter(|o| !is_apparel(o) && o.lane == air)
            .count();
        assert!(
            after
                .iter()
                .filter(|o| is_apparel(o))
                .all(|o| o.lane == sea)
        );
    }
    assert!(
        flew_before > 0,
        "apparel flies by default, so the test can fail"
    );
    assert_eq!(flew_after, 0);
    assert!(others_flew > 0, "the other categories keep their fast lane");
}

#[test]
fn a_lane_swept_per_category_names_its_candidates() {
    let sc = load(
        "tune-categories.yaml",
        &["policies.0.sweep={apparel.fast_lane: [air, sea]}"],
    );
    let names: Vec<_> = sc.policies.iter().map(|p| p.name.as_str()).collect();
    assert!(
        names.contains(&"days-of-cover[apparel.fast_lane=air]"),
        "{names:?}"
    );
    assert!(
        names.contains(&"days-of-cover[apparel.fast_lane=sea]"),
        "{names:?}"
    );
}

#[test]
fn an_unknown_lane_id_is_exit_2_naming_policy_category_field_and_the_lanes() {
    let out = restock()
        .arg("validate")
        .arg(scenario_path("tune-categories.yaml"))
        .args(["--set", "policies.1.categories.apparel.lane=rail"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for part in [
        "policy `layered",
        "apparel",
        "lane",
        "`rail`",
        "`air`, `sea`",
    ] {
        assert!(err.contains(part), "{part} missing from: {err}");
    }
    // A number is no lane.
    let out = restock()
        .arg("validate")
        .arg(scenario_path("tune-categories.yaml"))
        .args(["--set", "policies.1.thresholds.signal_lane=2"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("signal_lane") && err.contains("expected a lane id"),
        "{err}"
    );
}

#[test]
fn the_learning_rate_threshold_overrides_the_scenario_default_and_shows_when_set() {
    // livestream-basic's `layered` (candidate 3); streams.learning_rate is 0.3.
    let base = load("livestream-basic.yaml", &[]);
    let same = load(
        "livestream-basic.yaml",
        &["policies.3.thresholds.learning_rate=0.3"],
    );
    let none = load(
        "livestream-basic.yaml",
        &["policies.3.thresholds.learning_rate=0"],
    );
    assert_eq!(base.streams.learning_rate, 0.3);
    let listed = |sc: &Scenario| {
        sc.policies[3]
            .params
            .iter()
            .find(|(k, _)| k.ends_with("learning_rate"))
            .map(|(_, v)| *v)
    };
    assert_eq!(listed(&base), None, "unset: inherited, not listed");
    assert_eq!(listed(&same), Some(Some(0.3)));
    assert_eq!(listed(&none), Some(Some(0.0)));
    let (mut differ, mut identical) = (false, true);
    for rep in 0..3 {
        let b = orders_of(&base, 3, rep);
        identical &= b == orders_of(&same, 3, rep);
        differ |= b != orders_of(&none, 3, rep);
    }
    assert!(
        identical,
        "the threshold at the scenario's rate changes nothing"
    );
    assert!(differ, "no learning changes the stream orders");
}

#[test]
fn tune_searches_the_learning_rate_but_not_lanes() {
    let sc = load(
        "tune-categories.yaml",
        &["tune.params.learning_rate={min: 0, max: 0.6}"],
    );
    let t = sc.tune.as_ref().unwrap();
    let p = t.params.iter().find(|p| p.name == "learning_rate").unwrap();
    assert_eq!((p.min, p.max, p.integer), (0.0, 0.6, false));
    let e = restock::load_scenario(
        &scenario_path("tune-categories.yaml"),
        &["tune.params.fast_lane={min: 0, max: 1}".to_string()],
    )
    .unwrap_err();
    assert!(e.to_string().contains("takes a lane id"), "{e}");
}
