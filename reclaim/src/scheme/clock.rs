//! A scheme's grace-period clock, as the shared retire path sees it.
//!
//! Every scheme in this workspace keeps some clock that only moves forward: SRCU's grace-period
//! sequence, GUS's write and read sequences, the epoch counter. The retire path needs four things
//! from it, and nothing else:
//! - a **tag** for a batch of objects just unlinked ([`Clock::tag`]);
//! - a way to ask that a grace period covering a tag will run ([`Clock::request`]);
//! - the **frontier**: every tag at or before it has expired ([`Clock::frontier`]);
//! - a non-blocking **step** that moves grace periods along ([`Clock::step`]).
//!
//! With these, [`Core`](super::Core) writes retire, collection, back-pressure, `barrier` and the
//! waits once for every scheme.
//!
//! ```
//! use gracepoint_reclaim::scheme::Clock;
//! use std::sync::atomic::{AtomicU64, Ordering, fence};
//!
//! /// A clock whose grace periods end as soon as someone steps it: right for a domain whose
//! /// readers never run concurrently with writers (a toy, for the example).
//! struct Instant(AtomicU64);
//!
//! // SAFETY: no reader ever runs concurrently with a writer in this toy's domain.
//! unsafe impl Clock for Instant {
//!     type Tag = u64;
//!     const SCHEME: &'static str = "instant";
//!     fn tag(&self) -> u64 {
//!         fence(Ordering::SeqCst);
//!         self.0.load(Ordering::Relaxed) + 1
//!     }
//!     fn request(&self, _: u64) {}
//!     fn frontier(&self) -> u64 {
//!         self.0.load(Ordering::Acquire)
//!     }
//!     fn step(&self) {
//!         self.0.fetch_add(1, Ordering::Release);
//!     }
//!     fn le(a: u64, b: u64) -> bool {
//!         a <= b
//!     }
//!     fn bits(tag: u64) -> u64 {
//!         tag
//!     }
//! }
//!
//! let clock = Instant(AtomicU64::new(0));
//! let tag = clock.tag();
//! assert!(!Instant::le(tag, clock.frontier()));
//! clock.step();
//! assert!(Instant::le(tag, clock.frontier()));
//! ```

/// A scheme's grace-period clock (see the module docs).
///
/// # Safety
/// The implementation must keep this promise: **once `le(tag, frontier())` is true, every read
/// section that began before the `tag()` call that returned `tag` has ended, and the frontier
/// load synchronizes with the end of those sections** (everything they did happens before
/// whatever the caller does next). The shared retire path frees memory on that basis.
///
/// Code over any clock asks only these questions; here, whether a batch may be freed:
/// ```
/// use gracepoint_reclaim::scheme::Clock;
/// fn may_free<C: Clock>(clock: &C, batch_tag: C::Tag) -> bool {
///     C::le(batch_tag, clock.frontier())
/// }
/// # use gracepoint_reclaim::scheme::InstantClock;
/// let clock = InstantClock::default();
/// let tag = clock.tag();
/// clock.request(tag);
/// assert!(!may_free(&clock, tag));
/// clock.step();
/// assert!(may_free(&clock, tag));
/// ```
pub unsafe trait Clock {
    /// A point on the clock. Compared only with [`le`](Clock::le), so it may wrap.
    type Tag: Copy + core::fmt::Debug + Send + Sync + 'static;

    /// The scheme's name, for messages.
    const SCHEME: &'static str;

    /// A tag for everything the calling thread unlinked before this call, and everything that
    /// happens before it: the tag expires once every section that began before this call has
    /// ended. Starts with the scheme's write-side fence.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::Clock;
    /// # use gracepoint_reclaim::scheme::InstantClock;
    /// let clock = InstantClock::default();
    /// let tag = clock.tag(); // after the unlink of whatever gets this tag
    /// assert!(!InstantClock::le(tag, clock.frontier())); // not expired yet
    /// ```
    fn tag(&self) -> Self::Tag;

    /// Makes sure that stepping the clock will eventually expire `tag`. Never waits.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::Clock;
    /// # use gracepoint_reclaim::scheme::InstantClock;
    /// let clock = InstantClock::default();
    /// let tag = clock.tag();
    /// clock.request(tag);
    /// while !InstantClock::le(tag, clock.frontier()) {
    ///     clock.step();
    /// }
    /// ```
    fn request(&self, tag: Self::Tag);

    /// The latest tag known to have expired (acquire ordering, see the trait's safety).
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::Clock;
    /// # use gracepoint_reclaim::scheme::InstantClock;
    /// let clock = InstantClock::default();
    /// let before = clock.frontier();
    /// clock.step();
    /// assert!(InstantClock::le(before, clock.frontier()) && before != clock.frontier());
    /// ```
    fn frontier(&self) -> Self::Tag;

    /// Moves grace periods forward as far as possible without waiting.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::Clock;
    /// # use gracepoint_reclaim::scheme::InstantClock;
    /// let clock = InstantClock::default();
    /// let tag = clock.tag();
    /// clock.step();
    /// assert!(InstantClock::le(tag, clock.frontier()));
    /// ```
    fn step(&self);

    /// True when `a` comes before or equals `b`.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::Clock;
    /// # use gracepoint_reclaim::scheme::InstantClock;
    /// let clock = InstantClock::default();
    /// let (older, newer) = (clock.frontier(), clock.tag());
    /// assert!(InstantClock::le(older, newer) && InstantClock::le(newer, newer));
    /// assert!(!InstantClock::le(newer, older));
    /// ```
    fn le(a: Self::Tag, b: Self::Tag) -> bool;

    /// The tag as 64 bits, for cheap "has the frontier moved" checks.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::Clock;
    /// # use gracepoint_reclaim::scheme::InstantClock;
    /// let clock = InstantClock::default();
    /// let seen = InstantClock::bits(clock.frontier());
    /// clock.step();
    /// assert_ne!(InstantClock::bits(clock.frontier()), seen); // the frontier moved
    /// ```
    fn bits(tag: Self::Tag) -> u64;

    /// True when a step costs a system-wide barrier (`membarrier` in the asymmetric flavors):
    /// the retire path then steps every [`STEP_EVERY_HEAVY`](super::domain::STEP_EVERY_HEAVY)
    /// seals instead of every [`STEP_EVERY`](super::domain::STEP_EVERY), so that many more bags
    /// share each grace period.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::Clock;
    /// # use gracepoint_reclaim::scheme::InstantClock;
    /// let clock = InstantClock::default();
    /// assert!(!clock.heavy_steps()); // the default: steps are cheap
    /// ```
    fn heavy_steps(&self) -> bool {
        false
    }

    /// True when the scheme calls [`Core::on_section_exit`](super::Core::on_section_exit) at
    /// the end of every read section on an owned slot: the retire path then leaves grace-period
    /// steps and collection to that exit when the retiring thread is inside a section.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::Clock;
    /// # use gracepoint_reclaim::scheme::InstantClock;
    /// let clock = InstantClock::default();
    /// assert!(!clock.defers_to_exit()); // the default: the retire path steps itself
    /// ```
    fn defers_to_exit(&self) -> bool {
        false
    }

    /// Calls `blocker` with the index of every reader slot that holds back a grace period past
    /// the frontier (for stall reports; never on a fast path), and says how exact that is. The
    /// default names none and says the scheme cannot tell.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::Clock;
    /// # use gracepoint_reclaim::scheme::InstantClock;
    /// let clock = InstantClock::default();
    /// let mut named = Vec::new();
    /// let attribution = clock.blockers(&mut |slot| named.push(slot));
    /// assert!(named.is_empty());
    /// assert!(matches!(attribution, gracepoint_reclaim::stall::Attribution::Approximate(_)));
    /// ```
    fn blockers(&self, blocker: &mut dyn FnMut(usize)) -> crate::stall::Attribution {
        let _ = blocker;
        crate::stall::Attribution::Approximate("this scheme does not name the readers in the way")
    }

    /// True when slot `i` belongs to the thread (or registered reader) that took id `i`, so
    /// that stall reports can name its thread. False for slots shared per CPU.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::Clock;
    /// # use gracepoint_reclaim::scheme::InstantClock;
    /// let clock = InstantClock::default();
    /// assert!(clock.slots_name_threads()); // the default: one slot per thread
    /// ```
    fn slots_name_threads(&self) -> bool {
        true
    }
}

/// A clock for a domain without read sections: every step ends a grace period. For examples
/// and tests of [`Core`](super::Core); a scheme with readers needs a clock of its own.
///
/// ```
/// use gracepoint_reclaim::scheme::{Clock, InstantClock};
/// let clock = InstantClock::default();
/// let tag = clock.tag();
/// assert!(!InstantClock::le(tag, clock.frontier()));
/// clock.step();
/// assert!(InstantClock::le(tag, clock.frontier()));
/// ```
#[derive(Debug, Default)]
pub struct InstantClock(core::sync::atomic::AtomicU64);

// SAFETY: a domain on this clock has no sections, so no reader can hold what a tag covers.
unsafe impl Clock for InstantClock {
    type Tag = u64;
    const SCHEME: &'static str = "instant";
    fn tag(&self) -> u64 {
        self.0.load(core::sync::atomic::Ordering::SeqCst) + 1
    }
    fn request(&self, _: u64) {}
    fn frontier(&self) -> u64 {
        self.0.load(core::sync::atomic::Ordering::Acquire)
    }
    fn step(&self) {
        self.0.fetch_add(1, core::sync::atomic::Ordering::AcqRel);
    }
    fn le(a: u64, b: u64) -> bool {
        a <= b
    }
    fn bits(tag: u64) -> u64 {
        tag
    }
}
