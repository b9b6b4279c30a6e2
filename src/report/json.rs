//! `summary.json`: the machine-readable result, byte-identical for identical inputs.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Summary;
use crate::metrics::Metric;
use crate::score::Verdict;
use crate::stats::ScopeStats;

#[derive(Serialize)]
struct Doc<'a> {
    scenario: &'a str,
    scenario_file: &'a str,
    overrides: &'a [String],
    seed: u64,
    replications: u32,
    version: &'a str,
    start_date: &'a str,
    horizon_days: u32,
    warmup_days: u32,
    /// ISO 4217 code of every money amount.
    currency: &'a str,
    objective: ObjectiveDoc,
    /// The best feasible candidate over every SKU and per category (null: none feasible).
    best: Best<'a>,
    /// Candidates on the Pareto frontier over every SKU.
    frontier: Vec<&'a str>,
    candidates: Vec<Candidate<'a>>,
    /// The SKU whose on-hand units are charted.
    chart_sku: &'a str,
    /// What-if variants on the same futures (absent without variants).
    #[serde(skip_serializing_if = "Option::is_none")]
    variants: Option<super::whatif::Doc<'a>>,
    /// What each disruption hit, per world (`base`, then each variant) and disruption: per
    /// candidate, the mean per replication of shipments delayed, units on them and delay days
    /// added (absent when the scenario has no disruption).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    disruption_hits: Vec<super::hits::HitDoc<'a>>,
    /// Scripted disruptions that delayed no shipment in any replication.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    disruption_warnings: Vec<String>,
    /// The per-category picks simulated as one policy on the same futures.
    #[serde(skip_serializing_if = "Option::is_none")]
    combined: Option<CombinedDoc<'a>>,
}

#[derive(Serialize)]
struct CombinedDoc<'a> {
    /// Category id → the candidate whose thresholds it takes.
    picks: BTreeMap<&'a str, &'a str>,
    params: BTreeMap<&'a str, serde_json::Value>,
    feasible: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    failures: Vec<FailureDoc>,
    /// Paired score difference against the best single candidate (combined − it).
    #[serde(skip_serializing_if = "Option::is_none")]
    score_vs_best: Option<Diff>,
    metrics: BTreeMap<&'static str, Stat>,
    fill_rate_pooled: Pooled,
    capital_at_risk: AtRisk,
}

/// A ratio of sums over every replication with its delta-method 95% half-width: no
/// per-replication quantiles.
#[derive(Serialize)]
struct Pooled {
    mean: f64,
    ci95: Option<f64>,
}

fn pooled(s: &ScopeStats) -> Pooled {
    let (mean, ci95) = s.fill_pooled();
    Pooled { mean, ci95 }
}

/// The distribution of a replication's peak capital tied up: what finance must be able to
/// fund in all but the worst 5% or 1% of futures.
#[derive(Serialize)]
struct AtRisk {
    peak_mean: f64,
    peak_p95: f64,
    peak_p99: f64,
}

/// The credit line the plan needs (`peak_funding_need`): its median, its p95 and the 95%
/// order-statistic interval of that p95.
#[derive(Serialize)]
struct FundingDoc {
    p50: f64,
    p95: f64,
    p95_ci95: Option<[f64; 2]>,
}

#[derive(Serialize)]
struct ObjectiveDoc {
    lost_margin_penalty: f64,
    annual_cost_of_capital: f64,
    min_fill_rate: Option<f64>,
    max_capital_peak_p95: Option<f64>,
    indifference: f64,
    confidence: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_funding_need_p95: Option<f64>,
}

#[derive(Serialize)]
struct Best<'a> {
    all: Option<&'a str>,
    categories: BTreeMap<&'a str, Option<&'a str>>,
}

#[derive(Serialize)]
struct Candidate<'a> {
    name: &'a str,
    /// Parameter values: a number, or "off".
    params: BTreeMap<&'a str, serde_json::Value>,
    #[serde(flatten)]
    verdict: VerdictDoc,
    metrics: BTreeMap<&'static str, Stat>,
    /// Units served ÷ units demanded over every replication (what constraints judge).
    fill_rate_pooled: Pooled,
    vs_first: BTreeMap<&'static str, Diff>,
    capital_at_risk: AtRisk,
    funding_need: FundingDoc,
    /// The same summaries for each category's SKUs, by category id.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    categories: BTreeMap<&'a str, CategoryDoc>,
}

#[derive(Serialize)]
struct VerdictDoc {
    rank: usize,
    pareto: bool,
    feasible: bool,
    /// Paired score difference against the best candidate (this − best).
    score_vs_best: Diff,
    /// Its 95% interval contains 0: the data cannot tell this candidate from the best.
    indistinguishable_from_best: bool,
    /// Feasible and within `objective.indifference` of the lowest mean score, at
    /// `objective.confidence`.
    within_indifference: bool,
    /// The constraints not met at `objective.confidence`, with the figures.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    failures: Vec<FailureDoc>,
}

#[derive(Serialize)]
struct FailureDoc {
    constraint: &'static str,
    estimate: f64,
    /// The one-sided confidence bound (null: too few replications to give one).
    bound: Option<f64>,
    limit: f64,
    text: String,
}

#[derive(Serialize)]
struct CategoryDoc {
    #[serde(flatten)]
    verdict: VerdictDoc,
    metrics: BTreeMap<&'static str, Stat>,
    fill_rate_pooled: Pooled,
    vs_first: BTreeMap<&'static str, Diff>,
}

#[derive(Serialize)]
struct Stat {
    mean: f64,
    ci95: Option<f64>,
    p5: f64,
    p50: f64,
    p95: f64,
    p99: f64,
}

#[derive(Serialize)]
struct Diff {
    mean: f64,
    ci95: Option<f64>,
}

fn metrics(s: &ScopeStats) -> BTreeMap<&'static str, Stat> {
    Metric::ALL
        .iter()
        .map(|&m| {
            let st = s.metric(m);
            (
                m.name(),
                Stat {
                    mean: st.mean,
                    ci95: st.ci95,
                    p5: st.p5,
                    p50: st.p50,
                    p95: st.p95,
                    p99: st.p99,
                },
            )
        })
        .collect()
}

fn diffs(s: &ScopeStats) -> BTreeMap<&'static str, Diff> {
    let mut out: BTreeMap<_, _> = Metric::ALL
        .iter()
        .map(|&m| {
            let d = s.diff(m);
            (
                m.name(),
                Diff {
                    mean: d.mean,
                    ci95: d.ci95,
                },
            )
        })
        .collect();
    out.insert(
        "fill_rate_pooled",
        Diff {
            mean: s.fill_vs_first.mean,
            ci95: s.fill_vs_first.ci95,
        },
    );
    out
}

fn verdict(v: &Verdict) -> VerdictDoc {
    VerdictDoc {
        rank: v.rank,
        pareto: v.pareto,
        feasible: v.feasible,
        score_vs_best: Diff {
            mean: v.vs_best.mean,
            ci95: v.vs_best.ci95,
        },
        indistinguishable_from_best: v.indistinguishable_from_best(),
        within_indifference: v.within_indifference,
        failures: v.failures.iter().map(failure).collect(),
    }
}

fn failure(f: &crate::score::Failure) -> FailureDoc {
    FailureDoc {
        constraint: f.constraint,
        estimate: f.estimate,
        bound: f.bound,
        limit: f.limit,
        text: f.text.clone(),
    }
}

fn params(p: &[(String, Option<f64>)]) -> BTreeMap<&str, serde_json::Value> {
    p.iter()
        .map(|(k, v)| {
            let v = match v {
                Some(x) => serde_json::json!(x),
                None => serde_json::json!("off"),
            };
            (k.as_str(), v)
        })
        .collect()
}

pub fn render(s: &Summary) -> String {
    let name = |c: Option<usize>| c.map(|c| s.candidates[c].0.as_str());
    let doc = Doc {
        scenario: &s.scenario_name,
        scenario_file: &s.scenario_file,
        overrides: &s.overrides,
        seed: s.seed,
        replications: s.replications,
        version: s.version,
        start_date: &s.start_date,
        horizon_days: s.horizon_days,
        warmup_days: s.warmup_days,
        currency: &s.currency,
        objective: ObjectiveDoc {
            lost_margin_penalty: s.objective.lost_margin_penalty,
            annual_cost_of_capital: s.objective.annual_cost_of_capital,
            min_fill_rate: s.objective.min_fill_rate,
            max_capital_peak_p95: s.objective.max_capital_peak_p95,
            indifference: s.objective.indifference,
            confidence: s.objective.confidence,
            max_funding_need_p95: s.objective.max_funding_need_p95,
        },
        best: Best {
            all: name(s.ranking.best),
            categories: s
                .categories
                .iter()
                .zip(&s.category_rankings)
                .map(|(id, r)| (id.as_str(), name(r.best)))
                .collect(),
        },
        frontier: s
            .ranking
            .frontier()
            .into_iter()
            .map(|c| s.candidates[c].0.as_str())
            .collect(),
        candidates: s
            .candidates
            .iter()
            .enumerate()
            .map(|(i, (name, c))| Candidate {
                name,
                params: params(&s.params[i]),
                verdict: verdict(&s.ranking.verdicts[i]),
                metrics: metrics(&c.all),
                fill_rate_pooled: pooled(&c.all),
                vs_first: diffs(&c.all),
                categories: s
                    .categories
                    .iter()
                    .enumerate()
                    .map(|(k, id)| {
                        (
                            id.as_str(),
                            CategoryDoc {
                                verdict: verdict(&s.category_rankings[k].verdicts[i]),
                                metrics: metrics(&c.categories[k]),
                                fill_rate_pooled: pooled(&c.categories[k]),
                                vs_first: diffs(&c.categories[k]),
                            },
                        )
                    })
                    .collect(),
                capital_at_risk: {
                    let p = c.metric(Metric::CapitalTiedPeak);
                    AtRisk {
                        peak_mean: p.mean,
                        peak_p95: p.p95,
                        peak_p99: p.p99,
                    }
                },
                funding_need: {
                    let p = c.metric(Metric::PeakFundingNeed);
                    FundingDoc {
                        p50: p.p50,
                        p95: p.p95,
                        p95_ci95: c.all.funding_p95_ci.map(|(a, b)| [a, b]),
                    }
                },
            })
            .collect(),
        chart_sku: &s.chart_sku,
        variants: s.whatif.as_ref().map(|w| super::whatif::json_doc(s, w)),
        disruption_hits: super::hits::json_doc(s),
        disruption_warnings: s.hit_warnings(),
        combined: s.combined.as_ref().map(|c| CombinedDoc {
            picks: c
                .picks
                .iter()
                .map(|(k, p)| (k.as_str(), p.as_str()))
                .collect(),
            params: params(&c.spec.params),
            feasible: c.failures.is_empty(),
            failures: c.failures.iter().map(failure).collect(),
            score_vs_best: c.vs_best.as_ref().map(|(_, d)| Diff {
                mean: d.mean,
                ci95: d.ci95,
            }),
            metrics: metrics(&c.stats.all),
            fill_rate_pooled: pooled(&c.stats.all),
            capital_at_risk: {
                let p = c.stats.metric(Metric::CapitalTiedPeak);
                AtRisk {
                    peak_mean: p.mean,
                    peak_p95: p.p95,
                    peak_p99: p.p99,
                }
            },
        }),
    };
    let mut out = serde_json::to_string_pretty(&doc).expect("plain data serialises");
    out.push('\n');
    out
}
