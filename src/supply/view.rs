//! What a planner can see of supply (never a shipment's real arrival before it lands): quotes for an order placed now — from the
//! primary and from the backup — and the open shipments with the arrival each was quoted.
//! Realised arrivals, customs holds and congestion are not here: they are known only when
//! the stock lands.

use std::cell::Cell;

use super::{Ledger, Quote, Supply};
use crate::calendar::SimTime;

/// A shipment ordered and not yet received, as the purchase-order list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenShipment {
    /// The engine's handle (internal; stable while the shipment is open).
    pub(crate) id: u32,
    /// `[units]` ordered.
    pub qty: u32,
    pub lane: usize,
    /// Whether it went to the backup.
    pub backup: bool,
    /// Day it was ordered.
    pub ordered_day: u32,
    /// First sellable day the supplier and forwarder quoted when it was ordered.
    pub quoted_eta_day: u32,
}

impl OpenShipment {
    /// Days past its quoted arrival on `today` (0 while not yet due): what a planner chasing
    /// late purchase orders sees.
    pub fn overdue_days(&self, today: u32) -> u32 {
        today.saturating_sub(self.quoted_eta_day)
    }
}

/// The books supply keeps during a replication: capacity booked at each supplier and the
/// open shipments of each SKU (owned by the engine, read by the policy's view).
#[derive(Debug, Clone, Default)]
pub struct Books {
    pub(crate) ledger: Ledger,
    pub(crate) pipelines: Vec<Vec<OpenShipment>>,
    /// The last one-unit quote's sellable day per (supplier or none, lane), with the time and
    /// the supplier's ledger version it was computed at. Every SKU of a supplier asks for the
    /// same quote at every review (the cover dimension's lead time); it changes only with the
    /// time and the bookings, so it is computed once per supplier, lane and change instead of
    /// per SKU. Only the day is kept: three words compared and copied per SKU-day, where the
    /// whole quote was nine.
    unit_etas: Vec<Cell<Option<UnitEta>>>,
    lanes: usize,
}

impl Books {
    pub(crate) fn new(supply: &Supply, skus: usize) -> Books {
        let lanes = supply.routes.len();
        Books {
            ledger: Ledger::new(&supply.plants),
            pipelines: vec![Vec::new(); skus],
            unit_etas: vec![Cell::new(None); (supply.plants.len() + 1) * lanes],
            lanes,
        }
    }

    pub(crate) fn clear(&mut self) {
        self.ledger.clear();
        self.pipelines.iter_mut().for_each(Vec::clear);
        self.unit_etas.iter_mut().for_each(|q| *q.get_mut() = None);
    }
}

/// A cached one-unit quote (see `Books::unit_etas`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct UnitEta {
    at: SimTime,
    version: u32,
    eta_day: u32,
}

/// Supply as one SKU's planner sees it at a review. Small on purpose (three words): the
/// engine builds one for every SKU-day, and quotes are computed only when asked for.
#[derive(Debug, Clone, Copy)]
pub struct SupplyView<'a> {
    ctx: Option<(&'a Supply<'a>, &'a Books)>,
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

    /// The view of SKU `sku` at `now`, from the run's prepared supply (the engine passes its
    /// model, which holds it) and the replication's books.
    pub(crate) fn new<S: AsRef<Supply<'a>> + ?Sized>(
        from: &'a S,
        books: &'a Books,
        sku: usize,
        now: SimTime,
    ) -> Self {
        SupplyView {
            ctx: Some((from.as_ref(), books)),
            sku: sku as u32,
            now,
        }
    }

    fn now_days(&self) -> f64 {
        self.now.days()
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
        let (supply, books) = self.ctx?;
        let s = supply.supplier_of(self.sku as usize);
        Some(supply.quote(&books.ledger, s, lane, qty, self.now_days(), false))
    }

    /// The first sellable day the primary supplier's quote promises for `qty` units on `lane`
    /// ordered now: `quote(lane, qty)`'s `eta_day`, for one unit from the books' cache.
    #[inline]
    pub fn eta_day(&self, lane: usize, qty: u32) -> Option<u32> {
        let (supply, books) = self.ctx?;
        if qty != 1 {
            return Some(self.eta_afresh(lane, qty));
        }
        let s = supply.supplier_of(self.sku as usize);
        let version = s.map_or(0, |s| books.ledger.version(s));
        let slot = &books.unit_etas[s.map_or(0, |s| s + 1) * books.lanes + lane];
        match slot.get() {
            Some(u) if u.at == self.now && u.version == version => Some(u.eta_day),
            _ => Some(self.unit_eta_afresh(slot, lane, version)),
        }
    }

    /// `eta_day` of an order of more than one unit, out of line like a cache miss.
    #[inline(never)]
    fn eta_afresh(&self, lane: usize, qty: u32) -> u32 {
        self.quote(lane, qty).map_or(0, |q| q.eta_day)
    }

    /// `eta_day`'s cache miss, out of line: a miss is one SKU-day in twenty, and inlined it
    /// would bring the whole quote into every review.
    #[inline(never)]
    fn unit_eta_afresh(&self, slot: &Cell<Option<UnitEta>>, lane: usize, version: u32) -> u32 {
        let eta_day = self.quote(lane, 1).map_or(0, |q| q.eta_day);
        slot.set(Some(UnitEta {
            at: self.now,
            version,
            eta_day,
        }));
        eta_day
    }

    /// The backup's quote for `qty` units ordered now (`lane` when the SKU has no backup
    /// lane), or `None` without a backup.
    pub fn backup_quote(&self, lane: usize, qty: u32) -> Option<Quote> {
        let (supply, books) = self.ctx?;
        let sc = supply.scenario;
        let sku = &sc.skus[self.sku as usize].supply;
        let b = sku.backup?;
        let s = b.supplier.or(sku.supplier);
        Some(supply.quote(
            &books.ledger,
            s,
            b.lane.unwrap_or(lane),
            qty,
            self.now_days(),
            false,
        ))
    }

    /// Open shipments past their quoted arrival, with the days they are late.
    pub fn overdue(&self) -> impl Iterator<Item = (&'a OpenShipment, u32)> + 'a {
        let today = self.now.day();
        self.pipeline()
            .iter()
            .map(move |o| (o, o.overdue_days(today)))
            .filter(|&(_, late)| late > 0)
    }

    /// `[units]` on order due (by quote) on or before `day`.
    pub fn quoted_by(&self, day: u32) -> i64 {
        self.pipeline()
            .iter()
            .filter(|o| o.quoted_eta_day <= day)
            .map(|o| i64::from(o.qty))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::MINUTES_PER_DAY;
    use std::path::Path;

    #[test]
    fn a_unit_quote_is_reused_only_until_the_bookings_or_the_time_change() {
        let sc = crate::scenario::from_text(
            "name: t\nstart_date: 2026-01-05\nhorizon_days: 60\nseed: 1\n\
             skus:\n  - {id: A, unit_cost: 2, demand: {mean_per_day: 1}, supply: {supplier: f}}\n  \
             - {id: B, unit_cost: 2, demand: {mean_per_day: 1}, supply: {supplier: f}}\n\
             suppliers:\n  - {id: f, production_days: {fixed: 3}, capacity_per_week: 700}\n\
             lanes: [{id: sea, mode: sea, transit_days: {fixed: 20}}]\n\
             policies: [{name: p, kind: base_stock, order_up_to: 0, lane: sea}]\n",
            Path::new("test.yaml"),
            &[],
        )
        .expect("valid scenario");
        let supply = Supply::new(&sc);
        let mut books = Books::new(&supply, 2);
        let fresh = |books: &Books, day: u32| {
            supply.quote(&books.ledger, Some(0), 0, 1, f64::from(day), false)
        };
        let at = |books: &Books, sku: usize, day: u32| {
            let v = SupplyView::new(&supply, books, sku, SimTime(day * MINUTES_PER_DAY));
            let q = v.quote(0, 1).expect("the view quotes");
            assert_eq!(v.eta_day(0, 1), Some(q.eta_day), "cached and fresh agree");
            q
        };
        let free = at(&books, 0, 1);
        assert_eq!(free, fresh(&books, 1));
        assert!(!free.capacity_delayed);
        // A's order fills the week: B's quote, same day, must see the queue.
        books.ledger.book(&supply.plants[0], 0, 1, 700);
        let queued = at(&books, 1, 1);
        assert_eq!(queued, fresh(&books, 1));
        assert!(queued.capacity_delayed && queued.eta_day > free.eta_day);
        // Next day, same bookings: a new time, a new quote.
        assert_eq!(at(&books, 0, 2), fresh(&books, 2));
        // A new replication starts from empty books.
        books.clear();
        assert_eq!(at(&books, 1, 1), free);
    }
}
