//! A fixed, seeded run of operations on one scheme and one structure, for counting
//! instructions. On a shared 2-core VM one throughput run differs from the next by a third;
//! the instructions an operation executes do not move at all, so a change to a hot path can be
//! weighed with them first (docs/reclaim.md, "Instructions per operation").
//!
//! ```text
//! cargo build --release -p benches --example op_count
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/op_count srcu-default hashmap 200000
//! # the same with 0 operations: the difference over the count is instructions per operation
//! ```
//!
//! Structures: `hashmap`, `list`, `tree` (each prefilled to half its key range, then the
//! 50/25/25 mix, one thread), `stack` (pop then push) and `sections` (an empty read section, as
//! `compare`'s read-side pass times it). Schemes: any id of `compare --list`.
//! Under valgrind `membarrier` is refused, so the Fast flavors resolve to their fenced read side
//! (the instructions of the Fast read side differ from those by the fence alone).

use benches::schemes::{Scheme, SchemeVisitor, visit_one};
use benches::targets::{HashSet, KeySet, ListSet, Stack, TreeSet};
use benches::workload::mixes::{Mix, prefill, worker};
use core::hint::black_box;
use reclaim::Reclaim;
use std::sync::atomic::AtomicBool;

/// The operations per `worker` call when it is told to stop at once.
const BATCH: u64 = 64;

struct Run {
    structure: String,
    ops: u64,
}

impl SchemeVisitor for Run {
    fn visit<R, F>(&mut self, _: &Scheme, make: F)
    where
        R: Reclaim + 'static,
        F: Fn() -> R + Send + Sync + 'static,
    {
        match self.structure.as_str() {
            "hashmap" => mix::<HashSet<R>, R>(make(), 100_000, self.ops),
            "list" => mix::<ListSet<R>, R>(make(), 1_000, self.ops),
            "tree" => mix::<TreeSet<R>, R>(make(), 100_000, self.ops),
            "stack" => stack(make(), self.ops),
            "sections" => sections(make(), self.ops),
            other => panic!("unknown structure {other:?}: hashmap, list, tree, stack or sections"),
        }
    }
}

/// The update-heavy mix on a prefilled set, `ops` operations rounded up to a batch.
fn mix<S: KeySet<R>, R: Reclaim>(domain: R, key_range: u64, ops: u64) {
    let set = S::new(domain, key_range);
    prefill(&set, key_range);
    let stop = AtomicBool::new(true);
    for seed in 0..ops.div_ceil(BATCH) {
        worker(&set, seed + 1, Mix::UpdateHeavy, key_range, &stop);
    }
}

/// `ops` pops, each followed by a push, on a stack of a thousand values.
fn stack<R: Reclaim>(domain: R, ops: u64) {
    let stack = Stack::new(domain);
    for value in 0..1_000u64 {
        stack.push(value);
    }
    let mut value = 0;
    for _ in 0..ops {
        value = black_box(stack.pop()).unwrap_or(value);
        stack.push(value);
    }
}

/// `ops` empty read sections through the trait, each guard passed through `black_box` as the
/// read-side pass of `compare` does.
fn sections<R: Reclaim>(domain: R, ops: u64) {
    for _ in 0..ops {
        drop(black_box(domain.enter()));
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: op_count SCHEME_ID hashmap|list|tree|stack|sections OPERATIONS";
    let (Some(id), Some(structure), Some(ops)) = (args.next(), args.next(), args.next()) else {
        panic!("{usage}");
    };
    let ops = ops.parse().expect(usage);
    let mut run = Run { structure, ops };
    assert!(
        visit_one(&id, &mut run),
        "no scheme {id:?} in this build (see `compare --list`)"
    );
}
