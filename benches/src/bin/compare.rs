//! Runs every scheme (SRCU, GUS, crossbeam-epoch, seize, liburcu when installed) on the same
//! workloads behind `reclaim::Reclaim`, in one run, and prints tables with ratios against
//! baselines measured in the same run.
//!
//! ```text
//! cargo run --release -p benches --bin compare              # full run, about 1-2 minutes
//! cargo run --release -p benches --bin compare -- --quick   # smoke run, a few seconds
//! cargo run --release -p benches --bin compare -- --markdown > results.md
//! cargo run --release -p benches --bin compare -- --only srcu --only seize   # a subset
//! ```
//!
//! `--only PATTERN` (repeatable) keeps the schemes whose names contain a pattern
//! (case-insensitive); the baselines and crossbeam-epoch, the ratio baseline, always run.

use benches::workload::Settings;

fn main() {
    let mut quick = false;
    let mut markdown = false;
    let mut only = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--markdown" => markdown = true,
            "--only" => match args.next() {
                Some(pattern) => only.push(pattern),
                None => {
                    eprintln!("compare: --only needs a pattern");
                    std::process::exit(2);
                }
            },
            "-h" | "--help" => {
                println!("usage: compare [--quick] [--markdown] [--only PATTERN]...");
                return;
            }
            other => {
                eprintln!("compare: unknown argument {other:?} (try --help)");
                std::process::exit(2);
            }
        }
    }
    let settings = if quick {
        Settings::quick()
    } else {
        Settings::full()
    };
    let report = benches::schemes::run_only(&settings, true, &only);
    if markdown {
        print!("{}", report.markdown());
    } else {
        print!("{}", report.text());
    }
}
