//! Replenishment policies: what a planner decides, from what a planner can see.
//!
//! A [`Policy`] is asked to review each SKU every day, and after every step of a live stream
//! that features it, through a [`SkuView`]: on-hand, backorders, the quantity on order, the
//! SKU's daily sales so far (orders taken: censored by stockouts), the streams announced so
//! far with the planner's (corrected) forecasts, and the CTR/conversion history — the same
//! facts a planner's system shows. It never sees latent demand, viral spikes, stream outcomes,
//! future draws or true arrival dates (a policy sees only what a planner could see): the view simply does not carry them. It answers by pushing [`Order`]s; the engine turns those
//! into shipments. One policy instance serves one candidate in one worker thread and is `reset`
//! between replications, so a replication allocates nothing.
//!
//! The textbook policies live one per file; `build` maps a validated [`PolicySpec`] to one.

mod base_stock;
pub mod layered;
mod r_q;
mod s_s;

pub use base_stock::BaseStock;
pub use layered::Layered;
pub use r_q::ReorderPointQuantity;
pub use s_s::PeriodicSS;

use crate::calendar::SimTime;
use crate::demand::StreamEntry;
use crate::scenario::{PolicyRule, PolicySpec};
pub use crate::supply::{OpenShipment, SupplyView};

/// What the policy may know about one SKU at a review.
#[derive(Debug, Clone, Copy)]
pub struct SkuView<'a> {
    /// Index of the SKU in the scenario.
    pub sku: usize,
    /// Day index of the review.
    pub day: u32,
    /// `[units]` on the shelf.
    pub on_hand: i64,
    /// `[units]` owed to waiting buyers.
    pub backorders: i64,
    /// `[units]` ordered and not yet received.
    pub on_order: i64,
    /// Units sold on each day before today (served from stock, or accepted as backorder or
    /// presale): what the shop's order history shows, censored by stockouts.
    pub sales: &'a [u32],
    /// One bit per day before today (bit `d % 64` of word `d / 64`): the shelf ran empty
    /// during day `d` and turned demand away — the shop's dashboard shows sold-out times — so
    /// that day's sales are censored even if the shelf was restocked by the next morning.
    /// Empty (no day flagged) where the engine has no history (unit tests, start-of-run advice).
    pub sold_out: &'a [u64],
    /// The streams featuring this SKU that have been announced and have not yet ended.
    pub streams: AnnouncedStreams<'a>,
    /// Daily CTR index before today (empty when the SKU has no signals configured).
    pub ctr: &'a [f32],
    /// Daily conversion index before today (same length as `ctr`).
    pub conversion: &'a [f32],
    /// The CTR's growth week on week, as the shop's dashboard shows it: the mean of the last 7
    /// days of `ctr` over the mean of the 7 before, minus 1 (`None` before 14 days of it).
    pub ctr_rise: Option<f64>,
    /// Quotes for ordering now (primary and backup) and the open shipments with their quoted
    /// arrivals — never their real ones.
    pub supply: SupplyView<'a>,
}

/// The announced, not yet finished streams of one SKU.
#[derive(Debug, Clone, Copy)]
pub struct AnnouncedStreams<'a> {
    pub(crate) entries: &'a [StreamEntry],
    /// Entry indices of this SKU from the next unfinished one on, in time order.
    pub(crate) upcoming: &'a [u32],
    pub(crate) today: u32,
    /// Post-stream correction factor applied to the planner's forecasts.
    pub(crate) forecast_factor: f64,
    /// The longest announcement lead of any stream `[days]`: entries starting later than this
    /// after today cannot be announced yet, so the scan stops there instead of walking the
    /// rest of the year's streams for every review.
    pub(crate) lookahead: u32,
}

/// A stream as the planner knows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnnouncedStream {
    pub start: SimTime,
    /// The planner's forecast for this SKU `[units]`, corrected by past streams' outcomes.
    pub forecast: f64,
}

impl<'a> AnnouncedStreams<'a> {
    pub const EMPTY: AnnouncedStreams<'static> = AnnouncedStreams {
        entries: &[],
        upcoming: &[],
        today: 0,
        forecast_factor: 1.0,
        lookahead: u32::MAX,
    };

    /// Whether no stream is announced.
    pub fn is_empty(&self) -> bool {
        // Most SKUs are never streamed: no iterator to set up for them.
        self.upcoming.is_empty() || self.iter().next().is_none()
    }

    /// Announced streams, in time order.
    pub fn iter(&self) -> impl Iterator<Item = AnnouncedStream> + 'a {
        let (entries, today, factor) = (self.entries, self.today, self.forecast_factor);
        let last = today.saturating_add(self.lookahead);
        self.upcoming
            .iter()
            .map(move |&e| &entries[e as usize])
            .take_while(move |e| e.day() <= last)
            .filter(move |e| e.announce_day <= today)
            .map(move |e| AnnouncedStream {
                start: e.start,
                forecast: e.forecast * factor,
            })
    }
}

/// A stream in progress, as the host's dashboard shows it.
#[derive(Debug, Clone, Copy)]
pub struct LiveStream<'a> {
    /// When the stream started.
    pub start: SimTime,
    /// `[minutes]`
    pub duration: u32,
    /// `[minutes]` since the start.
    pub elapsed: u32,
    /// The (corrected) forecast for this SKU `[units]`.
    pub forecast: f64,
    /// Units sold in each step so far.
    pub sold_by_step: &'a [u32],
    /// Share of the stream's sales the planner expects by each step's end (the front-loaded
    /// curve every stream follows), for projecting final sales from the live curve.
    pub expected_share: f64,
}

impl LiveStream<'_> {
    /// Units sold so far in the stream.
    pub fn sold(&self) -> u64 {
        self.sold_by_step.iter().map(|&x| u64::from(x)).sum()
    }
}

impl SkuView<'_> {
    /// Whether the shelf ran empty during day `day` (see [`SkuView::sold_out`]).
    #[inline]
    pub fn sold_out_on(&self, day: u32) -> bool {
        let d = day as usize;
        self.sold_out
            .get(d / 64)
            .is_some_and(|w| w >> (d % 64) & 1 == 1)
    }

    /// Inventory position `[units]` = on hand − backorders + on order.
    pub fn inventory_position(&self) -> i64 {
        self.on_hand - self.backorders + self.on_order
    }
}

/// A replenishment order for one SKU on one lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    /// Index into the scenario's SKUs.
    pub sku: usize,
    /// `[units]`, at least 1.
    pub qty: u32,
    /// Index into the scenario's lanes.
    pub lane: usize,
    /// Day the stock is needed by; the SKU's fallback rule judges lateness against it
    /// (`None`: against the arrival the order would get in an ordinary week).
    pub needed_by: Option<u32>,
    /// Which rule asked for it (attribution in the outputs).
    pub trigger: Trigger,
}

/// The rule behind an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// A textbook policy's reorder point or order-up-to level.
    Reorder,
    /// Layered: days of cover below the threshold.
    Cover,
    /// Layered: an announced stream the stock would not carry.
    Stream,
    /// Layered: a stream selling far above normal, mid-stream.
    Pulse,
    /// Layered: CTR and conversion rising ahead of sales.
    Signal,
    /// Layered: a rise judged persistent, its new level short over the persist lane's lead
    /// time.
    Persist,
}

impl Trigger {
    /// How many triggers there are.
    pub const COUNT: usize = 6;
}

/// Orders placed during one review; the engine drains it after each call.
#[derive(Debug, Default)]
pub struct Orders(Vec<Order>);

impl Orders {
    /// Places `order` (an order of 0 units is dropped).
    pub fn push(&mut self, order: Order) {
        if order.qty > 0 {
            self.0.push(order);
        }
    }

    /// Orders `qty` units of `sku` on `lane` — one call per mode to split an order ("sea
    /// carries the bulk, air tops up the gap").
    pub fn push_via(&mut self, sku: usize, lane: usize, qty: u32) {
        self.push(Order {
            sku,
            qty,
            lane,
            needed_by: None,
            trigger: Trigger::Reorder,
        });
    }

    /// Orders `qty` units of `sku` on `lane`, needed by `day`: if the primary's quote misses
    /// that day (by more than the rule's tolerance), the SKU's fallback rule may move the
    /// order to the backup.
    pub fn push_needed_by(&mut self, sku: usize, lane: usize, day: u32, qty: u32) {
        self.push(Order {
            sku,
            qty,
            lane,
            needed_by: Some(day),
            trigger: Trigger::Reorder,
        });
    }

    /// Takes every order placed so far.
    pub fn drain(&mut self) -> std::vec::Drain<'_, Order> {
        self.0.drain(..)
    }

    /// Whether no order was placed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The orders pushed so far (for wrappers that audit a policy).
    pub fn as_slice(&self) -> &[Order] {
        &self.0
    }
}

/// A textbook policy, recognised so that the engine can compile its review into the loop of
/// plain models (`engine/plain.rs`) instead of calling it through `dyn`.
pub enum Textbook<'p> {
    SS(&'p mut PeriodicSS),
    BaseStock(&'p mut BaseStock),
    RQ(&'p mut ReorderPointQuantity),
}

/// A replenishment policy: reviews each SKU on its review days (and, for live-stream triggers,
/// during streams) and places orders. It sees only what a planner could see ([`SkuView`],
/// [`LiveStream`]); one instance per candidate and thread, `reset` between replications.
pub trait Policy: Send {
    /// Forgets everything learnt in the previous replication.
    fn reset(&mut self) {}

    /// SKU `sku`'s weight of a stream's actual ÷ forecast in later stream forecasts, when the
    /// policy sets one (`None`: the scenario's `streams.learning_rate`).
    fn learning_rate(&self, _sku: usize) -> Option<f64> {
        None
    }

    /// `Some` for the textbook policies (the engine's `Textbook` dispatch); every other policy
    /// keeps the default.
    fn as_textbook(&mut self) -> Option<Textbook<'_>> {
        None
    }

    /// Reviews one SKU at the start of a day and pushes any orders.
    fn review(&mut self, view: &SkuView, orders: &mut Orders);

    /// Reviews one SKU during a live stream featuring it, after each step; orders pushed here
    /// are placed at once (mid-stream). The textbook policies do nothing here.
    fn review_in_stream(&mut self, _view: &SkuView, _live: &LiveStream, _orders: &mut Orders) {}
}

/// Builds the policy a validated spec describes. `quoted_days` is each lane's published
/// transit time `[days]`, which a planner knows (the real transit is random and unknown).
pub fn build(spec: &PolicySpec, quoted_days: &[f64]) -> Box<dyn Policy> {
    let period = spec.review_period_days;
    let lane = spec.lane;
    match spec.rule {
        PolicyRule::SS {
            reorder_point,
            order_up_to,
        } => Box::new(PeriodicSS {
            reorder_point,
            order_up_to,
            period,
            lane,
        }),
        PolicyRule::BaseStock { order_up_to } => Box::new(BaseStock {
            order_up_to,
            period,
            lane,
        }),
        PolicyRule::RQ {
            reorder_point,
            order_quantity,
        } => Box::new(ReorderPointQuantity {
            reorder_point,
            order_quantity,
            period,
            lane,
        }),
        PolicyRule::Layered(ref l) => Box::new(Layered::new(l.clone(), period, lane, quoted_days)),
    }
}

/// Clamps a computed order size to what an order can carry.
fn units(qty: i64) -> u32 {
    qty.clamp(0, i64::from(u32::MAX)) as u32
}

#[cfg(test)]
pub(crate) fn view(day: u32, on_hand: i64, backorders: i64, on_order: i64) -> SkuView<'static> {
    SkuView {
        sku: 0,
        day,
        on_hand,
        backorders,
        on_order,
        sales: &[],
        sold_out: &[],
        streams: AnnouncedStreams::EMPTY,
        ctr: &[],
        conversion: &[],
        ctr_rise: None,
        supply: SupplyView::EMPTY,
    }
}

#[cfg(test)]
pub(crate) fn orders_of(policy: &mut dyn Policy, v: SkuView<'_>) -> Vec<Order> {
    let mut o = Orders::default();
    policy.review(&v, &mut o);
    o.drain().collect()
}

/// Whether `day` is a review day of a policy reviewing every `period` days (day 0 is one).
#[inline]
fn is_review_day(day: u32, period: u32) -> bool {
    // Daily review is the common case; skip the division it would cost every SKU-day.
    period == 1 || day.is_multiple_of(period)
}
