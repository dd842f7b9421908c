//! The retire path's corners that need a clock the test controls.

use super::Core;
use crate::scheme::bag::Retired;
use crate::scheme::clock::{Clock, InstantClock, Urgency};
use crate::scheme::slots::Slots;
use crate::sync::{Count, Ordering};
use core::sync::atomic::{AtomicBool, AtomicUsize};

/// An [`InstantClock`] whose grace periods end only while `open` is set: a reader that never
/// leaves, then leaves.
struct GateClock {
    instant: InstantClock,
    open: AtomicBool,
}

// SAFETY: the tests below free nothing that a reader of theirs could still hold; the gate only
// stands in for a section that holds every grace period back.
unsafe impl Clock for GateClock {
    type Slot = ();
    type Tag = Count;
    const SCHEME: &'static str = "gate";
    fn tag<const N: usize>(&self, slots: &Slots<(), N>) -> Count {
        self.instant.tag(slots)
    }
    fn request(&self, tag: Count) {
        self.instant.request(tag);
    }
    fn frontier(&self) -> Count {
        self.instant.frontier()
    }
    fn step<const N: usize>(&self, slots: &Slots<(), N>, urgency: Urgency) -> bool {
        self.open.load(Ordering::Relaxed) && self.instant.step(slots, urgency)
    }
    fn le(a: Count, b: Count) -> bool {
        InstantClock::le(a, b)
    }
    fn bits(tag: Count) -> u64 {
        InstantClock::bits(tag)
    }
    fn completed(&self) -> u64 {
        self.instant.completed()
    }
}

static FREED: AtomicUsize = AtomicUsize::new(0);

unsafe fn count_free(_: *mut ()) {
    FREED.fetch_add(1, Ordering::Relaxed);
}

fn object() -> Retired {
    // SAFETY: `count_free` accepts any pointer.
    unsafe { Retired::new(core::ptr::null_mut(), count_free) }
}

/// Without `alloc` sealed bags come from a pool of `POOL_NODES`. A `barrier` that finds a
/// thread's bag holding objects while every pooled bag waits for a grace period must not leave
/// that bag behind: it frees pooled bags until it can take it, and returns only once the bag's
/// objects are freed too.
#[test]
fn barrier_takes_a_bag_it_finds_while_every_pooled_bag_waits() {
    let core: Core<GateClock, 2> = Core::new(GateClock {
        instant: InstantClock::new(),
        open: AtomicBool::new(false),
    });
    // Every pooled bag sealed, with one object each, behind the closed gate.
    for _ in 0..crate::scheme::sealed::POOL_NODES {
        core.retire_unowned(object());
    }
    let claim = core.slots().claim().unwrap();
    // One more object, in the slot's own bag: nothing can seal it while the pool is empty.
    core.retire(claim.owned(), object());
    assert_eq!(
        FREED.load(Ordering::Relaxed),
        0,
        "the gate holds every grace period"
    );
    core.clock().open.store(true, Ordering::Relaxed);
    core.barrier();
    assert_eq!(
        FREED.load(Ordering::Relaxed),
        crate::scheme::sealed::POOL_NODES + 1,
        "barrier returned before an object retired before it was freed"
    );
}
