//! The calendar view of a run: for each candidate and each simulated day, the capital tied up
//! (on hand, in transit, prepaid) and one chosen SKU's on-hand units, summarised across
//! replications — means, p5/p50/p95 — in memory that does not grow with replications.
//!
//! Everything here is order-free at the grain of statistics blocks ([`BLOCK`] consecutive
//! replications, which one worker always runs together and in order): each worker folds the
//! blocks it happens to run, calling [`DailyAcc::flush`] at the end of each, and the workers
//! are merged at the end, whatever the thread count, with identical results:
//!
//! - means come from sums kept in fixed point (1/1024 of a currency unit): a block's values
//!   are added in floating point in replication order, and the block's sum is rounded to fixed
//!   point once; integer addition of block sums is exact and associative, so no order of blocks
//!   can change a bit. (Rounding each value instead cost a tenth of the textbook run; a float
//!   sum per block merged in block order would hold a whole calendar per block in flight.) The
//!   rounding (at most 1/2048 per block) is far below anything a planner reads;
//! - quantiles come from [`DaySketch`], a counts-only log-bucket histogram: merging adds
//!   integer counts, so it is exact and commutative too.
//!
//! Warm-up days are recorded like every other day (the charts show how the run settles); the
//! weekly table and every mean compared with `summary.json` use measured days only.

use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::metrics::DayRecord;
use crate::stats::BLOCK;

/// Mantissa bits of a log bucket: buckets 2⁻⁶ wide (relative) above [`LINEAR`], so a quantile
/// there is reported within 0.8% (`DAY_RELATIVE_ACCURACY`, tested) of a value in its bucket; below
/// [`LINEAR`] buckets are one unit wide (HDR-histogram style), so whole units — stock counts,
/// zero — are exact and no space is spent on empty sub-unit buckets. Coarser than the
/// run-level [`super::Sketch`] (0.1%) on purpose: there is a sketch per day and series, and
/// they are visited on every replication, so they must stay small enough for the cache (a
/// 2⁻⁷ grid cost more time than the simulation itself); 0.8% is finer than a chart or a
/// weekly table shows, and finer than the Monte Carlo error of a p95 at usual replication
/// counts.
const BITS: u32 = 6;
const SHIFT: u32 = 52 - BITS;
/// Values below this use width-1 buckets; at it the log buckets are exactly 1 wide.
const LINEAR: i32 = 1 << BITS;

/// Relative accuracy of [`DaySketch`] quantiles at or above `LINEAR` (below it they are
/// within one unit, and exact for whole numbers).
#[cfg(test)]
pub const DAY_RELATIVE_ACCURACY: f64 = 1.0 / (2u64 << BITS) as f64;

/// Fixed-point scale of the sums behind daily means.
const FIX: f64 = 1024.0;

/// 2⁵²: added to a value in [0, 2⁵²), it leaves the value rounded to an integer in the low
/// bits of the mantissa.
const MAGIC: f64 = 4_503_599_627_370_496.0;

/// x·1024 rounded to the nearest integer, for 0 ≤ x < 4.4·10¹² (clamped beyond; NaN → 0). Its
/// argument is a block's sum of one day's values.
/// Branch-free: a saturating `as` cast costs compares and conditional moves on every value.
#[inline(always)]
// `clamp` would keep a NaN (and then produce garbage bits); `max` then `min` send it to 0.
#[allow(clippy::manual_clamp)]
fn fix(x: f64) -> u64 {
    let v = (x * FIX).max(0.0).min(MAGIC - 1.0);
    (v + MAGIC).to_bits() - MAGIC.to_bits()
}

#[inline(always)]
fn log_key0() -> i32 {
    (f64::from(LINEAR).to_bits() >> SHIFT) as i32
}

/// Bucket of a value: its whole part below [`LINEAR`], a log bucket above. Monotonic.
#[inline(always)]
fn bucket(x: f64) -> i32 {
    // NaN and negatives cannot occur (stock and capital are ≥ 0); `max` sends them to zero
    // rather than letting them corrupt the key space.
    // Both candidates are computed and one is selected without a branch: stock levels hover
    // around the boundary, and a mispredicted branch per value cost more than the arithmetic.
    let x = x.max(0.0);
    // SAFETY: `max` sent NaN to 0, so `min` leaves a finite value in [0, LINEAR], which an
    // `i32` holds; the checked cast's saturation and NaN fixes cost more than the rest of the
    // key.
    let linear = unsafe { x.min(f64::from(LINEAR)).to_int_unchecked::<i32>() };
    let log = (x.to_bits() >> SHIFT) as i32 - log_key0() + LINEAR;
    if x < f64::from(LINEAR) { linear } else { log }
}

/// The value a bucket reports: a linear bucket its lower end (exact for whole numbers), a log
/// bucket its midpoint.
fn representative(key: i32) -> f64 {
    if key < LINEAR {
        f64::from(key)
    } else {
        let k = (key - LINEAR + log_key0()) as u64;
        0.5 * (f64::from_bits(k << SHIFT) + f64::from_bits((k + 1) << SHIFT))
    }
}

/// Quantiles of non-negative values in bounded memory. Counts are `u32`: a day sees one value
/// per replication, and replications are capped far below 2³² (`MAX_REPLICATIONS`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DaySketch {
    /// Key of `counts[0]`.
    offset: i32,
    counts: Vec<u32>,
    /// Smallest and largest value seen (meaningless while empty): a bucket's midpoint can lie
    /// outside the values it holds, and a quantile reported above the largest value (or
    /// below the smallest) reads as p5 > mean on a day every future agrees on.
    #[serde(default)]
    lo: f64,
    #[serde(default)]
    hi: f64,
}

impl DaySketch {
    #[inline(always)]
    pub fn push(&mut self, x: f64) {
        // The same clamp as `bucket`, so the range and the buckets agree.
        let v = x.max(0.0);
        if self.counts.is_empty() {
            (self.lo, self.hi) = (v, v);
        }
        self.lo = self.lo.min(v);
        self.hi = self.hi.max(v);
        let key = bucket(x);
        // A key below the offset wraps to a huge index and takes the slow path.
        match self
            .counts
            .get_mut(key.wrapping_sub(self.offset) as u32 as usize)
        {
            Some(c) => *c += 1,
            None => self.add(key, 1),
        }
    }

    /// Pushes `count` values of `v`, `stride` apart from `start` (negated if `NEG`), as
    /// `push` would one by one: one day's column of the fold's replication-major scratch, read where
    /// it lies instead of copied out first, and its range taken in the counting pass.
    #[inline(always)]
    pub(super) fn push_column<const NEG: bool>(
        &mut self,
        v: &[f64],
        start: usize,
        stride: usize,
        count: usize,
    ) {
        if count == 0 {
            return;
        }
        let v = &v[start..=start + (count - 1) * stride];
        let at = |j: usize| {
            let x = v[j * stride];
            if NEG { -x } else { x }
        };
        let first = at(0).max(0.0);
        let was_empty = self.counts.is_empty();
        if (1..count).all(|j| at(j).max(0.0) == first) {
            // Every future agrees (warm-up's zero net cash, the opening stock): one count.
            if was_empty {
                (self.lo, self.hi) = (first, first);
            }
            self.lo = self.lo.min(first);
            self.hi = self.hi.max(first);
            self.count_n(bucket(first), count as u32);
            return;
        }
        let (mut lo, mut hi) = (first, first);
        for j in 0..count {
            let x = at(j).max(0.0);
            lo = if x < lo { x } else { lo };
            hi = if x > hi { x } else { hi };
            self.count_n(bucket(x), 1);
        }
        if was_empty {
            (self.lo, self.hi) = (lo, hi);
        }
        self.lo = self.lo.min(lo);
        self.hi = self.hi.max(hi);
    }

    #[inline]
    fn count_n(&mut self, key: i32, n: u32) {
        match self
            .counts
            .get_mut(key.wrapping_sub(self.offset) as u32 as usize)
        {
            Some(c) => *c += n,
            None => self.add(key, n),
        }
    }

    #[cold]
    fn add(&mut self, key: i32, n: u32) {
        if self.counts.is_empty() {
            self.offset = key;
        } else if key < self.offset {
            let grow = (self.offset - key) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = key;
        }
        let i = (key - self.offset) as usize;
        if i >= self.counts.len() {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += n;
    }

    pub fn merge(&mut self, other: &DaySketch) {
        if other.counts.is_empty() {
            return;
        }
        if self.counts.is_empty() {
            (self.lo, self.hi) = (other.lo, other.hi);
        }
        self.lo = self.lo.min(other.lo);
        self.hi = self.hi.max(other.hi);
        for (i, &c) in other.counts.iter().enumerate() {
            if c > 0 {
                let key = other.offset + i as i32;
                match self
                    .counts
                    .get_mut(key.wrapping_sub(self.offset) as u32 as usize)
                {
                    Some(mine) => *mine += c,
                    None => self.add(key, c),
                }
            }
        }
    }

    pub fn count(&self) -> u64 {
        self.counts.iter().map(|&c| u64::from(c)).sum::<u64>()
    }

    /// Smallest and largest value seen; `None` when empty.
    pub fn range(&self) -> Option<(f64, f64)> {
        (!self.counts.is_empty()).then_some((self.lo, self.hi))
    }

    /// The value of 1-based rank `rank` (smallest first), as `quantile` reports it; `None`
    /// beyond the count.
    pub fn at_rank(&self, rank: u64) -> Option<f64> {
        if rank == 0 || rank > self.count() {
            return None;
        }
        let mut seen = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += u64::from(c);
            if seen >= rank {
                return Some(representative(self.offset + i as i32));
            }
        }
        None
    }

    /// The q-quantile by the nearest-rank rule, within 0.8% (`DAY_RELATIVE_ACCURACY`; one unit
    /// below `LINEAR`) and never outside the values seen; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
        let mut seen = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += u64::from(c);
            if seen >= rank {
                return Some(representative(self.offset + i as i32).clamp(self.lo, self.hi));
            }
        }
        unreachable!("ranks are bounded by the count")
    }
}

/// One day's accumulators for one candidate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct DayAcc {
    /// Fixed-point sums over flushed blocks [currency / 1024]: on hand, in transit, prepaid.
    sums: [u128; 3],
    /// Replications in which the chart SKU turned demand away that day.
    sku_short: u64,
    total: DaySketch,
    sku: DaySketch,
}

/// Replications whose values wait in `DailyAcc::pending` before being folded: one block.
const BATCH: usize = BLOCK as usize;

/// A candidate's calendar accumulators: one `DayAcc` per simulated day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyAcc {
    reps: u64,
    days: Vec<DayAcc>,
    /// The pending block's values, scratch never saved (a saved accumulator is flushed and
    /// only merged or read). A year of daily sketches does not fit in cache: pushing each
    /// replication's values straight into them spent more time waiting on memory than the
    /// engine spent simulating. Batched, each day's sketches are visited once per `BATCH`
    /// replications, and a replication's calendar is read in one pass for every series.
    #[serde(skip)]
    pending: Pending,
    /// The cash curve, folded beside the capital (`stats::cash`).
    #[serde(default)]
    cash: super::cash::CashAcc,
}

/// A block's values before they are folded, in dense arrays that stay in cache.
#[derive(Debug, Clone, Default, PartialEq)]
struct Pending {
    reps: usize,
    /// Per day, the block's sums in replication order `[currency]`: on hand, in transit,
    /// prepaid, cash out, cash in, net cash.
    sums: Vec<[f64; 6]>,
    /// Per day, replications in which the chart SKU turned demand away.
    short: Vec<u32>,
    /// Sketch values, series-major then replication-major: `values[s][k * days + d]` is
    /// series s (total capital, chart-SKU units, net cash) of day d in the k-th pending
    /// replication. A replication writes its calendar in sequence; the fold reads day by day
    /// across the block's replications, and eight consecutive days share a cache line, so
    /// each line is fetched once per block. (Day-major, each replication's write touched a
    /// line per day and series, and those stores cost more than the day loop's arithmetic.)
    values: [Vec<f64>; 3],
}

impl Pending {
    fn new(days: usize) -> Self {
        Pending {
            reps: 0,
            sums: vec![[0.0; 6]; days],
            short: vec![0; days],
            values: std::array::from_fn(|_| vec![0.0; days * BATCH]),
        }
    }
}

impl DailyAcc {
    pub fn new(horizon_days: u32) -> Self {
        DailyAcc {
            reps: 0,
            days: vec![DayAcc::default(); horizon_days as usize],
            pending: Pending::new(horizon_days as usize),
            cash: super::cash::CashAcc::new(horizon_days),
        }
    }

    /// The cash curve's accumulators.
    pub fn cash(&self) -> &super::cash::CashAcc {
        &self.cash
    }

    /// Folds one replication's calendar (one record per simulated day). At most [`BLOCK`]
    /// replications between two [`flush`](Self::flush)es: a block's.
    // Kept out of the block loop: inlined there, the counting loops lost their registers.
    #[inline(never)]
    pub fn push(&mut self, records: &[DayRecord]) {
        assert_eq!(records.len(), self.days.len(), "one record per day");
        let p = &mut self.pending;
        let k = p.reps;
        assert!(k < BATCH, "flush at the end of every block");
        if p.sums.len() != records.len() {
            *p = Pending::new(records.len());
        }
        self.reps += 1;
        let n = records.len();
        let [total, units, net] = p.values.each_mut().map(|v| &mut v[k * n..(k + 1) * n]);
        for (d, ((r, sums), short)) in records
            .iter()
            .zip(&mut p.sums)
            .zip(&mut p.short)
            .enumerate()
        {
            let x = [
                r.on_hand,
                r.in_transit,
                r.prepaid,
                r.cash_out,
                r.cash_in,
                r.net_cash,
            ];
            for (s, x) in sums.iter_mut().zip(x) {
                *s += x;
            }
            *short += u32::from(r.sku_short);
            total[d] = r.total();
            units[d] = r.sku_on_hand as f64;
            net[d] = r.net_cash;
        }
        p.reps += 1;
    }

    /// Ends a block: folds its values. Needed before merging or reading.
    #[inline(never)]
    pub fn flush(&mut self) {
        let p = &mut self.pending;
        let k = p.reps;
        if k == 0 {
            return;
        }
        let n = self.days.len();
        let [total, units, net] = &p.values;
        for (d, (acc, sums)) in self.days.iter_mut().zip(&p.sums).enumerate() {
            acc.total.push_column::<false>(total, d, n, k);
            acc.sku.push_column::<false>(units, d, n, k);
            for (sum, &b) in acc.sums.iter_mut().zip(&sums[..3]) {
                *sum += u128::from(fix(b));
            }
        }
        for (acc, short) in self.days.iter_mut().zip(&mut p.short) {
            acc.sku_short += u64::from(*short);
            *short = 0;
        }
        self.cash
            .fold_block(k, p.sums.iter().map(|s| [s[3], s[4], s[5]]), net, n);
        for s in &mut p.sums {
            *s = [0.0; 6];
        }
        p.reps = 0;
    }

    /// Adds another worker's accumulators; the result does not depend on the order. Both
    /// must be flushed.
    pub fn merge(&mut self, other: &DailyAcc) {
        assert_eq!(self.days.len(), other.days.len());
        assert!(
            self.pending.reps == 0 && other.pending.reps == 0,
            "flush before merging"
        );
        self.reps += other.reps;
        self.cash.merge(&other.cash);
        for (a, b) in self.days.iter_mut().zip(&other.days) {
            for (x, y) in a.sums.iter_mut().zip(&b.sums) {
                *x += y;
            }
            a.sku_short += b.sku_short;
            a.total.merge(&b.total);
            a.sku.merge(&b.sku);
        }
    }

    #[cfg(test)]
    pub fn replications(&self) -> u64 {
        self.reps
    }

    fn mean(&self, sum: u128) -> f64 {
        if self.reps == 0 {
            return f64::NAN;
        }
        sum as f64 / FIX / self.reps as f64
    }

    /// The summary of every simulated day, warm-up included.
    pub fn days(&self) -> Vec<DayStats> {
        assert_eq!(self.pending.reps, 0, "flush before reading");
        self.days
            .iter()
            .map(|d| {
                let q = |s: &DaySketch, p| s.quantile(p).unwrap_or(f64::NAN);
                let (on_hand, in_transit, prepaid) = (
                    self.mean(d.sums[0]),
                    self.mean(d.sums[1]),
                    self.mean(d.sums[2]),
                );
                DayStats {
                    on_hand,
                    in_transit,
                    prepaid,
                    total_mean: on_hand + in_transit + prepaid,
                    total_min: d.total.range().map_or(f64::NAN, |r| r.0),
                    total_max: d.total.range().map_or(f64::NAN, |r| r.1),
                    total_p5: q(&d.total, 0.05),
                    total_p50: q(&d.total, 0.50),
                    total_p95: q(&d.total, 0.95),
                    sku_p5: q(&d.sku, 0.05),
                    sku_p50: q(&d.sku, 0.50),
                    sku_p95: q(&d.sku, 0.95),
                    sku_stockout_share: if self.reps == 0 {
                        f64::NAN
                    } else {
                        d.sku_short as f64 / self.reps as f64
                    },
                }
            })
            .collect()
    }

    /// The measured days grouped by ISO week (Monday to Sunday), in calendar order. A week cut
    /// by the end of warm-up or of the horizon holds only its measured days (`days` < 7).
    pub fn weeks(&self, cal: &Calendar) -> Vec<WeekStats> {
        assert_eq!(self.pending.reps, 0, "flush before reading");
        let mut weeks: Vec<WeekStats> = Vec::new();
        let mut sketch = DaySketch::default();
        let mut sums = [0u128; 3];
        let mut current: Option<(jiff::civil::Date, u32)> = None;
        let flush = |weeks: &mut Vec<WeekStats>,
                     (monday, days): (jiff::civil::Date, u32),
                     sums: &[u128; 3],
                     sketch: &DaySketch| {
            let n = f64::from(days);
            let (on_hand, in_transit, prepaid) = (
                self.mean(sums[0]) / n,
                self.mean(sums[1]) / n,
                self.mean(sums[2]) / n,
            );
            weeks.push(WeekStats {
                monday,
                days,
                on_hand,
                in_transit,
                prepaid,
                total_mean: on_hand + in_transit + prepaid,
                total_p50: sketch.quantile(0.50).unwrap_or(f64::NAN),
                total_p95: sketch.quantile(0.95).unwrap_or(f64::NAN),
            });
        };
        for day in cal.warmup_days..cal.horizon_days {
            let date = cal.date(day);
            let back = i64::from(date.weekday().to_monday_zero_offset());
            let monday = date
                .checked_sub(jiff::Span::new().days(back))
                .expect("a week start six days back stays within jiff's range");
            match current {
                Some((m, n)) if m == monday => current = Some((m, n + 1)),
                _ => {
                    if let Some(c) = current {
                        flush(&mut weeks, c, &sums, &sketch);
                    }
                    current = Some((monday, 1));
                    sums = [0; 3];
                    sketch = DaySketch::default();
                }
            }
            let d = &self.days[day as usize];
            for (x, y) in sums.iter_mut().zip(&d.sums) {
                *x += y;
            }
            sketch.merge(&d.total);
        }
        if let Some(c) = current {
            flush(&mut weeks, c, &sums, &sketch);
        }
        weeks
    }
}

/// Across-replication summary of one simulated day for one candidate [currency, units].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayStats {
    /// Mean end-of-day capital on hand, in transit and prepaid `[currency]`.
    pub on_hand: f64,
    pub in_transit: f64,
    pub prepaid: f64,
    /// Mean, range and quantiles of end-of-day total capital tied up `[currency]`.
    pub total_mean: f64,
    pub total_min: f64,
    pub total_max: f64,
    pub total_p5: f64,
    pub total_p50: f64,
    pub total_p95: f64,
    /// Quantiles of the chart SKU's end-of-day on-hand units `[units]`.
    pub sku_p5: f64,
    pub sku_p50: f64,
    pub sku_p95: f64,
    /// Share of replications in which the chart SKU turned demand away that day.
    pub sku_stockout_share: f64,
}

/// One ISO week of measured days for one candidate `[currency]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeekStats {
    /// The Monday that starts the ISO week (may precede the first measured day).
    pub monday: jiff::civil::Date,
    /// Measured days of the week included.
    pub days: u32,
    /// Means over replications and the week's measured days of end-of-day capital.
    pub on_hand: f64,
    pub in_transit: f64,
    pub prepaid: f64,
    pub total_mean: f64,
    /// Quantiles of end-of-day total capital over every (replication, measured day) pair of
    /// the week: on a day of this week, capital exceeds `total_p95` in 5% of futures.
    pub total_p50: f64,
    pub total_p95: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The block fold pushes a column at a time; it must leave a sketch exactly as pushing each
    /// value would, whatever the values (negatives and NaN clamp to 0, equal values take the
    /// one-count path, a new key below the offset grows the front).
    #[test]
    fn pushing_a_column_equals_pushing_each_value() {
        let slices: [&[f64]; 6] = [
            &[3.0, 3.0, 3.0],
            &[0.0; 16],
            &[-2.0, f64::NAN, 0.0, 5.5],
            &[1e6, 70.25, 64.0, 63.99, 2.0e4, 1e6],
            &[0.5],
            &[],
        ];
        let (mut one, mut each) = (DaySketch::default(), DaySketch::default());
        for xs in slices {
            one.push_column::<false>(xs, 0, 1, xs.len());
            xs.iter().for_each(|&x| each.push(x));
            assert_eq!(one, each, "after {xs:?}");
        }
        // Columns of a row-major block, as the fold reads them: every `stride`-th value from
        // `start`, and negated (the net cash below zero).
        let rows = [
            [1.0, -7.5, 300.0],
            [2.0, -7.5, 0.25],
            [1.0, -9.0, 65.0],
            [4.0, -7.5, 1e9],
        ];
        let flat: Vec<f64> = rows.iter().flatten().copied().collect();
        for d in 0..3 {
            let (mut one, mut each) = (DaySketch::default(), DaySketch::default());
            let (mut neg, mut each_neg) = (DaySketch::default(), DaySketch::default());
            one.push_column::<false>(&flat, d, 3, rows.len());
            neg.push_column::<true>(&flat, d, 3, rows.len());
            for r in &rows {
                each.push(r[d]);
                each_neg.push(-r[d]);
            }
            assert_eq!(one, each, "column {d}");
            assert_eq!(neg, each_neg, "negated column {d}");
        }
    }

    #[test]
    fn day_sketch_quantiles_are_within_its_accuracy() {
        let mut xs: Vec<f64> = (0..5000)
            .map(|i| ((i * 7919) % 5003) as f64 * 1.37)
            .collect();
        let mut s = DaySketch::default();
        xs.iter().for_each(|&x| s.push(x));
        for q in [0.0, 0.05, 0.5, 0.95, 1.0] {
            let e = crate::stats::exact_quantile(&mut xs, q);
            let got = s.quantile(q).unwrap();
            let tol = if e < f64::from(LINEAR) {
                1.0
            } else {
                DAY_RELATIVE_ACCURACY * e
            };
            assert!((got - e).abs() <= tol + 1e-12, "q={q}: {got} vs {e}");
        }
    }

    /// Issue 21: every future holding the same capital on day 0 gave p5 = the bucket's
    /// midpoint, above the mean. Quantiles now stay within the values seen.
    #[test]
    fn quantiles_stay_within_the_values_seen() {
        let mut same = DaySketch::default();
        (0..100).for_each(|_| same.push(37_588.0));
        for q in [0.0, 0.05, 0.5, 0.95, 1.0] {
            assert_eq!(same.quantile(q), Some(37_588.0));
        }
        let mut acc = DailyAcc::new(1);
        for rep in 0..40i64 {
            acc.push(&[record(37_000.0 + (rep % 3) as f64, 588.0, rep, false)]);
            if rep % 16 == 15 {
                acc.flush();
            }
        }
        acc.flush();
        let d = acc.days()[0];
        assert_eq!((d.total_min, d.total_max), (37_588.0, 37_590.0));
        assert!(d.total_min <= d.total_p5 && d.total_p5 <= d.total_p50);
        assert!(d.total_p50 <= d.total_p95 && d.total_p95 <= d.total_max);
        assert!(d.total_min <= d.total_mean && d.total_mean <= d.total_max);
        // Merged sketches keep the range of both.
        let mut a = DaySketch::default();
        a.push(70.0);
        let mut b = DaySketch::default();
        b.push(90.0);
        a.merge(&b);
        a.merge(&DaySketch::default());
        assert_eq!(a.range(), Some((70.0, 90.0)));
        assert_eq!(a.quantile(1.0), Some(90.0));
    }

    #[test]
    fn memory_follows_the_range_of_values_not_their_number() {
        let fill = |n: u64| {
            let mut s = DaySketch::default();
            for i in 0..n {
                // A day's capital across futures: 800 to 3000, in no particular order.
                s.push(800.0 + ((i * 7919) % 2201) as f64);
            }
            s.counts.len()
        };
        let few = fill(3_000);
        assert_eq!(fill(300_000), few);
        // 800..3000 spans under two doublings: about 2 × 64 buckets.
        assert!(few <= 2 * (1 << BITS), "{few} buckets");
    }

    #[test]
    fn whole_units_below_the_linear_range_are_exact() {
        let mut s = DaySketch::default();
        for x in [0.0, 0.0, 3.0, 3.0, 3.0, 7.0, 63.0] {
            s.push(x);
        }
        assert_eq!(s.quantile(0.05), Some(0.0));
        assert_eq!(s.quantile(0.5), Some(3.0));
        assert_eq!(s.quantile(1.0), Some(63.0));
        // The log buckets start exactly where the linear ones stop.
        assert_eq!(bucket(63.9), LINEAR - 1);
        assert_eq!(bucket(64.0), LINEAR);
        assert_eq!(representative(LINEAR), 64.5);
    }

    #[test]
    fn day_sketch_merge_is_exact_and_order_free() {
        let xs: Vec<f64> = (0..2000)
            .map(|i| (i as f64 * 0.37).sin().abs() * 1e4)
            .collect();
        let mut whole = DaySketch::default();
        xs.iter().for_each(|&x| whole.push(x));
        for order in [false, true] {
            let mut parts: Vec<DaySketch> = xs
                .chunks(333)
                .map(|c| {
                    let mut s = DaySketch::default();
                    c.iter().for_each(|&x| s.push(x));
                    s
                })
                .collect();
            if order {
                parts.reverse();
            }
            let mut merged = DaySketch::default();
            parts.iter().for_each(|p| merged.merge(p));
            assert_eq!(merged.count(), whole.count());
            for q in [0.01, 0.05, 0.5, 0.95, 0.99] {
                assert_eq!(merged.quantile(q), whole.quantile(q));
            }
        }
    }

    fn record(on_hand: f64, in_transit: f64, units: i64, short: bool) -> DayRecord {
        DayRecord {
            on_hand,
            in_transit,
            prepaid: 0.0,
            sku_on_hand: units,
            sku_short: short,
            ..DayRecord::default()
        }
    }

    #[test]
    fn weeks_are_iso_weeks_of_measured_days_and_average_the_days() {
        // 2026-01-01 is a Thursday: with 3 warm-up days the first measured day is Sunday
        // 2026-01-04, alone in the ISO week starting Monday 2025-12-29.
        let cal = Calendar {
            start: jiff::civil::date(2026, 1, 1),
            horizon_days: 14,
            warmup_days: 3,
        };
        let mut acc = DailyAcc::new(14);
        for rep in 0..3 {
            let recs: Vec<_> = (0..14)
                .map(|d| record(f64::from(d * 10 + rep), 5.0, 1, d == 5))
                .collect();
            acc.push(&recs);
        }
        acc.flush();
        let weeks = acc.weeks(&cal);
        let mondays: Vec<String> = weeks.iter().map(|w| w.monday.to_string()).collect();
        assert_eq!(mondays, ["2025-12-29", "2026-01-05", "2026-01-12"]);
        assert_eq!(weeks.iter().map(|w| w.days).collect::<Vec<_>>(), [1, 7, 3]);
        // Week of 2026-01-05 = days 4..=10: mean on-hand = mean of (10d + 1) = 71.
        assert!((weeks[1].on_hand - 71.0).abs() < 1e-9);
        assert!((weeks[1].total_mean - 76.0).abs() < 1e-9);
        let days = acc.days();
        assert!((days[5].sku_stockout_share - 1.0).abs() < 1e-12);
        assert_eq!(days[6].sku_stockout_share, 0.0);
        // Day-weighted weekly means give back the mean over measured days.
        let overall: f64 = weeks
            .iter()
            .map(|w| w.total_mean * f64::from(w.days))
            .sum::<f64>()
            / 11.0;
        let direct: f64 = days[3..].iter().map(|d| d.total_mean).sum::<f64>() / 11.0;
        assert!((overall - direct).abs() < 1e-9);
    }

    #[test]
    fn merging_workers_equals_one_worker() {
        let recs = |r: u32| -> Vec<DayRecord> {
            (0..30)
                .map(|d| {
                    record(
                        f64::from(d * r) * 0.37,
                        f64::from(r),
                        i64::from(d),
                        r.is_multiple_of(3),
                    )
                })
                .collect()
        };
        // Blocks of 16, 16 and a short one of 8, dealt to two workers as a pool may: the
        // short block first to one, the others to the other.
        let blocks = [0..16, 16..32, 32..40];
        let mut one = DailyAcc::new(30);
        let (mut a, mut b) = (DailyAcc::new(30), DailyAcc::new(30));
        for (k, block) in blocks.into_iter().enumerate() {
            let worker = if k == 2 { &mut a } else { &mut b };
            for r in block {
                one.push(&recs(r));
                worker.push(&recs(r));
            }
            one.flush();
            worker.flush();
        }
        a.merge(&b);
        assert_eq!(a.days(), one.days());
        assert_eq!(a.replications(), 40);
    }
}
