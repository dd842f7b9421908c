//! Test support shared by every scheme: poisoned objects, a ledger of allocations and drops,
//! and a generic swap-and-retire stress run written once against [`Reclaim`].
//!
//! Enabled with the `testing` feature (for dev-dependencies only), together with `std`.
//!
//! - [`Tracked`] carries a canary that its destructor overwrites with a poison value. A read
//!   that finds the poison (or garbage) has touched a freed object; a second drop finds the
//!   poison and reports a double free.
//! - [`Ledger`] counts creations and drops, so a test can prove that every retired object was
//!   freed exactly once: `created == dropped` once the domain is gone, and no drop ever saw a
//!   poisoned object.
//! - [`swap_and_retire`] runs readers that dereference a shared pointer inside read sections
//!   while writers swap it and retire the old object, checking every read.
//!
//! ```
//! use reclaim::testing::{Ledger, StressConfig, swap_and_retire};
//! # struct Naive(std::sync::RwLock<()>);
//! # unsafe impl reclaim::Reclaim for Naive {
//! #     type Guard<'a> = std::sync::RwLockReadGuard<'a, ()>;
//! #     type Cookie = ();
//! #     fn enter(&self) -> Self::Guard<'_> { self.0.read().unwrap() }
//! #     unsafe fn retire_raw(&self, p: *mut (), free: unsafe fn(*mut ())) {
//! #         self.synchronize(); unsafe { free(p) }
//! #     }
//! #     fn synchronize(&self) { drop(self.0.write().unwrap()) }
//! #     fn barrier(&self) {}
//! #     fn start_poll(&self) { self.synchronize() }
//! #     fn poll(&self, _: &()) -> bool { true }
//! # }
//! static LEDGER: Ledger = Ledger::new();
//! let report = swap_and_retire(Naive(Default::default()), &LEDGER, StressConfig::quick());
//! assert!(report.reads > 0 && report.swaps > 0);
//! LEDGER.assert_balanced();
//! ```

extern crate alloc;
extern crate std;

use crate::Reclaim;
use alloc::boxed::Box;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const LIVE: u64 = 0x5afe_c0de_5afe_c0de;
const POISON: u64 = 0xdead_beef_dead_beef;

/// Counts objects created and dropped, and drops that found an already poisoned object.
#[derive(Debug, Default)]
pub struct Ledger {
    created: AtomicUsize,
    dropped: AtomicUsize,
    double_drops: AtomicUsize,
}

impl Ledger {
    /// An empty ledger, usable in a `static`.
    ///
    /// ```
    /// static L: reclaim::testing::Ledger = reclaim::testing::Ledger::new();
    /// assert_eq!(L.live(), 0);
    /// ```
    pub const fn new() -> Self {
        Self {
            created: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
            double_drops: AtomicUsize::new(0),
        }
    }

    /// Objects created and not yet dropped.
    ///
    /// ```
    /// static L: reclaim::testing::Ledger = reclaim::testing::Ledger::new();
    /// let t = reclaim::testing::Tracked::new(&L, 1);
    /// assert_eq!(L.live(), 1);
    /// drop(t);
    /// assert_eq!(L.live(), 0);
    /// ```
    pub fn live(&self) -> usize {
        self.created.load(Ordering::SeqCst) - self.dropped.load(Ordering::SeqCst)
    }

    /// How many objects were created so far.
    ///
    /// ```
    /// static L: reclaim::testing::Ledger = reclaim::testing::Ledger::new();
    /// drop(reclaim::testing::Tracked::new(&L, 1));
    /// assert_eq!(L.created(), 1);
    /// ```
    pub fn created(&self) -> usize {
        self.created.load(Ordering::SeqCst)
    }

    /// Panics unless every object created was dropped exactly once.
    ///
    /// ```
    /// static L: reclaim::testing::Ledger = reclaim::testing::Ledger::new();
    /// drop(reclaim::testing::Tracked::new(&L, 1));
    /// L.assert_balanced();
    /// ```
    #[track_caller]
    pub fn assert_balanced(&self) {
        let (created, dropped) = (
            self.created.load(Ordering::SeqCst),
            self.dropped.load(Ordering::SeqCst),
        );
        assert_eq!(
            self.double_drops.load(Ordering::SeqCst),
            0,
            "an object was dropped twice"
        );
        assert_eq!(
            created, dropped,
            "{created} objects created but {dropped} dropped"
        );
    }
}

/// A heap object whose destructor poisons it and records the drop in a [`Ledger`].
#[derive(Debug)]
pub struct Tracked {
    canary: AtomicU64,
    value: u64,
    ledger: &'static Ledger,
}

impl Tracked {
    /// A live object holding `value`, counted in `ledger`.
    ///
    /// ```
    /// static L: reclaim::testing::Ledger = reclaim::testing::Ledger::new();
    /// assert_eq!(reclaim::testing::Tracked::new(&L, 7).read(), 7);
    /// ```
    pub fn new(ledger: &'static Ledger, value: u64) -> Self {
        ledger.created.fetch_add(1, Ordering::Relaxed);
        Self {
            canary: AtomicU64::new(LIVE),
            value,
            ledger,
        }
    }

    /// The value, after checking that the object has not been freed.
    ///
    /// # Panics
    /// If the canary is poisoned or corrupt: the caller read freed memory.
    ///
    /// ```
    /// static L: reclaim::testing::Ledger = reclaim::testing::Ledger::new();
    /// assert_eq!(reclaim::testing::Tracked::new(&L, 3).read(), 3);
    /// ```
    #[track_caller]
    pub fn read(&self) -> u64 {
        let canary = self.canary.load(Ordering::Relaxed);
        assert!(
            canary == LIVE,
            "read a freed object (canary {canary:#x}): it was reclaimed while a reader held it"
        );
        self.value
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if self.canary.swap(POISON, Ordering::Relaxed) != LIVE {
            self.ledger.double_drops.fetch_add(1, Ordering::Relaxed);
        }
        self.ledger.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

/// How a writer in [`swap_and_retire`] disposes of the object it replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dispose {
    /// [`Reclaim::retire`] it.
    Retire,
    /// [`Reclaim::synchronize`], then drop it in place.
    Synchronize,
    /// Alternate between the two.
    Both,
}

/// The shape of a [`swap_and_retire`] run.
#[derive(Clone, Copy, Debug)]
pub struct StressConfig {
    /// Reader threads.
    pub readers: usize,
    /// Writer threads.
    pub writers: usize,
    /// Swaps each writer performs.
    pub swaps_per_writer: usize,
    /// What writers do with replaced objects.
    pub dispose: Dispose,
    /// A bound on the run's length, whatever the swap count (keeps CI time bounded).
    pub max_duration: Duration,
}

impl StressConfig {
    /// A small run that finishes in well under a second.
    ///
    /// ```
    /// assert!(reclaim::testing::StressConfig::quick().readers >= 1);
    /// ```
    pub fn quick() -> Self {
        Self {
            readers: 2,
            writers: 1,
            swaps_per_writer: 200,
            dispose: Dispose::Both,
            max_duration: Duration::from_secs(1),
        }
    }
}

/// What a [`swap_and_retire`] run did.
#[derive(Clone, Copy, Debug)]
pub struct StressReport {
    /// Checked reads of the shared object.
    pub reads: u64,
    /// Swaps of the shared pointer.
    pub swaps: u64,
}

/// Runs readers against swapping writers on `domain`, checks every read, then drops the domain
/// (which must free whatever is still pending) and returns the counts. Call
/// [`Ledger::assert_balanced`] afterwards.
///
/// ```
/// # use reclaim::testing::*;
/// # struct Naive(std::sync::RwLock<()>);
/// # unsafe impl reclaim::Reclaim for Naive {
/// #     type Guard<'a> = std::sync::RwLockReadGuard<'a, ()>;
/// #     type Cookie = ();
/// #     fn enter(&self) -> Self::Guard<'_> { self.0.read().unwrap() }
/// #     unsafe fn retire_raw(&self, p: *mut (), free: unsafe fn(*mut ())) {
/// #         self.synchronize(); unsafe { free(p) }
/// #     }
/// #     fn synchronize(&self) { drop(self.0.write().unwrap()) }
/// #     fn barrier(&self) {}
/// #     fn start_poll(&self) { self.synchronize() }
/// #     fn poll(&self, _: &()) -> bool { true }
/// # }
/// static L: Ledger = Ledger::new();
/// swap_and_retire(Naive(Default::default()), &L, StressConfig::quick());
/// L.assert_balanced();
/// ```
pub fn swap_and_retire<R: Reclaim>(
    domain: R,
    ledger: &'static Ledger,
    config: StressConfig,
) -> StressReport {
    let shared = AtomicPtr::new(Box::into_raw(Box::new(Tracked::new(ledger, 0))));
    let stop = AtomicBool::new(false);
    let reads = AtomicU64::new(0);
    let swaps = AtomicU64::new(0);
    let deadline = Instant::now() + config.max_duration;
    // Everyone starts together, and every reader reads at least once, so that a run whose
    // writers finish before the readers are scheduled still checks something.
    let start = std::sync::Barrier::new(config.readers + config.writers);
    std::thread::scope(|s| {
        for _ in 0..config.readers {
            s.spawn(|| {
                let mut local = 0u64;
                let mut last = 0;
                start.wait();
                loop {
                    let guard = domain.enter();
                    // SAFETY: the guard keeps the object alive; `read` checks that it is.
                    let value = unsafe { &*shared.load(Ordering::Acquire) }.read();
                    drop(guard);
                    assert!(value >= last || config.writers > 1, "values only grow");
                    last = value;
                    local += 1;
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                }
                reads.fetch_add(local, Ordering::Relaxed);
            });
        }
        let writers: std::vec::Vec<_> = (0..config.writers)
            .map(|w| {
                let (domain, shared, swaps, start) = (&domain, &shared, &swaps, &start);
                s.spawn(move || {
                    start.wait();
                    for i in 0..config.swaps_per_writer {
                        if Instant::now() > deadline {
                            break;
                        }
                        let fresh = Box::new(Tracked::new(ledger, (i * config.writers + w) as u64));
                        let old = shared.swap(Box::into_raw(fresh), Ordering::AcqRel);
                        // SAFETY: `old` is unlinked and owned by this writer alone.
                        let old = unsafe { Box::from_raw(old) };
                        let retire = match config.dispose {
                            Dispose::Retire => true,
                            Dispose::Synchronize => false,
                            Dispose::Both => i % 2 == 0,
                        };
                        if retire {
                            domain.retire(old);
                        } else {
                            domain.synchronize();
                            drop(old);
                        }
                        swaps.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().expect("writer panicked");
        }
        stop.store(true, Ordering::Relaxed);
    });
    domain.barrier();
    drop(domain);
    // SAFETY: every thread has stopped; the last object is owned here.
    drop(unsafe { Box::from_raw(shared.load(Ordering::Relaxed)) });
    StressReport {
        reads: reads.load(Ordering::Relaxed),
        swaps: swaps.load(Ordering::Relaxed),
    }
}

/// Short-lived threads, `threads` in all (8 alive at a time), each retire a few objects (one of
/// them inside a read section) and exit; then `barrier`. Panics unless every object was freed
/// exactly once: a thread's exit must leave nothing behind.
///
/// ```
/// # use reclaim::testing::*;
/// static L: Ledger = Ledger::new();
/// short_lived_retiring_threads(&reclaim::__doc::Never, &L, 16);
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
/// # use reclaim::testing::*;
/// static L: Ledger = Ledger::new();
/// barrier_reaches_live_threads(&reclaim::__doc::Never, &L);
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

/// A thread retires one object while other garbage is pending (so it waits in the thread's
/// bag), then goes quiet. Other threads keep calling `synchronize`; the object must be freed
/// within `max_calls` of those calls. Returns how many it took.
///
/// ```
/// # use reclaim::testing::*;
/// static L: Ledger = Ledger::new();
/// quiet_retire_is_freed_by_other_calls(&reclaim::__doc::Never, &L, 16);
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
/// # use reclaim::testing::*;
/// static L: Ledger = Ledger::new();
/// panicking_destructors_do_not_break_the_domain(&reclaim::__doc::Never, &L);
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
    /// static L: reclaim::testing::Ledger = reclaim::testing::Ledger::new();
    /// let _t = reclaim::testing::Tracked::new(&L, 1);
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
/// must free it (within five seconds; it takes milliseconds).
///
/// ```
/// # use reclaim::testing::*;
/// static L: Ledger = Ledger::new();
/// static DOMAIN: reclaim::__doc::Never = reclaim::__doc::Never;
/// background_reclaimer_frees_without_other_calls(&DOMAIN, &L);
/// ```
#[track_caller]
pub fn background_reclaimer_frees_without_other_calls<R: Reclaim + crate::Background>(
    domain: &'static R,
    ledger: &'static Ledger,
) {
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
        s.spawn(move || {
            domain.retire(Box::new(Tracked::new(ledger, 1)));
            retired_tx.send(()).unwrap();
            release_rx.recv().unwrap();
        });
        retired_rx.recv().unwrap();
        let reclaimer = crate::BackgroundReclaimer::start(domain, Duration::from_micros(200));
        let deadline = Instant::now() + Duration::from_secs(5);
        while ledger.live() > before && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        reclaimer.stop();
        let live = ledger.live();
        release_tx.send(()).unwrap();
        assert_eq!(
            live, before,
            "the background reclaimer left objects unfreed"
        );
    });
}

/// What [`stall_reports_name_the_stalled_thread`] saw.
#[derive(Clone, Debug)]
pub struct StallCheck {
    /// When the first hook call came, counted from the moment the reader was inside.
    pub first_report_after: Duration,
    /// The report the hook with the shorter threshold received.
    pub report: crate::stall::StallReport,
}

/// A thread named `stalled-reader` enters a section and sleeps for 5 × `threshold`, while this
/// thread retires an object and calls `synchronize`. Checks that a hook with `threshold` is
/// called within 2 × `threshold` of the stall, exactly once for that grace period (a second hook
/// at 2 × `threshold` also exactly once), and that its report names the sleeping thread when the
/// scheme says it attributes exactly. Returns what it saw.
///
/// ```no_run
/// # use reclaim::testing::*;
/// # static DOMAIN: reclaim::__doc::Never = reclaim::__doc::Never;
/// stall_reports_name_the_stalled_thread(&DOMAIN, std::time::Duration::from_millis(50));
/// ```
#[track_caller]
pub fn stall_reports_name_the_stalled_thread<D: Reclaim + crate::stall::Monitor>(
    domain: &'static D,
    threshold: Duration,
) -> StallCheck {
    use std::sync::{Arc, Mutex};
    // Per-call counters (a `static` here would be shared by every test that calls this).
    let calls = [Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0))];
    let first: Arc<Mutex<Option<(Instant, crate::stall::StallReport)>>> = Arc::default();
    let (count, keep) = (Arc::clone(&calls[0]), Arc::clone(&first));
    domain.on_stall(threshold, move |report| {
        count.fetch_add(1, Ordering::SeqCst);
        keep.lock()
            .unwrap()
            .get_or_insert_with(|| (Instant::now(), report.clone()));
    });
    let count = Arc::clone(&calls[1]);
    domain.on_stall(2 * threshold, move |_| {
        count.fetch_add(1, Ordering::SeqCst);
    });
    let (inside_tx, inside_rx) = std::sync::mpsc::channel();
    let reader = std::thread::Builder::new()
        .name("stalled-reader".into())
        .spawn(move || {
            let _guard = domain.enter();
            inside_tx.send(Instant::now()).unwrap();
            std::thread::sleep(5 * threshold);
        })
        .unwrap();
    let stalled_at = inside_rx.recv().unwrap();
    domain.retire(Box::new(0u64));
    domain.synchronize();
    reader.join().unwrap();
    let (at, report) = first
        .lock()
        .unwrap()
        .take()
        .expect("the stall hook was never called");
    let calls = [
        calls[0].load(Ordering::SeqCst),
        calls[1].load(Ordering::SeqCst),
    ];
    assert_eq!(calls, [1, 1], "each hook must run once per grace period");
    let after = at.saturating_duration_since(stalled_at);
    assert!(
        after <= 2 * threshold,
        "the report came {after:?} into the stall, past twice the threshold {threshold:?}"
    );
    if report.attribution == crate::stall::Attribution::Exact {
        let named = report
            .blockers
            .iter()
            .any(|b| b.thread.as_ref().and_then(|t| t.name.as_deref()) == Some("stalled-reader"));
        assert!(
            named,
            "the report does not name the stalled thread:\n{report}"
        );
    }
    StallCheck {
        first_report_after: after,
        report,
    }
}

/// Readers run short sections while this thread calls `synchronize` 200 times, with a stall hook
/// at `threshold` installed: the hook must never be called.
///
/// ```no_run
/// # use reclaim::testing::*;
/// # static DOMAIN: reclaim::__doc::Never = reclaim::__doc::Never;
/// short_sections_never_report(&DOMAIN, std::time::Duration::from_millis(50));
/// ```
#[track_caller]
pub fn short_sections_never_report<D: Reclaim + crate::stall::Monitor>(
    domain: &'static D,
    threshold: Duration,
) {
    let calls = std::sync::Arc::new(AtomicUsize::new(0));
    let count = std::sync::Arc::clone(&calls);
    domain.on_stall(threshold, move |report| {
        count.fetch_add(1, Ordering::SeqCst);
        std::eprintln!("unexpected stall report:\n{report}");
    });
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    drop(domain.enter());
                }
            });
        }
        for i in 0..200u64 {
            domain.retire(Box::new(i));
            domain.synchronize();
        }
        stop.store(true, Ordering::Relaxed);
    });
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "short sections produced a stall report"
    );
}

/// What [`bounded_garbage_under_a_stalled_reader`] measured.
#[derive(Clone, Copy, Debug)]
pub struct GarbageCheck {
    /// The most objects seen waiting in the limited domain.
    pub peak: usize,
    /// Objects the two writers retired.
    pub retired: usize,
    /// `synchronize` calls another, unlimited domain of the same scheme completed meanwhile.
    pub other_domain_grace_periods: usize,
}

/// One reader stalls in `limited` for 200 ms while two writers retire into it as fast as they
/// can, for 300 ms, outside any section; a sampler records the peak of what waits. Meanwhile
/// `other` (another domain of the same scheme) keeps completing grace periods. After the reader
/// leaves, `barrier` must free everything exactly once. Returns what it measured; the caller
/// checks the peak against its policy.
///
/// ```no_run
/// # use reclaim::testing::*;
/// # static A: reclaim::__doc::Never = reclaim::__doc::Never;
/// # static B: reclaim::__doc::Never = reclaim::__doc::Never;
/// static L: Ledger = Ledger::new();
/// bounded_garbage_under_a_stalled_reader(&A, &B, &L);
/// ```
#[track_caller]
pub fn bounded_garbage_under_a_stalled_reader<D: Reclaim + crate::stall::Monitor>(
    limited: &'static D,
    other: &'static D,
    ledger: &'static Ledger,
) -> GarbageCheck {
    let before = ledger.live();
    let stop = AtomicBool::new(false);
    let stalled = AtomicBool::new(true);
    let retired = AtomicUsize::new(0);
    let peak = AtomicUsize::new(0);
    let other_gps = AtomicUsize::new(0);
    let (inside_tx, inside_rx) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        s.spawn(|| {
            let _guard = limited.enter();
            inside_tx.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(200));
            stalled.store(false, Ordering::SeqCst);
        });
        inside_rx.recv().unwrap();
        for _ in 0..2 {
            s.spawn(|| {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    limited.retire(Box::new(Tracked::new(ledger, n as u64)));
                    n += 1;
                }
                retired.fetch_add(n, Ordering::Relaxed);
            });
        }
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                other.retire(Box::new(0u64));
                other.synchronize();
                other_gps.fetch_add(1, Ordering::Relaxed);
            }
        });
        let end = Instant::now() + Duration::from_millis(300);
        while Instant::now() < end {
            peak.fetch_max(limited.stats().pending, Ordering::Relaxed);
            std::thread::sleep(Duration::from_micros(200));
        }
        stop.store(true, Ordering::Relaxed);
    });
    assert!(!stalled.load(Ordering::SeqCst));
    limited.barrier();
    assert_eq!(
        ledger.live(),
        before,
        "objects were left unfreed after the stall"
    );
    ledger.assert_balanced_so_far();
    GarbageCheck {
        peak: peak.load(Ordering::Relaxed),
        retired: retired.load(Ordering::Relaxed),
        other_domain_grace_periods: other_gps.load(Ordering::Relaxed),
    }
}
