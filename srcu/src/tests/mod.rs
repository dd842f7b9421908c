//! Unit tests: single-threaded behaviour, the grace-period machine, and small concurrent cases.

#[cfg(feature = "std")]
use crate::Flavor;
use crate::{Options, SlotChoice, Srcu};
use reclaim::scheme::Clock;
use std::prelude::rust_2024::*;

#[cfg(feature = "std")]
const ALL_OPTIONS: [(Flavor, SlotChoice); 4] = [
    (Flavor::Fenced, SlotChoice::Thread),
    (Flavor::Fenced, SlotChoice::Cpu),
    (Flavor::Fast, SlotChoice::Thread),
    (Flavor::Fast, SlotChoice::Cpu),
];

/// Sum of `locks[i] - unlocks[i]` (with the per-CPU counters) over all slots: sections open in half `i`.
fn open_in<const N: usize>(domain: &Srcu<N>, i: usize) -> reclaim::sync::Count {
    let sum = |f: &dyn Fn(&crate::SrcuSlot) -> reclaim::sync::Count| {
        domain
            .core
            .slots()
            .iter()
            .map(|slot| f(slot.state()))
            .fold(0, reclaim::sync::Count::wrapping_add)
    };
    sum(&|s| s.locked(i)).wrapping_sub(sum(&|s| s.unlocked(i)))
}

#[test]
fn fixed_domain_counts_sections_on_the_named_slot() {
    let domain: Srcu<2> = Srcu::fixed_with_options(Options::DEFAULT.slots(SlotChoice::Cpu));
    let a = domain.enter_on(0).unwrap();
    let b = domain.enter_on(1).unwrap();
    assert_eq!(open_in(&domain, 0), 2);
    drop(a);
    drop(b);
    assert_eq!(open_in(&domain, 0), 0);
    domain.synchronize_with(&mut reclaim::wait::Spin);
    assert_eq!(domain.stats().grace_periods, 1);
}

#[cfg(not(feature = "alloc"))]
#[test]
fn fixed_domain_reports_full_slots() {
    let domain: Srcu<2> = Srcu::new_fixed();
    let err = domain.enter_on(2).unwrap_err();
    assert_eq!(err.capacity, 2);
}

#[test]
fn a_grace_period_flips_the_index_once() {
    let domain: Srcu<1> = Srcu::fixed_with_options(Options::DEFAULT.slots(SlotChoice::Cpu));
    let before = domain
        .core
        .clock()
        .readers
        .idx
        .load(core::sync::atomic::Ordering::Relaxed);
    domain.synchronize_with(&mut reclaim::wait::Spin);
    let after = domain
        .core
        .clock()
        .readers
        .idx
        .load(core::sync::atomic::Ordering::Relaxed);
    assert_eq!(after, before + 1);
    let guard = domain.enter_on(0).unwrap();
    assert_eq!(open_in(&domain, after & 1), 1);
    drop(guard);
}

#[test]
fn poll_waits_for_sections_older_than_the_cookie() {
    let domain: Srcu<2> = Srcu::fixed_with_options(Options::DEFAULT.slots(SlotChoice::Cpu));
    let old = domain.enter_on(0).unwrap();
    let cookie = domain.start_poll();
    for _ in 0..10 {
        assert!(!domain.poll(&cookie));
    }
    let young = domain.enter_on(1).unwrap();
    drop(old);
    while !domain.poll(&cookie) {}
    drop(young);
}

#[test]
fn get_state_starts_nothing() {
    let domain: Srcu<1> = Srcu::new_fixed();
    let cookie = domain.get_state();
    for _ in 0..5 {
        assert!(!crate::clock::SrcuClock::le(
            cookie,
            domain.core.clock().frontier()
        ));
    }
    assert_eq!(domain.stats().grace_periods, 0);
    // `poll` on a cookie nobody asked for a grace period for reports false and starts none.
    assert!(!domain.poll(&cookie));
    assert_eq!(domain.stats().grace_periods, 0);
    let started = domain.start_poll();
    assert_eq!(started, cookie);
    while !domain.poll(&cookie) {}
    assert_eq!(domain.stats().grace_periods, 1);
}

#[test]
fn a_cookie_taken_mid_grace_period_needs_the_next_one() {
    let domain: Srcu<2> = Srcu::fixed_with_options(Options::DEFAULT.slots(SlotChoice::Cpu));
    let reader = domain.enter_on(0).unwrap();
    let first = domain.start_poll();
    // The grace period has started and flipped; it now waits for `reader`.
    let second = domain.get_state();
    assert_ne!(first, second);
    drop(reader);
    while !domain.poll(&first) {}
    assert!(!domain.poll(&second));
    let _ = domain.start_poll();
    while !domain.poll(&second) {}
    assert_eq!(domain.stats().grace_periods, 2);
}

fn poll_sequence_runs_across_the_wrap<const N: usize>(domain: &Srcu<N>) {
    let start = domain.core.clock().gp.current().0;
    let mut wrapped = false;
    // Under Miri, which runs a thousand times slower, a tenth (the near-wrap build is not run
    // under Miri).
    let rounds = if cfg!(miri) { 40 } else { 400 };
    for round in 0..rounds {
        let reader = domain.enter_on(round % N).unwrap();
        let cookie = domain.start_poll();
        let later = domain.get_state();
        for _ in 0..3 {
            assert!(
                !domain.poll(&cookie),
                "round {round}: completed under a reader"
            );
        }
        drop(reader);
        while !domain.poll(&cookie) {}
        assert!(!domain.poll(&later) || later == cookie);
        let now = domain.core.clock().gp.current().0;
        wrapped |= now < start;
    }
    assert_eq!(
        wrapped,
        cfg!(reclaim_near_wrap),
        "the counter wrapped only near the wrap"
    );
    assert_eq!(domain.stats().grace_periods, rounds as u64);
}

/// In a `--cfg reclaim_near_wrap` build the sequence starts just below the wrap, and this runs
/// every cookie comparison across it.
#[test]
fn poll_never_completes_early_across_the_wrap() {
    let domain: Srcu<3> = Srcu::fixed_with_options(Options::DEFAULT.slots(SlotChoice::Cpu));
    poll_sequence_runs_across_the_wrap(&domain);
}

#[test]
fn retire_raw_frees_each_object_once() {
    use core::sync::atomic::{AtomicUsize, Ordering};
    static FREED: AtomicUsize = AtomicUsize::new(0);
    unsafe fn count(_: *mut ()) {
        FREED.fetch_add(1, Ordering::Relaxed);
    }
    let domain: Srcu<2> = Srcu::fixed_with_options(Options::DEFAULT.slots(SlotChoice::Cpu));
    let total =
        3 * reclaim::__private::tuning::POOL_NODES * reclaim::__private::tuning::LOCAL_CAPACITY + 5;
    for i in 0..total {
        // SAFETY: `count` accepts any pointer.
        unsafe { domain.retire_raw(core::ptr::null_mut(), count) };
        if i % 50 == 0 {
            let guard = domain.enter_on(i % 2).unwrap();
            drop(guard);
        }
    }
    domain.barrier();
    assert_eq!(FREED.load(Ordering::Relaxed), total);
    assert_eq!(domain.stats().pending, 0);
    let mut domain = domain;
    // SAFETY: as above.
    unsafe { domain.retire_raw(core::ptr::null_mut(), count) };
    drop(core::mem::replace(&mut domain, Srcu::new_fixed()));
    assert_eq!(FREED.load(Ordering::Relaxed), total + 1);
}

#[cfg(feature = "std")]
mod with_std;

/// Per-CPU sections count through the restartable sequence where it can run (only in the
/// per-CPU counters), and balance out whichever CPU the unlock runs on.
#[cfg(all(feature = "std", not(miri)))]
#[test]
fn per_cpu_sections_count_by_restartable_sequence_where_they_can() {
    for flavor in [Flavor::Fenced, Flavor::Fast] {
        let domain = Srcu::with_options(Options::DEFAULT.flavor(flavor).slots(SlotChoice::Cpu));
        let guards: Vec<_> = (0..3).map(|_| domain.enter()).collect();
        let sum = |f: &dyn Fn(&crate::SrcuSlot) -> u64| -> u64 {
            domain.core.slots().iter().map(|slot| f(slot.state())).sum()
        };
        #[allow(clippy::unnecessary_cast)] // u32 counters under `--cfg reclaim_seq32`
        let by_rseq = sum(&|s| {
            s.cpu_locks
                .iter()
                .map(|c| c.load(core::sync::atomic::Ordering::Relaxed) as u64)
                .sum()
        });
        // Every CPU is in the run (a growable array's first segment holds 16 slots).
        let all_in_run =
            reclaim::scheme::cpu::can_add_on_cpu() && reclaim::scheme::cpu::possible() <= 16;
        let expected = if all_in_run { 3 } else { by_rseq.min(3) };
        assert_eq!(by_rseq, expected);
        assert_eq!(open_in(&domain, 0) + open_in(&domain, 1), 3);
        drop(guards);
        assert_eq!(open_in(&domain, 0) + open_in(&domain, 1), 0);
        domain.synchronize();
    }
}

#[test]
fn a_fresh_domain_has_collected_at_its_frontier() {
    // Otherwise the first retire collects and sweeps every slot's bag (see `Clock::bits`).
    for flavor in [crate::Flavor::Fenced, crate::Flavor::Fast] {
        for slots in [SlotChoice::Thread, SlotChoice::Cpu] {
            let domain: Srcu<1> =
                Srcu::fixed_with_options(Options::DEFAULT.flavor(flavor).slots(slots));
            let frontier = domain.core.clock().frontier();
            assert_eq!(crate::SrcuClock::bits(frontier), 0, "{flavor:?} {slots:?}");
        }
    }
}
