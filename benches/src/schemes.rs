//! The schemes the `compare` program runs, and the report it prints.
//!
//! [`for_each_scheme`] hands every scheme (this workspace's and the peers) to a
//! [`SchemeVisitor`] as a constructor of a fresh domain; [`run`] uses it to run every workload
//! of [`workload`] and collects a [`Report`].
//!
//! ```
//! struct Names(Vec<String>);
//! impl benches::schemes::SchemeVisitor for Names {
//!     fn visit<R: reclaim::Reclaim + 'static>(&mut self, name: &str, _make: &dyn Fn() -> R) {
//!         self.0.push(name.to_owned());
//!     }
//! }
//! let mut names = Names(Vec::new());
//! benches::schemes::for_each_scheme(&mut names);
//! assert!(names.0.iter().any(|n| n == "crossbeam-epoch"));
//! ```

use std::fmt::Write as _;

use reclaim::Reclaim;

use crate::baseline::{OwnedSlot, ThreadLocalPair};
use crate::peers;
use crate::workload::{self, Mix, Settings, SyncLatency, Unreclaimed};

/// The name of the scheme that (b), (c) and (d) report ratios against.
pub const PEER_BASELINE: &str = "crossbeam-epoch";

/// Receives each scheme in turn.
///
/// ```
/// struct Count(usize);
/// impl benches::schemes::SchemeVisitor for Count {
///     fn visit<R: reclaim::Reclaim + 'static>(&mut self, _: &str, _: &dyn Fn() -> R) {
///         self.0 += 1;
///     }
/// }
/// let mut c = Count(0);
/// benches::schemes::for_each_scheme(&mut c);
/// assert!(c.0 >= 2);
/// ```
pub trait SchemeVisitor {
    /// Called once per scheme with its display name and a constructor of fresh domains.
    fn visit<R: Reclaim + 'static>(&mut self, name: &str, make: &dyn Fn() -> R);
}

/// Hands every scheme to `visitor`: this workspace's schemes, then the peers (crossbeam-epoch,
/// seize, and liburcu when it was found at build time).
///
/// ```
/// struct Print;
/// impl benches::schemes::SchemeVisitor for Print {
///     fn visit<R: reclaim::Reclaim + 'static>(&mut self, name: &str, _: &dyn Fn() -> R) {
///         println!("{name}");
///     }
/// }
/// benches::schemes::for_each_scheme(&mut Print);
/// ```
pub fn for_each_scheme(visitor: &mut impl SchemeVisitor) {
    crate::ours::for_each(visitor);
    visitor.visit(PEER_BASELINE, &|| peers::CrossbeamEpoch);
    visitor.visit("seize", &peers::Seize::new);
    #[cfg(has_liburcu)]
    visitor.visit("liburcu memb", &|| peers::Liburcu);
}

/// One scheme's results.
///
/// ```
/// let row = benches::schemes::Row { name: "x".into(), pair_ns: 1.0, throughput: vec![],
///     sync: None, unreclaimed: None };
/// assert_eq!(row.name, "x");
/// ```
#[derive(Clone, Debug)]
pub struct Row {
    /// Display name.
    pub name: String,
    /// (a) ns per enter+exit.
    pub pair_ns: f64,
    /// (b) (mix, threads, Mops/s).
    pub throughput: Vec<(Mix, usize, f64)>,
    /// (c), absent for baselines.
    pub sync: Option<SyncLatency>,
    /// (d), absent for baselines.
    pub unreclaimed: Option<Unreclaimed>,
}

/// Everything one run measured.
///
/// ```
/// let report = benches::schemes::Report { rows: vec![], quick: true };
/// assert!(report.text().contains("quick"));
/// ```
#[derive(Clone, Debug)]
pub struct Report {
    /// One row per scheme, baselines first.
    pub rows: Vec<Row>,
    /// Whether this was a quick (smoke) run.
    pub quick: bool,
}

/// Runs every workload on every scheme, printing progress to stderr when `progress` is set.
struct Runner<'a> {
    settings: &'a Settings,
    rows: Vec<Row>,
    progress: bool,
    only: &'a [String],
}

impl SchemeVisitor for Runner<'_> {
    fn visit<R: Reclaim + 'static>(&mut self, name: &str, make: &dyn Fn() -> R) {
        let wanted = |pattern: &String| name.to_lowercase().contains(&pattern.to_lowercase());
        if !self.only.is_empty() && !self.only.iter().any(wanted) && name != PEER_BASELINE {
            return;
        }
        if self.progress {
            eprintln!("compare: {name}");
        }
        let s = self.settings;
        let pair_ns = workload::enter_exit_ns(&make(), s);
        let mut throughput = Vec::new();
        for mix in [Mix::ReadMostly, Mix::ReadOnly] {
            for &t in &s.threads {
                throughput.push((mix, t, workload::map_throughput(make, t, mix, s)));
            }
        }
        let sync = Some(workload::sync_latency(make, s));
        let unreclaimed = Some(workload::unreclaimed(make, s));
        self.rows.push(Row {
            name: name.to_owned(),
            pair_ns,
            throughput,
            sync,
            unreclaimed,
        });
    }
}

/// Runs the baselines and every scheme through every workload.
///
/// ```no_run
/// let report = benches::schemes::run(&benches::workload::Settings::quick(), false);
/// println!("{}", report.text());
/// ```
pub fn run(settings: &Settings, progress: bool) -> Report {
    run_only(settings, progress, &[])
}

/// Like [`run`], but only the schemes whose names contain one of `only` (case-insensitive),
/// plus the baselines and [`PEER_BASELINE`]; every scheme when `only` is empty.
///
/// ```
/// let s = benches::workload::Settings::quick();
/// let report = benches::schemes::run_only(&s, false, &["seize".to_owned()]);
/// let names: Vec<_> = report.rows.iter().map(|r| r.name.as_str()).collect();
/// assert!(names.contains(&"seize") && names.contains(&"crossbeam-epoch"));
/// assert!(!names.iter().any(|n| n.starts_with("GUS")));
/// ```
pub fn run_only(settings: &Settings, progress: bool, only: &[String]) -> Report {
    let baseline_row = |name: &str, pair_ns: f64| Row {
        name: name.to_owned(),
        pair_ns,
        throughput: Vec::new(),
        sync: None,
        unreclaimed: None,
    };
    let mut rows = vec![baseline_row(
        "baseline: thread-local pair",
        workload::time_per_call(settings, || {
            drop(core::hint::black_box(ThreadLocalPair.enter()))
        }),
    )];
    let slot = OwnedSlot::new();
    rows.push(baseline_row(
        "baseline: owned slot",
        workload::time_per_call(settings, || drop(core::hint::black_box(slot.enter()))),
    ));
    let mut runner = Runner {
        settings,
        rows,
        progress,
        only,
    };
    for_each_scheme(&mut runner);
    Report {
        rows: runner.rows,
        quick: settings.point < Settings::full().point,
    }
}

/// The first line of a text file, trimmed.
fn first_line(path: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(text.lines().next()?.trim().to_owned())
}

/// The CPU model name from `/proc/cpuinfo`, or "unknown CPU".
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

fn ratio(value: f64, base: Option<f64>) -> String {
    match base {
        Some(b) if b > 0.0 => format!("{:.2}x", value / b),
        _ => "-".to_owned(),
    }
}

/// A table: header and rows of cells.
struct Table {
    title: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn text(&self, out: &mut String) {
        let cols = self.header.len();
        let width: Vec<usize> = (0..cols)
            .map(|c| {
                self.rows
                    .iter()
                    .chain(core::iter::once(&self.header))
                    .map(|r| r[c].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let _ = writeln!(out, "{}", self.title);
        for row in core::iter::once(&self.header).chain(&self.rows) {
            let line: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(c, cell)| {
                    if c == 0 {
                        format!("{cell:<w$}", w = width[c])
                    } else {
                        format!("{cell:>w$}", w = width[c])
                    }
                })
                .collect();
            let _ = writeln!(out, "  {}", line.join("  "));
        }
        out.push('\n');
    }

    fn markdown(&self, out: &mut String) {
        let _ = writeln!(out, "**{}**\n", self.title);
        let _ = writeln!(out, "| {} |", self.header.join(" | "));
        let _ = writeln!(
            out,
            "|{}",
            self.header
                .iter()
                .enumerate()
                .map(|(c, _)| if c == 0 { "---|" } else { "---:|" })
                .collect::<String>()
        );
        for row in &self.rows {
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        out.push('\n');
    }
}

impl Report {
    fn find(&self, name: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.name == name)
    }

    fn tables(&self) -> Vec<Table> {
        let mut tables = Vec::new();
        let pair_base = self.rows.first().map(|r| r.pair_ns);
        tables.push(Table {
            title: "(a) single-thread enter+exit, ns per pair (median of batches); ratio to the \
                    thread-local pair"
                .to_owned(),
            header: vec!["scheme".into(), "ns".into(), "ratio".into()],
            rows: self
                .rows
                .iter()
                .map(|r| {
                    vec![
                        r.name.clone(),
                        format!("{:.2}", r.pair_ns),
                        ratio(r.pair_ns, pair_base),
                    ]
                })
                .collect(),
        });
        let peer = self.find(PEER_BASELINE);
        let schemes: Vec<&Row> = self.rows.iter().filter(|r| r.sync.is_some()).collect();
        for mix in [Mix::ReadMostly, Mix::ReadOnly] {
            let points: Vec<usize> = schemes
                .first()
                .map(|r| {
                    r.throughput
                        .iter()
                        .filter(|p| p.0 == mix)
                        .map(|p| p.1)
                        .collect()
                })
                .unwrap_or_default();
            let mut header = vec!["scheme".to_owned()];
            for t in &points {
                header.push(format!("{t} thr Mops/s"));
                header.push("ratio".to_owned());
            }
            let get = |r: &Row, t: usize| {
                r.throughput
                    .iter()
                    .find(|p| p.0 == mix && p.1 == t)
                    .map(|p| p.2)
            };
            tables.push(Table {
                title: format!(
                    "(b) hash map {}, Mops/s (median of runs); ratio to {PEER_BASELINE}",
                    mix.label()
                ),
                header,
                rows: schemes
                    .iter()
                    .map(|r| {
                        let mut row = vec![r.name.clone()];
                        for &t in &points {
                            let v = get(r, t).unwrap_or(0.0);
                            row.push(format!("{v:.2}"));
                            row.push(ratio(v, peer.and_then(|p| get(p, t))));
                        }
                        row
                    })
                    .collect(),
            });
        }
        let peer_sync = peer.and_then(|p| p.sync).map(|s| s.median_us);
        tables.push(Table {
            title: format!(
                "(c) publish + synchronize + free with one busy reader, µs (median); ratio to \
                 {PEER_BASELINE}"
            ),
            header: vec![
                "scheme".into(),
                "µs".into(),
                "ratio".into(),
                "samples".into(),
                "reader Mreads/s".into(),
            ],
            rows: schemes
                .iter()
                .filter_map(|r| {
                    let s = r.sync?;
                    Some(vec![
                        r.name.clone(),
                        format!("{:.2}", s.median_us),
                        ratio(s.median_us, peer_sync),
                        s.samples.to_string(),
                        format!("{:.1}", s.reader_mreads),
                    ])
                })
                .collect(),
        });
        let peer_u = peer.and_then(|p| p.unreclaimed).map(|u| u.average);
        tables.push(Table {
            title: format!(
                "(d) unreclaimed objects, 50/25/25 map run (counting pass); ratio of averages \
                 to {PEER_BASELINE}"
            ),
            header: vec![
                "scheme".into(),
                "peak".into(),
                "average".into(),
                "ratio".into(),
                "retired".into(),
            ],
            rows: schemes
                .iter()
                .filter_map(|r| {
                    let u = r.unreclaimed?;
                    Some(vec![
                        r.name.clone(),
                        u.peak.to_string(),
                        format!("{:.0}", u.average),
                        ratio(u.average, peer_u),
                        u.retired.to_string(),
                    ])
                })
                .collect(),
        });
        tables
    }

    fn preamble(&self) -> String {
        format!(
            "{} run, {} CPUs ({}), kernel {}, membarrier {}, liburcu {}{}",
            if self.quick {
                "quick (smoke; figures meaningless)"
            } else {
                "full"
            },
            num_cpus::get(),
            cpu_model(),
            first_line("/proc/sys/kernel/osrelease").unwrap_or_else(|| "unknown".to_owned()),
            if reclaim::membarrier::available() {
                "available"
            } else {
                "refused (fast/lazy modes fall back)"
            },
            if cfg!(has_liburcu) {
                "linked"
            } else {
                "not found at build time"
            },
            if cfg!(debug_assertions) {
                ", DEBUG build (figures meaningless)"
            } else {
                ""
            }
        )
    }

    /// The report as aligned plain-text tables.
    ///
    /// ```
    /// let report = benches::schemes::Report { rows: vec![], quick: false };
    /// assert!(report.text().contains("(a)"));
    /// ```
    pub fn text(&self) -> String {
        let mut out = format!("{}\n\n", self.preamble());
        for t in self.tables() {
            t.text(&mut out);
        }
        out
    }

    /// The report as markdown tables, for `docs/comparison.md`.
    ///
    /// ```
    /// let report = benches::schemes::Report { rows: vec![], quick: false };
    /// assert!(report.markdown().contains("| scheme |"));
    /// ```
    pub fn markdown(&self) -> String {
        let mut out = format!("_{}_\n\n", self.preamble());
        for t in self.tables() {
            t.markdown(&mut out);
        }
        out
    }
}
