//! Candidates × replications: the Monte Carlo experiment.
//!
//! Work is split by replication: a worker draws replication r's world once and replays every
//! candidate against it (one world per replication, DESIGN §3). Replications run in parallel
//! on a rayon pool in waves; each wave's metrics land in a preallocated buffer in index order
//! and are then folded sequentially into the statistics, so the output is identical for any
//! thread count and memory does not grow with the number of replications.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::engine::{Engine, Model, World};
use crate::error::{Error, Result};
use crate::metrics::RepMetrics;
use crate::policy::{self, Policy};
use crate::scenario::Scenario;
use crate::stats::{CandidateStats, RunAccumulator, moments::BLOCK};

/// Replications per wave: large enough that the end-of-wave barrier costs little, small enough
/// that the wave's metrics stay a few megabytes. A multiple of the statistics block.
const WAVE: u64 = 256 * BLOCK;

/// Replications per parallel task.
const TASK: usize = 8;

#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Worker threads (≥ 1).
    pub threads: usize,
    /// Draw a progress bar on stderr (it hides itself when stderr is not a terminal).
    pub progress: bool,
}

/// Per-thread scratch: the world, the engine and one policy instance per candidate.
struct Worker {
    world: World,
    engine: Engine,
    policies: Vec<Box<dyn Policy>>,
}

impl Worker {
    fn new(model: &Model) -> Self {
        Worker {
            world: World::new(model),
            engine: Engine::new(model),
            policies: model.scenario.policies.iter().map(policy::build).collect(),
        }
    }

    fn replicate(&mut self, model: &Model, rep: u64, out: &mut [RepMetrics]) {
        self.world.generate(model, rep);
        for (policy, out) in self.policies.iter_mut().zip(out) {
            self.engine.run(model, &self.world, policy.as_mut(), out);
        }
    }
}

/// Runs every candidate of `scenario` over its replications and summarises the metrics.
pub fn run(scenario: &Scenario, opts: &RunOptions) -> Result<Vec<CandidateStats>> {
    let model = Model::new(scenario);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| Error::Other(format!("cannot start {} worker threads: {e}", opts.threads)))?;
    let candidates = scenario.policies.len();
    let reps = u64::from(scenario.replications);
    let progress = progress_bar(reps, opts.progress);

    let mut acc = RunAccumulator::new(candidates);
    let wave_len = WAVE.min(reps) as usize * candidates;
    // Double buffering: while the pool replicates wave k into `current`, one task folds wave
    // k − 1 from `previous` into the statistics, so the fold (sequential, to stay in index
    // order) does not leave a core idle.
    let mut current = vec![RepMetrics::default(); wave_len];
    let mut previous = vec![RepMetrics::default(); wave_len];
    let mut pending: Option<(u64, usize)> = None;
    pool.install(|| {
        let mut start = 0u64;
        while start < reps {
            let end = (start + WAVE).min(reps);
            let wave = &mut current[..(end - start) as usize * candidates];
            rayon::join(
                || {
                    if let Some((first, len)) = pending {
                        fold(&mut acc, first, &previous[..len], candidates);
                    }
                },
                || replicate_wave(&model, start, wave, candidates, &progress),
            );
            pending = Some((start, wave.len()));
            std::mem::swap(&mut current, &mut previous);
            start = end;
        }
        if let Some((first, len)) = pending {
            fold(&mut acc, first, &previous[..len], candidates);
        }
    });
    progress.finish_and_clear();
    Ok(acc.summarise())
}

/// Replicates the replications `first..` whose metrics go into `wave` (candidates per row).
fn replicate_wave(
    model: &Model,
    first: u64,
    wave: &mut [RepMetrics],
    candidates: usize,
    progress: &ProgressBar,
) {
    // Tasks of TASK replications: fine enough to balance the threads, coarse enough that the
    // progress bar (which reads the clock) is touched rarely.
    wave.par_chunks_mut(candidates * TASK)
        .enumerate()
        .for_each_init(
            || Worker::new(model),
            |worker, (t, outs)| {
                let task_first = first + (t * TASK) as u64;
                for (i, out) in outs.chunks_mut(candidates).enumerate() {
                    worker.replicate(model, task_first + i as u64, out);
                }
                progress.inc((outs.len() / candidates) as u64);
            },
        );
}

/// Folds a finished wave into the statistics, in replication order.
fn fold(acc: &mut RunAccumulator, first: u64, wave: &[RepMetrics], candidates: usize) {
    for (i, per_candidate) in wave.chunks(candidates).enumerate() {
        acc.push(first + i as u64, per_candidate);
    }
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
