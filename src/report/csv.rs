//! `summary.csv`: one row per candidate × metric, ready for a spreadsheet (header row, dot
//! decimals, empty cells where a value does not exist).

use super::Summary;
use crate::error::{Error, Result};
use crate::metrics::Metric;

pub fn render(s: &Summary) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::Other(format!("cannot format summary.csv: {e}"));
    w.write_record([
        "candidate",
        "metric",
        "unit",
        "mean",
        "ci95",
        "p5",
        "p50",
        "p95",
        "diff_vs_first",
        "diff_ci95",
    ])
    .map_err(fail)?;
    for (name, c) in &s.candidates {
        for &m in Metric::ALL {
            let st = c.metric(m);
            let d = c.diff(m);
            let x = |v: f64| super::csv_cell(m.unit(), v);
            let opt = |v: Option<f64>| v.map(x).unwrap_or_default();
            w.write_record([
                name.clone(),
                m.name().to_string(),
                super::unit_in(m.unit(), &s.currency),
                x(st.mean),
                opt(st.ci95),
                x(st.p5),
                x(st.p50),
                x(st.p95),
                x(d.mean),
                opt(d.ci95),
            ])
            .map_err(fail)?;
        }
        // A ratio of sums over every replication: no per-replication quantiles.
        let (mean, ci95) = c.all.fill_pooled();
        let d = c.all.fill_vs_first;
        let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        w.write_record([
            name.clone(),
            "fill_rate_pooled".to_string(),
            "fraction".to_string(),
            mean.to_string(),
            opt(ci95),
            String::new(),
            String::new(),
            String::new(),
            d.mean.to_string(),
            opt(d.ci95),
        ])
        .map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Other(format!("cannot format summary.csv: {e}")))?;
    Ok(String::from_utf8(bytes).expect("csv of UTF-8 fields is UTF-8"))
}
