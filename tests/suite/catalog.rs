//! `catalog: FILE.csv`: a row is a SKU exactly as if written in YAML, the shipped 1,000-SKU
//! catalog loads and runs, and a bad cell is reported at its CSV line, column and column name
//! (exit 2, no output) — never a panic.

use std::fs;
use std::path::Path;

use super::cli::restock;
use super::support::{load, scenario_path};

/// Everything but the SKUs: two categories whose defaults the rows inherit, two suppliers and
/// a lane a backup can name.
const BASE: &str = "\
name: catalog test
start_date: 2026-01-01
horizon_days: 60
warmup_days: 10
replications: 2
seed: 3
categories:
  - id: gadgets
    sku_defaults:
      demand: { distribution: poisson }
      stockout: lost
      costs: { holding_per_unit_day: 0.01, fixed_order_cost: 50 }
  - id: apparel
    sku_defaults:
      demand: { distribution: negative_binomial, dispersion: 6 }
      costs: { holding_per_unit_day: 0.02 }
suppliers:
  - { id: shenzhen, production_days: { fixed: 5 }, capacity_per_week: 5000 }
  - { id: vietnam, production_days: { fixed: 9 } }
lanes:
  - { id: sea, mode: sea, transit_days: { fixed: 20 }, freight: { per_m3: 110 } }
  - { id: air, mode: air, transit_days: { fixed: 5 }, freight: { per_kg: 6 } }
policies:
  - { name: ss, kind: s_S, reorder_point: 100, order_up_to: 300, lane: sea }
";

const CSV: &str = "\
sku,category,unit_cost,price,mean_per_day,weight_kg,volume_m3,supplier,initial_on_hand,dispersion,backup_supplier,backup_lane
CASE-1,gadgets,2.5,9.99,12,0.08,0.0005,shenzhen,300,,,
TEE-1,apparel,6,22,7.5,0.25,0.002,shenzhen,150,,vietnam,air
LAMP-1,gadgets,11,39.5,3,1.2,0.01,vietnam,40,2.5,,
";

/// The same three SKUs written out in YAML.
const SKUS_YAML: &str = "\
skus:
  - { id: CASE-1, category: gadgets, unit_cost: 2.5, price: 9.99, demand: { mean_per_day: 12 }, weight_kg: 0.08, volume_m3: 0.0005, supply: { supplier: shenzhen }, initial_on_hand: 300 }
  - { id: TEE-1, category: apparel, unit_cost: 6, price: 22, demand: { mean_per_day: 7.5 }, weight_kg: 0.25, volume_m3: 0.002, supply: { supplier: shenzhen, backup_supplier: vietnam, backup_lane: air }, initial_on_hand: 150 }
  - { id: LAMP-1, category: gadgets, unit_cost: 11, price: 39.5, demand: { mean_per_day: 3, distribution: negative_binomial, dispersion: 2.5 }, weight_kg: 1.2, volume_m3: 0.01, supply: { supplier: vietnam }, initial_on_hand: 40 }
";

fn write_pair(dir: &Path, yaml_tail: &str, csv: &[u8]) -> std::path::PathBuf {
    fs::write(dir.join("catalog.csv"), csv).unwrap();
    let file = dir.join("scenario.yaml");
    fs::write(&file, format!("{BASE}{yaml_tail}")).unwrap();
    file
}

#[test]
fn catalog_rows_load_exactly_like_yaml_skus() {
    let tmp = tempfile::tempdir().unwrap();
    let from_csv = write_pair(tmp.path(), "catalog: catalog.csv\n", CSV.as_bytes());
    let from_csv = restock::load_scenario(&from_csv, &[]).unwrap_or_else(|e| panic!("{e}"));
    let yaml = tmp.path().join("yaml.yaml");
    fs::write(&yaml, format!("{BASE}{SKUS_YAML}")).unwrap();
    let from_yaml = restock::load_scenario(&yaml, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(from_csv.skus.len(), 3);
    // Every field, inherited ones included: Debug prints them all.
    for (c, y) in from_csv.skus.iter().zip(&from_yaml.skus) {
        assert_eq!(format!("{c:?}"), format!("{y:?}"), "SKU {}", y.id);
    }
    let tee = &from_csv.skus[1];
    assert_eq!(tee.unit_cost, 6.0);
    assert_eq!(tee.costs.holding_per_unit_day, 0.02, "category default");
    assert!(tee.supply.backup.is_some());
    assert_eq!(from_csv.skus[2].volume_m3, 0.01);
}

#[test]
fn catalog_rows_follow_yaml_skus_and_the_catalog_can_be_swapped() {
    let tmp = tempfile::tempdir().unwrap();
    let yaml_first = "skus:\n  - { id: HAND-1, unit_cost: 1, demand: { mean_per_day: 1 }, weight_kg: 0.1, volume_m3: 0.001 }\ncatalog: catalog.csv\n";
    let file = write_pair(tmp.path(), yaml_first, CSV.as_bytes());
    let sc = restock::load_scenario(&file, &[]).unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = sc.skus.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["HAND-1", "CASE-1", "TEE-1", "LAMP-1"]);
    // The catalog is read after `--set`, so a what-if can point at another export.
    let other = CSV.lines().take(2).collect::<Vec<_>>().join("\n");
    fs::write(tmp.path().join("other.csv"), other).unwrap();
    let sc = restock::load_scenario(&file, &["catalog=other.csv".to_string()])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sc.skus.len(), 2);
}

#[test]
fn catalog_1000_loads_with_its_sweep() {
    let sc = load("catalog-1000.yaml", &[]);
    assert_eq!(sc.skus.len(), 1000);
    assert_eq!(sc.categories.len(), 5);
    assert!(sc.policies.len() >= 27, "{} candidates", sc.policies.len());
    assert_eq!(sc.replications, 100);
    assert_eq!(sc.calendar.horizon_days, 365);
    assert!(sc.suppliers.len() >= 2 && sc.suppliers.len() <= 5);
    // A long tail and a few best sellers, prices spread over an order of magnitude.
    let mut means: Vec<f64> = sc.skus.iter().map(|s| s.demand.mean_per_day).collect();
    means.sort_by(f64::total_cmp);
    assert!(means[999] > 20.0 * means[500], "heavy tail: {means:?}");
    let mut prices: Vec<f64> = sc.skus.iter().map(|s| s.price).collect();
    prices.sort_by(f64::total_cmp);
    assert!(prices[950] > 4.0 * prices[50]);
    for s in &sc.skus {
        let share = s.unit_cost / s.price;
        assert!(
            (0.29..0.46).contains(&share),
            "{}: cost {share} of price",
            s.id
        );
    }
}

#[test]
fn catalog_1000_runs_briefly() {
    // One candidate and two replications: the whole catalog and calendar, a fraction of the
    // sweep's work (the speed benchmark runs the rest).
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let output = restock()
        .args(["run"])
        .arg(scenario_path("catalog-1000.yaml"))
        .args(["--replications", "2", "--quiet", "--out"])
        .arg(&out)
        .args(["--set", "policies.0.sweep={cover_days: [21]}"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let candidates = summary["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 1);
    // Every category is measured: its SKUs were loaded, inherited demand and sold.
    let categories = candidates[0]["categories"].as_object().unwrap();
    assert_eq!(categories.len(), 5);
    for (id, c) in categories {
        let demand = c["metrics"]["demand_units"]["mean"].as_f64().unwrap();
        assert!(demand > 0.0, "{id}: no demand");
    }
}

/// Runs a scenario over `csv` and expects exit 2, the message naming `catalog.csv:LINE:COL`
/// (or `:LINE` when `column` is `None`) and each of `needles`, and no output folder.
fn rejected(csv: &[u8], line: u32, column: Option<u32>, needles: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let file = write_pair(tmp.path(), "catalog: catalog.csv\n", csv);
    let out = tmp.path().join("out");
    let output = restock()
        .args(["run", file.to_str().unwrap(), "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let at = match column {
        Some(c) => format!("catalog.csv:{line}:{c}"),
        None => format!("catalog.csv:{line}"),
    };
    assert!(stderr.contains(&at), "no `{at}` in: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "no `{n}` in: {stderr}");
    }
    assert!(!out.exists(), "an output folder was written");
}

fn with_row(row: &str) -> Vec<u8> {
    format!("{CSV}{row}\n").into_bytes()
}

#[test]
fn a_negative_cost_names_its_cell_and_column() {
    rejected(
        &with_row("BAD-1,gadgets,-2,9,1,0.1,0.001,shenzhen,0,,,"),
        5,
        Some(15),
        &["column `unit_cost`", "skus.3.unit_cost", "≥ 0"],
    );
}

#[test]
fn an_unknown_category_names_its_cell() {
    rejected(
        &with_row("BAD-1,toys,2,9,1,0.1,0.001,shenzhen,0,,,"),
        5,
        Some(7),
        &["column `category`", "unknown category `toys`"],
    );
}

#[test]
fn a_duplicate_sku_names_its_cell() {
    rejected(
        &with_row("TEE-1,gadgets,2,9,1,0.1,0.001,shenzhen,0,,,"),
        5,
        Some(1),
        &["column `sku`", "already defined"],
    );
}

#[test]
fn text_in_a_number_column_and_unknown_references_name_their_cells() {
    rejected(
        &with_row("BAD-1,gadgets,2,cheap,1,0.1,0.001,shenzhen,0,,,"),
        5,
        Some(17),
        &["column `price`", "wrong type"],
    );
    rejected(
        &with_row("BAD-1,gadgets,2,9,1,0.1,0.001,ningbo,0,,,"),
        5,
        Some(31),
        &["column `supplier`", "ningbo"],
    );
    rejected(
        &with_row("BAD-1,gadgets,2,9,1,0.1,0.001,shenzhen,-4,,,"),
        5,
        Some(40),
        &["column `initial_on_hand`"],
    );
}

#[test]
fn a_row_with_the_wrong_number_of_cells_is_located() {
    // One cell too many: the extra cell is pointed at.
    rejected(
        &with_row("BAD-1,gadgets,2,9,1,0.1,0.001,shenzhen,0,,,,x"),
        5,
        Some(45),
        &["13 cells", "12 columns"],
    );
    // Too few: the end of the row.
    rejected(
        &with_row("BAD-1,gadgets,2,9"),
        5,
        Some(18),
        &["4 cells", "12 columns"],
    );
}

#[test]
fn an_empty_required_cell_is_an_error() {
    // (Empty optional cells inheriting is shown by the YAML equivalence test: CASE-1 and TEE-1.)
    rejected(
        &with_row("BAD-1,gadgets,,9,1,0.1,0.001,shenzhen,0,,,"),
        5,
        Some(15),
        &["column `unit_cost`", "empty"],
    );
}

#[test]
fn header_problems_name_the_column() {
    let unknown = CSV.replacen("backup_lane", "colour", 1);
    rejected(
        unknown.as_bytes(),
        1,
        Some(115),
        &["unknown column `colour`"],
    );
    let missing = "sku,category,unit_cost,mean_per_day,weight_kg,volume_m3,supplier,initial_on_hand\nA,gadgets,1,1,0.1,0.001,shenzhen,0\n";
    rejected(missing.as_bytes(), 1, None, &["required column `price`"]);
}

#[test]
fn non_utf8_and_missing_files_are_named() {
    let mut bytes = CSV.as_bytes().to_vec();
    bytes.extend_from_slice(b"BAD-\xff,gadgets,2,9,1,0.1,0.001,shenzhen,0,,,\n");
    rejected(&bytes, 5, Some(5), &["UTF-8"]);

    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("scenario.yaml");
    fs::write(&file, format!("{BASE}catalog: nowhere.csv\n")).unwrap();
    let output = restock()
        .args(["validate", file.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("nowhere.csv"), "{stderr}");
    assert!(stderr.contains("scenario.yaml:"), "names where: {stderr}");
}
