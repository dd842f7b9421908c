//! The retire-bound workload, in the throughput pass: on a Treiber stack, every operation pops
//! a node (and retires it), then pushes a fresh one. Reclamation is on the path of every
//! operation, so this shows the cost of `retire` and of freeing more than any mix does.
//!
//! ```
//! let mops = benches::workload::stack::pop_push(&|| peers::CrossbeamEpoch, 2,
//!     std::time::Duration::from_millis(5));
//! assert!(mops > 0.0);
//! ```

use core::hint::black_box;
use std::sync::atomic::Ordering;
use std::time::Duration;

use reclaim::Reclaim;

use super::{Job, Label, Maker, Point, Settings, mixes};
use crate::measure::run_timed;
use crate::targets::Stack;

/// The structure label in the throughput pass.
///
/// ```
/// assert_eq!(benches::workload::stack::STRUCTURE.id, "treiber-stack");
/// ```
pub const STRUCTURE: Label = Label {
    id: "treiber-stack",
    name: "Treiber stack",
};

/// The operation label: one pop that retires, then one push.
///
/// ```
/// assert_eq!(benches::workload::stack::OPERATION.name, "pop+push");
/// ```
pub const OPERATION: Label = Label {
    id: "pop-push",
    name: "pop+push",
};

/// Nodes on the stack when a run starts, so that pops rarely find it empty.
const PREFILL: u64 = 1024;

/// The workload's jobs for one scheme: one per thread count.
///
/// ```
/// let make: benches::workload::Maker<_> = std::sync::Arc::new(|| peers::CrossbeamEpoch);
/// let jobs = benches::workload::stack::jobs(&make, &benches::workload::Settings::quick());
/// assert_eq!(jobs.len(), 2);
/// ```
pub fn jobs<R: Reclaim + 'static>(make: &Maker<R>, settings: &Settings) -> Vec<Job> {
    settings
        .threads
        .iter()
        .map(|&threads| {
            let make = make.clone();
            let point = Point::new(&mixes::PASS, STRUCTURE, OPERATION, threads);
            Job::new(point, settings.point, true, move |d| {
                vec![pop_push(&*make, threads, d)]
            })
        })
        .collect()
}

/// One run: million pop+push pairs per second on a fresh stack over a fresh domain.
///
/// ```
/// let mops = benches::workload::stack::pop_push(&srcu::Srcu::new, 1,
///     std::time::Duration::from_millis(5));
/// assert!(mops > 0.0);
/// ```
pub fn pop_push<R: Reclaim>(make: &dyn Fn() -> R, threads: usize, duration: Duration) -> f64 {
    let stack = Stack::new(make());
    for i in 0..PREFILL {
        stack.push(i);
    }
    let (ops, secs) = run_timed(
        threads,
        duration,
        |t, stop| {
            let mut ops = 0u64;
            let mut value = t as u64;
            loop {
                for _ in 0..64 {
                    value = black_box(stack.pop()).unwrap_or(value);
                    stack.push(value);
                }
                ops += 64;
                if stop.load(Ordering::Relaxed) {
                    return ops;
                }
            }
        },
        || std::thread::sleep(Duration::from_millis(1)),
    );
    ops.iter().sum::<u64>() as f64 / secs / 1e6
}
