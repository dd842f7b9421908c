//! The unreclaimed-objects pass: how much retired memory waits to be freed. The hash map runs
//! the 50/25/25 mix on max(2, CPUs) threads while the main thread samples *retired minus freed*
//! about every 100 µs; each run reports the average and the peak. The domain is wrapped in
//! `structures::testing::Counting`, which counts every retire and every free exactly on any
//! scheme; that costs two shared increments and a small record per retire and slows the run,
//! so this is a pass of its own and its throughput is not reported.
//!
//! ```
//! let [avg, peak, retired] = benches::workload::unreclaimed::count(&|| peers::CrossbeamEpoch,
//!     2, 1000, std::time::Duration::from_millis(5));
//! assert!(retired > 0.0 && avg <= peak);
//! ```

use std::time::Duration;

use peers::Op;
use reclaim::Reclaim;
use structures::testing::Counting;

use super::mixes::{Mix, prefill, worker};
use super::{Better, Job, Label, Maker, Pass, Point, Settings};
use crate::measure::run_timed;
use crate::targets::{HashSet, KeySet};

/// The pass.
///
/// ```
/// let pass = &benches::workload::unreclaimed::PASS;
/// assert!(benches::workload::PASSES.iter().any(|p| p.id == pass.id));
/// ```
pub const PASS: Pass = Pass {
    id: "unreclaimed",
    title: "unreclaimed objects: retired but not yet freed, average over the run",
    unit: "objects",
    better: Better::Lower,
    ops: &[Op::Enter, Op::Retire],
    extras: &[("peak", "objects"), ("retired", "objects")],
    about: "the hash map runs 50/25/25 on max(2, CPUs) threads; the main thread samples retired \
            minus freed objects about every 100 µs. Each run reports the average, the peak and \
            the objects retired. A separate pass, because counting slows the run.",
};

/// The pass's job for one scheme.
///
/// ```
/// let make: benches::workload::Maker<_> = std::sync::Arc::new(|| peers::Sdd);
/// let jobs = benches::workload::unreclaimed::jobs(&make, &benches::workload::Settings::quick());
/// assert_eq!(jobs[0].point.pass.id, "unreclaimed");
/// ```
pub fn jobs<R: Reclaim + 'static>(make: &Maker<R>, settings: &Settings) -> Vec<Job> {
    let make = make.clone();
    let threads = num_cpus::get().max(2);
    let key_range = settings.key_range(<HashSet<R> as KeySet<R>>::KEY_RANGE);
    let structure = Label {
        id: <HashSet<R> as KeySet<R>>::ID,
        name: <HashSet<R> as KeySet<R>>::NAME,
    };
    let point = Point::new(&PASS, structure, Mix::UpdateHeavy.label(), threads);
    vec![Job::new(point, settings.unreclaimed_time, true, move |d| {
        count(&*make, threads, key_range, d).to_vec()
    })]
}

/// One counting run: the average and peak of retired-but-not-freed objects, and the objects
/// retired, over `duration` of 50/25/25 on the hash map.
///
/// ```
/// let [_, peak, _] = benches::workload::unreclaimed::count(&srcu::Srcu::new, 2, 1000,
///     std::time::Duration::from_millis(5));
/// assert!(peak >= 0.0);
/// ```
pub fn count<R: Reclaim + 'static>(
    make: &dyn Fn() -> R,
    threads: usize,
    key_range: u64,
    duration: Duration,
) -> [f64; 3] {
    let domain = Counting::new(make());
    let counts = domain.counts();
    let set: HashSet<Counting<R>> = KeySet::new(domain, key_range);
    prefill(&set, key_range);
    let (retired_before, freed_before) = (counts.retired(), counts.freed());
    let (mut peak, mut sum, mut n) = (0usize, 0u128, 0u64);
    run_timed(
        threads,
        duration,
        |t, stop| worker(&set, t as u64 + 101, Mix::UpdateHeavy, key_range, stop),
        || {
            std::thread::sleep(Duration::from_micros(100));
            // Freed first: every free counted here was retired before, so the difference
            // never undercounts what is pending.
            let freed = counts.freed() - freed_before;
            let pending = (counts.retired() - retired_before).saturating_sub(freed);
            peak = peak.max(pending);
            sum += pending as u128;
            n += 1;
        },
    );
    let average = if n == 0 { 0.0 } else { sum as f64 / n as f64 };
    [
        average,
        peak as f64,
        (counts.retired() - retired_before) as f64,
    ]
}
