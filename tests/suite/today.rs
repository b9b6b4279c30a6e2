//! Runs from today's state (issue 17): open purchase orders, the stockout-risk register and
//! `restock advise`, checked against theory, for honesty (the policy never sees a real
//! arrival), for bad input, and for byte-identical shards.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use restock::RepMetrics;
use restock::{Engine, Model, World};
use restock::{Orders, Policy, SkuView};
use statrs::distribution::{Discrete, Poisson};

use super::cli::{every_file, restock};
use super::support::{Z, scenario_path};

/// A one-SKU scenario from today: `h` on hand, Poisson demand `lambda`/day, lost sales, an open
/// PO of `q` units quoted for day `eta`, and a policy that never orders.
fn one_sku(dir: &Path, h: u32, lambda: f64, q: u32, eta: &str, lane_extra: &str) -> String {
    fs::write(dir.join("on_hand.csv"), format!("sku,on_hand\nA,{h}\n")).unwrap();
    fs::write(
        dir.join("open_orders.csv"),
        format!("po,sku,units,lane,eta\nPO-1,A,{q},sea,{eta}\n"),
    )
    .unwrap();
    let text = format!(
        "name: one SKU from today\nstart_date: 2026-10-01\nhorizon_days: 28\nreplications: 2000\n\
         seed: 11\nskus:\n  - {{id: A, unit_cost: 10, price: 25, initial_on_hand: 999, stockout: lost, \
         demand: {{mean_per_day: {lambda}, distribution: poisson}}}}\n\
         lanes:\n  - {{id: sea, mode: sea, transit_days: {{fixed: 90}}{lane_extra}}}\n\
         policies:\n  - {{name: never, kind: base_stock, order_up_to: 0, lane: sea}}\n\
         state:\n  on_hand: on_hand.csv\n  open_orders: open_orders.csv\n"
    );
    let file = dir.join("today.yaml");
    fs::write(&file, &text).unwrap();
    file.to_str().unwrap().to_string()
}

/// Reads a CSV into rows of named cells.
fn csv_rows(file: &Path) -> Vec<BTreeMap<String, String>> {
    let text = fs::read_to_string(file).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// One SKU, lost sales, no orders possible, `h` on hand, Poisson(λ) a day, Q units landing at
/// the start of day 7: a week's demand is Poisson(7λ), and with lost sales the SKU is short in
/// a week exactly when the week's demand exceeds the stock it started with. Week 0 starts with
/// h; week 1 with max(0, h − D₀) + Q; week 2 with max(0, S₁ − D₁); and so on: the exact
/// probabilities follow by convolving Poisson pmfs. `risk.csv` must agree within Z SE.
#[test]
fn risk_register_matches_poisson_tails_with_an_open_po_on_a_fixed_day() {
    let tmp = tempfile::tempdir().unwrap();
    let (h, lambda, q) = (50u32, 10.0, 100u32);
    let file = one_sku(tmp.path(), h, lambda, q, "2026-10-08", "");
    let out = tmp.path().join("out");
    restock()
        .args(["run", &file, "--quiet", "--threads", "2", "--out"])
        .arg(&out)
        .assert()
        .success();
    let rows = csv_rows(&out.join("risk.csv"));
    assert_eq!(rows.len(), 4, "four weeks of one SKU");

    let week = Poisson::new(7.0 * lambda).unwrap();
    let max = 600usize;
    let pmf: Vec<f64> = (0..=max).map(|k| week.pmf(k as u64)).collect();
    // Distribution of the stock a week starts with.
    let mut start = vec![0.0; max + 1];
    start[h as usize] = 1.0;
    let n = 2000.0;
    for (w, row) in rows.iter().enumerate() {
        assert_eq!(row["week"], w.to_string());
        // P(short) = Σ_s P(S = s) P(D > s); E[short] = Σ_s P(S = s) E[(D − s)+].
        let (mut p, mut e, mut e2) = (0.0, 0.0, 0.0);
        for (s, &ps) in start.iter().enumerate() {
            if ps == 0.0 {
                continue;
            }
            for (d, &pd) in pmf.iter().enumerate().skip(s + 1) {
                let x = (d - s) as f64;
                p += ps * pd;
                e += ps * pd * x;
                e2 += ps * pd * x * x;
            }
        }
        let got_p: f64 = row["stockout_probability"].parse().unwrap();
        let se_p = (p * (1.0 - p) / n).sqrt().max(1.0 / n);
        assert!(
            (got_p - p).abs() <= Z * se_p,
            "week {w}: stockout probability {got_p} vs theory {p:.5}"
        );
        let got_e: f64 = row["expected_short_units"].parse().unwrap();
        let se_e = ((e2 - e * e) / n).sqrt().max(1.0 / n);
        assert!(
            (got_e - e).abs() <= Z * se_e,
            "week {w}: expected short units {got_e} vs theory {e:.4}"
        );
        // The next week's start: what is left, plus the PO on day 7.
        let mut next = vec![0.0; max + 1];
        for (s, &ps) in start.iter().enumerate() {
            if ps == 0.0 {
                continue;
            }
            for (d, &pd) in pmf.iter().enumerate() {
                let left = s.saturating_sub(d) + if w == 0 { q as usize } else { 0 };
                next[left.min(max)] += ps * pd;
            }
        }
        start = next;
    }
    // Week 0 ends before the PO lands: the stock left is max(0, h − D₀), its median exact.
    let p50: f64 = rows[0]["on_hand_p50"].parse().unwrap();
    assert_eq!(p50, 0.0, "h = 50 against a week's mean demand of 70");
    let first = csv_rows(&out.join("first_stockout.csv"));
    assert_eq!(first.len(), 1);
    let by_end: f64 = first[0]["probability_by_horizon_end"].parse().unwrap();
    assert!(by_end > 0.95, "{by_end}");
}

/// Records what the policy is shown of the open PO each day.
#[derive(Default)]
struct Spy {
    seen: Vec<(u32, Vec<u32>, i64, i64)>,
}

impl Policy for Spy {
    fn review(&mut self, v: &SkuView, _orders: &mut Orders) {
        let quoted = v
            .supply
            .pipeline()
            .iter()
            .map(|o| o.quoted_eta_day)
            .collect();
        self.seen.push((v.day, quoted, v.on_hand, v.on_order));
    }
}

/// An open PO quoted for day 5 that slips 10 days: the policy sees it on order with its quote
/// (day 5) every day until it lands on day 15 — never the real date.
#[test]
fn the_policy_never_sees_an_open_pos_real_arrival() {
    let tmp = tempfile::tempdir().unwrap();
    let file = one_sku(
        tmp.path(),
        1000,
        1.0,
        100,
        "2026-10-06",
        ", eta_error_days: {fixed: 10}",
    );
    let sc = restock::load_scenario(Path::new(&file), &[]).unwrap();
    assert_eq!(sc.state.open_orders[0].eta_day, 5);
    let model = Model::new(&sc);
    let mut world = World::new(&model);
    let mut engine = Engine::new(&model);
    world.generate(&model, 0);
    assert_eq!(world.po_fate(0).sellable_day, 15);
    let mut spy = Spy::default();
    engine.run(&model, &world, &mut spy, &mut RepMetrics::default());
    for (day, quoted, _, on_order) in &spy.seen {
        if *day < 15 {
            assert_eq!(
                quoted,
                &vec![5],
                "day {day}: the quote, not the real arrival"
            );
            assert_eq!(*on_order, 100);
        } else {
            assert!(quoted.is_empty() && *on_order == 0, "day {day}: landed");
        }
    }
    // It lands at the start of day 15: on hand jumps by the PO's units then.
    let (d14, d15) = (&spy.seen[14], &spy.seen[15]);
    assert!(d15.2 > d14.2 + 90, "{d14:?} → {d15:?}");
}

/// Customs holds an open PO with probability p once it reaches port: over many replications
/// the share that arrives late (by the hold) agrees with p within Z SE, and the fate of a PO
/// does not depend on its row in the file (it is keyed by the PO number).
#[test]
fn an_open_po_under_a_customs_hold_probability_arrives_late_at_that_rate() {
    let tmp = tempfile::tempdir().unwrap();
    let p = 0.3;
    let file = one_sku(
        tmp.path(),
        10,
        1.0,
        100,
        "2026-10-06",
        &format!(", customs: {{probability: {p}, hold_days: {{fixed: 10}}}}"),
    );
    let sc = restock::load_scenario(Path::new(&file), &[]).unwrap();
    let model = Model::new(&sc);
    let mut world = World::new(&model);
    let reps = 4000;
    let mut late = 0;
    for rep in 0..reps {
        world.generate(&model, rep);
        let f = world.po_fate(0);
        match f.sellable_day {
            5 => assert!(!f.customs_hold),
            15 => {
                assert!(f.customs_hold);
                late += 1;
            }
            d => panic!("arrival on day {d}"),
        }
    }
    let share = f64::from(late) / reps as f64;
    let se = (p * (1.0 - p) / reps as f64).sqrt();
    assert!((share - p).abs() <= Z * se, "{share} vs {p}");

    // Another PO listed first: PO-1's fate is unchanged, replication by replication.
    fs::write(
        tmp.path().join("open_orders.csv"),
        "po,sku,units,lane,eta\nPO-0,A,5,sea,2026-10-03\nPO-1,A,100,sea,2026-10-06\n",
    )
    .unwrap();
    let sc2 = restock::load_scenario(Path::new(&file), &[]).unwrap();
    let model2 = Model::new(&sc2);
    let mut world2 = World::new(&model2);
    for rep in 0..50 {
        world.generate(&model, rep);
        world2.generate(&model2, rep);
        assert_eq!(world.po_fate(0), world2.po_fate(1));
    }
}

/// Advise on an (s,S) state orders exactly S − position when the position is at or below s,
/// and nothing above it; open POs count in the position.
#[test]
fn advise_on_an_ss_state_orders_s_minus_the_position() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(
        d.join("on_hand.csv"),
        "sku,on_hand,backorders\nA,100,\nB,500,\nC,150,\nD,20,40\n",
    )
    .unwrap();
    fs::write(
        d.join("open_orders.csv"),
        "po,sku,units,lane,eta\nPO-A,A,30,sea,2026-10-09\nPO-D,D,60,sea,2026-09-20\n",
    )
    .unwrap();
    let sku = |id: &str| {
        format!(
            "  - {{id: {id}, unit_cost: 10, price: 20, demand: {{mean_per_day: 10, distribution: poisson}}}}\n"
        )
    };
    let text = format!(
        "name: ss from today\nstart_date: 2026-10-01\nhorizon_days: 40\nreplications: 64\nseed: 5\n\
         skus:\n{}{}{}{}lanes:\n  - {{id: sea, mode: sea, transit_days: {{fixed: 10}}}}\n\
         policies:\n  - {{name: ss, kind: s_S, reorder_point: 150, order_up_to: 400, lane: sea}}\n\
         state:\n  on_hand: on_hand.csv\n  open_orders: open_orders.csv\n",
        sku("A"),
        sku("B"),
        sku("C"),
        sku("D")
    );
    let file = d.join("ss.yaml");
    fs::write(&file, text).unwrap();
    let out = d.join("out");
    restock()
        .args(["advise", file.to_str().unwrap(), "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let orders = csv_rows(&out.join("orders.csv"));
    let got: Vec<(String, String, String)> = orders
        .iter()
        .map(|r| (r["sku"].clone(), r["units"].clone(), r["trigger"].clone()))
        .collect();
    // A: 100 + 30 = 130 → 270; B: 500 > 150 → none; C: 150 → 250; D: 20 − 40 + 60 = 40 → 360.
    let expect = |s: &str, u: u32| (s.to_string(), u.to_string(), "s_S".to_string());
    assert_eq!(
        got,
        vec![expect("A", 270), expect("C", 250), expect("D", 360)]
    );
    assert_eq!(orders[0]["quoted_arrival"], "2026-10-11");
    assert!(
        orders[0]["reason"].contains("position 130"),
        "{:?}",
        orders[0]
    );
    let advice = csv_rows(&out.join("advice.csv"));
    assert_eq!(
        advice.iter().map(|r| r["sku"].as_str()).collect::<Vec<_>>(),
        ["A", "C", "D"]
    );
    // Nothing ordered today cannot save more margin than ordering: D's order lands 10 days
    // before the policy's next order (placed on day 1) would, on the same futures.
    let saved: f64 = advice[2]["lost_margin_saved"].parse().unwrap();
    assert!(saved >= 0.0, "{:?}", advice[2]);
}

/// Bad state and calendar files: exit 2, the file and line named, nothing written — for `run`
/// and `advise` alike.
#[test]
fn malformed_state_and_calendar_files_are_rejected_with_file_and_line() {
    let good_orders = "po,sku,units,lane,eta\nPO-1,A,100,sea,2026-10-08\n";
    let cases: [(&str, &str, &str, u32); 8] = [
        (
            "open_orders.csv",
            "po,sku,units,lane,eta\nPO-1,ZZ,100,sea,2026-10-08\n",
            "unknown SKU `ZZ`",
            2,
        ),
        (
            "open_orders.csv",
            "po,sku,units,lane,eta\nPO-1,A,100,boat,2026-10-08\n",
            "unknown lane `boat`",
            2,
        ),
        (
            "open_orders.csv",
            "po,sku,units,lane,eta\nPO-1,A,-5,sea,2026-10-08\n",
            "column `units`",
            2,
        ),
        (
            "open_orders.csv",
            "po,sku,units,lane,eta\nPO-1,A,100,sea,2026-13-08\n",
            "column `eta`",
            2,
        ),
        (
            "open_orders.csv",
            "po,sku,units,lane,eta\nPO-1,A,1,sea,2026-10-08\nPO-1,A,2,sea,2026-10-09\n",
            "already listed on line 2",
            3,
        ),
        (
            "open_orders.csv",
            "po,sku,units,lane,eta\nPO-1,A,many,sea,2026-10-08\n",
            "`many` is not a whole number",
            2,
        ),
        (
            "on_hand.csv",
            "sku,on_hand\nA,12.5\n",
            "column `on_hand`",
            2,
        ),
        (
            "streams.csv",
            "date,start,hours,sku,forecast_units\n2026-10-05,20:00,2,NOPE,100\n",
            "unknown SKU",
            2,
        ),
    ];
    for cmd in ["run", "advise"] {
        for (name, content, msg, line) in cases {
            let tmp = tempfile::tempdir().unwrap();
            let file = one_sku(tmp.path(), 50, 10.0, 100, "2026-10-08", "");
            fs::write(tmp.path().join("open_orders.csv"), good_orders).unwrap();
            fs::write(tmp.path().join(name), content).unwrap();
            if name == "streams.csv" {
                let text = fs::read_to_string(&file).unwrap();
                fs::write(&file, format!("{text}streams:\n  calendar: streams.csv\n")).unwrap();
            }
            let out = tmp.path().join("out");
            let o = restock()
                .args([cmd, &file, "--quiet", "--out", out.to_str().unwrap()])
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{cmd} {name}: {stderr}");
            assert!(
                stderr.contains(&format!("{name}:{line}:")),
                "{cmd} {name}: no file:line in {stderr}"
            );
            assert!(stderr.contains(msg), "{cmd} {name}: no `{msg}` in {stderr}");
            assert!(!stderr.contains("panicked"), "{stderr}");
            assert!(!out.exists(), "{cmd} {name}: something was written");
        }
        // A missing file names it.
        let tmp = tempfile::tempdir().unwrap();
        let file = one_sku(tmp.path(), 50, 10.0, 100, "2026-10-08", "");
        fs::remove_file(tmp.path().join("open_orders.csv")).unwrap();
        let o = restock()
            .args([cmd, &file, "--quiet", "--out"])
            .arg(tmp.path().join("out"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("open_orders.csv"), "{stderr}");
        assert!(
            stderr.contains("today.yaml:"),
            "where it was named: {stderr}"
        );
    }
}

/// The shipped example from today: the register's files are the same bytes on 1 and 2
/// threads and when the run is sharded and merged.
#[test]
fn the_risk_register_is_byte_identical_across_threads_and_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |args: &[&str], out: &Path| {
        restock()
            .arg("run")
            .arg(scenario_path("today.yaml"))
            .args(["--replications", "40", "--quiet", "--out"])
            .arg(out)
            .args(args)
            .assert()
            .success();
    };
    let one = tmp.path().join("one");
    run(&["--threads", "1"], &one);
    let expected = every_file(&one);
    for f in ["risk.csv", "stream_risk.csv", "first_stockout.csv"] {
        assert!(expected.contains_key(f), "{f} written");
    }
    let two = tmp.path().join("two");
    run(&["--threads", "2"], &two);
    assert_eq!(every_file(&two), expected);
    let (a, b) = (tmp.path().join("s1"), tmp.path().join("s2"));
    run(&["--shard", "1/2"], &a);
    run(&["--shard", "2/2"], &b);
    let merged = tmp.path().join("merged");
    restock()
        .arg("merge")
        .args([&b, &a])
        .args(["--quiet", "--out", merged.to_str().unwrap()])
        .assert()
        .success();
    assert_eq!(every_file(&merged), expected);
}
