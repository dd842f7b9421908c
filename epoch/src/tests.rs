//! Unit tests: the advance rule, nesting, repin, cookies across the wrap, and small concurrent
//! cases.

use crate::{Epoch, EpochReader, PINNED, STEP};
use core::sync::atomic::Ordering;
use std::prelude::rust_2024::*;

/// The word of `reader`'s slot.
fn word<const N: usize>(reader: &EpochReader<'_, N>) -> u64 {
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
        domain.global.load(Ordering::Relaxed) | PINNED
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
    assert!(!domain.poll(cookie), "one advance is not a grace period");
    for _ in 0..10 {
        assert!(
            !domain.poll(cookie),
            "completed under a section older than the cookie"
        );
    }
    let later = young.pin();
    drop(held);
    // `later` pinned at the epoch after the cookie's, which the last advance accepts.
    while !domain.poll(cookie) {}
    drop(later);
}

#[test]
fn get_state_and_start_poll_name_the_same_grace_period() {
    let domain: Epoch<1> = Epoch::new_fixed();
    let cookie = domain.get_state();
    assert_eq!(domain.stats().grace_periods, 0);
    let started = domain.start_poll();
    assert_eq!(started, cookie);
    assert_eq!(domain.stats().grace_periods, 1, "start_poll advances once");
    assert!(domain.poll(cookie), "the poll's own advance completes it");
    assert_eq!(domain.stats().grace_periods, 2);
}

/// Cookies and pins against a rotating set of readers, for `rounds` rounds. In a
/// `--cfg reclaim_near_wrap` build the global epoch starts 500 advances below the wrap, and
/// this crosses it.
fn cookies_across_the_wrap<const N: usize>(domain: &Epoch<N>, rounds: usize) {
    let readers: Vec<_> = (0..N).map(|_| domain.register().unwrap()).collect();
    let start = domain.global.load(Ordering::Relaxed);
    let mut wrapped = false;
    for round in 0..rounds {
        let guard = readers[round % N].pin();
        let cookie = domain.start_poll();
        for _ in 0..3 {
            assert!(
                !domain.poll(cookie),
                "round {round}: completed under a reader"
            );
        }
        drop(guard);
        while !domain.poll(cookie) {}
        wrapped |= domain.global.load(Ordering::Relaxed) < start;
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
    cookies_across_the_wrap(&domain, 400);
    assert!(domain.stats().grace_periods >= 800);
}

#[test]
fn near_wrap_builds_start_below_the_wrap() {
    let domain: Epoch<1> = Epoch::new_fixed();
    let global = domain.global.load(Ordering::Relaxed);
    assert_eq!(global % STEP, 0);
    if cfg!(reclaim_near_wrap) {
        assert!(global > u64::MAX - 2000);
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
    let total = 3 * reclaim::scheme::POOL_NODES * reclaim::scheme::bag::LOCAL_CAPACITY + 5;
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
mod with_std {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize};

    #[test]
    fn thread_slots_pin_nest_and_report() {
        let domain = Epoch::new();
        assert!(!domain.is_pinned());
        let outer = domain.enter();
        let inner = domain.pin();
        assert!(domain.is_pinned());
        drop(outer);
        assert!(domain.is_pinned());
        drop(inner);
        assert!(!domain.is_pinned());
        assert!(format!("{domain:?}").contains("Epoch"));
        let guard = domain.pin();
        assert!(format!("{guard:?}").contains("EpochGuard"));
        drop(guard);
        let reader = domain.register().unwrap();
        assert!(format!("{reader:?}").contains("EpochReader"));
    }

    #[test]
    fn the_default_domain_is_one_static() {
        assert!(core::ptr::eq(
            crate::default_domain(),
            crate::default_domain()
        ));
        let guard = crate::pin();
        assert!(crate::default_domain().is_pinned());
        drop(guard);
        crate::default_domain().retire(Box::new(1u8));
    }

    #[test]
    fn a_pinned_thread_holds_back_other_threads_cookies() {
        let domain = Epoch::new();
        let (pinned_tx, pinned_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        std::thread::scope(|s| {
            let domain = &domain;
            s.spawn(move || {
                let _guard = domain.pin();
                pinned_tx.send(()).unwrap();
                release_rx.recv().unwrap();
            });
            pinned_rx.recv().unwrap();
            let cookie = domain.start_poll();
            for _ in 0..100 {
                assert!(!domain.poll(cookie));
            }
            release_tx.send(()).unwrap();
        });
        domain.synchronize();
    }

    #[cfg(debug_assertions)]
    #[test]
    #[should_panic(expected = "`synchronize` called inside a read section of the same domain")]
    fn synchronize_while_pinned_panics_in_debug_builds() {
        let domain = Epoch::new();
        let _guard = domain.pin();
        domain.synchronize();
    }

    #[cfg(debug_assertions)]
    #[test]
    #[should_panic(expected = "`barrier` called inside a read section of the same domain")]
    fn barrier_while_pinned_panics_in_debug_builds() {
        let domain = Epoch::new();
        let _guard = domain.pin();
        domain.barrier();
    }

    #[test]
    fn another_domain_s_section_does_not_trip_the_misuse_check() {
        let (a, b) = (Epoch::new(), Epoch::new());
        let _in_b = b.pin();
        a.synchronize();
        a.barrier();
    }

    #[test]
    fn concurrent_synchronize_callers_share_advances() {
        const THREADS: usize = 8;
        const ROUNDS: usize = 50;
        let domain = Epoch::new();
        let waiting = AtomicUsize::new(0);
        let round_start = std::sync::Barrier::new(THREADS + 1);
        let round_end = std::sync::Barrier::new(THREADS + 1);
        std::thread::scope(|s| {
            for _ in 0..THREADS {
                s.spawn(|| {
                    for _ in 0..ROUNDS {
                        round_start.wait();
                        let mut counted = false;
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
                // Hold a pin until every caller waits, so that they all wait together.
                let guard = domain.pin();
                waiting.store(0, Ordering::Release);
                round_start.wait();
                while waiting.load(Ordering::Acquire) < THREADS {
                    std::thread::yield_now();
                }
                drop(guard);
                round_end.wait();
            }
        });
        let advances = domain.stats().grace_periods;
        let calls = (THREADS * ROUNDS) as u64;
        std::eprintln!("{advances} advances served {calls} synchronize calls");
        // Alone, each call needs two advances; callers that wait together share them.
        assert!(advances >= 2 * ROUNDS as u64);
        assert!(
            advances <= 4 * ROUNDS as u64,
            "{advances} advances for {calls} synchronize calls: not shared"
        );
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
        let domain = Epoch::new();
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
        let guard = domain.pin();
        for _ in 0..10 {
            domain.retire(Box::new(Counted));
        }
        assert!(domain.stats().pending > 0, "a pin holds them back");
        drop(guard);
        drop(domain);
        assert_eq!(DROPS.load(Ordering::Relaxed), 310);
    }

    #[test]
    fn callbacks_may_retire_into_their_own_domain() {
        static DOMAIN: Epoch = Epoch::new();
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
        DOMAIN.barrier();
        assert_eq!(RAN.load(Ordering::Relaxed), 200);
        assert_eq!(DOMAIN.stats().pending, 0);
    }

    #[test]
    fn pending_stays_bounded_under_a_steady_retire_rate() {
        const RETIRES: u64 = 40_000;
        let domain = Epoch::new();
        let stop = AtomicBool::new(false);
        let (mut most, mut sum) = (0, 0);
        std::thread::scope(|s| {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let _guard = domain.pin();
                    std::hint::spin_loop();
                }
            });
            for i in 0..RETIRES {
                domain.retire(Box::new(i));
                let pending = domain.stats().pending;
                most = most.max(pending);
                sum += pending as u64;
            }
            stop.store(true, Ordering::Release);
        });
        // Not a hard cap: a reader preempted while pinned holds the epoch for a whole time
        // slice, and a retire never waits (past the pressure threshold it yields once per
        // seal). On a loaded 2-core machine the peak sits a little above the threshold, far
        // below the 40 000 an unreclaimed stream would reach.
        let average = (sum / RETIRES) as usize;
        let pressure = reclaim::scheme::domain::PRESSURE_OBJECTS;
        std::eprintln!("pending: {average} on average, {most} at the peak");
        assert!(average <= pressure, "{average} objects pending on average");
        assert!(most <= 3 * pressure, "{most} objects pending at the peak");
    }

    #[test]
    fn works_through_the_reclaim_trait() {
        use reclaim::Reclaim;
        fn exercise<R: Reclaim>(domain: &R) {
            drop(domain.enter());
            domain.retire(Box::new(String::from("x")));
            domain.synchronize();
            let cookie = domain.start_poll();
            while !domain.poll(&cookie) {}
            domain.barrier();
        }
        exercise(&Epoch::new());
        exercise(&Epoch::<4>::new_fixed());
        exercise(crate::default_domain());
    }

    mod shared_checks {
        use super::*;
        use reclaim::testing::*;

        #[test]
        fn short_lived_threads_leave_nothing_behind() {
            static LEDGER: Ledger = Ledger::new();
            short_lived_retiring_threads(&Epoch::new(), &LEDGER, 500);
            short_lived_retiring_threads(&Epoch::<4>::new_fixed(), &LEDGER, 100);
            LEDGER.assert_balanced();
        }

        #[test]
        fn barrier_frees_other_live_threads_bags() {
            static LEDGER: Ledger = Ledger::new();
            barrier_reaches_live_threads(&Epoch::new(), &LEDGER);
        }

        #[test]
        fn a_quiet_thread_s_retire_is_freed_by_other_calls() {
            static LEDGER: Ledger = Ledger::new();
            quiet_retire_is_freed_by_other_calls(&Epoch::new(), &LEDGER, 16);
        }

        #[test]
        fn panicking_destructors_leave_the_domain_working() {
            static LEDGER: Ledger = Ledger::new();
            panicking_destructors_do_not_break_the_domain(&Epoch::new(), &LEDGER);
            LEDGER.assert_balanced();
        }

        #[test]
        fn stall_reports_name_the_stalled_reader() {
            static DOMAIN: Epoch = Epoch::new();
            let seen = stall_reports_name_the_stalled_thread(
                &DOMAIN,
                std::time::Duration::from_millis(40),
            );
            assert_eq!(seen.report.attribution, reclaim::stall::Attribution::Exact);
        }

        #[test]
        fn short_sections_do_not_report() {
            static DOMAIN: Epoch = Epoch::new();
            short_sections_never_report(&DOMAIN, std::time::Duration::from_millis(100));
        }

        #[test]
        fn the_blocking_limit_bounds_garbage_under_a_stalled_reader() {
            use reclaim::stall::{Limit, Policy};
            static LEDGER: Ledger = Ledger::new();
            const LIMIT: usize = 2_000;
            for policy in [Policy::Block, Policy::Expedite, Policy::Hook] {
                let limited: &'static Epoch = Box::leak(Box::new(Epoch::new()));
                let other: &'static Epoch = Box::leak(Box::new(Epoch::new()));
                limited.set_limit(Limit::objects(LIMIT).with_policy(policy));
                limited.on_limit(|_| {});
                let seen = bounded_garbage_under_a_stalled_reader(limited, other, &LEDGER);
                std::eprintln!("{policy:?}: {seen:?}");
                assert!(
                    seen.other_domain_grace_periods > 0,
                    "the other domain stalled too"
                );
                if policy == Policy::Block {
                    let bound = LIMIT + 2 * 2 * reclaim::scheme::bag::LOCAL_CAPACITY;
                    assert!(seen.peak <= bound, "peak {} past {bound}", seen.peak);
                }
            }
        }

        #[test]
        fn a_background_reclaimer_frees_with_no_other_calls() {
            static LEDGER: Ledger = Ledger::new();
            static DOMAIN: Epoch = Epoch::new();
            background_reclaimer_frees_without_other_calls(&DOMAIN, &LEDGER);
        }

        #[test]
        #[should_panic(
            expected = "called from a destructor or callback that this domain is running"
        )]
        fn barrier_from_a_callback_panics_instead_of_hanging() {
            static DOMAIN: Epoch = Epoch::new();
            DOMAIN.call(|| DOMAIN.barrier());
            DOMAIN.barrier();
        }
    }
}
