//! Unit tests: single-threaded behaviour, the grace-period machine, and small concurrent cases.

use crate::{Flavor, SlotChoice, Srcu};
use std::prelude::rust_2024::*;

#[cfg(feature = "std")]
const ALL_OPTIONS: [(Flavor, SlotChoice); 4] = [
    (Flavor::Fenced, SlotChoice::Thread),
    (Flavor::Fenced, SlotChoice::Cpu),
    (Flavor::Fast, SlotChoice::Thread),
    (Flavor::Fast, SlotChoice::Cpu),
];

/// Sum of `locks[i] - unlocks[i]` over all slots: sections open in half `i`.
fn open_in<const N: usize>(domain: &Srcu<N>, i: usize) -> u64 {
    let sum = |f: &dyn Fn(&crate::SrcuSlot) -> u64| {
        domain
            .core
            .slots()
            .iter()
            .map(|slot| f(slot.state()))
            .fold(0u64, u64::wrapping_add)
    };
    sum(&|s| s.locks[i].load(core::sync::atomic::Ordering::Relaxed)).wrapping_sub(sum(&|s| {
        s.unlocks[i].load(core::sync::atomic::Ordering::Relaxed)
    }))
}

#[test]
fn fixed_domain_counts_sections_on_the_named_slot() {
    let domain: Srcu<2> = Srcu::fixed_with_options(Flavor::Fenced, SlotChoice::Cpu);
    let a = domain.enter_on(0).unwrap();
    let b = domain.enter_on(1).unwrap();
    assert_eq!(open_in(&domain, 0), 2);
    drop(a);
    drop(b);
    assert_eq!(open_in(&domain, 0), 0);
    domain.synchronize_with(&mut crate::Spin);
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
    let domain: Srcu<1> = Srcu::fixed_with_options(Flavor::Fenced, SlotChoice::Cpu);
    let before = domain
        .readers
        .idx
        .load(core::sync::atomic::Ordering::Relaxed);
    domain.synchronize_with(&mut crate::Spin);
    let after = domain
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
    let domain: Srcu<2> = Srcu::fixed_with_options(Flavor::Fenced, SlotChoice::Cpu);
    let old = domain.enter_on(0).unwrap();
    let cookie = domain.start_poll();
    for _ in 0..10 {
        assert!(!domain.poll(cookie));
    }
    let young = domain.enter_on(1).unwrap();
    drop(old);
    while !domain.poll(cookie) {}
    drop(young);
}

#[test]
fn get_state_starts_nothing() {
    let domain: Srcu<1> = Srcu::new_fixed();
    let cookie = domain.get_state();
    for _ in 0..5 {
        assert!(!domain.gp.current().done(cookie));
    }
    assert_eq!(domain.stats().grace_periods, 0);
    // `poll` on a cookie nobody asked for a grace period for reports false and starts none.
    assert!(!domain.poll(cookie));
    assert_eq!(domain.stats().grace_periods, 0);
    let started = domain.start_poll();
    assert_eq!(started, cookie);
    while !domain.poll(cookie) {}
    assert_eq!(domain.stats().grace_periods, 1);
}

#[test]
fn a_cookie_taken_mid_grace_period_needs_the_next_one() {
    let domain: Srcu<2> = Srcu::fixed_with_options(Flavor::Fenced, SlotChoice::Cpu);
    let reader = domain.enter_on(0).unwrap();
    let first = domain.start_poll();
    // The grace period has started and flipped; it now waits for `reader`.
    let second = domain.get_state();
    assert_ne!(first, second);
    drop(reader);
    while !domain.poll(first) {}
    assert!(!domain.poll(second));
    domain.start_poll();
    while !domain.poll(second) {}
    assert_eq!(domain.stats().grace_periods, 2);
}

fn poll_sequence_runs_across_the_wrap<const N: usize>(domain: &Srcu<N>) {
    let start = domain.gp.current().0;
    let mut wrapped = false;
    for round in 0..400 {
        let reader = domain.enter_on(round % N).unwrap();
        let cookie = domain.start_poll();
        let later = domain.get_state();
        for _ in 0..3 {
            assert!(
                !domain.poll(cookie),
                "round {round}: completed under a reader"
            );
        }
        drop(reader);
        while !domain.poll(cookie) {}
        assert!(!domain.poll(later) || later == cookie);
        let now = domain.gp.current().0;
        wrapped |= now < start;
    }
    assert_eq!(
        wrapped,
        cfg!(reclaim_near_wrap),
        "the counter wrapped only near the wrap"
    );
    assert_eq!(domain.stats().grace_periods, 400);
}

/// In a `--cfg reclaim_near_wrap` build the sequence starts just below the wrap, and this runs
/// every cookie comparison across it.
#[test]
fn poll_never_completes_early_across_the_wrap() {
    let domain: Srcu<3> = Srcu::fixed_with_options(Flavor::Fenced, SlotChoice::Cpu);
    poll_sequence_runs_across_the_wrap(&domain);
}

#[test]
fn retire_raw_frees_each_object_once() {
    use core::sync::atomic::{AtomicUsize, Ordering};
    static FREED: AtomicUsize = AtomicUsize::new(0);
    unsafe fn count(_: *mut ()) {
        FREED.fetch_add(1, Ordering::Relaxed);
    }
    let domain: Srcu<2> = Srcu::fixed_with_options(Flavor::Fenced, SlotChoice::Cpu);
    let total = 3 * reclaim::scheme::POOL_NODES * reclaim::scheme::bag::LOCAL_CAPACITY + 5;
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
mod with_std {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    #[test]
    fn every_option_runs_sections_and_grace_periods() {
        for (flavor, choice) in ALL_OPTIONS {
            let domain = Srcu::with_options(flavor, choice);
            {
                let _a = domain.read_lock();
                let _b = domain.read_lock();
                let token = domain.read_lock_token();
                domain.read_unlock(token);
            }
            domain.synchronize();
            domain.synchronize_expedited();
            assert_eq!(domain.stats().grace_periods, 2);
            assert_eq!(domain.slot_choice(), choice);
            if flavor == Flavor::Fenced {
                assert_eq!(domain.flavor(), Flavor::Fenced);
            }
            poll_sequence_runs_across_the_wrap(&Srcu::<1>::fixed_with_options(
                flavor,
                SlotChoice::Cpu,
            ));
        }
    }

    #[test]
    fn fast_resolves_to_what_the_kernel_allows() {
        let domain = Srcu::new();
        let expected = if reclaim::scheme::membarrier::available() {
            Flavor::Fast
        } else {
            Flavor::Fenced
        };
        assert_eq!(domain.flavor(), expected);
    }

    #[test]
    fn slot_cache_follows_moves_and_switches_between_domains() {
        let first: Srcu<4> = Srcu::fixed_with_options(Flavor::Fenced, SlotChoice::Thread);
        drop(first.read_lock());
        // Moving the domain moves its inline slots: a cached slot pointer must not survive.
        let moved = Box::new(first);
        let other: Srcu<4> = Srcu::fixed_with_options(Flavor::Fenced, SlotChoice::Thread);
        for _ in 0..3 {
            let guard = moved.read_lock();
            let cookie = moved.start_poll();
            drop(other.read_lock());
            for _ in 0..3 {
                assert!(
                    !moved.poll(cookie),
                    "the section was counted somewhere else"
                );
            }
            drop(guard);
            assert!(moved.poll(cookie));
            assert_eq!(open_in(&moved, 0) + open_in(&moved, 1), 0);
            assert_eq!(open_in(&other, 0) + open_in(&other, 1), 0);
        }
    }

    #[test]
    fn nested_sections_hold_the_grace_period() {
        let domain = Srcu::new();
        let outer = domain.read_lock();
        let cookie = domain.start_poll();
        {
            let _inner = domain.read_lock();
            assert!(!domain.poll(cookie));
        }
        assert!(!domain.poll(cookie));
        drop(outer);
        while !domain.poll(cookie) {}
    }

    #[test]
    fn token_unlocked_on_another_thread_ends_the_section() {
        for (flavor, choice) in ALL_OPTIONS {
            let domain = Srcu::with_options(flavor, choice);
            let token = domain.read_lock_token();
            let cookie = domain.start_poll();
            assert!(!domain.poll(cookie));
            std::thread::scope(|s| {
                s.spawn(|| domain.read_unlock(token));
            });
            while !domain.poll(cookie) {}
            // The lock and the unlock landed on different slots; only the sums balance.
            assert_eq!(open_in(&domain, 0), 0);
            assert_eq!(open_in(&domain, 1), 0);
        }
    }

    #[test]
    #[should_panic(expected = "ReadToken from a different Srcu domain")]
    fn unlocking_a_foreign_token_panics() {
        let a = Srcu::new();
        let b = Srcu::new();
        let token = a.read_lock_token();
        b.read_unlock(token);
    }

    #[test]
    #[should_panic(expected = "needs a domain whose slots are shared")]
    fn named_slots_on_a_per_thread_domain_panic() {
        let domain = Srcu::new();
        let _ = domain.enter_on(0);
    }

    #[cfg(debug_assertions)]
    #[test]
    #[should_panic(expected = "`synchronize` called inside a read section of the same domain")]
    fn synchronize_inside_a_section_panics_in_debug_builds() {
        let domain = Srcu::new();
        let _guard = domain.read_lock();
        domain.synchronize();
    }

    #[cfg(debug_assertions)]
    #[test]
    #[should_panic(expected = "`barrier` called inside a read section of the same domain")]
    fn barrier_inside_a_section_panics_in_debug_builds() {
        let domain = Srcu::new();
        let _guard = domain.read_lock();
        domain.barrier();
    }

    #[test]
    fn tokens_and_other_domains_do_not_trip_the_misuse_check() {
        let a = Srcu::new();
        let b = Srcu::new();
        let _in_b = b.read_lock();
        let token = a.read_lock_token();
        let cookie = a.get_state();
        drop(token);
        a.synchronize();
        assert!(a.poll(cookie));
    }

    #[test]
    fn concurrent_synchronize_callers_share_grace_periods() {
        const THREADS: usize = 8;
        const ROUNDS: usize = 50;
        let domain = Srcu::new();
        let waiting = AtomicUsize::new(0);
        let round_start = std::sync::Barrier::new(THREADS + 1);
        let round_end = std::sync::Barrier::new(THREADS + 1);
        std::thread::scope(|s| {
            for _ in 0..THREADS {
                s.spawn(|| {
                    for _ in 0..ROUNDS {
                        round_start.wait();
                        let mut counted = false;
                        // The strategy runs only once this caller holds a cookie and found it
                        // not yet served: that is when it counts as waiting.
                        domain.synchronize_with(&mut || {
                            if !counted {
                                counted = true;
                                waiting.fetch_add(1, Ordering::AcqRel);
                            }
                            std::thread::yield_now();
                        });
                        round_end.wait();
                    }
                });
            }
            for _ in 0..ROUNDS {
                // Hold a section until every caller of this round waits, so they all wait
                // together whatever the scheduler does.
                let guard = domain.read_lock();
                waiting.store(0, Ordering::Release);
                round_start.wait();
                while waiting.load(Ordering::Acquire) < THREADS {
                    std::thread::yield_now();
                }
                drop(guard);
                round_end.wait();
            }
        });
        let gps = domain.stats().grace_periods;
        let calls = (THREADS * ROUNDS) as u64;
        std::eprintln!("{gps} grace periods served {calls} synchronize calls");
        assert!(
            gps >= ROUNDS as u64,
            "each round needs its own grace period"
        );
        // One caller at a time would cost `calls` grace periods. Callers that wait together
        // need at most the one in flight when they arrive and the next.
        assert!(
            gps <= 2 * ROUNDS as u64,
            "{gps} grace periods for {calls} synchronize calls: not shared"
        );
    }

    #[test]
    fn overlapping_readers_do_not_starve_synchronize() {
        for flavor in [Flavor::Fenced, Flavor::Fast] {
            let domain = Srcu::with_options(flavor, SlotChoice::Thread);
            let stop = AtomicBool::new(false);
            let inside = AtomicUsize::new(0);
            let overlaps = AtomicUsize::new(0);
            std::thread::scope(|s| {
                for _ in 0..3 {
                    s.spawn(|| {
                        // Each new section begins before the previous one ends, so some reader
                        // of this thread is always inside.
                        let mut held = domain.read_lock();
                        inside.fetch_add(1, Ordering::Relaxed);
                        while !stop.load(Ordering::Relaxed) {
                            let next = domain.read_lock();
                            if inside.load(Ordering::Relaxed) > 1 {
                                overlaps.fetch_add(1, Ordering::Relaxed);
                            }
                            std::hint::spin_loop();
                            held = next;
                        }
                        drop(held);
                        inside.fetch_sub(1, Ordering::Relaxed);
                    });
                }
                while inside.load(Ordering::Relaxed) < 3 {
                    std::thread::yield_now();
                }
                for _ in 0..20 {
                    domain.synchronize();
                }
                stop.store(true, Ordering::Relaxed);
            });
            assert!(overlaps.load(Ordering::Relaxed) > 0);
            assert!(domain.stats().grace_periods >= 20);
        }
    }

    #[test]
    fn retire_and_call_run_once_and_drop_frees_pending() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        struct Counted;
        impl Drop for Counted {
            fn drop(&mut self) {
                DROPS.fetch_add(1, Ordering::Relaxed);
            }
        }
        let calls = Arc::new(AtomicUsize::new(0));
        let domain = Srcu::new();
        for _ in 0..300 {
            domain.retire(Box::new(Counted));
            let calls = calls.clone();
            domain.call(move || {
                calls.fetch_add(1, Ordering::Relaxed);
            });
        }
        domain.barrier();
        assert_eq!(DROPS.load(Ordering::Relaxed), 300);
        assert_eq!(calls.load(Ordering::Relaxed), 300);
        let guard = domain.enter();
        for _ in 0..10 {
            domain.retire(Box::new(Counted));
        }
        assert!(domain.stats().pending > 0, "a section holds them back");
        drop(guard);
        drop(domain);
        assert_eq!(DROPS.load(Ordering::Relaxed), 310);
    }

    #[test]
    fn callbacks_may_retire_into_their_own_domain() {
        static DOMAIN: Srcu = Srcu::new();
        static RAN: AtomicUsize = AtomicUsize::new(0);
        for _ in 0..100 {
            DOMAIN.call(|| {
                RAN.fetch_add(1, Ordering::Relaxed);
                DOMAIN.call(|| {
                    RAN.fetch_add(1, Ordering::Relaxed);
                });
            });
        }
        DOMAIN.barrier();
        assert!(RAN.load(Ordering::Relaxed) >= 100);
        DOMAIN.barrier();
        assert_eq!(RAN.load(Ordering::Relaxed), 200);
        assert_eq!(DOMAIN.stats().pending, 0);
    }

    #[test]
    fn retire_inside_a_section_does_not_block() {
        let domain = Srcu::new();
        let guard = domain.read_lock();
        for i in 0..2 * reclaim::scheme::domain::PRESSURE_OBJECTS {
            domain.retire(Box::new(i));
        }
        drop(guard);
        domain.barrier();
        assert_eq!(domain.stats().pending, 0);
    }

    #[test]
    fn pending_stays_bounded_under_a_steady_retire_rate() {
        let domain = Srcu::new();
        let stop = AtomicBool::new(false);
        let mut most = 0;
        std::thread::scope(|s| {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let _guard = domain.read_lock();
                    std::hint::spin_loop();
                }
            });
            for i in 0..40_000u64 {
                domain.retire(Box::new(i));
                most = most.max(domain.stats().pending);
            }
            stop.store(true, Ordering::Relaxed);
        });
        // Not a hard cap (a retire never waits for a grace period, see `retire`), but far below
        // the 40 000 an unreclaimed stream would reach, even when the reader is preempted.
        let bound = 10_000;
        assert!(most <= bound, "{most} objects pending, bound {bound}");
    }

    #[test]
    fn stats_count_grace_periods() {
        let domain = Srcu::new();
        for _ in 0..5 {
            domain.synchronize();
        }
        assert_eq!(domain.stats().grace_periods, 5);
        assert!(format!("{domain:?}").contains("Srcu"));
    }

    #[test]
    fn works_through_the_reclaim_trait() {
        use reclaim::Reclaim;
        fn exercise<R: Reclaim>(domain: &R) {
            drop(domain.enter());
            domain.retire(Box::new(String::from("x")));
            domain.synchronize();
            domain.barrier();
        }
        exercise(&Srcu::new());
        exercise(&Srcu::<4>::new_fixed());
    }

    mod shared_checks {
        use super::*;
        use reclaim::testing::*;

        fn each_option(check: impl Fn(&Srcu)) {
            for (flavor, choice) in ALL_OPTIONS {
                check(&Srcu::with_options(flavor, choice));
            }
        }

        #[test]
        fn short_lived_threads_leave_nothing_behind() {
            static LEDGER: Ledger = Ledger::new();
            each_option(|domain| short_lived_retiring_threads(domain, &LEDGER, 500));
            LEDGER.assert_balanced();
        }

        #[test]
        fn barrier_frees_other_live_threads_bags() {
            static LEDGER: Ledger = Ledger::new();
            each_option(|domain| barrier_reaches_live_threads(domain, &LEDGER));
        }

        #[test]
        fn a_quiet_thread_s_retire_is_freed_by_other_calls() {
            static LEDGER: Ledger = Ledger::new();
            each_option(|domain| {
                quiet_retire_is_freed_by_other_calls(domain, &LEDGER, 16);
            });
        }

        #[test]
        fn panicking_destructors_leave_the_domain_working() {
            static LEDGER: Ledger = Ledger::new();
            each_option(|domain| panicking_destructors_do_not_break_the_domain(domain, &LEDGER));
            LEDGER.assert_balanced();
        }

        #[test]
        fn stall_reports_name_the_stalled_reader() {
            for (flavor, choice) in ALL_OPTIONS {
                let domain: &'static Srcu = Box::leak(Box::new(Srcu::with_options(flavor, choice)));
                let seen = stall_reports_name_the_stalled_thread(
                    domain,
                    std::time::Duration::from_millis(40),
                );
                std::eprintln!("{flavor:?}/{choice:?}: {seen:?}");
            }
        }

        #[test]
        fn a_static_domain_reports_stalls() {
            static DOMAIN: Srcu = Srcu::new();
            stall_reports_name_the_stalled_thread(&DOMAIN, std::time::Duration::from_millis(40));
        }

        #[test]
        fn short_sections_do_not_report() {
            static DOMAIN: Srcu = Srcu::new();
            short_sections_never_report(&DOMAIN, std::time::Duration::from_millis(100));
        }

        #[test]
        fn the_blocking_limit_bounds_garbage_under_a_stalled_reader() {
            use reclaim::stall::{Limit, Policy};
            static LEDGER: Ledger = Ledger::new();
            const LIMIT: usize = 2_000;
            for policy in [Policy::Block, Policy::Expedite, Policy::Hook] {
                let limited: &'static Srcu = Box::leak(Box::new(Srcu::new()));
                let other: &'static Srcu = Box::leak(Box::new(Srcu::new()));
                limited.set_limit(Limit::objects(LIMIT).with_policy(policy));
                limited.on_limit(|_| {});
                let seen = bounded_garbage_under_a_stalled_reader(limited, other, &LEDGER);
                std::eprintln!("{policy:?}: {seen:?}");
                assert!(
                    seen.other_domain_grace_periods > 0,
                    "the other domain stalled too"
                );
                if policy == Policy::Block {
                    // The cap, plus a local bag and one sealed bag in flight per writer.
                    let bound = LIMIT + 2 * 2 * reclaim::scheme::bag::LOCAL_CAPACITY;
                    assert!(seen.peak <= bound, "peak {} past {bound}", seen.peak);
                }
            }
        }

        #[test]
        fn a_background_reclaimer_frees_with_no_other_calls() {
            static LEDGER: Ledger = Ledger::new();
            for (flavor, choice) in ALL_OPTIONS {
                let domain: &'static Srcu = Box::leak(Box::new(Srcu::with_options(flavor, choice)));
                background_reclaimer_frees_without_other_calls(domain, &LEDGER);
            }
        }

        #[test]
        #[should_panic(
            expected = "called from a destructor or callback that this domain is running"
        )]
        fn barrier_from_a_callback_panics_instead_of_hanging() {
            static DOMAIN: Srcu = Srcu::new();
            DOMAIN.call(|| DOMAIN.barrier());
            DOMAIN.barrier();
        }
    }
}
