//! One world per replication (DESIGN §3): every random future that does not depend on the
//! policy, drawn once from keyed streams and then shared by every candidate.
//!
//! Drawing the world up front is what makes candidates comparable (they replay the same
//! futures) and cheap (a sweep of 27 candidates draws demand once, not 27 times). The buffers
//! are allocated once per worker thread and refilled for each replication.

use crate::engine::Model;

#[derive(Debug, Clone)]
pub struct World {
    days: usize,
    /// Baseline demand [units], SKU-major: `demand[sku * days + day]`.
    demand: Vec<u32>,
}

impl World {
    pub fn new(model: &Model) -> Self {
        let days = model.scenario.calendar.horizon_days as usize;
        World {
            days,
            demand: vec![0; days * model.scenario.skus.len()],
        }
    }

    /// Draws replication `rep`'s world.
    pub fn generate(&mut self, model: &Model, rep: u64) {
        for (sku, out) in self.demand.chunks_exact_mut(self.days).enumerate() {
            model.demand.realise(model.scenario.seed, rep, sku, out);
        }
    }

    /// Demand [units] of `sku` on `day`.
    #[inline]
    pub fn demand(&self, sku: usize, day: u32) -> u32 {
        self.demand[sku * self.days + day as usize]
    }

    /// Total demand [units] over the horizon, all SKUs (for tests of common random numbers).
    pub fn total_demand(&self) -> u64 {
        self.demand.iter().map(|&d| u64::from(d)).sum()
    }
}
