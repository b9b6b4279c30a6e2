//! The recommendation per category, as a reader of `report.html` wants it: for every SKU and
//! for each category, the best candidate by the objective (`score::rank`: feasible at the
//! objective's confidence, then the lowest mean score, keeping the first-listed candidate
//! when the difference is below the indifference) with the reason in words. Each category is
//! judged on its own metrics, so categories may get different answers; when none is feasible
//! the reason says which constraint failed and by how much.

use super::Summary;
use crate::metrics::Metric;
use crate::score::Ranking;

#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    /// `all SKUs`, then each category id.
    pub scope: String,
    /// Index of the recommended candidate; `None` when none meets the constraints.
    pub candidate: Option<usize>,
    /// Why, in a sentence a planner can read.
    pub reason: String,
}

/// The objective's constraints in words.
pub fn constraints(s: &Summary) -> String {
    let mut parts = Vec::new();
    let conf = format!("{}%", (s.objective.confidence * 1000.0).round() / 10.0);
    if let Some(f) = s.objective.min_fill_rate {
        parts.push(format!(
            "pooled fill rate ≥ {f} (its {conf} lower bound, delta method)"
        ));
    }
    if let Some(c) = s.objective.max_capital_peak_p95 {
        parts.push(format!(
            "p95 of peak capital ≤ {} (its {conf} upper bound, order statistic)",
            crate::score::thousands(c)
        ));
    }
    if let Some(c) = s.objective.max_funding_need_p95 {
        parts.push(format!("p95 of peak funding need ≤ {c}"));
    }
    if parts.is_empty() {
        "none set (objective.min_fill_rate, objective.max_capital_peak_p95)".to_string()
    } else {
        parts.join(" and ")
    }
}

pub fn recommend(s: &Summary) -> Vec<Recommendation> {
    let mut scopes: Vec<(String, &Ranking, usize)> = vec![("all SKUs".to_string(), &s.ranking, 0)];
    for (k, (id, r)) in s.categories.iter().zip(&s.category_rankings).enumerate() {
        scopes.push((format!("category {id}"), r, k + 1));
    }
    scopes
        .into_iter()
        .map(|(scope, ranking, k)| {
            let stats = |i: usize| {
                let c = &s.candidates[i].1;
                if k == 0 { &c.all } else { &c.categories[k - 1] }
            };
            let feasible = ranking.verdicts.iter().filter(|v| v.feasible).count();
            let conf = format!("{}%", (s.objective.confidence * 1000.0).round() / 10.0);
            let reason = match (ranking.best, ranking.lowest) {
                (Some(i), Some(low)) => {
                    let st = stats(i);
                    let ties = ranking
                        .verdicts
                        .iter()
                        .enumerate()
                        .filter(|(j, v)| *j != i && v.feasible && v.indistinguishable_from_best())
                        .map(|(j, _)| s.candidates[j].0.as_str())
                        .collect::<Vec<_>>();
                    let tie = if ties.is_empty() {
                        String::new()
                    } else {
                        format!("; not distinguishable from it at 95%: {}", ties.join(", "))
                    };
                    let why = if i == low {
                        format!(
                            "lowest mean score among the {feasible} candidate(s) meeting the \
                             constraints at {conf} confidence"
                        )
                    } else {
                        let d = stats(i).score_vs[low];
                        format!(
                            "listed first among the feasible candidates whose score is within \
                             the indifference ({}/day) of the lowest mean, {} (Δ {:+.4}, {conf} \
                             upper bound {:+.4})",
                            s.objective.indifference,
                            s.candidates[low].0,
                            d.mean,
                            d.upper(s.objective.confidence)
                        )
                    };
                    format!(
                        "{why} (fill rate {:.4}, total cost {:.2}/day){tie}",
                        st.metric(Metric::FillRate).mean,
                        st.metric(Metric::TotalCostPerDay).mean,
                    )
                }
                _ => {
                    // The closest: the lowest mean score, every candidate being infeasible.
                    let top = ranking.verdicts.iter().position(|v| v.rank == 1);
                    match top {
                        Some(t) => format!(
                            "no candidate meets the constraints at {conf} confidence; the lowest \
                             score, {}, fails: {}",
                            s.candidates[t].0,
                            ranking.verdicts[t]
                                .failures
                                .iter()
                                .map(|f| f.text.as_str())
                                .collect::<Vec<_>>()
                                .join("; ")
                        ),
                        None => "no candidate meets the constraints".to_string(),
                    }
                }
            };
            Recommendation {
                scope,
                candidate: ranking.best,
                reason,
            }
        })
        .collect()
}
