//! The recommendation per category, deliberately simple until candidates are scored: among the
//! candidates whose mean fill rate reaches the scenario's `report.fill_rate_target` (all of
//! them when there is no target), the one with the lowest mean `total_cost_per_day`; ties go
//! to the earlier candidate. Candidates apply one policy to every SKU and metrics are totals
//! over all SKUs, so every category gets the same answer for now.

use super::Summary;
use crate::metrics::Metric;

#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    /// Category id, or `all SKUs` when the scenario has no categories.
    pub category: String,
    /// Index of the recommended candidate; `None` when none reaches the target.
    pub candidate: Option<usize>,
    /// Why, in a sentence a planner can read.
    pub reason: String,
}

pub fn recommend(s: &Summary) -> Vec<Recommendation> {
    let fill = |i: usize| s.candidates[i].1.metric(Metric::FillRate).mean;
    let cost = |i: usize| s.candidates[i].1.metric(Metric::TotalCostPerDay).mean;
    let eligible: Vec<usize> = (0..s.candidates.len())
        .filter(|&i| s.fill_rate_target.is_none_or(|t| fill(i) >= t))
        .collect();
    let best = eligible
        .iter()
        .copied()
        .min_by(|&a, &b| cost(a).total_cmp(&cost(b)).then(a.cmp(&b)));
    let reason = match (best, s.fill_rate_target) {
        (Some(i), Some(t)) => format!(
            "lowest total cost per day ({:.2}) among the {} candidate(s) with mean fill rate ≥ {}",
            cost(i),
            eligible.len(),
            t
        ),
        (Some(i), None) => format!(
            "lowest total cost per day ({:.2}); the scenario sets no report.fill_rate_target",
            cost(i)
        ),
        (None, t) => {
            let top = (0..s.candidates.len())
                .max_by(|&a, &b| fill(a).total_cmp(&fill(b)).then(b.cmp(&a)))
                .map(|i| format!("; the best is {} at {:.4}", s.candidates[i].0, fill(i)))
                .unwrap_or_default();
            format!(
                "no candidate reaches the mean fill-rate target {}{top}",
                t.unwrap_or(f64::NAN)
            )
        }
    };
    let categories = if s.categories.is_empty() {
        vec!["all SKUs".to_string()]
    } else {
        s.categories.clone()
    };
    categories
        .into_iter()
        .map(|category| Recommendation {
            category,
            candidate: best,
            reason: reason.clone(),
        })
        .collect()
}
