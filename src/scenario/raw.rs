//! The scenario file exactly as written: serde structs that mirror the YAML.
//!
//! Nothing here is trusted. Unknown keys are rejected (`deny_unknown_fields`), types are checked
//! by serde, and every value is checked again by `validate` before it becomes a domain type.
//! Defaults live here, so the scenario reference (docs/scenarios.md) and this file say the same thing.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: String,
    /// ISO date of day 0, e.g. `2026-01-01`.
    pub start_date: String,
    /// Simulated days, warm-up included.
    pub horizon_days: u32,
    /// Leading days simulated but excluded from every metric.
    #[serde(default)]
    pub warmup_days: u32,
    #[serde(default = "default_replications")]
    pub replications: u32,
    #[serde(default)]
    pub seed: u64,
    /// Product categories: ids and the SKU fields their SKUs inherit.
    #[serde(default)]
    pub categories: Vec<RawCategory>,
    pub skus: Vec<RawSku>,
    /// The live-stream calendar.
    #[serde(default)]
    pub streams: RawStreams,
    pub lanes: Vec<RawLane>,
    /// Factories that make the SKUs.
    #[serde(default)]
    pub suppliers: Vec<RawSupplier>,
    /// Port congestion and scripted what-ifs, shared by every SKU.
    #[serde(default)]
    pub disruptions: RawDisruptions,
    pub policies: Vec<RawPolicy>,
    /// What the report shows and recommends.
    #[serde(default)]
    pub report: RawReport,
    /// How candidates are scored and which are acceptable.
    #[serde(default)]
    pub objective: RawObjective,
    /// What `restock tune` searches.
    #[serde(default)]
    pub tune: Option<super::tune::RawTune>,
    /// The shop as it stands on `start_date`: stock and open purchase orders, from CSV files
    /// relative to the scenario file.
    #[serde(default)]
    pub state: Option<RawState>,
    /// `[days]` from a sale to the marketplace's payout of its proceeds (default 0). Signed
    /// here so that a negative value is reported by validation, not by serde.
    #[serde(default)]
    pub payout_lag_days: i64,
    /// ISO 4217 code every money column, table and axis is labelled with (default `USD`).
    #[serde(default)]
    pub currency: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawState {
    /// CSV `sku,on_hand[,backorders]`.
    #[serde(default)]
    pub on_hand: Option<String>,
    /// CSV `po,sku,units,lane,eta[,status,ready_date,supplier,deposit_paid]`.
    #[serde(default)]
    pub open_orders: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawObjective {
    /// × lost margin in the score (1 = count lost margin at face value).
    #[serde(default)]
    pub lost_margin_penalty: Option<f64>,
    /// Yearly cost of the capital tied up, as a fraction (0.10 = 10%/year).
    #[serde(default)]
    pub annual_cost_of_capital: Option<f64>,
    /// Constraint: mean fill rate at least this.
    #[serde(default)]
    pub min_fill_rate: Option<f64>,
    /// Constraint: p95 over replications of capital_tied_peak at most this `[currency]`.
    #[serde(default)]
    pub max_capital_peak_p95: Option<f64>,
    /// Constraint: p95 over replications of peak_funding_need at most this `[currency]`.
    #[serde(default)]
    pub max_funding_need_p95: Option<f64>,
    /// Share of its cost that stock left at the end is worth (0–1, default 1).
    #[serde(default)]
    pub terminal_value_fraction: Option<f64>,
    /// A score difference below this does not matter `[currency/day]`; default 0.
    #[serde(default)]
    pub indifference: Option<f64>,
    /// Confidence of comparisons and constraints, in (0, 1); default 0.95.
    #[serde(default)]
    pub confidence: Option<f64>,
}

fn default_replications() -> u32 {
    100
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReport {
    /// SKU id whose on-hand units are charted.
    #[serde(default)]
    pub plot_sku: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCategory {
    pub id: String,
    /// Any SKU fields; a SKU of this category inherits those it does not set itself (merged
    /// key by key into nested mappings before the SKU is read — see `document::Node::inherit`).
    // Read from the document tree, not from here: declared so that the key is known.
    #[serde(default)]
    #[allow(dead_code)]
    pub sku_defaults: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSku {
    pub id: String,
    /// Category id (from `categories`).
    #[serde(default)]
    pub category: Option<String>,
    /// `[currency/unit]`
    pub unit_cost: f64,
    /// Selling price `[currency/unit]`; needed for `lost_revenue`.
    #[serde(default)]
    pub price: f64,
    /// `[units]`
    #[serde(default)]
    pub initial_on_hand: u32,
    pub demand: RawDemand,
    /// What buyers do when the shelf is empty.
    #[serde(default)]
    pub stockout: RawStockout,
    /// The same, during a live stream (the host reacts live); defaults to `stockout`.
    #[serde(default)]
    pub stockout_in_stream: Option<RawStockout>,
    #[serde(default)]
    pub costs: RawCosts,
    /// `[kg per unit]`, for freight priced per kg.
    #[serde(default)]
    pub weight_kg: f64,
    /// `[m³ per unit]`, for freight priced per cubic metre.
    #[serde(default)]
    pub volume_m3: f64,
    /// Where the SKU is made and what happens when its supplier or lane cannot deliver.
    #[serde(default)]
    pub supply: Option<RawSkuSupply>,
    /// Import duty as a fraction of the customs value (0.25 = 25%).
    #[serde(default)]
    pub duty_rate: f64,
    /// `[currency/unit]` declared at customs; default `unit_cost` × (1 + supplier premium).
    #[serde(default)]
    pub customs_value: Option<f64>,
    /// The platform's fee, as a fraction of the price.
    #[serde(default)]
    pub commission: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDemand {
    /// Baseline `[units/day]`.
    pub mean_per_day: f64,
    #[serde(default)]
    pub distribution: RawDistribution,
    /// Negative binomial size k: variance = mean + mean²/k.
    #[serde(default)]
    pub dispersion: Option<f64>,
    /// Multipliers Monday..Sunday.
    #[serde(default)]
    pub weekday_profile: Option<Vec<f64>>,
    /// Multipliers over date ranges.
    #[serde(default)]
    pub seasons: Vec<RawSeason>,
    /// Actual ÷ forecast of this SKU's stream sales.
    #[serde(default)]
    pub stream_ratio: Option<RawDist>,
    #[serde(default)]
    pub viral: Option<RawViral>,
    #[serde(default)]
    pub signals: Option<RawSignals>,
}

#[derive(Debug, Default, Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum RawDistribution {
    #[default]
    Poisson,
    NegativeBinomial,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSeason {
    /// First day, ISO date.
    pub from: String,
    /// Last day (inclusive), ISO date.
    pub to: String,
    pub multiplier: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawViral {
    /// Spikes per 30 days.
    pub rate_per_30_days: f64,
    /// First-day extra demand as a multiple of the baseline mean per day.
    pub magnitude: RawDist,
    /// `[days]` for the extra demand to halve.
    pub half_life_days: f64,
    /// Probability that a spike also steps the baseline up for good.
    #[serde(default)]
    pub persistent_probability: f64,
    /// Baseline multiplier after a persistent spike.
    #[serde(default = "default_persistent_factor")]
    pub persistent_factor: f64,
}

fn default_persistent_factor() -> f64 {
    1.5
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSignals {
    /// Sigma of the daily lognormal noise of the CTR index.
    #[serde(default = "default_signal_noise")]
    pub ctr_noise: f64,
    /// Sigma of the daily lognormal noise of the conversion index.
    #[serde(default = "default_signal_noise")]
    pub conversion_noise: f64,
    /// Probability that a spike is preceded by a CTR rise.
    pub recall: f64,
    /// `[days]` the rise leads the spike.
    pub lead_days: u32,
    /// Relative CTR rise during a precursor (0.8 = +80%).
    pub ctr_rise: f64,
    /// Relative conversion lift during a true precursor.
    #[serde(default)]
    pub conversion_lift: f64,
    /// CTR rises not followed by a spike, per 30 days.
    #[serde(default)]
    pub false_alarms_per_30_days: f64,
    /// Relative conversion lift during a false alarm (default: `conversion_lift`).
    #[serde(default)]
    pub false_alarm_conversion_lift: Option<f64>,
}

fn default_signal_noise() -> f64 {
    0.1
}

/// What buyers who find the shelf empty do.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RawStockout {
    /// Everyone waits for stock.
    #[default]
    Backorder,
    /// Everyone leaves.
    Lost,
    /// Some accept a presale order, the rest cancel.
    Presale {
        accept_fraction: f64,
        max_wait_days: u32,
    },
    /// Some switch to another SKU that is in stock; the rest leave.
    Substitute { sku: String, fraction: f64 },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStreams {
    /// Days before airing that a stream is announced (visible to the policy).
    #[serde(default)]
    pub announce_days: Option<u32>,
    /// `[hours]` for a stream's sales rate to halve (front-loading).
    #[serde(default)]
    pub half_life_hours: Option<f64>,
    /// `[minutes]` per in-stream step.
    #[serde(default)]
    pub step_minutes: Option<u32>,
    /// Post-stream correction of later forecasts, 0 (off) to 1.
    #[serde(default)]
    pub learning_rate: f64,
    #[serde(default)]
    pub scheduled: Vec<RawStream>,
    #[serde(default)]
    pub recurring: Vec<RawRecurring>,
    /// CSV `date,start,hours,sku,forecast_units[,announce_date]`; expanded into `scheduled`
    /// before deserialisation (see `scenario::state`).
    // Declared so that the key is known; its CSV has become `scheduled` by now.
    #[serde(default)]
    #[allow(dead_code)]
    pub calendar: Option<String>,
    /// The creator's share of stream sales, as a fraction of the price (default 0).
    #[serde(default)]
    pub creator_commission: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStream {
    /// ISO date.
    pub date: String,
    /// Local start time `HH:MM`.
    pub start: String,
    pub hours: f64,
    /// Forecast units per featured SKU id.
    pub forecast: std::collections::BTreeMap<String, f64>,
    #[serde(default)]
    pub announce_days: Option<u32>,
    /// The creator's share of this stream's sales (default `streams.creator_commission`).
    #[serde(default)]
    pub creator_commission: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRecurring {
    /// `monday` .. `sunday`.
    pub every: String,
    pub start: String,
    pub hours: f64,
    /// First date (default: the start of the horizon).
    #[serde(default)]
    pub from: Option<String>,
    /// Last date (default: the end of the horizon).
    #[serde(default)]
    pub to: Option<String>,
    pub forecast: std::collections::BTreeMap<String, f64>,
    #[serde(default)]
    pub announce_days: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCosts {
    /// `[currency/unit/day]`
    #[serde(default)]
    pub holding_per_unit_day: f64,
    /// `[currency/unit/day]`
    #[serde(default)]
    pub backorder_per_unit_day: f64,
    /// `[currency/order]`
    #[serde(default)]
    pub fixed_order_cost: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLane {
    pub id: String,
    pub mode: RawMode,
    /// `[days]` from departure to arrival at the destination port (or airport).
    pub transit_days: RawDist,
    #[serde(default)]
    pub freight: RawFreight,
    /// Weekdays with a departure; none = departs as soon as the goods are ready.
    #[serde(default)]
    pub sailings: Option<Vec<String>>,
    /// Dated windows (by departure date) in which transit stretches.
    #[serde(default)]
    pub peaks: Vec<RawPeak>,
    #[serde(default)]
    pub customs: Option<RawCustoms>,
    /// `[days]` an open purchase order's quoted ETA slips by (default `{fixed: 0}`).
    #[serde(default)]
    pub eta_error_days: Option<RawDist>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFreight {
    /// `[currency/unit]`
    #[serde(default)]
    pub per_unit: f64,
    /// `[currency/kg]`
    #[serde(default)]
    pub per_kg: f64,
    /// `[currency/m³]`
    #[serde(default)]
    pub per_m3: f64,
    /// `[currency]` the least a shipment pays, however few its units.
    #[serde(default)]
    pub minimum_per_shipment: f64,
    /// Dated windows (by departure date) in which the freight price is multiplied.
    #[serde(default)]
    pub peak_rates: Vec<RawPeakRate>,
    /// When freight is paid: `departure` (default) or `arrival`.
    #[serde(default)]
    pub paid: Option<RawFreightPaid>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPeakRate {
    pub from: String,
    pub to: String,
    /// Freight price × this factor.
    pub multiplier: f64,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawFreightPaid {
    Departure,
    Arrival,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPeak {
    pub from: String,
    pub to: String,
    /// Transit × this factor.
    #[serde(default)]
    pub multiplier: Option<f64>,
    /// Or a transit distribution of its own.
    #[serde(default)]
    pub transit_days: Option<RawDist>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCustoms {
    /// Per-shipment probability of an inspection hold.
    pub probability: f64,
    /// `[days]` a held shipment waits.
    pub hold_days: RawDist,
    /// Dated windows (by arrival date) with a higher probability.
    #[serde(default)]
    pub crackdowns: Vec<RawCrackdown>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCrackdown {
    pub from: String,
    pub to: String,
    pub probability: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSupplier {
    pub id: String,
    /// `[days]` from order to goods ready to ship, counted in open days.
    pub production_days: RawDist,
    /// `[units/week]` shared by every SKU the supplier makes; none = unlimited.
    #[serde(default)]
    pub capacity_per_week: Option<u32>,
    /// `[units]` smaller orders are raised to this.
    #[serde(default)]
    pub min_order_qty: u32,
    #[serde(default)]
    pub holidays: Vec<RawHoliday>,
    #[serde(default)]
    pub short_delivery: Option<RawShortDelivery>,
    /// Price over the SKU's unit cost, as a fraction (0.15 = +15%).
    #[serde(default)]
    pub premium: f64,
    /// Fraction of the order value paid when ordering; the rest at shipment.
    #[serde(default)]
    pub deposit_fraction: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHoliday {
    #[serde(default)]
    pub name: Option<String>,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawShortDelivery {
    pub probability: f64,
    /// Fraction of the ordered units that arrive when a delivery is short.
    pub delivered_fraction: RawDist,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSkuSupply {
    #[serde(default)]
    pub supplier: Option<String>,
    #[serde(default)]
    pub backup_supplier: Option<String>,
    #[serde(default)]
    pub backup_lane: Option<String>,
    #[serde(default)]
    pub fallback: Option<RawFallback>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFallback {
    pub when: Vec<RawTrigger>,
    /// `[days]` of lateness tolerated before `late` fires.
    #[serde(default)]
    pub late_by_days: f64,
    #[serde(default)]
    pub split: RawSplit,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawTrigger {
    Capacity,
    Holiday,
    Late,
}

#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawSplit {
    Partial,
    #[default]
    Whole,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDisruptions {
    #[serde(default)]
    pub congestion: Option<RawCongestion>,
    #[serde(default)]
    pub scripted: Vec<RawScripted>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCongestion {
    /// Episodes per year.
    pub rate_per_year: f64,
    pub duration_days: RawDist,
    /// `[days]` added to a sea shipment reaching port during an episode.
    pub extra_delay_days: RawDist,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScripted {
    pub name: String,
    /// First day the port is closed.
    pub from: String,
    /// `[days]` closed.
    pub days: u32,
    /// Lane ids affected; default every sea lane.
    #[serde(default)]
    pub lanes: Option<Vec<String>>,
    /// `[days]` of backlog after the port reopens.
    #[serde(default)]
    pub extra_delay_days: Option<RawDist>,
}

#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum RawMode {
    Sea,
    Air,
    Express,
}

/// A random quantity, written as a one-key mapping naming its distribution (see `dist`).
#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RawDist {
    Fixed(f64),
    Uniform {
        min: f64,
        max: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    Lognormal {
        median: f64,
        sigma: f64,
    },
    Empirical(Vec<f64>),
    /// A CSV file of observations, path relative to the scenario file.
    EmpiricalCsv(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    pub name: String,
    pub kind: RawPolicyKind,
    /// The lane orders travel by (id from `lanes`).
    pub lane: String,
    /// `[days]` between reviews; 1 = daily.
    #[serde(default)]
    pub review_period_days: Option<u32>,
    /// `[units]` s of (s,S), r of (r,Q).
    #[serde(default)]
    pub reorder_point: Option<i64>,
    /// `[units]` S of (s,S) and of base-stock.
    #[serde(default)]
    pub order_up_to: Option<i64>,
    /// `[units]` Q of (r,Q).
    #[serde(default)]
    pub order_quantity: Option<i64>,
    /// Layered: the lane of fast replenishment (stream, pulse and signal orders).
    #[serde(default)]
    pub fast_lane: Option<String>,
    /// Layered: thresholds of every category and SKU unless overridden below.
    #[serde(default)]
    pub thresholds: Option<RawThresholds>,
    /// Layered: thresholds per category id, over `thresholds`.
    #[serde(default)]
    pub categories: BTreeMap<String, RawThresholds>,
    /// Layered: thresholds per SKU id, over its category's.
    #[serde(default)]
    pub skus: BTreeMap<String, RawThresholds>,
    /// Candidates from the Cartesian product of threshold values: key `PARAM` (every category)
    /// or `CATEGORY.PARAM`, each with its list of values.
    #[serde(default)]
    pub sweep: BTreeMap<String, Vec<RawThreshold>>,
}

pub use super::thresholds::RawThresholds;

/// A number, or `off` to switch a dimension off (YAML 1.1 readers may hand `off` over as
/// the boolean false).
#[derive(Debug, Deserialize, Clone, PartialEq)]
#[serde(untagged)]
pub enum RawThreshold {
    Number(f64),
    Switch(bool),
    Word(String),
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
pub enum RawPolicyKind {
    #[serde(rename = "s_S")]
    SS,
    #[serde(rename = "base_stock")]
    BaseStock,
    #[serde(rename = "r_Q")]
    RQ,
    #[serde(rename = "layered")]
    Layered,
}
