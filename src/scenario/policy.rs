//! Candidate policies: the textbook rules, the layered trigger policy with thresholds per
//! category and SKU, and sweeps that expand into one candidate per combination of values.
//!
//! A sweep is expanded here, before anything runs, into ordinary validated candidates, so the
//! engine and the statistics never know a candidate came from a sweep; each candidate carries
//! its `params` (every threshold value it runs with) for the outputs.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::document::FieldPath;
use super::raw::{RawObjective, RawPolicy, RawPolicyKind, RawThreshold, RawThresholds};
pub(crate) use super::thresholds::check_threshold;
pub use super::thresholds::{PARAMS, Thresholds};
use super::thresholds::{check_value, resolve, slot};
use super::{Category, Ctx, Sku};
use crate::error::InputError;

/// How candidates are scored (lower is better) and which are acceptable.
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    /// Weight of lost margin in the score.
    pub lost_margin_penalty: f64,
    /// `[fraction/year]` charged on the average capital tied up.
    pub annual_cost_of_capital: f64,
    /// Constraint on the pooled fill rate (units served ÷ units demanded over every
    /// replication, its lower confidence bound).
    pub min_fill_rate: Option<f64>,
    /// Constraint on the 95th percentile of capital_tied_peak `[currency]`.
    pub max_capital_peak_p95: Option<f64>,
    /// Constraint on the 95th percentile of peak_funding_need `[currency]`.
    pub max_funding_need_p95: Option<f64>,
    /// `[fraction]` of its cost that stock left at the end is worth; the score is charged the
    /// rest, spread over the measured days.
    pub terminal_value_fraction: f64,
    /// A difference of score smaller than this does not matter `[currency/day]`.
    pub indifference: f64,
    /// Confidence of comparisons and constraint checks, in (0, 1).
    pub confidence: f64,
}

impl Default for Objective {
    fn default() -> Self {
        Objective {
            lost_margin_penalty: 1.0,
            annual_cost_of_capital: 0.10,
            min_fill_rate: None,
            max_capital_peak_p95: None,
            max_funding_need_p95: None,
            terminal_value_fraction: 1.0,
            indifference: 0.0,
            confidence: 0.95,
        }
    }
}

pub(crate) fn objective(ctx: &Ctx, raw: &RawObjective) -> Result<Objective, InputError> {
    let at = FieldPath::root().key("objective");
    let d = Objective::default();
    let check = |key: &str, v: Option<f64>, hi: f64| -> Result<Option<f64>, InputError> {
        match v {
            Some(x) if !x.is_finite() || x < 0.0 || x > hi => Err(ctx.error(
                &at.key(key),
                format!("must be between 0 and {hi}, found {x}"),
            )),
            v => Ok(v),
        }
    };
    Ok(Objective {
        lost_margin_penalty: check("lost_margin_penalty", raw.lost_margin_penalty, 1e6)?
            .unwrap_or(d.lost_margin_penalty),
        annual_cost_of_capital: check("annual_cost_of_capital", raw.annual_cost_of_capital, 10.0)?
            .unwrap_or(d.annual_cost_of_capital),
        min_fill_rate: check("min_fill_rate", raw.min_fill_rate, 1.0)?,
        max_capital_peak_p95: check("max_capital_peak_p95", raw.max_capital_peak_p95, f64::MAX)?,
        max_funding_need_p95: check("max_funding_need_p95", raw.max_funding_need_p95, f64::MAX)?,
        terminal_value_fraction: check(
            "terminal_value_fraction",
            raw.terminal_value_fraction,
            1.0,
        )?
        .unwrap_or(d.terminal_value_fraction),
        indifference: match raw.indifference {
            None => d.indifference,
            Some(x) if x.is_finite() && x >= 0.0 => x,
            Some(x) => {
                return Err(ctx.error(
                    &at.key("indifference"),
                    format!("must be a finite score difference ≥ 0 [currency/day], found {x}"),
                ));
            }
        },
        confidence: match raw.confidence {
            None => d.confidence,
            Some(c) if c.is_finite() && c > 0.0 && c < 1.0 => c,
            Some(c) => {
                return Err(ctx.error(
                    &at.key("confidence"),
                    format!("must be strictly between 0 and 1 (0.95 = 95%), found {c}"),
                ));
            }
        },
    })
}

/// Most candidates one sweep may expand into.
pub const MAX_SWEEP_CANDIDATES: usize = 10_000;

#[derive(Debug, Clone)]
/// One candidate policy as the scenario defines it.
pub struct PolicySpec {
    /// The candidate's name.
    pub name: String,
    /// The rule and its parameters.
    pub rule: PolicyRule,
    /// Index into `Scenario::lanes`: every order of a textbook rule, the regular (cover)
    /// orders of the layered rule.
    pub lane: usize,
    /// `[days]` between reviews (1 = every day).
    pub review_period_days: u32,
    /// The parameter values the candidate runs with, by name (`off`: switched off), for the
    /// outputs; layered thresholds are named `CATEGORY.PARAM` (or `PARAM` without categories).
    pub params: Vec<(String, Option<f64>)>,
}

/// A replenishment rule with its parameters in units.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyRule {
    /// Periodic review (s,S): if inventory position ≤ s, order up to S.
    SS {
        reorder_point: i64,
        order_up_to: i64,
    },
    /// Order up to S at every review.
    BaseStock { order_up_to: i64 },
    /// If inventory position ≤ r, order the smallest multiple of Q that lifts it above r.
    RQ {
        reorder_point: i64,
        order_quantity: i64,
    },
    /// The layered trigger policy (see `policy::layered`).
    Layered(Arc<LayeredSpec>),
}

impl PolicyRule {
    /// A textbook rule's parameters by name, as the outputs list them (none for the layered
    /// rule, whose thresholds are listed per scope).
    pub fn textbook_params(&self) -> Vec<(String, Option<f64>)> {
        let named = |k: &str, v: i64| (k.to_string(), Some(v as f64));
        match self {
            PolicyRule::SS {
                reorder_point,
                order_up_to,
            } => vec![
                named("reorder_point", *reorder_point),
                named("order_up_to", *order_up_to),
            ],
            PolicyRule::BaseStock { order_up_to } => vec![named("order_up_to", *order_up_to)],
            PolicyRule::RQ {
                reorder_point,
                order_quantity,
            } => vec![
                named("reorder_point", *reorder_point),
                named("order_quantity", *order_quantity),
            ],
            PolicyRule::Layered(_) => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LayeredSpec {
    /// Index into `Scenario::lanes` of fast replenishment (stream, pulse, signal orders).
    pub fast_lane: usize,
    /// The distinct threshold sets of the SKUs, and each SKU's set. A catalog has a handful
    /// (one per category, and the SKUs given their own): a 112-byte copy per SKU was two cache
    /// lines more for every review of a day that walks a thousand SKUs.
    sets: Vec<Thresholds>,
    set_of_sku: Vec<u32>,
}

impl LayeredSpec {
    /// `per_sku`: thresholds resolved for each SKU (defaults ← `thresholds` ← category ← SKU).
    pub fn new(fast_lane: usize, per_sku: &[Thresholds]) -> Self {
        let mut sets: Vec<Thresholds> = Vec::new();
        let set_of_sku = per_sku
            .iter()
            .map(|t| match sets.iter().position(|s| s == t) {
                Some(k) => k as u32,
                None => {
                    sets.push(*t);
                    (sets.len() - 1) as u32
                }
            })
            .collect();
        LayeredSpec {
            fast_lane,
            sets,
            set_of_sku,
        }
    }

    /// The thresholds of SKU `sku`.
    #[inline]
    pub fn thresholds(&self, sku: usize) -> &Thresholds {
        &self.sets[self.set_of_sku[sku] as usize]
    }

    /// Number of SKUs.
    pub fn skus(&self) -> usize {
        self.set_of_sku.len()
    }
}

/// Validates the `policies` list, expanding sweeps, into candidates.
pub(crate) fn policies(
    ctx: &Ctx,
    raw: Vec<RawPolicy>,
    lane_ids: &HashMap<String, usize>,
    categories: &[Category],
    skus: &[Sku],
) -> Result<Vec<PolicySpec>, InputError> {
    let root = FieldPath::root();
    if raw.is_empty() {
        return Err(ctx.error(
            &root.key("policies"),
            "at least one policy (candidate) is needed",
        ));
    }
    let lane = |at: &FieldPath, id: &str| -> Result<usize, InputError> {
        lane_ids.get(id.trim()).copied().ok_or_else(|| {
            let mut known: Vec<_> = lane_ids.keys().map(|k| format!("`{k}`")).collect();
            known.sort();
            ctx.error(
                at,
                format!("unknown lane `{id}`; lanes defined: {}", known.join(", ")),
            )
        })
    };
    let mut names: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    for (i, p) in raw.into_iter().enumerate() {
        let at = root.key("policies").index(i);
        let name = p.name.trim().to_string();
        if name.is_empty() {
            return Err(ctx.error(&at.key("name"), "must not be empty"));
        }
        let review_period_days = match p.review_period_days {
            None => 1,
            Some(0) => {
                return Err(ctx.error(&at.key("review_period_days"), "must be at least 1"));
            }
            Some(r) => r,
        };
        let regular = lane(&at.key("lane"), &p.lane)?;
        let expanded = if p.kind == RawPolicyKind::Layered {
            let defined = Defined {
                lane: &lane,
                categories,
                skus,
            };
            layered(ctx, &at, &p, &name, regular, &defined)?
        } else {
            for (key, set) in [
                ("fast_lane", p.fast_lane.is_some()),
                ("thresholds", p.thresholds.is_some()),
                ("categories", !p.categories.is_empty()),
                ("skus", !p.skus.is_empty()),
                ("sweep", !p.sweep.is_empty()),
            ] {
                if set {
                    return Err(ctx.error(
                        &at.key(key),
                        format!("`{key}` applies only to kind `layered`"),
                    ));
                }
            }
            let rule = textbook_rule(ctx, &at, &p)?;
            let params = rule.textbook_params();
            vec![(name.clone(), rule, params)]
        };
        for (cand, rule, params) in expanded {
            if let Some(prev) = names.insert(cand.clone(), at.to_string()) {
                return Err(ctx.error(
                    &at.key("name"),
                    format!("candidate `{cand}` is already defined at {prev}"),
                ));
            }
            out.push(PolicySpec {
                name: cand,
                rule,
                lane: regular,
                review_period_days,
                params,
            });
        }
    }
    Ok(out)
}

type Candidate = (String, PolicyRule, Vec<(String, Option<f64>)>);

/// What the rest of the scenario defines that a policy may name: lanes (looked up by id, with
/// the error naming the field), categories and SKUs.
struct Defined<'a> {
    lane: &'a dyn Fn(&FieldPath, &str) -> Result<usize, InputError>,
    categories: &'a [Category],
    skus: &'a [Sku],
}

/// The layered rule, one candidate per combination of swept values. `regular` is the policy's
/// `lane`, already looked up.
fn layered(
    ctx: &Ctx,
    at: &FieldPath,
    p: &RawPolicy,
    name: &str,
    regular: usize,
    defined: &Defined,
) -> Result<Vec<Candidate>, InputError> {
    let &Defined {
        lane,
        categories,
        skus,
    } = defined;
    for (key, set) in [
        ("reorder_point", p.reorder_point.is_some()),
        ("order_up_to", p.order_up_to.is_some()),
        ("order_quantity", p.order_quantity.is_some()),
    ] {
        if set {
            return Err(ctx.error(
                &at.key(key),
                format!("`{key}` does not apply to kind `layered`"),
            ));
        }
    }
    let fast_lane = match &p.fast_lane {
        Some(id) => lane(&at.key("fast_lane"), id)?,
        None => return Err(ctx.error(at, "kind `layered` needs `fast_lane`")),
    };
    let cat_index: HashMap<&str, usize> = categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    for c in p.categories.keys() {
        if !cat_index.contains_key(c.trim()) {
            return Err(ctx.error(
                &at.key("categories").key(c),
                format!("unknown category `{c}`"),
            ));
        }
    }
    let sku_index: HashMap<&str, usize> = skus
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    for s in p.skus.keys() {
        if !sku_index.contains_key(s.trim()) {
            return Err(ctx.error(&at.key("skus").key(s), format!("unknown SKU `{s}`")));
        }
    }

    // Each sweep axis: which threshold levels it writes, and its values.
    struct Axis<'p> {
        key: &'p str,
        category: Option<&'p str>,
        param: &'p str,
        values: &'p [RawThreshold],
    }
    let mut axes = Vec::new();
    let mut combos = 1usize;
    for (key, values) in &p.sweep {
        let here = at.key("sweep").key(key);
        let (category, param) = match key.rsplit_once('.') {
            Some((c, param)) => {
                if !cat_index.contains_key(c) {
                    return Err(ctx.error(&here, format!("unknown category `{c}` in `{key}`")));
                }
                (Some(c), param)
            }
            None => (None, key.as_str()),
        };
        if !PARAMS.contains(&param) {
            return Err(ctx.error(
                &here,
                format!(
                    "unknown threshold `{param}`; thresholds: {}",
                    PARAMS.join(", ")
                ),
            ));
        }
        if values.is_empty() {
            return Err(ctx.error(&here, "needs at least one value"));
        }
        for (j, v) in values.iter().enumerate() {
            check_value(ctx, &here.index(j), param, v)?;
        }
        combos = combos.saturating_mul(values.len());
        if combos > MAX_SWEEP_CANDIDATES {
            return Err(ctx.error(
                &at.key("sweep"),
                format!("expands into more than {MAX_SWEEP_CANDIDATES} candidates"),
            ));
        }
        axes.push(Axis {
            key,
            category,
            param,
            values,
        });
    }

    let mut out = Vec::with_capacity(combos);
    for combo in 0..combos {
        // Mixed-radix digits, the last axis fastest: the order a planner reads the names in.
        let mut pick = vec![0usize; axes.len()];
        let mut rest = combo;
        for (a, axis) in axes.iter().enumerate().rev() {
            pick[a] = rest % axis.values.len();
            rest /= axis.values.len();
        }
        let mut global = p.thresholds.clone().unwrap_or_default();
        let mut per_cat: BTreeMap<String, RawThresholds> = p
            .categories
            .iter()
            .map(|(k, v)| (k.trim().to_string(), v.clone()))
            .collect();
        let mut label = Vec::new();
        for (axis, &j) in axes.iter().zip(&pick) {
            let v = axis.values[j].clone();
            label.push(format!("{}={}", axis.key, show(&v)));
            match axis.category {
                Some(c) => {
                    *slot(per_cat.entry(c.to_string()).or_default(), axis.param)
                        .expect("checked") = Some(v);
                }
                None => {
                    // A sweep of every category overrides what categories set themselves.
                    *slot(&mut global, axis.param).expect("checked") = Some(v.clone());
                    for t in per_cat.values_mut() {
                        *slot(t, axis.param).expect("checked") = None;
                    }
                }
            }
        }
        // A lane id the scenario does not define names the policy as well as the field.
        let named = |e: InputError| match e.message.contains("lane") {
            true => InputError {
                message: format!("policy `{name}`: {}", e.message),
                ..e
            },
            false => e,
        };
        let base =
            resolve(ctx, &at.key("thresholds"), Thresholds::default(), &global).map_err(named)?;
        let mut by_cat = Vec::with_capacity(categories.len());
        for c in categories {
            let t = match per_cat.get(&c.id) {
                Some(t) => {
                    resolve(ctx, &at.key("categories").key(&c.id), base, t).map_err(named)?
                }
                None => base,
            };
            by_cat.push(t);
        }
        let mut per_sku = Vec::with_capacity(skus.len());
        for s in skus {
            let inherited = s.category.map_or(base, |c| by_cat[c]);
            let mut t = match p.skus.iter().find(|(k, _)| k.trim() == s.id) {
                Some((k, t)) => {
                    resolve(ctx, &at.key("skus").key(k), inherited, t).map_err(named)?
                }
                None => inherited,
            };
            lanes_of(&mut t, regular, fast_lane);
            if let Some(cover) = t.cover_days
                && t.target_cover_days < cover
            {
                return Err(ctx.error(
                    at,
                    format!(
                        "candidate `{name}`, SKU `{}`: target_cover_days ({}) is below cover_days ({cover})",
                        s.id, t.target_cover_days
                    ),
                ));
            }
            per_sku.push(t);
        }
        let mut params = Vec::new();
        if categories.is_empty() {
            params.extend(base.listed().into_iter().map(|(k, v)| (k.to_string(), v)));
        } else {
            for (c, t) in categories.iter().zip(&by_cat) {
                params.extend(
                    t.listed()
                        .into_iter()
                        .map(|(k, v)| (format!("{}.{k}", c.id), v)),
                );
            }
        }
        let cand = if label.is_empty() {
            name.to_string()
        } else {
            format!("{name}[{}]", label.join(","))
        };
        out.push((
            cand,
            PolicyRule::Layered(Arc::new(LayeredSpec::new(fast_lane, &per_sku))),
            params,
        ));
    }
    Ok(out)
}

/// Fills in the lanes `t` inherits: the policy's `lane` and `fast_lane`, and the fast lane
/// (the SKU's own) for the persist and signal lanes.
pub(crate) fn lanes_of(t: &mut Thresholds, regular: usize, fast: usize) {
    let lane = |x: usize| Some(x as u32);
    t.lane.0 = t.lane.0.or(lane(regular));
    t.fast_lane.0 = t.fast_lane.0.or(lane(fast));
    t.persist_lane.0 = t.persist_lane.0.or(t.fast_lane.0);
    t.signal_lane.0 = t.signal_lane.0.or(t.fast_lane.0);
}

/// A swept value as it appears in a candidate's name.
fn show(v: &RawThreshold) -> String {
    match v {
        RawThreshold::Number(x) => format!("{x}"),
        RawThreshold::Word(w) => w.trim().to_string(),
        RawThreshold::Switch(false) => "off".to_string(),
        RawThreshold::Switch(true) => "on".to_string(),
    }
}

fn textbook_rule(ctx: &Ctx, at: &FieldPath, p: &RawPolicy) -> Result<PolicyRule, InputError> {
    let kind = match p.kind {
        RawPolicyKind::SS => "s_S",
        RawPolicyKind::BaseStock => "base_stock",
        RawPolicyKind::RQ => "r_Q",
        RawPolicyKind::Layered => "layered",
    };
    let need = |key: &str, v: Option<i64>| -> Result<i64, InputError> {
        let v = v.ok_or_else(|| ctx.error(at, format!("kind `{kind}` needs `{key}`")))?;
        if v < 0 {
            return Err(ctx.error(&at.key(key), format!("must be ≥ 0 units, found {v}")));
        }
        Ok(v)
    };
    let unused = |key: &str, v: Option<i64>| -> Result<(), InputError> {
        match v {
            Some(_) => Err(ctx.error(
                &at.key(key),
                format!("`{key}` does not apply to kind `{kind}`"),
            )),
            None => Ok(()),
        }
    };
    Ok(match p.kind {
        RawPolicyKind::SS => {
            unused("order_quantity", p.order_quantity)?;
            let s = need("reorder_point", p.reorder_point)?;
            let big_s = need("order_up_to", p.order_up_to)?;
            if s >= big_s {
                return Err(ctx.error(
                    &at.key("reorder_point"),
                    format!("reorder point ({s}) must be below order_up_to ({big_s})"),
                ));
            }
            PolicyRule::SS {
                reorder_point: s,
                order_up_to: big_s,
            }
        }
        RawPolicyKind::BaseStock => {
            unused("reorder_point", p.reorder_point)?;
            unused("order_quantity", p.order_quantity)?;
            PolicyRule::BaseStock {
                order_up_to: need("order_up_to", p.order_up_to)?,
            }
        }
        RawPolicyKind::RQ => {
            unused("order_up_to", p.order_up_to)?;
            let r = need("reorder_point", p.reorder_point)?;
            let q = need("order_quantity", p.order_quantity)?;
            if q == 0 {
                return Err(ctx.error(&at.key("order_quantity"), "must be at least 1 unit"));
            }
            PolicyRule::RQ {
                reorder_point: r,
                order_quantity: q,
            }
        }
        RawPolicyKind::Layered => unreachable!("layered rules are built by `layered`"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layered_thresholds_are_shared_by_equal_skus_and_kept_per_sku() {
        let a = Thresholds::default();
        let b = Thresholds {
            cover_days: Some(21.0),
            ..a
        };
        let per_sku = [a, b, a, b, Thresholds { case_pack: 12, ..a }];
        let spec = LayeredSpec::new(1, &per_sku);
        assert_eq!(spec.skus(), 5);
        assert_eq!(spec.sets.len(), 3, "equal SKUs share one set");
        for (i, t) in per_sku.iter().enumerate() {
            assert_eq!(spec.thresholds(i), t, "SKU {i}");
        }
    }
}
