//! Shared helpers: where the shipped scenarios are, how to run one, and the one place that
//! decides statistical tolerances.

use std::path::{Path, PathBuf};

use restock::{CandidateStats, Metric, RunOptions, Scenario, run, t975};

pub fn scenario_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

pub fn load(name: &str, overrides: &[&str]) -> Scenario {
    let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    restock::load_scenario(&scenario_path(name), &o).unwrap_or_else(|e| panic!("{e}"))
}

pub fn simulate(sc: &Scenario) -> Vec<CandidateStats> {
    run(
        sc,
        &RunOptions {
            threads: 2,
            progress: false,
        },
    )
    .expect("run succeeds")
}

/// Monte Carlo tolerance: a simulated mean agrees with theory when it is within `Z` standard
/// errors. With Z = 4 a correct engine fails one comparison in ~16,000, and fixed seeds make
/// every outcome reproducible; a real modelling error of a few percent is many SEs at the
/// replication counts used here.
pub const Z: f64 = 4.0;

/// Relative floor under the tolerance, for metrics a sample cannot vary: with λ = 20 a day
/// without demand has probability 2·10⁻⁹, so every replication orders daily, the sample's
/// standard error is exactly 0 and theory differs by 2·10⁻⁹. Far below any modelling error.
pub const FLOOR: f64 = 1e-6;

/// Asserts a sample mean is within Z standard errors of `expected`.
pub fn agrees(what: &str, m: &restock::Moments, expected: f64) {
    let se = m.std_error().unwrap();
    assert!(
        (m.mean - expected).abs() <= Z * se + 1e-9,
        "{what}: {} vs {expected} ({:.2} SE)",
        m.mean,
        (m.mean - expected).abs() / se
    );
}

/// Asserts that `metric`'s simulated mean is within Z standard errors of `expected`.
pub fn assert_agrees(case: &str, stats: &CandidateStats, metric: Metric, expected: f64, n: u64) {
    let st = stats.metric(metric);
    let se = st.ci95.expect("several replications") / t975(n - 1);
    let err = (st.mean - expected).abs();
    assert!(
        err <= Z * se + FLOOR * expected.abs().max(1.0),
        "{case}: {} = {:.6} but theory says {:.6} (|Δ| = {:.3} SE)",
        metric.name(),
        st.mean,
        expected,
        err / se
    );
}

/// Wraps a policy and records every order it places, with the day: what the policy decided,
/// for tests that compare decisions replication by replication.
struct Audit {
    inner: Box<dyn restock::Policy>,
    log: Vec<(u32, restock::Order)>,
}

impl restock::Policy for Audit {
    fn reset(&mut self) {
        self.inner.reset();
        self.log.clear();
    }

    fn review(&mut self, v: &restock::SkuView, orders: &mut restock::Orders) {
        let before = orders.as_slice().len();
        self.inner.review(v, orders);
        let day = v.day;
        self.log
            .extend(orders.as_slice()[before..].iter().map(|&o| (day, o)));
    }

    fn review_in_stream(
        &mut self,
        v: &restock::SkuView,
        live: &restock::LiveStream,
        orders: &mut restock::Orders,
    ) {
        let before = orders.as_slice().len();
        self.inner.review_in_stream(v, live, orders);
        let day = v.day;
        self.log
            .extend(orders.as_slice()[before..].iter().map(|&o| (day, o)));
    }

    fn learning_rate(&self, sku: usize) -> Option<f64> {
        self.inner.learning_rate(sku)
    }
}

/// Every order candidate `candidate` of `sc` places in replication `rep`, with its day.
pub fn orders_of(sc: &Scenario, candidate: usize, rep: u64) -> Vec<(u32, restock::Order)> {
    use restock::{Engine, Model, World};
    let model = Model::new(sc);
    let mut world = World::new(&model);
    let mut engine = Engine::new(&model);
    let mut audit = Audit {
        inner: model.policy(candidate),
        log: Vec::new(),
    };
    world.generate(&model, rep);
    let mut out = restock::RepMetrics::default();
    engine.run(&model, &world, &mut audit, &mut out);
    audit.log
}
