//! `report.html`: one self-contained page a planner or finance can open anywhere — the run's
//! identity, the recommendation, the summary with confidence intervals, capital at risk, the
//! weekly capital table and every chart, inlined as `data:` URIs (no external resource).
//!
//! A few lines of script record on `<body>` whether every image decoded and no script or
//! resource error occurred (`data-report-ok="yes"`), so a headless browser can check the page
//! the way a reader would see it.

use std::fmt::Write;

use super::applies::nothing_to_measure;
use super::plot::Plot;
use super::table::num;
use super::{Summary, recommend, sku};
use crate::metrics::Metric;
use crate::stats::sku::SkuField;

/// Escapes text for HTML element content and attribute values: the one escaper every page
/// of the report uses.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 with padding (RFC 4648), for `data:` URIs.
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

const STYLE: &str = "
body { font-family: 'DejaVu Sans', Verdana, sans-serif; margin: 2em auto; max-width: 1280px;
       padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; white-space: nowrap; }
td.l.why { white-space: normal; }
div.wide { overflow-x: auto; }
th { background: #f3f5f8; }
td.l, th.l { text-align: left; }
tr.best td { background: #fff4e5; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: 0.15em 1em; }
dl.meta dt { font-weight: bold; }
dl.meta dd { margin: 0; }
figure { margin: 1.2em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #444; margin-top: 0.3em; }
.note { font-size: 0.9em; color: #555; }
";

const SCRIPT: &str = "
window.__reportErrors = [];
window.addEventListener('error', function (e) {
  window.__reportErrors.push(String(e.message || (e.target && e.target.tagName) || e.type));
}, true);
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var broken = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); });
  var b = document.body;
  b.setAttribute('data-images', String(imgs.length));
  b.setAttribute('data-broken-images', String(broken.length));
  b.setAttribute('data-errors', String(window.__reportErrors.length));
  b.setAttribute('data-report-ok',
    broken.length === 0 && window.__reportErrors.length === 0 ? 'yes' : 'no');
});
";

fn mean_ci(mean: f64, ci: Option<f64>) -> String {
    match ci {
        Some(h) => format!("{} ± {}", num(mean), num(h)),
        None => num(mean),
    }
}

pub fn render(s: &Summary, plots: &[Plot]) -> String {
    let mut h = String::new();
    let title = format!("restock report — {}", s.scenario_name);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"restock {}\">\n<title>{}</title>\n\
         <script>{SCRIPT}</script>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        esc(s.version),
        esc(&title),
        esc(&s.scenario_name)
    );

    // Who ran what.
    let overrides = if s.overrides.is_empty() {
        "none".to_string()
    } else {
        s.overrides
            .iter()
            .map(|o| format!("<code>{}</code>", esc(o)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let last = s.calendar.date(s.horizon_days - 1);
    let first_measured = s.calendar.date(s.warmup_days);
    let _ = writeln!(
        h,
        "<dl class=\"meta\" id=\"run\">\
         <dt>scenario file</dt><dd>{}</dd>\
         <dt>overrides</dt><dd>{overrides}</dd>\
         <dt>seed</dt><dd>{}</dd>\
         <dt>replications</dt><dd>{}</dd>\
         <dt>restock version</dt><dd>{}</dd>\
         <dt>calendar</dt><dd>{} to {} ({} days); metrics from {} ({} warm-up days excluded)</dd>\
         <dt>charted SKU</dt><dd>{}</dd>\
         </dl>",
        esc(&s.scenario_file),
        s.seed,
        s.replications,
        esc(s.version),
        s.start_date,
        last,
        s.horizon_days,
        first_measured,
        s.warmup_days,
        esc(&s.chart_sku),
    );

    // A run from today opens with where it will run out.
    if let Some(r) = &s.risk {
        h.push_str(&super::risk_html::render(r));
    }

    // Recommendation.
    let _ = write!(
        h,
        "<h2>Recommendation</h2>\n<p class=\"note\">The best candidate by the scenario's \
         objective: among those meeting its constraints ({}), the lowest mean score (total cost \
         per day + lost margin × penalty + cost of the capital tied up). Each category is judged \
         on its own SKUs' metrics.</p>\n<table id=\"recommendation\"><tr>\
         <th class=\"l\">scope</th><th class=\"l\">recommended candidate</th>\
         <th class=\"l\">why</th></tr>\n",
        esc(&super::recommend::constraints(s))
    );
    let recs = recommend(s);
    for r in &recs {
        let who = r
            .candidate
            .map(|i| esc(&s.candidates[i].0))
            .unwrap_or_else(|| "none".to_string());
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td><td class=\"l\"><b>{who}</b></td><td class=\"l why\">{}</td></tr>",
            esc(&r.scope),
            esc(&r.reason)
        );
    }
    if let Some(c) = &s.combined {
        let picks: Vec<String> = c.picks.iter().map(|(k, p)| format!("{k} ← {p}")).collect();
        let why = if c.failures.is_empty() {
            "simulated as one policy on the same futures, it meets the constraints".to_string()
        } else {
            let f: Vec<_> = c.failures.iter().map(|f| f.text.as_str()).collect();
            format!(
                "simulated as one policy on the same futures, it does NOT meet the constraints: {}",
                f.join("; ")
            )
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">combined per-category picks</td><td class=\"l\"><b>{}</b> (recommended.yaml)</td><td class=\"l why\">{}: {}</td></tr>",
            esc(&c.spec.name),
            esc(&picks.join(", ")),
            esc(&why)
        );
    }
    h.push_str("</table>\n");
    let best = recs.first().and_then(|r| r.candidate);
    constraints_not_met(s, &mut h);
    if let Some(t) = &s.tuning_html {
        h.push_str(t);
    }

    // Capital at risk.
    h.push_str(
        "<h2>Capital tied up</h2>\n<p class=\"note\">End-of-day value of stock on hand, in \
         transit and prepaid to suppliers, over measured days. Peak = a future's largest day; p95 / p99 of \
         the peak is the capital to fund in all but the worst 5% / 1% of futures.</p>\n\
         <div class=\"wide\"><table id=\"capital-at-risk\"><tr><th class=\"l\">candidate</th>\
         <th>average [CURRENCY] mean ± 95% CI</th><th>peak mean</th><th>peak p95</th>\
         <th>peak p99</th></tr>\n"
            .replace("CURRENCY", &s.currency)
            .as_str(),
    );
    for (i, (name, c)) in s.candidates.iter().enumerate() {
        let avg = c.metric(Metric::CapitalTiedAvg);
        let peak = c.metric(Metric::CapitalTiedPeak);
        let _ = writeln!(
            h,
            "<tr{}><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if best == Some(i) {
                " class=\"best\""
            } else {
                ""
            },
            esc(name),
            mean_ci(avg.mean, avg.ci95),
            num(peak.mean),
            num(peak.p95),
            num(peak.p99)
        );
    }
    h.push_str("</table></div>\n");

    super::cash::html_section(s, best, &mut h);

    skus_at_risk(s, &mut h);

    // Summary with confidence intervals.
    h.push_str(
        "<h2>Summary</h2>\n<p class=\"note\">Per metric: mean ± half-width of its 95% confidence \
         interval, and p5 / p50 / p95 across replications. From the second candidate on, \
         Δ is the paired difference to the first candidate (same futures) with its 95% CI.</p>\n\
         <div class=\"wide\"><table id=\"summary\"><tr><th class=\"l\">metric</th><th class=\"l\">unit</th>",
    );
    for (i, (name, _)) in s.candidates.iter().enumerate() {
        let _ = write!(h, "<th>{} mean ± CI</th><th>p5 / p50 / p95</th>", esc(name));
        if i > 0 {
            let _ = write!(h, "<th>Δ vs {}</th>", esc(&s.candidates[0].0));
        }
    }
    h.push_str("</tr>\n");
    for &m in Metric::ALL {
        if !s.applies[m as usize] {
            continue;
        }
        let _ = write!(
            h,
            "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td>",
            m.name(),
            super::unit_in(m.unit(), &s.currency)
        );
        for (i, (_, c)) in s.candidates.iter().enumerate() {
            let st = c.metric(m);
            if nothing_to_measure(c, m) {
                h.push_str("<td>n/a</td><td></td>");
                if i > 0 {
                    h.push_str("<td></td>");
                }
                continue;
            }
            let _ = write!(
                h,
                "<td>{}</td><td>{} / {} / {}</td>",
                mean_ci(st.mean, st.ci95),
                num(st.p5),
                num(st.p50),
                num(st.p95)
            );
            if i > 0 {
                let d = c.diff(m);
                let _ = write!(h, "<td>{}</td>", mean_ci(d.mean, d.ci95));
            }
        }
        h.push_str("</tr>\n");
        if m == Metric::FillRate {
            pooled_fill_row(s, &mut h);
        }
    }
    h.push_str("</table></div>\n");
    let hidden: Vec<&str> = Metric::ALL
        .iter()
        .filter(|&&m| !s.applies[m as usize])
        .map(|m| m.name())
        .collect();
    if !hidden.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">Left out, as they cannot apply to this scenario (all are in \
             <code>summary.csv</code> and <code>summary.json</code>): {}.</p>",
            hidden.join(", ")
        );
    }

    if let Some(w) = &s.whatif {
        h.push_str(&super::whatif::render_html(s, w));
    }
    h.push_str(&super::hits::render_html(s));

    // Charts.
    h.push_str("<h2>Charts</h2>\n");
    for p in plots {
        let _ = writeln!(
            h,
            "<figure id=\"plot-{name}\"><img alt=\"{alt}\" src=\"data:image/svg+xml;base64,{data}\">\
             <figcaption>{cap} <span class=\"note\">(files: <code>plots/{name}.svg</code>, \
             <code>plots/{name}.png</code>)</span></figcaption></figure>",
            name = p.name,
            alt = esc(&p.caption),
            data = base64(p.svg.as_bytes()),
            cap = esc(&p.caption),
        );
    }

    // Weekly capital, folded: long, but what finance copies into a plan.
    h.push_str(
        "<h2>Capital by week</h2>\n<details><summary>Weekly table (also in \
         <code>capital_by_week.csv</code>)</summary>\n<div class=\"wide\"><table id=\"capital-by-week\"><tr>\
         <th class=\"l\">week starting</th><th class=\"l\">candidate</th><th>on hand</th>\
         <th>in transit</th><th>prepaid</th><th>total mean</th><th>total p50</th>\
         <th>total p95</th><th>measured days</th></tr>\n",
    );
    let n_weeks = s.weeks.first().map_or(0, Vec::len);
    for k in 0..n_weeks {
        for ((name, _), weeks) in s.candidates.iter().zip(&s.weeks) {
            let w = &weeks[k];
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td>\
                 <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                w.monday,
                esc(name),
                num(w.on_hand),
                num(w.in_transit),
                num(w.prepaid),
                num(w.total_mean),
                num(w.total_p50),
                num(w.total_p95),
                w.days
            );
        }
    }
    h.push_str("</table></div>\n</details>\n</body>\n</html>\n");
    h
}

/// "SKUs at risk": for the recommended candidate and the baseline, the SKUs losing the most
/// margin (at most `sku::AT_RISK_ROWS`; every SKU is in `sku_summary.csv`).
fn skus_at_risk(s: &Summary, h: &mut String) {
    h.push_str(
        "<h2>SKUs at risk</h2>\n<p class=\"note\">Per SKU, means over replications; worst lost \
         margin first, SKUs that served every unit left out. Every candidate × SKU is in \
         <code>sku_summary.csv</code>.</p>\n",
    );
    for group in sku::at_risk(s) {
        let c = group.candidate;
        let _ = writeln!(h, "<h3>{} ({})</h3>", esc(&s.candidates[c].0), group.role);
        if group.skus.is_empty() {
            h.push_str("<p>None: every SKU served every unit demanded.</p>\n");
            continue;
        }
        let _ = writeln!(
            h,
            "<div class=\"wide\"><table class=\"sku-risk\" id=\"skus-at-risk-{c}\"><tr>\
             <th class=\"l\">SKU</th><th class=\"l\">category</th><th>fill rate</th>\
             <th>in-stream fill rate</th><th>stockout days</th><th>lost units</th>\
             <th>lost margin / day</th><th>days of cover</th><th>capital avg</th>\
             <th>peak capital p95</th><th>air share</th></tr>"
        );
        let opt = |v: Option<f64>| v.map(num).unwrap_or_else(|| "n/a".into());
        for &k in &group.skus {
            let r = s.skus.get(c, k);
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td>\
                 <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&s.sku_ids[k]),
                esc(&s.sku_categories[k]),
                num(r.mean(SkuField::FillRate)),
                opt(r.fill_rate_in_stream()),
                num(r.mean(SkuField::StockoutDays)),
                num(r.mean(SkuField::LostUnits)),
                num(r.mean(SkuField::LostMarginPerDay)),
                opt(r.days_of_cover()),
                num(r.mean(SkuField::CapitalTiedAvg)),
                num(r.capital_peak_p95),
                opt(r.air_units_share()),
            );
        }
        h.push_str("</table></div>\n");
    }
}

/// Infeasible candidates listed in the report, best-ranked first (summary.json has them all).
const FAILURES_SHOWN: usize = 50;

/// Which constraint each infeasible candidate fails over every SKU, and by how much.
fn constraints_not_met(s: &Summary, h: &mut String) {
    let mut order: Vec<usize> = (0..s.candidates.len())
        .filter(|&c| !s.ranking.verdicts[c].feasible)
        .collect();
    if order.is_empty() {
        return;
    }
    order.sort_by_key(|&c| s.ranking.verdicts[c].rank);
    let _ = writeln!(
        h,
        "<h3>Constraints not met</h3>\n<p class=\"note\">{} candidate(s) do not meet the \
         constraints at {}% confidence (all SKUs){}.</p>\n<table id=\"constraints-not-met\">\
         <tr><th class=\"l\">candidate</th><th class=\"l\">fails</th></tr>",
        order.len(),
        (s.objective.confidence * 1000.0).round() / 10.0,
        if order.len() > FAILURES_SHOWN {
            format!("; the {FAILURES_SHOWN} best-ranked are listed, summary.json has every one")
        } else {
            String::new()
        }
    );
    for &c in order.iter().take(FAILURES_SHOWN) {
        let why: Vec<_> = s.ranking.verdicts[c]
            .failures
            .iter()
            .map(|f| esc(&f.text))
            .collect();
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td><td class=\"l why\">{}</td></tr>",
            esc(&s.candidates[c].0),
            why.join("; ")
        );
    }
    h.push_str("</table>\n");
}

/// The summary table's row for the pooled fill rate (units served ÷ units demanded over every
/// replication, what constraints judge): a ratio of sums, so no per-replication quantiles.
fn pooled_fill_row(s: &Summary, h: &mut String) {
    h.push_str(
        "<tr id=\"fill-rate-pooled\"><td class=\"l\">fill_rate_pooled</td><td class=\"l\">fraction</td>",
    );
    for (i, (_, c)) in s.candidates.iter().enumerate() {
        let (mean, ci95) = c.all.fill_pooled();
        let _ = write!(h, "<td>{}</td><td></td>", mean_ci(mean, ci95));
        if i > 0 {
            let d = c.all.fill_vs_first;
            let _ = write!(h, "<td>{}</td>", mean_ci(d.mean, d.ci95));
        }
    }
    h.push_str("</tr>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), coded);
        }
    }

    #[test]
    fn markup_in_names_is_escaped() {
        assert_eq!(
            esc("<b>\"A&B\"</b>'"),
            "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;&#39;"
        );
    }
}
