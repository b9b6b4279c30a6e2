//! Lanes: when a shipment departs (the next sailing), how long it travels (off-peak or in a
//! peak window, chosen by departure day), and what the forwarder quotes.
//!
//! The quote is the median transit of the distribution that applies on the departure day —
//! what a forwarder's rate sheet says, and all a planner knows before the ship docks.

use rand::Rng;

use crate::dist::Dist;
use crate::scenario::{Lane, Stretch};

/// One lane, prepared once per run.
#[derive(Debug, Clone)]
pub struct Route {
    /// Weekday (Monday = 0) of day 0.
    start_weekday: i64,
    /// Median off-peak transit `[days]`.
    median: f64,
    /// Median transit of each peak window `[days]`.
    peak_medians: Vec<f64>,
}

impl Route {
    pub fn new(lane: &Lane, start_weekday: i64) -> Route {
        Route {
            start_weekday,
            median: lane.transit.median(),
            peak_medians: lane
                .peaks
                .iter()
                .map(|p| match &p.stretch {
                    Stretch::Multiplier(m) => lane.transit.median() * m,
                    Stretch::Transit(d) => d.median(),
                })
                .collect(),
        }
    }

    /// `[days since start]` the first departure at or after `ready`: with a sailing schedule,
    /// 00:00 of the first sailing day on or after the day the goods are ready by.
    pub fn departure(&self, lane: &Lane, ready: f64) -> f64 {
        let Some(week) = lane.sailings else {
            return ready;
        };
        // A lognormal tail can put `ready` absurdly far out; keep the weekday arithmetic in
        // range (arrivals are clamped later anyway).
        let first = ready.clamp(0.0, 1.0e9).ceil() as i64;
        (first..first + 7)
            .find(|d| week[(self.start_weekday + d).rem_euclid(7) as usize])
            .unwrap_or(first) as f64
    }

    /// The peak window covering departure day `day`, if any (the last listed wins).
    fn peak(lane: &Lane, day: i64) -> Option<usize> {
        lane.peaks
            .iter()
            .rposition(|p| (p.from_day..=p.to_day).contains(&day))
    }

    /// Quoted transit `[days]` for a departure at `departure`; `off_peak` ignores peak windows
    /// (the "usual" time a fallback's lateness is judged against).
    pub fn quoted_transit(&self, lane: &Lane, departure: f64, off_peak: bool) -> f64 {
        if off_peak {
            return self.median;
        }
        match Self::peak(lane, departure.floor() as i64) {
            Some(i) => self.peak_medians[i],
            None => self.median,
        }
    }

    fn transit_dist(lane: &Lane, departure: f64) -> (&Dist, f64) {
        match Self::peak(lane, departure.floor() as i64) {
            Some(i) => match &lane.peaks[i].stretch {
                Stretch::Multiplier(m) => (&lane.transit, *m),
                Stretch::Transit(d) => (d, 1.0),
            },
            None => (&lane.transit, 1.0),
        }
    }

    /// A realised transit `[days]` for a departure at `departure`; `open` gives the stream,
    /// opened only if the transit is random.
    pub fn transit<R: Rng>(lane: &Lane, departure: f64, open: impl FnOnce() -> R) -> f64 {
        let (d, m) = Self::transit_dist(lane, departure);
        d.draw_lazily(open) * m
    }
}
