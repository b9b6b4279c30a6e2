//! Issue 19: the decision rules of `run`'s recommendation — a difference below the
//! indifference is no reason to switch, constraints are judged with confidence and say why
//! they fail, and per-category picks are checked as one combined policy.

use std::fs;
use std::path::Path;

use serde_json::Value;

use super::cli::restock;
use super::support::scenario_path;

fn summary(dir: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

fn run(scenario: &str, reps: u32, sets: &[&str], out: &Path) -> String {
    let mut c = restock();
    c.arg("run")
        .arg(scenario_path(scenario))
        .args(["--replications", &reps.to_string(), "--out"])
        .arg(out);
    for s in sets {
        c.args(["--set", s]);
    }
    let o = c.assert().success().get_output().stdout.clone();
    String::from_utf8(o).unwrap()
}

/// Issue 19: "per-category picks break shared constraints". Each category's pick is judged
/// against the whole credit line on its own SKUs' peak; the picks combined share the line.
/// `run` simulates the combination on the same futures, judges it, and writes it as a ready
/// policy entry whose run reproduces the combined figures exactly.
#[test]
fn issue_19_per_category_picks_are_checked_as_one_combined_policy() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("a");
    // 48 replications bound a p95 only at a low confidence: 50% keeps the picks feasible.
    let sets = [
        "objective.max_capital_peak_p95=330000",
        "objective.confidence=0.5",
    ];
    let text = run("tune-categories.yaml", 48, &sets, &out);
    let s = summary(&out);
    for (cat, pick) in s["best"]["categories"].as_object().unwrap() {
        assert!(pick.is_string(), "category {cat} has no feasible pick");
    }
    let combined = &s["combined"];
    assert_eq!(combined["picks"].as_object().unwrap().len(), 3);
    let peak = combined["capital_at_risk"]["peak_p95"].as_f64().unwrap();
    // Each pick's own category peak is within the line; the combination's is not confirmed.
    assert_eq!(combined["feasible"], false, "{combined}");
    let f = &combined["failures"][0];
    assert_eq!(f["constraint"], "max_capital_peak_p95");
    assert!(f["bound"].as_f64().unwrap() > 330_000.0);
    assert!(text.contains("combined per-category picks"), "{text}");
    assert!(text.contains("does NOT meet the constraints"), "{text}");

    // recommended.yaml is a policies[] entry: run it alone on the same seed and futures.
    let yaml = fs::read_to_string(out.join("recommended.yaml")).unwrap();
    assert!(yaml.contains("name: combined"), "{yaml}");
    let doc: Value = serde_saphyr::from_str(&yaml).unwrap();
    let policies = serde_json::to_string(&doc["policies"]).unwrap();
    let again = tmp.path().join("b");
    let set_policies = format!("policies={policies}");
    let mut sets2 = sets.to_vec();
    sets2.push(&set_policies);
    // The tune: block names a policy the replaced list no longer has.
    sets2.push("tune.policy=combined");
    run("tune-categories.yaml", 48, &sets2, &again);
    let s2 = summary(&again);
    let c = &s2["candidates"][0];
    assert_eq!(c["name"], "combined");
    assert_eq!(c["capital_at_risk"]["peak_p95"].as_f64().unwrap(), peak);
    assert_eq!(c["metrics"]["score"], combined["metrics"]["score"]);
}

/// Issue 19: "indistinguishable from the best has no notion of a difference that matters".
/// With no indifference the lowest mean score wins; with an indifference larger than every
/// difference the first-listed candidate is kept.
#[test]
fn issue_19_the_indifference_keeps_the_first_listed_candidate() {
    let tmp = tempfile::tempdir().unwrap();
    let strict = tmp.path().join("strict");
    run("livestream-basic.yaml", 16, &[], &strict);
    let s = summary(&strict);
    let best = s["best"]["all"].as_str().unwrap().to_string();
    let lowest = s["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["rank"] == 1)
        .unwrap();
    assert_eq!(lowest["name"], best.as_str());
    let first = s["candidates"][0]["name"].as_str().unwrap();
    assert_ne!(first, best, "the fixture's first candidate is not the best");

    let relaxed = tmp.path().join("relaxed");
    run(
        "livestream-basic.yaml",
        16,
        &["objective.indifference=1000000"],
        &relaxed,
    );
    let s = summary(&relaxed);
    assert_eq!(s["best"]["all"], first);
    assert_eq!(s["objective"]["indifference"], 1_000_000.0);
    assert_eq!(s["candidates"][0]["within_indifference"], true);
}

/// Issue 19: "none meets the constraints without saying which": every infeasible candidate
/// names the constraint and the figures, in summary.json, the terminal and the report.
#[test]
fn issue_19_infeasible_candidates_say_which_constraint_failed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    let text = run(
        "textbook-ss.yaml",
        64,
        &[
            "objective.max_capital_peak_p95=200",
            "objective.min_fill_rate=0.5",
        ],
        &out,
    );
    let s = summary(&out);
    assert!(s["best"]["all"].is_null());
    let c = &s["candidates"][0];
    assert_eq!(c["feasible"], false);
    let failures = c["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "the fill rate passes: {failures:?}");
    let t = failures[0]["text"].as_str().unwrap();
    assert!(
        t.starts_with("p95 peak capital ") && t.ends_with(" > 200"),
        "{t}"
    );
    assert!(text.contains(t), "terminal lacks `{t}`:\n{text}");
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("constraints-not-met") && html.contains(&t.replace('>', "&gt;")));
}

/// Issue 19: "feasibility ignores uncertainty": with too few replications to bound the p95
/// of peak capital, a candidate under the line is not called feasible, and the reason says
/// how many replications are needed.
#[test]
fn issue_19_a_p95_not_bounded_by_the_replications_is_not_feasible() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    run(
        "textbook-ss.yaml",
        20,
        &["objective.max_capital_peak_p95=1e12"],
        &out,
    );
    let s = summary(&out);
    let c = &s["candidates"][0];
    assert_eq!(c["feasible"], false);
    let t = c["failures"][0]["text"].as_str().unwrap();
    assert!(t.contains("at least 59 needed"), "{t}");
    // With 64 replications the largest bounds it.
    let out = tmp.path().join("p");
    run(
        "textbook-ss.yaml",
        64,
        &["objective.max_capital_peak_p95=1e12"],
        &out,
    );
    assert_eq!(summary(&out)["candidates"][0]["feasible"], true);
}
