//! Epoch-based reclamation (EBR) for userspace and `no_std`.
//!
//! An [`Epoch`] domain lets readers *pin* the domain for the length of a read-side section (one
//! load, one store and one fence; a nested pin is a counter), while writers hand unlinked objects
//! over to be freed once no pinned reader can hold them ([`Epoch::retire`], [`Epoch::call`]),
//! wait for every section that began before them ([`Epoch::synchronize`]), or poll for that
//! without blocking ([`Epoch::start_poll`], [`Epoch::poll`]).
//!
//! Most users reach this crate as `gracepoint::epoch`; it has the same names and methods as
//! `gracepoint::srcu` and `gracepoint::gus`, so switching schemes changes a type name.
//!
//! # When to pick it
//! - Short, non-blocking read sections on many threads: the read side is the classic epoch pin,
//!   and a nested pin costs a counter.
//! - You come from `crossbeam-epoch` and want the same model with bounded per-thread state
//!   (one 128-byte slot per thread per domain, no allocation per thread), pins that never scan
//!   other threads, grace-period cookies, domains that free everything when dropped, and a
//!   `no_std` build with static domains and no allocator.
//! - Readers that may block or sleep inside a section hold back every grace period of the
//!   domain: prefer SRCU or GUS there, or give such readers their own domain.
//!
//! # Example
//! ```
//! use gracepoint::epoch::Epoch;
//! use std::sync::atomic::{AtomicPtr, Ordering};
//!
//! static DOMAIN: Epoch = Epoch::new();
//! let shared = AtomicPtr::new(Box::into_raw(Box::new(1u64)));
//!
//! {
//!     let _guard = DOMAIN.pin();
//!     // SAFETY: the guard keeps whatever we load alive until it drops.
//!     assert_eq!(unsafe { *shared.load(Ordering::Acquire) }, 1);
//! }
//!
//! let old = shared.swap(Box::into_raw(Box::new(2u64)), Ordering::AcqRel);
//! // SAFETY: `old` is unlinked; only sections that began before the swap can still see it.
//! unsafe { DOMAIN.retire_ptr(old) };
//! DOMAIN.barrier();
//! # unsafe { drop(Box::from_raw(shared.load(Ordering::Relaxed))) };
//! ```
//!
//! # The invariant
//! **The global epoch moves from `e` to `e + 1` only when every pinned slot has reached `e`; an
//! object retired while the global epoch read `t` is freed only once it reads `t + 2` or more.**
//!
//! Each reader slot holds one word: the epoch the reader pinned at, with bit 0 set while pinned.
//! Epochs are kept in units of two in a `u64`, so that a pin stores `global | 1` and the scan of
//! an advance compares words for equality.
//!
//! # Why `e + 2`, and why `e + 1` is not enough
//! Take a reader that pinned at epoch `r` (it loaded `r`, stored it, ran fence epoch-P) and then loaded
//! a pointer, and a writer that unlinked that object and then took the retire tag `t` (fence epoch-T,
//! then a load of the global epoch). P and T are both `SeqCst` fences, so one comes first:
//! - **T before P.** The reader's loads after P see the unlink: it cannot reach the object.
//! - **P before T.** Then (1) `t >= r`: T's load cannot read an epoch older than the one the
//!   reader loaded before P; and (2) the advance from `t + 1` to `t + 2` loaded the global epoch
//!   (`t + 1`, which comes after the `t` the writer read) *before* its fence epoch-A, so A comes after
//!   epoch-T, hence after P, and its scan sees the reader's pin or something the reader stored later.
//!   A slot pinned at `r <= t`, not `t + 1`, blocks that advance. So the global epoch reaches
//!   `t + 2` only after the reader unpinned, and that unpin (a release store) happens before
//!   the advance (the scan's acquire fence epoch-Q), whose release compare-and-swap the collector
//!   acquires before it frees.
//!
//! One epoch is not enough: the advance from `t` to `t + 1` may lawfully go ahead while a reader
//! is still pinned at `r = t` (it only needs every pinned slot *at* `t`), and such a reader may
//! have pinned before the unlink and hold the object. Freeing at `t + 1` would free under it;
//! the `epoch_free_at_e_plus_1` mutant does exactly that, and the loom models catch it.
//!
//! # The Fast flavor
//! With [`Flavor::Fast`] a pin runs a compiler fence where epoch-P was, and each advance runs a
//! `membarrier(PRIVATE_EXPEDITED)` at epoch-A instead of a fence: between its start and its
//! return, every CPU running one of the process's threads passes a point where its accesses
//! before and after are ordered. Take the writer and reader of the argument above again:
//! - **The pin against the scan.** Either the reader's pin store came before that point on its
//!   CPU, and the advance's scan sees it; or its loads came after the point, and see everything
//!   that was visible when the `membarrier` started. The advance from `t + 1` to `t + 2` loaded
//!   `t + 1`, which comes after the `t` the writer read after T, before its `membarrier`; so
//!   the unlink was visible by then. A reader pinned at `r <= t` either blocks that advance or
//!   cannot reach the object.
//! - **A reader pinned at `t + 1`** does not block it, and the `membarrier` of the advance from
//!   `t` to `t + 1` may have started before the unlink. The reader loaded `t + 1`, and the
//!   writer loaded `t` after its full fence T, so the write of `t + 1` came after the unlink was
//!   visible everywhere; the pin loads the global epoch with acquire ordering (epoch-L), so
//!   the reader's later loads come after that load, and see the unlink. This step holds on
//!   multi-copy-atomic hardware (x86-64, AArch64), not in the C++ memory model (where only
//!   fences on both sides would do), so the Fast flavor is only offered there: elsewhere it
//!   runs [`Fenced`](Flavor::Fenced). On AArch64 epoch-L is an `LDAR`; on x86 a plain load.
//!
//! So objects wait for two advances in both flavors, and a section that began after a cookie
//! never holds it back. The models run the Fast flavor with both halves as real fences (loom
//! cannot model `membarrier`); `reclaim/tests/litmus.rs` checks the fence pair on the hardware.
//! Advances are batched in time with the process's other heavy fences (`docs/epoch.md` has
//! the figures).
//!
//! # The wrap
//! The global epoch is a `u64` counting in steps of two, so it wraps after 2⁶³ advances (three
//! centuries at one advance per nanosecond). The scan only compares for equality, which is
//! wrap-safe. Tags and cookies are compared by the sign of their wrapping difference, which is right while the two are less than 2⁶² epochs
//! apart. Test builds with `--cfg reclaim_near_wrap` start the global epoch 500 advances below
//! the wrap, so that every comparison in the test suite also runs across it.
//!
//! # Fences
//! | fence | where | pairs with | what it guarantees |
//! |---|---|---|---|
//! | **epoch-P** `SeqCst` (a compiler fence in the Fast flavor) | pin, after storing the epoch and the pinned bit | **epoch-A**, **epoch-T** | store buffering: an advance's scan sees the pin, or the section's loads see everything before that advance's A (and before T) |
//! | **epoch-L** acquire load | pin, the load of the global epoch | epoch-T (through the advance's write, Fast flavor only) | a reader that loaded `t + 1` sees what was unlinked before a tag read `t` (above) |
//! | **epoch-T** `SeqCst` | [`Epoch::get_state`], so every retire tag and cookie, before loading the global epoch | **epoch-P** | a reader that pinned before T has `r <= t` and is seen by the advance to `t + 2`; one that pinned after T sees the unlink |
//! | **epoch-A** `SeqCst` (`membarrier` in the Fast flavor) | advance, after loading the global epoch, before scanning the slots | **epoch-P** | the scan sees every pin whose P came before A |
//! | **epoch-U** release store | unpin, and the pin store itself | **epoch-Q** | a section's accesses happen before an advance that saw its slot unpinned (or pinned again later) |
//! | **epoch-Q** `Acquire` | advance, after the scan, before the compare-and-swap | **epoch-U** | as above |
//! | **epoch-G** release CAS / **epoch-F** acquire load | the advance's compare-and-swap of the global epoch / the frontier read before freeing | each other | everything the advance learnt from the scan happens before the free |
//!
//! # Amortised advances
//! Pins never scan other threads and never collect (crossbeam-epoch's pin scans every
//! registered thread every 128 pins). Advances are attempted by retires (every few sealed bags,
//! and on every one while many objects wait), by [`Epoch::poll`], [`Epoch::start_poll`], and
//! by waits between pauses. One attempt
//! scans the slots in use: the slot array only scans up to its high-water mark, and a thread's
//! slot is reused by the next thread after it exits, so that is the number of threads alive at
//! once, not the number that ever pinned.
//!
//! # Features
//! - `std` (default): a slot per thread found with one thread-local load, parking waits,
//!   [`default_domain`] and [`pin`]. Implies `alloc`.
//! - `alloc`: boxed [`retire`](Epoch::retire) and [`call`](Epoch::call), growable slot arrays.
//! - neither: a fixed inline slot array ([`Epoch::new_fixed`]); readers
//!   [`register`](Epoch::register) for a slot (or each [`enter`](Epoch::enter) claims a free
//!   one for its section), spin waiting, raw retire ([`Epoch::retire_raw`],
//!   [`EpochReader::retire_raw`]).
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod clock;
mod reader;

pub use clock::Cookie;
pub use reader::{EpochGuard, EpochReader};

use clock::EpochClock;
use crossbeam_utils::CachePadded;
/// The read side (shared by every scheme): epochs' [`Fast`](Flavor::Fast) pin runs a compiler
/// fence instead of epoch-P, and each advance a `membarrier` at epoch-A.
///
/// ```
/// use gracepoint::epoch::{Epoch, Flavor, Options};
/// assert_eq!(Epoch::with_options(Options::DEFAULT.flavor(Flavor::Fenced)).flavor(), Flavor::Fenced);
/// ```
pub use reclaim::Flavor;
use reclaim::scheme::Core;
use reclaim::scheme::clock::Urgency;
use reclaim::scheme::slots::SlotState;
use reclaim::sync::{AtomicCount, Count, Ordering};

/// Bit 0 of a slot word: set while the slot's reader is pinned.
const PINNED: Count = 1;
/// One epoch, in the units of the global epoch and of slot words.
const STEP: Count = 2;

/// One reader slot: the epoch its reader pinned at, with [`PINNED`], in one word. (The core's
/// slot adds the nesting depth and the slot's retire bag.)
pub(crate) struct EpochSlot {
    /// `epoch | PINNED` while pinned; 0 when not. Written only by the owner, and only by the
    /// outermost pin and the last unpin. A [`Count`]: 32-bit where the target has no 64-bit
    /// atomics (docs/embedded.md).
    pub(crate) word: AtomicCount,
}

impl SlotState for EpochSlot {
    reclaim::idle_slot!(EpochSlot {
        word: AtomicCount::new(0),
    });
}

/// The bytes a domain keeps per reader (per thread, with `std`): one cache-padded slot holding
/// the reader's epoch word, its nesting depth and its local bag of retired objects. A thread
/// allocates nothing when it joins a domain; the slot comes from the domain's array.
///
/// ```
/// assert!(gracepoint::epoch::SLOT_BYTES <= 256);
/// ```
pub const SLOT_BYTES: usize =
    core::mem::size_of::<CachePadded<reclaim::scheme::slots::Slot<EpochSlot>>>();

// The per-thread budget, checked when the crate compiles (loom's instrumented atomics are
// bigger, and do not ship).
#[cfg(not(loom))]
const _: () = assert!(SLOT_BYTES <= 256, "a reader slot outgrew 256 bytes");

/// How an [`Epoch`] domain is built: its read side ([`Flavor`]).
///
/// ```
/// use gracepoint::Flavor;
/// use gracepoint::epoch::{Epoch, Options};
/// let domain = Epoch::with_options(Options::DEFAULT.flavor(Flavor::Fenced));
/// assert_eq!(Options::default(), Options::DEFAULT);
/// drop(domain.enter());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Options {
    flavor: Flavor,
}

/// Building options: start from [`Options::DEFAULT`] and change what differs.
///
/// ```
/// use gracepoint::{Flavor, epoch::Options};
/// assert_ne!(Options::DEFAULT.flavor(Flavor::Fast), Options::DEFAULT.flavor(Flavor::Fenced));
/// ```
impl Options {
    /// The default options: [`Flavor::Fast`], pins with a compiler fence and advances that pay
    /// a batched `membarrier`. Where that flavor is not offered (not x86-64 or AArch64 Linux, the
    /// kernel refuses `membarrier`, or no `std`) the domain runs [`Flavor::Fenced`], and
    /// [`flavor`](Epoch::flavor) says so.
    ///
    /// ```
    /// static DOMAIN: gracepoint::epoch::Epoch = gracepoint::epoch::Epoch::with_options(gracepoint::epoch::Options::DEFAULT);
    /// drop(DOMAIN.enter());
    /// ```
    pub const DEFAULT: Options = Options {
        flavor: Flavor::Fast,
    };

    /// These options with the read side `flavor`. [`Flavor::Fast`] pins with a compiler fence
    /// instead of `fence(SeqCst)`; each advance then runs a `membarrier`, batched with the rest
    /// of the process's. Offered on x86-64 and AArch64 Linux (crate docs, "The Fast flavor");
    /// elsewhere the domain runs [`Flavor::Fenced`].
    ///
    /// ```
    /// use gracepoint::{Flavor, epoch::{Epoch, Options}};
    /// static DOMAIN: Epoch = Epoch::with_options(Options::DEFAULT.flavor(Flavor::Fast));
    /// drop(DOMAIN.pin());
    /// ```
    #[must_use]
    pub const fn flavor(mut self, flavor: Flavor) -> Self {
        self.flavor = flavor;
        self
    }
}

impl Default for Options {
    /// [`Options::DEFAULT`].
    ///
    /// ```
    /// assert_eq!(gracepoint::epoch::Options::default(), gracepoint::epoch::Options::DEFAULT);
    /// ```
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// An epoch domain with `N` reader slots inline (and more on demand with `alloc`).
///
/// `Epoch` (that is, `Epoch<0>`) keeps every slot in growable segments and needs `alloc`; a
/// domain with inline slots, `Epoch<N>`, can live in a `static` with no allocator at all.
/// Dropping a domain frees everything still retired in it.
///
/// ```
/// use gracepoint::epoch::Epoch;
/// static FIXED: Epoch<4> = Epoch::new_fixed();
/// let reader = FIXED.register().unwrap();
/// drop(reader.pin());
/// FIXED.synchronize_with(&mut gracepoint::wait::Spin);
/// ```
pub struct Epoch<const N: usize = 0> {
    pub(crate) core: Core<EpochClock, N>,
}

impl<const N: usize> core::fmt::Debug for Epoch<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Epoch")
            .field("epoch", &self.epoch())
            .field("slots", &self.core.slots().len())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// The global epoch, and one attempt to advance it by hand.
///
/// ```
/// static DOMAIN: gracepoint::epoch::Epoch<2> = gracepoint::epoch::Epoch::new_fixed();
/// let before = DOMAIN.stats();
/// assert!(DOMAIN.try_advance());
/// assert_eq!(DOMAIN.stats().grace_periods, before.grace_periods + 1); // advances, for epochs
/// ```
impl<const N: usize> Epoch<N> {
    reclaim::const_fn_unless_loom! {
        fn from_options(options: Options) -> Self {
            Self {
                core: Core::new(EpochClock::new(matches!(options.flavor, Flavor::Fast))),
            }
        }
    }

    /// The current global epoch. It counts modulo 2⁶³ (2³¹ where the target has no 64-bit
    /// atomics, or with `--cfg reclaim_seq32`), from 0 (or, in test builds with
    /// `--cfg reclaim_near_wrap`, from just below the wrap).
    ///
    /// ```
    /// let domain = gracepoint::epoch::Epoch::<2>::new_fixed();
    /// let before = domain.epoch();
    /// assert!(domain.try_advance());
    /// assert_eq!(domain.epoch(), before.wrapping_add(1));
    /// ```
    #[allow(clippy::useless_conversion)] // u64 from u64 where the counters are 64-bit
    pub fn epoch(&self) -> u64 {
        u64::from(self.core.clock().global.load(Ordering::Relaxed) / STEP)
    }

    /// Makes one attempt to move the global epoch from `e` to `e + 1`: it succeeds when every
    /// pinned slot is at `e` (or another thread advanced from `e` meanwhile, which it reports as
    /// a failure). Never waits; costs one pass over the slots in use. Returns whether this call
    /// advanced the epoch.
    ///
    /// ```
    /// let domain = gracepoint::epoch::Epoch::<2>::new_fixed();
    /// let reader = domain.register().unwrap();
    /// let guard = reader.pin();
    /// assert!(domain.try_advance()); // the reader is at the current epoch
    /// assert!(!domain.try_advance()); // now it is one behind, and holds the epoch back
    /// drop(guard);
    /// assert!(domain.try_advance());
    /// ```
    pub fn try_advance(&self) -> bool {
        let advanced = self
            .core
            .clock()
            .try_advance(self.core.slots(), Urgency::Now);
        if advanced {
            self.core.event().notify_all();
        }
        advanced
    }
}

/// The process-wide default domain, for code that does not need a domain of its own (as
/// `crossbeam_epoch::pin()` uses crossbeam's global collector). It is a plain `static`: it
/// allocates only its slot segments and what is retired into it, and a program that exits
/// with objects still pending in it leaves nothing that leak checkers count as lost: all of it
/// stays reachable from the static (valgrind reports it as "still reachable", LeakSanitizer
/// not at all).
///
/// ```
/// let guard = gracepoint::epoch::default_domain().pin();
/// drop(guard);
/// gracepoint::epoch::default_domain().retire(Box::new([0u8; 32]));
/// ```
#[cfg(all(feature = "std", not(loom)))]
pub fn default_domain() -> &'static Epoch {
    static DEFAULT: Epoch = Epoch::new();
    &DEFAULT
}

/// Pins the [`default_domain`]: `gracepoint::epoch::pin()` where crossbeam users wrote
/// `crossbeam_epoch::pin()`.
///
/// ```
/// let guard = gracepoint::epoch::pin();
/// assert!(gracepoint::epoch::default_domain().is_pinned());
/// drop(guard);
/// ```
#[cfg(all(feature = "std", not(loom)))]
#[inline]
pub fn pin() -> EpochGuard<'static> {
    default_domain().pin()
}

reclaim::domain_front! {
    path: "gracepoint::epoch",
    domain: Epoch,
    guard: EpochGuard,
    reader: EpochReader,
    cookie: Cookie,
    options: Options,
}

#[cfg(all(test, not(loom)))]
mod tests;
