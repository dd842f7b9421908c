//! The workloads of the `compare` program, each in its own file, behind one shape: a workload
//! turns a scheme into [`Job`]s, each of which measures one [`Point`] once and returns a
//! [`Sample`]. The runner repeats and interleaves the jobs of every scheme, and reports every
//! pass the same way (median, spread, ratio, tables, CSV, plots).
//!
//! | pass | file | measures | better |
//! |---|---|---|---|
//! | `read-side` | [`read_side`] | ns per empty read section, one thread | lower |
//! | `throughput` | [`mixes`], [`stack`] | Mops/s of the literature's mixes on each structure, and of a retire-bound stack | higher |
//! | `grace-period` | [`grace_period`] | µs per publish + `synchronize` + free with a busy reader | lower |
//! | `unreclaimed` | [`unreclaimed`] | objects retired but not yet freed, in a separate counting run | lower |
//! | `memory` | [`memory`] | peak resident memory of a child process running an update-heavy map | lower |
//! | `rcu-cell-load`, `rcu-cell-mix` | [`rcu_cell`] | `RcuCell` against arc-swap: ns per load, Mops/s of a read-mostly mix | lower, higher |
//! | `section` | [`rcu_cell`] | the typed pointers' `Section` against the scheme's guard, and a caller's section against one per call | lower |
//!
//! **Adding a workload** is one new file with a `jobs` function (and its `mod` line and its
//! line in [`jobs`] here). Adding a structure changes no workload: see [`crate::targets`].
//!
//! ```
//! use benches::workload::{self, Settings};
//! let scheme = benches::schemes::Scheme::peer::<peers::CrossbeamEpoch>();
//! let settings = Settings::quick();
//! let mut jobs = workload::jobs(&scheme, std::sync::Arc::new(|| peers::CrossbeamEpoch), &settings);
//! let job = jobs.iter_mut().find(|j| j.point.pass.id == "read-side").unwrap();
//! let sample = job.run(job.planned);
//! assert_eq!(sample.len(), 1 + job.point.pass.extras.len());
//! println!("{:.2} ns per read section", sample[0]);
//! ```

pub mod grace_period;
pub mod memory;
pub mod mixes;
pub mod rcu_cell;
pub mod read_side;
pub mod stack;
pub mod unreclaimed;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use peers::{Mapping, Op};
use reclaim::Reclaim;

use crate::schemes::Scheme;
use mixes::Mix;

/// Every job of every workload for one scheme.
///
/// ```
/// let settings = benches::workload::Settings::quick();
/// let scheme = benches::schemes::Scheme::peer::<peers::Sdd>();
/// let jobs = benches::workload::jobs(&scheme, std::sync::Arc::new(|| peers::Sdd), &settings);
/// assert!(jobs.iter().any(|j| j.point.pass.id == "throughput"));
/// ```
pub fn jobs<R: Reclaim + 'static>(
    scheme: &Scheme,
    make: Maker<R>,
    settings: &Settings,
) -> Vec<Job> {
    let mut jobs = read_side::jobs(scheme, &make, settings);
    jobs.extend(mixes::jobs(&make, settings));
    jobs.extend(stack::jobs(&make, settings));
    jobs.extend(grace_period::jobs(&make, settings));
    jobs.extend(unreclaimed::jobs(&make, settings));
    jobs.extend(memory::jobs(scheme, settings));
    jobs.extend(rcu_cell::jobs(&make, settings));
    jobs
}

/// The baseline rows and their jobs: floors measured in the same run as the schemes.
///
/// ```
/// let rows = benches::workload::baselines(&benches::workload::Settings::quick());
/// assert!(rows.iter().any(|(s, _)| s.id == "thread-local-pair"));
/// ```
pub fn baselines(settings: &Settings) -> Vec<(Scheme, Vec<Job>)> {
    let mut rows = read_side::baselines(settings);
    rows.extend(memory::baselines(settings));
    rows.extend(rcu_cell::baselines(settings));
    rows
}

/// Runs `command` (a child process that answers on one line of its stdout) and returns the
/// rest of the first line that starts with `prefix`.
///
/// # Panics
/// When the child cannot start, fails, or does not answer: that is a bug in the program, and
/// the message names `what` and says what the child printed.
///
/// ```
/// let mut echo = std::process::Command::new("echo");
/// echo.arg("answer 42");
/// assert_eq!(benches::workload::ask_child(&mut echo, "answer ", "echo"), "42");
/// ```
pub fn ask_child(command: &mut std::process::Command, prefix: &str, what: &str) -> String {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {command:?}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let answer = stdout.lines().find_map(|l| l.strip_prefix(prefix));
    match (out.status.success(), answer) {
        (true, Some(answer)) => answer.trim().to_owned(),
        _ => panic!(
            "{what}: the child failed ({}): {}{}",
            out.status,
            stdout,
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// Every pass, in the order the report shows them.
///
/// ```
/// assert_eq!(benches::workload::PASSES[0].id, "read-side");
/// ```
pub const PASSES: [&Pass; 8] = [
    &read_side::PASS,
    &mixes::PASS,
    &grace_period::PASS,
    &unreclaimed::PASS,
    &memory::PASS,
    &rcu_cell::LOAD,
    &rcu_cell::MIX,
    &rcu_cell::SECTION,
];

/// A constructor of fresh domains of one scheme.
///
/// ```
/// let make: benches::workload::Maker<srcu::Srcu> = std::sync::Arc::new(srcu::Srcu::new);
/// drop(make());
/// ```
pub type Maker<R> = Arc<dyn Fn() -> R + Send + Sync>;

/// One measurement's values: the pass's metric first, then its [`Pass::extras`] in order.
///
/// ```
/// let sample: benches::workload::Sample = vec![12.5];
/// assert_eq!(sample[0], 12.5);
/// ```
pub type Sample = Vec<f64>;

/// Whether a larger or a smaller figure is the better one.
///
/// ```
/// assert_eq!(benches::workload::Better::Higher.word(), "higher");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    /// More is better (throughput).
    Higher,
    /// Less is better (time, memory).
    Lower,
}

impl Better {
    /// `higher` or `lower`.
    ///
    /// ```
    /// assert_eq!(benches::workload::Better::Lower.word(), "lower");
    /// ```
    pub fn word(self) -> &'static str {
        match self {
            Better::Higher => "higher",
            Better::Lower => "lower",
        }
    }
}

/// A kind of measurement, with one table and one CSV file in the report.
///
/// ```
/// let pass = &benches::workload::mixes::PASS;
/// assert_eq!((pass.id, pass.unit), ("throughput", "Mops/s"));
/// ```
#[derive(Debug)]
pub struct Pass {
    /// A short identifier: CSV file name, `--pass` argument.
    pub id: &'static str,
    /// What is measured, in a few words.
    pub title: &'static str,
    /// The unit of the metric.
    pub unit: &'static str,
    /// Which direction is better.
    pub better: Better,
    /// The trait operations the pass exercises: a row whose mapping of one of them is not
    /// native is marked in the pass's table.
    pub ops: &'static [Op],
    /// Secondary values each sample carries after the metric, as `(name, unit)`.
    pub extras: &'static [(&'static str, &'static str)],
    /// What the pass measures and how, for `--help` and the docs.
    pub about: &'static str,
}

/// A short identifier and a display name.
///
/// ```
/// assert_eq!(benches::workload::Label::NONE.id, "-");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Label {
    /// For file names and CSV.
    pub id: &'static str,
    /// For tables and plots.
    pub name: &'static str,
}

impl Label {
    /// No structure or no mix.
    ///
    /// ```
    /// assert_eq!(benches::workload::Label::NONE.name, "-");
    /// ```
    pub const NONE: Label = Label { id: "-", name: "-" };
}

/// One configuration of one pass: a structure, a mix and a thread count where they apply.
///
/// ```
/// use benches::workload::{Label, Point, read_side};
/// let p = Point::new(&read_side::PASS, Label::NONE, Label::NONE, 1);
/// assert_eq!(p.threads, 1);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Point {
    /// The pass it belongs to.
    pub pass: &'static Pass,
    /// The structure, or [`Label::NONE`].
    pub structure: Label,
    /// The operation mix, or [`Label::NONE`].
    pub mix: Label,
    /// Worker threads.
    pub threads: usize,
}

impl Point {
    /// A point of `pass`.
    ///
    /// ```
    /// use benches::workload::{Label, Point, grace_period};
    /// let p = Point::new(&grace_period::PASS, Label::NONE, Label::NONE, 2);
    /// assert_eq!(p.pass.id, "grace-period");
    /// ```
    pub fn new(pass: &'static Pass, structure: Label, mix: Label, threads: usize) -> Self {
        Self {
            pass,
            structure,
            mix,
            threads,
        }
    }

    /// A key that is equal for the same configuration, across schemes.
    ///
    /// ```
    /// use benches::workload::{Label, Point, read_side};
    /// let p = Point::new(&read_side::PASS, Label::NONE, Label::NONE, 1);
    /// assert_eq!(p.key(), ("read-side", "-", "-", 1));
    /// ```
    pub fn key(&self) -> (&'static str, &'static str, &'static str, usize) {
        (self.pass.id, self.structure.id, self.mix.id, self.threads)
    }
}

/// A second row a scheme reports in one pass, such as liburcu's read side timed in C.
///
/// ```
/// let v = benches::workload::Variant { id: "inline", name: "inline C", mapping: peers::Mapping::NATIVE };
/// assert_eq!(v.id, "inline");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Variant {
    /// Appended to the scheme's id (`liburcu-memb+inline`).
    pub id: &'static str,
    /// Appended to the scheme's name.
    pub name: &'static str,
    /// The row's own mapping.
    pub mapping: Mapping,
}

/// One measurement of one point on one scheme, ready to run any number of times.
///
/// ```
/// let settings = benches::workload::Settings::quick();
/// let make: benches::workload::Maker<_> = std::sync::Arc::new(|| peers::CrossbeamEpoch);
/// let mut job = benches::workload::stack::jobs(&make, &settings).remove(0);
/// assert!(job.scalable);
/// assert!(job.run(std::time::Duration::from_millis(2))[0] > 0.0);
/// ```
pub struct Job {
    /// What it measures.
    pub point: Point,
    /// Reported as its own row, when set.
    pub variant: Option<Variant>,
    /// How long one run is meant to measure; the runner estimates time left from it.
    pub planned: Duration,
    /// Whether the runner may shorten or lengthen the run by passing another duration.
    pub scalable: bool,
    run: Box<dyn FnMut(Duration) -> Sample>,
}

impl Job {
    /// A job that measures `point` with `run(duration)`.
    ///
    /// ```
    /// use benches::workload::{Job, Label, Point, read_side};
    /// let point = Point::new(&read_side::PASS, Label::NONE, Label::NONE, 1);
    /// let mut job = Job::new(point, std::time::Duration::ZERO, false, |_| vec![1.0]);
    /// assert_eq!(job.run(job.planned), vec![1.0]);
    /// ```
    pub fn new(
        point: Point,
        planned: Duration,
        scalable: bool,
        run: impl FnMut(Duration) -> Sample + 'static,
    ) -> Self {
        Self {
            point,
            variant: None,
            planned,
            scalable,
            run: Box::new(run),
        }
    }

    /// The same job, reported as its own row.
    ///
    /// ```
    /// use benches::workload::{Job, Label, Point, Variant, read_side};
    /// let point = Point::new(&read_side::PASS, Label::NONE, Label::NONE, 1);
    /// let v = Variant { id: "x", name: "x", mapping: peers::Mapping::NATIVE };
    /// let job = Job::new(point, std::time::Duration::ZERO, false, |_| vec![1.0]).variant(v);
    /// assert!(job.variant.is_some());
    /// ```
    pub fn variant(mut self, variant: Variant) -> Self {
        self.variant = Some(variant);
        self
    }

    /// Measures once, for `duration` (ignored unless the job is scalable).
    ///
    /// ```
    /// use benches::workload::{Job, Label, Point, read_side};
    /// let point = Point::new(&read_side::PASS, Label::NONE, Label::NONE, 1);
    /// let mut job = Job::new(point, std::time::Duration::ZERO, true, |d| vec![d.as_secs_f64()]);
    /// assert_eq!(job.run(std::time::Duration::from_secs(2)), vec![2.0]);
    /// ```
    pub fn run(&mut self, duration: Duration) -> Sample {
        (self.run)(duration)
    }
}

impl core::fmt::Debug for Job {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Job")
            .field("point", &self.point.key())
            .field("planned", &self.planned)
            .finish_non_exhaustive()
    }
}

/// How long the run is, by mode.
///
/// ```
/// assert_ne!(benches::workload::Mode::Quick, benches::workload::Mode::Full);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A smoke run of seconds for tests; its figures mean nothing.
    Quick,
    /// The README's run: at most about three minutes on two cores.
    Default,
    /// The literature's 10 s points over every configuration: hours.
    Full,
}

/// How long and how large each workload runs.
///
/// ```
/// let full = benches::workload::Settings::full();
/// let quick = benches::workload::Settings::quick();
/// assert!(quick.point < full.point);
/// ```
#[derive(Clone, Debug)]
pub struct Settings {
    /// Which preset these came from.
    pub mode: Mode,
    /// Interleaved runs of every job; tables report their median and range.
    pub runs: usize,
    /// The length of one throughput point.
    pub point: Duration,
    /// When set, the runner scales every scalable job so that the planned time of the whole run
    /// fits in this budget.
    pub budget: Option<Duration>,
    /// Thread counts of the throughput pass.
    pub threads: Vec<usize>,
    /// Operation mixes of the throughput pass.
    pub mixes: Vec<Mix>,
    /// Key ranges are the literature's divided by this (1 except in quick mode).
    pub shrink: u64,
    /// Timed batches per read-side run; the run reports their median.
    pub read_batches: usize,
    /// Read sections per batch.
    pub read_iters: u64,
    /// How long one grace-period run keeps calling `synchronize`.
    pub grace_time: Duration,
    /// How long one counting run of the unreclaimed pass lasts.
    pub unreclaimed_time: Duration,
    /// How long the memory pass's child process runs its workload.
    pub memory_time: Duration,
    /// The program the memory pass runs as a child process (`compare` itself); without it the
    /// memory pass is skipped.
    pub child: Option<PathBuf>,
}

impl Settings {
    /// The README's run: three interleaved runs of every configuration, fitted into about two
    /// and a half minutes of measuring on two cores.
    ///
    /// ```
    /// assert!(benches::workload::Settings::default_mode().budget.is_some());
    /// ```
    pub fn default_mode() -> Self {
        Self {
            mode: Mode::Default,
            runs: 3,
            point: Duration::from_millis(100),
            budget: Some(Duration::from_secs(120)),
            threads: thread_counts(),
            mixes: Mix::ALL.to_vec(),
            shrink: 1,
            read_batches: 7,
            read_iters: 1_000_000,
            grace_time: Duration::from_millis(250),
            unreclaimed_time: Duration::from_millis(250),
            memory_time: Duration::from_millis(400),
            child: None,
        }
    }

    /// The literature's run: 10 s points, three interleaved runs, every configuration.
    ///
    /// ```
    /// assert_eq!(benches::workload::Settings::full().point.as_secs(), 10);
    /// ```
    pub fn full() -> Self {
        Self {
            mode: Mode::Full,
            runs: 3,
            point: Duration::from_secs(10),
            budget: None,
            read_batches: 15,
            read_iters: 5_000_000,
            grace_time: Duration::from_secs(2),
            unreclaimed_time: Duration::from_secs(10),
            memory_time: Duration::from_secs(10),
            ..Self::default_mode()
        }
    }

    /// A smoke run that finishes in seconds even in a debug build; its figures mean nothing.
    ///
    /// ```
    /// assert_eq!(benches::workload::Settings::quick().runs, 2);
    /// ```
    pub fn quick() -> Self {
        Self {
            mode: Mode::Quick,
            runs: 2,
            point: Duration::from_millis(5),
            budget: None,
            threads: vec![1, 2],
            mixes: Mix::ALL.to_vec(),
            shrink: 100,
            read_batches: 3,
            read_iters: 10_000,
            grace_time: Duration::from_millis(10),
            unreclaimed_time: Duration::from_millis(10),
            memory_time: Duration::from_millis(20),
            child: None,
        }
    }

    /// A literature key range, shrunk in quick mode.
    ///
    /// ```
    /// assert_eq!(benches::workload::Settings::quick().key_range(100_000), 1_000);
    /// ```
    pub fn key_range(&self, literature: u64) -> u64 {
        (literature / self.shrink.max(1)).max(16)
    }
}

/// 1 and 2 threads, the machine's CPU count, and twice it (past the core count).
///
/// ```
/// let t = benches::workload::thread_counts();
/// assert!(t.contains(&1) && t.contains(&(2 * num_cpus::get())));
/// ```
pub fn thread_counts() -> Vec<usize> {
    let cpus = num_cpus::get();
    let mut t = vec![1, 2, cpus, 2 * cpus];
    t.sort_unstable();
    t.dedup();
    t
}
