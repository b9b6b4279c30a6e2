//! `variants:` — what-if versions of the scenario's world, run on the same futures as the base.
//!
//! A variant is the base document changed in two ways, both before validation so that a
//! variant is checked exactly like the file:
//!
//! - `set`: paths and values exactly as `--set` takes them (the same `Node::set`, so the same
//!   paths and the same messages); a value may be YAML itself (`{fixed: 11}`) or a string
//!   holding YAML (`"11"`), as on the command line.
//! - `scale`: a numeric SKU field multiplied on every resolved SKU — after the catalog's rows
//!   became SKUs and categories' `sku_defaults` were merged in, which `--set` cannot reach —
//!   optionally only on one category's SKUs (`{factor: 1.3, category: cables}`).
//!
//! Every error names the variant, so "unknown field" in a file with five variants says which.

use std::collections::HashMap;
use std::path::Path;

use super::document::{FieldPath, Node, Origin, Segment, Value};
use crate::error::InputError;

/// One `scale` entry: multiply `field` (a dotted path inside a SKU) by `factor`.
#[derive(Debug, Clone, PartialEq)]
pub struct Scale {
    pub field: FieldPath,
    pub factor: f64,
    /// Only SKUs of this category (its id), else every SKU.
    pub category: Option<String>,
    /// Where the entry is written, for errors found when it is applied.
    pub at: FieldPath,
}

/// A variant as written: its name, its `set` overrides as `--set` text, its scales.
#[derive(Debug, Clone)]
pub struct RawVariant {
    pub name: String,
    pub set: Vec<(FieldPath, String)>,
    pub scale: Vec<Scale>,
    pub at: FieldPath,
}

/// Removes the top-level `variants:` key from the document: the base scenario does not have
/// it, and each variant is built from the document without it.
pub fn take(doc: &mut Node) -> Option<Node> {
    let Value::Map(top) = &mut doc.value else {
        return None;
    };
    let pos = top.iter().position(|(k, _)| k == "variants")?;
    Some(top.remove(pos).1)
}

/// Reads the `variants:` node. `file` labels errors.
pub fn parse(node: &Node, file: &Path) -> Result<Vec<RawVariant>, InputError> {
    let root = FieldPath::root().key("variants");
    // Errors point into the scenario file; the node tree only holds `variants:` itself, so
    // paths are walked from it and reported from the top of the file.
    let err = |at: &FieldPath, msg: String| locate(node, &root, at, InputError::new(msg), file);
    let items = match &node.value {
        Value::Null => return Ok(Vec::new()),
        Value::Seq(items) => items,
        _ => {
            return Err(err(
                &root,
                format!(
                    "expected a list of variants (`- name: …`), found {}",
                    node.kind_name()
                ),
            ));
        }
    };
    let mut out: Vec<RawVariant> = Vec::with_capacity(items.len());
    let mut names: HashMap<String, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let at = root.index(i);
        let Value::Map(entries) = &item.value else {
            return Err(err(
                &at,
                format!(
                    "expected a variant (`name:` with `set:` and/or `scale:`), found {}",
                    item.kind_name()
                ),
            ));
        };
        let name = match item.get("name").map(|n| &n.value) {
            Some(Value::Str(s)) if !s.trim().is_empty() => s.trim().to_string(),
            Some(_) => {
                return Err(err(
                    &at.key("name"),
                    "expected a non-empty name".to_string(),
                ));
            }
            None => return Err(err(&at, "a variant needs a `name`".to_string())),
        };
        let named = |msg: String| format!("variant `{name}`: {msg}");
        if name.contains(',') || name.contains('"') || name.chars().any(char::is_control) {
            return Err(err(
                &at.key("name"),
                named("the name contains a comma, quote or control character".into()),
            ));
        }
        if name == "base" {
            return Err(err(
                &at.key("name"),
                named("`base` names the scenario without variants; choose another name".into()),
            ));
        }
        if let Some(prev) = names.insert(name.clone(), i) {
            return Err(err(
                &at.key("name"),
                named(format!(
                    "a variant of this name is already defined at variants.{prev}"
                )),
            ));
        }
        let mut v = RawVariant {
            name: name.clone(),
            set: Vec::new(),
            scale: Vec::new(),
            at: at.clone(),
        };
        for (key, value) in entries {
            match key.as_str() {
                "name" => {}
                "set" => {
                    v.set = parse_set(value, &at.key("set")).map_err(|(p, m)| err(&p, named(m)))?
                }
                "scale" => {
                    v.scale =
                        parse_scale(value, &at.key("scale")).map_err(|(p, m)| err(&p, named(m)))?
                }
                other => {
                    return Err(err(
                        &at.key(other),
                        named(format!(
                            "unknown key `{other}`; a variant has `name`, `set` and `scale`"
                        )),
                    ));
                }
            }
        }
        out.push(v);
    }
    Ok(out)
}

fn parse_set(node: &Node, at: &FieldPath) -> Result<Vec<(FieldPath, String)>, (FieldPath, String)> {
    let entries = match &node.value {
        Value::Null => return Ok(Vec::new()),
        Value::Map(entries) => entries,
        _ => {
            return Err((
                at.clone(),
                format!(
                    "`set` maps paths to values (`\"lanes.0.transit_days\": {{fixed: 30}}`), found {}",
                    node.kind_name()
                ),
            ));
        }
    };
    let mut out = Vec::with_capacity(entries.len());
    for (path, value) in entries {
        let here = at.key(path);
        let parsed = FieldPath::parse(path.trim())
            .map_err(|e| (here.clone(), format!("set `{path}`: {}", e.message)))?;
        // A string holds YAML, exactly like `--set`'s right-hand side; anything else is YAML
        // already and is handed over as JSON text (JSON is YAML), so both go through one parser.
        let text = match &value.value {
            Value::Str(s) => s.clone(),
            _ => {
                let json = value
                    .to_json()
                    .map_err(|(_, e)| (here.clone(), format!("set `{path}`: {}", e.message)))?;
                serde_json::to_string(&json).expect("JSON values serialise")
            }
        };
        out.push((parsed, text));
    }
    Ok(out)
}

fn parse_scale(node: &Node, at: &FieldPath) -> Result<Vec<Scale>, (FieldPath, String)> {
    let entries = match &node.value {
        Value::Null => return Ok(Vec::new()),
        Value::Map(entries) => entries,
        _ => {
            return Err((
                at.clone(),
                format!(
                    "`scale` maps SKU fields to factors (`\"demand.mean_per_day\": 1.3`), found {}",
                    node.kind_name()
                ),
            ));
        }
    };
    let mut out = Vec::with_capacity(entries.len());
    for (field, value) in entries {
        let here = at.key(field);
        let path = FieldPath::parse(field.trim())
            .map_err(|e| (here.clone(), format!("scale `{field}`: {}", e.message)))?;
        if path.0.iter().any(|s| matches!(s, Segment::Index(_))) {
            return Err((
                here,
                format!(
                    "scale `{field}`: name a numeric SKU field such as `demand.mean_per_day`, without list indices"
                ),
            ));
        }
        let (factor, category) = match &value.value {
            Value::Map(_) => {
                if let Some((k, _)) = match &value.value {
                    Value::Map(e) => e.iter().find(|(k, _)| k != "factor" && k != "category"),
                    _ => None,
                } {
                    return Err((
                        here.key(k),
                        format!(
                            "scale `{field}`: unknown key `{k}`; expected `factor` and optionally `category`"
                        ),
                    ));
                }
                let factor = value.get("factor").ok_or_else(|| {
                    (
                        here.clone(),
                        format!("scale `{field}`: `factor` is missing"),
                    )
                })?;
                let category = match value.get("category").map(|c| &c.value) {
                    None => None,
                    Some(Value::Str(c)) if !c.trim().is_empty() => Some(c.trim().to_string()),
                    Some(_) => {
                        return Err((
                            here.key("category"),
                            format!("scale `{field}`: `category` must be a category id"),
                        ));
                    }
                };
                (
                    number(factor)
                        .map_err(|m| (here.key("factor"), format!("scale `{field}`: {m}")))?,
                    category,
                )
            }
            _ => (
                number(value).map_err(|m| (here.clone(), format!("scale `{field}`: {m}")))?,
                None,
            ),
        };
        if !factor.is_finite() || factor < 0.0 {
            return Err((
                here,
                format!("scale `{field}`: the factor must be a finite number ≥ 0, found {factor}"),
            ));
        }
        out.push(Scale {
            field: path,
            factor,
            category,
            at: here,
        });
    }
    Ok(out)
}

fn number(node: &Node) -> Result<f64, String> {
    match node.value {
        Value::Int(i) => Ok(i as f64),
        Value::UInt(u) => Ok(u as f64),
        Value::Float(x) => Ok(x),
        _ => Err(format!(
            "the factor must be a number, found {}",
            node.kind_name()
        )),
    }
}

/// Applies `set` to the (overridden) base document, exactly as `--set` would.
pub fn apply_set(doc: &mut Node, v: &RawVariant) -> Result<(), InputError> {
    for (path, text) in &v.set {
        doc.set(path, text).map_err(|e| {
            InputError::new(format!("variant `{}`: set `{path}`: {}", v.name, e.message))
        })?;
    }
    Ok(())
}

/// Multiplies each scaled field on every resolved SKU of the merged document (catalog rows
/// and category defaults included). Whole-number fields (`initial_on_hand`) are rounded.
pub fn apply_scales(doc: &mut Node, v: &RawVariant) -> Result<(), (FieldPath, String)> {
    let categories: Vec<String> = match doc.get("categories").map(|c| &c.value) {
        Some(Value::Seq(items)) => items
            .iter()
            .filter_map(|c| match c.get("id").map(|n| &n.value) {
                Some(Value::Str(id)) => Some(id.trim().to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let Value::Map(top) = &mut doc.value else {
        return Ok(());
    };
    let mut no_skus = Vec::new();
    let skus = match top.iter_mut().find(|(k, _)| k == "skus") {
        Some((_, n)) => match &mut n.value {
            Value::Seq(items) => items,
            _ => &mut no_skus,
        },
        None => &mut no_skus,
    };
    for s in &v.scale {
        let named = |m: String| format!("variant `{}`: scale `{}`: {m}", v.name, s.field);
        if let Some(cat) = &s.category
            && !categories.contains(cat)
        {
            let mut known: Vec<String> = categories.iter().map(|c| format!("`{c}`")).collect();
            known.sort();
            let known = if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            };
            return Err((
                s.at.key("category"),
                named(format!(
                    "unknown category `{cat}`; categories defined: {known}"
                )),
            ));
        }
        let mut hit = 0usize;
        for sku in skus.iter_mut() {
            if let Some(cat) = &s.category {
                match sku.get("category").map(|c| &c.value) {
                    Some(Value::Str(c)) if c.trim() == cat => {}
                    _ => continue,
                }
            }
            let Some(node) = walk_mut(sku, &s.field) else {
                continue;
            };
            node.value = match node.value {
                Value::Int(i) => Value::Int((i as f64 * s.factor).round() as i64),
                Value::UInt(u) => Value::UInt((u as f64 * s.factor).round() as u64),
                Value::Float(x) => Value::Float(x * s.factor),
                _ => {
                    return Err((
                        s.at.clone(),
                        named(format!("the field is {}, not a number", node.kind_name())),
                    ));
                }
            };
            hit += 1;
        }
        if hit == 0 {
            let scope = match &s.category {
                Some(c) => format!("no SKU of category `{c}`"),
                None => "no SKU".to_string(),
            };
            return Err((
                s.at.clone(),
                named(format!(
                    "{scope} has this field (unknown field, or only defaulted): scale a numeric SKU field such as `demand.mean_per_day`, `unit_cost` or `initial_on_hand`"
                )),
            ));
        }
    }
    Ok(())
}

fn walk_mut<'a>(node: &'a mut Node, path: &FieldPath) -> Option<&'a mut Node> {
    let mut n = node;
    for seg in &path.0 {
        let Segment::Key(k) = seg else { return None };
        let Value::Map(entries) = &mut n.value else {
            return None;
        };
        n = &mut entries.iter_mut().find(|(ek, _)| ek == k)?.1;
    }
    Some(n)
}

/// An error at `at` (a path from the top of the file) inside the `variants:` node.
pub fn locate(
    variants: &Node,
    root: &FieldPath,
    at: &FieldPath,
    err: InputError,
    file: &Path,
) -> InputError {
    let inner = FieldPath(at.0[root.0.len().min(at.0.len())..].to_vec());
    let err = err.in_file(file).at_path(at.to_string());
    match variants.locate(&inner) {
        Origin::File { line, column } => err.at_line(line, column),
        Origin::Other { line, column, .. } => err.at_line(line, column),
        Origin::CommandLine => InputError {
            message: format!("{} (value set with --set)", err.message),
            ..err
        },
    }
}
