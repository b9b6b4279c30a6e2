//! Every shipped scenario loads and runs, so examples cannot rot; the README documents every
//! metric it promises.

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

#[test]
fn the_readme_defines_every_metric() {
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md exists");
    for m in Metric::ALL {
        assert!(
            readme.contains(&format!("`{}`", m.name())),
            "README does not document `{}`",
            m.name()
        );
    }
}
