//! The metrics every replication reports, in one registry.
//!
//! Each metric is one number per replication, computed over the measured days (warm-up
//! excluded) and summed over SKUs; `stats` then summarises it across replications. The order
//! here is the order of the terminal table; JSON keys are sorted by name. Names are part of the
//! output contract: never rename one.

use crate::policy::Trigger;
use crate::scenario::Mode;

/// One replication's sums over a scope's SKUs (every SKU, or one category's) and its measured
/// days: what every metric is computed from ([`Metric::value`]). A new metric is one row of
/// `metrics!` below — name, unit, definition and value together; a new sum is a field here and
/// its line in the engine's `scope_metrics`.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScopeTotals {
    /// Measured days.
    pub days: f64,
    /// Holding, backorder and fixed ordering cost `[currency]`.
    pub holding: f64,
    pub backorder: f64,
    pub ordering: f64,
    /// Σ over measured days of capital on hand, in transit and prepaid `[currency·days]`.
    pub cap_on_hand: f64,
    pub cap_transit: f64,
    pub cap_prepaid: f64,
    /// Price and margin of units lost or cancelled `[currency]`.
    pub lost_revenue: f64,
    pub lost_margin: f64,
    /// Σ over measured days of end-of-day on-hand, backordered and on-order units `[units]`.
    pub on_hand: i64,
    pub backorders: i64,
    pub transit: i64,
    /// Units demanded, served from stock on the day, lost `[units]`.
    pub demanded: i64,
    pub served: i64,
    pub lost: i64,
    /// SKU-days with some demand unserved.
    pub stockout_days: i64,
    /// Orders placed.
    pub orders: i64,
    /// In-stream units demanded and served `[units]`.
    pub stream_demanded: i64,
    pub stream_served: i64,
    /// Units taken on presale, cancelled, switched to a substitute, and drawn by viral spikes.
    pub presale: i64,
    pub cancelled: i64,
    pub substituted: i64,
    pub viral: u64,
    /// Orders per trigger, units per mode, and units per trigger (sea, air).
    pub triggered: [i64; Trigger::COUNT],
    pub by_mode: [i64; 3],
    pub by_trigger: [[i64; 2]; Trigger::COUNT],
    /// Freight, backup premium `[currency]`, congestion delay `[days]`, and Σ units × realised
    /// lead time `[unit·days]`.
    pub freight: f64,
    pub premium: f64,
    pub port_delay: f64,
    pub lead_days: f64,
    /// Units ordered, by air, from a backup supplier; customs holds.
    pub units: i64,
    pub air: i64,
    pub backup: i64,
    pub holds: i64,
    /// Value of the stock left at the end `[currency]`.
    pub terminal: f64,
    /// Duty paid and landed cost of units received `[currency]`, units received.
    pub duty: f64,
    pub landed_in: f64,
    pub received: i64,
    /// Gross margin of units sold `[currency]`.
    pub gross_margin: f64,
    /// Streams that ran out of stock.
    pub streams_out: usize,
    /// Peak capital tied up `[currency]`.
    pub peak_capital: f64,
    /// Cash: peak funding need `[currency]`, paid out and paid in `[currency]` (every SKU's
    /// scope only: a category's share of a credit line is not defined).
    pub peak_funding_need: f64,
    pub cash_out: f64,
    pub cash_in: f64,
    /// The objective's cost of capital `[fraction/year]`, lost-margin penalty and terminal
    /// value fraction.
    pub annual_cost_of_capital: f64,
    pub lost_margin_penalty: f64,
    pub terminal_value_fraction: f64,
}

impl ScopeTotals {
    /// `total_cost_per_day`.
    fn total_cost(&self) -> f64 {
        (self.holding + self.backorder + self.ordering + self.freight + self.premium + self.duty)
            / self.days
    }

    /// `capital_cost_per_day`.
    fn capital_cost(&self) -> f64 {
        (self.cap_on_hand + self.cap_transit + self.cap_prepaid) / self.days
            * self.annual_cost_of_capital
            / 365.0
    }

    /// `lost_margin_per_day`.
    fn lost_margin_per_day(&self) -> f64 {
        self.lost_margin / self.days
    }
}

/// `num / den`, 1 when nothing was asked for.
fn ratio(num: i64, den: i64) -> f64 {
    if den > 0 {
        num as f64 / den as f64
    } else {
        1.0
    }
}

/// `num / den`, 0 when there is nothing to share.
fn share(num: i64, den: i64) -> f64 {
    if den > 0 {
        num as f64 / den as f64
    } else {
        0.0
    }
}

macro_rules! metrics {
    ($($variant:ident => $name:literal, $unit:literal, $doc:literal, |$t:ident| $value:expr;)*) => {
        /// One reported metric.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(usize)]
        pub enum Metric { $(#[doc = $doc] $variant,)* }

        impl Metric {
            /// Every metric, in the order of the outputs' columns.
            pub const ALL: &'static [Metric] = &[$(Metric::$variant,)*];

            /// The name used in `summary.json` and `summary.csv`.
            pub fn name(self) -> &'static str {
                match self { $(Metric::$variant => $name,)* }
            }

            /// The unit the value is expressed in.
            pub fn unit(self) -> &'static str {
                match self { $(Metric::$variant => $unit,)* }
            }

            /// Its exact definition (Markdown), as `docs/metrics.md` shows it.
            pub fn definition(self) -> &'static str {
                match self { $(Metric::$variant => $doc,)* }
            }

            /// Its value in one replication, from the scope's totals: the definition above, as
            /// computed.
            pub(crate) fn value(self, totals: &ScopeTotals) -> f64 {
                match self { $(Metric::$variant => { let $t = totals; $value })* }
            }
        }
    };
}

metrics! {
    TotalCostPerDay => "total_cost_per_day", "currency/day",
        "holding + backorder + ordering + freight cost + backup premium + duty, divided by measured days",
        |t| t.total_cost();
    HoldingCostPerDay => "holding_cost_per_day", "currency/day",
        "Σ over measured days and SKUs of end-of-day on-hand units × `holding_per_unit_day`, ÷ measured days",
        |t| t.holding / t.days;
    BackorderCostPerDay => "backorder_cost_per_day", "currency/day",
        "Σ over measured days and SKUs of end-of-day backordered units × `backorder_per_unit_day`, ÷ measured days",
        |t| t.backorder / t.days;
    OrderingCostPerDay => "ordering_cost_per_day", "currency/day",
        "`fixed_order_cost` × orders placed on measured days, ÷ measured days",
        |t| t.ordering / t.days;
    FillRate => "fill_rate", "fraction",
        "units served from stock on the day they were demanded ÷ units demanded, over measured days (1 when nothing was demanded)",
        |t| ratio(t.served, t.demanded);
    StockoutDays => "stockout_days", "SKU-days",
        "measured SKU-days on which some demand could not be served from stock",
        |t| t.stockout_days as f64;
    LostUnits => "lost_units", "units",
        "units of buyers who left without buying (`lost` rule; `substitute` rule: those who did not switch or found the substitute empty) over the measured days",
        |t| t.lost as f64;
    OrdersPerDay => "orders_per_day", "orders/day",
        "replenishment orders placed on measured days ÷ measured days",
        |t| t.orders as f64 / t.days;
    AvgOnHandUnits => "avg_on_hand_units", "units",
        "mean over measured days of end-of-day on-hand units, summed over SKUs",
        |t| t.on_hand as f64 / t.days;
    AvgBackorderUnits => "avg_backorder_units", "units",
        "mean over measured days of end-of-day backordered units, summed over SKUs",
        |t| t.backorders as f64 / t.days;
    AvgInTransitUnits => "avg_in_transit_units", "units",
        "mean over measured days of end-of-day units ordered and not yet received, summed over SKUs",
        |t| t.transit as f64 / t.days;
    CapitalOnHandAvg => "capital_on_hand_avg", "currency",
        "mean over measured days of the end-of-day value of on-hand units at their moving-average landed cost (unit cost with supplier premium + freight + duty, as paid; opening stock at the SKU's standard landed cost on the first lane), summed over SKUs",
        |t| t.cap_on_hand / t.days;
    CapitalInTransitAvg => "capital_in_transit_avg", "currency",
        "mean over measured days of the end-of-day value of goods shipped by their supplier and not yet received (`unit_cost` × (1 + supplier `premium`) × units, plus their freight when `freight.paid` is `departure`), summed over SKUs",
        |t| t.cap_transit / t.days;
    CapitalTiedAvg => "capital_tied_avg", "currency",
        "`capital_on_hand_avg` + `capital_in_transit_avg` + `capital_prepaid_avg`",
        |t| (t.cap_on_hand + t.cap_transit + t.cap_prepaid) / t.days;
    CapitalTiedPeak => "capital_tied_peak", "currency",
        "the replication's largest end-of-day capital tied up (on hand + in transit + prepaid deposits) over the measured days",
        |t| t.peak_capital;
    DemandUnits => "demand_units", "units",
        "units buyers wanted on measured days (latent demand, off-stream and in-stream, whatever the stock)",
        |t| t.demanded as f64;
    DemandStreamUnits => "demand_stream_units", "units",
        "units buyers wanted during live streams on measured days",
        |t| t.stream_demanded as f64;
    DemandViralUnits => "demand_viral_units", "units",
        "extra units viral spikes brought on measured days (decaying surges plus persistent baseline steps)",
        |t| t.viral as f64;
    LostRevenue => "lost_revenue", "currency",
        "`price` × (`lost_units` + `cancelled_units`), summed over SKUs",
        |t| t.lost_revenue;
    StreamsStockedOut => "streams_stocked_out", "streams",
        "streams on measured days in which a featured SKU ran out and turned buyers away before the stream ended",
        |t| t.streams_out as f64;
    PresaleUnits => "presale_units", "units",
        "units buyers accepted as presale orders when the shelf was empty (`presale` rule)",
        |t| t.presale as f64;
    CancelledUnits => "cancelled_units", "units",
        "units of buyers who refused the presale, plus presale orders cancelled after waiting longer than `max_wait_days`",
        |t| t.cancelled as f64;
    SubstitutedUnits => "substituted_units", "units",
        "units bought from the substitute SKU by buyers who found their SKU out of stock (`substitute` rule)",
        |t| t.substituted as f64;
    FillRateInStream => "fill_rate_in_stream", "fraction",
        "units served from stock during streams ÷ units demanded during streams, over measured days (1 when nothing was demanded in a stream)",
        |t| ratio(t.stream_served, t.stream_demanded);
    FreightCostPerDay => "freight_cost_per_day", "currency/day",
        "freight (`per_unit` + `per_kg` × `weight_kg` + `per_m3` × `volume_m3`) on the units delivered by shipments ordered on measured days, ÷ measured days",
        |t| t.freight / t.days;
    AirUnitsShare => "air_units_share", "fraction",
        "units ordered on `air` or `express` lanes ÷ units ordered, on measured days (0 when nothing was ordered)",
        |t| share(t.air, t.units);
    BackupSupplierUnits => "backup_supplier_units", "units",
        "units the fallback rule sent to a backup supplier, ordered on measured days",
        |t| t.backup as f64;
    BackupPremiumCost => "backup_premium_cost", "currency",
        "supplier `premium` × `unit_cost` × units delivered, for shipments ordered on measured days (premiums are set on backup suppliers)",
        |t| t.premium;
    CustomsHolds => "customs_holds", "shipments",
        "shipments ordered on measured days that customs held for inspection",
        |t| t.holds as f64;
    CongestionDelayDays => "congestion_delay_days", "shipment-days",
        "days of delay port congestion and scripted closures added, summed over shipments ordered on measured days",
        |t| t.port_delay;
    MeanRealisedLeadTimeDays => "mean_realised_lead_time_days", "days",
        "mean over units ordered on measured days of the days from order to sellable stock, as it happened (0 when nothing was ordered)",
        |t| if t.units > 0 { t.lead_days / t.units as f64 } else { 0.0 };
    CapitalPrepaidAvg => "capital_prepaid_avg", "currency",
        "mean over measured days of end-of-day deposits paid to suppliers for goods not yet shipped, summed over SKUs",
        |t| t.cap_prepaid / t.days;
    LostMarginPerDay => "lost_margin_per_day", "currency/day",
        "(`price` × (1 − `commission`) − standard landed cost, at least 0) × (`lost_units` + `cancelled_units`), less the creator's commission on the units a stream could not serve, summed over SKUs, ÷ measured days",
        |t| t.lost_margin_per_day();
    CapitalCostPerDay => "capital_cost_per_day", "currency/day",
        "`capital_tied_avg` × `objective.annual_cost_of_capital` ÷ 365",
        |t| t.capital_cost();
    Score => "score", "currency/day",
        "the objective: `total_cost_per_day` + `objective.lost_margin_penalty` × `lost_margin_per_day` + `capital_cost_per_day` + (1 − `objective.terminal_value_fraction`) × `terminal_stock_value` ÷ measured days (lower is better)",
        |t| t.total_cost()
            + t.lost_margin_penalty * t.lost_margin_per_day()
            + t.capital_cost()
            + (1.0 - t.terminal_value_fraction) * t.terminal / t.days;
    TriggersCover => "triggers_cover", "orders",
        "orders the layered policy's cover dimension placed on measured days",
        |t| t.triggered[Trigger::Cover as usize] as f64;
    TriggersStream => "triggers_stream", "orders",
        "orders its live-stream schedule dimension placed on measured days",
        |t| t.triggered[Trigger::Stream as usize] as f64;
    TriggersPulse => "triggers_pulse", "orders",
        "orders its real-time pulse dimension placed mid-stream on measured days",
        |t| t.triggered[Trigger::Pulse as usize] as f64;
    TriggersSignal => "triggers_signal", "orders",
        "orders its viral early-warning dimension placed on measured days",
        |t| t.triggered[Trigger::Signal as usize] as f64;
    UnitsSea => "units_sea", "units",
        "units ordered on measured days by `sea` lanes (every policy)",
        |t| t.by_mode[Mode::Sea as usize] as f64;
    UnitsAir => "units_air", "units",
        "units ordered on measured days by `air` lanes",
        |t| t.by_mode[Mode::Air as usize] as f64;
    UnitsExpress => "units_express", "units",
        "units ordered on measured days by `express` lanes",
        |t| t.by_mode[Mode::Express as usize] as f64;
    UnitsCoverSea => "units_cover_sea", "units",
        "units the layered policy's cover dimension ordered on measured days that travelled by `sea` lanes (after any fallback)",
        |t| t.by_trigger[Trigger::Cover as usize][0] as f64;
    UnitsCoverAir => "units_cover_air", "units",
        "units the layered policy's cover dimension ordered on measured days that travelled by `air` or `express` lanes (after any fallback)",
        |t| t.by_trigger[Trigger::Cover as usize][1] as f64;
    UnitsStreamSea => "units_stream_sea", "units",
        "units the layered policy's live-stream schedule dimension ordered on measured days that travelled by `sea` lanes (after any fallback)",
        |t| t.by_trigger[Trigger::Stream as usize][0] as f64;
    UnitsStreamAir => "units_stream_air", "units",
        "units the layered policy's live-stream schedule dimension ordered on measured days that travelled by `air` or `express` lanes (after any fallback)",
        |t| t.by_trigger[Trigger::Stream as usize][1] as f64;
    UnitsPulseSea => "units_pulse_sea", "units",
        "units the layered policy's real-time pulse dimension ordered on measured days that travelled by `sea` lanes (after any fallback)",
        |t| t.by_trigger[Trigger::Pulse as usize][0] as f64;
    UnitsPulseAir => "units_pulse_air", "units",
        "units the layered policy's real-time pulse dimension ordered on measured days that travelled by `air` or `express` lanes (after any fallback)",
        |t| t.by_trigger[Trigger::Pulse as usize][1] as f64;
    UnitsSignalSea => "units_signal_sea", "units",
        "units the layered policy's viral early-warning dimension ordered on measured days that travelled by `sea` lanes (after any fallback)",
        |t| t.by_trigger[Trigger::Signal as usize][0] as f64;
    UnitsSignalAir => "units_signal_air", "units",
        "units the layered policy's viral early-warning dimension ordered on measured days that travelled by `air` or `express` lanes (after any fallback)",
        |t| t.by_trigger[Trigger::Signal as usize][1] as f64;
    TerminalStockValue => "terminal_stock_value", "currency",
        "value at landed cost of the stock left at the end: on hand at its moving-average landed cost plus ordered and not yet received at the standard landed cost (unit cost with premium + the first lane's freight + duty), summed over SKUs (the score is charged (1 − `objective.terminal_value_fraction`) × it ÷ measured days)",
        |t| t.terminal;
    DutyCostPerDay => "duty_cost_per_day", "currency/day",
        "import duty (`duty_rate` × customs value × units delivered; customs value = `customs_value`, else `unit_cost` × (1 + supplier `premium`)) of shipments ordered on measured days, ÷ measured days",
        |t| t.duty / t.days;
    LandedCostPerUnit => "landed_cost_per_unit", "currency/unit",
        "mean over units received on measured days of their landed cost: unit cost with supplier premium + their share of the shipment's freight + duty (0 when nothing was received)",
        |t| if t.received > 0 { t.landed_in / t.received as f64 } else { 0.0 };
    GrossMarginPerDay => "gross_margin_per_day", "currency/day",
        "net sales (units sold × `price` × (1 − `commission`), less the creators' `creator_commission` on stream sales) − landed cost of the units sold (moving average), over measured days, ÷ measured days",
        |t| t.gross_margin / t.days;
    PeakFundingNeed => "peak_funding_need", "currency",
        "the replication's lowest cumulative net cash (cash in − cash out from the first measured day; see `cash_out_per_day`), as a positive amount (0 if it never went below 0): the credit line the plan needs (all SKUs only: 0 in a category's scope)",
        |t| t.peak_funding_need;
    CashOutPerDay => "cash_out_per_day", "currency/day",
        "cash paid on measured days — deposits at order, balances at departure, freight (at departure or arrival, `freight.paid`), duty at arrival, `fixed_order_cost` at order, storage (`holding_per_unit_day`) daily — ÷ measured days (all SKUs only: 0 in a category's scope)",
        |t| t.cash_out / t.days;
    CashInPerDay => "cash_in_per_day", "currency/day",
        "net proceeds (price − commissions) of units sold on measured days, received `payout_lag_days` later within the horizon, ÷ measured days (all SKUs only: 0 in a category's scope)",
        |t| t.cash_in / t.days;
    TriggersPersist => "triggers_persist", "orders",
        "orders the layered policy placed on measured days when a rise was judged persistent (its new level short over `persist_lane`'s lead time)",
        |t| t.triggered[Trigger::Persist as usize] as f64;
    UnitsPersistSea => "units_persist_sea", "units",
        "units the layered policy's persistent-rise orders ordered on measured days that travelled by `sea` lanes (after any fallback)",
        |t| t.by_trigger[Trigger::Persist as usize][0] as f64;
    UnitsPersistAir => "units_persist_air", "units",
        "units the layered policy's persistent-rise orders ordered on measured days that travelled by `air` or `express` lanes (after any fallback)",
        |t| t.by_trigger[Trigger::Persist as usize][1] as f64;
}

pub const METRIC_COUNT: usize = Metric::ALL.len();

/// The metrics reference table of `docs/metrics.md` (Markdown), generated from the registry so
/// that the documentation cannot drift from what is computed: a test compares the file with
/// this table.
#[cfg(test)]
pub fn reference_table() -> String {
    let mut out = String::from("| metric | unit | definition |\n|---|---|---|\n");
    for m in Metric::ALL {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            m.name(),
            m.unit(),
            m.definition()
        ));
    }
    out
}

/// One replication's value of every metric, indexed by `Metric as usize`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RepMetrics(pub [f64; METRIC_COUNT]);

impl Default for RepMetrics {
    fn default() -> Self {
        RepMetrics([0.0; METRIC_COUNT])
    }
}

impl RepMetrics {
    /// The value of metric `m`.
    pub fn get(&self, m: Metric) -> f64 {
        self.0[m as usize]
    }

    /// Sets metric `m` to `v`.
    pub fn set(&mut self, m: Metric, v: f64) {
        self.0[m as usize] = v;
    }
}

/// One simulated day of one replication, as the calendar outputs need it: end-of-day capital
/// tied up by component, summed over SKUs, and the chart SKU's stock. Recorded for every day,
/// warm-up included; one record per day (not per SKU) keeps the cost off the SKU-day loop.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DayRecord {
    /// End-of-day on-hand units × unit cost `[currency]`.
    pub on_hand: f64,
    /// Units ordered and not yet received × unit cost `[currency]`.
    pub in_transit: f64,
    /// Paid to suppliers for goods not yet shipped `[currency]`.
    pub prepaid: f64,
    /// End-of-day on-hand units of the chart SKU `[units]`.
    pub sku_on_hand: i64,
    /// Whether some demand for the chart SKU met an empty shelf that day.
    pub sku_short: bool,
    /// Net proceeds (price − commissions) of every unit sold since day 0 `[currency]`.
    pub revenue: f64,
    /// The day's storage (holding) cost `[currency]`.
    pub storage: f64,
    /// Cash paid out and paid in that day, and the cumulative net cash from the first
    /// measured day (0 on warm-up days) `[currency]`; see `engine::cash`.
    pub cash_out: f64,
    /// Cash paid in that day `[currency]`.
    pub cash_in: f64,
    /// Cumulative net cash from the first measured day `[currency]`.
    pub net_cash: f64,
}

impl DayRecord {
    /// Capital tied up `[currency]`: on hand + in transit + prepaid.
    #[inline(always)]
    pub fn total(&self) -> f64 {
        self.on_hand + self.in_transit + self.prepaid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_indices_dense() {
        let mut names: Vec<_> = Metric::ALL.iter().map(|m| m.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), METRIC_COUNT);
        for (i, m) in Metric::ALL.iter().enumerate() {
            assert_eq!(*m as usize, i);
        }
    }
}
