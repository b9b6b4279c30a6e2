//! A run in parts: `--shard K/N` runs a contiguous range of statistics blocks and writes a
//! partial result (`partial.json`); `merge` combines the parts of one run into exactly the
//! outcome one process computes (moments merged in block order, sketches and calendar
//! accumulators order-free), refusing parts of another run or version.

use std::ops::Range;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Outcome, RunOptions};
use crate::engine::Model;
use crate::error::{Error, InputError, Result};
use crate::hits::HitsAcc;
use crate::risk::RiskAcc;
use crate::runner::{self, BlockOut};
use crate::scenario::Scenario;
use crate::stats::daily::DailyAcc;
use crate::stats::sku::{SkuRun, SkuSums};
use crate::stats::{BLOCK, BlockMoments, Moments, RunAccumulator, Sketch};

/// Part `index` (1-based) of `count` of a run: a contiguous range of statistics blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// The blocks of `total` this shard runs; the shards of a count partition them.
    pub fn blocks(&self, total: u64) -> Range<u64> {
        let (k, n) = (u64::from(self.index - 1), u64::from(self.count));
        total * k / n..total * (k + 1) / n
    }
}

/// What one shard writes: per block, the moments (they merge exactly only in block order);
/// the quantile sketches and calendar accumulators of its replications (order-free); and what
/// identifies the run, so that shards of different runs are never merged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Partial {
    pub format: String,
    pub version: String,
    /// The scenario file as the shard was given it, and the run's settings.
    pub scenario: PathBuf,
    pub overrides: Vec<String>,
    pub seed: u64,
    pub replications: u32,
    pub shard: Shard,
    /// The charted SKU (index), which the calendar accumulators follow.
    pub chart_sku: usize,
    blocks: Vec<BlockMoments>,
    sketches: Vec<Vec<Sketch>>,
    daily: Vec<DailyAcc>,
    /// The stockout-risk tallies of its replications (order-free), when collected.
    #[serde(default)]
    risk: Vec<RiskAcc>,
    /// Per-SKU sums per block, and the per-SKU peak-capital sketches.
    sku_blocks: Vec<SkuSums>,
    sku_sketches: Vec<Sketch>,
    /// Per block, what each disruption hit (`hits::HitsAcc`), merged in block order.
    hit_blocks: Vec<Vec<Moments>>,
}

/// The format tag of [`Partial`] files.
pub const PARTIAL_FORMAT: &str = "restock-partial-6";

/// The file a shard writes into its output folder.
pub const PARTIAL_FILE: &str = "partial.json";

impl Shard {
    /// Parses `--shard`: `K/N` (1 ≤ K ≤ N), `auto` (a Slurm job array: K from
    /// `SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` + 1, N from `SLURM_ARRAY_TASK_COUNT`), or
    /// `auto/N` (a Kubernetes Indexed Job: K from the 0-based `JOB_COMPLETION_INDEX` + 1).
    pub fn parse(
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> std::result::Result<Shard, InputError> {
        let bad = |m: String| InputError::new(format!("--shard: {m}"));
        let num = |name: &str, v: &str| -> std::result::Result<u32, InputError> {
            v.trim()
                .parse::<u32>()
                .map_err(|_| bad(format!("{name} is `{v}`, not a whole number")))
        };
        let var = |name: &str| {
            env(name)
                .ok_or_else(|| bad(format!("`--shard {text}` needs {name} in the environment")))
        };
        let (index, count) = match text.trim() {
            "auto" => {
                let id = num("SLURM_ARRAY_TASK_ID", &var("SLURM_ARRAY_TASK_ID")?)?;
                let count = num("SLURM_ARRAY_TASK_COUNT", &var("SLURM_ARRAY_TASK_COUNT")?)?;
                // Arrays may be numbered from 0 or from 1 (`--array=0-9`, `--array=1-10`).
                let min = match env("SLURM_ARRAY_TASK_MIN") {
                    Some(m) => num("SLURM_ARRAY_TASK_MIN", &m)?,
                    None => 1,
                };
                if id < min {
                    return Err(bad(format!(
                        "SLURM_ARRAY_TASK_ID {id} is below SLURM_ARRAY_TASK_MIN {min}"
                    )));
                }
                (id - min + 1, count)
            }
            t => match t.split_once('/') {
                Some(("auto", n)) => {
                    let count = num("N", n)?;
                    let i = num("JOB_COMPLETION_INDEX", &var("JOB_COMPLETION_INDEX")?)?;
                    (i.saturating_add(1), count)
                }
                Some((k, n)) => (num("K", k)?, num("N", n)?),
                None => return Err(bad(format!("`{text}` is not K/N, auto or auto/N"))),
            },
        };
        if count == 0 || index == 0 || index > count {
            return Err(bad(format!("shard {index}/{count}: need 1 ≤ K ≤ N")));
        }
        Ok(Shard { index, count })
    }
}

impl Partial {
    /// Whether the shard collected the stockout-risk register (`--risk` or a state).
    pub fn has_risk(&self) -> bool {
        !self.risk.is_empty()
    }

    /// Writes `partial.json` into `dir` (under a temporary name, then renamed).
    pub fn save(&self, dir: &std::path::Path) -> Result<()> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create output folder {}", dir.display()), e))?;
        let text = serde_json::to_string(self).expect("plain data serialises");
        let tmp = dir.join(format!(".{PARTIAL_FILE}.tmp"));
        std::fs::write(&tmp, text)
            .map_err(|e| Error::io(format!("cannot write {}", tmp.display()), e))?;
        let dest = dir.join(PARTIAL_FILE);
        std::fs::rename(&tmp, &dest)
            .map_err(|e| Error::io(format!("cannot write {}", dest.display()), e))
    }

    /// Reads the `partial.json` a shard wrote into `dir`.
    pub fn load(dir: &std::path::Path) -> Result<Partial> {
        let path = dir.join(PARTIAL_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::Input(
                crate::InputError::new(format!("cannot read the partial result: {e}"))
                    .in_file(&path),
            )
        })?;
        let input = |msg: String| Error::Input(crate::InputError::new(msg).in_file(&path));
        // The stamp first: a partial from another version may not parse as this one's, and
        // "another version" is the error worth reporting then.
        #[derive(Deserialize)]
        struct Stamp {
            format: String,
            version: String,
        }
        let stamp: Stamp = serde_json::from_str(&text)
            .map_err(|e| input(format!("not a restock partial result: {e}")))?;
        if stamp.format != PARTIAL_FORMAT || stamp.version != env!("CARGO_PKG_VERSION") {
            return Err(input(format!(
                "written by another restock version or format ({} {}); this is {} {}: \
                 rerun that shard with this restock",
                stamp.format,
                stamp.version,
                PARTIAL_FORMAT,
                env!("CARGO_PKG_VERSION")
            )));
        }
        serde_json::from_str(&text).map_err(|e| input(format!("not a restock partial result: {e}")))
    }
}

/// Runs one shard of `scenario` (its replications and seed as set).
pub fn run_shard(scenario: &Scenario, opts: &RunOptions, shard: Shard) -> Result<Partial> {
    shard_models(&[Model::new(scenario)], opts, shard, &mut |_| {})
}

/// Runs one shard of `models` (the base first, then any what-if variants): the base's
/// partial result, and each block handed to `extra` in block order after the base took it.
pub(crate) fn shard_models(
    models: &[Model],
    opts: &RunOptions,
    shard: Shard,
    extra: &mut (dyn FnMut(&BlockOut) + Send),
) -> Result<Partial> {
    let scenario = models[0].scenario;
    let total = u64::from(scenario.replications).div_ceil(BLOCK);
    let mut acc = RunAccumulator::new(scenario.policies.len(), models[0].scopes());
    let mut blocks = Vec::new();
    let mut skus = SkuRun::new(scenario.policies.len(), scenario.skus.len());
    let mut sku_blocks = Vec::new();
    let mut hit_blocks = Vec::new();
    let (daily, risk) = runner::execute(models, opts, shard.blocks(total), &mut |b| {
        acc.push_values(&b.base);
        blocks.push(b.base.moments_only());
        skus.push_peaks(&b.skus);
        sku_blocks.push(b.skus.sums_only());
        hit_blocks.push(b.hits[0].clone());
        extra(b);
    })?;
    Ok(Partial {
        format: PARTIAL_FORMAT.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: scenario.file.clone(),
        overrides: scenario.overrides.clone(),
        seed: scenario.seed,
        replications: scenario.replications,
        shard,
        chart_sku: scenario.report.chart_sku,
        blocks,
        sketches: acc.sketches(),
        daily,
        risk,
        sku_blocks,
        sku_sketches: skus.sketches().to_vec(),
        hit_blocks,
    })
}

/// Combines every shard of one run into exactly what one process computes. `scenario` must be
/// the run's (same file, overrides, seed and replications); the shards must be 1..=N of one N.
pub fn merge(
    scenario: &Scenario,
    mut parts: Vec<Partial>,
) -> std::result::Result<Outcome, InputError> {
    let Some(first) = parts.first() else {
        return Err(InputError::new("no partial results to merge"));
    };
    let n = first.shard.count;
    for p in &parts {
        if p.format != PARTIAL_FORMAT || p.version != env!("CARGO_PKG_VERSION") {
            return Err(InputError::new(format!(
                "shard {}/{} was written by another restock version or format ({} {})",
                p.shard.index, p.shard.count, p.format, p.version
            )));
        }
        if p.shard.count != n
            || p.chart_sku != scenario.report.chart_sku
            || p.seed != scenario.seed
            || p.replications != scenario.replications
            || p.overrides != scenario.overrides
        {
            return Err(InputError::new(format!(
                "shard {}/{} belongs to another run (shard count, seed, replications, charted SKU or --set overrides differ)",
                p.shard.index, p.shard.count
            )));
        }
    }
    parts.sort_by_key(|p| p.shard.index);
    let indices: Vec<u32> = parts.iter().map(|p| p.shard.index).collect();
    if indices != (1..=n).collect::<Vec<_>>() {
        return Err(InputError::new(format!(
            "need shards 1..{n} of {n} exactly once each, got {}",
            indices
                .iter()
                .map(|i| format!("{i}/{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let model = Model::new(scenario);
    let candidates = scenario.policies.len();
    let mut acc = RunAccumulator::new(candidates, model.scopes());
    let total = u64::from(scenario.replications).div_ceil(BLOCK);
    let mut daily: Vec<DailyAcc> = Vec::new();
    let mut risk: Vec<RiskAcc> = Vec::new();
    let mut skus = SkuRun::new(candidates, scenario.skus.len());
    let mut hits = HitsAcc::new(scenario);
    for p in &parts {
        if p.risk.len() != if model.risk { candidates } else { 0 } {
            return Err(InputError::new(format!(
                "shard {}/{n} does not match the scenario's risk register",
                p.shard.index
            )));
        }
        if risk.is_empty() {
            risk = p.risk.clone();
        } else {
            risk.iter_mut().zip(&p.risk).for_each(|(a, b)| a.merge(b));
        }
        if p.sketches.len() != candidates * model.scopes() || p.daily.len() != candidates {
            return Err(InputError::new(format!(
                "shard {}/{n} does not match the scenario's candidates",
                p.shard.index
            )));
        }
        for b in &p.blocks {
            if acc.blocks_merged() != b.index {
                return Err(InputError::new(format!(
                    "shard {}/{n} is missing statistics block {}",
                    p.shard.index,
                    acc.blocks_merged()
                )));
            }
            acc.merge_moments(b);
        }
        acc.merge_sketches(&p.sketches);
        for b in &p.sku_blocks {
            if skus.blocks_merged() != b.index {
                return Err(InputError::new(format!(
                    "shard {}/{n} is missing per-SKU block {}",
                    p.shard.index,
                    skus.blocks_merged()
                )));
            }
            skus.merge_sums(b);
        }
        if p.hit_blocks.len() != p.sku_blocks.len()
            || p.hit_blocks.iter().any(|h| h.len() != hits.width())
        {
            return Err(InputError::new(format!(
                "shard {}/{n} does not match the scenario's disruptions",
                p.shard.index
            )));
        }
        p.hit_blocks.iter().for_each(|h| hits.merge(h));
        if !skus.merge_sketches(&p.sku_sketches) {
            return Err(InputError::new(format!(
                "shard {}/{n} does not match the scenario's SKUs",
                p.shard.index
            )));
        }
        if daily.is_empty() {
            daily = p.daily.clone();
        } else {
            daily.iter_mut().zip(&p.daily).for_each(|(a, b)| a.merge(b));
        }
    }
    if acc.blocks_merged() != total {
        return Err(InputError::new(format!(
            "the shards hold {} of the run's {total} statistics blocks",
            acc.blocks_merged()
        )));
    }
    if skus.blocks_merged() != total {
        return Err(InputError::new(format!(
            "the shards hold {} of the run's {total} per-SKU blocks",
            skus.blocks_merged()
        )));
    }
    Ok(Outcome::from_merged(
        scenario, &acc, &skus, &hits, daily, risk,
    ))
}

#[cfg(test)]
mod tests {
    use super::Shard;

    #[test]
    fn shards_partition_the_blocks() {
        for total in [0u64, 1, 6, 7, 100] {
            for count in 1..=9u32 {
                let ranges: Vec<_> = (1..=count)
                    .map(|index| Shard { index, count }.blocks(total))
                    .collect();
                assert_eq!(ranges[0].start, 0);
                assert_eq!(ranges.last().unwrap().end, total);
                assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
            }
        }
    }

    #[test]
    fn shard_specs_from_flags_and_environments() {
        let none = |_: &str| None;
        assert_eq!(Shard::parse("2/5", none), Ok(Shard { index: 2, count: 5 }));
        assert!(Shard::parse("6/5", none).is_err());
        assert!(Shard::parse("0/5", none).is_err());
        assert!(
            Shard::parse("auto", none)
                .unwrap_err()
                .message
                .contains("SLURM_ARRAY_TASK_ID")
        );
        let slurm = |k: &str| match k {
            "SLURM_ARRAY_TASK_ID" => Some("8".to_string()),
            "SLURM_ARRAY_TASK_COUNT" => Some("8".to_string()),
            _ => None,
        };
        assert_eq!(
            Shard::parse("auto", slurm),
            Ok(Shard { index: 8, count: 8 })
        );
        let k8s = |k: &str| (k == "JOB_COMPLETION_INDEX").then(|| "0".to_string());
        assert_eq!(
            Shard::parse("auto/3", k8s),
            Ok(Shard { index: 1, count: 3 })
        );
    }
}
