//! A property test every scheme runs in its `tests/proptest.rs`: random sequences of sections
//! on a few registered readers, cookies, polls, `synchronize`, retires and collections, checked
//! against what the grace-period guarantee allows.
//!
//! The model records, for every cookie and every retired object, which sections were open when
//! it was taken (or retired). Then, after every step:
//! - a cookie that polls complete must not have a section of its set still open;
//! - an object that was freed must not have a section of its set still open;
//! - when no section is open at all, a grace period just started completes within a few polls
//!   (each poll takes a step: SRCU needs a few, a lazy GUS goal about three, an epoch cookie
//!   two advances);
//!
//! and, at the end, `barrier` frees every retired object exactly once. It runs on one thread
//! (the sections of different readers are different slots), so a failure replays exactly.

use crate::Reclaim;
use alloc::boxed::Box;
use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use core::cell::RefCell;
use proptest::prelude::*;

/// How many registered readers a sequence uses.
pub const MODEL_READERS: usize = 3;

/// One step of a [`check_against_model`] sequence.
#[derive(Clone, Debug)]
pub enum ModelOp {
    /// Reader `r` enters a section (nested if it is inside already).
    Enter(usize),
    /// Reader `r` ends one of its sections (the `i`-th modulo how many it holds).
    Exit(usize, usize),
    /// `start_poll`, keeping the cookie.
    StartPoll,
    /// Polls the `i`-th cookie (modulo how many there are).
    Poll(usize),
    /// `synchronize`, when no section is open (inside one it would wait for itself).
    Synchronize,
    /// Retires an object whose free is recorded.
    Retire,
    /// `barrier`, when no section is open.
    Barrier,
}

/// Random [`ModelOp`] sequences of up to `len` steps.
///
/// ```
/// use gracepoint_reclaim::testing::model_ops;
/// use proptest::strategy::{Strategy, ValueTree};
/// let mut runner = proptest::test_runner::TestRunner::default();
/// let ops = model_ops(20).new_tree(&mut runner).unwrap().current();
/// assert!(ops.len() <= 20);
/// ```
pub fn model_ops(len: usize) -> impl Strategy<Value = Vec<ModelOp>> {
    let op = prop_oneof![
        4 => (0..MODEL_READERS).prop_map(ModelOp::Enter),
        4 => (0..MODEL_READERS, any::<usize>()).prop_map(|(r, i)| ModelOp::Exit(r, i)),
        2 => Just(ModelOp::StartPoll),
        4 => any::<usize>().prop_map(ModelOp::Poll),
        1 => Just(ModelOp::Synchronize),
        3 => Just(ModelOp::Retire),
        1 => Just(ModelOp::Barrier),
    ];
    proptest::collection::vec(op, 1..len)
}

std::thread_local! {
    /// Objects freed on this thread, by id (the model runs, and so collects, on one thread).
    static FREED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

unsafe fn record_free(ptr: *mut ()) {
    // SAFETY: `ptr` came from `Box::into_raw` in `ModelOp::Retire`.
    let id = *unsafe { Box::from_raw(ptr.cast::<u64>()) };
    FREED.with(|freed| freed.borrow_mut().push(id));
}

/// Runs `ops` on `domain`, whose readers' sections `enter(r)` begins (reader `r` of
/// [`MODEL_READERS`], each on a slot of its own: registered readers), and checks every step
/// against the model (see the module docs).
///
/// ```
/// use gracepoint_reclaim::testing::{ModelOp, check_against_model};
/// # let domain = gracepoint_reclaim::scheme::ReaderCount;
/// use gracepoint_reclaim::Reclaim;
/// let ops = [ModelOp::Enter(0), ModelOp::StartPoll, ModelOp::Retire, ModelOp::Exit(0, 0), ModelOp::Poll(0)];
/// check_against_model(&domain, |_| domain.enter(), &ops).unwrap();
/// ```
pub fn check_against_model<R: Reclaim, G>(
    domain: &R,
    enter: impl Fn(usize) -> G,
    ops: &[ModelOp],
) -> Result<(), TestCaseError> {
    FREED.with(|f| f.borrow_mut().clear());
    // Per reader, its open sections as (id, guard); a reader is inside while it holds any.
    let mut guards: Vec<Vec<(u64, G)>> = (0..MODEL_READERS).map(|_| Vec::new()).collect();
    let mut next_section = 0u64;
    let mut cookies: Vec<(R::Cookie, BTreeSet<u64>)> = Vec::new();
    let mut retired: Vec<BTreeSet<u64>> = Vec::new();
    let open = |guards: &Vec<Vec<(u64, G)>>| -> BTreeSet<u64> {
        guards.iter().flatten().map(|(id, _)| *id).collect()
    };
    for op in ops {
        match *op {
            ModelOp::Enter(r) => {
                let guard = enter(r);
                guards[r].push((next_section, guard));
                next_section += 1;
            }
            ModelOp::Exit(r, i) if !guards[r].is_empty() => {
                let at = i % guards[r].len();
                drop(guards[r].remove(at));
            }
            ModelOp::Exit(..) => {}
            ModelOp::StartPoll => cookies.push((domain.start_poll(), open(&guards))),
            ModelOp::Poll(i) if !cookies.is_empty() => {
                let (cookie, held) = &cookies[i % cookies.len()];
                if domain.poll(cookie) {
                    let now = open(&guards);
                    prop_assert!(
                        held.is_disjoint(&now),
                        "a cookie completed while sections {:?} it waits for are open",
                        held.intersection(&now).collect::<Vec<_>>()
                    );
                }
            }
            ModelOp::Poll(_) => {}
            ModelOp::Synchronize | ModelOp::Barrier if open(&guards).is_empty() => {
                if matches!(op, ModelOp::Synchronize) {
                    domain.synchronize();
                } else {
                    domain.barrier();
                }
                for (cookie, _) in &cookies {
                    prop_assert!(domain.poll(cookie), "{op:?} left an older cookie pending");
                }
            }
            ModelOp::Synchronize | ModelOp::Barrier => {}
            ModelOp::Retire => {
                let id = retired.len() as u64;
                retired.push(open(&guards));
                let ptr = Box::into_raw(Box::new(id)).cast::<()>();
                // SAFETY: `record_free` frees exactly this box, once.
                unsafe { domain.retire_raw(ptr, record_free) };
            }
        }
        let now = open(&guards);
        for id in FREED.with(|f| f.borrow().clone()) {
            let held = &retired[id as usize];
            prop_assert!(
                held.is_disjoint(&now),
                "object {id} freed while sections {:?} that were open at its retire are open",
                held.intersection(&now).collect::<Vec<_>>()
            );
        }
        if now.is_empty() {
            let cookie = domain.start_poll();
            prop_assert!(
                (0..16).any(|_| domain.poll(&cookie)),
                "a grace period did not complete in 16 polls with no section open"
            );
        }
    }
    drop(guards);
    domain.barrier();
    let mut freed = FREED.with(|f| f.borrow().clone());
    freed.sort_unstable();
    prop_assert_eq!(
        freed,
        (0..retired.len() as u64).collect::<Vec<_>>(),
        "every retired object freed exactly once"
    );
    Ok(())
}
