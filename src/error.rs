//! Errors of the library, split by who must act on them.
//!
//! An [`InputError`] is the user's to fix (a scenario file, a CSV, a command-line value): it names
//! the file, the field path and, where the parser knows it, the line, and maps to exit code 2.
//! Everything else (an output folder that cannot be written, a thread pool that cannot start) is
//! an [`Error::Io`] or [`Error::Other`] and maps to exit code 1.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem with something the user wrote. Rejected before any simulation starts.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    /// The file the problem is in; `None` for command-line values.
    pub file: Option<PathBuf>,
    /// 1-based line (and column) in `file`, where known.
    pub line: Option<u32>,
    /// 1-based column in `file`, where known.
    pub column: Option<u32>,
    /// Dotted field path, e.g. `policies.0.reorder_point`.
    pub path: Option<String>,
    /// What is wrong, and what would be right.
    pub message: String,
}

impl InputError {
    /// An error with only its message; the builders below add where it is.
    pub fn new(message: impl Into<String>) -> Self {
        InputError {
            file: None,
            line: None,
            column: None,
            path: None,
            message: message.into(),
        }
    }

    /// The file the problem is in.
    pub fn in_file(mut self, file: &Path) -> Self {
        self.file = Some(file.to_path_buf());
        self
    }

    /// The dotted field path (an empty path names no field).
    pub fn at_path(mut self, path: impl Into<String>) -> Self {
        let p = path.into();
        self.path = if p.is_empty() { None } else { Some(p) };
        self
    }

    /// The line and column in the file, where known.
    pub fn at_line(mut self, line: Option<u32>, column: Option<u32>) -> Self {
        self.line = line;
        self.column = column;
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `file:line:column: path: message` is what editors and terminals make clickable.
        let mut wrote_location = false;
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
                if let Some(col) = self.column {
                    write!(f, ":{col}")?;
                }
            }
            wrote_location = true;
        }
        if let Some(path) = &self.path {
            if wrote_location {
                write!(f, ": ")?;
            }
            write!(f, "field `{path}`")?;
            wrote_location = true;
        }
        if wrote_location {
            write!(f, ": ")?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for InputError {}

/// Every failure the library reports.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    /// Bad input: exit code 2.
    Input(#[from] InputError),
    #[error("{context}: {source}")]
    /// Reading or writing a file failed: exit code 1.
    Io {
        /// What was being done, naming the file.
        context: String,
        #[source]
        /// The operating system's error.
        source: std::io::Error,
    },
    #[error("{0}")]
    /// Any other failure: exit code 1.
    Other(String),
}

impl Error {
    /// An I/O failure while doing `context`.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// The process exit code the CLI contract assigns to this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Input(_) => 2,
            Error::Io { .. } | Error::Other(_) => 1,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
