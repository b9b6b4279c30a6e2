//! What `advise` needs from the engine: the policy's review of every SKU on day 0 against the
//! opening state (today's purchase orders, with the facts behind each), and each SKU's own
//! outcome of a replication (for paired with/without comparisons).

use super::view::{SkuRecord, view};
use super::{Engine, Model, World};
use crate::calendar::SimTime;
use crate::policy::Policy;

/// One order the policy places today, with what it saw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TodayOrder {
    pub order: crate::policy::Order,
    /// `[units]` on the shelf, owed, and on order (open POs) when it reviewed.
    pub on_hand: i64,
    pub backorders: i64,
    pub on_order: i64,
    /// First sellable day the supplier and forwarder quote for it.
    pub quoted_arrival_day: u32,
    /// The supplier quoted (the SKU's primary).
    pub supplier: Option<usize>,
    /// `[units]` of open POs quoted to land by the day the order is needed by (or its arrival).
    pub landing_by: i64,
    /// The announced stream's (corrected) forecast on the day the order is needed by.
    pub stream_forecast: Option<f64>,
}

/// One SKU's outcome of a replication.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SkuOutcome {
    /// `[currency]` (price − unit cost, at least 0) × (lost + cancelled units).
    pub lost_margin: f64,
    /// `[currency]` freight of shipments ordered on measured days.
    pub freight: f64,
    /// `[currency]` mean end-of-day capital tied up (on hand + in transit + prepaid).
    pub capital_avg: f64,
}

impl Engine {
    /// Starts a replication from the opening state and asks `policy` to review every SKU at
    /// 00:00 on day 0, before anything lands: the orders it would place today.
    pub fn orders_today(
        &mut self,
        model: &Model,
        world: &World,
        policy: &mut dyn Policy,
    ) -> Vec<TodayOrder> {
        let sc = model.scenario;
        policy.reset();
        let lg = &mut self.logistics;
        lg.queue.clear();
        lg.books.clear();
        lg.slots.clear();
        lg.free.clear();
        for ((st, sku), m) in self.skus.iter_mut().zip(&sc.skus).zip(&model.money) {
            st.reset(sku.initial_on_hand);
            m.reset(st);
        }
        if !sc.state.backorders.is_empty() {
            self.enter_backorders(model);
        }
        if !sc.state.open_orders.is_empty() {
            self.enter_open_orders(model, world);
        }
        let now = SimTime::day_start(0);
        let plan = &model.demand.streams;
        let mut out = Vec::new();
        for (i, st) in self.skus.iter().enumerate() {
            let record = SkuRecord {
                sku: i,
                sales: &[],
                sold_out: &[],
                upcoming: &plan.by_sku[i],
            };
            let v = view::<false>(model, world, &self.logistics, st, now, 0, record);
            policy.review(&v, &mut self.orders);
            for order in self.orders.drain() {
                let quote = v.supply.quote(order.lane, order.qty);
                let arrival = quote.map_or(0, |q| q.eta_day);
                let by = order.needed_by.unwrap_or(arrival);
                let stream_forecast = order.needed_by.and_then(|d| {
                    v.streams
                        .iter()
                        .filter(|s| s.start.day() == d)
                        .map(|s| s.forecast)
                        .reduce(|a, b| a + b)
                });
                out.push(TodayOrder {
                    order,
                    on_hand: st.on_hand,
                    backorders: st.backorders,
                    on_order: st.on_order,
                    quoted_arrival_day: arrival,
                    supplier: quote.and_then(|q| q.supplier),
                    landing_by: v.supply.quoted_by(by),
                    stream_forecast,
                });
            }
        }
        out
    }

    /// Each SKU's outcome of the last replication, into `out` (one per SKU).
    pub fn sku_outcomes(&self, model: &Model, out: &mut [SkuOutcome]) {
        let sc = model.scenario;
        let days = f64::from(sc.calendar.measured_days());
        for (i, (o, st)) in out.iter_mut().zip(&self.skus).enumerate() {
            let transit = if model.plain_capital {
                model.consts[i].unit_cost * st.on_order_days as f64
            } else {
                st.transit_value_days
            };
            *o = SkuOutcome {
                lost_margin: model.money[i].lost_margin(st),
                freight: st.freight,
                capital_avg: (st.on_hand_value_days() + transit + st.prepaid_days) / days,
            };
        }
    }
}
