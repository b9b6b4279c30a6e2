//! Pareto frontiers: which candidates no other candidate beats on every objective at once.
//!
//! A planner trades service against cost against cash; no single score settles that, but a
//! candidate that another matches or beats on every objective, and strictly beats on one, is
//! never the right choice. The frontier is what is left. Used by the cost/fill-rate chart and
//! meant for ranking candidates.

/// Whether an objective is to be made large or small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sense {
    Maximise,
    Minimise,
}

/// For each point (one value per objective, in the order of `senses`), whether it is on the
/// Pareto frontier: no other point is at least as good on every objective and strictly better
/// on one. Identical points are all kept. A NaN objective counts as the worst possible value,
/// so a point with an unknown value cannot knock out one with known values.
pub fn frontier(points: &[Vec<f64>], senses: &[Sense]) -> Vec<bool> {
    // Larger is better after orienting; NaN becomes −∞.
    let oriented: Vec<Vec<f64>> = points
        .iter()
        .map(|p| {
            assert_eq!(p.len(), senses.len(), "one value per objective");
            p.iter()
                .zip(senses)
                .map(|(&x, s)| match (x.is_nan(), s) {
                    (true, _) => f64::NEG_INFINITY,
                    (false, Sense::Maximise) => x,
                    (false, Sense::Minimise) => -x,
                })
                .collect()
        })
        .collect();
    let dominates = |a: &[f64], b: &[f64]| {
        a.iter().zip(b).all(|(x, y)| x >= y) && a.iter().zip(b).any(|(x, y)| x > y)
    };
    oriented
        .iter()
        .map(|p| !oriented.iter().any(|q| dominates(q, p)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Sense::*;

    #[test]
    fn dominated_points_are_dropped_and_trade_offs_kept() {
        // (fill rate ↑, cost ↓)
        let pts = vec![
            vec![0.99, 10.0], // best service
            vec![0.95, 5.0],  // cheapest
            vec![0.95, 7.0],  // worse than the cheapest on cost, no better on service
            vec![0.97, 8.0],  // a trade-off between the two
            vec![0.90, 12.0], // beaten on both
        ];
        assert_eq!(
            frontier(&pts, &[Maximise, Minimise]),
            [true, true, false, true, false]
        );
    }

    #[test]
    fn ties_are_kept_and_nan_is_worst() {
        let pts = vec![vec![1.0, 1.0], vec![1.0, 1.0], vec![f64::NAN, 0.0]];
        assert_eq!(frontier(&pts, &[Minimise, Minimise]), [true, true, true]);
        let pts = vec![vec![1.0, 1.0], vec![f64::NAN, 2.0]];
        assert_eq!(frontier(&pts, &[Minimise, Minimise]), [true, false]);
        assert!(frontier(&[], &[Minimise]).is_empty());
    }

    #[test]
    fn a_third_objective_can_rescue_a_point() {
        let two = vec![vec![0.95, 5.0], vec![0.95, 6.0]];
        assert_eq!(frontier(&two, &[Maximise, Minimise]), [true, false]);
        // Cheaper to run but more cash at risk: both stay.
        let three = vec![vec![0.95, 5.0, 900.0], vec![0.95, 6.0, 400.0]];
        assert_eq!(
            frontier(&three, &[Maximise, Minimise, Minimise]),
            [true, true]
        );
    }
}
