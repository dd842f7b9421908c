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
//! use gracepoint_reclaim::testing::{Ledger, StressConfig, swap_and_retire};
//! # struct Naive(std::sync::RwLock<()>);
//! # unsafe impl gracepoint_reclaim::Reclaim for Naive {
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

mod checks;
mod model;
mod stalls;
mod suite;

pub use checks::*;
pub use model::*;
pub use stalls::*;

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
    /// static L: gracepoint_reclaim::testing::Ledger = gracepoint_reclaim::testing::Ledger::new();
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
    /// static L: gracepoint_reclaim::testing::Ledger = gracepoint_reclaim::testing::Ledger::new();
    /// let t = gracepoint_reclaim::testing::Tracked::new(&L, 1);
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
    /// static L: gracepoint_reclaim::testing::Ledger = gracepoint_reclaim::testing::Ledger::new();
    /// drop(gracepoint_reclaim::testing::Tracked::new(&L, 1));
    /// assert_eq!(L.created(), 1);
    /// ```
    pub fn created(&self) -> usize {
        self.created.load(Ordering::SeqCst)
    }

    /// How many tracked objects were dropped so far.
    ///
    /// ```
    /// use gracepoint_reclaim::testing::{Ledger, Tracked};
    /// static L: Ledger = Ledger::new();
    /// drop(Tracked::new(&L, 1));
    /// assert_eq!(L.dropped(), 1);
    /// ```
    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::SeqCst)
    }

    /// Panics unless every object created was dropped exactly once.
    ///
    /// ```
    /// static L: gracepoint_reclaim::testing::Ledger = gracepoint_reclaim::testing::Ledger::new();
    /// drop(gracepoint_reclaim::testing::Tracked::new(&L, 1));
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
    /// static L: gracepoint_reclaim::testing::Ledger = gracepoint_reclaim::testing::Ledger::new();
    /// assert_eq!(gracepoint_reclaim::testing::Tracked::new(&L, 7).read(), 7);
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
    /// static L: gracepoint_reclaim::testing::Ledger = gracepoint_reclaim::testing::Ledger::new();
    /// assert_eq!(gracepoint_reclaim::testing::Tracked::new(&L, 3).read(), 3);
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
    /// A bound on the run's volume, whatever the swap count (keeps CI time bounded). Each
    /// writer swaps at least once whatever the clock says, so that what a run checks never
    /// depends on how soon the scheduler ran it.
    pub max_duration: Duration,
}

impl StressConfig {
    /// A small run that finishes in well under a second.
    ///
    /// ```
    /// assert!(gracepoint_reclaim::testing::StressConfig::quick().readers >= 1);
    /// ```
    pub fn quick() -> Self {
        Self {
            readers: 2,
            writers: 1,
            // Under Miri, which runs a thousand times slower, a tenth.
            swaps_per_writer: if cfg!(miri) { 20 } else { 200 },
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
/// # use gracepoint_reclaim::testing::*;
/// # struct Naive(std::sync::RwLock<()>);
/// # unsafe impl gracepoint_reclaim::Reclaim for Naive {
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
                        // A volume bound, not a check: the first swap always runs.
                        if i > 0 && Instant::now() > deadline {
                            break;
                        }
                        let fresh = Box::new(Tracked::new(ledger, (i * config.writers + w) as u64));
                        let old = shared.swap(Box::into_raw(fresh), Ordering::AcqRel);
                        let retire = match config.dispose {
                            Dispose::Retire => true,
                            Dispose::Synchronize => false,
                            Dispose::Both => i % 2 == 0,
                        };
                        // `old` stays a raw pointer until the grace period ends: readers may
                        // still be reading it, and a `Box` made now (`retire(Box::from_raw(old))`)
                        // would claim it unaliased while they do, which Miri (Stacked Borrows)
                        // reports as undefined behaviour.
                        if retire {
                            // SAFETY: `old` is unlinked, came from `Box::into_raw`, and is
                            // retired once, by this writer alone.
                            unsafe { domain.retire_ptr(old) };
                        } else {
                            domain.synchronize();
                            // SAFETY: unlinked, and the grace period has ended: owned here.
                            drop(unsafe { Box::from_raw(old) });
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
