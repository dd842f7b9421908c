//! The retire path through the shared core, misuse, and the shared checks of
//! `reclaim::testing`, in every mode.

use crate::domain::ReaderSlot;
use crate::{Gus, INCR, Mode, START};
use std::prelude::rust_2024::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const MODES: [Mode; 3] = [Mode::Default, Mode::Deferred(4), Mode::Lazy];

#[test]
fn a_slot_with_its_bag_fits_in_256_bytes() {
    use crossbeam_utils::CachePadded;
    use reclaim::scheme::slots::Slot;
    let bytes = core::mem::size_of::<CachePadded<Slot<ReaderSlot>>>();
    assert!(bytes <= 256, "a GUS slot takes {bytes} bytes");
}

#[test]
fn retire_frees_each_object_once_and_drop_frees_the_rest() {
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let gus = Gus::new();
    let reader = gus.register().unwrap();
    let section = reader.enter();
    for _ in 0..1000 {
        gus.retire(Box::new(Counted(drops.clone())));
    }
    assert_eq!(
        drops.load(Ordering::Relaxed),
        0,
        "the section holds every bag"
    );
    drop(section);
    for _ in 0..100 {
        gus.retire(Box::new(Counted(drops.clone())));
    }
    assert!(
        drops.load(Ordering::Relaxed) >= 1000,
        "later retires collect what the section held: {} freed",
        drops.load(Ordering::Relaxed)
    );
    gus.retire(Box::new(Counted(drops.clone())));
    drop(reader);
    drop(gus);
    assert_eq!(drops.load(Ordering::Relaxed), 1101);
}

#[test]
fn retire_and_call_inside_a_section_never_block() {
    // Also at a distance bound the section itself holds back: an advance never waits.
    let tight: Gus<0> = Gus::with_clock(Mode::Default, START, INCR, 4 * INCR);
    for gus in [&Gus::new(), &tight] {
        let ran = Arc::new(AtomicUsize::new(0));
        let section = gus.enter();
        for i in 0..2 * reclaim::scheme::domain::PRESSURE_OBJECTS {
            gus.retire(Box::new(i));
        }
        let reader = gus.register().unwrap();
        let inner = reader.enter();
        for _ in 0..100 {
            let ran = ran.clone();
            gus.call(move || {
                ran.fetch_add(1, Ordering::Relaxed);
            });
        }
        assert_eq!(ran.load(Ordering::Relaxed), 0);
        drop((inner, section));
        gus.barrier();
        assert_eq!(ran.load(Ordering::Relaxed), 100);
        assert_eq!(gus.stats().pending, 0);
    }
}

#[test]
fn pending_stays_bounded_under_a_steady_retire_rate() {
    // A reader that keeps entering and leaving (here in lockstep with the retires, so that
    // the bound does not depend on how a busy machine schedules a reader thread: one
    // preempted inside its section holds everything back while it is off the CPU).
    for mode in MODES {
        let gus = Gus::with_mode(mode);
        let reader = gus.register().unwrap();
        let mut section = None;
        let mut most = 0;
        for i in 0..40_000u64 {
            match i % 100 {
                0 => section = Some(reader.enter()),
                50 => section = None,
                _ => {}
            }
            gus.retire(Box::new(i));
            most = most.max(gus.stats().pending);
        }
        drop(section);
        // Lazy polls cost a membarrier, so the retire path steps them 16 times less often, and
        // a lazy goal needs about three polls: more waits, by design.
        let bound = if gus.mode() == crate::Mode::Lazy {
            4 * reclaim::scheme::domain::STEP_EVERY_HEAVY as usize
                * reclaim::scheme::bag::LOCAL_CAPACITY
        } else {
            1_000
        };
        assert!(
            most <= bound,
            "{mode:?}: {most} objects pending, bound {bound}"
        );
        gus.barrier();
        assert_eq!(gus.stats().pending, 0);
    }
}

#[test]
fn callbacks_may_retire_into_their_own_domain() {
    static DOMAIN: Gus = Gus::new();
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
fn works_through_the_reclaim_trait_in_every_mode() {
    use reclaim::Reclaim;
    fn exercise<R: Reclaim>(domain: &R) {
        drop(domain.enter());
        domain.retire(Box::new(String::from("x")));
        let cookie = domain.start_poll();
        domain.synchronize();
        assert!(domain.poll(&cookie));
        domain.barrier();
    }
    for mode in MODES {
        exercise(&Gus::with_mode(mode));
        exercise(&Gus::<4>::fixed_with_mode(mode));
    }
}

#[test]
fn stats_count_raises_and_pending_bytes() {
    let gus = Gus::new();
    let section = gus.enter();
    gus.retire(Box::new([0u8; 40]));
    let stats = gus.stats();
    assert_eq!((stats.pending, stats.pending_bytes), (1, 40));
    drop(section);
    for _ in 0..5 {
        gus.synchronize();
    }
    let stats = gus.stats();
    assert!(stats.grace_periods >= 5, "{stats:?}");
    assert_eq!(stats.pending, 0, "synchronize collects what it passed");
    assert!(format!("{gus:?}").contains("rd_seq"));
}

#[cfg(debug_assertions)]
mod misuse {
    use super::*;

    #[test]
    #[should_panic(expected = "`synchronize` called inside a read section of the same domain")]
    fn synchronize_inside_a_section_panics_in_debug_builds() {
        let gus = Gus::new();
        let _section = gus.enter();
        gus.synchronize();
    }

    #[test]
    #[should_panic(expected = "`wait` called inside a read section")]
    fn wait_inside_a_registered_section_panics_in_debug_builds() {
        let gus = Gus::new();
        let reader = gus.register().unwrap();
        let _section = reader.enter();
        let goal = gus.advance();
        gus.wait(goal);
    }

    #[test]
    #[should_panic(expected = "`barrier` called inside a read section")]
    fn barrier_inside_a_section_panics_in_debug_builds() {
        let gus = Gus::new();
        let _section = gus.enter();
        gus.barrier();
    }

    #[test]
    #[should_panic(expected = "`wait` called inside a read section")]
    fn taking_a_tagged_value_inside_a_section_panics_in_debug_builds() {
        let gus = Gus::new();
        let tagged = gus.tag(1);
        let _section = gus.enter();
        tagged.take(&gus);
    }
}

mod shared_checks {
    use super::*;
    use reclaim::testing::*;

    fn each_mode(check: impl Fn(&Gus)) {
        for mode in MODES {
            check(&Gus::with_mode(mode));
        }
    }

    #[test]
    fn short_lived_threads_leave_nothing_behind() {
        static LEDGER: Ledger = Ledger::new();
        each_mode(|gus| short_lived_retiring_threads(gus, &LEDGER, 2_000));
        LEDGER.assert_balanced();
    }

    #[test]
    fn barrier_frees_other_live_threads_bags() {
        static LEDGER: Ledger = Ledger::new();
        each_mode(|gus| barrier_reaches_live_threads(gus, &LEDGER));
    }

    #[test]
    fn barrier_waits_for_frees_running_on_other_threads() {
        static LEDGER: Ledger = Ledger::new();
        each_mode(|gus| barrier_waits_for_frees_on_other_threads(gus, &LEDGER, 100));
    }

    #[test]
    fn a_quiet_thread_s_retire_is_freed_by_other_calls() {
        static LEDGER: Ledger = Ledger::new();
        each_mode(|gus| {
            quiet_retire_is_freed_by_other_calls(gus, &LEDGER, 16);
        });
    }

    #[test]
    fn panicking_destructors_leave_the_domain_working() {
        static LEDGER: Ledger = Ledger::new();
        each_mode(|gus| panicking_destructors_do_not_break_the_domain(gus, &LEDGER));
        LEDGER.assert_balanced();
    }

    #[test]
    fn swap_and_retire_in_every_mode() {
        static LEDGER: Ledger = Ledger::new();
        for mode in MODES {
            let report = swap_and_retire(Gus::with_mode(mode), &LEDGER, StressConfig::quick());
            assert!(report.reads > 0 && report.swaps > 0, "{mode:?}");
        }
        LEDGER.assert_balanced();
    }

    #[test]
    fn stall_reports_name_the_stalled_reader() {
        for mode in MODES {
            let gus = Gus::with_mode(mode);
            let seen =
                stall_reports_name_the_stalled_thread(&gus, std::time::Duration::from_millis(40));
            assert_eq!(seen.report.attribution, reclaim::stall::Attribution::Exact);
        }
    }

    #[test]
    fn a_static_domain_reports_stalls() {
        static DOMAIN: Gus = Gus::new();
        stall_reports_name_the_stalled_thread(&DOMAIN, std::time::Duration::from_millis(40));
    }

    #[test]
    fn short_sections_do_not_report() {
        static DOMAIN: Gus = Gus::new();
        short_sections_never_report(&DOMAIN, std::time::Duration::from_millis(100));
    }

    #[test]
    fn the_blocking_limit_bounds_garbage_under_a_stalled_reader() {
        static LEDGER: Ledger = Ledger::new();
        every_limit_policy(Gus::new, &LEDGER);
    }

    #[test]
    fn a_background_reclaimer_frees_with_no_other_calls() {
        static LEDGER: Ledger = Ledger::new();
        for mode in MODES {
            let gus = std::sync::Arc::new(Gus::with_mode(mode));
            background_reclaimer_frees_without_other_calls(gus, &LEDGER);
        }
    }

    #[test]
    #[should_panic(expected = "called from a destructor or callback that this domain is running")]
    fn barrier_from_a_callback_panics_instead_of_hanging() {
        static DOMAIN: Gus = Gus::new();
        DOMAIN.call(|| DOMAIN.barrier());
        DOMAIN.barrier();
    }
}
