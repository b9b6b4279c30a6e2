//! Quantiles in bounded memory: a log-bucketed histogram (the DDSketch / HDR-histogram idea)
//! whose buckets also keep the smallest and largest value they saw.
//!
//! A value's bucket is its IEEE-754 exponent and top `MANTISSA_BITS` mantissa bits — one
//! shift of its bit pattern, monotonic in the value — so a bucket spans a relative width of
//! 2⁻⁹ and the value reported for it (its midpoint, clamped to what it saw) is within
//! relative error α ≈ 0.1% of every value in it. Only occupied buckets are stored, and at most
//! [`MAX_BUCKETS`] of them: when more are needed, neighbouring buckets pair up (one mantissa
//! bit less, α doubles), so memory is bounded whatever the number of replications. The level
//! reached is the smallest at which the values seen fit — a function of the set of values, not
//! of their order — and counts are integers and min/max order-free, so merging sketches is
//! exact and commutative: thread count and sharding cannot change a quantile. When a bucket
//! holds one distinct value (whole-unit metrics below ~500, repeated values, zero) the
//! quantile is reported exactly.

use serde::{Deserialize, Serialize};

/// Mantissa bits kept in a bucket key at level 0.
const MANTISSA_BITS: u32 = 9;
const SHIFT: u32 = 52 - MANTISSA_BITS;
/// Occupied buckets one sign of a sketch keeps at most. A metric's values over thousands of
/// replications rarely span more than two octaves (1,024 buckets at level 0), so this costs at
/// most one or two levels of resolution there, and 16 KB per sketch at worst.
pub const MAX_BUCKETS: usize = 512;

/// Relative accuracy of reported quantiles at level 0: half a bucket's relative width.
pub const RELATIVE_ACCURACY: f64 = 1.0 / (2u64 << MANTISSA_BITS) as f64;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Bucket {
    count: u64,
    min: f64,
    max: f64,
}

/// Occupied buckets of one sign, by ascending key; a key at level `level` is the level-0 key
/// shifted right by `level`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Store {
    level: u32,
    buckets: Vec<(i32, Bucket)>,
}

impl Store {
    /// Adds `count` values (smallest `min`, largest `max`) under `key` at this store's level.
    fn add(&mut self, key: i32, min: f64, max: f64, count: u64) {
        match self.buckets.binary_search_by_key(&key, |&(k, _)| k) {
            Ok(i) => {
                let b = &mut self.buckets[i].1;
                b.count += count;
                b.min = b.min.min(min);
                b.max = b.max.max(max);
            }
            Err(i) => {
                self.buckets.insert(i, (key, Bucket { count, min, max }));
                if self.buckets.len() > MAX_BUCKETS {
                    self.coarsen_to(self.level + 1);
                }
            }
        }
    }

    /// Moves to `level` (≥ the current one), pairing buckets up, and on until the buckets fit.
    fn coarsen_to(&mut self, level: u32) {
        let mut level = level;
        loop {
            let shift = level - self.level;
            let mut out: Vec<(i32, Bucket)> = Vec::with_capacity(self.buckets.len());
            for &(k, b) in &self.buckets {
                let k = k >> shift;
                match out.last_mut() {
                    Some((last, acc)) if *last == k => {
                        acc.count += b.count;
                        acc.min = acc.min.min(b.min);
                        acc.max = acc.max.max(b.max);
                    }
                    _ => out.push((k, b)),
                }
            }
            (self.level, self.buckets) = (level, out);
            if self.buckets.len() <= MAX_BUCKETS {
                return;
            }
            level += 1;
        }
    }

    fn merge(&mut self, other: &Store) {
        if other.level > self.level {
            self.coarsen_to(other.level);
        }
        for &(k, b) in &other.buckets {
            // `add` may coarsen as it goes: each key is shifted to the level reached.
            self.add(k >> (self.level - other.level), b.min, b.max, b.count);
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sketch {
    count: u64,
    zeros: u64,
    positive: Store,
    negative: Store,
}

/// A positive value's key at level 0.
#[inline]
fn key(abs: f64) -> i32 {
    // Positive finite doubles order like their bit patterns; 11 exponent + 9 mantissa bits fit.
    (abs.to_bits() >> SHIFT) as i32
}

/// The value a bucket reports: its midpoint, clamped to what it saw.
fn representative(key: i32, level: u32, b: &Bucket) -> f64 {
    let lower = f64::from_bits(((key as u64) << level) << SHIFT);
    let upper = f64::from_bits((((key as u64) + 1) << level) << SHIFT);
    (0.5 * (lower + upper)).clamp(b.min, b.max)
}

impl Sketch {
    pub fn push(&mut self, x: f64) {
        debug_assert!(x.is_finite(), "metrics are finite");
        self.count += 1;
        if x == 0.0 {
            self.zeros += 1;
        } else {
            let store = if x > 0.0 {
                &mut self.positive
            } else {
                &mut self.negative
            };
            let a = x.abs();
            store.add(key(a) >> store.level, a, a, 1);
        }
    }

    pub fn merge(&mut self, other: &Sketch) {
        self.count += other.count;
        self.zeros += other.zeros;
        self.positive.merge(&other.positive);
        self.negative.merge(&other.negative);
    }

    /// Relative accuracy of this sketch's quantiles: [`RELATIVE_ACCURACY`] doubled for every
    /// level its buckets were coarsened.
    pub fn relative_accuracy(&self) -> f64 {
        RELATIVE_ACCURACY * f64::from(1u32 << self.positive.level.max(self.negative.level))
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Bytes held on the heap.
    pub fn heap_bytes(&self) -> usize {
        (self.positive.buckets.capacity() + self.negative.buckets.capacity())
            * std::mem::size_of::<(i32, Bucket)>()
    }

    /// The q-quantile by the nearest-rank rule (the ⌈q·n⌉-th smallest value), within
    /// relative error [`RELATIVE_ACCURACY`]; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        self.at_rank(rank)
    }

    /// The `rank`-th smallest value (1-based), within the relative accuracy; `None` when
    /// `rank` is 0 or above the count.
    pub fn at_rank(&self, rank: u64) -> Option<f64> {
        if rank == 0 || rank > self.count {
            return None;
        }
        let mut seen = 0u64;
        // Most negative first: negative buckets by descending magnitude.
        let neg = self.negative.level;
        for (k, b) in self.negative.buckets.iter().rev() {
            seen += b.count;
            if seen >= rank {
                return Some(-representative(*k, neg, b));
            }
        }
        seen += self.zeros;
        if seen >= rank {
            return Some(0.0);
        }
        let pos = self.positive.level;
        for (k, b) in &self.positive.buckets {
            seen += b.count;
            if seen >= rank {
                return Some(representative(*k, pos, b));
            }
        }
        unreachable!("ranks are bounded by the count")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_the_relative_accuracy() {
        let mut xs: Vec<f64> = (0..10_000)
            .map(|i| ((i * 7919) % 10_007) as f64 * 0.37 - 500.0)
            .collect();
        let mut s = Sketch::default();
        xs.iter().for_each(|&x| s.push(x));
        for q in [0.0, 0.05, 0.25, 0.5, 0.95, 1.0] {
            let e = crate::stats::exact_quantile(&mut xs, q);
            let got = s.quantile(q).unwrap();
            assert!(
                (got - e).abs() <= s.relative_accuracy() * e.abs() + 1e-12,
                "q={q}: {got} vs {e}"
            );
        }
        // A narrow range keeps the full resolution.
        let mut narrow = Sketch::default();
        (0..10_000).for_each(|i| narrow.push(100.0 + f64::from(i) * 1e-3));
        assert_eq!(narrow.relative_accuracy(), RELATIVE_ACCURACY);
        assert!((narrow.quantile(0.5).unwrap() - 105.0).abs() <= 105.0 * RELATIVE_ACCURACY);
    }

    #[test]
    fn memory_is_bounded_whatever_the_number_of_values() {
        let mut s = Sketch::default();
        let mut xs: Vec<f64> = (1..=200_000)
            .map(|i| f64::from(i) * if i % 2 == 0 { 1.0 } else { -0.5 })
            .collect();
        xs.iter().for_each(|&x| s.push(x));
        assert!(s.positive.buckets.len() <= MAX_BUCKETS && s.negative.buckets.len() <= MAX_BUCKETS);
        assert!(s.heap_bytes() <= 2 * 2 * MAX_BUCKETS * std::mem::size_of::<(i32, Bucket)>());
        // Coarser, and still within the accuracy it reports.
        assert!(s.relative_accuracy() > RELATIVE_ACCURACY);
        for q in [0.01, 0.05, 0.5, 0.95, 0.99] {
            let e = crate::stats::exact_quantile(&mut xs, q);
            let got = s.quantile(q).unwrap();
            assert!(
                (got - e).abs() <= s.relative_accuracy() * e.abs(),
                "q={q}: {got} vs {e}"
            );
        }
    }

    #[test]
    fn whole_numbers_and_zero_are_exact() {
        let mut s = Sketch::default();
        for x in [0.0, 0.0, 3.0, 3.0, 3.0, 7.0, 120.0] {
            s.push(x);
        }
        assert_eq!(s.quantile(0.05), Some(0.0));
        assert_eq!(s.quantile(0.5), Some(3.0));
        assert_eq!(s.quantile(0.95), Some(120.0));
    }

    #[test]
    fn merge_is_order_free() {
        let xs: Vec<f64> = (0..3000).map(|i| (i as f64 * 0.731).sin() * 1e4).collect();
        let mut whole = Sketch::default();
        xs.iter().for_each(|&x| whole.push(x));
        let mut parts: Vec<Sketch> = xs
            .chunks(700)
            .map(|c| {
                let mut s = Sketch::default();
                c.iter().for_each(|&x| s.push(x));
                s
            })
            .collect();
        parts.reverse();
        let mut merged = Sketch::default();
        parts.iter().for_each(|p| merged.merge(p));
        // The parts stop at different levels from the whole: merging must still agree.
        assert!(
            parts
                .iter()
                .any(|p| p.positive.level < whole.positive.level)
        );
        assert_eq!(merged, whole);
        for q in [0.05, 0.5, 0.95] {
            assert_eq!(merged.quantile(q), whole.quantile(q));
        }
    }
}
