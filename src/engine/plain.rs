//! Plain models (`Model::plain`: no streams, signals, expiring backorders, substitutes,
//! categories, suppliers or sailings — the textbook models) replayed SKU by SKU, each over the
//! whole horizon, with a textbook policy's review compiled into the loop. The per-SKU-day code
//! is the general loop's (`sku_day`); only the order of the loops and the dispatch differ, and
//! `the_plain_day_loop_equals_the_general_one` holds every bit of the two equal.

use super::day::{add_money, capital_of, sku_day, tally};
use super::logistics::receive_due;
use super::sales::{DayCtx, Scratch};
use super::state::{Model, SkuState};
use super::{Engine, World};
use crate::calendar::SimTime;
use crate::metrics::DayRecord;
use crate::policy::Policy;
use crate::policy::Textbook;

impl Engine {
    /// The days of a plain model. A textbook policy's review is compiled into the day loop
    /// (one copy per policy type): called through `dyn`, the call alone clobbered every
    /// register the loop kept its state in, so the state went to the stack and back on every
    /// SKU-day, and the view was built in memory field by field for a review that reads four of
    /// them. Other policies keep the dynamic call.
    pub(super) fn plain_days(
        &mut self,
        model: &Model,
        world: &World,
        policy: &mut dyn Policy,
    ) -> f64 {
        match policy.as_textbook() {
            Some(Textbook::SS(p)) => self.sku_by_sku(model, world, p),
            Some(Textbook::BaseStock(p)) => self.sku_by_sku(model, world, p),
            Some(Textbook::RQ(p)) => self.sku_by_sku(model, world, p),
            None => self.sku_by_sku(model, world, policy),
        }
    }

    /// A plain model's days, one SKU's whole horizon after another: nothing in a plain model
    /// links two SKUs' days (no substitutes, suppliers, categories or streams), so the order
    /// changes no result, and a SKU's state and the loop's invariants stay put for a year
    /// instead of being set up again for every SKU-day. The daily
    /// capital is summed SKU by SKU in the same order as the general loop sums it, so every
    /// bit agrees with it (`the_plain_day_loop_equals_the_general_one`).
    fn sku_by_sku<P: Policy + ?Sized>(
        &mut self,
        model: &Model,
        world: &World,
        policy: &mut P,
    ) -> f64 {
        let cal = &model.scenario.calendar;
        for i in 0..model.scenario.skus.len() {
            // A SKU's events concern it alone; the previous SKU's events still queued fall due
            // after the last day's start, so the general loop never pops them either.
            self.logistics.queue.clear();
            self.plain_sku_days::<false, P>(model, world, policy, i, 0..cal.warmup_days);
            self.skus[i].mark_measured();
            self.plain_sku_days::<true, P>(
                model,
                world,
                policy,
                i,
                cal.warmup_days..cal.horizon_days,
            );
        }
        self.peak_capital(model)
    }

    /// Days `days_run` of SKU `i` of a plain model; adds its end-of-day capital to each day's
    /// record. The engine's fields and the SKU's rows are split out once for the run of days,
    /// not once a day.
    #[inline(always)]
    fn plain_sku_days<const MEASURED: bool, P: Policy + ?Sized>(
        &mut self,
        model: &Model,
        world: &World,
        policy: &mut P,
        i: usize,
        days_run: std::ops::Range<u32>,
    ) {
        let Engine {
            skus,
            logistics,
            orders,
            sales,
            days,
            step_sales,
            stream_out,
            switches,
            daily,
            sold_out,
            sold_out_words,
            ..
        } = self;
        let history = &mut sales[i * *days..(i + 1) * *days];
        let empty = &mut sold_out[i * *sold_out_words..(i + 1) * *sold_out_words];
        let mut scratch = Scratch {
            logistics,
            orders,
            step_sales,
            stream_out,
            entry_short: &mut [],
            switches,
        };
        for day in days_run {
            receive_due(scratch.logistics, skus, SimTime::day_start(day));
            let mut ctx = DayCtx {
                model,
                world,
                day,
                sku: i,
                responses: None,
            };
            Self::plain_sku_day::<MEASURED, P>(
                &mut ctx,
                policy,
                &mut skus[i],
                history,
                empty,
                &mut scratch,
                daily,
            );
        }
    }

    /// One day (`ctx.day`) of SKU `ctx.sku` of a plain model; adds its end-of-day capital to
    /// the day's record.
    #[inline(always)]
    fn plain_sku_day<const MEASURED: bool, P: Policy + ?Sized>(
        ctx: &mut DayCtx,
        policy: &mut P,
        st: &mut SkuState,
        history: &mut [u32],
        empty: &mut [u64],
        scratch: &mut Scratch,
        daily: &mut [DayRecord],
    ) {
        let (model, i, day) = (ctx.model, ctx.sku, ctx.day);
        let sku = &model.consts[i];
        sku_day::<MEASURED, true, P>(ctx, policy, st, history, empty, scratch);
        if MEASURED {
            tally(st, true);
        }
        let c = capital_of(st, sku, true);
        let mut money = [0.0; 2];
        add_money(&mut money, st);
        if MEASURED {
            st.capital_peak = crate::num::peak(st.capital_peak, c[0] + c[1] + c[2]);
        }
        let r = &mut daily[day as usize];
        if i == 0 {
            // The first SKU starts the day's sums (from zero, as the general loop's do): no
            // pass to clear the records first, and no read of a cleared one.
            *r = DayRecord {
                on_hand: 0.0 + c[0],
                in_transit: 0.0 + c[1],
                prepaid: 0.0 + c[2],
                revenue: money[0],
                storage: money[1],
                ..DayRecord::default()
            };
        } else {
            r.on_hand += c[0];
            r.in_transit += c[1];
            r.prepaid += c[2];
            r.revenue += money[0];
            r.storage += money[1];
        }
        if i == model.chart_sku {
            r.sku_on_hand = st.on_hand;
            r.sku_short = st.short_today;
        }
    }
}
