//! Runs every scheme (SRCU, GUS, crossbeam-epoch, seize, liburcu when installed) on the same
//! workloads behind `reclaim::Reclaim`, in one run, and prints tables with ratios against
//! baselines measured in the same run.
//!
//! ```text
//! cargo run --release -p benches --bin compare              # full run, about 1-2 minutes
//! cargo run --release -p benches --bin compare -- --quick   # smoke run, a few seconds
//! cargo run --release -p benches --bin compare -- --markdown > results.md
//! ```

use benches::workload::Settings;

fn main() {
    let mut quick = false;
    let mut markdown = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quick" => quick = true,
            "--markdown" => markdown = true,
            "-h" | "--help" => {
                println!("usage: compare [--quick] [--markdown]");
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
    let report = benches::schemes::run(&settings, true);
    if markdown {
        print!("{}", report.markdown());
    } else {
        print!("{}", report.text());
    }
}
