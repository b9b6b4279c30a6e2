//! The search space: points (one value per tuned parameter, `None` = off), the space-filling
//! design, neighbours for refinement, and the policy a point stands for.

use std::sync::Arc;

use rand::RngExt;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::scenario::tune::{TuneParam, TuneSpec};
use crate::scenario::{LayeredSpec, PolicyRule, PolicySpec, Scenario, Thresholds};

/// One value per tuned parameter, in `TuneSpec::params` order; `None` is `off`.
pub type Point = Vec<Option<f64>>;

/// Share of the unit interval mapped to `off` for a parameter that may be switched off.
const OFF_SHARE: f64 = 0.2;

fn value(p: &TuneParam, u: f64) -> Option<f64> {
    let u = if p.off {
        if u < OFF_SHARE {
            return None;
        }
        (u - OFF_SHARE) / (1.0 - OFF_SHARE)
    } else {
        u
    };
    Some(snap(p, p.min + u * (p.max - p.min)))
}

/// `x` on the parameter's grid: whole numbers for integer parameters, else a step of a
/// power of ten between 1/1000 and 1/100 of the range — finer than any score difference a
/// replication budget resolves, and values a planner can write down (14.3, not 14.2719…).
fn snap(p: &TuneParam, x: f64) -> f64 {
    let width = p.max - p.min;
    let x = if p.integer || width <= 0.0 {
        x.round()
    } else {
        let step = 10f64.powf(width.log10().floor() - 2.0);
        let snapped = (x / step).round() * step;
        // Printing a multiple of a power of ten through its shortest decimal form drops the
        // binary noise (0.30000000000000004).
        format!("{snapped:.*}", (-step.log10().round()).max(0.0) as usize)
            .parse()
            .unwrap_or(snapped)
    };
    x.clamp(p.min, p.max)
}

/// Makes an (s,S) point a candidate: S above s.
fn repair(spec: &TuneSpec, point: &mut Point) {
    let s = spec.params.iter().position(|p| p.name == "reorder_point");
    let big = spec.params.iter().position(|p| p.name == "order_up_to");
    if let (Some(s), Some(b)) = (s, big)
        && let (Some(sv), Some(bv)) = (point[s], point[b])
        && bv <= sv
    {
        let hi = spec.params[b].max;
        if sv + 1.0 <= hi {
            point[b] = Some(sv + 1.0);
        } else {
            point[s] = Some(hi - 1.0);
            point[b] = Some(hi);
        }
    }
}

/// A Latin hypercube of `n` points: each parameter's range cut into `n` strata, one point in
/// each, strata permuted independently per parameter. Drawn from `seed` alone.
pub fn design(spec: &TuneSpec, n: usize, seed: u64) -> Vec<Point> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(crate::rng::splitmix64(seed ^ 0x006c_6873));
    let d = spec.params.len();
    let mut columns: Vec<Vec<f64>> = Vec::with_capacity(d);
    for _ in 0..d {
        let mut strata: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = rng.random_range(0..=i);
            strata.swap(i, j);
        }
        columns.push(
            strata
                .into_iter()
                .map(|k| (k as f64 + rng.random::<f64>()) / n as f64)
                .collect(),
        );
    }
    let mut out: Vec<Point> = Vec::with_capacity(n);
    for i in 0..n {
        let mut p: Point = spec
            .params
            .iter()
            .zip(&columns)
            .map(|(param, col)| value(param, col[i]))
            .collect();
        repair(spec, &mut p);
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// The neighbours of `c` one step (a fraction of each range) away along each axis, inside
/// the ranges.
pub fn neighbours(spec: &TuneSpec, c: &Point, step: f64) -> Vec<Point> {
    let mut out = Vec::new();
    for (j, p) in spec.params.iter().enumerate() {
        let mut vals = Vec::new();
        // An `off` value has no neighbours along its own axis.
        if let Some(x) = c[j] {
            let mut h = step * (p.max - p.min);
            if p.integer {
                h = h.round().max(1.0);
            }
            for y in [x - h, x + h] {
                if y >= p.min && y <= p.max {
                    vals.push(Some(snap(p, y)));
                }
            }
        }
        for v in vals {
            let mut q = c.clone();
            q[j] = v;
            repair(spec, &mut q);
            if q != *c && !out.contains(&q) {
                out.push(q);
            }
        }
    }
    out
}

/// The parameters whose value in `c` lies on an end of its range (within 1% of its width).
pub fn on_edge(spec: &TuneSpec, c: &Point) -> Vec<String> {
    spec.params
        .iter()
        .zip(c)
        .filter_map(|(p, v)| {
            let x = (*v)?;
            let tol = 0.01 * (p.max - p.min);
            (p.max > p.min && (x - p.min <= tol || p.max - x <= tol)).then(|| p.name.clone())
        })
        .collect()
}

fn set(t: &mut Thresholds, name: &str, v: Option<f64>) {
    // Validation has checked the name and the range; the definitions route it to its field.
    let known = t.set(name, v);
    debug_assert!(known, "{name} is a threshold");
}

/// The policy `point` stands for: `base` with the tuned parameters set — for a layered
/// policy on the SKUs of category `scope` (every SKU when `None`). A cover threshold above
/// the target cover raises the target to it (the format requires target ≥ cover).
pub fn build(
    sc: &Scenario,
    spec: &TuneSpec,
    base: &PolicySpec,
    scope: Option<usize>,
    point: &Point,
    name: &str,
) -> PolicySpec {
    let get = |n: &str| {
        spec.params
            .iter()
            .position(|p| p.name == n)
            .and_then(|j| point[j])
    };
    let rule = match &base.rule {
        PolicyRule::SS {
            reorder_point,
            order_up_to,
        } => {
            let s = get("reorder_point").map_or(*reorder_point, |x| x as i64);
            let big = get("order_up_to").map_or(*order_up_to, |x| x as i64);
            PolicyRule::SS {
                reorder_point: s,
                order_up_to: big.max(s + 1),
            }
        }
        PolicyRule::BaseStock { order_up_to } => PolicyRule::BaseStock {
            order_up_to: get("order_up_to").map_or(*order_up_to, |x| x as i64),
        },
        PolicyRule::RQ {
            reorder_point,
            order_quantity,
        } => PolicyRule::RQ {
            reorder_point: get("reorder_point").map_or(*reorder_point, |x| x as i64),
            order_quantity: get("order_quantity").map_or(*order_quantity, |x| (x as i64).max(1)),
        },
        PolicyRule::Layered(l) => {
            let per_sku: Vec<Thresholds> = sc
                .skus
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let mut t = *l.thresholds(i);
                    if scope.is_none() || s.category == scope {
                        for (p, v) in spec.params.iter().zip(point) {
                            set(&mut t, &p.name, *v);
                        }
                        if let Some(c) = t.cover_days
                            && t.target_cover_days < c
                        {
                            t.target_cover_days = c;
                        }
                    }
                    t
                })
                .collect();
            PolicyRule::Layered(Arc::new(LayeredSpec::new(l.fast_lane, &per_sku)))
        }
    };
    let params = params_of(sc, &rule);
    PolicySpec {
        name: name.to_string(),
        rule,
        lane: base.lane,
        review_period_days: base.review_period_days,
        params,
    }
}

/// The parameter list the outputs show, laid out as `scenario::policy` lays it out.
fn params_of(sc: &Scenario, rule: &PolicyRule) -> Vec<(String, Option<f64>)> {
    match rule {
        PolicyRule::SS { .. } | PolicyRule::BaseStock { .. } | PolicyRule::RQ { .. } => {
            rule.textbook_params()
        }
        PolicyRule::Layered(l) => {
            if sc.categories.is_empty() {
                let t = if l.skus() > 0 {
                    *l.thresholds(0)
                } else {
                    Thresholds::default()
                };
                t.listed()
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect()
            } else {
                let mut out = Vec::new();
                for (k, c) in sc.categories.iter().enumerate() {
                    let Some(i) = sc.skus.iter().position(|s| s.category == Some(k)) else {
                        continue;
                    };
                    let t = l.thresholds(i);
                    out.extend(
                        t.listed()
                            .into_iter()
                            .map(|(p, v)| (format!("{}.{p}", c.id), v)),
                    );
                }
                out
            }
        }
    }
}
