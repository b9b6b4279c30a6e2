//! The shared environment of one replication: port-congestion episodes and the random part of
//! scripted closures, drawn once per replication from their own streams and shared by every
//! SKU and every candidate (one world per replication) — so one episode delays every sea shipment reaching
//! port while it lasts, and stockouts and capital spikes are correlated as in reality.
//!
//! Customs holds are per shipment (keyed by SKU and order sequence) and drawn in `supply`.

use rand_distr::{Distribution, Exp};

use crate::rng::{Source, stream};
use crate::scenario::{Disruptions, Mode};

/// Days before day 0 from which episodes are drawn, so that one may already be under way.
const LEAD_IN_DAYS: f64 = 180.0;

/// A port-congestion episode `[days since start]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Episode {
    pub start: f64,
    pub end: f64,
    /// `[days]` added to a sea shipment reaching port in `[start, end)`.
    pub extra: f64,
}

/// One replication's disruptions.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// Congestion episodes in order of start.
    pub episodes: Vec<Episode>,
    /// Extra delay `[days]` after each scripted closure (0 without a distribution).
    pub scripted_extra: Vec<f64>,
}

impl Environment {
    /// Draws replication `rep`'s disruptions over `[−LEAD_IN_DAYS, until)`.
    pub fn generate(&mut self, d: &Disruptions, seed: u64, rep: u64, until: f64) {
        self.episodes.clear();
        if let Some(c) = &d.congestion
            && c.rate_per_day > 0.0
        {
            let mut rng = stream(seed, rep, Source::Congestion);
            let gap = Exp::new(c.rate_per_day).expect("rate validated > 0");
            let mut t = -LEAD_IN_DAYS;
            loop {
                t += gap.sample(&mut rng);
                if t >= until {
                    break;
                }
                let duration = c.duration.sample(&mut rng);
                let extra = c.extra_delay.sample(&mut rng);
                self.episodes.push(Episode {
                    start: t,
                    end: t + duration,
                    extra,
                });
            }
        }
        self.scripted_extra.clear();
        for (i, s) in d.scripted.iter().enumerate() {
            self.scripted_extra.push(match &s.extra_delay {
                Some(x) => {
                    x.draw_lazily(|| stream(seed, rep, Source::Disruption { index: i as u32 }))
                }
                None => 0.0,
            });
        }
    }

    /// When a shipment on lane `lane` (of `mode`) reaching port at `arrival` `[days]` clears the
    /// port: a scripted closure holds it until reopening plus its backlog; a congestion episode
    /// under way adds its extra delay (the largest, if episodes overlap).
    pub fn cleared(&self, d: &Disruptions, lane: usize, mode: Mode, arrival: f64) -> f64 {
        let mut t = arrival;
        for (s, extra) in d.scripted.iter().zip(&self.scripted_extra) {
            let from = s.from_day as f64;
            let to = from + f64::from(s.days);
            if s.lanes[lane] && (from..to).contains(&t) {
                t = to + extra;
            }
        }
        if mode == Mode::Sea {
            let extra = self
                .episodes
                .iter()
                .take_while(|e| e.start <= t)
                .filter(|e| t < e.end)
                .map(|e| e.extra)
                .fold(0.0, f64::max);
            t += extra;
        }
        t
    }
}
