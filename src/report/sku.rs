//! Per-SKU results: `sku_summary.csv` (one row per candidate × SKU, means over replications)
//! and the "SKUs at risk" rows the terminal and `report.html` show — for the recommended
//! candidate and the baseline (the first candidate), the SKUs losing the most margin.

use super::Summary;
use crate::error::{Error, Result};
use crate::stats::sku::SkuField;

/// The columns of `sku_summary.csv`, in order (part of the output contract).
pub const COLUMNS: [&str; 13] = [
    "candidate",
    "sku",
    "category",
    "fill_rate",
    "fill_rate_in_stream",
    "stockout_days",
    "lost_units",
    "avg_on_hand_units",
    "days_of_cover",
    "capital_tied_avg",
    "capital_tied_peak_p95",
    "orders_per_day",
    "air_units_share",
];

/// Rows of "SKUs at risk" shown per candidate at most.
pub const AT_RISK_ROWS: usize = 20;

/// `sku_summary.csv`: plain numbers, an empty cell where there is nothing to measure
/// (`fill_rate_in_stream` of a SKU never demanded in a stream, `air_units_share` of a SKU that
/// never ordered, `days_of_cover` without demand).
pub fn render_csv(s: &Summary) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::Other(format!("cannot format sku_summary.csv: {e}"));
    w.write_record(COLUMNS).map_err(fail)?;
    let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for (c, (name, _)) in s.candidates.iter().enumerate() {
        for (k, (id, cat)) in s.sku_ids.iter().zip(&s.sku_categories).enumerate() {
            let r = s.skus.get(c, k);
            w.write_record([
                name.clone(),
                id.clone(),
                cat.clone(),
                r.mean(SkuField::FillRate).to_string(),
                opt(r.fill_rate_in_stream()),
                r.mean(SkuField::StockoutDays).to_string(),
                r.mean(SkuField::LostUnits).to_string(),
                r.mean(SkuField::AvgOnHandUnits).to_string(),
                opt(r.days_of_cover()),
                super::capital::money(r.mean(SkuField::CapitalTiedAvg)),
                super::capital::money(r.capital_peak_p95),
                r.mean(SkuField::OrdersPerDay).to_string(),
                opt(r.air_units_share()),
            ])
            .map_err(fail)?;
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Other(format!("cannot format sku_summary.csv: {e}")))?;
    Ok(String::from_utf8(bytes).expect("csv of UTF-8 fields is UTF-8"))
}

/// One candidate's SKUs at risk, worst first.
#[derive(Debug, Clone, PartialEq)]
pub struct AtRisk {
    /// Candidate index.
    pub candidate: usize,
    /// `recommended`, `baseline` or `recommended and baseline`.
    pub role: &'static str,
    /// SKU indices, worst first (at most [`AT_RISK_ROWS`]).
    pub skus: Vec<usize>,
}

/// The candidates whose SKUs at risk are shown: the recommended one (the best feasible over
/// every SKU; none when nothing is feasible) and the baseline, once if they are the same.
pub fn at_risk(s: &Summary) -> Vec<AtRisk> {
    let mut out = Vec::new();
    let rows = |c: usize| s.skus.at_risk(c, AT_RISK_ROWS);
    match s.ranking.best {
        Some(0) => out.push(AtRisk {
            candidate: 0,
            role: "recommended and baseline",
            skus: rows(0),
        }),
        Some(b) => {
            out.push(AtRisk {
                candidate: b,
                role: "recommended",
                skus: rows(b),
            });
            out.push(AtRisk {
                candidate: 0,
                role: "baseline",
                skus: rows(0),
            });
        }
        None => out.push(AtRisk {
            candidate: 0,
            role: "baseline",
            skus: rows(0),
        }),
    }
    if s.candidates.len() == 1 {
        out[0].role = "the only candidate";
    }
    out
}
