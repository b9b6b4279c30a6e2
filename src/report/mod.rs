//! Outputs of a run: `summary.json`, `summary.csv` and the terminal table.
//!
//! [`Summary`] is the one structure every format is written from. It holds nothing that varies
//! between runs of the same inputs (no wall-clock time, no thread count), so `summary.json` is
//! byte-identical for the same scenario, overrides and seed. Files are written under temporary
//! names and renamed into place, so a failed run never leaves half-written outputs.

mod csv;
mod json;
mod table;

use std::fs;
use std::path::Path;

use crate::error::{Error, Result};
use crate::scenario::{Objective, Scenario};
use crate::score::{self, Ranking};
use crate::stats::CandidateStats;

pub use table::render_table;

/// `summary.json`'s text for a summary.
pub fn render_json(s: &Summary) -> String {
    json::render(s)
}

/// Everything a run reports.
#[derive(Debug, Clone)]
pub struct Summary {
    pub scenario_name: String,
    /// File name of the scenario (not its full path, which depends on where it was run from).
    pub scenario_file: String,
    pub overrides: Vec<String>,
    pub seed: u64,
    pub replications: u32,
    pub version: &'static str,
    pub start_date: String,
    pub horizon_days: u32,
    pub warmup_days: u32,
    pub candidates: Vec<(String, CandidateStats)>,
    /// Each candidate's parameter values (`None`: switched off), in candidate order.
    pub params: Vec<Vec<(String, Option<f64>)>>,
    pub objective: Objective,
    /// Category ids, in scenario order.
    pub categories: Vec<String>,
    /// Verdicts over every SKU.
    pub ranking: Ranking,
    /// Verdicts per category, in category order.
    pub category_rankings: Vec<Ranking>,
}

impl Summary {
    pub fn new(scenario: &Scenario, stats: Vec<CandidateStats>) -> Self {
        let objective = scenario.objective.clone();
        let ranking = score::rank(
            &objective,
            &stats.iter().map(|c| &c.all).collect::<Vec<_>>(),
        );
        let category_rankings = (0..scenario.categories.len())
            .map(|k| {
                let scopes: Vec<_> = stats.iter().map(|c| &c.categories[k]).collect();
                score::rank(&objective, &scopes)
            })
            .collect();
        Summary {
            scenario_name: scenario.name.clone(),
            scenario_file: scenario
                .file
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            overrides: scenario.overrides.clone(),
            seed: scenario.seed,
            replications: scenario.replications,
            version: env!("CARGO_PKG_VERSION"),
            start_date: scenario.calendar.start.to_string(),
            horizon_days: scenario.calendar.horizon_days,
            warmup_days: scenario.calendar.warmup_days,
            candidates: scenario
                .policies
                .iter()
                .map(|p| p.name.clone())
                .zip(stats)
                .collect(),
            params: scenario.policies.iter().map(|p| p.params.clone()).collect(),
            objective,
            categories: scenario.categories.iter().map(|c| c.id.clone()).collect(),
            ranking,
            category_rankings,
        }
    }
}

/// Writes every output file into `dir`, creating it if needed.
pub fn write_outputs(dir: &Path, summary: &Summary) -> Result<()> {
    let files = [
        ("summary.json", json::render(summary)),
        ("summary.csv", csv::render(summary)?),
    ];
    fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("cannot create output folder {}", dir.display()), e))?;
    let mut written = Vec::new();
    for (name, content) in &files {
        let tmp = dir.join(format!(".{name}.tmp"));
        if let Err(e) = fs::write(&tmp, content) {
            let _ = fs::remove_file(&tmp);
            for t in written {
                let _ = fs::remove_file(t);
            }
            return Err(Error::io(format!("cannot write {}", tmp.display()), e));
        }
        written.push(tmp);
    }
    for ((name, _), tmp) in files.iter().zip(&written) {
        let dest = dir.join(name);
        fs::rename(tmp, &dest)
            .map_err(|e| Error::io(format!("cannot write {}", dest.display()), e))?;
    }
    Ok(())
}
