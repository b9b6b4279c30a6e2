//! `restock run --export-history DIR`: one replication of one candidate written as the files
//! `restock fit` reads — `sales.csv` (with `stocked_out` and `stream` flags), `streams.csv`
//! (the calendar with the planner's forecasts) and `shipments.csv` (orders that arrived within
//! the horizon, with their quoted ETA) — so that fitting restock's own output can be checked
//! against the scenario's parameters.
//!
//! Sales are the units served from the shelf that day (as a shop's export records them); a
//! day is `stocked_out` when some buyer met an empty shelf. Warm-up days are included: they
//! are history like any other.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::calendar::MINUTES_PER_DAY;
use crate::engine::{Engine, Model, World};
use crate::error::{Error, InputError, Result};
use crate::metrics::RepMetrics;
use crate::scenario::Scenario;

/// The three files' contents: (name, text).
pub fn render(
    sc: &Scenario,
    candidate: Option<&str>,
    replication: u32,
) -> Result<Vec<(&'static str, Vec<u8>)>> {
    let c = match candidate {
        None => 0,
        Some(name) => sc
            .policies
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| {
                let names: Vec<String> = sc
                    .policies
                    .iter()
                    .map(|p| format!("`{}`", p.name))
                    .collect();
                Error::Input(InputError::new(format!(
                    "--candidate: no candidate named `{name}`; candidates are {}",
                    names.join(", ")
                )))
            })?,
    };
    let model = Model::new(sc);
    let mut world = World::new(&model);
    world.generate(&model, u64::from(replication));
    let mut engine = Engine::new(&model);
    engine.record_shipments(true);
    engine.record_history(true);
    let mut metrics = RepMetrics::default();
    engine.run(&model, &world, model.policy(c).as_mut(), &mut metrics);
    let (sales, short, days) = engine
        .sales_history()
        .ok_or_else(|| Error::Other("the engine kept no history".to_string()))?;
    let cal = &sc.calendar;
    let plan = &model.demand.streams;
    let mut stream_day = vec![false; sales.len()];
    let mut streams = String::from("date,start,hours,sku,forecast_units\n");
    for e in &plan.entries {
        let d = e.start.day() as usize;
        if d < days {
            stream_day[e.sku * days + d] = true;
        }
        let minute = e.start.0 % MINUTES_PER_DAY;
        let hours = f64::from(sc.streams.streams[e.stream].duration) / 60.0;
        let _ = writeln!(
            streams,
            "{},{:02}:{:02},{hours},{},{}",
            cal.date(e.start.day()),
            minute / 60,
            minute % 60,
            sc.skus[e.sku].id,
            e.forecast
        );
    }
    let mut out = String::from("date,sku,units,stocked_out,stream\n");
    for day in 0..days {
        let date = cal.date(day as u32);
        for (i, sku) in sc.skus.iter().enumerate() {
            let k = i * days + day;
            let _ = writeln!(
                out,
                "{date},{},{},{},{}",
                sku.id,
                sales[k],
                u8::from(short[k]),
                u8::from(stream_day[k])
            );
        }
    }
    let mut ships = String::from("po,lane,ordered,quoted_eta,arrived,sku,units\n");
    for (n, s) in engine.shipments().iter().enumerate() {
        if s.sellable_day >= cal.horizon_days {
            continue;
        }
        let _ = writeln!(
            ships,
            "S{n:06},{},{},{},{},{},{}",
            sc.lanes[s.leg.lane].id,
            cal.date(s.ordered.floor() as u32),
            cal.date(s.quote.eta_day),
            cal.date(s.sellable_day),
            sc.skus[s.sku].id,
            s.leg.qty
        );
    }
    Ok(vec![
        ("sales.csv", out.into_bytes()),
        ("streams.csv", streams.into_bytes()),
        ("shipments.csv", ships.into_bytes()),
    ])
}

/// Renders and writes the history files into `dir`.
pub fn write(
    dir: &Path,
    sc: &Scenario,
    candidate: Option<&str>,
    replication: u32,
) -> Result<Vec<PathBuf>> {
    let files = render(sc, candidate, replication)?;
    super::write_files(dir, &files)
}
