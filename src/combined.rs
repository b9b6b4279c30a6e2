//! Per-category picks checked as one plan, and policies written back as scenario entries.
//!
//! A sweep ranks every category on its own SKUs, but the categories share the credit line
//! (peak capital) and the suppliers' capacity: three picks each within the line can together
//! exceed it. So the picks are combined into one layered policy — each category's SKUs run
//! with the thresholds of that category's pick — and that policy is simulated on the same
//! futures (same seed and replications, so common random numbers) and judged like any
//! candidate. The combined policy, or the single recommended candidate when there
//! are no categories, is written as a ready `policies[]` entry (`recommended.yaml`).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::error::Result;
use crate::experiment::{self, RunOptions};
use crate::report::Summary;
use crate::scenario::{LayeredSpec, PolicyRule, PolicySpec, Scenario, Thresholds};
use crate::score::{self, Failure};
use crate::stats::{CandidateStats, PairedDiff};

/// The name the combined per-category policy runs under.
pub const COMBINED_NAME: &str = "combined";

/// The file `run` writes the recommended policy entry to.
pub const RECOMMENDED_FILE: &str = "recommended.yaml";

/// The per-category picks run as one candidate.
#[derive(Debug, Clone)]
pub struct Combined {
    pub spec: PolicySpec,
    /// Per category (scenario order): its id and the picked candidate's name.
    pub picks: Vec<(String, String)>,
    pub stats: CandidateStats,
    /// The constraints the combination fails over every SKU (empty: feasible).
    pub failures: Vec<Failure>,
    /// Paired score difference, combined − the best single candidate over every SKU, when
    /// there is one.
    pub vs_best: Option<(String, PairedDiff)>,
}

/// One layered policy giving each category's SKUs the thresholds of `picks[k]` (a candidate
/// index per category); SKUs without a category keep `fallback`'s. `None` when the picks
/// cannot be one policy entry: a pick is not layered, or the picks differ in lanes or review
/// period.
pub fn combine(sc: &Scenario, picks: &[usize], fallback: usize, name: &str) -> Option<PolicySpec> {
    let layered = |c: usize| match &sc.policies[c].rule {
        PolicyRule::Layered(spec) => Some(spec.clone()),
        _ => None,
    };
    let base = &sc.policies[fallback];
    let base_spec = layered(fallback)?;
    let specs: Vec<Arc<LayeredSpec>> = picks.iter().map(|&c| layered(c)).collect::<Option<_>>()?;
    for (&c, spec) in picks.iter().zip(&specs) {
        let p = &sc.policies[c];
        if p.lane != base.lane
            || p.review_period_days != base.review_period_days
            || spec.fast_lane != base_spec.fast_lane
        {
            return None;
        }
    }
    let per_sku: Vec<Thresholds> = sc
        .skus
        .iter()
        .enumerate()
        .map(|(i, s)| match s.category {
            Some(k) => *specs[k].thresholds(i),
            None => *base_spec.thresholds(i),
        })
        .collect();
    let mut params = Vec::new();
    for (k, cat) in sc.categories.iter().enumerate() {
        let prefix = format!("{}.", cat.id);
        params.extend(
            sc.policies[picks[k]]
                .params
                .iter()
                .filter(|(n, _)| n.starts_with(&prefix))
                .cloned(),
        );
    }
    Some(PolicySpec {
        name: name.to_string(),
        rule: PolicyRule::Layered(Arc::new(LayeredSpec::new(base_spec.fast_lane, &per_sku))),
        lane: base.lane,
        review_period_days: base.review_period_days,
        params,
    })
}

/// Simulates `specs` on `sc`'s futures (its seed and replications): the same worlds as the
/// run that produced the candidates, so differences are paired.
pub fn evaluate(
    sc: &Scenario,
    specs: Vec<PolicySpec>,
    opts: &RunOptions,
) -> Result<Vec<CandidateStats>> {
    let mut one = sc.clone();
    one.policies = specs;
    experiment::run(&one, opts)
}

/// When the run has categories and each has a recommended candidate, runs the combination
/// of the picks with the run's best single candidate (for the paired difference) and judges
/// it over every SKU. `None` when there is nothing to combine.
pub fn check(sc: &Scenario, summary: &Summary, opts: &RunOptions) -> Result<Option<Combined>> {
    if sc.categories.is_empty() {
        return Ok(None);
    }
    let Some(picks) = summary
        .category_rankings
        .iter()
        .map(|r| r.best)
        .collect::<Option<Vec<usize>>>()
    else {
        return Ok(None);
    };
    let fallback = summary.ranking.best.unwrap_or(picks[0]);
    let Some(spec) = combine(sc, &picks, fallback, COMBINED_NAME) else {
        return Ok(None);
    };
    let mut specs = vec![spec.clone()];
    if let Some(b) = summary.ranking.best {
        specs.push(sc.policies[b].clone());
    }
    let mut stats = evaluate(sc, specs, opts)?;
    let vs_best = summary
        .ranking
        .best
        .map(|b| (sc.policies[b].name.clone(), stats[0].all.score_vs[1]));
    let stats = stats.swap_remove(0);
    let failures = score::failures(&sc.objective, &stats.all);
    Ok(Some(Combined {
        spec,
        picks: sc
            .categories
            .iter()
            .zip(&picks)
            .map(|(c, &p)| (c.id.clone(), sc.policies[p].name.clone()))
            .collect(),
        stats,
        failures,
        vs_best,
    }))
}

/// A `policies[]` entry as the scenario format writes it.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    name: String,
    kind: &'static str,
    lane: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fast_lane: Option<String>,
    review_period_days: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    reorder_point: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    order_up_to: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    order_quantity: Option<i64>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    thresholds: BTreeMap<String, serde_json::Value>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    categories: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    skus: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
}

fn value(v: Option<f64>) -> serde_json::Value {
    match v {
        None => serde_json::json!("off"),
        Some(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => serde_json::json!(x as i64),
        Some(x) => serde_json::json!(x),
    }
}

/// `t` as written thresholds: lanes by their id, an inherited value (unset) left out.
fn threshold_map(sc: &Scenario, t: &Thresholds) -> BTreeMap<String, serde_json::Value> {
    use crate::scenario::thresholds::{inherits, is_lane};
    crate::scenario::policy::PARAMS
        .iter()
        .zip(t.values())
        .filter(|(k, v)| v.is_some() || !inherits(k))
        .map(|(k, v)| {
            let v = match (is_lane(k), v) {
                (true, Some(i)) => serde_json::json!(sc.lanes[i as usize].id),
                (_, v) => value(v),
            };
            (k.to_string(), v)
        })
        .collect()
}

/// `spec` as a scenario's `policies[]` entry, keys in the order the docs write them.
pub fn entry(sc: &Scenario, spec: &PolicySpec) -> Entry {
    let lane = |i: usize| sc.lanes[i].id.clone();
    let mut e = Entry {
        name: spec.name.clone(),
        kind: "",
        lane: lane(spec.lane),
        fast_lane: None,
        review_period_days: spec.review_period_days,
        reorder_point: None,
        order_up_to: None,
        order_quantity: None,
        thresholds: BTreeMap::new(),
        categories: BTreeMap::new(),
        skus: BTreeMap::new(),
    };
    match &spec.rule {
        PolicyRule::SS {
            reorder_point,
            order_up_to,
        } => {
            e.kind = "s_S";
            e.reorder_point = Some(*reorder_point);
            e.order_up_to = Some(*order_up_to);
        }
        PolicyRule::BaseStock { order_up_to } => {
            e.kind = "base_stock";
            e.order_up_to = Some(*order_up_to);
        }
        PolicyRule::RQ {
            reorder_point,
            order_quantity,
        } => {
            e.kind = "r_Q";
            e.reorder_point = Some(*reorder_point);
            e.order_quantity = Some(*order_quantity);
        }
        PolicyRule::Layered(l) => {
            e.kind = "layered";
            e.fast_lane = Some(lane(l.fast_lane));
            // Each category's thresholds are those of its first SKU; a SKU that differs from
            // its category (set per SKU in the scenario) is written on its own.
            let mut by_cat: Vec<Option<Thresholds>> = vec![None; sc.categories.len()];
            let mut plain: Option<Thresholds> = None;
            for (i, s) in sc.skus.iter().enumerate() {
                let t = *l.thresholds(i);
                let slot = match s.category {
                    Some(k) => &mut by_cat[k],
                    None => &mut plain,
                };
                match slot {
                    None => *slot = Some(t),
                    Some(first) if *first != t => {
                        e.skus.insert(s.id.clone(), threshold_map(sc, &t));
                    }
                    Some(_) => {}
                }
            }
            if let Some(t) = plain {
                e.thresholds = threshold_map(sc, &t);
            }
            for (c, t) in sc.categories.iter().zip(by_cat) {
                if let Some(t) = t {
                    e.categories.insert(c.id.clone(), threshold_map(sc, &t));
                }
            }
        }
    }
    e
}

/// `recommended.yaml`: the combined per-category policy when there is one, else the best
/// candidate over every SKU, as a one-entry `policies:` list to paste into a scenario.
pub fn recommended_yaml(sc: &Scenario, summary: &Summary) -> Option<String> {
    let (spec, note) = match &summary.combined {
        Some(c) => {
            let status = if c.failures.is_empty() {
                format!(
                    "meets the constraints at {}% confidence",
                    summary.objective.confidence * 100.0
                )
            } else {
                format!(
                    "does NOT meet the constraints: {}",
                    c.failures
                        .iter()
                        .map(|f| f.text.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            };
            let picks: Vec<String> = c.picks.iter().map(|(k, p)| format!("{k} ← {p}")).collect();
            (
                &c.spec,
                format!(
                    "# The per-category picks combined into one policy ({}).\n# Simulated as one candidate on the run's futures: it {status}.\n",
                    picks.join(", ")
                ),
            )
        }
        None => {
            let b = summary.ranking.best?;
            (
                &sc.policies[b],
                "# The recommended candidate over every SKU.\n".to_string(),
            )
        }
    };
    #[derive(Serialize)]
    struct Doc {
        policies: Vec<Entry>,
    }
    let yaml = serde_saphyr::to_string(&Doc {
        policies: vec![entry(sc, spec)],
    })
    .ok()?;
    Some(format!(
        "# restock {}: recommended policy for scenario \"{}\" (seed {}, {} replications).\n{note}{yaml}",
        env!("CARGO_PKG_VERSION"),
        sc.name,
        sc.seed,
        sc.replications
    ))
}

/// After a run: the combined check (when there are categories) and `recommended.yaml`,
/// stored in the summary for every output to show.
pub fn attach(sc: &Scenario, summary: &mut Summary, opts: &RunOptions) -> Result<()> {
    summary.combined = check(sc, summary, opts)?;
    summary.recommended_yaml = recommended_yaml(sc, summary);
    Ok(())
}
