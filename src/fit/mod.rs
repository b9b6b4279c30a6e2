//! `restock fit`: demand and lead-time parameters from the shop's own history.
//!
//! ```text
//! SALES.csv [+ STREAMS.csv] [+ PRODUCTS.csv] ──history::read_*──▶ History (day-indexed)
//!        demand::fit_all over the whole history ──▶ Estimate per SKU ──▶ catalog.csv
//!        demand::fit_all without the last 8 weeks ──▶ calib: held-out coverage, shift warnings
//! SHIPMENTS.csv ──lanes::fit──▶ lanes.yaml
//!                               everything ──report──▶ report.html + terminal summary
//! ```
//!
//! Sales are not demand: days whose shelf ran empty are censored observations, stream days
//! are not ordinary days, spike days are not the baseline — see `demand.rs`. Every input is
//! read and cross-checked before anything is fitted or written, and outputs are written to
//! temporary names and renamed, so a bad file leaves the output folder as it was.

pub mod calib;
pub mod demand;
pub mod export;
pub mod history;
pub mod lanes;
pub mod law;
pub mod report;
pub mod synth;
pub mod table;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use jiff::civil::Date;

use crate::error::{Error, InputError, Result};
pub use calib::{Calibration, Shift};
pub use demand::Estimate;
pub use history::{History, Products, Returns};
pub use lanes::LaneFit;

/// The files and options of one `restock fit`.
#[derive(Debug, Clone, Default)]
pub struct FitInput {
    /// The sales export (`SALES.csv`).
    pub sales: PathBuf,
    /// The past streams, if given (`STREAMS.csv`).
    pub streams: Option<PathBuf>,
    /// The product master, if given (`PRODUCTS.csv`).
    pub products: Option<PathBuf>,
    /// The past shipments, if given, to fit the lanes.
    pub shipments: Option<PathBuf>,
    /// First day of the history used (`None`: the sales file's first date).
    pub from: Option<Date>,
    /// Last day of the history used (`None`: the sales file's last date).
    pub to: Option<Date>,
    /// What to do with negative sales (returns).
    pub returns: Returns,
}

/// Everything `fit` found.
#[derive(Debug, Clone)]
pub struct Fit {
    pub(crate) history: History,
    pub(crate) products: Option<Products>,
    /// Category names (one `(all)` without a product master) and each SKU's index.
    pub categories: Vec<String>,
    pub(crate) category: Vec<usize>,
    /// Per SKU, the demand estimate the scenario gets.
    pub estimates: Vec<Estimate>,
    /// Own fits of SKUs with history (spikes, days, likelihood-ratio statistics).
    pub own: Vec<Option<demand::OwnFit>>,
    /// How often held-out weeks fell inside the fitted 90% band (`None`: too short a history).
    pub calibration: Option<Calibration>,
    /// Level shifts found in the history (persistent demand steps).
    pub shifts: Vec<Shift>,
    pub(crate) lanes: Option<Vec<LaneFit>>,
    /// Input files, for the report.
    pub input: FitInput,
}

/// The columns `fit` writes after a product's own (or after `sku` alone).
pub const FITTED: [&str; 16] = [
    "mean_per_day",
    "distribution",
    "dispersion",
    "weekday_mon",
    "weekday_tue",
    "weekday_wed",
    "weekday_thu",
    "weekday_fri",
    "weekday_sat",
    "weekday_sun",
    "stream_ratio_median",
    "stream_ratio_sigma",
    "viral_rate_per_30_days",
    "viral_magnitude_median",
    "viral_magnitude_sigma",
    "viral_half_life_days",
];

/// Reads and cross-checks every input, then fits. Input problems are [`InputError`]s.
pub fn run(input: &FitInput) -> Result<Fit> {
    let sales = history::read_sales(&input.sales, input.from, input.to, input.returns)?;
    let mut h = sales.history;
    let products = match &input.products {
        Some(p) => Some(history::read_products(p)?),
        None => None,
    };
    let mut has_history: Vec<bool>;
    if let Some(p) = &products {
        for s in &h.skus {
            if p.get(&s.id).is_none() {
                let (l, c) = sales.first_seen.get(&s.id).copied().unwrap_or((0, 0));
                return Err(InputError::new(format!(
                    "column `sku`: SKU `{}` is sold but has no row in the product master {}",
                    s.id,
                    p_path(input).display()
                ))
                .in_file(&input.sales)
                .at_line(Some(l), Some(c))
                .into());
            }
        }
        let sold: Vec<String> = h.skus.iter().map(|s| s.id.clone()).collect();
        for prod in &p.rows {
            if sold.binary_search(&prod.sku).is_err() {
                h.skus.push(history::SkuHistory::empty(&prod.sku, h.days));
            }
        }
        h.skus.sort_by(|a, b| a.id.cmp(&b.id));
        has_history = h
            .skus
            .iter()
            .map(|s| sold.binary_search(&s.id).is_ok())
            .collect();
        for s in &mut h.skus {
            if let Some(launch) = p.get(&s.id).and_then(|p| p.launch)
                && launch > h.start
            {
                s.first_day = (history::days_between(h.start, launch) as usize).min(h.days);
            }
        }
    } else {
        has_history = vec![true; h.skus.len()];
    }
    if let Some(f) = &input.streams {
        history::read_streams(f, &mut h)?;
    }
    let shipments = match &input.shipments {
        Some(f) => Some(history::read_shipments(f)?),
        None => None,
    };
    for (i, s) in h.skus.iter().enumerate() {
        if s.first_day >= h.days {
            has_history[i] = false;
        }
    }
    let (categories, category) = match &products {
        Some(p) => {
            let mut names: Vec<String> = p.rows.iter().map(|r| r.category.clone()).collect();
            names.sort();
            names.dedup();
            let idx = h
                .skus
                .iter()
                .map(|s| {
                    let c = &p.get(&s.id).expect("checked above").category;
                    names.binary_search(c).expect("collected above")
                })
                .collect();
            (names, idx)
        }
        None => (vec!["(all)".to_string()], vec![0; h.skus.len()]),
    };
    Ok(fit_history(
        h,
        products,
        categories,
        category,
        has_history,
        shipments.map(|s| lanes::fit(&s)),
        input.clone(),
    ))
}

fn p_path(input: &FitInput) -> &Path {
    input
        .products
        .as_deref()
        .unwrap_or(Path::new("PRODUCTS.csv"))
}

/// Fits a history already in memory (the CSV readers' output, or a test's).
pub fn fit_history(
    history: History,
    products: Option<Products>,
    categories: Vec<String>,
    category: Vec<usize>,
    has_history: Vec<bool>,
    lanes: Option<Vec<LaneFit>>,
    input: FitInput,
) -> Fit {
    let ncat = categories.len();
    let (own, estimates) = demand::fit_all(&history, history.days, &category, ncat, &has_history);
    let holdout = calib::HOLDOUT_WEEKS * 7;
    let (calibration, shifts) =
        if history.days >= holdout + calib::MIN_TRAIN_WEEKS * 7 && has_history.contains(&true) {
            let start = history.days - holdout;
            let (_, train) = demand::fit_all(&history, start, &category, ncat, &has_history);
            (
                Some(calib::calibrate(&history, &train, start, &category, ncat)),
                calib::shifts(&history, &train, start),
            )
        } else {
            (None, Vec::new())
        };
    Fit {
        history,
        products,
        categories,
        category,
        estimates,
        own,
        calibration,
        shifts,
        lanes,
        input,
    }
}

/// A number for a CSV cell: enough digits to round-trip what matters, none that do not.
fn num(x: f64) -> String {
    if x == 0.0 {
        return "0".to_string();
    }
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `catalog.csv`: the product master's columns (when given) and the fitted ones, one row per
/// SKU, in SKU order. Empty cells inherit the category's `sku_defaults` when loaded.
pub fn render_catalog(fit: &Fit) -> String {
    let fitted: Vec<&str> = FITTED.to_vec();
    let own_cols: Vec<String> = match &fit.products {
        Some(p) => p
            .columns
            .iter()
            .filter(|c| !fitted.contains(&c.as_str()))
            .cloned()
            .collect(),
        None => vec!["sku".to_string()],
    };
    let mut out = String::new();
    let header: Vec<&str> = own_cols
        .iter()
        .map(String::as_str)
        .chain(fitted.iter().copied())
        .collect();
    let _ = writeln!(out, "{}", header.join(","));
    for (i, s) in fit.history.skus.iter().enumerate() {
        let e = &fit.estimates[i];
        let mut cells: Vec<String> = Vec::with_capacity(header.len());
        for c in &own_cols {
            let text = match &fit.products {
                Some(p) => p
                    .get(&s.id)
                    .and_then(|p| p.cells.iter().find(|(n, _)| n == c))
                    .map_or(String::new(), |(_, t)| t.clone()),
                None => s.id.clone(),
            };
            cells.push(csv_cell(&text));
        }
        cells.push(num(e.mean));
        match e.dispersion {
            Some(k) => {
                cells.push("negative_binomial".to_string());
                cells.push(num(k));
            }
            None => {
                cells.push("poisson".to_string());
                cells.push(String::new());
            }
        }
        for w in e.weekday {
            cells.push(num(w));
        }
        match &e.ratio {
            Some(r) => {
                cells.push(num(r.median));
                cells.push(num(r.sigma));
            }
            None => cells.extend([String::new(), String::new()]),
        }
        match &e.viral {
            Some(v) => {
                cells.push(num(v.rate_per_30_days));
                cells.push(num(v.magnitude_median));
                cells.push(num(v.magnitude_sigma));
                cells.push(num(v.half_life_days));
            }
            None => cells.extend(std::iter::repeat_n(String::new(), 4)),
        }
        let _ = writeln!(out, "{}", cells.join(","));
    }
    out
}

/// The files of a fit: (name, content).
pub fn render_outputs(fit: &Fit) -> Result<Vec<(&'static str, Vec<u8>)>> {
    let mut files = vec![
        ("catalog.csv", render_catalog(fit).into_bytes()),
        ("report.html", report::render(fit)?.into_bytes()),
    ];
    if let Some(l) = &fit.lanes {
        let src = fit
            .input
            .shipments
            .as_deref()
            .map_or("shipments".to_string(), |p| p.display().to_string());
        files.push(("lanes.yaml", lanes::render_yaml(l, &src).into_bytes()));
    }
    Ok(files)
}

/// Writes the outputs into `dir` (created if missing): each to a temporary name first, then
/// renamed, so a failure leaves no half-written file behind.
pub fn write_outputs(dir: &Path, fit: &Fit) -> Result<Vec<PathBuf>> {
    let files = render_outputs(fit)?;
    write_files(dir, &files)
}

pub(crate) fn write_files(dir: &Path, files: &[(&'static str, Vec<u8>)]) -> Result<Vec<PathBuf>> {
    fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("cannot create output folder {}", dir.display()), e))?;
    let mut written = Vec::new();
    for (name, content) in files {
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
    let mut out = Vec::new();
    for ((name, _), tmp) in files.iter().zip(&written) {
        let dest = dir.join(name);
        fs::rename(tmp, &dest)
            .map_err(|e| Error::io(format!("cannot write {}", dest.display()), e))?;
        out.push(dest);
    }
    Ok(out)
}

/// The short terminal summary.
pub fn render_summary(fit: &Fit) -> String {
    let mut out = String::new();
    let h = &fit.history;
    let with = fit.estimates.iter().filter(|e| e.has_history).count();
    let nb = fit
        .estimates
        .iter()
        .filter(|e| e.dispersion.is_some())
        .count();
    let censored: usize = fit.own.iter().flatten().map(|o| o.censored).sum();
    let days: usize = fit.own.iter().flatten().map(|o| o.days).sum();
    let spikes: usize = fit.own.iter().flatten().map(|o| o.spikes.len()).sum();
    let _ = writeln!(
        out,
        "restock fit: {} SKU(s) over {} days ({} to {}), {} categor{}",
        h.skus.len(),
        h.days,
        h.start,
        h.date(h.days.saturating_sub(1)),
        fit.categories.len(),
        if fit.categories.len() == 1 {
            "y"
        } else {
            "ies"
        }
    );
    let _ = writeln!(
        out,
        "  baseline: {days} ordinary SKU-days, {censored} censored (stocked out: demand ≥ sales); \
         {nb} SKU(s) negative binomial, {} Poisson",
        fit.estimates.len() - nb
    );
    let _ = writeln!(
        out,
        "  viral spikes detected: {spikes} (left out of the baseline)"
    );
    let pooled: Vec<&str> = fit
        .estimates
        .iter()
        .zip(&h.skus)
        .filter(|(e, _)| !e.has_history)
        .map(|(_, s)| s.id.as_str())
        .collect();
    if !pooled.is_empty() {
        let shown: Vec<&str> = pooled.iter().take(10).copied().collect();
        let _ = writeln!(
            out,
            "  {} product(s) without sales history take their category's pooled estimates: {}{}",
            pooled.len(),
            shown.join(", "),
            if pooled.len() > 10 { ", …" } else { "" }
        );
    }
    let _ = with;
    match &fit.calibration {
        Some(c) => {
            let _ = writeln!(
                out,
                "  calibration: {:.1}% of {} held-out SKU-weeks (last {} weeks) inside the fitted \
                 90% band (a good fit: 90% ± {:.1})",
                100.0 * c.coverage(),
                c.weeks,
                calib::HOLDOUT_WEEKS,
                200.0 * c.coverage_se()
            );
        }
        None => {
            let _ = writeln!(
                out,
                "  calibration: history shorter than {} weeks, no weeks held out",
                calib::HOLDOUT_WEEKS + calib::MIN_TRAIN_WEEKS
            );
        }
    }
    if !fit.shifts.is_empty() {
        let _ = writeln!(
            out,
            "  warning: {} SKU(s) sold differently in the last {} weeks than the fit says \
             (> {} standard errors; trend and seasons are not fitted):",
            fit.shifts.len(),
            calib::HOLDOUT_WEEKS,
            calib::SHIFT_Z
        );
        for s in fit.shifts.iter().take(5) {
            let _ = writeln!(
                out,
                "    {}: {:.2}/day recently vs {:.2}/day fitted ({:+.1} SE)",
                h.skus[s.sku].id, s.recent, s.fitted, s.z
            );
        }
    }
    if let Some(l) = &fit.lanes {
        for f in l {
            let _ = writeln!(
                out,
                "  lane {}: {} shipments, transit median {:.1} d, p90 {:.1} d, {:.0}% late by > {} d",
                f.lane,
                f.transit.len(),
                f.median,
                f.p90,
                100.0 * f.late_share,
                lanes::LATE_DAYS
            );
        }
    }
    out
}
