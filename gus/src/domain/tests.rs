//! Unit tests of the scan's cases and the domain's misuse checks.

use super::*;
use crate::MAX_WAITING_BAGS;
use std::prelude::rust_2024::*;

/// Publishes `seq` in a registered reader's slot directly, as a reader that loaded `wr_seq`
/// at that value and was delayed would.
fn publish<const N: usize>(reader: &Reader<'_, N>, seq: Seq) {
    reader.slot.depth.set(1);
    reader.slot.seq.store(seq, Ordering::Relaxed);
}

fn leave<const N: usize>(reader: &Reader<'_, N>) {
    reader.slot.depth.set(0);
    reader.slot.seq.store(IDLE, Ordering::Relaxed);
}

#[test]
fn idle_domain_passes_every_goal_at_once() {
    let gus = Gus::new();
    let goal = gus.advance();
    assert!(gus.poll(goal));
    assert_eq!(gus.completed(), goal);
}

#[test]
fn reader_that_entered_before_the_advance_holds_the_goal() {
    let gus = Gus::new();
    let reader = gus.register().unwrap();
    let section = reader.enter();
    let goal = gus.advance();
    assert!(!gus.poll(goal));
    assert_eq!(gus.completed(), START, "rd_seq stays at the reader's value");
    drop(section);
    assert!(gus.poll(goal));
}

#[test]
fn reader_that_entered_after_the_advance_does_not_hold_it() {
    let gus = Gus::new();
    let reader = gus.register().unwrap();
    let goal = gus.advance();
    let _section = reader.enter();
    assert!(gus.poll(goal));
}

#[test]
fn value_ahead_of_the_snapshot_counts_as_caught_up_but_rd_stays_at_the_snapshot() {
    // A reader that entered during the scan published a value past the scan's `wr_seq`
    // snapshot. The scan starts its minimum from the snapshot: the reader does not hold the
    // goal back, and `rd_seq` does not pass the snapshot.
    let gus: Gus<2> = Gus::fixed();
    let reader = gus.register().unwrap();
    let goal = gus.advance();
    let r0 = gus.completed();
    let w = gus.current();
    publish(&reader, w.wrapping_add(4 * INCR));
    assert_eq!(gus.scan(r0, w), w.wrapping_sub(r0));
    assert!(gus.poll(goal));
    assert_eq!(gus.completed(), w);
    leave(&reader);
}

#[test]
fn value_behind_rd_seq_is_clamped_not_dropped() {
    // A delayed reader publishes a value older than rd_seq. It must pin the minimum at
    // rd_seq (it may reach anything retired after that), not be ignored.
    let gus: Gus<2> = Gus::fixed();
    let reader = gus.register().unwrap();
    for _ in 0..3 {
        let goal = gus.advance();
        assert!(gus.poll(goal));
    }
    let rd = gus.completed();
    publish(&reader, START);
    assert!(START.seq_lt(rd));
    let goal = gus.advance();
    assert!(!gus.poll(goal), "the delayed reader holds the new goal");
    assert_eq!(
        gus.completed(),
        rd,
        "clamped to rd_seq, which does not move back"
    );
    assert_eq!(gus.scan(rd, gus.current()), 0);
    leave(&reader);
    assert!(gus.poll(goal));
}

#[test]
fn rd_seq_never_moves_backwards() {
    let gus: Gus<2> = Gus::fixed();
    let goal = gus.advance();
    assert!(gus.poll(goal));
    let rd = gus.completed();
    assert_eq!(gus.raise_rd(START, 0), rd);
    assert_eq!(gus.raise_rd(START, INCR), rd);
    assert_eq!(gus.completed(), rd);
}

#[test]
fn goal_far_ahead_of_the_write_clock_counts_as_passed() {
    // Such a goal was held while the clocks wrapped around past it.
    let gus = Gus::new();
    let reader = gus.register().unwrap();
    let _section = reader.enter();
    let stale = gus.current().wrapping_add(1000 * INCR);
    assert!(gus.poll(stale));
}

#[test]
fn deferred_goals_lie_ahead_and_poll_moves_the_clock_to_them() {
    let gus = Gus::with_mode(Mode::Deferred(4));
    let start = gus.current();
    let goal = gus.advance();
    assert_eq!(goal, start.wrapping_add(INCR));
    assert_eq!(gus.current(), start, "the shared clock did not move");
    let reader = gus.register().unwrap();
    let section = reader.enter();
    assert!(!gus.poll(goal), "the reader entered before the goal");
    assert_eq!(
        gus.current(),
        goal,
        "the poll moved the clock up to the goal"
    );
    drop(section);
    assert!(gus.poll(goal));
    // Every fourth advance of a thread writes the clock.
    let before = gus.current();
    let goals: Vec<Seq> = (0..4).map(|_| gus.advance()).collect();
    assert_eq!(
        gus.current(),
        before.wrapping_add(INCR),
        "one write in four"
    );
    assert!(
        goals
            .iter()
            .all(|g| g.seq_le(gus.current().wrapping_add(INCR)))
    );
}

#[test]
fn lazy_mode_reports_what_runs_and_passes_goals() {
    let gus = Gus::with_mode(Mode::Lazy);
    let mode = gus.mode();
    assert_eq!(
        mode,
        if reclaim::membarrier::available() {
            Mode::Lazy
        } else {
            Mode::Default
        }
    );
    let reader = gus.register().unwrap();
    let section = reader.enter();
    let goal = gus.advance();
    for _ in 0..4 {
        assert!(!gus.poll(goal));
    }
    drop(section);
    gus.wait(goal);
    assert!(gus.poll(goal));
}

#[test]
fn wrap_is_crossed_by_every_path() {
    for mode in [Mode::Default, Mode::Deferred(3), Mode::Lazy] {
        let gus: Gus<4> = Gus::with_clock(mode, <Seq as Sequence>::NEAR_WRAP | 1, INCR);
        let reader = gus.register().unwrap();
        for _ in 0..2000 {
            let section = reader.enter();
            let goal = gus.advance();
            assert!(!gus.poll(goal), "{mode:?}");
            drop(section);
            gus.wait(goal);
        }
        assert!(
            gus.current().seq_gt(<Seq as Sequence>::NEAR_WRAP),
            "{mode:?}"
        );
        assert!(gus.current() < 10_000, "{mode:?} wrapped");
    }
}

#[test]
fn advance_keeps_within_max_delta_of_rd() {
    // With an increment of MAX_DELTA, each advance needs rd_seq caught up first; an idle
    // domain lets the advance's own wait do it.
    let gus: Gus<2> = Gus::with_clock(Mode::Default, 1, MAX_DELTA);
    for _ in 0..10 {
        let goal = gus.advance();
        assert!(gus.current().wrapping_sub(gus.completed()) <= MAX_DELTA);
        assert!(gus.poll(goal));
    }
}

#[test]
fn nested_sections_publish_once_and_end_with_the_last_guard() {
    let gus = Gus::new();
    let outer = gus.enter();
    let goal_inside = gus.advance();
    let inner = gus.enter();
    drop(outer);
    assert!(
        !gus.poll(goal_inside),
        "the inner guard still holds the section"
    );
    drop(inner);
    assert!(gus.poll(goal_inside));
}

#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "called inside a read section of the same domain")]
fn synchronize_inside_a_section_panics_in_debug_builds() {
    let gus = Gus::new();
    let _section = gus.enter();
    gus.synchronize();
}

#[cfg(debug_assertions)]
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
fn poll_inside_a_section_is_fine() {
    let gus = Gus::new();
    let _section = gus.enter();
    let goal = gus.advance();
    assert!(!gus.poll(goal));
}

#[test]
fn stats_count_in_own_slots() {
    let gus = Gus::new();
    let reader = gus.register().unwrap();
    let section = reader.enter();
    let goal = gus.advance();
    assert!(!gus.poll(goal));
    drop(section);
    std::thread::scope(|s| {
        s.spawn(|| assert!(gus.poll(goal)));
    });
    assert!(gus.poll(goal));
    let stats = gus.stats();
    assert_eq!(stats.advances, 1);
    assert_eq!(
        stats.polls, 2,
        "the third poll took the fast path: not counted"
    );
    assert_eq!(stats.scans, 2);
    assert_eq!(stats.failed_polls, 1);
}

#[test]
fn retire_frees_each_object_once_and_drop_frees_the_rest() {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;
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
        drops.load(Ordering::Relaxed) >= 960,
        "collected on later retires"
    );
    gus.retire(Box::new(Counted(drops.clone())));
    drop(reader);
    drop(gus);
    assert_eq!(drops.load(Ordering::Relaxed), 1101);
}

#[test]
fn back_pressure_bounds_waiting_bags() {
    let gus = Gus::new();
    let reader = gus.register().unwrap();
    let peak = std::sync::atomic::AtomicUsize::new(0);
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let stop = &stop;
        s.spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                drop(reader.enter());
            }
        });
        for i in 0..(MAX_WAITING_BAGS * 4 * reclaim::bag::BAG_CAPACITY) {
            gus.retire(Box::new(i));
            peak.fetch_max(gus.queue.sealed_bags(), Ordering::Relaxed);
        }
        stop.store(true, Ordering::Relaxed);
    });
    assert!(peak.load(Ordering::Relaxed) <= MAX_WAITING_BAGS + 1);
    gus.barrier();
    assert_eq!(gus.stats().pending, 0);
}

#[test]
fn retire_inside_a_section_grows_instead_of_deadlocking() {
    let gus = Gus::new();
    let section = gus.enter();
    for i in 0..((MAX_WAITING_BAGS + 4) * reclaim::bag::BAG_CAPACITY) {
        gus.retire(Box::new(i));
    }
    assert!(gus.queue.sealed_bags() > MAX_WAITING_BAGS);
    drop(section);
    gus.barrier();
    assert_eq!(gus.stats().pending, 0);
}

#[test]
fn advance_waits_for_a_stalled_reader_rather_than_pass_max_delta() {
    use std::sync::atomic::AtomicBool;
    let gus: Gus<2> = Gus::with_clock(Mode::Default, 1, MAX_DELTA);
    let entered = std::sync::Barrier::new(2);
    let released = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let reader = gus.register().unwrap();
            let section = reader.enter();
            entered.wait();
            std::thread::sleep(std::time::Duration::from_millis(50));
            released.store(true, Ordering::Relaxed);
            drop(section);
        });
        entered.wait();
        // One increment of MAX_DELTA fits; a second would put wr_seq half the space ahead of
        // the reader that holds rd_seq, so the advance waits for it.
        gus.advance();
        let goal = gus.advance();
        assert!(
            released.load(Ordering::Relaxed),
            "advance returned before the reader left"
        );
        assert!(gus.completed().seq_lt(goal));
        assert!(goal.wrapping_sub(gus.completed()) <= MAX_DELTA);
    });
}

#[test]
fn retire_inside_a_reader_section_never_hangs() {
    // Release builds cannot see a `Reader` section from `retire`; back-pressure is bounded, so
    // retiring far past the limit inside one still returns.
    let gus = Gus::new();
    let reader = gus.register().unwrap();
    let section = reader.enter();
    for i in 0..(MAX_WAITING_BAGS + 4) * reclaim::bag::BAG_CAPACITY {
        gus.retire(Box::new(i));
    }
    assert!(gus.stats().pending >= MAX_WAITING_BAGS * reclaim::bag::BAG_CAPACITY);
    drop(section);
    gus.barrier();
    assert_eq!(gus.stats().pending, 0);
}

#[test]
fn guards_may_drop_in_any_order() {
    let gus = Gus::new();
    let reader = gus.register().unwrap();
    let outer = reader.enter();
    let inner = reader.enter();
    let goal = gus.advance();
    drop(outer);
    assert!(
        !gus.poll(goal),
        "the inner guard still protects the section"
    );
    drop(inner);
    assert!(gus.poll(goal));
}
