//! Every shipped scenario loads and runs, so examples cannot rot (the generated reference
//! tables are checked in the library's own tests, `internal_tests::doc_tables`).

use std::fs;
use std::path::Path;

use super::support::simulate;

#[test]
fn every_shipped_scenario_validates_and_runs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut seen = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let mut sc = restock::load_scenario(&path, &[])
                .unwrap_or_else(|e| panic!("{} does not validate: {e}", path.display()));
            // The 1,000-SKU sweep is a speed benchmark: two replications show it runs.
            let cap = if sc.skus.len() > 100 { 2 } else { 8 };
            sc.replications = sc.replications.min(cap);
            let stats = simulate(&sc);
            assert_eq!(stats.len(), sc.policies.len());
            seen += 1;
        }
    }
    assert!(seen >= 1);
}

/// The `restock …` commands written in a scenario file's header comment (the lines before the
/// first key), split into arguments.
fn header_commands(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .take_while(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        .filter_map(|l| {
            l.trim_start()
                .trim_start_matches('#')
                .trim()
                .strip_prefix("restock ")
        })
        .map(|cmd| cmd.split_whitespace().map(str::to_string).collect())
        .collect()
}

/// Issue 21: the quick look printed in catalog-1000.yaml's header (a 60-day horizon) exited 2
/// because the category season lay outside it. Every command a shipped scenario's header
/// prints must run as written (replications capped, output to a temporary folder), and a dated
/// item a shortened horizon leaves out is a warning, not an error.
#[test]
fn every_header_command_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    for entry in fs::read_dir(root.join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        for args in header_commands(&fs::read_to_string(&path).unwrap()) {
            let tmp = tempfile::tempdir().unwrap();
            let mut cmd = super::cli::restock();
            cmd.current_dir(root).args(&args);
            if args[0] == "run" || args[0] == "advise" {
                if !args.iter().any(|a| a == "--replications") {
                    cmd.args(["--replications", "4"]);
                }
                cmd.arg("--quiet").arg("--out").arg(tmp.path());
            }
            let out = cmd.output().unwrap();
            assert!(
                out.status.success(),
                "{}: `restock {}` failed: {}",
                path.display(),
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
            seen += 1;
        }
    }
    assert!(seen >= 2, "header commands found: {seen}");
}

#[test]
fn a_season_outside_a_shortened_horizon_warns_and_does_not_apply() {
    let out = super::cli::restock()
        .args(["validate"])
        .arg(super::support::scenario_path("catalog-1000.yaml"))
        .args(["--set", "horizon_days=60", "--set", "warmup_days=10"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect();
    assert!(
        warnings.iter().any(|w| w.contains("catalog-1000.yaml:")
            && w.contains("season")
            && w.contains("does not apply")),
        "{stderr}"
    );
    // One category default inherited by hundreds of SKUs warns once, with its count.
    assert!(warnings.len() < 20, "{stderr}");
    // Within the full horizon there is nothing to warn about.
    let sc = super::support::load("catalog-1000.yaml", &[]);
    assert!(
        !sc.all_warnings().iter().any(|w| w.contains("horizon")),
        "{:?}",
        sc.all_warnings()
    );
    let short = super::support::load("catalog-1000.yaml", &["horizon_days=60", "warmup_days=10"]);
    assert!(short.skus.iter().all(|s| s.demand.seasons.is_empty()));
}

/// Issue 21: a sweep over a threshold that cannot act on its category's SKUs (apparel has no
/// CTR signals, so `ctr_growth` changes nothing there) is a warning at load time; where it
/// can act, nothing is said.
#[test]
fn a_threshold_that_cannot_act_on_a_category_warns_at_load() {
    let sc = super::support::load("tune-categories.yaml", &[]);
    let w = sc.all_warnings();
    assert!(
        w.iter().any(|w| w.contains("`apparel.ctr_growth`")
            && w.contains("3 values")
            && w.contains("CTR signals")),
        "{w:?}"
    );
    assert!(
        !w.iter()
            .any(|w| w.contains("`beauty.") || w.contains("`phone-accessories.ctr_growth`")),
        "{w:?}"
    );
    // Hand-written candidates that differ are a deliberate comparison: today.yaml's
    // cover-only rule switches the signal off where no SKU has signals, and nothing is said.
    let today = super::support::load("today.yaml", &[]);
    assert!(
        today.all_warnings().is_empty(),
        "{:?}",
        today.all_warnings()
    );
}
