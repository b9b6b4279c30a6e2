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

pub mod advise;
pub mod calendar;
pub mod cli;
pub mod combined;
pub mod demand;
pub mod dist;
pub mod engine;
pub mod error;
pub mod experiment;
pub mod fit;
pub mod hits;
pub mod metrics;
pub(crate) mod num;
pub mod policy;
pub mod report;
pub mod risk;
pub mod rng;
pub(crate) mod runner;
pub mod scenario;
pub mod score;
pub mod stats;
pub mod supply;
pub mod tune;
pub mod whatif;

pub use error::{Error, InputError, Result};
