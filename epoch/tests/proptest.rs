//! Random sequences of pins, unpins, repins, advances, cookies and retires against a simple
//! model of the epoch rule.
//!
//! The model keeps the global epoch and, per registered reader, the epoch it is pinned at and
//! its nesting depth. It predicts every `try_advance` exactly (the epoch moves iff every pinned
//! reader is at the current epoch), and every `poll` exactly (a cookie is done once the epoch is
//! two past it; a failed poll makes one advance attempt). Independently of the model, it checks
//! that no cookie completes, and no retired object is freed, while a section that was open when
//! the cookie was taken (or the object retired) is still open. The sequences run single-threaded
//! on registered readers, so the outcome is deterministic; in a `--cfg reclaim_near_wrap` build
//! the epoch starts 500 advances below the wrap, and the long sequence crosses it.

#![cfg(feature = "std")]

use gracepoint_epoch::{Cookie, Epoch, EpochGuard, EpochReader, Flavor, Options};
use proptest::prelude::*;
use std::cell::RefCell;
use std::collections::BTreeSet;

const READERS: usize = 3;
/// `Epoch::epoch` counts modulo 2^63, or 2^31 with 32-bit counters (the global epoch counts in
/// steps of two in a `gracepoint::sync::Count`).
#[allow(clippy::unnecessary_cast)] // a cast only where the counters are 32-bit
const EPOCHS: u64 = (gracepoint::sync::Count::MAX >> 1) as u64;

#[derive(Clone, Debug)]
enum Op {
    Pin(usize),
    Unpin(usize, usize),
    Repin(usize),
    TryAdvance,
    GetState,
    StartPoll,
    Poll(usize),
    Synchronize,
    Retire,
    Collect,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..READERS).prop_map(Op::Pin),
        4 => (0..READERS, any::<usize>()).prop_map(|(r, g)| Op::Unpin(r, g)),
        1 => (0..READERS).prop_map(Op::Repin),
        3 => Just(Op::TryAdvance),
        1 => Just(Op::GetState),
        2 => Just(Op::StartPoll),
        4 => any::<usize>().prop_map(Op::Poll),
        1 => Just(Op::Synchronize),
        2 => Just(Op::Retire),
        1 => Just(Op::Collect),
    ]
}

std::thread_local! {
    /// Objects freed on this thread, by id (frees run on the thread that collects: this one).
    static FREED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

unsafe fn record_free(ptr: *mut ()) {
    // SAFETY: `ptr` came from `Box::into_raw` in `Op::Retire`.
    let id = *unsafe { Box::from_raw(ptr.cast::<u64>()) };
    FREED.with(|freed| freed.borrow_mut().push(id));
}

/// The model of one registered reader.
#[derive(Default)]
struct ModelReader {
    depth: usize,
    /// The epoch the reader is pinned at, and the id of its current section.
    pinned: Option<(u64, u64)>,
}

struct Model {
    epoch: u64,
    readers: [ModelReader; READERS],
    next_section: u64,
}

impl Model {
    fn open_sections(&self) -> BTreeSet<u64> {
        self.readers
            .iter()
            .filter_map(|r| r.pinned.map(|(_, s)| s))
            .collect()
    }

    fn can_advance(&self) -> bool {
        self.readers
            .iter()
            .all(|r| r.pinned.is_none_or(|(at, _)| at == self.epoch))
    }

    fn advance(&mut self) -> bool {
        let ok = self.can_advance();
        if ok {
            self.epoch = self.epoch.wrapping_add(1) & EPOCHS;
        }
        ok
    }

    fn done(&self, cookie_epoch: u64) -> bool {
        let ahead = self.epoch.wrapping_sub(cookie_epoch) & EPOCHS;
        (2..1 << 62).contains(&ahead)
    }

    fn new_section(&mut self, reader: usize) {
        let id = self.next_section;
        self.next_section += 1;
        self.readers[reader].pinned = Some((self.epoch, id));
    }
}

/// The model predicts every advance, which a Fenced domain makes at once; a Fast domain's
/// advances wait for the process's heavy-fence batch, whose timing the model cannot know.
fn fenced() -> Epoch<4> {
    Epoch::fixed_with_options(Options::DEFAULT.flavor(Flavor::Fenced))
}

fn check(domain: &Epoch<4>, ops: &[Op]) -> Result<(), TestCaseError> {
    FREED.with(|f| f.borrow_mut().clear());
    let readers: Vec<EpochReader<'_, 4>> =
        (0..READERS).map(|_| domain.register().unwrap()).collect();
    let mut guards: Vec<Vec<EpochGuard<'_, 4>>> = (0..READERS).map(|_| Vec::new()).collect();
    let mut model = Model {
        epoch: domain.epoch(),
        readers: Default::default(),
        next_section: 0,
    };
    // Cookies and retired objects, each with the sections open when it was taken.
    let mut cookies: Vec<(Cookie, u64, BTreeSet<u64>)> = Vec::new();
    let mut retired: Vec<BTreeSet<u64>> = Vec::new();
    for op in ops {
        match *op {
            Op::Pin(r) => {
                if model.readers[r].depth == 0 {
                    model.new_section(r);
                }
                model.readers[r].depth += 1;
                guards[r].push(readers[r].pin());
            }
            Op::Unpin(r, g) if !guards[r].is_empty() => {
                let at = g % guards[r].len();
                drop(guards[r].remove(at));
                model.readers[r].depth -= 1;
                if model.readers[r].depth == 0 {
                    model.readers[r].pinned = None;
                }
            }
            Op::Unpin(..) => {}
            Op::Repin(r) if guards[r].len() == 1 => {
                guards[r][0].repin();
                if model.readers[r]
                    .pinned
                    .is_some_and(|(at, _)| at != model.epoch)
                {
                    model.new_section(r);
                }
            }
            Op::Repin(_) => {}
            Op::TryAdvance => {
                let expected = model.advance();
                prop_assert_eq!(domain.try_advance(), expected, "the advance rule");
            }
            Op::GetState => cookies.push((domain.get_state(), model.epoch, model.open_sections())),
            Op::StartPoll => {
                let cookie = domain.start_poll();
                cookies.push((cookie, model.epoch, model.open_sections()));
                model.advance();
            }
            Op::Poll(j) if !cookies.is_empty() => {
                let (cookie, cookie_epoch, held) = &cookies[j % cookies.len()];
                let expected =
                    model.done(*cookie_epoch) || (model.advance() && model.done(*cookie_epoch));
                let done = domain.poll(cookie);
                prop_assert_eq!(done, expected, "poll disagrees with the model");
                if done {
                    let open = model.open_sections();
                    prop_assert!(
                        held.is_disjoint(&open),
                        "a cookie completed while sections {:?} it waits for are open",
                        held.intersection(&open).collect::<Vec<_>>()
                    );
                }
            }
            Op::Poll(_) => {}
            Op::Synchronize if guards.iter().all(Vec::is_empty) => {
                domain.synchronize();
                model.epoch = domain.epoch();
                for (cookie, _, _) in &cookies {
                    prop_assert!(
                        domain.poll(cookie),
                        "synchronize left an older cookie pending"
                    );
                }
            }
            Op::Synchronize => {}
            Op::Retire => {
                let id = retired.len() as u64;
                retired.push(model.open_sections());
                let ptr = Box::into_raw(Box::new(id)).cast::<()>();
                // SAFETY: `record_free` frees exactly this box.
                unsafe { domain.retire_raw(ptr, record_free) };
                // A retire may attempt advances: follow the domain's epoch.
                model.epoch = domain.epoch();
            }
            Op::Collect => {
                domain.collect();
            }
        }
        let open = model.open_sections();
        for id in FREED.with(|f| f.borrow().clone()) {
            let held = &retired[id as usize];
            prop_assert!(
                held.is_disjoint(&open),
                "object {} freed while sections {:?} that were open at its retire are open",
                id,
                held.intersection(&open).collect::<Vec<_>>()
            );
        }
        prop_assert_eq!(domain.epoch(), model.epoch, "the epoch moved unexpectedly");
    }
    drop(guards);
    domain.barrier();
    let mut freed = FREED.with(|f| f.borrow().clone());
    freed.sort_unstable();
    prop_assert_eq!(
        freed,
        (0..retired.len() as u64).collect::<Vec<_>>(),
        "each object freed once"
    );
    domain.synchronize();
    for (cookie, _, _) in &cookies {
        prop_assert!(domain.poll(cookie));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn advance_and_poll_match_the_model(ops in prop::collection::vec(op(), 1..80)) {
        check(&fenced(), &ops)?;
    }
}

/// One long sequence: in a `--cfg reclaim_near_wrap` build it crosses the wrap.
#[test]
fn long_sequence_crosses_the_wrap() {
    let domain = fenced();
    let start = domain.epoch();
    let mut ops = Vec::new();
    for i in 0..700 {
        ops.extend([
            Op::Pin(i % READERS),
            Op::StartPoll,
            Op::Poll(i),
            Op::Retire,
            Op::TryAdvance,
            Op::Unpin(i % READERS, 0),
            Op::Poll(i),
            Op::TryAdvance,
        ]);
    }
    check(&domain, &ops).unwrap();
    let now = domain.epoch();
    assert!(now.wrapping_sub(start) & EPOCHS >= 700);
    assert_eq!(
        now < start,
        cfg!(reclaim_near_wrap),
        "crossed the wrap only in near-wrap builds"
    );
}

/// The model every scheme runs (`reclaim::testing::check_against_model`), on registered readers.
mod shared_model {
    use super::*;
    use reclaim::testing::{MODEL_READERS, check_against_model, model_ops};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn the_shared_model_holds(ops in model_ops(80)) {
            let domain = fenced();
            let readers: Vec<_> = (0..MODEL_READERS).map(|_| domain.register().unwrap()).collect();
            check_against_model(&domain, |r| readers[r].enter(), &ops)?;
        }
    }
}
