//! `restock advise`: today's purchase orders, and what they change.
//!
//! The chosen policy reviews every SKU on day 0 against the opening state (stock on hand, open
//! purchase orders with their quoted ETAs, the stream calendar): its orders are today's
//! purchase orders (`orders.csv`), each with the trigger that fired and a sentence with the
//! numbers. Then the horizon is simulated twice on the same futures — with today's orders and
//! with nothing ordered today, the policy running from day 1 on in both — and each SKU with an
//! order gets paired differences with 95% intervals (`advice.csv`): its stockout probability up
//! to the order's quoted arrival + 14 days with and without the order, the lost margin saved,
//! and the freight and capital added. Both runs replay the same worlds (random streams are keyed
//! by what they drive, open POs by their PO number), so the differences measure the orders and
//! not the dice.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::engine::{Engine, Model, SkuOutcome, TodayOrder, World};
use crate::error::{Error, InputError, Result};
use crate::policy::{LiveStream, Order, Orders, Policy, SkuView, Trigger};
use crate::risk::num;
use crate::scenario::{Mode, PolicyRule, Scenario};

/// Days after an order's quoted arrival that its stockout window runs to.
pub const WINDOW_AFTER_ARRIVAL_DAYS: u32 = 14;

/// One row of `orders.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct PurchaseOrder {
    pub sku: String,
    pub units: u32,
    pub lane: String,
    pub supplier: String,
    /// ISO date the order is quoted to be sellable.
    pub quoted_arrival: String,
    pub quoted_arrival_day: u32,
    pub trigger: &'static str,
    pub reason: String,
    /// `[currency]` freight for the units, and their value at unit cost.
    pub freight: f64,
    pub goods: f64,
}

/// One row of `advice.csv`: a SKU with an order today, with vs without it.
#[derive(Debug, Clone, PartialEq)]
pub struct SkuAdvice {
    pub sku: String,
    pub units: u32,
    /// ISO date the stockout window ends (latest quoted arrival + 14 days, within the horizon).
    pub window_end: String,
    pub stockout_with: f64,
    pub stockout_without: f64,
    /// Paired differences (with − without, or without − with for the margin saved), each as
    /// (mean, 95% half-width).
    pub stockout_change: (f64, f64),
    pub lost_margin_saved: (f64, f64),
    pub freight_added: (f64, f64),
    pub capital_added: (f64, f64),
}

/// What `advise` found.
#[derive(Debug, Clone)]
pub struct Advice {
    pub(crate) policy: String,
    pub(crate) replications: u32,
    pub(crate) orders: Vec<PurchaseOrder>,
    pub(crate) skus: Vec<SkuAdvice>,
}

/// The options of one `advise`.
#[derive(Debug, Clone)]
pub struct AdviseOptions {
    /// Candidate name (`None`: the scenario's first policy).
    pub policy: Option<String>,
    /// Worker threads (≥ 1); the advice does not depend on it.
    pub threads: usize,
}

/// The policy as `advise` runs it: on day 0 it places exactly `today` (its own review still
/// runs, so whatever it remembers stays as it would be), from day 1 on it is itself.
struct FromToday {
    inner: Box<dyn Policy>,
    today: Option<Vec<Order>>,
}

impl Policy for FromToday {
    fn reset(&mut self) {
        self.inner.reset();
    }

    fn review(&mut self, view: &SkuView, orders: &mut Orders) {
        if view.day != 0 {
            return self.inner.review(view, orders);
        }
        let mut own = Orders::default();
        self.inner.review(view, &mut own);
        if let Some(today) = &self.today {
            for o in today.iter().filter(|o| o.sku == view.sku) {
                orders.push(*o);
            }
        }
    }

    fn review_in_stream(&mut self, view: &SkuView, live: &LiveStream, orders: &mut Orders) {
        self.inner.review_in_stream(view, live, orders);
    }

    fn learning_rate(&self, sku: usize) -> Option<f64> {
        self.inner.learning_rate(sku)
    }
}

/// Runs `advise` on a validated scenario.
pub fn advise(sc: &Scenario, opts: &AdviseOptions) -> Result<Advice> {
    let c = match &opts.policy {
        None => 0,
        Some(name) => sc
            .policies
            .iter()
            .position(|p| p.name == name.trim())
            .ok_or_else(|| {
                Error::Input(InputError::new(format!(
                    "--policy {name}: no candidate of that name; candidates: {}",
                    sc.policies
                        .iter()
                        .map(|p| format!("`{}`", p.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            })?,
    };
    // The first stockout day per SKU comes from the risk tallies.
    let mut sc = sc.clone();
    sc.state.risk = true;
    let sc = &sc;
    let model = Model::new(sc);
    let mut world = World::new(&model);
    let mut engine = Engine::new(&model);
    world.generate(&model, 0);
    let today = engine.orders_today(&model, &world, model.policy(c).as_mut());
    let orders: Vec<PurchaseOrder> = today.iter().map(|t| purchase_order(sc, c, t)).collect();

    // SKUs with an order, in scenario order, with their units and window.
    let mut ordered: Vec<(usize, u32, u32)> = Vec::new();
    for t in &today {
        let window = t
            .quoted_arrival_day
            .saturating_add(WINDOW_AFTER_ARRIVAL_DAYS)
            .min(sc.calendar.horizon_days - 1);
        match ordered.iter_mut().find(|(s, _, _)| *s == t.order.sku) {
            Some(e) => {
                e.1 = e.1.saturating_add(t.order.qty);
                e.2 = e.2.max(window);
            }
            None => ordered.push((t.order.sku, t.order.qty, window)),
        }
    }
    ordered.sort_by_key(|e| e.0);
    let plan: Vec<Order> = today.iter().map(|t| t.order).collect();

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| Error::Other(format!("cannot start {} worker threads: {e}", opts.threads)))?;
    let reps = sc.replications;
    let warmup = sc.calendar.warmup_days;
    // Per replication, per ordered SKU: [short with, short without, Δ lost margin saved,
    // Δ freight, Δ capital]. Collected in replication order, so the folds below are the same
    // for any thread count.
    let rows: Vec<Vec<[f64; 5]>> = pool.install(|| {
        (0..u64::from(reps))
            .into_par_iter()
            .map_init(
                || {
                    (
                        World::new(&model),
                        Engine::new(&model),
                        FromToday {
                            inner: model.policy(c),
                            today: Some(plan.clone()),
                        },
                        FromToday {
                            inner: model.policy(c),
                            today: None,
                        },
                        vec![SkuOutcome::default(); sc.skus.len()],
                        vec![SkuOutcome::default(); sc.skus.len()],
                    )
                },
                |(world, engine, with, without, out_with, out_without), rep| {
                    world.generate(&model, rep);
                    let mut m = crate::metrics::RepMetrics::default();
                    engine.run(&model, world, with, &mut m);
                    engine.sku_outcomes(&model, out_with);
                    let first_with: Vec<u32> = ordered
                        .iter()
                        .map(|&(s, _, _)| engine.risk().map_or(u32::MAX, |r| r.first_short[s]))
                        .collect();
                    engine.run(&model, world, without, &mut m);
                    engine.sku_outcomes(&model, out_without);
                    ordered
                        .iter()
                        .zip(first_with)
                        .map(|(&(s, _, window), fw)| {
                            let fo = engine.risk().map_or(u32::MAX, |r| r.first_short[s]);
                            let within =
                                |f: u32| f64::from(u8::from(f != u32::MAX && f + warmup <= window));
                            let (w, o) = (&out_with[s], &out_without[s]);
                            [
                                within(fw),
                                within(fo),
                                o.lost_margin - w.lost_margin,
                                w.freight - o.freight,
                                w.capital_avg - o.capital_avg,
                            ]
                        })
                        .collect()
                },
            )
            .collect()
    });
    let n = f64::from(reps);
    let skus = ordered
        .iter()
        .enumerate()
        .map(|(k, &(s, units, window))| {
            let col = |j: usize| rows.iter().map(move |r| r[k][j]);
            let mean = |j: usize| col(j).sum::<f64>() / n;
            let change = mean_ci(rows.iter().map(|r| r[k][0] - r[k][1]), n);
            SkuAdvice {
                sku: sc.skus[s].id.clone(),
                units,
                window_end: sc.calendar.date(window).to_string(),
                stockout_with: mean(0),
                stockout_without: mean(1),
                stockout_change: change,
                lost_margin_saved: mean_ci(col(2), n),
                freight_added: mean_ci(col(3), n),
                capital_added: mean_ci(col(4), n),
            }
        })
        .collect();
    Ok(Advice {
        policy: sc.policies[c].name.clone(),
        replications: reps,
        orders,
        skus,
    })
}

/// Mean and 95% half-width (normal approximation) of `n` values, summed in order.
fn mean_ci(xs: impl Iterator<Item = f64> + Clone, n: f64) -> (f64, f64) {
    let mean = xs.clone().sum::<f64>() / n;
    if n < 2.0 {
        return (mean, f64::NAN);
    }
    let var = xs.map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
    (mean, 1.96 * (var / n).sqrt())
}

fn purchase_order(sc: &Scenario, c: usize, t: &TodayOrder) -> PurchaseOrder {
    let o = &t.order;
    let sku = &sc.skus[o.sku];
    let lane = &sc.lanes[o.lane];
    let by = match lane.mode {
        Mode::Sea => "by sea",
        Mode::Air => "by air",
        Mode::Express => "by express",
    };
    let trigger = match (o.trigger, &sc.policies[c].rule) {
        (Trigger::Cover, _) => "cover",
        (Trigger::Stream, _) => "stream",
        (Trigger::Pulse, _) => "pulse",
        (Trigger::Signal, _) => "signal",
        (Trigger::Persist, _) => "persist",
        (Trigger::Reorder, PolicyRule::SS { .. }) => "s_S",
        (Trigger::Reorder, PolicyRule::BaseStock { .. }) => "base_stock",
        (Trigger::Reorder, PolicyRule::RQ { .. }) => "r_Q",
        (Trigger::Reorder, PolicyRule::Layered(_)) => "cover",
    };
    let position = t.on_hand - t.backorders + t.on_order;
    let qty = o.qty;
    let reason = match (trigger, &sc.policies[c].rule) {
        ("stream", rule) => {
            let day = o.needed_by.unwrap_or(t.quoted_arrival_day);
            let multiplier = match rule {
                PolicyRule::Layered(spec) => spec.thresholds(o.sku).stream_multiplier,
                _ => None,
            };
            let needs = match (t.stream_forecast, multiplier) {
                (Some(f), Some(m)) => format!(
                    "{} ({m} × forecast {})",
                    num((f * m).round()),
                    num(f.round())
                ),
                (Some(f), None) => num(f.round()),
                (None, _) => "more".to_string(),
            };
            format!(
                "stream {} needs {needs}, {} on hand and {} landing by then: {qty} {by}",
                date_of(sc, day),
                t.on_hand - t.backorders,
                t.landing_by
            )
        }
        ("cover", PolicyRule::Layered(spec)) => {
            let th = spec.thresholds(o.sku);
            format!(
                "cover below {} days: {} on hand, {} on order: {qty} {by}, to cover {} days beyond the transit",
                th.cover_days.map_or("its threshold".to_string(), num),
                t.on_hand - t.backorders,
                t.on_order,
                num(th.target_cover_days)
            )
        }
        ("pulse", _) | ("signal", _) => format!(
            "{trigger} dimension fired: {} on hand, {} on order: {qty} {by}",
            t.on_hand - t.backorders,
            t.on_order
        ),
        (
            _,
            PolicyRule::SS {
                reorder_point,
                order_up_to,
            },
        ) => format!(
            "position {position} at or below the reorder point {reorder_point}: {qty} {by} to bring it up to {order_up_to}"
        ),
        (_, PolicyRule::BaseStock { order_up_to }) => {
            format!("position {position} below the base stock {order_up_to}: {qty} {by}")
        }
        (
            _,
            PolicyRule::RQ {
                reorder_point,
                order_quantity,
            },
        ) => format!(
            "position {position} at or below the reorder point {reorder_point}: {qty} {by} in lots of {order_quantity}"
        ),
        _ => format!("{qty} {by}"),
    };
    let f = lane.freight;
    let freight =
        f64::from(qty) * (f.per_unit + f.per_kg * sku.weight_kg + f.per_m3 * sku.volume_m3);
    PurchaseOrder {
        sku: sku.id.clone(),
        units: qty,
        lane: lane.id.clone(),
        supplier: t
            .supplier
            .map_or(String::new(), |s| sc.suppliers[s].id.clone()),
        quoted_arrival: date_of(sc, t.quoted_arrival_day),
        quoted_arrival_day: t.quoted_arrival_day,
        trigger,
        reason,
        freight,
        goods: f64::from(qty) * sku.unit_cost,
    }
}

/// The date of day `day` (an arrival may lie past the horizon, even past the calendar).
fn date_of(sc: &Scenario, day: u32) -> String {
    sc.calendar
        .start
        .checked_add(jiff::Span::new().days(i64::from(day)))
        .map_or_else(|_| format!("day {day}"), |d| d.to_string())
}

fn cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl Advice {
    /// `orders.csv`.
    pub fn orders_csv(&self) -> String {
        let mut out = String::from("sku,units,lane,supplier,quoted_arrival,trigger,reason\n");
        for o in &self.orders {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{}",
                cell(&o.sku),
                o.units,
                cell(&o.lane),
                cell(&o.supplier),
                o.quoted_arrival,
                o.trigger,
                cell(&o.reason)
            );
        }
        out
    }

    /// `advice.csv`.
    pub fn advice_csv(&self) -> String {
        let mut out = String::from(
            "sku,units,window_end,stockout_probability_with,stockout_probability_without,\
             stockout_probability_change,stockout_probability_change_ci95,lost_margin_saved,\
             lost_margin_saved_ci95,freight_added,freight_added_ci95,capital_added_avg,\
             capital_added_avg_ci95\n",
        );
        for a in &self.skus {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{}",
                cell(&a.sku),
                a.units,
                a.window_end,
                num(a.stockout_with),
                num(a.stockout_without),
                num(a.stockout_change.0),
                num(a.stockout_change.1),
                num(a.lost_margin_saved.0),
                num(a.lost_margin_saved.1),
                num(a.freight_added.0),
                num(a.freight_added.1),
                num(a.capital_added.0),
                num(a.capital_added.1)
            );
        }
        out
    }

    /// The terminal's order list and totals.
    pub fn render_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Today's purchase orders (policy `{}`, {} replications with vs without them):",
            self.policy, self.replications
        );
        if self.orders.is_empty() {
            let _ = writeln!(out, "  nothing to order today");
            return out;
        }
        let w = self
            .orders
            .iter()
            .map(|o| o.sku.len())
            .max()
            .unwrap_or(3)
            .max(3);
        let _ = writeln!(
            out,
            "  {:w$}  {:>7}  {:8}  {:10}  {:7}  reason",
            "sku", "units", "lane", "arrives", "trigger"
        );
        for o in &self.orders {
            let _ = writeln!(
                out,
                "  {:w$}  {:>7}  {:8}  {:10}  {:7}  {}",
                o.sku, o.units, o.lane, o.quoted_arrival, o.trigger, o.reason
            );
        }
        let units: u64 = self.orders.iter().map(|o| u64::from(o.units)).sum();
        let freight: f64 = self.orders.iter().map(|o| o.freight).sum();
        let goods: f64 = self.orders.iter().map(|o| o.goods).sum();
        let _ = writeln!(
            out,
            "  total: {} order(s), {units} units, freight {freight:.2}, goods {goods:.2}, cash committed {:.2}",
            self.orders.len(),
            freight + goods
        );
        let _ = writeln!(
            out,
            "\n  {:w$}  {:>15}  {:>15}  {:>20}  {:>18}",
            "sku", "P(out) without", "P(out) with", "lost margin saved", "capital added"
        );
        for a in &self.skus {
            let _ = writeln!(
                out,
                "  {:w$}  {:>15}  {:>15}  {:>20}  {:>18}",
                a.sku,
                format!("{:.1}%", 100.0 * a.stockout_without),
                format!("{:.1}%", 100.0 * a.stockout_with),
                format!(
                    "{:.0} ± {:.0}",
                    a.lost_margin_saved.0, a.lost_margin_saved.1
                ),
                format!("{:.0} ± {:.0}", a.capital_added.0, a.capital_added.1)
            );
        }
        out
    }

    /// Writes `orders.csv` and `advice.csv` into `dir` (temporary names, then renamed).
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create output folder {}", dir.display()), e))?;
        let files = [
            ("orders.csv", self.orders_csv()),
            ("advice.csv", self.advice_csv()),
        ];
        let mut tmps = Vec::new();
        for (name, text) in &files {
            let tmp = dir.join(format!(".{name}.tmp"));
            if let Err(e) = std::fs::write(&tmp, text) {
                for t in &tmps {
                    let _ = std::fs::remove_file(t);
                }
                return Err(Error::io(format!("cannot write {}", tmp.display()), e));
            }
            tmps.push(tmp);
        }
        let mut out = Vec::new();
        for ((name, _), tmp) in files.iter().zip(tmps) {
            let dest = dir.join(name);
            std::fs::rename(&tmp, &dest)
                .map_err(|e| Error::io(format!("cannot write {}", dest.display()), e))?;
            out.push(dest);
        }
        Ok(out)
    }
}
