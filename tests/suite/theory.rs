//! The engine reproduces inventory theory: where theory has an exact answer, the simulated means
//! agree with it within Monte Carlo error.
//!
//! Model: Poisson(λ) daily demand, review at the start of each day after arrivals, integer lead
//! time L (an order placed on day t is sellable on day t + L), demand after review, unmet
//! demand backordered, end-of-day tallies. If y is the inventory position just after the review
//! of day t, then at the end of day t + L the net stock is y − X_{L+1} with
//! X_k ~ Poisson(kλ) independent of y, and at the start of day t + L it is y − X_L. Hence
//!
//! - E[on hand]        = E[(y − X_{L+1})⁺]
//! - E[backorders]     = E[(X_{L+1} − y)⁺]
//! - E[short per day]  = E[(X_{L+1} − y)⁺] − E[(X_L − y)⁺],  fill rate = 1 − that / λ
//! - E[in transit]     = λ·L (Little's law)
//!
//! with y = S for base-stock, y uniform on r+1..=r+Q for (r,Q), and y distributed by the exact
//! stationary law of the (s,S) position chain, computed here by power iteration. These values
//! are computed independently of the engine, from the model's definition alone.

use restock::Metric;

use super::support::{assert_agrees, load, simulate};

/// P(X = k) for X ~ Poisson(mean), k = 0..len.
fn pmf(mean: f64, len: usize) -> Vec<f64> {
    let mut p = vec![0.0; len];
    if mean == 0.0 {
        p[0] = 1.0;
        return p;
    }
    // Recurse in logs: the terms are tiny near 0 for the large means used here.
    let mut log = -mean;
    for (k, v) in p.iter_mut().enumerate() {
        if k > 0 {
            log += mean.ln() - (k as f64).ln();
        }
        *v = log.exp();
    }
    p
}

struct Expected {
    on_hand: f64,
    backorders: f64,
    short_per_day: f64,
    orders_per_day: f64,
}

/// Expectations for a stationary distribution `pos` of the position after review
/// (pairs of position and probability).
fn expected(lambda: f64, lead: u32, pos: &[(i64, f64)], reorder_point: Option<i64>) -> Expected {
    let top = pos.iter().map(|p| p.0).max().unwrap() as usize;
    let len = top + (200.0 + 40.0 * (lambda * (f64::from(lead) + 1.0)).sqrt()) as usize;
    let x_l1 = pmf(lambda * (f64::from(lead) + 1.0), len);
    let x_l = pmf(lambda * f64::from(lead), len);
    let d = pmf(lambda, len);
    let mut e = Expected {
        on_hand: 0.0,
        backorders: 0.0,
        short_per_day: 0.0,
        orders_per_day: 0.0,
    };
    for &(y, w) in pos {
        for k in 0..len {
            let net = y - k as i64;
            e.on_hand += w * x_l1[k] * net.max(0) as f64;
            e.backorders += w * x_l1[k] * (-net).max(0) as f64;
            e.short_per_day += w * (x_l1[k] - x_l[k]) * (-net).max(0) as f64;
        }
        e.orders_per_day += w * match reorder_point {
            // (s,S) and (r,Q): an order follows when the day's demand takes y to s or below.
            Some(s) => d[((y - s) as usize).min(len)..].iter().sum::<f64>(),
            // base-stock: an order follows any positive demand.
            None => 1.0 - d[0],
        };
    }
    e
}

/// Stationary law of the (s,S) position after review: y → y − D if that stays above s, else S.
fn ss_stationary(lambda: f64, s: i64, big_s: i64) -> Vec<(i64, f64)> {
    let n = (big_s - s) as usize; // states s+1..=S
    let d = pmf(lambda, n + 1);
    let mut pi = vec![1.0 / n as f64; n];
    for _ in 0..20_000 {
        let mut next = vec![0.0; n];
        for (i, &w) in pi.iter().enumerate() {
            let y = s + 1 + i as i64;
            let mut stay = 0.0;
            for (k, &p) in d.iter().enumerate() {
                let z = y - k as i64;
                if z > s {
                    next[(z - s - 1) as usize] += w * p;
                    stay += p;
                }
            }
            next[n - 1] += w * (1.0 - stay);
        }
        let delta: f64 = next.iter().zip(&pi).map(|(a, b)| (a - b).abs()).sum();
        pi = next;
        if delta < 1e-15 {
            break;
        }
    }
    pi.iter()
        .enumerate()
        .map(|(i, &w)| (s + 1 + i as i64, w))
        .collect()
}

struct Case {
    name: &'static str,
    lambda: f64,
    lead: u32,
    policy: Vec<String>,
    position: Vec<(i64, f64)>,
    reorder_point: Option<i64>,
}

fn check(case: Case) {
    let reps = 2000u32;
    let mut overrides: Vec<String> = vec![
        format!("skus.0.demand.mean_per_day={}", case.lambda),
        format!("lanes.0.transit_days.fixed={}", case.lead),
        format!("replications={reps}"),
        // The file's `tune:` block names the (s,S) policy some cases replace.
        "tune=".to_string(),
    ];
    overrides.extend(case.policy.iter().cloned());
    let refs: Vec<&str> = overrides.iter().map(String::as_str).collect();
    let sc = load("textbook-ss.yaml", &refs);
    let stats = &simulate(&sc)[0];
    let sku = &sc.skus[0];
    let e = expected(case.lambda, case.lead, &case.position, case.reorder_point);
    let n = u64::from(reps);
    let c = case.name;
    assert_agrees(c, stats, Metric::AvgOnHandUnits, e.on_hand, n);
    assert_agrees(c, stats, Metric::AvgBackorderUnits, e.backorders, n);
    assert_agrees(
        c,
        stats,
        Metric::FillRate,
        1.0 - e.short_per_day / case.lambda,
        n,
    );
    assert_agrees(c, stats, Metric::OrdersPerDay, e.orders_per_day, n);
    assert_agrees(
        c,
        stats,
        Metric::AvgInTransitUnits,
        case.lambda * f64::from(case.lead),
        n,
    );
    let (h, b, k) = (
        sku.costs.holding_per_unit_day,
        sku.costs.backorder_per_unit_day,
        sku.costs.fixed_order_cost,
    );
    assert_agrees(c, stats, Metric::HoldingCostPerDay, h * e.on_hand, n);
    assert_agrees(c, stats, Metric::BackorderCostPerDay, b * e.backorders, n);
    assert_agrees(
        c,
        stats,
        Metric::OrderingCostPerDay,
        k * e.orders_per_day,
        n,
    );
    assert_agrees(
        c,
        stats,
        Metric::TotalCostPerDay,
        h * e.on_hand + b * e.backorders + k * e.orders_per_day,
        n,
    );
    assert_agrees(
        c,
        stats,
        Metric::CapitalTiedAvg,
        sku.unit_cost * (e.on_hand + case.lambda * f64::from(case.lead)),
        n,
    );
}

fn ss(lambda: f64, lead: u32, s: i64, big_s: i64) -> Case {
    Case {
        name: "s_S",
        lambda,
        lead,
        policy: vec![
            format!("policies.0.reorder_point={s}"),
            format!("policies.0.order_up_to={big_s}"),
            format!("skus.0.initial_on_hand={big_s}"),
        ],
        position: ss_stationary(lambda, s, big_s),
        reorder_point: Some(s),
    }
}

fn base_stock(lambda: f64, lead: u32, big_s: i64) -> Case {
    Case {
        name: "base_stock",
        lambda,
        lead,
        policy: vec![
            "policies.0.kind=base_stock".into(),
            "policies.0.reorder_point=".into(),
            format!("policies.0.order_up_to={big_s}"),
            format!("skus.0.initial_on_hand={big_s}"),
        ],
        position: vec![(big_s, 1.0)],
        reorder_point: None,
    }
}

#[test]
fn periodic_s_s_as_shipped_matches_its_stationary_distribution() {
    check(ss(20.0, 7, 160, 300));
}

#[test]
fn periodic_s_s_with_zero_lead_time_and_low_demand() {
    check(ss(5.0, 0, 3, 20));
}

#[test]
fn periodic_s_s_with_tight_reorder_point() {
    check(ss(12.0, 3, 30, 70));
}

#[test]
fn base_stock_matches_the_closed_form() {
    check(base_stock(8.0, 3, 40));
}

#[test]
fn base_stock_with_zero_lead_time() {
    check(base_stock(20.0, 0, 25));
}

#[test]
fn base_stock_with_long_lead_time_and_frequent_backorders() {
    check(base_stock(20.0, 7, 150));
}

#[test]
fn r_q_position_is_uniform_above_the_reorder_point() {
    let (r, q) = (60i64, 50i64);
    check(Case {
        name: "r_Q",
        lambda: 12.0,
        lead: 4,
        policy: vec![
            "policies.0.kind=r_Q".into(),
            "policies.0.order_up_to=".into(),
            format!("policies.0.reorder_point={r}"),
            format!("policies.0.order_quantity={q}"),
            format!("skus.0.initial_on_hand={}", r + q),
        ],
        position: (r + 1..=r + q).map(|y| (y, 1.0 / q as f64)).collect(),
        reorder_point: Some(r),
    });
}

#[test]
fn the_theory_helpers_are_right_on_a_hand_computed_case() {
    // λ = 1, L = 0, base-stock S = 1: on hand = P(X=0)·1 = e⁻¹, backorders = E[(X−1)⁺] = e⁻¹.
    let e = expected(1.0, 0, &[(1, 1.0)], None);
    let inv_e = (-1.0f64).exp();
    assert!((e.on_hand - inv_e).abs() < 1e-12);
    assert!((e.backorders - inv_e).abs() < 1e-12);
    // The (s,S) chain's law sums to one and puts extra mass on S (every order lands there).
    let pi = ss_stationary(20.0, 160, 300);
    assert!((pi.iter().map(|p| p.1).sum::<f64>() - 1.0).abs() < 1e-9);
    assert!(pi.last().unwrap().1 > pi[pi.len() / 2].1);
}
