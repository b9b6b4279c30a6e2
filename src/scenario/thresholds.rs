//! The layered policy's thresholds, each defined once: its field, type, default, valid range
//! and documentation. The typed [`Thresholds`], the raw serde form [`RawThresholds`], the name
//! list [`PARAMS`], parsing and checking by name, and the reference table in
//! `docs/scenarios.md` are all generated from the one list in `thresholds!` below, so a new
//! threshold cannot be forgotten in one of them (a missing arm is a compile error, not a
//! silently misrouted value).

use serde::Deserialize;

use super::Ctx;
use super::document::FieldPath;
use super::raw::RawThreshold;
use crate::error::InputError;

/// The values a threshold may take.
#[derive(Debug, Clone, Copy)]
enum Range {
    /// A number from `.0` to `.1` [the threshold's unit].
    Between(f64, f64, &'static str),
    /// A number strictly above `.0`; `.1` is a hint added to the message.
    Above(f64, &'static str),
    /// A whole number from `.0` to `.1`.
    Whole(f64, f64),
    /// A lane id of the scenario's `lanes`, resolved to the lane's index at load.
    Lane,
}

impl Range {
    fn check(self, x: f64) -> Result<(), String> {
        let ok = match self {
            Range::Between(lo, hi, _) => (lo..=hi).contains(&x),
            Range::Above(lo, _) => x > lo,
            Range::Whole(lo, hi) => x.fract() == 0.0 && (lo..=hi).contains(&x),
            Range::Lane => x.fract() == 0.0 && x >= 0.0,
        };
        if ok {
            return Ok(());
        }
        Err(match self {
            Range::Between(lo, hi, unit) => format!("must be between {lo} and {hi}{unit}"),
            Range::Above(lo, hint) => format!("must be above {lo}{hint}"),
            Range::Whole(lo, hi) => format!("must be a whole number from {lo} to {hi}"),
            Range::Lane => "must be a lane id".to_string(),
        })
    }
}

/// How a threshold's checked value (`None` = `off`) becomes its typed field and back.
trait Field: Copy {
    /// Whether `off` is allowed (the field is an `Option`).
    const SWITCHABLE: bool;
    /// Whether an unset value inherits a default known only at load (not `off`).
    const INHERITS: bool = false;
    fn from_checked(x: Option<f64>) -> Self;
    fn value(self) -> Option<f64>;
    /// Whether the outputs' numeric parameter list shows the value.
    fn listed(self) -> bool {
        true
    }
}

/// A lane threshold: the index into `Scenario::lanes`; `None` inherits (the policy's `lane`
/// or `fast_lane`), filled in when the policy is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LaneRef(pub Option<u32>);

impl LaneRef {
    /// The lane's index, or `default` when inherited.
    #[inline]
    pub fn or(self, default: usize) -> usize {
        self.0.map_or(default, |l| l as usize)
    }
}

impl Field for LaneRef {
    const SWITCHABLE: bool = false;
    const INHERITS: bool = true;
    fn from_checked(x: Option<f64>) -> Self {
        LaneRef(x.map(|x| x as u32))
    }
    fn value(self) -> Option<f64> {
        self.0.map(f64::from)
    }
    /// Lanes are ids, not numbers: a sweep over them names them in the candidate's name.
    fn listed(self) -> bool {
        false
    }
}

/// A number whose unset value is a scenario-wide default (`streams.learning_rate`): listed
/// only when set, so candidates that leave it alone show what they always showed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Inherit(pub Option<f64>);

impl Field for Inherit {
    const SWITCHABLE: bool = false;
    const INHERITS: bool = true;
    fn from_checked(x: Option<f64>) -> Self {
        Inherit(x)
    }
    fn value(self) -> Option<f64> {
        self.0
    }
    fn listed(self) -> bool {
        self.0.is_some()
    }
}

impl Field for Option<f64> {
    const SWITCHABLE: bool = true;
    fn from_checked(x: Option<f64>) -> Self {
        x
    }
    fn value(self) -> Option<f64> {
        self
    }
}

impl Field for f64 {
    const SWITCHABLE: bool = false;
    fn from_checked(x: Option<f64>) -> Self {
        x.unwrap_or(0.0)
    }
    fn value(self) -> Option<f64> {
        Some(self)
    }
}

impl Field for u32 {
    const SWITCHABLE: bool = false;
    fn from_checked(x: Option<f64>) -> Self {
        // The range check has made it a whole number within u32.
        x.unwrap_or(0.0) as u32
    }
    fn value(self) -> Option<f64> {
        Some(f64::from(self))
    }
}

macro_rules! thresholds {
    ($(
        $(#[doc = $doc:literal])+
        $field:ident: $ty:ty = $default:expr, $range:expr, $type_doc:literal;
    )*) => {
        /// One SKU's layered thresholds; `None` switches a dimension off.
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct Thresholds {
            $($(#[doc = $doc])+ pub $field: $ty,)*
        }

        impl Default for Thresholds {
            fn default() -> Self {
                Thresholds { $($field: $default,)* }
            }
        }

        /// The threshold names, in the order the outputs list them.
        pub const PARAMS: [&str; [$(stringify!($field)),*].len()] = [$(stringify!($field)),*];

        /// The layered policy's thresholds as written; `None` inherits.
        #[derive(Debug, Deserialize, Clone, Default)]
        #[serde(deny_unknown_fields)]
        pub struct RawThresholds {
            $(pub $field: Option<RawThreshold>,)*
        }

        impl Thresholds {
            /// Every threshold by name, in [`PARAMS`] order.
            pub fn values(&self) -> [Option<f64>; PARAMS.len()] {
                [$(Field::value(self.$field)),*]
            }

            /// The thresholds the outputs' parameter list shows, by name, in [`PARAMS`]
            /// order: every number, and the inheriting ones only when set (lanes never).
            pub fn listed(&self) -> Vec<(&'static str, Option<f64>)> {
                let mut out = Vec::with_capacity(PARAMS.len());
                $(if Field::listed(self.$field) {
                    out.push((stringify!($field), Field::value(self.$field)));
                })*
                out
            }

            /// Sets threshold `param` to a value already checked for it (`None` = `off`);
            /// false when there is no such threshold.
            pub fn set(&mut self, param: &str, x: Option<f64>) -> bool {
                $(if param == stringify!($field) {
                    self.$field = <$ty as Field>::from_checked(x);
                    return true;
                })*
                false
            }
        }

        /// The written value of threshold `param` in `t`, `None` for an unknown name.
        pub(crate) fn slot<'r>(
            t: &'r mut RawThresholds,
            param: &str,
        ) -> Option<&'r mut Option<RawThreshold>> {
            $(if param == stringify!($field) {
                return Some(&mut t.$field);
            })*
            None
        }

        /// Whether `param`, unset, inherits a default known only at load.
        pub(crate) fn inherits(param: &str) -> bool {
            $(if param == stringify!($field) {
                return <$ty as Field>::INHERITS;
            })*
            false
        }

        /// Whether `param` may be `off`, and its range; `None` for an unknown name.
        fn spec(param: &str) -> Option<(bool, Range)> {
            $(if param == stringify!($field) {
                return Some((<$ty as Field>::SWITCHABLE, $range));
            })*
            None
        }

        /// The thresholds table of `docs/scenarios.md` (Markdown), generated from the
        /// definitions; a test compares the file with it.
        #[cfg(test)]
        pub fn reference_table() -> String {
            let d = Thresholds::default();
            let mut out = String::from("| threshold | type [unit] | default | meaning |\n|---|---|---|---|\n");
            $(
                let default = match Field::value(d.$field) {
                    Some(x) => format!("{x}"),
                    None if <$ty as Field>::INHERITS => "inherited".to_string(),
                    None => "`off`".to_string(),
                };
                let doc = [$($doc.trim()),+].join(" ");
                out.push_str(&format!(
                    "| `{}` | {} | {} | {} |\n",
                    stringify!($field), $type_doc, default, doc
                ));
            )*
            out
        }
    };
}

thresholds! {
    /// Regular dimension: order by the regular lane when the inventory position would cover
    /// fewer than this many days of forecast sales beyond the lane's quoted transit [days].
    cover_days: Option<f64> = Some(14.0), Range::Between(0.0, 3660.0, " days"),
        "number 0–3660 [days] or `off`";
    /// Cover beyond the transit a regular order restores (at least `cover_days`) [days].
    target_cover_days: f64 = 28.0, Range::Between(0.0, 3660.0, " days"),
        "number ≥ `cover_days` [days]";
    /// Stream dimension: streams announced to start within this many days are prepared for
    /// [days].
    stream_window_days: u32 = 7, Range::Whole(0.0, 366.0), "integer 0–366 [days]";
    /// Stream dimension: stock wanted for a stream, as a multiple of its forecast.
    stream_multiplier: Option<f64> = Some(1.5), Range::Above(0.0, ""),
        "number > 0 or `off`";
    /// Pulse dimension: a stream's sales so far above this multiple of average daily sales.
    pulse_ratio: Option<f64> = Some(3.0), Range::Above(0.0, ""), "number > 0 or `off`";
    /// Signal dimension: CTR up more than this fraction week on week (0.5 = +50%), with
    /// conversion above its average.
    ctr_growth: Option<f64> = Some(0.5), Range::Above(0.0, " (0.5 = +50%)"),
        "number > 0 or `off`";
    /// Transient vs persistent: sales above this multiple of the forecast start the
    /// persistence test.
    persist_ratio: Option<f64> = Some(1.5), Range::Above(1.0, ""), "number > 1 or `off`";
    /// Days in a row above `persist_ratio` that make a rise persistent [days].
    persist_days: u32 = 5, Range::Whole(1.0, 366.0), "integer 1–366 [days]";
    /// Days of observed sales the policy's forecast averages [days].
    forecast_days: u32 = 28, Range::Whole(1.0, 366.0), "integer 1–366 [days]";
    /// Smallest order [units].
    min_order_qty: u32 = 0, Range::Whole(0.0, 1.0e9), "integer ≥ 0 [units]";
    /// Orders are whole multiples of this [units].
    case_pack: u32 = 1, Range::Whole(1.0, 1.0e9), "integer ≥ 1 [units]";
    /// Late shipments: an open shipment this many days past its quoted arrival is no longer
    /// counted in the position, so the cover and stream dimensions re-order (by the backup
    /// where the SKU's fallback says so) [days].
    overdue_days: Option<f64> = None, Range::Between(1.0, 3660.0, " days"),
        "number 1–3660 [days] or `off`";
    /// Transient vs persistent: a day starts a rise only if it also sells more than this many
    /// standard deviations of the forecast window's counted days above the forecast (noise
    /// is no spike).
    spike_sds: f64 = 4.0, Range::Between(0.0, 100.0, ""), "number 0–100";
    /// Transient vs persistent: days whose sales set the new level of a rise found
    /// persistent (the last days of the rise, not the spike that started it) [days].
    step_up_days: u32 = 3, Range::Whole(1.0, 366.0), "integer 1–366 [days]";
    /// Signal dimension: days between two signal orders of one SKU (a precursor lasts days;
    /// one order answers it) [days].
    signal_cooldown_days: u32 = 7, Range::Whole(0.0, 366.0), "integer 0–366 [days]";
    /// The regular lane (cover orders, the sea part of stream orders); default the policy's
    /// `lane` ("home goods never fly": `lane: sea` and `fast_lane: sea` for that category).
    lane: LaneRef = LaneRef(None), Range::Lane, "lane id";
    /// The fast lane (stream top-ups, pulse orders); default the policy's `fast_lane`.
    fast_lane: LaneRef = LaneRef(None), Range::Lane, "lane id";
    /// Weight of the last stream's actual ÷ forecast in the correction of later stream
    /// forecasts (the planner's after-stream routine); default the scenario's
    /// `streams.learning_rate`.
    learning_rate: Inherit = Inherit(None), Range::Between(0.0, 1.0, ""), "number 0–1";
    /// Transient vs persistent: once a rise is judged persistent, the gap between the new
    /// level's need over this lane's lead time and the position is ordered by it at once;
    /// default the `fast_lane`.
    persist_lane: LaneRef = LaneRef(None), Range::Lane, "lane id";
    /// Signal dimension: the lane signal orders go by, sized over its lead time; default the
    /// `fast_lane`.
    signal_lane: LaneRef = LaneRef(None), Range::Lane, "lane id";
}

/// Whether `param` takes a lane id (set per category, not searched by `tune`).
pub(crate) fn is_lane(param: &str) -> bool {
    matches!(spec(param), Some((_, Range::Lane)))
}

/// Checks one written threshold at `here`; `Ok(None)` is `off`. `param` must be a name of
/// [`PARAMS`].
pub(crate) fn check_value(
    ctx: &Ctx,
    here: &FieldPath,
    param: &str,
    v: &RawThreshold,
) -> Result<Option<f64>, InputError> {
    let Some((switchable, range)) = spec(param) else {
        return Err(ctx.error(
            here,
            format!(
                "unknown threshold `{param}`; thresholds: {}",
                PARAMS.join(", ")
            ),
        ));
    };
    if let Range::Lane = range {
        return ctx.lane_threshold(here, v).map(|l| Some(l as f64));
    }
    let x = match v {
        RawThreshold::Number(x) => *x,
        RawThreshold::Switch(true) => {
            return Err(ctx.error(here, "expected a number or `off`, found `true`"));
        }
        RawThreshold::Switch(false) => {
            return off(ctx, here, switchable);
        }
        RawThreshold::Word(w) if w.trim() == "off" => return off(ctx, here, switchable),
        RawThreshold::Word(w) => {
            return Err(ctx.error(here, format!("expected a number or `off`, found `{w}`")));
        }
    };
    if !x.is_finite() {
        return Err(ctx.error(here, format!("must be a finite number, found {x}")));
    }
    range
        .check(x)
        .map(|()| Some(x))
        .map_err(|m| ctx.error(here, format!("{m}, found {x}")))
}

/// Checks a threshold value `x` of `param` at `here` (a tuning range's endpoint).
pub(crate) fn check_threshold(
    ctx: &Ctx,
    here: &FieldPath,
    param: &str,
    x: f64,
) -> Result<Option<f64>, InputError> {
    check_value(ctx, here, param, &RawThreshold::Number(x))
}

fn off(ctx: &Ctx, here: &FieldPath, switchable: bool) -> Result<Option<f64>, InputError> {
    if switchable {
        Ok(None)
    } else {
        Err(ctx.error(here, "cannot be switched off: give a number"))
    }
}

/// Applies the values `t` sets over `base`, checking each at `at.PARAM`.
pub(crate) fn resolve(
    ctx: &Ctx,
    at: &FieldPath,
    base: Thresholds,
    t: &RawThresholds,
) -> Result<Thresholds, InputError> {
    let mut out = base;
    let mut t = t.clone();
    for param in PARAMS {
        let Some(v) = slot(&mut t, param).and_then(Option::take) else {
            continue;
        };
        let x = check_value(ctx, &at.key(param), param, &v)?;
        let known = out.set(param, x);
        debug_assert!(known, "PARAMS and set() come from one list");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Setting each threshold by name changes exactly its own value: no name is routed to
    /// another field.
    #[test]
    fn each_name_sets_its_own_field_only() {
        for (i, param) in PARAMS.iter().enumerate() {
            let mut t = Thresholds::default();
            let before = t.values();
            // 7 is valid for every threshold's range (whole, ≥ 1, > 1, ≤ 366).
            assert!(t.set(param, Some(7.0)), "{param}");
            let after = t.values();
            for (j, (b, a)) in before.iter().zip(&after).enumerate() {
                if j == i {
                    assert_eq!(*a, Some(7.0), "{param}");
                } else {
                    assert_eq!(a, b, "setting {param} changed {}", PARAMS[j]);
                }
            }
        }
        assert!(!Thresholds::default().set("no_such_threshold", Some(1.0)));
    }

    /// Every name has a written slot and a range, and `off` is allowed exactly on the
    /// `Option` fields.
    #[test]
    fn every_name_has_a_slot_and_a_range() {
        let mut raw = RawThresholds::default();
        for param in PARAMS {
            assert!(slot(&mut raw, param).is_some(), "{param}");
            let (switchable, _) = spec(param).expect(param);
            let mut t = Thresholds::default();
            t.set(param, None);
            let i = PARAMS.iter().position(|p| *p == param).unwrap();
            assert_eq!(
                t.values()[i].is_none(),
                switchable || inherits(param),
                "{param}"
            );
        }
    }
}
