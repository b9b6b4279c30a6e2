//! restock — a discrete-event Monte Carlo simulator of overseas-warehouse replenishment for
//! cross-border sellers who sell through live streams.
//!
//! # Data flow
//!
//! ```text
//! scenario.yaml ──scenario::load──▶ Scenario (validated; errors name file, path, line)
//!                                      │
//!                          engine::Model (samplers prepared once, shared by threads)
//!                                      │
//!   experiment::run: for each replication r (in parallel, rayon)
//!        engine::World::generate(r)   ← rng: streams keyed by (seed, r, source)
//!        (congestion episodes and scripted backlogs: supply::Environment, shared by all SKUs)
//!        for each candidate c: engine::Engine::run(world, policy c) → metrics::RepMetrics
//!            orders → supply::Supply::plan (fallback legs) → ship (realised arrival, kept
//!            from the policy, which sees supply::SupplyView quotes only)
//!                                      │   (folded in replication order)
//!                       stats::RunAccumulator → CandidateStats (mean, CI, quantiles, paired Δ;
//!                                      │          every SKU and each category)
//!                        score::rank → feasible, rank, Pareto frontier, ties with the best
//!        + each day's capital and chart-SKU stock (metrics::DayRecord, warm-up included)
//!                       stats::daily::DailyAcc per worker, block by block, merged at the end
//!                                      │
//!   report: summary.json, summary.csv, capital_by_day/week.csv, plots/*.svg|png,
//!           report.html, terminal table
//! ```
//!
//! Every candidate replays the same worlds (common random numbers), the policy sees only what
//! a planner could see, and the same seed gives the same bytes on any number of threads.

//! # The public surface
//!
//! Everything is reachable from the crate root; the modules are private.
//!
//! - a scenario: [`load_scenario`], [`scenario_from_text`], [`Scenario`], [`Dist`];
//! - an experiment: [`run`] (per-candidate statistics) or [`run_full`] (everything the reports
//!   need), configured by [`RunOptions`]; its [`Outcome`] becomes a [`Summary`], which
//!   [`render_json`] prints and [`write_outputs`] writes with the CSV files, plots and HTML;
//! - one replication at a time: [`Model`], [`World`], [`Engine`] → [`RepMetrics`] indexed by
//!   [`Metric`], plus each day's [`DayRecord`]; [`Moments`], [`CandidateStats`] and
//!   [`PairedDiff`] summarise them;
//! - a policy: the [`Policy`] trait, what it sees ([`SkuView`], [`LiveStream`]) and what it
//!   returns ([`Orders`] of [`Order`], each with its [`Trigger`]);
//! - the commands' engines: [`tune()`], [`fit_history`] / [`fit()`], [`advise()`], what-if
//!   ([`select_variants`], [`run_whatif`]), and the command line itself ([`cli_main`]);
//! - synthetic inputs for demos and benchmarks: [`synth`].
//!
//! ```
//! # fn main() -> restock::Result<()> {
//! use std::path::Path;
//!
//! let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/textbook-ss.yaml");
//! let scenario = restock::load_scenario(&path, &["replications=20".to_string()])?;
//! let opts = restock::RunOptions { threads: 1, progress: false };
//! let stats = restock::run(&scenario, &opts)?;
//! assert_eq!(stats.len(), scenario.policies.len());
//! let fill = stats[0].metric(restock::Metric::FillRate).mean;
//! assert!((0.0..=1.0).contains(&fill));
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod advise;
mod calendar;
mod cli;
mod combined;
mod demand;
mod dist;
mod engine;
mod error;
mod experiment;
mod fit;
mod hits;
mod metrics;
mod num;
mod policy;
mod report;
mod risk;
mod rng;
mod runner;
mod scenario;
mod score;
mod stats;
mod supply;
mod tune;
mod whatif;

// Tests that need internals run in the library's test binary, written with the same
// `restock::…` paths as the integration tests.
#[cfg(test)]
extern crate self as restock;
#[cfg(test)]
mod internal_tests;

pub use advise::{Advice, AdviseOptions, advise};
pub use dist::Dist;
pub use engine::{Engine, Model, World};
pub use error::{Error, InputError, Result};
pub use experiment::{Outcome, RunOptions, run, run_full};
pub use fit::{
    Fit, FitInput, History, fit_history, render_summary as render_fit_summary, run as fit,
};
pub use metrics::{DayRecord, Metric, RepMetrics};
pub use policy::{LiveStream, Order, Orders, Policy, SkuView, Trigger};
pub use report::{Summary, render_json, write_outputs};
pub use scenario::{PolicySpec, Scenario, from_text as scenario_from_text, load as load_scenario};
pub use score::{Ranking, Verdict};
pub use stats::moments::t975;
pub use stats::sketch::RELATIVE_ACCURACY as QUANTILE_RELATIVE_ACCURACY;
pub use stats::{CandidateStats, MetricStats, Moments, PairedDiff, ScopeStats};
pub use tune::{TuneOptions, Tuning, tune};
pub use whatif::{PEAK_METRICS, WhatIfOutcome, run as run_whatif, select as select_variants};

/// Synthetic inputs: a shop's sales history and today's state, for demos, tests and benchmarks.
pub mod synth {
    pub use crate::fit::synth::{SynthSku, generate as history};
    pub use crate::scenario::synth_state::write as write_state;
}

/// Internals the benchmarks and the speed yardstick (`examples/reference_loop.rs`) time on
/// their own; not API, and free to change.
// A back door rather than public API: the yardstick must draw with restock's own Poisson
// sampler so the 2× target compares loops, not samplers, and `stats_fold` times the per-
// replication statistics fold, which no user calls directly.
#[doc(hidden)]
pub mod bench_internals {
    pub use crate::demand::table::CountTable;
    pub use crate::stats::{BLOCK, BlockStats, RunAccumulator};
}

/// The `restock` command line: parses the process's arguments, runs the command and returns
/// its exit code (0 done, 1 failed, 2 bad input).
pub fn cli_main() -> std::process::ExitCode {
    cli::main()
}
