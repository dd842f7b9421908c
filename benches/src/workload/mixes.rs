//! The throughput pass on sets: the SMR literature's four operation mixes on every structure of
//! [`for_each_key_set`], at every thread count of the settings.
//!
//! Each run builds a fresh domain and structure, prefills half of the key range with random
//! keys, then lets the threads draw uniform keys and operations for the point's duration.
//!
//! ```
//! use benches::workload::mixes::{self, Mix};
//! use benches::targets::HashSet;
//! let make = || peers::CrossbeamEpoch;
//! let mops = mixes::throughput::<HashSet<_>, _>(&make, Mix::ReadMostly, 2, 1000,
//!     std::time::Duration::from_millis(5));
//! assert!(mops > 0.0);
//! ```

use core::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use peers::Op;
use reclaim::Reclaim;

use super::{Better, Job, Label, Maker, Pass, Point, Settings};
use crate::measure::{Rng, run_timed};
use crate::targets::{KeySet, KeySetVisitor, SetOps, for_each_key_set};

/// The throughput pass (shared with the stack workload).
pub const PASS: Pass = Pass {
    id: "throughput",
    title: "throughput: million operations per second, all threads together",
    unit: "Mops/s",
    better: Better::Higher,
    ops: &[Op::Enter, Op::Retire],
    extras: &[],
    about: "each structure runs the SMR literature's mixes (lookup/insert/remove: read-only, \
            90/5/5, 50/25/25, 0/50/50) at 1 and 2 threads, the CPU count and twice it. Keys are \
            uniform over the literature's range (hash map and tree 100k, list 1k), prefilled to \
            half. Every run builds a fresh domain and structure. The Treiber stack runs a \
            retire-bound loop: each operation pops (and retires) a node, then pushes one.",
};

/// An operation mix: percentages of lookups, inserts and removes.
///
/// ```
/// assert_eq!(benches::workload::mixes::Mix::ReadMostly.percent(), (90, 5, 5));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mix {
    /// Lookups only.
    ReadOnly,
    /// 90% lookups, 5% inserts, 5% removes.
    ReadMostly,
    /// 50% lookups, 25% inserts, 25% removes.
    UpdateHeavy,
    /// 50% inserts, 50% removes: every other operation retires.
    UpdateOnly,
}

impl Mix {
    /// The four mixes of the literature.
    ///
    /// ```
    /// assert_eq!(benches::workload::mixes::Mix::ALL.len(), 4);
    /// ```
    pub const ALL: [Mix; 4] = [
        Mix::ReadOnly,
        Mix::ReadMostly,
        Mix::UpdateHeavy,
        Mix::UpdateOnly,
    ];

    /// (lookup, insert, remove) percentages.
    ///
    /// ```
    /// assert_eq!(benches::workload::mixes::Mix::UpdateOnly.percent(), (0, 50, 50));
    /// ```
    pub fn percent(self) -> (u32, u32, u32) {
        match self {
            Mix::ReadOnly => (100, 0, 0),
            Mix::ReadMostly => (90, 5, 5),
            Mix::UpdateHeavy => (50, 25, 25),
            Mix::UpdateOnly => (0, 50, 50),
        }
    }

    /// The mix's label: `read-only`, `90/5/5`, `50/25/25`, `0/50/50`.
    ///
    /// ```
    /// assert_eq!(benches::workload::mixes::Mix::ReadMostly.label().id, "90-5-5");
    /// ```
    pub fn label(self) -> Label {
        match self {
            Mix::ReadOnly => Label {
                id: "read-only",
                name: "read-only",
            },
            Mix::ReadMostly => Label {
                id: "90-5-5",
                name: "90/5/5",
            },
            Mix::UpdateHeavy => Label {
                id: "50-25-25",
                name: "50/25/25",
            },
            Mix::UpdateOnly => Label {
                id: "0-50-50",
                name: "0/50/50",
            },
        }
    }

    /// The mix whose label id or name is `text`.
    ///
    /// ```
    /// use benches::workload::mixes::Mix;
    /// assert_eq!(Mix::parse("50/25/25"), Some(Mix::UpdateHeavy));
    /// assert_eq!(Mix::parse("nope"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Mix> {
        Mix::ALL
            .into_iter()
            .find(|m| m.label().id == text || m.label().name == text)
    }
}

/// The pass's jobs for one scheme: every structure × mix × thread count of the settings.
///
/// ```
/// let make: benches::workload::Maker<_> = std::sync::Arc::new(|| peers::Sdd);
/// let jobs = benches::workload::mixes::jobs(&make, &benches::workload::Settings::quick());
/// assert!(jobs.len() >= 2 * 4 * 2);
/// ```
pub fn jobs<R: Reclaim + 'static>(make: &Maker<R>, settings: &Settings) -> Vec<Job> {
    struct Collect<'a, R> {
        make: &'a Maker<R>,
        settings: &'a Settings,
        jobs: Vec<Job>,
    }
    impl<R: Reclaim + 'static> KeySetVisitor<R> for Collect<'_, R> {
        fn visit<S: KeySet<R>>(&mut self) {
            let key_range = self.settings.key_range(S::KEY_RANGE);
            let structure = Label {
                id: S::ID,
                name: S::NAME,
            };
            for &mix in &self.settings.mixes {
                for &threads in &self.settings.threads {
                    let make = self.make.clone();
                    let point = Point::new(&PASS, structure, mix.label(), threads);
                    self.jobs
                        .push(Job::new(point, self.settings.point, true, move |d| {
                            vec![throughput::<S, R>(&*make, mix, threads, key_range, d)]
                        }));
                }
            }
        }
    }
    let mut collect = Collect {
        make,
        settings,
        jobs: Vec::new(),
    };
    for_each_key_set(&mut collect);
    collect.jobs
}

/// Prefills `set` with half of `0..key_range`, picked at random.
///
/// ```
/// use benches::targets::{HashSet, KeySet, SetOps};
/// let set: HashSet<_> = KeySet::new(peers::CrossbeamEpoch, 100);
/// benches::workload::mixes::prefill(&set, 100);
/// assert_eq!((0..100).filter(|&k| SetOps::contains(&set, k)).count(), 50);
/// ```
pub fn prefill(set: &impl SetOps, key_range: u64) {
    let mut rng = Rng::new(0xC0FFEE);
    let mut inserted = 0;
    while inserted < key_range / 2 {
        inserted += u64::from(set.insert(rng.next() % key_range));
    }
}

/// One worker: runs `mix` on `set` until `stop`; returns the operations done.
///
/// ```
/// use std::sync::atomic::AtomicBool;
/// use benches::targets::{KeySet, ListSet};
/// use benches::workload::mixes::{Mix, worker};
/// let set: ListSet<_> = KeySet::new(peers::CrossbeamEpoch, 64);
/// let stop = AtomicBool::new(true);
/// assert_eq!(worker(&set, 1, Mix::UpdateOnly, 64, &stop), 64); // one batch, then it stops
/// ```
pub fn worker(set: &impl SetOps, seed: u64, mix: Mix, key_range: u64, stop: &AtomicBool) -> u64 {
    let (lookup, insert, _) = mix.percent();
    let mut rng = Rng::new(seed);
    let mut ops = 0u64;
    loop {
        for _ in 0..64 {
            let r = rng.next();
            let key = (r >> 8) % key_range;
            let dice = (r & 0xff) as u32 * 100 / 256;
            if dice < lookup {
                black_box(set.contains(key));
            } else if dice < lookup + insert {
                black_box(set.insert(key));
            } else {
                black_box(set.remove(key));
            }
        }
        ops += 64;
        if stop.load(Ordering::Relaxed) {
            return ops;
        }
    }
}

/// One throughput run: Mops/s of `mix` on a fresh, prefilled `S` over a fresh domain, with
/// `threads` workers for `duration`.
///
/// ```
/// use benches::targets::ListSet;
/// use benches::workload::mixes::{Mix, throughput};
/// let mops = throughput::<ListSet<_>, _>(&srcu::Srcu::new, Mix::UpdateHeavy, 1, 100,
///     std::time::Duration::from_millis(5));
/// assert!(mops > 0.0);
/// ```
pub fn throughput<S: KeySet<R>, R: Reclaim>(
    make: &dyn Fn() -> R,
    mix: Mix,
    threads: usize,
    key_range: u64,
    duration: Duration,
) -> f64 {
    let set = S::new(make(), key_range);
    prefill(&set, key_range);
    let (ops, secs) = run_timed(
        threads,
        duration,
        |t, stop| worker(&set, t as u64 + 1, mix, key_range, stop),
        || std::thread::sleep(Duration::from_millis(1)),
    );
    ops.iter().sum::<u64>() as f64 / secs / 1e6
}
