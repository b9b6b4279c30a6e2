//! What-if variants on the same futures: the base scenario and each variant, every candidate
//! in each, replayed side by side in one replication loop.
//!
//! Replication r of a variant draws its world from the same keyed streams (seed, r, source)
//! as replication r of the base, so the two futures differ only where the variant changes
//! what a stream drives (a longer transit, a larger demand mean, a closure). Running them in
//! the same loop gives, for every candidate and metric, the paired difference
//! d_r = x_r(variant) − x_r(base) without keeping per-replication values: it is folded by
//! Welford in replication order, block by block, exactly like the candidates' paired
//! differences against the first candidate (`stats`). The base's own statistics and calendar
//! series are computed by the same steps as `experiment`, so a scenario's base outputs do not
//! change when variants are added.

use std::ops::Range;
use std::sync::Mutex;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::engine::{Engine, Model, World};
use crate::error::{Error, InputError, Result};
use crate::experiment::{Outcome, Partial, RunOptions, Shard};
use crate::hits::{self, Disruption, FIGURES};
use crate::metrics::{METRIC_COUNT, Metric, RepMetrics};
use crate::policy::Policy;
use crate::scenario::Scenario;
use crate::stats::daily::DailyAcc;
use crate::stats::sku::{SkuBlock, SkuRep, SkuRun};
use crate::stats::{
    BLOCK, BlockMoments, BlockStats, CandidateStats, Moments, PairedDiff, RunAccumulator, Sketch,
};

/// One variant's results: per candidate its statistics (in the variant's world) and the paired
/// differences of every metric against the base's same candidate (indexed like `Metric::ALL`).
#[derive(Debug, Clone)]
pub struct VariantStats {
    pub name: String,
    pub stats: Vec<CandidateStats>,
    pub vs_base: Vec<Vec<PairedDiff>>,
}

/// What a run with variants produces: the base's outcome, as `experiment::run_full` would
/// give it, each selected variant's statistics (in the order selected), and what each
/// disruption hit in the base and in each variant.
#[derive(Debug, Clone)]
pub struct WhatIfOutcome {
    pub base: Outcome,
    pub variants: Vec<VariantStats>,
    pub hits: Vec<WorldHits>,
}

/// What each disruption of one world (the base or a variant) hit, per candidate: mean per
/// replication of shipments delayed, units on them and delay days added (`hits::FIGURES`).
#[derive(Debug, Clone)]
pub struct WorldHits {
    /// `base` or the variant's name.
    pub world: String,
    /// The disruptions, labelled, in `hits::sources` order.
    pub sources: Vec<(Disruption, String)>,
    /// `[candidate][source]` → [shipments, units, delay days].
    pub means: Vec<Vec<[f64; FIGURES]>>,
}

/// The variants `--variant NAME` picks (all of them without the flag), as indices into
/// `Scenario::variants`, in file order. An unknown name is an input error.
pub fn select(sc: &Scenario, names: &[String]) -> std::result::Result<Vec<usize>, InputError> {
    if names.is_empty() {
        return Ok((0..sc.variants.len()).collect());
    }
    let mut out = Vec::new();
    for n in names {
        match sc.variants.iter().position(|v| v.name == n.trim()) {
            Some(i) => {
                if !out.contains(&i) {
                    out.push(i)
                }
            }
            None => {
                let known = if sc.variants.is_empty() {
                    "the scenario has none".to_string()
                } else {
                    format!(
                        "variants defined: {}",
                        sc.variants
                            .iter()
                            .map(|v| format!("`{}`", v.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                return Err(InputError::new(format!(
                    "--variant {n}: unknown variant `{n}`; {known}"
                )));
            }
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// The selected variants' scenarios with the run's settings (seed, replications, charted
/// SKU, which the command line may have changed on the base).
pub fn prepare(sc: &Scenario, selected: &[usize]) -> Vec<(String, Scenario)> {
    selected
        .iter()
        .map(|&i| {
            let v = &sc.variants[i];
            let mut s = v.scenario.clone();
            s.seed = sc.seed;
            s.replications = sc.replications;
            if sc.report.chart_sku < s.skus.len() {
                s.report.chart_sku = sc.report.chart_sku;
            }
            (v.name.clone(), s)
        })
        .collect()
}

/// One world (base or variant) a worker replays: its buffers and policy instances, and the
/// replication's metrics per `candidate * scopes + scope`.
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

/// A block's statistics for the base, each variant, and the paired differences
/// `(variant * candidates + candidate) * METRIC_COUNT + metric` (all SKUs).
struct Block {
    base: BlockStats,
    variants: Vec<BlockStats>,
    diffs: Vec<Moments>,
    /// Per world (base, then variants): `(candidate * sources + source) * FIGURES + figure`.
    hits: Vec<Vec<Moments>>,
    /// The base's per-SKU tallies (`sku_summary.csv` shows the base).
    skus: SkuBlock,
}

struct Worker {
    sides: Vec<Side>,
    daily: Vec<DailyAcc>,
    sku_reps: Vec<SkuRep>,
}

impl Worker {
    fn new(models: &[Model]) -> Self {
        Worker {
            sides: models.iter().map(Side::new).collect(),
            daily: vec![
                DailyAcc::new(models[0].scenario.calendar.horizon_days);
                models[0].scenario.policies.len()
            ],
            sku_reps: Vec::with_capacity(models[0].scenario.skus.len()),
        }
    }

    fn block(&mut self, models: &[Model], index: u64, reps: u64) -> Block {
        let n = models[0].scenario.policies.len();
        let mut base = BlockStats::new(index, n, models[0].scopes());
        let mut variants: Vec<BlockStats> = models[1..]
            .iter()
            .map(|m| BlockStats::new(index, n, m.scopes()))
            .collect();
        let mut diffs = vec![Moments::default(); variants.len() * n * METRIC_COUNT];
        let mut skus = SkuBlock::new(index, n, models[0].scenario.skus.len());
        let mut hits: Vec<Vec<Moments>> = self
            .sides
            .iter()
            .map(|s| vec![Moments::default(); n * s.tally.len()])
            .collect();
        for rep in index * BLOCK..((index + 1) * BLOCK).min(reps) {
            for (k, (model, side)) in models.iter().zip(&mut self.sides).enumerate() {
                let scopes = model.scopes();
                side.world.generate(model, rep);
                for (c, (policy, out)) in side
                    .policies
                    .iter_mut()
                    .zip(side.metrics.chunks_exact_mut(scopes))
                    .enumerate()
                {
                    side.engine
                        .run(model, &side.world, policy.as_mut(), &mut out[0]);
                    out[1..].copy_from_slice(side.engine.category_metrics());
                    if k == 0 {
                        self.daily[c].push(side.engine.daily());
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
                        let row = &mut hits[k][c * side.tally.len()..][..side.tally.len()];
                        for (m, &x) in row.iter_mut().zip(&side.tally) {
                            m.push(x);
                        }
                    }
                }
            }
            base.push(&self.sides[0].metrics);
            let s0 = models[0].scopes();
            for (v, stats) in variants.iter_mut().enumerate() {
                let side = &self.sides[v + 1];
                stats.push(&side.metrics);
                let sv = models[v + 1].scopes();
                for c in 0..n {
                    let (x, b) = (&side.metrics[c * sv].0, &self.sides[0].metrics[c * s0].0);
                    let row = &mut diffs[(v * n + c) * METRIC_COUNT..][..METRIC_COUNT];
                    for (m, (xi, bi)) in row.iter_mut().zip(x.iter().zip(b)) {
                        m.push(xi - bi);
                    }
                }
            }
        }
        self.daily.iter_mut().for_each(DailyAcc::flush);
        Block {
            base,
            variants,
            diffs,
            hits,
            skus,
        }
    }
}

/// The run-wide accumulators: the base's, each variant's, and the paired differences.
struct Accumulators {
    base: RunAccumulator,
    variants: Vec<RunAccumulator>,
    diffs: Vec<Moments>,
    hits: Vec<Vec<Moments>>,
    sources: Vec<Vec<(Disruption, String)>>,
    candidates: usize,
    /// The base's per-SKU results, and its replication count.
    skus: SkuRun,
    replications: u32,
}

impl Accumulators {
    fn new(models: &[Model]) -> Self {
        let n = models[0].scenario.policies.len();
        Accumulators {
            base: RunAccumulator::new(n, models[0].scopes()),
            variants: models[1..]
                .iter()
                .map(|m| RunAccumulator::new(n, m.scopes()))
                .collect(),
            diffs: vec![Moments::default(); (models.len() - 1) * n * METRIC_COUNT],
            hits: models
                .iter()
                .map(|m| vec![Moments::default(); n * hits::sources(m.scenario).len() * FIGURES])
                .collect(),
            sources: models.iter().map(|m| hits::sources(m.scenario)).collect(),
            candidates: n,
            skus: SkuRun::new(n, models[0].scenario.skus.len()),
            replications: models[0].scenario.replications,
        }
    }

    fn merge(&mut self, b: &Block) {
        self.base.merge(&b.base);
        for (acc, v) in self.variants.iter_mut().zip(&b.variants) {
            acc.merge(v);
        }
        for (acc, d) in self.diffs.iter_mut().zip(&b.diffs) {
            acc.merge(d);
        }
        self.merge_hits(&b.hits);
        self.skus.merge(&b.skus);
    }

    fn merge_hits(&mut self, hits: &[Vec<Moments>]) {
        for (acc, h) in self.hits.iter_mut().zip(hits) {
            for (a, m) in acc.iter_mut().zip(h) {
                a.merge(m);
            }
        }
    }

    fn summarise(&self, names: &[String], daily: Vec<DailyAcc>) -> WhatIfOutcome {
        let n = self.candidates;
        WhatIfOutcome {
            base: Outcome {
                stats: self.base.summarise(),
                daily,
                // Runs with variants do not collect the risk register (yet).
                risk: Vec::new(),
                skus: self.skus.summarise(self.replications),
            },
            variants: self
                .variants
                .iter()
                .enumerate()
                .map(|(v, acc)| VariantStats {
                    name: names[v].clone(),
                    stats: acc.summarise(),
                    vs_base: (0..n)
                        .map(|c| {
                            Metric::ALL
                                .iter()
                                .map(|&m| {
                                    let mo = &self.diffs[(v * n + c) * METRIC_COUNT + m as usize];
                                    PairedDiff::of(mo)
                                })
                                .collect()
                        })
                        .collect(),
                })
                .collect(),
            hits: self
                .sources
                .iter()
                .zip(&self.hits)
                .enumerate()
                .map(|(k, (sources, acc))| WorldHits {
                    world: if k == 0 {
                        "base".to_string()
                    } else {
                        names[k - 1].clone()
                    },
                    sources: sources.clone(),
                    means: (0..n)
                        .map(|c| {
                            (0..sources.len())
                                .map(|s| {
                                    let at = (c * sources.len() + s) * FIGURES;
                                    std::array::from_fn(|f| acc[at + f].mean)
                                })
                                .collect()
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Checks that each variant keeps the base's candidates: a variant changes the world, and a
/// paired difference per candidate needs the same candidates on both sides.
fn check_candidates(sc: &Scenario, variants: &[(String, Scenario)]) -> Result<()> {
    let names = |s: &Scenario| {
        s.policies
            .iter()
            .map(|p| p.name.clone())
            .collect::<Vec<_>>()
    };
    for (name, v) in variants {
        if names(v) != names(sc) {
            return Err(Error::Input(
                InputError::new(format!(
                    "variant `{name}`: a variant changes the world, not the candidates; it must keep the base's policies ({})",
                    names(sc).join(", ")
                ))
                .in_file(&sc.file),
            ));
        }
    }
    Ok(())
}

/// Runs the base and the `selected` variants on every replication.
pub fn run(sc: &Scenario, selected: &[usize], opts: &RunOptions) -> Result<WhatIfOutcome> {
    let prepared = prepare(sc, selected);
    check_candidates(sc, &prepared)?;
    let mut models = vec![Model::new(sc)];
    models.extend(prepared.iter().map(|(_, s)| Model::new(s)));
    let names: Vec<String> = prepared.iter().map(|(n, _)| n.clone()).collect();
    let blocks = u64::from(sc.replications).div_ceil(BLOCK);
    let mut acc = Accumulators::new(&models);
    let daily = execute(&models, opts, 0..blocks, &mut |b| acc.merge(b))?;
    Ok(acc.summarise(&names, daily))
}

/// What one shard keeps of the variants, beside the base's [`Partial`]: per block the
/// variants' moments and the paired differences (merged in block order), and per variant the
/// quantile sketches.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VariantPartial {
    /// The variants run, by name, in order.
    pub names: Vec<String>,
    blocks: Vec<VariantBlockMoments>,
    sketches: Vec<Vec<Vec<Sketch>>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct VariantBlockMoments {
    index: u64,
    variants: Vec<BlockMoments>,
    diffs: Vec<Moments>,
    hits: Vec<Vec<Moments>>,
}

/// The file a shard writes its variants' partial results to, beside `partial.json`.
pub const VARIANT_PARTIAL_FILE: &str = "partial-variants.json";

impl VariantPartial {
    /// Writes `partial-variants.json` into `dir` (temporary name, then renamed).
    pub fn save(&self, dir: &std::path::Path) -> Result<()> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create output folder {}", dir.display()), e))?;
        let text = serde_json::to_string(self).expect("plain data serialises");
        let tmp = dir.join(format!(".{VARIANT_PARTIAL_FILE}.tmp"));
        std::fs::write(&tmp, text)
            .map_err(|e| Error::io(format!("cannot write {}", tmp.display()), e))?;
        let dest = dir.join(VARIANT_PARTIAL_FILE);
        std::fs::rename(&tmp, &dest)
            .map_err(|e| Error::io(format!("cannot write {}", dest.display()), e))
    }

    /// Reads the variants' partial result a shard wrote into `dir`, if it wrote one.
    pub fn load(dir: &std::path::Path) -> Result<Option<VariantPartial>> {
        let path = dir.join(VARIANT_PARTIAL_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Error::Input(
                    InputError::new(format!("cannot read the partial result: {e}")).in_file(&path),
                ));
            }
        };
        serde_json::from_str(&text).map(Some).map_err(|e| {
            Error::Input(
                InputError::new(format!("not a restock partial result: {e}")).in_file(&path),
            )
        })
    }
}

/// Runs one shard of the base and the `selected` variants.
pub fn run_shard(
    sc: &Scenario,
    selected: &[usize],
    opts: &RunOptions,
    shard: Shard,
) -> Result<(Partial, VariantPartial)> {
    let prepared = prepare(sc, selected);
    check_candidates(sc, &prepared)?;
    let mut models = vec![Model::new(sc)];
    models.extend(prepared.iter().map(|(_, s)| Model::new(s)));
    let total = u64::from(sc.replications).div_ceil(BLOCK);
    let mut acc = Accumulators::new(&models);
    let mut base_blocks = Vec::new();
    let mut sku_blocks = Vec::new();
    let mut blocks = Vec::new();
    let daily = execute(&models, opts, shard.blocks(total), &mut |b| {
        acc.base.push_values(&b.base);
        base_blocks.push(b.base.moments_only());
        acc.skus.push_peaks(&b.skus);
        sku_blocks.push(b.skus.sums_only());
        for (a, v) in acc.variants.iter_mut().zip(&b.variants) {
            a.push_values(v);
        }
        blocks.push(VariantBlockMoments {
            index: b.base.index,
            variants: b.variants.iter().map(BlockStats::moments_only).collect(),
            diffs: b.diffs.clone(),
            hits: b.hits.clone(),
        });
    })?;
    let partial = Partial::from_blocks(
        sc,
        shard,
        base_blocks,
        acc.base.sketches(),
        daily,
        sku_blocks,
        acc.skus.sketches().to_vec(),
    );
    let variants = VariantPartial {
        names: prepared.into_iter().map(|(n, _)| n).collect(),
        blocks,
        sketches: acc.variants.iter().map(RunAccumulator::sketches).collect(),
    };
    Ok((partial, variants))
}

/// Combines the shards' variant results into exactly what one process computes; `base` is
/// the base's merged outcome (`experiment::merge`).
pub fn merge(
    sc: &Scenario,
    base: Outcome,
    mut parts: Vec<(Shard, VariantPartial)>,
) -> std::result::Result<WhatIfOutcome, String> {
    let Some((_, first)) = parts.first() else {
        return Ok(WhatIfOutcome {
            base,
            variants: Vec::new(),
            hits: Vec::new(),
        });
    };
    let names = first.names.clone();
    let selected: Vec<usize> = names
        .iter()
        .map(|n| {
            sc.variants
                .iter()
                .position(|v| &v.name == n)
                .ok_or_else(|| {
                    format!("the shards ran variant `{n}`, which the scenario does not define")
                })
        })
        .collect::<std::result::Result<_, _>>()?;
    let prepared = prepare(sc, &selected);
    let mut models = vec![Model::new(sc)];
    models.extend(prepared.iter().map(|(_, s)| Model::new(s)));
    let mut acc = Accumulators::new(&models);
    parts.sort_by_key(|(s, _)| s.index);
    let mut next = 0u64;
    for (shard, p) in &parts {
        if p.names != names || p.sketches.len() != names.len() {
            return Err(format!(
                "shard {}/{} ran other variants than shard {}/{}",
                shard.index, shard.count, parts[0].0.index, parts[0].0.count
            ));
        }
        for b in &p.blocks {
            if b.index != next
                || b.variants.len() != names.len()
                || b.diffs.len() != acc.diffs.len()
                || b.hits.len() != acc.hits.len()
            {
                return Err(format!(
                    "shard {}/{} is missing the variants of statistics block {next}",
                    shard.index, shard.count
                ));
            }
            next += 1;
            for (a, m) in acc.variants.iter_mut().zip(&b.variants) {
                a.merge_moments(m);
            }
            for (a, d) in acc.diffs.iter_mut().zip(&b.diffs) {
                a.merge(d);
            }
            acc.merge_hits(&b.hits);
        }
        for (a, s) in acc.variants.iter_mut().zip(&p.sketches) {
            a.merge_sketches(s);
        }
    }
    let total = u64::from(sc.replications).div_ceil(BLOCK);
    if next != total {
        return Err(format!(
            "the shards hold the variants of {next} of the run's {total} statistics blocks"
        ));
    }
    let mut out = acc.summarise(&names, Vec::new());
    out.base = base;
    Ok(out)
}

/// Runs blocks `range` of every world on a pool and folds them in block order; returns the
/// base's calendar accumulators, merged over workers. The same scheme as
/// `experiment::execute`: waves of parallel blocks, the previous wave folded meanwhile.
fn execute(
    models: &[Model],
    opts: &RunOptions,
    range: Range<u64>,
    fold: &mut (dyn FnMut(&Block) + Send),
) -> Result<Vec<DailyAcc>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| Error::Other(format!("cannot start {} worker threads: {e}", opts.threads)))?;
    let reps = u64::from(models[0].scenario.replications);
    let first_rep = (range.start * BLOCK).min(reps);
    let progress =
        crate::experiment::progress_bar((range.end * BLOCK).min(reps) - first_rep, opts.progress);
    let threads = pool.current_num_threads();
    let workers: Vec<Mutex<Worker>> = (0..threads)
        .map(|_| Mutex::new(Worker::new(models)))
        .collect();
    // Waves only bound memory and keep cores busy; their length never changes a result.
    let wave = (8 * threads as u64).clamp(8, 64);
    let mut previous: Vec<Block> = Vec::new();
    pool.install(|| {
        let mut start = range.start;
        while start < range.end {
            let end = (start + wave).min(range.end);
            let (_, current) = rayon::join(
                || previous.iter().for_each(&mut *fold),
                || {
                    (start..end)
                        .into_par_iter()
                        .map(|index| {
                            let thread = rayon::current_thread_index().unwrap_or(0);
                            let mut worker = workers[thread].lock().expect("worker poisoned");
                            let b = worker.block(models, index, reps);
                            progress.inc(BLOCK.min(reps - index * BLOCK));
                            b
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
    for w in workers {
        let w = w.into_inner().expect("worker poisoned");
        if daily.is_empty() {
            daily = w.daily;
        } else {
            daily.iter_mut().zip(&w.daily).for_each(|(a, b)| a.merge(b));
        }
    }
    Ok(daily)
}
