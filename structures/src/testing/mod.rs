//! The shared test suite: every structure, on any domain, checked for exactly-once
//! reclamation and for use after free. Written once and generic over [`Reclaim`], so the
//! workspace's schemes and the peer adapters in `benches` run the very same checks.
//!
//! Enabled by the `testing` feature. The entry point is [`check_all`]; `check_list`,
//! `check_map`, ... run one structure. Each runs two tests:
//!
//! - **exactly once**: several threads mix inserts, removes and reads (pushes and pops) on a
//!   small key range, on the domain wrapped in [`Counting`]. Afterwards the structure's size
//!   matches the successful operations, the number of retires matches what the successful
//!   removes unlinked (one node per remove or pop, two per tree remove), and once the
//!   structure and its domain are dropped every retired node was freed once and every value
//!   ([`Tracked`], counted in a [`Ledger`](reclaim::testing::Ledger)) was dropped once;
//! - **poisoned nodes**: more threads on the bare domain, readers holding each [`Ref`](crate::Ref)
//!   across a yield so that removals race with them. Values poison themselves when dropped and
//!   every read checks them; in debug builds every node is poisoned when freed and every
//!   traversal checks its canary. A node or value freed too early makes the test panic.
//!   Stacks and queues are dropped with values still inside, which their `Drop` must free.
//!
//! [`RcuCell`](crate::RcuCell) runs the same two checks with loads, stores, swaps, updates and
//! compare-and-sets on one cell ([`check_rcu_cell`]), and a third that no `update` is lost.
//!
//! The runs are short (a fraction of a second each in a debug build) and bounded by operation
//! counts, not by time.
//!
//! ```
//! gracepoint_structures::testing::check_all(srcu::Srcu::new);
//! ```

extern crate std;

use reclaim::Reclaim;
use reclaim::testing::Tracked;

use crate::{HashMap, List, Queue, SkipList, Stack, Tree};

mod counting;
mod rcu_cell;
mod runs;

pub use counting::{Counting, RetireCounts};
use runs::{exactly_once_map, exactly_once_pool, poisoned_map, poisoned_pool};

/// Runs the exactly-once and poisoned-node tests of every structure on domains from `make`.
///
/// # Panics
/// With a message naming the structure and the check, on the first failure.
///
/// ```
/// gracepoint_structures::testing::check_all(|| gus::Gus::with_options(gus::Options::DEFAULT.mode(gus::Mode::Deferred(8))));
/// ```
pub fn check_all<R: Reclaim>(make: impl Fn() -> R) {
    check_list(&make);
    check_map(&make);
    check_tree(&make);
    check_skiplist(&make);
    check_stack(&make);
    check_queue(&make);
    check_rcu_cell(&make);
}

/// The [`List`] part of [`check_all`].
///
/// ```
/// gracepoint_structures::testing::check_list(srcu::Srcu::new);
/// ```
pub fn check_list<R: Reclaim>(make: impl Fn() -> R) {
    exactly_once_map::<List<u64, Tracked, Counting<R>>, R>(&make);
    poisoned_map::<List<u64, Tracked, R>, R>(&make);
}

/// The [`HashMap`] part of [`check_all`].
///
/// ```
/// gracepoint_structures::testing::check_map(srcu::Srcu::new);
/// ```
pub fn check_map<R: Reclaim>(make: impl Fn() -> R) {
    exactly_once_map::<HashMap<u64, Tracked, Counting<R>>, R>(&make);
    poisoned_map::<HashMap<u64, Tracked, R>, R>(&make);
}

/// The [`Tree`] part of [`check_all`].
///
/// ```
/// gracepoint_structures::testing::check_tree(srcu::Srcu::new);
/// ```
pub fn check_tree<R: Reclaim>(make: impl Fn() -> R) {
    exactly_once_map::<Tree<u64, Tracked, Counting<R>>, R>(&make);
    poisoned_map::<Tree<u64, Tracked, R>, R>(&make);
}

/// The [`SkipList`] part of [`check_all`].
///
/// ```
/// gracepoint_structures::testing::check_skiplist(srcu::Srcu::new);
/// ```
pub fn check_skiplist<R: Reclaim>(make: impl Fn() -> R) {
    exactly_once_map::<SkipList<u64, Tracked, Counting<R>>, R>(&make);
    poisoned_map::<SkipList<u64, Tracked, R>, R>(&make);
}

/// The [`Stack`] part of [`check_all`].
///
/// ```
/// gracepoint_structures::testing::check_stack(srcu::Srcu::new);
/// ```
pub fn check_stack<R: Reclaim>(make: impl Fn() -> R) {
    exactly_once_pool::<Stack<Tracked, Counting<R>>, R>(&make);
    poisoned_pool::<Stack<Tracked, R>, R>(&make);
}

/// The [`Queue`] part of [`check_all`].
///
/// ```
/// gracepoint_structures::testing::check_queue(srcu::Srcu::new);
/// ```
pub fn check_queue<R: Reclaim>(make: impl Fn() -> R) {
    exactly_once_pool::<Queue<Tracked, Counting<R>>, R>(&make);
    poisoned_pool::<Queue<Tracked, R>, R>(&make);
}

/// The [`RcuCell`](crate::RcuCell) part of [`check_all`]: threads mixing loads (some held
/// across a yield), stores, swaps, updates and compare-and-sets on one cell, with every value
/// checked when read and poisoned when dropped; the retires must match the successful
/// replacements, every retired value must be freed once the cell and its domain are gone, and
/// every value ever made dropped exactly once. A second run checks that concurrent `update`s
/// lose no increment.
///
/// ```
/// gracepoint_structures::testing::check_rcu_cell(gus::Gus::new);
/// ```
pub fn check_rcu_cell<R: Reclaim>(make: impl Fn() -> R) {
    rcu_cell::exactly_once(&make);
    rcu_cell::poisoned(&make);
    rcu_cell::updates_are_not_lost(&make);
}
