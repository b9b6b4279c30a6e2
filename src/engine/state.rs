//! What a run prepares once and what each SKU carries through a replication: the [`Model`]
//! (the scenario's samplers, supply plan and per-SKU constants, shared read-only by all threads)
//! and the per-SKU state the day loop reads and writes, laid out by hand for the cache, with the
//! compiler checking the layout.

use std::collections::VecDeque;

use super::cash;
use crate::demand::DemandModel;
use crate::policy::{Policy, Trigger};
use crate::scenario::{Scenario, StockoutRule};
use crate::supply::Supply;

/// Everything prepared once per run from the scenario and shared read-only by all threads.
#[derive(Debug)]
pub struct Model<'s> {
    pub(crate) scenario: &'s Scenario,
    pub(crate) demand: DemandModel,
    pub(crate) supply: Supply<'s>,
    /// What the day loop reads of each SKU on every SKU-day, side by side.
    pub(super) consts: Vec<SkuConsts>,
    /// SKUs whose backorders can expire (a presale rule): their backorders are kept in a
    /// dated queue instead of a bare count.
    pub(super) dated_backorders: Vec<bool>,
    /// Whether every unit on order is worth `unit_cost` from the moment it is ordered (no
    /// supplier — hence no deposit, premium or short delivery — and no sailing to wait for):
    /// then capital in transit is on-order units × unit cost, with no per-day value tally.
    pub(super) plain_capital: bool,
    /// Whether buyers of some SKU may switch to another: then a SKU's end-of-day stock is
    /// known only after every SKU has sold, and tallies wait for a second pass.
    pub(super) has_substitutes: bool,
    /// The SKU whose daily stock the calendar outputs follow (index into `Scenario::skus`).
    pub(super) chart_sku: usize,
    /// Whether the scenario uses none of the features the day loop otherwise checks for on
    /// every SKU-day — streams, leading signals, expiring backorders, substitutes, categories,
    /// suppliers or sailings — as the textbook models do. Such a model is replayed SKU by SKU
    /// (`sku_by_sku`) by the same per-SKU-day code compiled with those checks known false
    /// (`sku_day::<_, true, _>`): dead branches removed and fewer values competing for
    /// registers (−8% on the textbook run).
    pub(super) plain: bool,
    /// Whether replications collect the stockout-risk register (`scenario.state.risk`).
    pub(crate) risk: bool,
    /// Each SKU's money constants (landed cost, net price), by SKU.
    pub(super) money: Vec<cash::SkuMoney>,
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
pub(super) struct SkuConsts {
    /// `[currency/unit]` value of a unit on order under `Model::plain_capital`: its unit cost,
    /// plus its freight when freight is paid at departure (the same on every lane then).
    pub(super) unit_cost: f64,
    pub(super) stockout: StockoutRule,
    pub(super) category: Option<usize>,
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
pub(super) struct SkuState {
    // Line 1: the stock, as the view and the day's sales read it.
    /// `[units]`
    pub(super) on_hand: i64,
    /// `[units]`
    pub(super) backorders: i64,
    /// `[units]` ordered, not yet received
    pub(super) on_order: i64,
    /// Post-stream correction of the planner's forecasts.
    pub(super) forecast_factor: f64,
    /// `[currency]` of goods departed and not yet received, and deposits on goods not yet
    /// departed.
    pub(super) transit_value: f64,
    pub(super) prepaid: f64,
    /// Next of this SKU's stream entries not yet aired (index into its `by_sku` list).
    pub(super) next_stream: usize,
    /// Whether some demand met an empty shelf today.
    pub(super) short_today: bool,
    /// This SKU's orders so far this replication. (It no longer keys shipments' random
    /// streams: they are keyed by what a shipment is, see `rng::Source::Transit`.)
    pub(super) seq: u32,
    // Line 2.
    /// Backorders by expiry day, oldest first, for SKUs whose backorders can expire
    /// (`Model::dated_backorders`): (last day still waiting, units).
    pub(super) waiting: VecDeque<(u32, u32)>,
    // Tallies over measured days [unit-days, units, days, orders]. The three stock tallies are
    // deliberately not adjacent: adjacent, they invite the compiler to add them as one 16-byte
    // load of (on_hand, backorders) just after on_hand's 8-byte store — a store-forwarding
    // stall that cost a fifth of the textbook replay.
    pub(super) on_hand_days: i64,
    pub(super) demanded: i64,
    pub(super) backorder_days: i64,
    pub(super) stockout_days: i64,
    // Line 3.
    pub(super) on_order_days: i64,
    // Supply tallies over measured days [currency·days, currency, units, shipments, days].
    pub(super) transit_value_days: f64,
    pub(super) prepaid_days: f64,
    /// `[units]` demanded and not served from stock on the day
    pub(super) short: i64,
    pub(super) lost: i64,
    // Conservation ledger over the whole horizon [units]; `shipped` moves every SKU-day.
    pub(super) shipped: i64,
    pub(super) received: i64,
    pub(super) ordered: i64,
    // Line 4: the money the end-of-day pass reads on every SKU-day.
    /// `[currency/unit]` moving-average landed cost of the units on hand.
    pub(super) avg_cost: f64,
    /// `[currency/unit]` price net of the platform's commission (`cash::SkuMoney`), and the
    /// holding cost [currency/unit/day], copied here at reset so the pass reads one line.
    pub(super) net_price: f64,
    pub(super) holding: f64,
    /// `[currency]` creators' commissions on stream sales so far.
    pub(super) creator: f64,
    // The rest are touched by orders, arrivals and streams only.
    pub(super) orders: i64,
    pub(super) stream_demanded: i64,
    pub(super) stream_served: i64,
    pub(super) presale: i64,
    pub(super) cancelled: i64,
    pub(super) substituted: i64,
    /// Orders placed on measured days, by `Trigger`.
    pub(super) triggered: [i64; Trigger::COUNT],
    /// Units ordered on measured days, by lane mode (sea, air, express).
    pub(super) units_by_mode: [i64; 3],
    /// Units ordered on measured days, by `Trigger` and by sea (0) or air/express (1).
    pub(super) units_by_trigger: [[i64; 2]; Trigger::COUNT],
    /// `[units]` ordered that a short delivery never brought.
    pub(super) undelivered: i64,
    pub(super) freight: f64,
    pub(super) premium: f64,
    pub(super) units_ordered: i64,
    pub(super) units_air: i64,
    pub(super) units_backup_supplier: i64,
    pub(super) customs_holds: i64,
    pub(super) port_delay_days: f64,
    pub(super) lead_unit_days: f64,
    /// Largest end-of-day capital tied up in this SKU over measured days `[currency]`, for
    /// `sku_summary.csv`.
    pub(super) capital_peak: f64,
    /// Money ledger over the whole horizon `[currency]`: paid for goods, freight and duty, and
    /// the landed value of the units received.
    pub(super) paid: f64,
    pub(super) landed_in: f64,
    /// `[currency]` duty on shipments ordered on measured days.
    pub(super) duty: f64,
    /// Σ over measured days of on-hand value, up to the day `avg_cost` last changed
    /// [currency·days], and `on_hand_days` then: the on-hand value tally without per-day work.
    pub(super) value_days: f64,
    pub(super) value_mark: i64,
    /// The ledger at the end of warm-up (`cash::Boundary`).
    pub(super) boundary: cash::Boundary,
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
    pub(super) fn reset(&mut self, initial_on_hand: u32) {
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
