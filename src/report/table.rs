//! The terminal table: each candidate's metrics with their confidence intervals, readable at a
//! glance. Numbers are rounded for the eye; the files keep full precision.

use std::fmt::Write;

use super::Summary;
use crate::metrics::Metric;

/// Formats a number with about four significant digits.
pub fn num(x: f64) -> String {
    let a = x.abs();
    if x == 0.0 {
        "0".to_string()
    } else if a >= 1e4 {
        format!("{x:.0}")
    } else if a >= 100.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.3}")
    } else {
        format!("{x:.4}")
    }
}

pub fn render_table(s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} replications, seed {}, days {}..{} measured from {}",
        s.scenario_name, s.replications, s.seed, s.warmup_days, s.horizon_days, s.start_date
    );
    for (i, (name, c)) in s.candidates.iter().enumerate() {
        let _ = writeln!(out, "\ncandidate {name}");
        let _ = write!(
            out,
            "  {:<24} {:>22} {:>11} {:>11} {:>11}",
            "metric", "mean ± 95% CI", "p5", "p50", "p95"
        );
        if i > 0 {
            let _ = write!(out, " {:>24}", "vs first (paired)");
        }
        out.push('\n');
        for &m in Metric::ALL {
            let st = c.metric(m);
            let mean = match st.ci95 {
                Some(h) => format!("{} ± {}", num(st.mean), num(h)),
                None => num(st.mean),
            };
            let _ = write!(
                out,
                "  {:<24} {:>22} {:>11} {:>11} {:>11}",
                m.name(),
                mean,
                num(st.p5),
                num(st.p50),
                num(st.p95)
            );
            if i > 0 {
                let d = c.diff(m);
                let diff = match d.ci95 {
                    Some(h) => format!("{} ± {}", Signed(d.mean), num(h)),
                    None => Signed(d.mean).to_string(),
                };
                let _ = write!(out, " {diff:>24}");
            }
            out.push('\n');
        }
    }
    out
}

struct Signed(f64);

impl std::fmt::Display for Signed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0.0 { "-" } else { "+" };
        write!(f, "{sign}{}", num(self.0.abs()))
    }
}
