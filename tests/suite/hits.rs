//! Issue 22, remainder: what each disruption hit in every run (not only with variants), the
//! what-if runs on the shared block runner, the interval on the p95 differences, and a
//! `--set` that breaks a variant.

use std::fs;
use std::path::Path;

use restock::Metric;
use restock::QUANTILE_RELATIVE_ACCURACY;
use restock::RunOptions;
use restock::Scenario;

use super::cli::{every_file, restock};
use super::support::scenario_path;

const TEXTBOOK: &str = include_str!("../../scenarios/textbook-ss.yaml");

/// `restock run peak-season.yaml` with its variants dropped (a plain run) and `strike` as its
/// only scripted disruption, from `from` for `days` days: stderr and summary.json.
fn plain_peak_season_with_strike(from: &str, days: u32) -> (String, serde_json::Value) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let output = restock()
        .arg("run")
        .arg(scenario_path("peak-season.yaml"))
        .args(["--replications", "32", "--quiet", "--set", "variants=[]"])
        .arg("--set")
        .arg(format!(
            "disruptions.scripted=[{{name: strike, from: {from}, days: {days}}}]"
        ))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert!(
        json.get("variants").is_none(),
        "a plain run has no variants"
    );
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("What each disruption hit"));
    (stderr, json)
}

/// The `strike` entries of `disruption_hits`: (candidate, shipments, units, delay days).
fn strike_hits(json: &serde_json::Value) -> Vec<(String, f64, f64, f64)> {
    let hits = json["disruption_hits"].as_array().expect("disruption_hits");
    let strike = hits
        .iter()
        .find(|h| h["world"] == "base" && h["disruption"] == "strike")
        .unwrap_or_else(|| panic!("no strike in {hits:?}"));
    strike["candidates"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(c, f)| {
            let g = |k: &str| f[k].as_f64().unwrap();
            (c.clone(), g("shipments"), g("units"), g("delay_days"))
        })
        .collect()
}

#[test]
fn a_strike_where_no_ship_lands_is_a_warning_in_a_plain_run() {
    // Sea departures before the peak land by mid-September and the first peak vessels (60–90
    // days from 15 August) from mid-October: nothing reaches Los Angeles from 1 to 14 October.
    let (stderr, json) = plain_peak_season_with_strike("2026-10-01", 14);
    assert!(
        stderr.contains(
            "warning: `strike` hit no shipment in any replication: no shipment reached port in its window"
        ),
        "{stderr}"
    );
    let hits = strike_hits(&json);
    assert_eq!(hits.len(), 3, "one entry per candidate");
    assert!(hits.iter().all(|h| h.1 == 0.0 && h.2 == 0.0 && h.3 == 0.0));
    let warnings = json["disruption_warnings"].as_array().unwrap();
    assert!(warnings[0].as_str().unwrap().contains("`strike`"));
    // Congestion is reported beside it, in a plain run too.
    assert!(
        json["disruption_hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["world"] == "base" && h["disruption"] == "port congestion")
    );
}

#[test]
fn a_strike_where_ships_land_reports_what_it_hit_in_a_plain_run() {
    let days = 21;
    let (stderr, json) = plain_peak_season_with_strike("2026-10-20", days);
    assert!(!stderr.contains("`strike` hit no shipment"), "{stderr}");
    assert!(json.get("disruption_warnings").is_none());
    let hits = strike_hits(&json);
    let sea = hits.iter().find(|h| h.0 == "ss-sea-weekly").unwrap();
    assert!(sea.1 > 0.0 && sea.2 > 0.0, "{hits:?}");
    // No backlog: each shipment waits at most until the port reopens.
    assert!(sea.3 > 0.0 && sea.3 <= f64::from(days) * sea.1, "{hits:?}");
    // The air candidate never uses the sea lane, which is the one closed.
    let air = hits.iter().find(|h| h.0 == "ss-air-weekly").unwrap();
    assert_eq!((air.1, air.2, air.3), (0.0, 0.0, 0.0));
}

#[test]
fn a_set_that_breaks_a_variant_fails_naming_it() {
    // `slow sea` sets `lanes.0.peaks.0.transit_days`; with the lane's peaks emptied on the
    // command line, that path no longer exists.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let output = restock()
        .arg("run")
        .arg(scenario_path("peak-season.yaml"))
        .args(["--quiet", "--set", "lanes.0.peaks=[]", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("peak-season.yaml")
            && stderr.contains("variant `slow sea`")
            && stderr.contains("lanes.0.peaks.0.transit_days"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing is written");
}

/// A run of one statistics block splits each block's candidates over the threads, with
/// variants too; the bytes must not depend on the split.
#[test]
fn a_one_block_what_if_run_gives_identical_bytes_on_any_split() {
    let tmp = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "2", "3"] {
        let out = tmp.path().join(threads);
        restock()
            .arg("run")
            .arg(scenario_path("peak-season.yaml"))
            .args(["--quiet", "--threads", threads, "--replications", "10"])
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        outputs.push(every_file(&out));
    }
    assert!(outputs[0].contains_key("variants.csv"));
    for other in &outputs[1..] {
        assert_eq!(outputs[0].len(), other.len());
        for (name, bytes) in &outputs[0] {
            assert!(bytes == &other[name], "{name} differs with another split");
        }
    }
}

fn textbook_with(variants: &str, reps: u32) -> Scenario {
    let text = format!("{TEXTBOOK}\nvariants:\n{variants}");
    restock::scenario_from_text(
        &text,
        Path::new("textbook-variants.yaml"),
        &[format!("replications={reps}")],
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_p95_interval_covers_the_exact_difference_and_is_zero_when_nothing_changes() {
    // Doubling the unit cost (no freight, no duty) doubles every landed value exactly — ×2 is
    // exact in floating point — and changes no decision of the (s,S) policy, so each
    // replication's peak capital is exactly twice the base's. The nearest-rank p95 of 2x is
    // twice that of x, in the sample and in every bootstrap resample: the difference of p95s
    // is exactly the base's p95, and the interval is that p95's own bootstrap interval.
    let sc = textbook_with(
        "  - name: same lead time\n    set: { \"lanes.0.transit_days.fixed\": 7 }\n  - name: dearer\n    scale: { \"unit_cost\": 2 }\n",
        200,
    );
    let all = restock::select_variants(&sc, &[]).unwrap();
    let opts = RunOptions {
        threads: 2,
        progress: false,
    };
    let out = restock::run_whatif(&sc, &all, &opts).unwrap();
    let k = restock::PEAK_METRICS
        .iter()
        .position(|&m| m == Metric::CapitalTiedPeak)
        .unwrap();
    let same = out.variants[0].p95_vs_base[0][k].expect("200 replications are kept");
    assert_eq!((same.diff, same.lo, same.hi), (0.0, 0.0, 0.0));
    let dearer = out.variants[1].p95_vs_base[0][k].expect("kept");
    let base_p95 = out.base.stats[0].metric(Metric::CapitalTiedPeak).p95;
    // The base's p95 as its sketch reports it: within the sketch's relative accuracy.
    assert!(
        (dearer.diff - base_p95).abs() <= 2.0 * QUANTILE_RELATIVE_ACCURACY * base_p95,
        "Δp95 {} vs the base's p95 {base_p95}",
        dearer.diff
    );
    assert!(
        dearer.lo <= dearer.diff && dearer.diff <= dearer.hi && dearer.lo < dearer.hi,
        "{dearer:?}"
    );
    // And the mean difference is the base's mean, exactly as theory says.
    let mean = out.variants[1].vs_base[0][Metric::CapitalTiedPeak as usize].mean;
    let base_mean = out.base.stats[0].metric(Metric::CapitalTiedPeak).mean;
    assert!(
        (mean - base_mean).abs() <= 1e-9 * base_mean,
        "{mean} vs {base_mean}"
    );
}

#[test]
fn the_p95_interval_reaches_every_output() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("dearer.yaml");
    fs::write(
        &file,
        format!("{TEXTBOOK}\nvariants:\n  - name: dearer\n    scale: {{ \"unit_cost\": 2 }}\n"),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let assert = restock()
        .args(["run", file.to_str().unwrap(), "--replications", "64"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let m = &json["variants"]["variants"][0]["candidates"][0]["metrics"]["capital_tied_peak"];
    let diff = m["diff_p95"].as_f64().unwrap();
    let ci = m["diff_p95_ci95"].as_array().unwrap();
    let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
    assert!(lo <= diff && diff <= hi && lo < hi, "{m}");
    let csv = fs::read_to_string(out.join("variants.csv")).unwrap();
    let row = csv
        .lines()
        .find(|l| l.starts_with("dearer,ss-160-300,capital_tied_peak_p95,"))
        .unwrap_or_else(|| panic!("{csv}"));
    let cells: Vec<&str> = row.split(',').collect();
    let half: f64 = cells[7].parse().unwrap();
    assert_eq!(cells[6].parse::<f64>().unwrap(), diff);
    assert_eq!(half, (diff - lo).max(hi - diff));
    // The terminal's p95 column carries a ± too, beside the four paired differences.
    let after = stdout
        .split("what if")
        .nth(1)
        .unwrap_or_else(|| panic!("{stdout}"));
    let line = after
        .lines()
        .find(|l| l.trim_start().starts_with("ss-160-300"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert_eq!(line.matches('±').count(), 5, "{line}");
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Δ p95 capital_tied_peak"));
}

/// The what-if runs share the plain runs' block runner, risk register included: `--risk` with
/// variants writes the base's register, as without.
#[test]
fn a_what_if_run_collects_the_risk_register() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |extra: &[&str], out: &Path| {
        restock()
            .arg("run")
            .arg(scenario_path("peak-season.yaml"))
            .args(["--risk", "--quiet", "--replications", "16"])
            .args(extra)
            .arg("--out")
            .arg(out)
            .assert()
            .success();
    };
    let (with, without) = (tmp.path().join("with"), tmp.path().join("without"));
    run(&[], &with);
    run(&["--set", "variants=[]"], &without);
    assert!(with.join("variants.csv").exists());
    let risk = fs::read_to_string(with.join("risk.csv")).unwrap();
    assert!(risk.lines().count() > 1, "{risk}");
    // The base is the base: its register does not depend on the variants beside it.
    assert_eq!(risk, fs::read_to_string(without.join("risk.csv")).unwrap());
}
