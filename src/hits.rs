//! What each disruption hit: for every scripted closure, port congestion (all its episodes)
//! and every customs crackdown, the shipments and units it delayed and the delay days it
//! added, tallied from one replication's shipment log.
//!
//! A shipment's port delay is split exactly as `supply::Environment::cleared` builds it: each
//! scripted closure the shipment reaches port during holds it until reopening plus backlog
//! (closures in file order, each seeing the shipment after the previous one released it), then
//! a congestion episode under way adds its extra days. Customs holds cannot be split that way
//! (a hold outside a crackdown would have happened anyway with the base probability): a
//! crackdown is credited with the holds of shipments that reached port while it ran.

use crate::scenario::{Mode, Scenario};
use crate::supply::{Environment, Shipment};

/// Figures tallied per disruption: shipments delayed, units on them, delay days added.
pub const FIGURES: usize = 3;

/// One disruption source of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub enum Disruption {
    /// Scripted closure, by index into `Disruptions::scripted`.
    Scripted(usize),
    /// Every congestion episode together.
    Congestion,
    /// A crackdown: lane index, crackdown index in that lane's customs.
    Crackdown(usize, usize),
}

/// The scenario's disruptions with a label each, in a fixed order: scripted closures, then
/// congestion, then crackdowns lane by lane.
pub fn sources(sc: &Scenario) -> Vec<(Disruption, String)> {
    let mut out: Vec<(Disruption, String)> = sc
        .disruptions
        .scripted
        .iter()
        .enumerate()
        .map(|(i, s)| (Disruption::Scripted(i), s.name.clone()))
        .collect();
    if sc.disruptions.congestion.is_some() {
        out.push((Disruption::Congestion, "port congestion".to_string()));
    }
    for (l, lane) in sc.lanes.iter().enumerate() {
        if let Some(c) = &lane.customs {
            for (k, w) in c.crackdowns.iter().enumerate() {
                out.push((
                    Disruption::Crackdown(l, k),
                    format!(
                        "customs crackdown on {} from {}",
                        lane.id,
                        sc.calendar.date(w.from_day.max(0) as u32)
                    ),
                ));
            }
        }
    }
    out
}

/// Adds one replication's shipments to `out` (`source * FIGURES + figure`), `sources` as
/// returned by [`sources`].
pub fn tally(
    sc: &Scenario,
    env: &Environment,
    sources: &[(Disruption, String)],
    ships: &[Shipment],
    out: &mut [f64],
) {
    let d = &sc.disruptions;
    let pos = |want: &Disruption| sources.iter().position(|(s, _)| s == want);
    let congestion = pos(&Disruption::Congestion);
    for ship in ships {
        let lane = ship.leg.lane;
        let units = f64::from(ship.leg.qty);
        let mut t = ship.port_arrival;
        for (i, (s, extra)) in d.scripted.iter().zip(&env.scripted_extra).enumerate() {
            let from = s.from_day as f64;
            let to = from + f64::from(s.days);
            if s.lanes[lane] && (from..to).contains(&t) {
                let released = to + extra;
                if let Some(k) = pos(&Disruption::Scripted(i)) {
                    add(out, k, units, released - t);
                }
                t = released;
            }
        }
        if sc.lanes[lane].mode == Mode::Sea {
            let extra = env
                .episodes
                .iter()
                .take_while(|e| e.start <= t)
                .filter(|e| t < e.end)
                .map(|e| e.extra)
                .fold(0.0, f64::max);
            if extra > 0.0
                && let Some(k) = congestion
            {
                add(out, k, units, extra);
            }
        }
        if ship.customs_hold
            && let Some(c) = &sc.lanes[lane].customs
        {
            let day = ship.port_cleared.floor() as i64;
            // The latest crackdown covering the day set the probability (`probability_on`).
            if let Some(k) = c
                .crackdowns
                .iter()
                .rposition(|w| (w.from_day..=w.to_day).contains(&day))
                && let Some(k) = pos(&Disruption::Crackdown(lane, k))
            {
                add(out, k, units, ship.arrival - ship.port_cleared);
            }
        }
    }
}

fn add(out: &mut [f64], source: usize, units: f64, days: f64) {
    let row = &mut out[source * FIGURES..][..FIGURES];
    row[0] += 1.0;
    row[1] += units;
    row[2] += days;
}

/// What each disruption of one world (the base or a variant) hit, per candidate: mean per
/// replication of shipments delayed, units on them and delay days added ([`FIGURES`]).
#[derive(Debug, Clone)]
pub struct WorldHits {
    /// `base` or the variant's name.
    pub world: String,
    /// The disruptions, labelled, in [`sources`] order.
    pub sources: Vec<(Disruption, String)>,
    /// `[candidate][source]` → [shipments, units, delay days].
    pub means: Vec<Vec<[f64; FIGURES]>>,
}

/// One world's hit tallies over a run: per `(candidate * sources + source) * FIGURES +
/// figure`, the moments of the per-replication figures, merged block by block in block order.
#[derive(Debug, Clone)]
pub struct HitsAcc {
    sources: Vec<(Disruption, String)>,
    candidates: usize,
    moments: Vec<crate::stats::Moments>,
}

impl HitsAcc {
    pub fn new(sc: &Scenario) -> Self {
        let sources = sources(sc);
        let candidates = sc.policies.len();
        HitsAcc {
            moments: vec![Default::default(); candidates * sources.len() * FIGURES],
            sources,
            candidates,
        }
    }

    /// Moments one block holds (`candidates × sources × FIGURES`).
    pub fn width(&self) -> usize {
        self.moments.len()
    }

    /// Merges the next block's moments (blocks in index order).
    pub fn merge(&mut self, block: &[crate::stats::Moments]) {
        assert_eq!(block.len(), self.moments.len());
        for (a, m) in self.moments.iter_mut().zip(block) {
            a.merge(m);
        }
    }

    pub fn summarise(&self, world: &str) -> WorldHits {
        let s = self.sources.len();
        WorldHits {
            world: world.to_string(),
            sources: self.sources.clone(),
            means: (0..self.candidates)
                .map(|c| {
                    (0..s)
                        .map(|k| {
                            let at = (c * s + k) * FIGURES;
                            std::array::from_fn(|f| self.moments[at + f].mean)
                        })
                        .collect()
                })
                .collect(),
        }
    }
}

impl WorldHits {
    /// The warnings a planner must read: each scripted disruption that delayed no shipment
    /// of any candidate in any replication (shipment counts are ≥ 0, so a mean of 0 is 0
    /// everywhere).
    pub fn warnings(&self) -> Vec<String> {
        self.sources
            .iter()
            .enumerate()
            .filter(|(s, (d, _))| {
                matches!(d, Disruption::Scripted(_)) && self.means.iter().all(|c| c[*s][0] == 0.0)
            })
            .map(|(_, (_, label))| {
                let world = if self.world == "base" {
                    String::new()
                } else {
                    format!("{}: ", self.world)
                };
                format!(
                    "{world}`{label}` hit no shipment in any replication: no shipment reached port in its window"
                )
            })
            .collect()
    }
}
