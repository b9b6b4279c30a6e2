//! Tests that exercise the simulation from outside a replication but need its internals (the
//! supply model's legs and ledger, each world's drawn demand and signals): they run in the
//! library's own test binary, written against `restock::…` paths like the integration tests
//! (`extern crate self as restock` in lib.rs), with the integration tests' helpers.

// Shared with tests/suite: not every helper is used by these tests.
#[allow(dead_code)]
#[path = "../../tests/suite/support.rs"]
mod support;

mod demand;
mod doc_tables;
mod supply;
