//! The scenario file as a YAML document: a tree that remembers where each node came from.
//!
//! Three things need the document rather than typed structs: `--set` overrides are applied to
//! the document before validation (so every path in the file can be overridden and an override
//! is checked exactly like the file), typed deserialisation reports errors by field path, and
//! every error — parse, type or semantic — is turned into a line number by walking the tree
//! along that path. Parsing uses serde-saphyr, which rejects duplicate keys and bounds alias
//! expansion (an "alias bomb" becomes an error, not an out-of-memory).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::error::InputError;

/// A YAML node with its source position (`None` when it was set on the command line).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// Set when the node was read from another file than the scenario (a catalog CSV), so
    /// errors point into that file.
    pub source: Option<Arc<Source>>,
}

/// A file other than the scenario that a node was read from, and the CSV column it was in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub file: PathBuf,
    pub column_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

/// One step of a field path: a mapping key or a sequence index; in `--set` paths also a list
/// item chosen by its `id` (or `name`) and the end of a list (append).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
    /// `lanes[sea]`: the item of a list whose `id` or `name` is this.
    Id(String),
    /// `policies[+]`: a new item at the end of a list.
    Append,
}

/// A dotted field path such as `policies.0.reorder_point`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Segment>);

impl FieldPath {
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }

    pub fn key(&self, k: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Segment::Key(k.to_string()));
        p
    }

    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Segment::Index(i));
        p
    }

    /// Reads a path written by a user: `lanes.0.transit_days.fixed`, `lanes[sea].transit_days`,
    /// `policies[+]`. Inside brackets, a number is an index, `+` appends, anything else is an
    /// item's `id` or `name` (and may contain dots).
    pub fn parse(text: &str) -> Result<Self, InputError> {
        if text.trim().is_empty() {
            return Err(InputError::new("empty path"));
        }
        let empty = || InputError::new(format!("path `{text}` has an empty component"));
        let mut segs = Vec::new();
        let mut word = String::new();
        // Whether the current component already has a bracket, so `a[x].b` and `a[x][y]` work
        // but `a[x]b` does not.
        let mut bracketed = false;
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            match c {
                '.' => {
                    if word.is_empty() && !bracketed {
                        return Err(empty());
                    }
                    if !word.is_empty() {
                        segs.push(Self::plain(std::mem::take(&mut word)));
                    }
                    bracketed = false;
                }
                '[' => {
                    if !word.is_empty() {
                        segs.push(Self::plain(std::mem::take(&mut word)));
                    } else if !bracketed {
                        return Err(InputError::new(format!(
                            "path `{text}`: `[` must follow a field name, as in `lanes[sea]`"
                        )));
                    }
                    let mut inner = String::new();
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == ']' {
                            closed = true;
                            break;
                        }
                        inner.push(c);
                    }
                    if !closed {
                        return Err(InputError::new(format!(
                            "path `{text}` has a `[` without its `]`"
                        )));
                    }
                    let inner = inner.trim();
                    segs.push(if inner.is_empty() {
                        return Err(InputError::new(format!(
                            "path `{text}` has empty brackets: write an id, an index or `+`"
                        )));
                    } else if inner == "+" {
                        Segment::Append
                    } else if let Ok(i) = inner.parse::<usize>() {
                        Segment::Index(i)
                    } else {
                        Segment::Id(inner.to_string())
                    });
                    bracketed = true;
                }
                ']' => {
                    return Err(InputError::new(format!(
                        "path `{text}` has a `]` without its `[`"
                    )));
                }
                _ if bracketed => {
                    return Err(InputError::new(format!(
                        "path `{text}`: expected `.` or `[` after `]`"
                    )));
                }
                _ => word.push(c),
            }
        }
        if !word.is_empty() {
            segs.push(Self::plain(word));
        } else if !bracketed {
            return Err(empty());
        }
        Ok(FieldPath(segs))
    }

    fn plain(part: String) -> Segment {
        match part.parse::<usize>() {
            Ok(i) => Segment::Index(i),
            Err(_) => Segment::Key(part),
        }
    }

    /// Converts the path serde_path_to_error tracked during typed deserialisation.
    pub fn from_serde(path: &serde_path_to_error::Path) -> Self {
        use serde_path_to_error::Segment as S;
        let segs = path
            .iter()
            .filter_map(|s| match s {
                S::Seq { index } => Some(Segment::Index(*index)),
                S::Map { key } => Some(Segment::Key(key.clone())),
                S::Enum { variant } => Some(Segment::Key(variant.clone())),
                S::Unknown => None,
            })
            .collect();
        FieldPath(segs)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            let dot = if i > 0 { "." } else { "" };
            match s {
                Segment::Key(k) => write!(f, "{dot}{k}")?,
                Segment::Index(n) => write!(f, "{dot}{n}")?,
                Segment::Id(id) => write!(f, "[{id}]")?,
                Segment::Append => f.write_str("[+]")?,
            }
        }
        Ok(())
    }
}

/// Where a field path points in the user's inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    File {
        line: Option<u32>,
        column: Option<u32>,
    },
    /// A cell (or row) of a file the scenario references, such as its catalog.
    Other {
        source: Arc<Source>,
        line: Option<u32>,
        column: Option<u32>,
    },
    CommandLine,
}

impl Node {
    fn cli(value: Value) -> Self {
        Node {
            value,
            line: None,
            column: None,
            source: None,
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::UInt(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Parses YAML text into a node tree; `file` only labels errors.
    pub fn parse(text: &str, file: Option<&Path>) -> Result<Node, InputError> {
        let label = |e: InputError| match file {
            Some(f) => e.in_file(f),
            None => e,
        };
        if text.trim().is_empty() {
            return Err(label(InputError::new(
                "the document is empty: expected a YAML mapping",
            )));
        }
        let spanned: Spanned<Value> = serde_saphyr::from_str(text).map_err(|e| {
            let (line, column) = e
                .location()
                .map(|l| (Some(l.line() as u32), Some(l.column() as u32)))
                .unwrap_or((None, None));
            let msg = tidy_parser_message(&e.without_snippet().to_string());
            label(InputError::new(format!("not valid YAML: {msg}")).at_line(line, column))
        })?;
        Ok(Node::from_spanned(spanned))
    }

    fn from_spanned(s: Spanned<Value>) -> Node {
        let line = s.referenced.line();
        let column = s.referenced.column();
        Node {
            value: s.value,
            line: (line > 0).then_some(line as u32),
            column: (column > 0).then_some(column as u32),
            source: None,
        }
    }

    /// Where `path` points: the deepest node along the path that exists.
    pub fn locate(&self, path: &FieldPath) -> Origin {
        let mut node = self;
        for seg in &path.0 {
            let next = match (seg, &node.value) {
                (Segment::Key(k), Value::Map(_)) => node.get(k),
                (Segment::Index(i), Value::Seq(items)) => items.get(*i),
                // serde reports map keys that look like numbers as keys
                (Segment::Index(i), Value::Map(_)) => node.get(&i.to_string()),
                (Segment::Id(id), Value::Seq(items)) => item_with_id(items, id).map(|i| &items[i]),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        if let Some(source) = &node.source {
            return Origin::Other {
                source: source.clone(),
                line: node.line,
                column: node.column,
            };
        }
        match node.line {
            Some(_) => Origin::File {
                line: node.line,
                column: node.column,
            },
            None if node.column.is_none() && !std::ptr::eq(node, self) => Origin::CommandLine,
            None => Origin::File {
                line: None,
                column: None,
            },
        }
    }

    /// Applies one `--set PATH=VALUE` override. The value is read as YAML, so `150` is a
    /// number, `poisson` a string and `{fixed: 3}` a mapping. Missing mapping keys are created
    /// (typed validation then rejects keys that do not exist in the format); list indices must
    /// exist.
    pub fn set(&mut self, path: &FieldPath, value_text: &str) -> Result<(), InputError> {
        let new = if value_text.trim().is_empty() {
            Node::cli(Value::Null)
        } else {
            let parsed = Node::parse(value_text, None)
                .map_err(|e| InputError::new(format!("value `{value_text}`: {}", e.message)))?;
            parsed.into_cli()
        };
        let mut node = self;
        let mut walked = FieldPath::root();
        for (depth, seg) in path.0.iter().enumerate() {
            let last = depth + 1 == path.0.len();
            let here = walked.to_string();
            let at = if here.is_empty() {
                "the top level".to_string()
            } else {
                format!("`{here}`")
            };
            if matches!(node.value, Value::Null) && matches!(seg, Segment::Key(_)) {
                // An absent optional section (`demand:` left empty) can be filled in.
                node.value = Value::Map(Vec::new());
            }
            if matches!(node.value, Value::Null) && matches!(seg, Segment::Append) {
                // So can an empty list (`suppliers:` with nothing under it).
                node.value = Value::Seq(Vec::new());
            }
            let kind = node.kind_name();
            node = match (seg, &mut node.value) {
                (Segment::Key(k), Value::Map(entries)) => {
                    let pos = match entries.iter().position(|(ek, _)| ek == k) {
                        Some(p) => p,
                        None => {
                            let filler = if last {
                                Value::Null
                            } else if matches!(path.0[depth + 1], Segment::Append) {
                                Value::Seq(Vec::new())
                            } else {
                                Value::Map(Vec::new())
                            };
                            entries.push((k.clone(), Node::cli(filler)));
                            entries.len() - 1
                        }
                    };
                    walked = walked.key(k);
                    &mut entries[pos].1
                }
                (Segment::Index(i), Value::Map(entries)) => {
                    let k = i.to_string();
                    let pos = match entries.iter().position(|(ek, _)| *ek == k) {
                        Some(p) => p,
                        None => {
                            entries.push((k.clone(), Node::cli(Value::Null)));
                            entries.len() - 1
                        }
                    };
                    walked = walked.key(&k);
                    &mut entries[pos].1
                }
                (Segment::Index(i), Value::Seq(items)) => {
                    let len = items.len();
                    if *i >= len {
                        return Err(InputError::new(format!(
                            "index {i} is out of range: {at} has {len} item{}",
                            if len == 1 { "" } else { "s" }
                        )));
                    }
                    walked = walked.index(*i);
                    &mut items[*i]
                }
                (Segment::Id(id), Value::Seq(items)) => {
                    let Some(i) = item_with_id(items, id) else {
                        return Err(InputError::new(unknown_id(&at, items, id)));
                    };
                    walked.0.push(seg.clone());
                    &mut items[i]
                }
                (Segment::Append, Value::Seq(items)) => {
                    let filler = if last {
                        Value::Null
                    } else {
                        Value::Map(Vec::new())
                    };
                    items.push(Node::cli(filler));
                    walked.0.push(seg.clone());
                    items.last_mut().expect("an item was just pushed")
                }
                (Segment::Id(_) | Segment::Append, _) => {
                    return Err(InputError::new(format!(
                        "{at} is {kind}, not a list: `{}` selects or appends list items only",
                        FieldPath(vec![seg.clone()])
                    )));
                }
                (Segment::Key(k), Value::Seq(_)) => {
                    return Err(InputError::new(format!(
                        "{at} is a list: expected an index, an id in brackets (`[ID]`) or \
                         `[+]`, found `{k}`"
                    )));
                }
                (_, _) => {
                    return Err(InputError::new(format!(
                        "{at} is {}, which has no field `{}`",
                        kind,
                        FieldPath(vec![seg.clone()])
                    )));
                }
            };
        }
        *node = new;
        Ok(())
    }

    /// Fills in what this mapping lacks from `defaults`, key by key and into nested mappings;
    /// what is set here wins. Inherited nodes keep their own lines, so an error in a
    /// category's defaults points at the category.
    pub fn inherit(&mut self, defaults: &Node) {
        if let (Value::Map(mine), Value::Map(theirs)) = (&mut self.value, &defaults.value) {
            for (k, v) in theirs {
                match mine.iter_mut().find(|(mk, _)| mk == k) {
                    Some((_, existing)) => existing.inherit(v),
                    None => mine.push((k.clone(), v.clone())),
                }
            }
        }
    }

    /// Each SKU inherits its category's `sku_defaults` (see `raw::RawCategory`). A SKU naming
    /// an unknown category is an error here, before missing inherited fields could hide it.
    pub fn apply_category_defaults(&mut self) -> Result<(), (FieldPath, String)> {
        let Value::Map(top) = &mut self.value else {
            return Ok(());
        };
        let mut defaults: Vec<(String, Option<Node>)> = Vec::new();
        if let Some((_, cats)) = top.iter().find(|(k, _)| k == "categories")
            && let Value::Seq(items) = &cats.value
        {
            for c in items {
                if let Some(Node {
                    value: Value::Str(id),
                    ..
                }) = c.get("id")
                {
                    defaults.push((id.trim().to_string(), c.get("sku_defaults").cloned()));
                }
            }
        }
        if let Some((_, skus)) = top.iter_mut().find(|(k, _)| k == "skus")
            && let Value::Seq(items) = &mut skus.value
        {
            for (i, sku) in items.iter_mut().enumerate() {
                let cat = match sku.get("category") {
                    Some(Node {
                        value: Value::Str(c),
                        ..
                    }) => c.trim().to_string(),
                    _ => continue,
                };
                match defaults.iter().find(|(id, _)| *id == cat) {
                    Some((_, Some(d))) => sku.inherit(d),
                    Some((_, None)) => {}
                    None => {
                        let mut known: Vec<String> =
                            defaults.iter().map(|(id, _)| format!("`{id}`")).collect();
                        known.sort();
                        let known = if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        };
                        return Err((
                            FieldPath::root().key("skus").index(i).key("category"),
                            format!("unknown category `{cat}`; categories defined: {known}"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn into_cli(self) -> Node {
        let value = match self.value {
            Value::Seq(items) => Value::Seq(items.into_iter().map(Node::into_cli).collect()),
            Value::Map(entries) => Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, v.into_cli()))
                    .collect(),
            ),
            other => other,
        };
        Node::cli(value)
    }

    /// The document as a JSON value, the form typed deserialisation reads.
    pub fn to_json(&self) -> Result<serde_json::Value, (FieldPath, InputError)> {
        self.to_json_at(&FieldPath::root())
    }

    fn to_json_at(&self, at: &FieldPath) -> Result<serde_json::Value, (FieldPath, InputError)> {
        use serde_json::Value as J;
        Ok(match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::UInt(u) => J::from(*u),
            Value::Float(f) => match serde_json::Number::from_f64(*f) {
                Some(n) => J::Number(n),
                None => {
                    return Err((
                        at.clone(),
                        InputError::new(format!("{f} is not a finite number")),
                    ));
                }
            },
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, n)| n.to_json_at(&at.index(i)))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Map(entries) => {
                let mut m = serde_json::Map::new();
                for (k, v) in entries {
                    m.insert(k.clone(), v.to_json_at(&at.key(k))?);
                }
                J::Object(m)
            }
        })
    }
}

/// The position of the list item whose `id` (or, for items without one, `name`) is `id`.
fn item_with_id(items: &[Node], id: &str) -> Option<usize> {
    items.iter().position(|n| item_id(n) == Some(id))
}

fn item_id(item: &Node) -> Option<&str> {
    ["id", "name"].iter().find_map(|k| match item.get(k) {
        Some(Node {
            value: Value::Str(s),
            ..
        }) => Some(s.trim()),
        _ => None,
    })
}

fn unknown_id(at: &str, items: &[Node], id: &str) -> String {
    let mut known: Vec<String> = items
        .iter()
        .filter_map(item_id)
        .map(|s| format!("`{s}`"))
        .collect();
    if known.is_empty() {
        return format!("{at} has no item with an `id` or `name`, so `[{id}]` matches nothing");
    }
    let more = known.len().saturating_sub(20);
    known.truncate(20);
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!(
        "{at} has no item `{id}`; ids there: {}{tail}",
        known.join(", ")
    )
}

/// The parser's messages end with advice for programmers and repeat the location we already
/// print first; keep the part a planner can act on.
fn tidy_parser_message(msg: &str) -> String {
    let mut m = msg.replace(", set DuplicateKeyPolicy in Options if acceptable", "");
    if let Some(i) = m.rfind(" at line ")
        && m[i..].contains(", column ")
    {
        m.truncate(i);
    }
    m
}

// The tree is deserialised through `Spanned` at every level so each node keeps its line.
impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(match i64::try_from(v) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::UInt(v),
        })
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Value>>()? {
            items.push(Node::from_spanned(item));
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Value>()? {
            let key = match key {
                Value::Str(s) => s,
                Value::Int(i) => i.to_string(),
                Value::UInt(u) => u.to_string(),
                Value::Bool(b) => b.to_string(),
                other => {
                    return Err(de::Error::custom(format!(
                        "mapping keys must be plain words, found {}",
                        Node::cli(other).kind_name()
                    )));
                }
            };
            let value = map.next_value::<Spanned<Value>>()?;
            entries.push((key, Node::from_spanned(value)));
        }
        Ok(Value::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "name: x\nlanes:\n  - id: sea\n    transit_days: { fixed: 7 }\n";

    #[test]
    fn nodes_remember_their_lines() {
        let doc = Node::parse(DOC, None).unwrap();
        let p = FieldPath::parse("lanes.0.transit_days.fixed").unwrap();
        assert_eq!(
            doc.locate(&p),
            Origin::File {
                line: Some(4),
                column: Some(28)
            }
        );
        // A path that goes past the document points at the deepest node that exists.
        let p = FieldPath::parse("lanes.0.missing").unwrap();
        assert!(matches!(doc.locate(&p), Origin::File { line: Some(3), .. }));
    }

    #[test]
    fn overrides_replace_values_and_mark_them_as_command_line() {
        let mut doc = Node::parse(DOC, None).unwrap();
        let p = FieldPath::parse("lanes.0.transit_days.fixed").unwrap();
        doc.set(&p, "3").unwrap();
        assert_eq!(doc.locate(&p), Origin::CommandLine);
        let json = doc.to_json().unwrap();
        assert_eq!(json["lanes"][0]["transit_days"]["fixed"], 3);
    }

    #[test]
    fn overrides_reject_impossible_paths() {
        let mut doc = Node::parse(DOC, None).unwrap();
        let e = doc
            .set(&FieldPath::parse("lanes.3.id").unwrap(), "x")
            .unwrap_err();
        assert!(e.message.contains("out of range"), "{}", e.message);
        let e = doc
            .set(&FieldPath::parse("name.inner").unwrap(), "x")
            .unwrap_err();
        assert!(e.message.contains("string"), "{}", e.message);
        let e = doc
            .set(&FieldPath::parse("lanes.first").unwrap(), "x")
            .unwrap_err();
        assert!(e.message.contains("is a list"), "{}", e.message);
    }

    #[test]
    fn duplicate_keys_are_errors_with_lines() {
        let e = Node::parse("a: 1\nb: 2\na: 3\n", None).unwrap_err();
        assert!(e.line.is_some(), "{e:?}");
    }

    #[test]
    fn paths_read_ids_indices_and_appends_in_brackets() {
        let p = FieldPath::parse("lanes[sea].transit_days.fixed").unwrap();
        assert_eq!(
            p.0,
            vec![
                Segment::Key("lanes".into()),
                Segment::Id("sea".into()),
                Segment::Key("transit_days".into()),
                Segment::Key("fixed".into()),
            ]
        );
        assert_eq!(p.to_string(), "lanes[sea].transit_days.fixed");
        let p = FieldPath::parse("policies[+]").unwrap();
        assert_eq!(p.0[1], Segment::Append);
        let p = FieldPath::parse("skus[A.B][0]").unwrap();
        assert_eq!(p.0[1], Segment::Id("A.B".into()));
        assert_eq!(p.0[2], Segment::Index(0));
        for bad in [
            "[sea]",
            "lanes[]",
            "lanes[sea",
            "lanes]",
            "lanes[sea]x",
            "a..b",
            "a.",
        ] {
            assert!(FieldPath::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn overrides_select_by_id_and_append() {
        let mut doc = Node::parse(DOC, None).unwrap();
        doc.set(
            &FieldPath::parse("lanes[sea].transit_days.fixed").unwrap(),
            "9",
        )
        .unwrap();
        doc.set(&FieldPath::parse("lanes[+]").unwrap(), "{id: air}")
            .unwrap();
        doc.set(&FieldPath::parse("suppliers[+].id").unwrap(), "f1")
            .unwrap();
        let json = doc.to_json().unwrap();
        assert_eq!(json["lanes"][0]["transit_days"]["fixed"], 9);
        assert_eq!(json["lanes"][1]["id"], "air");
        assert_eq!(json["suppliers"][0]["id"], "f1");
        let e = doc
            .set(&FieldPath::parse("lanes[rail].id").unwrap(), "x")
            .unwrap_err();
        assert!(e.message.contains("no item `rail`"), "{}", e.message);
        let e = doc
            .set(&FieldPath::parse("name[+]").unwrap(), "x")
            .unwrap_err();
        assert!(e.message.contains("not a list"), "{}", e.message);
    }
}
