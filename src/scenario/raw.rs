//! The scenario file exactly as written: serde structs that mirror the YAML.
//!
//! Nothing here is trusted. Unknown keys are rejected (`deny_unknown_fields`), types are checked
//! by serde, and every value is checked again by `validate` before it becomes a domain type.
//! Defaults live here, so the README's format table and this file say the same thing.

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
    pub skus: Vec<RawSku>,
    pub lanes: Vec<RawLane>,
    pub policies: Vec<RawPolicy>,
}

fn default_replications() -> u32 {
    100
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSku {
    pub id: String,
    /// [currency/unit]
    pub unit_cost: f64,
    /// [units]
    #[serde(default)]
    pub initial_on_hand: u32,
    pub demand: RawDemand,
    #[serde(default)]
    pub stockout: RawStockout,
    #[serde(default)]
    pub costs: RawCosts,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDemand {
    /// [units/day]
    pub mean_per_day: f64,
    #[serde(default)]
    pub distribution: RawDistribution,
}

#[derive(Debug, Default, Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum RawDistribution {
    #[default]
    Poisson,
}

#[derive(Debug, Default, Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum RawStockout {
    #[default]
    Backorder,
    Lost,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCosts {
    /// [currency/unit/day]
    #[serde(default)]
    pub holding_per_unit_day: f64,
    /// [currency/unit/day]
    #[serde(default)]
    pub backorder_per_unit_day: f64,
    /// [currency/order]
    #[serde(default)]
    pub fixed_order_cost: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLane {
    pub id: String,
    pub mode: RawMode,
    pub lead_time_days: RawDist,
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
    Uniform { min: f64, max: f64 },
    Triangular { min: f64, mode: f64, max: f64 },
    Lognormal { median: f64, sigma: f64 },
    Empirical(Vec<f64>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    pub name: String,
    pub kind: RawPolicyKind,
    /// The lane orders travel by (id from `lanes`).
    pub lane: String,
    /// [days] between reviews; 1 = daily.
    #[serde(default)]
    pub review_period_days: Option<u32>,
    /// [units] s of (s,S), r of (r,Q).
    #[serde(default)]
    pub reorder_point: Option<i64>,
    /// [units] S of (s,S) and of base-stock.
    #[serde(default)]
    pub order_up_to: Option<i64>,
    /// [units] Q of (r,Q).
    #[serde(default)]
    pub order_quantity: Option<i64>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
pub enum RawPolicyKind {
    #[serde(rename = "s_S")]
    SS,
    #[serde(rename = "base_stock")]
    BaseStock,
    #[serde(rename = "r_Q")]
    RQ,
}
