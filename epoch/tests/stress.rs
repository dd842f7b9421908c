//! Stress: readers dereference a shared pointer while pinned (sometimes nested, sometimes
//! through a registered reader, sometimes repinning mid-section) while writers swap it and
//! dispose of the old object in every way the API offers (`retire`, `call`, a registered
//! reader's `retire`, `synchronize` then drop, a polled cookie then drop). Every object carries a
//! canary its destructor poisons; every read checks it, and a ledger proves each object was
//! dropped exactly once (after the domain itself is dropped).
//!
//! Bounded by iterations and by a deadline, so it stays short in debug builds and under
//! AddressSanitizer. The deadline only bounds the volume: every writer makes its first
//! `MIN_SWAPS_PER_WRITER` swaps whatever the clock says, and nothing checked depends on time.

#![cfg(feature = "std")]

use gracepoint_epoch::Epoch;
use reclaim::testing::{Ledger, StressConfig, Tracked, swap_and_retire};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const READERS: usize = 2;
const WRITERS: usize = 2;
const SWAPS_PER_WRITER: u64 = 1500;
/// Swaps each writer makes even past the deadline.
const MIN_SWAPS_PER_WRITER: u64 = 50;
const DEADLINE: Duration = Duration::from_secs(3);

/// Runs the stress on `domain` and drops it, with whatever it still holds.
fn run<const N: usize>(domain: Epoch<N>, ledger: &'static Ledger) {
    let shared = AtomicPtr::new(boxed(ledger, 0));
    let stop = AtomicBool::new(false);
    let reads = AtomicU64::new(0);
    let deadline = Instant::now() + DEADLINE;
    let domain = &domain;
    std::thread::scope(|s| {
        for r in 0..READERS {
            let (shared, stop, reads) = (&shared, &stop, &reads);
            s.spawn(move || {
                let registered = domain.register().unwrap();
                let mut n = 0u64;
                // At least one round, even when the writers finish before this thread runs.
                while n == 0 || !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let mut guard = if n % 3 == r as u64 {
                        registered.pin()
                    } else {
                        domain.pin()
                    };
                    // SAFETY: the guard keeps whatever we load alive until it drops or repins.
                    let object = unsafe { &*shared.load(Ordering::Acquire) };
                    object.read();
                    if n.is_multiple_of(8) {
                        let inner = domain.pin();
                        // SAFETY: as above.
                        unsafe { &*shared.load(Ordering::Acquire) }.read();
                        drop(inner);
                    }
                    object.read();
                    if n.is_multiple_of(16) {
                        guard.repin();
                        // `object` may be gone now; load again.
                        // SAFETY: as above, for the new section.
                        unsafe { &*shared.load(Ordering::Acquire) }.read();
                    }
                    drop(guard);
                }
                reads.fetch_add(n, Ordering::Relaxed);
            });
        }
        let writers: Vec<_> = (0..WRITERS as u64)
            .map(|w| {
                let shared = &shared;
                s.spawn(move || {
                    let registered = domain.register().unwrap();
                    for i in 0..SWAPS_PER_WRITER {
                        // A volume bound, not a check: the first swaps always run, so that
                        // what the run checks does not depend on when a writer got the CPU.
                        if i >= MIN_SWAPS_PER_WRITER && Instant::now() > deadline {
                            break;
                        }
                        let fresh = boxed(ledger, i * WRITERS as u64 + w);
                        // SAFETY: the swapped-out object is unlinked and owned by this writer.
                        let old = unsafe { Box::from_raw(shared.swap(fresh, Ordering::AcqRel)) };
                        match (i + w) % 6 {
                            0 | 1 => domain.retire(old),
                            2 => domain.call(move || drop(old)),
                            3 => registered.retire(old),
                            4 => {
                                domain.synchronize();
                                drop(old);
                            }
                            _ => {
                                let cookie = domain.start_poll();
                                while !domain.poll(&cookie) {
                                    std::thread::yield_now();
                                }
                                drop(old);
                            }
                        }
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        stop.store(true, Ordering::Relaxed);
    });
    eprintln!(
        "{} reads, {} objects, {} advances",
        reads.load(Ordering::Relaxed),
        ledger.created(),
        domain.stats().grace_periods
    );
    assert!(reads.load(Ordering::Relaxed) > 0);
    // SAFETY: every thread has stopped; the last object belongs to us.
    drop(unsafe { Box::from_raw(shared.load(Ordering::Relaxed)) });
    // The domain drops as `run` returns, freeing whatever is still pending.
}

fn stress<const N: usize>(domain: Epoch<N>) {
    // One ledger per call (the tests run in parallel); statics, so nothing is leaked for
    // LeakSanitizer to report.
    static LEDGERS: [Ledger; 4] = [const { Ledger::new() }; 4];
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let ledger = &LEDGERS[NEXT.fetch_add(1, Ordering::Relaxed)];
    run(domain, ledger);
    ledger.assert_balanced();
    assert!(ledger.created() > 1);
}

/// A fresh object on the heap, counted in `ledger`.
fn boxed(ledger: &'static Ledger, value: u64) -> *mut Tracked {
    Box::into_raw(Box::new(Tracked::new(ledger, value)))
}

#[test]
fn stress_growable_slots() {
    stress(Epoch::new());
}

#[test]
fn stress_inline_slots() {
    stress(Epoch::<8>::new_fixed());
}

#[test]
fn shared_stress_through_the_reclaim_trait() {
    static LEDGER: Ledger = Ledger::new();
    let report = swap_and_retire(Epoch::new(), &LEDGER, StressConfig::quick());
    assert!(report.reads > 0 && report.swaps > 0);
    LEDGER.assert_balanced();
}

#[test]
fn shared_stress_with_more_threads_than_cores() {
    static LEDGER: Ledger = Ledger::new();
    let config = StressConfig {
        readers: 4,
        writers: 3,
        swaps_per_writer: 1000,
        ..StressConfig::quick()
    };
    let report = swap_and_retire(Epoch::<2>::new_fixed(), &LEDGER, config);
    assert!(report.reads > 0 && report.swaps > 0);
    LEDGER.assert_balanced();
}
