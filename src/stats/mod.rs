//! Statistics across replications: every metric gets its mean with a 95% confidence
//! half-width and p5/p50/p95, and every candidate its paired difference against the first.
//!
//! Paired differences are why candidates share futures: replication r of candidate c and of
//! the first candidate saw the same demand, so d_r = x_r(c) − x_r(first) removes the noise the
//! two have in common and its confidence interval is the honest one for "is c better?".
//! Memory is bounded: moments are folded as replications arrive and quantiles live in a
//! fixed-accuracy sketch.

pub mod daily;
pub mod moments;
pub mod pareto;
pub mod sketch;

use crate::metrics::{METRIC_COUNT, Metric, RepMetrics};
pub use moments::{BLOCK, Moments};
pub use sketch::Sketch;

/// Statistics of one block of [`BLOCK`] consecutive replications, computed by one worker:
/// moments and paired differences against the first candidate by Welford in replication
/// order, plus the block's raw values for the run's quantile sketches (a sketch per block
/// would cost far more than the sixteen values it summarises). Blocks are the unit of parallel work, of merging, and (with
/// sharded runs) of what a shard writes, so every way of splitting a run folds the same numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockStats {
    /// Block index: replications `index * BLOCK ..`.
    pub index: u64,
    pub candidates: Vec<CandidateBlock>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CandidateBlock {
    moments: [Moments; METRIC_COUNT],
    vs_first: [Moments; METRIC_COUNT],
    values: Vec<RepMetrics>,
}

impl CandidateBlock {
    fn new() -> Self {
        CandidateBlock {
            moments: [Moments::default(); METRIC_COUNT],
            vs_first: [Moments::default(); METRIC_COUNT],
            values: Vec::with_capacity(BLOCK as usize),
        }
    }
}

impl BlockStats {
    pub fn new(index: u64, candidates: usize) -> Self {
        BlockStats {
            index,
            candidates: (0..candidates).map(|_| CandidateBlock::new()).collect(),
        }
    }

    /// Adds the next replication of the block: its metrics, one entry per candidate.
    pub fn push(&mut self, per_candidate: &[RepMetrics]) {
        assert_eq!(per_candidate.len(), self.candidates.len());
        let first = per_candidate[0];
        for (acc, m) in self.candidates.iter_mut().zip(per_candidate) {
            for i in 0..METRIC_COUNT {
                let x = m.0[i];
                acc.moments[i].push(x);
                acc.vs_first[i].push(x - first.0[i]);
            }
            acc.values.push(*m);
        }
    }
}

/// The running statistics of a run: blocks merged in index order.
#[derive(Debug, Clone)]
pub struct RunAccumulator {
    candidates: Vec<CandidateRun>,
    next_block: u64,
}

#[derive(Debug, Clone)]
struct CandidateRun {
    moments: [Moments; METRIC_COUNT],
    vs_first: [Moments; METRIC_COUNT],
    sketches: Vec<Sketch>,
}

impl RunAccumulator {
    pub fn new(candidates: usize) -> Self {
        RunAccumulator {
            candidates: (0..candidates)
                .map(|_| CandidateRun {
                    moments: [Moments::default(); METRIC_COUNT],
                    vs_first: [Moments::default(); METRIC_COUNT],
                    sketches: vec![Sketch::default(); METRIC_COUNT],
                })
                .collect(),
            next_block: 0,
        }
    }

    /// Merges the next block. Blocks must arrive in index order, starting at 0, so that the
    /// float operations are the same on any thread count and for any sharding.
    pub fn merge(&mut self, block: &BlockStats) {
        assert_eq!(
            block.index, self.next_block,
            "blocks are merged in index order"
        );
        assert_eq!(block.candidates.len(), self.candidates.len());
        self.next_block += 1;
        for (acc, b) in self.candidates.iter_mut().zip(&block.candidates) {
            for i in 0..METRIC_COUNT {
                acc.moments[i].merge(&b.moments[i]);
                acc.vs_first[i].merge(&b.vs_first[i]);
            }
            for m in &b.values {
                for (sketch, &x) in acc.sketches.iter_mut().zip(&m.0) {
                    sketch.push(x);
                }
            }
        }
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
                        let mo = acc.moments[i];
                        let sk = &acc.sketches[i];
                        let q = |p| sk.quantile(p).unwrap_or(f64::NAN);
                        MetricStats {
                            mean: mo.mean,
                            ci95: mo.ci95(),
                            p5: q(0.05),
                            p50: q(0.50),
                            p95: q(0.95),
                            p99: q(0.99),
                        }
                    })
                    .collect(),
                vs_first: Metric::ALL
                    .iter()
                    .map(|&m| {
                        let mo = acc.vs_first[m as usize];
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
    /// Reported only where a tail matters (peak capital at risk); not in every table.
    pub p99: f64,
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
        for block in 0..7u64 {
            let mut stats = BlockStats::new(block, 2);
            for r in 0..BLOCK {
                let x = ((block * BLOCK + r) as f64 * 1.7).sin() * 50.0;
                let mut a = RepMetrics::default();
                a.set(Metric::TotalCostPerDay, x);
                let mut b = a;
                b.set(Metric::TotalCostPerDay, x + 1.0);
                stats.push(&[a, b]);
            }
            acc.merge(&stats);
        }
        let s = acc.summarise();
        let d = s[1].diff(Metric::TotalCostPerDay);
        assert!((d.mean - 1.0).abs() < 1e-12);
        assert!(d.ci95.unwrap() < 1e-9);
        assert!(s[1].metric(Metric::TotalCostPerDay).ci95.unwrap() > 5.0);
    }
}
