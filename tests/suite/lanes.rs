//! Lanes and the learning rate as thresholds of the layered policy (issue 21, item 6): set
//! per category, through `--set`, swept, and (the learning rate) tuned; an unknown lane id is
//! exit 2 naming the policy, the category and the field.

use restock::engine::{Engine, Model, World};
use restock::metrics::RepMetrics;
use restock::policy::{LiveStream, Order, Orders, Policy, SkuView};
use restock::scenario::Scenario;

use super::cli::restock;
use super::support::{load, scenario_path};

/// Wraps a policy and records every order it places.
struct Audit {
    inner: Box<dyn Policy>,
    log: Vec<Order>,
}

impl Policy for Audit {
    fn reset(&mut self) {
        self.inner.reset();
        self.log.clear();
    }

    fn review(&mut self, v: &SkuView, orders: &mut Orders) {
        let before = orders.as_slice().len();
        self.inner.review(v, orders);
        self.log.extend_from_slice(&orders.as_slice()[before..]);
    }

    fn review_in_stream(&mut self, v: &SkuView, live: &LiveStream, orders: &mut Orders) {
        let before = orders.as_slice().len();
        self.inner.review_in_stream(v, live, orders);
        self.log.extend_from_slice(&orders.as_slice()[before..]);
    }

    fn learning_rate(&self, sku: usize) -> Option<f64> {
        self.inner.learning_rate(sku)
    }
}

fn orders_of(sc: &Scenario, candidate: usize, rep: u64) -> Vec<Order> {
    let model = Model::new(sc);
    let mut world = World::new(&model);
    let mut engine = Engine::new(&model);
    let mut audit = Audit {
        inner: model.policy(candidate),
        log: Vec::new(),
    };
    world.generate(&model, rep);
    let mut out = RepMetrics::default();
    engine.run(&model, &world, &mut audit, &mut out);
    audit.log
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
    let e = restock::scenario::load(
        &scenario_path("tune-categories.yaml"),
        &["tune.params.fast_lane={min: 0, max: 1}".to_string()],
    )
    .unwrap_err();
    assert!(e.to_string().contains("takes a lane id"), "{e}");
}
