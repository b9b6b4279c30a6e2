//! A part of a scenario: some of its SKUs, replayed on their own with the futures they have in
//! the whole scenario.
//!
//! A category's search changes only that category's thresholds, so replaying every SKU for
//! every candidate repeats the other categories' identical days. Instead the category's SKUs
//! form a scenario of their own (its candidates replay only them) and the other SKUs another,
//! replayed once per replication with the thresholds they keep; the plan's daily capital and
//! cash are the sums of the two parts' (both are sums over SKUs).
//!
//! The futures stay the same because every per-SKU random stream is keyed by the SKU's
//! position in the whole scenario and every stream entry's by its position in the whole
//! stream plan (`rng::Keys`), and what the whole scenario shares (the calendar, lanes,
//! suppliers, congestion, scripted disruptions) is copied whole. What a part cannot see is
//! the other part's use of a shared supplier's capacity: where categories share a supplier
//! with a capacity, a part's queue at the factory is shorter than in the whole plan, and the
//! search approximates (the confirmation run always replays the whole plan).

use std::sync::Arc;

use crate::scenario::{LayeredSpec, PolicyRule, PolicySpec, Scenario, StockoutRule};

/// Whether the SKUs `keep` (by index into `sc.skus`) and the others can be replayed apart:
/// no buyer of one side switches to a SKU of the other.
pub fn separable(sc: &Scenario, keep: &[bool]) -> bool {
    sc.skus.iter().enumerate().all(|(i, s)| {
        [s.stockout, s.stockout_in_stream].iter().all(|r| match r {
            StockoutRule::Substitute { sku, .. } => keep[*sku] == keep[i],
            _ => true,
        })
    })
}

/// `sc` cut down to the SKUs `keep` marks, in their order, drawing the futures they have in
/// `sc`. Substitutes must stay inside the part ([`separable`]).
pub fn part(sc: &Scenario, keep: &[bool]) -> Scenario {
    let old: Vec<usize> = (0..sc.skus.len()).filter(|&i| keep[i]).collect();
    let mut new_of = vec![usize::MAX; sc.skus.len()];
    for (n, &o) in old.iter().enumerate() {
        new_of[o] = n;
    }
    let remap = |r: StockoutRule| match r {
        StockoutRule::Substitute { sku, fraction } => StockoutRule::Substitute {
            sku: new_of[sku],
            fraction,
        },
        r => r,
    };
    let mut out = sc.clone();
    out.variants.clear();
    out.skus = old
        .iter()
        .map(|&o| {
            let mut s = sc.skus[o].clone();
            s.stockout = remap(s.stockout);
            s.stockout_in_stream = remap(s.stockout_in_stream);
            s
        })
        .collect();
    // Every stream stays (stream indices key nothing, but reports count them); its entries
    // are the kept SKUs', each keeping the key of its place in the whole stream plan.
    let mut entry = 0usize;
    let mut entries = Vec::new();
    for s in &mut out.streams.streams {
        let mut featured = Vec::new();
        for &(sku, forecast) in &s.featured {
            if keep[sku] {
                featured.push((new_of[sku], forecast));
                entries.push(sc.rng_keys.entry(entry));
            }
            entry += 1;
        }
        s.featured = featured;
    }
    out.rng_keys = crate::rng::Keys {
        skus: old.iter().map(|&o| sc.rng_keys.sku(o)).collect(),
        entries,
    };
    out.state.open_orders.retain(|po| keep[po.sku]);
    for po in &mut out.state.open_orders {
        po.sku = new_of[po.sku];
    }
    if !out.state.backorders.is_empty() {
        out.state.backorders = old.iter().map(|&o| sc.state.backorders[o]).collect();
    }
    out.report.chart_sku = if keep[sc.report.chart_sku] {
        new_of[sc.report.chart_sku]
    } else {
        0
    };
    out.policies = sc.policies.iter().map(|p| restrict(p, &old)).collect();
    out
}

/// `p` for the SKUs `old` (by index into the whole scenario's SKUs), in that order.
pub fn restrict(p: &PolicySpec, old: &[usize]) -> PolicySpec {
    let mut out = p.clone();
    if let PolicyRule::Layered(l) = &p.rule {
        let per_sku: Vec<_> = old.iter().map(|&o| *l.thresholds(o)).collect();
        out.rule = PolicyRule::Layered(Arc::new(LayeredSpec::new(l.fast_lane, &per_sku)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, Model, World};
    use crate::metrics::{Metric, RepMetrics};
    use crate::stats::sku::SkuRep;

    fn shipped(name: &str) -> Scenario {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(name);
        crate::scenario::load(&path, &[]).expect("shipped scenario is valid")
    }

    /// Replays candidate 0 of `sc` on replication `rep`: per-SKU results, the all-SKU and
    /// per-category metrics, and each day's capital and cumulative net cash.
    fn replay(sc: &Scenario, rep: u64) -> (Vec<SkuRep>, Vec<RepMetrics>, Vec<(f64, f64)>) {
        let model = Model::new(sc);
        let mut world = World::new(&model);
        let mut engine = Engine::new(&model);
        let mut policy = model.policy(0);
        world.generate(&model, rep);
        let mut m = RepMetrics::default();
        engine.run(&model, &world, policy.as_mut(), &mut m);
        let mut skus = Vec::new();
        engine.sku_reps(&model, &mut skus);
        let mut scopes = vec![m];
        scopes.extend_from_slice(engine.category_metrics());
        let days = engine
            .daily()
            .iter()
            .map(|d| (d.total(), d.net_cash))
            .collect();
        (skus, scopes, days)
    }

    /// Without shared supplier capacity (`tune-categories.yaml` has no supplier), a category
    /// replayed on its own is, SKU for SKU, the same replay as inside the whole scenario —
    /// demand, viral spikes, signals, streams, buyers' responses and transits all keyed by
    /// what they drive in the whole scenario — and the parts' daily capital and cash add up
    /// to the whole's.
    #[test]
    fn a_category_replayed_alone_is_the_same_replay_sku_for_sku() {
        let mut sc = shipped("tune-categories.yaml");
        // The tuned entry (per-category thresholds, every trigger on).
        sc.policies = vec![sc.policies[1].clone()];
        assert!(sc.suppliers.is_empty());
        for rep in [0, 5] {
            let (whole, scopes, days) = replay(&sc, rep);
            let mut sum = vec![(0.0, 0.0); days.len()];
            for k in 0..sc.categories.len() {
                let keep: Vec<bool> = sc.skus.iter().map(|s| s.category == Some(k)).collect();
                assert!(separable(&sc, &keep));
                let sub = part(&sc, &keep);
                let (alone, sub_scopes, sub_days) = replay(&sub, rep);
                let old: Vec<usize> = (0..keep.len()).filter(|&i| keep[i]).collect();
                assert_eq!(alone.len(), old.len());
                for (n, &o) in old.iter().enumerate() {
                    assert_eq!(
                        alone[n], whole[o],
                        "rep {rep}: SKU {} alone differs from the whole replay",
                        sc.skus[o].id
                    );
                }
                // The part's every-SKU scope is the whole replay's category scope.
                for m in [Metric::Score, Metric::FillRate, Metric::LostUnits] {
                    assert_eq!(sub_scopes[0].get(m), scopes[1 + k].get(m), "{m:?}");
                }
                for (s, d) in sum.iter_mut().zip(&sub_days) {
                    s.0 += d.0;
                    s.1 += d.1;
                }
            }
            for ((c, n), (wc, wn)) in sum.iter().zip(&days) {
                assert!((c - wc).abs() <= 1e-6 * wc.abs().max(1.0), "{c} vs {wc}");
                assert!((n - wn).abs() <= 1e-6 * wn.abs().max(1.0), "{n} vs {wn}");
            }
        }
    }

    #[test]
    fn a_substitute_in_another_part_makes_the_parts_inseparable() {
        let mut sc = shipped("tune-categories.yaml");
        sc.skus[0].stockout = StockoutRule::Substitute {
            sku: 5,
            fraction: 0.5,
        };
        let keep: Vec<bool> = sc.skus.iter().map(|s| s.category == Some(0)).collect();
        assert!(!separable(&sc, &keep));
        let keep_both: Vec<bool> = (0..6).map(|i| i == 0 || i == 5).collect();
        assert!(separable(&sc, &keep_both));
        let sub = part(&sc, &keep_both);
        assert!(matches!(
            sub.skus[0].stockout,
            StockoutRule::Substitute { sku: 1, .. }
        ));
    }
}
