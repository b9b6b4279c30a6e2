//! The day loop: every day of the horizon, each day's phases for every SKU, and the
//! per-SKU-day steps both day loops share (the policy's review, orders, demand, end-of-day
//! tallies, capital and money). The policy's view is built in `view.rs`, and the buffers a
//! SKU-day shares with the others are `sales::Scratch`. Plain models run the same per-SKU-day
//! code SKU by SKU (`plain.rs`).

use super::logistics::{place_orders, receive_due};
use super::sales::{DayCtx, Scratch, expire_waiting, serve, stream_day};
use super::state::{Model, SkuConsts, SkuState};
use super::view::{SkuRecord, view};
use super::{Engine, World};
use crate::calendar::SimTime;
use crate::metrics::DayRecord;
use crate::policy::Policy;

impl Engine {
    /// Every day of the horizon, day by day; returns the peak end-of-day capital over measured
    /// days. `PLAIN` must be `model.plain`.
    pub(super) fn all_days<const PLAIN: bool, P: Policy + ?Sized>(
        &mut self,
        model: &Model,
        world: &World,
        policy: &mut P,
    ) -> f64 {
        let cal = &model.scenario.calendar;
        // Warm-up and measured days run the same code; the const flag compiles the tallies
        // out of warm-up days instead of branching on every SKU-day.
        for day in 0..cal.warmup_days {
            self.day_phases::<false, PLAIN, P>(model, world, policy, day);
        }
        self.skus.iter_mut().for_each(SkuState::mark_measured);
        for day in cal.warmup_days..cal.horizon_days {
            self.day_phases::<true, PLAIN, P>(model, world, policy, day);
            if let (false, Some(r)) = (PLAIN, &mut self.risk) {
                r.end_of_day(&self.skus, day - cal.warmup_days, cal.measured_days());
            }
        }
        self.peak_capital(model)
    }

    /// The peak end-of-day capital over measured days, read back once the days are done: a
    /// running peak in the day loop was a value carried through memory from each day to the
    /// next (the compiler keeps it on the stack).
    pub(super) fn peak_capital(&self, model: &Model) -> f64 {
        self.daily[model.scenario.calendar.warmup_days as usize..]
            .iter()
            .map(DayRecord::total)
            .fold(0.0, crate::num::peak)
    }

    /// One simulated day for every SKU; records the day's end-of-day capital and chart-SKU
    /// stock in `daily`.
    #[inline(always)]
    fn day_phases<const MEASURED: bool, const PLAIN: bool, P: Policy + ?Sized>(
        &mut self,
        model: &Model,
        world: &World,
        policy: &mut P,
        day: u32,
    ) {
        let now = SimTime::day_start(day);
        let Engine {
            skus,
            logistics,
            orders,
            sales,
            days,
            sold_out,
            sold_out_words,
            step_sales,
            stream_out,
            switches,
            risk,
            by_category: _,
            category_capital,
            category_peak,
            daily,
            short_log,
            cash_totals: _,
        } = self;
        let by_category = !PLAIN && !category_capital.is_empty();
        let entry_short: &mut [u32] = match risk {
            Some(r) if !PLAIN => &mut r.entry_short,
            _ => &mut [],
        };
        let plain_capital = PLAIN || model.plain_capital;
        receive_due(logistics, skus, now);
        let mut scratch = Scratch {
            logistics,
            orders,
            step_sales,
            stream_out,
            entry_short,
            switches,
        };
        let mut capital = [0.0; 3];
        let mut money = [0.0; 2];

        // SKUs interact only through substitutes (applied after this pass), so each SKU runs
        // review → orders → demand in one pass, which keeps its state in cache.
        let rows = skus
            .iter_mut()
            .zip(sales.chunks_exact_mut(*days))
            .zip(sold_out.chunks_exact_mut(*sold_out_words));
        for (i, (sku, ((st, history), empty))) in model.consts.iter().zip(rows).enumerate() {
            let mut ctx = DayCtx {
                model,
                world,
                day,
                sku: i,
                responses: None,
            };
            sku_day::<MEASURED, PLAIN, P>(&mut ctx, policy, st, history, empty, &mut scratch);
            if PLAIN || !model.has_substitutes {
                let sums = (&mut capital, &mut money, &mut category_capital[..]);
                close_sku_day::<MEASURED>(st, sku, plain_capital, by_category, sums);
            }
        }

        if !PLAIN && model.has_substitutes {
            for (from, to, units) in scratch.switches.drain(..) {
                let target = &mut skus[to];
                let got = i64::from(units).min(target.on_hand);
                target.on_hand -= got;
                target.shipped += got;
                if MEASURED {
                    skus[from].substituted += got;
                    skus[from].lost += i64::from(units) - got;
                }
            }
            for (st, sku) in skus.iter_mut().zip(&model.consts) {
                let sums = (&mut capital, &mut money, &mut category_capital[..]);
                close_sku_day::<MEASURED>(st, sku, plain_capital, by_category, sums);
            }
        }
        if MEASURED && by_category {
            for (peak, c) in category_peak.iter_mut().zip(category_capital.iter_mut()) {
                *peak = peak.max(*c);
                *c = 0.0;
            }
        }
        if let Some(log) = short_log {
            for (i, st) in skus.iter().enumerate() {
                log[i * *days + day as usize] = st.short_today;
            }
        }
        let chart = &skus[model.chart_sku];
        daily[day as usize] = DayRecord {
            on_hand: capital[0],
            in_transit: capital[1],
            prepaid: capital[2],
            sku_on_hand: chart.on_hand,
            sku_short: chart.short_today,
            revenue: money[0],
            storage: money[1],
            ..DayRecord::default()
        };
    }
}

/// Phases 2–3 of SKU `ctx.sku`'s day `ctx.day`: the policy reviews it, its orders are shipped,
/// its demand is served (streams included). `history` and `sold_out` are the SKU's rows of
/// units sold and sold-out days. End-of-day tallies are the caller's: they wait for
/// substitutes.
#[inline(always)]
pub(super) fn sku_day<const MEASURED: bool, const PLAIN: bool, P: Policy + ?Sized>(
    ctx: &mut DayCtx,
    policy: &mut P,
    st: &mut SkuState,
    history: &mut [u32],
    sold_out: &mut [u64],
    scratch: &mut Scratch,
) {
    let (model, world, i, day) = (ctx.model, ctx.world, ctx.sku, ctx.day);
    let now = SimTime::day_start(day);
    let sku = &model.consts[i];
    let plan = &model.demand.streams;
    if !PLAIN && !st.waiting.is_empty() {
        expire_waiting(st, day, MEASURED);
    }
    let mine: &[u32] = if PLAIN { &[] } else { &plan.by_sku[i] };
    let record = SkuRecord {
        sku: i,
        sales: &history[..day as usize],
        sold_out,
        upcoming: if PLAIN { &[] } else { &mine[st.next_stream..] },
    };
    let view = view::<PLAIN>(model, world, scratch.logistics, st, now, day, record);
    policy.review(&view, scratch.orders);
    if !scratch.orders.is_empty() {
        place_orders(
            model,
            world,
            scratch.logistics,
            scratch.orders,
            st,
            now,
            MEASURED,
        );
    }

    st.short_today = false;
    let off_stream = i64::from(world.demand(i, day));
    let sold = if !PLAIN
        && mine
            .get(st.next_stream)
            .is_some_and(|&e| plan.entries[e as usize].day() == day)
    {
        stream_day::<MEASURED, P>(ctx, st, off_stream, policy, history, sold_out, scratch)
    } else {
        serve::<MEASURED>(ctx, st, off_stream, sku.stockout, false, scratch.switches)
    };
    history[day as usize] = sold.min(i64::from(u32::MAX)) as u32;
    // Rare, so a branch: one store on the days the shelf ran out.
    if st.short_today {
        sold_out[day as usize / 64] |= 1 << (day % 64);
    }
}

/// End-of-day tallies of one SKU on a measured day.
#[inline(always)]
pub(super) fn tally(st: &mut SkuState, plain_capital: bool) {
    st.stockout_days += i64::from(st.short_today);
    st.on_hand_days += st.on_hand;
    st.backorder_days += st.backorders;
    st.on_order_days += st.on_order;
    if !plain_capital {
        st.transit_value_days += st.transit_value;
        st.prepaid_days += st.prepaid;
    }
}

/// Adds one SKU's end-of-day capital tied up to `capital` = [on hand, in transit, prepaid]
/// `[currency]` and returns their sum (what `capital_tied_peak` counts). In transit is the value
/// of goods departed and not received, prepaid the deposits on goods not yet departed; with no
/// supplier and no sailing schedule (`plain_capital`) every unit on order is worth its unit
/// cost and nothing is prepaid. The one place the calendar outputs' components are fed.
#[inline(always)]
fn add_capital(capital: &mut [f64; 3], st: &SkuState, sku: &SkuConsts, plain_capital: bool) -> f64 {
    let [on_hand, in_transit, prepaid] = capital_of(st, sku, plain_capital);
    capital[0] += on_hand;
    capital[1] += in_transit;
    capital[2] += prepaid;
    on_hand + in_transit + prepaid
}

/// Adds one SKU's cumulative net sales proceeds and today's storage cost to `money`
/// `[currency]`: the cash curve's inflows and daily outflow, summed over SKUs in SKU order by
/// both day loops so that the two give the same bits.
#[inline(always)]
pub(super) fn add_money(money: &mut [f64; 2], st: &SkuState) {
    money[0] += st.net_price * st.shipped as f64 - st.creator;
    money[1] += st.holding * st.on_hand as f64;
}

/// The end of a SKU's day, once substitutes are served: its tallies (measured days only),
/// its capital and money added to the day's sums (capital, money, each category's capital
/// when `by_category`), and its peak capital.
#[inline(always)]
fn close_sku_day<const MEASURED: bool>(
    st: &mut SkuState,
    sku: &SkuConsts,
    plain_capital: bool,
    by_category: bool,
    (capital, money, category_capital): (&mut [f64; 3], &mut [f64; 2], &mut [f64]),
) {
    if MEASURED {
        tally(st, plain_capital);
    }
    let c = add_capital(capital, st, sku, plain_capital);
    add_money(money, st);
    if MEASURED {
        st.capital_peak = crate::num::peak(st.capital_peak, c);
    }
    if let (true, true, Some(k)) = (MEASURED, by_category, sku.category) {
        category_capital[k] += c;
    }
}

/// One SKU's end-of-day capital: [on hand, in transit, prepaid] `[currency]` (see `add_capital`).
#[inline(always)]
pub(super) fn capital_of(st: &SkuState, sku: &SkuConsts, plain_capital: bool) -> [f64; 3] {
    let on_hand = st.avg_cost * st.on_hand as f64;
    let (in_transit, prepaid) = if plain_capital {
        (sku.unit_cost * st.on_order as f64, 0.0)
    } else {
        (st.transit_value, st.prepaid)
    };
    [on_hand, in_transit, prepaid]
}
