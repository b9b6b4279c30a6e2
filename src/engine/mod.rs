//! The discrete-event engine: one candidate policy replayed against one replication's world.
//!
//! Time advances day by day, and each day runs fixed phases — (1) at 00:00 shipments due
//! arrive (and goods leave suppliers) and presale orders that waited too long are cancelled,
//! (2) the policy reviews each SKU and its orders become shipments — planned and realised by
//! `supply`, which the engine calls at order time (one with no production and zero transit
//! arrives at once, before demand),
//! (3) the day's demand is served from stock in time order, and what stock cannot serve meets
//! the SKU's stockout rule, (4) buyers who switch to a substitute buy from it, (5) end-of-day
//! holding, backorder and capital are tallied. A plain model, whose SKUs never meet (see
//! `Model::plain`), runs the same phases SKU by SKU, each SKU over the whole horizon.
//!
//! Off-stream demand is spread evenly over the day. On a day with a live stream featuring the
//! SKU, the off-stream buyers who come before the stream are served first, then the stream's
//! sales step by step (its own stockout rule applies, and the policy may order mid-stream after
//! each step), then the off-stream buyers of the stream's hours and the rest of the day. Events
//! that are not daily (departures, arrivals) live in an [`EventQueue`] ordered by (time,
//! insertion). The day loop is the clock's backbone because almost everything is daily; the
//! queue holds only what is sparse, which keeps the hot loop at a few nanoseconds per SKU-day.
//!
//! State is flat: one `SkuState` per SKU, reused across replications. After the first
//! replication on a thread, `run` allocates nothing.
//!
//! Here: the engine and its entry points (`Engine::run`). The model and per-SKU state live in
//! `state.rs`; the day loop and its phases in `day.rs`; what the policy sees in `view.rs`;
//! buyers and streams (phase 3–4) in `sales.rs`; orders, shipments and arrivals (phases 1–2)
//! in `logistics.rs`; plain models' SKU-by-SKU loop in `plain.rs`; the end-of-replication
//! checks and metrics in `metrics.rs`; one replication's random world in `world.rs`.

mod cash;
mod day;
mod logistics;
mod metrics;
mod open_orders;
mod per_sku;
mod plain;
pub mod queue;
mod risk;
mod sales;
mod state;
mod today;
mod view;
pub mod world;

use crate::demand::StreamEntry;
use crate::metrics::{DayRecord, RepMetrics};
use crate::policy::{Orders, Policy};
use crate::supply::{Books, Ledger, Shipment};
use logistics::Logistics;
pub use open_orders::PoFate;
pub use queue::EventQueue;
pub use risk::RiskRecord;
use sales::Switch;
pub use state::Model;
use state::SkuState;
pub use today::{SkuOutcome, TodayOrder};
pub use world::World;

/// Reusable state for replaying replications; one per worker thread.
#[derive(Debug)]
pub struct Engine {
    skus: Vec<SkuState>,
    logistics: Logistics,
    orders: Orders,
    /// Units sold per SKU-day, SKU-major (what the policy sees of past sales).
    sales: Vec<u32>,
    days: usize,
    /// Per SKU, one bit per day: the shelf ran empty that day (demand met an empty shelf),
    /// as the shop's dashboard shows sold-out times. `sold_out_words` words per SKU.
    sold_out: Vec<u64>,
    sold_out_words: usize,
    /// Units sold in each step of the stream in progress.
    step_sales: Vec<u32>,
    /// Per stream and scope (all SKUs, then each category): whether a featured SKU ran out
    /// during it. `stream * scopes + scope`.
    stream_out: Vec<bool>,
    /// Metrics of each category's SKUs in the last replication (empty without categories).
    by_category: Vec<RepMetrics>,
    /// Each category's end-of-day capital today, and its peak over measured days `[currency]`.
    category_capital: Vec<f64>,
    category_peak: Vec<f64>,
    switches: Vec<Switch>,
    /// The replication's calendar, one record per simulated day.
    daily: Vec<DayRecord>,
    /// The replication's risk tallies, when the model collects them.
    risk: Option<RiskRecord>,
    /// Whether each SKU-day (SKU-major, like `sales`) ran out, when recording the history
    /// (`record_history`).
    short_log: Option<Vec<bool>>,
    /// The last replication's cash totals over measured days (`cash::CashTotals`).
    cash_totals: cash::CashTotals,
}

impl Engine {
    /// An engine sized for `model`; reuse it for every replication on one thread.
    pub fn new(model: &Model) -> Self {
        let n = model.scenario.skus.len();
        let days = model.scenario.calendar.horizon_days as usize;
        let max_steps = model
            .demand
            .streams
            .entries
            .iter()
            .map(StreamEntry::steps)
            .max()
            .unwrap_or(0);
        Engine {
            skus: vec![SkuState::default(); n],
            logistics: Logistics {
                queue: EventQueue::with_capacity(64 * n),
                books: Books::new(&model.supply, n),
                slots: Vec::with_capacity(64 * n),
                free: Vec::new(),
                log: None,
                cash: vec![0; days],
            },
            orders: Orders::default(),
            sales: vec![0; n * days],
            days,
            sold_out: vec![0; n * days.div_ceil(64)],
            sold_out_words: days.div_ceil(64),
            step_sales: vec![0; max_steps],
            stream_out: vec![false; model.scenario.streams.streams.len() * model.scopes()],
            by_category: vec![RepMetrics::default(); model.scenario.categories.len()],
            category_capital: vec![0.0; model.scenario.categories.len()],
            category_peak: vec![0.0; model.scenario.categories.len()],
            switches: Vec::with_capacity(n),
            daily: vec![DayRecord::default(); days],
            risk: model.risk.then(|| RiskRecord::new(model)),
            short_log: None,
            cash_totals: cash::CashTotals::default(),
        }
    }

    /// The last replication's risk tallies, when the model collects them.
    pub fn risk(&self) -> Option<&RiskRecord> {
        self.risk.as_ref()
    }

    /// Keeps each SKU-day's units sold and stockout flag of the last replication (for
    /// `run --export-history`); read them with [`Engine::sales_history`].
    pub fn record_history(&mut self, on: bool) {
        self.short_log = on.then(|| vec![false; self.sales.len()]);
    }

    /// Units sold (served from the shelf) and whether the shelf ran out, per SKU-day of the
    /// last replication, SKU-major with `days` per SKU; `None` unless recording.
    pub fn sales_history(&self) -> Option<(&[u32], &[bool], usize)> {
        self.short_log
            .as_deref()
            .map(|s| (self.sales.as_slice(), s, self.days))
    }

    /// The last replayed replication's calendar: one record per simulated day, warm-up
    /// included.
    pub fn daily(&self) -> &[DayRecord] {
        &self.daily
    }

    /// Keeps a log of every shipment placed in each replication (cleared by `run`), for
    /// tests and diagnostics.
    pub fn record_shipments(&mut self, on: bool) {
        self.logistics.log = on.then(Vec::new);
    }

    /// The shipments placed in the last replication, when recording.
    pub fn shipments(&self) -> &[Shipment] {
        self.logistics.log.as_deref().unwrap_or(&[])
    }

    /// Supplier capacity booked in the last replication.
    pub fn ledger(&self) -> &Ledger {
        &self.logistics.books.ledger
    }

    /// Replays `world` under `policy` and writes the replication's metrics into `out`.
    pub fn run(
        &mut self,
        model: &Model,
        world: &World,
        policy: &mut dyn Policy,
        out: &mut RepMetrics,
    ) {
        let sc = model.scenario;
        policy.reset();
        let lg = &mut self.logistics;
        lg.queue.clear();
        lg.books.clear();
        lg.slots.clear();
        lg.free.clear();
        if let Some(log) = &mut lg.log {
            log.clear();
        }
        lg.cash.fill(0);
        for ((st, sku), m) in self.skus.iter_mut().zip(&sc.skus).zip(&model.money) {
            st.reset(sku.initial_on_hand);
            m.reset(st);
        }
        if !sc.state.backorders.is_empty() {
            self.enter_backorders(model);
        }
        if !sc.state.open_orders.is_empty() {
            self.enter_open_orders(model, world);
        }
        self.stream_out.fill(false);
        self.sold_out.fill(0);
        self.category_peak.fill(0.0);
        if let Some(r) = &mut self.risk {
            r.reset();
        }
        // The SKU-by-SKU loop of plain models does not log stockouts; the general one gives
        // the same results bit for bit.
        let peak_capital = if model.plain && self.short_log.is_none() {
            self.plain_days(model, world, policy)
        } else {
            self.all_days::<false, _>(model, world, policy)
        };
        self.check_conservation(model);
        self.cash_totals = self.cash_curve(model);
        self.write_metrics(model, world, peak_capital, out);
    }

    /// Metrics of each category's SKUs in the last replication, in category order.
    pub fn category_metrics(&self) -> &[RepMetrics] {
        &self.by_category
    }
}

#[cfg(test)]
mod tests {
    use super::{Engine, Model, World};
    use crate::metrics::{DayRecord, RepMetrics};
    use crate::scenario::Scenario;

    fn shipped(file: &str, overrides: &[&str]) -> Scenario {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(file);
        let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
        crate::scenario::load(&path, &overrides).expect("shipped scenario is valid")
    }

    /// Every replication's metrics and calendar, replayed with the day loop `plain` or general.
    fn replay(sc: &Scenario, plain: bool) -> Vec<(Vec<RepMetrics>, Vec<DayRecord>)> {
        let mut model = Model::new(sc);
        model.plain = plain;
        let (mut world, mut engine) = (World::new(&model), Engine::new(&model));
        let mut out = Vec::new();
        for rep in 0..12 {
            world.generate(&model, rep);
            let mut metrics = Vec::new();
            for c in 0..sc.policies.len() {
                let mut m = RepMetrics::default();
                engine.run(&model, &world, model.policy(c).as_mut(), &mut m);
                metrics.push(m);
            }
            out.push((metrics, engine.daily().to_vec()));
        }
        out
    }

    /// The plain day loop is the general one with branches that are dead for such scenarios
    /// removed, the textbook policies' reviews compiled in and SKUs taken one after another: it
    /// must give the same bits, on the textbook and on variants it also covers (three SKUs, lost
    /// sales, a lane with random transit, each textbook policy, and a policy it calls through
    /// `dyn`, alone and with three SKUs).
    #[test]
    fn the_plain_day_loop_equals_the_general_one() {
        let three_skus = "skus=[{id: A, unit_cost: 10.1, initial_on_hand: 300, demand: {mean_per_day: 20, \
            distribution: poisson}, costs: {holding_per_unit_day: 0.1, backorder_per_unit_day: 5.0, \
            fixed_order_cost: 100.0}}, {id: B, unit_cost: 3.3, initial_on_hand: 90, stockout: lost, \
            demand: {mean_per_day: 30, distribution: poisson}}, {id: C, unit_cost: 0.7, \
            initial_on_hand: 200, demand: {mean_per_day: 11, distribution: poisson}}]";
        let two_lanes = "lanes=[{id: sea, mode: sea, transit_days: {fixed: 7}}, \
            {id: air, mode: air, transit_days: {fixed: 2}}]";
        let layered: [&str; 4] = [
            "policies.0.kind=layered",
            "policies.0.fast_lane=air",
            "policies.0.reorder_point=",
            "policies.0.order_up_to=",
        ];
        let variants: [&[&str]; 8] = [
            &[],
            &[three_skus],
            &["skus.0.stockout=lost"],
            &["lanes.0.transit_days={lognormal: {median: 7, sigma: 0.3}}"],
            &[
                "policies.0.kind=base_stock",
                "policies.0.reorder_point=",
                "policies.0.order_up_to=150",
            ],
            &[
                "policies.0.kind=r_Q",
                "policies.0.order_up_to=",
                "policies.0.order_quantity=140",
            ],
            &[two_lanes, layered[0], layered[1], layered[2], layered[3]],
            &[
                three_skus, two_lanes, layered[0], layered[1], layered[2], layered[3],
            ],
        ];
        for overrides in variants {
            // The file's `tune:` block names the (s,S) policy these variants replace.
            let overrides: Vec<&str> = std::iter::once("tune=")
                .chain(overrides.iter().copied())
                .collect();
            let overrides = overrides.as_slice();
            let sc = shipped("textbook-ss.yaml", overrides);
            assert!(Model::new(&sc).plain, "{overrides:?} is a plain scenario");
            assert_eq!(replay(&sc, true), replay(&sc, false), "{overrides:?}");
        }
        assert!(!Model::new(&shipped("livestream-basic.yaml", &[])).plain);
    }
}
