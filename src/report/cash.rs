//! The cash tables: `cash_by_day.csv` (every simulated day, with `capital_by_day.csv`'s
//! leading columns) and `cash_by_week.csv` (measured days on `capital_by_week.csv`'s ISO
//! weeks), money rounded to cents.

use super::Summary;
use super::capital::money;
use crate::error::{Error, Result};

pub const DAY_COLUMNS: [&str; 8] = [
    "date",
    "day",
    "measured",
    "candidate",
    "net_cash_mean",
    "net_cash_p5",
    "net_cash_p50",
    "net_cash_p95",
];

fn finish(w: csv::Writer<Vec<u8>>, file: &str) -> Result<String> {
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Other(format!("cannot format {file}: {e}")))?;
    Ok(String::from_utf8(bytes).expect("csv of UTF-8 fields is UTF-8"))
}

pub fn render_days(s: &Summary) -> Result<String> {
    let file = "cash_by_day.csv";
    let fail = |e: csv::Error| Error::Other(format!("cannot format {file}: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(DAY_COLUMNS).map_err(fail)?;
    for day in 0..s.horizon_days {
        let date = s.calendar.date(day).to_string();
        let measured = s.calendar.is_measured(day).to_string();
        for ((name, _), days) in s.candidates.iter().zip(&s.cash_days) {
            let d = &days[day as usize];
            w.write_record([
                date.clone(),
                day.to_string(),
                measured.clone(),
                name.clone(),
                money(d.net_mean),
                money(d.net_p5),
                money(d.net_p50),
                money(d.net_p95),
            ])
            .map_err(fail)?;
        }
    }
    finish(w, file)
}

pub const WEEK_COLUMNS: [&str; 9] = [
    "week_start",
    "candidate",
    "cash_out",
    "cash_in",
    "net_cash_mean",
    "net_cash_p5",
    "net_cash_p50",
    "net_cash_p95",
    "days",
];

/// One row per ISO week and candidate: the week's mean cash out and in, and the cumulative net
/// cash at the end of its last measured day.
pub fn render_weeks(s: &Summary) -> Result<String> {
    let file = "cash_by_week.csv";
    let fail = |e: csv::Error| Error::Other(format!("cannot format {file}: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(WEEK_COLUMNS).map_err(fail)?;
    let n_weeks = s.cash_weeks.first().map_or(0, Vec::len);
    for k in 0..n_weeks {
        for ((name, _), weeks) in s.candidates.iter().zip(&s.cash_weeks) {
            let wk = &weeks[k];
            w.write_record([
                wk.monday.to_string(),
                name.clone(),
                money(wk.cash_out),
                money(wk.cash_in),
                money(wk.end.net_mean),
                money(wk.end.net_p5),
                money(wk.end.net_p50),
                money(wk.end.net_p95),
                wk.days.to_string(),
            ])
            .map_err(fail)?;
        }
    }
    finish(w, file)
}
