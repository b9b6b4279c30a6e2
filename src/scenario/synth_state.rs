//! A shop's state on its start date for a catalog scenario, generated deterministically
//! (fixed seed) for demonstrations and the `advise` benchmark: `on_hand.csv` (every SKU) and
//! `open_orders.csv` (a sea PO for about three SKUs in five). Stock on the shelf is 20–100% of
//! the catalog's opening stock, so some SKUs are about to run out; each open PO carries about
//! 30 days of demand and is quoted to land between 5 days ago (overdue) and 40 days from now.

use std::fmt::Write as _;
use std::path::Path;

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::error::{Error, InputError, Result};

/// Writes `on_hand.csv` and `open_orders.csv` into `out` for the SKUs of `catalog` (a catalog
/// CSV with `sku`, `initial_on_hand` and `mean_per_day` columns), the POs dated from `start`.
pub fn write(catalog: &Path, start: jiff::civil::Date, out: &Path) -> Result<()> {
    let bad = |m: String| Error::Input(InputError::new(m).in_file(catalog));
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_path(catalog)
        .map_err(|e| bad(e.to_string()))?;
    let header = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| bad(format!("no `{name}` column")))
    };
    let (sku, on_hand, mean) = (col("sku")?, col("initial_on_hand")?, col("mean_per_day")?);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(17);
    let mut stock = String::from("sku,on_hand\n");
    let mut orders = String::from("po,sku,units,lane,eta\n");
    for (i, row) in reader.records().enumerate() {
        let row = row.map_err(|e| bad(e.to_string()))?;
        let id = &row[sku];
        let number = |k: usize| {
            row[k]
                .trim()
                .parse::<f64>()
                .map_err(|_| bad(format!("line {}: `{}` is not a number", i + 2, &row[k])))
        };
        let (opening, per_day) = (number(on_hand)?, number(mean)?);
        let share: f64 = rng.random_range(0.2..1.0);
        let _ = writeln!(stock, "{id},{}", (opening * share).round());
        if rng.random_range(0.0..1.0) < 0.6 {
            let units = (per_day * 30.0).ceil().max(1.0);
            let days: i64 = rng.random_range(-5..=40);
            let eta = start
                .checked_add(jiff::Span::new().days(days))
                .map_err(|e| bad(e.to_string()))?;
            let _ = writeln!(orders, "PO-{:05},{id},{units},sea,{eta}", i + 1);
        }
    }
    std::fs::create_dir_all(out)
        .map_err(|e| Error::io(format!("cannot create {}", out.display()), e))?;
    for (name, text) in [("on_hand.csv", stock), ("open_orders.csv", orders)] {
        let p = out.join(name);
        std::fs::write(&p, text)
            .map_err(|e| Error::io(format!("cannot write {}", p.display()), e))?;
    }
    Ok(())
}
