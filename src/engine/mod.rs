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
//! Here: the run, the day's phases and the metrics. Buyers and streams (phase 3–4) live in
//! `sales.rs`; orders, shipments and arrivals (phases 1–2) in `logistics.rs`; plain models'
//! SKU-by-SKU loop in `plain.rs`; one replication's random world in `world.rs`.

mod cash;
mod logistics;
mod open_orders;
mod per_sku;
mod plain;
pub mod queue;
mod risk;
mod sales;
mod today;
pub mod world;

use std::collections::VecDeque;

use crate::calendar::SimTime;
use crate::demand::{DemandModel, StreamEntry};
use crate::metrics::{DayRecord, Metric, RepMetrics, ScopeTotals};
use crate::policy::{AnnouncedStreams, Orders, Policy, SkuView, Trigger};
use crate::scenario::{Scenario, StockoutRule};
use crate::supply::{Books, Ledger, Shipment, Supply, SupplyView};
use logistics::{Logistics, place_orders, receive_due};
pub use open_orders::PoFate;
pub use queue::EventQueue;
pub use risk::RiskRecord;
use sales::{DayCtx, Switch, expire_waiting, serve, stream_day};
pub use today::{SkuOutcome, TodayOrder};
pub use world::World;

/// Everything prepared once per run from the scenario and shared read-only by all threads.
#[derive(Debug)]
pub struct Model<'s> {
    pub(crate) scenario: &'s Scenario,
    pub(crate) demand: DemandModel,
    pub(crate) supply: Supply<'s>,
    /// What the day loop reads of each SKU on every SKU-day, side by side.
    consts: Vec<SkuConsts>,
    /// SKUs whose backorders can expire (a presale rule): their backorders are kept in a
    /// dated queue instead of a bare count.
    dated_backorders: Vec<bool>,
    /// Whether every unit on order is worth `unit_cost` from the moment it is ordered (no
    /// supplier — hence no deposit, premium or short delivery — and no sailing to wait for):
    /// then capital in transit is on-order units × unit cost, with no per-day value tally.
    plain_capital: bool,
    /// Whether buyers of some SKU may switch to another: then a SKU's end-of-day stock is
    /// known only after every SKU has sold, and tallies wait for a second pass.
    has_substitutes: bool,
    /// The SKU whose daily stock the calendar outputs follow (index into `Scenario::skus`).
    chart_sku: usize,
    /// Whether the scenario uses none of the features the day loop otherwise checks for on
    /// every SKU-day — streams, leading signals, expiring backorders, substitutes, categories,
    /// suppliers or sailings — as the textbook models do. Such a model is replayed SKU by SKU
    /// (`sku_by_sku`) by the same per-SKU-day code compiled with those checks known false
    /// (`sku_day::<_, true, _>`): dead branches removed and fewer values competing for
    /// registers (−8% on the textbook run).
    plain: bool,
    /// Whether replications collect the stockout-risk register (`scenario.state.risk`).
    pub(crate) risk: bool,
    /// Each SKU's money constants (landed cost, net price), by SKU.
    money: Vec<cash::SkuMoney>,
}

/// The supply view reads the prepared supply through the model, so that `supply` need not know
/// the engine.
impl<'s> AsRef<Supply<'s>> for Model<'s> {
    fn as_ref(&self) -> &Supply<'s> {
        &self.supply
    }
}

impl<'s> Model<'s> {
    /// Prepares the scenario's samplers, supply plan and per-SKU constants.
    pub fn new(scenario: &'s Scenario) -> Self {
        // Open orders carry their own capital (deposits, goods in transit): tallied as values.
        let from_state =
            !scenario.state.open_orders.is_empty() || !scenario.state.backorders.is_empty();
        let plain_capital = scenario.suppliers.is_empty()
            && scenario.lanes.iter().all(|l| l.sailings.is_none())
            && scenario.state.open_orders.is_empty()
            && cash::flat_transit_value(scenario);
        let dated_backorders: Vec<bool> = scenario
            .skus
            .iter()
            .map(|s| {
                s.stockout.max_wait_days().is_some()
                    || s.stockout_in_stream.max_wait_days().is_some()
            })
            .collect();
        let has_substitutes = scenario.skus.iter().any(|s| {
            matches!(s.stockout, StockoutRule::Substitute { .. })
                || matches!(s.stockout_in_stream, StockoutRule::Substitute { .. })
        });
        let demand = DemandModel::new(scenario);
        let plain = plain_capital
            && !has_substitutes
            && !dated_backorders.contains(&true)
            && demand.streams.entries.is_empty()
            && scenario.skus.iter().all(|s| s.demand.signals.is_none())
            && scenario.categories.is_empty()
            && !from_state
            && !scenario.state.risk;
        Model {
            scenario,
            demand,
            supply: Supply::new(scenario),
            consts: scenario
                .skus
                .iter()
                .map(|s| SkuConsts::of(scenario, s))
                .collect(),
            plain_capital,
            dated_backorders,
            has_substitutes,
            chart_sku: scenario.report.chart_sku,
            plain,
            risk: scenario.state.risk,
            money: (0..scenario.skus.len())
                .map(|i| cash::SkuMoney::of(scenario, i))
                .collect(),
        }
    }

    /// A fresh instance of candidate `c`'s policy. Policies are told each lane's published
    /// transit time, as a planner is; the real transit is the world's.
    pub fn policy(&self, c: usize) -> Box<dyn Policy> {
        let quoted: Vec<f64> = self
            .scenario
            .lanes
            .iter()
            .map(|l| l.transit.median())
            .collect();
        crate::policy::build(&self.scenario.policies[c], &quoted)
    }

    /// Metric scopes: every SKU, then each category.
    pub fn scopes(&self) -> usize {
        1 + self.scenario.categories.len()
    }

    /// SKU-days simulated per candidate and replication.
    pub fn sku_days(&self) -> u64 {
        u64::from(self.scenario.calendar.horizon_days) * self.scenario.skus.len() as u64
    }
}

/// The fields of a [`Sku`](crate::scenario::Sku) the day loop reads on every SKU-day, in one
/// cache line: read from the scenario's 528-byte records they were four.
#[derive(Debug, Clone, Copy)]
#[repr(align(64))]
struct SkuConsts {
    /// [currency/unit] value of a unit on order under `Model::plain_capital`: its unit cost,
    /// plus its freight when freight is paid at departure (the same on every lane then).
    unit_cost: f64,
    stockout: StockoutRule,
    category: Option<usize>,
}

impl SkuConsts {
    fn of(sc: &Scenario, sku: &crate::scenario::Sku) -> Self {
        SkuConsts {
            unit_cost: sku.unit_cost + cash::departure_freight(sc, sku),
            stockout: sku.stockout,
            category: sku.category,
        }
    }
}

/// One SKU's stock and its running tallies over the measured days.
///
/// Laid out by hand (`repr(C)`, one record per 64-byte line boundary): the general day loop
/// walks a thousand SKUs a day, and the fields it touches on every SKU-day fill the first three
/// lines instead of being spread over six of the 456-byte record.
#[derive(Debug, Clone, Default)]
#[repr(C, align(64))]
struct SkuState {
    // Line 1: the stock, as the view and the day's sales read it.
    /// [units]
    on_hand: i64,
    /// [units]
    backorders: i64,
    /// [units] ordered, not yet received
    on_order: i64,
    /// Post-stream correction of the planner's forecasts.
    forecast_factor: f64,
    /// [currency] of goods departed and not yet received, and deposits on goods not yet
    /// departed.
    transit_value: f64,
    prepaid: f64,
    /// Next of this SKU's stream entries not yet aired (index into its `by_sku` list).
    next_stream: usize,
    /// Whether some demand met an empty shelf today.
    short_today: bool,
    /// This SKU's orders so far this replication. (It no longer keys shipments' random
    /// streams: they are keyed by what a shipment is, see `rng::Source::Transit`.)
    seq: u32,
    // Line 2.
    /// Backorders by expiry day, oldest first, for SKUs whose backorders can expire
    /// (`Model::dated_backorders`): (last day still waiting, units).
    waiting: VecDeque<(u32, u32)>,
    // Tallies over measured days [unit-days, units, days, orders]. The three stock tallies are
    // deliberately not adjacent: adjacent, they invite the compiler to add them as one 16-byte
    // load of (on_hand, backorders) just after on_hand's 8-byte store — a store-forwarding
    // stall that cost a fifth of the textbook replay.
    on_hand_days: i64,
    demanded: i64,
    backorder_days: i64,
    stockout_days: i64,
    // Line 3.
    on_order_days: i64,
    // Supply tallies over measured days [currency·days, currency, units, shipments, days].
    transit_value_days: f64,
    prepaid_days: f64,
    /// [units] demanded and not served from stock on the day
    short: i64,
    lost: i64,
    // Conservation ledger over the whole horizon [units]; `shipped` moves every SKU-day.
    shipped: i64,
    received: i64,
    ordered: i64,
    // Line 4: the money the end-of-day pass reads on every SKU-day.
    /// [currency/unit] moving-average landed cost of the units on hand.
    avg_cost: f64,
    /// [currency/unit] price net of the platform's commission (`cash::SkuMoney`), and the
    /// holding cost [currency/unit/day], copied here at reset so the pass reads one line.
    net_price: f64,
    holding: f64,
    /// [currency] creators' commissions on stream sales so far.
    creator: f64,
    // The rest are touched by orders, arrivals and streams only.
    orders: i64,
    stream_demanded: i64,
    stream_served: i64,
    presale: i64,
    cancelled: i64,
    substituted: i64,
    /// Orders placed on measured days, by `Trigger`.
    triggered: [i64; Trigger::COUNT],
    /// Units ordered on measured days, by lane mode (sea, air, express).
    units_by_mode: [i64; 3],
    /// Units ordered on measured days, by `Trigger` and by sea (0) or air/express (1).
    units_by_trigger: [[i64; 2]; Trigger::COUNT],
    /// [units] ordered that a short delivery never brought.
    undelivered: i64,
    freight: f64,
    premium: f64,
    units_ordered: i64,
    units_air: i64,
    units_backup_supplier: i64,
    customs_holds: i64,
    port_delay_days: f64,
    lead_unit_days: f64,
    /// Largest end-of-day capital tied up in this SKU over measured days [currency], for
    /// `sku_summary.csv`.
    capital_peak: f64,
    /// Money ledger over the whole horizon [currency]: paid for goods, freight and duty, and
    /// the landed value of the units received.
    paid: f64,
    landed_in: f64,
    /// [currency] duty on shipments ordered on measured days.
    duty: f64,
    /// Σ over measured days of on-hand value, up to the day `avg_cost` last changed
    /// [currency·days], and `on_hand_days` then: the on-hand value tally without per-day work.
    value_days: f64,
    value_mark: i64,
    /// The ledger at the end of warm-up (`cash::Boundary`).
    boundary: cash::Boundary,
}

// The hand-laid layout above, checked by the compiler: a new field in the wrong place fails the
// build instead of silently spreading the per-SKU-day fields over more cache lines.
const _: () = {
    use std::mem::{offset_of, size_of};
    // Line 1: the stock and what the view reads.
    assert!(offset_of!(SkuState, seq) + size_of::<u32>() <= 64);
    assert!(offset_of!(SkuState, short_today) < 64);
    // Line 2: the dated queue and the first tallies.
    assert!(offset_of!(SkuState, waiting) == 64);
    assert!(offset_of!(SkuState, stockout_days) + size_of::<i64>() <= 128);
    // Line 3: the rest of what moves every SKU-day.
    assert!(offset_of!(SkuState, on_order_days) == 128);
    assert!(offset_of!(SkuState, ordered) + size_of::<i64>() <= 192);
    // Line 4: the money of the end-of-day pass.
    assert!(offset_of!(SkuState, avg_cost) == 192);
    assert!(offset_of!(SkuState, creator) + size_of::<f64>() <= 256);
};

impl SkuState {
    /// Back to the start of a replication, keeping the queue's memory.
    fn reset(&mut self, initial_on_hand: u32) {
        let waiting = std::mem::take(&mut self.waiting);
        *self = SkuState {
            on_hand: i64::from(initial_on_hand),
            forecast_factor: 1.0,
            waiting,
            ..SkuState::default()
        };
        self.waiting.clear();
    }
}

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
    /// Each category's end-of-day capital today, and its peak over measured days [currency].
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

    /// Every day of the horizon, day by day; returns the peak end-of-day capital over measured
    /// days. `PLAIN` must be `model.plain`.
    fn all_days<const PLAIN: bool, P: Policy + ?Sized>(
        &mut self,
        model: &Model,
        world: &World,
        policy: &mut P,
    ) -> f64 {
        let cal = &model.scenario.calendar;
        // Warm-up and measured days run the same code; the const flag compiles the tallies
        // out of warm-up days instead of branching on every SKU-day.
        for day in 0..cal.warmup_days {
            self.day_phases::<false, PLAIN, P>(model, world, policy, day);
        }
        self.skus.iter_mut().for_each(SkuState::mark_measured);
        for day in cal.warmup_days..cal.horizon_days {
            self.day_phases::<true, PLAIN, P>(model, world, policy, day);
            if let (false, Some(r)) = (PLAIN, &mut self.risk) {
                r.end_of_day(&self.skus, day - cal.warmup_days, cal.measured_days());
            }
        }
        self.peak_capital(model)
    }

    /// The peak end-of-day capital over measured days, read back once the days are done: a
    /// running peak in the day loop was a value carried through memory from each day to the
    /// next (the compiler keeps it on the stack).
    fn peak_capital(&self, model: &Model) -> f64 {
        self.daily[model.scenario.calendar.warmup_days as usize..]
            .iter()
            .map(DayRecord::total)
            .fold(0.0, crate::num::peak)
    }

    /// One simulated day for every SKU; records the day's end-of-day capital and chart-SKU
    /// stock in `daily`.
    #[inline(always)]
    fn day_phases<const MEASURED: bool, const PLAIN: bool, P: Policy + ?Sized>(
        &mut self,
        model: &Model,
        world: &World,
        policy: &mut P,
        day: u32,
    ) {
        let now = SimTime::day_start(day);
        let Engine {
            skus,
            logistics,
            orders,
            sales,
            days,
            sold_out,
            sold_out_words,
            step_sales,
            stream_out,
            switches,
            risk,
            by_category: _,
            category_capital,
            category_peak,
            daily,
            short_log,
            cash_totals: _,
        } = self;
        let by_category = !PLAIN && !category_capital.is_empty();
        let entry_short: &mut [u32] = match risk {
            Some(r) if !PLAIN => &mut r.entry_short,
            _ => &mut [],
        };
        let plain_capital = PLAIN || model.plain_capital;
        receive_due(logistics, skus, now);
        let mut capital = [0.0; 3];
        let mut money = [0.0; 2];

        // SKUs interact only through substitutes (applied after this pass), so each SKU runs
        // review → orders → demand in one pass, which keeps its state in cache.
        let rows = skus
            .iter_mut()
            .zip(sales.chunks_exact_mut(*days))
            .zip(sold_out.chunks_exact_mut(*sold_out_words));
        for (i, (sku, ((st, history), empty))) in model.consts.iter().zip(rows).enumerate() {
            sku_day::<MEASURED, PLAIN, P>(
                model,
                world,
                logistics,
                orders,
                policy,
                st,
                i,
                day,
                history,
                empty,
                step_sales,
                stream_out,
                entry_short,
                switches,
            );
            if PLAIN || !model.has_substitutes {
                if MEASURED {
                    tally(st, plain_capital);
                }
                let c = add_capital(&mut capital, st, sku, plain_capital);
                add_money(&mut money, st);
                if MEASURED {
                    st.capital_peak = crate::num::peak(st.capital_peak, c);
                }
                if let (true, true, Some(k)) = (MEASURED, by_category, sku.category) {
                    category_capital[k] += c;
                }
            }
        }

        if !PLAIN && model.has_substitutes {
            for (from, to, units) in switches.drain(..) {
                let target = &mut skus[to];
                let got = i64::from(units).min(target.on_hand);
                target.on_hand -= got;
                target.shipped += got;
                if MEASURED {
                    skus[from].substituted += got;
                    skus[from].lost += i64::from(units) - got;
                }
            }
            for (st, sku) in skus.iter_mut().zip(&model.consts) {
                if MEASURED {
                    tally(st, plain_capital);
                }
                let c = add_capital(&mut capital, st, sku, plain_capital);
                add_money(&mut money, st);
                if MEASURED {
                    st.capital_peak = crate::num::peak(st.capital_peak, c);
                }
                if let (true, true, Some(k)) = (MEASURED, by_category, sku.category) {
                    category_capital[k] += c;
                }
            }
        }
        if MEASURED && by_category {
            for (peak, c) in category_peak.iter_mut().zip(category_capital.iter_mut()) {
                *peak = peak.max(*c);
                *c = 0.0;
            }
        }
        if let Some(log) = short_log {
            for (i, st) in skus.iter().enumerate() {
                log[i * *days + day as usize] = st.short_today;
            }
        }
        let chart = &skus[model.chart_sku];
        daily[day as usize] = DayRecord {
            on_hand: capital[0],
            in_transit: capital[1],
            prepaid: capital[2],
            sku_on_hand: chart.on_hand,
            sku_short: chart.short_today,
            revenue: money[0],
            storage: money[1],
            ..DayRecord::default()
        };
    }

    /// Stock is neither created nor destroyed: start + received = shipped + on hand, and
    /// ordered = received + on order. Checked on every replication in debug builds.
    /// Units are conserved on every SKU of every replication: what was there plus what came
    /// equals what left plus what is there, and every unit ordered is received, on order or
    /// never delivered. Always on (its cost is one pass over the SKUs per replication, against
    /// a pass per SKU-day), so the tests CI runs in release check it on every replication they
    /// simulate; a failure is an engine bug, never an input error.
    fn check_conservation(&self, model: &Model) {
        let dated = &model.dated_backorders;
        for (i, (st, sku)) in self.skus.iter().zip(&model.scenario.skus).enumerate() {
            assert_eq!(
                i64::from(sku.initial_on_hand) + st.received,
                st.shipped + st.on_hand,
                "engine bug: stock conservation broken for {}",
                sku.id
            );
            assert_eq!(
                st.ordered,
                st.received + st.on_order + st.undelivered,
                "engine bug: orders of {} not all received, on order or undelivered",
                sku.id
            );
            assert!(
                st.on_hand >= 0 && st.backorders >= 0 && st.on_order >= 0,
                "engine bug: negative stock for {}",
                sku.id
            );
            // Money is conserved as units are: every payment for goods, freight and duty is
            // in the landed value received, in the pipeline's value or in the deposits.
            let held = st.landed_in + st.transit_value + st.prepaid;
            assert!(
                (st.paid - held).abs() <= 1e-9 * st.paid.abs().max(held.abs()).max(1.0),
                "engine bug: money conservation broken for {}: paid {} but received {} + in \
                 transit {} + prepaid {}",
                sku.id,
                st.paid,
                st.landed_in,
                st.transit_value,
                st.prepaid
            );
            if dated[i] {
                let queued: i64 = st.waiting.iter().map(|&(_, q)| i64::from(q)).sum();
                assert_eq!(
                    queued, st.backorders,
                    "engine bug: dated backorders of {} out of step",
                    sku.id
                );
            }
        }
    }

    fn write_metrics(
        &mut self,
        model: &Model,
        world: &World,
        peak_capital: f64,
        out: &mut RepMetrics,
    ) {
        *out = self.scope_metrics(model, world, 0, peak_capital);
        for k in 0..self.by_category.len() {
            self.by_category[k] = self.scope_metrics(model, world, 1 + k, self.category_peak[k]);
        }
    }

    /// Metrics of the replication just run, for scope 0 (every SKU) or 1 + k (category k).
    fn scope_metrics(
        &self,
        model: &Model,
        world: &World,
        scope: usize,
        peak_capital: f64,
    ) -> RepMetrics {
        let sc = model.scenario;
        let objective = &sc.objective;
        let mut t = ScopeTotals {
            days: f64::from(sc.calendar.measured_days()),
            peak_capital,
            annual_cost_of_capital: objective.annual_cost_of_capital,
            lost_margin_penalty: objective.lost_margin_penalty,
            terminal_value_fraction: objective.terminal_value_fraction,
            ..ScopeTotals::default()
        };
        for (i, (st, sku)) in self.skus.iter().zip(&sc.skus).enumerate() {
            if scope > 0 && sku.category != Some(scope - 1) {
                continue;
            }
            let money = &model.money[i];
            // Stock left is valued as capital is: on hand at its moving-average landed cost,
            // on order at the standard landed cost it will have.
            t.terminal +=
                st.avg_cost * st.on_hand.max(0) as f64 + money.landed() * st.on_order as f64;
            t.duty += st.duty;
            t.landed_in += st.landed_in - st.boundary.landed_in;
            t.received += st.received - st.boundary.received;
            t.gross_margin += money.gross_margin(st);
            t.holding += sku.costs.holding_per_unit_day * st.on_hand_days as f64;
            t.backorder += sku.costs.backorder_per_unit_day * st.backorder_days as f64;
            t.ordering += sku.costs.fixed_order_cost * st.orders as f64;
            t.cap_on_hand += st.on_hand_value_days();
            t.cap_transit += if model.plain_capital {
                model.consts[i].unit_cost * st.on_order_days as f64
            } else {
                st.transit_value_days
            };
            t.cap_prepaid += st.prepaid_days;
            t.freight += st.freight;
            t.premium += st.premium;
            t.port_delay += st.port_delay_days;
            t.lead_days += st.lead_unit_days;
            t.units += st.units_ordered;
            t.air += st.units_air;
            t.backup += st.units_backup_supplier;
            t.holds += st.customs_holds;
            t.lost_revenue += sku.price * (st.lost + st.cancelled) as f64;
            t.lost_margin += money.lost_margin(st);
            t.on_hand += st.on_hand_days;
            t.backorders += st.backorder_days;
            t.transit += st.on_order_days;
            t.demanded += st.demanded;
            t.served += st.demanded - st.short;
            t.lost += st.lost;
            t.stockout_days += st.stockout_days;
            t.orders += st.orders;
            t.stream_demanded += st.stream_demanded;
            t.stream_served += st.stream_served;
            t.presale += st.presale;
            t.cancelled += st.cancelled;
            t.substituted += st.substituted;
            t.viral += world.viral_units(i);
            for (c, n) in t.triggered.iter_mut().zip(&st.triggered) {
                *c += n;
            }
            for (u, n) in t.by_trigger.iter_mut().zip(&st.units_by_trigger) {
                u[0] += n[0];
                u[1] += n[1];
            }
            for (u, n) in t.by_mode.iter_mut().zip(&st.units_by_mode) {
                *u += n;
            }
        }
        let warmup = sc.calendar.warmup_days;
        let scopes = model.scopes();
        t.streams_out = sc
            .streams
            .streams
            .iter()
            .enumerate()
            .filter(|(j, s)| self.stream_out[j * scopes + scope] && s.day() >= warmup)
            .count();
        // Cash is followed for all SKUs together: a category's share of a shared credit line
        // is not defined, so its scopes report none.
        if scope == 0 {
            t.peak_funding_need = self.cash_totals.peak_funding_need;
            t.cash_out = self.cash_totals.out;
            t.cash_in = self.cash_totals.inflow;
        }
        let mut out = RepMetrics::default();
        for &m in Metric::ALL {
            out.set(m, m.value(&t));
        }
        out
    }

    /// Metrics of each category's SKUs in the last replication, in category order.
    pub fn category_metrics(&self) -> &[RepMetrics] {
        &self.by_category
    }
}

/// Phases 2–3 of SKU `i`'s day: the policy reviews it, its orders are shipped, its demand is
/// served (streams included). End-of-day tallies are the caller's: they wait for substitutes.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn sku_day<const MEASURED: bool, const PLAIN: bool, P: Policy + ?Sized>(
    model: &Model,
    world: &World,
    logistics: &mut Logistics,
    orders: &mut Orders,
    policy: &mut P,
    st: &mut SkuState,
    i: usize,
    day: u32,
    history: &mut [u32],
    sold_out: &mut [u64],
    step_sales: &mut [u32],
    stream_out: &mut [bool],
    entry_short: &mut [u32],
    switches: &mut Vec<Switch>,
) {
    let now = SimTime::day_start(day);
    let sku = &model.consts[i];
    let plan = &model.demand.streams;
    if !PLAIN && !st.waiting.is_empty() {
        expire_waiting(st, day, MEASURED);
    }
    let mine: &[u32] = if PLAIN { &[] } else { &plan.by_sku[i] };
    let view = view::<PLAIN>(
        model,
        world,
        logistics,
        st,
        i,
        now,
        day,
        &history[..day as usize],
        sold_out,
        if PLAIN { &[] } else { &mine[st.next_stream..] },
    );
    policy.review(&view, orders);
    if !orders.is_empty() {
        place_orders(model, world, logistics, orders, st, now, MEASURED);
    }

    let mut ctx = DayCtx {
        model,
        world,
        day,
        sku: i,
        responses: None,
    };
    st.short_today = false;
    let off_stream = i64::from(world.demand(i, day));
    let sold = if !PLAIN
        && mine
            .get(st.next_stream)
            .is_some_and(|&e| plan.entries[e as usize].day() == day)
    {
        stream_day::<MEASURED, P>(
            &mut ctx,
            st,
            off_stream,
            policy,
            orders,
            logistics,
            history,
            sold_out,
            step_sales,
            stream_out,
            entry_short,
            switches,
        )
    } else {
        serve::<MEASURED>(&mut ctx, st, off_stream, sku.stockout, false, switches)
    };
    history[day as usize] = sold.min(i64::from(u32::MAX)) as u32;
    // Rare, so a branch: one store on the days the shelf ran out.
    if st.short_today {
        sold_out[day as usize / 64] |= 1 << (day % 64);
    }
}

/// End-of-day tallies of one SKU on a measured day.
#[inline(always)]
fn tally(st: &mut SkuState, plain_capital: bool) {
    st.stockout_days += i64::from(st.short_today);
    st.on_hand_days += st.on_hand;
    st.backorder_days += st.backorders;
    st.on_order_days += st.on_order;
    if !plain_capital {
        st.transit_value_days += st.transit_value;
        st.prepaid_days += st.prepaid;
    }
}

/// Adds one SKU's end-of-day capital tied up to `capital` = [on hand, in transit, prepaid]
/// [currency] and returns their sum (what `capital_tied_peak` counts). In transit is the value
/// of goods departed and not received, prepaid the deposits on goods not yet departed; with no
/// supplier and no sailing schedule (`plain_capital`) every unit on order is worth its unit
/// cost and nothing is prepaid. The one place the calendar outputs' components are fed.
#[inline(always)]
fn add_capital(capital: &mut [f64; 3], st: &SkuState, sku: &SkuConsts, plain_capital: bool) -> f64 {
    let [on_hand, in_transit, prepaid] = capital_of(st, sku, plain_capital);
    capital[0] += on_hand;
    capital[1] += in_transit;
    capital[2] += prepaid;
    on_hand + in_transit + prepaid
}

/// Adds one SKU's cumulative net sales proceeds and today's storage cost to `money`
/// [currency]: the cash curve's inflows and daily outflow, summed over SKUs in SKU order by
/// both day loops so that the two give the same bits.
#[inline(always)]
fn add_money(money: &mut [f64; 2], st: &SkuState) {
    money[0] += st.net_price * st.shipped as f64 - st.creator;
    money[1] += st.holding * st.on_hand as f64;
}

/// One SKU's end-of-day capital: [on hand, in transit, prepaid] [currency] (see `add_capital`).
#[inline(always)]
fn capital_of(st: &SkuState, sku: &SkuConsts, plain_capital: bool) -> [f64; 3] {
    let on_hand = st.avg_cost * st.on_hand as f64;
    let (in_transit, prepaid) = if plain_capital {
        (sku.unit_cost * st.on_order as f64, 0.0)
    } else {
        (st.transit_value, st.prepaid)
    };
    [on_hand, in_transit, prepaid]
}

/// What the policy sees of SKU `sku` now. `PLAIN` (`Model::plain`): no streams and no
/// signals to show, known at compile time.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn view<'a, const PLAIN: bool>(
    model: &'a Model,
    world: &'a World,
    logistics: &'a Logistics,
    st: &SkuState,
    sku: usize,
    now: SimTime,
    // `now.day()`, which the callers know without `SimTime::day`'s division.
    day: u32,
    sales: &'a [u32],
    sold_out: &'a [u64],
    upcoming: &'a [u32],
) -> SkuView<'a> {
    let plan = &model.demand.streams;
    let (ctr, conversion, ctr_rise) = if PLAIN {
        (&[][..], &[][..], None)
    } else {
        world.signals_before(sku, day)
    };
    let streams = if PLAIN {
        AnnouncedStreams::EMPTY
    } else {
        AnnouncedStreams {
            entries: &plan.entries,
            upcoming,
            today: day,
            forecast_factor: st.forecast_factor,
            lookahead: plan.max_announce_days,
        }
    };
    SkuView {
        sku,
        day,
        on_hand: st.on_hand,
        backorders: st.backorders,
        on_order: st.on_order,
        sales,
        sold_out,
        streams,
        ctr,
        conversion,
        ctr_rise,
        supply: SupplyView::new(model, &logistics.books, sku, now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
