//! Rounding to integers without a library call, and a peak without NaN handling. On the
//! baseline x86-64 target (no SSE4.1) `f64::round` and `floor` compile to calls into libm, and
//! the money and time conversions that use them run for every payment and shipment of every
//! replication.

/// Exactly `x.round() as i64` (half away from zero; NaN gives 0; beyond `i64` saturates).
#[inline(always)]
pub(crate) fn round_i64(x: f64) -> i64 {
    // From 2⁵² on every f64 is a whole number, so there is nothing to round (and the
    // correction below could overflow at the saturated ends); NaN fails the test too.
    if x.abs() < 4_503_599_627_370_496.0 {
        let t = x as i64;
        // Exact: x and its truncation share their leading bits.
        let f = x - t as f64;
        t + i64::from(f >= 0.5) - i64::from(f <= -0.5)
    } else {
        x as i64
    }
}

/// Exactly `x.floor() as i64` (NaN gives 0; beyond `i64` saturates).
#[inline(always)]
pub(crate) fn floor_i64(x: f64) -> i64 {
    let t = x as i64;
    // Truncation moved a negative fraction up by one; at the saturated ends the comparison
    // is false or the subtraction saturates.
    if (t as f64) > x {
        t.saturating_sub(1)
    } else {
        t
    }
}

/// The larger of `a` and `b`, for a running peak `a` that is never NaN: a plain comparison,
/// without the NaN handling of `f64::max` (whose result it equals whenever `a` is not NaN: a
/// NaN `b` leaves `a`). The peaks of the day loop take one per SKU-day.
#[inline(always)]
pub(crate) fn peak(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_is_max_for_a_peak_that_is_not_nan() {
        let xs = [
            0.0,
            -0.0,
            1.5,
            -3.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            1e300,
        ];
        for a in xs.into_iter().filter(|a| !a.is_nan()) {
            for b in xs {
                assert_eq!(peak(a, b), a.max(b), "{a} {b}");
            }
        }
    }

    #[test]
    fn rounds_as_the_standard_library_does() {
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            2.5,
            -2.5,
            0.49999999999999994,
            -0.49999999999999994,
            4_503_599_627_370_495.5,
            -4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            9.3e18,
            -9.3e18,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            1e-300,
        ];
        // Quarter steps through the range money in cents and times in minutes reach, and a
        // deterministic scatter of awkward fractions.
        xs.extend((-400..400).map(|i| f64::from(i) * 0.25));
        let mut z = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..100_000 {
            z = crate::rng::splitmix64(z);
            let x = (z >> 11) as f64 / (1u64 << 53) as f64 * 2e9 - 1e9;
            xs.push(x);
            xs.push(x.trunc() + 0.5);
        }
        for x in xs {
            assert_eq!(round_i64(x), x.round() as i64, "{x:e}");
            assert_eq!(floor_i64(x), x.floor() as i64, "{x:e}");
            assert_eq!(floor_i64(-x), (-x).floor() as i64, "{x:e}");
        }
    }
}
