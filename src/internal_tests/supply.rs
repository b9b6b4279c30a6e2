//! Freight and disruptions: every transit distribution, peaks, customs and congestion against
//! their parameters (within Z standard errors), supplier capacity and holidays, Little's law
//! with random lead times, congestion shared across SKUs, fallback rules firing exactly when
//! they say, and the shipped peak-season scenario.

use std::path::Path;

use restock::calendar::SimTime;
use restock::dist::Dist;
use restock::engine::{Engine, Model, World};
use restock::experiment::{RunOptions, run};
use restock::metrics::{Metric, RepMetrics};
use restock::policy::{Orders, Policy, SkuView};
use restock::scenario::{self, Scenario};
use restock::stats::Moments;
use restock::supply::{Environment, Ledger, Leg, Replication, Request, Shipment};

use super::support::{Z, agrees, load, simulate};

fn scenario_at(text: &str, file: &Path) -> Scenario {
    scenario::from_text(text, file, &[]).unwrap_or_else(|e| panic!("{e}"))
}

fn scenario(text: &str) -> Scenario {
    scenario_at(text, Path::new("test.yaml"))
}

/// A proportion agrees with `p` within Z binomial standard errors.
fn rate_agrees(what: &str, hits: u64, n: u64, p: f64) {
    let se = (p * (1.0 - p) / n as f64).sqrt();
    let got = hits as f64 / n as f64;
    assert!(
        (got - p).abs() <= Z * se,
        "{what}: {got} vs {p} ({:.2} SE)",
        (got - p).abs() / se
    );
}

/// A one-SKU scenario (2026-01-05 is a Monday) with the given lanes and extra top-level text.
fn with_lanes(lanes: &str, sku_extra: &str, extra: &str) -> String {
    format!(
        "name: t\nstart_date: 2026-01-05\nhorizon_days: 364\nreplications: 50\nseed: 11\n\
         skus:\n  - id: A\n    unit_cost: 10\n    demand: {{mean_per_day: 10}}\n{sku_extra}\n\
         lanes:\n{lanes}\n{extra}\n\
         policies: [{{name: p, kind: base_stock, order_up_to: 100, lane: sea}}]\n"
    )
}

/// Ships `n` legs of `qty` units of SKU `sku` on `lane` at `day`, each in its own replication:
/// within one replication, shipments ordered the same day share their luck (issue 21).
fn ship_many(sc: &Scenario, sku: usize, lane: usize, day: u32, n: u32) -> Vec<Shipment> {
    let model = Model::new(sc);
    let mut ledger = Ledger::new(&model.supply.plants);
    let env = Environment::default();
    (0..n)
        .map(|rep| {
            let leg = Leg {
                supplier: sc.skus[sku].supply.supplier,
                lane,
                qty: 10,
                backup: false,
            };
            let r = Replication {
                env: &env,
                rep: u64::from(rep),
            };
            model
                .supply
                .ship(sc, &mut ledger, r, sku, leg, SimTime::day_start(day))
        })
        .collect()
}

#[test]
fn every_transit_distribution_is_sampled_as_configured() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("history.csv"),
        "transit_days\n18\n21\n# a rolled booking\n35\n19.5\n",
    )
    .unwrap();
    let cases = [
        "{fixed: 17}",
        "{uniform: {min: 14, max: 28}}",
        "{triangular: {min: 14, mode: 18, max: 35}}",
        "{lognormal: {median: 20, sigma: 0.4}}",
        "{empirical: [17, 19, 19, 22, 31]}",
        "{empirical_csv: history.csv}",
    ];
    for dist in cases {
        let text = with_lanes(
            &format!("  - {{id: sea, mode: sea, transit_days: {dist}}}"),
            "",
            "",
        );
        let sc = scenario_at(&text, &dir.path().join("s.yaml"));
        let d = &sc.lanes[0].transit;
        if dist.contains("csv") {
            assert_eq!(d, &Dist::empirical(vec![18.0, 21.0, 35.0, 19.5]).unwrap());
        }
        let (mut m, mut sq) = (Moments::default(), Moments::default());
        for s in ship_many(&sc, 0, 0, 3, 20_000) {
            let x = s.port_arrival - s.departure;
            m.push(x);
            sq.push((x - d.mean()).powi(2));
        }
        if d.variance() == 0.0 {
            assert_eq!((m.mean, sq.mean), (17.0, 0.0), "{dist}");
        } else {
            agrees(&format!("{dist} mean"), &m, d.mean());
            agrees(&format!("{dist} variance"), &sq, d.variance());
        }
    }
}

#[test]
fn peak_windows_stretch_transit_by_departure_day_and_quotes_know_it() {
    // Peak: departures 2026-03-02 (day 56) to 2026-03-31 (day 85).
    let text = with_lanes(
        "  - id: sea\n    mode: sea\n    transit_days: {uniform: {min: 14, max: 28}}\n    \
         peaks: [{from: 2026-03-02, to: 2026-03-31, multiplier: 3}]\n  \
         - id: sea2\n    mode: sea\n    transit_days: {uniform: {min: 14, max: 28}}\n    \
         peaks: [{from: 2026-03-02, to: 2026-03-31, transit_days: {uniform: {min: 60, max: 90}}}]",
        "",
        "",
    );
    let sc = scenario(&text);
    let transit = |lane, day| {
        let mut m = Moments::default();
        for s in ship_many(&sc, 0, lane, day, 5_000) {
            m.push(s.port_arrival - s.departure);
        }
        m
    };
    agrees("before the peak", &transit(0, 55), 21.0);
    agrees("in the peak (×3)", &transit(0, 56), 63.0);
    agrees("last peak day (×3)", &transit(0, 85), 63.0);
    agrees("after the peak", &transit(0, 86), 21.0);
    agrees("replaced in the peak", &transit(1, 70), 75.0);
    // The quote is the median of what applies on the departure day: 21 off-peak, 63 / 75 in it.
    let q = |lane, day| ship_many(&sc, 0, lane, day, 1)[0].quote.eta_day - day;
    assert_eq!((q(0, 40), q(0, 60), q(1, 60)), (21, 63, 75));
}

#[test]
fn sailings_wait_for_the_next_departure_weekday() {
    // Tuesday and Friday sailings; 2026-01-05 (day 0) is a Monday.
    let text = with_lanes(
        "  - {id: sea, mode: sea, transit_days: {fixed: 10}, sailings: [tuesday, friday]}",
        "",
        "",
    );
    let sc = scenario(&text);
    let dep = |day| ship_many(&sc, 0, 0, day, 1)[0].departure;
    // Mon → Tue, Tue → Tue, Wed → Fri, Sat → next Tue.
    assert_eq!((dep(0), dep(1), dep(2), dep(5)), (1.0, 1.0, 4.0, 8.0));
    assert_eq!(ship_many(&sc, 0, 0, 2, 1)[0].sellable_day, 14);
}

#[test]
fn customs_holds_at_its_rate_for_its_duration_and_harder_in_crackdowns() {
    // Crackdown on arrivals 2026-04-01 (day 86) to 2026-04-30.
    let text = with_lanes(
        "  - id: sea\n    mode: sea\n    transit_days: {fixed: 20}\n    customs:\n      \
         probability: 0.15\n      hold_days: {uniform: {min: 2, max: 8}}\n      \
         crackdowns: [{from: 2026-04-01, to: 2026-04-30, probability: 0.6}]",
        "",
        "",
    );
    let sc = scenario(&text);
    for (day, p) in [(10, 0.15), (70, 0.6)] {
        let n = 20_000;
        let ships = ship_many(&sc, 0, 0, day, n);
        let held: Vec<_> = ships.iter().filter(|s| s.customs_hold).collect();
        rate_agrees("customs hold rate", held.len() as u64, u64::from(n), p);
        let mut hold = Moments::default();
        for s in &held {
            hold.push(s.arrival - s.port_cleared);
        }
        agrees("customs hold days", &hold, 5.0);
        assert!(
            ships
                .iter()
                .filter(|s| !s.customs_hold)
                .all(|s| s.arrival == s.port_cleared)
        );
    }
}

#[test]
fn short_deliveries_happen_at_their_rate_and_deliver_their_fraction() {
    let text = with_lanes(
        "  - {id: sea, mode: sea, transit_days: {fixed: 20}}",
        "    supply: {supplier: f}",
        "suppliers:\n  - id: f\n    production_days: {fixed: 5}\n    \
         short_delivery: {probability: 0.3, delivered_fraction: {fixed: 0.5}}",
    );
    let sc = scenario(&text);
    let n = 20_000;
    let ships = ship_many(&sc, 0, 0, 0, n);
    let short = ships.iter().filter(|s| s.delivered < s.leg.qty).count() as u64;
    rate_agrees("short delivery rate", short, u64::from(n), 0.3);
    assert!(
        ships
            .iter()
            .all(|s| s.delivered == s.leg.qty || s.delivered == 5)
    );
}

/// Orders `qty` of every SKU every day on `lane` (a stream of shipments to inspect).
struct Daily {
    qty: u32,
    lane: usize,
}

impl Policy for Daily {
    fn review(&mut self, v: &SkuView, orders: &mut Orders) {
        orders.push_via(v.sku, self.lane, self.qty);
    }
}

#[test]
fn congestion_episodes_arrive_at_their_rate_and_last_their_duration() {
    let text = with_lanes(
        "  - {id: sea, mode: sea, transit_days: {fixed: 20}}",
        "",
        "disruptions:\n  congestion:\n    rate_per_year: 6\n    \
         duration_days: {triangular: {min: 10, mode: 20, max: 45}}\n    \
         extra_delay_days: {uniform: {min: 5, max: 15}}",
    );
    let sc = scenario(&text);
    let model = Model::new(&sc);
    let mut world = World::new(&model);
    let (mut count, mut duration, mut extra) =
        (Moments::default(), Moments::default(), Moments::default());
    for rep in 0..2_000 {
        world.generate(&model, rep);
        let eps = &world.env.episodes;
        count.push(
            eps.iter()
                .filter(|e| (0.0..364.0).contains(&e.start))
                .count() as f64,
        );
        for e in eps {
            duration.push(e.end - e.start);
            extra.push(e.extra);
        }
    }
    agrees("episodes per 364 days", &count, 6.0 * 364.0 / 365.0);
    agrees("episode duration", &duration, 25.0);
    agrees("episode extra delay", &extra, 10.0);
}

#[test]
fn congestion_is_shared_every_sea_shipment_reaching_port_in_an_episode_waits() {
    let text = "name: t\nstart_date: 2026-01-05\nhorizon_days: 200\nseed: 3\n\
         skus:\n  - {id: A, unit_cost: 1, demand: {mean_per_day: 5}}\n  \
         - {id: B, unit_cost: 1, demand: {mean_per_day: 5}}\n  \
         - {id: C, unit_cost: 1, demand: {mean_per_day: 5}}\n\
         lanes:\n  - {id: sea, mode: sea, transit_days: {uniform: {min: 14, max: 28}}}\n  \
         - {id: air, mode: air, transit_days: {fixed: 5}}\n\
         disruptions:\n  congestion: {rate_per_year: 8, duration_days: {fixed: 20}, \
         extra_delay_days: {uniform: {min: 5, max: 15}}}\n\
         policies: [{name: p, kind: base_stock, order_up_to: 0, lane: sea}]\n";
    let sc = scenario(text);
    let model = Model::new(&sc);
    let mut world = World::new(&model);
    let mut engine = Engine::new(&model);
    engine.record_shipments(true);
    let mut out = RepMetrics::default();
    let (mut shared_episodes, mut delayed) = (0, 0);
    for rep in 0..20 {
        world.generate(&model, rep);
        for lane in [0, 1] {
            engine.run(&model, &world, &mut Daily { qty: 1, lane }, &mut out);
            let mut total = 0.0;
            for s in engine.shipments() {
                let inside: Vec<_> = world
                    .env
                    .episodes
                    .iter()
                    .filter(|e| (e.start..e.end).contains(&s.port_arrival))
                    .collect();
                let expected = if lane == 1 {
                    0.0
                } else {
                    inside.iter().map(|e| e.extra).fold(0.0, f64::max)
                };
                assert!(
                    (s.port_delay() - expected).abs() < 1e-9,
                    "SKU {} reaching port at {} waited {} instead of {expected}",
                    s.sku,
                    s.port_arrival,
                    s.port_delay()
                );
                if s.port_delay() > 0.0 {
                    delayed += 1;
                }
                total += s.port_delay();
            }
            assert!((out.get(Metric::CongestionDelayDays) - total).abs() < 1e-6);
            if lane == 0 {
                // Every episode inside the weeks when all three SKUs' shipments reach port
                // daily (ordered days 0–199, 14–28 days at sea) caught all three.
                for e in world
                    .env
                    .episodes
                    .iter()
                    .filter(|e| e.start >= 30.0 && e.end <= 210.0)
                {
                    let skus: std::collections::BTreeSet<_> = engine
                        .shipments()
                        .iter()
                        .filter(|s| (e.start..e.end).contains(&s.port_arrival))
                        .map(|s| s.sku)
                        .collect();
                    if !skus.is_empty() {
                        assert_eq!(skus.len(), 3, "episode {e:?} missed a SKU");
                        shared_episodes += 1;
                    }
                }
            }
        }
    }
    assert!(shared_episodes >= 10 && delayed > 100);
}

#[test]
fn scripted_closures_hold_their_lanes_until_reopening_plus_backlog() {
    // Port closed 2026-03-02 (day 56) for 14 days, 3 days of backlog; only the sea lane.
    let text = with_lanes(
        "  - {id: sea, mode: sea, transit_days: {fixed: 20}}\n  \
         - {id: air, mode: air, transit_days: {fixed: 20}}",
        "",
        "disruptions:\n  scripted: [{name: strike, from: 2026-03-02, days: 14, \
         extra_delay_days: {fixed: 3}}]",
    );
    let sc = scenario(&text);
    let model = Model::new(&sc);
    let mut world = World::new(&model);
    world.generate(&model, 0);
    let mut ledger = Ledger::new(&model.supply.plants);
    let ship = |ledger: &mut Ledger, lane, day| {
        let leg = Leg {
            supplier: None,
            lane,
            qty: 1,
            backup: false,
        };
        let r = Replication {
            env: &world.env,
            rep: 0,
        };
        model
            .supply
            .ship(&sc, ledger, r, 0, leg, SimTime::day_start(day))
    };
    // Reaching port on day 55 (before), 56 and 69 (closed), 70 (reopened).
    assert_eq!(ship(&mut ledger, 0, 35).sellable_day, 55);
    assert_eq!(ship(&mut ledger, 0, 36).sellable_day, 73);
    assert_eq!(ship(&mut ledger, 0, 49).sellable_day, 73);
    assert_eq!(ship(&mut ledger, 0, 50).sellable_day, 70);
    assert_eq!(ship(&mut ledger, 1, 40).sellable_day, 60);
}

/// Two SKUs from one factory with little capacity and a closure, ordering hard every day.
fn factory_scenario() -> Scenario {
    // 2026-01-05 is a Monday, so weeks are Monday to Sunday; weeks 4–5 (days 28–41) closed,
    // and 2026-03-04/05 (days 58–59) inside week 8.
    scenario(
        "name: t\nstart_date: 2026-01-05\nhorizon_days: 150\nseed: 9\n\
         skus:\n  - {id: A, unit_cost: 1, demand: {mean_per_day: 40}, supply: {supplier: f}}\n  \
         - {id: B, unit_cost: 2, demand: {mean_per_day: 40}, supply: {supplier: f}}\n\
         suppliers:\n  - id: f\n    production_days: {uniform: {min: 3, max: 9}}\n    \
         capacity_per_week: 350\n    min_order_qty: 20\n    \
         holidays: [{from: 2026-02-02, to: 2026-02-15}, {from: 2026-03-04, to: 2026-03-05}]\n\
         lanes: [{id: sea, mode: sea, transit_days: {fixed: 10}}]\n\
         policies: [{name: p, kind: base_stock, order_up_to: 0, lane: sea}]\n",
    )
}

#[test]
fn supplier_capacity_is_never_exceeded_and_holidays_make_nothing() {
    let sc = factory_scenario();
    let model = Model::new(&sc);
    let plant = &model.supply.plants[0];
    assert_eq!((plant.week_capacity(3), plant.week_capacity(4)), (350, 0));
    assert_eq!((plant.week_capacity(5), plant.week_capacity(8)), (0, 250));
    let mut world = World::new(&model);
    let mut engine = Engine::new(&model);
    engine.record_shipments(true);
    let mut out = RepMetrics::default();
    let mut queued = 0;
    for rep in 0..10 {
        world.generate(&model, rep);
        engine.run(&model, &world, &mut Daily { qty: 30, lane: 0 }, &mut out);
        let ledger = engine.ledger();
        let mut booked = 0u64;
        for w in 0..plant.weeks() {
            assert!(ledger.booked(0, w) <= plant.week_capacity(w), "week {w}");
            booked += u64::from(ledger.booked(0, w));
        }
        assert_eq!((ledger.booked(0, 4), ledger.booked(0, 5)), (0, 0));
        let ships = engine.shipments();
        assert_eq!(
            booked,
            ships.iter().map(|s| u64::from(s.leg.qty)).sum::<u64>()
        );
        for s in ships {
            // Production counts open days only: the calendar days between order and ready
            // hold at least the closed ones in between on top of the 3–9 days of work.
            let closed = (s.ordered as i64..s.ready.ceil() as i64)
                .filter(|&d| (28..=41).contains(&d) || (58..=59).contains(&d))
                .count() as f64;
            assert!(s.ready - s.ordered >= 3.0 + closed - 1e-9, "{s:?}");
            let ready_day = s.ready.floor() as i64;
            assert!(
                !((28..=41).contains(&ready_day) || (58..=59).contains(&ready_day))
                    || s.ready == s.ready.floor(),
                "goods finished on a closed day: {s:?}"
            );
            assert!(s.leg.qty >= 20, "minimum order quantity");
            if s.quote.capacity_delayed {
                queued += 1;
            }
        }
    }
    // Demand for 60 a day against 350 a week: the queue must have built.
    assert!(queued > 100);
}

#[test]
fn littles_law_holds_with_random_lead_times() {
    let sc = scenario(
        "name: t\nstart_date: 2026-01-05\nhorizon_days: 400\nwarmup_days: 100\nseed: 21\n\
         skus:\n  - {id: A, unit_cost: 1, demand: {mean_per_day: 20}, supply: {supplier: f}}\n\
         suppliers:\n  - {id: f, production_days: {triangular: {min: 2, mode: 4, max: 9}}, \
         deposit_fraction: 0.3}\n\
         lanes:\n  - id: sea\n    mode: sea\n    transit_days: {lognormal: {median: 15, sigma: 0.3}}\n    \
         sailings: [wednesday]\n    customs: {probability: 0.2, hold_days: {uniform: {min: 1, max: 6}}}\n\
         policies: [{name: p, kind: base_stock, order_up_to: 900, lane: sea}]\n",
    );
    let model = Model::new(&sc);
    let mut world = World::new(&model);
    let mut engine = Engine::new(&model);
    let mut policy = model.policy(0);
    let mut out = RepMetrics::default();
    let days = f64::from(sc.calendar.measured_days());
    let (mut diff, mut lead) = (Moments::default(), Moments::default());
    for rep in 0..300 {
        world.generate(&model, rep);
        engine.run(&model, &world, policy.as_mut(), &mut out);
        let throughput = out.get(Metric::DemandUnits) / days;
        let l = out.get(Metric::MeanRealisedLeadTimeDays);
        diff.push(out.get(Metric::AvgInTransitUnits) - throughput * l);
        lead.push(l);
    }
    agrees("in transit − throughput × lead time", &diff, 0.0);
    // The lead time is really random and long: 2–9 days of work, up to a week for the
    // sailing, ~15.7 days at sea, 20% of 3.5 days in customs.
    assert!(lead.mean > 20.0 && lead.mean < 30.0, "{}", lead.mean);
}

#[test]
fn fallback_fires_exactly_when_its_rule_says() {
    // Factory f: 5 days of work, 700 units a week, closed 2026-01-25..31 (days 20–26). Sea:
    // 20 days, ×3 for departures from 2026-03-06 (day 60). Backup: factory g and/or air.
    let sc = scenario(
        "name: t\nstart_date: 2026-01-05\nhorizon_days: 300\nseed: 1\n\
         skus:\n  \
         - {id: CAP, unit_cost: 1, demand: {mean_per_day: 1}, supply: {supplier: f, \
            backup_supplier: g, fallback: {when: [capacity], split: partial}}}\n  \
         - {id: HOL, unit_cost: 1, demand: {mean_per_day: 1}, supply: {supplier: f, \
            backup_supplier: g, fallback: {when: [holiday], split: whole}}}\n  \
         - {id: LATE, unit_cost: 1, demand: {mean_per_day: 1}, supply: {supplier: f, \
            backup_lane: air, fallback: {when: [late], late_by_days: 5, split: whole}}}\n\
         suppliers:\n  \
         - {id: f, production_days: {fixed: 5}, capacity_per_week: 700, \
            holidays: [{from: 2026-01-25, to: 2026-01-31}]}\n  \
         - {id: g, production_days: {fixed: 8}, premium: 0.2}\n\
         lanes:\n  - {id: sea, mode: sea, transit_days: {fixed: 20}, \
            peaks: [{from: 2026-03-06, to: 2026-04-30, multiplier: 3}]}\n  \
         - {id: air, mode: air, transit_days: {fixed: 4}}\n\
         policies: [{name: p, kind: base_stock, order_up_to: 0, lane: sea}]\n",
    );
    let model = Model::new(&sc);
    let s = &model.supply;
    let mut ledger = Ledger::new(&s.plants);
    let plan = |ledger: &Ledger, sku, qty, needed_by, day: u32| {
        let req = Request {
            sku,
            lane: 0,
            qty,
            needed_by,
        };
        s.plan(&sc, ledger, req, f64::from(day))
    };
    let leg = |supplier, lane, qty, backup| {
        Some(Leg {
            supplier: Some(supplier),
            lane,
            qty,
            backup,
        })
    };
    let (cap, hol, late) = (0, 1, 2);

    // Capacity: free capacity in the week → primary; 600 booked → 100 stay, 400 go to g.
    assert_eq!(
        plan(&ledger, cap, 500, None, 0),
        [leg(0, 0, 500, false), None]
    );
    s.plants[0].commit(ledger.used_mut(0), 0, 600);
    assert_eq!(
        plan(&ledger, cap, 500, None, 1),
        [leg(0, 0, 100, false), leg(1, 0, 400, true)]
    );
    assert_eq!(
        plan(&ledger, cap, 100, None, 1),
        [leg(0, 0, 100, false), None]
    );
    // Next week has room again.
    assert_eq!(
        plan(&ledger, cap, 500, None, 7),
        [leg(0, 0, 500, false), None]
    );
    // A holiday alone does not move CAP's orders (its rule lists capacity only).
    assert_eq!(
        plan(&ledger, cap, 10, None, 17),
        [leg(0, 0, 10, false), None]
    );

    // Holiday: production 10–15 and 27–32 miss the closure; 16–21 runs into it (day 20).
    assert_eq!(
        plan(&ledger, hol, 10, None, 10),
        [leg(0, 0, 10, false), None]
    );
    assert_eq!(
        plan(&ledger, hol, 10, None, 16),
        [None, leg(1, 0, 10, true)]
    );
    assert_eq!(
        plan(&ledger, hol, 10, None, 26),
        [None, leg(1, 0, 10, true)]
    );
    assert_eq!(
        plan(&ledger, hol, 10, None, 27),
        [leg(0, 0, 10, false), None]
    );
    // A full week does not move HOL's orders (its rule lists holidays only).
    assert_eq!(
        plan(&ledger, hol, 300, None, 2),
        [leg(0, 0, 300, false), None]
    );

    // Late: ready day 45 departs off-peak (arrives 65, as usual); ready day 60 departs in the
    // peak (arrives 120, 40 days late) → air, unless the policy needs it only by day 116.
    assert_eq!(
        plan(&ledger, late, 10, None, 40),
        [leg(0, 0, 10, false), None]
    );
    assert_eq!(
        plan(&ledger, late, 10, None, 55),
        [None, leg(0, 1, 10, true)]
    );
    assert_eq!(
        plan(&ledger, late, 10, Some(115), 55),
        [leg(0, 0, 10, false), None]
    );
    assert_eq!(
        plan(&ledger, late, 10, Some(114), 55),
        [None, leg(0, 1, 10, true)]
    );
    // Needed earlier than the usual arrival (day 35): late even off-peak.
    assert_eq!(
        plan(&ledger, late, 10, Some(25), 10),
        [None, leg(0, 1, 10, true)]
    );
    assert_eq!(
        plan(&ledger, late, 10, Some(30), 10),
        [leg(0, 0, 10, false), None]
    );
}

#[test]
fn the_engine_applies_the_fallback_and_counts_backup_units_and_premium() {
    // HOL-style rule, daily orders of 10 from day 0: orders whose 5 days of work meet the
    // closure (placed days 16–26) go to g at a 20% premium on unit cost 2.
    let sc = scenario(
        "name: t\nstart_date: 2026-01-05\nhorizon_days: 60\nseed: 1\n\
         skus:\n  - {id: HOL, unit_cost: 2, demand: {mean_per_day: 1}, supply: {supplier: f, \
            backup_supplier: g, fallback: {when: [holiday], split: whole}}}\n\
         suppliers:\n  - {id: f, production_days: {fixed: 5}, \
            holidays: [{from: 2026-01-25, to: 2026-01-31}]}\n  \
         - {id: g, production_days: {fixed: 8}, premium: 0.2}\n\
         lanes: [{id: sea, mode: sea, transit_days: {fixed: 20}, freight: {per_unit: 0.5}}]\n\
         policies: [{name: p, kind: base_stock, order_up_to: 0, lane: sea}]\n",
    );
    let model = Model::new(&sc);
    let mut world = World::new(&model);
    world.generate(&model, 0);
    let mut engine = Engine::new(&model);
    engine.record_shipments(true);
    let mut out = RepMetrics::default();
    engine.run(&model, &world, &mut Daily { qty: 10, lane: 0 }, &mut out);
    for s in engine.shipments() {
        let day = s.ordered as u32;
        assert_eq!(s.leg.backup, (16..=26).contains(&day), "day {day}");
    }
    assert_eq!(out.get(Metric::BackupSupplierUnits), 110.0);
    assert!((out.get(Metric::BackupPremiumCost) - 110.0 * 2.0 * 0.2).abs() < 1e-9);
    assert!((out.get(Metric::FreightCostPerDay) - 600.0 * 0.5 / 60.0).abs() < 1e-9);
}

#[test]
fn quotes_and_the_pipeline_show_quoted_not_real_arrivals() {
    // Customs always holds for 30 days: every real arrival is 30 days after its quote.
    let sc = scenario(&with_lanes(
        "  - {id: sea, mode: sea, transit_days: {fixed: 20}, \
         customs: {probability: 1, hold_days: {fixed: 30}}}",
        "",
        "",
    ));
    struct Watch(Vec<(u32, u32)>);
    impl Policy for Watch {
        fn review(&mut self, v: &SkuView, orders: &mut Orders) {
            let q = v.supply.quote(0, 5).expect("the engine's view quotes");
            assert_eq!(q.eta_day, v.day + 20);
            for o in v.supply.pipeline() {
                self.0.push((o.ordered_day, o.quoted_eta_day));
            }
            if v.day == 3 {
                orders.push_via(v.sku, 0, 5);
            }
        }
    }
    let model = Model::new(&sc);
    let mut world = World::new(&model);
    world.generate(&model, 0);
    let mut engine = Engine::new(&model);
    let mut w = Watch(Vec::new());
    engine.run(&model, &world, &mut w, &mut RepMetrics::default());
    // Seen open (quoted for day 23) from day 4 until it really lands on day 53.
    assert_eq!(w.0.len(), 49);
    assert!(w.0.iter().all(|&o| o == (3, 23)));
}

#[test]
fn peak_season_shows_the_peak_stretch_and_the_disruptions() {
    let run_with = |overrides: &[&str]| {
        // The shipped what-if variants edit `lanes.0.peaks.0`, which `peaks=[]` removes.
        let mut all = overrides.to_vec();
        all.push("variants=");
        let mut sc = load("peak-season.yaml", &all);
        sc.replications = 60;
        simulate(&sc).swap_remove(0)
    };
    let base = run_with(&[]);
    let no_peak = run_with(&["lanes.0.peaks=[]"]);
    let calm = run_with(&[
        "lanes.0.customs=",
        "lanes.1.customs=",
        "disruptions.congestion=",
    ]);
    let exceeds =
        |m: Metric, a: &restock::stats::CandidateStats, b: &restock::stats::CandidateStats| {
            let (a, b) = (a.metric(m), b.metric(m));
            // Independent runs: the difference's standard error from both 95% half-widths.
            let se = (a.ci95.unwrap().powi(2) + b.ci95.unwrap().powi(2)).sqrt() / 2.0;
            assert!(
                a.mean - b.mean > Z * se,
                "{}: {} should exceed {} by {Z} SE ({se})",
                m.name(),
                a.mean,
                b.mean
            );
        };
    // The Q4 window stretches sea transit to 60–90 days: the realised lead time shows it.
    exceeds(Metric::MeanRealisedLeadTimeDays, &base, &no_peak);
    // Customs and congestion show in their own counts, and are zero without them.
    exceeds(Metric::CustomsHolds, &base, &calm);
    exceeds(Metric::CongestionDelayDays, &base, &calm);
    assert_eq!(calm.metric(Metric::CustomsHolds).mean, 0.0);
    assert_eq!(calm.metric(Metric::CongestionDelayDays).mean, 0.0);
    // The peak's late quotes send the tripod by air: more air units than without it.
    exceeds(Metric::AirUnitsShare, &base, &no_peak);
    assert!(base.metric(Metric::BackupSupplierUnits).mean > 0.0);
    assert!(base.metric(Metric::CapitalPrepaidAvg).mean > 0.0);
}

#[test]
fn peak_season_is_identical_on_one_and_two_threads() {
    let mut sc = load("peak-season.yaml", &[]);
    sc.replications = 40;
    let go = |threads| {
        run(
            &sc,
            &RunOptions {
                threads,
                progress: false,
            },
        )
        .unwrap()
    };
    assert_eq!(go(1), go(2));
}

#[test]
fn deposits_are_prepaid_capital_until_shipment_then_goods_are_in_transit() {
    // 100 units at 10 ordered on day 0: 10 days at the factory (30% deposit = 300 prepaid),
    // 10 days at sea (1,000 of goods + 50 of freight paid at departure in transit), then on
    // the shelf at their landed cost (1,050) for the last 20 days.
    let sc = scenario(
        "name: t\nstart_date: 2026-01-05\nhorizon_days: 40\nseed: 1\n\
         skus:\n  - {id: A, unit_cost: 10, demand: {mean_per_day: 0}, supply: {supplier: f}}\n\
         suppliers: [{id: f, production_days: {fixed: 10}, deposit_fraction: 0.3}]\n\
         lanes: [{id: sea, mode: sea, transit_days: {fixed: 10}, freight: {per_unit: 0.5}}]\n\
         policies: [{name: p, kind: base_stock, order_up_to: 0, lane: sea}]\n",
    );
    struct Once;
    impl Policy for Once {
        fn review(&mut self, v: &SkuView, orders: &mut Orders) {
            if v.day == 0 {
                orders.push_via(v.sku, 0, 100);
            }
        }
    }
    let model = Model::new(&sc);
    let mut world = World::new(&model);
    world.generate(&model, 0);
    let mut engine = Engine::new(&model);
    let mut out = RepMetrics::default();
    engine.run(&model, &world, &mut Once, &mut out);
    let close = |m: Metric, v: f64| {
        assert!(
            (out.get(m) - v).abs() < 1e-9,
            "{}: {} vs {v}",
            m.name(),
            out.get(m)
        )
    };
    close(Metric::CapitalPrepaidAvg, 300.0 * 10.0 / 40.0);
    close(Metric::CapitalInTransitAvg, 1050.0 * 10.0 / 40.0);
    close(Metric::CapitalOnHandAvg, 1050.0 * 20.0 / 40.0);
    close(
        Metric::CapitalTiedAvg,
        (3_000.0 + 10_500.0 + 21_000.0) / 40.0,
    );
    close(Metric::CapitalTiedPeak, 1050.0);
    close(Metric::LandedCostPerUnit, 10.5);
    close(Metric::AvgInTransitUnits, 100.0 * 20.0 / 40.0);
    close(Metric::MeanRealisedLeadTimeDays, 20.0);
    close(Metric::FreightCostPerDay, 50.0 / 40.0);
    close(Metric::TotalCostPerDay, 50.0 / 40.0);
}

#[test]
fn realised_lead_time_matches_theory_for_a_uniform_transit() {
    // Orders at 00:00 with Uniform(14, 28) days of transit are sellable ⌈U⌉ days later:
    // ⌈U⌉ − 14 is uniform on 1…14, so the mean lead time is 21.5 days.
    let sc = scenario(&with_lanes(
        "  - {id: sea, mode: sea, transit_days: {uniform: {min: 14, max: 28}}}",
        "",
        "",
    ));
    let model = Model::new(&sc);
    let mut world = World::new(&model);
    let mut engine = Engine::new(&model);
    let mut policy = model.policy(0);
    let mut out = RepMetrics::default();
    let mut lead = Moments::default();
    for rep in 0..400 {
        world.generate(&model, rep);
        engine.run(&model, &world, policy.as_mut(), &mut out);
        lead.push(out.get(Metric::MeanRealisedLeadTimeDays));
    }
    agrees("mean realised lead time", &lead, 21.5);
}

#[test]
fn a_policy_splits_an_order_across_sea_and_air() {
    // "Sea carries the bulk, air tops up the gap": 70 by sea (20 days), 30 by air (4 days).
    let sc = scenario(&with_lanes(
        "  - {id: sea, mode: sea, transit_days: {fixed: 20}}\n  \
         - {id: air, mode: air, transit_days: {fixed: 4}}",
        "",
        "",
    ));
    struct Split(Vec<(u32, i64, i64)>);
    impl Policy for Split {
        fn review(&mut self, v: &SkuView, orders: &mut Orders) {
            if v.day == 0 {
                orders.push_via(v.sku, 0, 70);
                orders.push_via(v.sku, 1, 30);
            }
            if v.day == 1 {
                let p = v.supply.pipeline();
                let mut etas: Vec<_> = p.iter().map(|o| (o.lane, o.quoted_eta_day)).collect();
                etas.sort();
                assert_eq!(etas, [(0, 20), (1, 4)]);
            }
            if v.day < 25 {
                self.0
                    .push((v.day, v.supply.quoted_by(4), v.supply.quoted_by(20)));
            }
        }
    }
    let model = Model::new(&sc);
    let mut world = World::new(&model);
    world.generate(&model, 0);
    let mut engine = Engine::new(&model);
    let mut out = RepMetrics::default();
    let mut p = Split(Vec::new());
    engine.run(&model, &world, &mut p, &mut out);
    assert!((out.get(Metric::AirUnitsShare) - 0.3).abs() < 1e-12);
    // Day 1: both open; day 4: air landed; day 20: all landed.
    assert_eq!(p.0[1], (1, 30, 100));
    assert_eq!(p.0[4], (4, 0, 70));
    assert_eq!(p.0[20], (20, 0, 0));
}
