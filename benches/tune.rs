//! `restock tune` against `restock run` of the shipped sweep on `tune-categories.yaml`: the
//! per-category search (each category's candidates replaying only its SKUs) and its
//! confirmation run, against the 27-candidate grid at its shipped 200 replications. Target:
//! the search takes less time than the grid. Both on 2 threads, outputs not written.
//!
//!     cargo bench --bench tune

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use restock::{RunOptions, TuneOptions, load_scenario, run_full, tune};

fn tune_vs_sweep(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sc = load_scenario(&root.join("scenarios/tune-categories.yaml"), &[])
        .expect("shipped scenario loads");
    let mut g = c.benchmark_group("tune_categories");
    g.sample_size(10);
    g.bench_function("tune", |b| {
        let opts = TuneOptions {
            threads: 2,
            progress: false,
        };
        b.iter(|| black_box(tune(&sc, &opts).expect("tune runs")))
    });
    g.bench_function("run_sweep", |b| {
        let opts = RunOptions {
            threads: 2,
            progress: false,
        };
        b.iter(|| black_box(run_full(&sc, &opts).expect("run runs")))
    });
    g.finish();
}

criterion_group!(benches, tune_vs_sweep);
criterion_main!(benches);
