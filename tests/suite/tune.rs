//! Issue 19: `restock tune`.
//!
//! The theory test tunes (s,S) of the textbook scenario over wide ranges and judges the
//! answer by the exact long-run cost of periodic-review (s,S) with Poisson demand, computed
//! here from the model's definition by the renewal-reward formula of Zheng & Federgruen
//! (1991): with G(y) the expected cost of a day whose position after review is y, m(j) the
//! expected number of days the cumulative demand since an order equals j, and
//! M(n) = Σ_{j<n} m(j),
//!
//!   c(s, S) = (K + Σ_{j=0}^{S−s−1} m(j) · G(S − j)) / M(S − s),
//!
//! m(0) = 1 / (1 − p₀), m(j) = Σ_{l=1..j} p_l · m(j − l) / (1 − p₀). With lead time L the day's
//! end-of-day net stock is y − X_{L+1} (see theory.rs), so G(y) = h′·E[(y − X_{L+1})⁺] +
//! b·E[(X_{L+1} − y)⁺], h′ the holding cost plus the cost of capital on a unit on hand; the
//! capital cost of the λL units in transit is a constant added to every (s,S).

use std::fs;
use std::path::Path;

use serde_json::Value;

use super::cli::restock;
use super::support::scenario_path;

/// P(X = k), X ~ Poisson(mean), k < len.
fn pmf(mean: f64, len: usize) -> Vec<f64> {
    let mut p = vec![0.0; len];
    let mut log = -mean;
    for (k, v) in p.iter_mut().enumerate() {
        if k > 0 {
            log += mean.ln() - (k as f64).ln();
        }
        *v = log.exp();
    }
    p
}

/// The textbook scenario's figures (scenarios/textbook-ss.yaml).
struct Textbook {
    lambda: f64,
    lead: u32,
    holding: f64,
    backorder: f64,
    order: f64,
    unit_cost: f64,
    capital_rate: f64,
}

const TEXTBOOK: Textbook = Textbook {
    lambda: 20.0,
    lead: 7,
    holding: 0.1,
    backorder: 5.0,
    order: 100.0,
    unit_cost: 10.0,
    capital_rate: 0.10,
};

/// Exact daily cost (the engine's score) of every (s,S) with s < S ≤ s_max… as a function.
struct Exact {
    g: Vec<f64>,
    m: Vec<f64>,
    transit_capital: f64,
    order: f64,
}

impl Exact {
    fn new(t: &Textbook, top: usize) -> Self {
        let mean = t.lambda * f64::from(t.lead + 1);
        let len = top + 400;
        let x = pmf(mean, len);
        let daily_capital = t.unit_cost * t.capital_rate / 365.0;
        let h = t.holding + daily_capital;
        let g: Vec<f64> = (0..=top)
            .map(|y| {
                (0..len)
                    .map(|k| {
                        let net = y as f64 - k as f64;
                        x[k] * (h * net.max(0.0) + t.backorder * (-net).max(0.0))
                    })
                    .sum()
            })
            .collect();
        let d = pmf(t.lambda, top + 1);
        let mut m = vec![0.0; top + 1];
        m[0] = 1.0 / (1.0 - d[0]);
        for j in 1..=top {
            m[j] = (1..=j).map(|l| d[l] * m[j - l]).sum::<f64>() / (1.0 - d[0]);
        }
        Exact {
            g,
            m,
            transit_capital: t.lambda * f64::from(t.lead) * t.unit_cost * daily_capital,
            order: t.order,
        }
    }

    fn cost(&self, s: i64, big_s: i64) -> f64 {
        let n = (big_s - s) as usize;
        let mut num = self.order;
        let mut den = 0.0;
        for j in 0..n {
            num += self.m[j] * self.g[big_s as usize - j];
            den += self.m[j];
        }
        num / den + self.transit_capital
    }

    /// The optimum over 0 ≤ s ≤ s_max, s < S ≤ big_max, by exhaustive search with the
    /// numerator and denominator built up as s falls (O(S·s) in all).
    fn optimum(&self, s_max: i64, big_max: i64) -> (i64, i64, f64) {
        let mut best = (0, 1, f64::INFINITY);
        for big_s in 1..=big_max {
            let mut num = self.order;
            let mut den = 0.0;
            // s = S − 1 − j after adding term j.
            for j in 0..big_s as usize {
                num += self.m[j] * self.g[big_s as usize - j];
                den += self.m[j];
                let s = big_s - 1 - j as i64;
                if s <= s_max {
                    let c = num / den + self.transit_capital;
                    if c < best.2 {
                        best = (s, big_s, c);
                    }
                }
            }
        }
        best
    }
}

#[test]
fn the_exact_cost_formula_agrees_with_the_stationary_law_on_a_hand_case() {
    // (s,S) = (0,1) with λ = 20: every day ends at or below 0, so every day orders: the cycle
    // is one day (M(1) = m(0) = 1/(1 − p₀)), and the cost is (K + m(0)·G(1))/m(0).
    let e = Exact::new(&TEXTBOOK, 10);
    let p0 = (-20.0f64).exp();
    let want = 100.0 * (1.0 - p0) + e.g[1] + e.transit_capital;
    assert!((e.cost(0, 1) - want).abs() < 1e-9);
    // The cycle length M(S − s) is the expected days between orders: about (S − s)/λ + 1/2.
    let e = Exact::new(&TEXTBOOK, 400);
    let cycle: f64 = e.m[..200].iter().sum();
    assert!((cycle - (200.0 / 20.0 + 0.5)).abs() < 0.1, "{cycle}");
}

fn tune_json(dir: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(dir.join("tune.json")).unwrap()).unwrap()
}

/// Issue 19's theory test: the tuned (s,S) costs, exactly, within the indifference of the
/// exact optimum over s in 0..400 and S in 1..800, and the search simulated under 5% of the
/// SKU-days an exhaustive grid at max_replications would.
#[test]
fn tuning_textbook_s_s_finds_the_exact_optimum_within_the_indifference() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("t");
    let indifference = 1.0;
    restock()
        .arg("tune")
        .arg(scenario_path("textbook-ss.yaml"))
        .args(["--quiet", "--out"])
        .arg(&out)
        .args(["--set", &format!("objective.indifference={indifference}")])
        .assert()
        .success();
    let t = tune_json(&out);
    let params = &t["tuned"]["params"];
    let s = params["reorder_point"].as_f64().unwrap() as i64;
    let big_s = params["order_up_to"].as_f64().unwrap() as i64;
    let exact = Exact::new(&TEXTBOOK, 800);
    let (os, obig, opt) = exact.optimum(400, 800);
    let got = exact.cost(s, big_s);
    assert!(
        got - opt <= indifference,
        "tuned ({s},{big_s}) costs {got:.3}/day exactly; the optimum ({os},{obig}) {opt:.3}/day"
    );
    // The exhaustive grid: every (s,S) with 0 ≤ s ≤ 400, s < S ≤ 800, at max_replications.
    let grid: u64 = (0..=400u64).map(|s| 800 - s).sum();
    let reps = t["max_replications"].as_u64().unwrap();
    let grid_sku_days = grid * reps * 365;
    let spent = t["sku_days_simulated"].as_u64().unwrap();
    assert!(
        (spent as f64) < 0.05 * grid_sku_days as f64,
        "{spent} SKU-days vs a grid's {grid_sku_days}"
    );
    // Every candidate tried is listed with its replications and the round it was dropped in.
    let cands = t["searches"][0]["candidates"].as_array().unwrap();
    assert!(cands.len() > 10);
    assert!(cands.iter().any(|c| c["dropped_in_round"].is_u64()));
    let listed: u64 = cands
        .iter()
        .map(|c| c["replications"].as_u64().unwrap())
        .sum::<u64>()
        * 365;
    assert!(listed <= spent, "no replication simulated twice");
}

/// `tuned.yaml` runs from anywhere and reproduces the confirmation figures.
#[test]
fn tuned_yaml_reproduces_the_confirmation_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("t");
    restock()
        .arg("tune")
        .arg(scenario_path("textbook-ss.yaml"))
        .args(["--quiet", "--max-replications", "32", "--out"])
        .arg(&out)
        .assert()
        .success();
    let again = tmp.path().join("r");
    restock()
        .arg("run")
        .arg(out.join("tuned.yaml"))
        .args(["--quiet", "--out"])
        .arg(&again)
        .assert()
        .success();
    let conf: Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let run: Value =
        serde_json::from_str(&fs::read_to_string(again.join("summary.json")).unwrap()).unwrap();
    assert_eq!(run["candidates"][0]["name"], "tuned");
    assert_eq!(
        run["candidates"][0]["metrics"],
        conf["candidates"][0]["metrics"]
    );
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<h2>Tuning</h2>"));
}

/// The same seed gives the same tune.json on 1 and 2 threads.
#[test]
fn tune_is_identical_on_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let mut texts = Vec::new();
    for threads in ["1", "2"] {
        let out = tmp.path().join(threads);
        restock()
            .arg("tune")
            .arg(scenario_path("textbook-ss.yaml"))
            .args([
                "--quiet",
                "--max-replications",
                "32",
                "--threads",
                threads,
                "--out",
            ])
            .arg(&out)
            .assert()
            .success();
        texts.push(fs::read_to_string(out.join("tune.json")).unwrap());
    }
    assert_eq!(texts[0], texts[1]);
}

/// Per category under the fill-rate line: the categories' survivors are combined and the
/// combination is replayed whole on the search's replications. The figures `tune.json` gives
/// for it are that whole plan's — `restock run` of the tuned entry on the search's seed and
/// replications reproduces its pooled fill rate —, the outputs do not depend on the thread
/// count, and a tuned threshold no SKU of a category can feel is said to have no effect.
#[test]
fn per_category_tune_combines_under_the_fill_line_on_whole_replays() {
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "--quiet",
        "--max-replications",
        "32",
        "--set",
        "tune.design=8",
    ];
    let mut texts = Vec::new();
    for threads in ["1", "2"] {
        let out = tmp.path().join(threads);
        restock()
            .arg("tune")
            .arg(scenario_path("tune-categories.yaml"))
            .args(args)
            .args(["--threads", threads, "--out"])
            .arg(&out)
            .assert()
            .success();
        texts.push(fs::read_to_string(out.join("tune.json")).unwrap());
    }
    assert_eq!(texts[0], texts[1], "1 and 2 threads");
    let doc: Value = serde_json::from_str(&texts[0]).unwrap();
    let comb = &doc["combination"];
    let replays = comb["whole_replays"].as_u64().expect("a combination");
    assert!((1..=4).contains(&replays), "{comb}");
    let fill = comb["fill_rate"].as_f64().unwrap();
    let bound = comb["fill_rate_bound"].as_f64().unwrap();
    assert!(bound < fill);
    assert_eq!(comb["meets_line"].as_bool().unwrap(), bound >= 0.95);
    // The category without CTR signals: its tuned ctr_growth changes nothing.
    let no_effect: Vec<&Value> = doc["searches"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["no_effect"].get("ctr_growth"))
        .collect();
    assert_eq!(no_effect.len(), 1, "one category has no CTR signals");
    if doc["tuned"]["swaps"].is_null() {
        let again = tmp.path().join("again");
        restock()
            .arg("run")
            .arg(tmp.path().join("1").join("tuned.yaml"))
            .args(["--quiet", "--seed", "11", "--replications", "32", "--out"])
            .arg(&again)
            .assert()
            .success();
        let run: Value =
            serde_json::from_str(&fs::read_to_string(again.join("summary.json")).unwrap()).unwrap();
        assert_eq!(run["candidates"][0]["name"], "tuned");
        let pooled = run["candidates"][0]["fill_rate_pooled"]["mean"]
            .as_f64()
            .unwrap();
        assert!(
            (pooled - fill).abs() < 1e-9,
            "whole replay {pooled} vs tune.json {fill}"
        );
    }
}

// --- bad input: exit 2, the field named, nothing written ---

const TEXTBOOK_YAML: &str = include_str!("../../scenarios/textbook-ss.yaml");
const CATEGORIES_YAML: &str = include_str!("../../scenarios/tune-categories.yaml");

fn rejected(base: &str, from: &str, to: &str, path: &str, msg: &str) {
    assert!(base.contains(from), "fixture drifted: {from}");
    let text = base.replacen(from, to, 1);
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("scenario.yaml");
    fs::write(&file, text).unwrap();
    let out = tmp.path().join("out");
    let o = restock()
        .arg("tune")
        .arg(&file)
        .args(["--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("scenario.yaml"), "{stderr}");
    assert!(stderr.contains(path), "no `{path}` in {stderr}");
    assert!(stderr.contains(msg), "no `{msg}` in {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.exists(), "outputs written");
}

#[test]
fn tune_rejects_an_unknown_parameter_for_the_kind() {
    rejected(
        TEXTBOOK_YAML,
        "    reorder_point: { min: 0, max: 400 }",
        "    cover_days: { min: 0, max: 40 }",
        "tune.params.cover_days",
        "unknown parameter `cover_days` for kind `s_S`",
    );
}

#[test]
fn tune_rejects_min_above_max() {
    rejected(
        TEXTBOOK_YAML,
        "    reorder_point: { min: 0, max: 400 }",
        "    reorder_point: { min: 500, max: 400 }",
        "tune.params.reorder_point.min",
        "min (500) is above max (400)",
    );
}

#[test]
fn tune_rejects_an_empty_range() {
    rejected(
        CATEGORIES_YAML,
        "    cover_days: { min: 0, max: 30 }\n    stream_multiplier: { min: 1.0, max: 3.0 }",
        "    persist_days: { min: 2.2, max: 2.8 }",
        "tune.params.persist_days",
        "holds no whole number",
    );
    rejected(
        TEXTBOOK_YAML,
        "    reorder_point: { min: 0, max: 400 }\n    order_up_to: { min: 1, max: 800 }",
        "    {}",
        "tune.params",
        "needs at least one parameter",
    );
}

#[test]
fn tune_rejects_a_missing_policy() {
    rejected(
        TEXTBOOK_YAML,
        "  policy: ss-160-300",
        "  policy: ss-999",
        "tune.policy",
        "no policy named `ss-999`",
    );
}

#[test]
fn tune_rejects_per_category_on_a_textbook_policy() {
    rejected(
        TEXTBOOK_YAML,
        "  max_replications: 128",
        "  max_replications: 128\n  per_category: true",
        "tune.per_category",
        "applies only to kind `layered`",
    );
}

#[test]
fn tune_rejects_a_bad_indifference_or_confidence() {
    rejected(
        TEXTBOOK_YAML,
        "  max_replications: 128",
        "  max_replications: 128\nobjective:\n  indifference: -0.5",
        "objective.indifference",
        "≥ 0",
    );
    rejected(
        TEXTBOOK_YAML,
        "  max_replications: 128",
        "  max_replications: 128\nobjective:\n  confidence: 1.0",
        "objective.confidence",
        "strictly between 0 and 1",
    );
}

#[test]
fn tune_without_a_tune_block_is_an_input_error() {
    rejected(
        TEXTBOOK_YAML,
        "tune:\n  policy: ss-160-300",
        "tunex:\n  policy: ss-160-300",
        "tunex",
        "unknown field",
    );
}

#[test]
fn tune_rejects_a_design_of_no_points() {
    rejected(
        TEXTBOOK_YAML,
        "  max_replications: 128",
        "  max_replications: 128\n  design: 0",
        "tune.design",
        "must be from 1 to 1000000 points, found 0",
    );
}
