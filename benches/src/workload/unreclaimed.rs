//! The unreclaimed-objects pass: how much retired memory waits to be freed. The hash map runs
//! the 50/25/25 mix on max(2, CPUs) threads while the main thread samples *retired minus freed*
//! about every 100 µs; each run reports the average and the peak. Counting (one shared
//! increment per retire and per free) slows the run, so this is a pass of its own and its
//! throughput is not reported.
//!
//! ```
//! let [avg, peak, retired] = benches::workload::unreclaimed::count(&|| peers::CrossbeamEpoch,
//!     2, 1000, std::time::Duration::from_millis(5));
//! assert!(retired > 0.0 && avg <= peak);
//! ```

use std::time::Duration;

use peers::Op;
use reclaim::Reclaim;

use super::mixes::{Mix, worker};
use super::{Better, Job, Label, Maker, Pass, Point, Settings};
use crate::counted::{Counted, Counter, CountingDomain};
use crate::measure::{Rng, run_timed};
use crate::targets::{HashSet, KeySet, Map, SetOps};

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
pub fn count<R: Reclaim>(
    make: &dyn Fn() -> R,
    threads: usize,
    key_range: u64,
    duration: Duration,
) -> [f64; 3] {
    let counter = Counter::new();
    let domain = CountingDomain::new(make());
    let retired = domain.retired_counter();
    let map = Map::new(domain, (key_range / 2) as usize);
    let mut rng = Rng::new(0xC0FFEE);
    let mut inserted = 0;
    while inserted < key_range / 2 {
        match map.insert(rng.next() % key_range, Counted::new(&counter)) {
            Ok(()) => inserted += 1,
            Err(mut v) => v.disarm(),
        }
    }
    let set = CountedSet {
        map: &map,
        counter: &counter,
    };
    let dropped_before = counter.dropped();
    let retired_before = retired();
    let (mut peak, mut sum, mut n) = (0u64, 0u128, 0u64);
    run_timed(
        threads,
        duration,
        |t, stop| worker(&set, t as u64 + 101, Mix::UpdateHeavy, key_range, stop),
        || {
            std::thread::sleep(Duration::from_micros(100));
            // Dropped first: every drop counted here was retired before, so the difference
            // never undercounts what is pending.
            let freed = counter.dropped() - dropped_before;
            let pending = (retired() - retired_before).saturating_sub(freed);
            peak = peak.max(pending);
            sum += u128::from(pending);
            n += 1;
        },
    );
    let average = if n == 0 { 0.0 } else { sum as f64 / n as f64 };
    [average, peak as f64, (retired() - retired_before) as f64]
}

/// The counting map seen as a key set, so that the mixes' worker drives it.
struct CountedSet<'a, R: Reclaim> {
    map: &'a Map<Counted, CountingDomain<R>>,
    counter: &'a Counter,
}

impl<R: Reclaim> SetOps for CountedSet<'_, R> {
    fn insert(&self, key: u64) -> bool {
        match self.map.insert(key, Counted::new(self.counter)) {
            Ok(()) => true,
            Err(mut v) => {
                v.disarm();
                false
            }
        }
    }
    fn remove(&self, key: u64) -> bool {
        self.map.remove(key)
    }
    fn contains(&self, key: u64) -> bool {
        self.map.contains(key)
    }
}
