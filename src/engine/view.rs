//! What the policy sees of a SKU: the shop's records of it ([`SkuRecord`]) and the view built
//! from them and the day's state ([`view`]), for the day's review and for orders placed
//! during a live stream.

use super::World;
use super::logistics::Logistics;
use super::state::{Model, SkuState};
use crate::calendar::SimTime;
use crate::policy::{AnnouncedStreams, SkuView};
use crate::supply::SupplyView;

/// One SKU as the shop's records show it to the policy: which SKU, its units sold and its
/// sold-out days so far, and its stream entries not yet aired.
#[derive(Clone, Copy)]
pub(super) struct SkuRecord<'a> {
    pub(super) sku: usize,
    pub(super) sales: &'a [u32],
    pub(super) sold_out: &'a [u64],
    pub(super) upcoming: &'a [u32],
}

/// What the policy sees of SKU `record.sku` now. `PLAIN` (`Model::plain`): no streams and no
/// signals to show, known at compile time.
#[inline(always)]
pub(super) fn view<'a, const PLAIN: bool>(
    model: &'a Model,
    world: &'a World,
    logistics: &'a Logistics,
    st: &SkuState,
    now: SimTime,
    // `now.day()`, which the callers know without `SimTime::day`'s division.
    day: u32,
    record: SkuRecord<'a>,
) -> SkuView<'a> {
    let SkuRecord {
        sku,
        sales,
        sold_out,
        upcoming,
    } = record;
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
