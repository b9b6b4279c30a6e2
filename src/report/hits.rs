//! What each disruption hit, in every run: the `disruption_hits` and `disruption_warnings`
//! of `summary.json`, the terminal's lines and the report's table — for the base and, in a
//! run with variants, for each variant's world.
//!
//! A scripted disruption that delayed no shipment of any candidate in any replication is a
//! warning: a strike placed where no ship lands otherwise looks exactly like an override that
//! failed.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::Summary;
use super::html::esc;
use super::table::num;

/// One disruption of one world in `summary.json`.
#[derive(Serialize)]
pub(super) struct HitDoc<'a> {
    world: &'a str,
    disruption: &'a str,
    /// Per candidate, means per replication.
    candidates: BTreeMap<&'a str, HitFigures>,
}

#[derive(Serialize)]
struct HitFigures {
    shipments: f64,
    units: f64,
    delay_days: f64,
}

impl Summary {
    /// Every world's disruption warnings (see the module's note), base first.
    pub fn hit_warnings(&self) -> Vec<String> {
        self.hits.iter().flat_map(|h| h.warnings()).collect()
    }
}

/// `summary.json`'s `disruption_hits`: per world (`base`, then each variant) and disruption.
pub(super) fn json_doc(s: &Summary) -> Vec<HitDoc<'_>> {
    s.hits
        .iter()
        .flat_map(|h| {
            h.sources
                .iter()
                .enumerate()
                .map(move |(k, (_, label))| HitDoc {
                    world: &h.world,
                    disruption: label,
                    candidates: s
                        .candidates
                        .iter()
                        .zip(&h.means)
                        .map(|((name, _), m)| {
                            (
                                name.as_str(),
                                HitFigures {
                                    shipments: m[k][0],
                                    units: m[k][1],
                                    delay_days: m[k][2],
                                },
                            )
                        })
                        .collect(),
                })
        })
        .collect()
}

/// Rows: (world, disruption, per candidate "shipments / units / delay days").
fn rows(s: &Summary) -> Vec<(String, String, Vec<String>)> {
    s.hits
        .iter()
        .flat_map(|h| {
            h.sources.iter().enumerate().map(move |(k, (_, label))| {
                (
                    h.world.clone(),
                    label.clone(),
                    h.means
                        .iter()
                        .map(|m| format!("{} / {} / {}", num(m[k][0]), num(m[k][1]), num(m[k][2])))
                        .collect(),
                )
            })
        })
        .collect()
}

/// The terminal's lines (empty when the scenario has no disruption): per world and
/// disruption, the candidates it hit, one a line.
pub fn render_table(s: &Summary) -> String {
    let mut out = String::new();
    if s.hits.iter().all(|h| h.sources.is_empty()) {
        return out;
    }
    let width = s
        .candidates
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0);
    let _ = writeln!(
        out,
        "\nwhat each disruption hit (mean per replication; candidates it missed left out)"
    );
    for h in &s.hits {
        for (k, (_, label)) in h.sources.iter().enumerate() {
            let hit: Vec<_> = s
                .candidates
                .iter()
                .zip(&h.means)
                .filter(|(_, m)| m[k][0] > 0.0)
                .collect();
            if hit.is_empty() {
                let _ = writeln!(out, "  {} — {label}: hit nothing", h.world);
                continue;
            }
            let _ = writeln!(out, "  {} — {label}", h.world);
            for ((name, _), m) in hit {
                let _ = writeln!(
                    out,
                    "    {name:<width$} {:>9} shipments {:>11} units {:>9} delay days",
                    num(m[k][0]),
                    num(m[k][1]),
                    num(m[k][2])
                );
            }
        }
    }
    out
}

/// The report's table and warnings (empty when the scenario has no disruption).
pub fn render_html(s: &Summary) -> String {
    let mut h = String::new();
    let rows = rows(s);
    if rows.is_empty() {
        return h;
    }
    // A section of its own in a plain run, a part of "What if" in a run with variants.
    let level = if s.whatif.is_some() { 3 } else { 2 };
    let _ = writeln!(
        h,
        "<h{level} id=\"disruption-hits\">What each disruption hit</h{level}>\n<p class=\"note\">Mean per \
         replication: shipments delayed / units on them / delay days added.</p>\n\
         <table class=\"whatif-hits\"><tr><th>world</th><th>disruption</th>{}</tr>",
        s.candidates
            .iter()
            .map(|(n, _)| format!("<th>{}</th>", esc(n)))
            .collect::<String>()
    );
    for (world, label, cells) in rows {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td>{}</tr>",
            esc(&world),
            esc(&label),
            cells
                .iter()
                .map(|c| format!("<td>{c}</td>"))
                .collect::<String>()
        );
    }
    h.push_str("</table>\n");
    for warn in s.hit_warnings() {
        let _ = writeln!(
            h,
            "<p class=\"warning\"><strong>Warning:</strong> {}</p>",
            esc(&warn)
        );
    }
    h
}
