//! What a replication leaves behind once its days are run: the conservation check on every
//! SKU, then its metrics, for all SKUs and for each category.

use super::state::Model;
use super::{Engine, World};
use crate::metrics::{Metric, RepMetrics, ScopeTotals};

impl Engine {
    /// Units are conserved on every SKU of every replication: what was there plus what came
    /// equals what left plus what is there, and every unit ordered is received, on order or
    /// never delivered. Always on (its cost is one pass over the SKUs per replication, against
    /// a pass per SKU-day), so the tests CI runs in release check it on every replication they
    /// simulate; a failure is an engine bug, never an input error.
    pub(super) fn check_conservation(&self, model: &Model) {
        let dated = &model.dated_backorders;
        for (i, (st, sku)) in self.skus.iter().zip(&model.scenario.skus).enumerate() {
            assert_eq!(
                i64::from(sku.initial_on_hand) + st.received,
                st.shipped + st.on_hand,
                "engine bug: stock conservation broken for {}",
                sku.id
            );
            assert_eq!(
                st.ordered,
                st.received + st.on_order + st.undelivered,
                "engine bug: orders of {} not all received, on order or undelivered",
                sku.id
            );
            assert!(
                st.on_hand >= 0 && st.backorders >= 0 && st.on_order >= 0,
                "engine bug: negative stock for {}",
                sku.id
            );
            // Money is conserved as units are: every payment for goods, freight and duty is
            // in the landed value received, in the pipeline's value or in the deposits.
            let held = st.landed_in + st.transit_value + st.prepaid;
            assert!(
                (st.paid - held).abs() <= 1e-9 * st.paid.abs().max(held.abs()).max(1.0),
                "engine bug: money conservation broken for {}: paid {} but received {} + in \
                 transit {} + prepaid {}",
                sku.id,
                st.paid,
                st.landed_in,
                st.transit_value,
                st.prepaid
            );
            if dated[i] {
                let queued: i64 = st.waiting.iter().map(|&(_, q)| i64::from(q)).sum();
                assert_eq!(
                    queued, st.backorders,
                    "engine bug: dated backorders of {} out of step",
                    sku.id
                );
            }
        }
    }

    pub(super) fn write_metrics(
        &mut self,
        model: &Model,
        world: &World,
        peak_capital: f64,
        out: &mut RepMetrics,
    ) {
        *out = self.scope_metrics(model, world, 0, peak_capital);
        for k in 0..self.by_category.len() {
            self.by_category[k] = self.scope_metrics(model, world, 1 + k, self.category_peak[k]);
        }
    }

    /// Metrics of the replication just run, for scope 0 (every SKU) or 1 + k (category k).
    fn scope_metrics(
        &self,
        model: &Model,
        world: &World,
        scope: usize,
        peak_capital: f64,
    ) -> RepMetrics {
        let sc = model.scenario;
        let objective = &sc.objective;
        let mut t = ScopeTotals {
            days: f64::from(sc.calendar.measured_days()),
            peak_capital,
            annual_cost_of_capital: objective.annual_cost_of_capital,
            lost_margin_penalty: objective.lost_margin_penalty,
            terminal_value_fraction: objective.terminal_value_fraction,
            ..ScopeTotals::default()
        };
        for (i, (st, sku)) in self.skus.iter().zip(&sc.skus).enumerate() {
            if scope > 0 && sku.category != Some(scope - 1) {
                continue;
            }
            let money = &model.money[i];
            // Stock left is valued as capital is: on hand at its moving-average landed cost,
            // on order at the standard landed cost it will have.
            t.terminal +=
                st.avg_cost * st.on_hand.max(0) as f64 + money.landed() * st.on_order as f64;
            t.duty += st.duty;
            t.landed_in += st.landed_in - st.boundary.landed_in;
            t.received += st.received - st.boundary.received;
            t.gross_margin += money.gross_margin(st);
            t.holding += sku.costs.holding_per_unit_day * st.on_hand_days as f64;
            t.backorder += sku.costs.backorder_per_unit_day * st.backorder_days as f64;
            t.ordering += sku.costs.fixed_order_cost * st.orders as f64;
            t.cap_on_hand += st.on_hand_value_days();
            t.cap_transit += if model.plain_capital {
                model.consts[i].unit_cost * st.on_order_days as f64
            } else {
                st.transit_value_days
            };
            t.cap_prepaid += st.prepaid_days;
            t.freight += st.freight;
            t.premium += st.premium;
            t.port_delay += st.port_delay_days;
            t.lead_days += st.lead_unit_days;
            t.units += st.units_ordered;
            t.air += st.units_air;
            t.backup += st.units_backup_supplier;
            t.holds += st.customs_holds;
            t.lost_revenue += sku.price * (st.lost + st.cancelled) as f64;
            t.lost_margin += money.lost_margin(st);
            t.on_hand += st.on_hand_days;
            t.backorders += st.backorder_days;
            t.transit += st.on_order_days;
            t.demanded += st.demanded;
            t.served += st.demanded - st.short;
            t.lost += st.lost;
            t.stockout_days += st.stockout_days;
            t.orders += st.orders;
            t.stream_demanded += st.stream_demanded;
            t.stream_served += st.stream_served;
            t.presale += st.presale;
            t.cancelled += st.cancelled;
            t.substituted += st.substituted;
            t.viral += world.viral_units(i);
            for (c, n) in t.triggered.iter_mut().zip(&st.triggered) {
                *c += n;
            }
            for (u, n) in t.by_trigger.iter_mut().zip(&st.units_by_trigger) {
                u[0] += n[0];
                u[1] += n[1];
            }
            for (u, n) in t.by_mode.iter_mut().zip(&st.units_by_mode) {
                *u += n;
            }
        }
        let warmup = sc.calendar.warmup_days;
        let scopes = model.scopes();
        t.streams_out = sc
            .streams
            .streams
            .iter()
            .enumerate()
            .filter(|(j, s)| self.stream_out[j * scopes + scope] && s.day() >= warmup)
            .count();
        // Cash is followed for all SKUs together: a category's share of a shared credit line
        // is not defined, so its scopes report none.
        if scope == 0 {
            t.peak_funding_need = self.cash_totals.peak_funding_need;
            t.cash_out = self.cash_totals.out;
            t.cash_in = self.cash_totals.inflow;
        }
        let mut out = RepMetrics::default();
        for &m in Metric::ALL {
            out.set(m, m.value(&t));
        }
        out
    }
}
