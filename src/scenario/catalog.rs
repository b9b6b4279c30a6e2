//! `catalog: FILE.csv`: SKUs from a seller's catalog export, one per row.
//!
//! Each row becomes a SKU node of the document, appended to `skus:` as if it had been written
//! in YAML, so category defaults, typed deserialisation and every validation apply unchanged.
//! Its nodes remember the CSV file, line, column and column name: a bad value found later (a
//! negative cost, an unknown supplier, a duplicate id) is reported at its cell.

use std::path::Path;
use std::sync::Arc;

use super::document::{Node, Source, Value};
use crate::error::InputError;

/// Columns every catalog must have, and every row must fill.
pub const REQUIRED: [&str; 9] = [
    "sku",
    "category",
    "unit_cost",
    "price",
    "mean_per_day",
    "weight_kg",
    "volume_m3",
    "supplier",
    "initial_on_hand",
];
/// Columns a catalog may have; an empty cell inherits (the category's `sku_defaults`, else the
/// format's default). After the first three come the columns `restock fit` writes: the daily
/// distribution, weekday multipliers (all seven or none), the stream ratio's lognormal and
/// viral spikes (see docs/fit.md).
pub const OPTIONAL: [&str; 20] = [
    "dispersion",
    "backup_supplier",
    "backup_lane",
    "distribution",
    "weekday_mon",
    "weekday_tue",
    "weekday_wed",
    "weekday_thu",
    "weekday_fri",
    "weekday_sat",
    "weekday_sun",
    "stream_ratio_median",
    "stream_ratio_sigma",
    "viral_rate_per_30_days",
    "viral_magnitude_median",
    "viral_magnitude_sigma",
    "viral_half_life_days",
    "duty_rate",
    "customs_value",
    "commission",
];

/// Replaces a top-level `catalog:` key by the SKU nodes of its rows, after those under `skus:`.
pub fn expand(doc: &mut Node, scenario: &Path) -> Result<(), InputError> {
    let Value::Map(top) = &mut doc.value else {
        return Ok(());
    };
    let Some(pos) = top.iter().position(|(k, _)| k == "catalog") else {
        return Ok(());
    };
    let (_, named) = top.remove(pos);
    let in_scenario = |msg: String, at: &str, node: &Node| match node.line {
        Some(_) => InputError::new(msg)
            .in_file(scenario)
            .at_path(at)
            .at_line(node.line, node.column),
        None => InputError::new(format!("{msg} (value set with --set)")).at_path(at),
    };
    let rel = match &named.value {
        Value::Str(s) if !s.trim().is_empty() => s.trim().to_string(),
        _ => {
            return Err(in_scenario(
                format!(
                    "expected the path of a CSV file, found {}",
                    named.kind_name()
                ),
                "catalog",
                &named,
            ));
        }
    };
    let file = scenario.parent().unwrap_or(Path::new("")).join(rel);
    let named_at = match named.line {
        Some(l) => format!(" (catalog named at {}:{l})", scenario.display()),
        None => " (catalog set with --set)".to_string(),
    };
    let rows = read(&file).map_err(|e| InputError {
        message: format!("{}{named_at}", e.message),
        ..e
    })?;
    let skus = match top.iter().position(|(k, _)| k == "skus") {
        Some(i) => &mut top[i].1,
        None => {
            top.push((
                "skus".to_string(),
                Node {
                    value: Value::Seq(Vec::new()),
                    ..named.clone()
                },
            ));
            &mut top.last_mut().expect("just pushed").1
        }
    };
    match &mut skus.value {
        Value::Seq(items) => items.extend(rows),
        // `skus:` left empty next to a catalog
        Value::Null => skus.value = Value::Seq(rows),
        _ => {
            return Err(in_scenario(
                format!("expected a list of SKUs, found {}", skus.kind_name()),
                "skus",
                skus,
            ));
        }
    }
    Ok(())
}

/// Reads a catalog into SKU nodes. Errors name the file, line, column and column name.
pub fn read(file: &Path) -> Result<Vec<Node>, InputError> {
    let bytes = std::fs::read(file).map_err(|e| {
        InputError::new(format!("cannot read the catalog CSV file: {e}")).in_file(file)
    })?;
    if let Err(e) = std::str::from_utf8(&bytes) {
        let (line, column) = line_column(&bytes, e.valid_up_to());
        return Err(
            InputError::new("the catalog is not UTF-8 text (export it as UTF-8 CSV)")
                .in_file(file)
                .at_line(Some(line), Some(column)),
        );
    }
    let at = |line: u32, column: Option<u32>, msg: String| {
        InputError::new(msg)
            .in_file(file)
            .at_line(Some(line), column)
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(bytes.as_slice());
    let header = reader
        .headers()
        .map_err(|e| csv_error(file, &bytes, &e))?
        .clone();
    let hpos = header.position().filter(|_| !header.is_empty());
    let Some(hpos) = hpos else {
        return Err(InputError::new(format!(
            "the catalog is empty: expected a header row naming the columns {}",
            REQUIRED.join(", ")
        ))
        .in_file(file));
    };
    let hline = to_u32(hpos.line());
    let hcells = field_starts(&bytes, hpos.byte() as usize, hline);
    let mut names: Vec<String> = Vec::with_capacity(header.len());
    for (i, name) in header.iter().enumerate() {
        let (l, c) = hcells.get(i).copied().unwrap_or((hline, 1));
        if !REQUIRED.contains(&name) && !OPTIONAL.contains(&name) {
            return Err(at(
                l,
                Some(c),
                format!(
                    "unknown column `{name}`; columns are {} and, optionally, {}",
                    REQUIRED.join(", "),
                    OPTIONAL.join(", ")
                ),
            ));
        }
        if names.iter().any(|n| n == name) {
            return Err(at(l, Some(c), format!("column `{name}` appears twice")));
        }
        names.push(name.to_string());
    }
    if let Some(missing) = REQUIRED.iter().find(|r| !names.iter().any(|n| n == *r)) {
        return Err(at(
            hline,
            None,
            format!("the header lacks the required column `{missing}`"),
        ));
    }
    let sources: Vec<Arc<Source>> = names
        .iter()
        .map(|n| {
            Arc::new(Source {
                file: file.to_path_buf(),
                column_name: Some(n.clone()),
            })
        })
        .collect();
    let row_source = Arc::new(Source {
        file: file.to_path_buf(),
        column_name: None,
    });

    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(file, &bytes, &e))?;
        let (line, byte) = record
            .position()
            .map_or((0, 0), |p| (to_u32(p.line()), p.byte() as usize));
        let cells = field_starts(&bytes, byte, line);
        let mut sku = Vec::new();
        let mut demand = Vec::new();
        let mut supply = Vec::new();
        let mut fitted = Fitted::default();
        for (i, text) in record.iter().enumerate() {
            let name = names[i].as_str();
            let (l, c) = cells.get(i).copied().unwrap_or((line, 1));
            if text.is_empty() {
                if REQUIRED.contains(&name) {
                    return Err(at(
                        l,
                        Some(c),
                        format!("column `{name}`: empty cell in a required column"),
                    ));
                }
                continue;
            }
            let node = |value: Value| Node {
                value,
                line: Some(l),
                column: Some(c),
                source: Some(sources[i].clone()),
            };
            let word = || node(Value::Str(text.to_string()));
            match name {
                "sku" => sku.push(("id".to_string(), word())),
                "category" => sku.push(("category".to_string(), word())),
                "mean_per_day" => demand.push((name.to_string(), node(scalar(text)))),
                "dispersion" => fitted.dispersion = Some(node(scalar(text))),
                "distribution" => fitted.distribution = Some(word()),
                _ if name.starts_with("weekday_") => {
                    let i = OPTIONAL.iter().position(|o| *o == name).unwrap_or(4) - 4;
                    fitted.weekday[i.min(6)] = Some(node(scalar(text)));
                }
                "stream_ratio_median" => fitted.ratio.0 = Some(node(scalar(text))),
                "stream_ratio_sigma" => fitted.ratio.1 = Some(node(scalar(text))),
                "viral_rate_per_30_days" => fitted.viral[0] = Some(node(scalar(text))),
                "viral_magnitude_median" => fitted.viral[1] = Some(node(scalar(text))),
                "viral_magnitude_sigma" => fitted.viral[2] = Some(node(scalar(text))),
                "viral_half_life_days" => fitted.viral[3] = Some(node(scalar(text))),
                "supplier" | "backup_supplier" | "backup_lane" => {
                    supply.push((name.to_string(), word()))
                }
                _ => sku.push((name.to_string(), node(scalar(text)))),
            }
        }
        let map = |entries: Vec<(String, Node)>| Node {
            value: Value::Map(entries),
            line: Some(line),
            column: Some(1),
            source: Some(row_source.clone()),
        };
        fitted.into_demand(&mut demand, &map, |msg| at(line, None, msg))?;
        sku.push(("demand".to_string(), map(demand)));
        sku.push(("supply".to_string(), map(supply)));
        rows.push(map(sku));
    }
    if rows.is_empty() {
        return Err(InputError::new("the catalog has a header but no rows").in_file(file));
    }
    Ok(rows)
}

/// The demand cells of a row that map to nested YAML (the distribution, weekday profile,
/// stream ratio and viral spikes), gathered before the row's demand node is built.
#[derive(Default)]
struct Fitted {
    distribution: Option<Node>,
    dispersion: Option<Node>,
    weekday: [Option<Node>; 7],
    ratio: (Option<Node>, Option<Node>),
    /// rate, magnitude median, magnitude sigma, half-life
    viral: [Option<Node>; 4],
}

impl Fitted {
    fn into_demand(
        self,
        demand: &mut Vec<(String, Node)>,
        map: &dyn Fn(Vec<(String, Node)>) -> Node,
        row_error: impl Fn(String) -> InputError,
    ) -> Result<(), InputError> {
        let poisson =
            matches!(&self.distribution, Some(Node { value: Value::Str(s), .. }) if s == "poisson");
        match (self.distribution, self.dispersion) {
            (Some(d), disp) => {
                demand.push(("distribution".to_string(), d.clone()));
                match disp {
                    Some(k) => demand.push(("dispersion".to_string(), k)),
                    // An explicit `poisson` must not inherit its category's dispersion.
                    None if poisson => demand.push((
                        "dispersion".to_string(),
                        Node {
                            value: Value::Null,
                            ..d
                        },
                    )),
                    None => {}
                }
            }
            (None, Some(k)) => {
                demand.push((
                    "distribution".to_string(),
                    Node {
                        value: Value::Str("negative_binomial".to_string()),
                        ..k.clone()
                    },
                ));
                demand.push(("dispersion".to_string(), k));
            }
            (None, None) => {}
        }
        let given = self.weekday.iter().filter(|w| w.is_some()).count();
        if given == 7 {
            let items: Vec<Node> = self.weekday.into_iter().flatten().collect();
            let first = items[0].clone();
            demand.push((
                "weekday_profile".to_string(),
                Node {
                    value: Value::Seq(items),
                    ..first
                },
            ));
        } else if given > 0 {
            return Err(row_error(
                "weekday multipliers need all seven cells, weekday_mon to weekday_sun, or none"
                    .to_string(),
            ));
        }
        let lognormal = |median: Option<Node>, sigma: Option<Node>| {
            let mut inner = Vec::new();
            if let Some(m) = median {
                inner.push(("median".to_string(), m));
            }
            if let Some(s) = sigma {
                inner.push(("sigma".to_string(), s));
            }
            map(vec![("lognormal".to_string(), map(inner))])
        };
        if self.ratio.0.is_some() || self.ratio.1.is_some() {
            demand.push((
                "stream_ratio".to_string(),
                lognormal(self.ratio.0, self.ratio.1),
            ));
        }
        let [rate, median, sigma, half] = self.viral;
        if rate.is_some() || median.is_some() || sigma.is_some() || half.is_some() {
            let mut viral = Vec::new();
            if let Some(r) = rate {
                viral.push(("rate_per_30_days".to_string(), r));
            }
            if median.is_some() || sigma.is_some() {
                viral.push(("magnitude".to_string(), lognormal(median, sigma)));
            }
            if let Some(h) = half {
                viral.push(("half_life_days".to_string(), h));
            }
            demand.push(("viral".to_string(), map(viral)));
        }
        Ok(())
    }
}

/// A cell read the way YAML reads a plain scalar: an integer, else a number, else text (which
/// then fails typed validation at its cell, like `unit_cost: abc` would in YAML).
fn scalar(text: &str) -> Value {
    if let Ok(i) = text.parse::<i64>() {
        Value::Int(i)
    } else if let Ok(x) = text.parse::<f64>() {
        Value::Float(x)
    } else {
        Value::Str(text.to_string())
    }
}

pub(super) fn csv_error(file: &Path, bytes: &[u8], e: &csv::Error) -> InputError {
    let (line, column, msg) = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos: Some(pos),
            expected_len,
            len,
        } => {
            let line = to_u32(pos.line());
            let cells = field_starts(bytes, pos.byte() as usize, line);
            // Point at the first cell too many, or the end of a short row.
            let (l, c) = if len > expected_len {
                cells[*expected_len as usize]
            } else {
                end_of_record(bytes, pos.byte() as usize)
            };
            (
                Some(l),
                Some(c),
                format!("this row has {len} cells but the header names {expected_len} columns"),
            )
        }
        csv::ErrorKind::Utf8 { pos: Some(pos), .. } => (
            Some(to_u32(pos.line())),
            None,
            "the catalog is not UTF-8 text".to_string(),
        ),
        _ => (
            e.position().map(|p| to_u32(p.line())),
            None,
            format!("not valid CSV: {e}"),
        ),
    };
    InputError::new(msg).in_file(file).at_line(line, column)
}

pub(crate) fn to_u32(x: u64) -> u32 {
    x.min(u64::from(u32::MAX)) as u32
}

/// 1-based line and column (in characters) of the byte at `offset`.
pub(crate) fn line_column(bytes: &[u8], offset: usize) -> (u32, u32) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = chars(&before[start..]) + 1;
    (to_u32(line as u64), to_u32(column as u64))
}

fn chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

/// Line and column of each cell of the record starting at byte `start` (on line `line`). The
/// csv crate gives a record's position but not its cells', and a planner fixing a 12-column
/// export wants the cell.
pub(crate) fn field_starts(bytes: &[u8], start: usize, line: u32) -> Vec<(u32, u32)> {
    let mut out = vec![(line, 1)];
    let (mut line, mut column) = (line, 1u32);
    let mut quoted = false;
    for &b in bytes.iter().skip(start) {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => out.push((line, column + 1)),
            b'\n' | b'\r' if !quoted => break,
            b'\n' => {
                line += 1;
                column = 0;
            }
            _ => {}
        }
        if b & 0xC0 != 0x80 {
            column += 1;
        }
    }
    out
}

/// Line and column just past the last cell of the record starting at byte `start`.
pub(crate) fn end_of_record(bytes: &[u8], start: usize) -> (u32, u32) {
    let mut quoted = false;
    let mut end = bytes.len();
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    line_column(bytes, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_located_by_character_column() {
        let text = "a,b,c\nxé,\"y,z\",w\n";
        let starts = field_starts(text.as_bytes(), 6, 2);
        assert_eq!(starts, vec![(2, 1), (2, 4), (2, 10)]);
        assert_eq!(line_column(text.as_bytes(), 9), (2, 3));
    }
}
