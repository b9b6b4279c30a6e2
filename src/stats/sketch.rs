//! Quantiles in bounded memory: a log-bucketed histogram (the DDSketch / HDR-histogram idea)
//! whose buckets also keep the smallest and largest value they saw.
//!
//! A value's bucket is its IEEE-754 exponent and top [`MANTISSA_BITS`] mantissa bits — one
//! shift of its bit pattern, monotonic in the value — so a bucket spans a relative width of
//! 2⁻⁹ and the value reported for it (its midpoint, clamped to what it saw) is within
//! relative error α ≈ 0.1% of every value in it. Counts are integers and
//! min/max are order-free, so merging sketches is exact and commutative: thread count and
//! sharding cannot change a quantile. When a bucket holds one distinct value (whole-unit
//! metrics below ~500, repeated values, zero) the quantile is reported exactly.

use serde::{Deserialize, Serialize};

/// Mantissa bits kept in a bucket key.
const MANTISSA_BITS: u32 = 9;
const SHIFT: u32 = 52 - MANTISSA_BITS;

/// Relative accuracy of reported quantiles: half a bucket's relative width.
pub const RELATIVE_ACCURACY: f64 = 1.0 / (2u64 << MANTISSA_BITS) as f64;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Bucket {
    count: u64,
    min: f64,
    max: f64,
}

/// Dense buckets indexed from `offset`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Store {
    offset: i32,
    buckets: Vec<Option<Bucket>>,
}

impl Store {
    fn add(&mut self, key: i32, x: f64, count: u64) {
        if self.buckets.is_empty() {
            self.offset = key;
        }
        if key < self.offset {
            let grow = (self.offset - key) as usize;
            self.buckets.splice(0..0, std::iter::repeat_n(None, grow));
            self.offset = key;
        }
        let i = (key - self.offset) as usize;
        if i >= self.buckets.len() {
            self.buckets.resize(i + 1, None);
        }
        let b = self.buckets[i].get_or_insert(Bucket {
            count: 0,
            min: x,
            max: x,
        });
        b.count += count;
        b.min = b.min.min(x);
        b.max = b.max.max(x);
    }

    fn add_bucket(&mut self, key: i32, other: &Bucket) {
        self.add(key, other.min, other.count - 1);
        self.add(key, other.max, 1);
    }

    fn iter(&self) -> impl DoubleEndedIterator<Item = (i32, &Bucket)> {
        self.buckets
            .iter()
            .enumerate()
            .filter_map(move |(i, b)| b.as_ref().map(|b| (self.offset + i as i32, b)))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sketch {
    count: u64,
    zeros: u64,
    positive: Store,
    negative: Store,
}

#[inline]
fn key(abs: f64) -> i32 {
    // Positive finite doubles order like their bit patterns; 11 exponent + 9 mantissa bits fit.
    (abs.to_bits() >> SHIFT) as i32
}

/// The value a bucket reports: its midpoint, clamped to what it saw.
fn representative(key: i32, b: &Bucket) -> f64 {
    let lower = f64::from_bits((key as u64) << SHIFT);
    let upper = f64::from_bits(((key as u64) + 1) << SHIFT);
    (0.5 * (lower + upper)).clamp(b.min, b.max)
}

impl Sketch {
    pub fn push(&mut self, x: f64) {
        debug_assert!(x.is_finite(), "metrics are finite");
        self.count += 1;
        if x == 0.0 {
            self.zeros += 1;
        } else if x > 0.0 {
            self.positive.add(key(x), x, 1);
        } else {
            self.negative.add(key(-x), -x, 1);
        }
    }

    pub fn merge(&mut self, other: &Sketch) {
        self.count += other.count;
        self.zeros += other.zeros;
        for (k, b) in other.positive.iter() {
            self.positive.add_bucket(k, b);
        }
        for (k, b) in other.negative.iter() {
            self.negative.add_bucket(k, b);
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// The q-quantile by the nearest-rank rule (the ⌈q·n⌉-th smallest value), within
    /// relative error [`RELATIVE_ACCURACY`]; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0u64;
        // Most negative first: negative buckets by descending magnitude.
        for (k, b) in self.negative.iter().rev() {
            seen += b.count;
            if seen >= rank {
                let r = representative(k, b);
                return Some(-r);
            }
        }
        seen += self.zeros;
        if seen >= rank {
            return Some(0.0);
        }
        for (k, b) in self.positive.iter() {
            seen += b.count;
            if seen >= rank {
                return Some(representative(k, b));
            }
        }
        unreachable!("ranks are bounded by the count")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(xs: &mut [f64], q: f64) -> f64 {
        xs.sort_by(f64::total_cmp);
        let rank = ((q * xs.len() as f64).ceil() as usize).clamp(1, xs.len());
        xs[rank - 1]
    }

    #[test]
    fn quantiles_are_within_the_relative_accuracy() {
        let mut xs: Vec<f64> = (0..10_000)
            .map(|i| ((i * 7919) % 10_007) as f64 * 0.37 - 500.0)
            .collect();
        let mut s = Sketch::default();
        xs.iter().for_each(|&x| s.push(x));
        for q in [0.0, 0.05, 0.25, 0.5, 0.95, 1.0] {
            let e = exact(&mut xs, q);
            let got = s.quantile(q).unwrap();
            assert!(
                (got - e).abs() <= RELATIVE_ACCURACY * e.abs() + 1e-12,
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
        for q in [0.05, 0.5, 0.95] {
            assert_eq!(merged.quantile(q), whole.quantile(q));
        }
    }
}
