//! The user-facing operations, written once over any [`Clock`]: retiring, polled grace periods,
//! waiting, `barrier`, statistics and the misuse checks. Each scheme's domain type exposes
//! them under the same names through [`domain_front!`](crate::domain_front), which forwards to
//! these.

use super::Core;
use crate::Stats;
use crate::scheme::bag::Retired;
use crate::scheme::clock::{Clock, Urgency};
use crate::stall::Pending;
use crate::wait::WaitStrategy;

/// What a user calls, for every scheme.
///
/// ```
/// use gracepoint_reclaim::scheme::{Core, InstantClock, bag::Retired};
/// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
/// core.retire_item(Retired::from_box(Box::new(1)));
/// let cookie = core.start_poll();
/// core.wait(&cookie);
/// assert!(core.poll(&cookie));
/// core.barrier();
/// assert_eq!(core.stats().pending, 0);
/// ```
impl<C: Clock, const N: usize> Core<C, N> {
    /// Retires `item` into the calling thread's own slot (with `std`), or, with no slot to
    /// call its own, into a bag sealed at once.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// core.retire_item(gracepoint_reclaim::scheme::bag::Retired::from_box(Box::new(1)));
    /// core.barrier();
    /// ```
    #[inline]
    #[track_caller]
    pub fn retire_item(&self, item: Retired) {
        #[cfg(feature = "std")]
        if let Ok(owner) = self.slots.mine() {
            self.retire(owner, item);
            return;
        }
        self.retire_unowned(item);
    }

    /// A cookie for every section that began before this call, starting nothing.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// let tag = core.get_state();
    /// core.wait(&tag);
    /// ```
    #[inline]
    pub fn get_state(&self) -> C::Tag {
        self.clock.state(&self.slots)
    }

    /// A cookie for every section that began before this call, and a step toward it.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// let tag = core.start_poll();
    /// while !core.poll(&tag) {}
    /// ```
    pub fn start_poll(&self) -> C::Tag {
        let tag = self.clock.tag(&self.slots);
        self.clock.request(tag);
        self.step_clock(Urgency::Batched);
        tag
    }

    /// True once `tag` expired; otherwise one step toward it, and a second look.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// let tag = core.start_poll();
    /// while !core.poll(&tag) {}
    /// ```
    #[inline]
    pub fn poll(&self, tag: &C::Tag) -> bool {
        C::le(*tag, self.clock.frontier()) || self.poll_slow(*tag)
    }

    #[inline(never)]
    fn poll_slow(&self, tag: C::Tag) -> bool {
        self.step_toward(tag, Urgency::Now)
    }

    /// Waits until `tag` expired, with `strategy`; then frees what expired.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// let tag = core.start_poll();
    /// core.wait_with(&tag, &mut gracepoint_reclaim::wait::Spin);
    /// ```
    #[track_caller]
    pub fn wait_with(&self, tag: &C::Tag, strategy: &mut impl WaitStrategy) {
        self.assert_outside("wait");
        self.clock.request(*tag);
        self.wait_for(*tag, strategy);
        self.collect_if_moved();
    }

    /// [`wait_with`](Core::wait_with) the default strategy.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// let tag = core.start_poll();
    /// core.wait(&tag);
    /// ```
    #[track_caller]
    pub fn wait(&self, tag: &C::Tag) {
        self.wait_with(tag, &mut crate::wait::default_strategy());
    }

    /// Waits until every section that began before this call has ended, with `strategy`;
    /// then frees what expired.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// core.synchronize_with(&mut gracepoint_reclaim::wait::Spin);
    /// ```
    #[track_caller]
    pub fn synchronize_with(&self, strategy: &mut impl WaitStrategy) {
        self.assert_outside("synchronize");
        let tag = self.clock.tag(&self.slots);
        self.clock.request(tag);
        self.wait_for(tag, strategy);
        self.collect_if_moved();
    }

    /// [`synchronize_with`](Core::synchronize_with) the default strategy, or the expedited one
    /// when the clock says the domain looks idle and nothing waits to be freed.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// core.synchronize();
    /// ```
    #[track_caller]
    pub fn synchronize(&self) {
        #[cfg(all(feature = "std", not(loom)))]
        if self.clock.looks_idle() && self.pending().objects == 0 {
            self.synchronize_with(&mut crate::wait::Expedited::default());
            return;
        }
        self.synchronize_with(&mut crate::wait::default_strategy());
    }

    /// [`synchronize_with`](Core::synchronize_with) a strategy that spins and yields but never
    /// sleeps.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// core.synchronize_expedited();
    /// ```
    #[track_caller]
    pub fn synchronize_expedited(&self) {
        #[cfg(feature = "std")]
        self.synchronize_with(&mut crate::wait::Expedited::default());
        #[cfg(not(feature = "std"))]
        self.synchronize_with(&mut crate::wait::Spin);
    }

    /// Waits until everything retired before this call, on every thread, has been freed.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// core.barrier();
    /// ```
    #[track_caller]
    pub fn barrier(&self) {
        self.assert_not_collecting();
        self.assert_outside("barrier");
        self.barrier_with(&mut crate::wait::default_strategy());
    }

    /// Grace periods completed, and what waits to be freed.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// assert_eq!(core.stats().pending, 0);
    /// ```
    pub fn stats(&self) -> Stats {
        let pending = self.pending();
        Stats::new(self.clock.completed(), pending.objects, pending.bytes)
    }

    /// One round of background work (see [`Background`](crate::Background)).
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// assert_eq!(core.reclaim_step().objects, 0);
    /// ```
    pub fn reclaim_step(&self) -> Pending {
        self.tick()
    }

    /// Panics when the calling thread is inside a read section of this domain: `operation`
    /// would wait for that section, which cannot end while the thread waits.
    ///
    /// In every build, the thread's own slot answers exactly with one owner-only load: the
    /// sections entered with `enter` on the thread's own slot (every scheme with `std`, and
    /// SRCU's per-thread slots). In debug builds with `std`, a thread-local record also covers
    /// sections on registered readers and on shared slots.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// core.assert_outside("synchronize");
    /// ```
    #[track_caller]
    pub fn assert_outside(&self, operation: &str) {
        // Compiled out under loom, like the debug record: the models check the algorithms,
        // and a thread's first lookup of its slot adds interleavings they do not need.
        #[cfg(all(feature = "std", not(loom)))]
        if self
            .slots
            .mine_if_any()
            .is_some_and(|owner| owner.in_section())
        {
            crate::scheme::debug::inside_section(C::SCHEME, operation);
        }
        crate::scheme::debug::assert_outside(self.addr(), C::SCHEME, operation);
    }
}
