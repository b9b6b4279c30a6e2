//! Thresholds that cannot act: a sweep over a threshold whose dimension has nothing to watch
//! in its scope (apparel's `ctr_growth` when no apparel SKU has CTR signals, a
//! `stream_multiplier` for a category no stream features) costs candidates and changes
//! nothing. Not an error — the candidates are valid — but a warning at load time, before the
//! run spends its time on them.

use super::document::FieldPath;
use super::{Category, Ctx, PolicySpec, Sku, StreamCalendar};

/// Whether a threshold can act on a SKU (the SKU, whether a stream features it).
type Acts = fn(&Sku, bool) -> bool;

/// What a threshold's dimension needs to see in its scope's SKUs to act at all.
fn needs(param: &str) -> Option<(&'static str, Acts)> {
    match param {
        "ctr_growth" | "signal_cooldown_days" => {
            Some(("has CTR signals", |s, _| s.demand.signals.is_some()))
        }
        "stream_multiplier" | "stream_window_days" | "pulse_ratio" | "learning_rate" => {
            Some(("is featured in a stream", |_, featured| featured))
        }
        _ => None,
    }
}

/// Warns, once per threshold and scope, when the candidates one sweep expands into give a
/// threshold different values but no SKU of its scope (a category, or every SKU) can be
/// acted on by it. Hand-written candidates that differ (a cover-only rule beside the full
/// one) are deliberate comparisons and pass unremarked.
pub(super) fn warn_inert(
    ctx: &Ctx,
    policies: &[PolicySpec],
    categories: &[Category],
    skus: &[Sku],
    streams: &StreamCalendar,
) {
    let mut featured = vec![false; skus.len()];
    for s in &streams.streams {
        for &(k, _) in &s.featured {
            featured[k] = true;
        }
    }
    // Distinct values of each named threshold within each sweep (the candidates named
    // `NAME[…]` after their entry), in first-seen order.
    let mut values: Vec<(&str, &str, Vec<Option<u64>>)> = Vec::new();
    for p in policies
        .iter()
        .filter(|p| matches!(p.rule, super::PolicyRule::Layered(_)))
    {
        let Some((entry, _)) = p.name.split_once('[') else {
            continue;
        };
        for (name, v) in &p.params {
            let v = v.map(f64::to_bits);
            match values.iter_mut().find(|(e, n, _)| *e == entry && n == name) {
                Some((_, _, seen)) if !seen.contains(&v) => seen.push(v),
                Some(_) => {}
                None => values.push((entry, name, vec![v])),
            }
        }
    }
    let mut warned: Vec<&str> = Vec::new();
    for (_, name, seen) in values {
        if warned.contains(&name) {
            continue;
        }
        if seen.len() < 2 {
            continue;
        }
        let (category, param) = match name.rsplit_once('.') {
            Some((c, p)) => (categories.iter().position(|x| x.id == c), p),
            None => (None, name),
        };
        let Some((what, acts)) = needs(param) else {
            continue;
        };
        let mut scope = skus
            .iter()
            .enumerate()
            .filter(|(_, s)| category.is_none() || s.category == category);
        if scope.any(|(i, s)| acts(s, featured[i])) {
            continue;
        }
        let whose = match category {
            Some(c) => format!("no SKU of category `{}`", categories[c].id),
            None => "no SKU".to_string(),
        };
        warned.push(name);
        ctx.warn(
            &FieldPath::root().key("policies"),
            format!(
                "the sweep gives threshold `{name}` {} values, but {whose} {what}: it cannot change anything",
                seen.len()
            ),
        );
    }
}

/// Why threshold `param` cannot act on any SKU of `category` (`None`: every SKU), or `None`
/// when it can: what `tune` says of a tuned value that changes nothing.
pub fn cannot_act(
    param: &str,
    category: Option<usize>,
    skus: &[Sku],
    streams: &StreamCalendar,
) -> Option<&'static str> {
    let (what, acts) = needs(param)?;
    let mut featured = vec![false; skus.len()];
    for s in &streams.streams {
        for &(k, _) in &s.featured {
            featured[k] = true;
        }
    }
    let any = skus
        .iter()
        .enumerate()
        .filter(|(_, s)| category.is_none() || s.category == category)
        .any(|(i, s)| acts(s, featured[i]));
    (!any).then_some(what)
}
