//! The replication-block runner every run goes through: the base scenario alone
//! (`experiment`), or the base beside its what-if variants (`whatif`) — a run without
//! variants is the case of one world.
//!
//! Work is split by replication: a worker draws replication r's world once per world (base,
//! then each variant) and replays every candidate against it. Replications are grouped in
//! fixed blocks of `stats::BLOCK`; a worker computes a block's statistics in replication
//! order, and blocks are handed to the caller in index order. Blocks run in parallel on a
//! rayon pool, in waves, so the output is identical for any thread count and memory does not
//! grow with the number of replications. When a run has fewer blocks than threads, each
//! block's candidates are split into groups, one task each, and reassembled replication by
//! replication, so small runs use every core and the bytes do not depend on the split.
//! The calendar series (daily capital, chart-SKU stock) and the risk register follow the
//! base only, folded by each worker into accumulators that do not depend on which worker ran
//! which block (`stats::daily`), and merged once at the end.

use std::ops::Range;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::engine::{Engine, Model, World};
use crate::error::{Error, Result};
use crate::hits::{self, Disruption, FIGURES};
use crate::metrics::{METRIC_COUNT, Metric, RepMetrics};
use crate::policy::Policy;
use crate::risk::RiskAcc;
use crate::stats::daily::DailyAcc;
use crate::stats::sku::{SKU_FIELDS, SkuBlock, SkuRep};
use crate::stats::{BLOCK, BlockStats, Moments};

#[derive(Debug, Clone)]
/// How to run (not what): results do not depend on these.
pub struct RunOptions {
    /// Worker threads (≥ 1).
    pub threads: usize,
    /// Draw a progress bar on stderr (it hides itself when stderr is not a terminal).
    pub progress: bool,
}

/// Blocks per wave at most: enough parallel tasks that the end-of-wave barrier costs little.
const WAVE_BLOCKS: u64 = 256;
/// Memory two waves of block statistics may hold `[bytes]`: a block keeps every metric of every
/// candidate and scope for its 16 replications, so a sweep's waves are made shorter.
const WAVE_BYTES: u64 = 64 << 20;

/// Metrics whose per-replication values a run with variants keeps, base and variants, for
/// the intervals of their p95 differences (`stats::bootstrap`).
pub const PEAKS: [Metric; 2] = [Metric::CapitalTiedPeak, Metric::PeakFundingNeed];

/// Blocks per wave for `models`: at most [`WAVE_BLOCKS`], at most [`WAVE_BYTES`] for two
/// waves in flight, at least a few per thread.
fn wave_blocks(models: &[Model], threads: usize) -> u64 {
    let per_block: u64 = models
        .iter()
        .map(|model| {
            let rows = (model.scenario.policies.len() * model.scopes()) as u64;
            let candidates = model.scenario.policies.len() as u64;
            rows * METRIC_COUNT as u64 * (BLOCK * 8 + 2 * 24)
                + model.scopes() as u64 * candidates * candidates * 24
        })
        .sum::<u64>()
        + models[0].scenario.policies.len() as u64
            * models[0].scenario.skus.len() as u64
            * (SKU_FIELDS as u64 + BLOCK + 3)
            * 8;
    (WAVE_BYTES / 2 / per_block.max(1)).clamp(4 * threads as u64, WAVE_BLOCKS)
}

/// One statistics block of every world, as the caller folds it.
pub(crate) struct BlockOut {
    /// The base's statistics and per-SKU tallies.
    pub base: BlockStats,
    pub skus: SkuBlock,
    /// Each variant's statistics (variant order).
    pub variants: Vec<BlockStats>,
    /// Paired differences variant − base, all SKUs:
    /// `(variant * candidates + candidate) * METRIC_COUNT + metric`.
    pub diffs: Vec<Moments>,
    /// Per world (base, then variants): what each disruption hit,
    /// `(candidate * sources + source) * FIGURES + figure`.
    pub hits: Vec<Vec<Moments>>,
    /// With variants only: per `(world * candidates + candidate) * PEAKS.len() + k`, the
    /// block's values of `PEAKS[k]` (all SKUs) in replication order.
    pub peaks: Vec<Vec<f64>>,
}

/// One world a worker replays: its buffers and policy instances, the replication's metrics
/// per `candidate * scopes + scope`, and the disruptions whose hits it tallies.
struct Side {
    world: World,
    engine: Engine,
    policies: Vec<Box<dyn Policy>>,
    metrics: Vec<RepMetrics>,
    sources: Vec<(Disruption, String)>,
    tally: Vec<f64>,
}

impl Side {
    fn new(model: &Model) -> Self {
        let policies: Vec<_> = (0..model.scenario.policies.len())
            .map(|c| model.policy(c))
            .collect();
        let sources = hits::sources(model.scenario);
        let mut engine = Engine::new(model);
        // The log only records; it changes no draw and no metric.
        engine.record_shipments(!sources.is_empty());
        Side {
            world: World::new(model),
            engine,
            metrics: vec![RepMetrics::default(); policies.len() * model.scopes()],
            policies,
            tally: vec![0.0; sources.len() * FIGURES],
            sources,
        }
    }
}

/// Per-thread scratch: one [`Side`] per world, plus this thread's share of the base's
/// calendar series and risk tallies.
struct Worker {
    sides: Vec<Side>,
    daily: Vec<DailyAcc>,
    risk: Vec<RiskAcc>,
    sku_reps: Vec<SkuRep>,
}

/// What one task computes: one block's replications for one group of candidates.
struct Part {
    /// Per world: the group's metrics, replication-major (`rep * group * scopes + …`).
    metrics: Vec<Vec<RepMetrics>>,
    /// The base's per-SKU values (the other candidates' left empty).
    skus: SkuBlock,
    /// `(variant * group + i) * METRIC_COUNT + metric`, i the candidate's place in the group.
    diffs: Vec<Moments>,
    /// Per world: `(i * sources + source) * FIGURES + figure`.
    hits: Vec<Vec<Moments>>,
}

impl Worker {
    fn new(models: &[Model]) -> Self {
        let base = &models[0];
        let n = base.scenario.policies.len();
        Worker {
            sides: models.iter().map(Side::new).collect(),
            daily: vec![DailyAcc::new(base.scenario.calendar.horizon_days); n],
            risk: if base.risk {
                vec![RiskAcc::new(base); n]
            } else {
                Vec::new()
            },
            sku_reps: Vec::with_capacity(base.scenario.skus.len()),
        }
    }

    /// Replicates every replication of block `index` (the last block may be short) in every
    /// world for the candidates `cands`.
    fn block(&mut self, models: &[Model], index: u64, reps: u64, cands: Range<usize>) -> Part {
        let reps_here = index * BLOCK..((index + 1) * BLOCK).min(reps);
        let count = (reps_here.end - reps_here.start) as usize;
        let g = cands.len();
        let mut metrics: Vec<Vec<RepMetrics>> = models
            .iter()
            .map(|m| Vec::with_capacity(count * g * m.scopes()))
            .collect();
        let n = models[0].scenario.policies.len();
        let mut skus = SkuBlock::new(index, n, models[0].scenario.skus.len());
        let mut diffs = vec![Moments::default(); (models.len() - 1) * g * METRIC_COUNT];
        let mut hits: Vec<Vec<Moments>> = self
            .sides
            .iter()
            .map(|s| vec![Moments::default(); g * s.tally.len()])
            .collect();
        for rep in reps_here {
            for (k, (model, side)) in models.iter().zip(&mut self.sides).enumerate() {
                let scopes = model.scopes();
                side.world.generate(model, rep);
                for c in cands.clone() {
                    let out = &mut side.metrics[c * scopes..(c + 1) * scopes];
                    side.engine
                        .run(model, &side.world, side.policies[c].as_mut(), &mut out[0]);
                    out[1..].copy_from_slice(side.engine.category_metrics());
                    if k == 0 {
                        self.daily[c].push(side.engine.daily());
                        if let Some(r) = side.engine.risk() {
                            self.risk[c].push(r);
                        }
                        side.engine.sku_reps(model, &mut self.sku_reps);
                        skus.push(c, &self.sku_reps);
                    }
                    if !side.sources.is_empty() {
                        side.tally.iter_mut().for_each(|x| *x = 0.0);
                        hits::tally(
                            model.scenario,
                            &side.world.env,
                            &side.sources,
                            side.engine.shipments(),
                            &mut side.tally,
                        );
                        let w = side.tally.len();
                        let row = &mut hits[k][(c - cands.start) * w..][..w];
                        for (m, &x) in row.iter_mut().zip(&side.tally) {
                            m.push(x);
                        }
                    }
                }
                metrics[k]
                    .extend_from_slice(&side.metrics[cands.start * scopes..cands.end * scopes]);
            }
            let (base, variants) = self.sides.split_first().expect("a run has a base");
            let s0 = models[0].scopes();
            for (v, side) in variants.iter().enumerate() {
                let sv = models[v + 1].scopes();
                for (i, c) in cands.clone().enumerate() {
                    let (x, b) = (&side.metrics[c * sv].0, &base.metrics[c * s0].0);
                    let row = &mut diffs[(v * g + i) * METRIC_COUNT..][..METRIC_COUNT];
                    for (m, (xi, bi)) in row.iter_mut().zip(x.iter().zip(b)) {
                        m.push(xi - bi);
                    }
                }
            }
        }
        // The calendar means are summed per block (`stats::daily`).
        self.daily[cands].iter_mut().for_each(DailyAcc::flush);
        Part {
            metrics,
            skus,
            diffs,
            hits,
        }
    }
}

/// A block's statistics from the parts that computed its candidate groups (in candidate
/// order): the replications pushed in order, so the result is the same for any grouping.
/// Paired differences, hits and kept values are per candidate, so they only change place.
fn assemble(models: &[Model], index: u64, groups: &[Range<usize>], parts: Vec<Part>) -> BlockOut {
    let n = models[0].scenario.policies.len();
    let worlds = models.len();
    let mut stats: Vec<BlockStats> = models
        .iter()
        .map(|m| BlockStats::new(index, n, m.scopes()))
        .collect();
    let mut diffs = vec![Moments::default(); (worlds - 1) * n * METRIC_COUNT];
    let mut hits: Vec<Vec<Moments>> = parts[0]
        .hits
        .iter()
        .map(|h| vec![Moments::default(); h.len() / groups[0].len() * n])
        .collect();
    let reps = parts[0].metrics[0].len() / (groups[0].len() * models[0].scopes());
    let keep = worlds > 1;
    let mut peaks: Vec<Vec<f64>> = if keep {
        vec![Vec::with_capacity(reps); worlds * n * PEAKS.len()]
    } else {
        Vec::new()
    };
    let mut parts = parts.into_iter();
    let first = parts.next().expect("a block has a group");
    let mut skus = first.skus;
    let mut rest = Vec::with_capacity(groups.len());
    rest.push((first.metrics, first.diffs, first.hits));
    for (p, g) in parts.zip(&groups[1..]) {
        skus.take_candidates(p.skus, g.clone());
        rest.push((p.metrics, p.diffs, p.hits));
    }
    for (k, model) in models.iter().enumerate() {
        let scopes = model.scopes();
        if groups.len() == 1 {
            rest[0].0[k]
                .chunks_exact(n * scopes)
                .for_each(|m| stats[k].push(m));
        } else {
            let mut row = Vec::with_capacity(n * scopes);
            for r in 0..reps {
                row.clear();
                for ((m, _, _), g) in rest.iter().zip(groups) {
                    let w = g.len() * scopes;
                    row.extend_from_slice(&m[k][r * w..(r + 1) * w]);
                }
                stats[k].push(&row);
            }
        }
        if keep {
            for ((m, _, _), g) in rest.iter().zip(groups) {
                let w = g.len() * scopes;
                for row in m[k].chunks_exact(w) {
                    for (i, c) in g.clone().enumerate() {
                        for (p, metric) in PEAKS.iter().enumerate() {
                            peaks[(k * n + c) * PEAKS.len() + p].push(row[i * scopes].get(*metric));
                        }
                    }
                }
            }
        }
    }
    for ((_, d, h), g) in rest.iter().zip(groups) {
        for v in 0..worlds - 1 {
            let src = &d[v * g.len() * METRIC_COUNT..][..g.len() * METRIC_COUNT];
            diffs[(v * n + g.start) * METRIC_COUNT..][..src.len()].copy_from_slice(src);
        }
        for (acc, part) in hits.iter_mut().zip(h) {
            let w = part.len() / g.len();
            acc[g.start * w..][..part.len()].copy_from_slice(part);
        }
    }
    let mut stats = stats.into_iter();
    BlockOut {
        base: stats.next().expect("a run has a base"),
        skus,
        variants: stats.collect(),
        diffs,
        hits,
        peaks,
    }
}

/// Candidate groups a block is split into: one, unless there are fewer blocks than threads —
/// then enough groups that every thread has work (each group draws the block's worlds again,
/// which costs little beside replaying many candidates).
fn candidate_groups(blocks: u64, threads: usize, candidates: usize) -> Vec<Range<usize>> {
    let g = if blocks >= threads as u64 {
        1
    } else {
        (threads as u64)
            .div_ceil(blocks.max(1))
            .min(candidates as u64) as usize
    };
    (0..g)
        .map(|k| candidates * k / g..candidates * (k + 1) / g)
        .collect()
}

/// Runs statistics blocks `range` of every world of `models` (the base first) on a pool and
/// hands each block to `fold` in block order; returns the base's calendar accumulators and
/// risk tallies, merged over workers.
pub(crate) fn execute(
    models: &[Model],
    opts: &RunOptions,
    range: Range<u64>,
    fold: &mut (dyn FnMut(&BlockOut) + Send),
) -> Result<(Vec<DailyAcc>, Vec<RiskAcc>)> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| Error::Other(format!("cannot start {} worker threads: {e}", opts.threads)))?;
    let reps = u64::from(models[0].scenario.replications);
    let first_rep = (range.start * BLOCK).min(reps);
    let progress = progress_bar((range.end * BLOCK).min(reps) - first_rep, opts.progress);
    let threads = pool.current_num_threads();

    // One worker per pool thread, built once: its worlds' and engines' buffers are the only
    // allocations that scale with the scenario.
    let workers: Vec<Mutex<Worker>> = (0..threads)
        .map(|_| Mutex::new(Worker::new(models)))
        .collect();
    // While the pool computes wave k, one task folds wave k − 1 (sequentially, to stay in
    // block order), so the fold does not leave a core idle.
    let mut previous: Vec<BlockOut> = Vec::new();
    let wave = wave_blocks(models, threads);
    let candidates = models[0].scenario.policies.len();
    let groups = candidate_groups(range.end - range.start, threads, candidates);
    pool.install(|| {
        let mut start = range.start;
        while start < range.end {
            let end = (start + wave).min(range.end);
            let (_, current) = rayon::join(
                || previous.iter().for_each(&mut *fold),
                || {
                    let jobs: Vec<(u64, Range<usize>)> = (start..end)
                        .flat_map(|index| groups.iter().map(move |g| (index, g.clone())))
                        .collect();
                    let mut parts = jobs
                        .into_par_iter()
                        .map(|(index, cands)| {
                            let thread = rayon::current_thread_index().unwrap_or(0);
                            // Uncontended: each pool thread only ever locks its own worker.
                            let mut worker = workers[thread].lock().expect("worker poisoned");
                            let first = cands.start == 0;
                            let p = worker.block(models, index, reps, cands);
                            if first {
                                progress.inc(BLOCK.min(reps - index * BLOCK));
                            }
                            p
                        })
                        .collect::<Vec<_>>()
                        .into_iter();
                    (start..end)
                        .map(|index| {
                            let mine = parts.by_ref().take(groups.len()).collect();
                            assemble(models, index, &groups, mine)
                        })
                        .collect::<Vec<_>>()
                },
            );
            previous = current;
            start = end;
        }
        previous.iter().for_each(&mut *fold);
    });
    progress.finish_and_clear();
    let mut daily: Vec<DailyAcc> = Vec::new();
    let mut risk: Vec<RiskAcc> = Vec::new();
    for w in workers {
        let w = w.into_inner().expect("worker poisoned");
        if daily.is_empty() {
            daily = w.daily;
            risk = w.risk;
        } else {
            daily.iter_mut().zip(&w.daily).for_each(|(a, b)| a.merge(b));
            risk.iter_mut().zip(&w.risk).for_each(|(a, b)| a.merge(b));
        }
    }
    Ok((daily, risk))
}

fn progress_bar(reps: u64, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(reps), ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} replications ({per_sec}, ETA {eta})",
        )
        .expect("static template"),
    );
    pb.enable_steady_tick(Duration::from_millis(200));
    pb
}
