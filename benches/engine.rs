//! Engine speed in SKU-days per second, single-threaded, on shipped scenarios.
//!
//!     cargo bench --bench engine
//!
//! `replication` is the figure the performance log (docs/performance.md) quotes: one world drawn and one candidate replayed.
//! `world` and `replay` split it into its two halves; `stats_fold` is the per-replication cost
//! of the statistics. `livestream/replication` is the same figure on `livestream-basic.yaml`
//! (negative-binomial baseline, weekly streams in 15-minute steps, viral spikes, signals,
//! presale and substitute responses): one world drawn and one candidate replayed.
//! `peak_season/replication` is the same on `peak-season.yaml` (suppliers with capacity and
//! holidays, sailings, a peak window, customs, congestion and fallback rules).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use restock::RepMetrics;
use restock::bench_internals::{BLOCK, BlockStats, RunAccumulator};
use restock::{Engine, Model, World};

/// `replication`, `world` and `replay` of one shipped scenario's candidate, per SKU-day.
fn scenario_benches(c: &mut Criterion, group: &str, file: &str, candidate: usize) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let scenario = restock::load_scenario(&path, &[]).expect("shipped scenario is valid");
    let model = Model::new(&scenario);
    let mut world = World::new(&model);
    let mut engine = Engine::new(&model);
    let mut policy = model.policy(candidate);
    let mut out = RepMetrics::default();

    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(model.sku_days()));
    let mut rep = 0u64;
    g.bench_function("replication", |b| {
        b.iter(|| {
            rep += 1;
            world.generate(&model, rep);
            engine.run(&model, &world, policy.as_mut(), &mut out);
            black_box(&out);
        })
    });
    g.bench_function("world", |b| {
        b.iter(|| {
            rep += 1;
            world.generate(&model, rep);
            black_box(&world);
        })
    });
    g.bench_function("replay", |b| {
        b.iter(|| {
            engine.run(&model, &world, policy.as_mut(), &mut out);
            black_box(&out);
        })
    });
    g.finish();
}

fn textbook(c: &mut Criterion) {
    scenario_benches(c, "textbook", "textbook-ss.yaml", 0);
}

fn livestream(c: &mut Criterion) {
    scenario_benches(c, "livestream", "livestream-basic.yaml", 1);
}

fn peak_season(c: &mut Criterion) {
    scenario_benches(c, "peak_season", "peak-season.yaml", 0);
}

/// One replication's share of the statistics work: pushed into its block, plus 1/BLOCK of
/// merging that block into the run.
fn stats_fold(c: &mut Criterion) {
    let mut out = RepMetrics::default();
    let mut acc = RunAccumulator::new(1, 1);
    let mut block = BlockStats::new(0, 1, 1);
    let mut n = 0u64;
    c.bench_function("stats_fold_per_replication", |b| {
        b.iter(|| {
            out.0[0] = n as f64 * 0.37;
            block.push(std::slice::from_ref(&out));
            n += 1;
            if n.is_multiple_of(BLOCK) {
                acc.merge(&block);
                block = BlockStats::new(n / BLOCK, 1, 1);
            }
        })
    });
}

criterion_group!(benches, textbook, livestream, peak_season, stats_fold);
criterion_main!(benches);
