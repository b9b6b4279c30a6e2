//! Money: what a unit costs once it is on the shelf, what a sale brings in, and the cash
//! curve — every payment on its day (docs/money.md).
//!
//! Stock is valued at its landed cost as each part is paid: goods (unit cost × (1 + supplier
//! premium)) when the deposit and balance are paid, freight at departure or arrival, duty at
//! arrival. The value of the units on hand is their moving-average landed cost, which changes
//! only when a shipment lands, so the on-hand value tally is kept in segments between
//! arrivals (`SkuState::value_days`) and adds nothing to the SKU-day loop. What the loop adds
//! is one pass of sums at the end of each day (`add_money`): the cumulative net proceeds of
//! the units shipped and the day's storage. Payments to suppliers, forwarders and customs are
//! sparse: they are booked, in cents, on the day they are made (`Logistics::pay`), and the
//! curve is assembled once per replication (`Engine::cash_curve`). Cents make the day's sum
//! independent of the order in which the two day loops book payments.

use super::Engine;
use super::logistics::Logistics;
use super::state::{Model, SkuState};
use crate::scenario::Scenario;
use crate::scenario::Sku;
use crate::scenario::money::FreightPaid;

/// One SKU's money constants.
#[derive(Debug, Clone, Copy)]
pub(super) struct SkuMoney {
    /// `[currency/unit]` standard landed cost: unit cost × (1 + primary supplier's premium) +
    /// the first lane's freight per unit + duty. Values the opening stock and the margin of a
    /// lost sale.
    landed: f64,
    /// `[currency/unit]` price × (1 − platform commission).
    net_price: f64,
    /// `[currency/unit]` the creator's commission on a stream sale, averaged over the streams
    /// that feature the SKU (0 when none does).
    creator: f64,
    holding: f64,
}

impl SkuMoney {
    /// `[currency/unit]` the standard landed cost.
    pub(super) fn landed(&self) -> f64 {
        self.landed
    }

    pub(super) fn of(sc: &Scenario, i: usize) -> SkuMoney {
        let sku = &sc.skus[i];
        let premium = sku.supply.supplier.map_or(0.0, |s| sc.suppliers[s].premium);
        let unit_value = sku.unit_cost * (1.0 + premium);
        let customs = sku.customs_value.unwrap_or(unit_value);
        let rates: Vec<f64> = sc
            .streams
            .streams
            .iter()
            .filter(|s| s.featured.iter().any(|&(k, _)| k == i))
            .map(|s| s.creator_commission)
            .collect();
        let creator = if rates.is_empty() {
            0.0
        } else {
            rates.iter().sum::<f64>() / rates.len() as f64 * sku.price
        };
        SkuMoney {
            landed: unit_value + unit_freight(&sc.lanes[0], sku) + sku.duty_rate * customs,
            net_price: sku.price * (1.0 - sku.commission),
            creator,
            holding: sku.costs.holding_per_unit_day,
        }
    }

    /// Starts a replication's money for one SKU: its opening stock at the standard landed
    /// cost.
    pub(super) fn reset(&self, st: &mut SkuState) {
        st.avg_cost = self.landed;
        st.net_price = self.net_price;
        st.holding = self.holding;
    }

    /// The margin the replication's lost and cancelled units would have brought `[currency]`:
    /// net price − standard landed cost each (at least 0), less the creator's commission on
    /// those of them a stream could not serve.
    pub(super) fn lost_margin(&self, st: &SkuState) -> f64 {
        let n = st.lost + st.cancelled;
        let in_stream = n.min((st.stream_demanded - st.stream_served).max(0));
        (self.net_price - self.landed).max(0.0) * (n - in_stream) as f64
            + (self.net_price - self.creator - self.landed).max(0.0) * in_stream as f64
    }

    /// Net sales − landed cost of the units sold, over measured days `[currency]`.
    pub(super) fn gross_margin(&self, st: &SkuState) -> f64 {
        let b = &st.boundary;
        let net_sales = self.net_price * (st.shipped - b.shipped) as f64 - (st.creator - b.creator);
        let cogs = b.value + (st.landed_in - b.landed_in) - st.avg_cost * st.on_hand as f64;
        net_sales - cogs
    }
}

/// `[currency/unit]` a lane's freight per unit of `sku`, before minimums and peak rates.
#[inline]
pub(super) fn unit_freight(lane: &crate::scenario::Lane, sku: &Sku) -> f64 {
    let f = lane.freight;
    f.per_unit + f.per_kg * sku.weight_kg + f.per_m3 * sku.volume_m3
}

/// `[currency/unit]` freight that is part of a unit's value in transit on the first lane: its
/// freight when paid at departure, else 0. Meaningful where `flat_transit_value` holds.
pub(super) fn departure_freight(sc: &Scenario, sku: &Sku) -> f64 {
    let lane = &sc.lanes[0];
    match lane.freight.paid {
        FreightPaid::Departure => unit_freight(lane, sku),
        FreightPaid::Arrival => 0.0,
    }
}

/// Whether a unit on order is worth the same on every lane for every SKU (no minimum charge,
/// no peak rate, and the same freight in transit): then capital in transit is units on order
/// × that value, with no per-day value tally (`Model::plain_capital`).
pub(super) fn flat_transit_value(sc: &Scenario) -> bool {
    sc.lanes
        .iter()
        .all(|l| l.freight.minimum_per_shipment == 0.0 && l.freight_peaks.is_empty())
        && sc.skus.iter().all(|sku| {
            let first = departure_freight(sc, sku);
            sc.lanes.iter().all(|l| {
                let f = match l.freight.paid {
                    FreightPaid::Departure => unit_freight(l, sku),
                    FreightPaid::Arrival => 0.0,
                };
                f == first
            })
        })
}

/// A SKU's ledger at the end of warm-up, against which measured-day money is counted.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Boundary {
    /// `[currency]` value on hand.
    pub(super) value: f64,
    pub(super) shipped: i64,
    pub(super) creator: f64,
    pub(super) landed_in: f64,
    pub(super) received: i64,
}

/// A replication's cash over its measured days `[currency]`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct CashTotals {
    pub(super) out: f64,
    pub(super) inflow: f64,
    /// The lowest cumulative net cash, as a positive amount (0 if never below 0).
    pub(super) peak_funding_need: f64,
}

impl SkuState {
    /// Records the ledger as warm-up ends (before the first measured day's arrivals).
    pub(super) fn mark_measured(&mut self) {
        self.boundary = Boundary {
            value: self.avg_cost * self.on_hand as f64,
            shipped: self.shipped,
            creator: self.creator,
            landed_in: self.landed_in,
            received: self.received,
        };
    }

    /// Σ over measured days of the end-of-day on-hand value [currency·days].
    pub(super) fn on_hand_value_days(&self) -> f64 {
        self.value_days + self.avg_cost * (self.on_hand_days - self.value_mark) as f64
    }

    /// `qty` units land worth `landed` `[currency]` (goods, freight, duty), before they join the
    /// stock: the moving average takes them in. A shipment that lands at the current average
    /// leaves it (and its bits) unchanged.
    pub(super) fn receive_value(&mut self, qty: i64, landed: f64) {
        self.landed_in += landed;
        if (landed - self.avg_cost * qty as f64).abs() <= 1e-12 * landed.abs() {
            return;
        }
        self.value_days = self.on_hand_value_days();
        self.value_mark = self.on_hand_days;
        let units = self.on_hand + qty;
        if units > 0 {
            self.avg_cost = (self.avg_cost * self.on_hand as f64 + landed) / units as f64;
        }
    }
}

impl Logistics {
    /// Books a payment of `amount` `[currency]` made on `day` (outside the horizon: none), in
    /// cents.
    #[inline]
    pub(super) fn pay(&mut self, day: i64, amount: f64) {
        if let Some(c) = usize::try_from(day).ok().and_then(|d| self.cash.get_mut(d)) {
            *c += crate::num::round_i64(amount * 100.0);
        }
    }
}

impl Engine {
    /// Assembles the replication's cash curve into the day records (cash out, cash in, the
    /// cumulative net cash from the first measured day) and returns its totals. Proceeds of
    /// units sold on measured days arrive `payout_lag_days` later; those that would arrive
    /// after the horizon are not counted, nor are those of warm-up sales.
    pub(super) fn cash_curve(&mut self, model: &Model) -> CashTotals {
        let cal = &model.scenario.calendar;
        let (w, h) = (cal.warmup_days as usize, cal.horizon_days as usize);
        let lag = model.scenario.payout_lag_days as usize;
        let base = if w > 0 {
            self.daily[w - 1].revenue
        } else {
            0.0
        };
        let mut t = CashTotals::default();
        let (mut net, mut low) = (0.0f64, 0.0f64);
        for r in &mut self.daily[..w.min(h)] {
            (r.cash_out, r.cash_in, r.net_cash) = (0.0, 0.0, 0.0);
        }
        let cash = &self.logistics.cash[..h];
        // The cumulative proceeds up to the day before the one whose sales pay out today.
        let mut before = base;
        for (d, &cents) in cash.iter().enumerate().skip(w) {
            // Most days pay nobody: no division then (0 / 100 + storage is storage).
            let paid = match cents {
                0 => 0.0,
                c => c as f64 / 100.0,
            };
            let out = paid + self.daily[d].storage;
            let inflow = if d >= w + lag {
                let revenue = self.daily[d - lag].revenue;
                let x = revenue - before;
                before = revenue;
                x
            } else {
                0.0
            };
            net += inflow - out;
            // `min` without its NaN handling (a NaN `net` leaves `low` either way).
            low = if net < low { net } else { low };
            t.out += out;
            t.inflow += inflow;
            let r = &mut self.daily[d];
            (r.cash_out, r.cash_in, r.net_cash) = (out, inflow, net);
        }
        t.peak_funding_need = -low;
        t
    }
}

/// What a shipment pays: goods at order (deposit) and departure (balance), freight at
/// departure or arrival, duty at arrival `[currency]`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Charges {
    /// Freight that travels with the goods' value (paid at departure).
    pub(super) transit_freight: f64,
    /// Paid when the goods arrive: duty, plus freight when paid on arrival.
    pub(super) at_arrival: f64,
    /// `[currency]` freight and duty, for the tallies.
    pub(super) freight: f64,
    pub(super) duty: f64,
}

impl Charges {
    /// The charges of `delivered` units of `sku` worth `unit_value` each, on `lane`, departing
    /// on `departure_day`.
    pub(super) fn of(
        lane: &crate::scenario::Lane,
        sku: &Sku,
        unit_value: f64,
        delivered: u32,
        departure_day: i64,
    ) -> Charges {
        let q = f64::from(delivered);
        let freight = if delivered == 0 {
            0.0
        } else if lane.freight.minimum_per_shipment == 0.0 && lane.freight_peaks.is_empty() {
            q * unit_freight(lane, sku)
        } else {
            (q * unit_freight(lane, sku)).max(lane.freight.minimum_per_shipment)
                * crate::scenario::money::peak_multiplier(&lane.freight_peaks, departure_day)
        };
        let duty = if sku.duty_rate > 0.0 {
            sku.duty_rate * sku.customs_value.unwrap_or(unit_value) * q
        } else {
            0.0
        };
        let (transit_freight, at_arrival) = match lane.freight.paid {
            FreightPaid::Departure => (freight, duty),
            FreightPaid::Arrival => (0.0, freight + duty),
        };
        Charges {
            transit_freight,
            at_arrival,
            freight,
            duty,
        }
    }
}
