//! Purchase orders placed before the start (`state.open_orders`): their real fate, drawn once
//! per replication and shared by every candidate, and their entry into the pipeline at day 0.
//!
//! The policy sees an open order as the purchase-order list shows it — its units and the
//! quoted `eta` — never its real arrival. The real arrival keeps the lane's
//! uncertainty: a shipped order reaches port at its quoted ETA plus the lane's
//! `eta_error_days` slip (an overdue one no earlier than day 0), then meets congestion,
//! scripted closures and customs as any shipment does; an order in production with a ready
//! date waits for its supplier's next open day and the lane's next sailing, then transits. Each
//! draw is keyed by the PO number, so candidates, and `advise`'s runs with and without today's
//! orders, see the same fate for it.

use super::logistics::{Event, Slot};
use super::{Engine, Model, World, sales};
use crate::calendar::MINUTES_PER_DAY;
use crate::calendar::SimTime;
use crate::rng::unit_f64;
use crate::rng::{Source, stream};
use crate::scenario::state::OpenOrder;
use crate::supply::OpenShipment;
use crate::supply::{Route, sellable_day};

/// What happens to one open order in one replication.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PoFate {
    /// `[days since start]` when the goods leave the supplier (≤ 0: already shipped).
    pub departure: f64,
    /// First day the goods are sellable.
    pub sellable_day: u32,
    /// Whether customs held it.
    pub customs_hold: bool,
}

/// Draws `po`'s fate in replication `rep`.
pub fn fate(model: &Model, env: &crate::supply::Environment, rep: u64, po: &OpenOrder) -> PoFate {
    let sc = model.scenario;
    let seed = sc.seed;
    let key = po.key;
    let lane = &sc.lanes[po.lane];
    let (departure, port_arrival) = match (po.simulated_from_ready(), po.ready_day) {
        (true, Some(ready)) => {
            let mut ready = ready.max(0);
            if let Some(s) = po.supplier {
                let plant = &model.supply.plants[s];
                let limit = ready + 366;
                while plant.is_closed(ready) && ready < limit {
                    ready += 1;
                }
            }
            let departure = model.supply.routes[po.lane].departure(lane, ready as f64);
            let transit = Route::transit(lane, departure, || {
                stream(seed, rep, Source::OpenOrderTransit { key })
            });
            (departure, departure + transit)
        }
        _ => {
            let slip = lane
                .eta_error
                .draw_lazily(|| stream(seed, rep, Source::OpenOrderSlip { key }));
            (-1.0, po.eta_day.max(0) as f64 + slip)
        }
    };
    let cleared = if model.supply.has_environment {
        env.cleared(&sc.disruptions, po.lane, lane.mode, port_arrival)
    } else {
        port_arrival
    };
    let (customs_hold, arrival) = match &lane.customs {
        Some(c) => {
            let p = c.probability_on(cleared.floor() as i64);
            let mut rng = stream(seed, rep, Source::OpenOrderCustoms { key });
            if p > 0.0 && unit_f64(rand::Rng::next_u64(&mut rng)) < p {
                (true, cleared + c.hold.sample(&mut rng))
            } else {
                (false, cleared)
            }
        }
        None => (false, cleared),
    };
    PoFate {
        departure,
        sellable_day: sellable_day(arrival),
        customs_hold,
    }
}

impl Engine {
    /// Puts every open order into the pipeline at the start of a replication: on order from
    /// day 0, its capital in transit (shipped) or prepaid (a deposit on goods in production),
    /// its arrival (and departure) queued at its real time, and its quote on the books.
    pub(super) fn enter_open_orders(&mut self, model: &Model, world: &World) {
        let sc = model.scenario;
        let lg = &mut self.logistics;
        for (k, po) in sc.state.open_orders.iter().enumerate() {
            let f = world.po_fate(k);
            let st = &mut self.skus[po.sku];
            let qty = i64::from(po.units);
            st.on_order += qty;
            st.ordered += qty;
            let supplier = po.supplier.map(|s| &sc.suppliers[s]);
            let premium = supplier.map_or(0.0, |s| s.premium);
            let spec = &sc.skus[po.sku];
            let unit_value = spec.unit_cost * (1.0 + premium);
            let value = unit_value * f64::from(po.units);
            let charges = super::cash::Charges::of(
                &sc.lanes[po.lane],
                spec,
                unit_value,
                po.units,
                crate::num::floor_i64(f.departure),
            );
            let mut slot = Slot {
                sku: po.sku as u32,
                qty: po.units,
                delivered: po.units,
                value,
                deposit: 0.0,
                transit_freight: charges.transit_freight,
                at_arrival: charges.at_arrival,
            };
            // What was paid before the start is in the ledger, not in the cash curve.
            let departed = f.departure <= 0.0;
            if departed {
                st.transit_value += value + slot.transit_freight;
                st.paid += value + slot.transit_freight;
            } else if po.deposit_paid {
                slot.deposit = supplier.map_or(0.0, |s| s.deposit_fraction) * value;
                st.prepaid += slot.deposit;
                st.paid += slot.deposit;
            }
            lg.slots.push(slot);
            let id = (lg.slots.len() - 1) as u32;
            if !departed {
                let minutes = (f.departure * f64::from(MINUTES_PER_DAY)).round();
                let at = SimTime(minutes.min(f64::from(u32::MAX)) as u32);
                lg.queue.push(at, Event(id | Event::DEPARTURE));
            }
            lg.queue.push(SimTime::day_start(f.sellable_day), Event(id));
            lg.books.pipelines[po.sku].push(OpenShipment {
                id,
                qty: po.units,
                lane: po.lane,
                backup: false,
                ordered_day: 0,
                quoted_eta_day: po.eta_day.clamp(0, i64::from(u32::MAX)) as u32,
            });
        }
    }
}

impl Engine {
    /// Buyers already waiting at the start (`state.on_hand`'s `backorders`): owed from the
    /// first stock that lands, and, under a presale rule, cancelled after its wait.
    pub(super) fn enter_backorders(&mut self, model: &Model) {
        let sc = model.scenario;
        for (i, &b) in sc.state.backorders.iter().enumerate() {
            let st = &mut self.skus[i];
            st.backorders = i64::from(b);
            if model.dated_backorders[i] {
                let last = sc.skus[i].stockout.max_wait_days().unwrap_or(u32::MAX);
                sales::push_waiting(st, last, i64::from(b));
            }
        }
    }
}
