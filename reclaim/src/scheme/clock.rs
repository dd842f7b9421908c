//! A scheme's grace-period clock, as the shared core sees it.
//!
//! Every scheme in this workspace keeps some clock that only moves forward: SRCU's grace-period
//! sequence, GUS's write and read sequences, the epoch counter. The core needs these things from
//! it, and nothing else:
//! - a **tag** for what was just unlinked ([`Clock::tag`]), and a cheaper *state* that starts
//!   nothing ([`Clock::state`]);
//! - a way to ask that a grace period covering a tag will run ([`Clock::request`]);
//! - the **frontier**: every tag at or before it has expired ([`Clock::frontier`]);
//! - a non-blocking **step** that moves grace periods along, given the reader slots to scan
//!   ([`Clock::step`], [`Clock::step_toward`]);
//! - how many grace periods it completed ([`Clock::completed`]).
//!
//! With these, [`Core`](super::Core) writes retire, collection, back-pressure, `barrier`,
//! polling and the waits once for every scheme, and the user-facing front
//! ([`domain_front!`](crate::domain_front)) is written once over the core.
//!
//! ```
//! use gracepoint_reclaim::scheme::{Clock, InstantClock, clock::Urgency, slots::Slots};
//! let clock = InstantClock::new();
//! let slots: Slots<(), 0> = Slots::new();
//! let tag = clock.tag(&slots);
//! assert!(!InstantClock::le(tag, clock.frontier()));
//! clock.step(&slots, Urgency::Now);
//! assert!(InstantClock::le(tag, clock.frontier()));
//! ```

use super::seq::Sequence;
use super::slots::{SlotState, Slots};
use crate::stall::Attribution;
use crate::sync::Count;

/// A scheme's grace-period clock (see the module docs).
///
/// # Safety
/// The implementation must keep this promise: **once `le(tag, frontier())` is true, every read
/// section that began before the `tag()` (or `state()`) call that returned `tag` has ended, and
/// the frontier load synchronizes with the end of those sections** (everything they did happens
/// before whatever the caller does next). The shared core frees memory on that basis.
///
/// ```
/// use gracepoint_reclaim::scheme::{Clock, InstantClock, clock::Urgency, slots::Slots};
/// fn may_free<C: Clock>(clock: &C, batch_tag: C::Tag) -> bool {
///     C::le(batch_tag, clock.frontier())
/// }
/// let (clock, slots) = (InstantClock::new(), Slots::<(), 0>::new());
/// let tag = clock.tag(&slots);
/// assert!(!may_free(&clock, tag));
/// clock.step(&slots, Urgency::Now);
/// assert!(may_free(&clock, tag));
/// ```
pub unsafe trait Clock: Sized {
    /// What each reader slot holds for this scheme.
    type Slot: SlotState;

    /// A point on the clock, and the cookie of polled grace periods. Compared only with
    /// [`le`](Clock::le), so it may wrap.
    type Tag: Copy + core::fmt::Debug + PartialEq + Eq + core::hash::Hash + Send + Sync + 'static;

    /// The scheme's name, for messages.
    const SCHEME: &'static str;

    /// A tag for everything the calling thread unlinked before this call, and everything that
    /// happens before it: the tag expires once every section that began before this call has
    /// ended. Starts with the scheme's write-side fence. May start a grace period.
    fn tag<const N: usize>(&self, slots: &Slots<Self::Slot, N>) -> Self::Tag;

    /// Like [`tag`](Clock::tag), but starts nothing (a `get_state`). The default is `tag`.
    fn state<const N: usize>(&self, slots: &Slots<Self::Slot, N>) -> Self::Tag {
        self.tag(slots)
    }

    /// Makes sure that stepping the clock will eventually expire `tag`. Never waits.
    fn request(&self, tag: Self::Tag);

    /// The latest tag known to have expired (acquire ordering, see the trait's safety).
    fn frontier(&self) -> Self::Tag;

    /// Moves grace periods forward as far as possible without waiting, toward the tags
    /// requested so far; a clock whose steps need heavy fences issues them as `urgency` allows.
    /// Returns true when this call moved the frontier (the core then wakes the waiters).
    fn step<const N: usize>(&self, slots: &Slots<Self::Slot, N>, urgency: Urgency) -> bool;

    /// Moves grace periods forward toward `tag` in particular, without waiting (for a poll of a
    /// tag nobody requested), and says whether `tag` has passed (with the same acquire ordering
    /// as the frontier) and whether this call moved the frontier. The default is
    /// [`step`](Clock::step), then a look at the frontier.
    fn step_toward<const N: usize>(
        &self,
        slots: &Slots<Self::Slot, N>,
        tag: Self::Tag,
        urgency: Urgency,
    ) -> Toward {
        let moved = self.step(slots, urgency);
        Toward {
            passed: Self::le(tag, self.frontier()),
            moved,
        }
    }

    /// True when `a` comes before or equals `b`.
    fn le(a: Self::Tag, b: Self::Tag) -> bool;

    /// The tag as 64 bits, for cheap "has the frontier moved" checks: one to one, and 0 for the
    /// frontier of a freshly built clock. The core's record of its last collection starts at 0,
    /// so any other first value makes the first retire collect, and sweep every slot's bag, as
    /// if a grace period had just ended.
    fn bits(tag: Self::Tag) -> u64;

    /// Grace periods completed since the clock was built: how many times the frontier moved
    /// forward, each time making a new set of tags expire.
    fn completed(&self) -> u64;

    /// The read side this clock's readers run, as resolved at run time. The default is
    /// [`Flavor::Fenced`](crate::Flavor::Fenced).
    fn flavor(&self) -> crate::Flavor {
        crate::Flavor::Fenced
    }

    /// True when a step needs a system-wide barrier (`membarrier`, in the asymmetric flavors):
    /// the retire path's steps then wait for the process's next batch of them (see the
    /// `heavy` module). The default says steps are cheap.
    fn heavy_steps(&self) -> bool {
        false
    }

    /// True when a `synchronize` should expedite itself: the domain looks idle, so the grace
    /// period is likely short and sleeping in it would only add latency. The default says no.
    fn looks_idle(&self) -> bool {
        false
    }

    /// Calls `blocker` with the index of every reader slot that holds back a grace period past
    /// the frontier (for stall reports; never on a fast path), and says how exact that is. The
    /// default names none and says the scheme cannot tell.
    fn blockers<const N: usize>(
        &self,
        slots: &Slots<Self::Slot, N>,
        blocker: &mut dyn FnMut(usize),
    ) -> Attribution {
        let _ = (slots, blocker);
        Attribution::Approximate("this scheme does not name the readers in the way")
    }

    /// True when slot `i` belongs to the thread (or registered reader) that took id `i`, so
    /// that stall reports can name its thread. False for slots shared per CPU.
    fn slots_name_threads(&self) -> bool {
        true
    }
}

/// How soon a step's caller needs its grace period: the retire path's work can wait for the
/// next batch of heavy fences; a waiter's cannot (see the `heavy` module).
///
/// ```
/// use gracepoint_reclaim::scheme::clock::Urgency;
/// assert_ne!(Urgency::Batched, Urgency::Now);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Urgency {
    /// Work that can wait (the retire path's grace periods): a clock whose steps need heavy
    /// fences may put the step off until the process's next batch is due.
    Batched,
    /// A caller must not wait for the batch (an explicit poll, pressure, a limit's expedite,
    /// or a blocking wait whose strategy [`expedites`](crate::wait::WaitStrategy::expedites),
    /// as every built-in one does): step now.
    Now,
}

/// What [`Clock::step_toward`] did.
///
/// ```
/// let done = gracepoint_reclaim::scheme::clock::Toward { passed: true, moved: false };
/// assert!(done.passed);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Toward {
    /// The tag has passed.
    pub passed: bool,
    /// This call moved the frontier.
    pub moved: bool,
}

/// The idle state of a domain without readers (the [`InstantClock`]'s).
impl SlotState for () {
    crate::idle_slot!(());
}

/// A clock for a domain without read sections: every step ends a grace period. For examples
/// and tests of [`Core`](super::Core); a scheme with readers needs a clock of its own.
///
/// ```
/// use gracepoint_reclaim::scheme::{Clock, InstantClock, clock::Urgency, slots::Slots};
/// let (clock, slots) = (InstantClock::new(), Slots::<(), 0>::new());
/// let tag = clock.tag(&slots);
/// clock.step(&slots, Urgency::Now);
/// assert!(InstantClock::le(tag, clock.frontier()));
/// assert_eq!(clock.completed(), 1);
/// ```
#[derive(Debug, Default)]
pub struct InstantClock(crate::sync::AtomicCount);

impl InstantClock {
    crate::const_fn_unless_loom! {
        /// A clock at 0.
        ///
        /// ```
        /// use gracepoint_reclaim::scheme::{Clock, InstantClock};
        /// assert_eq!(InstantClock::new().completed(), 0);
        /// ```
        pub fn new() -> Self {
            Self(crate::sync::AtomicCount::new(0))
        }
    }
}

// SAFETY: a domain on this clock has no sections, so no reader can hold what a tag covers.
unsafe impl Clock for InstantClock {
    type Slot = ();
    type Tag = Count;
    const SCHEME: &'static str = "instant";
    fn tag<const N: usize>(&self, _: &Slots<(), N>) -> Count {
        self.0.load(crate::sync::Ordering::Acquire).wrapping_add(1)
    }
    fn request(&self, _: Count) {}
    fn frontier(&self) -> Count {
        self.0.load(crate::sync::Ordering::Acquire)
    }
    fn step<const N: usize>(&self, _: &Slots<(), N>, _: Urgency) -> bool {
        self.0.fetch_add(1, crate::sync::Ordering::AcqRel);
        true
    }
    fn le(a: Count, b: Count) -> bool {
        a.seq_le(b)
    }
    #[allow(clippy::useless_conversion)] // u64 from u64 where the counters are 64-bit
    fn bits(tag: Count) -> u64 {
        u64::from(tag)
    }
    #[allow(clippy::useless_conversion)] // as above
    fn completed(&self) -> u64 {
        u64::from(self.0.load(crate::sync::Ordering::Relaxed))
    }
}
