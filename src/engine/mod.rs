//! The discrete-event engine: one candidate policy replayed against one replication's world.
//!
//! Time advances day by day, and each day runs fixed phases — (1) at 00:00 shipments due
//! arrive, (2) the policy reviews each SKU and its orders become shipments (a zero lead time
//! arrives at once, before demand), (3) the day's demand is served from stock, the rest
//! backordered or lost, (4) end-of-day holding, backorder and capital are tallied. Events that
//! are not daily (shipment arrivals today; stream ticks and mid-stream triggers later) live in
//! an [`EventQueue`] ordered by (time, insertion). The day loop is the clock's backbone because
//! almost everything is daily; the queue holds only what is sparse, which keeps the hot loop
//! at a few nanoseconds per SKU-day.
//!
//! State is flat: one [`SkuState`] per SKU, reused across replications. After the first
//! replication on a thread, `run` allocates nothing.

pub mod queue;
pub mod world;

use crate::calendar::SimTime;
use crate::demand::DemandModel;
use crate::metrics::{Metric, RepMetrics};
use crate::policy::{Order, Orders, Policy, SkuView};
use crate::scenario::{LeadTime, Scenario, StockoutRule};
pub use queue::EventQueue;
pub use world::World;

/// Everything prepared once per run from the scenario and shared read-only by all threads.
#[derive(Debug)]
pub struct Model<'s> {
    pub scenario: &'s Scenario,
    pub demand: DemandModel,
    /// Transit time of each lane [days].
    lane_days: Vec<f64>,
}

impl<'s> Model<'s> {
    pub fn new(scenario: &'s Scenario) -> Self {
        Model {
            scenario,
            demand: DemandModel::new(scenario),
            lane_days: scenario
                .lanes
                .iter()
                .map(|l| match l.lead_time {
                    LeadTime::Fixed(d) => d,
                })
                .collect(),
        }
    }

    /// SKU-days simulated per candidate and replication.
    pub fn sku_days(&self) -> u64 {
        u64::from(self.scenario.calendar.horizon_days) * self.scenario.skus.len() as u64
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Event {
    Arrival { sku: u32, qty: u32 },
}

/// One SKU's stock and its running tallies over the measured days.
#[derive(Debug, Clone, Default)]
struct SkuState {
    /// [units]
    on_hand: i64,
    /// [units]
    backorders: i64,
    /// [units] ordered, not yet received
    on_order: i64,
    // Tallies over measured days [unit-days, units, days, orders].
    on_hand_days: i64,
    backorder_days: i64,
    on_order_days: i64,
    demanded: i64,
    /// [units] demanded and not served from stock on the day
    short: i64,
    lost: i64,
    stockout_days: i64,
    orders: i64,
    // Conservation ledger over the whole horizon [units].
    received: i64,
    shipped: i64,
    ordered: i64,
}

/// Reusable state for replaying replications; one per worker thread.
#[derive(Debug)]
pub struct Engine {
    skus: Vec<SkuState>,
    queue: EventQueue<Event>,
    orders: Orders,
}

impl Engine {
    pub fn new(model: &Model) -> Self {
        let n = model.scenario.skus.len();
        Engine {
            skus: vec![SkuState::default(); n],
            queue: EventQueue::with_capacity(64 * n),
            orders: Orders::default(),
        }
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
        let cal = &sc.calendar;
        policy.reset();
        self.queue.clear();
        for (st, sku) in self.skus.iter_mut().zip(&sc.skus) {
            *st = SkuState {
                on_hand: i64::from(sku.initial_on_hand),
                ..SkuState::default()
            };
        }
        let mut peak_capital = 0.0f64;
        let Engine {
            skus,
            queue,
            orders,
        } = self;

        // Warm-up and measured days run the same code; the const flag compiles the tallies
        // out of warm-up days instead of branching on every SKU-day.
        for day in 0..cal.warmup_days {
            day_phases::<false>(model, world, policy, skus, queue, orders, day);
        }
        for day in cal.warmup_days..cal.horizon_days {
            let capital = day_phases::<true>(model, world, policy, skus, queue, orders, day);
            peak_capital = peak_capital.max(capital);
        }

        self.check_conservation(sc);
        self.write_metrics(sc, peak_capital, out);
    }

    /// Stock is neither created nor destroyed: start + received = shipped + on hand, and
    /// ordered = received + on order. Checked on every replication in debug builds.
    fn check_conservation(&self, sc: &Scenario) {
        if cfg!(debug_assertions) {
            for (st, sku) in self.skus.iter().zip(&sc.skus) {
                assert_eq!(
                    i64::from(sku.initial_on_hand) + st.received,
                    st.shipped + st.on_hand,
                    "stock conservation broken for {}",
                    sku.id
                );
                assert_eq!(st.ordered, st.received + st.on_order);
                assert!(st.on_hand >= 0 && st.backorders >= 0 && st.on_order >= 0);
            }
        }
    }

    fn write_metrics(&self, sc: &Scenario, peak_capital: f64, out: &mut RepMetrics) {
        let days = f64::from(sc.calendar.measured_days());
        let (mut holding, mut backorder, mut ordering) = (0.0, 0.0, 0.0);
        let (mut cap_on_hand, mut cap_transit) = (0.0, 0.0);
        let (mut on_hand, mut backorders, mut transit) = (0i64, 0i64, 0i64);
        let (mut demanded, mut served, mut lost, mut stockout_days, mut orders) =
            (0i64, 0i64, 0i64, 0i64, 0i64);
        for (st, sku) in self.skus.iter().zip(&sc.skus) {
            holding += sku.costs.holding_per_unit_day * st.on_hand_days as f64;
            backorder += sku.costs.backorder_per_unit_day * st.backorder_days as f64;
            ordering += sku.costs.fixed_order_cost * st.orders as f64;
            cap_on_hand += sku.unit_cost * st.on_hand_days as f64;
            cap_transit += sku.unit_cost * st.on_order_days as f64;
            on_hand += st.on_hand_days;
            backorders += st.backorder_days;
            transit += st.on_order_days;
            demanded += st.demanded;
            served += st.demanded - st.short;
            lost += st.lost;
            stockout_days += st.stockout_days;
            orders += st.orders;
        }
        let fill = if demanded > 0 {
            served as f64 / demanded as f64
        } else {
            1.0
        };
        use Metric::*;
        let values: [(Metric, f64); crate::metrics::METRIC_COUNT] = [
            (TotalCostPerDay, (holding + backorder + ordering) / days),
            (HoldingCostPerDay, holding / days),
            (BackorderCostPerDay, backorder / days),
            (OrderingCostPerDay, ordering / days),
            (FillRate, fill),
            (StockoutDays, stockout_days as f64),
            (LostUnits, lost as f64),
            (OrdersPerDay, orders as f64 / days),
            (AvgOnHandUnits, on_hand as f64 / days),
            (AvgBackorderUnits, backorders as f64 / days),
            (AvgInTransitUnits, transit as f64 / days),
            (CapitalOnHandAvg, cap_on_hand / days),
            (CapitalInTransitAvg, cap_transit / days),
            (CapitalTiedAvg, (cap_on_hand + cap_transit) / days),
            (CapitalTiedPeak, peak_capital),
        ];
        for (m, v) in values {
            out.set(m, v);
        }
    }
}

/// One simulated day for every SKU; returns the end-of-day capital tied up [currency] when
/// `MEASURED` (0 otherwise).
#[inline(always)]
fn day_phases<const MEASURED: bool>(
    model: &Model,
    world: &World,
    policy: &mut dyn Policy,
    skus: &mut [SkuState],
    queue: &mut EventQueue<Event>,
    orders: &mut Orders,
    day: u32,
) -> f64 {
    let now = SimTime::day_start(day);
    receive_due(queue, skus, now);

    // SKUs do not interact within a day's phases, so each SKU runs review → orders → demand →
    // tallies in one pass (in SKU order), which keeps its state in cache.
    let mut capital = 0.0;
    for (i, sku) in model.scenario.skus.iter().enumerate() {
        let st = &mut skus[i];
        let view = SkuView {
            sku: i,
            day,
            on_hand: st.on_hand,
            backorders: st.backorders,
            on_order: st.on_order,
        };
        policy.review(&view, orders);
        if !orders.is_empty() {
            place_orders(model, queue, orders, st, now, MEASURED);
        }

        let demand = i64::from(world.demand(i, day));
        let served = demand.min(st.on_hand);
        st.on_hand -= served;
        let short = demand - served;
        if short > 0 {
            match sku.stockout {
                StockoutRule::Backorder => st.backorders += short,
                StockoutRule::Lost => {
                    if MEASURED {
                        st.lost += short;
                    }
                }
            }
        }
        if cfg!(debug_assertions) {
            st.shipped += served;
        }
        if MEASURED {
            st.demanded += demand;
            st.short += short;
            st.stockout_days += i64::from(short > 0);
            st.on_hand_days += st.on_hand;
            st.backorder_days += st.backorders;
            st.on_order_days += st.on_order;
            capital += sku.unit_cost * (st.on_hand + st.on_order) as f64;
        }
    }
    capital
}

/// Turns the policy's orders for one SKU into shipments. An order whose stock is sellable today
/// (zero lead time) is received at once, before today's demand.
fn place_orders(
    model: &Model,
    queue: &mut EventQueue<Event>,
    orders: &mut Orders,
    st: &mut SkuState,
    now: SimTime,
    measured: bool,
) {
    for Order { sku, qty, lane } in orders.drain() {
        st.on_order += i64::from(qty);
        st.ordered += i64::from(qty);
        if measured {
            st.orders += 1;
        }
        let sellable = now.plus_days(model.lane_days[lane]).ceil_day();
        if sellable <= now.day() {
            st.receive(i64::from(qty));
        } else {
            queue.push(
                SimTime::day_start(sellable),
                Event::Arrival {
                    sku: sku as u32,
                    qty,
                },
            );
        }
    }
}

/// Delivers every shipment due at or before `now`.
#[inline(always)]
fn receive_due(queue: &mut EventQueue<Event>, skus: &mut [SkuState], now: SimTime) {
    while let Some((_, event)) = queue.pop_due(now) {
        match event {
            Event::Arrival { sku, qty } => skus[sku as usize].receive(i64::from(qty)),
        }
    }
}

impl SkuState {
    fn receive(&mut self, qty: i64) {
        // Waiting buyers are served first, oldest backorders first.
        let fill = qty.min(self.backorders);
        self.backorders -= fill;
        self.shipped += fill;
        self.on_hand += qty - fill;
        self.on_order -= qty;
        self.received += qty;
    }
}
