//! Unit tests: the advance rule, nesting, repin, cookies across the wrap, and small concurrent
//! cases.

use crate::{Epoch, EpochReader, PINNED, STEP};
use core::sync::atomic::Ordering;
use std::prelude::rust_2024::*;

/// The word of `reader`'s slot.
fn word<const N: usize>(reader: &EpochReader<'_, N>) -> reclaim::sync::Count {
    reader.claim.owned().state().word.load(Ordering::Relaxed)
}

#[test]
fn the_epoch_moves_only_when_every_pinned_slot_has_reached_it() {
    let domain: Epoch<3> = Epoch::new_fixed();
    let (a, b) = (domain.register().unwrap(), domain.register().unwrap());
    let start = domain.epoch();
    let guard_a = a.pin();
    assert!(
        domain.try_advance(),
        "a slot at the current epoch does not block"
    );
    let guard_b = b.pin();
    // `a` is one behind, `b` is current.
    assert!(!domain.try_advance());
    assert!(!domain.try_advance());
    assert_eq!(domain.epoch(), start.wrapping_add(1));
    drop(guard_a);
    assert!(domain.try_advance());
    // Now `b` is one behind.
    assert!(!domain.try_advance());
    drop(guard_b);
    assert!(domain.try_advance());
    assert_eq!(domain.stats().grace_periods, 3);
}

#[test]
fn a_nested_pin_touches_only_the_counter() {
    let domain: Epoch<1> = Epoch::new_fixed();
    let reader = domain.register().unwrap();
    let outer = reader.pin();
    let pinned = word(&reader);
    assert_eq!(pinned & PINNED, PINNED);
    assert!(domain.try_advance());
    for _ in 0..3 {
        let inner = reader.pin();
        assert_eq!(word(&reader), pinned, "a nested pin re-published the epoch");
        drop(inner);
        assert_eq!(word(&reader), pinned, "a nested unpin unpinned the slot");
    }
    assert!(
        !domain.try_advance(),
        "the outer guard still holds the epoch"
    );
    drop(outer);
    assert_eq!(word(&reader), 0);
}

#[test]
fn guards_may_drop_in_any_order() {
    let domain: Epoch<1> = Epoch::new_fixed();
    let reader = domain.register().unwrap();
    let first = reader.pin();
    let second = reader.pin();
    drop(first);
    assert_eq!(word(&reader) & PINNED, PINNED);
    drop(second);
    assert_eq!(word(&reader), 0);
}

#[test]
fn repin_moves_a_lone_guard_to_the_current_epoch() {
    let domain: Epoch<1> = Epoch::new_fixed();
    let reader = domain.register().unwrap();
    let mut guard = reader.pin();
    assert!(domain.try_advance());
    assert!(!domain.try_advance());
    guard.repin();
    assert_eq!(
        word(&reader),
        domain.core.clock().global.load(Ordering::Relaxed) | PINNED
    );
    assert!(domain.try_advance());
    // With a second guard alive, repin leaves the section alone.
    let inner = reader.pin();
    let before = word(&reader);
    guard.repin();
    assert_eq!(word(&reader), before);
    drop(inner);
    drop(guard);
}

#[test]
fn a_forgotten_guard_is_cleared_when_its_reader_drops() {
    let domain: Epoch<1> = Epoch::new_fixed();
    let reader = domain.register().unwrap();
    core::mem::forget(reader.pin());
    assert!(domain.try_advance());
    assert!(!domain.try_advance(), "the forgotten guard holds the epoch");
    drop(reader);
    assert!(domain.try_advance());
    let again = domain.register().unwrap();
    drop(again.pin());
    assert_eq!(word(&again), 0);
}

#[cfg(not(feature = "alloc"))]
#[test]
fn a_full_fixed_domain_says_so() {
    let domain: Epoch<2> = Epoch::new_fixed();
    let _a = domain.register().unwrap();
    let _b = domain.register().unwrap();
    let full = domain.register().unwrap_err();
    assert_eq!(full.capacity, 2);
    assert!(
        full.to_string()
            .contains("fixed capacity of 2 reader slots")
    );
}

#[test]
fn a_cookie_needs_two_advances_and_waits_for_older_sections() {
    let domain: Epoch<2> = Epoch::new_fixed();
    let (old, young) = (domain.register().unwrap(), domain.register().unwrap());
    let held = old.pin();
    let cookie = domain.get_state();
    assert!(!domain.poll(&cookie), "one advance is not a grace period");
    for _ in 0..10 {
        assert!(
            !domain.poll(&cookie),
            "completed under a section older than the cookie"
        );
    }
    let later = young.pin();
    drop(held);
    // `later` pinned at the epoch after the cookie's, which the last advance accepts.
    while !domain.poll(&cookie) {}
    drop(later);
}

#[test]
fn get_state_and_start_poll_name_the_same_grace_period() {
    // Fenced: a Fast domain's advances wait for the process's heavy-fence batch, so whether
    // `start_poll`'s step advances at once depends on when the last batch ran.
    let domain: Epoch<1> =
        Epoch::fixed_with_options(crate::Options::DEFAULT.flavor(crate::Flavor::Fenced));
    let cookie = domain.get_state();
    assert_eq!(domain.stats().grace_periods, 0);
    let started = domain.start_poll();
    assert_eq!(started, cookie);
    assert_eq!(domain.stats().grace_periods, 1, "start_poll advances once");
    assert!(domain.poll(&cookie), "the poll's own advance completes it");
    assert_eq!(domain.stats().grace_periods, 2);
}

/// Cookies and pins against a rotating set of readers, for `rounds` rounds. In a
/// `--cfg reclaim_near_wrap` build the global epoch starts 500 advances below the wrap, and
/// this crosses it.
fn cookies_across_the_wrap<const N: usize>(domain: &Epoch<N>, rounds: usize) {
    let readers: Vec<_> = (0..N).map(|_| domain.register().unwrap()).collect();
    let start = domain.core.clock().global.load(Ordering::Relaxed);
    let mut wrapped = false;
    for round in 0..rounds {
        let guard = readers[round % N].pin();
        let cookie = domain.start_poll();
        for _ in 0..3 {
            assert!(
                !domain.poll(&cookie),
                "round {round}: completed under a reader"
            );
        }
        drop(guard);
        while !domain.poll(&cookie) {}
        wrapped |= domain.core.clock().global.load(Ordering::Relaxed) < start;
    }
    assert_eq!(
        wrapped,
        cfg!(reclaim_near_wrap),
        "the epoch wraps only in near-wrap builds"
    );
}

#[test]
fn poll_never_completes_early_across_the_wrap() {
    let domain: Epoch<3> = Epoch::new_fixed();
    // Under Miri, which runs a thousand times slower, a tenth (the near-wrap build, which
    // needs the 400 rounds to cross the wrap, is not run under Miri).
    let rounds = if cfg!(miri) { 40 } else { 400 };
    cookies_across_the_wrap(&domain, rounds);
    assert!(domain.stats().grace_periods >= 2 * rounds as u64);
}

#[test]
fn near_wrap_builds_start_below_the_wrap() {
    let domain: Epoch<1> = Epoch::new_fixed();
    let global = domain.core.clock().global.load(Ordering::Relaxed);
    assert_eq!(global % STEP, 0);
    if cfg!(reclaim_near_wrap) {
        assert!(global > reclaim::sync::Count::MAX - 2000);
    } else {
        assert_eq!(global, 0);
    }
}

#[test]
fn retire_raw_frees_each_object_once_and_drop_frees_the_rest() {
    use core::sync::atomic::AtomicUsize;
    static FREED: AtomicUsize = AtomicUsize::new(0);
    unsafe fn count(_: *mut ()) {
        FREED.fetch_add(1, Ordering::Relaxed);
    }
    let domain: Epoch<2> = Epoch::new_fixed();
    let reader = domain.register().unwrap();
    let total =
        3 * reclaim::__private::tuning::POOL_NODES * reclaim::__private::tuning::LOCAL_CAPACITY + 5;
    for i in 0..total {
        // SAFETY: `count` accepts any pointer.
        unsafe {
            if i % 2 == 0 {
                domain.retire_raw(core::ptr::null_mut(), count);
            } else {
                reader.retire_raw(core::ptr::null_mut(), count);
            }
        }
    }
    domain.barrier();
    assert_eq!(FREED.load(Ordering::Relaxed), total);
    assert_eq!(domain.stats().pending, 0);
    // Held back by a pinned reader, then dropped with the domain.
    let guard = reader.pin();
    // SAFETY: as above.
    unsafe { reader.retire_raw(core::ptr::null_mut(), count) };
    assert_eq!(domain.stats().pending, 1);
    drop(guard);
    drop(reader);
    drop(domain);
    assert_eq!(FREED.load(Ordering::Relaxed), total + 1);
}

#[cfg(feature = "std")]
mod with_std;

#[test]
fn a_fresh_domain_has_collected_at_its_frontier() {
    // Otherwise the first retire collects and sweeps every slot's bag (see `Clock::bits`).
    use reclaim::scheme::Clock;
    for flavor in [crate::Flavor::Fenced, crate::Flavor::Fast] {
        let domain: Epoch<1> = Epoch::fixed_with_options(crate::Options::DEFAULT.flavor(flavor));
        let frontier = domain.core.clock().frontier();
        assert_eq!(crate::EpochClock::bits(frontier), 0, "{flavor:?}");
    }
}
