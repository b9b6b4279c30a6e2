//! `restock fit` at shop scale: 1,000 SKUs × 730 days of sales history — negative binomial
//! and Poisson SKUs with weekday profiles, a censored share of days, weekly streams and viral
//! spikes, in five categories — fitted end to end (both fits, pooling, held-out calibration,
//! shift check; no files written). Target: < 10 s on the project's 2-core machine.
//!
//!     cargo bench --bench fit

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jiff::civil::date;
use restock::synth::{SynthSku, history as generate};
use restock::{FitInput, fit_history};

fn shop() -> restock::History {
    let skus: Vec<SynthSku> = (0..1000)
        .map(|i| {
            // Zipf-like means from 0.1 to ~60 units/day, as the shipped catalog has.
            let mean = 60.0 / (1.0 + i as f64 / 8.0);
            SynthSku {
                dispersion: (i % 3 != 0).then_some(3.0 + (i % 5) as f64),
                weekday: [0.85, 0.9, 0.95, 1.0, 1.05, 1.25, 1.0],
                stock: (i % 4 == 0).then_some((0.7, 4.0)),
                stream_every: (i % 5 == 0).then_some(14),
                forecast: 20.0 * mean,
                ratio: (1.0, 0.6),
                viral: (i % 2 == 0).then_some((0.3, 5.0, 0.6, 2.0)),
                ..SynthSku::poisson(&format!("SKU-{i:04}"), mean)
            }
        })
        .collect();
    generate(date(2024, 7, 1), 730, &skus, 2026)
}

fn fit_1000_skus(c: &mut Criterion) {
    let h = shop();
    let n = h.skus.len();
    let cats: Vec<String> = (0..5).map(|c| format!("cat-{c}")).collect();
    let category: Vec<usize> = (0..n).map(|i| i % 5).collect();
    let mut g = c.benchmark_group("fit");
    g.sample_size(10);
    g.throughput(Throughput::Elements((n * h.days) as u64));
    g.bench_function("1000_skus_730_days", |b| {
        b.iter(|| {
            black_box(fit_history(
                h.clone(),
                None,
                cats.clone(),
                category.clone(),
                vec![true; n],
                None,
                FitInput::default(),
            ))
        })
    });
    g.finish();
}

criterion_group!(benches, fit_1000_skus);
criterion_main!(benches);
