//! Scenario files: from YAML text to a validated [`Scenario`] the engine can trust.
//!
//! The flow is: read the file → parse it into a [`document::Node`] tree that remembers lines →
//! apply `--set` overrides to that tree → deserialise the raw serde model ([`raw`]) with field
//! paths tracked → validate every value into the domain types below. Each step's errors name the
//! file, the field path and the line. Nothing downstream re-validates: a `Scenario` is correct
//! by construction.

pub mod catalog;
pub mod demand;
pub mod document;
mod inert;
pub(crate) use inert::cannot_act;
pub mod money;
pub mod policy;
pub mod raw;
pub mod state;
pub mod supply;
pub mod synth_state;
pub mod thresholds;
pub mod tune;
pub mod variants;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::calendar::Calendar;
use crate::dist::Dist;
use crate::error::InputError;
use document::{FieldPath, Node, Origin};
use raw::*;

pub use demand::{DailyDistribution, DemandSpec, Signals, StockoutRule, StreamCalendar, Viral};
pub use policy::{LayeredSpec, Objective, PolicyRule, PolicySpec, Thresholds};
pub use supply::{Disruptions, Lane, Mode, SkuSupply, Split, Stretch, Supplier};

/// Longest horizon accepted `[days]`: long enough for any planning question, short enough that
/// minute timestamps fit comfortably in 32 bits.
pub const MAX_HORIZON_DAYS: u32 = 20 * 366;
/// Most replications accepted in one run.
pub const MAX_REPLICATIONS: u32 = 100_000_000;
/// Largest mean daily demand accepted `[units/day]`; the Poisson table sampler is sized by it.
pub const MAX_MEAN_PER_DAY: f64 = 1.0e6;

/// A validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The scenario's name.
    pub name: String,
    /// The file it came from, as the user named it.
    pub file: PathBuf,
    /// `--set` overrides applied, in order, as `path=value`.
    pub overrides: Vec<String>,
    /// Start date, horizon and warm-up.
    pub calendar: Calendar,
    /// Replications to simulate.
    pub replications: u32,
    /// Seed of every random stream.
    pub seed: u64,
    /// Product categories, in file order.
    pub categories: Vec<Category>,
    /// The SKUs, in file order.
    pub skus: Vec<Sku>,
    /// Scheduled and recurring live streams.
    pub streams: StreamCalendar,
    /// Freight lanes (sea, air, …), in file order.
    pub lanes: Vec<Lane>,
    /// Suppliers, in file order.
    pub suppliers: Vec<Supplier>,
    /// Customs, congestion, scripted closures and short deliveries.
    pub disruptions: Disruptions,
    /// The candidate policies, in file order (sweeps expanded).
    pub policies: Vec<PolicySpec>,
    /// What the reports show.
    pub report: ReportSpec,
    /// The score, the constraints and the indifference that rank candidates.
    pub objective: Objective,
    /// What-if variants (`variants:`), each a whole validated scenario (with no variants of
    /// its own), in file order.
    pub variants: Vec<Variant>,
    /// The shop on `start_date` (stock, open purchase orders), when the scenario has `state:`.
    pub state: state::State,
    /// What `restock tune` searches (the `tune:` block).
    pub tune: Option<tune::TuneSpec>,
    /// What validation accepted but the user should hear about (a dated item outside a
    /// shortened horizon, which does not apply), as `file:line: message`.
    pub warnings: Vec<String>,
    /// `[days]` from a sale to the marketplace's payout of its net proceeds.
    pub payout_lag_days: u32,
    /// ISO 4217 code of every money amount (`currency`, default `USD`).
    pub currency: String,
    /// What keys each SKU's and stream entry's random streams (identity unless the scenario
    /// is a part of another, see `rng::Keys`).
    pub rng_keys: crate::rng::Keys,
}

/// A what-if variant: the base scenario with its `set` and `scale` applied.
#[derive(Debug, Clone)]
pub struct Variant {
    pub name: String,
    pub scenario: Scenario,
}

/// What the report charts.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSpec {
    /// SKU whose daily on-hand units are charted (index into `Scenario::skus`): `report.plot_sku`
    /// or `--plot-sku`, else the first SKU (in file order) featured in a stream, else the first.
    pub chart_sku: usize,
}

impl Scenario {
    /// Charts SKU `id` instead (the `--plot-sku` option).
    pub fn set_chart_sku(&mut self, id: &str) -> Result<(), InputError> {
        match self.skus.iter().position(|s| s.id == id.trim()) {
            Some(i) => {
                self.report.chart_sku = i;
                Ok(())
            }
            None => Err(InputError::new(format!(
                "--plot-sku {id}: unknown SKU `{id}`; SKUs defined: {}",
                known_skus(&self.skus)
            ))),
        }
    }
}

fn known_skus(skus: &[Sku]) -> String {
    skus.iter()
        .map(|s| format!("`{}`", s.id))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Debug, Clone)]
pub struct Category {
    pub id: String,
}

#[derive(Debug, Clone)]
pub struct Sku {
    pub id: String,
    /// Index into `Scenario::categories`.
    pub category: Option<usize>,
    /// `[currency/unit]`
    pub unit_cost: f64,
    /// `[currency/unit]`
    pub price: f64,
    /// `[units]`
    pub initial_on_hand: u32,
    pub demand: DemandSpec,
    pub stockout: StockoutRule,
    pub stockout_in_stream: StockoutRule,
    pub costs: SkuCosts,
    /// `[kg/unit]`
    pub weight_kg: f64,
    /// `[m³/unit]`
    pub volume_m3: f64,
    pub supply: SkuSupply,
    /// `[fraction of the customs value]` import duty, paid when a shipment clears customs.
    pub duty_rate: f64,
    /// `[currency/unit]` declared value; `None`: `unit_cost` × (1 + the supplier's premium).
    pub customs_value: Option<f64>,
    /// `[fraction of the price]` the platform's fee on every sale.
    pub commission: f64,
}

#[derive(Debug, Clone)]
pub struct SkuCosts {
    /// `[currency/unit/day]` on end-of-day on-hand units.
    pub holding_per_unit_day: f64,
    /// `[currency/unit/day]` on end-of-day backordered units.
    pub backorder_per_unit_day: f64,
    /// `[currency/order]`
    pub fixed_order_cost: f64,
}

/// Reads, overrides and validates a scenario file.
pub fn load(path: &Path, overrides: &[String]) -> Result<Scenario, InputError> {
    let text = std::fs::read(path).map_err(|e| {
        InputError::new(format!("cannot read the scenario file: {e}")).in_file(path)
    })?;
    let text = String::from_utf8(text)
        .map_err(|_| InputError::new("the file is not UTF-8 text").in_file(path))?;
    from_text(&text, path, overrides)
}

/// Validates scenario text; `path` labels errors and is recorded in outputs.
pub fn from_text(text: &str, path: &Path, overrides: &[String]) -> Result<Scenario, InputError> {
    let mut doc = Node::parse(text, Some(path))?;
    for o in overrides {
        apply_override(&mut doc, o)?;
    }
    let variants_node = variants::take(&mut doc);
    let raw_variants = match &variants_node {
        Some(node) => variants::parse(node, path)?,
        None => Vec::new(),
    };
    let mut base = from_document(doc.clone(), path, overrides, None)?;
    for v in &raw_variants {
        let mut vdoc = doc.clone();
        variants::apply_set(&mut vdoc, v).map_err(|e| e.in_file(path).at_path(v.at.to_string()))?;
        let scenario = from_document(vdoc, path, overrides, Some(v)).map_err(|e| {
            if e.message.starts_with("variant `") {
                // A scale entry: point at its line in `variants:`.
                return match (&variants_node, &e.path) {
                    (Some(node), Some(p)) if e.line.is_none() => match FieldPath::parse(p) {
                        Ok(at) => variants::locate(
                            node,
                            &FieldPath::root().key("variants"),
                            &at,
                            InputError::new(e.message.clone()),
                            path,
                        ),
                        Err(_) => e,
                    },
                    _ => e,
                };
            }
            InputError {
                message: format!(
                    "variant `{}`: {}",
                    v.name,
                    e.message
                        .replace("(value set with --set)", "(value set by the variant)")
                ),
                ..e
            }
        })?;
        base.variants.push(Variant {
            name: v.name.clone(),
            scenario,
        });
    }
    Ok(base)
}

/// Builds a scenario from its document (overrides applied, `variants:` taken out); a
/// variant's scales are applied to the resolved SKUs.
fn from_document(
    mut doc: Node,
    path: &Path,
    overrides: &[String],
    variant: Option<&variants::RawVariant>,
) -> Result<Scenario, InputError> {
    // Catalog rows become SKU nodes before categories are merged in, so they inherit exactly
    // like SKUs written in YAML (and `--set catalog=…` can swap the export).
    catalog::expand(&mut doc, path)?;
    state::expand_calendar(&mut doc, path)?;
    let ctx = Ctx {
        doc: &doc,
        file: path,
        warnings: Default::default(),
        lanes: Default::default(),
    };
    let mut merged = doc.clone();
    merged
        .apply_category_defaults()
        .map_err(|(p, m)| ctx.error(&p, m))?;
    if let Some(v) = variant {
        variants::apply_scales(&mut merged, v)
            .map_err(|(p, m)| InputError::new(m).in_file(path).at_path(p.to_string()))?;
    }
    let doc = merged;
    let ctx = Ctx {
        doc: &doc,
        file: path,
        warnings: Default::default(),
        lanes: Default::default(),
    };
    let json = doc.to_json().map_err(|(p, e)| ctx.locate(e, &p))?;
    let raw: RawScenario = serde_path_to_error::deserialize(json).map_err(|e| {
        let p = FieldPath::from_serde(e.path());
        ctx.error(&p, humanize_serde(&e.into_inner().to_string()))
    })?;
    validate(&ctx, raw, overrides)
}

/// The scenario document as written, with `overrides` applied and a catalog path made
/// absolute, as JSON: what `restock tune` writes `tuned.yaml` from (categories and catalog
/// rows are left as written, not merged or expanded).
pub fn document(path: &Path, overrides: &[String]) -> Result<serde_json::Value, InputError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        InputError::new(format!("cannot read the scenario file: {e}")).in_file(path)
    })?;
    let mut doc = Node::parse(&text, Some(path))?;
    for o in overrides {
        apply_override(&mut doc, o)?;
    }
    let ctx = Ctx {
        doc: &doc,
        file: path,
        warnings: Default::default(),
        lanes: Default::default(),
    };
    let mut json = doc.to_json().map_err(|(p, e)| ctx.locate(e, &p))?;
    if let Some(serde_json::Value::String(rel)) = json.get("catalog").cloned() {
        let dir = path.parent().unwrap_or(Path::new(""));
        let abs = std::path::absolute(dir.join(&rel)).unwrap_or_else(|_| dir.join(&rel));
        json["catalog"] = serde_json::Value::String(abs.to_string_lossy().into_owned());
    }
    Ok(json)
}

fn apply_override(doc: &mut Node, text: &str) -> Result<(), InputError> {
    let bad = |msg: String| InputError::new(format!("--set {text}: {msg}"));
    let Some((path, value)) = text.split_once('=') else {
        return Err(bad("expected PATH=VALUE".into()));
    };
    let path = FieldPath::parse(path.trim()).map_err(|e| bad(e.message))?;
    doc.set(&path, value).map_err(|e| bad(e.message))
}

/// serde's messages are good; a few words make them read as advice to a planner.
fn humanize_serde(msg: &str) -> String {
    msg.replace("invalid type: ", "wrong type: ")
}

pub(crate) struct Ctx<'a> {
    doc: &'a Node,
    file: &'a Path,
    /// What validation let through but the user should hear about, located like errors.
    warnings: std::cell::RefCell<Vec<String>>,
    /// The lane ids by index, once `lanes` is read: lane-valued thresholds resolve by them.
    lanes: std::cell::OnceCell<Vec<String>>,
}

impl Ctx<'_> {
    /// Records a warning located like an error. A line names the place: the field path is
    /// left out, so that one category default inherited by a thousand SKUs warns once.
    fn warn(&self, path: &FieldPath, msg: impl Into<String>) {
        let mut e = self.error(path, msg);
        if e.line.is_some() {
            e.path = None;
        }
        self.warnings.borrow_mut().push(e.to_string());
    }

    /// A lane-valued threshold written at `path`, as the lane's index.
    fn lane_threshold(&self, path: &FieldPath, v: &raw::RawThreshold) -> Result<usize, InputError> {
        let lanes = self.lanes.get().map_or(&[][..], Vec::as_slice);
        let known = || {
            let mut k: Vec<_> = lanes.iter().map(|l| format!("`{l}`")).collect();
            k.sort();
            k.join(", ")
        };
        match v {
            raw::RawThreshold::Word(w) => {
                lanes.iter().position(|l| l == w.trim()).ok_or_else(|| {
                    self.error(
                        path,
                        format!("unknown lane `{}`; lanes defined: {}", w.trim(), known()),
                    )
                })
            }
            _ => Err(self.error(
                path,
                format!("expected a lane id; lanes defined: {}", known()),
            )),
        }
    }

    fn error(&self, path: &FieldPath, msg: impl Into<String>) -> InputError {
        self.locate(InputError::new(msg), path)
    }

    fn locate(&self, err: InputError, path: &FieldPath) -> InputError {
        let err = err.in_file(self.file).at_path(path.to_string());
        match self.doc.locate(path) {
            Origin::File { line, column } => err.at_line(line, column),
            Origin::Other {
                source,
                line,
                column,
            } => {
                let err = err.in_file(&source.file).at_line(line, column);
                match &source.column_name {
                    Some(c) => InputError {
                        message: format!("{} (CSV column `{c}`)", err.message),
                        ..err
                    },
                    None => err,
                }
            }
            Origin::CommandLine => InputError {
                message: format!("{} (value set with --set)", err.message),
                ..err
            },
        }
    }
}

fn validate(ctx: &Ctx, raw: RawScenario, overrides: &[String]) -> Result<Scenario, InputError> {
    let root = FieldPath::root();
    let name = raw.name.trim().to_string();
    if name.is_empty() {
        return Err(ctx.error(&root.key("name"), "must not be empty"));
    }
    let start = raw
        .start_date
        .trim()
        .parse::<jiff::civil::Date>()
        .map_err(|e| {
            ctx.error(
                &root.key("start_date"),
                format!("`{}` is not a date (YYYY-MM-DD): {e}", raw.start_date),
            )
        })?;
    if raw.horizon_days == 0 || raw.horizon_days > MAX_HORIZON_DAYS {
        return Err(ctx.error(
            &root.key("horizon_days"),
            format!("must be between 1 and {MAX_HORIZON_DAYS}"),
        ));
    }
    if start
        .checked_add(jiff::Span::new().days(i64::from(raw.horizon_days)))
        .is_err()
    {
        return Err(ctx.error(
            &root.key("horizon_days"),
            "the horizon runs past the last representable date",
        ));
    }
    if raw.warmup_days >= raw.horizon_days {
        return Err(ctx.error(
            &root.key("warmup_days"),
            format!(
                "warm-up ({}) must be shorter than the horizon ({} days): no day would be measured",
                raw.warmup_days, raw.horizon_days
            ),
        ));
    }
    check_replications(raw.replications)
        .map_err(|e| ctx.error(&root.key("replications"), e.message))?;
    let calendar = Calendar {
        start,
        horizon_days: raw.horizon_days,
        warmup_days: raw.warmup_days,
    };

    if raw.skus.is_empty() {
        return Err(ctx.error(&root.key("skus"), "at least one SKU is needed"));
    }
    let mut category_ids = HashMap::new();
    let mut categories = Vec::with_capacity(raw.categories.len());
    for (i, c) in raw.categories.iter().enumerate() {
        let at = root.key("categories").index(i);
        let id = check_id(ctx, &at.key("id"), &c.id)?;
        if let Some(prev) = category_ids.insert(id.clone(), i) {
            return Err(ctx.error(
                &at.key("id"),
                format!("category `{id}` is already defined at categories.{prev}"),
            ));
        }
        categories.push(Category { id });
    }
    // Lanes and suppliers before SKUs: a SKU names its supplier and backup lane.
    let (lanes, lane_ids) = supply::lanes(ctx, &calendar, &raw.lanes)?;
    let _ = ctx.lanes.set(lanes.iter().map(|l| l.id.clone()).collect());
    let (suppliers, supplier_ids) = supply::suppliers(ctx, &calendar, &raw.suppliers)?;
    // Ids first: a SKU's stockout rule may name a substitute defined after it.
    let mut sku_ids = HashMap::new();
    for (i, s) in raw.skus.iter().enumerate() {
        let at = root.key("skus").index(i);
        let id = check_id(ctx, &at.key("id"), &s.id)?;
        if let Some(prev) = sku_ids.insert(id.clone(), i) {
            return Err(ctx.error(
                &at.key("id"),
                format!("SKU `{id}` is already defined at skus.{prev}"),
            ));
        }
    }
    let mut skus = Vec::with_capacity(raw.skus.len());
    for (i, s) in raw.skus.iter().enumerate() {
        let at = root.key("skus").index(i);
        let stockout = demand::stockout(ctx, &at.key("stockout"), &s.stockout, &sku_ids, i)?;
        skus.push(Sku {
            id: s.id.trim().to_string(),
            category: match &s.category {
                None => None,
                Some(c) => Some(*category_ids.get(c.trim()).ok_or_else(|| {
                    ctx.error(&at.key("category"), format!("unknown category `{c}`"))
                })?),
            },
            unit_cost: non_negative(ctx, &at.key("unit_cost"), s.unit_cost)?,
            price: non_negative(ctx, &at.key("price"), s.price)?,
            initial_on_hand: s.initial_on_hand,
            demand: demand::demand(ctx, &calendar, &at.key("demand"), &s.demand)?,
            stockout,
            stockout_in_stream: match &s.stockout_in_stream {
                None => stockout,
                Some(r) => demand::stockout(ctx, &at.key("stockout_in_stream"), r, &sku_ids, i)?,
            },
            costs: {
                let c = at.key("costs");
                SkuCosts {
                    holding_per_unit_day: non_negative(
                        ctx,
                        &c.key("holding_per_unit_day"),
                        s.costs.holding_per_unit_day,
                    )?,
                    backorder_per_unit_day: non_negative(
                        ctx,
                        &c.key("backorder_per_unit_day"),
                        s.costs.backorder_per_unit_day,
                    )?,
                    fixed_order_cost: non_negative(
                        ctx,
                        &c.key("fixed_order_cost"),
                        s.costs.fixed_order_cost,
                    )?,
                }
            },
            weight_kg: non_negative(ctx, &at.key("weight_kg"), s.weight_kg)?,
            volume_m3: non_negative(ctx, &at.key("volume_m3"), s.volume_m3)?,
            supply: supply::sku_supply(
                ctx,
                &at.key("supply"),
                s.supply.as_ref(),
                &lane_ids,
                &supplier_ids,
            )?,
            duty_rate: money::duty_rate(ctx, &at.key("duty_rate"), s.duty_rate)?,
            customs_value: money::customs_value(ctx, &at.key("customs_value"), s.customs_value)?,
            commission: money::commission(ctx, &at.key("commission"), s.commission)?,
        });
        // Freight priced by weight or volume needs the SKU's: zero would ship it for free.
        let sku = &skus[i];
        for lane in &lanes {
            let needs = [
                ("weight_kg", lane.freight.per_kg, sku.weight_kg),
                ("volume_m3", lane.freight.per_m3, sku.volume_m3),
            ];
            for (key, price, size) in needs {
                if price > 0.0 && size == 0.0 {
                    return Err(ctx.error(
                        &at.key(key),
                        format!(
                            "lane `{}` prices freight by {}: set `{key}` > 0",
                            lane.id,
                            if key == "weight_kg" { "kg" } else { "m³" }
                        ),
                    ));
                }
            }
        }
    }
    let ids = state::Ids {
        skus: &sku_ids,
        lanes: &lane_ids,
        suppliers: &supplier_ids,
    };
    let state = state::load(ctx, &calendar, raw.state.as_ref(), &mut skus, &lanes, &ids)?;
    let disruptions = supply::disruptions(ctx, &calendar, &raw.disruptions, &lanes, &lane_ids)?;
    let streams = demand::streams(ctx, &calendar, &raw.streams, &sku_ids)?;

    let policies = policy::policies(ctx, raw.policies, &lane_ids, &categories, &skus)?;
    inert::warn_inert(ctx, &policies, &categories, &skus, &streams);
    let objective = policy::objective(ctx, &raw.objective)?;
    let tune = match &raw.tune {
        Some(t) => Some(tune::tune(ctx, t, &policies, &categories)?),
        None => None,
    };
    let payout_lag_days = money::payout_lag(ctx, raw.payout_lag_days)?;
    let currency = money::currency(ctx, raw.currency.as_deref())?;

    let report = {
        let at = root.key("report");
        let chart_sku = match &raw.report.plot_sku {
            Some(id) => skus.iter().position(|s| s.id == id.trim()).ok_or_else(|| {
                ctx.error(
                    &at.key("plot_sku"),
                    format!("unknown SKU `{id}`; SKUs defined: {}", known_skus(&skus)),
                )
            })?,
            None => (0..skus.len())
                .find(|&i| {
                    streams
                        .streams
                        .iter()
                        .any(|s| s.featured.iter().any(|&(k, _)| k == i))
                })
                .unwrap_or(0),
        };
        ReportSpec { chart_sku }
    };

    Ok(Scenario {
        name,
        file: ctx.file.to_path_buf(),
        overrides: overrides.to_vec(),
        calendar,
        replications: raw.replications,
        seed: raw.seed,
        categories,
        skus,
        streams,
        lanes,
        suppliers,
        disruptions,
        policies,
        report,
        objective,
        variants: Vec::new(),
        state,
        tune,
        warnings: dedup_warnings(ctx.warnings.take()),
        payout_lag_days,
        currency,
        rng_keys: crate::rng::Keys::default(),
    })
}

/// Identical warnings once each, in first-seen order, with how many times they arose.
fn dedup_warnings(all: Vec<String>) -> Vec<String> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for w in all {
        match out.iter_mut().find(|(x, _)| *x == w) {
            Some((_, n)) => *n += 1,
            None => out.push((w, 1)),
        }
    }
    out.into_iter()
        .map(|(w, n)| if n > 1 { format!("{w} ({n} times)") } else { w })
        .collect()
}

impl Scenario {
    /// Warnings of the base scenario and of its variants, each once.
    pub fn all_warnings(&self) -> Vec<String> {
        let mut out = self.warnings.clone();
        for v in &self.variants {
            for w in &v.scenario.warnings {
                if !out.contains(w) {
                    out.push(w.clone());
                }
            }
        }
        out
    }
}

/// The replication count is also a command-line value; both go through here.
pub fn check_replications(n: u32) -> Result<u32, InputError> {
    if n == 0 || n > MAX_REPLICATIONS {
        Err(InputError::new(format!(
            "must be between 1 and {MAX_REPLICATIONS}"
        )))
    } else {
        Ok(n)
    }
}

/// Validates a distribution; errors point at its parameters (`…​.uniform.max`).
pub(crate) fn check_dist(ctx: &Ctx, at: &FieldPath, raw: &RawDist) -> Result<Dist, InputError> {
    let (key, made) = match raw {
        RawDist::Fixed(x) => ("fixed", Dist::fixed(*x)),
        RawDist::Uniform { min, max } => ("uniform", Dist::uniform(*min, *max)),
        RawDist::Triangular { min, mode, max } => {
            ("triangular", Dist::triangular(*min, *mode, *max))
        }
        RawDist::Lognormal { median, sigma } => ("lognormal", Dist::lognormal(*median, *sigma)),
        RawDist::Empirical(xs) => ("empirical", Dist::empirical(xs.clone())),
        RawDist::EmpiricalCsv(rel) => {
            let at = at.key("empirical_csv");
            let file = ctx.file.parent().unwrap_or(Path::new("")).join(rel.trim());
            let named_at = match ctx.doc.locate(&at) {
                Origin::File {
                    line: Some(line), ..
                } => format!(" (named at {}:{line})", ctx.file.display()),
                _ => String::new(),
            };
            let in_csv = |line: Option<u64>, msg: String| {
                InputError::new(format!("{msg}{named_at}"))
                    .in_file(&file)
                    .at_path(at.to_string())
                    .at_line(line.map(|l| l.min(u64::from(u32::MAX)) as u32), None)
            };
            let xs = read_observations(&file).map_err(|(line, msg)| in_csv(line, msg))?;
            return Dist::empirical(xs).map_err(|m| in_csv(None, m));
        }
    };
    made.map_err(|m| ctx.error(&at.key(key), m))
}

/// Observations from a CSV file: the first column of each row, `#` comments and one header
/// row allowed (planners export their shipment history with one). Errors carry the line.
fn read_observations(file: &Path) -> Result<Vec<f64>, (Option<u64>, String)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_path(file)
        .map_err(|e| (None, format!("cannot read the CSV file: {e}")))?;
    let mut xs = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line());
            (line, format!("not valid CSV: {e}"))
        })?;
        let line = record.position().map(|p| p.line());
        let cell = record.get(0).unwrap_or("");
        match cell.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => xs.push(x),
            Ok(x) => return Err((line, format!("observation {x} must be a finite number ≥ 0"))),
            // A header: only the first row may be one.
            Err(_) if i == 0 => {}
            Err(_) => return Err((line, format!("`{cell}` is not a number"))),
        }
    }
    if xs.is_empty() {
        return Err((None, "the CSV file holds no observations".into()));
    }
    Ok(xs)
}

pub(crate) fn check_id(ctx: &Ctx, at: &FieldPath, id: &str) -> Result<String, InputError> {
    let id = id.trim();
    if id.is_empty() {
        return Err(ctx.error(at, "must not be empty"));
    }
    if id.contains(',') || id.contains('"') || id.chars().any(char::is_control) {
        return Err(ctx.error(
            at,
            format!("`{id}` contains a comma, quote or control character"),
        ));
    }
    Ok(id.to_string())
}

pub(crate) fn non_negative(ctx: &Ctx, at: &FieldPath, v: f64) -> Result<f64, InputError> {
    if !v.is_finite() || v < 0.0 {
        Err(ctx.error(at, format!("must be a finite number ≥ 0, found {v}")))
    } else {
        Ok(v)
    }
}
