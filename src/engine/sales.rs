//! A SKU-day's buyers: off-stream demand spread evenly over the day, live-stream sales step by
//! step with the host's live dashboard for the policy, and what an empty shelf does to
//! buyers (backorder, lost, presale, substitute).

use rand_distr::{Binomial, Distribution};

use super::World;
use super::logistics::{Logistics, place_orders};
use super::state::{Model, SkuState};
use super::view::{SkuRecord, view};
use crate::calendar::{MINUTES_PER_DAY, SimTime};
use crate::policy::{LiveStream, Orders, Policy};
use crate::rng::{Source, Stream, stream};
use crate::scenario::StockoutRule;

/// A buyer who found the shelf empty and switched to another SKU, served after the day's
/// sales pass: (from SKU, to SKU, units).
pub(super) type Switch = (usize, usize, u32);

/// The buffers a SKU-day writes besides its own SKU's state and rows, shared by every SKU of
/// the day: passed as one through the day's steps.
pub(super) struct Scratch<'e> {
    /// Shipments in flight and the capacity they booked.
    pub(super) logistics: &'e mut Logistics,
    /// The orders of the review in progress.
    pub(super) orders: &'e mut Orders,
    /// Units sold in each step of the stream in progress.
    pub(super) step_sales: &'e mut [u32],
    /// Per stream and scope: whether a featured SKU ran out during it (`Engine::stream_out`).
    pub(super) stream_out: &'e mut [bool],
    /// Units short during each stream entry, when collecting the risk register (else empty).
    pub(super) entry_short: &'e mut [u32],
    /// Buyers who switched to a substitute, served after the day's sales pass.
    pub(super) switches: &'e mut Vec<Switch>,
}

/// Everything one SKU-day's demand handling needs besides the SKU's own state.
pub(super) struct DayCtx<'m, 'w> {
    pub(super) model: &'m Model<'m>,
    pub(super) world: &'w World,
    pub(super) day: u32,
    pub(super) sku: usize,
    /// The stream of buyers' responses, opened at the first stockout of the SKU-day.
    pub(super) responses: Option<Stream>,
}

/// Serves `qty` units of demand arriving now; what stock cannot serve meets `rule`. Returns
/// the units sold (served, or accepted as backorder or presale).
#[inline(always)]
pub(super) fn serve<const MEASURED: bool>(
    ctx: &mut DayCtx,
    st: &mut SkuState,
    qty: i64,
    rule: StockoutRule,
    in_stream: bool,
    switches: &mut Vec<Switch>,
) -> i64 {
    let served = qty.min(st.on_hand);
    st.on_hand -= served;
    st.shipped += served;
    let short = qty - served;
    if MEASURED {
        st.demanded += qty;
        st.short += short;
        if in_stream {
            st.stream_demanded += qty;
            st.stream_served += served;
        }
    }
    if short == 0 {
        return served;
    }
    st.short_today = true;
    let accepted = match rule {
        StockoutRule::Backorder => {
            st.backorders += short;
            if ctx.model.dated_backorders[ctx.sku] {
                push_waiting(st, u32::MAX, short);
            }
            short
        }
        StockoutRule::Lost => {
            if MEASURED {
                st.lost += short;
            }
            0
        }
        StockoutRule::Presale {
            accept_fraction,
            max_wait_days,
        } => {
            let accepted = ctx.binomial(short, accept_fraction);
            st.backorders += accepted;
            push_waiting(st, ctx.day.saturating_add(max_wait_days), accepted);
            if MEASURED {
                st.presale += accepted;
                st.cancelled += short - accepted;
            }
            accepted
        }
        StockoutRule::Substitute { sku, fraction } => {
            let switching = ctx.binomial(short, fraction);
            if MEASURED {
                st.lost += short - switching;
            }
            if switching > 0 {
                switches.push((ctx.sku, sku, switching.min(i64::from(u32::MAX)) as u32));
            }
            0
        }
    };
    served + accepted
}

impl DayCtx<'_, '_> {
    /// How many of `n` buyers do something each does with probability `p`.
    fn binomial(&mut self, n: i64, p: f64) -> i64 {
        let (seed, rep) = (self.model.scenario.seed, self.world.rep);
        let (sku, day) = (self.model.scenario.rng_keys.sku(self.sku), self.day);
        let rng = self
            .responses
            .get_or_insert_with(|| stream(seed, rep, Source::Response { sku, day }));
        match Binomial::new(n.max(0) as u64, p) {
            Ok(b) => b.sample(rng) as i64,
            // p is validated into [0, 1]; this arm is unreachable in practice.
            Err(_) => 0,
        }
    }
}

pub(super) fn push_waiting(st: &mut SkuState, last_day: u32, qty: i64) {
    if qty > 0 {
        st.waiting
            .push_back((last_day, qty.min(i64::from(u32::MAX)) as u32));
    }
}

/// Cancels backorders that have waited past their last day.
pub(super) fn expire_waiting(st: &mut SkuState, day: u32, measured: bool) {
    let mut expired = 0i64;
    st.waiting.retain(|&(last, q)| {
        let keep = last >= day;
        if !keep {
            expired += i64::from(q);
        }
        keep
    });
    st.backorders -= expired;
    if measured {
        st.cancelled += expired;
    }
}

/// Off-stream buyers who have come by `minute` of the day, of `total`: demand is spread
/// evenly over the day, rounded to whole buyers.
pub(super) fn arrived_by(total: i64, minute: u32) -> i64 {
    ((total as f64) * f64::from(minute) / f64::from(MINUTES_PER_DAY)).round() as i64
}

/// A day on which SKU `ctx.sku` features in one or more streams; `history` and `sold_out` are
/// its rows (as `sku_day`'s). Returns the units sold.
pub(super) fn stream_day<const MEASURED: bool, P: Policy + ?Sized>(
    ctx: &mut DayCtx,
    st: &mut SkuState,
    off_stream: i64,
    policy: &mut P,
    history: &[u32],
    sold_out: &[u64],
    scratch: &mut Scratch,
) -> i64 {
    let (model, world, day, i) = (ctx.model, ctx.world, ctx.day, ctx.sku);
    let sku = &model.scenario.skus[i];
    let plan = &model.demand.streams;
    let streams = &model.scenario.streams;
    let mine = &plan.by_sku[i];
    let mut sold = 0;
    let mut off_served = 0;
    while let Some(&e) = mine.get(st.next_stream) {
        let entry = &plan.entries[e as usize];
        if entry.day() != day {
            break;
        }
        let stream = &streams.streams[entry.stream];
        let start_minute = entry.start.0 - SimTime::day_start(day).0;
        let end_minute = start_minute + stream.duration;
        let before = arrived_by(off_stream, start_minute) - off_served;
        sold += serve::<MEASURED>(ctx, st, before, sku.stockout, false, scratch.switches);
        off_served += before;

        let forecast = entry.forecast * st.forecast_factor;
        let demand = world.stream_steps(entry.offset, entry.steps());
        let mut stream_sold = 0i64;
        let mut share = 0.0;
        let short_before = st.short;
        let shipped_before = st.shipped;
        for (j, &q) in demand.iter().enumerate() {
            let q = i64::from(q);
            let was_short = st.short_today;
            st.short_today = false;
            let got = serve::<MEASURED>(ctx, st, q, sku.stockout_in_stream, true, scratch.switches);
            if st.short_today && MEASURED {
                let scopes = model.scopes();
                scratch.stream_out[entry.stream * scopes] = true;
                if let Some(k) = sku.category {
                    scratch.stream_out[entry.stream * scopes + 1 + k] = true;
                }
            }
            st.short_today |= was_short;
            scratch.step_sales[j] = got.min(i64::from(u32::MAX)) as u32;
            stream_sold += got;
            share += entry.weights[j];
            // The host's dashboard: the policy may react mid-stream.
            let now = entry.step_end(j, stream.duration);
            let upcoming = &mine[st.next_stream..];
            let record = SkuRecord {
                sku: i,
                sales: &history[..day as usize],
                sold_out,
                upcoming,
            };
            let v = view::<false>(model, world, scratch.logistics, st, now, now.day(), record);
            let live = LiveStream {
                start: entry.start,
                duration: stream.duration,
                elapsed: now.0 - entry.start.0,
                forecast,
                sold_by_step: &scratch.step_sales[..=j],
                expected_share: share,
            };
            policy.review_in_stream(&v, &live, scratch.orders);
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
        }
        sold += stream_sold;
        if stream.creator_commission > 0.0 {
            // The creator is paid on what the stream sold from the shelf.
            st.creator +=
                stream.creator_commission * sku.price * (st.shipped - shipped_before) as f64;
        }
        if let Some(s) = scratch.entry_short.get_mut(e as usize) {
            *s = (st.short - short_before).clamp(0, i64::from(u32::MAX)) as u32;
        }
        // The planner's routine after a stream: correct later forecasts by actual ÷ forecast.
        let lr = policy.learning_rate(i).unwrap_or(streams.learning_rate);
        if lr > 0.0 && entry.forecast > 0.0 {
            let ratio = stream_sold as f64 / entry.forecast;
            st.forecast_factor = (1.0 - lr) * st.forecast_factor + lr * ratio;
        }
        let during = arrived_by(off_stream, end_minute) - off_served;
        sold += serve::<MEASURED>(ctx, st, during, sku.stockout, false, scratch.switches);
        off_served += during;
        st.next_stream += 1;
    }
    sold += serve::<MEASURED>(
        ctx,
        st,
        off_stream - off_served,
        sku.stockout,
        false,
        scratch.switches,
    );
    sold
}
