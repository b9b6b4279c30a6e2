//! The command line: `restock run`, `restock validate`, `restock merge` and `restock advise`.
//!
//! Flags are parsed by clap (a malformed flag is exit 2 with clap's message), turned into a
//! validated scenario plus run options, and handed to the library. Nothing here simulates or
//! formats results; it only wires the pieces and reports.

// The argument structs' doc comments are clap's `--help` text, where `<scenario file stem>`
// is a placeholder for the user, not HTML.
#![allow(rustdoc::invalid_html_tags)]

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, InputError, Result};
use crate::experiment::{self, Partial, RunOptions, Shard};
use crate::report::{self, Summary};
use crate::scenario::{self, Scenario};

#[derive(Debug, Parser)]
#[command(
    name = "restock",
    version,
    about = "Monte Carlo replenishment simulator for cross-border live-stream sellers"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate every candidate policy of a scenario and write the summary, capital tables,
    /// plots and report.html.
    Run(RunArgs),
    /// Check a scenario file (and any --set overrides) without running it.
    Validate(ValidateArgs),
    /// Combine the partial results of `run --shard` into exactly the outputs one process
    /// would have written.
    Merge(MergeArgs),
    /// Today's purchase orders from the scenario's state (orders.csv), and their effect on
    /// the same simulated futures with vs without them (advice.csv).
    Advise(AdviseArgs),
    /// Fit demand and lead-time parameters from the shop's sales and shipment history:
    /// writes catalog.csv, report.html and, with --shipments, lanes.yaml.
    Fit(FitArgs),
    /// Search the thresholds of the scenario's `tune:` policy adaptively (per category) on
    /// common random numbers; write tune.json, tuned.yaml and the confirmation's report.
    Tune(TuneArgs),
}

#[derive(Debug, Args)]
pub struct TuneArgs {
    /// The scenario file (YAML) with a `tune:` block.
    pub scenario: PathBuf,
    /// Output folder [default: output/<scenario file stem>-tune/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Random seed, overriding the scenario's `seed`.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Replications per candidate at most, overriding `tune.max_replications`.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..=i64::from(scenario::MAX_REPLICATIONS)))]
    pub max_replications: Option<u32>,
    /// Override one scenario value by its dotted path, as for `run`.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// No progress and no summary; errors are still reported.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct AdviseArgs {
    /// The scenario file (YAML).
    pub scenario: PathBuf,
    /// The candidate policy that decides [default: the scenario's first].
    #[arg(long, value_name = "NAME")]
    pub policy: Option<String>,
    /// Replications, overriding the scenario's `replications`.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i64::from(scenario::MAX_REPLICATIONS)))]
    pub replications: Option<u32>,
    /// Random seed, overriding the scenario's `seed`.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Output folder [default: output/<scenario file stem>/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Override one scenario value by its dotted path, as for `run`.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// No order list on the terminal; errors are still reported.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct FitArgs {
    /// Sales export: `date,sku,units`, optional `stocked_out` and `stream` (0/1).
    pub sales: PathBuf,
    /// Stream calendar: `date,start,hours,sku,forecast_units`.
    #[arg(long, value_name = "STREAMS.csv")]
    pub streams: Option<PathBuf>,
    /// Product master: the catalog's product columns (and optional `launch_date`).
    #[arg(long, value_name = "PRODUCTS.csv")]
    pub products: Option<PathBuf>,
    /// Past shipments: `po,lane,ordered,quoted_eta,arrived`, optional `sku`, `units`.
    #[arg(long, value_name = "SHIPMENTS.csv")]
    pub shipments: Option<PathBuf>,
    /// Where to write catalog.csv, report.html and lanes.yaml.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// First day of the history used [default: the sales file's first date].
    #[arg(long, value_name = "DATE")]
    pub from: Option<jiff::civil::Date>,
    /// Last day of the history used [default: the sales file's last date].
    #[arg(long, value_name = "DATE")]
    pub to: Option<jiff::civil::Date>,
    /// What to do with negative units (returns): `error` or `ignore`.
    #[arg(long, value_name = "error|ignore", default_value = "error", value_parser = ["error", "ignore"])]
    pub returns: String,
    /// No summary; errors are still reported.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Output folders of the shards (each holds a partial.json).
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Where to write the combined outputs.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// No table; errors are still reported.
    #[arg(long, short)]
    pub quiet: bool,
    /// Every candidate, metric and SKU at risk in the terminal output.
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (YAML).
    pub scenario: PathBuf,
    /// Output folder [default: output/<scenario file stem>/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replications, overriding the scenario's `replications`.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i64::from(scenario::MAX_REPLICATIONS)))]
    pub replications: Option<u32>,
    /// Random seed, overriding the scenario's `seed`.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Override one scenario value by its dotted path, e.g. `policies.0.reorder_point=150`.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// SKU whose on-hand units are charted, overriding the scenario's `report.plot_sku`.
    #[arg(long, value_name = "SKU")]
    pub plot_sku: Option<String>,
    /// Run only part K of N of the replications and write a partial result (`partial.json`)
    /// for `restock merge`: `K/N`, `auto` (Slurm job arrays) or `auto/N` (Kubernetes Indexed
    /// Jobs).
    #[arg(long, value_name = "K/N|auto|auto/N")]
    pub shard: Option<String>,
    /// Run only this what-if variant of the scenario's `variants:` (repeatable) [default:
    /// every variant].
    #[arg(long = "variant", value_name = "NAME")]
    pub variant: Vec<String>,
    /// Write the stockout-risk register (risk.csv, stream_risk.csv, first_stockout.csv) even
    /// without a `state:` (runs from a state always write it).
    #[arg(long)]
    pub risk: bool,
    /// Also write one replication's history (sales.csv, streams.csv, shipments.csv) in the
    /// formats `restock fit` reads.
    #[arg(long, value_name = "DIR")]
    pub export_history: Option<PathBuf>,
    /// Candidate whose history is exported [default: the first].
    #[arg(long, value_name = "NAME", requires = "export_history")]
    pub candidate: Option<String>,
    /// Replication whose history is exported.
    #[arg(
        long,
        value_name = "K",
        default_value_t = 0,
        requires = "export_history"
    )]
    pub replication: u32,
    /// No progress bar and no table; errors are still reported.
    #[arg(long, short)]
    pub quiet: bool,
    /// Every candidate, metric and SKU at risk in the terminal output (not only the top ten
    /// candidates and the metrics that apply to the scenario).
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The scenario file (YAML).
    pub scenario: PathBuf,
    /// Override one scenario value by its dotted path, as for `run`.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

/// Entry point of the binary: parse, execute, map errors to exit codes.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let head = e.to_string();
            eprintln!("error: {head}");
            // A cause the message already quotes (an I/O error's "Not a directory") is not
            // printed again.
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                let text = s.to_string();
                if !head.contains(&text) {
                    eprintln!("  caused by: {text}");
                }
                source = s.source();
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// Loads a scenario and prints its warnings (what was accepted but does not apply) to stderr.
fn load_scenario(
    path: &std::path::Path,
    set: &[String],
) -> std::result::Result<Scenario, InputError> {
    let sc = scenario::load(path, set)?;
    for w in sc.all_warnings() {
        eprintln!("warning: {w}");
    }
    Ok(sc)
}

pub fn execute(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Validate(args) => {
            let sc = load_scenario(&args.scenario, &args.set)?;
            println!(
                "ok: {}: scenario \"{}\": {} SKU(s), {} lane(s), {} candidate(s), {} days ({} warm-up), {} replications",
                args.scenario.display(),
                sc.name,
                sc.skus.len(),
                sc.lanes.len(),
                sc.policies.len(),
                sc.calendar.horizon_days,
                sc.calendar.warmup_days,
                sc.replications
            );
            Ok(())
        }
        Command::Run(args) => run(args),
        Command::Merge(args) => merge(args),
        Command::Advise(args) => advise(args),
        Command::Fit(args) => fit(args),
        Command::Tune(args) => tune(args),
    }
}

fn advise(args: AdviseArgs) -> Result<()> {
    let mut sc = load_scenario(&args.scenario, &args.set)?;
    if let Some(n) = args.replications {
        sc.replications = n;
    }
    if let Some(s) = args.seed {
        sc.seed = s;
    }
    let out_dir = match &args.out {
        Some(d) => d.clone(),
        None => default_out_dir(&sc)?,
    };
    let opts = crate::advise::AdviseOptions {
        policy: args.policy.clone(),
        threads: args
            .threads
            .map(usize::from)
            .unwrap_or_else(rayon::current_num_threads),
    };
    let advice = crate::advise::advise(&sc, &opts)?;
    advice.write(&out_dir)?;
    if !args.quiet {
        print!("{}", advice.render_table());
        println!(
            "restock: orders.csv and advice.csv written to {}",
            out_dir.display()
        );
    }
    Ok(())
}

fn fit(args: FitArgs) -> Result<()> {
    let input = crate::fit::FitInput {
        sales: args.sales,
        streams: args.streams,
        products: args.products,
        shipments: args.shipments,
        from: args.from,
        to: args.to,
        returns: if args.returns == "ignore" {
            crate::fit::Returns::Ignore
        } else {
            crate::fit::Returns::Error
        },
    };
    let fitted = crate::fit::run(&input)?;
    crate::fit::write_outputs(&args.out, &fitted)?;
    if !args.quiet {
        print!("{}", crate::fit::render_summary(&fitted));
        println!(
            "restock fit: outputs written to {} (open {} in a browser)",
            args.out.display(),
            args.out.join("report.html").display()
        );
    }
    Ok(())
}

fn run(args: RunArgs) -> Result<()> {
    let mut sc = load_scenario(&args.scenario, &args.set)?;
    if let Some(n) = args.replications {
        sc.replications = n;
    }
    if let Some(s) = args.seed {
        sc.seed = s;
    }
    if let Some(id) = &args.plot_sku {
        sc.set_chart_sku(id)?;
    }
    sc.state.risk |= args.risk;
    let shard = match &args.shard {
        None => None,
        Some(text) => Some(Shard::parse(text, |k| std::env::var(k).ok())?),
    };
    let variants = crate::whatif::select(&sc, &args.variant).map_err(|e| e.in_file(&sc.file))?;
    let out_dir = match &args.out {
        Some(d) => d.clone(),
        None => default_out_dir(&sc)?,
    };
    if let Some(dir) = &args.export_history {
        crate::fit::export::write(dir, &sc, args.candidate.as_deref(), args.replication)?;
        if !args.quiet {
            eprintln!(
                "restock: replication {} of candidate {} exported to {}",
                args.replication,
                args.candidate.as_deref().unwrap_or(&sc.policies[0].name),
                dir.display()
            );
        }
    }
    report::check_out_dir(&out_dir)?;
    let threads = args
        .threads
        .map(usize::from)
        .unwrap_or_else(rayon::current_num_threads);
    if !args.quiet {
        eprintln!(
            "restock: {} — {} candidate(s) × {} replications × {} SKU(s) × {} days on {} thread(s)",
            sc.name,
            sc.policies.len(),
            sc.replications,
            sc.skus.len(),
            sc.calendar.horizon_days,
            threads
        );
    }
    let opts = RunOptions {
        threads,
        progress: !args.quiet && std::io::stderr().is_terminal(),
    };
    if let Some(shard) = shard {
        if variants.is_empty() {
            // A variants file left by an earlier run in this folder would be merged as if
            // this run had made it.
            let _ = std::fs::remove_file(out_dir.join(crate::whatif::VARIANT_PARTIAL_FILE));
            experiment::run_shard(&sc, &opts, shard)?.save(&out_dir)?;
        } else {
            let (base, with) = crate::whatif::run_shard(&sc, &variants, &opts, shard)?;
            with.save(&out_dir)?;
            base.save(&out_dir)?;
        }
        if !args.quiet {
            println!(
                "restock: shard {}/{} written to {}",
                shard.index,
                shard.count,
                out_dir.join(experiment::PARTIAL_FILE).display()
            );
        }
        return Ok(());
    }
    let mut summary = if variants.is_empty() {
        Summary::new(&sc, experiment::run_full(&sc, &opts)?)
    } else {
        let out = crate::whatif::run(&sc, &variants, &opts)?;
        Summary::new(&sc, out.base).with_variants(out.variants, out.hits)
    };
    crate::combined::attach(&sc, &mut summary, &opts)?;
    report::write_outputs(&out_dir, &summary)?;
    for w in summary.hit_warnings() {
        eprintln!("warning: {w}");
    }
    if !args.quiet {
        print!("{}", report::render_table_for(&summary, args.verbose));
        // Two lines: a long output path should not push the table's neighbour past 100 columns.
        println!(
            "restock: outputs written to {}\nrestock: open {} in a browser",
            out_dir.display(),
            out_dir.join("report.html").display()
        );
    }
    Ok(())
}

fn merge(args: MergeArgs) -> Result<()> {
    let parts = args
        .dirs
        .iter()
        .map(|d| Partial::load(d))
        .collect::<Result<Vec<_>>>()?;
    let first = &parts[0];
    // The run is rebuilt from its scenario exactly as the shards loaded it.
    let mut sc = load_scenario(&first.scenario, &first.overrides)?;
    sc.replications = first.replications;
    sc.seed = first.seed;
    if first.chart_sku >= sc.skus.len() {
        return Err(Error::Input(InputError::new(format!(
            "{}: the charted SKU does not exist in {}",
            args.dirs[0].display(),
            first.scenario.display()
        ))));
    }
    sc.report.chart_sku = first.chart_sku;
    sc.state.risk |= first.has_risk();
    let with: Vec<_> = args
        .dirs
        .iter()
        .zip(&parts)
        .map(|(d, p)| Ok(crate::whatif::VariantPartial::load(d)?.map(|v| (p.shard, v))))
        .collect::<Result<Vec<_>>>()?;
    if with.iter().any(Option::is_some) && with.iter().any(Option::is_none) {
        return Err(Error::Input(InputError::new(
            "some shards ran what-if variants and others did not: rerun them with the same --variant flags",
        )));
    }
    let with: Vec<_> = with.into_iter().flatten().collect();
    let outcome = experiment::merge(&sc, parts)?;
    let mut summary = if with.is_empty() {
        Summary::new(&sc, outcome)
    } else {
        let out = crate::whatif::merge(&sc, outcome, with)
            .map_err(|m| Error::Input(InputError::new(m)))?;
        Summary::new(&sc, out.base).with_variants(out.variants, out.hits)
    };
    let opts = RunOptions {
        threads: rayon::current_num_threads(),
        progress: false,
    };
    crate::combined::attach(&sc, &mut summary, &opts)?;
    report::write_outputs(&args.out, &summary)?;
    for w in summary.hit_warnings() {
        eprintln!("warning: {w}");
    }
    if !args.quiet {
        print!("{}", report::render_table_for(&summary, args.verbose));
        // Two lines: a long output path should not push the table's neighbour past 100 columns.
        println!(
            "restock: outputs written to {}\nrestock: open {} in a browser",
            args.out.display(),
            args.out.join("report.html").display()
        );
    }
    Ok(())
}

fn tune(args: TuneArgs) -> Result<()> {
    let mut sc = load_scenario(&args.scenario, &args.set)?;
    if let Some(s) = args.seed {
        sc.seed = s;
    }
    let Some(spec) = sc.tune.as_mut() else {
        return Err(Error::Input(
            InputError::new("no `tune:` block to run; see docs/tune.md").in_file(&args.scenario),
        ));
    };
    if let Some(n) = args.max_replications {
        spec.max_replications = n;
    }
    let out_dir = match &args.out {
        Some(d) => d.clone(),
        None => {
            let mut d = default_out_dir(&sc)?;
            d.as_mut_os_string().push("-tune");
            d
        }
    };
    let opts = crate::tune::TuneOptions {
        threads: args
            .threads
            .map(usize::from)
            .unwrap_or_else(rayon::current_num_threads),
        progress: !args.quiet,
    };
    let t = crate::tune::run(&sc, &opts, &out_dir)?;
    if !args.quiet {
        print!("{}", crate::tune::render_terminal(&sc, &t));
        println!(
            "restock: outputs written to {} (tune.json, tuned.yaml, report.html)",
            out_dir.display()
        );
    }
    Ok(())
}

fn default_out_dir(sc: &Scenario) -> Result<PathBuf> {
    let stem = sc.file.file_stem().ok_or_else(|| {
        Error::Input(InputError::new(format!(
            "cannot derive an output folder name from {}; pass --out",
            sc.file.display()
        )))
    })?;
    Ok(PathBuf::from("output").join(stem))
}
