//! Poisson draws whose mean changes from call to call (stream steps, viral extras).
//!
//! Daily baseline demand has few distinct means, so it samples from prebuilt tables
//! (`table.rs`). Stream steps and viral extras draw a new mean nearly every time, and
//! `rand_distr::Poisson::new` spends most of a draw on set-up (log-gamma, square roots) it
//! cannot reuse — a third of a live-stream replication. Here: inversion from a single uniform
//! for small means (expected `mean` multiply-adds, one `exp`), and Hörmann's transformed
//! rejection with squeeze (PTRS, 1993) above, whose set-up is a square root and a few
//! divisions and which accepts ~90% of draws without a logarithm.

use rand::Rng;

use crate::rng::unit_f64;

/// Below this mean inversion is cheaper than rejection (and PTRS needs mean ≥ 10).
const INVERSION_BELOW: f64 = 10.0;

/// A Poisson draw with the given mean (≤ 0 gives 0; capped at `u32::MAX`).
pub fn poisson<R: Rng + ?Sized>(rng: &mut R, mean: f64) -> u32 {
    if mean.is_nan() || mean <= 0.0 {
        0
    } else if mean < INVERSION_BELOW {
        inversion(rng, mean)
    } else {
        ptrs(rng, mean)
    }
}

fn inversion<R: Rng + ?Sized>(rng: &mut R, mean: f64) -> u32 {
    let u = unit_f64(rng.next_u64());
    let mut p = (-mean).exp();
    let mut cdf = p;
    let mut k = 0u32;
    // The tail beyond 200 has probability < 1e-150 for mean < 10: the bound only guards
    // against rounding leaving `cdf` a hair under u.
    while u > cdf && k < 200 {
        k += 1;
        p *= mean / f64::from(k);
        cdf += p;
    }
    k
}

fn ptrs<R: Rng + ?Sized>(rng: &mut R, mean: f64) -> u32 {
    let smu = mean.sqrt();
    let b = 0.931 + 2.53 * smu;
    let a = -0.059 + 0.02483 * b;
    let inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    let vr = 0.9277 - 3.6224 / (b - 2.0);
    // Below a mean of ~100 most draws miss the squeeze and take the logarithmic test, so its
    // draw-independent logarithms are taken once.
    let (ln_inv_alpha, ln_mean) = (inv_alpha.ln(), mean.ln());
    loop {
        let u = unit_f64(rng.next_u64()) - 0.5;
        let v = unit_f64(rng.next_u64());
        let us = 0.5 - u.abs();
        let k = ((2.0 * a / us + b) * u + mean + 0.43).floor();
        if us >= 0.07 && v <= vr {
            return k.min(f64::from(u32::MAX)) as u32;
        }
        if k < 0.0 || (us < 0.013 && v > us) {
            continue;
        }
        let lhs = v.ln() + ln_inv_alpha - (a / (us * us) + b).ln();
        let rhs = -mean + k * ln_mean - ln_factorial(k);
        if lhs <= rhs {
            return k.min(f64::from(u32::MAX)) as u32;
        }
    }
}

/// ln(k!) for a whole `k` ≥ 0: from a table of the same function's values below
/// [`LN_FACTORIALS`] (the rejection test's counts mostly are), so a draw is the same with or
/// without it.
fn ln_factorial(k: f64) -> f64 {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        (0..LN_FACTORIALS)
            .map(|k| statrs::function::gamma::ln_gamma(k as f64 + 1.0))
            .collect()
    });
    match table.get(k as usize) {
        Some(&v) => v,
        None => statrs::function::gamma::ln_gamma(k + 1.0),
    }
}

/// Counts whose ln(k!) is tabulated.
const LN_FACTORIALS: usize = 2048;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Moments;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// Mean and variance both equal the Poisson mean, within 4 standard errors (the variance
    /// of a sample variance of a Poisson is ≈ (μ + 2μ²)/n).
    #[test]
    fn mean_and_variance_match_for_small_and_large_means() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let n = 200_000;
        for mean in [0.05, 0.7, 3.5, 9.99, 10.0, 17.3, 80.0, 2500.0] {
            let mut m = Moments::default();
            for _ in 0..n {
                m.push(f64::from(poisson(&mut rng, mean)));
            }
            let se_mean = (mean / n as f64).sqrt();
            assert!(
                (m.mean - mean).abs() < 4.0 * se_mean,
                "mean {mean}: got {}",
                m.mean
            );
            let var = m.variance().unwrap();
            let se_var = ((mean + 2.0 * mean * mean) / n as f64).sqrt();
            assert!(
                (var - mean).abs() < 4.0 * se_var,
                "mean {mean}: variance {var}"
            );
        }
    }

    /// The whole distribution, not just two moments: a chi-square test of the counts against
    /// the Poisson probabilities, on both sides of the method switch.
    #[test]
    fn frequencies_pass_a_chi_square_test() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
        let n = 400_000usize;
        for mean in [4.2f64, 23.0] {
            let kmax = (mean + 8.0 * mean.sqrt()) as usize;
            let mut counts = vec![0usize; kmax + 1];
            for _ in 0..n {
                let k = poisson(&mut rng, mean) as usize;
                counts[k.min(kmax)] += 1;
            }
            let mut chi2 = 0.0;
            let mut cells = 0;
            let mut p = (-mean).exp();
            let mut tail = 1.0;
            for (k, &c) in counts.iter().enumerate() {
                if k > 0 {
                    p *= mean / k as f64;
                }
                let prob = if k == kmax { tail } else { p };
                tail -= p;
                let expected = prob * n as f64;
                if expected >= 20.0 {
                    chi2 += (c as f64 - expected).powi(2) / expected;
                    cells += 1;
                }
            }
            // χ² with ≤ cells − 1 degrees of freedom: mean df, sd √(2 df); 5 sd is far out.
            let df = (cells - 1) as f64;
            assert!(
                chi2 < df + 5.0 * (2.0 * df).sqrt(),
                "mean {mean}: chi2 {chi2} over {cells} cells"
            );
        }
    }

    #[test]
    fn degenerate_means_give_zero() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        assert_eq!(poisson(&mut rng, 0.0), 0);
        assert_eq!(poisson(&mut rng, -3.0), 0);
        assert_eq!(poisson(&mut rng, f64::NAN), 0);
    }
}
