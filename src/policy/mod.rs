//! Replenishment policies: what a planner decides, from what a planner can see.
//!
//! A [`Policy`] is asked to review each SKU (every day, and later also mid-stream) through a
//! [`SkuView`]: on-hand, backorders and the quantity on order — the same facts a planner's
//! system shows. It never sees latent demand, future draws or true arrival dates (DESIGN §1):
//! the view simply does not carry them. It answers by pushing [`Order`]s; the engine turns those
//! into shipments. One policy instance serves one candidate in one worker thread and is `reset`
//! between replications, so a replication allocates nothing.
//!
//! The textbook policies live one per file; `build` maps a validated [`PolicySpec`] to one.

mod base_stock;
mod r_q;
mod s_s;

pub use base_stock::BaseStock;
pub use r_q::ReorderPointQuantity;
pub use s_s::PeriodicSS;

use crate::scenario::{PolicyRule, PolicySpec};

/// What the policy may know about one SKU at a review.
#[derive(Debug, Clone, Copy)]
pub struct SkuView {
    /// Index of the SKU in the scenario.
    pub sku: usize,
    /// Day index of the review.
    pub day: u32,
    /// [units] on the shelf.
    pub on_hand: i64,
    /// [units] owed to waiting buyers.
    pub backorders: i64,
    /// [units] ordered and not yet received.
    pub on_order: i64,
}

impl SkuView {
    /// Inventory position [units] = on hand − backorders + on order.
    pub fn inventory_position(&self) -> i64 {
        self.on_hand - self.backorders + self.on_order
    }
}

/// A replenishment order for one SKU on one lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub sku: usize,
    /// [units], at least 1.
    pub qty: u32,
    /// Index into the scenario's lanes.
    pub lane: usize,
}

/// Orders placed during one review; the engine drains it after each call.
#[derive(Debug, Default)]
pub struct Orders(Vec<Order>);

impl Orders {
    pub fn push(&mut self, order: Order) {
        if order.qty > 0 {
            self.0.push(order);
        }
    }

    pub fn drain(&mut self) -> std::vec::Drain<'_, Order> {
        self.0.drain(..)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

pub trait Policy: Send {
    /// Forgets everything learnt in the previous replication.
    fn reset(&mut self) {}

    /// Reviews one SKU and pushes any orders.
    fn review(&mut self, view: &SkuView, orders: &mut Orders);
}

/// Builds the policy a validated spec describes.
pub fn build(spec: &PolicySpec) -> Box<dyn Policy> {
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
    }
}

/// Clamps a computed order size to what an order can carry.
fn units(qty: i64) -> u32 {
    qty.clamp(0, i64::from(u32::MAX)) as u32
}

#[cfg(test)]
pub(crate) fn view(day: u32, on_hand: i64, backorders: i64, on_order: i64) -> SkuView {
    SkuView {
        sku: 0,
        day,
        on_hand,
        backorders,
        on_order,
    }
}

#[cfg(test)]
pub(crate) fn orders_of(policy: &mut dyn Policy, v: SkuView) -> Vec<Order> {
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
