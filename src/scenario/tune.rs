//! The `tune:` block: which candidate `restock tune` searches, over which ranges.
//!
//! Validated like the rest of the scenario, before anything runs: the policy must exist,
//! every parameter must belong to its kind, ranges must be non-empty with valid endpoints, and
//! `per_category` needs a layered policy and categories.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::document::FieldPath;
use super::policy::{PARAMS, PolicyRule, PolicySpec, check_threshold};
use super::{Category, Ctx};
use crate::error::InputError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTune {
    /// The `policies[]` entry to tune, by name.
    pub policy: String,
    /// Each parameter's range.
    pub params: BTreeMap<String, RawRange>,
    /// Layered only: tune each category's thresholds separately.
    #[serde(default)]
    pub per_category: Option<bool>,
    /// Replications per candidate, at most.
    #[serde(default)]
    pub max_replications: Option<u32>,
    /// Points of the space-filling design (default 16 + 16 per parameter, at most 96).
    #[serde(default)]
    pub design: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRange {
    pub min: f64,
    pub max: f64,
    /// `off` is one more value to try (switchable layered thresholds only). A YAML 1.1 reader
    /// reads the key `off` as the boolean false, hence the alias.
    #[serde(default, alias = "false")]
    pub off: bool,
}

/// Replications per candidate at most, when `tune.max_replications` is not set.
pub const DEFAULT_MAX_REPLICATIONS: u32 = 400;

/// Most points a design may ask for: far more than any search needs, and the bound that
/// keeps a design's list of points (a few numbers each) small.
pub const MAX_DESIGN: u32 = 1_000_000;

/// A validated `tune:` block.
#[derive(Debug, Clone, PartialEq)]
pub struct TuneSpec {
    /// Index into `Scenario::policies` of the candidate tuned (the first the entry expands
    /// into, for a sweep).
    pub policy: usize,
    pub params: Vec<TuneParam>,
    pub per_category: bool,
    pub max_replications: u32,
    /// Points of the space-filling design.
    pub design: usize,
}

/// One searched parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct TuneParam {
    pub name: String,
    pub min: f64,
    pub max: f64,
    /// Takes whole values only.
    pub integer: bool,
    /// `off` is tried as well.
    pub off: bool,
}

const INTEGER_LAYERED: [&str; 7] = [
    "stream_window_days",
    "persist_days",
    "forecast_days",
    "min_order_qty",
    "case_pack",
    "step_up_days",
    "signal_cooldown_days",
];

const SWITCHABLE: [&str; 5] = [
    "cover_days",
    "stream_multiplier",
    "pulse_ratio",
    "ctr_growth",
    "persist_ratio",
];

pub(crate) fn tune(
    ctx: &Ctx,
    raw: &RawTune,
    policies: &[PolicySpec],
    categories: &[Category],
) -> Result<TuneSpec, InputError> {
    let at = FieldPath::root().key("tune");
    let name = raw.policy.trim();
    let policy = policies
        .iter()
        .position(|p| {
            p.name == name || (p.name.starts_with(name) && p.name[name.len()..].starts_with('['))
        })
        .ok_or_else(|| {
            let known: Vec<_> = policies.iter().map(|p| format!("`{}`", p.name)).collect();
            ctx.error(
                &at.key("policy"),
                format!("no policy named `{name}`; policies: {}", known.join(", ")),
            )
        })?;
    let (kind, allowed): (&str, Vec<&str>) = match &policies[policy].rule {
        PolicyRule::SS { .. } => ("s_S", vec!["reorder_point", "order_up_to"]),
        PolicyRule::BaseStock { .. } => ("base_stock", vec!["order_up_to"]),
        PolicyRule::RQ { .. } => ("r_Q", vec!["reorder_point", "order_quantity"]),
        // Lanes are ids, not numbers: they are set per category, not searched.
        PolicyRule::Layered(_) => (
            "layered",
            PARAMS
                .iter()
                .copied()
                .filter(|p| !super::thresholds::is_lane(p))
                .collect(),
        ),
    };
    let layered = kind == "layered";
    let per_category = match raw.per_category {
        Some(true) if !layered => {
            return Err(ctx.error(
                &at.key("per_category"),
                format!("applies only to kind `layered`; `{name}` is `{kind}`"),
            ));
        }
        Some(true) if categories.is_empty() => {
            return Err(ctx.error(
                &at.key("per_category"),
                "the scenario has no `categories` to tune separately",
            ));
        }
        Some(p) => p,
        None => layered && !categories.is_empty(),
    };
    if raw.params.is_empty() {
        return Err(ctx.error(&at.key("params"), "needs at least one parameter to tune"));
    }
    let mut params = Vec::new();
    for (key, r) in &raw.params {
        let here = at.key("params").key(key);
        let p = key.trim();
        if layered && super::thresholds::is_lane(p) {
            return Err(ctx.error(
                &here,
                format!(
                    "`{p}` takes a lane id, and `tune` searches numbers: set it per category \
                     (policies[].categories.<id>.{p}) or sweep it (sweep: {{ {p}: [sea, air] }})"
                ),
            ));
        }
        if !allowed.contains(&p) {
            return Err(ctx.error(
                &here,
                format!(
                    "unknown parameter `{p}` for kind `{kind}`; parameters: {}",
                    allowed.join(", ")
                ),
            ));
        }
        let integer = !layered || INTEGER_LAYERED.contains(&p);
        if !r.min.is_finite() || !r.max.is_finite() {
            return Err(ctx.error(&here, "min and max must be finite numbers"));
        }
        if r.min > r.max {
            return Err(ctx.error(
                &here.key("min"),
                format!("min ({}) is above max ({})", r.min, r.max),
            ));
        }
        if integer && r.min.ceil() > r.max.floor() {
            return Err(ctx.error(
                &here,
                format!(
                    "the range {}..{} holds no whole number: `{p}` takes whole values",
                    r.min, r.max
                ),
            ));
        }
        if layered {
            check_threshold(ctx, &here.key("min"), p, r.min)?;
            check_threshold(ctx, &here.key("max"), p, r.max)?;
            if r.off && !SWITCHABLE.contains(&p) {
                return Err(ctx.error(&here.key("off"), "this threshold cannot be switched off"));
            }
        } else {
            if r.min < 0.0 {
                return Err(ctx.error(
                    &here.key("min"),
                    format!("must be ≥ 0 units, found {}", r.min),
                ));
            }
            if r.off {
                return Err(ctx.error(
                    &here.key("off"),
                    format!("kind `{kind}` cannot be switched off"),
                ));
            }
            if p == "order_quantity" && r.max < 1.0 {
                return Err(ctx.error(&here.key("max"), "order_quantity must reach 1 unit"));
            }
        }
        params.push(TuneParam {
            name: p.to_string(),
            min: if integer { r.min.ceil() } else { r.min },
            max: if integer { r.max.floor() } else { r.max },
            integer,
            off: r.off,
        });
    }
    if kind == "s_S"
        && let (Some(s), Some(big)) = (
            params.iter().find(|p| p.name == "reorder_point"),
            params.iter().find(|p| p.name == "order_up_to"),
        )
        && big.max <= s.min
    {
        return Err(ctx.error(
            &at.key("params"),
            "no order_up_to in its range is above a reorder_point in its range",
        ));
    }
    let max_replications = match raw.max_replications {
        None => DEFAULT_MAX_REPLICATIONS,
        Some(n) if (2..=super::MAX_REPLICATIONS).contains(&n) => n,
        Some(n) => {
            return Err(ctx.error(
                &at.key("max_replications"),
                format!("must be from 2 to {}, found {n}", super::MAX_REPLICATIONS),
            ));
        }
    };
    let design = match raw.design {
        None => (16 + 16 * params.len()).min(96),
        Some(n) if (1..=MAX_DESIGN).contains(&n) => n as usize,
        Some(n) => {
            return Err(ctx.error(
                &at.key("design"),
                format!("must be from 1 to {MAX_DESIGN} points, found {n}"),
            ));
        }
    };
    Ok(TuneSpec {
        policy,
        params,
        per_category,
        max_replications,
        design,
    })
}
