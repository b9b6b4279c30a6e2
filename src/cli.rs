//! The command line: `restock run`, `restock validate` and `restock merge`.
//!
//! Flags are parsed by clap (a malformed flag is exit 2 with clap's message), turned into a
//! validated scenario plus run options, and handed to the library. Nothing here simulates or
//! formats results; it only wires the pieces and reports.

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
    /// No progress bar and no table; errors are still reported.
    #[arg(long, short)]
    pub quiet: bool,
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
            eprintln!("error: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            ExitCode::from(e.exit_code())
        }
    }
}

pub fn execute(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Validate(args) => {
            let sc = scenario::load(&args.scenario, &args.set)?;
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
        Command::Tune(args) => tune(args),
    }
}

fn run(args: RunArgs) -> Result<()> {
    let mut sc = scenario::load(&args.scenario, &args.set)?;
    if let Some(n) = args.replications {
        sc.replications = n;
    }
    if let Some(s) = args.seed {
        sc.seed = s;
    }
    if let Some(id) = &args.plot_sku {
        sc.set_chart_sku(id)?;
    }
    let shard = match &args.shard {
        None => None,
        Some(text) => Some(
            Shard::parse(text, |k| std::env::var(k).ok())
                .map_err(|m| Error::Input(InputError::new(format!("--shard: {m}"))))?,
        ),
    };
    let out_dir = match &args.out {
        Some(d) => d.clone(),
        None => default_out_dir(&sc)?,
    };
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
        experiment::run_shard(&sc, &opts, shard)?.save(&out_dir)?;
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
    let outcome = experiment::run_full(&sc, &opts)?;
    let mut summary = Summary::new(&sc, outcome);
    crate::combined::attach(&sc, &mut summary, &opts)?;
    report::write_outputs(&out_dir, &summary)?;
    if !args.quiet {
        print!("{}", report::render_table(&summary));
        println!(
            "restock: outputs written to {} (open {} in a browser)",
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
    let mut sc = scenario::load(&first.scenario, &first.overrides)?;
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
    let outcome = experiment::merge(&sc, parts).map_err(|m| Error::Input(InputError::new(m)))?;
    let mut summary = Summary::new(&sc, outcome);
    let opts = RunOptions {
        threads: rayon::current_num_threads(),
        progress: false,
    };
    crate::combined::attach(&sc, &mut summary, &opts)?;
    report::write_outputs(&args.out, &summary)?;
    if !args.quiet {
        print!("{}", report::render_table(&summary));
        println!(
            "restock: outputs written to {} (open {} in a browser)",
            args.out.display(),
            args.out.join("report.html").display()
        );
    }
    Ok(())
}

fn tune(args: TuneArgs) -> Result<()> {
    let mut sc = scenario::load(&args.scenario, &args.set)?;
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
