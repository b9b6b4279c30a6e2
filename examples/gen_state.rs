//! Writes a shop's state on its start date for a catalog scenario (see
//! `restock::scenario::synth_state`), for `restock run`/`advise` from today at catalog scale:
//!
//!     cargo run --release --example gen_state -- scenarios/catalog-1000.csv 2026-07-01 target/state
//!     restock advise scenarios/catalog-1000.yaml --replications 200 \
//!         --set 'state={on_hand: ../target/state/on_hand.csv, open_orders: ../target/state/open_orders.csv}'
//!
//! (paths in `state:` are relative to the scenario file).

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, catalog, start, out] = args.as_slice() else {
        eprintln!("usage: gen_state CATALOG.csv START_DATE OUT_DIR");
        std::process::exit(2);
    };
    let Ok(start) = start.parse::<jiff::civil::Date>() else {
        eprintln!("error: START_DATE must be YYYY-MM-DD, found `{start}`");
        std::process::exit(2);
    };
    if let Err(e) = restock::synth::write_state(catalog.as_ref(), start, out.as_ref()) {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}
