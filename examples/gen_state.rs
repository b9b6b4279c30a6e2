//! Writes a shop's state on its start date for a catalog scenario, deterministically (fixed
//! seed): `on_hand.csv` (every SKU) and `open_orders.csv` (a sea PO for three SKUs in five),
//! for `restock run`/`advise` from today at catalog scale (the speed target of `advise`):
//!
//!     cargo run --release --example gen_state -- scenarios/catalog-1000.csv 2026-07-01 target/state
//!     restock advise scenarios/catalog-1000.yaml --replications 200 \
//!         --set 'state={on_hand: ../target/state/on_hand.csv, open_orders: ../target/state/open_orders.csv}'
//!
//! (paths in `state:` are relative to the scenario file). Stock on the shelf is 20–100% of the
//! catalog's opening stock, so some SKUs are about to run out; each open PO carries about 30
//! days of demand and is quoted to land between 5 days ago (overdue) and 40 days from now.

use std::fmt::Write as _;

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, catalog, start, out] = args.as_slice() else {
        eprintln!("usage: gen_state CATALOG.csv START_DATE OUT_DIR");
        std::process::exit(2);
    };
    let start: jiff::civil::Date = start.parse().expect("START_DATE is YYYY-MM-DD");
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_path(catalog)
        .expect("catalog readable");
    let header = reader.headers().expect("header").clone();
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (sku, on_hand, mean) = (col("sku"), col("initial_on_hand"), col("mean_per_day"));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(17);
    let mut stock = String::from("sku,on_hand\n");
    let mut orders = String::from("po,sku,units,lane,eta\n");
    for (i, row) in reader.records().enumerate() {
        let row = row.expect("catalog row");
        let id = &row[sku];
        let opening: f64 = row[on_hand].parse().expect("initial_on_hand");
        let per_day: f64 = row[mean].parse().expect("mean_per_day");
        let share: f64 = rng.random_range(0.2..1.0);
        let _ = writeln!(stock, "{id},{}", (opening * share).round());
        if rng.random_range(0.0..1.0) < 0.6 {
            let units = (per_day * 30.0).ceil().max(1.0);
            let days: i64 = rng.random_range(-5..=40);
            let eta = start
                .checked_add(jiff::Span::new().days(days))
                .expect("date in range");
            let _ = writeln!(orders, "PO-{:05},{id},{units},sea,{eta}", i + 1);
        }
    }
    std::fs::create_dir_all(out).expect("output folder");
    let dir = std::path::Path::new(out);
    std::fs::write(dir.join("on_hand.csv"), stock).expect("write on_hand.csv");
    std::fs::write(dir.join("open_orders.csv"), orders).expect("write open_orders.csv");
}
