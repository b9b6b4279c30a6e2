//! `report.html` of a fit: one self-contained page (SVG charts inline) that lets a planner see
//! whether the fitted parameters describe the shop — weekly sales against the fit with the
//! held-out weeks' 90% band, the weekday profiles, the stream-ratio histograms with their
//! fitted curves, every estimate with its standard error, shift warnings and lanes.
//!
//! Nothing here reads the clock: the same inputs give the same bytes.

use std::error::Error as StdError;
use std::fmt::Write;

use plotters::prelude::*;

use super::demand::censored_normal;
use super::{Fit, calib};
use crate::error::{Error, Result};
use crate::report::plot::{FONT_FAMILY, register_font};

const BAND: RGBColor = RGBColor(70, 130, 200);
const LINE: RGBColor = RGBColor(20, 60, 140);
const OBSERVED: RGBColor = RGBColor(230, 110, 20);
/// SKUs listed in the estimates table, by mean demand.
pub const TOP_SKUS: usize = 25;
/// SKUs (highest fitted mean first) whose weekly sales are charted one by one.
pub const CHARTED_SKUS: usize = 5;

/// SKU indices by fitted mean, highest first (ties in file order).
fn by_mean(fit: &Fit) -> Vec<usize> {
    let mut order: Vec<usize> = (0..fit.estimates.len()).collect();
    order.sort_by(|&a, &b| {
        fit.estimates[b]
            .mean
            .total_cmp(&fit.estimates[a].mean)
            .then(a.cmp(&b))
    });
    order
}

type Drawn = std::result::Result<(), Box<dyn StdError>>;

fn esc(s: &str) -> String {
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

fn pm(x: f64, se: Option<f64>) -> String {
    match se {
        Some(s) if s.is_finite() => format!("{x:.3} ± {s:.3}"),
        _ => format!("{x:.3}"),
    }
}

const STYLE: &str = "body{font-family:sans-serif;max-width:1250px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:1em 0;font-size:90%}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}\
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}figure{margin:1em 0}\
figcaption{color:#555;font-size:90%}.warn{color:#a40}pre{background:#f7f7f7;padding:1em;overflow-x:auto}";

/// Weekly totals of ordinary, uncensored days over the SKUs `pick` accepts: observed and
/// fitted expectation.
fn weekly(fit: &Fit, pick: impl Fn(usize) -> bool) -> (Vec<f64>, Vec<f64>) {
    let h = &fit.history;
    let wd0 = super::demand::weekday0(h) as usize;
    let weeks = h.days / 7;
    let (mut obs, mut exp) = (vec![0.0; weeks], vec![0.0; weeks]);
    for (i, s) in h.skus.iter().enumerate() {
        if !pick(i) || !fit.estimates[i].has_history {
            continue;
        }
        let law = &fit.estimates[i].law;
        for d in s.first_day..weeks * 7 {
            if s.stream[d] || s.stocked_out[d] {
                continue;
            }
            obs[d / 7] += f64::from(s.units[d]);
            exp[d / 7] += law.lambda[(wd0 + d) % 7];
        }
    }
    (obs, exp)
}

fn svg(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend, plotters::coord::Shift>) -> Drawn,
) -> Result<String> {
    register_font();
    let mut out = String::new();
    {
        let area = SVGBackend::with_string(&mut out, size).into_drawing_area();
        draw(&area).map_err(|e| Error::Other(format!("cannot draw a fit chart: {e}")))?;
        area.present()
            .map_err(|e| Error::Other(format!("cannot draw a fit chart: {e}")))?;
    }
    Ok(out)
}

/// Which SKUs a weekly chart sums: a category's, or one SKU.
#[derive(Clone, Copy)]
enum Scope {
    Category(usize),
    Sku(usize),
}

fn weekly_chart(fit: &Fit, scope: Scope) -> Result<String> {
    let (obs, exp) = match scope {
        Scope::Category(c) => weekly(fit, |i| fit.category[i] == c),
        Scope::Sku(k) => weekly(fit, |i| i == k),
    };
    let band: Vec<(usize, [f64; 4])> = match &fit.calibration {
        Some(cal) => {
            let weeks = match scope {
                Scope::Category(c) => Some(&cal.categories[c]),
                Scope::Sku(k) => cal.skus.get(k).and_then(Option::as_ref),
            };
            weeks
                .into_iter()
                .flatten()
                .enumerate()
                .filter(|(_, b)| b.iter().all(|x| x.is_finite()))
                .map(|(w, b)| (cal.start / 7 + w, *b))
                .collect()
        }
        None => Vec::new(),
    };
    let ymax = obs
        .iter()
        .chain(&exp)
        .copied()
        .chain(band.iter().map(|b| b.1[3]))
        .fold(1.0, f64::max)
        * 1.1;
    let n = obs.len().max(1) as f64;
    svg((1100, 320), |area| {
        area.fill(&WHITE)?;
        let mut ch = ChartBuilder::on(area)
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..n, 0.0..ymax)?;
        ch.configure_mesh()
            .x_desc("week of the history")
            .y_desc("units (ordinary days)")
            .label_style((FONT_FAMILY, 13))
            .axis_desc_style((FONT_FAMILY, 14))
            .disable_x_mesh()
            .draw()?;
        if !band.is_empty() {
            let mut poly: Vec<(f64, f64)> = band.iter().map(|(w, b)| (*w as f64, b[3])).collect();
            poly.extend(band.iter().rev().map(|(w, b)| (*w as f64, b[1])));
            ch.draw_series(std::iter::once(Polygon::new(poly, BAND.mix(0.3).filled())))?;
        }
        ch.draw_series(LineSeries::new(
            exp.iter().enumerate().map(|(w, y)| (w as f64, *y)),
            LINE.stroke_width(2),
        ))?;
        ch.draw_series(LineSeries::new(
            obs.iter().enumerate().map(|(w, y)| (w as f64, *y)),
            OBSERVED.stroke_width(1),
        ))?;
        ch.draw_series(
            band.iter()
                .map(|(w, b)| Circle::new((*w as f64, b[0]), 3, OBSERVED.filled())),
        )?;
        Ok(())
    })
}

fn ratio_chart(logs: &[(f64, bool)], m: f64, s: f64) -> Result<String> {
    let lo = logs.iter().map(|x| x.0).fold(m - 3.0 * s, f64::min);
    let hi = logs.iter().map(|x| x.0).fold(m + 3.0 * s, f64::max);
    let bins = 30usize;
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0.0; bins];
    for &(x, _) in logs {
        let b = (((x - lo) / width) as usize).min(bins - 1);
        counts[b] += 1.0;
    }
    let n = logs.len() as f64;
    let density: Vec<f64> = counts.iter().map(|c| c / (n * width)).collect();
    let peak = 1.0 / (s * (2.0 * std::f64::consts::PI).sqrt());
    let ymax = density.iter().copied().fold(peak, f64::max) * 1.1;
    svg((540, 280), |area| {
        area.fill(&WHITE)?;
        let mut ch = ChartBuilder::on(area)
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(50)
            .build_cartesian_2d(lo..hi, 0.0..ymax)?;
        ch.configure_mesh()
            .x_desc("ln(actual ÷ forecast)")
            .y_desc("density")
            .label_style((FONT_FAMILY, 12))
            .axis_desc_style((FONT_FAMILY, 13))
            .disable_mesh()
            .draw()?;
        ch.draw_series(density.iter().enumerate().map(|(b, d)| {
            let x0 = lo + b as f64 * width;
            Rectangle::new([(x0, 0.0), (x0 + width, *d)], BAND.mix(0.5).filled())
        }))?;
        ch.draw_series(LineSeries::new(
            (0..=200).map(|j| {
                let x = lo + (hi - lo) * j as f64 / 200.0;
                (x, peak * (-0.5 * ((x - m) / s).powi(2)).exp())
            }),
            LINE.stroke_width(2),
        ))?;
        Ok(())
    })
}

/// The whole page.
pub fn render(fit: &Fit) -> Result<String> {
    let h = &fit.history;
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"generator\" content=\"restock {}\">\n<title>restock fit</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n<h1>restock fit</h1>\n",
        env!("CARGO_PKG_VERSION")
    );
    let file = |p: &Option<std::path::PathBuf>| {
        p.as_ref()
            .map_or("—".to_string(), |p| esc(&p.display().to_string()))
    };
    let _ = writeln!(
        o,
        "<table><tr><th>sales</th><td>{}</td></tr><tr><th>streams</th><td>{}</td></tr>\
         <tr><th>products</th><td>{}</td></tr><tr><th>shipments</th><td>{}</td></tr>\
         <tr><th>history</th><td>{} to {} ({} days)</td></tr></table>",
        esc(&fit.input.sales.display().to_string()),
        file(&fit.input.streams),
        file(&fit.input.products),
        file(&fit.input.shipments),
        h.start,
        h.date(h.days.saturating_sub(1)),
        h.days
    );
    let _ = writeln!(o, "<pre>{}</pre>", esc(&super::render_summary(fit)));

    // Calibration and weekly sales.
    let _ = writeln!(o, "<h2>Weekly sales against the fit</h2>");
    match &fit.calibration {
        Some(c) => {
            let _ = writeln!(
                o,
                "<p>The last {} weeks were left out, the model refitted on the rest, and each \
                 held-out SKU-week compared with that model's simulated 90% band: \
                 <b>{:.1}%</b> of {} SKU-weeks fall inside (a good fit covers 90% ± {:.1}).</p>",
                calib::HOLDOUT_WEEKS,
                100.0 * c.coverage(),
                c.weeks,
                200.0 * c.coverage_se()
            );
        }
        None => {
            let _ = writeln!(
                o,
                "<p>The history is too short to hold weeks out: no calibration check.</p>"
            );
        }
    }
    for (c, name) in fit.categories.iter().enumerate() {
        let chart = weekly_chart(fit, Scope::Category(c))?;
        let _ = writeln!(
            o,
            "<figure>{chart}<figcaption>{}: weekly units on ordinary, uncensored days \
             (orange), the fitted expectation (blue line) and, over the held-out weeks, the \
             90% band of the model fitted without them (dots: held-out observations).\
             </figcaption></figure>",
            esc(name)
        );
    }
    let order = by_mean(fit);
    let charted: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| fit.estimates[i].has_history)
        .take(CHARTED_SKUS)
        .collect();
    if !charted.is_empty() {
        let _ = writeln!(
            o,
            "<h3>The {} SKUs with the highest fitted mean</h3>",
            charted.len()
        );
    }
    for &i in &charted {
        let chart = weekly_chart(fit, Scope::Sku(i))?;
        let _ = writeln!(
            o,
            "<figure>{chart}<figcaption>{}, category {}: weekly units on ordinary, uncensored days \
             (orange), the fitted expectation (blue line) and the held-out weeks' 90% band \
             (dots: held-out observations).</figcaption></figure>",
            esc(&h.skus[i].id),
            esc(&fit.categories[fit.category[i]])
        );
    }

    // Weekday profiles.
    let _ = writeln!(
        o,
        "<h2>Weekday profiles</h2><p>Average multiplier of the category's SKUs after pooling \
         (1 = the SKU's mean day).</p><table><tr><th>category</th><th>Mon</th><th>Tue</th>\
         <th>Wed</th><th>Thu</th><th>Fri</th><th>Sat</th><th>Sun</th></tr>"
    );
    for (c, name) in fit.categories.iter().enumerate() {
        let members: Vec<usize> = (0..h.skus.len())
            .filter(|&i| fit.category[i] == c)
            .collect();
        let _ = write!(o, "<tr><td>{}</td>", esc(name));
        for w in 0..7 {
            let m = members
                .iter()
                .map(|&i| fit.estimates[i].weekday[w])
                .sum::<f64>()
                / members.len().max(1) as f64;
            let _ = write!(o, "<td>{m:.3}</td>");
        }
        let _ = writeln!(o, "</tr>");
    }
    let _ = writeln!(o, "</table>");

    // Stream ratios.
    let mut any_streams = false;
    for (c, name) in fit.categories.iter().enumerate() {
        let logs: Vec<(f64, bool)> = (0..h.skus.len())
            .filter(|&i| fit.category[i] == c)
            .filter_map(|i| fit.own[i].as_ref())
            .flat_map(|o| o.stream_logs.iter().copied())
            .collect();
        let Some((m, s)) = censored_normal(&logs) else {
            continue;
        };
        if !any_streams {
            let _ = writeln!(o, "<h2>Stream ratio (actual ÷ forecast)</h2>");
            any_streams = true;
        }
        let chart = ratio_chart(&logs, m, s)?;
        let _ = writeln!(
            o,
            "<figure>{chart}<figcaption>{}: {} stream days; pooled lognormal median {:.3}, \
             σ {:.3} (curve). Censored stream days count as lower bounds in the fit.\
             </figcaption></figure>",
            esc(name),
            logs.len(),
            m.exp(),
            s
        );
    }

    // Estimates.
    let _ = writeln!(
        o,
        "<h2>Estimates (top {} SKUs by mean)</h2><p>± one standard error. Dispersion k: \
         variance = μ + μ²/k; the likelihood-ratio statistic (LR) against Poisson rejects \
         Poisson above {:.3}. Weekday multipliers are after pooling toward the category.</p>\
         <table><tr><th>SKU</th><th>category</th><th>days (censored)</th><th>mean/day</th>\
         <th>LR</th><th>k</th><th>weekday Mon…Sun</th><th>stream median</th>\
         <th>stream σ</th><th>spikes</th><th>viral rate/30 d</th></tr>",
        TOP_SKUS.min(order.len()),
        super::demand::LR_CRITICAL
    );
    for &i in order.iter().take(TOP_SKUS) {
        let e = &fit.estimates[i];
        let own = fit.own[i].as_ref();
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&h.skus[i].id),
            esc(&fit.categories[fit.category[i]]),
            own.map_or("pooled".to_string(), |o| format!(
                "{} ({})",
                o.days, o.censored
            )),
            pm(e.mean, Some(e.mean_se)),
            own.map_or("—".to_string(), |o| format!("{:.1}", o.lr)),
            e.dispersion
                .map_or("Poisson".to_string(), |k| pm(k, e.dispersion_se)),
            e.weekday
                .iter()
                .map(|w| format!("{w:.2}"))
                .collect::<Vec<_>>()
                .join(" "),
            e.ratio
                .as_ref()
                .map_or("—".to_string(), |r| pm(r.median, Some(r.median_se))),
            e.ratio
                .as_ref()
                .map_or("—".to_string(), |r| pm(r.sigma, Some(r.sigma_se))),
            own.map_or(0, |o| o.spikes.len()),
            e.viral.as_ref().map_or("—".to_string(), |v| pm(
                v.rate_per_30_days,
                Some(v.rate_se)
            )),
        );
    }
    let _ = writeln!(o, "</table>");

    if !fit.shifts.is_empty() {
        let _ = writeln!(
            o,
            "<h2 class=\"warn\">Persistent shifts</h2><p>These SKUs sold differently in the last \
             {} weeks than the fit without them expects, by more than {} standard errors: a \
             trend, a season or a step after a spike, which the fitted columns do not carry.\
             </p><table><tr><th>SKU</th><th>recent/day</th><th>fitted/day</th><th>z</th></tr>",
            calib::HOLDOUT_WEEKS,
            calib::SHIFT_Z
        );
        for s in &fit.shifts {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{:.3}</td><td>{:.3}</td><td>{:+.1}</td></tr>",
                esc(&h.skus[s.sku].id),
                s.recent,
                s.fitted,
                s.z
            );
        }
        let _ = writeln!(o, "</table>");
    }

    if let Some(lanes) = &fit.lanes {
        let _ = writeln!(
            o,
            "<h2>Lanes</h2><table><tr><th>lane</th><th>shipments</th><th>transit median</th>\
             <th>transit p90</th><th>late by &gt; {} d</th><th>quote error median</th>\
             <th>written as</th></tr>",
            super::lanes::LATE_DAYS
        );
        for l in lanes {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{:.1}</td><td>{:.1}</td><td>{:.0}%</td>\
                 <td>{:+.1}</td><td>{}</td></tr>",
                esc(&l.lane),
                l.transit.len(),
                l.median,
                l.p90,
                100.0 * l.late_share,
                super::lanes::quantile(&l.eta_error, 0.5),
                match l.lognormal {
                    Some((m, s)) => format!("lognormal median {m:.2}, σ {s:.3}"),
                    None => "empirical".to_string(),
                }
            );
        }
        let _ = writeln!(o, "</table>");
    }
    let _ = writeln!(o, "</body>\n</html>");
    Ok(o)
}
