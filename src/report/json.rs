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
}

#[derive(Serialize)]
struct Candidate<'a> {
    name: &'a str,
    metrics: BTreeMap<&'static str, Stat>,
    vs_first: BTreeMap<&'static str, Diff>,
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
            })
            .collect(),
    };
    let mut out = serde_json::to_string_pretty(&doc).expect("plain data serialises");
    out.push('\n');
    out
}
