//! Outputs of a run: `summary.json`, `summary.csv`, the calendar tables
//! (`capital_by_day.csv`, `capital_by_week.csv`), the charts under `plots/`, `report.html` and
//! the terminal table.
//!
//! [`Summary`] is the one structure every format is written from. It holds nothing that varies
//! between runs of the same inputs (no wall-clock time, no thread count), so every file is
//! byte-identical for the same scenario, overrides and seed. Every file is rendered in memory
//! first, then written under a temporary name and renamed into place, so a failed run never
//! leaves half-written outputs.

mod applies;
mod capital;
mod cash;
mod charted;
mod csv;
mod hits;
pub(crate) mod html;
mod json;
pub(crate) mod plot;
mod recommend;
mod risk_html;
mod sku;
pub(crate) mod table;
pub mod whatif;

use std::fs;
use std::path::{Path, PathBuf};

use crate::calendar::Calendar;
use crate::error::{Error, Result};
use crate::experiment::Outcome;
use crate::scenario::{Objective, Scenario};
use crate::score::{self, Ranking};
use crate::stats::CandidateStats;
use crate::stats::daily::{DayStats, WeekStats};
use crate::stats::sku::SkuTable;

pub use recommend::recommend;
pub use table::render_table_for;

/// A metric's unit with the scenario's currency code for `currency`: "USD/day".
pub fn unit_in(unit: &str, currency: &str) -> String {
    unit.replace("currency", currency)
}

/// Whether a metric's values are money (rounded to cents in CSV files).
pub fn is_money(unit: &str) -> bool {
    unit.starts_with("currency")
}

/// A value of a metric with unit `unit` in a CSV cell: money to the cent, other quantities
/// as computed.
pub(crate) fn csv_cell(unit: &str, v: f64) -> String {
    if is_money(unit) {
        capital::money(v)
    } else {
        v.to_string()
    }
}

/// `summary.json`'s text for a summary.
pub fn render_json(s: &Summary) -> String {
    json::render(s)
}

/// Everything a run reports.
#[derive(Debug, Clone)]
pub struct Summary {
    pub(crate) scenario_name: String,
    /// File name of the scenario (not its full path, which depends on where it was run from).
    pub(crate) scenario_file: String,
    pub(crate) overrides: Vec<String>,
    pub(crate) seed: u64,
    pub(crate) replications: u32,
    pub(crate) version: &'static str,
    pub(crate) start_date: String,
    pub(crate) horizon_days: u32,
    pub(crate) warmup_days: u32,
    /// Each candidate's name and statistics, in scenario order.
    pub candidates: Vec<(String, CandidateStats)>,
    /// Each candidate's parameter values (`None`: switched off), in candidate order.
    pub(crate) params: Vec<Vec<(String, Option<f64>)>>,
    pub(crate) objective: Objective,
    /// Category ids, in scenario order.
    pub categories: Vec<String>,
    /// Verdicts over every SKU.
    pub ranking: Ranking,
    /// Verdicts per category, in category order.
    pub category_rankings: Vec<Ranking>,
    pub(crate) calendar: Calendar,
    /// Per candidate (in candidate order), every simulated day, warm-up included.
    pub(crate) days: Vec<Vec<DayStats>>,
    /// Per candidate, the measured days by ISO week.
    pub(crate) weeks: Vec<Vec<WeekStats>>,
    /// Per candidate, the cash curve: every simulated day, and the measured days by ISO week.
    pub(crate) cash_days: Vec<Vec<crate::stats::cash::CashDayStats>>,
    pub(crate) cash_weeks: Vec<Vec<crate::stats::cash::CashWeekStats>>,
    /// ISO 4217 code of every money amount (`currency`).
    pub(crate) currency: String,
    /// `[days]` from a sale to its payout (`payout_lag_days`).
    pub(crate) payout_lag_days: u32,
    /// The SKU whose on-hand units are charted.
    pub(crate) chart_sku: String,
    /// Days on which the chart SKU features in a live stream.
    pub(crate) chart_stream_days: Vec<u32>,
    /// Day ranges (inclusive) in which some SKU's seasonal multiplier exceeds 1, with the
    /// largest such multiplier: the peak seasons the charts shade.
    pub(crate) peak_windows: Vec<(u32, u32, f64)>,
    /// Day ranges (inclusive) in which supply is disrupted — lane freight peaks, supplier
    /// closures, scripted port disruptions — which the charts shade beside the peak seasons.
    pub(crate) supply_windows: Vec<(u32, u32)>,
    /// What-if variants run on the same futures (`None`: the run had none).
    pub(crate) whatif: Option<whatif::WhatIf>,
    /// What each disruption hit: the base's world, then each variant's (`hits`).
    pub(crate) hits: Vec<crate::hits::WorldHits>,
    /// The stockout-risk register, for runs from a state or with `--risk`.
    pub(crate) risk: Option<crate::risk::Register>,
    /// Per candidate × SKU results (`sku_summary.csv`).
    pub(crate) skus: SkuTable,
    /// SKU ids and their category ids (empty without one), in scenario order.
    pub(crate) sku_ids: Vec<String>,
    pub(crate) sku_categories: Vec<String>,
    /// Per metric (`Metric as usize`): whether it can apply to the scenario; those that
    /// cannot are left out of the terminal and the report (the files keep them).
    pub(crate) applies: Vec<bool>,
    /// Per candidate: whether its policy is the layered one (whose triggers are reported).
    pub(crate) layered: Vec<bool>,
    /// The per-category picks simulated as one policy (`combined::attach`).
    pub(crate) combined: Option<crate::combined::Combined>,
    /// `recommended.yaml`'s text, when there is a policy to recommend.
    pub(crate) recommended_yaml: Option<String>,
    /// The "Tuning" section of `report.html` (`restock tune`).
    pub(crate) tuning_html: Option<String>,
}

impl Summary {
    /// The summary of a run's outcome: statistics, verdicts, calendar series and registers.
    pub fn new(scenario: &Scenario, mut outcome: Outcome) -> Self {
        let risk = (!outcome.risk.is_empty()).then(|| {
            let model = crate::engine::Model::new(scenario);
            crate::risk::Register::new(scenario, &model, std::mem::take(&mut outcome.risk))
        });
        let stats = &outcome.stats;
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
        let cal = &scenario.calendar;
        let chart = scenario.report.chart_sku;
        let mut chart_stream_days: Vec<u32> = scenario
            .streams
            .streams
            .iter()
            .filter(|s| s.featured.iter().any(|&(k, _)| k == chart))
            .map(|s| s.day())
            .collect();
        chart_stream_days.sort_unstable();
        chart_stream_days.dedup();
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
            start_date: cal.start.to_string(),
            horizon_days: cal.horizon_days,
            warmup_days: cal.warmup_days,
            candidates: scenario
                .policies
                .iter()
                .map(|p| p.name.clone())
                .zip(outcome.stats)
                .collect(),
            params: scenario.policies.iter().map(|p| p.params.clone()).collect(),
            objective,
            categories: scenario.categories.iter().map(|c| c.id.clone()).collect(),
            ranking,
            category_rankings,
            days: outcome.daily.iter().map(|d| d.days()).collect(),
            weeks: outcome.daily.iter().map(|d| d.weeks(cal)).collect(),
            cash_days: outcome.daily.iter().map(|d| d.cash().days()).collect(),
            cash_weeks: outcome.daily.iter().map(|d| d.cash().weeks(cal)).collect(),
            currency: scenario.currency.clone(),
            payout_lag_days: scenario.payout_lag_days,
            calendar: cal.clone(),
            chart_sku: scenario.skus[chart].id.clone(),
            chart_stream_days,
            peak_windows: peak_windows(scenario),
            supply_windows: supply_windows(scenario),
            whatif: None,
            hits: vec![outcome.hits],
            risk,
            skus: outcome.skus,
            applies: applies::applicable(scenario),
            layered: scenario
                .policies
                .iter()
                .map(|p| matches!(p.rule, crate::scenario::PolicyRule::Layered(_)))
                .collect(),
            sku_ids: scenario.skus.iter().map(|k| k.id.clone()).collect(),
            sku_categories: scenario
                .skus
                .iter()
                .map(|k| {
                    k.category
                        .map(|c| scenario.categories[c].id.clone())
                        .unwrap_or_default()
                })
                .collect(),
            combined: None,
            recommended_yaml: None,
            tuning_html: None,
        }
    }

    /// Adds the variants run beside the base (`whatif::run`); none adds nothing.
    pub fn with_variants(
        mut self,
        variants: Vec<crate::whatif::VariantStats>,
        hits: Vec<crate::whatif::WorldHits>,
    ) -> Self {
        self.hits.extend(hits);
        if !variants.is_empty() {
            let base: Vec<CandidateStats> =
                self.candidates.iter().map(|(_, c)| c.clone()).collect();
            self.whatif = Some(whatif::WhatIf::new(&self.objective, &base, variants));
        }
        self
    }
}

/// Freight peaks, supplier holidays and scripted disruptions, clipped to the horizon.
fn supply_windows(sc: &Scenario) -> Vec<(u32, u32)> {
    let h = i64::from(sc.calendar.horizon_days);
    let peaks = sc
        .lanes
        .iter()
        .flat_map(|l| l.peaks.iter().map(|p| (p.from_day, p.to_day)));
    let holidays = sc
        .suppliers
        .iter()
        .flat_map(|s| s.holidays.iter().map(|x| (x.from_day, x.to_day)));
    let scripted = sc
        .disruptions
        .scripted
        .iter()
        .map(|d| (d.from_day, d.from_day + i64::from(d.days) - 1));
    peaks
        .chain(holidays)
        .chain(scripted)
        .filter(|&(a, b)| b >= a && b >= 0 && a < h)
        .map(|(a, b)| (a.max(0) as u32, b.min(h - 1) as u32))
        .collect()
}

/// Maximal runs of days on which some SKU's season multipliers multiply to more than 1.
fn peak_windows(sc: &Scenario) -> Vec<(u32, u32, f64)> {
    let mut out: Vec<(u32, u32, f64)> = Vec::new();
    let mut open: Option<(u32, f64)> = None;
    for day in 0..sc.calendar.horizon_days {
        let m = sc
            .skus
            .iter()
            .map(|s| {
                s.demand
                    .seasons
                    .iter()
                    .filter(|w| (w.from_day..=w.to_day).contains(&day))
                    .map(|w| w.multiplier)
                    .product::<f64>()
            })
            .fold(1.0f64, f64::max);
        match (open, m > 1.0) {
            (None, true) => open = Some((day, m)),
            (Some((from, top)), true) => open = Some((from, top.max(m))),
            (Some((from, top)), false) => {
                out.push((from, day - 1, top));
                open = None;
            }
            (None, false) => {}
        }
    }
    if let Some((from, top)) = open {
        out.push((from, sc.calendar.horizon_days - 1, top));
    }
    out
}

/// The files a run writes, relative to the output folder.
pub const PLOTS_DIR: &str = "plots";

/// Renders every output in memory: (path relative to the output folder, bytes).
pub fn render_outputs(summary: &Summary) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    let plots = plot::render_all(summary)?;
    let html = html::render(summary, &plots);
    let mut files: Vec<(PathBuf, Vec<u8>)> = vec![
        ("summary.json".into(), json::render(summary).into_bytes()),
        ("summary.csv".into(), csv::render(summary)?.into_bytes()),
        (
            "sku_summary.csv".into(),
            sku::render_csv(summary)?.into_bytes(),
        ),
        (
            "capital_by_day.csv".into(),
            capital::render_days(summary)?.into_bytes(),
        ),
        (
            "capital_by_week.csv".into(),
            capital::render_weeks(summary)?.into_bytes(),
        ),
        (
            "cash_by_day.csv".into(),
            cash::render_days(summary)?.into_bytes(),
        ),
        (
            "cash_by_week.csv".into(),
            cash::render_weeks(summary)?.into_bytes(),
        ),
        ("report.html".into(), html.into_bytes()),
    ];
    if let Some(w) = &summary.whatif {
        files.push((
            "variants.csv".into(),
            whatif::render_csv(summary, w)?.into_bytes(),
        ));
        files.push((
            Path::new(PLOTS_DIR).join("whatif_differences.svg"),
            whatif::chart_svg(summary, w).into_bytes(),
        ));
    }
    if let Some(r) = &summary.risk {
        files.push(("risk.csv".into(), r.risk_csv().into_bytes()));
        files.push(("stream_risk.csv".into(), r.stream_risk_csv().into_bytes()));
        files.push((
            "first_stockout.csv".into(),
            r.first_stockout_csv().into_bytes(),
        ));
    }
    if let Some(yaml) = &summary.recommended_yaml {
        files.push((
            crate::combined::RECOMMENDED_FILE.into(),
            yaml.clone().into_bytes(),
        ));
    }
    for p in plots {
        files.push((
            Path::new(PLOTS_DIR).join(format!("{}.svg", p.name)),
            p.svg.into_bytes(),
        ));
        files.push((Path::new(PLOTS_DIR).join(format!("{}.png", p.name)), p.png));
    }
    Ok(files)
}

/// Writes every output file into `dir`, creating it if needed. Returns the paths written.
/// Checks, before a long simulation, that `dir` can be created and written to, so that a
/// mistyped `--out` fails at once instead of after the run. It creates the folder (empty) and
/// removes its probe file again.
pub fn check_out_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("cannot create output folder {}", dir.display()), e))?;
    let probe = dir.join(".restock-write-probe.tmp");
    fs::write(&probe, b"").map_err(|e| {
        Error::io(
            format!("cannot write to output folder {}", dir.display()),
            e,
        )
    })?;
    let _ = fs::remove_file(&probe);
    Ok(())
}

/// Writes every output file (summary.json, the CSV files, plots, report.html) into `dir`, each
/// under a temporary name renamed into place, and returns their paths.
pub fn write_outputs(dir: &Path, summary: &Summary) -> Result<Vec<PathBuf>> {
    write_files(dir, render_outputs(summary)?)
}

/// Writes rendered files into `dir`, each under a temporary name first, then renamed: a
/// failure leaves none of them half-written.
pub fn write_files(dir: &Path, files: Vec<(PathBuf, Vec<u8>)>) -> Result<Vec<PathBuf>> {
    for sub in [dir.to_path_buf(), dir.join(PLOTS_DIR)] {
        fs::create_dir_all(&sub)
            .map_err(|e| Error::io(format!("cannot create output folder {}", sub.display()), e))?;
    }
    let tmp_of = |rel: &Path| {
        let name = rel
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        dir.join(rel).with_file_name(format!(".{name}.tmp"))
    };
    let mut written = Vec::new();
    for (rel, content) in &files {
        let tmp = tmp_of(rel);
        if let Err(e) = fs::write(&tmp, content) {
            let _ = fs::remove_file(&tmp);
            for t in written {
                let _ = fs::remove_file(t);
            }
            return Err(Error::io(format!("cannot write {}", tmp.display()), e));
        }
        written.push(tmp);
    }
    let mut out = Vec::new();
    for ((rel, _), tmp) in files.iter().zip(&written) {
        let dest = dir.join(rel);
        fs::rename(tmp, &dest)
            .map_err(|e| Error::io(format!("cannot write {}", dest.display()), e))?;
        out.push(dest);
    }
    Ok(out)
}
