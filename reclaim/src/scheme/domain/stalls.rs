//! Stall reports, stall hooks and limits on what may wait (see `gracepoint_reclaim::stall`), for every
//! scheme. Nothing here runs on the read path: readers publish only what the grace-period
//! machinery needs anyway, and the waiting side measures time itself.

use super::Core;
use crate::scheme::clock::Clock;
use crate::scheme::slots::Owned;
use crate::stall::{Limit, Pending, Policy};

#[cfg(feature = "alloc")]
extern crate alloc;

/// Stall reports, stall hooks and limits on what may wait to be freed.
impl<C: Clock, const N: usize> Core<C, N> {
    /// Caps what may wait to be freed; see [`Limit`] and [`Policy`]. The cap counts objects in
    /// sealed bags: each thread may hold up to a local bag more.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// core.set_limit(gracepoint_reclaim::stall::Limit::objects(1_000));
    /// ```
    pub fn set_limit(&self, limit: Limit) {
        self.watch.set_limit(&limit);
    }

    /// Installs the hook that [`Policy::Hook`] calls, with what waits, on the retiring thread.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// core.on_limit(|pending| eprintln!("{} objects wait", pending.objects));
    /// ```
    #[cfg(feature = "alloc")]
    pub fn on_limit(&self, hook: impl Fn(Pending) + Send + Sync + 'static) {
        *self.watch.limit_hook.lock() = Some(alloc::boxed::Box::new(hook));
    }

    /// Applies the limit, if set and passed, after a seal. `owner` is the retiring thread's
    /// slot when it has one: the blocking policy needs to know it is outside its sections.
    #[inline]
    pub(super) fn enforce_limit(&self, owner: Option<Owned<'_, C::Slot>>) {
        if self.watch.unlimited() {
            return;
        }
        let (objects, bytes) = self.sealed.pending();
        if let Some(policy) = self.watch.exceeded(Pending { objects, bytes }) {
            self.apply(policy, owner, Pending { objects, bytes });
        }
    }

    #[cold]
    fn apply(&self, policy: Policy, owner: Option<Owned<'_, C::Slot>>, pending: Pending) {
        match policy {
            Policy::Block if owner.is_some_and(|owner| !owner.in_section()) => {
                // Outside its sections (as its own slot tells): wait until enough was freed.
                let mut strategy = crate::wait::default_strategy();
                while self.watch.exceeded(self.sealed_pending()).is_some() {
                    self.collect_waiting(&mut strategy);
                }
            }
            Policy::Hook => {
                #[cfg(feature = "alloc")]
                if let Some(hook) = &*self.watch.limit_hook.lock() {
                    hook(pending);
                }
                let _ = pending;
            }
            // Expedite, and Block from inside a section (waiting there could wait for that
            // very section): step now (unless collection fell behind), collect, and give the
            // CPU away once: past the limit, bounding memory comes before throughput.
            _ => {
                self.step(true, crate::scheme::clock::Urgency::Now);
                self.collect();
                #[cfg(all(feature = "std", not(loom)))]
                std::thread::yield_now();
            }
        }
    }

    fn sealed_pending(&self) -> Pending {
        let (objects, bytes) = self.sealed.pending();
        Pending { objects, bytes }
    }

    /// Calls `callback` with a [`StallReport`](crate::stall::StallReport) when a grace period
    /// has waited longer than `threshold`: at most once per grace period (per hook), from
    /// whichever thread is waiting for it or collecting at the time (there is no thread of our
    /// own). Several hooks with different thresholds may be installed.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// core.on_stall(std::time::Duration::from_secs(1), |report| eprintln!("{report}"));
    /// ```
    #[cfg(feature = "std")]
    pub fn on_stall(
        &self,
        threshold: core::time::Duration,
        callback: impl Fn(&crate::stall::StallReport) + Send + Sync + 'static,
    ) {
        self.watch
            .seen
            .lock()
            .hooks
            .push(super::super::watch::Hook {
                threshold,
                callback: alloc::sync::Arc::new(callback),
                reported: None,
            });
        self.watch
            .hooked
            .store(true, crate::sync::Ordering::Relaxed);
    }

    /// For schemes with a wait loop of their own: notes, for stall reports and hooks, that a
    /// waiter found its grace period not over yet, and runs the hooks whose threshold passed.
    /// One load when no hook is installed. [`wait_for`](Core::wait_for) does this itself.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// core.note_wait();
    /// ```
    #[inline]
    pub fn note_wait(&self) {
        self.observe(false);
    }

    /// Notes, for stall reports and hooks, that a waiter or collector found the frontier
    /// behind what it needs; runs the hooks whose threshold passed. Cheap when nothing is
    /// hooked and `always` is false (one load).
    #[inline]
    pub(super) fn observe(&self, always: bool) {
        #[cfg(feature = "std")]
        if always || cfg!(feature = "log") || self.watch.hooked.load(crate::sync::Ordering::Relaxed)
        {
            self.observe_slow();
        }
        let _ = always;
    }

    #[cfg(feature = "std")]
    #[cold]
    fn observe_slow(&self) {
        let frontier = C::bits(self.clock.frontier());
        let now = now();
        let mut due = alloc::vec::Vec::new();
        // The slots in the way right now, so that reports can say how long each has been seen
        // blocking (scanned before taking the lock; waiters pause between calls anyway).
        let mut blocking = alloc::vec::Vec::new();
        self.clock
            .blockers(&self.slots, &mut |slot| blocking.push(slot));
        {
            let mut seen = self.watch.seen.lock();
            let since = match seen.frontier {
                Some((stuck, since)) if stuck == frontier => since,
                _ => {
                    seen.frontier = Some((frontier, now));
                    seen.slots.clear();
                    now
                }
            };
            seen.slots.retain(|(slot, _)| blocking.contains(slot));
            for slot in blocking {
                if !seen.slots.iter().any(|(s, _)| *s == slot) {
                    seen.slots.push((slot, now));
                }
            }
            let age = now.saturating_duration_since(since);
            for hook in &mut seen.hooks {
                if hook.reported != Some(frontier) && age >= hook.threshold {
                    hook.reported = Some(frontier);
                    due.push(alloc::sync::Arc::clone(&hook.callback));
                }
            }
            #[cfg(feature = "log")]
            if seen.hooks.is_empty()
                && seen.logged != Some(frontier)
                && age >= crate::stall::LOG_THRESHOLD
            {
                seen.logged = Some(frontier);
                due.push(alloc::sync::Arc::new(
                    |report: &crate::stall::StallReport| report.log(),
                ));
            }
        }
        if !due.is_empty()
            && let Some(report) = self.report()
        {
            for callback in due {
                callback(&report);
            }
        }
    }

    /// Who holds back the oldest grace period this domain waits for, how long it has been seen
    /// waiting, and how much memory waits behind it; `None` when nothing waits. See
    /// [`StallReport`](crate::stall::StallReport).
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// assert!(core.stall_report().is_none());
    /// ```
    #[cfg(feature = "alloc")]
    pub fn stall_report(&self) -> Option<crate::stall::StallReport> {
        self.observe(true);
        self.report()
    }

    #[cfg(feature = "alloc")]
    fn report(&self) -> Option<crate::stall::StallReport> {
        let pending = self.pending();
        let mut slots = alloc::vec::Vec::new();
        let attribution = self
            .clock
            .blockers(&self.slots, &mut |slot| slots.push(slot));
        if pending.objects == 0 && slots.is_empty() {
            return None;
        }
        #[cfg(feature = "std")]
        let (age, first_seen) = {
            let now = now();
            let mut seen = self.watch.seen.lock();
            let age = seen
                .frontier
                .map(|(_, since)| now.saturating_duration_since(since));
            seen.slots.retain(|(slot, _)| slots.contains(slot));
            let mut first_seen = alloc::vec::Vec::with_capacity(slots.len());
            for &slot in &slots {
                let since = match seen.slots.iter().find(|(s, _)| *s == slot) {
                    Some(&(_, since)) => since,
                    None => {
                        seen.slots.push((slot, now));
                        now
                    }
                };
                first_seen.push(now.saturating_duration_since(since));
            }
            (age, first_seen)
        };
        #[cfg(not(feature = "std"))]
        let (age, first_seen) = (None, alloc::vec::Vec::new());
        let names = self.clock.slots_name_threads();
        let blockers = slots
            .iter()
            .zip(first_seen.iter().map(Some).chain(core::iter::repeat(None)))
            .map(|(&slot, blocked_for)| crate::stall::Blocker {
                slot,
                thread: if names { owner_of(slot) } else { None },
                blocked_for: blocked_for.copied(),
            })
            .collect();
        Some(crate::stall::StallReport {
            scheme: C::SCHEME,
            age,
            pending: pending.objects,
            pending_bytes: pending.bytes,
            attribution,
            blockers,
        })
    }
}

/// The thread that owns slot `slot` (slot indices are thread ids when slots name threads).
#[cfg(feature = "alloc")]
fn owner_of(slot: usize) -> Option<crate::stall::ThreadInfo> {
    #[cfg(feature = "std")]
    return crate::scheme::thread::owner_of(slot);
    #[cfg(not(feature = "std"))]
    {
        let _ = slot;
        None
    }
}

#[cfg(feature = "std")]
fn now() -> std::time::Instant {
    std::time::Instant::now()
}
