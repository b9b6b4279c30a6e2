//! What a planner can see of supply (DESIGN §1): quotes for an order placed now — from the
//! primary and from the backup — and the open shipments with the arrival each was quoted.
//! Realised arrivals, customs holds and congestion are not here: they are known only when
//! the stock lands.

use super::{Ledger, Quote, Supply};
use crate::calendar::{MINUTES_PER_DAY, SimTime};
use crate::engine::Model;

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

/// The books supply keeps during a replication: capacity booked at each supplier and the
/// open shipments of each SKU (owned by the engine, read by the policy's view).
#[derive(Debug, Clone, Default)]
pub struct Books {
    pub(crate) ledger: Ledger,
    pub(crate) pipelines: Vec<Vec<OpenShipment>>,
}

impl Books {
    pub(crate) fn new(supply: &Supply, skus: usize) -> Books {
        Books {
            ledger: Ledger::new(&supply.plants),
            pipelines: vec![Vec::new(); skus],
        }
    }

    pub(crate) fn clear(&mut self) {
        self.ledger.clear();
        self.pipelines.iter_mut().for_each(Vec::clear);
    }
}

/// Supply as one SKU's planner sees it at a review. Small on purpose (three words): the
/// engine builds one for every SKU-day, and quotes are computed only when asked for.
#[derive(Debug, Clone, Copy)]
pub struct SupplyView<'a> {
    ctx: Option<(&'a Model<'a>, &'a Books)>,
    sku: u32,
    now: SimTime,
}

impl<'a> SupplyView<'a> {
    /// A view with nothing to quote and nothing open (unit tests of policies).
    pub const EMPTY: SupplyView<'static> = SupplyView {
        ctx: None,
        sku: 0,
        now: SimTime(0),
    };

    pub(crate) fn new(model: &'a Model<'a>, books: &'a Books, sku: usize, now: SimTime) -> Self {
        SupplyView {
            ctx: Some((model, books)),
            sku: sku as u32,
            now,
        }
    }

    fn now_days(&self) -> f64 {
        f64::from(self.now.0) / f64::from(MINUTES_PER_DAY)
    }

    /// Open shipments of the SKU, in order of ordering, with their quoted arrivals.
    pub fn pipeline(&self) -> &'a [OpenShipment] {
        match self.ctx {
            Some((_, books)) => &books.pipelines[self.sku as usize],
            None => &[],
        }
    }

    /// The primary supplier's quote for `qty` units on `lane` ordered now.
    pub fn quote(&self, lane: usize, qty: u32) -> Option<Quote> {
        let (model, books) = self.ctx?;
        let sc = model.scenario;
        let s = sc.skus[self.sku as usize].supply.supplier;
        Some(
            model
                .supply
                .quote(sc, &books.ledger, s, lane, qty, self.now_days(), false),
        )
    }

    /// The backup's quote for `qty` units ordered now (`lane` when the SKU has no backup
    /// lane), or `None` without a backup.
    pub fn backup_quote(&self, lane: usize, qty: u32) -> Option<Quote> {
        let (model, books) = self.ctx?;
        let sc = model.scenario;
        let sku = &sc.skus[self.sku as usize].supply;
        let b = sku.backup?;
        let s = b.supplier.or(sku.supplier);
        Some(model.supply.quote(
            sc,
            &books.ledger,
            s,
            b.lane.unwrap_or(lane),
            qty,
            self.now_days(),
            false,
        ))
    }

    /// [units] on order due (by quote) on or before `day`.
    pub fn quoted_by(&self, day: u32) -> i64 {
        self.pipeline()
            .iter()
            .filter(|o| o.quoted_eta_day <= day)
            .map(|o| i64::from(o.qty))
            .sum()
    }
}
