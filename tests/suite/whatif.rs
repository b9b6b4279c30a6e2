//! What-if variants on the same futures (issue 22): exact paired differences where theory
//! gives them, paired intervals narrower than unpaired ones, every output, shards, bad input.

use std::fs;
use std::path::Path;

use restock::Metric;
use restock::RunOptions;
use restock::Scenario;
use restock::WhatIfOutcome;
use restock::t975;

use super::cli::{every_file, restock};
use super::support::{FLOOR, Z, scenario_path};

const TEXTBOOK: &str = include_str!("../../scenarios/textbook-ss.yaml");

fn opts() -> RunOptions {
    RunOptions {
        threads: 2,
        progress: false,
    }
}

/// The textbook scenario with `variants` appended, loaded as if from a file.
fn textbook_with(variants: &str, overrides: &[&str]) -> Scenario {
    let text = format!("{TEXTBOOK}\nvariants:\n{variants}");
    let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    restock::scenario_from_text(&text, Path::new("textbook-variants.yaml"), &o)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn run_all(sc: &Scenario) -> WhatIfOutcome {
    let all = restock::select_variants(sc, &[]).unwrap();
    restock::run_whatif(sc, &all, &opts()).expect("run succeeds")
}

/// Asserts a paired difference agrees with `expected` within Z of its standard errors.
fn diff_agrees(what: &str, d: &restock::PairedDiff, expected: f64, n: u64) {
    let se = d.ci95.expect("several replications") / t975(n - 1);
    assert!(
        (d.mean - expected).abs() <= Z * se + FLOOR * expected.abs().max(1.0),
        "{what}: paired difference {} but theory says {expected} ({:.2} SE)",
        d.mean,
        (d.mean - expected).abs() / se
    );
}

#[test]
fn longer_fixed_transit_adds_lambda_times_d_in_transit_and_leaves_demand_identical() {
    // Little's law: units in transit = throughput × lead time. With backorders every unit
    // demanded is eventually ordered, so throughput = λ and lengthening a fixed transit from
    // L to L + d adds λ·d units in transit; demand is drawn from streams the transit does not
    // touch, so it is the same replication by replication.
    let (lambda, lead, d) = (20.0, 7.0, 5.0);
    let reps = 800u32;
    let sc = textbook_with(
        "  - name: slower\n    set: { \"lanes.0.transit_days\": { fixed: 12 } }\n",
        &[&format!("replications={reps}")],
    );
    assert_eq!(sc.variants.len(), 1);
    let out = run_all(&sc);
    let v = &out.variants[0];
    assert_eq!(v.name, "slower");
    let n = u64::from(reps);
    diff_agrees(
        "avg_in_transit_units",
        &v.vs_base[0][Metric::AvgInTransitUnits as usize],
        lambda * d,
        n,
    );
    // And each side on its own agrees with λ·L.
    let base = out.base.stats[0].metric(Metric::AvgInTransitUnits).mean;
    assert!(
        (base - lambda * lead).abs() < 0.05 * lambda * lead,
        "{base}"
    );
    let demand = v.vs_base[0][Metric::DemandUnits as usize];
    assert_eq!(demand.mean, 0.0, "demand differs on average");
    assert_eq!(demand.ci95, Some(0.0), "demand differs in some replication");
}

#[test]
fn demand_times_k_scales_demand_units_by_k() {
    // Poisson(λ) a day over the measured days: E[demand_units] = λ · days, and × k in the
    // variant; the paired difference is (k − 1) · λ · days.
    let (lambda, k) = (20.0, 1.5);
    let reps = 400u32;
    let sc = textbook_with(
        "  - name: demand x1.5\n    scale: { \"demand.mean_per_day\": 1.5 }\n",
        &[&format!("replications={reps}")],
    );
    let days = f64::from(sc.calendar.horizon_days - sc.calendar.warmup_days);
    assert_eq!(
        sc.variants[0].scenario.skus[0].demand.mean_per_day,
        lambda * k
    );
    let out = run_all(&sc);
    let n = u64::from(reps);
    let v = &out.variants[0];
    let st = v.stats[0].metric(Metric::DemandUnits);
    let se = st.ci95.unwrap() / t975(n - 1);
    assert!(
        (st.mean - k * lambda * days).abs() <= Z * se,
        "variant demand {} vs {}",
        st.mean,
        k * lambda * days
    );
    diff_agrees(
        "demand_units",
        &v.vs_base[0][Metric::DemandUnits as usize],
        (k - 1.0) * lambda * days,
        n,
    );
}

#[test]
fn scale_reaches_catalog_rows_and_respects_its_category() {
    let text = fs::read_to_string(scenario_path("catalog-1000.yaml")).unwrap();
    let base =
        restock::scenario_from_text(&text, &scenario_path("catalog-1000.yaml"), &[]).unwrap();
    let cat = base.categories[0].id.clone();
    let text = format!(
        "{text}\nvariants:\n  - name: one category +30%\n    scale: {{ \"demand.mean_per_day\": {{ factor: 1.3, category: {cat} }} }}\n"
    );
    let sc = restock::scenario_from_text(&text, &scenario_path("catalog-1000.yaml"), &[]).unwrap();
    let v = &sc.variants[0].scenario;
    let mut scaled = 0;
    for (a, b) in sc.skus.iter().zip(&v.skus) {
        let in_cat = a.category.is_some_and(|k| sc.categories[k].id == cat);
        let want = if in_cat {
            scaled += 1;
            a.demand.mean_per_day * 1.3
        } else {
            a.demand.mean_per_day
        };
        assert!((b.demand.mean_per_day - want).abs() < 1e-9 * want.max(1.0));
    }
    assert!(scaled > 0 && scaled < sc.skus.len());
}

#[test]
fn a_set_value_as_yaml_or_as_a_string_means_the_same() {
    let sc = textbook_with(
        "  - name: yaml\n    set: { \"lanes.0.transit_days\": { fixed: 11 } }\n  - name: text\n    set: { \"lanes.0.transit_days\": \"{fixed: 11}\" }\n",
        &[],
    );
    let lead = |s: &Scenario| s.lanes[0].transit.median();
    assert_eq!(lead(&sc.variants[0].scenario), 11.0);
    assert_eq!(lead(&sc.variants[1].scenario), 11.0);
    assert_eq!(lead(&sc), 7.0);
}

#[test]
fn paired_half_width_is_at_most_half_the_unpaired_on_peak_season() {
    let path = scenario_path("peak-season.yaml");
    let mut sc = restock::load_scenario(&path, &[]).unwrap();
    sc.replications = 96;
    let strike = restock::select_variants(&sc, &["late-october strike".to_string()]).unwrap();
    let out = restock::run_whatif(&sc, &strike, &opts()).unwrap();
    let v = &out.variants[0];
    for (c, base) in out.base.stats.iter().enumerate() {
        let paired = v.vs_base[c][Metric::TotalCostPerDay as usize].ci95.unwrap();
        // Unpaired: two independent samples of the same size, half-widths in quadrature.
        let hb = base.metric(Metric::TotalCostPerDay).ci95.unwrap();
        let hv = v.stats[c].metric(Metric::TotalCostPerDay).ci95.unwrap();
        let unpaired = (hb * hb + hv * hv).sqrt();
        assert!(
            paired <= 0.5 * unpaired,
            "candidate {c}: paired ±{paired} vs unpaired ±{unpaired}"
        );
    }
}

#[test]
fn a_variant_that_changes_nothing_is_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("same.yaml");
    fs::write(
        &file,
        format!(
            "{TEXTBOOK}\nvariants:\n  - name: same lead time\n    set: {{ \"lanes.0.transit_days.fixed\": 7 }}\n  - name: longer\n    set: {{ \"lanes.0.transit_days.fixed\": 9 }}\n"
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let assert = restock()
        .args(["run", file.to_str().unwrap(), "--replications", "32"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(
        stdout.contains("variant `same lead time` changes nothing"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("variant `longer` changes nothing"),
        "{stdout}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let vs = &json["variants"]["variants"];
    assert_eq!(vs[0]["changes_nothing"], true);
    assert_eq!(vs[1]["changes_nothing"], false);
    // variants.csv: a row per variant × candidate × metric, the header as documented.
    let csv = fs::read_to_string(out.join("variants.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "variant,candidate,metric,unit,mean,ci95,diff_vs_base,diff_ci95"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows.len(),
        2 * (Metric::ALL.len() + restock::PEAK_METRICS.len())
    );
    // Money is labelled with the scenario's currency and written to the cent.
    let cost = rows
        .iter()
        .find(|r| r[2] == "total_cost_per_day")
        .expect("a total cost row");
    assert_eq!(cost[3], "USD/day", "{cost:?}");
    for cell in &cost[4..] {
        if let Some((_, cents)) = cell.split_once('.') {
            assert_eq!(cents.len(), 2, "money to the cent: {cost:?}");
        }
    }
    assert!(rows.iter().all(|r| !r[3].contains("currency")), "{csv}");
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<h2 id=\"what-if\">What if</h2>"));
    assert!(out.join("plots/whatif_differences.svg").exists());
}

#[test]
fn only_the_variants_named_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    restock()
        .arg("run")
        .arg(scenario_path("peak-season.yaml"))
        .args(["--replications", "16", "--quiet", "--variant", "slow sea"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let names: Vec<&str> = json["variants"]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["slow sea"]);
}

#[test]
fn sharded_variants_merge_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |args: &[&str], out: &Path| {
        restock()
            .arg("run")
            .arg(scenario_path("peak-season.yaml"))
            .args(["--replications", "40", "--quiet"])
            .args(args)
            .arg("--out")
            .arg(out)
            .assert()
            .success();
    };
    let single = tmp.path().join("single");
    run(&["--threads", "2"], &single);
    let expected = every_file(&single);
    assert!(expected.contains_key("variants.csv"));
    let dirs: Vec<_> = (1..=2)
        .map(|k| {
            let d = tmp.path().join(format!("shard-{k}"));
            run(&["--shard", &format!("{k}/2"), "--threads", "1"], &d);
            d
        })
        .collect();
    let merged = tmp.path().join("merged");
    restock()
        .arg("merge")
        .args(&dirs)
        .args(["--quiet", "--out", merged.to_str().unwrap()])
        .assert()
        .success();
    let got = every_file(&merged);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (name, a) in &got {
        assert!(
            *a == expected[name],
            "{name} differs from the single process's"
        );
    }
}

/// `restock run` on the textbook scenario with `variants` appended: exit 2, nothing written.
fn rejected(variants: &str, args: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("scenario.yaml");
    fs::write(&file, format!("{TEXTBOOK}\nvariants:\n{variants}")).unwrap();
    let out = tmp.path().join("out");
    let output = restock()
        .args(["run", file.to_str().unwrap(), "--quiet", "--out"])
        .arg(&out)
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.exists(), "nothing is written");
    assert!(stderr.contains("scenario.yaml"), "{stderr}");
    stderr
}

#[test]
fn unknown_path_in_a_variant_names_the_variant() {
    let e = rejected(
        "  - name: typo\n    set: { \"lanes.0.transit_dayz\": { fixed: 9 } }\n",
        &[],
    );
    assert!(
        e.contains("variant `typo`") && e.contains("transit_dayz"),
        "{e}"
    );
    let e = rejected(
        "  - name: no such lane\n    set: { \"lanes.4.transit_days\": { fixed: 9 } }\n",
        &[],
    );
    assert!(
        e.contains("variant `no such lane`") && e.contains("out of range"),
        "{e}"
    );
}

#[test]
fn duplicate_variant_names_are_rejected_with_the_line() {
    let e = rejected(
        "  - name: twice\n    set: { seed: 1 }\n  - name: twice\n    set: { seed: 2 }\n",
        &[],
    );
    let line = TEXTBOOK.lines().count() + 2 + 3;
    assert!(
        e.contains("variant `twice`") && e.contains("already defined"),
        "{e}"
    );
    assert!(e.contains(&format!("scenario.yaml:{line}")), "{e}");
}

#[test]
fn scale_on_a_non_number_or_an_unknown_field_names_the_variant() {
    let e = rejected(
        "  - name: words\n    scale: { \"demand.distribution\": 2 }\n",
        &[],
    );
    assert!(
        e.contains("variant `words`") && e.contains("not a number"),
        "{e}"
    );
    let e = rejected(
        "  - name: typo\n    scale: { \"demand.mean_pr_day\": 2 }\n",
        &[],
    );
    assert!(
        e.contains("variant `typo`") && e.contains("mean_pr_day"),
        "{e}"
    );
    let e = rejected(
        "  - name: negative\n    scale: { \"demand.mean_per_day\": -1 }\n",
        &[],
    );
    assert!(e.contains("variant `negative`") && e.contains("≥ 0"), "{e}");
    let e = rejected(
        "  - name: nowhere\n    scale: { \"demand.mean_per_day\": { factor: 2, category: toys } }\n",
        &[],
    );
    assert!(e.contains("variant `nowhere`") && e.contains("toys"), "{e}");
}

#[test]
fn an_unknown_key_or_variant_name_is_rejected() {
    let e = rejected("  - name: oops\n    sett: { seed: 1 }\n", &[]);
    assert!(e.contains("variant `oops`") && e.contains("sett"), "{e}");
    let e = rejected(
        "  - name: real\n    set: { seed: 1 }\n",
        &["--variant", "imaginary"],
    );
    assert!(e.contains("imaginary") && e.contains("`real`"), "{e}");
}

#[test]
fn each_disruption_reports_what_it_hit() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    restock()
        .arg("run")
        .arg(scenario_path("peak-season.yaml"))
        .args(["--replications", "16", "--quiet"])
        .args(["--variant", "late-october strike"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let hits = json["disruption_hits"].as_array().unwrap();
    let find = |world: &str, what: &str| {
        hits.iter()
            .find(|h| h["world"] == world && h["disruption"] == what)
            .unwrap_or_else(|| panic!("no {world} / {what} in {hits:?}"))
    };
    // The strike exists only in its variant, and it delays sea shipments landing in its
    // window: at least the whole closure's remainder each, plus the fixed 7-day backlog.
    assert!(
        hits.iter()
            .all(|h| h["world"] != "base" || h["disruption"] != "port strike")
    );
    let strike = &find("late-october strike", "port strike")["candidates"]["ss-sea-weekly"];
    let (n, days) = (
        strike["shipments"].as_f64().unwrap(),
        strike["delay_days"].as_f64().unwrap(),
    );
    assert!(n > 0.0, "{strike}");
    assert!(days >= 7.0 * n && days <= (21.0 + 7.0) * n, "{strike}");
    // Congestion and the crackdown are reported for both worlds.
    for world in ["base", "late-october strike"] {
        find(world, "port congestion");
        assert!(
            hits.iter().any(|h| h["world"] == world
                && h["disruption"]
                    .as_str()
                    .unwrap()
                    .starts_with("customs crackdown on sea")),
            "{hits:?}"
        );
    }
}
