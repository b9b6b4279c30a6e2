//! Judging candidates: constraints, ranks by the objective, the Pareto frontier, and which
//! candidates the data cannot tell apart from the best.
//!
//! Everything here reads the summaries of a finished run; it draws nothing and is the same
//! for every thread count. Each scope — every SKU, then each category — is judged on its own
//! metrics, so a planner can take the best thresholds of each category from one sweep.

use crate::metrics::Metric;
use crate::scenario::Objective;
use crate::stats::{PairedDiff, ScopeStats};

/// One candidate's standing in one scope.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    /// Meets every constraint of the objective.
    pub feasible: bool,
    /// 1 = best: feasible candidates first, then by mean score (lower is better).
    pub rank: usize,
    /// Not dominated on (fill rate ↑, total cost ↓, p95 of peak capital ↓).
    pub pareto: bool,
    /// Paired difference of score against the best candidate (this − best).
    pub vs_best: PairedDiff,
}

impl Verdict {
    /// The 95% interval of the paired score difference with the best contains 0.
    pub fn indistinguishable_from_best(&self) -> bool {
        self.vs_best.indistinguishable()
    }
}

/// The verdicts of every candidate in one scope, in candidate order.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    pub verdicts: Vec<Verdict>,
    /// The best feasible candidate, if any is feasible.
    pub best: Option<usize>,
}

impl Ranking {
    /// Candidates on the Pareto frontier, in candidate order.
    pub fn frontier(&self) -> Vec<usize> {
        (0..self.verdicts.len())
            .filter(|&c| self.verdicts[c].pareto)
            .collect()
    }
}

/// Whether a candidate's summaries meet the objective's constraints.
pub fn feasible(objective: &Objective, s: &ScopeStats) -> bool {
    let fill_ok = objective
        .min_fill_rate
        .is_none_or(|min| s.metric(Metric::FillRate).mean >= min);
    let capital_ok = objective
        .max_capital_peak_p95
        .is_none_or(|max| s.metric(Metric::CapitalTiedPeak).p95 <= max);
    // The credit line, judged as the capital peak is.
    let funding_ok = objective
        .max_funding_need_p95
        .is_none_or(|max| s.metric(Metric::PeakFundingNeed).p95 <= max);
    fill_ok && capital_ok && funding_ok
}

/// Ranks candidates by their summaries in one scope (`scopes[c]` is candidate c's).
pub fn rank(objective: &Objective, scopes: &[&ScopeStats]) -> Ranking {
    let n = scopes.len();
    let ok: Vec<bool> = scopes.iter().map(|s| feasible(objective, s)).collect();
    let score = |c: usize| scopes[c].metric(Metric::Score).mean;
    let mut order: Vec<usize> = (0..n).collect();
    // NaN scores (never expected) sort last instead of poisoning the order.
    order.sort_by(|&a, &b| {
        ok[b]
            .cmp(&ok[a])
            .then(score(a).total_cmp(&score(b)))
            .then(a.cmp(&b))
    });
    let top = order.first().copied().unwrap_or(0);
    let best = order.first().copied().filter(|&c| ok[c]);
    let point = |c: usize| {
        let s = scopes[c];
        (
            s.metric(Metric::FillRate).mean,
            s.metric(Metric::TotalCostPerDay).mean,
            s.metric(Metric::CapitalTiedPeak).p95,
        )
    };
    let dominated = |c: usize| {
        let (f, cost, cap) = point(c);
        (0..n).any(|o| {
            let (fo, co, ko) = point(o);
            fo >= f && co <= cost && ko <= cap && (fo > f || co < cost || ko < cap)
        })
    };
    let mut verdicts = vec![
        Verdict {
            feasible: false,
            rank: 0,
            pareto: false,
            vs_best: PairedDiff {
                mean: 0.0,
                ci95: None,
            },
        };
        n
    ];
    for (r, &c) in order.iter().enumerate() {
        verdicts[c] = Verdict {
            feasible: ok[c],
            rank: r + 1,
            pareto: !dominated(c),
            vs_best: scopes[c].score_vs[top],
        };
    }
    Ranking { verdicts, best }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::METRIC_COUNT;
    use crate::stats::MetricStats;

    fn cand(score: f64, fill: f64, cost: f64, cap95: f64) -> ScopeStats {
        let mut metrics = vec![
            MetricStats {
                mean: 0.0,
                ci95: None,
                std_error: None,
                p5: 0.0,
                p50: 0.0,
                p95: 0.0,
                p99: 0.0,
            };
            METRIC_COUNT
        ];
        metrics[Metric::Score as usize].mean = score;
        metrics[Metric::FillRate as usize].mean = fill;
        metrics[Metric::TotalCostPerDay as usize].mean = cost;
        metrics[Metric::CapitalTiedPeak as usize].p95 = cap95;
        ScopeStats {
            metrics,
            vs_first: Vec::new(),
            score_vs: vec![
                PairedDiff {
                    mean: 0.0,
                    ci95: Some(1.0)
                };
                4
            ],
            funding_p95_ci: None,
        }
    }

    #[test]
    fn feasible_first_then_by_score_and_the_frontier_is_the_undominated() {
        let objective = Objective {
            min_fill_rate: Some(0.95),
            ..Objective::default()
        };
        let c = [
            cand(10.0, 0.90, 10.0, 100.0), // cheapest but infeasible
            cand(12.0, 0.97, 12.0, 100.0),
            cand(11.0, 0.96, 11.0, 120.0),
            cand(13.0, 0.96, 13.0, 130.0), // dominated by 1
        ];
        let refs: Vec<_> = c.iter().collect();
        let r = rank(&objective, &refs);
        let ranks: Vec<_> = r.verdicts.iter().map(|v| v.rank).collect();
        assert_eq!(ranks, [4, 2, 1, 3]);
        assert_eq!(r.best, Some(2));
        assert_eq!(r.frontier(), [0, 1, 2]);
        assert!(!r.verdicts[0].feasible && r.verdicts[1].feasible);
        // Nothing feasible: ranked all the same, but no best.
        let strict = Objective {
            min_fill_rate: Some(0.99),
            ..Objective::default()
        };
        assert_eq!(rank(&strict, &refs).best, None);
        let capped = Objective {
            max_capital_peak_p95: Some(110.0),
            ..Objective::default()
        };
        assert_eq!(rank(&capped, &refs).best, Some(0));
    }
}
