//! The grace-period pass: how long a writer waits for a grace period while a reader is busy,
//! the figure liburcu's `test_urcu` is known for. The writer publishes a new value, calls
//! `synchronize`, and frees the old value, over and over; one reader thread loops read
//! sections that dereference the value. Each run reports the mean wait (the inverse of
//! `test_urcu`'s write rate), its median and 99th percentile (most waits are short, a few are
//! long: the mean is what a writer pays over time), and how many read sections the reader
//! completed meanwhile (what the writer cost it).
//!
//! ```
//! let [mean, median, p99, mreads] = benches::workload::grace_period::latency(
//!     &|| peers::CrossbeamEpoch,
//!     std::time::Duration::from_millis(5),
//! );
//! assert!(median <= p99 && mreads > 0.0); // the reader runs at least one round
//! println!("{mean:.1} µs per grace period");
//! ```

use core::hint::black_box;
use std::time::{Duration, Instant};

use peers::Op;
use reclaim::Reclaim;

use super::{Better, Job, Label, Maker, Pass, Point, Settings};
use crate::measure::{Spread, with_busy_reader};
use crate::swap::Swap;

/// The pass.
///
/// ```
/// let pass = &benches::workload::grace_period::PASS;
/// assert!(benches::workload::PASSES.iter().any(|p| p.id == pass.id));
/// ```
pub const PASS: Pass = Pass {
    id: "grace-period",
    title: "grace-period latency: mean µs per publish + synchronize + free, one busy reader",
    unit: "µs",
    better: Better::Lower,
    ops: &[Op::Synchronize],
    extras: &[("median", "µs"), ("p99", "µs"), ("reader", "Mreads/s")],
    about: "a writer replaces a shared value, calls synchronize and frees the old value, in a \
            loop (liburcu's test_urcu writer), while one reader thread loops read sections that \
            dereference it. Each run reports the mean wait (the inverse of test_urcu's write \
            rate), its median and 99th percentile, and the reader's read sections per second. \
            crossbeam-epoch, seize and sdd have no synchronize: their adapters emulate it with \
            a sentinel, marked in the table.",
};

/// The pass's job for one scheme.
///
/// ```
/// let make: benches::workload::Maker<_> = std::sync::Arc::new(srcu::Srcu::new);
/// let mut jobs = benches::workload::grace_period::jobs(&make, &benches::workload::Settings::quick());
/// let planned = jobs[0].planned;
/// let sample = jobs[0].run(planned);
/// assert_eq!(sample.len(), 4);
/// ```
pub fn jobs<R: Reclaim + 'static>(make: &Maker<R>, settings: &Settings) -> Vec<Job> {
    let make = make.clone();
    let point = Point::new(&PASS, Label::NONE, Label::NONE, 2);
    vec![Job::new(point, settings.grace_time, true, move |d| {
        latency(&*make, d).to_vec()
    })]
}

/// One run of `duration` (at least three grace periods): the mean, median and 99th percentile
/// µs per publish + `synchronize` + free, and the reader's million read sections per second.
///
/// ```
/// let [mean, median, p99, _] = benches::workload::grace_period::latency(&gus::Gus::new,
///     std::time::Duration::from_millis(5));
/// assert!(median <= p99);
/// println!("{mean:.1} µs per grace period");
/// ```
pub fn latency<R: Reclaim>(make: &dyn Fn() -> R, duration: Duration) -> [f64; 4] {
    let swap = Swap::new(make(), 0u64);
    let read = || {
        black_box(swap.read(|v| *v));
    };
    let (waits, reads_per_sec) = with_busy_reader(read, || {
        let mut waits = Vec::new();
        let start = Instant::now();
        let mut i = 1u64;
        while start.elapsed() < duration || waits.len() < 3 {
            let t = Instant::now();
            swap.replace_sync(i);
            waits.push(t.elapsed().as_nanos() as f64 / 1e3);
            i += 1;
        }
        waits
    });
    let mut sorted = waits;
    sorted.sort_by(f64::total_cmp);
    let mean = sorted.iter().sum::<f64>() / sorted.len() as f64;
    let p99 = sorted[(sorted.len() * 99 / 100).min(sorted.len() - 1)];
    [mean, Spread::of(&sorted).median, p99, reads_per_sec / 1e6]
}
