//! One replication's results per SKU, read from the tallies the day loop already keeps in each
//! [`SkuState`](super::state::SkuState): nothing is added to the SKU-day loop but the running peak of the SKU's
//! capital, so per-SKU results cost one pass over the SKUs per replication.

use super::{Engine, Model};
use crate::stats::sku::{SkuField, SkuRep};

impl Engine {
    /// The last replication's values per SKU, in SKU order, into `out` (resized to fit).
    pub fn sku_reps(&self, model: &Model, out: &mut Vec<SkuRep>) {
        let sc = model.scenario;
        let days = f64::from(sc.calendar.measured_days());
        out.clear();
        for (i, st) in self.skus.iter().enumerate() {
            let transit = if model.plain_capital {
                model.consts[i].unit_cost * st.on_order_days as f64
            } else {
                st.transit_value_days
            };
            let capital = (st.on_hand_value_days() + transit + st.prepaid_days) / days;
            let mut rep = SkuRep::default();
            use SkuField::*;
            // Same definitions as the all-SKU metrics (`metrics.rs`); a ratio with nothing to
            // measure is flagged so the summary can say n/a when no replication measured it.
            rep.set(
                FillRate,
                if st.demanded > 0 {
                    (st.demanded - st.short) as f64 / st.demanded as f64
                } else {
                    1.0
                },
            );
            rep.set(FillRateInStream, 1.0);
            if st.stream_demanded > 0 {
                rep.set(
                    FillRateInStream,
                    st.stream_served as f64 / st.stream_demanded as f64,
                );
                rep.set(StreamMeasured, 1.0);
            }
            rep.set(StockoutDays, st.stockout_days as f64);
            rep.set(LostUnits, st.lost as f64);
            rep.set(AvgOnHandUnits, st.on_hand_days as f64 / days);
            rep.set(DemandPerDay, st.demanded as f64 / days);
            rep.set(CapitalTiedAvg, capital);
            rep.set(CapitalTiedPeak, st.capital_peak);
            rep.set(OrdersPerDay, st.orders as f64 / days);
            if st.units_ordered > 0 {
                rep.set(AirUnitsShare, st.units_air as f64 / st.units_ordered as f64);
                rep.set(OrderMeasured, 1.0);
            }
            rep.set(LostMarginPerDay, model.money[i].lost_margin(st) / days);
            rep.set(DemandUnits, st.demanded as f64);
            out.push(rep);
        }
    }
}
