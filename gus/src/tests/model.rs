//! Property tests: polls checked against a model of who is inside, on clocks that start
//! anywhere (often just below the wrap), in every mode, with the distance bound wide or tight.
//!
//! Several registered readers are driven from one thread by random enter, exit, advance and
//! poll operations. A poll must never succeed while a reader that entered before the goal's
//! advance is still inside; the read clock never moves back or passes the write clock, and
//! stays within the bound of it; once every reader has left, every goal passes within a few
//! polls.

use crate::{Goal, Gus, INCR, MAX_DELTA, Mode, Seq};
use proptest::prelude::*;
use reclaim::scheme::seq::Sequence;
use std::prelude::rust_2024::*;

fn starts() -> impl Strategy<Value = Seq> {
    prop_oneof![
        // Just below the wrap point, so that a run crosses it.
        (0..200 as Seq).prop_map(|back| Seq::MAX.wrapping_sub(back * INCR) | 1),
        any::<Seq>().prop_map(|s| s | 1),
        Just(crate::START),
    ]
}

fn modes() -> impl Strategy<Value = Mode> {
    prop_oneof![
        Just(Mode::Default),
        (2u32..5).prop_map(Mode::Deferred),
        Just(Mode::Lazy)
    ]
}

/// The distance bound: the shipped one, or a few increments so that advances meet it.
fn bounds() -> impl Strategy<Value = Seq> {
    prop_oneof![Just(MAX_DELTA), (2..12 as Seq).prop_map(|n| n * INCR)]
}

#[derive(Clone, Debug)]
enum Op {
    Enter(usize),
    Exit(usize),
    Advance,
    Poll(usize),
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![
            3 => (0..4usize).prop_map(Op::Enter),
            3 => (0..4usize).prop_map(Op::Exit),
            3 => Just(Op::Advance),
            4 => any::<usize>().prop_map(Op::Poll),
        ],
        // Under Miri, which runs a thousand times slower, shorter runs.
        1..if cfg!(miri) { 40 } else { 300 },
    )
}

proptest! {
    // Fewer cases under Miri, and no regression file there.
    #![proptest_config(reclaim::proptest_config::miri_aware())]

    #[test]
    fn goals_grow_and_pass(
        start in starts(),
        mode in modes(),
        bound in bounds(),
        n in 1..if cfg!(miri) { 40 } else { 200usize },
    ) {
        let gus: Gus<2> = Gus::with_clock(mode, start, INCR, bound);
        let mut last = crate::Cookie(start);
        for _ in 0..n {
            let goal = gus.advance();
            prop_assert!(goal.seq() % 2 == 1, "clock values stay odd");
            prop_assert!(last.seq().seq_le(goal.seq()));
            last = goal;
        }
        gus.wait_with(&last, &mut reclaim::wait::Spin);
        prop_assert!(gus.poll(&last));
        prop_assert!(gus.completed().seq().seq_le(gus.current().seq()));
    }

    #[test]
    fn poll_never_succeeds_while_an_earlier_reader_is_inside(
        start in starts(),
        mode in modes(),
        bound in bounds(),
        ops in ops(),
    ) {
        let gus: Gus<4> = Gus::with_clock(mode, start, INCR, bound);
        let readers: Vec<_> = (0..4).map(|_| gus.register().unwrap()).collect();
        let mut guards: Vec<Vec<crate::GusGuard<'_, 4>>> = (0..4).map(|_| Vec::new()).collect();
        // For each reader inside a section: the step at which its outermost section began.
        let mut entered_at: [Option<usize>; 4] = [None; 4];
        // Each goal, with the step of the advance that returned it.
        let mut goals: Vec<(Goal, usize)> = Vec::new();
        let mut rd = gus.completed().seq();
        for (step, op) in ops.iter().enumerate() {
            match *op {
                Op::Enter(i) => {
                    guards[i].push(readers[i].enter());
                    entered_at[i].get_or_insert(step);
                }
                Op::Exit(i) => {
                    guards[i].pop();
                    if guards[i].is_empty() {
                        entered_at[i] = None;
                    }
                }
                Op::Advance => goals.push((gus.advance(), step)),
                Op::Poll(k) => {
                    if goals.is_empty() {
                        continue;
                    }
                    let (goal, advanced_at) = goals[k % goals.len()];
                    if gus.poll(&goal) {
                        for (i, entered) in entered_at.iter().enumerate() {
                            if let Some(entered) = entered {
                                prop_assert!(
                                    *entered > advanced_at,
                                    "{goal:?} passed while reader {i} (inside since step \
                                     {entered}) predates its advance at step {advanced_at}"
                                );
                            }
                        }
                    }
                }
            }
            let (now, wr) = (gus.completed().seq(), gus.current().seq());
            prop_assert!(rd.seq_le(now), "rd_seq moved back from {rd} to {now}");
            prop_assert!(now.seq_le(wr), "rd_seq passed wr_seq");
            prop_assert!(wr.wrapping_sub(now) <= bound, "wr_seq ran past the bound");
            rd = now;
        }
        guards.clear();
        for (goal, _) in goals {
            // Lazy goals lie two ticks ahead, each poll moves the clock one tick, and a goal
            // held back by the bound needs one more poll to move the clock.
            let passed = (0..4).any(|_| gus.poll(&goal));
            prop_assert!(passed, "{goal:?} did not pass with every reader gone");
        }
    }
}
