//! `compare`: every scheme of the workspace and its peers on the same workloads, behind
//! `reclaim::Reclaim`, in one run; tables, CSV, SVG plots, JSON and SUMMARY lines. Run
//! `compare --help` for the options and passes.

mod context;
mod files;
mod plot;
mod replot;
mod report;
mod runner;
mod svg;

use std::path::PathBuf;
use std::time::Duration;

use benches::workload::{self, Settings, memory, mixes::Mix};

use runner::Filter;

const HELP: &str = "\
compare: this workspace's reclamation schemes next to their peers (crossbeam-epoch, seize,
sdd, and liburcu when it was found at build time), on the same code behind reclaim::Reclaim,
in one run.

USAGE
    cargo run --release -p benches --bin compare -- [OPTIONS]

MODES (pick at most one)
    (default)        about three minutes on two cores: every pass, three interleaved runs of
                     every configuration; throughput points are shortened to fit the budget
                     (the preamble says how long they were).
    --full           the literature's run: 10 s throughput points, three interleaved runs, every
                     configuration. Hours (the start says how many), on a quiet machine.
                     (docs/comparison.md shows a run of --seconds 0.5 --runs 3.)
    --quick          a smoke run of seconds (tiny key ranges, 5 ms points); its figures mean
                     nothing. The tests use it.

SELECTION
    --only PATTERN   keep the schemes whose id or name contains PATTERN (case-insensitive;
                     repeatable). The ratio baseline (crossbeam-epoch) and the floors always run.
    --pass ID        run only this pass (repeatable): read-side, throughput, grace-period,
                     unreclaimed, memory, rcu-cell-load, rcu-cell-mix, section.
    --threads LIST   thread counts of the throughput pass, e.g. 1,2,8 (default: 1, 2, the CPU
                     count and twice it).
    --mix LIST       mixes of the throughput pass: read-only, 90/5/5, 50/25/25, 0/50/50.
    --runs N         interleaved runs of every configuration (default 3).
    --seconds S      length of one throughput point, in seconds (turns the budget off).
    --in-process     run the throughput points in this process; by default each runs in a
                     fresh child process (this program again), so that no point inherits the
                     heap that earlier points left behind.

OUTPUT
    Aligned tables go to stdout, then one SUMMARY line per scheme.
    --markdown       the tables as markdown instead.
    --json           one JSON document on stdout instead of the tables (the SUMMARY lines are
                     inside it, and also printed to stderr).
    --csv DIR        where the CSV files go (default: target/compare): one per pass, tidy,
                     one row per scheme x structure x mix x threads, with every run's value,
                     each row ending with the run's started_utc; and run.json, the run's
                     context (time, command, mode, runs, point length, commit, CPU, CPU count,
                     kernel, membarrier, liburcu, build), which the preamble also prints.
    --plots DIR      where the SVG charts go (default: the CSV directory): ratios.svg first
                     (every scheme's throughput ratio to crossbeam-epoch in every cell), a
                     throughput chart per structure and mix, a bar chart per one-point pass.
                     Each carries the run's context in its footer and <desc>.
    --no-files       write no CSV and no SVG.
    --replot DIR     run nothing: redraw the charts of the run whose CSV files (and run.json)
                     are in DIR, into --plots DIR (default: DIR), with this version's charts.
    --list           print the ids of the schemes in this build and exit.
    -h, --help       this text.
    A progress bar with the running workload and the time left is drawn on stderr when it is
    a terminal.

HOW TO READ THE FIGURES
    Runs are interleaved: for each run, each configuration, every scheme once (A B C A B C),
    so that a noisy machine's drifts hit every scheme alike. Each throughput point starts from
    a fresh process, so that every scheme starts from the same heap. Each cell is the median of the
    runs with their range [min-max]. Each ratio is taken against crossbeam-epoch from the
    same round of runs, and the cell shows the median of those per-round ratios: + when the
    scheme was better in every round, - when worse in every round, ~ (a tie) when the ratios'
    range includes 1.00. Every table says whether higher or lower is better. The mapping
    column says where a peer's operation is not its own: adapted (its operation plus work the
    trait forces, such as an allocation), emulated (built from others, such as a grace period
    waited for with a sentinel), or partial; and where a row is not a trait operation at all:
    direct (the scheme's own API, such as a registered reader handle or liburcu's inline C read
    side). The notes under the table say how.

PASSES
";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(memory::CHILD_FLAG) {
        if let Err(e) = memory::child_main(&args[1..]) {
            eprintln!("compare (memory child): {e}");
            std::process::exit(2);
        }
        return;
    }
    if args.first().map(String::as_str) == Some(runner::JOB_CHILD_FLAG) {
        if let Err(e) = job_child_main(&args[1..]) {
            eprintln!("compare (job child): {e}");
            std::process::exit(2);
        }
        return;
    }
    if args.first().map(String::as_str) == Some("--replot") {
        let [_, dir, rest @ ..] = args.as_slice() else {
            eprintln!("compare: --replot needs a directory (try --help)");
            std::process::exit(2);
        };
        let plots = match rest {
            [] => PathBuf::from(dir),
            [flag, plots] if flag == "--plots" => PathBuf::from(plots),
            _ => {
                eprintln!("compare: --replot DIR takes only --plots DIR after it");
                std::process::exit(2);
            }
        };
        match replot::replot(std::path::Path::new(dir), &plots) {
            Ok(written) => println!(
                "compare: {} SVG charts redrawn in {}",
                written.len(),
                plots.display()
            ),
            Err(e) => {
                eprintln!("compare: {e}");
                std::process::exit(1);
            }
        }
        return;
    }
    let options = match Options::parse(&args) {
        Ok(Some(o)) => o,
        Ok(None) => return,
        Err(e) => {
            eprintln!("compare: {e} (try --help)");
            std::process::exit(2);
        }
    };
    let isolation = (!options.in_process)
        .then(|| {
            options.settings.child.clone().map(|exe| runner::Isolation {
                exe,
                args: args.clone(),
            })
        })
        .flatten();
    run(options, isolation.as_ref(), &args);
}

/// A child that runs one job: `SCHEME-ID JOB-INDEX NANOSECONDS -- PARENT-OPTIONS...`.
fn job_child_main(args: &[String]) -> Result<(), String> {
    let [scheme_id, index, nanos, separator, parent @ ..] = args else {
        return Err("expected SCHEME-ID JOB-INDEX NANOSECONDS -- OPTIONS".to_owned());
    };
    if separator != "--" {
        return Err(format!(
            "expected -- before the options, found {separator:?}"
        ));
    }
    let index = index
        .parse()
        .map_err(|_| format!("bad job index {index:?}"))?;
    let nanos = nanos
        .parse()
        .map_err(|_| format!("bad duration {nanos:?}"))?;
    let options = Options::parse(parent)?.ok_or("the parent's options asked for no run")?;
    runner::run_job_child(
        &options.settings,
        scheme_id,
        index,
        Duration::from_nanos(nanos),
    )
}

/// The parsed command line.
struct Options {
    settings: Settings,
    filter: Filter,
    /// Run the throughput points in this process instead of a child each.
    in_process: bool,
    markdown: bool,
    json: bool,
    csv: Option<PathBuf>,
    plots: Option<PathBuf>,
}

impl Options {
    /// `Ok(None)` when the command was answered already (`--help`, `--list`).
    fn parse(args: &[String]) -> Result<Option<Options>, String> {
        let mut mode = None;
        let mut set_mode = |m: &str| match mode.replace(m.to_owned()) {
            Some(old) if old != m => Err(format!("{old} and {m} cannot be combined")),
            _ => Ok(()),
        };
        let mut filter = Filter {
            only: Vec::new(),
            passes: Vec::new(),
        };
        let (mut threads, mut mixes, mut runs, mut seconds) = (None, None, None, None);
        let (mut markdown, mut json, mut no_files, mut in_process) = (false, false, false, false);
        let (mut csv, mut plots) = (None, None);
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = || {
                it.next()
                    .cloned()
                    .ok_or_else(|| format!("{arg} needs a value"))
            };
            match arg.as_str() {
                "-h" | "--help" => {
                    print!("{}", help());
                    return Ok(None);
                }
                "--list" => {
                    for s in benches::schemes::all() {
                        println!("{:<22} {}", s.id, s.name);
                    }
                    eprintln!("liburcu: {}", peers::liburcu::status());
                    return Ok(None);
                }
                "--quick" | "--full" => set_mode(arg)?,
                "--only" => filter.only.push(value()?),
                "--pass" => {
                    let pass = value()?;
                    if !workload::PASSES.iter().any(|p| p.id == pass) {
                        return Err(format!("no pass named {pass:?}"));
                    }
                    filter.passes.push(pass);
                }
                "--threads" => threads = Some(list(&value()?, |t| t.parse::<usize>().ok())?),
                "--mix" => mixes = Some(list(&value()?, Mix::parse)?),
                "--runs" => {
                    runs = Some(
                        value()?
                            .parse::<usize>()
                            .map_err(|_| "--runs needs a count")?,
                    )
                }
                "--seconds" => {
                    let s: f64 = value()?.parse().map_err(|_| "--seconds needs a number")?;
                    if !(s > 0.0 && s.is_finite()) {
                        return Err("--seconds needs a positive number".to_owned());
                    }
                    seconds = Some(Duration::from_secs_f64(s));
                }
                "--markdown" => markdown = true,
                "--json" => json = true,
                "--csv" => csv = Some(PathBuf::from(value()?)),
                "--plots" => plots = Some(PathBuf::from(value()?)),
                "--no-files" => no_files = true,
                "--in-process" => in_process = true,
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        let mut settings = match mode.as_deref() {
            Some("--quick") => Settings::quick(),
            Some("--full") => Settings::full(),
            _ => Settings::default_mode(),
        };
        if let Some(t) = threads {
            settings.threads = t;
        }
        if let Some(m) = mixes {
            settings.mixes = m;
        }
        if let Some(r) = runs {
            settings.runs = r.max(1);
        }
        if let Some(s) = seconds {
            settings.point = s;
            settings.budget = None;
        }
        settings.child = std::env::current_exe().ok();
        let csv = (!no_files).then(|| csv.unwrap_or_else(|| PathBuf::from("target/compare")));
        let plots = csv.as_ref().map(|c| plots.unwrap_or_else(|| c.clone()));
        Ok(Some(Options {
            settings,
            filter,
            in_process,
            markdown,
            json,
            csv,
            plots,
        }))
    }
}

/// A comma-separated list, each item parsed by `parse`.
fn list<T>(text: &str, parse: impl Fn(&str) -> Option<T>) -> Result<Vec<T>, String> {
    text.split(',')
        .map(|item| parse(item.trim()).ok_or_else(|| format!("cannot read {item:?} in {text:?}")))
        .collect()
}

fn help() -> String {
    let mut text = HELP.to_owned();
    for pass in workload::PASSES {
        text.push_str(&format!(
            "    {} ({}, {} is better)\n{}\n",
            pass.id,
            pass.unit,
            pass.better.word(),
            wrap(pass.about, 8, 92)
        ));
    }
    text
}

/// `text` wrapped at `width` columns, each line indented by `indent`.
fn wrap(text: &str, indent: usize, width: usize) -> String {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("one line at least");
        if !line.is_empty() && indent + line.len() + 1 + word.len() > width {
            lines.push(word.to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
        .iter()
        .map(|l| format!("{}{l}", " ".repeat(indent)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn run(options: Options, isolation: Option<&runner::Isolation>, args: &[String]) {
    let Options { json, markdown, .. } = options;
    if peers::Liburcu::try_new().is_err() {
        eprintln!(
            "compare: liburcu is not part of this run: {}",
            peers::liburcu::status()
        );
    }
    let schemes = runner::kept_schemes(&options.filter);
    let started = std::time::SystemTime::now();
    let results = runner::run(options.settings, &options.filter, isolation);
    let cells = report::cells(&results);
    let summary = report::summary_lines(&results, &cells, &schemes);
    let context = context::Context::gather(&results, started, args);

    if json {
        print!("{}", files::json(&results, &cells, &context, &summary));
        for line in &summary {
            eprintln!("{line}");
        }
    } else {
        let mut out = String::new();
        let preamble = context.preamble();
        if markdown {
            out.push_str(&format!("_{preamble}_\n\n"));
        } else {
            out.push_str(&format!("{preamble}\n\n"));
        }
        for table in report::tables(&results, &cells) {
            if markdown {
                table.markdown(&mut out);
            } else {
                table.text(&mut out);
            }
        }
        print!("{out}");
        for line in &summary {
            println!("{line}");
        }
    }
    let mut said = Vec::new();
    if let Some(dir) = &options.csv {
        match files::write_csv(dir, &results, &cells, &context) {
            Ok(written) => said.push(format!(
                "{} CSV files and run.json in {}",
                written.len(),
                dir.display()
            )),
            Err(e) => eprintln!("compare: cannot write CSV files to {}: {e}", dir.display()),
        }
    }
    if let Some(dir) = &options.plots {
        match plot::write_svgs(dir, &results, &cells, &context) {
            Ok(written) => said.push(format!("{} SVG charts in {}", written.len(), dir.display())),
            Err(e) => eprintln!("compare: cannot draw the charts in {}: {e}", dir.display()),
        }
    }
    let done = format!(
        "compare: finished in {:.0} s{}{}",
        results.elapsed.as_secs_f64(),
        if said.is_empty() { "" } else { "; " },
        said.join("; ")
    );
    if json {
        eprintln!("{done}");
    } else {
        println!("{done}");
    }
}
