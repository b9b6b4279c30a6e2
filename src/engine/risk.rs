//! The stockout-risk register's raw material: per replication, each SKU's unserved units and
//! end-of-week stock by week, its first day short, and each stream entry's unserved units.
//!
//! Collected only when the scenario asks for the register (a run from a `state:` or `--risk`):
//! other runs keep their speed and memory. Weeks count from the first measured day (week 0 is
//! its first 7 days), not calendar weeks.

use super::state::{Model, SkuState};

/// One replication's risk tallies (SKU-major arrays).
#[derive(Debug, Clone, Default)]
pub struct RiskRecord {
    /// Weeks of measured days (the last may be short).
    pub weeks: usize,
    /// `[units]` demanded and not served from stock, `sku * weeks + week`.
    pub week_short: Vec<u32>,
    /// `[units]` on hand at the end of each week's last day, `sku * weeks + week`.
    pub week_on_hand: Vec<i64>,
    /// First measured day (counted from the first measured day) with some demand unserved;
    /// `u32::MAX`: none.
    pub first_short: Vec<u32>,
    /// `[units]` unserved during each stream entry (`demand::StreamPlan::entries`).
    pub entry_short: Vec<u32>,
    /// Each SKU's `short` tally at the end of the previous week.
    mark: Vec<i64>,
}

impl RiskRecord {
    pub(super) fn new(model: &Model) -> RiskRecord {
        let n = model.scenario.skus.len();
        let weeks = model.scenario.calendar.measured_days().div_ceil(7) as usize;
        RiskRecord {
            weeks,
            week_short: vec![0; n * weeks],
            week_on_hand: vec![0; n * weeks],
            first_short: vec![u32::MAX; n],
            entry_short: vec![0; model.demand.streams.entries.len()],
            mark: vec![0; n],
        }
    }

    pub(super) fn reset(&mut self) {
        self.week_short.fill(0);
        self.week_on_hand.fill(0);
        self.first_short.fill(u32::MAX);
        self.entry_short.fill(0);
        self.mark.fill(0);
    }

    /// End of measured day `m` (counted from the first measured day) of `days`.
    pub(super) fn end_of_day(&mut self, skus: &[SkuState], m: u32, days: u32) {
        for (first, st) in self.first_short.iter_mut().zip(skus) {
            if st.short_today && *first == u32::MAX {
                *first = m;
            }
        }
        if m % 7 == 6 || m + 1 == days {
            let w = (m / 7) as usize;
            for (i, st) in skus.iter().enumerate() {
                let k = i * self.weeks + w;
                self.week_short[k] = (st.short - self.mark[i]).clamp(0, i64::from(u32::MAX)) as u32;
                self.mark[i] = st.short;
                self.week_on_hand[k] = st.on_hand;
            }
        }
    }
}
