//! What-if outputs: `variants.csv`, the `variants` section of `summary.json`, the terminal's
//! per-variant headline differences and the report's "What if" section with its chart.
//!
//! Every difference here is paired: variant − base for the same candidate over the same
//! replications (`whatif`). Which settings survive is judged by the scenario's objective in
//! each world: the pick per variant, and a robust pick — the candidate with the best
//! worst-case mean score among those feasible in the base and every variant.

use std::fmt::Write;

use serde::Serialize;

use super::Summary;
use super::html::esc;
use super::table::num;
use crate::error::{Error, Result};
use crate::metrics::Metric;
use crate::runner::PEAKS;
use crate::scenario::Objective;
use crate::score::{self, Ranking};
use crate::stats::bootstrap::QuantileDiff;
use crate::stats::{CandidateStats, PairedDiff};
use crate::whatif::VariantStats;

/// The headline metrics printed per variant and charted, in this order.
pub const HEADLINE: [Metric; 4] = [
    Metric::FillRate,
    Metric::StreamsStockedOut,
    Metric::TotalCostPerDay,
    Metric::CapitalTiedPeak,
];

/// One variant as reported.
#[derive(Debug, Clone)]
pub struct VariantReport {
    pub name: String,
    pub stats: Vec<CandidateStats>,
    /// Per candidate, per metric (`Metric::ALL` order): variant − base, paired.
    pub vs_base: Vec<Vec<PairedDiff>>,
    /// Per candidate, per metric of `runner::PEAKS`: the p95 difference and its interval.
    pub p95_vs_base: Vec<Vec<Option<QuantileDiff>>>,
    pub ranking: Ranking,
    /// Every paired difference of every candidate is exactly 0 in every replication.
    pub changes_nothing: bool,
}

/// The what-if part of a summary.
#[derive(Debug, Clone)]
pub struct WhatIf {
    pub variants: Vec<VariantReport>,
    /// The candidate with the best worst-case mean score over the base and every variant,
    /// among those feasible in all of them (`None`: no candidate is).
    pub robust: Option<usize>,
    /// Warnings a planner must read (a variant that changes nothing; a scripted disruption
    /// that hits nothing is the summary's `hit_warnings`).
    pub warnings: Vec<String>,
}

impl WhatIf {
    pub fn new(
        objective: &Objective,
        base: &[CandidateStats],
        variants: Vec<VariantStats>,
    ) -> Self {
        let mut warnings = Vec::new();
        let variants: Vec<VariantReport> = variants
            .into_iter()
            .map(|v| {
                let ranking = score::rank(
                    objective,
                    &v.stats.iter().map(|c| &c.all).collect::<Vec<_>>(),
                );
                let changes_nothing = v
                    .vs_base
                    .iter()
                    .flatten()
                    .all(|d| d.mean == 0.0 && d.ci95.is_none_or(|h| h == 0.0));
                if changes_nothing {
                    warnings.push(format!(
                        "variant `{}` changes nothing: every metric of every candidate is identical to the base in every replication (a closure or strike whose window no shipment reached, a date outside the horizon, or a value equal to the base's)",
                        v.name
                    ));
                }
                VariantReport {
                    name: v.name,
                    stats: v.stats,
                    vs_base: v.vs_base,
                    p95_vs_base: v.p95_vs_base,
                    ranking,
                    changes_nothing,
                }
            })
            .collect();
        let robust = robust_pick(objective, base, &variants);
        WhatIf {
            variants,
            robust,
            warnings,
        }
    }
}

/// Among candidates feasible in the base and in every variant, the one whose largest mean
/// score over those worlds is smallest (ties: the earlier candidate).
fn robust_pick(
    objective: &Objective,
    base: &[CandidateStats],
    variants: &[VariantReport],
) -> Option<usize> {
    let worlds = || std::iter::once(base).chain(variants.iter().map(|v| v.stats.as_slice()));
    (0..base.len())
        .filter(|&c| worlds().all(|w| score::feasible(objective, &w[c].all)))
        .map(|c| {
            let worst = worlds()
                .map(|w| w[c].metric(Metric::Score).mean)
                .fold(f64::NEG_INFINITY, f64::max);
            (c, worst)
        })
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
        .map(|(c, _)| c)
}

/// The difference of p95s of `PEAKS[k]` (variant − base, candidate `c`) and the half-width
/// of its bootstrap interval: the exact nearest-rank difference of the kept values, or, beyond
/// the replications kept, the sketches' difference without an interval.
fn p95_diff(s: &Summary, v: &VariantReport, c: usize, k: usize) -> (f64, Option<f64>) {
    match v.p95_vs_base[c][k] {
        Some(q) => (q.diff, Some(q.half_width())),
        None => {
            let m = PEAKS[k];
            (
                v.stats[c].metric(m).p95 - s.candidates[c].1.metric(m).p95,
                None,
            )
        }
    }
}

/// `variants.csv`: one row per variant × candidate × metric.
pub fn render_csv(s: &Summary, w: &WhatIf) -> Result<String> {
    let fail = |e: csv::Error| Error::Other(format!("cannot format variants.csv: {e}"));
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "variant",
        "candidate",
        "metric",
        "unit",
        "mean",
        "ci95",
        "diff_vs_base",
        "diff_ci95",
    ])
    .map_err(fail)?;
    for v in &w.variants {
        for (c, (name, _)) in s.candidates.iter().enumerate() {
            for &m in Metric::ALL {
                let st = v.stats[c].metric(m);
                let d = &v.vs_base[c][m as usize];
                let x = |v: f64| super::csv_cell(m.unit(), v);
                let opt = |v: Option<f64>| v.map(x).unwrap_or_default();
                out.write_record([
                    v.name.clone(),
                    name.clone(),
                    m.name().to_string(),
                    super::unit_in(m.unit(), &s.currency),
                    x(st.mean),
                    opt(st.ci95),
                    x(d.mean),
                    opt(d.ci95),
                ])
                .map_err(fail)?;
            }
            for (k, &m) in PEAKS.iter().enumerate() {
                let (diff, half) = p95_diff(s, v, c, k);
                let x = |v: f64| super::csv_cell(m.unit(), v);
                out.write_record([
                    v.name.clone(),
                    name.clone(),
                    format!("{}_p95", m.name()),
                    super::unit_in(m.unit(), &s.currency),
                    x(v.stats[c].metric(m).p95),
                    String::new(),
                    x(diff),
                    half.map(x).unwrap_or_default(),
                ])
                .map_err(fail)?;
            }
        }
    }
    let bytes = out
        .into_inner()
        .map_err(|e| Error::Other(format!("cannot format variants.csv: {e}")))?;
    Ok(String::from_utf8(bytes).expect("csv of UTF-8 fields is UTF-8"))
}

#[derive(Serialize)]
pub(super) struct Doc<'a> {
    /// The base's pick (the summary's `best.all`), for comparison with each variant's.
    base_pick: Option<&'a str>,
    /// Best worst-case score among candidates feasible in the base and every variant.
    robust_pick: Option<&'a str>,
    warnings: &'a [String],
    variants: Vec<VariantDoc<'a>>,
}

#[derive(Serialize)]
struct VariantDoc<'a> {
    name: &'a str,
    /// The objective's pick in this variant's world (null: none feasible).
    pick: Option<&'a str>,
    pick_differs_from_base: bool,
    changes_nothing: bool,
    candidates: Vec<CandidateDoc<'a>>,
}

#[derive(Serialize)]
struct CandidateDoc<'a> {
    name: &'a str,
    rank: usize,
    feasible: bool,
    /// Per metric (sorted by name): the variant's mean and 95% half-width, and the paired
    /// difference against the base's same candidate.
    metrics: std::collections::BTreeMap<&'static str, MetricDoc>,
}

#[derive(Serialize)]
struct MetricDoc {
    mean: f64,
    ci95: Option<f64>,
    p95: f64,
    diff_vs_base: f64,
    diff_ci95: Option<f64>,
    /// For the metrics whose p95 is a headline: the difference of p95s (variant − base) and
    /// its 95% paired bootstrap interval (null beyond the replications kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    diff_p95: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff_p95_ci95: Option<Option<[f64; 2]>>,
}

pub(super) fn json_doc<'a>(s: &'a Summary, w: &'a WhatIf) -> Doc<'a> {
    let name = |c: Option<usize>| c.map(|c| s.candidates[c].0.as_str());
    Doc {
        base_pick: name(s.ranking.best),
        robust_pick: name(w.robust),
        warnings: &w.warnings,
        variants: w
            .variants
            .iter()
            .map(|v| VariantDoc {
                name: &v.name,
                pick: name(v.ranking.best),
                pick_differs_from_base: v.ranking.best != s.ranking.best,
                changes_nothing: v.changes_nothing,
                candidates: s
                    .candidates
                    .iter()
                    .enumerate()
                    .map(|(c, (cname, _))| CandidateDoc {
                        name: cname,
                        rank: v.ranking.verdicts[c].rank,
                        feasible: v.ranking.verdicts[c].feasible,
                        metrics: Metric::ALL
                            .iter()
                            .map(|&m| {
                                let st = v.stats[c].metric(m);
                                let d = &v.vs_base[c][m as usize];
                                let k = PEAKS.iter().position(|&p| p == m);
                                (
                                    m.name(),
                                    MetricDoc {
                                        mean: st.mean,
                                        ci95: st.ci95,
                                        p95: st.p95,
                                        diff_vs_base: d.mean,
                                        diff_ci95: d.ci95,
                                        diff_p95: k.map(|k| p95_diff(s, v, c, k).0),
                                        diff_p95_ci95: k
                                            .map(|k| v.p95_vs_base[c][k].map(|q| [q.lo, q.hi])),
                                    },
                                )
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// "Δ p95 peak capital ± h" (no "±" beyond the replications kept).
/// The p95 difference of `m` (one of `PEAKS`) with its interval, as the terminal prints it.
fn pm_p95(s: &Summary, v: &VariantReport, c: usize, m: Metric) -> String {
    let k = PEAKS
        .iter()
        .position(|&p| p == m)
        .expect("the p95 metrics the terminal prints are kept");
    let (diff, half) = p95_diff(s, v, c, k);
    let sign = if diff > 0.0 { "+" } else { "" };
    match half {
        Some(h) => format!("{sign}{} ± {}", num(diff), num(h)),
        None => format!("{sign}{}", num(diff)),
    }
}

fn pm(d: &PairedDiff) -> String {
    let sign = if d.mean > 0.0 { "+" } else { "" };
    match d.ci95 {
        Some(h) => format!("{sign}{} ± {}", num(d.mean), num(h)),
        None => format!("{sign}{}", num(d.mean)),
    }
}

/// The terminal's what-if lines: per variant, each candidate's headline differences.
pub fn render_table(s: &Summary, w: &WhatIf) -> String {
    let mut out = String::new();
    let name = |c: Option<usize>| match c {
        Some(c) => s.candidates[c].0.clone(),
        None => "none feasible".to_string(),
    };
    let width = s
        .candidates
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0)
        .max(9);
    let _ = writeln!(
        out,
        "\nwhat if (variant − base, paired on the same futures, ± 95% CI)"
    );
    for v in &w.variants {
        let pick = name(v.ranking.best);
        let _ = writeln!(
            out,
            "  {}: pick {}{}{}",
            v.name,
            pick,
            if v.ranking.best != s.ranking.best {
                format!(" (base picks {})", name(s.ranking.best))
            } else {
                " (same as base)".to_string()
            },
            if v.changes_nothing {
                " — WARNING: changes nothing"
            } else {
                ""
            }
        );
        let _ = writeln!(
            out,
            "  {:<width$} {:>16} {:>11} {:>16} {:>18} {:>18}",
            "candidate",
            "Δ fill rate",
            "Δ streams",
            "Δ cost/day",
            "Δ peak cap p95",
            "Δ funding p95"
        );
        for (c, (cname, _)) in s.candidates.iter().enumerate() {
            let d = |m: Metric| pm(&v.vs_base[c][m as usize]);
            let _ = writeln!(
                out,
                "  {:<width$} {:>16} {:>11} {:>16} {:>18} {:>18}",
                cname,
                d(Metric::FillRate),
                d(Metric::StreamsStockedOut),
                d(Metric::TotalCostPerDay),
                pm_p95(s, v, c, Metric::CapitalTiedPeak),
                pm_p95(s, v, c, Metric::PeakFundingNeed),
            );
        }
    }
    let _ = writeln!(
        out,
        "  robust pick (best worst-case score, feasible in the base and every variant): {}",
        match w.robust {
            Some(c) => s.candidates[c].0.clone(),
            None => "none: no candidate is feasible in every variant".to_string(),
        }
    );
    for warn in &w.warnings {
        let _ = writeln!(out, "warning: {warn}");
    }
    out
}

/// The report's "What if" section: verdicts, a table per variant, the chart.
pub fn render_html(s: &Summary, w: &WhatIf) -> String {
    let mut h = String::new();
    let name = |c: Option<usize>| match c {
        Some(c) => esc(&s.candidates[c].0),
        None => "none feasible".to_string(),
    };
    h.push_str(
        "<h2 id=\"what-if\">What if</h2>\n<p class=\"note\">Each variant replays the base's \
         futures (same seed, same replications) with the world changed; a difference is the \
         variant minus the base for the same candidate, paired replication by replication, \
         ± the half-width of its 95% confidence interval.</p>\n",
    );
    let _ = writeln!(
        h,
        "<p>Robust pick (best worst-case score among candidates feasible in the base and every \
         variant): <strong>{}</strong>. Base pick: {}.</p>",
        match w.robust {
            Some(c) => esc(&s.candidates[c].0),
            None => "none — no candidate is feasible in every variant".to_string(),
        },
        name(s.ranking.best)
    );
    for warn in &w.warnings {
        let _ = writeln!(
            h,
            "<p class=\"warning\"><strong>Warning:</strong> {}</p>",
            esc(warn)
        );
    }
    for v in &w.variants {
        let _ = writeln!(
            h,
            "<h3>{}</h3>\n<p>Pick: <strong>{}</strong>{}</p>\n<table class=\"whatif\"><tr><th>candidate</th>{}</tr>",
            esc(&v.name),
            name(v.ranking.best),
            if v.ranking.best != s.ranking.best {
                " (differs from the base's)"
            } else {
                " (same as the base's)"
            },
            HEADLINE
                .iter()
                .map(|m| format!("<th>Δ {}</th>", m.name()))
                .chain(std::iter::once(
                    "<th>Δ p95 capital_tied_peak</th>".to_string()
                ))
                .collect::<String>()
        );
        for (c, (cname, _)) in s.candidates.iter().enumerate() {
            let _ = write!(h, "<tr><td>{}</td>", esc(cname));
            for m in HEADLINE {
                let _ = write!(h, "<td>{}</td>", pm(&v.vs_base[c][m as usize]));
            }
            let _ = write!(h, "<td>{}</td>", pm_p95(s, v, c, Metric::CapitalTiedPeak));
            h.push_str("</tr>\n");
        }
        h.push_str("</table>\n");
    }
    let svg = chart_svg(s, w);
    let _ = writeln!(
        h,
        "<figure id=\"plot-whatif\">{svg}<figcaption>Paired differences (variant − base) of the \
         headline metrics, one panel per metric, one bar per variant and candidate, whiskers = \
         95% CI. <span class=\"note\">(file: <code>plots/whatif_differences.svg</code>)</span>\
         </figcaption></figure>"
    );
    h
}

const PALETTE: [&str; 8] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
];

/// One panel per headline metric: horizontal bars (variant × candidate) with CI whiskers
/// around a zero line. Drawn as plain SVG: text is left to the viewer's fonts.
pub fn chart_svg(s: &Summary, w: &WhatIf) -> String {
    let n = s.candidates.len();
    let rows = w.variants.len() * n;
    let (label_w, panel_w, gap, row_h, top) = (220.0, 260.0, 30.0, 16.0, 48.0);
    let width = label_w + HEADLINE.len() as f64 * (panel_w + gap);
    let height = top + rows as f64 * row_h + 20.0 + 20.0 * n.min(8) as f64 / 2.0 + 20.0;
    let mut g = String::new();
    let _ = write!(
        g,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
    );
    for (i, v) in w.variants.iter().enumerate() {
        let y = top + (i * n) as f64 * row_h;
        let _ = write!(
            g,
            "<text x=\"4\" y=\"{:.1}\" font-weight=\"bold\">{}</text>",
            y + row_h * 0.8,
            esc(&v.name)
        );
        if i > 0 {
            let _ = write!(
                g,
                "<line x1=\"0\" x2=\"{width}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/>"
            );
        }
    }
    for (k, m) in HEADLINE.iter().enumerate() {
        let x0 = label_w + k as f64 * (panel_w + gap);
        // Symmetric scale around 0 covering every interval.
        let reach = w
            .variants
            .iter()
            .flat_map(|v| v.vs_base.iter().map(|d| d[*m as usize]))
            .map(|d| d.mean.abs() + d.ci95.unwrap_or(0.0))
            .fold(0.0f64, f64::max);
        let reach = if reach > 0.0 { reach * 1.1 } else { 1.0 };
        let sx = |v: f64| x0 + panel_w / 2.0 + v / reach * panel_w / 2.0;
        let _ = write!(
            g,
            "<text x=\"{:.1}\" y=\"20\" text-anchor=\"middle\" font-weight=\"bold\">Δ {}</text>\
             <text x=\"{:.1}\" y=\"36\" text-anchor=\"middle\" fill=\"#555\">[{}] ±{}</text>\
             <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{top}\" y2=\"{:.1}\" stroke=\"#333\"/>",
            x0 + panel_w / 2.0,
            m.name(),
            x0 + panel_w / 2.0,
            esc(&super::unit_in(m.unit(), &s.currency)),
            num(reach),
            sx(0.0),
            sx(0.0),
            top + rows as f64 * row_h
        );
        for (i, v) in w.variants.iter().enumerate() {
            for c in 0..n {
                let d = v.vs_base[c][*m as usize];
                let y = top + (i * n + c) as f64 * row_h;
                let colour = PALETTE[c % PALETTE.len()];
                let (a, b) = (sx(0.0).min(sx(d.mean)), sx(0.0).max(sx(d.mean)));
                let _ = write!(
                    g,
                    "<rect x=\"{a:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\" fill-opacity=\"0.7\"/>",
                    y + 3.0,
                    (b - a).max(0.5),
                    row_h - 6.0
                );
                if let Some(hw) = d.ci95 {
                    let yc = y + row_h / 2.0;
                    let _ = write!(
                        g,
                        "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{yc:.1}\" y2=\"{yc:.1}\" stroke=\"black\"/>",
                        sx(d.mean - hw),
                        sx(d.mean + hw)
                    );
                }
            }
        }
    }
    // Legend: candidate colours.
    let ly = top + rows as f64 * row_h + 20.0;
    for (c, (cname, _)) in s.candidates.iter().enumerate().take(8) {
        let x = 4.0 + (c % 4) as f64 * 240.0;
        let y = ly + (c / 4) as f64 * 18.0;
        let _ = write!(
            g,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"10\" fill=\"{}\" fill-opacity=\"0.7\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            y - 9.0,
            PALETTE[c % PALETTE.len()],
            x + 16.0,
            y,
            esc(cname)
        );
    }
    g.push_str("</svg>");
    g
}
