//! What `restock tune` writes: `tune.json`, `tuned.yaml`, and the confirmation run's usual
//! outputs (`summary.json`, `report.html` with a "Tuning" section, …), all rendered first
//! and then written under temporary names and renamed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{METHOD, Search, Tuning};
use crate::combined;
use crate::error::{Error, Result};
use crate::metrics::Metric;
use crate::report::html::esc;
use crate::report::{self, Summary};
use crate::scenario::{self, Scenario};

/// The file names, relative to the output folder.
pub const TUNE_JSON: &str = "tune.json";
pub const TUNED_YAML: &str = "tuned.yaml";

#[derive(Serialize)]
struct Doc<'a> {
    scenario: &'a str,
    seed: u64,
    version: &'a str,
    method: &'a str,
    indifference: f64,
    confidence: f64,
    max_replications: u32,
    /// Points of the space-filling design (`tune.design`).
    design: usize,
    /// SKU-days simulated by the search and the confirmation runs together.
    sku_days_simulated: u64,
    /// The tuned policy, confirmed on fresh replications.
    tuned: TunedDoc<'a>,
    /// How the categories' picks were combined under the fill-rate line.
    #[serde(skip_serializing_if = "Option::is_none")]
    combination: Option<CombinationDoc>,
    searches: Vec<SearchDoc>,
}

#[derive(Serialize)]
struct CombinationDoc {
    method: &'static str,
    /// The price of a unit not served `[currency/unit]` the categories raced under.
    prices_raced: Vec<f64>,
    /// The price whose minimisers started the plan (null: every combination was judged).
    price_per_unit_short: Option<f64>,
    /// On the search's replications, replayed whole: the plan's score, its pooled fill rate,
    /// and the bound judged against the line (the estimate less (1 + √2) one-sided
    /// half-widths: room for the confirmation run's own sampling error).
    score: f64,
    fill_rate: f64,
    fill_rate_bound: f64,
    meets_line: bool,
    /// Whole-plan replays on the search's replications that corrected the categories' own
    /// figures for what they share (a supplier's queue); the figures above are the chosen
    /// plan's whole ones.
    whole_replays: usize,
}

#[derive(Serialize)]
struct TunedDoc<'a> {
    params: BTreeMap<&'a str, serde_json::Value>,
    confirmation_seed: u64,
    confirmation_replications: u32,
    feasible: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    failures: Vec<&'a str>,
    /// Mean and 95% half-width of the confirmation run's metrics.
    metrics: BTreeMap<&'static str, (f64, Option<f64>)>,
    capital_peak_p95: f64,
    /// Category swaps the trade-off heuristic made to meet the capital constraint.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    swaps: Vec<String>,
}

#[derive(Serialize)]
struct SearchDoc {
    /// `all` or the category id.
    scope: String,
    best: BTreeMap<String, serde_json::Value>,
    best_score: f64,
    best_score_ci95: Option<f64>,
    /// Parameters whose best value lies on its range's edge: widen the range.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    on_range_edge: Vec<String>,
    /// Survivors not shown to be more than the indifference worse than the choice.
    survivors_within_indifference: usize,
    /// Parameters that cannot act on this scope's SKUs, with why: their value changes nothing.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    no_effect: BTreeMap<String, &'static str>,
    sku_days: u64,
    rounds: Vec<RoundDoc>,
    candidates: Vec<CandidateDoc>,
}

#[derive(Serialize)]
struct RoundDoc {
    round: usize,
    replications: u64,
    live: usize,
    added: usize,
    dropped: usize,
}

#[derive(Serialize)]
struct CandidateDoc {
    params: BTreeMap<String, serde_json::Value>,
    replications: u64,
    /// null: survived every round.
    dropped_in_round: Option<usize>,
    score_mean: f64,
    score_ci95: Option<f64>,
}

/// How `tune.json` names the combination under the fill-rate line.
const COMBINATION: &str = "categories raced under prices of a unit not served (Lagrangian \
     relaxation, Everett 1963); one survivor per category, the cheapest combination whose \
     pooled fill rate on the search's replications clears the line with the confirmation's \
     margin";

/// The tuned parameters that cannot act on `s`'s scope, with what they would need.
fn no_effect(sc: &Scenario, s: &Search) -> Vec<(String, &'static str)> {
    let spec = sc.tune.as_ref().expect("tuned scenarios have a tune block");
    let category = s
        .scope
        .as_deref()
        .and_then(|c| sc.categories.iter().position(|x| x.id == c));
    spec.params
        .iter()
        .filter_map(|p| {
            scenario::cannot_act(&p.name, category, &sc.skus, &sc.streams)
                .map(|why| (p.name.clone(), why))
        })
        .collect()
}

fn value(v: Option<f64>) -> serde_json::Value {
    match v {
        Some(x) => serde_json::json!(x),
        None => serde_json::json!("off"),
    }
}

fn point_map(sc: &Scenario, s: &Search, p: &super::Point) -> BTreeMap<String, serde_json::Value> {
    let spec = sc.tune.as_ref().expect("tuned scenarios have a tune block");
    spec.params
        .iter()
        .zip(p)
        .map(|(param, v)| {
            let k = match &s.scope {
                Some(c) => format!("{c}.{}", param.name),
                None => param.name.clone(),
            };
            (k, value(*v))
        })
        .collect()
}

/// `tune.json`'s text.
pub fn render_json(sc: &Scenario, t: &Tuning) -> String {
    let spec = sc.tune.as_ref().expect("tuned scenarios have a tune block");
    let doc = Doc {
        scenario: &sc.name,
        seed: sc.seed,
        version: env!("CARGO_PKG_VERSION"),
        method: METHOD,
        indifference: sc.objective.indifference,
        confidence: sc.objective.confidence,
        max_replications: spec.max_replications,
        design: spec.design,
        sku_days_simulated: t.sku_days,
        tuned: TunedDoc {
            params: t
                .spec
                .params
                .iter()
                .map(|(k, v)| (k.as_str(), value(*v)))
                .collect(),
            confirmation_seed: t.confirmation_seed,
            confirmation_replications: t.confirmation_replications,
            feasible: t.failures.is_empty(),
            failures: t.failures.iter().map(|f| f.text.as_str()).collect(),
            metrics: [
                Metric::Score,
                Metric::TotalCostPerDay,
                Metric::FillRate,
                Metric::CapitalTiedAvg,
                Metric::CapitalTiedPeak,
            ]
            .iter()
            .map(|&m| {
                let st = t.confirmed.metric(m);
                (m.name(), (st.mean, st.ci95))
            })
            .collect(),
            capital_peak_p95: t.confirmed.metric(Metric::CapitalTiedPeak).p95,
            swaps: t
                .swaps
                .iter()
                .map(|(c, from, to)| format!("{c}: candidate {from} → {to}"))
                .collect(),
        },
        combination: t.combination.as_ref().map(|(c, replays)| CombinationDoc {
            method: COMBINATION,
            prices_raced: super::lagrange::prices(super::price_scale(sc)),
            price_per_unit_short: c.price,
            score: c.score,
            fill_rate: c.fill,
            fill_rate_bound: c.fill_bound,
            meets_line: c.meets,
            whole_replays: *replays,
        }),
        searches: t
            .searches
            .iter()
            .map(|s| SearchDoc {
                scope: s.scope.clone().unwrap_or_else(|| "all".to_string()),
                best: point_map(sc, s, &s.tried[s.best].point),
                best_score: s.tried[s.best].score_mean,
                best_score_ci95: s.tried[s.best].score_ci95,
                on_range_edge: s.on_edge.clone(),
                survivors_within_indifference: s.not_separated.len(),
                no_effect: no_effect(sc, s).into_iter().collect(),
                sku_days: s.sku_days,
                rounds: s
                    .rounds
                    .iter()
                    .enumerate()
                    .map(|(i, r)| RoundDoc {
                        round: i + 1,
                        replications: r.replications,
                        live: r.live,
                        added: r.added,
                        dropped: r.dropped,
                    })
                    .collect(),
                candidates: s
                    .tried
                    .iter()
                    .map(|c| CandidateDoc {
                        params: point_map(sc, s, &c.point),
                        replications: c.replications,
                        dropped_in_round: c.dropped_in_round,
                        score_mean: c.score_mean,
                        score_ci95: c.score_ci95,
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut out = serde_json::to_string_pretty(&doc).expect("plain data serialises");
    out.push('\n');
    out
}

/// `tuned.yaml`: the scenario as written (overrides applied, catalog path absolute) with the
/// tuned policy first, the confirmation seed and replications.
pub fn render_yaml(sc: &Scenario, t: &Tuning) -> Result<String> {
    let mut doc = scenario::document(&sc.file, &sc.overrides).map_err(Error::Input)?;
    let entry = serde_json::to_value(combined::entry(sc, &t.spec)).expect("plain data");
    let mut policies = vec![entry];
    if let Some(serde_json::Value::Array(old)) = doc.get("policies") {
        policies.extend(old.iter().cloned());
    }
    doc["policies"] = serde_json::Value::Array(policies);
    doc["seed"] = serde_json::json!(t.confirmation_seed);
    doc["replications"] = serde_json::json!(t.confirmation_replications);
    let yaml = serde_saphyr::to_string(&doc)
        .map_err(|e| Error::Other(format!("cannot write {TUNED_YAML}: {e}")))?;
    Ok(format!(
        "# restock {} tune of \"{}\": the tuned policy (`tuned`) first, then the original \
         candidates.\n# `restock run tuned.yaml` reproduces the confirmation run (seed {}, {} \
         replications).\n{yaml}",
        env!("CARGO_PKG_VERSION"),
        sc.name,
        t.confirmation_seed,
        t.confirmation_replications
    ))
}

/// A small scatter of the score of every candidate tried against one parameter.
fn scatter(s: &Search, j: usize, name: &str) -> String {
    let pts: Vec<(f64, f64, bool)> = s
        .tried
        .iter()
        .filter_map(|c| Some((c.point[j]?, c.score_mean, c.dropped_in_round.is_none())))
        .filter(|p| p.1.is_finite())
        .collect();
    if pts.is_empty() {
        return String::new();
    }
    let (w, h, m) = (320.0, 200.0, 36.0);
    let fold = |f: fn(f64, f64) -> f64, init: f64, k: usize| {
        pts.iter()
            .map(|p| if k == 0 { p.0 } else { p.1 })
            .fold(init, f)
    };
    let (x0, x1) = (
        fold(f64::min, f64::INFINITY, 0),
        fold(f64::max, f64::NEG_INFINITY, 0),
    );
    let (y0, y1) = (
        fold(f64::min, f64::INFINITY, 1),
        fold(f64::max, f64::NEG_INFINITY, 1),
    );
    let sx = |x: f64| m + (x - x0) / (x1 - x0).max(1e-12) * (w - 2.0 * m);
    let sy = |y: f64| h - m - (y - y0) / (y1 - y0).max(1e-12) * (h - 2.0 * m);
    let mut out = format!(
        "<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\"><title>score against {name}</title>\
         <rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#fff\" stroke=\"#ccc\"/>\
         <text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{name} ({x0:.3} … {x1:.3})</text>\
         <text x=\"10\" y=\"14\" font-size=\"11\">score/day ({y0:.2} … {y1:.2})</text>",
        w / 2.0,
        h - 8.0
    );
    for (x, y, live) in &pts {
        let _ = write!(
            out,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{}\" fill=\"{}\"/>",
            sx(*x),
            sy(*y),
            if *live { 4 } else { 2 },
            if *live { "#d9480f" } else { "#4c6ef5" }
        );
    }
    out.push_str("</svg>");
    out
}

/// The "Tuning" section of `report.html`.
pub fn render_html(sc: &Scenario, t: &Tuning) -> String {
    let spec = sc.tune.as_ref().expect("tuned scenarios have a tune block");
    let mut h = String::new();
    let _ = write!(
        h,
        "<h2>Tuning</h2>\n<p class=\"note\">{} (indifference {}/day, confidence {}). \
         {} SKU-days simulated. The figures above are the tuned policy's confirmation run: \
         {} fresh replications, seed {}.</p>\n",
        esc(METHOD),
        sc.objective.indifference,
        sc.objective.confidence,
        crate::report::table::num(t.sku_days as f64),
        t.confirmation_replications,
        t.confirmation_seed
    );
    if !t.failures.is_empty() {
        let f: Vec<_> = t.failures.iter().map(|f| esc(&f.text)).collect();
        let _ = writeln!(
            h,
            "<p><b>The tuned policy does not meet the constraints:</b> {}</p>",
            f.join("; ")
        );
    }
    if let Some((c, replays)) = &t.combination {
        let _ = writeln!(
            h,
            "<p>Categories combined under the fill-rate line: one survivor per category, \
             raced under prices of a unit not served, the cheapest plan whose pooled fill rate \
             clears the line with room for the confirmation. Replayed whole on the search's \
             replications ({replays} whole replay(s)): score {:.1}/day, pooled fill rate \
             {:.4}, bound {:.4} ({}).</p>",
            c.score,
            c.fill,
            c.fill_bound,
            if c.meets {
                "clears the line"
            } else {
                "short of the line"
            }
        );
    }
    for s in &t.searches {
        let scope = s
            .scope
            .as_deref()
            .map_or("every SKU".to_string(), |c| format!("category {c}"));
        let _ = writeln!(h, "<h3>{}</h3>", esc(&scope));
        let inert = no_effect(sc, s);
        if !inert.is_empty() {
            let names: Vec<String> = inert
                .iter()
                .map(|(p, why)| format!("{p} (no SKU {why})"))
                .collect();
            let _ = writeln!(
                h,
                "<p>No effect on this scope, whatever its value: {}.</p>",
                esc(&names.join(", "))
            );
        }
        if !s.on_edge.is_empty() {
            let _ = writeln!(
                h,
                "<p><b>On the edge of its range:</b> {} — widen the range and tune again.</p>",
                esc(&s.on_edge.join(", "))
            );
        }
        h.push_str(
            "<table><tr><th>round</th><th>replications</th><th>live</th><th>added</th>\
             <th>dropped</th></tr>\n",
        );
        for (i, r) in s.rounds.iter().enumerate() {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                i + 1,
                r.replications,
                r.live,
                r.added,
                r.dropped
            );
        }
        h.push_str("</table>\n<p class=\"note\">Score of every candidate tried (mean over its replications; survivors larger).</p>\n<div>");
        for (j, p) in spec.params.iter().enumerate() {
            h.push_str(&scatter(s, j, &esc(&p.name)));
        }
        h.push_str("</div>\n");
    }
    h
}

/// Writes the tune's outputs into `out`.
pub fn write_outputs(sc: &Scenario, t: &Tuning, out: &Path) -> Result<Vec<PathBuf>> {
    let mut conf = sc.clone();
    conf.seed = t.confirmation_seed;
    conf.replications = t.confirmation_replications;
    conf.policies = vec![t.spec.clone()];
    let mut summary = Summary::new(&conf, t.outcome.clone());
    summary.tuning_html = Some(render_html(sc, t));
    let mut files = report::render_outputs(&summary)?;
    files.push((TUNE_JSON.into(), render_json(sc, t).into_bytes()));
    files.push((TUNED_YAML.into(), render_yaml(sc, t)?.into_bytes()));
    report::write_files(out, files)
}

/// The terminal summary.
pub fn render_terminal(sc: &Scenario, t: &Tuning) -> String {
    use crate::report::table::num;
    let mut o = String::new();
    for s in &t.searches {
        let scope = s
            .scope
            .as_deref()
            .map_or("every SKU".to_string(), |c| format!("category {c}"));
        let prefix = s
            .scope
            .as_deref()
            .map(|c| format!("{c}."))
            .unwrap_or_default();
        let inert = no_effect(sc, s);
        let best: Vec<String> = point_map(sc, s, &s.tried[s.best].point)
            .into_iter()
            .map(|(k, v)| {
                let k = k.strip_prefix(&prefix).unwrap_or(&k).to_string();
                match inert.iter().find(|(p, _)| *p == k) {
                    Some((_, why)) => format!("{k}: no effect (no SKU {why})"),
                    None => format!("{k}={}", v.to_string().trim_matches('"')),
                }
            })
            .collect();
        let _ = writeln!(
            o,
            "{scope}: {} candidates tried in {} rounds; best, score {}/day:",
            s.tried.len(),
            s.rounds.len(),
            num(s.tried[s.best].score_mean)
        );
        let _ = writeln!(o, "  {}", best.join("  "));
        if !s.on_edge.is_empty() {
            let _ = writeln!(
                o,
                "  warning: {} on the edge of its range — widen it and tune again",
                s.on_edge.join(", ")
            );
        }
    }
    if let Some((c, _)) = &t.combination {
        let _ = writeln!(
            o,
            "categories combined, replayed whole on the search's replications:\n  score {}/day, pooled fill rate {:.4}, bound with the confirmation's margin {:.4} {} {}",
            num(c.score),
            c.fill,
            c.fill_bound,
            if c.meets { "≥" } else { "<" },
            sc.objective.min_fill_rate.unwrap_or(0.0)
        );
    }
    let st = t.confirmed.metric(Metric::Score);
    let _ = writeln!(
        o,
        "tuned policy on {} fresh replications (seed {}):",
        t.confirmation_replications, t.confirmation_seed,
    );
    let _ = writeln!(
        o,
        "  score {} ± {}/day, fill rate {}, p95 peak capital {}: {}",
        num(st.mean),
        st.ci95.map_or("n/a".to_string(), num),
        num(t.confirmed.metric(Metric::FillRate).mean),
        num(t.confirmed.metric(Metric::CapitalTiedPeak).p95),
        if t.failures.is_empty() {
            "meets the constraints".to_string()
        } else {
            "does NOT meet the constraints:".to_string()
        }
    );
    for f in &t.failures {
        let _ = writeln!(o, "    {}", f.text);
    }
    let _ = writeln!(o, "SKU-days simulated: {}", num(t.sku_days as f64));
    o
}
