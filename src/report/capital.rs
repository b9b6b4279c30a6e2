//! The calendar tables: `capital_by_day.csv` (every simulated day, warm-up flagged) and
//! `capital_by_week.csv` (measured days by ISO week), both date-major then candidate, with ISO
//! dates, dot decimals and empty cells where a value does not exist.

use super::Summary;
use crate::error::{Error, Result};

/// A money amount for a spreadsheet: rounded to cents (`20606.64`, not
/// `20606.64466308594`), empty when undefined.
pub(super) fn money(x: f64) -> String {
    if x.is_finite() {
        // `-0.00` reads as a mistake.
        let s = format!("{:.2}", x);
        if s == "-0.00" { "0.00".to_string() } else { s }
    } else {
        String::new()
    }
}

fn finish(w: csv::Writer<Vec<u8>>, file: &str) -> Result<String> {
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Other(format!("cannot format {file}: {e}")))?;
    Ok(String::from_utf8(bytes).expect("csv of UTF-8 fields is UTF-8"))
}

pub const DAY_COLUMNS: [&str; 13] = [
    "date",
    "day",
    "measured",
    "candidate",
    "on_hand",
    "in_transit",
    "prepaid",
    "total_mean",
    "total_p5",
    "total_p50",
    "total_p95",
    "total_min",
    "total_max",
];

pub fn render_days(s: &Summary) -> Result<String> {
    let file = "capital_by_day.csv";
    let fail = |e: csv::Error| Error::Other(format!("cannot format {file}: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(DAY_COLUMNS).map_err(fail)?;
    for day in 0..s.horizon_days {
        let date = s.calendar.date(day).to_string();
        let measured = s.calendar.is_measured(day).to_string();
        for ((name, _), days) in s.candidates.iter().zip(&s.days) {
            let d = &days[day as usize];
            w.write_record([
                date.clone(),
                day.to_string(),
                measured.clone(),
                name.clone(),
                money(d.on_hand),
                money(d.in_transit),
                money(d.prepaid),
                money(d.total_mean),
                money(d.total_p5),
                money(d.total_p50),
                money(d.total_p95),
                money(d.total_min),
                money(d.total_max),
            ])
            .map_err(fail)?;
        }
    }
    finish(w, file)
}

pub const WEEK_COLUMNS: [&str; 9] = [
    "week_start",
    "candidate",
    "on_hand",
    "in_transit",
    "prepaid",
    "total_mean",
    "total_p50",
    "total_p95",
    "days",
];

pub fn render_weeks(s: &Summary) -> Result<String> {
    let file = "capital_by_week.csv";
    let fail = |e: csv::Error| Error::Other(format!("cannot format {file}: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(WEEK_COLUMNS).map_err(fail)?;
    let n_weeks = s.weeks.first().map_or(0, Vec::len);
    for k in 0..n_weeks {
        for ((name, _), weeks) in s.candidates.iter().zip(&s.weeks) {
            let wk = &weeks[k];
            w.write_record([
                wk.monday.to_string(),
                name.clone(),
                money(wk.on_hand),
                money(wk.in_transit),
                money(wk.prepaid),
                money(wk.total_mean),
                money(wk.total_p50),
                money(wk.total_p95),
                wk.days.to_string(),
            ])
            .map_err(fail)?;
        }
    }
    finish(w, file)
}
