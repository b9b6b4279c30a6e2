//! Per-SKU results (`sku_summary.csv`, "SKUs at risk") and terminal output that fits 100
//! columns for every shipped scenario.

use std::fs;
use std::path::Path;

use serde_json::Value;

use super::cli::restock;
use super::support::scenario_path;

/// Three SKUs under one (s,S) policy sized for 20 units/day: STARVED sells ten times that, so
/// its shelf is empty most days while the other two are served.
const STARVED: &str = "\
name: one starved SKU
start_date: 2026-01-01
horizon_days: 200
warmup_days: 20
replications: 32
seed: 5
skus:
  - id: CALM-A
    unit_cost: 10.0
    price: 20.0
    initial_on_hand: 300
    demand: { mean_per_day: 20, distribution: poisson }
    stockout: lost
    costs: { holding_per_unit_day: 0.1, fixed_order_cost: 50.0 }
  - id: STARVED
    unit_cost: 10.0
    price: 20.0
    initial_on_hand: 300
    demand: { mean_per_day: 200, distribution: poisson }
    stockout: lost
    costs: { holding_per_unit_day: 0.1, fixed_order_cost: 50.0 }
  - id: CALM-B
    unit_cost: 30.0
    price: 50.0
    initial_on_hand: 300
    demand: { mean_per_day: 15, distribution: poisson }
    stockout: lost
    costs: { holding_per_unit_day: 0.3, fixed_order_cost: 50.0 }
lanes:
  - id: sea
    mode: sea
    transit_days: { fixed: 7 }
policies:
  - name: ss-200-400
    kind: s_S
    reorder_point: 200
    order_up_to: 400
    lane: sea
  - name: ss-250-500
    kind: s_S
    reorder_point: 250
    order_up_to: 500
    lane: sea
";

fn run_text(text: &str, out: &Path) -> String {
    let file = out.with_extension("yaml");
    fs::write(&file, text).unwrap();
    let o = restock()
        .args([
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// `sku_summary.csv` as rows of (column → cell).
fn sku_rows(out: &Path) -> Vec<Vec<(String, String)>> {
    let mut r = csv::Reader::from_path(out.join("sku_summary.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn cell<'a>(row: &'a [(String, String)], col: &str) -> &'a str {
    &row.iter().find(|(c, _)| c == col).unwrap().1
}

fn num(row: &[(String, String)], col: &str) -> f64 {
    cell(row, col).parse().unwrap()
}

#[test]
fn sku_summary_names_the_starved_sku_worst() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("starved");
    let terminal = run_text(STARVED, &out);
    let header = fs::read_to_string(out.join("sku_summary.csv")).unwrap();
    assert!(header.starts_with(
        "candidate,sku,category,fill_rate,fill_rate_in_stream,stockout_days,lost_units,\
         avg_on_hand_units,days_of_cover,capital_tied_avg,capital_tied_peak_p95,orders_per_day,\
         air_units_share\n"
    ));
    let rows = sku_rows(&out);
    assert_eq!(rows.len(), 2 * 3, "one row per candidate × SKU");
    for cand in ["ss-200-400", "ss-250-500"] {
        let mine: Vec<_> = rows
            .iter()
            .filter(|r| cell(r, "candidate") == cand)
            .collect();
        let worst = mine
            .iter()
            .min_by(|a, b| num(a, "fill_rate").total_cmp(&num(b, "fill_rate")))
            .unwrap();
        assert_eq!(cell(worst, "sku"), "STARVED", "{cand}");
        for r in &mine {
            if cell(r, "sku") != "STARVED" {
                assert!(num(r, "fill_rate") > num(worst, "fill_rate") + 0.3, "{r:?}");
            }
            // Nothing to measure: no streams, no air lane.
            assert_eq!(cell(r, "fill_rate_in_stream"), "", "{r:?}");
            assert_eq!(cell(r, "air_units_share"), "0", "{r:?}");
        }
    }
    // The terminal's "SKUs at risk" puts it first, for the recommended and the baseline.
    let sections: Vec<&str> = terminal.split("SKUs at risk under ").skip(1).collect();
    assert!(!sections.is_empty(), "{terminal}");
    for sec in sections {
        let first_row = sec.lines().nth(2).unwrap_or_default();
        assert!(first_row.trim_start().starts_with("STARVED"), "{sec}");
    }
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    let risk = &html[html
        .find("<h2>SKUs at risk</h2>")
        .expect("section in report")..];
    let first = risk.find("STARVED").unwrap();
    assert!(risk.find("CALM-A").is_none_or(|i| i > first));
}

#[test]
fn per_sku_figures_add_up_to_the_all_sku_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("starved");
    run_text(STARVED, &out);
    let summary: Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let rows = sku_rows(&out);
    for c in summary["candidates"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let mine: Vec<_> = rows
            .iter()
            .filter(|r| cell(r, "candidate") == name)
            .collect();
        assert_eq!(mine.len(), 3);
        // Sums over SKUs of means over replications = mean over replications of the sums.
        for m in [
            "stockout_days",
            "lost_units",
            "avg_on_hand_units",
            "capital_tied_avg",
            "orders_per_day",
        ] {
            let all = c["metrics"][m]["mean"].as_f64().unwrap();
            let sum: f64 = mine.iter().map(|r| num(r, m)).sum();
            // Money is written to the cent: each SKU's cell is within half a cent.
            let cents = if m == "capital_tied_avg" {
                0.005 * mine.len() as f64
            } else {
                0.0
            };
            assert!(
                (sum - all).abs() <= 1e-9 * all.abs().max(1.0) + cents,
                "{name} {m}: SKUs sum to {sum}, all SKUs {all}"
            );
        }
        // The peak of a sum is at most the sum of the peaks, replication by replication, and
        // the p95 of each SKU's peak is at least its mean capital.
        for r in &mine {
            assert!(num(r, "capital_tied_peak_p95") >= num(r, "capital_tied_avg"));
        }
        // Days of cover: average on hand over average daily demand (20, 200, 15 a day).
        for (sku, rate) in [("CALM-A", 20.0), ("STARVED", 200.0), ("CALM-B", 15.0)] {
            let r = mine.iter().find(|r| cell(r, "sku") == sku).unwrap();
            let cover = num(r, "days_of_cover");
            let expect = num(r, "avg_on_hand_units") / rate;
            assert!(
                (cover / expect - 1.0).abs() < 0.05,
                "{sku}: {cover} vs {expect}"
            );
        }
    }
}

/// Widest line of `text`, in characters (a terminal column each).
fn widest(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

#[test]
fn terminal_output_of_every_shipped_scenario_fits_100_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let mut dir: Vec<_> = fs::read_dir(scenario_path(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    dir.sort();
    assert!(dir.len() >= 5, "{dir:?}");
    for file in dir {
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        for verbose in [false, true] {
            let out = tmp.path().join(format!("{stem}-{verbose}"));
            let mut cmd = restock();
            cmd.args(["run", file.to_str().unwrap(), "--replications", "2"])
                .args(["--out", out.to_str().unwrap()]);
            if verbose {
                cmd.arg("--verbose");
            }
            let o = cmd.output().unwrap();
            assert!(
                o.status.success(),
                "{stem}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            let text = String::from_utf8(o.stdout).unwrap();
            let w = widest(&text);
            assert!(
                w <= 100,
                "{stem} (verbose {verbose}): a line of {w} columns:\n{text}"
            );
            if !verbose {
                // Nothing that measures nothing is printed as a number.
                assert!(!text.contains("NaN"), "{stem}:\n{text}");
            }
        }
    }
}

#[test]
fn textbook_output_leaves_out_what_cannot_apply() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("tb");
    let o = restock()
        .args(["run", scenario_path("textbook-ss.yaml").to_str().unwrap()])
        .args(["--replications", "16", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(o.stdout).unwrap();
    let table_rows = |name: &str| {
        text.lines()
            .filter(|l| l.trim_start().starts_with(&format!("{name} ")) && l.contains('±'))
            .count()
    };
    assert_eq!(table_rows("fill_rate_in_stream"), 0, "{text}");
    assert_eq!(table_rows("triggers_cover"), 0, "{text}");
    assert_eq!(table_rows("freight_cost_per_day"), 0, "{text}");
    assert_eq!(table_rows("fill_rate"), 1, "{text}");
    assert!(text.contains("--verbose shows them"), "{text}");
    // Thousands separators in the terminal, plain numbers in the CSV.
    assert!(
        text.contains("demand_units") && text.contains(','),
        "{text}"
    );
    let csv = fs::read_to_string(out.join("summary.csv")).unwrap();
    let demand = csv.lines().find(|l| l.contains(",demand_units,")).unwrap();
    assert!(!demand.contains('"'), "{demand}");
}
