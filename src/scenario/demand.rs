//! The demand half of a scenario: baseline, seasons, viral spikes, leading signals, stockout
//! responses and the live-stream calendar — validated domain types and their checks.

use std::collections::HashMap;

use jiff::civil::{Date, Time, Weekday};

use super::raw::*;
use super::{Ctx, check_dist, non_negative};
use crate::calendar::{Calendar, MINUTES_PER_DAY, SimTime};
use crate::dist::Dist;
use crate::error::InputError;
use crate::scenario::document::FieldPath;

/// Largest multiplier accepted anywhere a demand rate is scaled.
pub const MAX_MULTIPLIER: f64 = 1000.0;

#[derive(Debug, Clone)]
pub struct DemandSpec {
    /// Baseline `[units/day]` before weekday and seasonal multipliers.
    pub mean_per_day: f64,
    pub distribution: DailyDistribution,
    /// Multipliers Monday..Sunday.
    pub weekday: [f64; 7],
    pub seasons: Vec<Season>,
    /// Actual ÷ forecast of this SKU's sales in a stream.
    pub stream_ratio: Dist,
    pub viral: Option<Viral>,
    pub signals: Option<Signals>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DailyDistribution {
    Poisson,
    /// Gamma–Poisson mixture: variance = mean + mean²/dispersion.
    NegativeBinomial {
        dispersion: f64,
    },
}

/// A multiplier on baseline demand over a range of days (inclusive).
#[derive(Debug, Clone, PartialEq)]
pub struct Season {
    pub from_day: u32,
    pub to_day: u32,
    pub multiplier: f64,
}

impl DemandSpec {
    /// Baseline mean `[units/day]` of `day`, before spikes.
    pub fn baseline_mean(&self, cal: &Calendar, day: u32) -> f64 {
        let wd = cal.weekday(day).to_monday_zero_offset() as usize;
        let season: f64 = self
            .seasons
            .iter()
            .filter(|s| (s.from_day..=s.to_day).contains(&day))
            .map(|s| s.multiplier)
            .product();
        self.mean_per_day * self.weekday[wd] * season
    }
}

#[derive(Debug, Clone)]
pub struct Viral {
    /// Spikes per day.
    pub rate_per_day: f64,
    /// First-day extra demand ÷ baseline mean per day.
    pub magnitude: Dist,
    pub half_life_days: f64,
    pub persistent_probability: f64,
    pub persistent_factor: f64,
}

#[derive(Debug, Clone)]
pub struct Signals {
    pub ctr_noise: f64,
    pub conversion_noise: f64,
    pub recall: f64,
    pub lead_days: u32,
    pub ctr_rise: f64,
    pub conversion_lift: f64,
    /// False alarms per day.
    pub false_alarm_rate_per_day: f64,
    /// Conversion lift during a false alarm: by default a true precursor's, so that the
    /// signal rule's conversion test cannot filter false alarms by construction.
    pub false_alarm_conversion_lift: f64,
}

/// What buyers who find the shelf empty do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StockoutRule {
    /// The buyer waits; the unit ships when stock arrives.
    Backorder,
    /// The sale is gone.
    Lost,
    /// A fraction accept a presale (backorder) and wait up to `max_wait_days`; the rest cancel.
    Presale {
        accept_fraction: f64,
        max_wait_days: u32,
    },
    /// A fraction switch to SKU `sku` if it has stock; the rest leave.
    Substitute { sku: usize, fraction: f64 },
}

impl StockoutRule {
    pub fn max_wait_days(self) -> Option<u32> {
        match self {
            StockoutRule::Presale { max_wait_days, .. } => Some(max_wait_days),
            _ => None,
        }
    }
}

/// The live-stream calendar, every occurrence expanded and sorted by start.
#[derive(Debug, Clone, Default)]
pub struct StreamCalendar {
    pub streams: Vec<Stream>,
    /// `[hours]` for the in-stream sales rate to halve.
    pub half_life_hours: f64,
    /// `[minutes]` per in-stream step.
    pub step_minutes: u32,
    /// Weight of the latest actual ÷ forecast ratio in the correction of later forecasts.
    pub learning_rate: f64,
}

#[derive(Debug, Clone)]
pub struct Stream {
    /// "2026-03-06 20:00", for messages and reports.
    pub label: String,
    pub start: SimTime,
    /// `[minutes]`
    pub duration: u32,
    /// First day on which the policy may see it.
    pub announce_day: u32,
    /// (SKU index, planner's forecast `[units]`).
    pub featured: Vec<(usize, f64)>,
    /// `[fraction of the price]` the creator's commission on this stream's sales.
    pub creator_commission: f64,
}

impl Stream {
    pub fn day(&self) -> u32 {
        self.start.day()
    }

    pub fn end(&self) -> SimTime {
        SimTime(self.start.0 + self.duration)
    }
}

pub const DEFAULT_ANNOUNCE_DAYS: u32 = 7;
pub const DEFAULT_HALF_LIFE_HOURS: f64 = 1.0;
pub const DEFAULT_STEP_MINUTES: u32 = 15;

pub(super) fn demand(
    ctx: &Ctx,
    cal: &Calendar,
    at: &FieldPath,
    d: &RawDemand,
) -> Result<DemandSpec, InputError> {
    let p = at.key("mean_per_day");
    let mean = non_negative(ctx, &p, d.mean_per_day)?;
    if mean > super::MAX_MEAN_PER_DAY {
        return Err(ctx.error(&p, format!("must be at most {}", super::MAX_MEAN_PER_DAY)));
    }
    let distribution = match (d.distribution, d.dispersion) {
        (RawDistribution::Poisson, None) => DailyDistribution::Poisson,
        (RawDistribution::Poisson, Some(_)) => {
            return Err(ctx.error(
                &at.key("dispersion"),
                "applies to `distribution: negative_binomial` only",
            ));
        }
        (RawDistribution::NegativeBinomial, None) => {
            return Err(ctx.error(
                &at.key("distribution"),
                "`negative_binomial` needs `dispersion` (k: variance = mean + mean²/k)",
            ));
        }
        (RawDistribution::NegativeBinomial, Some(k)) => {
            if !k.is_finite() || k <= 0.0 {
                return Err(ctx.error(
                    &at.key("dispersion"),
                    format!("must be a finite number > 0, found {k}"),
                ));
            }
            DailyDistribution::NegativeBinomial { dispersion: k }
        }
    };
    let weekday = match &d.weekday_profile {
        None => [1.0; 7],
        Some(w) => {
            let wp = at.key("weekday_profile");
            if w.len() != 7 {
                return Err(ctx.error(
                    &wp,
                    format!("needs 7 multipliers, Monday to Sunday; found {}", w.len()),
                ));
            }
            let mut out = [0.0; 7];
            for (i, &m) in w.iter().enumerate() {
                out[i] = multiplier(ctx, &wp.index(i), m)?;
            }
            out
        }
    };
    let mut seasons = Vec::new();
    for (i, s) in d.seasons.iter().enumerate() {
        let sp = at.key("seasons").index(i);
        let from = date(ctx, &sp.key("from"), &s.from)?;
        let to = date(ctx, &sp.key("to"), &s.to)?;
        if to < from {
            return Err(ctx.error(
                &sp.key("to"),
                format!("season ends ({to}) before it starts ({from})"),
            ));
        }
        let Some((from_day, to_day)) = clip(cal, from, to) else {
            // A what-if often shortens the horizon: the season simply does not apply.
            ctx.warn(
                &sp,
                format!(
                    "season {from} – {to} lies outside the horizon ({} – {}) and does not apply",
                    cal.start,
                    cal.date(cal.horizon_days - 1)
                ),
            );
            continue;
        };
        seasons.push(Season {
            from_day,
            to_day,
            multiplier: multiplier(ctx, &sp.key("multiplier"), s.multiplier)?,
        });
    }
    // Tables are sized by the largest daily mean, so bound it after multipliers.
    let peak_mean = mean
        * weekday.iter().copied().fold(0.0, f64::max)
        * seasons
            .iter()
            .map(|s| s.multiplier.max(1.0))
            .product::<f64>();
    if peak_mean > super::MAX_MEAN_PER_DAY {
        return Err(ctx.error(
            &p,
            format!(
                "with weekday and seasonal multipliers the mean reaches {peak_mean:.0} units/day; at most {} is supported",
                super::MAX_MEAN_PER_DAY
            ),
        ));
    }
    if let DailyDistribution::NegativeBinomial { dispersion } = distribution
        && crate::demand::table::negative_binomial_support(peak_mean, dispersion) > 2.0e7
    {
        return Err(ctx.error(
            &at.key("dispersion"),
            format!("{dispersion} is too small for a mean of {peak_mean:.0} units/day: the daily sales distribution would be absurdly wide"),
        ));
    }
    let stream_ratio = match &d.stream_ratio {
        Some(r) => check_dist(ctx, &at.key("stream_ratio"), r)?,
        None => Dist::lognormal(1.0, 0.5).expect("valid default"),
    };
    let viral = match &d.viral {
        None => None,
        Some(v) => {
            let vp = at.key("viral");
            let rate = non_negative(ctx, &vp.key("rate_per_30_days"), v.rate_per_30_days)?;
            if rate > 30.0 {
                return Err(ctx.error(
                    &vp.key("rate_per_30_days"),
                    "at most 30 spikes per 30 days (one a day)",
                ));
            }
            let hl = v.half_life_days;
            if !hl.is_finite() || !(0.05..=365.0).contains(&hl) {
                return Err(ctx.error(
                    &vp.key("half_life_days"),
                    format!("must be between 0.05 and 365 days, found {hl}"),
                ));
            }
            let magnitude = check_dist(ctx, &vp.key("magnitude"), &v.magnitude)?;
            Some(Viral {
                rate_per_day: rate / 30.0,
                magnitude,
                half_life_days: hl,
                persistent_probability: probability(
                    ctx,
                    &vp.key("persistent_probability"),
                    v.persistent_probability,
                )?,
                persistent_factor: {
                    let f = multiplier(ctx, &vp.key("persistent_factor"), v.persistent_factor)?;
                    if f < 1.0 {
                        return Err(ctx.error(
                            &vp.key("persistent_factor"),
                            format!("a persistent spike raises the baseline: needs ≥ 1, found {f}"),
                        ));
                    }
                    f
                },
            })
        }
    };
    let signals = match &d.signals {
        None => None,
        Some(s) => {
            let sp = at.key("signals");
            let sigma = |key: &str, v: f64| -> Result<f64, InputError> {
                if v.is_finite() && (0.0..=2.0).contains(&v) {
                    Ok(v)
                } else {
                    Err(ctx.error(&sp.key(key), format!("must be between 0 and 2, found {v}")))
                }
            };
            if viral.is_none() {
                return Err(ctx.error(
                    &sp,
                    "signals lead viral spikes: configure `demand.viral` too",
                ));
            }
            if s.lead_days == 0 || s.lead_days > 60 {
                return Err(ctx.error(&sp.key("lead_days"), "must be between 1 and 60 days"));
            }
            let fa = non_negative(
                ctx,
                &sp.key("false_alarms_per_30_days"),
                s.false_alarms_per_30_days,
            )?;
            if fa > 30.0 {
                return Err(ctx.error(
                    &sp.key("false_alarms_per_30_days"),
                    "at most 30 per 30 days",
                ));
            }
            Some(Signals {
                ctr_noise: sigma("ctr_noise", s.ctr_noise)?,
                conversion_noise: sigma("conversion_noise", s.conversion_noise)?,
                recall: probability(ctx, &sp.key("recall"), s.recall)?,
                lead_days: s.lead_days,
                ctr_rise: multiplier(ctx, &sp.key("ctr_rise"), s.ctr_rise)?,
                conversion_lift: multiplier(ctx, &sp.key("conversion_lift"), s.conversion_lift)?,
                false_alarm_rate_per_day: fa / 30.0,
                false_alarm_conversion_lift: match s.false_alarm_conversion_lift {
                    Some(x) => multiplier(ctx, &sp.key("false_alarm_conversion_lift"), x)?,
                    None => multiplier(ctx, &sp.key("conversion_lift"), s.conversion_lift)?,
                },
            })
        }
    };
    Ok(DemandSpec {
        mean_per_day: mean,
        distribution,
        weekday,
        seasons,
        stream_ratio,
        viral,
        signals,
    })
}

pub(super) fn stockout(
    ctx: &Ctx,
    at: &FieldPath,
    raw: &RawStockout,
    sku_ids: &HashMap<String, usize>,
    this: usize,
) -> Result<StockoutRule, InputError> {
    Ok(match raw {
        RawStockout::Backorder => StockoutRule::Backorder,
        RawStockout::Lost => StockoutRule::Lost,
        RawStockout::Presale {
            accept_fraction,
            max_wait_days,
        } => {
            let p = at.key("presale");
            if *max_wait_days == 0 {
                return Err(ctx.error(&p.key("max_wait_days"), "must be at least 1 day"));
            }
            StockoutRule::Presale {
                accept_fraction: probability(ctx, &p.key("accept_fraction"), *accept_fraction)?,
                max_wait_days: *max_wait_days,
            }
        }
        RawStockout::Substitute { sku, fraction } => {
            let p = at.key("substitute");
            let target = *sku_ids
                .get(sku.trim())
                .ok_or_else(|| ctx.error(&p.key("sku"), format!("unknown SKU `{sku}`")))?;
            if target == this {
                return Err(ctx.error(&p.key("sku"), "a SKU cannot substitute for itself"));
            }
            StockoutRule::Substitute {
                sku: target,
                fraction: probability(ctx, &p.key("fraction"), *fraction)?,
            }
        }
    })
}

pub(super) fn streams(
    ctx: &Ctx,
    cal: &Calendar,
    raw: &RawStreams,
    sku_ids: &HashMap<String, usize>,
) -> Result<StreamCalendar, InputError> {
    let at = FieldPath::root().key("streams");
    let default_announce = raw.announce_days.unwrap_or(DEFAULT_ANNOUNCE_DAYS);
    let half_life_hours = raw.half_life_hours.unwrap_or(DEFAULT_HALF_LIFE_HOURS);
    if !half_life_hours.is_finite() || !(0.05..=24.0).contains(&half_life_hours) {
        return Err(ctx.error(
            &at.key("half_life_hours"),
            format!("must be between 0.05 and 24 hours, found {half_life_hours}"),
        ));
    }
    let step_minutes = raw.step_minutes.unwrap_or(DEFAULT_STEP_MINUTES);
    if !(1..=240).contains(&step_minutes) {
        return Err(ctx.error(&at.key("step_minutes"), "must be between 1 and 240 minutes"));
    }
    let learning_rate = probability(ctx, &at.key("learning_rate"), raw.learning_rate)?;
    let creator_commission =
        super::money::commission(ctx, &at.key("creator_commission"), raw.creator_commission)?;

    // Each stream remembers where it was written, so overlap errors can point at it.
    let mut streams: Vec<(Stream, FieldPath)> = Vec::new();
    for (i, s) in raw.scheduled.iter().enumerate() {
        let sp = at.key("scheduled").index(i);
        let d = date(ctx, &sp.key("date"), &s.date)?;
        let Some(day) = cal.day_of(d) else {
            ctx.warn(
                &sp.key("date"),
                format!(
                    "stream on {d} lies outside the horizon ({} – {}) and does not apply",
                    cal.start,
                    cal.date(cal.horizon_days - 1)
                ),
            );
            continue;
        };
        let airing = Airing {
            start: &s.start,
            hours: s.hours,
            forecast: &s.forecast,
            announce_days: s.announce_days.unwrap_or(default_announce),
        };
        let mut stream = occurrence(ctx, &sp, day, cal, &airing, sku_ids)?;
        stream.creator_commission = match s.creator_commission {
            Some(c) => super::money::commission(ctx, &sp.key("creator_commission"), c)?,
            None => creator_commission,
        };
        streams.push((stream, sp));
    }
    for (i, r) in raw.recurring.iter().enumerate() {
        let rp = at.key("recurring").index(i);
        let weekday = weekday(&r.every).ok_or_else(|| {
            ctx.error(
                &rp.key("every"),
                format!("`{}` is not a weekday (monday … sunday)", r.every),
            )
        })?;
        let from = match &r.from {
            Some(f) => date(ctx, &rp.key("from"), f)?,
            None => cal.start,
        };
        let to = match &r.to {
            Some(t) => date(ctx, &rp.key("to"), t)?,
            None => cal.date(cal.horizon_days - 1),
        };
        let Some((from_day, to_day)) = clip(cal, from, to) else {
            ctx.warn(
                &rp,
                format!(
                    "recurring streams {from} – {to} lie outside the horizon ({} – {}) and do not apply",
                    cal.start,
                    cal.date(cal.horizon_days - 1)
                ),
            );
            continue;
        };
        for day in from_day..=to_day {
            if cal.weekday(day) != weekday {
                continue;
            }
            let airing = Airing {
                start: &r.start,
                hours: r.hours,
                forecast: &r.forecast,
                announce_days: r.announce_days.unwrap_or(default_announce),
            };
            let mut stream = occurrence(ctx, &rp, day, cal, &airing, sku_ids)?;
            stream.creator_commission = creator_commission;
            streams.push((stream, rp.clone()));
        }
    }
    streams.sort_by_key(|(s, _)| s.start);
    // One SKU cannot be in two streams at once: in-stream sales and stockouts are per stream.
    let mut busy_until: HashMap<usize, (SimTime, String)> = HashMap::new();
    for (s, path) in &streams {
        for &(sku, _) in &s.featured {
            if let Some((end, other)) = busy_until.get(&sku)
                && *end > s.start
            {
                return Err(ctx.error(
                    path,
                    format!(
                        "the stream at {} overlaps the stream at {other} for the same SKU",
                        s.label
                    ),
                ));
            }
            busy_until.insert(sku, (s.end(), s.label.clone()));
        }
    }
    Ok(StreamCalendar {
        streams: streams.into_iter().map(|(s, _)| s).collect(),
        half_life_hours,
        step_minutes,
        learning_rate,
    })
}

/// One airing as the scenario writes it, scheduled or recurring: its start time (`HH:MM`),
/// length `[hours]`, forecast units per featured SKU id, and days announced ahead.
struct Airing<'r> {
    start: &'r str,
    hours: f64,
    forecast: &'r std::collections::BTreeMap<String, f64>,
    announce_days: u32,
}

/// The stream `airing` makes on day `day`, validated (`at` is where it was written).
fn occurrence(
    ctx: &Ctx,
    at: &FieldPath,
    day: u32,
    cal: &Calendar,
    airing: &Airing,
    sku_ids: &HashMap<String, usize>,
) -> Result<Stream, InputError> {
    let &Airing {
        start,
        hours,
        forecast,
        announce_days,
    } = airing;
    let t: Time = start.trim().parse().map_err(|e| {
        ctx.error(
            &at.key("start"),
            format!("`{start}` is not a time of day (HH:MM): {e}"),
        )
    })?;
    let start_min = t.hour() as u32 * 60 + t.minute() as u32;
    if !hours.is_finite() || hours <= 0.0 {
        return Err(ctx.error(
            &at.key("hours"),
            format!("must be a number of hours > 0, found {hours}"),
        ));
    }
    let duration = (hours * 60.0).round() as u32;
    if duration == 0 || start_min + duration > MINUTES_PER_DAY {
        return Err(ctx.error(
            &at.key("hours"),
            format!(
                "a stream starting at {start} for {hours} h runs past midnight; split it in two"
            ),
        ));
    }
    if forecast.is_empty() {
        return Err(ctx.error(&at.key("forecast"), "a stream features at least one SKU"));
    }
    let mut featured = Vec::with_capacity(forecast.len());
    for (id, &units) in forecast {
        let fp = at.key("forecast").key(id);
        let sku = *sku_ids
            .get(id.trim())
            .ok_or_else(|| ctx.error(&fp, format!("unknown SKU `{id}`")))?;
        let units = non_negative(ctx, &fp, units)?;
        if units > super::MAX_MEAN_PER_DAY {
            return Err(ctx.error(&fp, format!("must be at most {}", super::MAX_MEAN_PER_DAY)));
        }
        featured.push((sku, units));
    }
    Ok(Stream {
        label: format!("{} {:02}:{:02}", cal.date(day), t.hour(), t.minute()),
        start: SimTime(SimTime::day_start(day).0 + start_min),
        duration,
        announce_day: day.saturating_sub(announce_days),
        featured,
        creator_commission: 0.0,
    })
}

pub(super) fn weekday(s: &str) -> Option<Weekday> {
    Some(match s.trim().to_ascii_lowercase().as_str() {
        "monday" | "mon" => Weekday::Monday,
        "tuesday" | "tue" => Weekday::Tuesday,
        "wednesday" | "wed" => Weekday::Wednesday,
        "thursday" | "thu" => Weekday::Thursday,
        "friday" | "fri" => Weekday::Friday,
        "saturday" | "sat" => Weekday::Saturday,
        "sunday" | "sun" => Weekday::Sunday,
        _ => return None,
    })
}

/// The part of [from, to] inside the horizon, as day indices.
fn clip(cal: &Calendar, from: Date, to: Date) -> Option<(u32, u32)> {
    let last = cal.date(cal.horizon_days - 1);
    if to < cal.start || from > last {
        return None;
    }
    cal.day_of(from.max(cal.start))
        .zip(cal.day_of(to.min(last)))
}

pub(super) fn date(ctx: &Ctx, at: &FieldPath, s: &str) -> Result<Date, InputError> {
    s.trim()
        .parse::<Date>()
        .map_err(|e| ctx.error(at, format!("`{s}` is not a date (YYYY-MM-DD): {e}")))
}

pub(super) fn probability(ctx: &Ctx, at: &FieldPath, p: f64) -> Result<f64, InputError> {
    if p.is_finite() && (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(ctx.error(
            at,
            format!("is a probability: must be between 0 and 1, found {p}"),
        ))
    }
}

fn multiplier(ctx: &Ctx, at: &FieldPath, m: f64) -> Result<f64, InputError> {
    if m.is_finite() && (0.0..=MAX_MULTIPLIER).contains(&m) {
        Ok(m)
    } else {
        Err(ctx.error(
            at,
            format!("must be a number between 0 and {MAX_MULTIPLIER}, found {m}"),
        ))
    }
}
