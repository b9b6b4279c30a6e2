//! Base-stock (order-up-to S): at each review, order whatever brings the inventory position
//! back to S. Optimal without a fixed ordering cost; its closed form validates the engine.

use super::{Orders, Policy, SkuView, is_review_day, units};

#[derive(Debug, Clone)]
pub struct BaseStock {
    /// S `[units]`
    pub order_up_to: i64,
    /// `[days]` between reviews
    pub period: u32,
    pub lane: usize,
}

impl Policy for BaseStock {
    fn as_textbook(&mut self) -> Option<super::Textbook<'_>> {
        Some(super::Textbook::BaseStock(self))
    }

    fn review(&mut self, v: &SkuView, orders: &mut Orders) {
        if !is_review_day(v.day, self.period) {
            return;
        }
        let gap = self.order_up_to - v.inventory_position();
        if gap > 0 {
            orders.push_via(v.sku, self.lane, units(gap));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{orders_of, view};

    #[test]
    fn restores_the_position_to_s() {
        let mut p = BaseStock {
            order_up_to: 50,
            period: 1,
            lane: 0,
        };
        assert_eq!(orders_of(&mut p, view(0, 10, 5, 20))[0].qty, 25);
        assert!(orders_of(&mut p, view(0, 50, 0, 0)).is_empty());
        assert!(orders_of(&mut p, view(0, 60, 0, 0)).is_empty());
    }
}
