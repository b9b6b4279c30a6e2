//! The yardstick for the engine's speed: the smallest hand-written loop of the textbook model
//! (one SKU, Poisson demand by table inversion, fixed lead time, periodic-review (s,S), the
//! same daily phases and cost tallies). `restock run` on the textbook scenario is timed against
//! it as a whole process (and `benches/targets.rs` against `simulate`):
//!
//!     cargo run --release --example reference_loop -- 100000
//!
//! It prints its mean daily cost so the compiler cannot discard the work.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use restock::demand::table::CountTable;

fn main() {
    let reps: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    println!("mean daily cost {:.4}", simulate(reps));
}

/// Mean daily cost over `reps` replications (`benches/targets.rs` times it too).
pub fn simulate(reps: u64) -> f64 {
    let (horizon, warmup, lead) = (365usize, 60usize, 7usize);
    let (s, big_s) = (160i64, 300i64);
    let (h, b, k) = (0.1, 5.0, 100.0);
    let table = CountTable::poisson(20.0);
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
            let d = i64::from(table.sample(rng.next_u64()));
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
