//! The layered trigger policy (the practitioner's table of monitored dimensions): five dimensions watch one
//! SKU, each with its own threshold per category, and each able to order by its own lane.
//!
//! - **cover** (regular stock level): the inventory position would cover fewer than
//!   `cover_days` of forecast sales beyond the regular lane's quoted lead time → order by the
//!   regular lane up to `target_cover_days` beyond it.
//! - **stream** (live-stream schedule): a stream announced to start within
//!   `stream_window_days`, and the stock that will be there (on hand − owed + shipments quoted
//!   to land by its day), less the storefront (off-stream) forecast sales until the stream, is
//!   below `stream_multiplier` × the stream's forecast → order the gap (needed by that day) by the
//!   regular lane if its quote arrives by the stream's day; else the part the regular lane can
//!   land by then (capacity permitting) by it and the rest by the fast lane. The regular
//!   orders of the cover dimension carry the bulk afterwards: sea the bulk, air the gap.
//! - **pulse** (real-time): mid-stream, the stream's sales so far exceed `pulse_ratio` ×
//!   average daily sales → order at once by the fast lane what the rest of the stream (as the
//!   live curve projects it) and the storefront days until the next replenishment lands need,
//!   less the stock on the shelf: the article's "replenish at once, expedite". The next
//!   replenishment is the earliest open shipment's quote (no sooner than the fast lane can
//!   land), or without one what the regular lane would take.
//! - **signal** (viral early warning): CTR up more than `ctr_growth` week on week and
//!   conversion over the last week above its 8-week average → order by the fast lane what the
//!   signal predicts: the extra demand the CTR rise implies over the fast lane's lead time
//!   (rise × forecast × fast lead time). The cover dimension carries the rest.
//! - **transient vs persistent**: after a day selling above `persist_ratio` × the forecast and
//!   more than `spike_sds` standard deviations of ordinary days above it (noise is no spike),
//!   if `persist_days` days in a row stay above the ratio the rise is persistent and the forecast
//!   steps up at once to the level of the last `step_up_days` of those days; otherwise the spike is
//!   transient and its days are left out of the forecast (ordinary replenishment).
//!
//! The forecast is the policy's own: mean daily sales over the last `forecast_days`, leaving
//! out days the shelf ran empty during (censored: the view's sold-out flags, not just an empty
//! shelf at the review) and transient spikes. The stream dimension uses its storefront part
//! (announced stream days left out) for the days before a stream, whose own volume it adds;
//! the cover dimension keeps stream days in, since streams recur. With `overdue_days` set, a
//! shipment that many days past its quoted arrival is no longer counted on: cover and stream
//! re-order as if it were lost (a planner chases it, and re-orders). It sees only what `SkuView`
//! carries — sales censored by stockouts, announced streams, signals — never the demand
//! behind them. Stream orders are booked with their quoted arrival, so stock landing after a
//! stream is not counted for it.

use std::sync::Arc;

use super::{LiveStream, Order, Orders, Policy, SkuView, Trigger, is_review_day};
use crate::calendar::SimTime;
use crate::demand::viral::trailing_mean;
use crate::scenario::{LayeredSpec, Thresholds};

#[derive(Debug, Clone)]
pub struct Layered {
    spec: Arc<LayeredSpec>,
    period: u32,
    /// The policy's regular lane, for SKUs whose thresholds do not name one.
    regular: usize,
    /// Published median transit of each lane `[days]`.
    transit: Vec<f64>,
    memory: Vec<Memory>,
    days: DayBits,
}

/// The lanes the policy orders one SKU by (its thresholds' `lane` and `fast_lane`), with the
/// transit it assumes when the view has no quote.
#[derive(Debug, Clone, Copy)]
struct Lanes<'a> {
    regular: usize,
    fast: usize,
    /// Lanes of the persist and signal orders.
    persist: usize,
    signal: usize,
    /// Published median transit of every lane `[days]`.
    transit: &'a [f64],
}

impl<'a> Lanes<'a> {
    fn of(t: &Thresholds, regular: usize, fast: usize, transit: &'a [f64]) -> Self {
        let fast = t.fast_lane.or(fast);
        Lanes {
            regular: t.lane.or(regular),
            fast,
            persist: t.persist_lane.or(fast),
            signal: t.signal_lane.or(fast),
            transit,
        }
    }
}

/// What the policy remembers of one SKU within a replication, besides its [`DayBits`] rows.
#[derive(Debug, Clone, Copy, Default)]
struct Memory {
    /// A rise under watch: first day, the forecast before it, days above so far.
    watching: Option<(u32, f64, u32)>,
    /// A persistent rise's level `[units/day]`, floor of the forecast until the given day.
    floor: Option<(f64, u32)>,
    /// The level of a rise judged persistent at this review, for the persist order.
    stepped: Option<f64>,
    /// Days before this one have been examined for spikes.
    examined: u32,
    /// The forecast at the last review `[units/day]`.
    forecast: f64,
    /// The forecast's window as last summed: days [from, to), the sales and the number of
    /// days it counts. Reviews slide it a day at a time instead of re-adding `forecast_days`
    /// days for every SKU every day (that was 40% of a 1,000-SKU run).
    window: (u32, u32),
    window_sum: u64,
    /// Sum of the squares of the window's counted sales.
    window_sq: u64,
    window_days: u32,
    /// Of the window's counted days, those of announced streams: (sum of sales, days). The
    /// storefront rate is the rest.
    window_stream: (u64, u32),
    /// The window's (sum, sum of squares, days) at the last review that counted a day: the
    /// spread (`spread`) is computed from them only when a spike test needs it — a square
    /// root and a division on every SKU-day were a sixth of the policy's review.
    spread_of: (u64, u64, u32),
    /// A day already in the window changed whether it counts (a rise found persistent
    /// re-admits the days it held out): sum the window afresh.
    window_stale: bool,
    /// Start of the last stream the pulse dimension ordered for.
    pulsed: Option<SimTime>,
    last_signal: Option<u32>,
}

impl Memory {
    /// Learns what the day's view shows — empty shelf, the sales of the days since the last
    /// review — and recomputes the forecast. Announced streams' days are already marked.
    fn update(&mut self, t: &Thresholds, v: &SkuView, days: &mut Days) {
        // A day the shelf ran empty during is censored, even if it was restocked by the
        // next review: its sales show what the stock allowed, not what buyers wanted.
        for d in self.examined..v.day {
            if v.sold_out_on(d) {
                days.set(Days::HELD_OUT, d);
            }
        }
        if let Some(ratio) = t.persist_ratio {
            for d in self.examined..v.day {
                // A stream's sales are no spike: streams are planned for on their own. Days
                // not yet examined are held out only if censored (spikes lie behind them).
                if !days.get(Days::STREAM, d) && !days.get(Days::HELD_OUT, d) {
                    // Most days start no rise: only the rest are examined, out of line.
                    let sold = f64::from(v.sales[d as usize]);
                    if self.watching.is_some()
                        || (self.forecast > 0.0 && sold > ratio * self.forecast)
                    {
                        self.examine(t, ratio, v.sales, d, days);
                    }
                }
            }
        }
        self.examined = v.day;
        let horizon = v.day.saturating_sub(t.forecast_days);
        // With no day to learn from, the last forecast stands.
        let mut f = self
            .window_mean(v.sales, horizon, v.day, days)
            .unwrap_or(self.forecast);
        match self.floor {
            Some((_, until)) if v.day >= until => self.floor = None,
            Some((level, _)) => f = f.max(level),
            None => {}
        }
        self.forecast = f;
    }

    /// The transient-vs-persistent test on day `d`'s sales: a rise under watch, or a day
    /// selling above `ratio` × the forecast.
    #[inline(never)]
    fn examine(&mut self, t: &Thresholds, ratio: f64, sales: &[u32], d: u32, days: &mut Days) {
        let sold = f64::from(sales[d as usize]);
        match self.watching {
            // A rise starts only beyond chance as well: more than `spike_sds` standard
            // deviations of the counted days above the forecast. A noisy SKU sells above 1.3×
            // its mean on a third of its days; leaving those out biased its forecast 30% low.
            None if self.forecast > 0.0
                && sold > ratio * self.forecast
                && sold > self.forecast + t.spike_sds * self.spread() =>
            {
                self.watching = Some((d, self.forecast, 1));
            }
            None => {}
            Some((from, prior, above)) if sold > ratio * prior => {
                self.watching = Some((from, prior, above + 1));
            }
            Some((from, _, _)) => {
                (from..d).for_each(|x| days.set(Days::HELD_OUT, x));
                self.watching = None;
            }
        }
        if let Some((from, _, above)) = self.watching
            && above >= t.persist_days
        {
            self.watching = None;
            self.window_stale = true;
            // The new level is what the last days sold, not the spike that started it.
            let recent = (d + 1).saturating_sub(t.step_up_days).max(from);
            if let Some(level) = self.mean(sales, recent, d + 1, days) {
                self.floor = Some((level, d + 1 + t.forecast_days));
                self.stepped = Some(level);
            }
        }
    }

    /// Whether day `d`'s sales count in the forecast: not censored, not a transient spike,
    /// not in a rise still under watch.
    fn counts(&self, d: u32, days: &Days) -> bool {
        let watch_from = self.watching.map_or(u32::MAX, |w| w.0);
        d < watch_from && !days.get(Days::HELD_OUT, d)
    }

    /// [`mean`](Self::mean) over [from, to), sliding the last window when it can; sets
    /// the spread's sums.
    fn window_mean(&mut self, sales: &[u32], from: u32, to: u32, days: &Days) -> Option<f64> {
        let (a, b) = self.window;
        let (mut sum, mut sq, mut n) = (self.window_sum, self.window_sq, self.window_days);
        let (mut ss, mut sn) = self.window_stream;
        let mut e = b;
        if self.window_stale || from < a || to < b || from > b {
            (sum, sq, n, e) = (0, 0, 0, from);
            (ss, sn) = (0, 0);
        } else {
            let mut d = a;
            while d < from {
                if self.counts(d, days) {
                    let x = u64::from(sales[d as usize]);
                    (sum, sq, n) = (sum - x, sq - x * x, n - 1);
                    if days.get(Days::STREAM, d) {
                        (ss, sn) = (ss - x, sn - 1);
                    }
                }
                d += 1;
            }
        }
        while e < to {
            if self.counts(e, days) {
                let x = u64::from(sales[e as usize]);
                (sum, sq, n) = (sum + x, sq + x * x, n + 1);
                if days.get(Days::STREAM, e) {
                    (ss, sn) = (ss + x, sn + 1);
                }
            }
            e += 1;
        }
        (self.window_sum, self.window_sq, self.window_days) = (sum, sq, n);
        self.window_stream = (ss, sn);
        self.window = (from, to);
        self.window_stale = false;
        if self.window_days == 0 {
            return None;
        }
        self.spread_of = (self.window_sum, self.window_sq, self.window_days);
        Some(self.window_sum as f64 / f64::from(self.window_days))
    }

    /// The storefront (off-stream) daily rate `[units/day]`: the forecast window's counted days
    /// that were not announced stream days, floored by a persistent rise's level; the
    /// forecast when the window holds no such day. The stream dimension adds each stream's
    /// own forecast, so counting stream days here too would count streams twice.
    fn storefront(&self) -> f64 {
        let (ss, sn) = self.window_stream;
        let off = self.window_days - sn;
        if off == 0 {
            return self.forecast;
        }
        let rate = (self.window_sum - ss) as f64 / f64::from(off);
        self.floor.map_or(rate, |(level, _)| rate.max(level))
    }

    /// Standard deviation of the counted daily sales in the forecast window of the last review
    /// that counted a day `[units]` (0 before any). Computed only in `examine`, itself out of
    /// line: inlined in the review, the compiler hoisted it out of the spike test's loop and
    /// computed it on every review again.
    fn spread(&self) -> f64 {
        let (sum, sq, days) = self.spread_of;
        if days == 0 {
            return 0.0;
        }
        let n = f64::from(days);
        let mean = sum as f64 / n;
        (sq as f64 / n - mean * mean).max(0.0).sqrt()
    }

    /// Mean daily sales over days [from, to), leaving out censored days, transient spikes and
    /// a rise still under watch; `None` when no day is left. Stream days count: streams recur,
    /// and the regular lane must carry their volume too — the stream dimension only tops up
    /// for the announced ones.
    fn mean(&self, sales: &[u32], from: u32, to: u32, days: &Days) -> Option<f64> {
        let (mut sum, mut n) = (0u64, 0u32);
        for d in (from..to).filter(|&d| self.counts(d, days)) {
            sum += u64::from(sales[d as usize]);
            n += 1;
        }
        (n > 0).then(|| sum as f64 / f64::from(n))
    }
}

/// Per SKU, one bit per day for each of [`Days::KINDS`] flags, in one flat allocation:
/// reviews touch every SKU every day, and rows side by side keep that walk in cache, where
/// per-SKU lists of days were a cache miss each (and a search). The flags of a day share a
/// word pair, so one index reaches both.
#[derive(Debug, Clone, Default)]
struct DayBits {
    /// Words per SKU, 64 days each.
    words: usize,
    bits: Vec<[u64; Days::KINDS]>,
}

impl DayBits {
    /// Makes room for days up to `day` for `skus` SKUs (re-laying the rows out when they
    /// grow: only in the first replication, as the days are reached).
    #[inline]
    fn reserve(&mut self, skus: usize, day: u32) {
        if (day as usize) < self.words * 64 {
            return;
        }
        self.grow(skus, day);
    }

    #[cold]
    fn grow(&mut self, skus: usize, day: u32) {
        let words = (day as usize / 64 + 1).next_multiple_of(2);
        let mut bits = vec![[0u64; Days::KINDS]; skus * words];
        if self.words > 0 {
            for (old, new) in self
                .bits
                .chunks_exact(self.words)
                .zip(bits.chunks_exact_mut(words))
            {
                new[..old.len()].copy_from_slice(old);
            }
        }
        (self.words, self.bits) = (words, bits);
    }

    fn clear(&mut self) {
        self.bits.fill([0; Days::KINDS]);
    }

    fn days(&mut self, sku: usize) -> Days<'_> {
        let n = self.words;
        Days {
            row: &mut self.bits[sku * n..][..n],
        }
    }
}

/// One SKU's row of [`DayBits`].
struct Days<'a> {
    row: &'a mut [[u64; Days::KINDS]],
}

impl Days<'_> {
    const KINDS: usize = 2;
    /// Days left out of the forecast: censored (empty shelf) or a transient spike.
    const HELD_OUT: usize = 0;
    /// Days of streams seen announced.
    const STREAM: usize = 1;

    fn set(&mut self, kind: usize, day: u32) {
        let d = day as usize;
        // Days past the reserved ones cannot be reached by the forecast or the spike test.
        if let Some(w) = self.row.get_mut(d / 64) {
            w[kind] |= 1 << (d % 64);
        }
    }

    fn get(&self, kind: usize, day: u32) -> bool {
        let d = day as usize;
        self.row
            .get(d / 64)
            .is_some_and(|w| w[kind] >> (d % 64) & 1 == 1)
    }
}

impl Layered {
    /// `transit`: each lane's published median transit `[days]`.
    pub fn new(spec: Arc<LayeredSpec>, period: u32, regular_lane: usize, transit: &[f64]) -> Self {
        let n = spec.skus();
        Layered {
            regular: regular_lane,
            transit: transit.to_vec(),
            spec,
            period,
            memory: vec![Memory::default(); n],
            days: DayBits::default(),
        }
    }
}

/// Units of open shipments at least `overdue_days` past their quoted arrival.
#[inline(never)]
fn overdue_units(v: &SkuView, overdue_days: f64) -> i64 {
    late_units(v.supply.pipeline(), v.day, overdue_days)
}

/// Units of `pipeline` at least `overdue_days` past their quoted arrival on `today`.
fn late_units(pipeline: &[super::OpenShipment], today: u32, overdue_days: f64) -> i64 {
    pipeline
        .iter()
        .filter(|o| f64::from(o.overdue_days(today)) >= overdue_days)
        .map(|o| i64::from(o.qty))
        .sum()
}

/// Order size for a wanted quantity: whole units, at least the minimum order, in case packs.
fn size(t: &Thresholds, wanted: f64) -> u32 {
    // NaN (never expected) orders nothing, like anything under half a unit.
    if wanted.is_nan() || wanted < 0.5 {
        return 0;
    }
    // The tolerance keeps float dust (240.0000001) from adding a unit.
    let q = (wanted - 1e-6).ceil().min(f64::from(u32::MAX)) as u64;
    let q = q.max(u64::from(t.min_order_qty));
    let pack = u64::from(t.case_pack.max(1));
    (q.div_ceil(pack) * pack).min(u64::from(u32::MAX)) as u32
}

/// Places an order; returns the units.
fn order(
    orders: &mut Orders,
    v: &SkuView,
    qty: u32,
    lane: usize,
    needed_by: Option<u32>,
    trigger: Trigger,
) -> i64 {
    orders.push(Order {
        sku: v.sku,
        qty,
        lane,
        needed_by,
        trigger,
    });
    i64::from(qty)
}

impl Lanes<'_> {
    /// Days until stock ordered now on `lane` would be sellable, as quoted: the supplier's and
    /// forwarder's quote when the view has one (production, sailings, peak season), else the
    /// lane's published median transit.
    fn quoted_days(&self, v: &SkuView, lane: usize, qty: u32) -> f64 {
        match v.supply.eta_day(lane, qty.max(1)) {
            Some(eta) => f64::from(eta.saturating_sub(v.day)),
            None => self.transit.get(lane).copied().unwrap_or(0.0),
        }
    }

    /// The day's review, dimension by dimension; each sees the orders the previous placed.
    /// `streams`: whether any stream is announced. The stream and signal dimensions are out
    /// of line: most SKU-days have neither, and inlined their set-up was paid on every one.
    fn decide(
        &self,
        t: &Thresholds,
        m: &mut Memory,
        v: &SkuView,
        streams: bool,
        orders: &mut Orders,
    ) {
        let f = m.forecast;
        let mut ip = v.inventory_position();
        // Shipments long past their quote are not counted on (a planner chases them).
        let late = match t.overdue_days {
            Some(k) => overdue_units(v, k),
            None => 0,
        };
        ip -= late;

        // A new level needs stock soon, not only a bigger regular order: what it sells over
        // the persist lane's lead time, less the position, goes by that lane at once.
        if let Some(level) = m.stepped.take() {
            let need = level * self.quoted_days(v, self.persist, 1);
            let q = size(t, need - ip as f64);
            if q > 0 {
                ip += order(orders, v, q, self.persist, None, Trigger::Persist);
            }
        }

        if streams && let Some(mult) = t.stream_multiplier {
            ip += self.stream_orders(t, m.storefront(), mult, v, late, orders);
        }

        if let Some(growth) = t.ctr_growth
            && let Some(rise) = v.ctr_rise
            && rise > growth
            && m.last_signal
                .is_none_or(|d| v.day >= d + t.signal_cooldown_days)
        {
            ip += self.signal_order(t, m, rise, v, orders);
        }

        if let Some(cover) = t.cover_days
            && f > 0.0
        {
            let position = ip as f64;
            let transit = self.quoted_days(v, self.regular, 1);
            if position < f * (transit + cover) {
                let target = f * (transit + t.target_cover_days);
                let q = size(t, target - position);
                if q > 0 {
                    order(orders, v, q, self.regular, None, Trigger::Cover);
                }
            }
        }
    }

    /// The stream dimension with storefront rate `f` `[units/day]` and multiplier `mult`, not
    /// counting `late` overdue units; returns the units ordered.
    #[inline(never)]
    fn stream_orders(
        &self,
        t: &Thresholds,
        f: f64,
        mult: f64,
        v: &SkuView,
        late: i64,
        orders: &mut Orders,
    ) -> i64 {
        let window_end = v.day + t.stream_window_days;
        // Every announced stream in the window, in time order: what the earlier ones take is
        // not there for the later ones, and a stream too close for any lane to reach may be
        // followed by one that is not.
        let (mut for_streams, mut placed) = (0.0, 0i64);
        for s in v
            .streams
            .iter()
            .filter(|s| s.start.day() >= v.day)
            .take_while(|s| s.start.day() <= window_end)
        {
            let day = s.start.day();
            for_streams += mult * s.forecast;
            let needed = for_streams + f * f64::from(day - v.day);
            // Stock landing after the stream does not serve it: count only shipments quoted
            // to arrive by its day.
            // Overdue shipments were quoted before today, so `quoted_by` holds them all.
            let ready = v.on_hand - v.backorders + v.supply.quoted_by(day) - late + placed;
            let deficit = needed - ready as f64;
            if deficit <= 0.0 {
                continue;
            }
            let q = size(t, deficit);
            let until = f64::from(day - v.day);
            if self.quoted_days(v, self.regular, q) <= until {
                placed += order(orders, v, q, self.regular, Some(day), Trigger::Stream);
                continue;
            }
            // Sea carries the bulk, air tops up the gap: the part the regular lane can land
            // by the stream (a supplier's booked capacity makes that depend on the quantity)
            // goes by it, the rest by the fast lane.
            let by_sea = self.in_time(t, v, q, until);
            if by_sea > 0 {
                placed += order(orders, v, by_sea, self.regular, Some(day), Trigger::Stream);
            }
            let rest = size(t, deficit - f64::from(by_sea));
            if rest > 0 && self.quoted_days(v, self.fast, rest) <= until {
                placed += order(orders, v, rest, self.fast, Some(day), Trigger::Stream);
            }
        }
        placed
    }

    /// The largest order below `q` units (whole case packs, at least the minimum order) the
    /// regular lane's quote lands within `until` days; 0 when none. Quotes grow with the
    /// quantity (capacity is booked week by week), so a bisection finds it.
    #[inline(never)]
    fn in_time(&self, t: &Thresholds, v: &SkuView, q: u32, until: f64) -> u32 {
        let pack = t.case_pack.max(1);
        let least = size(t, 1.0);
        if q <= least || self.quoted_days(v, self.regular, least) > until {
            return 0;
        }
        // Invariant: `lo` packs land in time, `hi` packs do not.
        let (mut lo, mut hi) = (least.div_ceil(pack), q.div_ceil(pack));
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.quoted_days(v, self.regular, mid * pack) <= until {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo * pack
    }

    /// The signal dimension after a CTR rise `rise` above the threshold; returns the units
    /// ordered.
    #[inline(never)]
    fn signal_order(
        &self,
        t: &Thresholds,
        m: &mut Memory,
        rise: f64,
        v: &SkuView,
        orders: &mut Orders,
    ) -> i64 {
        // Conversion is looked at only on a CTR rise: its 8-week average is the dearest part
        // of the test, and most SKU-days have no rise.
        if trailing_mean(v.conversion, 0, 7)
            > trailing_mean(v.conversion, 0, v.conversion.len().min(56))
        {
            // Sized by what the signal predicts, not up to a cover target: an order up to
            // (1 + rise) × cover was about four times a spike's expected extra demand.
            let lead = self.quoted_days(v, self.signal, 1);
            let q = size(t, rise * m.forecast * lead);
            if q > 0 {
                m.last_signal = Some(v.day);
                return order(orders, v, q, self.signal, None, Trigger::Signal);
            }
        }
        0
    }
}

impl Policy for Layered {
    fn learning_rate(&self, sku: usize) -> Option<f64> {
        self.spec.thresholds(sku).learning_rate.0
    }

    fn reset(&mut self) {
        self.memory.fill(Memory::default());
        self.days.clear();
    }

    fn review(&mut self, v: &SkuView, orders: &mut Orders) {
        if !is_review_day(v.day, self.period) {
            return;
        }
        let t = self.spec.thresholds(v.sku);
        let lanes = Lanes::of(t, self.regular, self.spec.fast_lane, &self.transit);
        let streams = !v.streams.is_empty();
        // Announced streams are the furthest days the policy marks.
        let last = if streams {
            v.streams
                .iter()
                .last()
                .map_or(v.day, |s| s.start.day().max(v.day))
        } else {
            v.day
        };
        self.days.reserve(self.memory.len(), last);
        let m = &mut self.memory[v.sku];
        let mut days = self.days.days(v.sku);
        if streams {
            for s in v.streams.iter() {
                days.set(Days::STREAM, s.start.day());
            }
        }
        m.update(t, v, &mut days);
        lanes.decide(t, m, v, streams, orders);
    }

    fn review_in_stream(&mut self, v: &SkuView, live: &LiveStream, orders: &mut Orders) {
        let t = self.spec.thresholds(v.sku);
        let lanes = Lanes::of(t, self.regular, self.spec.fast_lane, &self.transit);
        let Some(ratio) = t.pulse_ratio else {
            return;
        };
        let m = &mut self.memory[v.sku];
        let sold = live.sold() as f64;
        if m.pulsed != Some(live.start) && m.forecast > 0.0 && sold > ratio * m.forecast {
            // The live curve: sales so far are `expected_share` of what the stream will sell.
            let projected = sold / live.expected_share.max(0.05);
            let fast = lanes.quoted_days(v, lanes.fast, 1);
            // Stock on the water does not sell before it lands: the shelf must carry the
            // rest of the stream and the storefront until the next shipment arrives. (Counting
            // the whole position, the pulse almost never ordered.)
            let next = v
                .supply
                .pipeline()
                .iter()
                .filter(|o| o.quoted_eta_day >= v.day)
                .map(|o| o.quoted_eta_day)
                .min();
            let until_next = match next {
                Some(d) => f64::from(d - v.day).max(fast),
                None => lanes.quoted_days(v, lanes.regular, 1),
            };
            let wanted =
                projected - sold + m.storefront() * until_next - (v.on_hand - v.backorders) as f64;
            m.pulsed = Some(live.start);
            let q = size(t, wanted);
            if q > 0 {
                order(orders, v, q, lanes.fast, None, Trigger::Pulse);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demand::StreamEntry;
    use crate::policy::AnnouncedStreams;

    fn policy(t: Thresholds) -> Layered {
        let spec = LayeredSpec::new(1, &[t]);
        Layered::new(Arc::new(spec), 1, 0, &[20.0, 5.0])
    }

    fn only(t: Thresholds) -> Thresholds {
        t
    }

    fn off() -> Thresholds {
        Thresholds {
            cover_days: None,
            stream_multiplier: None,
            pulse_ratio: None,
            ctr_growth: None,
            persist_ratio: None,
            ..Thresholds::default()
        }
    }

    fn view<'a>(day: u32, on_hand: i64, sales: &'a [u32]) -> SkuView<'a> {
        SkuView {
            sku: 0,
            day,
            on_hand,
            backorders: 0,
            on_order: 0,
            sales,
            sold_out: &[],
            streams: AnnouncedStreams::EMPTY,
            ctr: &[],
            conversion: &[],
            ctr_rise: None,
            supply: crate::supply::SupplyView::EMPTY,
        }
    }

    fn review(p: &mut Layered, v: &SkuView) -> Vec<Order> {
        let mut o = Orders::default();
        p.review(v, &mut o);
        o.drain().collect()
    }

    #[test]
    fn cover_fires_exactly_below_cover_days_beyond_transit() {
        // Forecast 10/day, sea 20 days, cover 14: the threshold is 340 units.
        let sales = [10u32; 28];
        let t = only(Thresholds {
            cover_days: Some(14.0),
            target_cover_days: 28.0,
            ..off()
        });
        assert!(review(&mut policy(t), &view(28, 340, &sales)).is_empty());
        let o = review(&mut policy(t), &view(28, 339, &sales));
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].trigger, Trigger::Cover);
        assert_eq!(o[0].lane, 0);
        assert_eq!(o[0].qty, 480 - 339);
        // Switched off, nothing fires however low the stock.
        assert!(review(&mut policy(off()), &view(28, 0, &sales)).is_empty());
    }

    #[test]
    fn orders_round_to_case_packs_and_minimums() {
        let t = Thresholds {
            min_order_qty: 100,
            case_pack: 24,
            ..Thresholds::default()
        };
        assert_eq!(size(&t, 1.0), 120);
        assert_eq!(size(&t, 121.0), 144);
        assert_eq!(size(&t, 0.0), 0);
        assert_eq!(size(&t, f64::NAN), 0);
    }

    fn stream_view<'a>(
        day: u32,
        on_hand: i64,
        sales: &'a [u32],
        entries: &'a [StreamEntry],
        upcoming: &'a [u32],
    ) -> SkuView<'a> {
        SkuView {
            streams: AnnouncedStreams {
                entries,
                upcoming,
                today: day,
                forecast_factor: 1.0,
                lookahead: u32::MAX,
            },
            ..view(day, on_hand, sales)
        }
    }

    fn entry(day: u32, forecast: f64, announce_day: u32) -> StreamEntry {
        StreamEntry {
            stream: 0,
            sku: 0,
            forecast,
            start: SimTime(SimTime::day_start(day).0 + 20 * 60),
            announce_day,
            offset: 0,
            weights: Arc::from(vec![1.0]),
            step_minutes: 15,
        }
    }

    #[test]
    fn stream_fires_within_the_window_below_the_multiple_and_picks_the_lane() {
        let sales = [10u32; 28];
        let t = Thresholds {
            stream_multiplier: Some(1.5),
            stream_window_days: 7,
            ..off()
        };
        // Stream in 6 days with forecast 200: need 1.5 × 200 + 6 × 10 = 360.
        let e = [entry(34, 200.0, 20)];
        let o = review(&mut policy(t), &stream_view(28, 359, &sales, &e, &[0]));
        assert_eq!(o.len(), 1);
        assert_eq!((o[0].trigger, o[0].qty), (Trigger::Stream, 1));
        // Sea takes 20 days: only air arrives in time.
        assert_eq!(o[0].lane, 1);
        assert!(review(&mut policy(t), &stream_view(28, 360, &sales, &e, &[0])).is_empty());
        // Outside the window: nothing.
        let far = [entry(36, 200.0, 20)];
        assert!(review(&mut policy(t), &stream_view(28, 0, &sales, &far, &[0])).is_empty());
        // Not yet announced: nothing, however close.
        let secret = [entry(30, 200.0, 29)];
        assert!(review(&mut policy(t), &stream_view(28, 0, &sales, &secret, &[0])).is_empty());
        // Far enough ahead for sea (window widened): the regular lane.
        let wide = Thresholds {
            stream_window_days: 30,
            ..t
        };
        let later = [entry(50, 200.0, 20)];
        let o = review(&mut policy(wide), &stream_view(28, 0, &sales, &later, &[0]));
        assert_eq!(o[0].lane, 0);
    }

    #[test]
    fn stream_prepares_for_a_later_stream_when_the_next_is_out_of_reach() {
        let sales = [10u32; 28];
        let t = Thresholds {
            stream_multiplier: Some(1.5),
            stream_window_days: 14,
            ..off()
        };
        // Air takes 5 days: the stream in 2 days is out of reach, the one in 9 is not, and
        // it needs stock for both: 1.5 × (100 + 200) + 9 days × 10 = 540.
        let e = [entry(30, 100.0, 20), entry(37, 200.0, 20)];
        let o = review(&mut policy(t), &stream_view(28, 400, &sales, &e, &[0, 1]));
        assert_eq!(o.len(), 1);
        assert_eq!(
            (o[0].trigger, o[0].lane, o[0].qty),
            (Trigger::Stream, 1, 140)
        );
        assert_eq!(o[0].needed_by, Some(37));
    }

    #[test]
    fn pulse_fires_mid_stream_above_the_ratio_once_per_stream() {
        let sales = [10u32; 28];
        let t = Thresholds {
            pulse_ratio: Some(3.0),
            ..off()
        };
        let mut p = policy(t);
        let v = view(28, 0, &sales);
        review(&mut p, &v); // learns the forecast: 10/day
        let live = |sold: &'static [u32], share| LiveStream {
            start: SimTime::day_start(28),
            duration: 180,
            elapsed: 60,
            forecast: 100.0,
            sold_by_step: sold,
            expected_share: share,
        };
        let mut o = Orders::default();
        p.review_in_stream(&v, &live(&[30], 0.5), &mut o);
        assert!(o.is_empty(), "30 is not above 3 × 10");
        p.review_in_stream(&v, &live(&[31], 0.5), &mut o);
        let got: Vec<_> = o.drain().collect();
        // Projected 62, 31 still to sell, + 20 days × 10 until a sea order (nothing on the
        // water) could land, − 0 on the shelf.
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].trigger, got[0].lane, got[0].qty),
            (Trigger::Pulse, 1, 231)
        );
        p.review_in_stream(&v, &live(&[40], 0.6), &mut o);
        assert!(o.is_empty(), "one pulse order per stream");
    }

    #[test]
    fn signal_fires_on_ctr_growth_with_conversion_above_average_only() {
        let sales = [10u32; 28];
        let t = Thresholds {
            ctr_growth: Some(0.5),
            target_cover_days: 10.0,
            ..off()
        };
        let mut ctr = vec![1.0f32; 28];
        let mut conv = vec![1.0f32; 28];
        let with = |ctr: &[f32], conv: &[f32]| {
            let v = SkuView {
                ctr,
                conversion: conv,
                ctr_rise: crate::demand::viral::week_on_week(ctr),
                ..view(28, 0, &sales)
            };
            review(&mut policy(t), &v)
        };
        assert!(with(&ctr, &conv).is_empty());
        for c in &mut ctr[21..] {
            *c = 1.75; // +75% week on week
        }
        assert!(with(&ctr, &conv).is_empty(), "conversion not above average");
        for c in &mut conv[21..] {
            *c = 1.2;
        }
        let o = with(&ctr, &conv);
        assert_eq!(o.len(), 1);
        assert_eq!((o[0].trigger, o[0].lane), (Trigger::Signal, 1));
        // The extra demand the rise predicts over the air lead time: 0.75 × 10/day × 5 days.
        assert_eq!(o[0].qty, 38);
        for c in &mut ctr[21..] {
            *c = 1.375; // +37.5%: below the threshold
        }
        assert!(with(&ctr, &conv).is_empty());
    }

    #[test]
    fn a_persistent_rise_lifts_the_forecast_a_transient_one_is_left_out() {
        let t = Thresholds {
            persist_ratio: Some(1.5),
            persist_days: 3,
            forecast_days: 28,
            ..off()
        };
        let mut sales = vec![10u32; 40];
        let mut p = policy(t);
        review(&mut p, &view(28, 1000, &sales));
        assert_eq!(p.memory[0].forecast, 10.0);
        // Three days at 30 from day 28: persistent; the forecast jumps to 30.
        for s in &mut sales[28..31] {
            *s = 30;
        }
        review(&mut p, &view(31, 1000, &sales));
        assert_eq!(p.memory[0].forecast, 30.0);

        // Two days at 30 then back to 10: transient, left out of the forecast.
        let mut sales = vec![10u32; 40];
        sales[28] = 30;
        sales[29] = 30;
        let mut p = policy(t);
        review(&mut p, &view(28, 1000, &sales));
        review(&mut p, &view(31, 1000, &sales));
        assert_eq!(p.memory[0].forecast, 10.0);
        // Without the dimension the spike days count like any other.
        let mut q = policy(off());
        review(&mut q, &view(31, 1000, &sales));
        assert!(q.memory[0].forecast > 10.0);
    }

    #[test]
    fn a_rise_judged_persistent_orders_its_gap_by_the_persist_lane_that_day() {
        // 28 days at 10, then 30 a day from day 28: after 3 days above 1.5 × 10 the rise is
        // persistent on the review of day 31, at the level of its last 3 days (30/day).
        let t = Thresholds {
            persist_ratio: Some(1.5),
            persist_days: 3,
            ..off()
        };
        let mut sales = vec![10u32; 40];
        for s in &mut sales[28..31] {
            *s = 30;
        }
        let run = |t: Thresholds, on_hand: i64| {
            let mut p = policy(t);
            assert!(review(&mut p, &view(28, on_hand, &sales)).is_empty());
            assert!(
                review(&mut p, &view(30, on_hand, &sales)).is_empty(),
                "still under watch"
            );
            let o = review(&mut p, &view(31, on_hand, &sales));
            // Once: the next review orders nothing more.
            assert!(review(&mut p, &view(32, on_hand, &sales)).is_empty());
            o
        };
        // Default: the fast lane (index 1, 5 days): 30/day × 5 days − 50 on hand.
        let o = run(t, 50);
        assert_eq!(o.len(), 1);
        assert_eq!(
            (o[0].trigger, o[0].lane, o[0].qty),
            (Trigger::Persist, 1, 30 * 5 - 50)
        );
        // By sea (index 0, 20 days): 30/day × 20 days − 50.
        let sea = Thresholds {
            persist_lane: crate::scenario::thresholds::LaneRef(Some(0)),
            ..t
        };
        let o = run(sea, 50);
        assert_eq!(
            (o[0].trigger, o[0].lane, o[0].qty),
            (Trigger::Persist, 0, 30 * 20 - 50)
        );
        // A position that covers the new level's lead time orders nothing.
        assert!(run(t, 150).is_empty());
    }

    #[test]
    fn signal_lane_sets_the_lane_of_signal_orders() {
        let sales = [10u32; 28];
        let mut ctr = vec![1.0f32; 28];
        let mut conv = vec![1.0f32; 28];
        for c in &mut ctr[21..] {
            *c = 1.75;
        }
        for c in &mut conv[21..] {
            *c = 1.2;
        }
        let t = Thresholds {
            ctr_growth: Some(0.5),
            signal_lane: crate::scenario::thresholds::LaneRef(Some(0)),
            ..off()
        };
        let v = SkuView {
            ctr: &ctr,
            conversion: &conv,
            ctr_rise: crate::demand::viral::week_on_week(&ctr),
            ..view(28, 0, &sales)
        };
        let o = review(&mut policy(t), &v);
        assert_eq!(o.len(), 1);
        // By sea, sized over the sea lead time: 0.75 × 10/day × 20 days.
        assert_eq!(
            (o[0].trigger, o[0].lane, o[0].qty),
            (Trigger::Signal, 0, 150)
        );
    }

    /// Sold-out flags of days `from..to` (one word: days below 64).
    fn flags(from: u32, to: u32) -> [u64; 1] {
        [(from..to).fold(0u64, |w, d| w | 1 << d)]
    }

    #[test]
    fn days_on_an_empty_shelf_do_not_drag_the_forecast_down() {
        let t = Thresholds { ..off() };
        let mut sales = vec![10u32; 40];
        let mut p = policy(t);
        review(&mut p, &view(28, 50, &sales));
        assert_eq!(p.memory[0].forecast, 10.0);
        // Sold out from day 28: zero sales, the shelf empty every day.
        for s in &mut sales[28..34] {
            *s = 0;
        }
        let out = flags(28, 34);
        for day in 29..=34 {
            let v = SkuView {
                sold_out: &out,
                ..view(day, 0, &sales)
            };
            review(&mut p, &v);
        }
        assert_eq!(p.memory[0].forecast, 10.0);
    }

    /// Issue 21: a day that sold out at 14:00 and was restocked overnight showed stock at the
    /// next review and counted as a full day, pulling the forecast low exactly when stock is
    /// short. The sold-out flags leave it out.
    #[test]
    fn a_day_that_sold_out_is_censored_even_when_restocked_overnight() {
        let mut sales = vec![10u32; 40];
        for s in &mut sales[28..34] {
            *s = 4; // sold out mid-afternoon
        }
        let out = flags(28, 34);
        let run = |sold_out: &[u64]| {
            let mut p = policy(off());
            review(&mut p, &view(28, 50, &sales));
            for day in 29..=34 {
                // Restocked every night: the shelf is never empty at a review.
                let v = SkuView {
                    sold_out,
                    ..view(day, 20, &sales)
                };
                review(&mut p, &v);
            }
            p.memory[0].forecast
        };
        assert_eq!(run(&out), 10.0);
        // Seen only through the morning's stock, the days count: (22 × 10 + 6 × 4) / 28.
        assert!((run(&[]) - 244.0 / 28.0).abs() < 1e-12);
    }

    /// Issue 21: the stream dimension added the days until the stream at the forecast rate,
    /// which averages stream days in — counting stream volume twice. Storefront 10/day, a
    /// weekly stream selling 210: the cover forecast is (24 × 10 + 4 × 210) / 28, but the
    /// stream rule wants 1.5 × 200 + 6 days × 10 = 360 units for a stream in 6 days.
    #[test]
    fn the_stream_rule_counts_storefront_days_before_the_stream_not_stream_days() {
        let t = Thresholds {
            stream_multiplier: Some(1.5),
            stream_window_days: 7,
            ..off()
        };
        let stream_days = [6u32, 13, 20, 27, 34];
        let e: Vec<StreamEntry> = stream_days
            .iter()
            .map(|&d| entry(d, 200.0, d.saturating_sub(7)))
            .collect();
        let mut sales = vec![10u32; 28];
        for &d in &stream_days[..4] {
            sales[d as usize] = 210;
        }
        let mut p = policy(t);
        for day in 0..28u32 {
            let upcoming: Vec<u32> = (0..e.len() as u32)
                .filter(|&k| e[k as usize].day() >= day)
                .collect();
            let v = stream_view(day, 100_000, &sales[..day as usize], &e, &upcoming);
            assert!(review(&mut p, &v).is_empty());
        }
        let mut q = p.clone();
        let o = review(&mut p, &stream_view(28, 359, &sales, &e, &[4]));
        assert!((p.memory[0].forecast - 1080.0 / 28.0).abs() < 1e-12);
        assert_eq!(o.len(), 1);
        assert_eq!((o[0].trigger, o[0].qty), (Trigger::Stream, 1));
        assert!(review(&mut q, &stream_view(28, 360, &sales, &e, &[4])).is_empty());
    }

    /// Issue 21: a shipment past its quoted arrival stayed in the position as if on time.
    #[test]
    fn shipments_long_past_their_quote_are_not_counted_on() {
        let ship = |qty, quoted_eta_day| crate::policy::OpenShipment {
            id: 0,
            qty,
            lane: 0,
            backup: false,
            ordered_day: 0,
            quoted_eta_day,
        };
        let p = [ship(100, 20), ship(50, 25), ship(30, 40)];
        assert_eq!((p[0].overdue_days(30), p[2].overdue_days(30)), (10, 0));
        assert_eq!(late_units(&p, 30, 5.0), 150);
        assert_eq!(late_units(&p, 30, 6.0), 100);
        // Due today is not late.
        assert_eq!(late_units(&p, 20, 1.0), 0);
        assert_eq!(late_units(&p, 21, 1.0), 100);
    }

    /// The sliding forecast equals the forecast summed afresh, whatever censoring, spikes,
    /// transient and persistent rises happen — checked against `mean` on a long random run.
    #[test]
    fn ordinary_noise_is_no_spike_and_leaves_the_forecast_unbiased() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, Gamma, Poisson};
        // Negative binomial daily sales, mean 10, dispersion 4 (sd ≈ 5.5): a third of the days
        // sell above 1.3× the mean, none of them a spike.
        let t = Thresholds {
            persist_ratio: Some(1.3),
            persist_days: 10,
            forecast_days: 28,
            ..off()
        };
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(23);
        let gamma = Gamma::new(4.0, 2.5).expect("valid gamma");
        let days = 3_000usize;
        let sales: Vec<u32> = (0..days)
            .map(|_| {
                let mean: f64 = gamma.sample(&mut rng);
                Poisson::new(mean.max(1e-9))
                    .expect("valid mean")
                    .sample(&mut rng) as u32
            })
            .collect();
        let mut p = policy(t);
        let forecasts: Vec<f64> = (0..days as u32)
            .map(|d| {
                review(&mut p, &view(d, 1000, &sales[..d as usize]));
                p.memory[0].forecast
            })
            .collect();
        // The forecast is the mean of 28 days; its average over the run has a standard error
        // of about sd / √(days / 28) / √28 ≈ 0.1 (the 28-day means overlap).
        let late = &forecasts[100..];
        let avg = late.iter().sum::<f64>() / late.len() as f64;
        let truth = sales[72..days - 1]
            .iter()
            .map(|&x| f64::from(x))
            .sum::<f64>()
            / (days - 73) as f64;
        assert!(
            (avg - truth).abs() < 4.0 * 0.1,
            "forecast {avg} vs sales {truth}"
        );
    }

    #[test]
    fn day_bits_keep_every_sku_s_days_when_they_grow() {
        let mut bits = DayBits::default();
        bits.reserve(3, 10);
        bits.days(1).set(Days::HELD_OUT, 7);
        bits.days(2).set(Days::STREAM, 9);
        bits.reserve(3, 700);
        bits.days(0).set(Days::STREAM, 700);
        let a = bits.days(0);
        assert!(a.get(Days::STREAM, 700) && !a.get(Days::HELD_OUT, 700));
        let b = bits.days(1);
        assert!(b.get(Days::HELD_OUT, 7) && !b.get(Days::STREAM, 7) && !b.get(Days::HELD_OUT, 8));
        let mut c = bits.days(2);
        assert!(c.get(Days::STREAM, 9) && !c.get(Days::HELD_OUT, 9));
        // Beyond the reserved days nothing is marked and nothing is held.
        c.set(Days::STREAM, 5_000);
        assert!(!c.get(Days::STREAM, 5_000));
        bits.clear();
        assert!(!bits.days(1).get(Days::HELD_OUT, 7));
    }

    #[test]
    fn the_sliding_forecast_equals_summing_the_window_afresh() {
        use rand::{Rng, SeedableRng};
        let t = Thresholds {
            persist_ratio: Some(1.5),
            persist_days: 4,
            forecast_days: 21,
            ..off()
        };
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(17);
        let days = 2000usize;
        let mut sales = vec![0u32; days];
        let mut level = 10.0f64;
        for (d, s) in sales.iter_mut().enumerate() {
            if d % 97 == 0 {
                level *= 1.6; // a lasting step
            }
            let spike = if crate::rng::unit_f64(rng.next_u64()) < 0.03 {
                5.0
            } else {
                1.0
            };
            *s = (level * spike * (0.5 + crate::rng::unit_f64(rng.next_u64()))) as u32;
        }
        let mut m = Memory::default();
        let mut bits = DayBits::default();
        bits.reserve(1, days as u32);
        let mut recomputed = 0;
        for day in 0..days as u32 {
            // Now and then the shelf is empty in the morning.
            let on_hand = if crate::rng::unit_f64(rng.next_u64()) < 0.05 {
                0
            } else {
                100
            };
            let v = view(day, on_hand, &sales[..day as usize]);
            m.update(&t, &v, &mut bits.days(0));
            let horizon = day.saturating_sub(t.forecast_days);
            let fresh = m.mean(v.sales, horizon, day, &bits.days(0));
            if let Some(f) = fresh {
                let floor = m.floor.map_or(0.0, |(l, _)| l);
                assert!(
                    m.forecast == f || m.forecast == floor,
                    "day {day}: sliding {} vs fresh {f}",
                    m.forecast
                );
            }
            assert_eq!(
                (m.window_sum, m.window_sq, m.window_days),
                {
                    let (mut s, mut sq, mut n) = (0u64, 0u64, 0u32);
                    let row = bits.days(0);
                    for d in (horizon..day).filter(|&d| m.counts(d, &row)) {
                        s += u64::from(sales[d as usize]);
                        sq += u64::from(sales[d as usize]).pow(2);
                        n += 1;
                    }
                    (s, sq, n)
                },
                "day {day}"
            );
            recomputed += usize::from(m.floor.is_some());
        }
        assert!(recomputed > 0, "the run must include persistent rises");
    }
}
