//! What a planner can see of supply (DESIGN §1): quotes for an order placed now — from the
//! primary and from the backup — and the open shipments with the arrival each was quoted.
//! Realised arrivals, customs holds and congestion are not here: they are known only when
//! the stock lands.

use super::{Ledger, Quote, Supply};
use crate::scenario::Scenario;

/// A shipment ordered and not yet received, as the purchase-order list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenShipment {
    /// The engine's handle (internal; stable while the shipment is open).
    pub(crate) id: u32,
    /// [units] ordered.
    pub qty: u32,
    pub lane: usize,
    /// Whether it went to the backup.
    pub backup: bool,
    /// Day it was ordered.
    pub ordered_day: u32,
    /// First sellable day the supplier and forwarder quoted when it was ordered.
    pub quoted_eta_day: u32,
}

/// Supply as one SKU's planner sees it at a review.
#[derive(Debug, Clone, Copy)]
pub struct SupplyView<'a> {
    ctx: Option<(&'a Scenario, &'a Supply, &'a Ledger)>,
    sku: usize,
    /// [days since start]
    now: f64,
    /// Open shipments of the SKU, in order of ordering.
    pub pipeline: &'a [OpenShipment],
}

impl<'a> SupplyView<'a> {
    /// A view with nothing to quote (unit tests of policies).
    pub const EMPTY: SupplyView<'static> = SupplyView {
        ctx: None,
        sku: 0,
        now: 0.0,
        pipeline: &[],
    };

    pub(crate) fn new(
        sc: &'a Scenario,
        supply: &'a Supply,
        ledger: &'a Ledger,
        sku: usize,
        now: f64,
        pipeline: &'a [OpenShipment],
    ) -> Self {
        SupplyView {
            ctx: Some((sc, supply, ledger)),
            sku,
            now,
            pipeline,
        }
    }

    /// The primary supplier's quote for `qty` units on `lane` ordered now.
    pub fn quote(&self, lane: usize, qty: u32) -> Option<Quote> {
        let (sc, supply, ledger) = self.ctx?;
        let s = sc.skus[self.sku].supply.supplier;
        Some(supply.quote(sc, ledger, s, lane, qty, self.now, false))
    }

    /// The backup's quote for `qty` units ordered now (`lane` when the SKU has no backup
    /// lane), or `None` without a backup.
    pub fn backup_quote(&self, lane: usize, qty: u32) -> Option<Quote> {
        let (sc, supply, ledger) = self.ctx?;
        let sku = &sc.skus[self.sku].supply;
        let b = sku.backup?;
        let s = b.supplier.or(sku.supplier);
        Some(supply.quote(sc, ledger, s, b.lane.unwrap_or(lane), qty, self.now, false))
    }

    /// [units] on order due (by quote) on or before `day`.
    pub fn quoted_by(&self, day: u32) -> i64 {
        self.pipeline
            .iter()
            .filter(|o| o.quoted_eta_day <= day)
            .map(|o| i64::from(o.qty))
            .sum()
    }
}
