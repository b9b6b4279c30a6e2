//! The report's "Stockout risk" section (runs from a state or with `--risk`): the SKUs most
//! at risk by lost margin (at most 50 rows), a week × SKU heat map of stockout probability for
//! the top 30, and every stream at risk. Shown for the first candidate, whose orders today are
//! the plan being checked.

use std::fmt::Write as _;

use super::html::esc;
use crate::risk::{Register, num};

const TOP_ROWS: usize = 50;
const HEAT_ROWS: usize = 30;

pub(super) fn render(r: &Register) -> String {
    let mut h = String::new();
    let Some((name, acc)) = r.candidates.first() else {
        return h;
    };
    let _ = writeln!(
        h,
        "<h2 id=\"stockout-risk\">Stockout risk</h2>\n<p class=\"note\">Candidate <b>{}</b>, {} \
         replications. Weeks count from the first measured day (week 0 is its first 7 days), \
         not calendar weeks. A SKU is short in a week when some of its demand went unserved \
         from stock (backordered, lost, cancelled or substituted away). Full tables: \
         <code>risk.csv</code>, <code>stream_risk.csv</code>, <code>first_stockout.csv</code>.</p>",
        esc(name),
        acc.reps
    );
    let mut order: Vec<usize> = (0..r.skus.len()).collect();
    let by_horizon = |i: usize| acc.stockout_by(i, acc.days.saturating_sub(1));
    order.sort_by(|&a, &b| {
        r.margin_at_risk(0, b)
            .total_cmp(&r.margin_at_risk(0, a))
            .then(by_horizon(b).total_cmp(&by_horizon(a)))
            .then(a.cmp(&b))
    });
    order.retain(|&i| by_horizon(i) > 0.0);
    if order.is_empty() {
        let _ = writeln!(h, "<p>No SKU ran short in any replication.</p>");
    } else {
        let _ = writeln!(
            h,
            "<table id=\"risk-skus\"><tr><th class=\"l\">SKU</th><th>P(stockout by horizon end)</th>\
             <th class=\"l\">first stockout p10 / p50 / p90</th><th>expected short units</th>\
             <th>margin at risk</th></tr>"
        );
        for &i in order.iter().take(TOP_ROWS) {
            let short: u64 = acc.short[i * acc.weeks..(i + 1) * acc.weeks].iter().sum();
            let date = |q: f64| {
                acc.first_quantile(i, q)
                    .map_or("—".to_string(), |d| r.dates[d].clone())
            };
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}</td><td>{:.1}%</td><td class=\"l\">{} / {} / {}</td>\
                 <td>{}</td><td>{:.0}</td></tr>",
                esc(&r.skus[i]),
                100.0 * by_horizon(i),
                date(0.1),
                date(0.5),
                date(0.9),
                num(short as f64 / acc.reps.max(1) as f64),
                r.margin_at_risk(0, i)
            );
        }
        let _ = writeln!(h, "</table>");
        // Heat map: one cell per week, shaded by the probability of a stockout that week.
        let _ = write!(
            h,
            "<table id=\"risk-heat\" class=\"heat\"><tr><th class=\"l\">SKU \\ week</th>"
        );
        for (w, start) in r.week_starts.iter().enumerate() {
            let _ = write!(h, "<th title=\"{start}\">{w}</th>");
        }
        let _ = writeln!(h, "</tr>");
        for &i in order.iter().take(HEAT_ROWS) {
            let _ = write!(h, "<tr><td class=\"l\">{}</td>", esc(&r.skus[i]));
            for w in 0..acc.weeks {
                let p = acc.stockouts[i * acc.weeks + w] as f64 / acc.reps.max(1) as f64;
                let _ = write!(
                    h,
                    "<td style=\"background:rgba(200,30,30,{:.2})\" title=\"{:.1}%\">{:.0}</td>",
                    p,
                    100.0 * p,
                    100.0 * p
                );
            }
            let _ = writeln!(h, "</tr>");
        }
        let _ = writeln!(h, "</table>");
    }
    let at_risk: Vec<usize> = (0..r.streams.len())
        .filter(|&e| acc.entry_stockouts[e] > 0)
        .collect();
    if at_risk.is_empty() {
        let _ = writeln!(h, "<p>No stream ran short in any replication.</p>");
    } else {
        let _ = writeln!(
            h,
            "<table id=\"risk-streams\"><tr><th class=\"l\">stream</th><th class=\"l\">SKU</th>\
             <th>forecast units</th><th>P(short during the stream)</th><th>expected short units</th></tr>"
        );
        for e in at_risk {
            let (date, start, sku, forecast) = &r.streams[e];
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{date} {start}</td><td class=\"l\">{}</td><td>{}</td>\
                 <td>{:.1}%</td><td>{}</td></tr>",
                esc(&r.skus[*sku]),
                num(*forecast),
                100.0 * acc.entry_stockouts[e] as f64 / acc.reps.max(1) as f64,
                num(acc.entry_short[e] as f64 / acc.reps.max(1) as f64)
            );
        }
        let _ = writeln!(h, "</table>");
    }
    h
}
