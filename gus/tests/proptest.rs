//! Property tests: sequence arithmetic across the wrap, and polls checked against a model.
//!
//! The poll model drives several registered readers from one thread with random enter, exit,
//! advance and poll operations, on clocks that start anywhere (often just below the wrap
//! point). It checks that a poll never succeeds while a reader that entered before the goal's
//! advance is still inside, that `rd_seq` never moves back or passes `wr_seq`, and that once
//! every reader has left, every goal passes within a few polls.

#![cfg(feature = "std")]

use gus::{Gus, INCR, MAX_DELTA, Mode, Seq};
use proptest::prelude::*;
use reclaim::seq::Sequence;

fn start_values() -> impl Strategy<Value = Seq> {
    prop_oneof![
        // Just below the wrap point, so that a run crosses it.
        (0..400 as Seq).prop_map(|back| Seq::MAX.wrapping_sub(back) | 1),
        any::<Seq>().prop_map(|s| s | 1),
        Just(1),
    ]
}

fn modes() -> impl Strategy<Value = Mode> {
    prop_oneof![
        Just(Mode::Default),
        (2u32..5).prop_map(Mode::Deferred),
        Just(Mode::Lazy)
    ]
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
        1..300,
    )
}

proptest! {
    #[test]
    fn comparisons_hold_across_the_wrap(base in start_values(), a in 0..MAX_DELTA, b in 0..MAX_DELTA) {
        let (x, y) = (base.wrapping_add(a), base.wrapping_add(b));
        prop_assert_eq!(x.seq_lt(y), a < b);
        prop_assert_eq!(x.seq_le(y), a <= b);
        prop_assert_eq!(x.seq_max(y), base.wrapping_add(a.max(b)));
        prop_assert_eq!(y.seq_diff(x), b.wrapping_sub(a));
    }

    #[test]
    fn goals_grow_across_the_wrap(start in start_values(), mode in modes(), n in 1..200usize) {
        let gus: Gus<2> = Gus::with_clock(mode, start, INCR);
        let mut last = start;
        for _ in 0..n {
            let goal = gus.advance();
            prop_assert!(goal % 2 == 1, "clock values stay odd");
            prop_assert!(last.seq_le(goal));
            last = goal;
        }
        gus.wait(last);
        prop_assert!(gus.poll(last));
        prop_assert!(gus.completed().seq_le(gus.current()));
    }

    #[test]
    fn poll_never_succeeds_while_an_earlier_reader_is_inside(
        start in start_values(),
        mode in modes(),
        ops in ops(),
    ) {
        let gus: Gus<4> = Gus::with_clock(mode, start, INCR);
        let readers: Vec<_> = (0..4).map(|_| gus.register().unwrap()).collect();
        let mut guards: Vec<Vec<gus::GusGuard<'_>>> = (0..4).map(|_| Vec::new()).collect();
        // For each reader inside a section: the step at which its outermost section began.
        let mut entered_at: [Option<usize>; 4] = [None; 4];
        // Each goal, with the step of the advance that returned it.
        let mut goals: Vec<(Seq, usize)> = Vec::new();
        let mut rd = gus.completed();
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
                    if gus.poll(goal) {
                        for (i, entered) in entered_at.iter().enumerate() {
                            if let Some(entered) = entered {
                                prop_assert!(
                                    *entered > advanced_at,
                                    "goal {goal} passed while reader {i} (inside since step \
                                     {entered}) predates its advance at step {advanced_at}"
                                );
                            }
                        }
                    }
                }
            }
            let now = gus.completed();
            prop_assert!(rd.seq_le(now), "rd_seq moved back from {rd} to {now}");
            prop_assert!(now.seq_le(gus.current()), "rd_seq passed wr_seq");
            rd = now;
        }
        guards.clear();
        for (goal, _) in goals {
            // Lazy goals lie two ticks ahead, and each poll moves the clock one tick.
            let passed = (0..4).any(|_| gus.poll(goal));
            prop_assert!(passed, "goal {goal} did not pass with every reader gone");
        }
    }
}
