//! The shop's history as `fit` reads it: the sales export, the stream calendar, the product
//! master and past shipments, parsed and cross-checked into day-indexed arrays.
//!
//! Sales rows for the same date and SKU are summed and a day without a row is a day with zero
//! sales; flags of the day (`stocked_out`, `stream`) are set if any of its rows sets them.
//! Every problem is an [`InputError`] at its cell, found before anything is fitted.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::civil::Date;

use super::table::Table;
use crate::error::InputError;
use crate::scenario::catalog;

pub const SALES_REQUIRED: [&str; 3] = ["date", "sku", "units"];
pub const SALES_OPTIONAL: [&str; 2] = ["stocked_out", "stream"];
pub const STREAMS_REQUIRED: [&str; 5] = ["date", "start", "hours", "sku", "forecast_units"];
pub const PRODUCTS_REQUIRED: [&str; 8] = [
    "sku",
    "category",
    "unit_cost",
    "price",
    "weight_kg",
    "volume_m3",
    "supplier",
    "initial_on_hand",
];
pub const SHIPMENTS_REQUIRED: [&str; 5] = ["po", "lane", "ordered", "quoted_eta", "arrived"];
pub const SHIPMENTS_OPTIONAL: [&str; 2] = ["sku", "units"];

/// What to do with negative units (returns) in the sales export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Returns {
    /// A negative quantity is an error: it is not a sale, and netting it would hide demand.
    #[default]
    Error,
    /// Rows with negative units are skipped.
    Ignore,
}

/// Daily history of every SKU over one date range.
#[derive(Debug, Clone)]
pub struct History {
    /// Date of day 0.
    pub start: Date,
    /// Number of days, `start` included.
    pub days: usize,
    /// One per SKU, sorted by id.
    pub skus: Vec<SkuHistory>,
}

#[derive(Debug, Clone)]
pub struct SkuHistory {
    pub id: String,
    /// First day observed (the product's launch, when later than the history's start).
    pub first_day: usize,
    /// `[units]` sold per day.
    pub units: Vec<u32>,
    /// The shelf was empty at some point of the day: `units` is a lower bound of demand.
    pub stocked_out: Vec<bool>,
    /// The SKU was featured in a live stream that day.
    pub stream: Vec<bool>,
    /// `[units]` the planner forecast for the day's streams (0: none known).
    pub forecast: Vec<f64>,
}

impl History {
    /// Builds a history from per-day arrays (used by tests and benches; the CLI reads CSVs).
    pub fn new(start: Date, skus: Vec<SkuHistory>) -> History {
        let days = skus.first().map_or(0, |s| s.units.len());
        let mut skus = skus;
        skus.sort_by(|a, b| a.id.cmp(&b.id));
        History { start, days, skus }
    }

    /// The date of day index `day`.
    pub fn date(&self, day: usize) -> Date {
        self.start
            .checked_add(jiff::Span::new().days(day as i64))
            .unwrap_or(self.start)
    }

    /// The index of SKU `id`, if the history has it.
    pub fn index(&self, id: &str) -> Option<usize> {
        self.skus.binary_search_by(|s| s.id.as_str().cmp(id)).ok()
    }
}

impl SkuHistory {
    pub fn empty(id: &str, days: usize) -> SkuHistory {
        SkuHistory {
            id: id.to_string(),
            first_day: 0,
            units: vec![0; days],
            stocked_out: vec![false; days],
            stream: vec![false; days],
            forecast: vec![0.0; days],
        }
    }
}

/// One product of the product master, cells kept as text to be written back unchanged.
#[derive(Debug, Clone)]
pub struct Product {
    pub sku: String,
    pub category: String,
    pub launch: Option<Date>,
    /// (column, text) of every catalog column the row fills, in file order.
    pub cells: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct Products {
    /// Catalog columns of the file, in file order (`launch_date` left out).
    pub columns: Vec<String>,
    /// Sorted by SKU id.
    pub rows: Vec<Product>,
}

impl Products {
    pub fn get(&self, sku: &str) -> Option<&Product> {
        self.rows
            .binary_search_by(|p| p.sku.as_str().cmp(sku))
            .ok()
            .map(|i| &self.rows[i])
    }
}

/// One past shipment.
#[derive(Debug, Clone)]
pub struct PastShipment {
    pub lane: String,
    pub ordered: Date,
    pub quoted_eta: Date,
    pub arrived: Date,
}

/// One sales row, parsed.
struct SaleRow {
    date: Date,
    sku: String,
    units: u32,
    stocked_out: bool,
    stream: bool,
}

/// The range and the first location of each SKU in the sales file.
pub struct SalesRead {
    pub history: History,
    /// (line, column) of the first `sku` cell naming each SKU, for cross-file errors.
    pub first_seen: BTreeMap<String, (u32, u32)>,
}

/// Reads the sales export over [`from`, `to`] (default: its first and last dates).
pub fn read_sales(
    file: &Path,
    from: Option<Date>,
    to: Option<Date>,
    returns: Returns,
) -> Result<SalesRead, InputError> {
    let t = Table::read(file, "sales history", &SALES_REQUIRED, &SALES_OPTIONAL)?;
    let col = |n: &str| t.column(n);
    let (c_date, c_sku, c_units) = (col("date"), col("sku"), col("units"));
    let (c_date, c_sku, c_units) = match (c_date, c_sku, c_units) {
        (Some(a), Some(b), Some(c)) => (a, b, c),
        _ => unreachable!("required columns checked by Table::read"),
    };
    let (c_out, c_stream) = (col("stocked_out"), col("stream"));
    let mut rows = Vec::with_capacity(t.rows.len());
    let mut first_seen: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for row in &t.rows {
        let date = t.cell(row, c_date).date()?;
        let sku_cell = t.cell(row, c_sku);
        if sku_cell.text.is_empty() {
            return Err(sku_cell.error("empty SKU id"));
        }
        let units_cell = t.cell(row, c_units);
        let units = units_cell.integer()?;
        let stocked_out = match c_out {
            Some(c) => t.cell(row, c).flag()?,
            None => false,
        };
        let stream = match c_stream {
            Some(c) => t.cell(row, c).flag()?,
            None => false,
        };
        if units < 0 && returns == Returns::Error {
            return Err(units_cell.error(format!(
                "negative units ({units}): returns are not sales; remove the row or pass \
                 `--returns ignore`"
            )));
        }
        if units > i64::from(u32::MAX) {
            return Err(units_cell.error(format!("{units} units in one row is not plausible")));
        }
        first_seen
            .entry(sku_cell.text.to_string())
            .or_insert((sku_cell.line, sku_cell.column));
        rows.push(SaleRow {
            date,
            sku: sku_cell.text.to_string(),
            units: units.max(0) as u32,
            stocked_out,
            stream,
        });
    }
    let Some(first) = rows.iter().map(|r| r.date).min() else {
        return Err(InputError::new("the sales history has a header but no rows").in_file(file));
    };
    let last = rows.iter().map(|r| r.date).max().unwrap_or(first);
    let start = from.unwrap_or(first);
    let end = to.unwrap_or(last);
    if end < start {
        return Err(InputError::new(format!(
            "the history's range is empty: from {start} to {end}"
        ))
        .in_file(file));
    }
    let days = (start.until(end).map_or(0, |s| s.get_days()) + 1) as usize;
    let mut skus: BTreeMap<String, SkuHistory> = BTreeMap::new();
    for r in rows {
        if r.date < start || r.date > end {
            continue;
        }
        let d = start.until(r.date).map_or(0, |s| s.get_days()) as usize;
        let h = skus
            .entry(r.sku.clone())
            .or_insert_with(|| SkuHistory::empty(&r.sku, days));
        h.units[d] = h.units[d].saturating_add(r.units);
        h.stocked_out[d] |= r.stocked_out;
        h.stream[d] |= r.stream;
    }
    if skus.is_empty() {
        return Err(InputError::new(format!(
            "the sales history has no row between {start} and {end}"
        ))
        .in_file(file));
    }
    Ok(SalesRead {
        history: History {
            start,
            days,
            skus: skus.into_values().collect(),
        },
        first_seen,
    })
}

/// Marks stream days and their forecasts from a stream calendar. A SKU the sales history does
/// not know is an error at its cell; streams outside the history's range are skipped.
pub fn read_streams(file: &Path, history: &mut History) -> Result<usize, InputError> {
    let t = Table::read(file, "stream calendar", &STREAMS_REQUIRED, &[])?;
    let c = |n: &str| t.column(n).expect("required column");
    let (c_date, c_start, c_hours, c_sku, c_fc) = (
        c("date"),
        c("start"),
        c("hours"),
        c("sku"),
        c("forecast_units"),
    );
    let mut used = 0;
    for row in &t.rows {
        let date = t.cell(row, c_date).date()?;
        let start = t.cell(row, c_start);
        if start.text.parse::<jiff::civil::Time>().is_err() {
            return Err(start.error(format!("`{}` is not a time (HH:MM)", start.text)));
        }
        let hours = t.cell(row, c_hours);
        let h = hours.number()?;
        if h <= 0.0 || h > 24.0 {
            return Err(hours.error(format!("must be > 0 and at most 24, found {h}")));
        }
        let fc = t.cell(row, c_fc);
        let forecast = fc.number()?;
        if forecast < 0.0 {
            return Err(fc.error(format!("must be ≥ 0, found {forecast}")));
        }
        let sku = t.cell(row, c_sku);
        let Some(i) = history.index(sku.text) else {
            return Err(sku.error(format!(
                "SKU `{}` has no row in the sales history",
                sku.text
            )));
        };
        if date < history.start {
            continue;
        }
        let d = history.start.until(date).map_or(0, |s| s.get_days()) as usize;
        if d >= history.days {
            continue;
        }
        let h = &mut history.skus[i];
        h.stream[d] = true;
        h.forecast[d] += forecast;
        used += 1;
    }
    Ok(used)
}

/// Columns a product master may have besides the required ones: any catalog column (fitted
/// ones are replaced by the fit) and `launch_date`.
pub fn products_optional() -> Vec<&'static str> {
    let mut v: Vec<&str> = catalog::OPTIONAL.to_vec();
    v.push("mean_per_day");
    v.push("launch_date");
    v
}

pub fn read_products(file: &Path) -> Result<Products, InputError> {
    let optional = products_optional();
    let t = Table::read(file, "product master", &PRODUCTS_REQUIRED, &optional)?;
    let c_sku = t.column("sku").expect("required");
    let c_cat = t.column("category").expect("required");
    let c_launch = t.column("launch_date");
    let mut rows: Vec<(Product, (u32, u32))> = Vec::with_capacity(t.rows.len());
    for row in &t.rows {
        let sku = t.cell(row, c_sku);
        if sku.text.is_empty() {
            return Err(sku.error("empty SKU id"));
        }
        let cat = t.cell(row, c_cat);
        if cat.text.is_empty() {
            return Err(cat.error("empty cell in a required column"));
        }
        let launch = match c_launch {
            Some(c) if !t.cell(row, c).text.is_empty() => Some(t.cell(row, c).date()?),
            _ => None,
        };
        let cells = t
            .columns
            .iter()
            .enumerate()
            .filter(|(_, n)| n.as_str() != "launch_date")
            .map(|(i, n)| (n.clone(), row.cells[i].0.clone()))
            .collect();
        rows.push((
            Product {
                sku: sku.text.to_string(),
                category: cat.text.to_string(),
                launch,
                cells,
            },
            (sku.line, sku.column),
        ));
    }
    if rows.is_empty() {
        return Err(InputError::new("the product master has a header but no rows").in_file(file));
    }
    rows.sort_by(|a, b| a.0.sku.cmp(&b.0.sku));
    for w in rows.windows(2) {
        if w[0].0.sku == w[1].0.sku {
            let (l, c) = w[1].1.max(w[0].1);
            return Err(InputError::new(format!(
                "column `sku`: SKU `{}` appears twice",
                w[1].0.sku
            ))
            .in_file(file)
            .at_line(Some(l), Some(c)));
        }
    }
    Ok(Products {
        columns: t
            .columns
            .iter()
            .filter(|n| n.as_str() != "launch_date")
            .cloned()
            .collect(),
        rows: rows.into_iter().map(|(p, _)| p).collect(),
    })
}

pub fn read_shipments(file: &Path) -> Result<Vec<PastShipment>, InputError> {
    let t = Table::read(
        file,
        "shipment history",
        &SHIPMENTS_REQUIRED,
        &SHIPMENTS_OPTIONAL,
    )?;
    let c = |n: &str| t.column(n).expect("required column");
    let (c_lane, c_ord, c_eta, c_arr) = (c("lane"), c("ordered"), c("quoted_eta"), c("arrived"));
    let c_units = t.column("units");
    let mut out = Vec::with_capacity(t.rows.len());
    for row in &t.rows {
        let lane = t.cell(row, c_lane);
        if lane.text.is_empty() {
            return Err(lane.error("empty lane id"));
        }
        let ordered = t.cell(row, c_ord).date()?;
        let quoted_eta = t.cell(row, c_eta).date()?;
        let arrived_cell = t.cell(row, c_arr);
        let arrived = arrived_cell.date()?;
        if arrived < ordered {
            return Err(arrived_cell.error(format!(
                "arrived {arrived}, before its order date {ordered}"
            )));
        }
        if let Some(cu) = c_units {
            let u = t.cell(row, cu);
            if !u.text.is_empty() && u.integer()? < 0 {
                return Err(u.error("must be ≥ 0"));
            }
        }
        out.push(PastShipment {
            lane: lane.text.to_string(),
            ordered,
            quoted_eta,
            arrived,
        });
    }
    if out.is_empty() {
        return Err(InputError::new("the shipment history has a header but no rows").in_file(file));
    }
    Ok(out)
}

/// Days from `a` to `b` (negative when `b` is earlier).
pub fn days_between(a: Date, b: Date) -> i64 {
    a.until(b).map_or(0, |s| i64::from(s.get_days()))
}
