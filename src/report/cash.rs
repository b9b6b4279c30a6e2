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

/// The report's "Cash and funding need" section: per candidate, the credit line the plan
/// needs (p50, p95 and the 95% interval of the p95) and the mean cash out and in per day.
pub fn html_section(s: &Summary, best: Option<usize>, h: &mut String) {
    use super::table::num;
    use crate::metrics::Metric;
    use std::fmt::Write as _;
    let cur = &s.currency;
    let _ = write!(
        h,
        "<h2>Cash and funding need</h2>\n<p class=\"note\">Every payment on its day — deposits \
         at order, balances at shipment, freight, duty at clearance, order costs and storage — \
         against marketplace payouts of net proceeds (price − commissions) {} days after the \
         sale. The funding need is a future's lowest cumulative net cash: the credit line it \
         needs. p95 is the line to arrange; its 95% interval says how well the replications \
         pin it down (files: <code>cash_by_day.csv</code>, <code>cash_by_week.csv</code>).</p>\n\
         <div class=\"wide\"><table id=\"funding-need\"><tr><th class=\"l\">candidate</th>\
         <th>funding need p50 [{cur}]</th><th>p95 [{cur}]</th><th>p95 95% interval</th>\
         <th>cash out [{cur}/day]</th><th>cash in [{cur}/day]</th></tr>\n",
        s.payout_lag_days
    );
    for (i, (name, c)) in s.candidates.iter().enumerate() {
        let need = c.metric(Metric::PeakFundingNeed);
        let ci = match c.all.funding_p95_ci {
            Some((a, b)) => format!("{} – {}", num(a), num(b)),
            None => "n/a (too few replications)".to_string(),
        };
        let _ = writeln!(
            h,
            "<tr{}><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if best == Some(i) {
                " class=\"best\""
            } else {
                ""
            },
            super::html::esc(name),
            num(need.p50),
            num(need.p95),
            ci,
            num(c.metric(Metric::CashOutPerDay).mean),
            num(c.metric(Metric::CashInPerDay).mean),
        );
    }
    h.push_str("</table></div>\n");
}
