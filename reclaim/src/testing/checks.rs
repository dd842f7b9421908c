//! Generic checks of the shared retire path, run on every scheme: threads that exit, barriers
//! that reach live threads' bags, bounded free latency, panicking destructors, the background
//! reclaimer.

use super::{Ledger, Tracked};
use crate::Reclaim;
use alloc::boxed::Box;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Short-lived threads, `threads` in all (8 alive at a time), each retire a few objects (one of
/// them inside a read section) and exit; then `barrier`. Panics unless every object was freed
/// exactly once: a thread's exit must leave nothing behind.
///
/// ```
/// # use gracepoint_reclaim::testing::*;
/// static L: Ledger = Ledger::new();
/// short_lived_retiring_threads(&gracepoint_reclaim::scheme::ReaderCount, &L, 16);
/// ```
#[track_caller]
pub fn short_lived_retiring_threads<R: Reclaim>(
    domain: &R,
    ledger: &'static Ledger,
    threads: usize,
) {
    let before = ledger.live();
    let mut spawned = 0;
    while spawned < threads {
        let wave = (threads - spawned).min(8);
        std::thread::scope(|s| {
            for t in 0..wave {
                let n = (spawned + t) % 5 + 1;
                s.spawn(move || {
                    for i in 0..n {
                        let object = Box::new(Tracked::new(ledger, i as u64));
                        if i == 0 {
                            let _guard = domain.enter();
                            domain.retire(object);
                        } else {
                            domain.retire(object);
                        }
                    }
                });
            }
        });
        spawned += wave;
    }
    domain.barrier();
    assert_eq!(
        ledger.live(),
        before,
        "objects retired by threads that exited were not all freed by barrier"
    );
    ledger.assert_balanced_so_far();
}

/// A thread retires an object and stays alive without calling in again; `barrier` on another
/// thread must still free the object (crossbeam-epoch and seize cannot: the object sits in that
/// thread's local bag).
///
/// ```
/// # use gracepoint_reclaim::testing::*;
/// static L: Ledger = Ledger::new();
/// barrier_reaches_live_threads(&gracepoint_reclaim::scheme::ReaderCount, &L);
/// ```
#[track_caller]
pub fn barrier_reaches_live_threads<R: Reclaim>(domain: &R, ledger: &'static Ledger) {
    let before = ledger.live();
    let (retired_tx, retired_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|s| {
        s.spawn(move || {
            domain.retire(Box::new(Tracked::new(ledger, 1)));
            retired_tx.send(()).unwrap();
            release_rx.recv().unwrap();
        });
        retired_rx.recv().unwrap();
        domain.barrier();
        let live = ledger.live();
        release_tx.send(()).unwrap();
        assert_eq!(
            live, before,
            "barrier left an object in a live thread's bag"
        );
    });
}

/// Two threads retire steadily, so their own collections keep freeing batches after releasing
/// the collection lock; meanwhile another thread runs `rounds` barriers. Each barrier
/// must return only after every object retired before it began was dropped, including those
/// another thread's collection took off the queue and is still freeing. The objects take a
/// moment to drop, to widen that window.
///
/// ```
/// # use gracepoint_reclaim::testing::*;
/// static L: Ledger = Ledger::new();
/// barrier_waits_for_frees_on_other_threads(&gracepoint_reclaim::scheme::ReaderCount, &L, 10);
/// ```
#[track_caller]
pub fn barrier_waits_for_frees_on_other_threads<R: Reclaim>(
    domain: &R,
    ledger: &'static Ledger,
    rounds: usize,
) {
    /// Spins a little before it drops its object (the field is there to be dropped).
    struct SlowDrop {
        _object: Tracked,
    }
    impl Drop for SlowDrop {
        fn drop(&mut self) {
            for _ in 0..64 {
                core::hint::spin_loop();
            }
        }
    }
    let retired = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // Other checks sharing the ledger can only add drops: the comparison below cannot fail
    // because of them.
    let dropped_before = ledger.dropped();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    domain.retire(Box::new(SlowDrop {
                        _object: Tracked::new(ledger, 0),
                    }));
                    retired.fetch_add(1, Ordering::SeqCst);
                    // Retire more slowly than objects drop: writers that outrun their own
                    // destructors make every collection larger than the last, and the
                    // barriers' frees with them (a backlog no reclamation scheme can drain).
                    for _ in 0..256 {
                        core::hint::spin_loop();
                    }
                }
            });
        }
        let mut last = 0;
        // Under Miri, which runs a thousand times slower, fewer retires between barriers.
        let between = if cfg!(miri) { 8 } else { 256 };
        for round in 0..rounds {
            // Let the writers retire (and collect) between barriers, so that every barrier
            // meets their collections.
            while retired.load(Ordering::SeqCst) < last + between {
                std::thread::yield_now();
            }
            let before = retired.load(Ordering::SeqCst);
            last = before;
            domain.barrier();
            let dropped = ledger.dropped() - dropped_before;
            if dropped < before {
                stop.store(true, Ordering::Relaxed);
                panic!(
                    "barrier {round} returned with {} of the {before} objects retired before it \
                     not yet dropped",
                    before - dropped
                );
            }
        }
        stop.store(true, Ordering::Relaxed);
    });
    domain.barrier();
}

/// A thread retires one object while other garbage is pending (so it waits in the thread's
/// bag), then goes quiet. Other threads keep calling `synchronize`; the object must be freed
/// within `max_calls` of those calls. Returns how many it took.
///
/// ```
/// # use gracepoint_reclaim::testing::*;
/// static L: Ledger = Ledger::new();
/// quiet_retire_is_freed_by_other_calls(&gracepoint_reclaim::scheme::ReaderCount, &L, 16);
/// ```
#[track_caller]
pub fn quiet_retire_is_freed_by_other_calls<R: Reclaim>(
    domain: &R,
    ledger: &'static Ledger,
    max_calls: usize,
) -> usize {
    let before = ledger.live();
    let (retired_tx, retired_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let mut calls = 0;
    std::thread::scope(|s| {
        // Garbage that waits behind a reader, so that the quiet thread's object is not alone.
        let guard = domain.enter();
        for i in 0..64 {
            domain.retire(Box::new(Tracked::new(ledger, i)));
        }
        s.spawn(move || {
            domain.retire(Box::new(Tracked::new(ledger, 1)));
            retired_tx.send(()).unwrap();
            release_rx.recv().unwrap();
        });
        retired_rx.recv().unwrap();
        drop(guard);
        while ledger.live() > before && calls < max_calls {
            domain.synchronize();
            calls += 1;
        }
        let live = ledger.live();
        release_tx.send(()).unwrap();
        assert_eq!(
            live, before,
            "an object retired by a quiet thread was still pending after {calls} synchronize \
             calls on other threads"
        );
    });
    calls
}

/// Some retired objects panic when dropped. Every other object must still be freed exactly
/// once, and `barrier` must return (after at most a few calls that resume those panics).
///
/// ```
/// # use gracepoint_reclaim::testing::*;
/// static L: Ledger = Ledger::new();
/// panicking_destructors_do_not_break_the_domain(&gracepoint_reclaim::scheme::ReaderCount, &L);
/// ```
#[track_caller]
pub fn panicking_destructors_do_not_break_the_domain<R: Reclaim>(
    domain: &R,
    ledger: &'static Ledger,
) {
    /// Panics in `drop` when told to; its `Tracked` is dropped either way.
    struct Bomb {
        _tracked: Tracked,
        explode: bool,
    }
    impl Drop for Bomb {
        fn drop(&mut self) {
            if self.explode {
                std::panic::panic_any("a retired object's destructor panicked (on purpose)");
            }
        }
    }
    let before = ledger.live();
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut panics = 0;
    let outcome = std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| {
        for i in 0..200u64 {
            let bomb = Box::new(Bomb {
                _tracked: Tracked::new(ledger, i),
                explode: i % 7 == 3,
            });
            domain.retire(bomb);
        }
    }));
    panics += usize::from(outcome.is_err());
    let mut returned = false;
    for _ in 0..100 {
        match std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| domain.barrier())) {
            Ok(()) => {
                returned = true;
                break;
            }
            Err(_) => panics += 1,
        }
    }
    std::panic::set_hook(quiet);
    assert!(
        returned,
        "barrier kept panicking after {panics} resumed panics"
    );
    // Retires that panicked mid-loop stopped the loop early; what was retired must be freed.
    assert_eq!(
        ledger.live(),
        before,
        "objects were lost after a destructor panicked"
    );
    ledger.assert_balanced_so_far();
}

impl Ledger {
    /// Panics if any object was dropped twice so far (live objects are allowed).
    ///
    /// ```
    /// static L: gracepoint_reclaim::testing::Ledger = gracepoint_reclaim::testing::Ledger::new();
    /// let _t = gracepoint_reclaim::testing::Tracked::new(&L, 1);
    /// L.assert_balanced_so_far();
    /// ```
    #[track_caller]
    pub fn assert_balanced_so_far(&self) {
        assert_eq!(
            self.double_drops.load(Ordering::SeqCst),
            0,
            "an object was dropped twice"
        );
    }
}

/// A thread retires an object (behind other pending garbage, so that it waits in the thread's
/// bag) and stays alive; nothing else calls into the domain. A [`crate::BackgroundReclaimer`]
/// must free it (it takes milliseconds; only a minute without it counts as a hang). `domain` is what the reclaimer
/// holds: a `&'static` domain or an `Arc` of one.
///
/// ```
/// # use gracepoint_reclaim::testing::*;
/// static L: Ledger = Ledger::new();
/// static DOMAIN: gracepoint_reclaim::scheme::ReaderCount = gracepoint_reclaim::scheme::ReaderCount;
/// background_reclaimer_frees_without_other_calls(&DOMAIN, &L);
/// ```
#[track_caller]
pub fn background_reclaimer_frees_without_other_calls<D>(domain: D, ledger: &'static Ledger)
where
    D: Reclaim + crate::Background + Clone + 'static,
{
    let before = ledger.live();
    let (retired_tx, retired_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|s| {
        {
            let _guard = domain.enter();
            for i in 0..16 {
                domain.retire(Box::new(Tracked::new(ledger, i)));
            }
        }
        let retiring = domain.clone();
        s.spawn(move || {
            retiring.retire(Box::new(Tracked::new(ledger, 1)));
            retired_tx.send(()).unwrap();
            release_rx.recv().unwrap();
        });
        retired_rx.recv().unwrap();
        let reclaimer =
            crate::BackgroundReclaimer::start(domain.clone(), Duration::from_micros(200));
        let deadline = Instant::now() + super::HANG;
        while ledger.live() > before && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        reclaimer.stop();
        let live = ledger.live();
        release_tx.send(()).unwrap();
        assert_eq!(
            live,
            before,
            "the background reclaimer left objects unfreed for {:?} (a hang)",
            super::HANG
        );
    });
}
