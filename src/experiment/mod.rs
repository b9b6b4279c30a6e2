//! Candidates × replications: the Monte Carlo experiment.
//!
//! Work is split by replication: a worker draws replication r's world once and replays every
//! candidate against it (one world per replication, shared by every candidate). Replications are grouped in
//! fixed blocks of `stats::BLOCK`; a worker computes a block's statistics in replication
//! order, and blocks are merged in index order. Blocks run in parallel on a rayon pool, in
//! waves, so the output is identical for any thread count and memory does not grow with the
//! number of replications. The calendar series (daily capital, chart-SKU stock) are folded by
//! each worker, block by block, into accumulators that do not depend on which worker ran
//! which block (`stats::daily`), and merged once at the end. That loop is `runner`'s, shared
//! with the what-if runs (`whatif`), of which a run without variants is the one-world case.
//!
//! Here: running in one process. Running part of a run and merging the parts is `shard`'s.

mod shard;

use crate::engine::Model;
use crate::error::Result;
use crate::hits::{HitsAcc, WorldHits};
use crate::risk::RiskAcc;
use crate::runner::{self, BlockOut};
use crate::scenario::Scenario;
use crate::stats::daily::DailyAcc;
use crate::stats::sku::{SkuRun, SkuTable};
use crate::stats::{BLOCK, CandidateStats, RunAccumulator};

pub(crate) use shard::shard_models;
pub use shard::{PARTIAL_FILE, Partial, Shard, merge, run_shard};

/// How a run uses the machine (defined beside the runner, which is what reads it).
pub use crate::runner::RunOptions;

/// What a run produces: per candidate, the statistics of every metric and the calendar
/// accumulators, both in candidate order.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Per candidate, the statistics of every metric, overall and per category.
    pub stats: Vec<CandidateStats>,
    pub(crate) daily: Vec<DailyAcc>,
    /// Per candidate, the stockout-risk tallies (empty unless the model collects them).
    pub(crate) risk: Vec<RiskAcc>,
    /// Per candidate × SKU (`sku_summary.csv`).
    pub(crate) skus: SkuTable,
    /// What each disruption hit, per candidate (mean per replication).
    pub hits: WorldHits,
}

impl Outcome {
    /// The outcome of a run from its accumulators once every block is merged into them, in
    /// one process (`run_models`) or from shards (`merge`): the one place the two build it.
    pub(crate) fn from_merged(
        scenario: &Scenario,
        acc: &RunAccumulator,
        skus: &SkuRun,
        hits: &HitsAcc,
        daily: Vec<DailyAcc>,
        risk: Vec<RiskAcc>,
    ) -> Outcome {
        Outcome {
            stats: acc.summarise(),
            daily,
            risk,
            skus: skus.summarise(scenario.replications),
            hits: hits.summarise("base"),
        }
    }
}

/// Runs every candidate of `scenario` over its replications and summarises the metrics.
pub fn run(scenario: &Scenario, opts: &RunOptions) -> Result<Vec<CandidateStats>> {
    run_full(scenario, opts).map(|o| o.stats)
}

/// [`run`], keeping the calendar series as well.
pub fn run_full(scenario: &Scenario, opts: &RunOptions) -> Result<Outcome> {
    run_models(&[Model::new(scenario)], opts, &mut |_| {})
}

/// Runs `models` (the base first, then any what-if variants) over every replication: the
/// base's outcome, and each block handed to `extra` in block order after the base took it.
pub(crate) fn run_models(
    models: &[Model],
    opts: &RunOptions,
    extra: &mut (dyn FnMut(&BlockOut) + Send),
) -> Result<Outcome> {
    let scenario = models[0].scenario;
    let blocks = u64::from(scenario.replications).div_ceil(BLOCK);
    let mut acc = RunAccumulator::new(scenario.policies.len(), models[0].scopes());
    let mut skus = SkuRun::new(scenario.policies.len(), scenario.skus.len());
    let mut hits = HitsAcc::new(scenario);
    let (daily, risk) = runner::execute(models, opts, 0..blocks, &mut |b| {
        acc.merge(&b.base);
        skus.merge(&b.skus);
        hits.merge(&b.hits[0]);
        extra(b);
    })?;
    Ok(Outcome::from_merged(
        scenario, &acc, &skus, &hits, daily, risk,
    ))
}
