//! The terminal table: each candidate's metrics with their confidence intervals, readable at a
//! glance and at any size. Numbers are rounded for the eye, with thousands separators; the
//! files keep full precision.
//!
//! Every line fits [`WIDTH`] columns: many candidates get short ids (`C01`…) with a legend of
//! their parameters, the ranking shows the top ten plus the baseline and the recommended one,
//! the Pareto frontier is a count and ids, metrics that cannot apply to the scenario are left
//! out, and columns are dropped before a line would overflow. `--verbose` shows everything.

use std::fmt::Write;

use super::applies::nothing_to_measure;
use super::{Summary, sku};
use crate::metrics::Metric;
use crate::stats::sku::SkuField;

/// Columns a terminal line may use at most.
pub const WIDTH: usize = 100;

/// Formats a number with about four significant digits and thousands separators.
pub fn num(x: f64) -> String {
    let a = x.abs();
    let s = if x == 0.0 {
        "0".to_string()
    } else if !x.is_finite() {
        return "n/a".to_string();
    } else if a >= 1e4 {
        format!("{x:.0}")
    } else if a >= 100.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.3}")
    } else {
        format!("{x:.4}")
    };
    group(&s)
}

/// `1234567.5` → `1,234,567.5`: commas between groups of three digits of the integer part.
fn group(s: &str) -> String {
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", s),
    };
    let (int, frac) = match rest.find('.') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if int.len() <= 3 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + int.len() / 3);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out.push_str(frac);
    out
}

/// Candidates up to which every metric of every candidate is printed; beyond it the ranking
/// alone (the files hold everything).
const FULL_TABLE_CANDIDATES: usize = 4;
/// Candidates up to which names are shown as they are; beyond, short ids and a legend.
const NAMED_CANDIDATES: usize = 8;
/// Ranking rows shown without `--verbose` (plus the baseline and the recommended one).
const TOP_ROWS: usize = 10;
/// SKUs at risk shown per candidate without `--verbose` (with it, `sku::AT_RISK_ROWS`).
const AT_RISK_TERMINAL: usize = 10;

/// The terminal output, as `restock run` prints it; with every candidate and every metric when
/// `verbose` (`--verbose`).
pub fn render_table_for(s: &Summary, verbose: bool) -> String {
    render(s, verbose)
}

fn render(s: &Summary, verbose: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", s.scenario_name);
    let _ = writeln!(
        out,
        "{} replications, seed {}, days {}..{} measured from {}, money in {}",
        group(&s.replications.to_string()),
        s.seed,
        s.warmup_days,
        s.horizon_days,
        s.start_date,
        s.currency
    );
    let labels = Labels::new(s);
    if s.candidates.len() <= FULL_TABLE_CANDIDATES {
        metric_tables(s, &labels, verbose, &mut out);
    }
    if s.candidates.len() > 1 {
        ranking(s, &labels, verbose, &mut out);
    } else {
        infeasible(s, &mut out);
    }
    at_risk(s, &labels, verbose, &mut out);
    if let Some(w) = &s.whatif {
        out.push_str(&super::whatif::render_table(s, w));
    }
    out.push_str(&super::hits::render_table(s));
    fit(&out)
}

/// Cuts any line still wider than [`WIDTH`] (a very long name), marking the cut.
fn fit(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if line.chars().count() > WIDTH {
            out.extend(line.chars().take(WIDTH - 1));
            out.push('…');
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// What a candidate is called in the terminal: its name, or `C01`… when there are many or
/// their names are long.
struct Labels {
    ids: bool,
    digits: usize,
}

impl Labels {
    fn new(s: &Summary) -> Self {
        let longest = s
            .candidates
            .iter()
            .map(|(n, _)| n.chars().count())
            .max()
            .unwrap_or(0);
        let n = s.candidates.len();
        Labels {
            ids: n > NAMED_CANDIDATES || longest > 28,
            digits: n.to_string().len().max(2),
        }
    }

    fn of(&self, s: &Summary, c: usize) -> String {
        if self.ids {
            format!("C{:0w$}", c + 1, w = self.digits)
        } else {
            s.candidates[c].0.clone()
        }
    }
}

/// A right-aligned table (the first `left` columns left-aligned) that drops its optional
/// columns, in order, until it fits [`WIDTH`].
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    left: usize,
    optional: Vec<usize>,
}

impl Table {
    fn new(header: &[&str], left: usize) -> Self {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            left,
            optional: Vec::new(),
        }
    }

    fn write(&self, out: &mut String) {
        const INDENT: usize = 2;
        let cols = self.header.len();
        let widths: Vec<usize> = (0..cols)
            .map(|i| {
                self.rows
                    .iter()
                    .map(|r| r[i].chars().count())
                    .chain([self.header[i].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut shown = vec![true; cols];
        let total = |shown: &[bool]| {
            INDENT
                + (0..cols)
                    .filter(|&i| shown[i])
                    .map(|i| widths[i] + 2)
                    .sum::<usize>()
                - 2
        };
        for &i in &self.optional {
            if total(&shown) <= WIDTH {
                break;
            }
            shown[i] = false;
        }
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = " ".repeat(INDENT);
            let mut first = true;
            for i in (0..cols).filter(|&i| shown[i]) {
                if !first {
                    line.push_str("  ");
                }
                first = false;
                let pad = widths[i] - row[i].chars().count();
                if i < self.left {
                    line.push_str(&row[i]);
                    line.push_str(&" ".repeat(pad));
                } else {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(&row[i]);
                }
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
}

/// Words wrapped into lines of at most [`WIDTH`] columns, the first starting with `first`,
/// the others indented by `indent` spaces.
fn wrap(first: &str, words: &[String], indent: usize, out: &mut String) {
    let mut line = first.to_string();
    for w in words {
        let len = line.chars().count();
        if len > indent && len + 1 + w.chars().count() > WIDTH {
            let _ = writeln!(out, "{}", line.trim_end());
            line = " ".repeat(indent);
        } else if !line.ends_with(' ') && !line.is_empty() {
            line.push(' ');
        }
        line.push_str(w);
    }
    let _ = writeln!(out, "{}", line.trim_end());
}

fn mean_ci(mean: f64, ci: Option<f64>) -> String {
    match ci {
        Some(h) => format!("{} ± {}", num(mean), num(h)),
        None => num(mean),
    }
}

/// The candidates the ranking shows: the top ten, the baseline and the recommended one (all
/// with `verbose`), by rank.
fn shown(s: &Summary, verbose: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..s.candidates.len()).collect();
    order.sort_by_key(|&c| s.ranking.verdicts[c].rank);
    if !verbose {
        order.retain(|&c| {
            s.ranking.verdicts[c].rank <= TOP_ROWS || c == 0 || Some(c) == s.ranking.best
        });
    }
    order
}

/// The ranking, the best feasible candidate per category, the frontier and the legend.
fn ranking(s: &Summary, labels: &Labels, verbose: bool, out: &mut String) {
    let _ = writeln!(
        out,
        "\nranking by score (lower is better); Δ: paired difference with the baseline {}",
        labels.of(s, 0)
    );
    let _ = writeln!(
        out,
        "(same futures) ± its 95% CI; ≈best: the paired CI against the best contains 0"
    );
    let mut t = Table::new(
        &[
            "rank",
            "candidate",
            "score ± 95% CI",
            "Δ score",
            "fill",
            "fill pooled",
            "cost/day",
            "peak cap p95",
            "feasible",
            "pareto",
            "≈best",
        ],
        2,
    );
    t.optional = vec![10, 9, 7, 5];
    let rows = shown(s, verbose);
    for &c in &rows {
        let st = &s.candidates[c].1;
        let v = &s.ranking.verdicts[c];
        let score = st.metric(Metric::Score);
        let d = st.diff(Metric::Score);
        let diff = match (c, d.ci95) {
            (0, _) => "(baseline)".to_string(),
            (_, Some(h)) => format!("{} ± {}", Signed(d.mean), num(h)),
            (_, None) => Signed(d.mean).to_string(),
        };
        let yes = |b: bool| if b { "yes" } else { "-" }.to_string();
        let fill = if nothing_to_measure(st, Metric::FillRate) {
            "n/a".to_string()
        } else {
            num(st.metric(Metric::FillRate).mean)
        };
        let pooled = if nothing_to_measure(st, Metric::FillRate) {
            "n/a".to_string()
        } else {
            // The mean only, to fit: the candidate's table gives its interval.
            num(st.all.fill_pooled().0)
        };
        t.rows.push(vec![
            v.rank.to_string(),
            labels.of(s, c),
            mean_ci(score.mean, score.ci95),
            diff,
            fill,
            pooled,
            num(st.metric(Metric::TotalCostPerDay).mean),
            num(st.metric(Metric::CapitalTiedPeak).p95),
            yes(v.feasible),
            yes(v.pareto),
            yes(v.indistinguishable_from_best()),
        ]);
    }
    t.write(out);
    let hidden = s.candidates.len() - rows.len();
    if hidden > 0 {
        let _ = writeln!(
            out,
            "  … and {hidden} more (--verbose shows all; summary.csv and report.html hold every one)"
        );
    }
    let best = |r: &crate::score::Ranking| match r.best {
        Some(c) => {
            let tied = r
                .verdicts
                .iter()
                .enumerate()
                .filter(|&(o, v)| o != c && v.feasible && v.indistinguishable_from_best())
                .count();
            let mut line = labels.of(s, c);
            if tied > 0 {
                let _ = write!(
                    line,
                    "; {tied} other feasible candidate(s) indistinguishable"
                );
            }
            line
        }
        None => format!(
            "none meets the constraints at {}% confidence",
            (s.objective.confidence * 1000.0).round() / 10.0
        ),
    };
    let _ = writeln!(out, "\nbest feasible candidate: {}", best(&s.ranking));
    for (id, r) in s.categories.iter().zip(&s.category_rankings) {
        let _ = writeln!(out, "  category {id}: {}", best(r));
    }
    if let Some(c) = &s.combined {
        let picks: Vec<String> = c.picks.iter().map(|(k, p)| format!("{k} ← {p}")).collect();
        let _ = writeln!(out, "combined per-category picks ({}):", picks.join(", "));
        let st = c.stats.metric(Metric::Score);
        let verdict = if c.failures.is_empty() {
            "meets the constraints".to_string()
        } else {
            let why: Vec<_> = c.failures.iter().map(|f| f.text.as_str()).collect();
            format!("does NOT meet the constraints: {}", why.join("; "))
        };
        let vs = match &c.vs_best {
            Some((name, d)) => match d.ci95 {
                Some(h) => format!(", Δ score vs {name} {} ± {}", Signed(d.mean), num(h)),
                None => format!(", Δ score vs {name} {}", Signed(d.mean)),
            },
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "  score {}{vs}; fill {} (pooled {}), peak cap p95 {}: {verdict}",
            num(st.mean),
            num(c.stats.metric(Metric::FillRate).mean),
            num(c.stats.all.fill_pooled().0),
            num(c.stats.metric(Metric::CapitalTiedPeak).p95),
        );
    }
    infeasible(s, out);
    let frontier = s.ranking.frontier();
    let mut ids: Vec<String> = frontier.iter().map(|&c| labels.of(s, c)).collect();
    if let Some((_, rest)) = ids.split_last_mut() {
        rest.iter_mut().for_each(|w| w.push(','));
    }
    wrap(
        &format!(
            "Pareto frontier (fill ↑, cost ↓, p95 peak capital ↓): {} candidate{}:",
            frontier.len(),
            if frontier.len() == 1 { "" } else { "s" }
        ),
        &ids,
        2,
        out,
    );
    if labels.ids {
        let mut listed: Vec<usize> = rows.clone();
        listed.extend(&frontier);
        listed.extend(s.ranking.best);
        for r in &s.category_rankings {
            listed.extend(r.best);
        }
        listed.sort_unstable();
        listed.dedup();
        let _ = writeln!(
            out,
            "\ncandidates (id, name, parameters that vary and the name does not show):"
        );
        for c in listed {
            let line = legend(s, c, &labels.of(s, c));
            let _ = writeln!(out, "{line}");
        }
    }
}

/// One legend line: id, name, then the parameters whose values differ between candidates and
/// that the name does not already spell out, as many as fit the line.
fn legend(s: &Summary, c: usize, id: &str) -> String {
    let name = &s.candidates[c].0;
    let mut line = format!("  {id}  {name}");
    let text = |v: &Option<f64>| v.map_or("off".to_string(), |x| x.to_string());
    let varies = |k: &str, v: &Option<f64>| {
        s.params.iter().any(|ps| {
            ps.iter()
                .find(|(pk, _)| pk == k)
                .is_none_or(|(_, pv)| pv != v)
        })
    };
    let mut left = 0;
    for (k, v) in &s.params[c] {
        let short = k.rsplit('.').next().unwrap_or(k);
        if !varies(k, v) || name.contains(&format!("{short}={}", text(v))) {
            continue;
        }
        let word = format!(" {k}={}", text(v));
        if left > 0 || line.chars().count() + word.chars().count() > WIDTH - 12 {
            left += 1;
        } else {
            line.push_str(&word);
        }
    }
    if left > 0 {
        let _ = write!(line, " (+{left} more in summary.json)");
    }
    line
}

/// The `fill_rate_pooled` row of a candidate's table: one ratio over every replication, so
/// no quantiles.
fn pooled_row(c: &crate::stats::CandidateStats, vs_baseline: bool) -> Vec<String> {
    let (r, h) = c.all.fill_pooled();
    let measured = !nothing_to_measure(c, Metric::FillRate);
    let mut row = vec![
        "fill_rate_pooled".to_string(),
        if measured {
            mean_ci(r, h)
        } else {
            "n/a".into()
        },
        "".into(),
        "".into(),
        "".into(),
    ];
    if vs_baseline {
        let d = c.all.fill_vs_first;
        row.push(match d.ci95 {
            Some(h) => format!("{} ± {}", Signed(d.mean), num(h)),
            None => Signed(d.mean).to_string(),
        });
    }
    row
}

fn metric_tables(s: &Summary, labels: &Labels, verbose: bool, out: &mut String) {
    let hidden: Vec<&str> = Metric::ALL
        .iter()
        .filter(|&&m| !s.applies[m as usize])
        .map(|m| m.name())
        .collect();
    for (i, (_, c)) in s.candidates.iter().enumerate() {
        let _ = writeln!(out, "\ncandidate {}", labels.of(s, i));
        let mut header = vec!["metric", "mean ± 95% CI", "p5", "p50", "p95"];
        if i > 0 {
            header.push("Δ vs baseline");
        }
        let mut t = Table::new(&header, 1);
        t.optional = vec![2, 3];
        for &m in Metric::ALL {
            if !verbose && !(s.applies[m as usize] && (s.layered[i] || !is_trigger(m))) {
                continue;
            }
            let st = c.metric(m);
            let mut row = if nothing_to_measure(c, m) {
                vec![
                    m.name().to_string(),
                    "n/a".into(),
                    "".into(),
                    "".into(),
                    "".into(),
                ]
            } else {
                vec![
                    m.name().to_string(),
                    mean_ci(st.mean, st.ci95),
                    num(st.p5),
                    num(st.p50),
                    num(st.p95),
                ]
            };
            if i > 0 {
                let d = c.diff(m);
                row.push(match d.ci95 {
                    Some(h) => format!("{} ± {}", Signed(d.mean), num(h)),
                    None => Signed(d.mean).to_string(),
                });
            }
            t.rows.push(row);
            if m == Metric::FillRate {
                t.rows.push(pooled_row(c, i > 0));
            }
        }
        t.write(out);
    }
    if !verbose && !hidden.is_empty() {
        let words: Vec<String> = hidden.iter().map(|h| h.to_string()).collect();
        wrap(
            &format!(
                "\n{} metric{} that cannot apply to this scenario left out (--verbose shows them):",
                hidden.len(),
                if hidden.len() == 1 { "" } else { "s" }
            ),
            &words,
            2,
            out,
        );
    }
}

/// "SKUs at risk": the recommended candidate's and the baseline's SKUs losing the most margin.
fn at_risk(s: &Summary, labels: &Labels, verbose: bool, out: &mut String) {
    if s.sku_ids.len() < 2 {
        return;
    }
    let cap = if verbose {
        sku::AT_RISK_ROWS
    } else {
        AT_RISK_TERMINAL
    };
    for group in sku::at_risk(s) {
        let c = group.candidate;
        let who = labels.of(s, c);
        if group.skus.is_empty() {
            let _ = writeln!(
                out,
                "\nSKUs at risk under {who} ({}): none (every SKU served every unit)",
                group.role
            );
            continue;
        }
        let _ = writeln!(
            out,
            "\nSKUs at risk under {who} ({}), worst lost margin first (all: sku_summary.csv):",
            group.role
        );
        let mut t = Table::new(
            &[
                "sku",
                "category",
                "fill",
                "in-stream",
                "stockout days",
                "lost units",
                "lost margin/day",
                "cover days",
            ],
            2,
        );
        t.optional = vec![1, 7, 3];
        for &k in group.skus.iter().take(cap) {
            let r = s.skus.get(c, k);
            let opt = |v: Option<f64>| v.map(num).unwrap_or_else(|| "n/a".into());
            t.rows.push(vec![
                s.sku_ids[k].clone(),
                s.sku_categories[k].clone(),
                num(r.mean(SkuField::FillRate)),
                opt(r.fill_rate_in_stream()),
                num(r.mean(SkuField::StockoutDays)),
                num(r.mean(SkuField::LostUnits)),
                num(r.mean(SkuField::LostMarginPerDay)),
                opt(r.days_of_cover()),
            ]);
        }
        t.write(out);
        if group.skus.len() > cap {
            let _ = writeln!(
                out,
                "  … and {} more (--verbose shows {}; report.html and sku_summary.csv)",
                group.skus.len() - cap,
                sku::AT_RISK_ROWS
            );
        }
    }
}

/// Metrics only the layered policy's triggers move: they cannot apply to other candidates.
fn is_trigger(m: Metric) -> bool {
    let name = m.name();
    name.starts_with("triggers_")
        || (name.starts_with("units_")
            && !matches!(
                m,
                Metric::UnitsSea | Metric::UnitsAir | Metric::UnitsExpress
            ))
}

struct Signed(f64);

impl std::fmt::Display for Signed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0.0 { "-" } else { "+" };
        write!(f, "{sign}{}", num(self.0.abs()))
    }
}

/// Candidates listed by name with the constraint each fails, best-ranked first.
const FAILURES_SHOWN: usize = 10;

/// Which constraint each infeasible candidate fails and by how much, over every SKU.
fn infeasible(s: &Summary, out: &mut String) {
    let mut order: Vec<usize> = (0..s.candidates.len())
        .filter(|&c| !s.ranking.verdicts[c].feasible)
        .collect();
    if order.is_empty() {
        return;
    }
    order.sort_by_key(|&c| s.ranking.verdicts[c].rank);
    let _ = writeln!(out, "not feasible ({} candidate(s)):", order.len());
    for &c in order.iter().take(FAILURES_SHOWN) {
        let why: Vec<_> = s.ranking.verdicts[c]
            .failures
            .iter()
            .map(|f| f.text.as_str())
            .collect();
        let _ = writeln!(out, "  {}: {}", s.candidates[c].0, why.join("; "));
    }
    if order.len() > FAILURES_SHOWN {
        let _ = writeln!(
            out,
            "  … and {} more (summary.json lists every failure)",
            order.len() - FAILURES_SHOWN
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(num(1234567.4), "1,234,567");
        assert_eq!(num(-12345.0), "-12,345");
        assert_eq!(num(1234.5), "1,234.5");
        assert_eq!(num(999.25), "999.2");
        assert_eq!(num(0.5), "0.5000");
        assert_eq!(num(f64::NAN), "n/a");
    }

    #[test]
    fn wrapped_lines_fit() {
        let words: Vec<String> = (0..200).map(|i| format!("C{i:03}")).collect();
        let mut out = String::new();
        wrap("Pareto frontier: 200 candidates:", &words, 2, &mut out);
        assert!(out.lines().all(|l| l.chars().count() <= WIDTH), "{out}");
        // Every one of the 200 ids is kept (the heading has no capital C).
        assert_eq!(out.matches('C').count(), 200);
    }
}
