//! Viral spikes and the leading signals that sometimes announce them.
//!
//! Spikes of a SKU form a Poisson process with `rate_per_30_days`. A spike on day t adds, on
//! day t + a, extra demand with mean `M × baseline(t) × 2^(−a / half_life_days)`, where M is
//! drawn from `magnitude` (heavy-tailed: "two weeks of stock in one evening" is M ≈ 14). With
//! probability `persistent_probability` the spike is persistent: from day t on, the baseline
//! is also multiplied by `persistent_factor` and stays so (the extra baseline units count as
//! viral demand). Extra units are Poisson around their mean, drawn from their own stream.
//!
//! Signals: each day has a CTR index and a conversion index, lognormal noise around 1. With
//! probability `recall` a spike is preceded by `lead_days` days of CTR × (1 + ctr_rise) and
//! conversion × (1 + conversion_lift); false alarms (a Poisson process) raise CTR the same way
//! for `lead_days` days, and conversion × (1 + false_alarm_conversion_lift) (by default a true
//! precursor's lift: a false alarm looks like a precursor, or the conversion test would filter
//! false alarms by construction). The policy sees the indices, never the spikes.

use rand::Rng;
use rand_distr::{Distribution, Exp, StandardNormal};

use super::poisson::poisson;
use crate::rng::{Source, Stream, stream, unit_f64};
use crate::scenario::{Signals, Viral};

/// One realised spike.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spike {
    pub day: u32,
    /// First-day extra demand ÷ baseline mean.
    pub magnitude: f64,
    pub persistent: bool,
    /// Whether signals rose before it (only meaningful with signals configured).
    pub announced: bool,
}

/// Days after which a spike's extra demand is ignored: 2^-30 of its first day.
const HALF_LIVES_TRACKED: f64 = 30.0;

/// Draws the spikes of one SKU over `days` days into `spikes` (cleared first).
pub fn draw_spikes(v: &Viral, seed: u64, rep: u64, sku: usize, days: u32, spikes: &mut Vec<Spike>) {
    spikes.clear();
    if v.rate_per_day <= 0.0 {
        return;
    }
    let mut rng = stream(seed, rep, Source::Viral { sku: sku as u32 });
    let gap = Exp::new(v.rate_per_day).expect("validated rate > 0");
    let mut t: f64 = gap.sample(&mut rng);
    while t < f64::from(days) {
        spikes.push(Spike {
            day: t as u32,
            magnitude: v.magnitude.sample(&mut rng),
            persistent: unit_f64(rng.next_u64()) < v.persistent_probability,
            announced: false,
        });
        t += gap.sample(&mut rng);
    }
}

/// Adds the spikes' extra demand `[units]` to `demand` (one SKU, one entry per day) and returns
/// the extra units per day in `extra` (same length). `baseline(d)` is the day's baseline mean.
pub fn add_spike_demand(
    v: &Viral,
    spikes: &[Spike],
    baseline: impl Fn(u32) -> f64,
    mut rng: Stream,
    extra_mean: &mut [f64],
    demand: &mut [u32],
    extra: &mut [u32],
) {
    extra_mean.fill(0.0);
    let days = demand.len() as u32;
    let decay = 0.5f64.powf(1.0 / v.half_life_days);
    let span = (HALF_LIVES_TRACKED * v.half_life_days).ceil() as u32;
    for s in spikes {
        let base = baseline(s.day);
        let mut m = s.magnitude * base;
        for d in s.day..days.min(s.day.saturating_add(span)) {
            extra_mean[d as usize] += m;
            m *= decay;
        }
    }
    // Persistent steps compound: the k-th persistent spike multiplies the baseline again.
    let mut factor = 1.0;
    let mut next = spikes.iter().filter(|s| s.persistent).peekable();
    for d in 0..days {
        while next.peek().is_some_and(|s| s.day <= d) {
            factor *= v.persistent_factor;
            next.next();
        }
        if factor > 1.0 {
            extra_mean[d as usize] += baseline(d) * (factor - 1.0);
        }
    }
    for ((m, dem), x) in extra_mean
        .iter()
        .zip(demand.iter_mut())
        .zip(extra.iter_mut())
    {
        *x = poisson(&mut rng, m.min(1.0e9));
        *dem = dem.saturating_add(*x);
    }
}

/// Mean of the `n` values of `xs` that end `back` values before its end.
pub fn trailing_mean(xs: &[f32], back: usize, n: usize) -> f64 {
    let end = xs.len() - back;
    xs[end - n..end].iter().map(|&x| f64::from(x)).sum::<f64>() / n as f64
}

/// A daily index's growth week on week, as the shop's dashboard shows it: the mean of its
/// last 7 days over the mean of the 7 before, minus 1; `None` with fewer than 14 days.
pub fn week_on_week(xs: &[f32]) -> Option<f64> {
    (xs.len() >= 14).then(|| trailing_mean(xs, 0, 7) / trailing_mean(xs, 7, 7) - 1.0)
}

/// Draws one SKU's daily CTR and conversion indices into `ctr` and `conversion`, marking
/// which spikes were announced.
pub fn draw_signals(
    s: &Signals,
    seed: u64,
    rep: u64,
    sku: usize,
    spikes: &mut [Spike],
    ctr: &mut [f32],
    conversion: &mut [f32],
) {
    let mut rng = stream(seed, rep, Source::Signals { sku: sku as u32 });
    let days = ctr.len() as u32;
    let noise = |rng: &mut Stream, sigma: f64| -> f64 {
        let z: f64 = StandardNormal.sample(rng);
        (sigma * z - 0.5 * sigma * sigma).exp()
    };
    for (c, v) in ctr.iter_mut().zip(conversion.iter_mut()) {
        *c = noise(&mut rng, s.ctr_noise) as f32;
        *v = noise(&mut rng, s.conversion_noise) as f32;
    }
    let raise = |from: u32, to: u32, lift: f64, ctr: &mut [f32], conversion: &mut [f32]| {
        for d in from..to.min(days) {
            ctr[d as usize] *= (1.0 + s.ctr_rise) as f32;
            conversion[d as usize] *= (1.0 + lift) as f32;
        }
    };
    for sp in spikes.iter_mut() {
        sp.announced = unit_f64(rng.next_u64()) < s.recall;
        if sp.announced {
            raise(
                sp.day.saturating_sub(s.lead_days),
                sp.day,
                s.conversion_lift,
                ctr,
                conversion,
            );
        }
    }
    if s.false_alarm_rate_per_day > 0.0 {
        let gap = Exp::new(s.false_alarm_rate_per_day).expect("validated rate > 0");
        let mut t: f64 = gap.sample(&mut rng);
        while t < f64::from(days) {
            let d = t as u32;
            raise(
                d,
                d + s.lead_days,
                s.false_alarm_conversion_lift,
                ctr,
                conversion,
            );
            t += gap.sample(&mut rng);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 21: false alarms raised CTR but never conversion, so the signal rule's conversion
    /// test filtered them by construction. By default they now lift conversion like a true
    /// precursor; `false_alarm_conversion_lift: 0` gives back the old, detectable ones.
    #[test]
    fn false_alarms_lift_conversion_like_precursors_unless_told_otherwise() {
        for fa_lift in [0.25f64, 0.0, 0.5] {
            let s = Signals {
                ctr_noise: 0.0,
                conversion_noise: 0.0,
                recall: 1.0,
                lead_days: 3,
                ctr_rise: 0.8,
                conversion_lift: 0.25,
                false_alarm_rate_per_day: 0.2,
                false_alarm_conversion_lift: fa_lift,
            };
            let (mut ctr, mut conv) = (vec![0f32; 300], vec![0f32; 300]);
            draw_signals(&s, 7, 0, 0, &mut [], &mut ctr, &mut conv);
            let mut raised = 0;
            for (c, v) in ctr.iter().zip(&conv) {
                // Overlapping alarms multiply: k of them raise CTR by 1.8^k.
                let k = (f64::from(*c).ln() / 1.8f64.ln()).round() as i32;
                raised += usize::from(k > 0);
                let want = (1.0 + fa_lift).powi(k);
                assert!((f64::from(*v) - want).abs() < 1e-4, "{v} vs {want}");
            }
            assert!(raised > 30, "false alarms drawn: {raised} days");
        }
    }
}
