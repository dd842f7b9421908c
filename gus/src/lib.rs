//! Global Unbounded Sequences (GUS): FreeBSD's SMR, for userspace threads and `no_std`.
//!
//! A [`Gus`] domain lets readers run short read sections while writers unlink shared objects
//! and free them once no section can still hold them. A writer takes a goal (a [`Cookie`]) with
//! [`Gus::advance`] after unlinking, and [`Gus::poll`] says, without waiting, whether every
//! section that began before the advance has ended; or the writer hands the object to
//! [`Gus::retire`] and lets the domain do that.
//!
//! Most users reach this crate as `gracepoint::gus`; it has the same names and methods as
//! `gracepoint::srcu` and `gracepoint::epoch`, so switching schemes changes a type name.
//!
//! # When to pick it
//! - **Asking "may I reuse this yet?" must be cheap and never wait.** A goal is one integer,
//!   and once it has passed, polling it costs one load and one compare. That makes the
//!   pattern of FreeBSD's UMA allocator natural: keep unlinked objects with their goals and
//!   reuse one once its goal has passed, instead of freeing it ([`Tagged`], [`Recycler`]).
//! - **Short sections on one thread.** A section publishes one value and runs one fence (none
//!   in [`Mode::Lazy`], where pollers pay with `membarrier`). It cannot move to another
//!   thread.
//! - Pick SRCU instead when sections sleep or run long, or must end on another thread. Pick
//!   epochs for a crossbeam-style interface.
//!
//! # Example
//! ```
//! use gracepoint::gus::Gus;
//! use std::sync::atomic::{AtomicPtr, Ordering};
//!
//! static DOMAIN: Gus = Gus::new();
//! let shared = AtomicPtr::new(Box::into_raw(Box::new(1u64)));
//!
//! {
//!     let _section = DOMAIN.enter();
//!     // SAFETY: the section keeps whatever we load alive until it ends.
//!     assert_eq!(unsafe { *shared.load(Ordering::Acquire) }, 1);
//! }
//!
//! // Unlink, take a goal, and free once it has passed...
//! let old = shared.swap(Box::into_raw(Box::new(2u64)), Ordering::AcqRel);
//! let goal = DOMAIN.advance();
//! DOMAIN.wait(&goal);
//! // SAFETY: unlinked before the advance, and every section that could see it has ended.
//! drop(unsafe { Box::from_raw(old) });
//!
//! // ...or let the domain free it.
//! let old = shared.swap(Box::into_raw(Box::new(3u64)), Ordering::AcqRel);
//! // SAFETY: `old` is unlinked; only sections that began before the swap can still see it.
//! unsafe { DOMAIN.retire_ptr(old) };
//! DOMAIN.barrier();
//! # unsafe { drop(Box::from_raw(shared.load(Ordering::Relaxed))) };
//! ```
//!
//! # How it works
//! A domain keeps two clocks and one value per reader:
//! - the write clock `wr_seq`: an advance moves it on (or, in the deferred and lazy modes,
//!   names a point just ahead of it) and returns that point as the goal;
//! - the read clock `rd_seq`: every goal at or before it has passed. Only a poll moves it,
//!   and only forward;
//! - per reader: 0 while idle, otherwise the write clock as the reader's section began.
//!   Clock values are odd, so a live value is never 0.
//!
//! A poll whose goal the read clock does not cover loads the write clock, scans the reader
//! slots, and raises the read clock to the oldest live value it finds, but never past the
//! write clock it loaded first. Six labelled orderings make that safe: **gus-E** (reader, after
//! publishing its value), **gus-A** (advance, before reading the write clock), **gus-W** (the write
//! clock loaded before any slot), **gus-P** (poll, before the scan), **gus-R** (acquire, after loading
//! the read clock and after the scan) and **gus-X** (exit, a release store). Each is commented where
//! it runs, with the one it pairs with; the comment that opens the polling code argues the
//! whole, with a diagram of the sequence space, the two races a scan must handle (a reader
//! delayed past the read clock, a reader entering during the scan), and the wrap.
//!
//! Clocks wrap: they are compared by the sign of their difference, which is right while the
//! values are less than half the space apart, so the write clock never runs more than a
//! quarter of the space ahead of the read clock.
//!
//! # Features and configurations
//! - `std` (default): each thread reads on its own slot, found with one thread-local load;
//!   parking waits; `membarrier` for the lazy mode. Implies `alloc`.
//! - `alloc`: boxed [`retire`](Gus::retire) and [`call`](Gus::call), growable slot arrays,
//!   [`Recycler`].
//! - neither: a fixed inline slot array ([`Gus::new_fixed`], usable in a `static`), registered
//!   [`GusReader`]s, spin waiting, raw retire ([`Gus::retire_raw`]) into a small fixed pool of
//!   bags. Through [`Gus::enter`] (and so `Reclaim::enter`) each section claims a free slot
//!   for its length, a compare-and-swap more than a registered reader's section.
//! - Compiler flags, for tests: `--cfg reclaim_seq32` (32-bit clocks, what targets without
//!   64-bit atomics get), `--cfg reclaim_near_wrap` (clocks start just below the wrap, with a
//!   large increment and a short distance bound, as FreeBSD's `INVARIANTS` kernels do).
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod advance;
mod clock;
mod goal;
mod poll;
mod reader;
mod stats;
mod tagged;

pub use goal::{Cookie, Goal};
pub use reader::{GusGuard, GusReader};
/// The read side (shared by every scheme): GUS's [`Fast`](Flavor::Fast) flavor is
/// [`Mode::Lazy`].
///
/// ```
/// use gracepoint::gus::{Flavor, Gus, Mode, Options};
/// assert_eq!(Gus::with_options(Options::DEFAULT.mode(Mode::Default)).flavor(), Flavor::Fenced);
/// ```
pub use reclaim::Flavor;
pub use stats::Counters;
#[cfg(feature = "alloc")]
pub use tagged::Recycler;
pub use tagged::Tagged;

use clock::GusClock;
use goal::{INCR, MAX_DELTA, START, Seq};
use reclaim::scheme::Core;
use reclaim::sync::Ordering;

/// How a domain trades reader cost against writer cost. Chosen at construction.
///
/// ```
/// use gracepoint::gus::{Gus, Mode, Options};
/// let gus = Gus::with_options(Options::DEFAULT.mode(Mode::Deferred(8)));
/// assert_eq!(gus.mode(), Mode::Deferred(8));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Readers publish their value and run one `fence(SeqCst)`; each advance is one
    /// `fetch_add` on the shared clock, so every goal is reachable by the next scan.
    Default,
    /// Only every `n`-th advance of a thread writes the shared clock; the others return a goal
    /// one increment ahead of it, and cost one load. A poll that meets such a goal moves the
    /// clock up to it first. Good when many threads advance often (the clock's cache line stops
    /// bouncing); a goal may take one extra increment to pass. `n <= 1` is the default mode.
    Deferred(u32),
    /// Readers run no fence at all (a compiler fence only). Advances never write the clock:
    /// they return a goal two increments ahead, and each poll that scans first needs a
    /// `membarrier(PRIVATE_EXPEDITED)` that started after its snapshot (shared with the rest of
    /// the process: the retire path's polls wait for the next batch, an explicit poll issues
    /// one at once) and then moves the clock one increment, so a goal passes after about three
    /// polls. Where `membarrier` is unavailable (not Linux, refused
    /// by a sandbox, a `--cfg reclaim_no_membarrier` build, or no `std`) the domain runs in the
    /// default mode instead and [`Gus::mode`] says so.
    Lazy,
}

/// How a [`Gus`] domain is built: its [`Mode`].
///
/// ```
/// use gracepoint::gus::{Gus, Mode, Options};
/// static DOMAIN: Gus = Gus::with_options(Options::DEFAULT.mode(Mode::Lazy));
/// assert_eq!(Options::default(), Options::DEFAULT);
/// drop(DOMAIN.enter());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Options {
    mode: Mode,
}

/// Building options: start from [`Options::DEFAULT`] and change what differs.
///
/// ```
/// use gracepoint::gus::{Mode, Options};
/// assert_ne!(Options::DEFAULT.mode(Mode::Lazy), Options::DEFAULT);
/// ```
impl Options {
    /// [`Mode::Default`].
    ///
    /// ```
    /// let gus = gracepoint::gus::Gus::with_options(gracepoint::gus::Options::DEFAULT);
    /// assert_eq!(gus.mode(), gracepoint::gus::Mode::Default);
    /// ```
    pub const DEFAULT: Options = Options {
        mode: Mode::Default,
    };

    /// These options in `mode`.
    ///
    /// ```
    /// use gracepoint::gus::{Mode, Options};
    /// const DEFERRED: Options = Options::DEFAULT.mode(Mode::Deferred(16));
    /// # let _ = DEFERRED;
    /// ```
    #[must_use]
    pub const fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// These options with the read side of `flavor`, the name every scheme shares:
    /// [`Flavor::Fast`] is [`Mode::Lazy`];
    /// [`Flavor::Fenced`] is [`Mode::Default`], or keeps a
    /// [`Mode::Deferred`] already chosen.
    ///
    /// ```
    /// use gracepoint::Flavor;
    /// use gracepoint::gus::{Mode, Options};
    /// assert_eq!(Options::DEFAULT.flavor(Flavor::Fast), Options::DEFAULT.mode(Mode::Lazy));
    /// let deferred = Options::DEFAULT.mode(Mode::Deferred(8));
    /// assert_eq!(deferred.flavor(Flavor::Fenced), deferred);
    /// ```
    #[must_use]
    pub const fn flavor(self, flavor: reclaim::Flavor) -> Self {
        match (flavor, self.mode) {
            (reclaim::Flavor::Fast, _) => self.mode(Mode::Lazy),
            (reclaim::Flavor::Fenced, Mode::Lazy) => self.mode(Mode::Default),
            (reclaim::Flavor::Fenced, _) => self,
        }
    }
}

impl Default for Options {
    /// [`Options::DEFAULT`].
    ///
    /// ```
    /// assert_eq!(gracepoint::gus::Options::default(), gracepoint::gus::Options::DEFAULT);
    /// ```
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A GUS domain with `N` reader slots inline (and, with `alloc`, as many more as needed).
///
/// `Gus` (that is, `Gus<0>`, from [`Gus::new`]) keeps every slot in growable segments and needs
/// `alloc`; a `Gus<N>` built with [`Gus::new_fixed`] needs no allocator and can live in a
/// `static`. Dropping a domain frees everything still retired in it.
///
/// ```
/// static DOMAIN: gracepoint::gus::Gus<4> = gracepoint::gus::Gus::new_fixed();
/// let reader = DOMAIN.register().unwrap();
/// drop(reader.enter());
/// let goal = DOMAIN.advance();
/// assert!(DOMAIN.poll(&goal));
/// ```
pub struct Gus<const N: usize = 0> {
    pub(crate) core: Core<GusClock, N>,
}

/// GUS's own operations: advancing the write clock by hand, the two clocks, the mode, and its
/// counters.
///
/// ```
/// let gus = gracepoint::gus::Gus::new();
/// let goal = gus.advance();
/// assert!(gus.poll(&goal));
/// assert_eq!(gus.completed(), goal);
/// assert_eq!(gus.counters().advances, 1);
/// ```
impl<const N: usize> Gus<N> {
    reclaim::const_fn_unless_loom! {
        fn from_options(options: Options) -> Self {
            Self::with_clock(options.mode, START, INCR, MAX_DELTA)
        }
    }

    reclaim::const_fn_unless_loom! {
        /// A domain whose clocks start at `start`, move by `incr`, and keep within `max_delta`
        /// of each other (for the unit tests, to reach the wrap or the bound at once).
        pub(crate) fn with_clock(mode: Mode, start: Seq, incr: Seq, max_delta: Seq) -> Self {
            Self {
                core: Core::new(GusClock::new(mode, start, incr, max_delta)),
            }
        }
    }

    /// Returns a goal that passes once every section that began before this call has ended:
    /// memory unlinked before the call may then be freed or reused (FreeBSD's `smr_advance`).
    /// Never waits, and starts no scan.
    ///
    /// What drives the goal: in the default mode the advance itself moves the write clock, and
    /// the next poll that scans can pass it. In the deferred and lazy modes the goal usually
    /// lies ahead of the write clock ([`current`](Gus::current)), and polls move the clock to
    /// it (see [`poll`](Gus::poll)).
    ///
    /// ```
    /// let gus = gracepoint::gus::Gus::new();
    /// let first = gus.advance();
    /// let second = gus.advance();
    /// assert_ne!(first, second);
    /// assert!(gus.poll(&second));
    /// ```
    #[must_use]
    pub fn advance(&self) -> Cookie {
        self.core.clock().advance(self.core.slots())
    }

    /// The mode the domain runs in: the one it was built with, except that a lazy domain
    /// without `membarrier` reports (and runs) [`Mode::Default`], and `Deferred(0 | 1)` is the
    /// default mode.
    ///
    /// ```
    /// use gracepoint::gus::{Gus, Mode, Options};
    /// assert_eq!(Gus::with_options(Options::DEFAULT.mode(Mode::Deferred(1))).mode(), Mode::Default);
    /// ```
    pub fn mode(&self) -> Mode {
        let clock = self.core.clock();
        match clock.wr.mode {
            Mode::Lazy if !clock.lazy_active() => Mode::Default,
            mode => mode,
        }
    }

    /// The write clock: the newest goal that the shared clock has reached. Goals from
    /// [`advance`](Gus::advance) in the deferred and lazy modes usually lie ahead of it.
    ///
    /// ```
    /// let gus = gracepoint::gus::Gus::new();
    /// let goal = gus.advance();
    /// assert_eq!(gus.current(), goal);
    /// ```
    pub fn current(&self) -> Cookie {
        Cookie(self.core.clock().wr.seq.load(Ordering::Relaxed))
    }

    /// The read clock: every goal at or before it has passed.
    ///
    /// ```
    /// let gus = gracepoint::gus::Gus::new();
    /// let goal = gus.advance();
    /// assert!(gus.poll(&goal));
    /// assert_eq!(gus.completed(), goal);
    /// ```
    pub fn completed(&self) -> Cookie {
        Cookie(self.core.clock().rd.seq.load(Ordering::Relaxed))
    }

    /// Advances, polls, scans and failed polls so far, summed over every reader slot.
    ///
    /// ```
    /// let gus = gracepoint::gus::Gus::new();
    /// gus.synchronize();
    /// assert_eq!(gus.counters().advances, 1);
    /// ```
    pub fn counters(&self) -> Counters {
        self.core.clock().counters(self.core.slots())
    }
}

impl<const N: usize> core::fmt::Debug for Gus<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Gus")
            .field("mode", &self.mode())
            .field("wr_seq", &self.current().0)
            .field("rd_seq", &self.completed().0)
            .field("slots", &self.core.slots().len())
            .finish_non_exhaustive()
    }
}

reclaim::domain_front! {
    path: "gracepoint::gus",
    domain: Gus,
    guard: GusGuard,
    reader: GusReader,
    cookie: Cookie,
    options: Options,
}

/// Test hooks: the clock's constants and a cookie's value. Not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::goal::{INCR, START, Seq};

    /// The clock value `cookie` names.
    pub fn seq(cookie: crate::Cookie) -> Seq {
        cookie.0
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
