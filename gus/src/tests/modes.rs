//! The modes, the wrap, the distance bound and the counters.

use crate::{Goal, Gus, INCR, MAX_DELTA, Mode, START, Seq};
use reclaim::scheme::seq::Sequence;
use std::prelude::rust_2024::*;

const MODES: [Mode; 3] = [Mode::Default, Mode::Deferred(3), Mode::Lazy];

#[test]
fn deferred_goals_lie_ahead_and_a_poll_moves_the_clock_to_them() {
    let gus: Gus<4> = Gus::fixed_with_options(crate::Options::DEFAULT.mode(Mode::Deferred(4)));
    let start = gus.current().seq();
    let goal = gus.advance();
    assert_eq!(goal.seq(), start.wrapping_add(INCR));
    assert_eq!(gus.current().seq(), start, "the shared clock did not move");
    let reader = gus.register().unwrap();
    let section = reader.enter();
    assert!(!gus.poll(&goal), "the reader entered before the goal");
    assert_eq!(
        gus.current(),
        goal,
        "the poll moved the clock up to the goal"
    );
    drop(section);
    assert!(gus.poll(&goal));
    // Every fourth advance of a thread writes the clock.
    let before = gus.current().seq();
    let goals: Vec<Goal> = (0..4).map(|_| gus.advance()).collect();
    assert_eq!(
        gus.current().seq(),
        before.wrapping_add(INCR),
        "one write in four"
    );
    let reach = gus.current().seq().wrapping_add(INCR);
    assert!(goals.iter().all(|g| g.seq().seq_le(reach)));
}

#[cfg(feature = "std")]
#[test]
fn lazy_mode_reports_what_runs_and_passes_goals() {
    let gus: Gus<4> = Gus::fixed_with_options(crate::Options::DEFAULT.mode(Mode::Lazy));
    let expected = if reclaim::scheme::membarrier::available() {
        Mode::Lazy
    } else {
        Mode::Default
    };
    assert_eq!(gus.mode(), expected);
    let reader = gus.register().unwrap();
    let section = reader.enter();
    let goal = gus.advance();
    for _ in 0..4 {
        assert!(!gus.poll(&goal));
    }
    drop(section);
    gus.wait(&goal);
    assert!(gus.poll(&goal));
}

#[test]
fn the_wrap_is_crossed_by_every_path() {
    // A hundred advances below the wrap, whatever the configuration's increment (under Miri,
    // which runs a thousand times slower, twenty).
    let below: Seq = if cfg!(miri) { 20 } else { 100 };
    let start = Seq::MAX.wrapping_sub(below * INCR) | 1;
    for mode in MODES {
        let gus: Gus<4> = Gus::with_clock(mode, start, INCR, MAX_DELTA);
        let reader = gus.register().unwrap();
        // Under Miri, enough rounds to cross the wrap twice over.
        for round in 0..if cfg!(miri) { 40 } else { 1000 } {
            let section = reader.enter();
            let goal = gus.advance();
            assert!(
                !gus.poll(&goal),
                "{mode:?}, round {round}: passed under a reader"
            );
            drop(section);
            gus.wait_with(&goal, &mut reclaim::wait::Spin);
            assert!(gus.completed().seq().seq_le(gus.current().seq()));
        }
        assert!(gus.current().seq() < start, "{mode:?} did not wrap");
    }
}

#[test]
fn an_advance_at_the_bound_never_waits_and_a_poll_moves_the_clock_later() {
    // A bound of four increments, and a reader that holds rd_seq at the start.
    let gus: Gus<2> = Gus::with_clock(Mode::Default, START, INCR, 4 * INCR);
    let reader = gus.register().unwrap();
    let section = reader.enter();
    let goals: Vec<Goal> = (0..10).map(|_| gus.advance()).collect();
    let top = START.wrapping_add(4 * INCR);
    assert_eq!(gus.current().seq(), top, "the clock stopped at the bound");
    let beyond = crate::Cookie(top.wrapping_add(INCR));
    assert!(goals[4..].iter().all(|&g| g == beyond), "{goals:?}");
    for _ in 0..3 {
        assert!(!gus.poll(&beyond));
        assert_eq!(
            gus.current().seq(),
            top,
            "a poll must not pass the bound either"
        );
    }
    drop(section);
    gus.wait_with(&beyond, &mut reclaim::wait::Spin);
    assert_eq!(
        gus.current(),
        beyond,
        "a poll moved the clock once rd_seq caught up"
    );
    assert!(goals.iter().all(|&g| gus.poll(&g)));
}

#[test]
fn the_bound_holds_in_every_mode_against_a_stalled_reader() {
    for mode in MODES {
        let gus: Gus<2> = Gus::with_clock(mode, START, INCR, 8 * INCR);
        let reader = gus.register().unwrap();
        let section = reader.enter();
        for _ in 0..100 {
            let goal = gus.advance();
            assert!(!gus.poll(&goal));
            let distance = gus.current().seq().wrapping_sub(gus.completed().seq());
            assert!(distance <= 8 * INCR, "{mode:?}: {distance} past the bound");
        }
        drop(section);
        let goal = gus.advance();
        gus.wait_with(&goal, &mut reclaim::wait::Spin);
    }
}

#[cfg(feature = "std")]
#[test]
fn a_stalled_reader_holds_goals_but_not_advances() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let gus: Gus<2> = Gus::with_clock(Mode::Default, START, INCR, 4 * INCR);
    let entered = std::sync::Barrier::new(2);
    let released = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let reader = gus.register().unwrap();
            let section = reader.enter();
            entered.wait();
            std::thread::sleep(std::time::Duration::from_millis(20));
            released.store(true, Ordering::Relaxed);
            drop(section);
        });
        entered.wait();
        let goals: Vec<Goal> = (0..20).map(|_| gus.advance()).collect();
        let last = *goals.last().unwrap();
        gus.wait(&last);
        assert!(
            released.load(Ordering::Relaxed),
            "a goal passed under the reader"
        );
        assert!(goals.iter().all(|&g| gus.poll(&g)));
    });
}

#[cfg(feature = "std")]
#[test]
fn counters_count_in_own_slots() {
    let gus = Gus::new();
    let reader = gus.register().unwrap();
    let section = reader.enter();
    let goal = gus.advance();
    assert!(!gus.poll(&goal));
    drop(section);
    std::thread::scope(|s| {
        s.spawn(|| assert!(gus.poll(&goal)));
    });
    assert!(gus.poll(&goal));
    let counters = gus.counters();
    assert_eq!(counters.advances, 1);
    assert_eq!(
        counters.polls, 2,
        "the third poll took the fast path: not counted"
    );
    assert_eq!(counters.scans, 2);
    assert_eq!(counters.failed_polls, 1);
    assert_eq!(gus.stats().grace_periods, 1, "one raise of rd_seq");
}

#[test]
fn shipped_domains_cross_the_wrap_only_in_the_near_wrap_configuration() {
    let gus: Gus<2> = Gus::new_fixed();
    let reader = gus.register().unwrap();
    for _ in 0..20 {
        let section = reader.enter();
        let goal = gus.advance();
        assert!(!gus.poll(&goal));
        drop(section);
        assert!(gus.poll(&goal));
    }
    assert_eq!(gus.current().seq() < START, cfg!(reclaim_near_wrap));
}

#[test]
fn a_fresh_domain_has_collected_at_its_frontier() {
    // Otherwise the first retire collects and sweeps every slot's bag (see `Clock::bits`).
    use reclaim::scheme::Clock;
    for mode in [Mode::Default, Mode::Deferred(4), Mode::Lazy] {
        let gus: Gus<1> = Gus::fixed_with_options(crate::Options::DEFAULT.mode(mode));
        let frontier = gus.core.clock().frontier();
        assert_eq!(crate::GusClock::bits(frontier), 0, "{mode:?}");
    }
}
