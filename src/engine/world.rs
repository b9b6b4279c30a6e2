//! One world per replication, shared by every SKU and candidate: every random future that does not depend on the
//! policy, drawn once from keyed streams and then shared by every candidate.
//!
//! Drawing the world up front is what makes candidates comparable (they replay the same
//! futures) and cheap (a sweep of 27 candidates draws demand once, not 27 times). The buffers
//! are allocated once per worker thread and refilled for each replication.

use crate::demand::viral::{self, Spike};
use crate::engine::{Model, PoFate};
use crate::rng::{Source, stream};
use crate::supply::Environment;

#[derive(Debug, Clone)]
/// One replication's drawn future — demand, streams, signals, spikes, disruptions and the fate of
/// open orders — which every candidate replays. `generate` redraws it in place for another
/// replication.
pub struct World {
    /// The replication this world belongs to.
    pub rep: u64,
    days: usize,
    /// Off-stream demand `[units]` (baseline + viral), SKU-major: `demand[sku * days + day]`.
    demand: Vec<u32>,
    /// In-stream demand `[units]` per step of every stream entry (see `demand::StreamPlan`).
    stream_steps: Vec<u32>,
    /// Daily CTR and conversion indices of SKUs with signals, SKU-major like `demand`
    /// (`signal_row[sku]` is the row).
    ctr: Vec<f32>,
    conversion: Vec<f32>,
    signal_row: Vec<Option<usize>>,
    /// CTR growth week on week ([`viral::week_on_week`]) of the days before each day, day-major
    /// (`ctr_rise[day * rows + row]`, days 14 to the horizon's end): every candidate's signal
    /// test reads it for every SKU-day, and summing 14 days of CTR scattered over the SKUs'
    /// rows was a cache miss and a chain of additions each time.
    ctr_rise: Vec<f64>,
    signal_rows: usize,
    /// Viral extra units per SKU over measured days.
    viral_units: Vec<u64>,
    /// Each SKU's spikes (for tests and diagnostics; policies never see them).
    spikes: Vec<Vec<Spike>>,
    /// Scratch for spike generation.
    extra_mean: Vec<f64>,
    extra: Vec<u32>,
    /// Port congestion and scripted disruptions, shared by every SKU and candidate.
    pub(crate) env: Environment,
    /// The real fate of each open purchase order (`scenario.state.open_orders`).
    po_fates: Vec<PoFate>,
}

impl World {
    /// An empty world sized for `model`; `generate` fills it.
    pub fn new(model: &Model) -> Self {
        let sc = model.scenario;
        let days = sc.calendar.horizon_days as usize;
        let n = sc.skus.len();
        let mut rows = 0;
        let signal_row = sc
            .skus
            .iter()
            .map(|s| {
                s.demand.signals.as_ref().map(|_| {
                    rows += 1;
                    rows - 1
                })
            })
            .collect();
        World {
            rep: 0,
            days,
            demand: vec![0; days * n],
            stream_steps: vec![0; model.demand.streams.total_steps],
            ctr: vec![1.0; days * rows],
            conversion: vec![1.0; days * rows],
            signal_row,
            ctr_rise: vec![f64::NAN; (days + 1) * rows],
            signal_rows: rows,
            viral_units: vec![0; n],
            spikes: vec![Vec::new(); n],
            extra_mean: vec![0.0; days],
            extra: vec![0; days],
            env: Environment::default(),
            po_fates: vec![PoFate::default(); sc.state.open_orders.len()],
        }
    }

    /// Draws replication `rep`'s world.
    pub fn generate(&mut self, model: &Model, rep: u64) {
        let sc = model.scenario;
        let seed = sc.seed;
        let warmup = sc.calendar.warmup_days as usize;
        self.rep = rep;
        for (sku, out) in self.demand.chunks_exact_mut(self.days).enumerate() {
            model.demand.realise(seed, rep, sku, out);
            self.viral_units[sku] = 0;
            let spikes = &mut self.spikes[sku];
            spikes.clear();
            let spec = &sc.skus[sku].demand;
            // A part of a scenario draws with the whole scenario's keys (`rng::Keys`).
            let key = sc.rng_keys.sku(sku);
            if let Some(v) = &spec.viral {
                viral::draw_spikes(v, seed, rep, key as usize, self.days as u32, spikes);
                viral::add_spike_demand(
                    v,
                    spikes,
                    |d| model.demand.baseline_mean(sku, d),
                    stream(seed, rep, Source::ViralDemand { sku: key }),
                    &mut self.extra_mean,
                    out,
                    &mut self.extra,
                );
                self.viral_units[sku] = self.extra[warmup..].iter().map(|&x| u64::from(x)).sum();
            }
            if let (Some(s), Some(row)) = (&spec.signals, self.signal_row[sku]) {
                let r = row * self.days..(row + 1) * self.days;
                let ctr = &mut self.ctr[r.clone()];
                viral::draw_signals(
                    s,
                    seed,
                    rep,
                    key as usize,
                    spikes,
                    ctr,
                    &mut self.conversion[r],
                );
                for day in 14..=self.days {
                    self.ctr_rise[day * self.signal_rows + row] =
                        viral::week_on_week(&ctr[..day]).unwrap_or(f64::NAN);
                }
            }
        }
        model
            .demand
            .streams
            .realise(sc, seed, rep, &mut self.stream_steps);
        if model.supply.has_environment {
            self.env
                .generate(&sc.disruptions, seed, rep, model.supply.until);
        }
        for (f, po) in self.po_fates.iter_mut().zip(&sc.state.open_orders) {
            *f = crate::engine::open_orders::fate(model, &self.env, rep, po);
        }
    }

    /// The real fate of open purchase order `k` in this replication (the engine's only).
    #[inline]
    pub fn po_fate(&self, k: usize) -> PoFate {
        self.po_fates[k]
    }

    /// Off-stream demand `[units]` of `sku` on `day`.
    #[inline]
    pub fn demand(&self, sku: usize, day: u32) -> u32 {
        self.demand[sku * self.days + day as usize]
    }

    /// In-stream demand `[units]` of each step of stream entry starting at `offset`.
    #[inline]
    pub fn stream_steps(&self, offset: usize, steps: usize) -> &[u32] {
        &self.stream_steps[offset..offset + steps]
    }

    /// CTR and conversion index history of `sku` for days `0..day` (empty without signals),
    /// and the CTR's growth week on week over those days (`None` before 14 days).
    #[inline]
    pub fn signals_before(&self, sku: usize, day: u32) -> (&[f32], &[f32], Option<f64>) {
        match self.signal_row[sku] {
            Some(row) => {
                let r = row * self.days..row * self.days + day as usize;
                let rise =
                    (day >= 14).then(|| self.ctr_rise[day as usize * self.signal_rows + row]);
                (&self.ctr[r.clone()], &self.conversion[r], rise)
            }
            None => (&[], &[], None),
        }
    }

    /// Viral extra units of `sku` over measured days.
    pub fn viral_units(&self, sku: usize) -> u64 {
        self.viral_units[sku]
    }

    /// The spikes of `sku` in this replication (tests and diagnostics only).
    pub fn spikes(&self, sku: usize) -> &[Spike] {
        &self.spikes[sku]
    }

    /// Total latent demand `[units]` over the horizon, all SKUs, off-stream and in-stream (for
    /// tests of common random numbers).
    pub fn total_demand(&self) -> u64 {
        self.demand
            .iter()
            .chain(&self.stream_steps)
            .map(|&d| u64::from(d))
            .sum()
    }
}
