//! Random quantities a scenario configures — transit times, hold times, stream outcome ratios,
//! spike magnitudes — written as a one-key mapping naming the distribution:
//!
//! ```yaml
//! { fixed: 7 }
//! { uniform: { min: 14, max: 28 } }
//! { triangular: { min: 14, mode: 20, max: 35 } }
//! { lognormal: { median: 20, sigma: 0.3 } }
//! { empirical: [17, 19, 19, 22, 31] }      # drawn uniformly from the observations
//! ```
//!
//! [`Dist`] is the validated form (built by `scenario::check_dist`); the samplers are
//! rand_distr's, prepared once so that drawing allocates nothing.

use rand::Rng;
use rand_distr::{Distribution, LogNormal, Triangular};

use crate::rng::unit_f64;

#[derive(Debug, Clone)]
/// A validated distribution of a positive quantity, such as a transit time `[days]`; build one with
/// the constructors, which reject impossible parameters.
pub enum Dist {
    /// Always this value.
    Fixed(f64),
    /// Uniform on `[min, max]`.
    Uniform {
        /// Smallest value.
        min: f64,
        /// Largest value.
        max: f64,
    },
    /// Triangular on `[min, max]` with its peak at `mode`.
    Triangular {
        /// Smallest value.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Largest value.
        max: f64,
        /// The prepared sampler of these parameters.
        sampler: Triangular<f64>,
    },
    /// Lognormal: `median` × e^(σ·N(0,1)).
    LogNormal {
        /// Median value.
        median: f64,
        /// σ of the underlying normal.
        sigma: f64,
        /// The prepared sampler of these parameters.
        sampler: LogNormal<f64>,
    },
    /// Observations, drawn with equal probability.
    Empirical(Vec<f64>),
}

impl PartialEq for Dist {
    fn eq(&self, other: &Self) -> bool {
        use Dist::*;
        match (self, other) {
            (Fixed(a), Fixed(b)) => a == b,
            (Uniform { min: a, max: b }, Uniform { min: c, max: d }) => a == c && b == d,
            (
                Triangular {
                    min: a,
                    mode: b,
                    max: c,
                    ..
                },
                Triangular {
                    min: d,
                    mode: e,
                    max: f,
                    ..
                },
            ) => (a, b, c) == (d, e, f),
            (
                LogNormal {
                    median: a,
                    sigma: b,
                    ..
                },
                LogNormal {
                    median: c,
                    sigma: d,
                    ..
                },
            ) => a == c && b == d,
            (Empirical(a), Empirical(b)) => a == b,
            _ => false,
        }
    }
}

/// Why a distribution's parameters were refused; the caller adds file, field and line.
pub type ParamError = String;

impl Dist {
    /// Always `x` (finite, ≥ 0).
    pub fn fixed(x: f64) -> Result<Dist, ParamError> {
        finite_non_negative("the value", x)?;
        Ok(Dist::Fixed(x))
    }

    /// Uniform on `[min, max]` (0 ≤ min ≤ max).
    pub fn uniform(min: f64, max: f64) -> Result<Dist, ParamError> {
        finite_non_negative("min", min)?;
        finite_non_negative("max", max)?;
        if min > max {
            return Err(format!("min ({min}) must not exceed max ({max})"));
        }
        Ok(Dist::Uniform { min, max })
    }

    /// Triangular (0 ≤ min ≤ mode ≤ max, min < max).
    pub fn triangular(min: f64, mode: f64, max: f64) -> Result<Dist, ParamError> {
        for (k, v) in [("min", min), ("mode", mode), ("max", max)] {
            finite_non_negative(k, v)?;
        }
        if !(min <= mode && mode <= max) {
            return Err(format!(
                "needs min ≤ mode ≤ max, found {min} / {mode} / {max}"
            ));
        }
        let sampler = Triangular::new(min, max, mode).map_err(|e| e.to_string())?;
        Ok(Dist::Triangular {
            min,
            mode,
            max,
            sampler,
        })
    }

    /// Lognormal with this median (> 0) and σ (≥ 0).
    pub fn lognormal(median: f64, sigma: f64) -> Result<Dist, ParamError> {
        if !median.is_finite() || median <= 0.0 {
            return Err(format!(
                "median must be a finite number > 0, found {median}"
            ));
        }
        if !sigma.is_finite() || !(0.0..=5.0).contains(&sigma) {
            return Err(format!("sigma must be between 0 and 5, found {sigma}"));
        }
        let sampler = LogNormal::new(median.ln(), sigma).map_err(|e| e.to_string())?;
        Ok(Dist::LogNormal {
            median,
            sigma,
            sampler,
        })
    }

    /// The observations (at least one, each finite and ≥ 0), drawn with equal probability.
    pub fn empirical(observations: Vec<f64>) -> Result<Dist, ParamError> {
        if observations.is_empty() {
            return Err("needs at least one observation".into());
        }
        for (i, &x) in observations.iter().enumerate() {
            finite_non_negative(&format!("observation {}", i + 1), x)?;
        }
        Ok(Dist::Empirical(observations))
    }

    /// One draw.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Fixed(x) => *x,
            Dist::Uniform { min, max } => min + (max - min) * unit_f64(rng.next_u64()),
            Dist::Triangular { sampler, .. } => sampler.sample(rng),
            Dist::LogNormal { sampler, .. } => sampler.sample(rng),
            Dist::Empirical(xs) => {
                let i = (unit_f64(rng.next_u64()) * xs.len() as f64) as usize;
                xs[i.min(xs.len() - 1)]
            }
        }
    }

    /// One draw from a stream opened only if the draw needs one: a fixed value costs no
    /// stream set-up, which keeps deterministic lanes as fast as the textbook loop.
    #[inline]
    pub fn draw_lazily<R: Rng>(&self, open: impl FnOnce() -> R) -> f64 {
        match self {
            Dist::Fixed(x) => *x,
            _ => self.sample(&mut open()),
        }
    }

    /// The exact mean.
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Fixed(x) => *x,
            Dist::Uniform { min, max } => 0.5 * (min + max),
            Dist::Triangular { min, mode, max, .. } => (min + mode + max) / 3.0,
            Dist::LogNormal { median, sigma, .. } => median * (0.5 * sigma * sigma).exp(),
            Dist::Empirical(xs) => xs.iter().sum::<f64>() / xs.len() as f64,
        }
    }

    /// The exact variance.
    pub fn variance(&self) -> f64 {
        match self {
            Dist::Fixed(_) => 0.0,
            Dist::Uniform { min, max } => (max - min).powi(2) / 12.0,
            Dist::Triangular { min, mode, max, .. } => {
                (min * min + mode * mode + max * max - min * mode - min * max - mode * max) / 18.0
            }
            Dist::LogNormal { median, sigma, .. } => {
                let s2 = sigma * sigma;
                (s2.exp() - 1.0) * median * median * s2.exp()
            }
            Dist::Empirical(xs) => {
                let m = self.mean();
                xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64
            }
        }
    }

    /// The median: what a supplier or forwarder quotes as "the" transit or production time.
    /// For an empirical list, the lower middle observation (an observed value, as a planner
    /// would read it off their history).
    pub fn median(&self) -> f64 {
        match self {
            Dist::Fixed(x) => *x,
            Dist::Uniform { min, max } => 0.5 * (min + max),
            Dist::Triangular { min, mode, max, .. } => {
                let (a, c, b) = (*min, *mode, *max);
                if b <= a {
                    return a;
                }
                if c - a >= 0.5 * (b - a) {
                    a + ((b - a) * (c - a) / 2.0).sqrt()
                } else {
                    b - ((b - a) * (b - c) / 2.0).sqrt()
                }
            }
            Dist::LogNormal { median, .. } => *median,
            Dist::Empirical(xs) => {
                let mut v = xs.clone();
                v.sort_by(f64::total_cmp);
                v[(v.len() - 1) / 2]
            }
        }
    }

    /// Whether a draw needs random numbers (a fixed value does not, so no stream is opened).
    pub fn is_random(&self) -> bool {
        !matches!(self, Dist::Fixed(_))
    }

    /// The largest value a draw can take (infinite for the lognormal).
    pub fn upper_bound(&self) -> f64 {
        match self {
            Dist::Fixed(x) => *x,
            Dist::Uniform { max, .. } | Dist::Triangular { max, .. } => *max,
            Dist::LogNormal { .. } => f64::INFINITY,
            Dist::Empirical(xs) => xs.iter().copied().fold(0.0, f64::max),
        }
    }
}

fn finite_non_negative(what: &str, x: f64) -> Result<(), ParamError> {
    if x.is_finite() && x >= 0.0 {
        Ok(())
    } else {
        Err(format!("{what} must be a finite number ≥ 0, found {x}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Source, stream};
    use crate::stats::Moments;

    /// Sample mean and variance agree with the exact ones within 4 standard errors.
    fn check(d: &Dist) {
        let n = 200_000;
        let mut rng = stream(11, 0, Source::Demand { sku: 0 });
        let mut m = Moments::default();
        let mut sq = Moments::default();
        let mean = d.mean();
        for _ in 0..n {
            let x = d.sample(&mut rng);
            m.push(x);
            sq.push((x - mean).powi(2));
        }
        let se = m.std_error().unwrap().max(1e-12);
        assert!(
            (m.mean - mean).abs() < 4.0 * se,
            "{d:?}: mean {} vs {mean}",
            m.mean
        );
        let se2 = sq.std_error().unwrap().max(1e-12);
        assert!(
            (sq.mean - d.variance()).abs() < 4.0 * se2,
            "{d:?}: variance {} vs {}",
            sq.mean,
            d.variance()
        );
    }

    #[test]
    fn every_distribution_matches_its_moments() {
        check(&Dist::fixed(7.0).unwrap());
        check(&Dist::uniform(14.0, 28.0).unwrap());
        check(&Dist::triangular(14.0, 18.0, 35.0).unwrap());
        check(&Dist::lognormal(20.0, 0.4).unwrap());
        check(&Dist::empirical(vec![17.0, 19.0, 19.0, 22.0, 31.0]).unwrap());
    }

    #[test]
    fn lognormal_median_is_the_median() {
        let d = Dist::lognormal(3.0, 1.2).unwrap();
        let mut rng = stream(5, 0, Source::Demand { sku: 0 });
        let n = 100_000;
        let below = (0..n).filter(|_| d.sample(&mut rng) < 3.0).count() as f64;
        // Binomial(n, 1/2): standard error √(n/4).
        assert!((below - n as f64 / 2.0).abs() < 4.0 * (n as f64 / 4.0).sqrt());
    }

    #[test]
    fn medians_halve_the_draws() {
        for d in [
            Dist::uniform(14.0, 28.0).unwrap(),
            Dist::triangular(14.0, 18.0, 35.0).unwrap(),
            Dist::triangular(0.0, 9.0, 10.0).unwrap(),
            Dist::lognormal(20.0, 0.4).unwrap(),
        ] {
            let m = d.median();
            let mut rng = stream(9, 0, Source::Demand { sku: 1 });
            let n = 100_000;
            let below = (0..n).filter(|_| d.sample(&mut rng) < m).count() as f64;
            assert!(
                (below - n as f64 / 2.0).abs() < 4.0 * (n as f64 / 4.0).sqrt(),
                "{d:?}: {below} of {n} below the median {m}"
            );
        }
        assert_eq!(
            Dist::empirical(vec![9.0, 1.0, 5.0, 3.0]).unwrap().median(),
            3.0
        );
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(Dist::uniform(5.0, 1.0).is_err());
        assert!(Dist::triangular(1.0, 9.0, 5.0).is_err());
        assert!(Dist::lognormal(0.0, 0.5).is_err());
        assert!(Dist::lognormal(1.0, -0.5).is_err());
        assert!(Dist::empirical(vec![]).is_err());
        assert!(Dist::fixed(f64::NAN).is_err());
        assert!(Dist::empirical(vec![1.0, -2.0]).is_err());
    }
}
