//! The money half of a scenario: the currency, import duty, commissions, freight minimums and
//! peak rates, when freight is paid, and how late marketplaces pay out (docs/money.md).
//!
//! Validated here so that the engine can trust every rate: a duty below zero, a commission of
//! the whole price or more, or a peak rate that ends before it starts never reach it.

use super::document::FieldPath;
use super::raw::{RawFreightPaid, RawPeakRate};
use super::{Ctx, non_negative};
use crate::calendar::Calendar;
use crate::error::InputError;

/// Currency codes accepted by `currency` (ISO 4217): the currencies cross-border sellers buy,
/// sell and get paid out in. A code outside the list is far more often a typo than a need.
pub const CURRENCIES: [&str; 40] = [
    "AED", "ARS", "AUD", "BRL", "CAD", "CHF", "CLP", "CNY", "COP", "CZK", "DKK", "EUR", "GBP",
    "HKD", "HUF", "IDR", "ILS", "INR", "JPY", "KRW", "MXN", "MYR", "NOK", "NZD", "PEN", "PHP",
    "PKR", "PLN", "RON", "RUB", "SAR", "SEK", "SGD", "THB", "TRY", "TWD", "UAH", "USD", "VND",
    "ZAR",
];

/// The currency when a scenario names none.
pub const DEFAULT_CURRENCY: &str = "USD";

/// When a lane's freight is paid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FreightPaid {
    /// When the goods leave the supplier (the forwarder's usual terms): freight is then part
    /// of the value of the goods in transit.
    #[default]
    Departure,
    /// When the goods arrive (freight collect).
    Arrival,
}

impl From<RawFreightPaid> for FreightPaid {
    fn from(p: RawFreightPaid) -> Self {
        match p {
            RawFreightPaid::Departure => FreightPaid::Departure,
            RawFreightPaid::Arrival => FreightPaid::Arrival,
        }
    }
}

/// A window of departure days (inclusive, offsets from `start_date`) in which a lane's freight
/// price is multiplied: peak-season rates. Distinct from `peaks`, which stretch transit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeakRate {
    pub from_day: i64,
    pub to_day: i64,
    pub multiplier: f64,
}

/// The freight price multiplier of a shipment departing on `day` (the first window that holds
/// it; 1 outside every window).
#[inline]
pub fn peak_multiplier(rates: &[PeakRate], day: i64) -> f64 {
    rates
        .iter()
        .find(|r| (r.from_day..=r.to_day).contains(&day))
        .map_or(1.0, |r| r.multiplier)
}

pub(super) fn currency(ctx: &Ctx, raw: Option<&str>) -> Result<String, InputError> {
    let Some(code) = raw else {
        return Ok(DEFAULT_CURRENCY.to_string());
    };
    let code = code.trim();
    if CURRENCIES.contains(&code) {
        return Ok(code.to_string());
    }
    let hint = if code.len() == 3 && code.chars().all(|c| c.is_ascii_alphabetic()) {
        if CURRENCIES.contains(&code.to_ascii_uppercase().as_str()) {
            format!("; write it in capitals: `{}`", code.to_ascii_uppercase())
        } else {
            String::new()
        }
    } else {
        " (an ISO 4217 code: three capital letters)".to_string()
    };
    Err(ctx.error(
        &FieldPath::root().key("currency"),
        format!(
            "unknown currency `{code}`{hint}; known codes: {}",
            CURRENCIES.join(", ")
        ),
    ))
}

pub(super) fn payout_lag(ctx: &Ctx, days: i64) -> Result<u32, InputError> {
    if !(0..=366).contains(&days) {
        return Err(ctx.error(
            &FieldPath::root().key("payout_lag_days"),
            format!("must be between 0 and 366 days, found {days}"),
        ));
    }
    Ok(days as u32)
}

/// A commission: a fraction of the price, at least 0 and below 1 (a commission of the whole
/// price leaves the seller nothing, which is an input mistake, not a business).
pub(super) fn commission(ctx: &Ctx, at: &FieldPath, v: f64) -> Result<f64, InputError> {
    if !v.is_finite() || !(0.0..1.0).contains(&v) {
        return Err(ctx.error(
            at,
            format!("must be a fraction of the price, at least 0 and below 1, found {v}"),
        ));
    }
    Ok(v)
}

/// An import duty rate: a fraction of the customs value, 0 to 10 (1000%).
pub(super) fn duty_rate(ctx: &Ctx, at: &FieldPath, v: f64) -> Result<f64, InputError> {
    if !v.is_finite() || !(0.0..=10.0).contains(&v) {
        return Err(ctx.error(
            at,
            format!("must be a fraction of the customs value between 0 and 10, found {v}"),
        ));
    }
    Ok(v)
}

pub(super) fn customs_value(
    ctx: &Ctx,
    at: &FieldPath,
    v: Option<f64>,
) -> Result<Option<f64>, InputError> {
    v.map(|x| non_negative(ctx, at, x)).transpose()
}

pub(super) fn peak_rates(
    ctx: &Ctx,
    cal: &Calendar,
    at: &FieldPath,
    raw: &[RawPeakRate],
) -> Result<Vec<PeakRate>, InputError> {
    let mut out = Vec::with_capacity(raw.len());
    for (j, p) in raw.iter().enumerate() {
        let pp = at.index(j);
        let (from_day, to_day) = super::supply::window(ctx, cal, &pp, &p.from, &p.to)?;
        let m = p.multiplier;
        if !m.is_finite() || !(0.0..=100.0).contains(&m) {
            return Err(ctx.error(
                &pp.key("multiplier"),
                format!("must be a number between 0 and 100, found {m}"),
            ));
        }
        out.push(PeakRate {
            from_day,
            to_day,
            multiplier: m,
        });
    }
    Ok(out)
}
