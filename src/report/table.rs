//! The terminal table: each candidate's metrics with their confidence intervals, readable at a
//! glance. Numbers are rounded for the eye; the files keep full precision.

use std::fmt::Write;

use super::Summary;
use crate::metrics::Metric;

/// Formats a number with about four significant digits.
pub fn num(x: f64) -> String {
    let a = x.abs();
    if x == 0.0 {
        "0".to_string()
    } else if a >= 1e4 {
        format!("{x:.0}")
    } else if a >= 100.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.3}")
    } else {
        format!("{x:.4}")
    }
}

/// Candidates up to which every metric of every candidate is printed; beyond it the ranking
/// alone (the files hold everything).
const FULL_TABLE_CANDIDATES: usize = 4;

pub fn render_table(s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} replications, seed {}, days {}..{} measured from {}",
        s.scenario_name, s.replications, s.seed, s.warmup_days, s.horizon_days, s.start_date
    );
    if s.candidates.len() <= FULL_TABLE_CANDIDATES {
        metric_tables(s, &mut out);
    }
    if s.candidates.len() > 1 {
        ranking(s, &mut out);
    } else {
        infeasible(s, &mut out);
    }
    out
}

/// The ranking, the best feasible candidate per category and the frontier.
fn ranking(s: &Summary, out: &mut String) {
    let _ = writeln!(
        out,
        "\nranking by score (lower is better; Δ vs {}: paired difference with its 95% CI; ≈ best: its paired CI against the best contains 0)",
        s.candidates[0].0
    );
    let w = s
        .candidates
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0)
        .max(9);
    let _ = writeln!(
        out,
        "  {:>4}  {:<w$} {:>22} {:>22} {:>9} {:>12} {:>13} {:>8} {:>6} {:>6}",
        "rank",
        "candidate",
        "score ± 95% CI",
        "Δ score vs first",
        "fill",
        "cost/day",
        "peak cap p95",
        "feasible",
        "pareto",
        "≈best"
    );
    let mut order: Vec<usize> = (0..s.candidates.len()).collect();
    order.sort_by_key(|&c| s.ranking.verdicts[c].rank);
    for c in order {
        let (name, st) = &s.candidates[c];
        let v = &s.ranking.verdicts[c];
        let score = st.metric(Metric::Score);
        let score = match score.ci95 {
            Some(h) => format!("{} ± {}", num(score.mean), num(h)),
            None => num(score.mean),
        };
        let d = st.diff(Metric::Score);
        let diff = match (c, d.ci95) {
            (0, _) => "(baseline)".to_string(),
            (_, Some(h)) => format!("{} ± {}", Signed(d.mean), num(h)),
            (_, None) => Signed(d.mean).to_string(),
        };
        let yes = |b: bool| if b { "yes" } else { "-" };
        let _ = writeln!(
            out,
            "  {:>4}  {:<w$} {:>22} {:>22} {:>9} {:>12} {:>13} {:>8} {:>6} {:>6}",
            v.rank,
            name,
            score,
            diff,
            num(st.metric(Metric::FillRate).mean),
            num(st.metric(Metric::TotalCostPerDay).mean),
            num(st.metric(Metric::CapitalTiedPeak).p95),
            yes(v.feasible),
            yes(v.pareto),
            yes(v.indistinguishable_from_best()),
        );
    }
    let best = |r: &crate::score::Ranking| match r.best {
        Some(c) => {
            let tied = r
                .verdicts
                .iter()
                .enumerate()
                .filter(|&(o, v)| o != c && v.feasible && v.indistinguishable_from_best())
                .count();
            let mut line = s.candidates[c].0.clone();
            if tied > 0 {
                let _ = write!(
                    line,
                    " ({tied} other feasible candidate(s) statistically indistinguishable)"
                );
            }
            line
        }
        None => format!(
            "none meets the constraints at {}% confidence",
            (s.objective.confidence * 1000.0).round() / 10.0
        ),
    };
    let _ = writeln!(out, "\nbest feasible candidate: {}", best(&s.ranking));
    for (id, r) in s.categories.iter().zip(&s.category_rankings) {
        let _ = writeln!(out, "  category {id}: {}", best(r));
    }
    if let Some(c) = &s.combined {
        let picks: Vec<String> = c.picks.iter().map(|(k, p)| format!("{k} ← {p}")).collect();
        let _ = writeln!(out, "combined per-category picks ({}):", picks.join(", "));
        let st = c.stats.metric(Metric::Score);
        let verdict = if c.failures.is_empty() {
            "meets the constraints".to_string()
        } else {
            let why: Vec<_> = c.failures.iter().map(|f| f.text.as_str()).collect();
            format!("does NOT meet the constraints: {}", why.join("; "))
        };
        let vs = match &c.vs_best {
            Some((name, d)) => match d.ci95 {
                Some(h) => format!(", Δ score vs {name} {} ± {}", Signed(d.mean), num(h)),
                None => format!(", Δ score vs {name} {}", Signed(d.mean)),
            },
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "  score {}{vs}; fill {}, peak cap p95 {}: {verdict}",
            num(st.mean),
            num(c.stats.metric(Metric::FillRate).mean),
            num(c.stats.metric(Metric::CapitalTiedPeak).p95),
        );
    }
    infeasible(s, out);
    let frontier: Vec<_> = s
        .ranking
        .frontier()
        .into_iter()
        .map(|c| s.candidates[c].0.as_str())
        .collect();
    let _ = writeln!(
        out,
        "Pareto frontier (fill rate ↑, cost ↓, p95 peak capital ↓): {}",
        frontier.join(", ")
    );
}

fn metric_tables(s: &Summary, out: &mut String) {
    for (i, (name, c)) in s.candidates.iter().enumerate() {
        let _ = writeln!(out, "\ncandidate {name}");
        let _ = write!(
            out,
            "  {:<24} {:>22} {:>11} {:>11} {:>11}",
            "metric", "mean ± 95% CI", "p5", "p50", "p95"
        );
        if i > 0 {
            let _ = write!(out, " {:>24}", "vs first (paired)");
        }
        out.push('\n');
        for &m in Metric::ALL {
            let st = c.metric(m);
            let mean = match st.ci95 {
                Some(h) => format!("{} ± {}", num(st.mean), num(h)),
                None => num(st.mean),
            };
            let _ = write!(
                out,
                "  {:<24} {:>22} {:>11} {:>11} {:>11}",
                m.name(),
                mean,
                num(st.p5),
                num(st.p50),
                num(st.p95)
            );
            if i > 0 {
                let d = c.diff(m);
                let diff = match d.ci95 {
                    Some(h) => format!("{} ± {}", Signed(d.mean), num(h)),
                    None => Signed(d.mean).to_string(),
                };
                let _ = write!(out, " {diff:>24}");
            }
            out.push('\n');
        }
    }
}

struct Signed(f64);

impl std::fmt::Display for Signed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0.0 { "-" } else { "+" };
        write!(f, "{sign}{}", num(self.0.abs()))
    }
}

/// Candidates listed by name with the constraint each fails, best-ranked first.
const FAILURES_SHOWN: usize = 10;

/// Which constraint each infeasible candidate fails and by how much, over every SKU.
fn infeasible(s: &Summary, out: &mut String) {
    let mut order: Vec<usize> = (0..s.candidates.len())
        .filter(|&c| !s.ranking.verdicts[c].feasible)
        .collect();
    if order.is_empty() {
        return;
    }
    order.sort_by_key(|&c| s.ranking.verdicts[c].rank);
    let _ = writeln!(out, "not feasible ({} candidate(s)):", order.len());
    for &c in order.iter().take(FAILURES_SHOWN) {
        let why: Vec<_> = s.ranking.verdicts[c]
            .failures
            .iter()
            .map(|f| f.text.as_str())
            .collect();
        let _ = writeln!(out, "  {}: {}", s.candidates[c].0, why.join("; "));
    }
    if order.len() > FAILURES_SHOWN {
        let _ = writeln!(
            out,
            "  … and {} more (summary.json lists every failure)",
            order.len() - FAILURES_SHOWN
        );
    }
}
