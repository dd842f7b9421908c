//! Random sequences of read-side and grace-period operations against a simple model.
//!
//! The model tracks, for every cookie, the set of sections that were open when it was taken.
//! `poll` may report a cookie complete only once every one of those sections has ended (sections
//! that began later never matter). When no section is open at all, a started grace period must
//! complete within a few polls. Sections are held as guards or as tokens; tokens are sometimes
//! ended on another thread.

#![cfg(feature = "std")]

use gracepoint_srcu::{Cookie, Flavor, Options, ReadToken, SlotChoice, Srcu, SrcuGuard};
use proptest::prelude::*;
use std::collections::BTreeSet;

#[derive(Clone, Debug)]
enum Op {
    Lock,
    LockToken,
    LockOn(usize),
    Unlock(usize),
    UnlockElsewhere(usize),
    Synchronize,
    GetState,
    StartPoll,
    Poll(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Lock),
        2 => Just(Op::LockToken),
        1 => (0..4usize).prop_map(Op::LockOn),
        4 => any::<usize>().prop_map(Op::Unlock),
        1 => any::<usize>().prop_map(Op::UnlockElsewhere),
        1 => Just(Op::Synchronize),
        1 => Just(Op::GetState),
        2 => Just(Op::StartPoll),
        4 => any::<usize>().prop_map(Op::Poll),
    ]
}

enum Section<'a> {
    Guard(#[allow(dead_code)] SrcuGuard<'a, 4>),
    Token(ReadToken<'a, 4>),
}

fn check(domain: &Srcu<4>, ops: &[Op]) -> Result<(), TestCaseError> {
    let shared_slots = domain.slot_choice() == SlotChoice::Cpu;
    let mut next_id = 0u64;
    let mut open: Vec<(u64, Section<'_>)> = Vec::new();
    let mut cookies: Vec<(Cookie, BTreeSet<u64>)> = Vec::new();
    for op in ops {
        let open_ids = |open: &Vec<(u64, Section<'_>)>| -> BTreeSet<u64> {
            open.iter().map(|(id, _)| *id).collect()
        };
        match op {
            Op::Lock => {
                open.push((next_id, Section::Guard(domain.read_lock())));
                next_id += 1;
            }
            Op::LockToken => {
                open.push((next_id, Section::Token(domain.read_lock_token())));
                next_id += 1;
            }
            Op::LockOn(slot) if shared_slots => {
                open.push((next_id, Section::Guard(domain.enter_on(*slot).unwrap())));
                next_id += 1;
            }
            Op::LockOn(_) => {}
            Op::Unlock(i) if !open.is_empty() => {
                let at = i % open.len();
                drop(open.remove(at));
            }
            Op::UnlockElsewhere(i) if !open.is_empty() => {
                let at = i % open.len();
                match open.remove(at) {
                    (_, Section::Token(token)) => {
                        std::thread::scope(|s| {
                            s.spawn(|| domain.read_unlock(token));
                        });
                    }
                    (_, section) => drop(section),
                }
            }
            Op::Unlock(_) | Op::UnlockElsewhere(_) => {}
            Op::Synchronize if open.is_empty() => {
                domain.synchronize();
                for (cookie, _) in &cookies {
                    prop_assert!(
                        domain.poll(cookie),
                        "synchronize left an older cookie pending"
                    );
                }
            }
            Op::Synchronize => {}
            Op::GetState => cookies.push((domain.get_state(), open_ids(&open))),
            Op::StartPoll => cookies.push((domain.start_poll(), open_ids(&open))),
            Op::Poll(j) if !cookies.is_empty() => {
                let (cookie, held) = &cookies[j % cookies.len()];
                let done = domain.poll(cookie);
                let still_open = open_ids(&open);
                if done {
                    prop_assert!(
                        held.is_disjoint(&still_open),
                        "cookie reported complete while sections {:?} it waits for are open",
                        held.intersection(&still_open).collect::<Vec<_>>()
                    );
                }
                if open.is_empty() {
                    // Nothing holds any grace period now: a started one must finish promptly.
                    let cookie = domain.start_poll();
                    let finished = (0..3).any(|_| domain.poll(&cookie));
                    prop_assert!(finished, "grace period stuck with no reader inside");
                }
            }
            Op::Poll(_) => {}
        }
    }
    drop(open);
    domain.synchronize();
    for (cookie, _) in &cookies {
        prop_assert!(domain.poll(cookie));
    }
    Ok(())
}

fn options() -> impl Strategy<Value = (Flavor, SlotChoice)> {
    (
        prop_oneof![Just(Flavor::Fenced), Just(Flavor::Fast)],
        prop_oneof![Just(SlotChoice::Thread), Just(SlotChoice::Cpu)],
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn poll_matches_the_model((flavor, choice) in options(), ops in prop::collection::vec(op(), 1..60)) {
        check(&Srcu::fixed_with_options(Options::DEFAULT.flavor(flavor).slots(choice)), &ops)?;
    }
}

/// Runs one long sequence; in a `--cfg reclaim_near_wrap` build (where every domain starts just
/// below the wrap, and the proptest above runs there too) the counter really crosses it.
#[test]
fn long_sequence_crosses_the_wrap() {
    let domain = Srcu::<4>::fixed_with_options(
        Options::DEFAULT
            .flavor(Flavor::Fenced)
            .slots(SlotChoice::Cpu),
    );
    let mut ops = Vec::new();
    for i in 0..600 {
        ops.extend([
            Op::LockToken,
            Op::StartPoll,
            Op::Poll(i),
            Op::Unlock(0),
            Op::Poll(i),
        ]);
    }
    check(&domain, &ops).unwrap();
    assert!(domain.stats().grace_periods >= 300);
}

/// The model every scheme runs (`reclaim::testing::check_against_model`), on registered readers,
/// in every flavor and slot choice.
mod shared_model {
    use super::*;
    use reclaim::testing::{MODEL_READERS, ModelOp, check_against_model, model_ops};

    fn check(flavor: Flavor, choice: SlotChoice, ops: &[ModelOp]) -> Result<(), TestCaseError> {
        let domain = Srcu::<4>::fixed_with_options(Options::DEFAULT.flavor(flavor).slots(choice));
        let readers: Vec<_> = (0..MODEL_READERS)
            .map(|_| domain.register().unwrap())
            .collect();
        check_against_model(&domain, |r| readers[r].enter(), ops)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn every_option_keeps_the_model((flavor, choice) in options(), ops in model_ops(80)) {
            check(flavor, choice, &ops)?;
        }
    }
}
