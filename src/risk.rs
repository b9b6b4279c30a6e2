//! The stockout-risk register: which SKUs run out, in which week, how likely, and which
//! streams are at risk (`risk.csv`, `stream_risk.csv`, `first_stockout.csv` and the report's
//! "Stockout risk" section).
//!
//! Each replication's tallies ([`RiskRecord`], collected by the engine only when the register
//! is asked for) are folded into one [`RiskAcc`] per candidate. Everything in it is an integer
//! count or a quantile sketch, whose merges are exact and commutative, so the register is the
//! same bytes whatever the thread count and however the run is sharded. Memory does not grow
//! with replications: counts per SKU-week, a sketch of end-of-week stock per SKU-week (bounded
//! buckets) and a histogram of first-stockout days per SKU.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::engine::{Model, RiskRecord};
use crate::scenario::Scenario;
use crate::stats::Sketch;

/// One candidate's risk tallies over the replications folded so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RiskAcc {
    pub reps: u64,
    pub weeks: usize,
    /// Measured days.
    pub days: usize,
    /// Replications with some unserved demand, `sku * weeks + week`.
    pub stockouts: Vec<u64>,
    /// `[units]` unserved, summed over replications, `sku * weeks + week`.
    pub short: Vec<u64>,
    /// End-of-week on-hand units, `sku * weeks + week`.
    pub on_hand: Vec<Sketch>,
    /// Replications whose first stockout fell on each measured day, `sku * days + day`.
    pub first: Vec<u64>,
    /// Per stream entry: replications with unserved demand during it, and the units.
    pub entry_stockouts: Vec<u64>,
    pub entry_short: Vec<u64>,
}

impl RiskAcc {
    pub fn new(model: &Model) -> RiskAcc {
        let cal = &model.scenario.calendar;
        let n = model.scenario.skus.len();
        let days = cal.measured_days() as usize;
        let weeks = days.div_ceil(7);
        let entries = model.demand.streams.entries.len();
        RiskAcc {
            reps: 0,
            weeks,
            days,
            stockouts: vec![0; n * weeks],
            short: vec![0; n * weeks],
            on_hand: vec![Sketch::default(); n * weeks],
            first: vec![0; n * days],
            entry_stockouts: vec![0; entries],
            entry_short: vec![0; entries],
        }
    }

    /// Folds one replication in.
    pub fn push(&mut self, r: &RiskRecord) {
        self.reps += 1;
        for (k, &s) in r.week_short.iter().enumerate() {
            self.stockouts[k] += u64::from(s > 0);
            self.short[k] += u64::from(s);
            self.on_hand[k].push(r.week_on_hand[k] as f64);
        }
        for (i, &d) in r.first_short.iter().enumerate() {
            if (d as usize) < self.days {
                self.first[i * self.days + d as usize] += 1;
            }
        }
        for (e, &s) in r.entry_short.iter().enumerate() {
            self.entry_stockouts[e] += u64::from(s > 0);
            self.entry_short[e] += u64::from(s);
        }
    }

    /// Adds another accumulator of the same run (exact, in any order).
    pub fn merge(&mut self, o: &RiskAcc) {
        if self.reps == 0 && self.stockouts.is_empty() {
            *self = o.clone();
            return;
        }
        self.reps += o.reps;
        let add = |a: &mut [u64], b: &[u64]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut self.stockouts, &o.stockouts);
        add(&mut self.short, &o.short);
        add(&mut self.first, &o.first);
        add(&mut self.entry_stockouts, &o.entry_stockouts);
        add(&mut self.entry_short, &o.entry_short);
        self.on_hand
            .iter_mut()
            .zip(&o.on_hand)
            .for_each(|(a, b)| a.merge(b));
    }

    /// Share of replications in which SKU `sku` ran short on some day ≤ `day` (measured days).
    pub fn stockout_by(&self, sku: usize, day: usize) -> f64 {
        if self.reps == 0 {
            return 0.0;
        }
        let row = &self.first[sku * self.days..(sku + 1) * self.days];
        let hit: u64 = row[..(day + 1).min(self.days)].iter().sum();
        hit as f64 / self.reps as f64
    }

    /// The measured day by which a share `q` of replications had run short (nearest rank), or
    /// `None` when fewer than that ran short within the horizon.
    pub fn first_quantile(&self, sku: usize, q: f64) -> Option<usize> {
        if self.reps == 0 {
            return None;
        }
        let rank = ((q * self.reps as f64).ceil() as u64).clamp(1, self.reps);
        let mut seen = 0;
        for (d, &c) in self.first[sku * self.days..(sku + 1) * self.days]
            .iter()
            .enumerate()
        {
            seen += c;
            if seen >= rank {
                return Some(d);
            }
        }
        None
    }
}

/// The register of one run, ready to render.
#[derive(Debug, Clone)]
pub struct Register {
    /// Per candidate: its name and tallies.
    pub candidates: Vec<(String, RiskAcc)>,
    pub skus: Vec<String>,
    /// `[currency/unit]` margin lost per unserved unit (price − unit cost, at least 0).
    pub margins: Vec<f64>,
    /// Date of each week's first day.
    pub week_starts: Vec<String>,
    /// Date of each measured day.
    pub dates: Vec<String>,
    /// Per stream entry: (stream date, start HH:MM, SKU index, forecast), in stream order.
    pub streams: Vec<(String, String, usize, f64)>,
}

impl Register {
    pub fn new(sc: &Scenario, model: &Model, accs: Vec<RiskAcc>) -> Register {
        let cal = &sc.calendar;
        let days = cal.measured_days();
        Register {
            candidates: sc
                .policies
                .iter()
                .map(|p| p.name.clone())
                .zip(accs)
                .collect(),
            skus: sc.skus.iter().map(|s| s.id.clone()).collect(),
            margins: sc
                .skus
                .iter()
                .map(|s| (s.price - s.unit_cost).max(0.0))
                .collect(),
            week_starts: (0..days.div_ceil(7))
                .map(|w| cal.date(cal.warmup_days + 7 * w).to_string())
                .collect(),
            dates: (0..days)
                .map(|d| cal.date(cal.warmup_days + d).to_string())
                .collect(),
            streams: model
                .demand
                .streams
                .entries
                .iter()
                .map(|e| {
                    let s = &sc.streams.streams[e.stream];
                    let (date, start) = s.label.split_once(' ').unwrap_or((&s.label, ""));
                    (date.to_string(), start.to_string(), e.sku, e.forecast)
                })
                .collect(),
        }
    }

    /// `risk.csv`: one row per candidate × SKU × week.
    pub fn risk_csv(&self) -> String {
        let mut out = String::from(
            "candidate,sku,week,week_start,stockout_probability,expected_short_units,on_hand_p5,on_hand_p50,on_hand_p95\n",
        );
        for (name, acc) in &self.candidates {
            let n = acc.reps.max(1) as f64;
            for (i, sku) in self.skus.iter().enumerate() {
                for w in 0..acc.weeks {
                    let k = i * acc.weeks + w;
                    let q = |p: f64| {
                        acc.on_hand[k]
                            .quantile(p)
                            .map_or(String::new(), |x| format!("{}", x.round()))
                    };
                    let _ = writeln!(
                        out,
                        "{},{},{},{},{},{},{},{},{}",
                        csv_text(name),
                        sku,
                        w,
                        self.week_starts[w],
                        num(acc.stockouts[k] as f64 / n),
                        num(acc.short[k] as f64 / n),
                        q(0.05),
                        q(0.50),
                        q(0.95)
                    );
                }
            }
        }
        out
    }

    /// `stream_risk.csv`: one row per candidate × stream × featured SKU.
    pub fn stream_risk_csv(&self) -> String {
        let mut out = String::from(
            "candidate,stream_date,stream_start,sku,forecast_units,stockout_probability,expected_short_units\n",
        );
        for (name, acc) in &self.candidates {
            let n = acc.reps.max(1) as f64;
            for (e, (date, start, sku, forecast)) in self.streams.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "{},{},{},{},{},{},{}",
                    csv_text(name),
                    date,
                    start,
                    self.skus[*sku],
                    num(*forecast),
                    num(acc.entry_stockouts[e] as f64 / n),
                    num(acc.entry_short[e] as f64 / n)
                );
            }
        }
        out
    }

    /// `first_stockout.csv`: one row per candidate × SKU.
    pub fn first_stockout_csv(&self) -> String {
        let mut out =
            String::from("candidate,sku,probability_by_horizon_end,p10_date,p50_date,p90_date\n");
        for (name, acc) in &self.candidates {
            for (i, sku) in self.skus.iter().enumerate() {
                let date = |q: f64| {
                    acc.first_quantile(i, q)
                        .map_or(String::new(), |d| self.dates[d].clone())
                };
                let _ = writeln!(
                    out,
                    "{},{},{},{},{},{}",
                    csv_text(name),
                    sku,
                    num(acc.stockout_by(i, acc.days.saturating_sub(1))),
                    date(0.1),
                    date(0.5),
                    date(0.9)
                );
            }
        }
        out
    }

    /// Expected lost margin of SKU `i` under candidate `c` over the horizon `[currency]`: every
    /// unserved unit priced at its margin (an upper bound: some were backordered, not lost).
    pub fn margin_at_risk(&self, c: usize, i: usize) -> f64 {
        let acc = &self.candidates[c].1;
        let short: u64 = acc.short[i * acc.weeks..(i + 1) * acc.weeks].iter().sum();
        short as f64 / acc.reps.max(1) as f64 * self.margins[i]
    }
}

/// A probability or mean, to 6 significant decimals, without trailing zeros.
pub fn num(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// A candidate name as a CSV cell.
fn csv_text(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
