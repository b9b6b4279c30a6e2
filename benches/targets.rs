//! The project's speed targets, each as a pair of figures to compare (one thread unless
//! the name says otherwise):
//!
//!     cargo bench --bench targets
//!
//! - `textbook_run/restock` vs `textbook_run/reference_loop_guide` and `…_bisect`: a whole
//!   textbook run (every replication drawn, replayed and folded into the statistics and
//!   calendar series) against the hand-written loop of `examples/reference_loop.rs` with each
//!   of its Poisson table samplers, 20,000 replications each, in SKU-days per second. Target:
//!   restock within 2× of the loop.
//! - `per_sku_day/textbook` vs `per_sku_day/catalog_sweep`: one replication's world drawn and
//!   every candidate replayed, per candidate-SKU-day, on `textbook-ss.yaml` (1 candidate) and
//!   on `catalog-1000.yaml` (27 candidates: the full model as a sweep runs it). Target: the
//!   full model within 4× of the textbook per SKU-day. The catalog figure also gives the full
//!   sweep's time: 27 × 100 × 365,000 SKU-days ÷ (the figure × 2 threads × 0.96 scaling).
//! - `catalog_sweep/2_threads`: the whole experiment (worlds, all 27 candidates, statistics and
//!   calendar series) on `catalog-1000.yaml` with 32 replications (two blocks of 16, one per
//!   thread) on 2 threads, per candidate-SKU-day. The full sweep is 100/32 of it (outputs
//!   aside). Target: < 60 s.
//! - `threads/1` vs `threads/2`: 32 replications of one catalog-1000 candidate on a pool of
//!   1 and of 2 threads. Target: 2 threads ≥ 1.8× faster.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use restock::RepMetrics;
use restock::Scenario;
use restock::{Engine, Model, World};
use restock::{RunOptions, run_full};

#[path = "../examples/reference_loop.rs"]
#[allow(dead_code)]
mod reference_loop;

fn shipped(file: &str, overrides: &[&str]) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    restock::load_scenario(&path, &overrides).expect("shipped scenario is valid")
}

fn one_thread() -> RunOptions {
    RunOptions {
        threads: 1,
        progress: false,
    }
}

fn textbook_run(c: &mut Criterion) {
    // Enough replications that the run's fixed costs (set-up, summaries) weigh as little as
    // in the 100,000-replication run the target is about.
    const REPS: u64 = 20_000;
    let sc = shipped("textbook-ss.yaml", &[&format!("replications={REPS}")]);
    let mut g = c.benchmark_group("textbook_run");
    g.throughput(Throughput::Elements(REPS * Model::new(&sc).sku_days()));
    g.bench_function("restock", |b| {
        b.iter(|| black_box(run_full(&sc, &one_thread()).expect("runs")))
    });
    for (name, sampler) in [
        ("reference_loop_guide", reference_loop::Sampler::Guide),
        ("reference_loop_bisect", reference_loop::Sampler::Bisect),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| black_box(reference_loop::simulate(REPS, sampler)))
        });
    }
    g.finish();
}

/// One replication: its world drawn once, every candidate replayed against it.
fn sweep_replication(
    model: &Model,
    world: &mut World,
    engine: &mut Engine,
    policies: &mut [Box<dyn restock::Policy>],
    rep: u64,
) {
    let mut out = RepMetrics::default();
    world.generate(model, rep);
    for p in policies.iter_mut() {
        engine.run(model, world, p.as_mut(), &mut out);
        black_box(&out);
    }
}

fn per_sku_day(c: &mut Criterion) {
    let mut g = c.benchmark_group("per_sku_day");
    g.sample_size(10);
    for (name, sc) in [
        ("textbook", shipped("textbook-ss.yaml", &[])),
        ("catalog_sweep", shipped("catalog-1000.yaml", &[])),
    ] {
        let model = Model::new(&sc);
        let mut world = World::new(&model);
        let mut engine = Engine::new(&model);
        let mut policies: Vec<_> = (0..sc.policies.len()).map(|k| model.policy(k)).collect();
        g.throughput(Throughput::Elements(
            model.sku_days() * policies.len() as u64,
        ));
        let mut rep = 0;
        g.bench_function(name, |b| {
            b.iter(|| {
                rep += 1;
                sweep_replication(&model, &mut world, &mut engine, &mut policies, rep);
            })
        });
    }
    g.finish();
}

fn catalog_sweep(c: &mut Criterion) {
    const REPS: u64 = 32;
    let sc = shipped("catalog-1000.yaml", &[&format!("replications={REPS}")]);
    let mut g = c.benchmark_group("catalog_sweep");
    g.sample_size(10);
    g.throughput(Throughput::Elements(
        REPS * sc.policies.len() as u64 * Model::new(&sc).sku_days(),
    ));
    let opts = RunOptions {
        threads: 2,
        progress: false,
    };
    g.bench_function("2_threads", |b| {
        b.iter(|| black_box(run_full(&sc, &opts).expect("runs")))
    });
    g.finish();
}

fn threads(c: &mut Criterion) {
    let sc = shipped(
        "catalog-1000.yaml",
        &[
            "replications=32",
            "policies.0.sweep.cover_days=[21]",
            "policies.0.sweep.stream_multiplier=[1.25]",
            "policies.0.sweep.ctr_growth=[0.5]",
        ],
    );
    let mut g = c.benchmark_group("threads");
    g.sample_size(10);
    g.throughput(Throughput::Elements(32 * Model::new(&sc).sku_days()));
    for n in [1, 2] {
        let opts = RunOptions {
            threads: n,
            progress: false,
        };
        g.bench_function(n.to_string(), |b| {
            b.iter(|| black_box(run_full(&sc, &opts).expect("runs")))
        });
    }
    g.finish();
}

criterion_group!(benches, textbook_run, per_sku_day, catalog_sweep, threads);
criterion_main!(benches);
