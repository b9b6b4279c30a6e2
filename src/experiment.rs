//! Candidates × replications: the Monte Carlo experiment.
//!
//! Work is split by replication: a worker draws replication r's world once and replays every
//! candidate against it (one world per replication, DESIGN §3). Replications are grouped in
//! fixed blocks of `stats::BLOCK`; a worker computes a block's statistics in replication
//! order, and blocks are merged in index order. Blocks run in parallel on a rayon pool, in
//! waves, so the output is identical for any thread count and memory does not grow with the
//! number of replications. The calendar series (daily capital, chart-SKU stock) are folded by
//! each worker into order-free accumulators (`stats::daily`) and merged once at the end.

use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::engine::{Engine, Model, World};
use crate::error::{Error, Result};
use crate::metrics::RepMetrics;
use crate::policy::Policy;
use crate::scenario::Scenario;
use crate::stats::daily::DailyAcc;
use crate::stats::{BLOCK, BlockStats, CandidateStats, RunAccumulator};

/// Blocks per wave: enough parallel tasks that the end-of-wave barrier costs little, few
/// enough that the wave's block statistics stay small.
const WAVE_BLOCKS: u64 = 256;

#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Worker threads (≥ 1).
    pub threads: usize,
    /// Draw a progress bar on stderr (it hides itself when stderr is not a terminal).
    pub progress: bool,
}

/// What a run produces: per candidate, the statistics of every metric and the calendar
/// accumulators, both in candidate order.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub stats: Vec<CandidateStats>,
    pub daily: Vec<DailyAcc>,
}

/// Per-thread scratch: the world, the engine, one policy instance per candidate and one
/// replication's metrics per candidate and scope (`candidate * scopes + scope`), plus this
/// thread's share of the calendar series.
struct Worker {
    world: World,
    engine: Engine,
    policies: Vec<Box<dyn Policy>>,
    metrics: Vec<RepMetrics>,
    daily: Vec<DailyAcc>,
}

impl Worker {
    fn new(model: &Model) -> Self {
        let policies: Vec<_> = (0..model.scenario.policies.len())
            .map(|c| model.policy(c))
            .collect();
        Worker {
            world: World::new(model),
            engine: Engine::new(model),
            metrics: vec![RepMetrics::default(); policies.len() * model.scopes()],
            daily: vec![DailyAcc::new(model.scenario.calendar.horizon_days); policies.len()],
            policies,
        }
    }

    /// Replicates every replication of block `index` (the last block may be short).
    fn block(&mut self, model: &Model, index: u64, reps: u64) -> BlockStats {
        let scopes = model.scopes();
        let mut stats = BlockStats::new(index, self.policies.len(), scopes);
        for rep in index * BLOCK..((index + 1) * BLOCK).min(reps) {
            self.world.generate(model, rep);
            for ((policy, out), daily) in self
                .policies
                .iter_mut()
                .zip(self.metrics.chunks_exact_mut(scopes))
                .zip(&mut self.daily)
            {
                self.engine
                    .run(model, &self.world, policy.as_mut(), &mut out[0]);
                out[1..].copy_from_slice(self.engine.category_metrics());
                daily.push(self.engine.daily());
            }
            stats.push(&self.metrics);
        }
        stats
    }
}

/// Runs every candidate of `scenario` over its replications and summarises the metrics.
pub fn run(scenario: &Scenario, opts: &RunOptions) -> Result<Vec<CandidateStats>> {
    run_full(scenario, opts).map(|o| o.stats)
}

/// [`run`], keeping the calendar series as well.
pub fn run_full(scenario: &Scenario, opts: &RunOptions) -> Result<Outcome> {
    let model = Model::new(scenario);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| Error::Other(format!("cannot start {} worker threads: {e}", opts.threads)))?;
    let reps = u64::from(scenario.replications);
    let blocks = reps.div_ceil(BLOCK);
    let progress = progress_bar(reps, opts.progress);

    // One worker per pool thread, built once: its world and engine buffers are the only
    // allocations that scale with the scenario.
    let workers: Vec<Mutex<Worker>> = (0..pool.current_num_threads())
        .map(|_| Mutex::new(Worker::new(&model)))
        .collect();
    let mut acc = RunAccumulator::new(scenario.policies.len(), model.scopes());
    // While the pool computes wave k, one task merges wave k − 1 into the statistics, so the
    // merge (sequential, to stay in block order) does not leave a core idle.
    let mut previous: Vec<BlockStats> = Vec::new();
    pool.install(|| {
        let mut start = 0u64;
        while start < blocks {
            let end = (start + WAVE_BLOCKS).min(blocks);
            let (_, current) = rayon::join(
                || previous.iter().for_each(|b| acc.merge(b)),
                || {
                    (start..end)
                        .into_par_iter()
                        .map(|index| {
                            let thread = rayon::current_thread_index().unwrap_or(0);
                            // Uncontended: each pool thread only ever locks its own worker.
                            let mut worker = workers[thread].lock().expect("worker poisoned");
                            let b = worker.block(&model, index, reps);
                            progress.inc(BLOCK.min(reps - index * BLOCK));
                            b
                        })
                        .collect::<Vec<_>>()
                },
            );
            previous = current;
            start = end;
        }
        previous.iter().for_each(|b| acc.merge(b));
    });
    progress.finish_and_clear();
    let mut daily: Vec<DailyAcc> = Vec::new();
    for w in workers {
        let mut w = w.into_inner().expect("worker poisoned");
        w.daily.iter_mut().for_each(DailyAcc::flush);
        if daily.is_empty() {
            daily = w.daily;
        } else {
            daily.iter_mut().zip(&w.daily).for_each(|(a, b)| a.merge(b));
        }
    }
    Ok(Outcome {
        stats: acc.summarise(),
        daily,
    })
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
