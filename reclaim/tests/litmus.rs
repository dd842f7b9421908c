//! A hardware litmus test of the asymmetric fence: store buffering between a reader that runs
//! only a compiler fence ([`light_fence`]) and a writer that runs [`membarrier::heavy`].
//!
//! Loom cannot model `membarrier`, so the Fast/lazy flavors' pairing of a light reader fence
//! with a heavy writer fence is checked here, on the real machine, instead:
//!
//! ```text
//! reader:  x = 1; light_fence(); r1 = y        writer:  y = 1; heavy(); r2 = x
//! forbidden: r1 == 0 && r2 == 0
//! ```
//!
//! With `membarrier` the forbidden outcome must never appear. Built with
//! `RUSTFLAGS='--cfg reclaim_mutant="plain_heavy"'`, `heavy()` is only a `fence(SeqCst)` on the
//! writer's side, which does not order the reader's store before its load: the test must then
//! *observe* the forbidden outcome, which shows that it has teeth (x86 lets a load pass an
//! earlier store to another location through the store buffer).
//!
//! The same test runs with the writer's heavy fence taken from the process-wide batch
//! ([`heavy::Ticket`]), while a third thread issues heavy fences of its own now and then, so that
//! some rounds are served by a call another thread made. With
//! `--cfg reclaim_mutant="heavy_earlier_call_serves"`, a call that started before the ticket also
//! serves it, and the forbidden outcome must appear.
//!
//! Each round starts both threads together on a shared counter and skews one side by a few
//! spins that vary from round to round, so that the two critical windows overlap in every
//! possible way over many rounds.

#![cfg(feature = "std")]
// Each mutant build keeps only the test of its own mutant.
#![cfg_attr(reclaim_mutant = "plain_heavy", allow(dead_code, unused_imports))]

use gracepoint_reclaim::scheme::heavy::{self, Ticket, Urgency};
use gracepoint_reclaim::scheme::membarrier;
use gracepoint_reclaim::sync::light_fence;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

struct Shared {
    x: AtomicUsize,
    y: AtomicUsize,
    /// The round both threads may start.
    go: AtomicU64,
    /// The last round the reader finished, and what it read.
    done: AtomicU64,
    r1: AtomicUsize,
}

fn skew(round: u64, shift: u32) {
    for _ in 0..((round >> shift) % 24) {
        std::hint::spin_loop();
    }
}

/// Runs up to `rounds` rounds (stopping after `stop_after` forbidden outcomes, or once `budget`
/// has passed) and returns how many rounds ran and how many showed the forbidden outcome.
/// The writer's heavy fence is `writer_fence`.
fn store_buffering(
    rounds: u64,
    stop_after: u64,
    budget: std::time::Duration,
    writer_fence: impl Fn(),
) -> (u64, u64) {
    let deadline = std::time::Instant::now() + budget;
    let shared = Shared {
        x: AtomicUsize::new(0),
        y: AtomicUsize::new(0),
        go: AtomicU64::new(0),
        done: AtomicU64::new(0),
        r1: AtomicUsize::new(0),
    };
    let mut forbidden = 0;
    let mut ran = 0;
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut round = 0;
            loop {
                round += 1;
                while shared.go.load(Ordering::Acquire) < round {
                    std::hint::spin_loop();
                }
                if shared.go.load(Ordering::Acquire) == u64::MAX {
                    return;
                }
                skew(round, 0);
                shared.x.store(1, Ordering::Relaxed);
                light_fence();
                let r1 = shared.y.load(Ordering::Relaxed);
                shared.r1.store(r1, Ordering::Relaxed);
                shared.done.store(round, Ordering::Release);
            }
        });
        for round in 1..=rounds {
            shared.x.store(0, Ordering::Relaxed);
            shared.y.store(0, Ordering::Relaxed);
            shared.go.store(round, Ordering::Release);
            skew(round, 5);
            shared.y.store(1, Ordering::Relaxed);
            writer_fence();
            let r2 = shared.x.load(Ordering::Relaxed);
            while shared.done.load(Ordering::Acquire) < round {
                std::hint::spin_loop();
            }
            ran = round;
            if round % 4096 == 0 && std::time::Instant::now() > deadline {
                break;
            }
            if shared.r1.load(Ordering::Relaxed) == 0 && r2 == 0 {
                forbidden += 1;
                if forbidden >= stop_after {
                    break;
                }
            }
        }
        shared.go.store(u64::MAX, Ordering::Release);
    });
    (ran, forbidden)
}

/// Whether this machine can run the test: two CPUs (so that both threads run at once) and a
/// kernel that allows `membarrier`.
fn runnable() -> bool {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cpus < 2 {
        eprintln!("litmus: skipped, needs two CPUs (found {cpus})");
        return false;
    }
    if !cfg!(reclaim_mutant = "plain_heavy") && !membarrier::available() {
        eprintln!("litmus: skipped, membarrier(PRIVATE_EXPEDITED) is refused here");
        return false;
    }
    true
}

#[cfg(not(any(
    reclaim_mutant = "plain_heavy",
    reclaim_mutant = "heavy_earlier_call_serves"
)))]
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "runs for seconds; scripts/test-all runs it in release"
)]
fn membarrier_forbids_store_buffering_with_a_compiler_fenced_reader() {
    if !runnable() {
        return;
    }
    // Millions of rounds on a quiet two-core machine; bounded in time so that a loaded machine
    // (where every membarrier waits for the other CPU) does not stall the test suite. The
    // mutant below shows the forbidden outcome within a few hundred rounds.
    let (ran, forbidden) = store_buffering(
        5_000_000,
        1,
        std::time::Duration::from_secs(20),
        membarrier::heavy,
    );
    eprintln!("litmus: {ran} rounds with membarrier, {forbidden} forbidden outcomes");
    assert_eq!(
        forbidden, 0,
        "a compiler-fenced reader and a membarrier writer both missed each other's store"
    );
}

#[cfg(reclaim_mutant = "plain_heavy")]
#[test]
fn a_plain_writer_fence_lets_store_buffering_through() {
    if !runnable() {
        return;
    }
    let (ran, forbidden) = store_buffering(
        20_000_000,
        10,
        std::time::Duration::from_secs(60),
        membarrier::heavy,
    );
    eprintln!("litmus (mutant plain_heavy): {forbidden} forbidden outcomes in {ran} rounds");
    assert!(
        forbidden > 0,
        "the litmus test has no teeth: a plain writer fence never showed store buffering in \
         {ran} rounds"
    );
}

/// The writer's fence from the process-wide batch, with a third thread that issues heavy fences
/// every few tens of microseconds until `run` returns.
fn with_batched_fences<T>(run: impl FnOnce(&dyn Fn()) -> T) -> T {
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                Ticket::take().fence_after(Urgency::Now);
                std::thread::sleep(std::time::Duration::from_micros(50));
            }
        });
        let result = run(&|| {
            assert!(Ticket::take().fence_after(Urgency::Now));
        });
        stop.store(true, Ordering::Relaxed);
        result
    })
}

#[cfg(not(any(
    reclaim_mutant = "plain_heavy",
    reclaim_mutant = "heavy_earlier_call_serves"
)))]
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "runs for seconds; scripts/test-all runs it in release"
)]
fn batched_heavy_fences_forbid_store_buffering_with_a_compiler_fenced_reader() {
    if !runnable() {
        return;
    }
    let before = heavy::issued();
    let (ran, forbidden) = with_batched_fences(|fence| {
        store_buffering(2_000_000, 1, std::time::Duration::from_secs(15), fence)
    });
    let issued = heavy::issued() - before;
    eprintln!(
        "litmus: {ran} rounds with tickets, {issued} heavy fences issued, {forbidden} forbidden \
         outcomes"
    );
    assert_eq!(
        forbidden, 0,
        "a compiler-fenced reader and a writer served by a batched membarrier both missed each \
         other's store"
    );
}

#[cfg(reclaim_mutant = "heavy_earlier_call_serves")]
#[test]
fn a_ticket_served_by_an_earlier_call_lets_store_buffering_through() {
    if !runnable() {
        return;
    }
    let before = heavy::issued();
    let (ran, forbidden) = with_batched_fences(|fence| {
        store_buffering(20_000_000, 10, std::time::Duration::from_secs(60), fence)
    });
    let issued = heavy::issued() - before;
    eprintln!(
        "litmus (mutant heavy_earlier_call_serves): {forbidden} forbidden outcomes in {ran} \
         rounds, {issued} heavy fences issued"
    );
    assert!(
        forbidden > 0,
        "the ticket litmus test has no teeth: tickets served by earlier calls never showed store \
         buffering in {ran} rounds"
    );
}
