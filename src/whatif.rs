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

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::engine::Model;
use crate::error::{Error, InputError, Result};
use crate::experiment::{self, Outcome, Partial, RunOptions, Shard};
use crate::hits::HitsAcc;
pub use crate::hits::WorldHits;
use crate::metrics::{METRIC_COUNT, Metric};
use crate::runner::{BlockOut, PEAKS};
use crate::scenario::Scenario;
use crate::stats::bootstrap::{self, QuantileDiff};
use crate::stats::{
    BLOCK, BlockMoments, BlockStats, CandidateStats, Moments, PairedDiff, RunAccumulator, Sketch,
};

/// The metrics whose p95 difference carries an interval (`VariantStats::p95_vs_base`).
pub const PEAK_METRICS: [Metric; 2] = PEAKS;

/// One variant's results: per candidate its statistics (in the variant's world) and the paired
/// differences of every metric against the base's same candidate (indexed like `Metric::ALL`).
#[derive(Debug, Clone)]
pub struct VariantStats {
    pub name: String,
    pub stats: Vec<CandidateStats>,
    pub vs_base: Vec<Vec<PairedDiff>>,
    /// Per candidate, per metric of `runner::PEAKS`: the difference of p95s against the base's
    /// same candidate with its paired bootstrap interval (`None`: more replications than
    /// `bootstrap::MAX_REPLICATIONS`, or fewer than two).
    pub p95_vs_base: Vec<Vec<Option<QuantileDiff>>>,
}

/// What a run with variants produces: the base's outcome, as `experiment::run_full` would
/// give it (what its disruptions hit included), each selected variant's statistics (in the
/// order selected), and what each variant's disruptions hit.
#[derive(Debug, Clone)]
pub struct WhatIfOutcome {
    /// The base scenario's outcome.
    pub base: Outcome,
    /// Each selected variant's statistics, in the order selected.
    pub variants: Vec<VariantStats>,
    pub(crate) hits: Vec<WorldHits>,
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

/// The variants' run-wide accumulators: their statistics, the paired differences against
/// the base, what their disruptions hit, and (up to `bootstrap::MAX_REPLICATIONS`) every
/// replication's values of `runner::PEAKS`, base and variants, in replication order.
struct Accumulators {
    variants: Vec<RunAccumulator>,
    diffs: Vec<Moments>,
    hits: Vec<HitsAcc>,
    /// `(world * candidates + candidate) * PEAKS.len() + k`, world 0 the base; empty beyond
    /// the cap.
    peaks: Vec<Vec<f64>>,
    candidates: usize,
    seed: u64,
}

impl Accumulators {
    fn new(models: &[Model]) -> Self {
        let sc = models[0].scenario;
        let n = sc.policies.len();
        let keep = sc.replications as usize <= bootstrap::MAX_REPLICATIONS;
        Accumulators {
            variants: models[1..]
                .iter()
                .map(|m| RunAccumulator::new(n, m.scopes()))
                .collect(),
            diffs: vec![Moments::default(); (models.len() - 1) * n * METRIC_COUNT],
            hits: models[1..]
                .iter()
                .map(|m| HitsAcc::new(m.scenario))
                .collect(),
            peaks: if keep {
                vec![Vec::new(); models.len() * n * PEAKS.len()]
            } else {
                Vec::new()
            },
            candidates: n,
            seed: sc.seed,
        }
    }

    /// The order-dependent parts of a block: paired differences, hits, kept values.
    fn merge_ordered(&mut self, diffs: &[Moments], hits: &[Vec<Moments>], peaks: &[Vec<f64>]) {
        for (acc, d) in self.diffs.iter_mut().zip(diffs) {
            acc.merge(d);
        }
        for (acc, h) in self.hits.iter_mut().zip(hits) {
            acc.merge(h);
        }
        if !self.peaks.is_empty() {
            for (acc, p) in self.peaks.iter_mut().zip(peaks) {
                acc.extend_from_slice(p);
            }
        }
    }

    fn merge(&mut self, b: &BlockOut) {
        for (acc, v) in self.variants.iter_mut().zip(&b.variants) {
            acc.merge(v);
        }
        self.merge_ordered(&b.diffs, &b.hits[1..], &b.peaks);
    }

    fn summarise(&self, base: Outcome, names: &[String]) -> WhatIfOutcome {
        let n = self.candidates;
        let k = PEAKS.len();
        let kept = |world: usize, c: usize, p: usize| self.peaks.get((world * n + c) * k + p);
        let p95 = |v: usize, c: usize, p: usize| -> Option<QuantileDiff> {
            bootstrap::paired_quantile_diff(kept(0, c, p)?, kept(v + 1, c, p)?, 0.95, self.seed)
        };
        // Each interval resamples on its own; they are independent, so computed in parallel.
        let intervals: Vec<Option<QuantileDiff>> = (0..self.variants.len() * n * k)
            .into_par_iter()
            .map(|i| p95(i / (n * k), i / k % n, i % k))
            .collect();
        WhatIfOutcome {
            base,
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
                    p95_vs_base: (0..n)
                        .map(|c| intervals[(v * n + c) * k..][..k].to_vec())
                        .collect(),
                })
                .collect(),
            hits: self
                .hits
                .iter()
                .zip(names)
                .map(|(h, name)| h.summarise(name))
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

/// The base's model and each prepared variant's, the base first.
fn models<'a>(sc: &'a Scenario, prepared: &'a [(String, Scenario)]) -> Vec<Model<'a>> {
    std::iter::once(Model::new(sc))
        .chain(prepared.iter().map(|(_, s)| Model::new(s)))
        .collect()
}

/// Runs the base and the `selected` variants on every replication.
pub fn run(sc: &Scenario, selected: &[usize], opts: &RunOptions) -> Result<WhatIfOutcome> {
    let prepared = prepare(sc, selected);
    check_candidates(sc, &prepared)?;
    let models = models(sc, &prepared);
    let names: Vec<String> = prepared.iter().map(|(n, _)| n.clone()).collect();
    let mut acc = Accumulators::new(&models);
    let base = experiment::run_models(&models, opts, &mut |b| acc.merge(b))?;
    Ok(acc.summarise(base, &names))
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
    /// The variants' hits (the base's are in `partial.json`).
    hits: Vec<Vec<Moments>>,
    /// The block's kept values (`runner::BlockOut::peaks`; empty beyond the cap).
    peaks: Vec<Vec<f64>>,
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
    let models = models(sc, &prepared);
    let keep = sc.replications as usize <= bootstrap::MAX_REPLICATIONS;
    let mut variants: Vec<RunAccumulator> = models[1..]
        .iter()
        .map(|m| RunAccumulator::new(sc.policies.len(), m.scopes()))
        .collect();
    let mut blocks = Vec::new();
    let partial = experiment::shard_models(&models, opts, shard, &mut |b| {
        for (a, v) in variants.iter_mut().zip(&b.variants) {
            a.push_values(v);
        }
        blocks.push(VariantBlockMoments {
            index: b.base.index,
            variants: b.variants.iter().map(BlockStats::moments_only).collect(),
            diffs: b.diffs.clone(),
            hits: b.hits[1..].to_vec(),
            peaks: if keep { b.peaks.clone() } else { Vec::new() },
        });
    })?;
    let variants = VariantPartial {
        names: prepared.into_iter().map(|(n, _)| n).collect(),
        blocks,
        sketches: variants.iter().map(RunAccumulator::sketches).collect(),
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
    let models = models(sc, &prepared);
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
                || b.hits
                    .iter()
                    .zip(&acc.hits)
                    .any(|(h, a)| h.len() != a.width())
                || (!acc.peaks.is_empty() && b.peaks.len() != acc.peaks.len())
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
            acc.merge_ordered(&b.diffs, &b.hits, &b.peaks);
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
    Ok(acc.summarise(base, &names))
}
