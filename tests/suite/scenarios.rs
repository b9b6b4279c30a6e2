//! Every shipped scenario loads and runs, so examples cannot rot; the metrics reference is the
//! registry's own table.

use std::fs;
use std::path::Path;

use restock::metrics::Metric;

use super::support::simulate;

#[test]
fn every_shipped_scenario_validates_and_runs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut seen = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let mut sc = restock::scenario::load(&path, &[])
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

/// Asserts that the generated region `name` of `docs/FILE` is exactly `table`, so the
/// documentation cannot drift from the definitions in the code; `RESTOCK_BLESS=1` rewrites it.
fn generated_region_matches(file: &str, name: &str, table: &str, test: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(file);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("docs/{file}: {e}"));
    let begin = format!("<!-- generated: {name} begin -->\n");
    let end = format!("<!-- generated: {name} end -->");
    let a = text.find(&begin).expect("begin marker") + begin.len();
    let b = text.find(&end).expect("end marker");
    if std::env::var_os("RESTOCK_BLESS").is_some() {
        let blessed = format!("{}{table}{}", &text[..a], &text[b..]);
        fs::write(&path, &blessed).unwrap();
        return blessed;
    }
    assert_eq!(
        &text[a..b],
        table,
        "docs/{file} differs from the definitions in the code; regenerate it with \
         RESTOCK_BLESS=1 cargo test --release {test}"
    );
    text
}

/// `docs/metrics.md` holds exactly the table the metric registry generates.
#[test]
fn metrics_reference_matches_the_registry() {
    let text = generated_region_matches(
        "metrics.md",
        "metrics",
        &restock::metrics::reference_table(),
        "metrics_reference",
    );
    for m in Metric::ALL {
        assert!(text.contains(&format!("`{}`", m.name())));
    }
}

/// `docs/scenarios.md` holds exactly the thresholds table their definitions generate.
#[test]
fn thresholds_reference_matches_their_definitions() {
    let text = generated_region_matches(
        "scenarios.md",
        "thresholds",
        &restock::scenario::thresholds::reference_table(),
        "thresholds_reference",
    );
    for p in restock::scenario::policy::PARAMS {
        assert!(text.contains(&format!("`{p}`")));
    }
}
