//! The rcu-cell passes: `structures::RcuCell` over each scheme against arc-swap's `ArcSwap`,
//! the crate Rust users pick for a read-mostly shared value. Every job measures the scheme's
//! cell *and* an `ArcSwap` back to back, so each sample carries its own baseline and ratio,
//! measured in the same run; arc-swap also has a row of its own.
//!
//! | pass | measures | better |
//! |---|---|---|
//! | `rcu-cell-load` | ns per load (load, read a field, drop the guard), every thread loading | lower |
//! | `rcu-cell-mix` | Mops/s of a read-mostly mix: one store in 100 operations, the rest loads | higher |
//! | `section` | what the typed pointers' `Section` costs: `Section::new` + drop against the scheme's own `enter` + drop, and `SkipList::get_in` in a caller's section against `get` | lower |
//!
//! Threads: 1, 2 and 4, whatever the machine (the issue's points). The ratio extra is the
//! cell's figure over arc-swap's from the same job: below 1 is better for loads, above 1 for
//! the mix.
//!
//! ```
//! let make: benches::workload::Maker<_> = std::sync::Arc::new(srcu::Srcu::new);
//! let mut jobs = benches::workload::rcu_cell::jobs(&make, &benches::workload::Settings::quick());
//! let sample = jobs[0].run(std::time::Duration::from_millis(5));
//! assert_eq!(sample.len(), 3); // the cell, arc-swap, and their ratio
//! ```

use core::hint::black_box;
use std::sync::atomic::Ordering;
use std::time::Duration;

use peers::{ArcSwap, Op, SharedCell};
use reclaim::Reclaim;
use reclaim::atomic::Section;
use structures::{RcuCell, SkipList};

use super::{Better, Job, Label, Maker, Pass, Point, Settings};
use crate::measure::{run_timed, time_per_call};
use crate::schemes::Scheme;

/// The load pass.
///
/// ```
/// assert_eq!(benches::workload::rcu_cell::LOAD.id, "rcu-cell-load");
/// ```
pub const LOAD: Pass = Pass {
    id: "rcu-cell-load",
    title: "RcuCell load: ns per load (load, read a field, drop), every thread loading",
    unit: "ns",
    better: Better::Lower,
    ops: &[Op::Enter],
    extras: &[("arc-swap", "ns"), ("vs arc-swap", "x")],
    about: "every thread loads a shared value (a 32-byte struct) in a loop, reads one field, and \
            drops the guard: structures::RcuCell over the scheme (one read section and one \
            load), then, in the same job, arc-swap's ArcSwap::load. Reported per load, per \
            thread (wall time / loads per thread); the extras are arc-swap's figure and the \
            cell's over it (below 1: faster than arc-swap).",
};

/// The read-mostly mix pass.
///
/// ```
/// assert_eq!(benches::workload::rcu_cell::MIX.unit, "Mops/s");
/// ```
pub const MIX: Pass = Pass {
    id: "rcu-cell-mix",
    title: "RcuCell read-mostly mix: Mops/s, 1 store in 100 operations, the rest loads",
    unit: "Mops/s",
    better: Better::Higher,
    ops: &[Op::Enter, Op::Retire],
    extras: &[("arc-swap", "Mops/s"), ("vs arc-swap", "x")],
    about: "every thread runs loads (read one field) with one store of a new value in every 100 \
            operations, on one shared value: structures::RcuCell over the scheme (a store is a \
            swap and a retire) then, in the same job, arc-swap's ArcSwap (a store is a swap \
            that waits for the readers that borrowed the old value). The extras are arc-swap's \
            figure and the cell's over it (above 1: more throughput than arc-swap).",
};

/// The section pass: what a `Section` (covariant, so its guard is stored erased) costs next to
/// the scheme's own guard, and what a caller's section saves a structure.
///
/// ```
/// assert_eq!(benches::workload::rcu_cell::SECTION.id, "section");
/// ```
pub const SECTION: Pass = Pass {
    id: "section",
    title: "Section cost: ns per operation, one thread",
    unit: "ns",
    better: Better::Lower,
    ops: &[Op::Enter],
    extras: &[("without", "ns"), ("vs without", "x")],
    about: "two tables. `Section::new`: a typed-pointer Section entered and dropped, against the             scheme's own enter and guard drop in the same job (the extras: that figure and the             ratio). `SkipList get`: a lookup in a 1024-key skip list with get_in, 64 lookups per             caller section, against get, which enters a section per lookup.",
};

/// The structure labels of the section pass.
const NEW: Label = Label {
    id: "section-new",
    name: "Section::new + drop (without: enter + drop)",
};
const GET: Label = Label {
    id: "skiplist-get-in",
    name: "SkipList get_in, 64 per section (without: get)",
};

/// Thread counts of both passes.
const THREADS: [usize; 3] = [1, 2, 4];

/// The shared value: a small configuration.
#[derive(Clone, Copy, Debug, Default)]
pub struct Config {
    /// Bumped by every store.
    pub version: u64,
    /// The rest of the value.
    pub payload: [u64; 3],
}

/// The passes' jobs for one scheme: per pass and thread count, the scheme's cell then an
/// `ArcSwap`, reported as `[cell, arc-swap, cell / arc-swap]`.
///
/// ```
/// let make: benches::workload::Maker<_> = std::sync::Arc::new(gus::Gus::new);
/// let jobs = benches::workload::rcu_cell::jobs(&make, &benches::workload::Settings::quick());
/// assert_eq!(jobs.len(), 8);
/// ```
pub fn jobs<R: Reclaim + 'static>(make: &Maker<R>, settings: &Settings) -> Vec<Job> {
    let mut jobs = Vec::new();
    for threads in THREADS {
        let make = make.clone();
        let point = Point::new(&LOAD, Label::NONE, Label::NONE, threads);
        jobs.push(Job::new(point, 2 * settings.point, true, move |d| {
            let ours = RcuCell::new(Config::default(), make());
            let theirs = ArcSwap::from_pointee(Config::default());
            let ours = load_ns(&ours, threads, d);
            let theirs = load_ns(&theirs, threads, d);
            vec![ours, theirs, ours / theirs]
        }));
    }
    for threads in THREADS {
        let make = make.clone();
        let point = Point::new(&MIX, Label::NONE, Label::NONE, threads);
        jobs.push(Job::new(point, 2 * settings.point, true, move |d| {
            let ours = RcuCell::new(Config::default(), make());
            let theirs = ArcSwap::from_pointee(Config::default());
            let ours = mix_mops(&ours, threads, d);
            let theirs = mix_mops(&theirs, threads, d);
            vec![ours, theirs, ours / theirs]
        }));
    }
    let batches = settings.read_batches;
    let iters = settings.read_iters;
    let planned = Duration::from_nanos(20 * iters * batches as u64);
    let make_new = make.clone();
    jobs.push(Job::new(
        Point::new(&SECTION, NEW, Label::NONE, 1),
        planned,
        false,
        move |_| {
            let domain = make_new();
            let with = time_per_call(batches, iters, || {
                drop(black_box(Section::new(&domain)));
            });
            let without = time_per_call(batches, iters, || drop(black_box(domain.enter())));
            vec![with, without, with / without]
        },
    ));
    let make_get = make.clone();
    jobs.push(Job::new(
        Point::new(&SECTION, GET, Label::NONE, 1),
        planned,
        false,
        move |_| {
            let list = SkipList::new(make_get());
            for k in 0..1024u64 {
                list.insert(k, k).unwrap();
            }
            let mut key = 0u64;
            let mut next = || {
                key = (key + 617) % 1024;
                key
            };
            let rounds = (iters / 64).max(1);
            let with = time_per_call(batches, rounds, || {
                let section = list.section();
                for _ in 0..64 {
                    black_box(list.get_in(&next(), &section));
                }
            }) / 64.0;
            let without = time_per_call(batches, rounds, || {
                for _ in 0..64 {
                    black_box(list.get(&next()).map(|v| *v));
                }
            }) / 64.0;
            vec![with, without, with / without]
        },
    ));
    jobs
}

/// arc-swap's own row: its figures in both passes, as a baseline row.
///
/// ```
/// let rows = benches::workload::rcu_cell::baselines(&benches::workload::Settings::quick());
/// assert_eq!(rows[0].0.id, "arc-swap");
/// ```
pub fn baselines(settings: &Settings) -> Vec<(Scheme, Vec<Job>)> {
    let mut jobs = Vec::new();
    for threads in THREADS {
        let point = Point::new(&LOAD, Label::NONE, Label::NONE, threads);
        jobs.push(Job::new(point, settings.point, true, move |d| {
            let cell = ArcSwap::from_pointee(Config::default());
            let ns = load_ns(&cell, threads, d);
            vec![ns, ns, 1.0]
        }));
        let point = Point::new(&MIX, Label::NONE, Label::NONE, threads);
        jobs.push(Job::new(point, settings.point, true, move |d| {
            let cell = ArcSwap::from_pointee(Config::default());
            let mops = mix_mops(&cell, threads, d);
            vec![mops, mops, 1.0]
        }));
    }
    vec![(Scheme::baseline("arc-swap", "peer: arc-swap ArcSwap"), jobs)]
}

/// Nanoseconds per load, per thread, with `threads` threads loading `cell` for `duration`.
///
/// ```
/// let cell = peers::ArcSwap::from_pointee(benches::workload::rcu_cell::Config::default());
/// let ns = benches::workload::rcu_cell::load_ns(&cell, 2, std::time::Duration::from_millis(5));
/// assert!(ns > 0.0);
/// ```
pub fn load_ns<C: SharedCell<Config>>(cell: &C, threads: usize, duration: Duration) -> f64 {
    let (loads, secs) = run_timed(
        threads,
        duration,
        |_, stop| {
            let mut loads = 0u64;
            let mut sum = 0u64;
            loop {
                for _ in 0..256 {
                    sum = sum.wrapping_add(cell.read(|c| black_box(c.version)));
                }
                loads += 256;
                if stop.load(Ordering::Relaxed) {
                    black_box(sum);
                    return loads;
                }
            }
        },
        || std::thread::sleep(Duration::from_millis(1)),
    );
    let per_thread = loads.iter().sum::<u64>() as f64 / threads as f64;
    secs * 1e9 / per_thread
}

/// Million operations per second of the read-mostly mix (1 store in 100) on `cell`.
///
/// ```
/// let cell = structures::RcuCell::new(benches::workload::rcu_cell::Config::default(), srcu::Srcu::new());
/// let mops = benches::workload::rcu_cell::mix_mops(&cell, 2, std::time::Duration::from_millis(5));
/// assert!(mops > 0.0);
/// ```
pub fn mix_mops<C: SharedCell<Config>>(cell: &C, threads: usize, duration: Duration) -> f64 {
    let (ops, secs) = run_timed(
        threads,
        duration,
        |t, stop| {
            let mut ops = 0u64;
            let mut version = t as u64;
            loop {
                for _ in 0..99 {
                    version = version.max(cell.read(|c| black_box(c.version)));
                }
                version += 1;
                cell.replace(Config {
                    version,
                    payload: [version; 3],
                });
                ops += 100;
                if stop.load(Ordering::Relaxed) {
                    return ops;
                }
            }
        },
        || std::thread::sleep(Duration::from_millis(1)),
    );
    ops.iter().sum::<u64>() as f64 / secs / 1e6
}
