//! (r,Q) with periodic review: when the inventory position is at or below r, order the smallest
//! multiple of Q that lifts it above r. With Poisson demand the position after ordering is then
//! uniform on r+1..=r+Q, the textbook result the engine is tested against.

use super::{Orders, Policy, SkuView, is_review_day, units};

#[derive(Debug, Clone)]
pub struct ReorderPointQuantity {
    /// r `[units]`
    pub reorder_point: i64,
    /// Q `[units]`, ≥ 1
    pub order_quantity: i64,
    /// `[days]` between reviews
    pub period: u32,
    pub lane: usize,
}

impl Policy for ReorderPointQuantity {
    fn as_textbook(&mut self) -> Option<super::Textbook<'_>> {
        Some(super::Textbook::RQ(self))
    }

    fn review(&mut self, v: &SkuView, orders: &mut Orders) {
        if !is_review_day(v.day, self.period) {
            return;
        }
        let ip = v.inventory_position();
        if ip <= self.reorder_point {
            let batches = (self.reorder_point - ip) / self.order_quantity + 1;
            orders.push_via(v.sku, self.lane, units(batches * self.order_quantity));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{orders_of, view};

    #[test]
    fn orders_whole_batches_that_lift_the_position_above_r() {
        let mut p = ReorderPointQuantity {
            reorder_point: 100,
            order_quantity: 50,
            period: 1,
            lane: 0,
        };
        assert!(orders_of(&mut p, view(0, 101, 0, 0)).is_empty());
        assert_eq!(orders_of(&mut p, view(0, 100, 0, 0))[0].qty, 50);
        assert_eq!(orders_of(&mut p, view(0, 51, 0, 0))[0].qty, 50);
        assert_eq!(orders_of(&mut p, view(0, 50, 0, 0))[0].qty, 100);
        assert_eq!(orders_of(&mut p, view(0, 0, 30, 0))[0].qty, 150);
    }
}
