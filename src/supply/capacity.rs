//! A supplier's factory: which days it is closed, how many units a week it can make, and the
//! ledger of what orders have already booked.
//!
//! Production time is counted in open days: a job running into Chinese New Year stops for the
//! closure and resumes after it. Capacity is booked week by week from the week of the order
//! (weeks are 7-day blocks from day 0); a week with closed days offers capacity × open days ÷ 7.
//! An order that cannot be booked by the week its production would finish in waits for the
//! last week it booked into: that is the capacity delay a fallback rule reacts to. The ledger
//! covers the horizon plus [`TAIL_DAYS`]; bookings beyond it are unconstrained.

use crate::scenario::Supplier;

/// Days past the horizon the closure table and the ledger cover: orders placed near the end
/// still meet holidays and queues within the next two years.
pub const TAIL_DAYS: u32 = 800;

/// The days per week.
const WEEK: i64 = 7;

/// One supplier's calendar and weekly capacity, prepared once per run.
#[derive(Debug, Clone)]
pub struct Plant {
    /// Closed flag per day from day 0 (days outside are open).
    closed: Vec<bool>,
    /// Per day from day 0, the first closed day on or after it (`closed.len()` when none):
    /// a production run jumps from closure to closure instead of walking its days.
    next_closed: Vec<u32>,
    /// Units each week can make; empty = unlimited.
    week_cap: Vec<u32>,
}

/// When an order's goods are ready, and what held them up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Production {
    /// `[days since start]` goods ready to ship.
    pub ready: f64,
    /// Closed days that fell inside the production run.
    pub closed_days: u32,
    /// Whether capacity already booked pushed `ready` later.
    pub capacity_delayed: bool,
}

impl Plant {
    pub fn new(s: &Supplier, horizon_days: u32) -> Plant {
        let span = (horizon_days + TAIL_DAYS) as usize;
        let mut closed = vec![false; span];
        for h in &s.holidays {
            let from = h.from_day.max(0);
            let to = h.to_day.min(span as i64 - 1);
            for d in from..=to {
                closed[d as usize] = true;
            }
        }
        let week_cap = match s.capacity_per_week {
            None => Vec::new(),
            Some(cap) => closed
                .chunks(WEEK as usize)
                .map(|days| {
                    let open = days.iter().filter(|&&c| !c).count() as u64;
                    (u64::from(cap) * open / WEEK as u64) as u32
                })
                .collect(),
        };
        let mut next_closed = vec![span as u32; span];
        for d in (0..span).rev() {
            next_closed[d] = if closed[d] {
                d as u32
            } else {
                next_closed.get(d + 1).copied().unwrap_or(span as u32)
            };
        }
        Plant {
            closed,
            next_closed,
            week_cap,
        }
    }

    /// Weeks in the ledger (0 when capacity is unlimited).
    pub fn weeks(&self) -> usize {
        self.week_cap.len()
    }

    /// Units week `w` can make.
    pub fn week_capacity(&self, w: usize) -> u32 {
        self.week_cap[w]
    }

    pub fn is_closed(&self, day: i64) -> bool {
        usize::try_from(day)
            .ok()
            .and_then(|d| self.closed.get(d))
            .copied()
            .unwrap_or(false)
    }

    /// Runs `work` open days of production from `start` `[days]`; returns the finish time and
    /// the closed days skipped. Goods finishing on a closed day wait for the next open one.
    pub fn run(&self, start: f64, work: f64) -> (f64, u32) {
        let mut t = start;
        let mut left = work.max(0.0);
        let mut closed_days = 0;
        let span = self.closed.len() as i64;
        loop {
            let day = t.floor() as i64;
            if day >= span {
                // Past the closure table every day is open.
                return (t + left, closed_days);
            }
            // Days before 0 are open: the first closure ahead is the table's first.
            let next = f64::from(self.next_closed[day.max(0) as usize]);
            if next > t {
                // Open from t to the next closure: most runs finish here in one step.
                if t + left <= next {
                    return (t + left, closed_days);
                }
                left -= next - t;
                t = next;
            }
            // On a closed day: skip the closure.
            let mut d = t.floor() as i64;
            while d < span && self.closed[d as usize] {
                d += 1;
                closed_days += 1;
            }
            t = d as f64;
        }
    }

    /// The last week an order of `qty` units placed on `day` books into, given `used`;
    /// `None` when capacity is unlimited.
    fn last_week(&self, used: &[u32], day: i64, qty: u32) -> Option<usize> {
        if self.week_cap.is_empty() {
            return None;
        }
        let mut w = (day.max(0) / WEEK) as usize;
        let mut left = qty;
        loop {
            if w >= self.week_cap.len() {
                // Past the ledger: unconstrained.
                return Some(w);
            }
            left -= (self.week_cap[w] - used[w]).min(left);
            if left == 0 {
                return Some(w);
            }
            w += 1;
        }
    }

    /// Books `qty` units from the week of `day` on, earliest free capacity first.
    pub fn commit(&self, used: &mut [u32], day: i64, qty: u32) {
        let mut left = qty;
        let mut w = (day.max(0) / WEEK) as usize;
        while left > 0 && w < self.week_cap.len() {
            let take = (self.week_cap[w] - used[w]).min(left);
            used[w] += take;
            left -= take;
            w += 1;
        }
    }

    /// When an order of `qty` units placed at `start` `[days]` with `work` open days of
    /// production would be ready, given the capacity already booked in `used` (nothing is
    /// booked here: see [`Plant::commit`]).
    pub fn produce(&self, used: &[u32], start: f64, work: f64, qty: u32) -> Production {
        let (natural, closed_days) = self.run(start, work);
        let mut p = Production {
            ready: natural,
            closed_days,
            capacity_delayed: false,
        };
        let day = start.floor() as i64;
        if let Some(last) = self.last_week(used, day, qty) {
            let finish_week = (natural.ceil() as i64 - 1).max(day) / WEEK;
            if last as i64 > finish_week {
                p.capacity_delayed = true;
                p.ready = p.ready.max(((last as i64 + 1) * WEEK) as f64);
            }
        }
        p
    }
}

/// Capacity booked so far in one replication, per supplier and week.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub(crate) used: Vec<Vec<u32>>,
    /// Per supplier, how many times its bookings changed this replication: quotes computed
    /// at the same version and time are still right.
    versions: Vec<u32>,
}

impl Ledger {
    pub fn new(plants: &[Plant]) -> Ledger {
        Ledger {
            used: plants.iter().map(|p| vec![0; p.weeks()]).collect(),
            versions: vec![0; plants.len()],
        }
    }

    pub fn clear(&mut self) {
        for u in &mut self.used {
            u.fill(0);
        }
        self.versions.fill(0);
    }

    /// Books `qty` units at supplier `s` (its `plant`) from the week of `day` on.
    pub fn book(&mut self, plant: &Plant, s: usize, day: i64, qty: u32) {
        plant.commit(&mut self.used[s], day, qty);
        self.versions[s] = self.versions[s].wrapping_add(1);
    }

    /// The number of changes to supplier `s`'s bookings so far.
    pub fn version(&self, s: usize) -> u32 {
        self.versions[s]
    }

    /// The bookings of supplier `s`, week by week (to book capacity by hand in tests).
    pub fn used_mut(&mut self, s: usize) -> &mut [u32] {
        self.versions[s] = self.versions[s].wrapping_add(1);
        &mut self.used[s]
    }

    /// Units booked in week `w` at supplier `s`.
    pub fn booked(&self, s: usize, w: usize) -> u32 {
        self.used[s][w]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Dist;
    use crate::scenario::supply::Holiday;

    fn supplier(cap: Option<u32>, holidays: Vec<(i64, i64)>) -> Supplier {
        Supplier {
            id: "f".into(),
            production: Dist::Fixed(10.0),
            capacity_per_week: cap,
            min_order_qty: 0,
            holidays: holidays
                .into_iter()
                .map(|(from_day, to_day)| Holiday {
                    name: "h".into(),
                    from_day,
                    to_day,
                })
                .collect(),
            short_delivery: None,
            premium: 0.0,
            deposit_fraction: 0.0,
        }
    }

    #[test]
    fn production_pauses_on_closed_days() {
        let p = Plant::new(&supplier(None, vec![(5, 9)]), 100);
        assert_eq!(p.run(0.0, 3.0), (3.0, 0));
        // 5 open days (0–4), closed 5–9, 5 more open days (10–14).
        assert_eq!(p.run(0.0, 10.0), (15.0, 5));
        // Ready on the first closed day: waits for the reopening.
        assert_eq!(p.run(0.0, 5.0), (5.0, 0));
        assert_eq!(p.run(6.5, 1.0), (11.0, 4));
    }

    /// The run walked a day at a time, as the definition reads.
    fn run_day_by_day(p: &Plant, start: f64, work: f64) -> (f64, u32) {
        let (mut t, mut left, mut closed_days) = (start, work, 0);
        loop {
            let day = t.floor() as i64;
            if p.is_closed(day) {
                t = (day + 1) as f64;
                closed_days += 1;
                continue;
            }
            let room = (day + 1) as f64 - t;
            if left <= room {
                return (t + left, closed_days);
            }
            left -= room;
            t = (day + 1) as f64;
        }
    }

    #[test]
    fn jumping_between_closures_equals_walking_the_days() {
        let p = Plant::new(
            &supplier(None, vec![(0, 1), (5, 9), (11, 11), (40, 60)]),
            50,
        );
        for i in 0..2_000 {
            let start = -3.0 + f64::from(i % 97) * 0.73;
            let work = f64::from(i % 31) * 0.61;
            let (t, c) = p.run(start, work);
            let (t0, c0) = run_day_by_day(&p, start, work);
            assert_eq!(c, c0, "closed days from {start} for {work}");
            assert!(
                (t - t0).abs() < 1e-9,
                "finish from {start} for {work}: {t} vs {t0}"
            );
        }
        // Past the table (850 days) every day is open.
        assert_eq!(p.run(900.5, 2.0), (902.5, 0));
    }

    #[test]
    fn closed_weeks_offer_no_capacity_and_bookings_queue() {
        let s = supplier(Some(700), vec![(7, 13), (14, 16)]);
        let p = Plant::new(&s, 100);
        assert_eq!(p.week_capacity(0), 700);
        assert_eq!(p.week_capacity(1), 0);
        assert_eq!(p.week_capacity(2), 400);
        let mut used = vec![0; p.weeks()];
        let a = p.produce(&used, 0.0, 3.0, 600);
        assert!(!a.capacity_delayed && a.ready == 3.0);
        p.commit(&mut used, 0, 600);
        // 100 left in week 0, none in week 1, 400 in week 2: 300 more spill into week 2.
        let b = p.produce(&used, 1.0, 3.0, 400);
        p.commit(&mut used, 1, 400);
        assert!(b.capacity_delayed);
        assert_eq!(b.ready, 21.0);
        assert_eq!(&used[..3], &[700, 0, 300]);
    }
}
