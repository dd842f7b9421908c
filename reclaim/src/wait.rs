//! Waiting for a condition another thread will make true: a grace period to end, a reader to
//! leave.
//!
//! The default strategy under `std` is [`Adaptive`]: spin a little with crossbeam's
//! [`Backoff`](crossbeam_utils::Backoff), then yield, then park on an [`Event`] with a timeout
//! that grows from 5 µs to 1 ms. Readers never signal (their fast path stays free of it), so the
//! timeout is what bounds the wait for a reader; a thread that finishes a grace period notifies
//! the event, so threads waiting for *that* wake at once. [`Expedited`] spins and yields but
//! never sleeps. Without `std`, callers pass their own strategy: any `FnMut()` is one, as is
//! [`Spin`].
//!
//! ```
//! # use gracepoint_reclaim as gracepoint;
//! use gracepoint::wait::{Event, Spin, wait_until};
//! let event = Event::new();
//! let mut tries = 0;
//! wait_until(&event, &mut Spin, || { tries += 1; tries == 3 });
//! assert_eq!(tries, 3);
//! ```

use crate::sync::AtomicCount;
#[cfg(all(feature = "std", not(loom)))]
use crate::sync::{AtomicUsize, Ordering, fence};

/// How a thread spends the time between two checks of the condition it waits for.
///
/// A strategy of one's own, here one that yields and counts its pauses:
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::wait::{Event, WaitStrategy, wait_until};
/// struct Yield {
///     pauses: u32,
/// }
/// impl WaitStrategy for Yield {
///     fn pause(&mut self, _event: &Event, _seen: u64) {
///         self.pauses += 1;
///         std::thread::yield_now();
///     }
/// }
/// let mut strategy = Yield { pauses: 0 };
/// let mut checks = 0;
/// wait_until(&Event::new(), &mut strategy, || {
///     checks += 1;
///     checks == 4
/// });
/// assert_eq!(strategy.pauses, 3);
/// ```
pub trait WaitStrategy {
    /// Called each time the condition was found false. `event` is notified when a grace period
    /// ends, and `seen` is its count read before the check, so a strategy that parks can do so
    /// without missing that notification.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::wait::{Event, WaitStrategy};
    /// /// Parks until the event moves on from `seen`, or for a millisecond at most.
    /// struct Park;
    /// impl WaitStrategy for Park {
    ///     fn pause(&mut self, event: &Event, seen: u64) {
    ///         event.park(seen, std::time::Duration::from_millis(1));
    ///     }
    /// }
    /// let event = Event::new();
    /// let seen = event.count();
    /// event.notify_all();
    /// Park.pause(&event, seen); // returns at once: the notification came after `seen`
    /// ```
    fn pause(&mut self, event: &Event, seen: u64);

    /// True (the default) when the wait must not wait for the process's next batch of heavy
    /// fences: a domain whose readers skip the hardware fence then issues a `membarrier` as soon
    /// as it needs one, unless one that serves it is already running or done (`docs/reclaim.md`,
    /// "Batched heavy fences"). A strategy that says no lets its waits share the batch instead:
    /// fewer `membarrier`s, but each heavy step of the wait may be put off by up to the batch
    /// interval and then by the strategy's own pause (a parked thread on a busy machine wakes a
    /// scheduler tick late; `docs/reclaim.md` has what that cost a `synchronize`).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::wait::{Adaptive, Event, Spin, WaitStrategy};
    /// assert!(Spin.expedites() && Adaptive::new().expedites());
    /// /// Parks a millisecond at a time and shares the process's batched heavy fences.
    /// struct Patient;
    /// impl WaitStrategy for Patient {
    ///     fn pause(&mut self, event: &Event, seen: u64) {
    ///         event.park(seen, std::time::Duration::from_millis(1));
    ///     }
    ///     fn expedites(&self) -> bool {
    ///         false
    ///     }
    /// }
    /// assert!(!Patient.expedites());
    /// ```
    fn expedites(&self) -> bool {
        true
    }
}

impl<F: FnMut()> WaitStrategy for F {
    fn pause(&mut self, _: &Event, _: u64) {
        self()
    }
}

/// Busy-waits with a CPU spin hint; for `no_std` builds and short waits.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::wait::{Event, Spin, WaitStrategy};
/// Spin.pause(&Event::new(), 0);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Spin;

impl WaitStrategy for Spin {
    fn pause(&mut self, _: &Event, _: u64) {
        crate::sync::spin_hint();
    }
}

/// The strategy a wait uses when the caller gives none: [`Adaptive`] with `std`, [`Spin`]
/// without it.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::wait::{Event, WaitStrategy};
/// gracepoint::wait::default_strategy().pause(&Event::new(), 0);
/// ```
pub fn default_strategy() -> impl WaitStrategy {
    #[cfg(feature = "std")]
    return Adaptive::new();
    #[cfg(not(feature = "std"))]
    return Spin;
}

/// Spins, then yields, then parks with a growing timeout (5 µs up to 1 ms).
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::wait::{Adaptive, Event, WaitStrategy};
/// let mut wait = Adaptive::new();
/// wait.pause(&Event::new(), 0);
/// ```
#[cfg(feature = "std")]
#[derive(Debug, Default)]
pub struct Adaptive {
    backoff: crossbeam_utils::Backoff,
    yields: u32,
    park_micros: u64,
}

/// Making a fresh strategy for each wait: it starts again with spinning.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::wait::{Adaptive, Event, wait_until};
/// use std::sync::atomic::{AtomicBool, Ordering};
/// let (event, done) = (Event::new(), AtomicBool::new(false));
/// std::thread::scope(|s| {
///     s.spawn(|| {
///         done.store(true, Ordering::Release);
///         event.notify_all();
///     });
///     wait_until(&event, &mut Adaptive::new(), || done.load(Ordering::Acquire));
/// });
/// ```
#[cfg(feature = "std")]
impl Adaptive {
    const YIELDS: u32 = 8;
    const FIRST_PARK_MICROS: u64 = 5;
    const LAST_PARK_MICROS: u64 = 1000;

    /// A fresh strategy, starting with spinning.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let _ = gracepoint::wait::Adaptive::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }
}

#[cfg(feature = "std")]
impl WaitStrategy for Adaptive {
    fn pause(&mut self, event: &Event, seen: u64) {
        if cfg!(loom) {
            crate::sync::spin_hint();
        } else if !self.backoff.is_completed() {
            self.backoff.snooze();
        } else if self.yields < Self::YIELDS {
            self.yields += 1;
            std::thread::yield_now();
        } else {
            self.park_micros =
                (self.park_micros * 2).clamp(Self::FIRST_PARK_MICROS, Self::LAST_PARK_MICROS);
            event.park(seen, core::time::Duration::from_micros(self.park_micros));
        }
    }
}

/// Spins and yields but never sleeps: lower latency for more CPU.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::wait::{Event, Expedited, WaitStrategy};
/// Expedited::default().pause(&Event::new(), 0);
/// ```
#[cfg(feature = "std")]
#[derive(Debug, Default)]
pub struct Expedited {
    backoff: crossbeam_utils::Backoff,
}

#[cfg(feature = "std")]
impl WaitStrategy for Expedited {
    fn pause(&mut self, _: &Event, _: u64) {
        if cfg!(loom) || !self.backoff.is_completed() {
            self.backoff.spin();
            crate::sync::spin_hint();
        } else {
            std::thread::yield_now();
        }
    }
}

/// Something threads can wait for: a count of notifications, and (under `std`) a parking spot.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::wait::{Event, default_strategy, wait_until};
/// use std::sync::atomic::{AtomicU64, Ordering};
/// let (event, completed) = (Event::new(), AtomicU64::new(0));
/// std::thread::scope(|s| {
///     s.spawn(|| {
///         completed.store(1, Ordering::Release); // a grace period ends...
///         event.notify_all(); // ...and wakes whoever parked waiting for it
///     });
///     wait_until(&event, &mut default_strategy(), || completed.load(Ordering::Acquire) == 1);
/// });
/// assert_eq!(event.count(), 1);
/// ```
pub struct Event {
    /// Notifications so far, wrapping at the counters' width ([`crate::sync::Count`]); compared
    /// only for equality with a count read before.
    count: AtomicCount,
    /// Threads in `park`: `notify_all` skips the lock and the condition variable when zero.
    #[cfg(all(feature = "std", not(loom)))]
    parking: AtomicUsize,
    #[cfg(all(feature = "std", not(loom)))]
    lock: parking_lot::Mutex<()>,
    #[cfg(all(feature = "std", not(loom)))]
    parked: parking_lot::Condvar,
}

impl Default for Event {
    fn default() -> Self {
        Self::new()
    }
}

/// Notifying, counting notifications, and parking without missing one.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::wait::Event;
/// use std::time::Duration;
/// static EVENT: Event = Event::new();
/// let seen = EVENT.count();
/// EVENT.notify_all();
/// assert_eq!(EVENT.count(), seen + 1);
/// EVENT.park(seen, Duration::from_secs(3600)); // returns at once: notified since `seen`
/// ```
impl Event {
    crate::const_fn_unless_loom! {
        /// An event nobody waits for yet.
        ///
        /// ```
        /// # use gracepoint_reclaim as gracepoint;
        /// static E: gracepoint::wait::Event = gracepoint::wait::Event::new();
        /// E.notify_all();
        /// ```
        pub fn new() -> Self {
            Self {
                count: AtomicCount::new(0),
                #[cfg(all(feature = "std", not(loom)))]
                parking: AtomicUsize::new(0),
                #[cfg(all(feature = "std", not(loom)))]
                lock: parking_lot::Mutex::new(()),
                #[cfg(all(feature = "std", not(loom)))]
                parked: parking_lot::Condvar::new(),
            }
        }
    }

    /// How many times the event has been notified.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let e = gracepoint::wait::Event::new();
    /// e.notify_all();
    /// assert_eq!(e.count(), 1);
    /// ```
    pub fn count(&self) -> u64 {
        #[allow(clippy::useless_conversion)] // u64 from u64 where the counters are 64-bit
        u64::from(self.count.load(crate::sync::Ordering::Acquire))
    }

    /// Wakes every thread parked on the event.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// gracepoint::wait::Event::new().notify_all();
    /// ```
    pub fn notify_all(&self) {
        self.count.fetch_add(1, crate::sync::Ordering::Release);
        #[cfg(all(feature = "std", not(loom)))]
        {
            // event-N: pairs with event-K in `park` (store buffering on `count` and `parking`): either this
            // load sees the parker, or the parker's check under the lock sees the new count.
            // Most notifications find nobody parked and skip the lock entirely.
            fence(Ordering::SeqCst);
            if self.parking.load(Ordering::Relaxed) == 0 {
                return;
            }
            // Taking the lock after the count changed means a parker either saw the new count
            // under the lock, or was already waiting and gets this notification.
            drop(self.lock.lock());
            self.parked.notify_all();
        }
    }

    /// Sleeps until the event is notified or `timeout` passes, unless it was already notified
    /// since the caller read `seen` from [`count`](Event::count).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let e = gracepoint::wait::Event::new();
    /// e.park(e.count(), std::time::Duration::from_micros(1));
    /// ```
    #[cfg(feature = "std")]
    pub fn park(&self, seen: u64, timeout: core::time::Duration) {
        #[cfg(not(loom))]
        {
            self.parking.fetch_add(1, Ordering::Relaxed);
            // event-K: pairs with event-N in `notify_all`.
            fence(Ordering::SeqCst);
            let mut guard = self.lock.lock();
            #[allow(clippy::useless_conversion)] // as in `count`
            if u64::from(self.count.load(Ordering::Relaxed)) == seen {
                self.parked.wait_for(&mut guard, timeout);
            }
            drop(guard);
            self.parking.fetch_sub(1, Ordering::Relaxed);
        }
        #[cfg(loom)]
        {
            let _ = (seen, timeout);
            crate::sync::spin_hint();
        }
    }
}

/// Waits, as `strategy` says, until `done()` returns true.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::wait::{wait_until, Event};
/// let mut n = 0;
/// wait_until(&Event::new(), &mut || {}, || { n += 1; n > 2 });
/// ```
///
/// # Panics
/// When called from an interrupt handler (see [`crate::interrupt`]): a wait there can wait for
/// the code the handler interrupted, forever.
#[track_caller]
pub fn wait_until(event: &Event, strategy: &mut impl WaitStrategy, mut done: impl FnMut() -> bool) {
    crate::interrupt::assert_may_wait();
    loop {
        let seen = event.count();
        if done() {
            return;
        }
        strategy.pause(event, seen);
    }
}

#[cfg(all(test, feature = "std", not(loom)))]
mod tests {
    use super::*;
    use std::prelude::rust_2024::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    /// A wait this long is a hang, not a slow machine.
    const HANG: Duration = Duration::from_secs(60);

    #[test]
    fn parked_waiter_wakes_on_notify() {
        // The notifier waits until the waiter has announced that it parks, then notifies: the
        // waiter must return, either because its check under the lock saw the new count or
        // because `notify_all` woke it. Its timeout is a minute, far past any wake-up: only a
        // lost wake-up (a hang) reaches it.
        let event = Event::new();
        let flag = AtomicBool::new(false);
        let seen = event.count();
        std::thread::scope(|s| {
            s.spawn(|| {
                while event.parking.load(Ordering::Relaxed) == 0 {
                    std::thread::yield_now();
                }
                flag.store(true, Ordering::Release);
                event.notify_all();
            });
            let start = Instant::now();
            event.park(seen, HANG);
            assert!(
                start.elapsed() < HANG,
                "park slept through notify_all for {HANG:?}: a lost wake-up (a hang)"
            );
            assert_ne!(event.count(), seen, "park returned before it was notified");
        });
        // The whole wait stack returns once the condition holds.
        wait_until(&event, &mut Adaptive::new(), || {
            flag.load(Ordering::Acquire)
        });
    }

    #[test]
    fn park_returns_at_once_if_already_notified() {
        let event = Event::new();
        let seen = event.count();
        event.notify_all();
        event.park(seen, Duration::from_secs(3600));
    }
}
