//! A CSV file read as a table of located cells, for the history files `fit` reads.
//!
//! Every cell keeps its file, line and column, so that a bad date on row 4,812 of a sales
//! export is reported as `sales.csv:4812:1: column `date`: ...` — the planner fixing the export
//! wants the cell, not the row. Headers are checked once here (unknown, duplicate and missing
//! columns); the typed readers in `history.rs` parse the cells.

use std::path::{Path, PathBuf};

use crate::error::InputError;
use crate::scenario::catalog::{end_of_record, field_starts, line_column, to_u32};

/// One parsed CSV file: its header and its rows, every cell located.
#[derive(Debug)]
pub struct Table {
    pub file: PathBuf,
    /// Column names, in file order.
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug)]
pub struct Row {
    /// (text, line, column), one per header column.
    pub cells: Vec<(String, u32, u32)>,
}

/// A cell of a table, located, with its column's name (for messages).
#[derive(Debug, Clone, Copy)]
pub struct Cell<'a> {
    pub text: &'a str,
    pub file: &'a Path,
    pub column_name: &'a str,
    pub line: u32,
    pub column: u32,
}

impl Cell<'_> {
    /// An error at this cell: `file:line:col: column `name`: message`.
    pub fn error(&self, message: impl std::fmt::Display) -> InputError {
        InputError::new(format!("column `{}`: {message}", self.column_name))
            .in_file(self.file)
            .at_line(Some(self.line), Some(self.column))
    }

    pub fn date(&self) -> Result<jiff::civil::Date, InputError> {
        self.text
            .parse::<jiff::civil::Date>()
            .map_err(|e| self.error(format!("`{}` is not a date (YYYY-MM-DD): {e}", self.text)))
    }

    pub fn number(&self) -> Result<f64, InputError> {
        match self.text.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(x),
            _ => Err(self.error(format!("`{}` is not a number", self.text))),
        }
    }

    /// A whole number, possibly negative (returns).
    pub fn integer(&self) -> Result<i64, InputError> {
        if let Ok(i) = self.text.parse::<i64>() {
            return Ok(i);
        }
        // "12.0" from a spreadsheet is 12; "12.5" units is not a count.
        match self.text.parse::<f64>() {
            Ok(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 => Ok(x as i64),
            _ => Err(self.error(format!("`{}` is not a whole number", self.text))),
        }
    }

    /// A 0/1 flag (also `true`/`false`, `yes`/`no`; empty is 0).
    pub fn flag(&self) -> Result<bool, InputError> {
        match self.text.to_ascii_lowercase().as_str() {
            "" | "0" | "false" | "no" => Ok(false),
            "1" | "true" | "yes" => Ok(true),
            _ => Err(self.error(format!("`{}` is not a 0/1 flag", self.text))),
        }
    }
}

impl Table {
    /// Reads `file`, whose header must name every column of `required` and may name those of
    /// `optional`, each once. `what` names the file's role in messages ("sales history").
    pub fn read(
        file: &Path,
        what: &str,
        required: &[&str],
        optional: &[&str],
    ) -> Result<Table, InputError> {
        let bytes = std::fs::read(file).map_err(|e| {
            InputError::new(format!("cannot read the {what} CSV file: {e}")).in_file(file)
        })?;
        Self::parse(file, &bytes, what, required, optional)
    }

    pub fn parse(
        file: &Path,
        bytes: &[u8],
        what: &str,
        required: &[&str],
        optional: &[&str],
    ) -> Result<Table, InputError> {
        if let Err(e) = std::str::from_utf8(bytes) {
            let (line, column) = line_column(bytes, e.valid_up_to());
            return Err(InputError::new(format!(
                "the {what} is not UTF-8 text (export it as UTF-8 CSV)"
            ))
            .in_file(file)
            .at_line(Some(line), Some(column)));
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
            .from_reader(bytes);
        let header = reader
            .headers()
            .map_err(|e| csv_error(file, bytes, what, &e))?
            .clone();
        let Some(hpos) = header.position().filter(|_| !header.is_empty()) else {
            return Err(InputError::new(format!(
                "the {what} is empty: expected a header row naming the columns {}",
                required.join(", ")
            ))
            .in_file(file));
        };
        let header_line = to_u32(hpos.line());
        let hcells = field_starts(bytes, hpos.byte() as usize, header_line);
        let mut columns: Vec<String> = Vec::with_capacity(header.len());
        for (i, name) in header.iter().enumerate() {
            let (l, c) = hcells.get(i).copied().unwrap_or((header_line, 1));
            if !required.contains(&name) && !optional.contains(&name) {
                let optional = if optional.is_empty() {
                    String::new()
                } else {
                    format!(" and, optionally, {}", optional.join(", "))
                };
                return Err(at(
                    l,
                    Some(c),
                    format!(
                        "unknown column `{name}`; columns are {}{optional}",
                        required.join(", ")
                    ),
                ));
            }
            if columns.iter().any(|n| n == name) {
                return Err(at(l, Some(c), format!("column `{name}` appears twice")));
            }
            columns.push(name.to_string());
        }
        if let Some(missing) = required.iter().find(|r| !columns.iter().any(|n| n == *r)) {
            return Err(at(
                header_line,
                None,
                format!("the header lacks the required column `{missing}`"),
            ));
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(file, bytes, what, &e))?;
            let (line, byte) = record
                .position()
                .map_or((0, 0), |p| (to_u32(p.line()), p.byte() as usize));
            let starts = field_starts(bytes, byte, line);
            let cells = record
                .iter()
                .enumerate()
                .map(|(i, text)| {
                    let (l, c) = starts.get(i).copied().unwrap_or((line, 1));
                    (text.to_string(), l, c)
                })
                .collect();
            rows.push(Row { cells });
        }
        Ok(Table {
            file: file.to_path_buf(),
            columns,
            rows,
        })
    }

    /// Index of column `name`, if the header has it.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Cell `col` of `row`.
    pub fn cell<'a>(&'a self, row: &'a Row, col: usize) -> Cell<'a> {
        let (text, line, column) = &row.cells[col];
        Cell {
            text,
            file: &self.file,
            column_name: &self.columns[col],
            line: *line,
            column: *column,
        }
    }
}

fn csv_error(file: &Path, bytes: &[u8], what: &str, e: &csv::Error) -> InputError {
    let (line, column, msg) = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos: Some(pos),
            expected_len,
            len,
        } => {
            let line = to_u32(pos.line());
            let cells = field_starts(bytes, pos.byte() as usize, line);
            let (l, c) = if len > expected_len {
                cells
                    .get(*expected_len as usize)
                    .copied()
                    .unwrap_or((line, 1))
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
            format!("the {what} is not UTF-8 text"),
        ),
        _ => (
            e.position().map(|p| to_u32(p.line())),
            None,
            format!("not valid CSV: {e}"),
        ),
    };
    InputError::new(msg).in_file(file).at_line(line, column)
}
