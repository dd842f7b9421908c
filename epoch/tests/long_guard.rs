//! Garbage under a long-held guard, for this crate and for crossbeam-epoch in the same run.
//!
//! One thread runs a long operation while another retires objects as fast as it can. Held
//! without a break, the guard stops the epoch, and garbage grows with every retire in both
//! crates: a retire never waits for a grace period (it may run inside a section), so memory is
//! the only place the garbage can go. What this crate adds today: a retire past
//! `PRESSURE_OBJECTS` (8192) waiting objects attempts an advance on every seal and yields the
//! CPU once (a preempted reader gets to run), `stats()` shows the backlog, and everything is
//! freed as soon as the guard goes. With `repin` every few steps of the long operation, the
//! backlog stays bounded.
//!
//! `cargo test --release -p gracepoint-epoch --test long_guard -- --nocapture` prints the figures quoted in
//! `docs/epoch.md`.

#![cfg(feature = "std")]

use gracepoint_epoch::Epoch;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

const RETIRES: usize = 50_000;

/// Counts live objects of one run.
struct Counted(&'static AtomicUsize);

impl Counted {
    fn new(live: &'static AtomicUsize) -> Self {
        live.fetch_add(1, Ordering::Relaxed);
        Self(live)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Runs a long operation on one thread (repinning every `repin_every` steps, or never) while
/// this thread retires `RETIRES` objects through `retire`; returns the peak of live objects.
fn peak_backlog<G>(
    pin: impl Fn() -> G + Sync,
    repin: impl Fn(&mut G) + Sync,
    retire: impl Fn(Box<Counted>),
    repin_every: Option<u64>,
) -> usize {
    // One counter per run: crossbeam-epoch has no way to wait for a previous run's garbage.
    static RUNS: [AtomicUsize; 4] = [const { AtomicUsize::new(0) }; 4];
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let live = &RUNS[NEXT.fetch_add(1, Ordering::Relaxed)];
    let stop = AtomicBool::new(false);
    let repins = AtomicUsize::new(0);
    let started = Barrier::new(2);
    let mut peak = 0;
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut guard = pin();
            started.wait();
            let mut steps = 0u64;
            while !stop.load(Ordering::Relaxed) {
                steps += 1;
                std::hint::spin_loop();
                if repin_every.is_some_and(|every| steps.is_multiple_of(every)) {
                    repin(&mut guard);
                    repins.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        started.wait();
        for i in 0..RETIRES {
            retire(Box::new(Counted::new(live)));
            if i % 64 == 0 {
                peak = peak.max(live.load(Ordering::Relaxed));
            }
            // The long operation repins at least once per 1024 retires, whatever the scheduler
            // does: on two busy cores it could otherwise sit preempted through the whole loop.
            if repin_every.is_some() && i % 1024 == 1023 {
                let seen = repins.load(Ordering::Relaxed);
                while repins.load(Ordering::Relaxed) == seen {
                    std::thread::yield_now();
                }
            }
        }
        stop.store(true, Ordering::Relaxed);
    });
    peak
}

fn retire_epoch(domain: &Epoch) -> impl Fn(Box<Counted>) + '_ {
    move |object| domain.retire(object)
}

#[test]
fn garbage_under_a_long_held_guard_and_with_repin() {
    let domain = Epoch::new();
    let held = peak_backlog(|| domain.pin(), |g| g.repin(), retire_epoch(&domain), None);
    domain.barrier();
    assert_eq!(
        domain.stats().pending,
        0,
        "everything is freed once the guard goes"
    );
    let repinned = peak_backlog(
        || domain.pin(),
        |g| g.repin(),
        retire_epoch(&domain),
        Some(64),
    );
    domain.barrier();

    let collector = crossbeam_epoch::Collector::new();
    let retire_crossbeam = |object: Box<Counted>| {
        let handle = LOCAL_HANDLE.with(|h| h.get_or_init(|| collector.register()).pin());
        handle.defer(move || drop(object));
    };
    std::thread_local! {
        static LOCAL_HANDLE: std::sync::OnceLock<crossbeam_epoch::LocalHandle> =
            const { std::sync::OnceLock::new() };
    }
    let cb_pin = || collector.register();
    let cb_held = peak_backlog(
        || {
            let handle = cb_pin();
            let guard = handle.pin();
            (handle, guard)
        },
        |_| {},
        retire_crossbeam,
        None,
    );
    let cb_repinned = peak_backlog(
        || {
            let handle = cb_pin();
            let guard = handle.pin();
            (handle, guard)
        },
        |(_, guard)| guard.repin(),
        retire_crossbeam,
        Some(64),
    );
    eprintln!(
        "peak objects waiting while {RETIRES} are retired: epoch {held} with the guard held, \
         {repinned} with repin every 64 steps; crossbeam-epoch {cb_held} held, {cb_repinned} \
         with repin"
    );
    assert!(
        held > RETIRES / 2,
        "a held guard must hold back the garbage: {held}"
    );
    assert!(
        repinned < RETIRES / 2,
        "repin should let the epoch move: {repinned} waiting"
    );
}
