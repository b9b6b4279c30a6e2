//! Statistics across replications: every metric gets its mean with a 95% confidence
//! half-width and p5/p50/p95, and every candidate its paired difference against the first.
//!
//! Paired differences are why candidates share futures: replication r of candidate c and of
//! the first candidate saw the same demand, so d_r = x_r(c) − x_r(first) removes the noise the
//! two have in common and its confidence interval is the honest one for "is c better?".
//! Memory is bounded: moments are folded as replications arrive and quantiles live in a
//! fixed-accuracy sketch.

pub mod moments;
pub mod sketch;

use crate::metrics::{METRIC_COUNT, Metric, RepMetrics};
pub use moments::{BlockedMoments, Moments};
pub use sketch::Sketch;

/// The running statistics of one candidate.
#[derive(Debug, Clone, Default)]
pub struct CandidateAccumulator {
    moments: [BlockedMoments; METRIC_COUNT],
    sketches: Vec<Sketch>,
    vs_first: [BlockedMoments; METRIC_COUNT],
}

/// The running statistics of a run: one accumulator per candidate.
#[derive(Debug, Clone)]
pub struct RunAccumulator {
    candidates: Vec<CandidateAccumulator>,
    next_rep: u64,
}

impl RunAccumulator {
    pub fn new(candidates: usize) -> Self {
        RunAccumulator {
            candidates: (0..candidates)
                .map(|_| CandidateAccumulator {
                    sketches: vec![Sketch::default(); METRIC_COUNT],
                    ..Default::default()
                })
                .collect(),
            next_rep: 0,
        }
    }

    /// Adds replication `rep`'s metrics, one entry per candidate. Replications must be added
    /// in order, starting at 0, so that the fold is the same on any thread count.
    pub fn push(&mut self, rep: u64, per_candidate: &[RepMetrics]) {
        assert_eq!(rep, self.next_rep, "replications are folded in index order");
        assert_eq!(per_candidate.len(), self.candidates.len());
        self.next_rep += 1;
        let first = per_candidate[0];
        for (acc, m) in self.candidates.iter_mut().zip(per_candidate) {
            for i in 0..METRIC_COUNT {
                let x = m.0[i];
                acc.moments[i].push(rep, x);
                acc.sketches[i].push(x);
                acc.vs_first[i].push(rep, x - first.0[i]);
            }
        }
    }

    pub fn replications(&self) -> u64 {
        self.next_rep
    }

    /// Summaries per candidate, in candidate order.
    pub fn summarise(&self) -> Vec<CandidateStats> {
        self.candidates
            .iter()
            .map(|acc| CandidateStats {
                metrics: Metric::ALL
                    .iter()
                    .map(|&m| {
                        let i = m as usize;
                        let mo = acc.moments[i].total();
                        let sk = &acc.sketches[i];
                        let q = |p| sk.quantile(p).unwrap_or(f64::NAN);
                        MetricStats {
                            mean: mo.mean,
                            ci95: mo.ci95(),
                            p5: q(0.05),
                            p50: q(0.50),
                            p95: q(0.95),
                        }
                    })
                    .collect(),
                vs_first: Metric::ALL
                    .iter()
                    .map(|&m| {
                        let mo = acc.vs_first[m as usize].total();
                        PairedDiff {
                            mean: mo.mean,
                            ci95: mo.ci95(),
                        }
                    })
                    .collect(),
            })
            .collect()
    }
}

/// Across-replication summary of one metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricStats {
    pub mean: f64,
    /// Half-width of the 95% confidence interval of the mean; `None` with one replication.
    pub ci95: Option<f64>,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

/// Mean paired difference (candidate − first candidate) with its 95% half-width.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedDiff {
    pub mean: f64,
    pub ci95: Option<f64>,
}

/// Summaries of one candidate, indexed like `Metric::ALL`.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateStats {
    pub metrics: Vec<MetricStats>,
    pub vs_first: Vec<PairedDiff>,
}

impl CandidateStats {
    pub fn metric(&self, m: Metric) -> &MetricStats {
        &self.metrics[m as usize]
    }

    pub fn diff(&self, m: Metric) -> &PairedDiff {
        &self.vs_first[m as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_differences_cancel_shared_noise() {
        // Candidate 1 = candidate 0 + 1 exactly: its paired difference has no spread at all,
        // though each candidate's own values vary a lot.
        let mut acc = RunAccumulator::new(2);
        for rep in 0..100u64 {
            let x = (rep as f64 * 1.7).sin() * 50.0;
            let mut a = RepMetrics::default();
            a.set(Metric::TotalCostPerDay, x);
            let mut b = a;
            b.set(Metric::TotalCostPerDay, x + 1.0);
            acc.push(rep, &[a, b]);
        }
        let s = acc.summarise();
        let d = s[1].diff(Metric::TotalCostPerDay);
        assert!((d.mean - 1.0).abs() < 1e-12);
        assert!(d.ci95.unwrap() < 1e-9);
        assert!(s[1].metric(Metric::TotalCostPerDay).ci95.unwrap() > 5.0);
    }
}
