//! `summary.json`: the machine-readable result, byte-identical for identical inputs.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Summary;
use crate::metrics::Metric;

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
    candidates: Vec<Candidate<'a>>,
    /// The SKU whose on-hand units are charted.
    chart_sku: &'a str,
    fill_rate_target: Option<f64>,
    recommendation: Vec<Recommended<'a>>,
}

#[derive(Serialize)]
struct Recommended<'a> {
    category: String,
    candidate: Option<&'a str>,
    reason: String,
}

/// The distribution of a replication's peak capital tied up: what finance must be able to
/// fund in all but the worst 5% or 1% of futures.
#[derive(Serialize)]
struct AtRisk {
    peak_mean: f64,
    peak_p95: f64,
    peak_p99: f64,
}

#[derive(Serialize)]
struct Candidate<'a> {
    name: &'a str,
    metrics: BTreeMap<&'static str, Stat>,
    vs_first: BTreeMap<&'static str, Diff>,
    capital_at_risk: AtRisk,
}

#[derive(Serialize)]
struct Stat {
    mean: f64,
    ci95: Option<f64>,
    p5: f64,
    p50: f64,
    p95: f64,
}

#[derive(Serialize)]
struct Diff {
    mean: f64,
    ci95: Option<f64>,
}

pub fn render(s: &Summary) -> String {
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
        candidates: s
            .candidates
            .iter()
            .map(|(name, c)| Candidate {
                name,
                metrics: Metric::ALL
                    .iter()
                    .map(|&m| {
                        let st = c.metric(m);
                        (
                            m.name(),
                            Stat {
                                mean: st.mean,
                                ci95: st.ci95,
                                p5: st.p5,
                                p50: st.p50,
                                p95: st.p95,
                            },
                        )
                    })
                    .collect(),
                vs_first: Metric::ALL
                    .iter()
                    .map(|&m| {
                        let d = c.diff(m);
                        (
                            m.name(),
                            Diff {
                                mean: d.mean,
                                ci95: d.ci95,
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
            })
            .collect(),
        chart_sku: &s.chart_sku,
        fill_rate_target: s.fill_rate_target,
        recommendation: super::recommend(s)
            .into_iter()
            .map(|r| Recommended {
                category: r.category,
                candidate: r.candidate.map(|i| s.candidates[i].0.as_str()),
                reason: r.reason,
            })
            .collect(),
    };
    let mut out = serde_json::to_string_pretty(&doc).expect("plain data serialises");
    out.push('\n');
    out
}
