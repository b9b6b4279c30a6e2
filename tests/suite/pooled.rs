//! `fill_rate_pooled` (issue 21, item 12): units served ÷ units demanded over every
//! replication, with its delta-method interval — what constraints judge — against the mean of
//! per-replication ratios, which low demand biases upward.

use restock::{Engine, Model, World};
use restock::{Metric, RepMetrics};
use statrs::distribution::{Discrete, Poisson};

use super::support::{Z, load, simulate};

/// E[(X − y)⁺] for X ~ Poisson(mean).
fn excess(mean: f64, y: i64) -> f64 {
    let x = Poisson::new(mean).unwrap();
    (0..200u64)
        .map(|k| x.pmf(k) * (k as i64 - y).max(0) as f64)
        .sum()
}

#[test]
fn the_pooled_fill_rate_is_served_over_demanded_and_covers_the_textbook_rate() {
    // Base-stock S with Poisson(λ) demand, lead time L, backorders, reviewed daily (the model
    // of tests/suite/theory.rs): the position after review is S, so the net stock at the end of
    // day t + L is S − X_{L+1} and at its start S − X_L; the units short on a day are
    // E[(X_{L+1} − S)⁺] − E[(X_L − S)⁺], and the long-run fill rate (units served ÷ units
    // demanded, a ratio of expectations) is 1 − that ÷ λ. Twenty measured days of 0.3 units
    // a day: a replication sees six units, so the mean of its ratios is far from that.
    let (lambda, lead, big_s) = (0.3, 2u32, 1i64);
    let reps = 4000u32;
    let set = [
        format!("skus.0.demand.mean_per_day={lambda}"),
        format!("lanes.0.transit_days.fixed={lead}"),
        format!("replications={reps}"),
        "horizon_days=30".to_string(),
        "warmup_days=10".to_string(),
        "tune=".to_string(),
        "policies.0.kind=base_stock".to_string(),
        "policies.0.reorder_point=".to_string(),
        format!("policies.0.order_up_to={big_s}"),
        format!("skus.0.initial_on_hand={big_s}"),
    ];
    let refs: Vec<&str> = set.iter().map(String::as_str).collect();
    let sc = load("textbook-ss.yaml", &refs);
    let stats = &simulate(&sc)[0];
    let short =
        excess(lambda * f64::from(lead + 1), big_s) - excess(lambda * f64::from(lead), big_s);
    let exact = 1.0 - short / lambda;

    // Served and demanded summed replication by replication, independently of the statistics.
    let model = Model::new(&sc);
    let mut world = World::new(&model);
    let mut engine = Engine::new(&model);
    let (mut served, mut demanded) = (0.0, 0.0);
    for rep in 0..u64::from(reps) {
        world.generate(&model, rep);
        let mut policy = model.policy(0);
        let mut out = RepMetrics::default();
        engine.run(&model, &world, policy.as_mut(), &mut out);
        // Served = fill rate × demanded, units (1 when nothing was demanded).
        let d = out.get(Metric::DemandUnits);
        let s = out.get(Metric::FillRate) * d;
        served += s;
        demanded += d;
    }
    let (pooled, ci95) = stats.all.fill_pooled();
    assert!(
        (pooled - served / demanded).abs() < 1e-12,
        "pooled {pooled} vs Σ served ÷ Σ demanded {}",
        served / demanded
    );
    let se = stats.all.fill.ratio().1.unwrap();
    assert!(ci95.unwrap() > se, "the half-width is t × SE");
    assert!(
        (pooled - exact).abs() <= Z * se,
        "pooled {pooled} vs exact {exact} ({:.2} SE)",
        (pooled - exact) / se
    );
    // The mean of ratios is biased upward here: it is off the exact rate by many of its own
    // standard errors, and differs from the pooled rate.
    let ratios = stats.metric(Metric::FillRate);
    let ratio_se = ratios.std_error.unwrap();
    assert!(
        ratios.mean - exact > Z * ratio_se,
        "mean of ratios {} vs exact {exact} (SE {ratio_se})",
        ratios.mean
    );
    assert!(ratios.mean - pooled > Z * (se + ratio_se));
    // Against itself the first candidate differs by nothing.
    assert_eq!(stats.all.fill_vs_first.mean, 0.0);
}
