//! The shop as it stands on `start_date`: stock on the shelf, purchase orders
//! already placed, and the dated stream plan — from the CSV files a seller can export.
//!
//! - `state.on_hand` (`sku,on_hand[,backorders]`) replaces `initial_on_hand` for the SKUs it
//!   lists.
//! - `state.open_orders` (`po,sku,units,lane,eta[,status,ready_date,supplier,deposit_paid]`)
//!   becomes [`OpenOrder`]s the engine puts in the pipeline at day 0: shown to the policy with
//!   their quoted `eta`, realised with the lane's uncertainty (see `engine::world`).
//! - `streams.calendar` (`date,start,hours,sku,forecast_units[,announce_date]`) is expanded into
//!   `streams.scheduled` nodes before deserialisation, like a catalog into SKUs, so every stream
//!   rule applies unchanged and a bad value is reported at its cell.
//!
//! Files are relative to the scenario file; every error names the file, line, column and the
//! CSV column.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::catalog::{csv_error, field_starts, line_column, to_u32};
use super::document::{FieldPath, Node, Origin, Source, Value};
use super::{Ctx, Lane, Sku};
use crate::calendar::Calendar;
use crate::error::InputError;

/// The opening state of a run from today.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// Whether the scenario has a `state:` section: a run from today.
    pub present: bool,
    /// Whether runs collect and write the stockout-risk register (a `state:`, or `--risk`).
    pub risk: bool,
    /// Units owed to waiting buyers at the start, per SKU (empty: none).
    pub backorders: Vec<u32>,
    /// Purchase orders already placed, in file order.
    pub open_orders: Vec<OpenOrder>,
}

/// Where an open purchase order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoStatus {
    InProduction,
    Shipped,
}

/// A purchase order placed before `start_date`.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenOrder {
    /// The PO number as the seller wrote it.
    pub po: String,
    /// Its random streams' key: a hash of `po`, so a PO's fate does not depend on its row.
    pub key: u64,
    /// Index into `Scenario::skus`.
    pub sku: usize,
    /// `[units]`
    pub units: u32,
    /// Index into `Scenario::lanes`.
    pub lane: usize,
    /// Quoted first sellable day `[days since start]`; negative when overdue.
    pub eta_day: i64,
    pub status: PoStatus,
    /// For an order in production: the day the goods are quoted ready to ship [days since
    /// start]. `None`: the order is treated as shipped.
    pub ready_day: Option<i64>,
    /// Index into `Scenario::suppliers` (the PO's, else the SKU's primary).
    pub supplier: Option<usize>,
    /// Whether the supplier's deposit was paid (capital prepaid until the goods ship).
    pub deposit_paid: bool,
}

impl OpenOrder {
    /// Whether the engine simulates it from its ready date through sailings and transit.
    pub fn simulated_from_ready(&self) -> bool {
        self.status == PoStatus::InProduction && self.ready_day.is_some()
    }
}

/// FNV-1a of a PO number, kept to 48 bits (the room a stream key leaves for an index).
pub fn po_key(po: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in po.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h & 0xFFFF_FFFF_FFFF
}

/// One cell of a state CSV: its text and where it is.
struct Cell<'a> {
    text: &'a str,
    line: u32,
    column: u32,
}

/// One cell's text with its 1-based line and column.
type Located = (String, u32, u32);

/// A state CSV read into rows of named cells.
struct Table {
    file: PathBuf,
    names: Vec<String>,
    /// Each row's line and its cells.
    rows: Vec<(u32, Vec<Located>)>,
}

impl Table {
    /// Reads `file`, checking its header against `required` and `optional` columns.
    fn read(
        file: &Path,
        what: &str,
        required: &[&str],
        optional: &[&str],
    ) -> Result<Table, InputError> {
        let bytes = std::fs::read(file).map_err(|e| {
            InputError::new(format!("cannot read the {what} CSV file: {e}")).in_file(file)
        })?;
        if let Err(e) = std::str::from_utf8(&bytes) {
            let (line, column) = line_column(&bytes, e.valid_up_to());
            return Err(
                InputError::new(format!("the {what} file is not UTF-8 text"))
                    .in_file(file)
                    .at_line(Some(line), Some(column)),
            );
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .comment(Some(b'#'))
            .trim(csv::Trim::All)
            .from_reader(bytes.as_slice());
        let header = reader
            .headers()
            .map_err(|e| csv_error(file, &bytes, &e))?
            .clone();
        let Some(hpos) = header.position().filter(|_| !header.is_empty()) else {
            return Err(InputError::new(format!(
                "the {what} file is empty: expected a header row naming the columns {}",
                required.join(", ")
            ))
            .in_file(file));
        };
        let hline = to_u32(hpos.line());
        let hcells = field_starts(&bytes, hpos.byte() as usize, hline);
        let mut names: Vec<String> = Vec::new();
        for (i, name) in header.iter().enumerate() {
            let (l, c) = hcells.get(i).copied().unwrap_or((hline, 1));
            let err = |m: String| InputError::new(m).in_file(file).at_line(Some(l), Some(c));
            if !required.contains(&name) && !optional.contains(&name) {
                return Err(err(format!(
                    "unknown column `{name}`; columns are {}{}",
                    required.join(", "),
                    if optional.is_empty() {
                        String::new()
                    } else {
                        format!(" and, optionally, {}", optional.join(", "))
                    }
                )));
            }
            if names.iter().any(|n| n == name) {
                return Err(err(format!("column `{name}` appears twice")));
            }
            names.push(name.to_string());
        }
        if let Some(missing) = required.iter().find(|r| !names.iter().any(|n| n == *r)) {
            return Err(InputError::new(format!(
                "the header lacks the required column `{missing}`"
            ))
            .in_file(file)
            .at_line(Some(hline), None));
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(file, &bytes, &e))?;
            let (line, byte) = record
                .position()
                .map_or((0, 0), |p| (to_u32(p.line()), p.byte() as usize));
            let cells = field_starts(&bytes, byte, line);
            let row = record
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let (l, c) = cells.get(i).copied().unwrap_or((line, 1));
                    (t.to_string(), l, c)
                })
                .collect();
            rows.push((line, row));
        }
        Ok(Table {
            file: file.to_path_buf(),
            names,
            rows,
        })
    }

    /// The cell of column `name` in row `r` (`None`: no such column, or an empty cell).
    fn cell(&self, r: usize, name: &str) -> Option<Cell<'_>> {
        let i = self.names.iter().position(|n| n == name)?;
        let (text, line, column) = &self.rows[r].1[i];
        (!text.is_empty()).then_some(Cell {
            text,
            line: *line,
            column: *column,
        })
    }

    /// A required cell of row `r`.
    fn need(&self, r: usize, name: &str) -> Result<Cell<'_>, InputError> {
        self.cell(r, name).ok_or_else(|| {
            let line = self.rows[r].0;
            let i = self.names.iter().position(|n| n == name);
            let column = i.and_then(|i| self.rows[r].1.get(i)).map(|c| c.2);
            InputError::new(format!("column `{name}`: empty cell in a required column"))
                .in_file(&self.file)
                .at_line(Some(line), column)
        })
    }

    fn error(&self, cell: &Cell, column: &str, msg: impl std::fmt::Display) -> InputError {
        InputError::new(format!("column `{column}`: {msg}"))
            .in_file(&self.file)
            .at_line(Some(cell.line), Some(cell.column))
    }

    fn units(&self, cell: &Cell, column: &str) -> Result<u32, InputError> {
        cell.text.parse::<u32>().map_err(|_| {
            self.error(
                cell,
                column,
                format!(
                    "`{}` is not a whole number of units ≥ 0 (at most {})",
                    cell.text,
                    u32::MAX
                ),
            )
        })
    }

    fn date(&self, cell: &Cell, column: &str) -> Result<jiff::civil::Date, InputError> {
        cell.text.parse::<jiff::civil::Date>().map_err(|e| {
            self.error(
                cell,
                column,
                format!("`{}` is not a date (YYYY-MM-DD): {e}", cell.text),
            )
        })
    }
}

/// The file a scenario key names, relative to the scenario, and where the key was written.
fn named_file(ctx: &Ctx, at: &FieldPath, rel: &str) -> Result<(PathBuf, String), InputError> {
    if rel.trim().is_empty() {
        return Err(ctx.error(at, "expected the path of a CSV file"));
    }
    let file = ctx.file.parent().unwrap_or(Path::new("")).join(rel.trim());
    let named_at = match ctx.doc.locate(at) {
        Origin::File {
            line: Some(line), ..
        } => format!(" (named at {}:{line} `{at}`)", ctx.file.display()),
        Origin::CommandLine => format!(" (`{at}` set with --set)"),
        _ => String::new(),
    };
    Ok((file, named_at))
}

fn days_between(cal: &Calendar, d: jiff::civil::Date) -> i64 {
    i64::from((d - cal.start).get_days())
}

/// The indices of the ids the state's files may name, read from the rest of the scenario.
pub(super) struct Ids<'a> {
    pub skus: &'a HashMap<String, usize>,
    pub lanes: &'a HashMap<String, usize>,
    pub suppliers: &'a HashMap<String, usize>,
}

/// Reads `state:`: stock on hand (into `skus[].initial_on_hand`) and open purchase orders.
pub(super) fn load(
    ctx: &Ctx,
    cal: &Calendar,
    raw: Option<&super::raw::RawState>,
    skus: &mut [Sku],
    lanes: &[Lane],
    ids: &Ids,
) -> Result<State, InputError> {
    let Some(raw) = raw else {
        return Ok(State::default());
    };
    let at = FieldPath::root().key("state");
    let mut state = State {
        present: true,
        risk: true,
        ..State::default()
    };
    let with_named = |e: InputError, named_at: &str| InputError {
        message: format!("{}{named_at}", e.message),
        ..e
    };
    let sku_of = |t: &Table, cell: &Cell| {
        ids.skus
            .get(cell.text)
            .copied()
            .ok_or_else(|| t.error(cell, "sku", format!("unknown SKU `{}`", cell.text)))
    };
    if let Some(rel) = &raw.on_hand {
        let (file, named_at) = named_file(ctx, &at.key("on_hand"), rel)?;
        let t = Table::read(&file, "on-hand", &["sku", "on_hand"], &["backorders"])
            .map_err(|e| with_named(e, &named_at))?;
        let mut seen: HashMap<usize, u32> = HashMap::new();
        let mut backorders = vec![0u32; skus.len()];
        for r in 0..t.rows.len() {
            let c = t.need(r, "sku")?;
            let i = sku_of(&t, &c)?;
            if let Some(prev) = seen.insert(i, c.line) {
                return Err(t.error(
                    &c,
                    "sku",
                    format!("SKU `{}` is already listed on line {prev}", c.text),
                ));
            }
            skus[i].initial_on_hand = t.units(&t.need(r, "on_hand")?, "on_hand")?;
            if let Some(b) = t.cell(r, "backorders") {
                backorders[i] = t.units(&b, "backorders")?;
            }
        }
        if backorders.iter().any(|&b| b > 0) {
            state.backorders = backorders;
        }
    }
    if let Some(rel) = &raw.open_orders {
        let (file, named_at) = named_file(ctx, &at.key("open_orders"), rel)?;
        let t = Table::read(
            &file,
            "open-orders",
            &["po", "sku", "units", "lane", "eta"],
            &["status", "ready_date", "supplier", "deposit_paid"],
        )
        .map_err(|e| with_named(e, &named_at))?;
        let mut seen: HashMap<String, u32> = HashMap::new();
        let mut keys: HashMap<u64, String> = HashMap::new();
        for r in 0..t.rows.len() {
            let c = t.need(r, "po")?;
            let po = c.text.to_string();
            if let Some(prev) = seen.insert(po.clone(), c.line) {
                return Err(t.error(
                    &c,
                    "po",
                    format!("purchase order `{po}` is already listed on line {prev}"),
                ));
            }
            let key = po_key(&po);
            if let Some(other) = keys.insert(key, po.clone()) {
                return Err(t.error(
                    &c,
                    "po",
                    format!("PO numbers `{other}` and `{po}` hash alike; rename one"),
                ));
            }
            let sku = sku_of(&t, &t.need(r, "sku")?)?;
            let uc = t.need(r, "units")?;
            let units = t.units(&uc, "units")?;
            if units == 0 {
                return Err(t.error(&uc, "units", "an open order must carry at least 1 unit"));
            }
            let lc = t.need(r, "lane")?;
            let lane = *ids.lanes.get(lc.text).ok_or_else(|| {
                t.error(
                    &lc,
                    "lane",
                    format!(
                        "unknown lane `{}`; lanes defined: {}",
                        lc.text,
                        lanes
                            .iter()
                            .map(|l| format!("`{}`", l.id))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            let eta_day = days_between(cal, t.date(&t.need(r, "eta")?, "eta")?);
            let status = match t.cell(r, "status") {
                None => PoStatus::Shipped,
                Some(s) => match s.text {
                    "shipped" => PoStatus::Shipped,
                    "in_production" => PoStatus::InProduction,
                    other => {
                        return Err(t.error(
                            &s,
                            "status",
                            format!("`{other}` is not `in_production` or `shipped`"),
                        ));
                    }
                },
            };
            let ready_day = match t.cell(r, "ready_date") {
                Some(d) => Some(days_between(cal, t.date(&d, "ready_date")?)),
                None => None,
            };
            let supplier = match t.cell(r, "supplier") {
                Some(s) => Some(*ids.suppliers.get(s.text).ok_or_else(|| {
                    t.error(&s, "supplier", format!("unknown supplier `{}`", s.text))
                })?),
                None => skus[sku].supply.supplier,
            };
            let deposit_paid = match t.cell(r, "deposit_paid") {
                None => false,
                Some(d) => match d.text {
                    "0" => false,
                    "1" => true,
                    other => {
                        return Err(t.error(
                            &d,
                            "deposit_paid",
                            format!("`{other}` is not 0 or 1"),
                        ));
                    }
                },
            };
            if deposit_paid && supplier.is_none() {
                let d = t.cell(r, "deposit_paid").expect("read above");
                return Err(t.error(
                    &d,
                    "deposit_paid",
                    "a deposit needs a supplier (column `supplier`, or the SKU's supply.supplier) \
                     whose deposit_fraction says how much was paid",
                ));
            }
            state.open_orders.push(OpenOrder {
                po,
                key,
                sku,
                units,
                lane,
                eta_day,
                status,
                ready_day: if status == PoStatus::InProduction {
                    ready_day
                } else {
                    None
                },
                supplier,
                deposit_paid,
            });
        }
    }
    Ok(state)
}

/// Columns of a stream calendar.
const CALENDAR_REQUIRED: [&str; 5] = ["date", "start", "hours", "sku", "forecast_units"];
const CALENDAR_OPTIONAL: [&str; 2] = ["announce_date", "creator_commission"];

/// Replaces `streams.calendar: FILE.csv` by `streams.scheduled` nodes, one per (date, start):
/// rows with the same date and start are one stream featuring each row's SKU.
pub fn expand_calendar(doc: &mut Node, scenario: &Path) -> Result<(), InputError> {
    let start = match doc.get("start_date").map(|n| &n.value) {
        Some(Value::Str(s)) => s.trim().parse::<jiff::civil::Date>().ok(),
        _ => None,
    };
    let Value::Map(top) = &mut doc.value else {
        return Ok(());
    };
    let Some(streams) = top
        .iter_mut()
        .find(|(k, _)| k == "streams")
        .map(|e| &mut e.1)
    else {
        return Ok(());
    };
    let Value::Map(entries) = &mut streams.value else {
        return Ok(());
    };
    let Some(pos) = entries.iter().position(|(k, _)| k == "calendar") else {
        return Ok(());
    };
    let (_, named) = entries.remove(pos);
    let rel = match &named.value {
        Value::Str(s) if !s.trim().is_empty() => s.trim().to_string(),
        _ => {
            let e = InputError::new(format!(
                "expected the path of a CSV file, found {}",
                named.kind_name()
            ))
            .at_path("streams.calendar");
            return Err(match named.line {
                Some(_) => e.in_file(scenario).at_line(named.line, named.column),
                None => e,
            });
        }
    };
    let file = scenario.parent().unwrap_or(Path::new("")).join(rel);
    let named_at = match named.line {
        Some(l) => format!(" (calendar named at {}:{l})", scenario.display()),
        None => " (calendar set with --set)".to_string(),
    };
    let t = Table::read(
        &file,
        "stream calendar",
        &CALENDAR_REQUIRED,
        &CALENDAR_OPTIONAL,
    )
    .map_err(|e| InputError {
        message: format!("{}{named_at}", e.message),
        ..e
    })?;
    let source = |name: &str| {
        Arc::new(Source {
            file: file.clone(),
            column_name: Some(name.to_string()),
        })
    };
    let sources: HashMap<&str, Arc<Source>> = CALENDAR_REQUIRED
        .iter()
        .chain(&CALENDAR_OPTIONAL)
        .map(|&n| (n, source(n)))
        .collect();
    let node = |value: Value, c: &Cell, name: &str| Node {
        value,
        line: Some(c.line),
        column: Some(c.column),
        source: Some(sources[name].clone()),
    };
    // (date, start) → index into `streams`; the forecast maps grow row by row.
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    let mut made: Vec<Vec<(String, Node)>> = Vec::new();
    for r in 0..t.rows.len() {
        let dc = t.need(r, "date")?;
        let date = t.date(&dc, "date")?;
        let sc = t.need(r, "start")?;
        let hc = t.need(r, "hours")?;
        let kc = t.need(r, "sku")?;
        let fc = t.need(r, "forecast_units")?;
        let forecast = fc.text.parse::<f64>().map_err(|_| {
            t.error(
                &fc,
                "forecast_units",
                format!("`{}` is not a number", fc.text),
            )
        })?;
        let hours = hc
            .text
            .parse::<f64>()
            .map_err(|_| t.error(&hc, "hours", format!("`{}` is not a number", hc.text)))?;
        let announce = match t.cell(r, "announce_date") {
            Some(a) => {
                let ad = t.date(&a, "announce_date")?;
                let lead = (date - ad).get_days();
                if lead < 0 {
                    return Err(t.error(
                        &a,
                        "announce_date",
                        format!("{ad} is after the stream's date {date}"),
                    ));
                }
                Some(node(Value::Int(i64::from(lead)), &a, "announce_date"))
            }
            // The planner's own plan: visible from day 0.
            None => start.map(|s| {
                let lead = (date - s).get_days().max(0);
                node(Value::Int(i64::from(lead)), &dc, "date")
            }),
        };
        let key = (date.to_string(), sc.text.to_string());
        let k = match index.get(&key) {
            Some(&k) => {
                let hours_before = made[k]
                    .iter()
                    .find(|(n, _)| n == "hours")
                    .and_then(|(_, n)| match n.value {
                        Value::Float(h) => Some(h),
                        _ => None,
                    });
                if hours_before != Some(hours) {
                    return Err(t.error(
                        &hc,
                        "hours",
                        format!(
                            "the stream at {} {} is {} hours long on an earlier row",
                            key.0,
                            key.1,
                            hours_before.unwrap_or(f64::NAN)
                        ),
                    ));
                }
                k
            }
            None => {
                let mut entries = vec![
                    (
                        "date".to_string(),
                        node(Value::Str(key.0.clone()), &dc, "date"),
                    ),
                    (
                        "start".to_string(),
                        node(Value::Str(key.1.clone()), &sc, "start"),
                    ),
                    ("hours".to_string(), node(Value::Float(hours), &hc, "hours")),
                    (
                        "forecast".to_string(),
                        node(Value::Map(Vec::new()), &dc, "date"),
                    ),
                ];
                if let Some(a) = announce {
                    entries.push(("announce_days".to_string(), a));
                }
                index.insert(key, made.len());
                made.push(entries);
                made.len() - 1
            }
        };
        // The creator's commission is the stream's: given on any of its rows, the first holds
        // (a number only here; its range is checked with the stream).
        if let Some(cc) = t.cell(r, "creator_commission")
            && !made[k].iter().any(|(n, _)| n == "creator_commission")
        {
            let v = cc.text.parse::<f64>().map_err(|_| {
                t.error(
                    &cc,
                    "creator_commission",
                    format!("`{}` is not a number", cc.text),
                )
            })?;
            made[k].push((
                "creator_commission".to_string(),
                node(Value::Float(v), &cc, "creator_commission"),
            ));
        }
        let Some((_, forecast_node)) = made[k].iter_mut().find(|(n, _)| n == "forecast") else {
            unreachable!("every stream node is made with a forecast");
        };
        let Value::Map(f) = &mut forecast_node.value else {
            unreachable!("the forecast node is a map");
        };
        if f.iter().any(|(s, _)| s == kc.text) {
            return Err(t.error(
                &kc,
                "sku",
                format!(
                    "SKU `{}` is already featured in the stream at {} {}",
                    kc.text, date, sc.text
                ),
            ));
        }
        f.push((
            kc.text.to_string(),
            node(Value::Float(forecast), &fc, "forecast_units"),
        ));
    }
    let row_source = Arc::new(Source {
        file: file.clone(),
        column_name: None,
    });
    let nodes: Vec<Node> = made
        .into_iter()
        .map(|entries| {
            let (line, column) = (entries[0].1.line, entries[0].1.column);
            Node {
                value: Value::Map(entries),
                line,
                column,
                source: Some(row_source.clone()),
            }
        })
        .collect();
    match entries.iter_mut().find(|(k, _)| k == "scheduled") {
        Some((_, s)) => match &mut s.value {
            Value::Seq(items) => items.extend(nodes),
            Value::Null => s.value = Value::Seq(nodes),
            _ => {
                return Err(InputError::new(format!(
                    "expected a list of streams, found {}",
                    s.kind_name()
                ))
                .in_file(scenario)
                .at_path("streams.scheduled")
                .at_line(s.line, s.column));
            }
        },
        None => entries.push((
            "scheduled".to_string(),
            Node {
                value: Value::Seq(nodes),
                ..named
            },
        )),
    }
    Ok(())
}
