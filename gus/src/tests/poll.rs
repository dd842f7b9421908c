//! The scan's cases: which readers hold a goal back, the clamp, the snapshot, the raise.

use super::{leave, publish};
use crate::{Gus, INCR, START};
use reclaim::scheme::seq::Sequence;

#[test]
fn an_idle_domain_passes_every_goal_at_once() {
    let gus: Gus<2> = Gus::new_fixed();
    let goal = gus.advance();
    assert!(gus.poll(&goal));
    assert_eq!(gus.completed(), goal);
}

#[test]
fn a_reader_that_entered_before_the_advance_holds_the_goal() {
    let gus: Gus<2> = Gus::new_fixed();
    let reader = gus.register().unwrap();
    let section = reader.enter();
    let goal = gus.advance();
    assert!(!gus.poll(&goal));
    assert_eq!(
        gus.completed().seq(),
        START,
        "rd_seq stays at the reader's value"
    );
    drop(section);
    assert!(gus.poll(&goal));
}

#[test]
fn a_reader_that_entered_after_the_advance_does_not_hold_it() {
    let gus: Gus<2> = Gus::new_fixed();
    let reader = gus.register().unwrap();
    let goal = gus.advance();
    let _section = reader.enter();
    assert!(gus.poll(&goal));
}

#[test]
fn a_value_ahead_of_the_snapshot_counts_as_caught_up_but_rd_stays_at_the_snapshot() {
    // A reader that entered during the scan published a value past the scan's snapshot. The
    // minimum starts from the snapshot: the reader does not hold the goal back, and rd_seq
    // does not pass the snapshot.
    let gus: Gus<2> = Gus::new_fixed();
    let reader = gus.register().unwrap();
    let goal = gus.advance();
    let r0 = gus.completed().seq();
    let w = gus.current().seq();
    publish(&reader, w.wrapping_add(4 * INCR));
    assert_eq!(
        gus.core.clock().scan(gus.core.slots(), r0, w),
        w.wrapping_sub(r0)
    );
    assert!(gus.poll(&goal));
    assert_eq!(gus.completed().seq(), w);
    leave(&reader);
}

#[test]
fn a_value_behind_rd_seq_is_clamped_not_dropped() {
    // A delayed reader publishes a value older than rd_seq. It must pin the minimum at rd_seq
    // (it may reach anything retired after that), not be ignored.
    let gus: Gus<2> = Gus::new_fixed();
    let reader = gus.register().unwrap();
    for _ in 0..3 {
        let goal = gus.advance();
        assert!(gus.poll(&goal));
    }
    let rd = gus.completed().seq();
    publish(&reader, START);
    assert!(START.seq_lt(rd));
    let goal = gus.advance();
    assert!(!gus.poll(&goal), "the delayed reader holds the new goal");
    assert_eq!(
        gus.completed().seq(),
        rd,
        "clamped to rd_seq, which does not move back"
    );
    assert_eq!(
        gus.core
            .clock()
            .scan(gus.core.slots(), rd, gus.current().seq()),
        0
    );
    leave(&reader);
    assert!(gus.poll(&goal));
}

#[test]
fn rd_seq_never_moves_backwards() {
    let gus: Gus<2> = Gus::new_fixed();
    let goal = gus.advance();
    assert!(gus.poll(&goal));
    let rd = gus.completed().seq();
    // A scan that stalled since it read `START` reports an older minimum.
    assert_eq!(gus.core.clock().raise(START, 0), (rd, false));
    assert_eq!(gus.core.clock().raise(START, INCR), (rd, false));
    assert_eq!(gus.completed().seq(), rd);
}

#[test]
fn a_goal_far_ahead_of_the_write_clock_counts_as_passed() {
    // Such a goal was held while the clocks wrapped around past it.
    let gus: Gus<2> = Gus::new_fixed();
    let reader = gus.register().unwrap();
    let _section = reader.enter();
    let stale = crate::Cookie(gus.current().seq().wrapping_add(1000 * INCR));
    assert!(gus.poll(&stale));
}

#[test]
fn nested_sections_publish_once_and_end_with_the_last_guard() {
    let gus: Gus<2> = Gus::new_fixed();
    let reader = gus.register().unwrap();
    let outer = reader.enter();
    let goal = gus.advance();
    let inner = reader.enter();
    drop(outer);
    assert!(!gus.poll(&goal), "the inner guard still holds the section");
    drop(inner);
    assert!(gus.poll(&goal));
}

#[test]
fn a_poll_inside_a_section_is_fine() {
    let gus: Gus<2> = Gus::new_fixed();
    let reader = gus.register().unwrap();
    let _section = reader.enter();
    let goal = gus.advance();
    assert!(!gus.poll(&goal));
}

#[test]
fn the_reclaim_trait_polls_goals() {
    use reclaim::Reclaim;
    fn cookie<R: Reclaim>(domain: &R) -> R::Cookie {
        domain.start_poll()
    }
    let gus: Gus<2> = Gus::new_fixed();
    let reader = gus.register().unwrap();
    let section = reader.enter();
    let goal = cookie(&gus);
    assert!(!Reclaim::poll(&gus, &goal));
    drop(section);
    assert!(Reclaim::poll(&gus, &goal));
}
