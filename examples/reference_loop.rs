//! The yardstick for the engine's speed: the smallest hand-written loop of the textbook model
//! (one SKU, Poisson demand by table inversion, fixed lead time, periodic-review (s,S), the
//! same daily phases and cost tallies). `restock run` on the textbook scenario is timed against
//! it as a whole process (and `benches/targets.rs` against `simulate`):
//!
//!     cargo run --release --example reference_loop -- 100000 [guide|bisect]
//!
//! Two table samplers, both exact inversions of the same Poisson CDF: `bisect` searches the
//! CDF table by bisection — the plain "table-based (inverse-CDF)" loop (≈ 65 M SKU-days/s on
//! the development machine when the target was set); `guide` starts the search from a guide table (Chen & Asau),
//! restock's own sampler, about 3× faster again. It prints its mean daily cost so the compiler
//! cannot discard the work.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use restock::bench_internals::CountTable;

/// How the loop turns 64 random bits into a Poisson count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sampler {
    /// Bisection of the CDF table.
    Bisect,
    /// Guide-table inversion (`CountTable`).
    Guide,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let reps: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let sampler = match args.next().as_deref() {
        None | Some("guide") => Sampler::Guide,
        Some("bisect") => Sampler::Bisect,
        Some(other) => {
            eprintln!("reference_loop: sampler `{other}` is not bisect or guide");
            std::process::exit(2);
        }
    };
    println!("mean daily cost {:.4}", simulate(reps, sampler));
}

/// P(X ≤ k) · 2^64 for the Poisson(`mean`) law, up to where it reaches 2^64.
fn cdf_table(mean: f64) -> Vec<u64> {
    let scale = 2f64.powi(64);
    let (mut p, mut cum, mut k) = ((-mean).exp(), 0.0, 0.0);
    let mut table = Vec::new();
    loop {
        cum += p;
        // `as` saturates: the last entry is u64::MAX, so every draw finds its count.
        let t = (cum * scale) as u64;
        table.push(t);
        if t == u64::MAX || table.len() > 1000 {
            *table.last_mut().expect("not empty") = u64::MAX;
            return table;
        }
        k += 1.0;
        p *= mean / k;
    }
}

/// Mean daily cost over `reps` replications (`benches/targets.rs` times it too).
pub fn simulate(reps: u64, sampler: Sampler) -> f64 {
    match sampler {
        Sampler::Guide => {
            let guide = CountTable::poisson(20.0);
            run(reps, |bits| i64::from(guide.sample(bits)))
        }
        Sampler::Bisect => {
            let cdf = cdf_table(20.0);
            run(reps, |bits| cdf.partition_point(|&t| t <= bits) as i64)
        }
    }
}

/// The loop itself, compiled once per sampler so that neither pays for the choice.
fn run(reps: u64, draw: impl Fn(u64) -> i64) -> f64 {
    let (horizon, warmup, lead) = (365usize, 60usize, 7usize);
    let (s, big_s) = (160i64, 300i64);
    let (h, b, k) = (0.1, 5.0, 100.0);
    let mut total = 0.0;
    for rep in 0..reps {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(rep);
        let mut pipeline = [0i64; 8];
        let (mut on_hand, mut backorders, mut on_order) = (300i64, 0i64, 0i64);
        let mut cost = 0.0;
        for day in 0..horizon {
            let arriving = std::mem::take(&mut pipeline[day % (lead + 1)]);
            let fill = arriving.min(backorders);
            backorders -= fill;
            on_hand += arriving - fill;
            on_order -= arriving;
            let ip = on_hand - backorders + on_order;
            if ip <= s {
                pipeline[(day + lead) % (lead + 1)] += big_s - ip;
                on_order += big_s - ip;
                if day >= warmup {
                    cost += k;
                }
            }
            let d = draw(rng.next_u64());
            let served = d.min(on_hand);
            on_hand -= served;
            backorders += d - served;
            if day >= warmup {
                cost += h * on_hand as f64 + b * backorders as f64;
            }
        }
        total += cost / (horizon - warmup) as f64;
    }
    total / reps as f64
}
