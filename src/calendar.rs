//! Simulated time: integer minutes since 00:00 of the scenario's start date.
//!
//! Integer minutes make event order exact (no float ties) and give the sub-day resolution that
//! live streams need (a stream lasts hours; a trigger can fire mid-stream). A day is the unit of
//! planning: demand is tallied, costs accrue and policies review per day. Dates are zone-less
//! civil dates (jiff): peak seasons, holidays and streams are written as dates in the scenario.

use jiff::civil::{Date, Weekday};

pub const MINUTES_PER_DAY: u32 = 24 * 60;

/// A point in simulated time `[minutes since start_date 00:00]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u32);

impl SimTime {
    pub fn day_start(day: u32) -> Self {
        SimTime(day * MINUTES_PER_DAY)
    }

    /// This instant in days since the start, fractional: the quotient of its minutes by 1,440,
    /// correctly rounded as a division gives it. At a day start — where most instants fall —
    /// the quotient is whole and is taken without dividing: a floating-point division is the
    /// slowest arithmetic there is, and ordering did three per order.
    #[inline]
    pub fn days(self) -> f64 {
        if self.0.is_multiple_of(MINUTES_PER_DAY) {
            f64::from(self.0 / MINUTES_PER_DAY)
        } else {
            f64::from(self.0) / f64::from(MINUTES_PER_DAY)
        }
    }

    /// Day index this instant falls in.
    pub fn day(self) -> u32 {
        self.0 / MINUTES_PER_DAY
    }

    /// The first day start at or after this instant: when stock received now can be sold.
    /// Receiving and put-away take until the next morning, so a shipment landing at 14:00 is
    /// sellable from the next day's opening; one landing exactly at 00:00 is sellable that day.
    pub fn ceil_day(self) -> u32 {
        self.0.div_ceil(MINUTES_PER_DAY)
    }

    /// `self` plus a duration in days, rounded to the minute.
    pub fn plus_days(self, days: f64) -> SimTime {
        let minutes = (days * f64::from(MINUTES_PER_DAY)).round();
        SimTime(self.0.saturating_add(minutes as u32))
    }
}

/// The scenario's calendar: where day 0 is, how long the run is, what is warm-up.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    pub start: Date,
    /// Simulated days, warm-up included.
    pub horizon_days: u32,
    /// Leading days excluded from metrics.
    pub warmup_days: u32,
}

impl Calendar {
    pub fn date(&self, day: u32) -> Date {
        // Validation bounds the horizon, so this cannot leave jiff's range.
        self.start
            .checked_add(jiff::Span::new().days(i64::from(day)))
            .expect("horizon validated to stay within the calendar")
    }

    /// Day index of `date`, if it lies within the horizon.
    pub fn day_of(&self, date: Date) -> Option<u32> {
        let days = (date - self.start).get_days();
        u32::try_from(days).ok().filter(|&d| d < self.horizon_days)
    }

    pub fn weekday(&self, day: u32) -> Weekday {
        self.date(day).weekday()
    }

    /// Days that count in metrics.
    pub fn measured_days(&self) -> u32 {
        self.horizon_days - self.warmup_days
    }

    pub fn is_measured(&self, day: u32) -> bool {
        day >= self.warmup_days
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_the_division_bit_for_bit() {
        let samples = (0..3 * MINUTES_PER_DAY).chain([
            400 * MINUTES_PER_DAY,
            400 * MINUTES_PER_DAY + 1,
            u32::MAX - 1,
            u32::MAX,
        ]);
        for m in samples {
            let divided = f64::from(m) / f64::from(MINUTES_PER_DAY);
            assert_eq!(SimTime(m).days().to_bits(), divided.to_bits(), "minute {m}");
        }
    }

    #[test]
    fn receiving_waits_for_the_next_morning() {
        assert_eq!(SimTime::day_start(3).ceil_day(), 3);
        assert_eq!(SimTime(3 * MINUTES_PER_DAY + 1).ceil_day(), 4);
        assert_eq!(SimTime::day_start(2).plus_days(7.0).ceil_day(), 9);
        assert_eq!(SimTime::day_start(2).plus_days(0.5).ceil_day(), 3);
    }

    #[test]
    fn dates_map_to_days_and_back() {
        let cal = Calendar {
            start: jiff::civil::date(2026, 1, 1),
            horizon_days: 365,
            warmup_days: 0,
        };
        assert_eq!(cal.date(31), jiff::civil::date(2026, 2, 1));
        assert_eq!(cal.day_of(jiff::civil::date(2026, 12, 31)), Some(364));
        assert_eq!(cal.day_of(jiff::civil::date(2027, 1, 1)), None);
        assert_eq!(cal.day_of(jiff::civil::date(2025, 12, 31)), None);
        assert_eq!(cal.weekday(0), Weekday::Thursday);
    }
}
