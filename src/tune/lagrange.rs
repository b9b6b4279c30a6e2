//! Per-category picks combined under the plan's fill-rate line by a price on units not
//! served (a Lagrange multiplier).
//!
//! The categories share the fill-rate line: the plan's pooled fill rate is the categories'
//! units served over their units demanded, so the line is one constraint on a sum over
//! categories, and the score is a sum over categories too. Pricing a unit not served at λ
//! separates the problem: each category minimises its own `score + λ · units short / days`,
//! and by Everett's theorem (Everett 1963, "Generalized Lagrange multiplier method for
//! solving problems of optimum allocation of resources", *Operations Research* 11(3)) the
//! plan of the categories' minimisers at a given λ is the cheapest plan among those that
//! serve at least as many units. A category's search therefore races its candidates under a
//! few prices at once ([`prices`]) and keeps every candidate that is the best, or not shown
//! to be worse, at some price: its survivors trace the cheap end and the well-served end of
//! its cost–service frontier. [`combine`] then picks one survivor per category — their
//! replications are the same futures in every category's search, so a combination's plan
//! fill rate is computed replication by replication — and keeps the cheapest plan whose
//! pooled fill rate clears the line with a margin for the confirmation run. Up to
//! [`ENUMERATED`] combinations it judges every one (exact on the search's replications);
//! beyond, it scans λ and finishes with single-category swaps that keep the line and lower
//! the score (the survivors are finite, so no λ need land on the line).
//!
//! What is exact and what is not: on the search's replications the plan's fill rate of a
//! combination is computed, not estimated from the categories' own rates; the categories
//! are replayed apart, so a shared supplier's queue is the one approximation, which
//! [`settle`] corrects by replaying the chosen plan whole and choosing again. The plan kept
//! is judged on its whole figures; the confirmation replays it on fresh replications.

use crate::stats::ratio::CoMoments;

/// One survivor of a category's search, as the combination needs it: per replication
/// (the same replications in every category), score `[currency/day]`, units served and
/// demanded.
#[derive(Debug, Clone)]
pub struct Survivor {
    /// Index into the search's `tried`.
    pub index: usize,
    pub score: Vec<f64>,
    pub served: Vec<f64>,
    pub demanded: Vec<f64>,
}

/// The combination chosen and how it was judged on the search's replications.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// Per category, the index into that category's options.
    pub picks: Vec<usize>,
    /// The price of a unit not served whose minimisers started the final plan
    /// `[currency/unit]`; `None`: every combination was judged.
    pub price: Option<f64>,
    /// Mean plan score `[currency/day]` of the categories searched.
    pub score: f64,
    /// The plan's pooled fill rate on the search's replications, and the bound the line
    /// was judged on: the estimate less [`MARGIN`] times the one-sided `confidence`
    /// half-width, room for the confirmation's sampling error on as many fresh replications.
    pub fill: f64,
    pub fill_bound: f64,
    /// Whether `fill_bound` clears the line.
    pub meets: bool,
}

/// The prices of a unit not served a category's candidates race under `[currency/unit]`:
/// 0 (the score alone) and a geometric ladder around `scale` (the catalog's mean price) from
/// 1/64 to 16 times it in steps of 4, wide because the line's shadow price is not known
/// before the search and may be far below a unit's margin; coarse because every price keeps
/// its own leader alive, and the combination scans finer among the survivors.
pub fn prices(scale: f64) -> Vec<f64> {
    std::iter::once(0.0)
        .chain((-3..=2).map(|j| scale * 4f64.powi(j)))
        .collect()
}

/// The fill-rate line and how a combination is judged against it.
#[derive(Debug, Clone, Copy)]
pub struct Line {
    /// `min_fill_rate`.
    pub min: f64,
    /// `objective.confidence`.
    pub confidence: f64,
    /// Measured days: units short per replication over `days` is a rate comparable with the
    /// score.
    pub days: f64,
    /// The catalog's mean price: the scale of the prices scanned `[currency/unit]` (> 0).
    pub scale: f64,
}

/// One whole-plan replay of a combination on the search's replications: per category (in
/// order) and replication, its `[score, served, demanded]`, and per replication the units
/// served and demanded by SKUs in no category.
#[derive(Debug, Clone)]
pub struct Replay {
    pub categories: Vec<Vec<[f64; 3]>>,
    pub loose: Vec<(f64, f64)>,
}

/// The combination chosen by [`combine`] on the categories' own replays, corrected by
/// replaying it whole: each category's survivors are replayed apart, so a supplier shared
/// by categories queues only one category's orders and the parts serve more (and cost
/// less) than the whole plan does. After each whole replay (`replay`, at most `replays`),
/// every survivor of a category is shifted, replication by replication, by the difference
/// between that category's figures in the whole replay and in its own search for the pick
/// (the queue the other categories add, taken as the same for the category's neighbouring
/// survivors), and the combination is chosen again; it stops when the choice repeats. The
/// answer is the best combination replayed whole, judged on its whole figures; the second
/// value counts the whole replays.
pub fn settle(
    survivors: &[Vec<Survivor>],
    loose: &[(f64, f64)],
    line: &Line,
    replays: usize,
    mut replay: impl FnMut(&[usize]) -> Replay,
) -> (Choice, usize) {
    let mut shifted = survivors.to_vec();
    let mut loose = loose.to_vec();
    let mut best: Option<Choice> = None;
    let mut replayed: Vec<Vec<usize>> = Vec::new();
    for _ in 0..replays.max(1) {
        let c = combine(&shifted, &loose, line);
        if replayed.contains(&c.picks) {
            break;
        }
        let r = replay(&c.picks);
        replayed.push(c.picks.clone());
        for (k, opts) in shifted.iter_mut().enumerate() {
            let own = &survivors[k][c.picks[k]];
            let whole = &r.categories[k];
            for (o, orig) in opts.iter_mut().zip(&survivors[k]) {
                for (rep, w) in whole.iter().enumerate() {
                    o.score[rep] = orig.score[rep] + w[0] - own.score[rep];
                    o.served[rep] = orig.served[rep] + w[1] - own.served[rep];
                    o.demanded[rep] = orig.demanded[rep] + w[2] - own.demanded[rep];
                }
            }
        }
        loose = r.loose;
        // The pick's shifted figures are its whole figures: judged exactly.
        let exact = Choice {
            price: c.price,
            ..evaluate(&shifted, &loose, &c.picks, line)
        };
        if best.as_ref().is_none_or(|b| better(&exact, b)) {
            best = Some(exact);
        }
    }
    (best.expect("one replay at least"), replayed.len())
}

/// Whether `a` is a better choice than `b`: meeting the line first, then the lower score;
/// between two short of it, the higher bound.
fn better(a: &Choice, b: &Choice) -> bool {
    match (a.meets, b.meets) {
        (true, false) => true,
        (false, true) => false,
        (true, true) => a.score < b.score,
        (false, false) => a.fill_bound > b.fill_bound,
    }
}

/// The combination `picks` (one index per category into `options`) judged against the line
/// on the replications of `loose`.
pub fn evaluate(
    options: &[Vec<Survivor>],
    loose: &[(f64, f64)],
    picks: &[usize],
    line: &Line,
) -> Choice {
    let mut c = CoMoments::default();
    for (r, &(ls, ld)) in loose.iter().enumerate() {
        let (mut x, mut y) = (ls, ld);
        for (k, &p) in picks.iter().enumerate() {
            x += options[k][p].served[r];
            y += options[k][p].demanded[r];
        }
        c.push(x, y);
    }
    let (fill, bound) = if c.mean_y > 0.0 {
        let fill = c.ratio().0;
        let lower = c.ratio_lower(line.confidence).unwrap_or(fill);
        (fill, fill - MARGIN * (fill - lower))
    } else {
        (1.0, 1.0)
    };
    let n = loose.len().max(1) as f64;
    Choice {
        picks: picks.to_vec(),
        price: None,
        score: picks
            .iter()
            .enumerate()
            .map(|(k, &p)| options[k][p].score.iter().sum::<f64>() / n)
            .sum(),
        fill,
        fill_bound: bound,
        meets: bound >= line.min,
    }
}

/// The cheapest combination of one option per category whose plan fill rate clears
/// `line.min` with the margin (see [`Choice::fill_bound`]); when none does, the one with the
/// highest bound. `loose` holds, per replication, the units served and demanded by SKUs in
/// no category (they are in the plan, not in any search). Every category needs at least one
/// option, each with the same number of replications as `loose`.
pub fn combine(options: &[Vec<Survivor>], loose: &[(f64, f64)], line: &Line) -> Choice {
    combine_up_to(options, loose, line, ENUMERATED)
}

fn combine_up_to(
    options: &[Vec<Survivor>],
    loose: &[(f64, f64)],
    line: &Line,
    enumerated: usize,
) -> Choice {
    let judge = |picks: &[usize], price: Option<f64>| Choice {
        price,
        ..evaluate(options, loose, picks, line)
    };
    let combinations = options
        .iter()
        .try_fold(1usize, |acc, o| acc.checked_mul(o.len()))
        .unwrap_or(usize::MAX);
    if combinations <= enumerated {
        // Every combination: the choice is exact on the search's replications.
        let mut picks = vec![0; options.len()];
        let mut best = judge(&picks, None);
        'next: loop {
            for k in 0..picks.len() {
                picks[k] += 1;
                if picks[k] < options[k].len() {
                    let c = judge(&picks, None);
                    if better(&c, &best) {
                        best = c;
                    }
                    continue 'next;
                }
                picks[k] = 0;
            }
            return best;
        }
    }
    // Too many to enumerate: a fine scan of λ. The minimisers change only at finitely many
    // prices, so a ladder of eight steps per doubling from 2⁻¹⁰ to 2⁸ times the scale, and
    // 0, meets each plan the search's prices could have left.
    let n = loose.len().max(1) as f64;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / n;
    // Per option: mean score and mean units short per day.
    let stats: Vec<Vec<(f64, f64)>> = options
        .iter()
        .map(|opts| {
            opts.iter()
                .map(|o| {
                    (
                        mean(&o.score),
                        (mean(&o.demanded) - mean(&o.served)) / line.days,
                    )
                })
                .collect()
        })
        .collect();
    let ladder =
        std::iter::once(0.0).chain((-80..=64).map(|j| line.scale * 2f64.powf(f64::from(j) / 8.0)));
    let mut best: Option<Choice> = None;
    let mut seen: Vec<Vec<usize>> = Vec::new();
    for price in ladder {
        let picks: Vec<usize> = stats
            .iter()
            .map(|opts| {
                (0..opts.len())
                    .min_by(|&a, &b| {
                        let v = |i: usize| opts[i].0 + price * opts[i].1;
                        v(a).total_cmp(&v(b)).then(a.cmp(&b))
                    })
                    .expect("every category has an option")
            })
            .collect();
        if seen.contains(&picks) {
            continue;
        }
        let c = judge(&picks, Some(price));
        seen.push(picks);
        if best.as_ref().is_none_or(|b| better(&c, b)) {
            best = Some(c);
        }
    }
    let mut best = best.expect("the ladder is not empty");
    // Single swaps that keep the line and lower the score (or raise the bound while the line
    // is not met), best first, until none does: the survivors are finite, so no price need
    // land on the line.
    loop {
        let mut next: Option<Choice> = None;
        for k in 0..options.len() {
            for p in 0..options[k].len() {
                if p == best.picks[k] {
                    continue;
                }
                let mut picks = best.picks.clone();
                picks[k] = p;
                let c = judge(&picks, best.price);
                if better(&c, next.as_ref().unwrap_or(&best)) {
                    next = Some(c);
                }
            }
        }
        match next {
            Some(c) => best = c,
            None => return best,
        }
    }
}

/// The bound a combination is judged on is its estimate less `MARGIN` times the one-sided
/// half-width t·se. The confirmation passes when its own estimate less t·se clears the line;
/// on as many fresh replications its estimate differs from the search's by a normal of
/// standard deviation √2·se, so the search's estimate must clear the line by
/// t·se + √2·t·se for the confirmation to pass with the `confidence` the half-width is
/// taken at (when the search's estimate is unbiased).
pub const MARGIN: f64 = 1.0 + std::f64::consts::SQRT_2;

/// Combinations [`combine`] judges one by one; beyond, it scans prices.
pub const ENUMERATED: usize = 200_000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::moments::t_quantile;

    /// An option whose units served swing ±`swing` around `served` on alternate
    /// replications, its score constant.
    fn option(index: usize, score: f64, served: f64, swing: f64, n: usize) -> Survivor {
        Survivor {
            index,
            score: vec![score; n],
            served: (0..n)
                .map(|r| served + if r % 2 == 0 { swing } else { -swing })
                .collect(),
            demanded: vec![100.0; n],
        }
    }

    /// Every combination of three categories' options, judged as the line is judged,
    /// enumerated: the combination chosen is the cheapest that clears the line with the
    /// margin, where the margin is derived here from the delta-method bound.
    #[test]
    fn the_combination_is_the_cheapest_that_clears_the_line_with_its_margin() {
        let n = 40;
        // Three categories, each trading score for units served (of 100 demanded).
        let cats: Vec<Vec<Survivor>> = vec![
            vec![
                option(0, 10.0, 90.0, 1.0, n),
                option(1, 12.0, 94.0, 1.0, n),
                option(2, 15.5, 97.0, 1.0, n),
                option(3, 21.0, 99.0, 1.0, n),
            ],
            vec![
                option(0, 5.0, 93.0, 2.0, n),
                option(1, 6.0, 95.0, 2.0, n),
                option(2, 9.0, 98.0, 2.0, n),
            ],
            vec![
                option(0, 30.0, 92.0, 0.5, n),
                option(1, 31.0, 96.0, 0.5, n),
                option(2, 40.0, 96.5, 0.5, n),
            ],
        ];
        let loose = vec![(0.0, 0.0); n];
        let conf = 0.95;
        let t = t_quantile(conf, n as u64 - 1);
        // The plan's served swings by ±(1 + 2 + 0.5) = ±3.5 units on 300 demanded, constant:
        // residuals x − r·y are ±3.5, so se = sqrt(3.5²·n/(n−1)/n)/300 and the bound with
        // its margin is r − MARGIN·t·se.
        let se = (3.5f64.powi(2) / (n as f64 - 1.0)).sqrt() / 300.0;
        for min in [0.93, 0.95, 0.96, 0.97] {
            let mut want: Option<(f64, Vec<usize>)> = None;
            for a in 0..4 {
                for b in 0..3 {
                    for c in 0..3 {
                        let served = cats[0][a].served[0] - 1.0 + cats[1][b].served[0] - 2.0
                            + cats[2][c].served[0]
                            - 0.5;
                        let r = served / 300.0;
                        if r - MARGIN * t * se < min {
                            continue;
                        }
                        let s = cats[0][a].score[0] + cats[1][b].score[0] + cats[2][c].score[0];
                        if want.as_ref().is_none_or(|(w, _)| s < *w) {
                            want = Some((s, vec![a, b, c]));
                        }
                    }
                }
            }
            let (score, picks) = want.expect("a combination clears these lines");
            // Judging every combination, and scanning prices (then swapping).
            for up_to in [ENUMERATED, 0] {
                let line = Line {
                    min,
                    confidence: conf,
                    days: 1.0,
                    scale: 1.0,
                };
                let got = combine_up_to(&cats, &loose, &line, up_to);
                assert!(got.meets, "line {min}, up to {up_to}: {got:?}");
                assert_eq!(got.picks, picks, "line {min}, up to {up_to}: {got:?}");
                assert!((got.score - score).abs() < 1e-9);
                assert!((got.fill - got.fill_bound - MARGIN * t * se).abs() < 1e-9);
                assert_eq!(got.price.is_none(), up_to > 0);
            }
        }
    }

    /// With no combination able to clear the line, the one with the highest bound comes
    /// back, marked as not meeting it; units of SKUs in no category count in the plan.
    #[test]
    fn out_of_reach_lines_and_loose_units() {
        let n = 20;
        let cats = vec![vec![
            option(0, 1.0, 80.0, 1.0, n),
            option(1, 2.0, 85.0, 1.0, n),
        ]];
        for up_to in [ENUMERATED, 0] {
            let line = Line {
                min: 0.99,
                confidence: 0.95,
                days: 1.0,
                scale: 1.0,
            };
            let none = combine_up_to(&cats, &vec![(0.0, 0.0); n], &line, up_to);
            assert!(!none.meets);
            assert_eq!(none.picks, vec![1]);
        }
        // 100 more units all served lift the plan to (80 + 100) / 200 = 0.9: the cheap option
        // now clears 0.85 with room.
        let loose = vec![(100.0, 100.0); n];
        let line = Line {
            min: 0.85,
            confidence: 0.95,
            days: 1.0,
            scale: 1.0,
        };
        let cheap = combine(&cats, &loose, &line);
        assert!(cheap.meets);
        assert_eq!(cheap.picks, vec![0]);
        assert!((cheap.fill - 0.9).abs() < 1e-12);
    }

    /// Replayed apart, each category serves 1.5 units more (of 100) than in the whole plan,
    /// where a shared queue delays it. The categories' own figures pick a plan the whole
    /// plan cannot carry; settled by whole replays, the choice is the cheapest combination
    /// that clears the line on the whole figures, found here by enumerating them.
    #[test]
    fn whole_replays_settle_on_the_cheapest_plan_the_whole_figures_carry() {
        let n = 30;
        let cats: Vec<Vec<Survivor>> = vec![
            vec![
                option(0, 10.0, 93.0, 1.0, n),
                option(1, 12.0, 95.0, 1.0, n),
                option(2, 15.0, 97.5, 1.0, n),
            ],
            vec![
                option(0, 5.0, 93.5, 1.0, n),
                option(1, 6.0, 95.5, 1.0, n),
                option(2, 9.0, 98.0, 1.0, n),
            ],
        ];
        let bias = 1.5;
        let line = Line {
            min: 0.95,
            confidence: 0.95,
            days: 1.0,
            scale: 1.0,
        };
        let loose = vec![(0.0, 0.0); n];
        let whole = |picks: &[usize]| Replay {
            categories: picks
                .iter()
                .enumerate()
                .map(|(k, &p)| {
                    let o = &cats[k][p];
                    (0..n)
                        .map(|r| [o.score[r], o.served[r] - bias, o.demanded[r]])
                        .collect()
                })
                .collect(),
            loose: loose.clone(),
        };
        let apart = combine(&cats, &loose, &line);
        assert!(apart.meets);
        // The whole figures of every combination, enumerated.
        let truth: Vec<Vec<Survivor>> = cats
            .iter()
            .map(|v| {
                v.iter()
                    .map(|o| Survivor {
                        served: o.served.iter().map(|s| s - bias).collect(),
                        ..o.clone()
                    })
                    .collect()
            })
            .collect();
        let want = (0..3)
            .flat_map(|a| (0..3).map(move |b| vec![a, b]))
            .map(|p| evaluate(&truth, &loose, &p, &line))
            .filter(|c| c.meets)
            .min_by(|a, b| a.score.total_cmp(&b.score))
            .expect("a combination carries the line");
        assert!(
            !evaluate(&truth, &loose, &apart.picks, &line).meets,
            "the plan chosen apart fails in the whole: {apart:?}"
        );
        let mut replays = Vec::new();
        let (got, count) = settle(&cats, &loose, &line, 4, |p| {
            replays.push(p.to_vec());
            whole(p)
        });
        assert_eq!(got.picks, want.picks, "{got:?}");
        assert!(got.meets);
        assert!((got.fill - want.fill).abs() < 1e-12);
        assert_eq!(count, replays.len());
        assert!(count <= 4);
    }
}
