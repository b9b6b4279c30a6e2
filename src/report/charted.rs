//! Which candidates the charts show when there are many: the recommended one, the baseline,
//! the Pareto frontier by rank, then the best-ranked others — at most [`MAX_CHARTED`] in all,
//! so fan charts stay a readable height and bar and point labels have room. The tables keep
//! every candidate.

use super::Summary;
use crate::score::Ranking;
use crate::stats::sku::SkuTable;

/// Candidates a chart shows at most.
pub const MAX_CHARTED: usize = 8;

/// The candidates charted, in candidate order; all of them when there are few.
pub fn charted(s: &Summary) -> Vec<usize> {
    let n = s.candidates.len();
    if n <= MAX_CHARTED {
        return (0..n).collect();
    }
    let mut by_rank: Vec<usize> = (0..n).collect();
    by_rank.sort_by_key(|&c| s.ranking.verdicts[c].rank);
    let mut pick: Vec<usize> = Vec::with_capacity(MAX_CHARTED);
    let add = |c: usize, pick: &mut Vec<usize>| {
        if pick.len() < MAX_CHARTED && !pick.contains(&c) {
            pick.push(c);
        }
    };
    if let Some(b) = s.ranking.best {
        add(b, &mut pick);
    }
    add(0, &mut pick);
    for &c in by_rank.iter().filter(|&&c| s.ranking.verdicts[c].pareto) {
        add(c, &mut pick);
    }
    for &c in &by_rank {
        add(c, &mut pick);
    }
    pick.sort_unstable();
    pick
}

/// The summary cut down to the charted candidates, or `None` when every one is charted.
pub fn view(s: &Summary) -> Option<Summary> {
    let keep = charted(s);
    if keep.len() == s.candidates.len() {
        return None;
    }
    let pick = |r: &Ranking| Ranking {
        verdicts: keep.iter().map(|&c| r.verdicts[c].clone()).collect(),
        best: r.best.and_then(|b| keep.iter().position(|&c| c == b)),
        lowest: r.lowest.and_then(|b| keep.iter().position(|&c| c == b)),
    };
    let mut v = s.clone();
    // Charted under the terminal's short ids (the caption gives each one's name), so axis
    // ticks and point labels stay short enough not to collide.
    v.candidates = keep
        .iter()
        .map(|&c| (short_id(s, c), s.candidates[c].1.clone()))
        .collect();
    v.params = keep.iter().map(|&c| s.params[c].clone()).collect();
    v.days = keep.iter().map(|&c| s.days[c].clone()).collect();
    v.weeks = keep.iter().map(|&c| s.weeks[c].clone()).collect();
    v.cash_days = keep.iter().map(|&c| s.cash_days[c].clone()).collect();
    v.cash_weeks = keep.iter().map(|&c| s.cash_weeks[c].clone()).collect();
    v.layered = keep.iter().map(|&c| s.layered[c]).collect();
    v.ranking = pick(&s.ranking);
    v.category_rankings = s.category_rankings.iter().map(pick).collect();
    v.skus = SkuTable::default();
    Some(v)
}

/// `C01`…, as the terminal numbers candidates.
fn short_id(s: &Summary, c: usize) -> String {
    let digits = s.candidates.len().to_string().len().max(2);
    format!("C{:0digits$}", c + 1)
}

/// The sentences a caption gains when the chart shows only some candidates.
pub fn note(s: &Summary) -> Option<String> {
    let keep = charted(s);
    (keep.len() < s.candidates.len()).then(|| {
        let names: Vec<String> = keep
            .iter()
            .map(|&c| format!("{} = {}", short_id(s, c), s.candidates[c].0))
            .collect();
        format!(
            " Shown: {} of {} candidates — the recommended one, the baseline and the Pareto \
             frontier by rank; every candidate is in the tables. {}.",
            keep.len(),
            s.candidates.len(),
            names.join("; ")
        )
    })
}
