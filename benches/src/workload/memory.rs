//! The memory pass: peak resident memory (Linux's `VmHWM`) of a child process that runs the hash
//! map's 0/50/50 mix, the most retire-heavy, on twice as many threads as CPUs, where delayed
//! reclamation piles up most. Each run is a fresh process, so one scheme's peak cannot hide
//! another's; a child that only starts and exits gives the floor.
//!
//! The program that runs the pass (`compare`) re-executes itself with [`CHILD_FLAG`]; its
//! `main` hands those arguments to [`child_main`] before anything else.
//!
//! ```
//! let peak = benches::workload::memory::peak_resident_bytes();
//! assert!(peak.unwrap_or(1) > 0);
//! ```

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use peers::Op;
use reclaim::Reclaim;

use super::mixes::{self, Mix};
use super::{Better, Job, Label, Pass, Point, Settings};
use crate::schemes::{self, Scheme, SchemeVisitor};
use crate::targets::{HashSet, KeySet};

/// The pass.
///
/// ```
/// let pass = &benches::workload::memory::PASS;
/// assert!(benches::workload::PASSES.iter().any(|p| p.id == pass.id));
/// ```
pub const PASS: Pass = Pass {
    id: "memory",
    title: "peak resident memory of a child process running the hash map 0/50/50, MiB",
    unit: "MiB",
    better: Better::Lower,
    ops: &[Op::Enter, Op::Retire],
    extras: &[],
    about: "each run re-executes this program as a child process that runs the hash map's \
            0/50/50 mix (every operation an insert or a remove) on twice as many threads as \
            CPUs, then reports its peak resident memory (VmHWM). A child that does nothing \
            gives the process floor.",
};

/// The hidden argument that makes the program a memory-pass child: `CHILD_FLAG SCHEME-ID
/// MILLISECONDS THREADS KEY-RANGE` (`floor` as the scheme runs nothing).
///
/// ```
/// assert!(benches::workload::memory::CHILD_FLAG.starts_with("--"));
/// ```
pub const CHILD_FLAG: &str = "--memory-child";

/// The scheme id of the floor child.
const FLOOR: &str = "floor";

/// The line a child prints: this prefix, then the bytes.
const ANSWER: &str = "peak_resident_bytes ";

/// The structure's constants, which do not depend on the scheme.
type Structure = HashSet<peers::CrossbeamEpoch>;

fn point() -> Point {
    let structure = Label {
        id: <Structure as KeySet<_>>::ID,
        name: <Structure as KeySet<_>>::NAME,
    };
    Point::new(
        &PASS,
        structure,
        Mix::UpdateOnly.label(),
        2 * num_cpus::get(),
    )
}

/// The pass's job for one scheme; none when the settings name no child program.
///
/// ```
/// let scheme = benches::schemes::Scheme::peer::<peers::Sdd>();
/// let settings = benches::workload::Settings::quick(); // no child program
/// assert!(benches::workload::memory::jobs(&scheme, &settings).is_empty());
/// ```
pub fn jobs(scheme: &Scheme, settings: &Settings) -> Vec<Job> {
    child_job(&scheme.id, settings).into_iter().collect()
}

/// The floor, as a baseline row, when the settings name a child program.
///
/// ```
/// let settings = benches::workload::Settings::quick();
/// assert!(benches::workload::memory::baselines(&settings).is_empty());
/// ```
pub fn baselines(settings: &Settings) -> Vec<(Scheme, Vec<Job>)> {
    child_job(FLOOR, settings)
        .map(|job| {
            (
                Scheme::baseline(FLOOR, "baseline: process floor (no workload)"),
                vec![job],
            )
        })
        .into_iter()
        .collect()
}

fn child_job(id: &str, settings: &Settings) -> Option<Job> {
    let exe = settings.child.clone()?;
    let point = point();
    let id = id.to_owned();
    let threads = point.threads;
    let key_range = settings.key_range(<Structure as KeySet<_>>::KEY_RANGE);
    Some(Job::new(point, settings.memory_time, true, move |d| {
        let bytes = run_child(&exe, &id, d, threads, key_range);
        vec![bytes as f64 / (1024.0 * 1024.0)]
    }))
}

/// Runs one child and returns its peak resident bytes.
///
/// # Panics
/// When the child fails or does not answer: that is a bug, and the message says what it
/// printed.
fn run_child(exe: &Path, id: &str, d: Duration, threads: usize, key_range: u64) -> u64 {
    let mut child = Command::new(exe);
    child.args([
        CHILD_FLAG,
        id,
        &d.as_millis().to_string(),
        &threads.to_string(),
        &key_range.to_string(),
    ]);
    let answer = super::ask_child(&mut child, ANSWER, &format!("memory pass, {id}"));
    answer
        .parse()
        .unwrap_or_else(|_| panic!("memory pass, {id}: the child answered {answer:?}"))
}

/// The child's side: runs the workload for the scheme named in `args` (the arguments after
/// [`CHILD_FLAG`]) and prints its peak resident bytes. Returns an error message for bad
/// arguments or an unknown scheme.
///
/// ```
/// let args = ["floor", "0", "1", "100"].map(String::from);
/// assert!(benches::workload::memory::child_main(&args).is_ok());
/// assert!(benches::workload::memory::child_main(&[]).is_err());
/// ```
pub fn child_main(args: &[String]) -> Result<(), String> {
    let usage = || format!("usage: {CHILD_FLAG} SCHEME-ID MILLISECONDS THREADS KEY-RANGE");
    let [id, ms, threads, key_range] = args else {
        return Err(usage());
    };
    let number = |s: &str| s.parse::<u64>().map_err(|_| usage());
    let duration = Duration::from_millis(number(ms)?);
    let threads = number(threads)? as usize;
    let key_range = number(key_range)?;

    struct Run {
        duration: Duration,
        threads: usize,
        key_range: u64,
    }
    impl SchemeVisitor for Run {
        fn visit<R, F>(&mut self, _: &Scheme, make: F)
        where
            R: Reclaim + 'static,
            F: Fn() -> R + Send + Sync + 'static,
        {
            mixes::throughput::<HashSet<R>, R>(
                &make,
                Mix::UpdateOnly,
                self.threads,
                self.key_range,
                self.duration,
            );
        }
    }
    let mut run = Run {
        duration,
        threads,
        key_range,
    };
    if id != FLOOR && !schemes::visit_one(id, &mut run) {
        return Err(format!("no scheme with id {id:?} in this build"));
    }
    let bytes = peak_resident_bytes().ok_or("this system reports no VmHWM")?;
    println!("{ANSWER}{bytes}");
    Ok(())
}

/// This process's peak resident memory so far (`VmHWM` in `/proc/self/status`), if the
/// system reports it.
///
/// ```
/// if let Some(bytes) = benches::workload::memory::peak_resident_bytes() {
///     assert!(bytes > 0);
/// }
/// ```
pub fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}
