//! The reference tables in docs/ are the ones the definitions generate: a metric or threshold
//! added to the code but not to the docs (or edited in one place only) fails here.

use std::fs;
use std::path::Path;

use crate::metrics::Metric;

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
        &crate::metrics::reference_table(),
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
        &crate::scenario::thresholds::reference_table(),
        "thresholds_reference",
    );
    for p in crate::scenario::policy::PARAMS {
        assert!(text.contains(&format!("`{p}`")));
    }
}
