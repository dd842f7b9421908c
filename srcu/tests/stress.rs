//! Stress: readers dereference a shared pointer inside read sections while writers swap it and
//! dispose of the old object in every way the API offers (`retire`, `call`, `synchronize` then
//! drop, a polled cookie then drop). Some sections are held through tokens and ended on another
//! thread. Every object carries a canary its destructor poisons; every read checks it, and a
//! ledger proves each object was dropped exactly once (after the domain itself is dropped).
//!
//! Bounded by iterations and by a deadline, so it stays short in debug builds and under
//! AddressSanitizer. The deadline only bounds the volume: every writer makes its first
//! `MIN_SWAPS_PER_WRITER` swaps whatever the clock says, and nothing checked depends on time.

#![cfg(feature = "std")]

use gracepoint_srcu::{Flavor, Options, SlotChoice, Srcu};
use reclaim::testing::{Ledger, StressConfig, Tracked, swap_and_retire};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A pointer read inside a section, sent along with that section's token.
struct Held(*const Tracked);
// SAFETY: the token travelling with it keeps the object alive.
unsafe impl Send for Held {}

const READERS: usize = 2;
const WRITERS: usize = 2;
const SWAPS_PER_WRITER: u64 = 1500;
/// Swaps each writer makes even past the deadline.
const MIN_SWAPS_PER_WRITER: u64 = 50;
const DEADLINE: Duration = Duration::from_secs(3);

/// Runs the stress on `domain` and drops it, with whatever it still holds.
fn run<const N: usize>(domain: Srcu<N>, ledger: &'static Ledger) {
    let shared = AtomicPtr::new(boxed(ledger, 0));
    let stop = AtomicBool::new(false);
    let reads = AtomicU64::new(0);
    let token_reads = AtomicU64::new(0);
    let deadline = Instant::now() + DEADLINE;
    let domain = &domain;
    std::thread::scope(|s| {
        let (send, receive) = mpsc::sync_channel::<(gracepoint_srcu::ReadToken<'_, N>, Held)>(8);
        // Ends, on its own thread, sections that readers began.
        let token_reads = &token_reads;
        s.spawn(move || {
            for (token, held) in receive {
                // SAFETY: the token's section keeps the object alive until it is unlocked.
                unsafe { &*held.0 }.read();
                token_reads.fetch_add(1, Ordering::Relaxed);
                domain.read_unlock(token);
            }
        });
        for r in 0..READERS {
            let send = send.clone();
            let (shared, stop, reads) = (&shared, &stop, &reads);
            s.spawn(move || {
                let mut n = 0u64;
                // At least one round, even when the writers finish before this thread runs;
                // reader 0's first round goes through a token, so that one always does.
                while n == 0 || !stop.load(Ordering::Relaxed) {
                    n += 1;
                    if (n - 1) % 64 == r as u64 {
                        let token = domain.read_lock_token();
                        let held = Held(shared.load(Ordering::Acquire));
                        if send.send((token, held)).is_err() {
                            break;
                        }
                        continue;
                    }
                    let guard = domain.read_lock();
                    // SAFETY: the guard keeps whatever we load alive until it drops.
                    let object = unsafe { &*shared.load(Ordering::Acquire) };
                    object.read();
                    if n.is_multiple_of(8) {
                        let inner = domain.read_lock();
                        // SAFETY: as above.
                        unsafe { &*shared.load(Ordering::Acquire) }.read();
                        drop(inner);
                    }
                    object.read();
                    drop(guard);
                }
                reads.fetch_add(n, Ordering::Relaxed);
            });
        }
        drop(send);
        let writers: Vec<_> = (0..WRITERS as u64)
            .map(|w| {
                let shared = &shared;
                s.spawn(move || {
                    for i in 0..SWAPS_PER_WRITER {
                        // A volume bound, not a check: the first swaps always run, so that
                        // what the run checks does not depend on when a writer got the CPU.
                        if i >= MIN_SWAPS_PER_WRITER && Instant::now() > deadline {
                            break;
                        }
                        let fresh = boxed(ledger, i * WRITERS as u64 + w);
                        // SAFETY: the swapped-out object is unlinked and owned by this writer.
                        let old = unsafe { Box::from_raw(shared.swap(fresh, Ordering::AcqRel)) };
                        match (i + w) % 5 {
                            0 | 1 => domain.retire(old),
                            2 => domain.call(move || drop(old)),
                            3 => {
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
        "{} reads, {} through tokens, {} objects",
        reads.load(Ordering::Relaxed),
        token_reads.load(Ordering::Relaxed),
        ledger.created()
    );
    assert!(reads.load(Ordering::Relaxed) > 0);
    assert!(token_reads.load(Ordering::Relaxed) > 0);
    // SAFETY: every thread has stopped; the last object belongs to us.
    drop(unsafe { Box::from_raw(shared.load(Ordering::Relaxed)) });
    // The domain drops as `run` returns, freeing whatever is still pending.
}

fn stress<const N: usize>(domain: Srcu<N>) {
    // One ledger per call (the four tests run in parallel); statics, so nothing is leaked for
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
fn stress_fenced_per_thread() {
    stress(Srcu::with_options(
        Options::DEFAULT
            .flavor(Flavor::Fenced)
            .slots(SlotChoice::Thread),
    ));
}

#[test]
fn stress_fast_per_thread() {
    stress(Srcu::with_options(
        Options::DEFAULT
            .flavor(Flavor::Fast)
            .slots(SlotChoice::Thread),
    ));
}

#[test]
fn stress_fenced_per_cpu() {
    stress(Srcu::with_options(
        Options::DEFAULT
            .flavor(Flavor::Fenced)
            .slots(SlotChoice::Cpu),
    ));
}

#[test]
fn stress_fast_per_cpu_fixed_slots() {
    stress(Srcu::<4>::fixed_with_options(
        Options::DEFAULT.flavor(Flavor::Fast).slots(SlotChoice::Cpu),
    ));
}

#[test]
fn shared_stress_through_the_reclaim_trait() {
    static LEDGER: Ledger = Ledger::new();
    let report = swap_and_retire(Srcu::new(), &LEDGER, StressConfig::quick());
    assert!(report.reads > 0 && report.swaps > 0);
    LEDGER.assert_balanced();
}
