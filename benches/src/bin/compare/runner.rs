//! Plans every job of every row, fits the plan into the time budget, and runs it interleaved:
//! for each run, for each configuration, every scheme once (A B C A B C, never A A A B B B), so
//! that slow drifts of a noisy machine spread over every scheme alike.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use benches::schemes::{self, Origin, RATIO_BASELINE, Scheme, SchemeVisitor};
use benches::workload::{self, Job, Point, Sample, Settings, mixes};
use indicatif::{ProgressBar, ProgressStyle};
use peers::Mapping;
use reclaim::Reclaim;

/// One row of results: a scheme, or one of its variants, or a baseline.
#[derive(Clone, Debug)]
pub struct Row {
    pub id: String,
    /// The scheme's id (the same as `id` unless this row is a variant).
    pub scheme_id: String,
    pub name: String,
    pub origin: Origin,
    pub mapping: Mapping,
}

/// The configuration key of a point: pass, structure, mix, threads.
pub type PointKey = (&'static str, &'static str, &'static str, usize);

/// What the run measured.
pub struct Results {
    pub settings: Settings,
    pub rows: Vec<Row>,
    /// Every configuration, in the order of the report.
    pub points: Vec<Point>,
    /// The samples of each (configuration, row), one per run, in run order.
    pub samples: HashMap<(PointKey, usize), Vec<Sample>>,
    /// How much the budget shortened (or left) every scalable job.
    pub scale: f64,
    pub elapsed: Duration,
}

impl Results {
    /// The row of the ratio baseline, if it ran.
    pub fn ratio_row(&self) -> Option<usize> {
        self.rows.iter().position(|r| r.id == RATIO_BASELINE)
    }
}

/// Which rows and passes to run.
pub struct Filter {
    /// Substrings of scheme ids or names; empty keeps every scheme.
    pub only: Vec<String>,
    /// Pass ids; empty keeps every pass.
    pub passes: Vec<String>,
}

impl Filter {
    fn keeps_scheme(&self, scheme: &Scheme) -> bool {
        let lower = |s: &str| s.to_lowercase();
        scheme.id == RATIO_BASELINE
            || scheme.origin == Origin::Baseline
            || self.only.is_empty()
            || self.only.iter().any(|p| {
                lower(&scheme.id).contains(&lower(p)) || lower(&scheme.name).contains(&lower(p))
            })
    }

    fn keeps_job(&self, job: &Job) -> bool {
        self.passes.is_empty() || self.passes.iter().any(|p| p == job.point.pass.id)
    }
}

struct Planned {
    row: usize,
    /// The scheme whose jobs this one is, and its place among them: what a child process needs
    /// to rebuild it.
    scheme_id: String,
    index: usize,
    job: Job,
}

/// Collects the rows and the jobs of every kept scheme.
struct Planner<'a> {
    settings: &'a Settings,
    filter: &'a Filter,
    rows: Vec<Row>,
    jobs: Vec<Planned>,
}

impl Planner<'_> {
    fn add(&mut self, scheme: &Scheme, jobs: Vec<Job>) {
        for (index, job) in jobs.into_iter().enumerate() {
            if !self.filter.keeps_job(&job) {
                continue;
            }
            let row = match job.variant {
                None => Row {
                    id: scheme.id.clone(),
                    scheme_id: scheme.id.clone(),
                    name: scheme.name.clone(),
                    origin: scheme.origin,
                    mapping: scheme.mapping,
                },
                Some(v) => Row {
                    id: format!("{}{}", scheme.id, v.id),
                    scheme_id: scheme.id.clone(),
                    name: format!("{}{}", scheme.name, v.name),
                    origin: scheme.origin,
                    mapping: v.mapping,
                },
            };
            let row = match self.rows.iter().position(|r| r.id == row.id) {
                Some(i) => i,
                None => {
                    self.rows.push(row);
                    self.rows.len() - 1
                }
            };
            self.jobs.push(Planned {
                row,
                scheme_id: scheme.id.clone(),
                index,
                job,
            });
        }
    }
}

impl SchemeVisitor for Planner<'_> {
    fn visit<R, F>(&mut self, scheme: &Scheme, make: F)
    where
        R: Reclaim + 'static,
        F: Fn() -> R + Send + Sync + 'static,
    {
        if self.filter.keeps_scheme(scheme) {
            let jobs = workload::jobs(scheme, Arc::new(make), self.settings);
            self.add(scheme, jobs);
        }
    }
}

/// The ids of the schemes `filter` keeps (for the SUMMARY lines).
pub fn kept_schemes(filter: &Filter) -> Vec<Scheme> {
    schemes::all()
        .into_iter()
        .filter(|s| filter.keeps_scheme(s))
        .collect()
}

/// Runs everything `filter` keeps, showing progress on stderr; the throughput points each in a
/// fresh child process when `isolation` says how to start one.
pub fn run(settings: Settings, filter: &Filter, isolation: Option<&Isolation>) -> Results {
    let mut planner = Planner {
        settings: &settings,
        filter,
        rows: Vec::new(),
        jobs: Vec::new(),
    };
    for (scheme, jobs) in workload::baselines(&settings) {
        planner.add(&scheme, jobs);
    }
    schemes::for_each_scheme(&mut planner);
    let Planner { rows, mut jobs, .. } = planner;

    // Configurations in report order: by pass, then as the workloads listed them.
    let mut points: Vec<Point> = Vec::new();
    for planned in &jobs {
        if !points.iter().any(|p| p.key() == planned.job.point.key()) {
            points.push(planned.job.point);
        }
    }
    let pass_rank = |p: &Point| {
        workload::PASSES
            .iter()
            .position(|pass| pass.id == p.pass.id)
            .unwrap_or(usize::MAX)
    };
    points.sort_by_key(pass_rank); // stable: keeps the workloads' order within a pass

    let scale = fit_to_budget(&settings, &jobs);
    let runs = settings.runs.max(1);
    let planned_total: Duration = jobs
        .iter()
        .map(|p| duration(&p.job, scale))
        .sum::<Duration>()
        * runs as u32;
    eprintln!(
        "compare: {} rows x {} configurations x {runs} runs; about {:.0} min of measuring, \
         plus setup",
        rows.len(),
        points.len(),
        planned_total.as_secs_f64() / 60.0
    );
    let bar = progress_bar(planned_total);

    let mut samples: HashMap<(PointKey, usize), Vec<Sample>> = HashMap::new();
    let start = Instant::now();
    for run in 0..runs {
        let mut last_pass = "";
        for point in &points {
            if bar.is_hidden() && point.pass.id != last_pass {
                // Without a terminal, one line per pass and run is enough.
                eprintln!(
                    "compare: run {}/{runs}, {} pass ({:.0} s so far)",
                    run + 1,
                    point.pass.id,
                    start.elapsed().as_secs_f64()
                );
                last_pass = point.pass.id;
            }
            for planned in jobs.iter_mut().filter(|p| p.job.point.key() == point.key()) {
                bar.set_message(describe(point, &rows[planned.row], run, runs));
                let d = duration(&planned.job, scale);
                let sample = match isolation {
                    Some(isolation) if point.pass.id == mixes::PASS.id => {
                        isolation.run(&planned.scheme_id, planned.index, d)
                    }
                    _ => planned.job.run(d),
                };
                samples
                    .entry((point.key(), planned.row))
                    .or_default()
                    .push(sample);
                bar.inc(d.as_millis() as u64);
            }
        }
    }
    bar.finish_and_clear();
    Results {
        settings,
        rows,
        points,
        samples,
        scale,
        elapsed: start.elapsed(),
    }
}

/// The factor that fits the planned measuring time into the settings' budget (at most 1, and
/// never below a floor that keeps a point meaningful).
fn fit_to_budget(settings: &Settings, jobs: &[Planned]) -> f64 {
    let Some(budget) = settings.budget else {
        return 1.0;
    };
    let runs = settings.runs.max(1) as f64;
    let (mut scalable, mut fixed) = (0.0, 0.0);
    for p in jobs {
        let secs = p.job.planned.as_secs_f64() * runs;
        if p.job.scalable {
            scalable += secs;
        } else {
            fixed += secs;
        }
    }
    if scalable == 0.0 {
        return 1.0;
    }
    ((budget.as_secs_f64() - fixed) / scalable).clamp(0.2, 1.0)
}

fn duration(job: &Job, scale: f64) -> Duration {
    if job.scalable {
        job.planned.mul_f64(scale)
    } else {
        job.planned
    }
}

/// A line saying what runs now.
fn describe(point: &Point, row: &Row, run: usize, runs: usize) -> String {
    let mut what = point.pass.id.to_owned();
    for label in [point.structure, point.mix] {
        if label.id != "-" {
            what.push(' ');
            what.push_str(label.name);
        }
    }
    format!(
        "{what}, {} thr: {} (run {}/{runs})",
        point.threads,
        row.name,
        run + 1
    )
}

/// A bar over the planned milliseconds; hidden when stderr is not a terminal.
fn progress_bar(total: Duration) -> ProgressBar {
    let bar = ProgressBar::new(total.as_millis() as u64);
    let style = ProgressStyle::with_template(
        "{spinner} {elapsed_precise} [{bar:30}] {percent:>3}%, about {eta} left  {wide_msg}",
    )
    .expect("a valid template")
    .progress_chars("=> ");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// The hidden first argument that makes `compare` a child that runs one job:
/// `JOB_CHILD_FLAG SCHEME-ID JOB-INDEX NANOSECONDS -- OPTIONS...`, where `OPTIONS` are the
/// parent's, so that the child plans the same jobs.
pub const JOB_CHILD_FLAG: &str = "--job-child";

/// The line a job child prints: this prefix, then the sample's values.
const SAMPLE_ANSWER: &str = "job_sample";

/// How to run a throughput point in a child process of its own.
///
/// Every job of one process shares its heap: a structure's nodes land where the previous jobs
/// left free memory, and with updates that placement moved the list's throughput by up to 2x
/// between otherwise equal runs. A fresh process gives every scheme the same starting heap.
pub struct Isolation {
    /// This program.
    pub exe: PathBuf,
    /// The options it was started with.
    pub args: Vec<String>,
}

impl Isolation {
    /// Runs job `index` of scheme `scheme_id` for `d` in a child and returns its sample.
    ///
    /// # Panics
    /// When the child fails or does not answer: that is a bug, and the message says what it
    /// printed.
    fn run(&self, scheme_id: &str, index: usize, d: Duration) -> Sample {
        let mut child = Command::new(&self.exe);
        child
            .args([
                JOB_CHILD_FLAG,
                scheme_id,
                &index.to_string(),
                &d.as_nanos().to_string(),
                "--",
            ])
            .args(&self.args);
        let what = format!("job {index} of {scheme_id}");
        let answer = workload::ask_child(&mut child, SAMPLE_ANSWER, &what);
        answer
            .split_whitespace()
            .map(|v| v.parse().ok())
            .collect::<Option<Sample>>()
            .unwrap_or_else(|| panic!("{what}: the child answered {answer:?}"))
    }
}

/// The body of a job child: finds job `index` of scheme `scheme_id` among the jobs `settings`
/// plans, runs it for `d`, and prints its sample on stdout.
pub fn run_job_child(
    settings: &Settings,
    scheme_id: &str,
    index: usize,
    d: Duration,
) -> Result<(), String> {
    struct Find<'a> {
        settings: &'a Settings,
        scheme_id: &'a str,
        index: usize,
        d: Duration,
        sample: Option<Result<Sample, String>>,
    }
    impl SchemeVisitor for Find<'_> {
        fn visit<R, F>(&mut self, scheme: &Scheme, make: F)
        where
            R: Reclaim + 'static,
            F: Fn() -> R + Send + Sync + 'static,
        {
            if scheme.id != self.scheme_id {
                return;
            }
            let mut jobs = workload::jobs(scheme, Arc::new(make), self.settings);
            self.sample = Some(match jobs.get_mut(self.index) {
                Some(job) => Ok(job.run(self.d)),
                None => Err(format!("{} has no job {}", scheme.id, self.index)),
            });
        }
    }
    let mut find = Find {
        settings,
        scheme_id,
        index,
        d,
        sample: None,
    };
    schemes::for_each_scheme(&mut find);
    let sample = find
        .sample
        .unwrap_or_else(|| Err(format!("no scheme {scheme_id:?} in this build")))?;
    let values: Vec<String> = sample.iter().map(|v| v.to_string()).collect();
    println!("{SAMPLE_ANSWER} {}", values.join(" "));
    Ok(())
}
