//! Lead times from past shipments: per lane, the transit (`ordered` → `arrived`) and the
//! forwarder's quote error (`arrived` − `quoted_eta`), written as a `lanes.yaml` fragment.
//!
//! With at least [`EMPIRICAL_MIN`] shipments the transit is the `empirical` list itself (no
//! shape assumed: sea lanes are often bimodal, a normal crossing or a rolled booking); with
//! fewer, a lognormal fitted by maximum likelihood on ln(days) — positive and right-skewed, as
//! transit times are. The quote error keeps its sign (early is negative) and is always written
//! as the observed list.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::history::{PastShipment, days_between};

/// Shipments from which a lane's transit is written as the observed list.
pub const EMPIRICAL_MIN: usize = 20;
/// A shipment arriving more than this after its quoted ETA counts as late `[days]`.
pub const LATE_DAYS: i64 = 7;

#[derive(Debug, Clone)]
pub struct LaneFit {
    pub lane: String,
    /// Transit of each shipment, sorted `[days]`.
    pub transit: Vec<f64>,
    /// Arrival − quoted ETA of each shipment, sorted `[days]`.
    pub eta_error: Vec<f64>,
    /// Lognormal (median, σ) of the transit, when written as one.
    pub lognormal: Option<(f64, f64)>,
    pub median: f64,
    pub p90: f64,
    /// Share of shipments later than their quote by more than [`LATE_DAYS`].
    pub late_share: f64,
}

/// Quantile `p` of sorted values, linear between order statistics (type 7).
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - h.floor()) * (sorted[hi] - sorted[lo])
}

pub fn fit(shipments: &[PastShipment]) -> Vec<LaneFit> {
    let mut by_lane: BTreeMap<&str, Vec<&PastShipment>> = BTreeMap::new();
    for s in shipments {
        by_lane.entry(&s.lane).or_default().push(s);
    }
    by_lane
        .into_iter()
        .map(|(lane, ships)| {
            let mut transit: Vec<f64> = ships
                .iter()
                .map(|s| days_between(s.ordered, s.arrived) as f64)
                .collect();
            transit.sort_by(f64::total_cmp);
            let mut eta_error: Vec<f64> = ships
                .iter()
                .map(|s| days_between(s.quoted_eta, s.arrived) as f64)
                .collect();
            eta_error.sort_by(f64::total_cmp);
            let lognormal = (transit.len() < EMPIRICAL_MIN).then(|| {
                // A same-day arrival has ln 0: count it as half a day.
                let logs: Vec<f64> = transit.iter().map(|t| t.max(0.5).ln()).collect();
                let n = logs.len() as f64;
                let m = logs.iter().sum::<f64>() / n;
                let s = (logs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n).sqrt();
                (m.exp(), s)
            });
            let late = eta_error.iter().filter(|e| **e > LATE_DAYS as f64).count();
            LaneFit {
                lane: lane.to_string(),
                median: quantile(&transit, 0.5),
                p90: quantile(&transit, 0.9),
                late_share: late as f64 / eta_error.len() as f64,
                transit,
                eta_error,
                lognormal,
            }
        })
        .collect()
}

fn list(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| format!("{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `lanes.yaml` fragment: one entry per lane, to paste under a scenario's `lanes:` (mode
/// and freight are not in a shipment history and are left for the planner).
pub fn render_yaml(fits: &[LaneFit], source: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Fitted by `restock fit` from {source}. Paste under a scenario's `lanes:`, adding each\n\
         # lane's `mode` and `freight`. Transit is ordered → arrived (production included).\n\
         # `eta_error_days` (arrived − quoted ETA) is for start-from-today runs that read it."
    );
    let _ = writeln!(out, "lanes:");
    for f in fits {
        let _ = writeln!(
            out,
            "  # {}: {} shipments; transit median {:.1} d, p90 {:.1} d; {:.0}% late by > {LATE_DAYS} d",
            f.lane,
            f.transit.len(),
            f.median,
            f.p90,
            100.0 * f.late_share
        );
        let _ = writeln!(out, "  - id: {}", yaml_str(&f.lane));
        match f.lognormal {
            Some((median, sigma)) => {
                let _ = writeln!(
                    out,
                    "    transit_days: {{ lognormal: {{ median: {median:.4}, sigma: {sigma:.4} }} }}"
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "    transit_days: {{ empirical: [{}] }}",
                    list(&f.transit)
                );
            }
        }
        let _ = writeln!(
            out,
            "    eta_error_days: {{ empirical: [{}] }}",
            list(&f.eta_error)
        );
    }
    out
}

/// A lane id as a YAML scalar: quoted unless plainly safe.
fn yaml_str(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        && !s.starts_with(['-', '.'])
    {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}
