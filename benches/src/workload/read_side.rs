//! The read-side pass: nanoseconds per empty read section (`enter` and the guard's drop) on
//! one thread, next to two floors that protect nothing. Where a scheme's users can reach its
//! read side around the trait (a registered reader that skips the slot lookup, liburcu's inline
//! C fast path), that path is timed too, as its own row marked as not a trait operation.
//!
//! ```
//! let settings = benches::workload::Settings::quick();
//! let rows = benches::workload::read_side::baselines(&settings);
//! assert_eq!(rows.len(), 2);
//! ```

use core::hint::black_box;
use std::time::Duration;

use peers::{Fidelity, Mapping, Op};
use reclaim::Reclaim;

use super::{Better, Job, Label, Maker, Pass, Point, Settings, Variant};
use crate::baseline::{OwnedSlot, ThreadLocalPair};
use crate::measure::{enter_exit_ns, median_ns_per_call, time_per_call};
use crate::schemes::Scheme;

/// The pass.
///
/// ```
/// let pass = &benches::workload::read_side::PASS;
/// assert!(benches::workload::PASSES.iter().any(|p| p.id == pass.id));
/// ```
pub const PASS: Pass = Pass {
    id: "read-side",
    title: "read-side cost: ns per empty read section (enter + guard drop), one thread",
    unit: "ns",
    better: Better::Lower,
    ops: &[Op::Enter],
    extras: &[],
    about: "one thread enters and leaves an empty read section in a loop; each run reports the \
            median of several timed batches. Two floors run beside the schemes: a thread-local \
            increment pair, and a load of a shared clock stored into an owned slot (a \
            fence-free reader's shape). Rows marked `enter direct` are not trait operations: \
            this workspace's schemes through a registered reader (register() once, then enter() \
            on the handle, with no slot lookup), crossbeam-epoch through a registered \
            LocalHandle, and liburcu through its header's inline fast path, timed in C, because \
            Rust can only reach it through an out-of-line call.",
};

fn point() -> Point {
    Point::new(&PASS, Label::NONE, Label::NONE, 1)
}

/// The pass's jobs for one scheme: its read side through the trait, then each of its direct
/// read sides (a registered reader, liburcu's inline C path) as a row of its own, whose
/// mapping marks `enter` as [`Fidelity::Direct`].
///
/// ```
/// let scheme = benches::schemes::Scheme::peer::<peers::Seize>();
/// let make: benches::workload::Maker<_> = std::sync::Arc::new(peers::Seize::new);
/// let mut jobs = benches::workload::read_side::jobs(&scheme, &make, &benches::workload::Settings::quick());
/// let planned = jobs[0].planned;
/// let sample = jobs[0].run(planned);
/// assert_eq!(sample.len(), 1); // ns per read section
/// println!("{:.2} ns per read section", sample[0]);
/// ```
pub fn jobs<R: Reclaim + 'static>(
    scheme: &Scheme,
    make: &Maker<R>,
    settings: &Settings,
) -> Vec<Job> {
    let (batches, iters) = (settings.read_batches, settings.read_iters);
    let planned = planned(settings);
    let make = make.clone();
    let mut jobs = vec![Job::new(point(), planned, false, move |_| {
        let domain = make();
        vec![enter_exit_ns(&domain, batches, iters)]
    })];
    for (path, time) in &scheme.direct_read_sides {
        let time = time.clone();
        let job = Job::new(point(), planned, false, move |_| {
            time(iters.min(100_000)); // warm-up, as for the trait path
            vec![median_ns_per_call(batches, iters, &*time)]
        });
        let variant = Variant {
            id: path.id,
            name: path.name,
            mapping: Mapping {
                enter: Fidelity::Direct(path.note),
                ..scheme.mapping
            },
        };
        jobs.push(job.variant(variant));
    }
    jobs
}

/// The two floors, as baseline rows: a thread-local increment pair, and an owned-slot load and
/// store pair.
///
/// ```
/// let rows = benches::workload::read_side::baselines(&benches::workload::Settings::quick());
/// assert_eq!(rows[1].0.id, "owned-slot");
/// ```
pub fn baselines(settings: &Settings) -> Vec<(Scheme, Vec<Job>)> {
    let (batches, iters) = (settings.read_batches, settings.read_iters);
    let planned = planned(settings);
    let pair = Job::new(point(), planned, false, move |_| {
        vec![time_per_call(batches, iters, || {
            drop(black_box(ThreadLocalPair.enter()))
        })]
    });
    let slot = Job::new(point(), planned, false, move |_| {
        let slot = OwnedSlot::new();
        vec![time_per_call(batches, iters, || {
            drop(black_box(slot.enter()))
        })]
    });
    vec![
        (
            Scheme::baseline("thread-local-pair", "baseline: thread-local pair"),
            vec![pair],
        ),
        (
            Scheme::baseline("owned-slot", "baseline: owned slot"),
            vec![slot],
        ),
    ]
}

/// About 5 ns per section.
fn planned(settings: &Settings) -> Duration {
    Duration::from_nanos(5 * settings.read_iters * (settings.read_batches as u64 + 1))
}
