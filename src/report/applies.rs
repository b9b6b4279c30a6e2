//! Which metrics can apply to a scenario, and which have nothing to measure in a run — so the
//! terminal and the report leave out stream metrics without streams, freight without freight
//! prices, triggers without a layered policy (shown with `--verbose`), and print `n/a` rather
//! than a number that measures nothing. The files keep every metric.

use crate::metrics::{METRIC_COUNT, Metric};
use crate::scenario::{Mode, PolicyRule, Scenario, StockoutRule};
use crate::stats::CandidateStats;

/// Per metric (`Metric as usize`): whether the scenario can make it anything but a constant.
pub fn applicable(sc: &Scenario) -> Vec<bool> {
    use Metric::*;
    let streams = !sc.streams.streams.is_empty();
    let viral = sc.skus.iter().any(|k| k.demand.viral.is_some());
    let freight = sc
        .lanes
        .iter()
        .any(|l| l.freight.per_unit > 0.0 || l.freight.per_kg > 0.0 || l.freight.per_m3 > 0.0);
    let layered = sc
        .policies
        .iter()
        .any(|p| matches!(p.rule, PolicyRule::Layered(_)));
    let fast = |m: Mode| sc.lanes.iter().any(|l| l.mode == m);
    let rules = || {
        sc.skus
            .iter()
            .flat_map(|k| [k.stockout, k.stockout_in_stream])
    };
    let backorders =
        rules().any(|r| matches!(r, StockoutRule::Backorder | StockoutRule::Presale { .. }));
    let presale = rules().any(|r| matches!(r, StockoutRule::Presale { .. }));
    let substitute = rules().any(|r| matches!(r, StockoutRule::Substitute { .. }));
    let suppliers = !sc.suppliers.is_empty();
    let backup = sc.skus.iter().any(|k| k.supply.backup.is_some());
    let customs = sc.lanes.iter().any(|l| l.customs.is_some());
    let congestion = sc.disruptions.congestion.is_some() || !sc.disruptions.scripted.is_empty();
    let priced = sc.skus.iter().any(|k| k.price > 0.0);
    let capital_cost = sc.objective.annual_cost_of_capital > 0.0;
    let mut out = vec![true; METRIC_COUNT];
    let mut off = |ms: &[Metric], on: bool| {
        for &m in ms {
            out[m as usize] &= on;
        }
    };
    off(
        &[DemandStreamUnits, StreamsStockedOut, FillRateInStream],
        streams,
    );
    off(&[DemandViralUnits], viral);
    off(&[FreightCostPerDay], freight);
    off(
        &[
            TriggersCover,
            TriggersStream,
            TriggersPulse,
            TriggersSignal,
            UnitsCoverSea,
            UnitsCoverAir,
            UnitsStreamSea,
            UnitsStreamAir,
            UnitsPulseSea,
            UnitsPulseAir,
            UnitsSignalSea,
            UnitsSignalAir,
            TriggersPersist,
            UnitsPersistSea,
            UnitsPersistAir,
        ],
        layered,
    );
    off(
        &[
            TriggersStream,
            UnitsStreamSea,
            UnitsStreamAir,
            TriggersPulse,
        ],
        streams,
    );
    off(&[UnitsPulseSea, UnitsPulseAir], streams);
    off(
        &[UnitsAir, AirUnitsShare],
        fast(Mode::Air) || fast(Mode::Express),
    );
    off(&[UnitsExpress], fast(Mode::Express));
    off(&[BackorderCostPerDay, AvgBackorderUnits], backorders);
    off(&[PresaleUnits, CancelledUnits], presale);
    off(&[SubstitutedUnits], substitute);
    off(&[CapitalPrepaidAvg], suppliers);
    off(&[BackupSupplierUnits, BackupPremiumCost], backup);
    off(&[CustomsHolds], customs);
    off(&[CongestionDelayDays], congestion);
    off(&[LostRevenue, LostMarginPerDay], priced);
    off(&[CapitalCostPerDay], capital_cost);
    out
}

/// Whether metric `m` of candidate `c` measured nothing in the run (a ratio over zero units):
/// shown as `n/a`.
pub fn nothing_to_measure(c: &CandidateStats, m: Metric) -> bool {
    let zero = |m: Metric| {
        let s = c.metric(m);
        s.mean == 0.0 && s.p95 == 0.0 && s.p5 == 0.0
    };
    match m {
        Metric::FillRate => zero(Metric::DemandUnits),
        Metric::FillRateInStream => zero(Metric::DemandStreamUnits),
        Metric::AirUnitsShare | Metric::MeanRealisedLeadTimeDays => {
            zero(Metric::UnitsSea) && zero(Metric::UnitsAir) && zero(Metric::UnitsExpress)
        }
        _ => false,
    }
}
