//! Periodic-review (s,S): at each review, if the inventory position is at or below s, order
//! up to S. The classic policy with a fixed ordering cost (Scarf 1960).

use super::{Orders, Policy, SkuView, is_review_day, units};

#[derive(Debug, Clone)]
pub struct PeriodicSS {
    /// s `[units]`
    pub reorder_point: i64,
    /// S `[units]`
    pub order_up_to: i64,
    /// `[days]` between reviews
    pub period: u32,
    pub lane: usize,
}

impl Policy for PeriodicSS {
    fn as_textbook(&mut self) -> Option<super::Textbook<'_>> {
        Some(super::Textbook::SS(self))
    }

    fn review(&mut self, v: &SkuView, orders: &mut Orders) {
        if !is_review_day(v.day, self.period) {
            return;
        }
        let ip = v.inventory_position();
        if ip <= self.reorder_point {
            orders.push_via(v.sku, self.lane, units(self.order_up_to - ip));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{orders_of, view};

    fn p() -> PeriodicSS {
        PeriodicSS {
            reorder_point: 160,
            order_up_to: 300,
            period: 1,
            lane: 0,
        }
    }

    #[test]
    fn orders_up_to_s_only_at_or_below_the_reorder_point() {
        assert!(orders_of(&mut p(), view(0, 161, 0, 0)).is_empty());
        let o = orders_of(&mut p(), view(0, 100, 20, 80));
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].qty, 140); // position 160 → up to 300
    }

    #[test]
    fn reviews_only_on_review_days() {
        let mut q = PeriodicSS { period: 7, ..p() };
        assert!(orders_of(&mut q, view(3, 0, 0, 0)).is_empty());
        assert_eq!(orders_of(&mut q, view(7, 0, 0, 0))[0].qty, 300);
    }
}
