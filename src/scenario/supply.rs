//! The supply half of a scenario: lanes (mode, transit, freight, sailings, peak windows,
//! customs), suppliers (production, weekly capacity, minimum order, holidays, short delivery,
//! premium, deposit), each SKU's backup and fallback rule, and the shared disruptions (port
//! congestion, scripted what-ifs) — validated domain types and their checks.
//!
//! Dates here may lie outside the horizon: a shipment ordered in December meets January's
//! Chinese New Year closure, so windows are kept as day offsets from `start_date` (negative
//! before it) rather than clipped.

use std::collections::HashMap;

use super::demand::{date, probability, weekday};
use super::raw::*;
use super::{Ctx, MAX_HORIZON_DAYS, check_dist, check_id, non_negative};
use crate::calendar::Calendar;
use crate::dist::Dist;
use crate::error::InputError;
use crate::scenario::document::FieldPath;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Sea,
    Air,
    Express,
}

#[derive(Debug, Clone)]
pub struct Lane {
    pub id: String,
    pub mode: Mode,
    /// `[days]` from departure to arrival at the destination port, off-peak.
    pub transit: Dist,
    pub freight: Freight,
    /// Departure weekdays, Monday first; `None` departs as soon as goods are ready.
    pub sailings: Option<[bool; 7]>,
    pub peaks: Vec<Peak>,
    pub customs: Option<Customs>,
    /// `[days]` an open purchase order's quoted ETA slips by (`eta_error_days`).
    pub eta_error: Dist,
    /// Peak-season freight rates, by departure date (`freight.peak_rates`).
    pub freight_peaks: Vec<super::money::PeakRate>,
}

/// Freight price; a unit pays `per_unit + per_kg × weight_kg + per_m3 × volume_m3`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Freight {
    /// `[currency/unit]`
    pub per_unit: f64,
    /// `[currency/kg]`
    pub per_kg: f64,
    /// `[currency/m³]`
    pub per_m3: f64,
    /// `[currency]` the least a shipment pays.
    pub minimum_per_shipment: f64,
    /// When the freight is paid.
    pub paid: super::money::FreightPaid,
}

/// A window of departure days (inclusive, offsets from `start_date`) with stretched transit.
#[derive(Debug, Clone)]
pub struct Peak {
    pub from_day: i64,
    pub to_day: i64,
    pub stretch: Stretch,
}

#[derive(Debug, Clone)]
pub enum Stretch {
    /// Off-peak transit × factor.
    Multiplier(f64),
    /// A transit distribution of its own `[days]`.
    Transit(Dist),
}

#[derive(Debug, Clone)]
pub struct Customs {
    /// Per-shipment probability of an inspection hold.
    pub probability: f64,
    /// `[days]` a held shipment waits.
    pub hold: Dist,
    /// Windows of port-arrival days (inclusive) with their own probability.
    pub crackdowns: Vec<Crackdown>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crackdown {
    pub from_day: i64,
    pub to_day: i64,
    pub probability: f64,
}

impl Customs {
    /// Hold probability for a shipment reaching port on `day` (the latest crackdown listed
    /// that covers the day wins).
    pub fn probability_on(&self, day: i64) -> f64 {
        self.crackdowns
            .iter()
            .rev()
            .find(|c| (c.from_day..=c.to_day).contains(&day))
            .map_or(self.probability, |c| c.probability)
    }
}

#[derive(Debug, Clone)]
pub struct Supplier {
    pub id: String,
    /// `[open days]` from order to goods ready to ship.
    pub production: Dist,
    /// `[units/week]`; `None` = unlimited.
    pub capacity_per_week: Option<u32>,
    /// `[units]`
    pub min_order_qty: u32,
    pub holidays: Vec<Holiday>,
    pub short_delivery: Option<ShortDelivery>,
    /// Price over the SKU's unit cost `[fraction]`.
    pub premium: f64,
    /// Share of the order value paid at order; the rest is paid at shipment `[fraction]`.
    pub deposit_fraction: f64,
}

/// Days (inclusive offsets from `start_date`) on which a supplier makes nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Holiday {
    pub name: String,
    pub from_day: i64,
    pub to_day: i64,
}

#[derive(Debug, Clone)]
pub struct ShortDelivery {
    pub probability: f64,
    /// Share of the ordered units delivered when short, clamped to [0, 1].
    pub delivered_fraction: Dist,
}

/// Where one SKU comes from.
#[derive(Debug, Clone, Default)]
pub struct SkuSupply {
    /// Index into `Scenario::suppliers`; `None` = goods are ready the moment they are ordered
    /// (the textbook assumption).
    pub supplier: Option<usize>,
    pub backup: Option<Backup>,
    pub fallback: Option<Fallback>,
}

/// The second source: another supplier, another lane, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backup {
    /// `None` = the primary supplier.
    pub supplier: Option<usize>,
    /// `None` = the lane the order asked for.
    pub lane: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fallback {
    pub on_capacity: bool,
    pub on_holiday: bool,
    pub on_late: bool,
    /// `[days]` the quoted arrival may exceed the needed date before `late` fires.
    pub late_by_days: f64,
    pub split: Split,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// The primary keeps what it can deliver without a trigger firing; the backup the rest.
    Partial,
    /// The whole order moves to the backup.
    Whole,
}

#[derive(Debug, Clone, Default)]
pub struct Disruptions {
    pub congestion: Option<Congestion>,
    pub scripted: Vec<Scripted>,
}

#[derive(Debug, Clone)]
pub struct Congestion {
    /// Episodes per day.
    pub rate_per_day: f64,
    /// `[days]`
    pub duration: Dist,
    /// `[days]` added to a sea shipment reaching port during the episode (one draw per episode).
    pub extra_delay: Dist,
}

/// A dated port closure: shipments reaching port while it lasts wait for it to end.
#[derive(Debug, Clone)]
pub struct Scripted {
    pub name: String,
    pub from_day: i64,
    pub days: u32,
    /// Affected lanes, one flag per lane.
    pub lanes: Vec<bool>,
    /// `[days]` of backlog after reopening (one draw per replication).
    pub extra_delay: Option<Dist>,
}

/// Longest transit, production or delay accepted for a bounded distribution `[days]`.
const MAX_DAYS: f64 = MAX_HORIZON_DAYS as f64;

fn days_dist(ctx: &Ctx, at: &FieldPath, raw: &RawDist) -> Result<Dist, InputError> {
    let d = check_dist(ctx, at, raw)?;
    if d.upper_bound() > MAX_DAYS && !matches!(d, Dist::LogNormal { .. }) {
        return Err(ctx.error(at, format!("is longer than any horizon ({MAX_DAYS} days)")));
    }
    if let Dist::LogNormal { median, .. } = d
        && median > MAX_DAYS
    {
        return Err(ctx.error(at, format!("is longer than any horizon ({MAX_DAYS} days)")));
    }
    Ok(d)
}

/// A dated window as day offsets; `to` must not precede `from`.
pub(super) fn window(
    ctx: &Ctx,
    cal: &Calendar,
    at: &FieldPath,
    from: &str,
    to: &str,
) -> Result<(i64, i64), InputError> {
    let f = date(ctx, &at.key("from"), from)?;
    let t = date(ctx, &at.key("to"), to)?;
    if t < f {
        return Err(ctx.error(&at.key("to"), format!("ends ({t}) before it starts ({f})")));
    }
    Ok((offset(cal, f), offset(cal, t)))
}

fn offset(cal: &Calendar, d: jiff::civil::Date) -> i64 {
    i64::from((d - cal.start).get_days())
}

pub(super) fn lanes(
    ctx: &Ctx,
    cal: &Calendar,
    raw: &[RawLane],
) -> Result<(Vec<Lane>, HashMap<String, usize>), InputError> {
    let root = FieldPath::root();
    if raw.is_empty() {
        return Err(ctx.error(&root.key("lanes"), "at least one lane is needed"));
    }
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut lanes = Vec::with_capacity(raw.len());
    for (i, l) in raw.iter().enumerate() {
        let at = root.key("lanes").index(i);
        let id = check_id(ctx, &at.key("id"), &l.id)?;
        if let Some(prev) = ids.insert(id.clone(), i) {
            return Err(ctx.error(
                &at.key("id"),
                format!("lane `{id}` is already defined at lanes.{prev}"),
            ));
        }
        let transit = days_dist(ctx, &at.key("transit_days"), &l.transit_days)?;
        let f = at.key("freight");
        let freight = Freight {
            per_unit: non_negative(ctx, &f.key("per_unit"), l.freight.per_unit)?,
            per_kg: non_negative(ctx, &f.key("per_kg"), l.freight.per_kg)?,
            per_m3: non_negative(ctx, &f.key("per_m3"), l.freight.per_m3)?,
            minimum_per_shipment: non_negative(
                ctx,
                &f.key("minimum_per_shipment"),
                l.freight.minimum_per_shipment,
            )?,
            paid: l.freight.paid.map(Into::into).unwrap_or_default(),
        };
        let freight_peaks =
            super::money::peak_rates(ctx, cal, &f.key("peak_rates"), &l.freight.peak_rates)?;
        let sailings = match &l.sailings {
            None => None,
            Some(days) => {
                let sp = at.key("sailings");
                if days.is_empty() {
                    return Err(ctx.error(
                        &sp,
                        "lists no weekday: leave it out to depart as soon as goods are ready",
                    ));
                }
                let mut week = [false; 7];
                for (j, d) in days.iter().enumerate() {
                    let wd = weekday(d).ok_or_else(|| {
                        ctx.error(
                            &sp.index(j),
                            format!("`{d}` is not a weekday (monday … sunday)"),
                        )
                    })?;
                    week[wd.to_monday_zero_offset() as usize] = true;
                }
                Some(week)
            }
        };
        let mut peaks = Vec::with_capacity(l.peaks.len());
        for (j, p) in l.peaks.iter().enumerate() {
            let pp = at.key("peaks").index(j);
            let (from_day, to_day) = window(ctx, cal, &pp, &p.from, &p.to)?;
            let stretch = match (&p.multiplier, &p.transit_days) {
                (Some(m), None) => {
                    if !m.is_finite() || !(0.0..=100.0).contains(m) {
                        return Err(ctx.error(
                            &pp.key("multiplier"),
                            format!("must be a number between 0 and 100, found {m}"),
                        ));
                    }
                    Stretch::Multiplier(*m)
                }
                (None, Some(d)) => Stretch::Transit(days_dist(ctx, &pp.key("transit_days"), d)?),
                _ => {
                    return Err(
                        ctx.error(&pp, "needs exactly one of `multiplier` and `transit_days`")
                    );
                }
            };
            peaks.push(Peak {
                from_day,
                to_day,
                stretch,
            });
        }
        let customs = match &l.customs {
            None => None,
            Some(c) => {
                let cp = at.key("customs");
                let mut crackdowns = Vec::with_capacity(c.crackdowns.len());
                for (j, k) in c.crackdowns.iter().enumerate() {
                    let kp = cp.key("crackdowns").index(j);
                    let (from_day, to_day) = window(ctx, cal, &kp, &k.from, &k.to)?;
                    crackdowns.push(Crackdown {
                        from_day,
                        to_day,
                        probability: probability(ctx, &kp.key("probability"), k.probability)?,
                    });
                }
                Some(Customs {
                    probability: probability(ctx, &cp.key("probability"), c.probability)?,
                    hold: days_dist(ctx, &cp.key("hold_days"), &c.hold_days)?,
                    crackdowns,
                })
            }
        };
        lanes.push(Lane {
            id,
            mode: match l.mode {
                RawMode::Sea => Mode::Sea,
                RawMode::Air => Mode::Air,
                RawMode::Express => Mode::Express,
            },
            transit,
            freight,
            sailings,
            peaks,
            customs,
            eta_error: match &l.eta_error_days {
                Some(d) => days_dist(ctx, &at.key("eta_error_days"), d)?,
                None => Dist::Fixed(0.0),
            },
            freight_peaks,
        });
    }
    Ok((lanes, ids))
}

pub(super) fn suppliers(
    ctx: &Ctx,
    cal: &Calendar,
    raw: &[RawSupplier],
) -> Result<(Vec<Supplier>, HashMap<String, usize>), InputError> {
    let root = FieldPath::root();
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(raw.len());
    for (i, s) in raw.iter().enumerate() {
        let at = root.key("suppliers").index(i);
        let id = check_id(ctx, &at.key("id"), &s.id)?;
        if let Some(prev) = ids.insert(id.clone(), i) {
            return Err(ctx.error(
                &at.key("id"),
                format!("supplier `{id}` is already defined at suppliers.{prev}"),
            ));
        }
        if s.capacity_per_week == Some(0) {
            return Err(ctx.error(
                &at.key("capacity_per_week"),
                "must be at least 1 unit per week (leave it out for unlimited capacity)",
            ));
        }
        let mut holidays = Vec::with_capacity(s.holidays.len());
        for (j, h) in s.holidays.iter().enumerate() {
            let hp = at.key("holidays").index(j);
            let (from_day, to_day) = window(ctx, cal, &hp, &h.from, &h.to)?;
            holidays.push(Holiday {
                name: h
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("holiday {}", j + 1)),
                from_day,
                to_day,
            });
        }
        let short_delivery = match &s.short_delivery {
            None => None,
            Some(sd) => {
                let sp = at.key("short_delivery");
                let delivered_fraction =
                    check_dist(ctx, &sp.key("delivered_fraction"), &sd.delivered_fraction)?;
                if delivered_fraction.upper_bound() > 1.0 {
                    return Err(ctx.error(
                        &sp.key("delivered_fraction"),
                        "a delivered fraction cannot exceed 1 (use a distribution bounded by 1)",
                    ));
                }
                Some(ShortDelivery {
                    probability: probability(ctx, &sp.key("probability"), sd.probability)?,
                    delivered_fraction,
                })
            }
        };
        let premium = non_negative(ctx, &at.key("premium"), s.premium)?;
        if premium > 100.0 {
            return Err(ctx.error(
                &at.key("premium"),
                format!("is a fraction of the unit cost (0.15 = +15%): found {premium}"),
            ));
        }
        out.push(Supplier {
            id,
            production: days_dist(ctx, &at.key("production_days"), &s.production_days)?,
            capacity_per_week: s.capacity_per_week,
            min_order_qty: s.min_order_qty,
            holidays,
            short_delivery,
            premium,
            deposit_fraction: probability(ctx, &at.key("deposit_fraction"), s.deposit_fraction)
                .map_err(|_| {
                    ctx.error(
                        &at.key("deposit_fraction"),
                        format!(
                            "is a fraction of the order value: must be between 0 and 1, found {}",
                            s.deposit_fraction
                        ),
                    )
                })?,
        });
    }
    Ok((out, ids))
}

fn lookup(
    ctx: &Ctx,
    at: &FieldPath,
    what: &str,
    id: &str,
    ids: &HashMap<String, usize>,
) -> Result<usize, InputError> {
    ids.get(id.trim()).copied().ok_or_else(|| {
        let mut known: Vec<_> = ids.keys().map(|k| format!("`{k}`")).collect();
        known.sort();
        let known = if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        };
        ctx.error(
            at,
            format!("unknown {what} `{id}`; {what}s defined: {known}"),
        )
    })
}

pub(super) fn sku_supply(
    ctx: &Ctx,
    at: &FieldPath,
    raw: Option<&RawSkuSupply>,
    lane_ids: &HashMap<String, usize>,
    supplier_ids: &HashMap<String, usize>,
) -> Result<SkuSupply, InputError> {
    let Some(r) = raw else {
        return Ok(SkuSupply::default());
    };
    let supplier = match &r.supplier {
        None => None,
        Some(s) => Some(lookup(
            ctx,
            &at.key("supplier"),
            "supplier",
            s,
            supplier_ids,
        )?),
    };
    let backup_supplier = match &r.backup_supplier {
        None => None,
        Some(s) => Some(lookup(
            ctx,
            &at.key("backup_supplier"),
            "supplier",
            s,
            supplier_ids,
        )?),
    };
    let backup_lane = match &r.backup_lane {
        None => None,
        Some(l) => Some(lookup(ctx, &at.key("backup_lane"), "lane", l, lane_ids)?),
    };
    let backup = (backup_supplier.is_some() || backup_lane.is_some()).then_some(Backup {
        supplier: backup_supplier,
        lane: backup_lane,
    });
    let fallback = match &r.fallback {
        None => None,
        Some(f) => {
            let fp = at.key("fallback");
            if backup.is_none() {
                return Err(ctx.error(
                    &fp,
                    "a fallback needs somewhere to go: set `backup_supplier` or `backup_lane`",
                ));
            }
            if f.when.is_empty() {
                return Err(ctx.error(
                    &fp.key("when"),
                    "lists no trigger: use capacity, holiday and/or late",
                ));
            }
            let late_by_days = non_negative(ctx, &fp.key("late_by_days"), f.late_by_days)?;
            if late_by_days > MAX_DAYS {
                return Err(ctx.error(&fp.key("late_by_days"), "is longer than any horizon"));
            }
            Some(Fallback {
                on_capacity: f.when.contains(&RawTrigger::Capacity),
                on_holiday: f.when.contains(&RawTrigger::Holiday),
                on_late: f.when.contains(&RawTrigger::Late),
                late_by_days,
                split: match f.split {
                    RawSplit::Partial => Split::Partial,
                    RawSplit::Whole => Split::Whole,
                },
            })
        }
    };
    Ok(SkuSupply {
        supplier,
        backup,
        fallback,
    })
}

pub(super) fn disruptions(
    ctx: &Ctx,
    cal: &Calendar,
    raw: &RawDisruptions,
    lanes: &[Lane],
    lane_ids: &HashMap<String, usize>,
) -> Result<Disruptions, InputError> {
    let root = FieldPath::root().key("disruptions");
    let congestion = match &raw.congestion {
        None => None,
        Some(c) => {
            let cp = root.key("congestion");
            let rate = non_negative(ctx, &cp.key("rate_per_year"), c.rate_per_year)?;
            if rate > 365.0 {
                return Err(ctx.error(
                    &cp.key("rate_per_year"),
                    format!("must be at most 365 episodes per year, found {rate}"),
                ));
            }
            Some(Congestion {
                rate_per_day: rate / 365.0,
                duration: days_dist(ctx, &cp.key("duration_days"), &c.duration_days)?,
                extra_delay: days_dist(ctx, &cp.key("extra_delay_days"), &c.extra_delay_days)?,
            })
        }
    };
    let mut scripted = Vec::with_capacity(raw.scripted.len());
    for (i, s) in raw.scripted.iter().enumerate() {
        let at = root.key("scripted").index(i);
        let name = s.name.trim().to_string();
        if name.is_empty() {
            return Err(ctx.error(&at.key("name"), "must not be empty"));
        }
        let from = date(ctx, &at.key("from"), &s.from)?;
        if s.days == 0 || f64::from(s.days) > MAX_DAYS {
            return Err(ctx.error(
                &at.key("days"),
                format!("must be between 1 and {MAX_DAYS} days"),
            ));
        }
        let affected = match &s.lanes {
            None => lanes.iter().map(|l| l.mode == Mode::Sea).collect(),
            Some(ids) => {
                let mut v = vec![false; lanes.len()];
                for (j, id) in ids.iter().enumerate() {
                    v[lookup(ctx, &at.key("lanes").index(j), "lane", id, lane_ids)?] = true;
                }
                v
            }
        };
        scripted.push(Scripted {
            name,
            from_day: offset(cal, from),
            days: s.days,
            lanes: affected,
            extra_delay: match &s.extra_delay_days {
                None => None,
                Some(d) => Some(days_dist(ctx, &at.key("extra_delay_days"), d)?),
            },
        });
    }
    Ok(Disruptions {
        congestion,
        scripted,
    })
}
