//! The command-line contract, tested from outside the process.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

use super::support::scenario_path;

/// `restock run` on the live-stream scenario with `reps` replications and `--quiet`, for the
/// tests that check what the command writes; add `--out` and any other flags.
pub fn run_livestream_cmd(reps: u32) -> Command {
    let mut c = restock();
    c.arg("run")
        .arg(scenario_path("livestream-basic.yaml"))
        .args(["--replications", &reps.to_string(), "--quiet"]);
    c
}

pub fn restock() -> Command {
    Command::cargo_bin("restock").expect("binary built")
}

fn summary(dir: &Path) -> Value {
    let text = fs::read_to_string(dir.join("summary.json")).expect("summary.json written");
    serde_json::from_str(&text).expect("summary.json is JSON")
}

#[test]
fn run_writes_the_summary_with_every_contracted_field() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    restock()
        .args(["run", scenario_path("textbook-ss.yaml").to_str().unwrap()])
        .args([
            "--replications",
            "40",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .success();
    let s = summary(&out);
    assert_eq!(
        s["scenario"],
        "textbook periodic-review (s,S), Poisson demand"
    );
    assert_eq!(s["seed"], 7);
    assert_eq!(s["replications"], 40);
    assert_eq!(s["version"], env!("CARGO_PKG_VERSION"));
    let c = &s["candidates"][0];
    assert_eq!(c["name"], "ss-160-300");
    for m in [
        "total_cost_per_day",
        "holding_cost_per_day",
        "backorder_cost_per_day",
        "ordering_cost_per_day",
        "fill_rate",
        "stockout_days",
        "lost_units",
        "orders_per_day",
        "avg_on_hand_units",
        "avg_in_transit_units",
        "capital_on_hand_avg",
        "capital_in_transit_avg",
        "capital_tied_avg",
        "capital_tied_peak",
    ] {
        for stat in ["mean", "ci95", "p5", "p50", "p95"] {
            assert!(c["metrics"][m][stat].is_number(), "{m}.{stat} missing");
        }
        assert!(c["vs_first"][m]["mean"].is_number(), "vs_first.{m} missing");
        assert!(
            c["vs_first"][m]["ci95"].is_number(),
            "vs_first.{m}.ci95 missing"
        );
    }
    let m = &c["metrics"]["capital_tied_avg"];
    let (p5, p50, p95) = (m["p5"].as_f64(), m["p50"].as_f64(), m["p95"].as_f64());
    assert!(p5 <= p50 && p50 <= p95);
    let csv = fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(
        csv.starts_with("candidate,metric,unit,mean,ci95,p5,p50,p95,diff_vs_first,diff_ci95\n")
    );
    // Every metric, then the pooled fill rate (no quantiles).
    assert_eq!(
        csv.lines().count(),
        1 + c["metrics"].as_object().unwrap().len() + 1
    );
    assert!(
        csv.lines()
            .any(|l| l.contains(",fill_rate_pooled,fraction,"))
    );
    assert!(c["fill_rate_pooled"]["ci95"].is_number());
    assert!(c["vs_first"]["fill_rate_pooled"]["mean"].is_number());
}

#[test]
fn the_same_seed_gives_identical_bytes_on_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = scenario_path("textbook-ss.yaml");
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let out = tmp.path().join(threads);
        restock()
            .args(["run", sc.to_str().unwrap(), "--quiet", "--threads", threads])
            // Enough replications for several statistics blocks and parallel tasks.
            .args(["--replications", "300", "--out", out.to_str().unwrap()])
            // Two candidates, so the paired differences are exercised too.
            .args(["--set", "policies.0.reorder_point=150"])
            .assert()
            .success();
        outputs.push(every_file(&out));
    }
    let names: Vec<_> = outputs[0].keys().cloned().collect();
    assert!(names.len() >= 13, "too few outputs: {names:?}");
    for name in names {
        assert!(
            outputs[0][&name] == outputs[1][&name],
            "{name} differs between 1 and 2 threads"
        );
    }
    assert_eq!(outputs[0].len(), outputs[1].len());
}

/// A run of one statistics block splits its candidates between threads (so small runs use
/// every core); the bytes must not depend on how they were split.
#[test]
fn one_block_split_over_candidates_gives_identical_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = scenario_path("livestream-basic.yaml");
    let mut outputs = Vec::new();
    for threads in ["1", "2", "3"] {
        let out = tmp.path().join(threads);
        restock()
            .args(["run", sc.to_str().unwrap(), "--quiet", "--threads", threads])
            .args(["--replications", "10", "--out", out.to_str().unwrap()])
            .assert()
            .success();
        outputs.push(every_file(&out));
    }
    let summary: serde_json::Value = serde_json::from_slice(&outputs[0]["summary.json"]).unwrap();
    assert!(summary["candidates"].as_array().unwrap().len() >= 3);
    for other in &outputs[1..] {
        assert_eq!(outputs[0].len(), other.len());
        for (name, bytes) in &outputs[0] {
            assert!(bytes == &other[name], "{name} differs with another split");
        }
    }
}

/// Every file under `dir` (plots included) by relative path.
pub fn every_file(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                files.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    files
}

#[test]
fn set_overrides_change_the_run_and_are_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = scenario_path("textbook-ss.yaml");
    let run = |name: &str, extra: &[&str]| {
        let out = tmp.path().join(name);
        restock()
            .args([
                "run",
                sc.to_str().unwrap(),
                "--quiet",
                "--replications",
                "30",
            ])
            .args(["--out", out.to_str().unwrap()])
            .args(extra)
            .assert()
            .success();
        summary(&out)
    };
    let base = run("base", &[]);
    let lower = run("lower", &["--set", "policies.0.reorder_point=100"]);
    let oh = |s: &Value| {
        s["candidates"][0]["metrics"]["avg_on_hand_units"]["mean"]
            .as_f64()
            .unwrap()
    };
    assert!(
        oh(&lower) < oh(&base),
        "a lower reorder point holds less stock"
    );
    assert_eq!(lower["overrides"][0], "policies.0.reorder_point=100");
    let reseeded = run("seed", &["--seed", "8"]);
    assert_eq!(reseeded["seed"], 8);
    assert_ne!(oh(&reseeded), oh(&base), "another seed draws other futures");
}

#[test]
fn out_defaults_to_output_slash_scenario_stem() {
    let tmp = tempfile::tempdir().unwrap();
    fs::copy(
        scenario_path("textbook-ss.yaml"),
        tmp.path().join("mine.yaml"),
    )
    .unwrap();
    restock()
        .current_dir(tmp.path())
        .args(["run", "mine.yaml", "--quiet", "--replications", "5"])
        .assert()
        .success();
    assert!(tmp.path().join("output/mine/summary.json").is_file());
}

#[test]
fn validate_accepts_the_shipped_scenario_and_prints_what_it_found() {
    restock()
        .args([
            "validate",
            scenario_path("textbook-ss.yaml").to_str().unwrap(),
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains("1 SKU(s)"));
}

#[test]
fn run_prints_a_table_and_where_the_outputs_are() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    restock()
        .args(["run", scenario_path("textbook-ss.yaml").to_str().unwrap()])
        .args(["--replications", "20", "--out", out.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicates::str::contains("fill_rate"))
        .stdout(predicates::str::contains(format!(
            "restock: outputs written to {}\nrestock: open {} in a browser\n",
            out.display(),
            out.join("report.html").display()
        )));
}

/// An output folder that cannot be created is the machine's problem, not the input's: exit 1,
/// the cause printed once, and checked before the simulation starts (its banner never
/// appears), so a mistyped `--out` does not throw a long run away.
#[test]
fn an_unwritable_output_folder_is_exit_1_before_simulating_with_its_cause_once() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a-file");
    fs::write(&file, "not a folder").unwrap();
    let out = file.join("out");
    let assert = restock()
        .args(["run", scenario_path("textbook-ss.yaml").to_str().unwrap()])
        .args(["--out", out.to_str().unwrap()])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("cannot create output folder"), "{stderr}");
    assert_eq!(
        stderr.matches("Not a directory").count(),
        1,
        "the cause is printed exactly once: {stderr}"
    );
    assert!(
        !stderr.contains("candidate(s) ×"),
        "no simulation started: {stderr}"
    );
}
