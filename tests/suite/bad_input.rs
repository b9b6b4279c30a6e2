//! What users really get wrong: exit code 2, a message naming the file, the field and the
//! line, never a panic, and no output folder.

use std::fs;

use super::cli::restock;
use super::support::scenario_path;

const TEXTBOOK: &str = include_str!("../../scenarios/textbook-ss.yaml");

struct Rejected {
    stderr: String,
    out_created: bool,
}

fn run_text(text: &str, args: &[&str]) -> Rejected {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("scenario.yaml");
    fs::write(&file, text).unwrap();
    run_file(file.to_str().unwrap(), args, tmp.path())
}

fn run_file(file: &str, args: &[&str], tmp: &std::path::Path) -> Rejected {
    let out = tmp.join("out");
    let output = restock()
        .args(["run", file, "--quiet", "--out", out.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(2),
        "expected exit 2, stderr: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    Rejected {
        stderr,
        out_created: out.exists(),
    }
}

/// The textbook scenario with one line replaced.
fn edit(from: &str, to: &str) -> String {
    assert!(TEXTBOOK.contains(from), "fixture drifted: {from}");
    TEXTBOOK.replacen(from, to, 1)
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

/// Asserts the error names the file, the field path and the line.
fn expect(text: &str, path: &str, line_needle: &str, msg: &str) {
    let r = run_text(text, &[]);
    let line = line_of(text, line_needle);
    assert!(
        r.stderr.contains("scenario.yaml"),
        "no file in: {}",
        r.stderr
    );
    assert!(r.stderr.contains(path), "no path `{path}` in: {}", r.stderr);
    assert!(
        r.stderr.contains(&format!("scenario.yaml:{line}")),
        "no line {line} in: {}",
        r.stderr
    );
    assert!(r.stderr.contains(msg), "no `{msg}` in: {}", r.stderr);
    assert!(!r.out_created, "an output folder was written");
}

#[test]
fn misspelt_key() {
    let t = edit("    reorder_point: 160", "    reorder_piont: 160");
    expect(
        &t,
        "policies.0",
        "reorder_piont",
        "unknown field `reorder_piont`",
    );
}

#[test]
fn wrong_type() {
    let t = edit("mean_per_day: 20", "mean_per_day: lots");
    expect(
        &t,
        "skus.0.demand.mean_per_day",
        "mean_per_day",
        "wrong type",
    );
}

#[test]
fn negative_cost() {
    let t = edit("unit_cost: 10.0", "unit_cost: -10.0");
    expect(&t, "skus.0.unit_cost", "unit_cost", "≥ 0");
}

#[test]
fn negative_lead_time() {
    let t = edit("{ fixed: 7 }", "{ fixed: -7 }");
    expect(&t, "lanes.0.transit_days.fixed", "transit_days", "≥ 0");
}

#[test]
fn reorder_point_above_order_up_to() {
    let t = edit("reorder_point: 160", "reorder_point: 400");
    expect(
        &t,
        "policies.0.reorder_point",
        "reorder_point",
        "must be below order_up_to",
    );
}

#[test]
fn policy_names_an_unknown_lane() {
    let t = edit("    lane: sea", "    lane: air");
    expect(&t, "policies.0.lane", "lane: air", "unknown lane `air`");
}

#[test]
fn unknown_policy_kind() {
    let t = edit("kind: s_S", "kind: sS");
    expect(&t, "policies.0.kind", "kind: sS", "unknown variant `sS`");
}

#[test]
fn missing_field() {
    let t = edit("horizon_days: 365\n", "");
    let r = run_text(&t, &[]);
    assert!(
        r.stderr.contains("missing field `horizon_days`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("scenario.yaml:"), "{}", r.stderr);
}

#[test]
fn warmup_longer_than_horizon() {
    let t = edit("warmup_days: 60", "warmup_days: 400");
    expect(&t, "warmup_days", "warmup_days", "shorter than the horizon");
}

#[test]
fn impossible_date() {
    let t = edit("start_date: 2026-01-01", "start_date: 2026-02-30");
    expect(&t, "start_date", "start_date", "not a date");
}

#[test]
fn duplicate_key() {
    let t = edit("seed: 7", "seed: 7\nseed: 8");
    let r = run_text(&t, &[]);
    assert!(r.stderr.contains("scenario.yaml:"), "{}", r.stderr);
    assert!(
        r.stderr.to_lowercase().contains("duplicate"),
        "{}",
        r.stderr
    );
}

#[test]
fn empty_file() {
    let r = run_text("", &[]);
    assert!(
        r.stderr.contains("scenario.yaml") && r.stderr.contains("empty"),
        "{}",
        r.stderr
    );
}

#[test]
fn not_yaml() {
    let r = run_text("name: [unclosed\n  - {{{\n", &[]);
    assert!(r.stderr.contains("scenario.yaml:"), "{}", r.stderr);
    assert!(r.stderr.contains("not valid YAML"), "{}", r.stderr);
}

#[test]
fn a_list_where_a_mapping_belongs() {
    let r = run_text("- just\n- a list\n", &[]);
    assert!(r.stderr.contains("scenario.yaml"), "{}", r.stderr);
}

#[test]
fn alias_bomb() {
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut prev = 'a';
    for c in 'b'..='k' {
        bomb.push_str(&format!(
            "{c}: &{c} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
        prev = c;
    }
    let r = run_text(&bomb, &[]);
    assert!(r.stderr.contains("scenario.yaml"), "{}", r.stderr);
}

#[test]
fn missing_file() {
    let tmp = tempfile::tempdir().unwrap();
    let r = run_file("does-not-exist.yaml", &[], tmp.path());
    assert!(r.stderr.contains("does-not-exist.yaml"), "{}", r.stderr);
    assert!(!r.out_created);
}

#[test]
fn bad_set_path() {
    let r = run_text(TEXTBOOK, &["--set", "policies.7.reorder_point=1"]);
    assert!(
        r.stderr.contains("--set policies.7.reorder_point=1"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("out of range"), "{}", r.stderr);
    let r = run_text(TEXTBOOK, &["--set", "policies.0.reorder_pont=1"]);
    assert!(
        r.stderr.contains("unknown field `reorder_pont`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--set"), "{}", r.stderr);
    let r = run_text(TEXTBOOK, &["--set", "no-equals-sign"]);
    assert!(r.stderr.contains("PATH=VALUE"), "{}", r.stderr);
}

#[test]
fn bad_set_value() {
    let r = run_text(TEXTBOOK, &["--set", "horizon_days=abc"]);
    assert!(r.stderr.contains("horizon_days"), "{}", r.stderr);
    assert!(r.stderr.contains("set with --set"), "{}", r.stderr);
    let r = run_text(TEXTBOOK, &["--set", "lanes.0.transit_days.fixed=-1"]);
    assert!(
        r.stderr.contains("lanes.0.transit_days.fixed"),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_command_line_values() {
    for args in [
        &["--threads", "0"][..],
        &["--threads", "many"],
        &["--replications", "0"],
        &["--seed", "-1"],
        &["--no-such-flag"],
    ] {
        let r = run_text(TEXTBOOK, args);
        assert!(!r.out_created, "{args:?}");
    }
}

#[test]
fn validate_rejects_the_same_way() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bad.yaml");
    fs::write(&file, edit("unit_cost: 10.0", "unit_cost: -1")).unwrap();
    let out = restock()
        .args(["validate", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("skus.0.unit_cost"));
    let ok = restock()
        .args([
            "validate",
            scenario_path("textbook-ss.yaml").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0));
}

// --- live-stream demand (livestream-basic.yaml) ---

const LIVESTREAM: &str = include_str!("../../scenarios/livestream-basic.yaml");

fn edit_live(from: &str, to: &str) -> String {
    assert!(LIVESTREAM.contains(from), "fixture drifted: {from}");
    LIVESTREAM.replacen(from, to, 1)
}

#[test]
fn stream_features_an_unknown_sku() {
    let t = edit_live("CABLE-USB-C: 200 }", "CABLE-USB-X: 200 }");
    expect(
        &t,
        "streams.recurring.0.forecast.CABLE-USB-X",
        "CABLE-USB-X: 200",
        "unknown SKU `CABLE-USB-X`",
    );
}

#[test]
fn stream_runs_past_midnight() {
    let t = edit_live("      hours: 3\n", "      hours: 5\n");
    expect(
        &t,
        "streams.recurring.0.hours",
        "hours: 5",
        "runs past midnight",
    );
}

#[test]
fn probability_above_one() {
    let t = edit_live("recall: 0.6", "recall: 1.6");
    expect(
        &t,
        "skus.0.demand.signals.recall",
        "recall: 1.6",
        "between 0 and 1",
    );
}

#[test]
fn negative_binomial_without_dispersion() {
    let t = edit_live("        dispersion: 4\n", "");
    expect(
        &t,
        "skus.0.demand.distribution",
        "distribution: negative_binomial",
        "needs `dispersion`",
    );
}

#[test]
fn unknown_category() {
    let t = edit_live(
        "  - id: CASE-CLEAR\n    category: phone-accessories",
        "  - id: CASE-CLEAR\n    category: phone-acessories",
    );
    expect(
        &t,
        "skus.1.category",
        "phone-acessories",
        "unknown category `phone-acessories`",
    );
}

#[test]
fn substitute_names_an_unknown_sku() {
    let t = edit_live("sku: CASE-CLEAR, fraction", "sku: CASE-CLER, fraction");
    expect(
        &t,
        "skus.0.stockout.substitute.sku",
        "CASE-CLER",
        "unknown SKU `CASE-CLER`",
    );
}

#[test]
fn season_ends_before_it_starts() {
    let t = edit_live(
        "from: 2026-11-20, to: 2026-12-24",
        "from: 2026-12-20, to: 2026-11-24",
    );
    expect(
        &t,
        "skus.0.demand.seasons.0.to",
        "from: 2026-12-20",
        "ends (2026-11-24) before it starts",
    );
}

#[test]
fn overlapping_streams_for_one_sku() {
    let t = edit_live(
        "      forecast: { CASE-MAGSAFE: 250, CASE-CLEAR: 150, CABLE-USB-C: 200 }\n",
        "      forecast: { CASE-MAGSAFE: 250, CASE-CLEAR: 150, CABLE-USB-C: 200 }\n  scheduled:\n    - { date: 2026-03-06, start: \"21:00\", hours: 1, forecast: { CASE-CLEAR: 50 } }\n",
    );
    expect(&t, "streams.scheduled.0", "21:00", "overlaps");
}

// --- freight and disruptions (peak-season.yaml) ---

const PEAK: &str = include_str!("../../scenarios/peak-season.yaml");

fn edit_peak(from: &str, to: &str) -> String {
    assert!(PEAK.contains(from), "fixture drifted: {from}");
    PEAK.replacen(from, to, 1)
}

#[test]
fn sku_names_an_unknown_supplier() {
    let t = edit_peak("      supplier: shenzhen\n", "      supplier: shenzen\n");
    expect(
        &t,
        "skus.0.supply.supplier",
        "supplier: shenzen",
        "unknown supplier `shenzen`",
    );
}

#[test]
fn peak_window_with_both_a_multiplier_and_a_distribution() {
    let t = edit_peak(
        "to: 2026-11-15, transit_days:",
        "to: 2026-11-15, multiplier: 3, transit_days:",
    );
    expect(
        &t,
        "lanes.0.peaks.0",
        "multiplier: 3",
        "exactly one of `multiplier` and `transit_days`",
    );
}

#[test]
fn customs_probability_above_one() {
    let t = edit_peak("probability: 0.04", "probability: 1.04");
    expect(
        &t,
        "lanes.0.customs.probability",
        "probability: 1.04",
        "between 0 and 1",
    );
}

#[test]
fn fallback_without_a_backup() {
    let t = edit_peak("      backup_lane: air\n", "");
    expect(
        &t,
        "skus.0.supply.fallback",
        "fallback: { when: [late]",
        "set `backup_supplier` or `backup_lane`",
    );
}

#[test]
fn unknown_fallback_trigger() {
    let t = edit_peak("when: [late]", "when: [lates]");
    expect(
        &t,
        "skus.0.supply.fallback.when.0",
        "when: [lates]",
        "unknown variant `lates`",
    );
}

#[test]
fn freight_per_kg_without_a_weight() {
    let t = edit_peak("    weight_kg: 0.35          # packed\n", "");
    expect(
        &t,
        "skus.0.weight_kg",
        "- id: PHONE-TRIPOD",
        "prices freight by kg",
    );
}

#[test]
fn zero_capacity() {
    let t = edit_peak("capacity_per_week: 2500", "capacity_per_week: 0");
    expect(
        &t,
        "suppliers.0.capacity_per_week",
        "capacity_per_week: 0",
        "at least 1 unit per week",
    );
}

#[test]
fn holiday_ends_before_it_starts() {
    let t = edit_peak(
        "from: 2027-01-30, to: 2027-02-20",
        "from: 2027-02-20, to: 2027-01-30",
    );
    expect(
        &t,
        "suppliers.0.holidays.1.to",
        "from: 2027-02-20",
        "before it starts",
    );
}

#[test]
fn sailing_on_no_weekday() {
    let t = edit_peak("sailings: [tuesday, friday]", "sailings: [tuesday, fryday]");
    expect(
        &t,
        "lanes.0.sailings.1",
        "fryday",
        "`fryday` is not a weekday",
    );
}

#[test]
fn scripted_disruption_on_an_unknown_lane() {
    let t = edit_peak(
        "  # What-ifs",
        "  scripted: [{ name: strike, from: 2026-10-01, days: 14, lanes: [rail] }]\n  # What-ifs",
    );
    expect(
        &t,
        "disruptions.scripted.0.lanes.0",
        "lanes: [rail]",
        "unknown lane `rail`",
    );
}

#[test]
fn transit_history_csv_with_a_bad_cell() {
    let tmp = tempfile::tempdir().unwrap();
    let text = edit(
        "transit_days: { fixed: 7 }",
        "transit_days: { empirical_csv: history.csv }",
    );
    let file = tmp.path().join("scenario.yaml");
    fs::write(&file, &text).unwrap();
    fs::write(tmp.path().join("history.csv"), "days\n18\n2x\n21\n").unwrap();
    let r = run_file(file.to_str().unwrap(), &[], tmp.path());
    let line = line_of(&text, "empirical_csv");
    for needle in [
        "history.csv:3".to_string(),
        "lanes.0.transit_days.empirical_csv".to_string(),
        "`2x` is not a number".to_string(),
        format!("scenario.yaml:{line}"),
    ] {
        assert!(r.stderr.contains(&needle), "no `{needle}` in: {}", r.stderr);
    }
    assert!(!r.out_created);

    // A missing file is named too.
    fs::remove_file(tmp.path().join("history.csv")).unwrap();
    let r = run_file(file.to_str().unwrap(), &[], tmp.path());
    assert!(
        r.stderr.contains("history.csv") && r.stderr.contains("cannot read the CSV file"),
        "{}",
        r.stderr
    );
}

// --- layered policy, sweeps and the objective (tune-categories.yaml) ---

const TUNE: &str = include_str!("../../scenarios/tune-categories.yaml");

fn tune(from: &str, to: &str) -> String {
    assert!(TUNE.contains(from), "fixture drifted: {from}");
    TUNE.replacen(from, to, 1)
}

#[test]
fn sweep_of_an_unknown_threshold() {
    let text = tune(
        "      cover_days: [5, 10, 15]",
        "      cover_dayz: [5, 10, 15]",
    );
    expect(
        &text,
        "policies.1.sweep.cover_dayz",
        "cover_dayz",
        "unknown threshold `cover_dayz`",
    );
}

#[test]
fn sweep_value_out_of_range() {
    let text = tune(
        "      stream_multiplier: [1.25, 1.5, 2.0]",
        "      stream_multiplier: [1.25, -1, 2.0]",
    );
    expect(
        &text,
        "policies.1.sweep.stream_multiplier.1",
        "stream_multiplier: [1.25, -1",
        "must be above 0",
    );
}

#[test]
fn a_threshold_that_cannot_be_switched_off() {
    let text = tune(
        "      target_cover_days: 30",
        "      target_cover_days: off",
    );
    expect(
        &text,
        "policies.1.thresholds.target_cover_days",
        "target_cover_days: off",
        "cannot be switched off",
    );
}

#[test]
fn thresholds_for_an_unknown_category() {
    let text = tune(
        "      beauty: { pulse_ratio: 2.0, persist_days: 7 }",
        "      beuty: { pulse_ratio: 2.0 }",
    );
    expect(
        &text,
        "policies.1.categories.beuty",
        "beuty",
        "unknown category `beuty`",
    );
}

#[test]
fn layered_without_a_fast_lane() {
    let text = tune(
        "    fast_lane: air\n    thresholds:\n      target_cover_days: 30",
        "    thresholds:\n      target_cover_days: 30",
    );
    expect(&text, "policies.1", "- name: layered", "needs `fast_lane`");
}

#[test]
fn thresholds_on_a_textbook_policy() {
    let text = edit(
        "    lane: sea",
        "    lane: sea\n    thresholds: { cover_days: 3 }",
    );
    expect(
        &text,
        "policies.0.thresholds",
        "thresholds: { cover_days",
        "applies only to kind `layered`",
    );
}

#[test]
fn fill_rate_constraint_above_one() {
    let text = tune("  min_fill_rate: 0.95", "  min_fill_rate: 95");
    expect(
        &text,
        "objective.min_fill_rate",
        "min_fill_rate: 95",
        "must be between 0 and 1",
    );
}

#[test]
fn target_cover_below_cover() {
    let text = tune("      target_cover_days: 30", "      target_cover_days: 3");
    let r = run_text(&text, &[]);
    assert!(
        r.stderr
            .contains("target_cover_days (3) is below cover_days"),
        "{}",
        r.stderr
    );
    assert!(!r.out_created);
}

#[test]
fn negative_indifference() {
    let text = tune(
        "  min_fill_rate: 0.95",
        "  min_fill_rate: 0.95\n  indifference: -1",
    );
    expect(
        &text,
        "objective.indifference",
        "indifference: -1",
        "must be a finite score difference ≥ 0",
    );
}

// Money (issue 20): rates a finance user mistypes.

#[test]
fn negative_duty_rate() {
    let t = edit("unit_cost: 10.0", "unit_cost: 10.0\n    duty_rate: -0.25");
    expect(&t, "skus.0.duty_rate", "duty_rate", "between 0 and 10");
}

#[test]
fn commission_of_the_whole_price() {
    let t = edit("unit_cost: 10.0", "unit_cost: 10.0\n    commission: 1.0");
    expect(&t, "skus.0.commission", "commission", "below 1");
}

#[test]
fn creator_commission_above_one() {
    let t = edit("lanes:", "streams: { creator_commission: 1.5 }\nlanes:");
    expect(
        &t,
        "streams.creator_commission",
        "creator_commission",
        "below 1",
    );
}

#[test]
fn freight_peak_rate_ending_before_it_starts() {
    let t = edit(
        "transit_days: { fixed: 7 }",
        "transit_days: { fixed: 7 }\n    freight: { per_unit: 1, peak_rates: [{ from: 2026-10-31, to: 2026-08-01, multiplier: 1.5 }] }",
    );
    expect(
        &t,
        "lanes.0.freight.peak_rates.0.to",
        "peak_rates",
        "before it starts",
    );
}

#[test]
fn confidence_outside_zero_one() {
    for bad in ["1", "0", "1.5", "-0.2"] {
        let text = tune(
            "  min_fill_rate: 0.95",
            &format!("  min_fill_rate: 0.95\n  confidence: {bad}"),
        );
        expect(
            &text,
            "objective.confidence",
            "confidence:",
            "must be strictly between 0 and 1",
        );
    }
}

#[test]
fn negative_payout_lag() {
    let t = edit("seed: 7", "seed: 7\npayout_lag_days: -14");
    expect(
        &t,
        "payout_lag_days",
        "payout_lag_days",
        "between 0 and 366",
    );
}

#[test]
fn unknown_currency() {
    let t = edit("seed: 7", "seed: 7\ncurrency: USX");
    expect(&t, "currency", "currency", "unknown currency `USX`");
    // A known code in small letters is named with its fix.
    let t = edit("seed: 7", "seed: 7\ncurrency: eur");
    expect(&t, "currency", "currency", "write it in capitals: `EUR`");
}
