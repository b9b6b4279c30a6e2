//! Finance's two charts: the cash curve (cumulative net cash, p5–p95 of futures and the
//! median, per candidate) and capital tied up by ISO week, stacked on hand / in transit /
//! prepaid, with the peak week marked.

use plotters::coord::Shift;
use plotters::prelude::{
    BLACK, ChartBuilder, Color, DrawingArea, DrawingBackend, IntoFont, LineSeries, PathElement,
    Polygon, RGBColor, Rectangle, TRANSPARENT, Text, TextStyle,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    BAND, Drawn, FONT, KeyAxis, LINE, Mark, WARMUP, compact, date_label, legend_rows, legend_strip,
    month_ticks,
};
use crate::metrics::Metric;
use crate::report::Summary;

const OUT: RGBColor = RGBColor(200, 60, 50);
const ON_HAND: RGBColor = RGBColor(40, 110, 180);
const IN_TRANSIT: RGBColor = RGBColor(120, 180, 230);
const PREPAID: RGBColor = RGBColor(240, 170, 70);

/// The cumulative net cash from the first measured day, per candidate.
pub(super) fn cash_fan<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Summary) -> Drawn
where
    DB::ErrorType: 'static,
{
    let title = format!("Cash curve — {}", s.scenario_name);
    let root = root.titled(&title, (FONT, 22))?;
    let marks = vec![
        ("p5–p95 of futures".to_string(), Mark::Fill(BAND.mix(0.4))),
        ("median (p50)".to_string(), Mark::Line(LINE.to_rgba())),
        (
            "0: below it, the plan runs on credit".to_string(),
            Mark::Line(OUT.to_rgba()),
        ),
    ];
    let rows = legend_rows(&root, &marks)?;
    let (strip, root) = root.split_vertically(12 + 22 * rows.len() as u32);
    legend_strip(&strip, &marks, &rows)?;
    let w = s.warmup_days as usize;
    let values = s
        .cash_days
        .iter()
        .flat_map(|d| d[w..].iter().flat_map(|x| [x.net_p5, x.net_p95]))
        .filter(|x| x.is_finite());
    let (lo, hi) = values.fold((0.0f64, 0.0f64), |(a, b), x| (a.min(x), b.max(x)));
    let pad = 0.08 * (hi - lo).max(1.0);
    let (lo, hi) = (lo - pad, hi + pad);
    let h = f64::from(s.horizon_days);
    let ticks = month_ticks(s);
    let axis = format!("cumulative net cash [{}]", s.currency);
    let panels = root.split_evenly((s.candidates.len(), 1));
    for ((panel, (name, c)), days) in panels.iter().zip(&s.candidates).zip(&s.cash_days) {
        let need = c.metric(Metric::PeakFundingNeed);
        let mut chart = ChartBuilder::on(panel)
            .caption(
                format!(
                    "candidate {name}: funding need p50 {} / p95 {} {}",
                    super::super::table::num(need.p50),
                    super::super::table::num(need.p95),
                    s.currency
                ),
                (FONT, 17),
            )
            .margin(8)
            .x_label_area_size(42)
            .y_label_area_size(78)
            .build_cartesian_2d(
                KeyAxis {
                    range: 0.0..h,
                    ticks: ticks.clone(),
                },
                lo..hi,
            )?;
        chart
            .configure_mesh()
            .x_desc("date")
            .x_labels(14)
            .y_desc(axis.as_str())
            .x_label_formatter(&|x| date_label(s, *x))
            .y_label_formatter(&|v| compact(*v))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .bold_line_style(BLACK.mix(0.08))
            .light_line_style(TRANSPARENT)
            .draw()?;
        if w > 0 {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, lo), (w as f64, hi)],
                WARMUP.mix(0.18).filled(),
            )))?;
        }
        let measured = || days.iter().enumerate().skip(w);
        let mut outline: Vec<(f64, f64)> = measured().map(|(d, x)| (d as f64, x.net_p95)).collect();
        outline.extend(
            measured()
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .map(|(d, x)| (d as f64, x.net_p5)),
        );
        chart.draw_series(std::iter::once(Polygon::new(
            outline,
            BAND.mix(0.30).filled(),
        )))?;
        chart.draw_series(LineSeries::new(
            measured().map(|(d, x)| (d as f64, x.net_p50)),
            LINE.stroke_width(2),
        ))?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (h, 0.0)],
            OUT.stroke_width(1),
        )))?;
    }
    Ok(())
}

/// Mean capital tied up by ISO week, stacked, per candidate; the week with the largest mean
/// total is outlined and labelled.
pub(super) fn capital_weeks<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Summary) -> Drawn
where
    DB::ErrorType: 'static,
{
    let title = format!("Capital tied up by week — {}", s.scenario_name);
    let root = root.titled(&title, (FONT, 22))?;
    let marks = vec![
        ("on hand".to_string(), Mark::Fill(ON_HAND.to_rgba())),
        ("in transit".to_string(), Mark::Fill(IN_TRANSIT.to_rgba())),
        (
            "prepaid deposits".to_string(),
            Mark::Fill(PREPAID.to_rgba()),
        ),
        ("peak week".to_string(), Mark::Line(OUT.to_rgba())),
    ];
    let rows = legend_rows(&root, &marks)?;
    let (strip, root) = root.split_vertically(12 + 22 * rows.len() as u32);
    legend_strip(&strip, &marks, &rows)?;
    let top = s
        .weeks
        .iter()
        .flatten()
        .map(|w| w.total_mean)
        .filter(|x| x.is_finite())
        .fold(0.0f64, f64::max);
    let ymax = if top > 0.0 { top * 1.15 } else { 1.0 };
    let axis = format!("mean capital tied up [{}]", s.currency);
    let panels = root.split_evenly((s.candidates.len(), 1));
    for ((panel, (name, _)), weeks) in panels.iter().zip(&s.candidates).zip(&s.weeks) {
        let n = weeks.len().max(1) as f64;
        let mut chart = ChartBuilder::on(panel)
            .caption(format!("candidate {name}"), (FONT, 17))
            .margin(8)
            .x_label_area_size(42)
            .y_label_area_size(78)
            .build_cartesian_2d(0f64..n, 0f64..ymax)?;
        let label_every = weeks.len().div_ceil(8).max(1);
        chart
            .configure_mesh()
            .x_desc("week starting")
            .x_labels(weeks.len().max(1))
            .y_desc(axis.as_str())
            .x_label_formatter(&|x| {
                let k = x.floor() as usize;
                match weeks.get(k) {
                    Some(w) if k.is_multiple_of(label_every) => w.monday.to_string(),
                    _ => String::new(),
                }
            })
            .y_label_formatter(&|v| compact(*v))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .bold_line_style(BLACK.mix(0.08))
            .light_line_style(TRANSPARENT)
            .draw()?;
        for (k, wk) in weeks.iter().enumerate() {
            let x = k as f64;
            let parts = [
                (wk.on_hand, ON_HAND),
                (wk.in_transit, IN_TRANSIT),
                (wk.prepaid, PREPAID),
            ];
            let mut base = 0.0;
            for (v, color) in parts {
                let v = if v.is_finite() { v.max(0.0) } else { 0.0 };
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x + 0.1, base), (x + 0.9, base + v)],
                    color.filled(),
                )))?;
                base += v;
            }
        }
        let peak = weeks
            .iter()
            .enumerate()
            .filter(|(_, w)| w.total_mean.is_finite())
            .max_by(|a, b| a.1.total_mean.total_cmp(&b.1.total_mean));
        if let Some((k, wk)) = peak {
            let x = k as f64;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x + 0.05, 0.0), (x + 0.95, wk.total_mean)],
                OUT.stroke_width(2),
            )))?;
            let text = format!(
                "peak week {}: {} {}",
                wk.monday,
                super::super::table::num(wk.total_mean),
                s.currency
            );
            let right = k as f64 > n / 2.0;
            chart.draw_series(std::iter::once(Text::new(
                text,
                (if right { x } else { x + 1.0 }, wk.total_mean * 1.07),
                TextStyle::from((FONT, 14).into_font())
                    .color(&OUT)
                    .pos(Pos::new(
                        if right { HPos::Right } else { HPos::Left },
                        VPos::Center,
                    )),
            )))?;
        }
    }
    Ok(())
}
