//! The metrics every replication reports, in one registry.
//!
//! Each metric is one number per replication, computed over the measured days (warm-up
//! excluded) and summed over SKUs; `stats` then summarises it across replications. The order
//! here is the order of the terminal table; JSON keys are sorted by name. Names are part of the
//! output contract: never rename one.

macro_rules! metrics {
    ($($variant:ident => $name:literal, $unit:literal, $doc:literal;)*) => {
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
        }
    };
}

metrics! {
    TotalCostPerDay => "total_cost_per_day", "currency/day",
        "holding + backorder + ordering + freight cost + backup premium + duty, divided by measured days";
    HoldingCostPerDay => "holding_cost_per_day", "currency/day",
        "Σ over measured days and SKUs of end-of-day on-hand units × `holding_per_unit_day`, ÷ measured days";
    BackorderCostPerDay => "backorder_cost_per_day", "currency/day",
        "Σ over measured days and SKUs of end-of-day backordered units × `backorder_per_unit_day`, ÷ measured days";
    OrderingCostPerDay => "ordering_cost_per_day", "currency/day",
        "`fixed_order_cost` × orders placed on measured days, ÷ measured days";
    FillRate => "fill_rate", "fraction",
        "units served from stock on the day they were demanded ÷ units demanded, over measured days (1 when nothing was demanded)";
    StockoutDays => "stockout_days", "SKU-days",
        "measured SKU-days on which some demand could not be served from stock";
    LostUnits => "lost_units", "units",
        "units of buyers who left without buying (`lost` rule; `substitute` rule: those who did not switch or found the substitute empty) over the measured days";
    OrdersPerDay => "orders_per_day", "orders/day",
        "replenishment orders placed on measured days ÷ measured days";
    AvgOnHandUnits => "avg_on_hand_units", "units",
        "mean over measured days of end-of-day on-hand units, summed over SKUs";
    AvgBackorderUnits => "avg_backorder_units", "units",
        "mean over measured days of end-of-day backordered units, summed over SKUs";
    AvgInTransitUnits => "avg_in_transit_units", "units",
        "mean over measured days of end-of-day units ordered and not yet received, summed over SKUs";
    CapitalOnHandAvg => "capital_on_hand_avg", "currency",
        "mean over measured days of the end-of-day value of on-hand units at their moving-average landed cost (unit cost with supplier premium + freight + duty, as paid; opening stock at the SKU's standard landed cost on the first lane), summed over SKUs";
    CapitalInTransitAvg => "capital_in_transit_avg", "currency",
        "mean over measured days of the end-of-day value of goods shipped by their supplier and not yet received (`unit_cost` × (1 + supplier `premium`) × units, plus their freight when `freight.paid` is `departure`), summed over SKUs";
    CapitalTiedAvg => "capital_tied_avg", "currency",
        "`capital_on_hand_avg` + `capital_in_transit_avg` + `capital_prepaid_avg`";
    CapitalTiedPeak => "capital_tied_peak", "currency",
        "the replication's largest end-of-day capital tied up (on hand + in transit + prepaid deposits) over the measured days";
    DemandUnits => "demand_units", "units",
        "units buyers wanted on measured days (latent demand, off-stream and in-stream, whatever the stock)";
    DemandStreamUnits => "demand_stream_units", "units",
        "units buyers wanted during live streams on measured days";
    DemandViralUnits => "demand_viral_units", "units",
        "extra units viral spikes brought on measured days (decaying surges plus persistent baseline steps)";
    LostRevenue => "lost_revenue", "currency",
        "`price` × (`lost_units` + `cancelled_units`), summed over SKUs";
    StreamsStockedOut => "streams_stocked_out", "streams",
        "streams on measured days in which a featured SKU ran out and turned buyers away before the stream ended";
    PresaleUnits => "presale_units", "units",
        "units buyers accepted as presale orders when the shelf was empty (`presale` rule)";
    CancelledUnits => "cancelled_units", "units",
        "units of buyers who refused the presale, plus presale orders cancelled after waiting longer than `max_wait_days`";
    SubstitutedUnits => "substituted_units", "units",
        "units bought from the substitute SKU by buyers who found their SKU out of stock (`substitute` rule)";
    FillRateInStream => "fill_rate_in_stream", "fraction",
        "units served from stock during streams ÷ units demanded during streams, over measured days (1 when nothing was demanded in a stream)";
    FreightCostPerDay => "freight_cost_per_day", "currency/day",
        "freight (`per_unit` + `per_kg` × `weight_kg` + `per_m3` × `volume_m3`) on the units delivered by shipments ordered on measured days, ÷ measured days";
    AirUnitsShare => "air_units_share", "fraction",
        "units ordered on `air` or `express` lanes ÷ units ordered, on measured days (0 when nothing was ordered)";
    BackupSupplierUnits => "backup_supplier_units", "units",
        "units the fallback rule sent to a backup supplier, ordered on measured days";
    BackupPremiumCost => "backup_premium_cost", "currency",
        "supplier `premium` × `unit_cost` × units delivered, for shipments ordered on measured days (premiums are set on backup suppliers)";
    CustomsHolds => "customs_holds", "shipments",
        "shipments ordered on measured days that customs held for inspection";
    CongestionDelayDays => "congestion_delay_days", "shipment-days",
        "days of delay port congestion and scripted closures added, summed over shipments ordered on measured days";
    MeanRealisedLeadTimeDays => "mean_realised_lead_time_days", "days",
        "mean over units ordered on measured days of the days from order to sellable stock, as it happened (0 when nothing was ordered)";
    CapitalPrepaidAvg => "capital_prepaid_avg", "currency",
        "mean over measured days of end-of-day deposits paid to suppliers for goods not yet shipped, summed over SKUs";
    LostMarginPerDay => "lost_margin_per_day", "currency/day",
        "(`price` × (1 − `commission`) − standard landed cost, at least 0) × (`lost_units` + `cancelled_units`), less the creator's commission on the units a stream could not serve, summed over SKUs, ÷ measured days";
    CapitalCostPerDay => "capital_cost_per_day", "currency/day",
        "`capital_tied_avg` × `objective.annual_cost_of_capital` ÷ 365";
    Score => "score", "currency/day",
        "the objective: `total_cost_per_day` + `objective.lost_margin_penalty` × `lost_margin_per_day` + `capital_cost_per_day` + (1 − `objective.terminal_value_fraction`) × `terminal_stock_value` ÷ measured days (lower is better)";
    TriggersCover => "triggers_cover", "orders",
        "orders the layered policy's cover dimension placed on measured days";
    TriggersStream => "triggers_stream", "orders",
        "orders its live-stream schedule dimension placed on measured days";
    TriggersPulse => "triggers_pulse", "orders",
        "orders its real-time pulse dimension placed mid-stream on measured days";
    TriggersSignal => "triggers_signal", "orders",
        "orders its viral early-warning dimension placed on measured days";
    UnitsSea => "units_sea", "units",
        "units ordered on measured days by `sea` lanes (every policy)";
    UnitsAir => "units_air", "units",
        "units ordered on measured days by `air` lanes";
    UnitsExpress => "units_express", "units",
        "units ordered on measured days by `express` lanes";
    UnitsCoverSea => "units_cover_sea", "units",
        "units the layered policy's cover dimension ordered on measured days that travelled by `sea` lanes (after any fallback)";
    UnitsCoverAir => "units_cover_air", "units",
        "units the layered policy's cover dimension ordered on measured days that travelled by `air` or `express` lanes (after any fallback)";
    UnitsStreamSea => "units_stream_sea", "units",
        "units the layered policy's live-stream schedule dimension ordered on measured days that travelled by `sea` lanes (after any fallback)";
    UnitsStreamAir => "units_stream_air", "units",
        "units the layered policy's live-stream schedule dimension ordered on measured days that travelled by `air` or `express` lanes (after any fallback)";
    UnitsPulseSea => "units_pulse_sea", "units",
        "units the layered policy's real-time pulse dimension ordered on measured days that travelled by `sea` lanes (after any fallback)";
    UnitsPulseAir => "units_pulse_air", "units",
        "units the layered policy's real-time pulse dimension ordered on measured days that travelled by `air` or `express` lanes (after any fallback)";
    UnitsSignalSea => "units_signal_sea", "units",
        "units the layered policy's viral early-warning dimension ordered on measured days that travelled by `sea` lanes (after any fallback)";
    UnitsSignalAir => "units_signal_air", "units",
        "units the layered policy's viral early-warning dimension ordered on measured days that travelled by `air` or `express` lanes (after any fallback)";
    TerminalStockValue => "terminal_stock_value", "currency",
        "value at landed cost of the stock left at the end: on hand at its moving-average landed cost plus ordered and not yet received at the standard landed cost (unit cost with premium + the first lane's freight + duty), summed over SKUs (the score is charged (1 − `objective.terminal_value_fraction`) × it ÷ measured days)";
    DutyCostPerDay => "duty_cost_per_day", "currency/day",
        "import duty (`duty_rate` × customs value × units delivered; customs value = `customs_value`, else `unit_cost` × (1 + supplier `premium`)) of shipments ordered on measured days, ÷ measured days";
    LandedCostPerUnit => "landed_cost_per_unit", "currency/unit",
        "mean over units received on measured days of their landed cost: unit cost with supplier premium + their share of the shipment's freight + duty (0 when nothing was received)";
    GrossMarginPerDay => "gross_margin_per_day", "currency/day",
        "net sales (units sold × `price` × (1 − `commission`), less the creators' `creator_commission` on stream sales) − landed cost of the units sold (moving average), over measured days, ÷ measured days";
    PeakFundingNeed => "peak_funding_need", "currency",
        "the replication's lowest cumulative net cash (cash in − cash out from the first measured day; see `cash_out_per_day`), as a positive amount (0 if it never went below 0): the credit line the plan needs (all SKUs only: 0 in a category's scope)";
    CashOutPerDay => "cash_out_per_day", "currency/day",
        "cash paid on measured days — deposits at order, balances at departure, freight (at departure or arrival, `freight.paid`), duty at arrival, `fixed_order_cost` at order, storage (`holding_per_unit_day`) daily — ÷ measured days (all SKUs only: 0 in a category's scope)";
    CashInPerDay => "cash_in_per_day", "currency/day",
        "net proceeds (price − commissions) of units sold on measured days, received `payout_lag_days` later within the horizon, ÷ measured days (all SKUs only: 0 in a category's scope)";
    TriggersPersist => "triggers_persist", "orders",
        "orders the layered policy placed on measured days when a rise was judged persistent (its new level short over `persist_lane`'s lead time)";
    UnitsPersistSea => "units_persist_sea", "units",
        "units the layered policy's persistent-rise orders ordered on measured days that travelled by `sea` lanes (after any fallback)";
    UnitsPersistAir => "units_persist_air", "units",
        "units the layered policy's persistent-rise orders ordered on measured days that travelled by `air` or `express` lanes (after any fallback)";
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
