//! The charts under `plots/`, each drawn once per backend: SVG (inlined in `report.html`,
//! sharp at any zoom) and PNG (for slides and chat).
//!
//! Text is laid out with DejaVu Sans compiled into the binary (`assets/`, through plotters'
//! pure-Rust `ab_glyph` feature), so a machine without fontconfig, FreeType or any installed
//! font draws the same pixels; the PNG is encoded by the pure-Rust `png` crate. Nothing here
//! reads the clock or the thread count, so every chart is byte-identical for identical inputs.

use std::error::Error as StdError;
use std::sync::Once;

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Summary;
use crate::error::{Error, Result};

mod cash;

/// A placed chart label: candidate, text, anchor and alignment.
type PlacedLabel = (usize, String, (i32, i32), HPos, VPos);
use crate::metrics::Metric;

/// One chart in both formats.
#[derive(Debug, Clone)]
pub struct Plot {
    /// File stem under `plots/`.
    pub name: &'static str,
    /// A sentence saying what the chart shows (the report's caption).
    pub caption: String,
    pub svg: String,
    pub png: Vec<u8>,
}

type Drawn = std::result::Result<(), Box<dyn StdError>>;

const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

/// Metrics a later trigger model reports, charted as they appear in the registry.
pub const TRIGGER_METRICS: [&str; 5] = [
    "triggers_cover",
    "triggers_stream",
    "triggers_pulse",
    "triggers_signal",
    "triggers_persist",
];
pub const MODE_METRICS: [&str; 2] = ["units_air", "units_sea"];

const WIDTH: u32 = 1200;
const BAND: RGBColor = RGBColor(70, 130, 200);
const LINE: RGBColor = RGBColor(20, 60, 140);
const PEAK: RGBColor = RGBColor(255, 170, 60);
const SUPPLY: RGBColor = RGBColor(120, 90, 200);
const WARMUP: RGBColor = RGBColor(160, 160, 160);
const STREAM: RGBColor = RGBColor(150, 60, 170);
const STOCKOUT: RGBColor = RGBColor(220, 40, 40);
const FRONTIER: RGBColor = RGBColor(230, 110, 20);
const STACK: [RGBColor; 6] = [
    RGBColor(70, 130, 200),
    RGBColor(230, 110, 20),
    RGBColor(60, 160, 90),
    RGBColor(150, 60, 170),
    RGBColor(200, 60, 60),
    RGBColor(120, 120, 120),
];

/// Registers the embedded font under [`FONT_FAMILY`], once, for other modules' charts.
pub(crate) fn register_font() {
    REGISTER.call_once(|| {
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

/// The family name of the embedded font.
pub(crate) const FONT_FAMILY: &str = FONT;

pub fn render_all(s: &Summary) -> Result<Vec<Plot>> {
    // Many candidates: chart the ones that matter (`charted`), say so in every caption.
    if let (Some(view), Some(note)) = (super::charted::view(s), super::charted::note(s)) {
        let mut plots = render_all_of(&view)?;
        for p in &mut plots {
            p.caption.push_str(&note);
        }
        return Ok(plots);
    }
    render_all_of(s)
}

fn render_all_of(s: &Summary) -> Result<Vec<Plot>> {
    REGISTER.call_once(|| {
        // The bytes are compiled in and known good; a failure would leave text undrawable,
        // which the first chart then reports as an error.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
    let n = s.candidates.len() as u32;
    let panels = 110 + 300 * n;
    Ok(vec![
        render(
            "capital_fan",
            "Capital tied up at the end of each day (on hand + in transit + prepaid deposits): \
             the band holds 90% of simulated futures (p5–p95), the line is the median."
                .to_string(),
            (WIDTH, panels),
            s,
            Chart::Capital,
        )?,
        render(
            "on_hand_fan",
            format!(
                "On-hand units of {} at the end of each day (p5–p95 band, median line), its \
                 live-stream days, and the share of futures in which it turned buyers away.",
                s.chart_sku
            ),
            (WIDTH, panels),
            s,
            Chart::OnHand,
        )?,
        render(
            "cost_vs_fill_rate",
            "Mean total cost per day against mean fill rate, one circle per candidate (area ∝ \
             p95 peak capital, whiskers = 95% CI); the Pareto frontier — no other candidate has \
             higher fill rate, lower cost and lower p95 peak capital at once — is highlighted."
                .to_string(),
            (WIDTH, 700),
            s,
            Chart::Frontier,
        )?,
        render(
            "trigger_mix",
            trigger_caption(),
            (WIDTH, 560),
            s,
            Chart::Triggers,
        )?,
        render(
            "cash_fan",
            format!(
                "Cumulative net cash from the first measured day ({}): payments to suppliers, \
                 forwarders, customs and the warehouse out, marketplace payouts in; the band \
                 holds 90% of futures (p5–p95), the line is the median. Its lowest point is the \
                 credit line the plan needs (peak_funding_need).",
                s.currency
            ),
            (WIDTH, panels),
            s,
            Chart::Cash,
        )?,
        render(
            "capital_by_week",
            format!(
                "Mean capital tied up by ISO week ({}), stacked: on hand, in transit, prepaid \
                 deposits; the peak week is outlined.",
                s.currency
            ),
            (WIDTH, panels),
            s,
            Chart::Weeks,
        )?,
    ])
}

/// A linear axis whose ticks sit where we say (month starts, one per candidate) rather than at
/// round numbers; labels come from each chart's formatter.
#[derive(Debug, Clone)]
struct KeyAxis {
    range: Range<f64>,
    ticks: Vec<f64>,
}

impl Ranged for KeyAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let width = self.range.end - self.range.start;
        if width <= 0.0 {
            return (limit.0 + limit.1) / 2;
        }
        let t = (v - self.range.start) / width;
        limit.0 + (t * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        let max = hint.max_num_points().max(1);
        let step = self.ticks.len().div_ceil(max).max(1);
        self.ticks.iter().copied().step_by(step).collect()
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

#[derive(Clone, Copy)]
enum Chart {
    Capital,
    OnHand,
    Frontier,
    Triggers,
    Cash,
    Weeks,
}

fn draw<DB: DrawingBackend>(chart: Chart, root: &DrawingArea<DB, Shift>, s: &Summary) -> Drawn
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    match chart {
        Chart::Capital => fan(root, s, Fan::Capital),
        Chart::OnHand => fan(root, s, Fan::OnHand),
        Chart::Frontier => cost_vs_fill(root, s),
        Chart::Triggers => triggers(root, s),
        Chart::Cash => cash::cash_fan(root, s),
        Chart::Weeks => cash::capital_weeks(root, s),
    }?;
    root.present()?;
    Ok(())
}

fn render(
    name: &'static str,
    caption: String,
    size: (u32, u32),
    s: &Summary,
    chart: Chart,
) -> Result<Plot> {
    let fail = |e: Box<dyn StdError>| Error::Other(format!("cannot draw plots/{name}: {e}"));
    let mut svg = String::new();
    draw(
        chart,
        &SVGBackend::with_string(&mut svg, size).into_drawing_area(),
        s,
    )
    .map_err(fail)?;
    let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
    draw(
        chart,
        &BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area(),
        s,
    )
    .map_err(fail)?;
    let png = encode_png(&rgb, size)
        .map_err(|e| Error::Other(format!("cannot encode plots/{name}.png: {e}")))?;
    Ok(Plot {
        name,
        caption,
        svg,
        png,
    })
}

fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> std::result::Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    // Charts are flat colours: the fast deflate compresses them nearly as well, in a fraction
    // of the time (the default level took longer than simulating 10,000 textbook replications).
    enc.set_compression(png::Compression::Fast);
    let mut writer = enc.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}

/// "12.5k", "3.1M": axis labels a reader takes in at a glance.
fn compact(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 10.0 || v == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// Ticks on the first of each month, thinned to at most twelve labels.
fn month_ticks(s: &Summary) -> Vec<f64> {
    let mut ticks: Vec<f64> = (0..s.horizon_days)
        .filter(|&d| s.calendar.date(d).day() == 1)
        .map(f64::from)
        .collect();
    if ticks.len() < 2 {
        let step = (s.horizon_days / 6).max(1);
        ticks = (0..s.horizon_days)
            .step_by(step as usize)
            .map(f64::from)
            .collect();
    }
    // A label centred on a tick within a few days of the end would be cut off by the edge.
    let end = f64::from(s.horizon_days);
    if ticks.len() > 2 {
        ticks.retain(|&t| end - t >= 12.0);
    }
    let keep = ticks.len().div_ceil(12);
    ticks.into_iter().step_by(keep.max(1)).collect()
}

fn date_label(s: &Summary, x: f64) -> String {
    let day = x.round().clamp(0.0, f64::from(s.horizon_days - 1)) as u32;
    s.calendar.date(day).to_string()
}

#[derive(Clone, Copy, PartialEq)]
enum Fan {
    Capital,
    OnHand,
}

/// A fan chart per candidate over the calendar: p5–p95 band and median, peak seasons and
/// warm-up shaded; for on-hand units also stream days and the stockout share.
fn fan<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Summary, kind: Fan) -> Drawn
where
    DB::ErrorType: 'static,
{
    let title = match kind {
        Fan::Capital => format!("Capital tied up over the calendar — {}", s.scenario_name),
        Fan::OnHand => format!("On-hand units of {} — {}", s.chart_sku, s.scenario_name),
    };
    let root = root.titled(&title, (FONT, 22))?;
    let mut marks = Vec::new();
    if s.warmup_days > 0 {
        marks.push((
            "warm-up (not in metrics)".to_string(),
            Mark::Fill(WARMUP.mix(0.35)),
        ));
    }
    if let Some(top) = s.peak_windows.iter().map(|w| w.2).reduce(f64::max) {
        marks.push((
            format!("peak season (demand up to ×{top:.2})"),
            Mark::Fill(PEAK.mix(0.45)),
        ));
    }
    if !s.supply_windows.is_empty() {
        marks.push((
            "freight peak, factory closure or port disruption".to_string(),
            Mark::Fill(SUPPLY.mix(0.3)),
        ));
    }
    if kind == Fan::OnHand {
        if !s.chart_stream_days.is_empty() {
            marks.push(("live-stream day".to_string(), Mark::Line(STREAM.mix(0.8))));
        }
        marks.push((
            "futures with a stockout that day (right axis)".to_string(),
            Mark::Fill(STOCKOUT.mix(0.35)),
        ));
    }
    marks.push(("p5–p95 of futures".to_string(), Mark::Fill(BAND.mix(0.4))));
    marks.push(("median (p50)".to_string(), Mark::Line(LINE.to_rgba())));
    let rows = legend_rows(&root, &marks)?;
    let (strip, root) = root.split_vertically(12 + 22 * rows.len() as u32);
    legend_strip(&strip, &marks, &rows)?;
    let band = |d: &crate::stats::daily::DayStats| match kind {
        Fan::Capital => (d.total_p5, d.total_p50, d.total_p95),
        Fan::OnHand => (d.sku_p5, d.sku_p50, d.sku_p95),
    };
    let top = s
        .days
        .iter()
        .flatten()
        .map(|d| band(d).2)
        .filter(|x| x.is_finite())
        .fold(0.0f64, f64::max);
    let ymax = if top > 0.0 { top * 1.12 } else { 1.0 };
    let h = f64::from(s.horizon_days);
    let ticks = month_ticks(s);
    let panels = root.split_evenly((s.candidates.len(), 1));
    for ((panel, (name, _)), days) in panels.iter().zip(&s.candidates).zip(&s.days) {
        let mut builder = ChartBuilder::on(panel);
        builder
            .caption(format!("candidate {name}"), (FONT, 17))
            .margin(8)
            .x_label_area_size(42)
            .y_label_area_size(78);
        if kind == Fan::OnHand {
            builder.right_y_label_area_size(78);
        }
        let mut chart = builder
            .build_cartesian_2d(
                KeyAxis {
                    range: 0.0..h,
                    ticks: ticks.clone(),
                },
                0f64..ymax,
            )?
            .set_secondary_coord(0f64..h, 0f64..100f64);
        chart
            .configure_mesh()
            .x_desc("date")
            .x_labels(14)
            .y_desc(match kind {
                Fan::Capital => format!("capital tied up [{}]", s.currency),
                Fan::OnHand => "on hand [units]".to_string(),
            })
            .x_label_formatter(&|x| date_label(s, *x))
            .y_label_formatter(&|v| compact(*v))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .bold_line_style(BLACK.mix(0.08))
            .light_line_style(TRANSPARENT)
            .draw()?;

        if s.warmup_days > 0 {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, 0.0), (f64::from(s.warmup_days), ymax)],
                WARMUP.mix(0.18).filled(),
            )))?;
        }
        chart.draw_series(s.peak_windows.iter().map(|&(from, to, _)| {
            Rectangle::new(
                [(f64::from(from), 0.0), (f64::from(to) + 1.0, ymax)],
                PEAK.mix(0.22).filled(),
            )
        }))?;
        chart.draw_series(s.supply_windows.iter().map(|&(from, to)| {
            Rectangle::new(
                [(f64::from(from), 0.0), (f64::from(to) + 1.0, ymax)],
                SUPPLY.mix(0.12).filled(),
            )
        }))?;
        if kind == Fan::OnHand {
            chart.draw_secondary_series(
                days.iter()
                    .enumerate()
                    .filter(|(_, x)| x.sku_stockout_share > 0.0)
                    .map(|(d, x)| {
                        let d = d as f64;
                        Rectangle::new(
                            [(d, 0.0), (d + 1.0, 100.0 * x.sku_stockout_share)],
                            STOCKOUT.mix(0.3).filled(),
                        )
                    }),
            )?;
            chart
                .configure_secondary_axes()
                .y_desc("futures with a stockout that day [%]")
                .y_label_formatter(&|v| format!("{v:.0}%"))
                .label_style((FONT, 13))
                .axis_desc_style((FONT, 14))
                .draw()?;
            chart.draw_series(s.chart_stream_days.iter().map(|&d| {
                let x = f64::from(d) + 0.5;
                PathElement::new(vec![(x, 0.0), (x, ymax)], STREAM.mix(0.35))
            }))?;
        }

        let mut outline: Vec<(f64, f64)> = Vec::with_capacity(2 * days.len());
        outline.extend(days.iter().enumerate().map(|(d, x)| (d as f64, band(x).2)));
        outline.extend(
            days.iter()
                .enumerate()
                .rev()
                .map(|(d, x)| (d as f64, band(x).0)),
        );
        chart.draw_series(std::iter::once(Polygon::new(
            outline,
            BAND.mix(0.30).filled(),
        )))?;
        chart.draw_series(LineSeries::new(
            days.iter().enumerate().map(|(d, x)| (d as f64, band(x).1)),
            LINE.stroke_width(2),
        ))?;
    }
    Ok(())
}

/// How a legend entry is drawn.
enum Mark {
    Fill(RGBAColor),
    Line(RGBAColor),
}

const LEGEND_FONT: u32 = 13;

/// Per row of the legend, (entry index, x in pixels).
type LegendRows = Vec<Vec<(usize, i32)>>;

/// Lays the legend entries out in rows that fit the width: for each entry, (row, x).
fn legend_rows<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    marks: &[(String, Mark)],
) -> std::result::Result<LegendRows, Box<dyn StdError>>
where
    DB::ErrorType: 'static,
{
    let style = (FONT, LEGEND_FONT).into_font().color(&BLACK);
    let width = area.dim_in_pixel().0 as i32;
    let mut rows: Vec<Vec<(usize, i32)>> = vec![Vec::new()];
    let mut x = 20i32;
    for (k, (label, _)) in marks.iter().enumerate() {
        let (w, _) = area.estimate_text_size(label, &style)?;
        let span = 24 + w as i32 + 22;
        if x + span > width && !rows.last().is_some_and(Vec::is_empty) {
            rows.push(Vec::new());
            x = 20;
        }
        rows.last_mut().expect("a row").push((k, x));
        x += span;
    }
    Ok(rows)
}

/// One legend for every panel, above them, so that no panel's data hides behind it.
fn legend_strip<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    marks: &[(String, Mark)],
    rows: &[Vec<(usize, i32)>],
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let style = (FONT, LEGEND_FONT).into_font().color(&BLACK);
    for (row, &(k, x)) in rows
        .iter()
        .enumerate()
        .flat_map(|(r, v)| v.iter().map(move |e| (r, e)))
    {
        let (label, mark) = &marks[k];
        let y = 14 + 22 * row as i32;
        match mark {
            Mark::Fill(c) => {
                area.draw(&Rectangle::new([(x, y - 7), (x + 18, y + 7)], c.filled()))?
            }
            Mark::Line(c) => area.draw(&PathElement::new(
                vec![(x, y), (x + 18, y)],
                c.stroke_width(3),
            ))?,
        }
        area.draw(&Text::new(label.clone(), (x + 24, y - 7), style.clone()))?;
    }
    Ok(())
}

fn cost_vs_fill<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Summary) -> Drawn
where
    DB::ErrorType: 'static,
{
    let root = root.titled(
        &format!(
            "Cost vs fill rate — {} (circle area ∝ p95 peak capital)",
            s.scenario_name
        ),
        (FONT, 22),
    )?;
    struct P<'a> {
        name: &'a str,
        fill: f64,
        fill_ci: f64,
        cost: f64,
        cost_ci: f64,
        peak95: f64,
    }
    let pts: Vec<P> = s
        .candidates
        .iter()
        .map(|(name, c)| {
            let f = c.metric(Metric::FillRate);
            let k = c.metric(Metric::TotalCostPerDay);
            P {
                name,
                fill: 100.0 * f.mean,
                fill_ci: 100.0 * f.ci95.unwrap_or(0.0),
                cost: k.mean,
                cost_ci: k.ci95.unwrap_or(0.0),
                peak95: c.metric(Metric::CapitalTiedPeak).p95,
            }
        })
        .collect();
    // The frontier of summary.json (`score::rank`): fill rate ↑, cost ↓, p95 peak capital ↓.
    let on: Vec<bool> = s.ranking.verdicts.iter().map(|v| v.pareto).collect();
    let span = |lo: f64, hi: f64, floor: f64| {
        let pad = ((hi - lo) * 0.15).max(floor);
        (lo - pad, hi + pad)
    };
    let (f_lo, f_hi) = span(
        pts.iter()
            .map(|p| p.fill - p.fill_ci)
            .fold(f64::INFINITY, f64::min),
        pts.iter()
            .map(|p| p.fill + p.fill_ci)
            .fold(f64::NEG_INFINITY, f64::max),
        0.5,
    );
    let (c_lo, c_hi) = span(
        pts.iter()
            .map(|p| p.cost - p.cost_ci)
            .fold(f64::INFINITY, f64::min),
        pts.iter()
            .map(|p| p.cost + p.cost_ci)
            .fold(f64::NEG_INFINITY, f64::max),
        pts.iter().map(|p| p.cost.abs()).fold(0.0, f64::max) * 0.05 + 0.01,
    );
    let f_hi = f_hi.min(100.0 + (f_hi - f_lo) * 0.1);
    let peak_max = pts.iter().map(|p| p.peak95).fold(0.0f64, f64::max);
    // Area ∝ p95 peak capital: radius ∝ its square root, 6–34 px.
    let radius = |v: f64| {
        if peak_max > 0.0 && v.is_finite() {
            (6.0 + 28.0 * (v.max(0.0) / peak_max).sqrt()) as i32
        } else {
            6
        }
    };
    let mut chart = ChartBuilder::on(&root)
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(84)
        .build_cartesian_2d(f_lo..f_hi, c_lo.max(0.0)..c_hi)?;
    chart
        .configure_mesh()
        .x_desc("mean fill rate [% of units demanded, served from stock]")
        .y_desc(format!("mean total cost [{}/day]", s.currency))
        .x_label_formatter(&|x| format!("{}%", fixed(*x, f_hi - f_lo)))
        .y_label_formatter(&|v| fixed(*v, c_hi - c_lo.max(0.0)))
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 15))
        .bold_line_style(BLACK.mix(0.08))
        .light_line_style(TRANSPARENT)
        .draw()?;
    // The frontier as a path through its points, in fill-rate order.
    let mut path: Vec<(f64, f64)> = pts
        .iter()
        .zip(&on)
        .filter(|(_, on)| **on)
        .map(|(p, _)| (p.fill, p.cost))
        .collect();
    path.sort_by(|a, b| a.0.total_cmp(&b.0));
    if path.len() > 1 {
        chart.draw_series(std::iter::once(PathElement::new(
            path,
            FRONTIER.mix(0.6).stroke_width(2),
        )))?;
    }
    chart.draw_series(pts.iter().flat_map(|p| {
        [
            PathElement::new(
                vec![(p.fill - p.fill_ci, p.cost), (p.fill + p.fill_ci, p.cost)],
                BLACK.mix(0.5),
            ),
            PathElement::new(
                vec![(p.fill, p.cost - p.cost_ci), (p.fill, p.cost + p.cost_ci)],
                BLACK.mix(0.5),
            ),
        ]
    }))?;
    for (want, label, color) in [
        (
            true,
            "Pareto frontier (max fill rate, min cost, min p95 peak capital)",
            FRONTIER,
        ),
        (false, "dominated by another candidate", WARMUP),
    ] {
        let chosen: Vec<&P> = pts
            .iter()
            .zip(&on)
            .filter(|(_, on)| **on == want)
            .map(|(p, _)| p)
            .collect();
        if chosen.is_empty() {
            continue;
        }
        chart
            .draw_series(chosen.iter().map(|p| {
                Circle::new((p.fill, p.cost), radius(p.peak95), color.mix(0.55).filled())
            }))?
            .label(label)
            .legend(move |(x, y)| Circle::new((x + 8, y), 6, color.mix(0.7).filled()));
        chart.draw_series(
            chosen
                .iter()
                .map(|p| Circle::new((p.fill, p.cost), radius(p.peak95), BLACK.mix(0.7))),
        )?;
    }
    // Labels are placed, not just drawn: best-ranked first, each tries the right, left, top
    // and bottom of its circle and is dropped (the tables name every candidate) when all four
    // would overlap a label already placed or leave the plot.
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let mut order: Vec<usize> = (0..pts.len()).collect();
    order.sort_by_key(|&i| (!on[i], s.ranking.verdicts[i].rank));
    let mut boxes: Vec<(i32, i32, i32, i32)> = Vec::new();
    let mut labels: Vec<PlacedLabel> = Vec::new();
    for i in order {
        let p = &pts[i];
        let text = format!("{} (p95 peak capital {})", p.name, compact(p.peak95));
        // DejaVu Sans at 14 px: about 8 px a character, 16 px a line.
        let (w, h) = (8 * text.chars().count() as i32, 16);
        let (cx, cy) = chart.backend_coord(&(p.fill, p.cost));
        let r = radius(p.peak95) + 4;
        let options = [
            ((r, 0), (cx + r, cy - h / 2), HPos::Left, VPos::Center),
            ((-r, 0), (cx - r - w, cy - h / 2), HPos::Right, VPos::Center),
            (
                (0, -r),
                (cx - w / 2, cy - r - h),
                HPos::Center,
                VPos::Bottom,
            ),
            ((0, r), (cx - w / 2, cy + r), HPos::Center, VPos::Top),
        ];
        for (off, (x0, y0), hp, vp) in options {
            let b = (x0, y0, x0 + w, y0 + h);
            let inside = b.0 >= xr.start && b.2 <= xr.end && b.1 >= yr.start && b.3 <= yr.end;
            let free = boxes
                .iter()
                .all(|o| b.2 <= o.0 || o.2 <= b.0 || b.3 <= o.1 || o.3 <= b.1);
            if inside && free {
                boxes.push(b);
                labels.push((i, text, off, hp, vp));
                break;
            }
        }
    }
    chart.draw_series(labels.into_iter().map(|(i, text, off, hp, vp)| {
        EmptyElement::at((pts[i].fill, pts[i].cost))
            + Text::new(
                text,
                off,
                (FONT, 14).into_font().color(&BLACK).pos(Pos::new(hp, vp)),
            )
    }))?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font((FONT, 12))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    Ok(())
}

fn present(names: &[&str]) -> Vec<Metric> {
    names
        .iter()
        .filter_map(|n| Metric::ALL.iter().copied().find(|m| m.name() == *n))
        .collect()
}

fn trigger_caption() -> String {
    if present(&TRIGGER_METRICS).is_empty() {
        "Replenishment orders per day, per candidate. The policies here do not record which \
         trigger fired, so every order is counted in one bar (\"all triggers\")."
            .to_string()
    } else {
        "What triggered replenishment, per candidate (mean orders per replication over the \
         measured days), and the units shipped by each freight mode. Textbook policies (s_S, \
         base_stock, r_Q) do not attribute their orders to a trigger, so their trigger bars are \
         empty."
            .to_string()
    }
}

/// Bars per candidate: the trigger metrics stacked when the summary has them, else orders per
/// day as one bar; units by freight mode in a second panel when those metrics exist.
fn triggers<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Summary) -> Drawn
where
    DB::ErrorType: 'static,
{
    let root = root.titled(&format!("Trigger mix — {}", s.scenario_name), (FONT, 22))?;
    let triggers = present(&TRIGGER_METRICS);
    let modes = present(&MODE_METRICS);
    let mut groups: Vec<(String, Vec<(String, Metric)>)> = Vec::new();
    if triggers.is_empty() {
        groups.push((
            "replenishment orders [orders/day]".to_string(),
            vec![("all triggers".to_string(), Metric::OrdersPerDay)],
        ));
    } else {
        groups.push((
            format!("orders by trigger [{}]", triggers[0].unit()),
            triggers
                .iter()
                .map(|m| (m.name().trim_start_matches("triggers_").to_string(), *m))
                .collect(),
        ));
    }
    if !modes.is_empty() {
        groups.push((
            format!("units by freight mode [{}]", modes[0].unit()),
            modes
                .iter()
                .map(|m| (m.name().trim_start_matches("units_").to_string(), *m))
                .collect(),
        ));
    }
    let n = s.candidates.len();
    let areas = root.split_evenly((1, groups.len()));
    for (area, (y_desc, parts)) in areas.iter().zip(&groups) {
        let totals: Vec<f64> = s
            .candidates
            .iter()
            .map(|(_, c)| parts.iter().map(|(_, m)| c.metric(*m).mean.max(0.0)).sum())
            .collect();
        let top = totals.iter().copied().fold(0.0f64, f64::max);
        // Headroom for the legend above the tallest bar.
        let ymax = if top > 0.0 { top * 1.45 } else { 1.0 };
        let keys: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let mut chart = ChartBuilder::on(area)
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(84)
            .build_cartesian_2d(
                KeyAxis {
                    range: -0.6..n as f64 - 0.4,
                    ticks: keys,
                },
                0f64..ymax,
            )?;
        chart
            .configure_mesh()
            .x_desc("candidate")
            .y_desc(y_desc.as_str())
            .x_label_formatter(&|x| {
                let i = x.round();
                if i >= 0.0 && (i as usize) < n && (x - i).abs() < 1e-6 {
                    s.candidates[i as usize].0.clone()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|v| compact(*v))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .bold_line_style(BLACK.mix(0.08))
            .light_line_style(TRANSPARENT)
            .draw()?;
        for (k, (label, m)) in parts.iter().enumerate() {
            let color = STACK[k % STACK.len()];
            chart
                .draw_series(s.candidates.iter().enumerate().map(|(i, (_, c))| {
                    let base: f64 = parts[..k]
                        .iter()
                        .map(|(_, m)| c.metric(*m).mean.max(0.0))
                        .sum();
                    let x = i as f64;
                    Rectangle::new(
                        [
                            (x - 0.3, base),
                            (x + 0.3, base + c.metric(*m).mean.max(0.0)),
                        ],
                        color.mix(0.8).filled(),
                    )
                }))?
                .label(label.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 16, y + 6)], color.mix(0.8).filled())
                });
        }
        chart.draw_series(totals.iter().enumerate().map(|(i, &t)| {
            Text::new(
                compact_precise(t),
                (i as f64 - 0.1, t + ymax * 0.03),
                (FONT, 14).into_font().color(&BLACK),
            )
        }))?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font((FONT, 13))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()?;
    }
    Ok(())
}

/// A tick label with just enough decimals that ticks across `span` stay distinct.
fn fixed(v: f64, span: f64) -> String {
    let decimals = if span > 0.0 && span.is_finite() {
        (2.0 - span.log10()).ceil().clamp(0.0, 6.0) as usize
    } else {
        2
    };
    format!("{v:.decimals$}")
}

/// A bar's value: three significant digits even below 10.
fn compact_precise(v: f64) -> String {
    if v != 0.0 && v.abs() < 10.0 {
        format!("{v:.3}")
    } else {
        compact(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_labels() {
        assert_eq!(compact(0.0), "0");
        assert_eq!(compact(2500.0), "2.5k");
        assert_eq!(compact(25_000.0), "25k");
        assert_eq!(compact(3_100_000.0), "3.1M");
        assert_eq!(compact(0.25), "0.25");
        // Ten ticks over a span of 2.5 need two decimals to stay distinct.
        assert_eq!(fixed(23.25, 2.5), "23.25");
        assert_eq!(fixed(96.6, 1.0), "96.60");
        assert_eq!(fixed(1234.0, 500.0), "1234");
    }
}
