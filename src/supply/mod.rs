//! Supply: what happens between a policy's order and sellable stock.
//!
//! An order is first *planned* — the SKU's fallback rule may send it, wholly or in part, to
//! the backup supplier or lane when the primary cannot meet the date (capacity queue, holiday
//! closure, quoted arrival too late) — and each resulting leg is then *shipped*: production at
//! the supplier (open days, weekly capacity), the wait for the next sailing, transit (off-peak
//! or peak), the port (scripted closures, congestion episodes), customs, and possibly a short
//! delivery. Everything a leg will suffer is drawn when it is ordered, from streams keyed by
//! (SKU, order sequence) or, for what every SKU shares, from the replication's
//! [`Environment`]; the engine keeps the realised arrival to itself and shows the policy only
//! the quote (a policy sees quotes, never the real draws), which uses medians, published peak windows, holidays and the
//! capacity already booked — never customs, congestion or a future draw.
//!
//! Without a supplier, a fallback, customs or disruptions (the textbook scenario), an order is
//! one leg whose only cost is a transit lookup, so features a scenario does not use cost
//! nothing per SKU-day.

pub mod capacity;
pub mod disruption;
pub mod route;
pub mod view;

use crate::calendar::{MINUTES_PER_DAY, SimTime};
use crate::dist::Dist;
use crate::rng::{Source, stream, unit_f64};
use crate::scenario::{Scenario, Split};
pub use capacity::{Ledger, Plant};
pub use disruption::Environment;
pub use route::Route;
pub use view::{Books, OpenShipment, SupplyView};

/// Latest arrival represented `[days]`: a lognormal tail beyond it is clamped, well past any
/// horizon and within 32-bit minutes.
const LATEST_DAY: f64 = 1.0e6;

/// Everything about supply prepared once per run.
#[derive(Debug, Clone)]
pub struct Supply<'s> {
    /// The scenario it was prepared from: lanes and each SKU's backup, which quotes read.
    pub(crate) scenario: &'s Scenario,
    /// Each SKU's supplier (`None`: ready at once), side by side: the quote cache asks for it
    /// at every review.
    sku_supplier: Vec<Option<u32>>,
    pub plants: Vec<Plant>,
    /// Median production time of each supplier `[open days]`: what it quotes.
    production_median: Vec<f64>,
    pub routes: Vec<Route>,
    /// `[days]` disruptions are drawn up to.
    pub until: f64,
    /// Whether any SKU can be delayed by something the shared environment holds.
    pub has_environment: bool,
    /// Per lane, its transit `[minutes]` when nothing about it is random or dated (fixed
    /// transit, no sailings, peaks, customs or disruptions): the textbook's fast path.
    fixed_minutes: Vec<Option<u32>>,
}

impl<'s> AsRef<Supply<'s>> for Supply<'s> {
    fn as_ref(&self) -> &Supply<'s> {
        self
    }
}

/// A part of an order, from one supplier on one lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leg {
    /// Index into `Scenario::suppliers`; `None` = ready at once.
    pub supplier: Option<usize>,
    pub lane: usize,
    /// `[units]`
    pub qty: u32,
    /// Whether the fallback sent it to the backup.
    pub backup: bool,
}

/// An order as supply plans it: `qty` units of SKU `sku` (index into `Scenario::skus`) on
/// lane `lane`, needed by day `needed_by` (`None`: by the arrival the order would usually get).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    pub sku: usize,
    pub lane: usize,
    /// `[units]`
    pub qty: u32,
    pub needed_by: Option<u32>,
}

/// The replication a shipment is shipped in: its disruptions, and its index, which keys the
/// shipment's random streams.
#[derive(Debug, Clone, Copy)]
pub struct Replication<'a> {
    pub env: &'a Environment,
    pub rep: u64,
}

/// What the supplier and forwarder promise for an order placed now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quote {
    pub supplier: Option<usize>,
    pub lane: usize,
    /// `[days since start]` goods ready to ship (median production, holidays, capacity queue).
    pub ready: f64,
    /// `[days since start]` the departure (next sailing).
    pub departure: f64,
    /// First day the stock would be sellable, with median transit for the departure day.
    pub eta_day: u32,
    /// Whether capacity already booked pushes the goods past their natural finish.
    pub capacity_delayed: bool,
    /// Closed days inside the production run.
    pub closed_days: u32,
}

/// One leg's whole realised story, known to the engine from the order on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shipment {
    pub sku: usize,
    pub leg: Leg,
    /// `[days since start]`
    pub ordered: f64,
    pub quote: Quote,
    /// `[days since start]` goods ready, departed, at port, cleared the port, cleared customs.
    pub ready: f64,
    pub departure: f64,
    pub port_arrival: f64,
    pub port_cleared: f64,
    pub arrival: f64,
    /// First day the stock is sellable.
    pub sellable_day: u32,
    /// Whether customs held it.
    pub customs_hold: bool,
    /// `[units]` that actually arrive (short delivery).
    pub delivered: u32,
}

impl Shipment {
    /// `[days]` scripted closures and congestion added.
    pub fn port_delay(&self) -> f64 {
        self.port_cleared - self.port_arrival
    }

    /// `[days]` from order to sellable.
    pub fn lead_time(&self) -> f64 {
        (f64::from(self.sellable_day) - self.ordered).max(0.0)
    }
}

/// An order of `qty` units raised to the supplier's minimum order quantity.
#[inline]
fn moq(sc: &Scenario, supplier: Option<usize>, qty: u32) -> u32 {
    match supplier {
        Some(s) if qty > 0 => qty.max(sc.suppliers[s].min_order_qty),
        _ => qty,
    }
}

/// The first day stock reaching the warehouse at `t` `[days]` can be sold.
pub fn sellable_day(t: f64) -> u32 {
    let minutes = crate::num::round_i64(t.clamp(0.0, LATEST_DAY) * f64::from(MINUTES_PER_DAY));
    SimTime(minutes.clamp(0, i64::from(u32::MAX)) as u32).ceil_day()
}

impl<'s> Supply<'s> {
    /// Prepares the supply side of `sc`: plants, routes and what quotes need.
    pub fn new(sc: &'s Scenario) -> Supply<'s> {
        let horizon = sc.calendar.horizon_days;
        let wd = i64::from(sc.calendar.start.weekday().to_monday_zero_offset());
        let d = &sc.disruptions;
        let has_environment = d.congestion.is_some() || !d.scripted.is_empty();
        Supply {
            scenario: sc,
            sku_supplier: sc
                .skus
                .iter()
                .map(|s| s.supply.supplier.map(|i| i as u32))
                .collect(),
            fixed_minutes: sc
                .lanes
                .iter()
                .map(|l| match l.transit {
                    Dist::Fixed(x)
                        if l.sailings.is_none()
                            && l.peaks.is_empty()
                            && l.customs.is_none()
                            && !has_environment =>
                    {
                        Some((x * f64::from(MINUTES_PER_DAY)).round() as u32)
                    }
                    _ => None,
                })
                .collect(),
            plants: sc
                .suppliers
                .iter()
                .map(|s| Plant::new(s, horizon))
                .collect(),
            production_median: sc.suppliers.iter().map(|s| s.production.median()).collect(),
            routes: sc.lanes.iter().map(|l| Route::new(l, wd)).collect(),
            until: f64::from(horizon + capacity::TAIL_DAYS),
            has_environment,
        }
    }

    /// SKU `sku`'s supplier (`None`: ready at once).
    #[inline]
    pub(crate) fn supplier_of(&self, sku: usize) -> Option<usize> {
        self.sku_supplier[sku].map(|i| i as usize)
    }

    /// The quote for `qty` units from `supplier` on `lane`, ordered at `now` `[days]`. With
    /// `usual`, holidays, capacity queues and peak windows are ignored: the arrival the same
    /// order gets in an ordinary week, which a fallback's lateness is measured against.
    pub fn quote(
        &self,
        ledger: &Ledger,
        supplier: Option<usize>,
        lane: usize,
        qty: u32,
        now: f64,
        usual: bool,
    ) -> Quote {
        let (ready, capacity_delayed, closed_days) = match supplier {
            None => (now, false, 0),
            Some(s) => {
                let work = self.production_median[s];
                if usual {
                    (now + work, false, 0)
                } else {
                    let p = self.plants[s].produce(&ledger.used[s], now, work, qty);
                    (p.ready, p.capacity_delayed, p.closed_days)
                }
            }
        };
        let l = &self.scenario.lanes[lane];
        let route = &self.routes[lane];
        let departure = route.departure(l, ready);
        let eta = departure + route.quoted_transit(l, departure, usual);
        Quote {
            supplier,
            lane,
            ready,
            departure,
            eta_day: sellable_day(eta),
            capacity_delayed,
            closed_days,
        }
    }

    /// The leg an order becomes when no fallback moves it: the SKU's supplier (its minimum
    /// order quantity applied) on the lane the policy chose.
    #[inline]
    pub fn primary(&self, sc: &Scenario, sku: usize, lane: usize, qty: u32) -> Leg {
        let supplier = sc.skus[sku].supply.supplier;
        Leg {
            supplier,
            lane,
            qty: moq(sc, supplier, qty),
            backup: false,
        }
    }

    /// The legs an order `req` placed at `now` `[days]` becomes: the primary alone, unless the
    /// SKU's fallback rule fires (see the fallback rules in docs/scenarios.md) — judged against
    /// the day the policy needs the stock, or without one the order's usual arrival. Minimum
    /// order quantities are applied to each leg.
    pub fn plan(&self, sc: &Scenario, ledger: &Ledger, req: Request, now: f64) -> [Option<Leg>; 2] {
        let Request {
            sku,
            lane,
            qty,
            needed_by,
        } = req;
        let supply = &sc.skus[sku].supply;
        let primary = |q: u32| self.primary(sc, sku, lane, q);
        let (Some(rule), Some(backup)) = (supply.fallback, supply.backup) else {
            return [Some(primary(qty)), None];
        };
        let deadline = f64::from(needed_by.unwrap_or_else(|| {
            self.quote(ledger, supply.supplier, lane, qty, now, true)
                .eta_day
        })) + rule.late_by_days;
        let fires = |k: u32| {
            let q = self.quote(ledger, supply.supplier, lane, k, now, false);
            (rule.on_capacity && q.capacity_delayed)
                || (rule.on_holiday && q.closed_days > 0)
                || (rule.on_late && f64::from(q.eta_day) > deadline)
        };
        if !fires(qty) {
            return [Some(primary(qty)), None];
        }
        // Whether k units fire is monotone in k (a bigger order queues no earlier), so the
        // primary's share under `partial` is found by bisection.
        let keep = match rule.split {
            Split::Whole => 0,
            Split::Partial => {
                let (mut lo, mut hi) = (0u32, qty);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if fires(mid) {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                // `lo` moved only onto sizes that do not fire; 0 when every size fires.
                lo
            }
        };
        let b_supplier = backup.supplier.or(supply.supplier);
        let to_backup = Leg {
            supplier: b_supplier,
            lane: backup.lane.unwrap_or(lane),
            qty: moq(sc, b_supplier, qty - keep),
            backup: true,
        };
        [(keep > 0).then(|| primary(keep)), Some(to_backup)]
    }

    /// Ships one leg of SKU `sku`, ordered at `at` in replication `r`: books capacity and
    /// draws everything the leg will go through.
    /// The common case — no supplier, fixed transit — is inline, so that a caller pays for
    /// the fields of the shipment it reads and not for the rest.
    #[inline]
    pub fn ship(
        &self,
        sc: &Scenario,
        ledger: &mut Ledger,
        r: Replication,
        sku: usize,
        leg: Leg,
        at: SimTime,
    ) -> Shipment {
        let now = at.days();
        if let (None, Some(m)) = (leg.supplier, self.fixed_minutes[leg.lane]) {
            // Nothing random, dated or booked: arrival is the order time plus the transit,
            // in whole minutes, exactly as quoted.
            let arrival = at.0.saturating_add(m);
            let day = SimTime(arrival).ceil_day();
            let t = SimTime(arrival).days();
            return Shipment {
                sku,
                leg,
                ordered: now,
                quote: Quote {
                    supplier: None,
                    lane: leg.lane,
                    ready: now,
                    departure: now,
                    eta_day: day,
                    capacity_delayed: false,
                    closed_days: 0,
                },
                ready: now,
                departure: now,
                port_arrival: t,
                port_cleared: t,
                arrival: t,
                sellable_day: day,
                customs_hold: false,
                delivered: leg.qty,
            };
        }
        self.ship_drawn(sc, ledger, r, sku, leg, at)
    }

    /// `ship` for a leg with a supplier or a random transit.
    #[inline(never)]
    fn ship_drawn(
        &self,
        sc: &Scenario,
        ledger: &mut Ledger,
        r: Replication,
        sku: usize,
        leg: Leg,
        at: SimTime,
    ) -> Shipment {
        let Replication { env, rep } = r;
        let now = at.days();
        let seed = sc.seed;
        let key = sc.rng_keys.sku(sku);
        // Luck is keyed by what a shipment is, not by how many orders came before it: two
        // candidates that order on the same day from the same supplier, or ship on the same
        // vessel, share its fate, and their paired difference measures the policy.
        let order_day = now.floor() as u32;
        let maker = leg.supplier.map_or(u32::MAX, |s| s as u32);
        let quote = self.quote(ledger, leg.supplier, leg.lane, leg.qty, now, false);
        let (ready, delivered) = match leg.supplier {
            None => (now, leg.qty),
            Some(s) => {
                let supplier = &sc.suppliers[s];
                let work = supplier.production.draw_lazily(|| {
                    stream(
                        seed,
                        rep,
                        Source::Production {
                            supplier: maker,
                            day: order_day,
                            sku: key,
                        },
                    )
                });
                let plant = &self.plants[s];
                let p = plant.produce(&ledger.used[s], now, work, leg.qty);
                ledger.book(plant, s, now.floor() as i64, leg.qty);
                let delivered = match &supplier.short_delivery {
                    Some(sd) if sd.probability > 0.0 => {
                        let mut rng = stream(
                            seed,
                            rep,
                            Source::ShortDelivery {
                                supplier: maker,
                                day: order_day,
                                sku: key,
                            },
                        );
                        if unit_f64(rand::Rng::next_u64(&mut rng)) < sd.probability {
                            let f = sd.delivered_fraction.sample(&mut rng).clamp(0.0, 1.0);
                            (f64::from(leg.qty) * f).floor() as u32
                        } else {
                            leg.qty
                        }
                    }
                    _ => leg.qty,
                };
                (p.ready, delivered)
            }
        };
        let lane = &sc.lanes[leg.lane];
        let departure = self.routes[leg.lane].departure(lane, ready);
        let transit = Route::transit(lane, departure, || {
            stream(
                seed,
                rep,
                Source::Transit {
                    lane: leg.lane as u32,
                    day: departure.floor() as u32,
                },
            )
        });
        let port_arrival = departure + transit;
        let port_cleared = if self.has_environment {
            env.cleared(&sc.disruptions, leg.lane, lane.mode, port_arrival)
        } else {
            port_arrival
        };
        let (customs_hold, arrival) = match &lane.customs {
            Some(c) => {
                let p = c.probability_on(port_cleared.floor() as i64);
                if p > 0.0 {
                    let mut rng = stream(
                        seed,
                        rep,
                        Source::Customs {
                            lane: leg.lane as u32,
                            day: port_cleared.floor() as u32,
                            sku: key,
                        },
                    );
                    if unit_f64(rand::Rng::next_u64(&mut rng)) < p {
                        (true, port_cleared + c.hold.sample(&mut rng))
                    } else {
                        (false, port_cleared)
                    }
                } else {
                    (false, port_cleared)
                }
            }
            None => (false, port_cleared),
        };
        Shipment {
            sku,
            leg,
            ordered: now,
            quote,
            ready,
            departure,
            port_arrival,
            port_cleared,
            arrival,
            sellable_day: sellable_day(arrival),
            customs_hold,
            delivered,
        }
    }
}
