//! Per-SKU results: each candidate × SKU's replication values folded into means over
//! replications, plus a quantile sketch of the SKU's peak capital.
//!
//! This is one more scope of what `stats` folds, kept lean because catalogs are large: a
//! handful of sums per candidate × SKU (not the full moments of every metric), summed within
//! a block in replication order and across blocks in block order — so thread count and
//! sharding give the same bits — and one sketch per candidate × SKU, which merges in any
//! order. Memory is a few hundred bytes per candidate × SKU plus the sketches' occupied
//! buckets (at most one per replication, capped by `sketch::MAX_BUCKETS`).

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::Sketch;

/// The values one replication yields per SKU (see `engine::per_sku`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum SkuField {
    /// Same definition as the `fill_rate` metric, for this SKU `[fraction]`.
    FillRate,
    /// As `fill_rate_in_stream` (1 when nothing was demanded in a stream) `[fraction]`.
    FillRateInStream,
    /// 1 when the SKU had demand in a stream this replication.
    StreamMeasured,
    /// `[SKU-days]`
    StockoutDays,
    /// `[units]`
    LostUnits,
    /// `[units]`
    AvgOnHandUnits,
    /// Latent demand per measured day `[units/day]`.
    DemandPerDay,
    /// `[currency]`
    CapitalTiedAvg,
    /// Largest end-of-day capital in this SKU over the measured days `[currency]`.
    CapitalTiedPeak,
    /// `[orders/day]`
    OrdersPerDay,
    /// As `air_units_share` (0 when nothing was ordered) `[fraction]`.
    AirUnitsShare,
    /// 1 when the SKU ordered anything this replication.
    OrderMeasured,
    /// `[currency/day]`
    LostMarginPerDay,
    /// Latent demand over the measured days `[units]`.
    DemandUnits,
}

pub const SKU_FIELDS: usize = SkuField::DemandUnits as usize + 1;

/// One replication's values for one SKU, indexed by `SkuField as usize`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SkuRep(pub [f64; SKU_FIELDS]);

impl SkuRep {
    pub fn set(&mut self, f: SkuField, v: f64) {
        self.0[f as usize] = v;
    }
}

/// One statistics block's per-SKU results, laid out `candidate * skus + sku`.
#[derive(Debug, Clone, PartialEq)]
pub struct SkuBlock {
    pub index: u64,
    skus: usize,
    sums: Vec<[f64; SKU_FIELDS]>,
    /// Peak capital of every replication, `(candidate * skus + sku) * BLOCK + r` in push order.
    peaks: Vec<Vec<f64>>,
}

/// A block's sums without its raw peaks: what a shard keeps per block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkuSums {
    pub index: u64,
    sums: Vec<[f64; SKU_FIELDS]>,
}

impl SkuBlock {
    pub fn new(index: u64, candidates: usize, skus: usize) -> Self {
        SkuBlock {
            index,
            skus,
            sums: vec![[0.0; SKU_FIELDS]; candidates * skus],
            peaks: vec![Vec::new(); candidates * skus],
        }
    }

    /// Adds candidate `c`'s values of the next replication, one per SKU.
    pub fn push(&mut self, c: usize, reps: &[SkuRep]) {
        assert_eq!(reps.len(), self.skus);
        let at = c * self.skus;
        for (k, r) in reps.iter().enumerate() {
            let sum = &mut self.sums[at + k];
            for (s, x) in sum.iter_mut().zip(&r.0) {
                *s += x;
            }
            self.peaks[at + k].push(r.0[SkuField::CapitalTiedPeak as usize]);
        }
    }

    /// Takes candidates `cands`'s values from `other`, a block of the same replications in
    /// which only those candidates were pushed (and none of them in `self`).
    pub fn take_candidates(&mut self, mut other: SkuBlock, cands: Range<usize>) {
        let at = cands.start * self.skus..cands.end * self.skus;
        self.sums[at.clone()].copy_from_slice(&other.sums[at.clone()]);
        for (mine, theirs) in self.peaks[at.clone()].iter_mut().zip(&mut other.peaks[at]) {
            *mine = std::mem::take(theirs);
        }
    }

    pub fn sums_only(&self) -> SkuSums {
        SkuSums {
            index: self.index,
            sums: self.sums.clone(),
        }
    }
}

/// The per-SKU results of a run: blocks folded in index order.
#[derive(Debug, Clone)]
pub struct SkuRun {
    skus: usize,
    sums: Vec<[f64; SKU_FIELDS]>,
    sketches: Vec<Sketch>,
    next_block: u64,
}

impl SkuRun {
    pub fn new(candidates: usize, skus: usize) -> Self {
        SkuRun {
            skus,
            sums: vec![[0.0; SKU_FIELDS]; candidates * skus],
            sketches: vec![Sketch::default(); candidates * skus],
            next_block: 0,
        }
    }

    /// Merges the next block: its sums (in index order) and its peaks.
    pub fn merge(&mut self, block: &SkuBlock) {
        self.merge_sums(&block.sums_only());
        self.push_peaks(block);
    }

    /// The order-dependent half: sums, in block order.
    pub fn merge_sums(&mut self, block: &SkuSums) {
        assert_eq!(
            block.index, self.next_block,
            "blocks are merged in index order"
        );
        assert_eq!(block.sums.len(), self.sums.len());
        self.next_block += 1;
        for (acc, b) in self.sums.iter_mut().zip(&block.sums) {
            for (a, x) in acc.iter_mut().zip(b) {
                *a += x;
            }
        }
    }

    /// The order-free half: peaks into the sketches.
    pub fn push_peaks(&mut self, block: &SkuBlock) {
        for (sk, peaks) in self.sketches.iter_mut().zip(&block.peaks) {
            for &x in peaks {
                sk.push(x);
            }
        }
    }

    pub fn sketches(&self) -> &[Sketch] {
        &self.sketches
    }

    /// Adds another shard's sketches (order-free).
    pub fn merge_sketches(&mut self, other: &[Sketch]) -> bool {
        if other.len() != self.sketches.len() {
            return false;
        }
        for (a, b) in self.sketches.iter_mut().zip(other) {
            a.merge(b);
        }
        true
    }

    pub fn blocks_merged(&self) -> u64 {
        self.next_block
    }

    /// Means over `replications`, per candidate then SKU.
    pub fn summarise(&self, replications: u32) -> SkuTable {
        let n = f64::from(replications.max(1));
        let rows = self
            .sums
            .iter()
            .zip(&self.sketches)
            .map(|(s, sk)| SkuStats {
                mean: s.map(|x| x / n),
                capital_peak_p95: sk.quantile(0.95).unwrap_or(f64::NAN),
            })
            .collect();
        SkuTable {
            skus: self.skus,
            rows,
        }
    }
}

/// Means over replications of one candidate × SKU.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkuStats {
    mean: [f64; SKU_FIELDS],
    /// p95 over replications of the SKU's peak capital `[currency]`.
    pub capital_peak_p95: f64,
}

impl SkuStats {
    pub fn mean(&self, f: SkuField) -> f64 {
        self.mean[f as usize]
    }

    /// `fill_rate_in_stream`, `None` when no replication had stream demand for the SKU.
    pub fn fill_rate_in_stream(&self) -> Option<f64> {
        (self.mean(SkuField::StreamMeasured) > 0.0).then(|| self.mean(SkuField::FillRateInStream))
    }

    /// `air_units_share`, `None` when the SKU ordered nothing in any replication.
    pub fn air_units_share(&self) -> Option<f64> {
        (self.mean(SkuField::OrderMeasured) > 0.0).then(|| self.mean(SkuField::AirUnitsShare))
    }

    /// Average on hand ÷ average daily demand `[days]`, `None` without demand.
    pub fn days_of_cover(&self) -> Option<f64> {
        let d = self.mean(SkuField::DemandPerDay);
        (d > 0.0).then(|| self.mean(SkuField::AvgOnHandUnits) / d)
    }
}

/// Per-SKU results of a run: `candidate * skus + sku`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SkuTable {
    pub skus: usize,
    pub rows: Vec<SkuStats>,
}

impl SkuTable {
    pub fn get(&self, candidate: usize, sku: usize) -> &SkuStats {
        &self.rows[candidate * self.skus + sku]
    }

    /// Candidate `c`'s SKUs by lost margin, worst first (ties: lower fill rate, then SKU
    /// order), at most `cap` of them, SKUs that lost nothing and served every unit left out.
    pub fn at_risk(&self, c: usize, cap: usize) -> Vec<usize> {
        if self.skus == 0 {
            return Vec::new();
        }
        let rows = &self.rows[c * self.skus..(c + 1) * self.skus];
        let mut idx: Vec<usize> = (0..self.skus)
            .filter(|&k| {
                rows[k].mean(SkuField::LostMarginPerDay) > 0.0
                    || rows[k].mean(SkuField::FillRate) < 1.0
            })
            .collect();
        idx.sort_by(|&a, &b| {
            let (ra, rb) = (&rows[a], &rows[b]);
            rb.mean(SkuField::LostMarginPerDay)
                .total_cmp(&ra.mean(SkuField::LostMarginPerDay))
                .then(
                    ra.mean(SkuField::FillRate)
                        .total_cmp(&rb.mean(SkuField::FillRate)),
                )
                .then(a.cmp(&b))
        });
        idx.truncate(cap);
        idx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rep(fill: f64, margin: f64, peak: f64) -> SkuRep {
        let mut r = SkuRep::default();
        r.set(SkuField::FillRate, fill);
        r.set(SkuField::LostMarginPerDay, margin);
        r.set(SkuField::CapitalTiedPeak, peak);
        r
    }

    #[test]
    fn blocks_fold_to_means_and_rank_the_worst_first() {
        let mut run = SkuRun::new(1, 3);
        for index in 0..2 {
            let mut b = SkuBlock::new(index, 1, 3);
            for r in 0..4 {
                let x = f64::from(r);
                b.push(
                    0,
                    &[
                        rep(1.0, 0.0, 10.0),
                        rep(0.5, 2.0 + x, 20.0 + x),
                        rep(0.9, 1.0, 5.0),
                    ],
                );
            }
            run.merge(&b);
        }
        let t = run.summarise(8);
        assert_eq!(t.get(0, 1).mean(SkuField::LostMarginPerDay), 3.5);
        assert_eq!(t.get(0, 0).mean(SkuField::FillRate), 1.0);
        assert_eq!(t.get(0, 1).capital_peak_p95, 23.0);
        assert_eq!(t.at_risk(0, 20), vec![1, 2]);
        assert_eq!(t.at_risk(0, 1), vec![1]);
        assert_eq!(t.get(0, 0).fill_rate_in_stream(), None);
    }
}
