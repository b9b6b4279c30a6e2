//! Golden files: `summary.json` of every shipped scenario, byte for byte, at a few
//! replications. A change in any figure of any shipped scenario fails here; when a change is
//! meant (a model fix, a new metric), regenerate with `RESTOCK_BLESS=1 cargo test --release
//! golden` and say in the commit why the golden files changed.

use std::fs;
use std::path::{Path, PathBuf};

use super::cli::restock;

/// Replications for the golden run: enough that every candidate orders and runs out somewhere,
/// few enough that the whole set runs in seconds. The 1,000-SKU catalog is the scale
/// benchmark: two replications.
fn replications(scenario: &Path) -> u32 {
    if scenario.file_stem().is_some_and(|s| s == "catalog-1000") {
        2
    } else {
        8
    }
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn shipped_scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut out: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    out.sort();
    out
}

#[test]
fn summary_json_of_every_shipped_scenario_matches_its_golden_file() {
    let bless = std::env::var_os("RESTOCK_BLESS").is_some();
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for scenario in shipped_scenarios() {
        let stem = scenario.file_stem().unwrap().to_string_lossy().into_owned();
        let out = tmp.path().join(&stem);
        restock()
            .arg("run")
            .arg(&scenario)
            .args(["--replications", &replications(&scenario).to_string()])
            .arg("--quiet")
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        let got = fs::read_to_string(out.join("summary.json")).unwrap();
        let golden = golden_dir().join(format!("{stem}.summary.json"));
        if bless {
            fs::create_dir_all(golden_dir()).unwrap();
            fs::write(&golden, &got).unwrap();
            continue;
        }
        let want = fs::read_to_string(&golden).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; create it with RESTOCK_BLESS=1 cargo test --release golden",
                golden.display()
            )
        });
        if got != want {
            let line = got
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .map_or(got.lines().count().min(want.lines().count()), |i| i);
            failures.push(format!(
                "{stem}: summary.json differs from {} from line {} on",
                golden.display(),
                line + 1
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
