//! Statistics across replications: every metric gets its mean with a 95% confidence
//! half-width and p5/p50/p95, and every candidate its paired difference against the first.
//!
//! Paired differences are why candidates share futures: replication r of candidate c and of
//! the first candidate saw the same demand, so d_r = x_r(c) − x_r(first) removes the noise the
//! two have in common and its confidence interval is the honest one for "is c better?".
//! Memory is bounded: moments are folded as replications arrive and quantiles live in a
//! fixed-accuracy sketch.

pub mod bootstrap;
pub mod cash;
pub mod daily;
pub mod moments;
pub mod ratio;
pub mod sketch;
pub mod sku;

use crate::metrics::{METRIC_COUNT, Metric, RepMetrics};
pub use moments::{BLOCK, Moments};
pub use ratio::{CoMoments, PairedRatio};
pub use sketch::Sketch;

/// The q-quantile of `xs` by the nearest-rank rule, sorting them: what the sketches' tests
/// compare against.
#[cfg(test)]
pub(crate) fn exact_quantile(xs: &mut [f64], q: f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    let rank = ((q * xs.len() as f64).ceil() as usize).clamp(1, xs.len());
    xs[rank - 1]
}

/// Statistics of one block of [`BLOCK`] consecutive replications, computed by one worker:
/// moments and paired differences against the first candidate by Welford in replication
/// order, plus the block's raw values for the run's quantile sketches (a sketch per block
/// would cost far more than the sixteen values it summarises). Blocks are the unit of parallel
/// work, of merging, and (with sharded runs) of what a shard writes, so every way of splitting
/// a run folds the same numbers.
///
/// Every candidate is measured in `scopes` scopes — all SKUs, then each category — laid out
/// `candidate * scopes + scope`; paired differences compare candidates within one scope.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockStats {
    /// Block index: replications `index * BLOCK ..`.
    pub index: u64,
    scopes: usize,
    /// Per candidate × scope, the block's moments and values.
    pub candidates: Vec<CandidateBlock>,
    /// Paired differences of `score` between every two candidates, per scope:
    /// `(scope * n + a) * n + b` holds a − b.
    score_pairs: Vec<Moments>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CandidateBlock {
    moments: [Moments; METRIC_COUNT],
    vs_first: [Moments; METRIC_COUNT],
    /// (units served, units demanded): the pooled fill rate's two sums.
    fill: CoMoments,
    /// The same with the first candidate's: the pooled fill rate's paired difference.
    fill_vs_first: PairedRatio,
    values: Vec<RepMetrics>,
}

impl CandidateBlock {
    fn new() -> Self {
        CandidateBlock {
            moments: [Moments::default(); METRIC_COUNT],
            vs_first: [Moments::default(); METRIC_COUNT],
            fill: CoMoments::default(),
            fill_vs_first: PairedRatio::default(),
            values: Vec::with_capacity(BLOCK as usize),
        }
    }
}

impl BlockStats {
    /// An empty block `index` for `candidates` × `scopes`.
    pub fn new(index: u64, candidates: usize, scopes: usize) -> Self {
        BlockStats {
            index,
            scopes,
            candidates: (0..candidates * scopes)
                .map(|_| CandidateBlock::new())
                .collect(),
            score_pairs: vec![Moments::default(); scopes * candidates * candidates],
        }
    }

    /// Adds the next replication of the block: its metrics, `candidate * scopes + scope`.
    pub fn push(&mut self, metrics: &[RepMetrics]) {
        assert_eq!(metrics.len(), self.candidates.len());
        let scopes = self.scopes;
        let n = self.candidates.len() / scopes;
        for (k, (acc, m)) in self.candidates.iter_mut().zip(metrics).enumerate() {
            let first = &metrics[k % scopes];
            for i in 0..METRIC_COUNT {
                let x = m.0[i];
                acc.moments[i].push(x);
                acc.vs_first[i].push(x - first.0[i]);
            }
            let (served, demanded) = served_demanded(m);
            acc.fill.push(served, demanded);
            acc.fill_vs_first
                .push((served, demanded), served_demanded(first));
            acc.values.push(*m);
        }
        if n > 1 {
            let score = Metric::Score as usize;
            for scope in 0..scopes {
                for a in 0..n {
                    let xa = metrics[a * scopes + scope].0[score];
                    for b in 0..n {
                        let xb = metrics[b * scopes + scope].0[score];
                        self.score_pairs[(scope * n + a) * n + b].push(xa - xb);
                    }
                }
            }
        }
    }
}

/// One replication's units served from stock and units demanded. The fill rate is their
/// ratio (1 when nothing was demanded), so served = fill rate × demanded.
pub fn served_demanded(m: &RepMetrics) -> (f64, f64) {
    let d = m.get(Metric::DemandUnits);
    (m.get(Metric::FillRate) * d, d)
}

/// A block's moments without its values: what a shard must keep per block, because moments
/// merge exactly only in block order (values go into order-free sketches).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BlockMoments {
    pub index: u64,
    /// Per `candidate * scopes + scope`, per metric.
    moments: Vec<Vec<Moments>>,
    vs_first: Vec<Vec<Moments>>,
    score_pairs: Vec<Moments>,
    fill: Vec<CoMoments>,
    fill_vs_first: Vec<PairedRatio>,
}

impl BlockStats {
    /// The block's moments, for merging in block order.
    pub fn moments_only(&self) -> BlockMoments {
        BlockMoments {
            index: self.index,
            moments: self.candidates.iter().map(|c| c.moments.to_vec()).collect(),
            vs_first: self
                .candidates
                .iter()
                .map(|c| c.vs_first.to_vec())
                .collect(),
            score_pairs: self.score_pairs.clone(),
            fill: self.candidates.iter().map(|c| c.fill).collect(),
            fill_vs_first: self.candidates.iter().map(|c| c.fill_vs_first).collect(),
        }
    }
}

/// The running statistics of a run: blocks merged in index order.
#[derive(Debug, Clone)]
pub struct RunAccumulator {
    scopes: usize,
    candidates: Vec<CandidateRun>,
    score_pairs: Vec<Moments>,
    next_block: u64,
}

#[derive(Debug, Clone)]
struct CandidateRun {
    moments: [Moments; METRIC_COUNT],
    vs_first: [Moments; METRIC_COUNT],
    fill: CoMoments,
    fill_vs_first: PairedRatio,
    sketches: Vec<Sketch>,
}

impl RunAccumulator {
    /// An empty accumulator for `candidates` × `scopes`.
    pub fn new(candidates: usize, scopes: usize) -> Self {
        RunAccumulator {
            scopes,
            candidates: (0..candidates * scopes)
                .map(|_| CandidateRun {
                    moments: [Moments::default(); METRIC_COUNT],
                    vs_first: [Moments::default(); METRIC_COUNT],
                    fill: CoMoments::default(),
                    fill_vs_first: PairedRatio::default(),
                    sketches: vec![Sketch::default(); METRIC_COUNT],
                })
                .collect(),
            score_pairs: vec![Moments::default(); scopes * candidates * candidates],
            next_block: 0,
        }
    }

    /// Merges the next block. Blocks must arrive in index order, starting at 0, so that the
    /// float operations are the same on any thread count and for any sharding.
    pub fn merge(&mut self, block: &BlockStats) {
        let rows = block
            .candidates
            .iter()
            .map(|c| (&c.moments[..], &c.vs_first[..], (&c.fill, &c.fill_vs_first)));
        self.fold_moments(block.index, rows, &block.score_pairs);
        self.push_values(block);
    }

    /// The order-dependent half of [`merge`](Self::merge): moments, in block order.
    pub fn merge_moments(&mut self, block: &BlockMoments) {
        let rows = block
            .moments
            .iter()
            .zip(&block.vs_first)
            .zip(block.fill.iter().zip(&block.fill_vs_first))
            .map(|((m, v), f)| (&m[..], &v[..], f));
        self.fold_moments(block.index, rows, &block.score_pairs);
    }

    /// Merges one block's moments, per row (moments, paired differences), without copying
    /// them: the single-process path does this for every block.
    fn fold_moments<'b>(
        &mut self,
        index: u64,
        rows: impl ExactSizeIterator<
            Item = (
                &'b [Moments],
                &'b [Moments],
                (&'b CoMoments, &'b PairedRatio),
            ),
        >,
        score_pairs: &[Moments],
    ) {
        assert_eq!(index, self.next_block, "blocks are merged in index order");
        assert_eq!(rows.len(), self.candidates.len());
        self.next_block += 1;
        for (acc, (moments, vs_first, (fill, fill_vs_first))) in
            self.candidates.iter_mut().zip(rows)
        {
            for i in 0..METRIC_COUNT {
                acc.moments[i].merge(&moments[i]);
                acc.vs_first[i].merge(&vs_first[i]);
            }
            acc.fill.merge(fill);
            acc.fill_vs_first.merge(fill_vs_first);
        }
        for (acc, b) in self.score_pairs.iter_mut().zip(score_pairs) {
            acc.merge(b);
        }
    }

    /// The order-free half of [`merge`](Self::merge): the block's values into the sketches.
    pub fn push_values(&mut self, block: &BlockStats) {
        assert_eq!(block.candidates.len(), self.candidates.len());
        assert_eq!(block.scopes, self.scopes);
        for (acc, b) in self.candidates.iter_mut().zip(&block.candidates) {
            for m in &b.values {
                for (sketch, &x) in acc.sketches.iter_mut().zip(&m.0) {
                    sketch.push(x);
                }
            }
        }
    }

    /// The quantile sketches, `candidate * scopes + scope`, then by metric.
    pub fn sketches(&self) -> Vec<Vec<Sketch>> {
        self.candidates.iter().map(|c| c.sketches.clone()).collect()
    }

    /// Adds sketches built elsewhere (another shard's); merging counts is order-free.
    pub fn merge_sketches(&mut self, sketches: &[Vec<Sketch>]) {
        assert_eq!(sketches.len(), self.candidates.len());
        for (acc, other) in self.candidates.iter_mut().zip(sketches) {
            for (a, b) in acc.sketches.iter_mut().zip(other) {
                a.merge(b);
            }
        }
    }

    /// Blocks merged so far.
    pub fn blocks_merged(&self) -> u64 {
        self.next_block
    }

    /// Summaries per candidate, in candidate order.
    pub fn summarise(&self) -> Vec<CandidateStats> {
        let scopes = self.scopes;
        let n = self.candidates.len() / scopes;
        let scope = |c: usize, s: usize| {
            let acc = &self.candidates[c * scopes + s];
            ScopeStats {
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
                            std_error: mo.std_error(),
                            p5: q(0.05),
                            p50: q(0.50),
                            p95: q(0.95),
                            p99: q(0.99),
                        }
                    })
                    .collect(),
                vs_first: Metric::ALL
                    .iter()
                    .map(|&m| PairedDiff::of(&acc.vs_first[m as usize]))
                    .collect(),
                fill: acc.fill,
                fill_vs_first: {
                    let (mean, se) = acc.fill_vs_first.diff();
                    let n = acc.fill_vs_first.n;
                    PairedDiff {
                        mean,
                        ci95: se.map(|se| moments::t975(n - 1) * se),
                        std_error: se,
                        n,
                    }
                },
                capital_peak: acc.sketches[Metric::CapitalTiedPeak as usize].clone(),
                funding_peak: acc.sketches[Metric::PeakFundingNeed as usize].clone(),
                score_vs: (0..n)
                    .map(|b| match self.score_pairs.get((s * n + c) * n + b) {
                        Some(mo) => PairedDiff::of(mo),
                        // A single candidate: compared with itself only.
                        None => PairedDiff::ZERO,
                    })
                    .collect(),
                funding_p95_ci: {
                    let sk = &acc.sketches[Metric::PeakFundingNeed as usize];
                    let n = sk.count();
                    cash::quantile_ci_ranks(n, 0.95, 0.95).and_then(|(l, u)| {
                        // A probability that the nearest-rank rule turns back into rank r.
                        let at = |r: u64| sk.quantile((r as f64 - 0.5) / n as f64);
                        Some((at(l)?, at(u)?))
                    })
                },
            }
        };
        (0..n)
            .map(|c| CandidateStats {
                all: scope(c, 0),
                categories: (1..scopes).map(|s| scope(c, s)).collect(),
            })
            .collect()
    }
}

/// Across-replication summary of one metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricStats {
    /// Mean over replications.
    pub mean: f64,
    /// Half-width of the 95% confidence interval of the mean; `None` with one replication.
    pub ci95: Option<f64>,
    /// Standard error of the mean; `None` with one replication.
    pub std_error: Option<f64>,
    /// 5th percentile over replications.
    pub p5: f64,
    /// Median over replications.
    pub p50: f64,
    /// 95th percentile over replications.
    pub p95: f64,
    /// 99th percentile over replications.
    pub p99: f64,
}

/// Mean paired difference (this candidate − another, same replications) with its 95%
/// half-width.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedDiff {
    /// Mean paired difference.
    pub mean: f64,
    /// Half-width of its 95% confidence interval; `None` below two replications.
    pub ci95: Option<f64>,
    /// Standard error of the mean difference; `None` below two replications.
    pub std_error: Option<f64>,
    /// Replications paired.
    pub n: u64,
}

impl PairedDiff {
    /// A difference known exactly (a candidate against itself).
    pub const ZERO: PairedDiff = PairedDiff {
        mean: 0.0,
        ci95: None,
        std_error: None,
        n: 0,
    };

    pub(crate) fn of(m: &Moments) -> Self {
        PairedDiff {
            mean: m.mean,
            ci95: m.ci95(),
            std_error: m.std_error(),
            n: m.n,
        }
    }

    /// The one-sided upper `confidence` bound of the mean difference (Student's t, n − 1
    /// degrees of freedom); the mean itself when it has no spread to speak of.
    pub fn upper(&self, confidence: f64) -> f64 {
        match self.std_error {
            Some(se) if se > 0.0 => self.mean + moments::t_quantile(confidence, self.n - 1) * se,
            _ => self.mean,
        }
    }

    /// Whether the interval contains 0: the data cannot tell the two apart.
    pub fn indistinguishable(&self) -> bool {
        match self.ci95 {
            Some(h) => self.mean.abs() <= h,
            None => self.mean == 0.0,
        }
    }
}

/// One candidate's summaries in one scope, indexed like `Metric::ALL`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeStats {
    /// Per metric, indexed like `Metric::ALL`.
    pub metrics: Vec<MetricStats>,
    /// Paired differences against the first candidate.
    pub vs_first: Vec<PairedDiff>,
    /// Paired differences of `score` against every candidate, in candidate order.
    pub score_vs: Vec<PairedDiff>,
    /// (units served, units demanded) per replication: the pooled fill rate and its interval.
    pub fill: CoMoments,
    /// The pooled fill rate's paired difference against the first candidate (delta method).
    pub fill_vs_first: PairedDiff,
    /// Every replication's peak capital tied up, for confidence bounds on its quantiles.
    pub capital_peak: Sketch,
    /// 95% order-statistic interval of the p95 of `peak_funding_need` (`None` with too few
    /// replications): the credit line finance must arrange, with its uncertainty.
    pub funding_p95_ci: Option<(f64, f64)>,
    /// Every replication's `peak_funding_need`, for the confidence bound of its p95.
    pub funding_peak: Sketch,
}

impl ScopeStats {
    /// The summary of metric `m`.
    pub fn metric(&self, m: Metric) -> &MetricStats {
        &self.metrics[m as usize]
    }

    /// The paired difference of metric `m` against the first candidate.
    pub fn diff(&self, m: Metric) -> &PairedDiff {
        &self.vs_first[m as usize]
    }

    /// `fill_rate_pooled`: units served ÷ units demanded over every replication, with its
    /// 95% half-width (delta method; `None` below two replications).
    pub fn fill_pooled(&self) -> (f64, Option<f64>) {
        let (r, se) = self.fill.ratio();
        (r, se.map(|se| moments::t975(self.fill.n - 1) * se))
    }
}

/// Summaries of one candidate: over every SKU, and per category (scenario order).
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateStats {
    /// Over every SKU.
    pub all: ScopeStats,
    /// Per category, in scenario order.
    pub categories: Vec<ScopeStats>,
}

impl CandidateStats {
    /// The summary of metric `m`.
    pub fn metric(&self, m: Metric) -> &MetricStats {
        self.all.metric(m)
    }

    /// The paired difference of metric `m` against the first candidate.
    pub fn diff(&self, m: Metric) -> &PairedDiff {
        self.all.diff(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_differences_cancel_shared_noise() {
        // Candidate 1 = candidate 0 + 1 exactly: its paired difference has no spread at all,
        // though each candidate's own values vary a lot.
        let mut acc = RunAccumulator::new(2, 1);
        for block in 0..7u64 {
            let mut stats = BlockStats::new(block, 2, 1);
            for r in 0..BLOCK {
                let x = ((block * BLOCK + r) as f64 * 1.7).sin() * 50.0;
                let mut a = RepMetrics::default();
                a.set(Metric::TotalCostPerDay, x);
                a.set(Metric::Score, x);
                let mut b = a;
                b.set(Metric::TotalCostPerDay, x + 1.0);
                b.set(Metric::Score, x + 1.0);
                stats.push(&[a, b]);
            }
            acc.merge(&stats);
        }
        let s = acc.summarise();
        let d = s[1].diff(Metric::TotalCostPerDay);
        assert!((d.mean - 1.0).abs() < 1e-12);
        assert!(d.ci95.unwrap() < 1e-9);
        assert!(s[1].metric(Metric::TotalCostPerDay).ci95.unwrap() > 5.0);
        // Every pair of candidates is compared on the score, each way.
        assert!((s[1].all.score_vs[0].mean - 1.0).abs() < 1e-12);
        assert!((s[0].all.score_vs[1].mean + 1.0).abs() < 1e-12);
        assert!(!s[0].all.score_vs[1].indistinguishable());
        assert!(s[0].all.score_vs[0].indistinguishable());
    }
}
