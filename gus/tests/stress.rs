//! Bounded stress: readers dereference a shared pointer inside sections while writers swap it
//! and free the old object, through `retire` and through `advance` + `wait` + drop. Every
//! object carries a canary that its destructor poisons; every read checks it, and a second
//! drop finds the poison. After the domain drops, every object created has been dropped once.
//!
//! Run under AddressSanitizer to catch a use after free that the canary would miss:
//! `RUSTFLAGS=-Zsanitizer=address cargo +nightly test -p gracepoint-gus --test stress --target <host>`.

#![cfg(feature = "std")]

use gracepoint_gus::{Gus, Mode, Options};
use reclaim::testing::{Ledger, StressConfig, Tracked, swap_and_retire};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A volume bound, not a check: past it, writers stop once they made `MIN_SWAPS` swaps.
const RUN_FOR: Duration = Duration::from_millis(400);
/// Swaps each writer makes whatever the clock says, so that what the run checks never depends
/// on when the scheduler ran it.
const MIN_SWAPS: usize = 100;
const MAX_SWAPS: usize = 20_000;

/// A fresh object on the heap, counted in `ledger`.
fn boxed(value: usize, ledger: &'static Ledger) -> *mut Tracked {
    Box::into_raw(Box::new(Tracked::new(ledger, value as u64)))
}

/// A pointer that can be sent to the thread that frees it.
struct Owned(*mut Tracked);
// SAFETY: `Tracked` is `Send`; the pointer is owned by whoever holds this.
unsafe impl Send for Owned {}

/// A recycled node, owned by the pool while it waits.
struct Generation(*mut AtomicU64);
// SAFETY: `AtomicU64` is `Send`; the pointer is owned by whoever holds this.
unsafe impl Send for Generation {}

fn run(mode: Mode, ledger: &'static Ledger) {
    let gus = Gus::with_options(Options::DEFAULT.mode(mode));
    let shared = AtomicPtr::new(boxed(0, ledger));
    let stop = AtomicBool::new(false);
    let reads = AtomicUsize::new(0);
    let swaps = AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|s| {
        for r in 0..3 {
            let (gus, shared, stop, reads) = (&gus, &shared, &stop, &reads);
            s.spawn(move || {
                // Reader 0 uses an explicitly registered slot; the others use their thread's.
                let reader = (r == 0).then(|| gus.register().unwrap());
                let mut n = 0usize;
                // At least one round, even when the writers finish before this thread runs.
                while n == 0 || !stop.load(Ordering::Relaxed) {
                    let _section = match &reader {
                        Some(reader) => reader.enter(),
                        None => gus.enter(),
                    };
                    // SAFETY: the section keeps whatever we load alive.
                    let node = unsafe { &*shared.load(Ordering::Acquire) };
                    let before = node.read();
                    if n.is_multiple_of(16) {
                        let _nested = gus.enter();
                        std::hint::black_box(node.read());
                    }
                    assert_eq!(node.read(), before);
                    n += 1;
                }
                reads.fetch_add(n, Ordering::Relaxed);
            });
        }
        let writers: Vec<_> = (0..2usize)
            .map(|w| {
                let (gus, shared, swaps) = (&gus, &shared, &swaps);
                s.spawn(move || {
                    let mut i = 0;
                    while i < MIN_SWAPS || (start.elapsed() < RUN_FOR && i < MAX_SWAPS) {
                        let old = Owned(shared.swap(boxed(i, ledger), Ordering::AcqRel));
                        if (i + w) % 8 == 0 {
                            // The synchronous path: tag with a goal, wait, free.
                            let goal = gus.advance();
                            gus.wait(&goal);
                            // SAFETY: unlinked before the advance; the goal has passed.
                            drop(unsafe { Box::from_raw(old.0) });
                        } else {
                            // SAFETY: unlinked; `retire` drops it after a grace period.
                            unsafe { gus.retire_ptr(old.0) };
                        }
                        i += 1;
                    }
                    swaps.fetch_add(i, Ordering::Relaxed);
                })
            })
            .collect();
        // Writers finish on their own; readers stop once they have.
        for writer in writers {
            writer.join().unwrap();
        }
        stop.store(true, Ordering::Relaxed);
    });
    // SAFETY: every thread has joined; the last object is ours.
    drop(unsafe { Box::from_raw(shared.load(Ordering::Relaxed)) });
    let (stats, counters) = (gus.stats(), gus.counters());
    drop(gus);
    let reads = reads.load(Ordering::Relaxed);
    let swaps = swaps.load(Ordering::Relaxed);
    eprintln!("{mode:?}: {reads} reads, {swaps} swaps, {stats:?}, {counters:?}");
    assert!(reads > 0 && swaps > 0);
    ledger.assert_balanced();
}

#[test]
fn default_mode() {
    static LEDGER: Ledger = Ledger::new();
    run(Mode::Default, &LEDGER);
}

#[test]
fn deferred_mode() {
    static LEDGER: Ledger = Ledger::new();
    run(Mode::Deferred(4), &LEDGER);
}

#[test]
fn lazy_mode() {
    static LEDGER: Ledger = Ledger::new();
    run(Mode::Lazy, &LEDGER);
}

#[test]
fn recycled_objects_come_back_only_after_their_goal() {
    // The UMA pattern: unlinked nodes are not freed but reused, once no reader can still see
    // them. A reader that finds a node's generation changed under it saw a reuse too early.
    let gus = Gus::new();
    let pool = gracepoint_gus::Recycler::new();
    let shared = AtomicPtr::new(Box::into_raw(Box::new(AtomicU64::new(0))));
    let stop = AtomicBool::new(false);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let _section = gus.enter();
                    // SAFETY: nodes are never freed while the test runs.
                    let node = unsafe { &*shared.load(Ordering::Acquire) };
                    let first = node.load(Ordering::Relaxed);
                    std::hint::spin_loop();
                    assert_eq!(node.load(Ordering::Relaxed), first, "reused under a reader");
                }
            });
        }
        let mut generation = 1;
        // At least `MIN_SWAPS` recycles, then until the volume bound.
        while generation <= MIN_SWAPS as u64 || start.elapsed() < RUN_FOR / 2 {
            let node = pool
                .get(&gus)
                .unwrap_or_else(|| Generation(Box::into_raw(Box::new(AtomicU64::new(0)))))
                .0;
            // SAFETY: fresh, or recycled after its goal passed: no reader holds it.
            unsafe { &*node }.store(generation, Ordering::Relaxed);
            generation += 1;
            let old = shared.swap(node, Ordering::AcqRel);
            pool.put(&gus, Generation(old));
        }
        stop.store(true, Ordering::Relaxed);
    });
    gus.barrier();
    while let Some(node) = pool.get(&gus) {
        // SAFETY: made by `Box::into_raw` above.
        drop(unsafe { Box::from_raw(node.0) });
    }
    assert!(pool.is_empty());
    // SAFETY: every thread has joined.
    drop(unsafe { Box::from_raw(shared.load(Ordering::Relaxed)) });
}

#[test]
fn shared_stress_through_the_reclaim_trait() {
    static LEDGER: Ledger = Ledger::new();
    let report = swap_and_retire(Gus::new(), &LEDGER, StressConfig::quick());
    assert!(report.reads > 0 && report.swaps > 0);
    LEDGER.assert_balanced();
}
