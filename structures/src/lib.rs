//! Lock-free data structures written once against [`reclaim::Reclaim`], so that any
//! grace-period scheme frees their removed nodes: SRCU, GUS, epochs, or a peer behind the
//! trait.
//!
//! | structure | algorithm | operations |
//! |---|---|---|
//! | [`List`] | Harris–Michael sorted linked list | insert, remove, get, for_each |
//! | [`HashMap`] | Michael's hash map: fixed buckets of Harris–Michael lists | insert, remove, get, for_each |
//! | [`Tree`] | Natarajan–Mittal external binary search tree | insert, remove, get, for_each |
//! | [`Stack`] | Treiber stack | push, pop |
//! | [`Queue`] | Michael–Scott queue | push, pop |
//! | [`SkipList`] | lock-free skip list (Herlihy and Shavit; Fraser), towers inline | insert, remove, get, for_each, and the same in a caller's section |
//! | [`RcuCell`] | RCU pointer publication: one value, replaced whole | load, store, swap, update, compare_and_set |
//!
//! # When to pick it
//! - To run the *same* structure over several reclamation schemes and compare them: the code
//!   is identical, only the domain type changes.
//! - To use a lock-free structure with a scheme of your choice: SRCU when readers may sleep or
//!   migrate, GUS when reads must cost one store and a fence, a `static` domain shared by many
//!   structures, and so on.
//!
//! Pick something else for a general-purpose concurrent map: the hash map has a fixed bucket
//! count (no resizing), and the tree is not balanced (sorted insertions make it a list).
//!
//! # Example
//! ```
//! use gracepoint_structures::HashMap;
//! let map = HashMap::new(srcu::Srcu::new(), 64);
//! std::thread::scope(|s| {
//!     s.spawn(|| map.insert(1, String::from("one")).unwrap());
//!     s.spawn(|| map.insert(2, String::from("two")).unwrap());
//! });
//! let one = map.get(&1).unwrap(); // a `Ref`: a read section and a `&String` in one
//! assert!(map.remove(&1)); // unlinked now, freed once `one` and every other reader is done
//! assert_eq!(*one, "one");
//! ```
//!
//! # Why the safe API is sound
//! A grace-period scheme protects a read only if the read happens inside a section *of the
//! domain that frees the node*. Domains are independent instances, so an API that accepted a
//! guard from its caller without checking it could be handed a guard of the wrong `Srcu` and
//! read freed memory with no `unsafe` in sight. So:
//! - each structure **owns its domain** (by value; or `&R` / `Arc<R>`, which are domains too, to
//!   share one domain between several structures), and opens its sections itself;
//! - the few methods that run in a **caller's section** ([`SkipList::get_in`] and its siblings,
//!   [`RcuCell::load_in`]) check that it belongs to the structure's domain
//!   ([`Section::belongs_to`](reclaim::atomic::Section::belongs_to)) and panic otherwise;
//! - a read returns a [`Ref`], which **owns the section** it was read in, so the value stays
//!   valid exactly as long as the `Ref` exists, and the borrow checker ties the `Ref` to the
//!   structure;
//! - a node is **retired once**, by the one thread whose compare-and-swap unlinked it, to the
//!   structure's domain, from inside a section of that domain;
//! - nodes still linked when the structure drops are freed by its `Drop`, which has exclusive
//!   access;
//! - keys and values must be `Send + Sync + 'static`: readers on several threads share them,
//!   and the domain may drop them later, on any thread (stacks and queues move values out
//!   instead, so they need only `Send`).
//!
//! The node-level work is done with [`reclaim::atomic`]'s typed pointers, whose loads are tied
//! to the section they were made in.
//!
//! # Debug checks
//! In debug builds every node carries a canary that its destructor poisons and every traversal
//! checks: a node freed too early makes the traversal panic with a message that says so,
//! instead of reading garbage.
//!
//! # Features
//! - `std` (default): forwards `std` to `reclaim`.
//! - `testing`: the `testing` module, the shared suite (exactly-once and poisoned-node
//!   checks) that every scheme and peer adapter runs.
//!
//! The crate is `no_std` and needs `alloc`.
//!
//! [`Reclaim`]: reclaim::Reclaim
#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod canary;
pub mod list;
pub mod map;
pub mod queue;
pub mod rcu_cell;
pub mod skiplist;
pub mod stack;
#[cfg(all(feature = "testing", not(loom)))]
pub mod testing;
pub mod tree;

pub use list::List;
pub use map::HashMap;
pub use queue::Queue;
pub use rcu_cell::{RcuCell, RcuRef};
pub use skiplist::SkipList;
pub use stack::Stack;
pub use tree::Tree;

use core::fmt;
use core::ptr::NonNull;

use reclaim::Reclaim;
use reclaim::atomic::Section;

/// A value read from a structure, together with the read section that keeps it alive.
///
/// It dereferences to the value. While it exists, the value cannot be freed even if another
/// thread removes it; it also keeps a read section of the structure's domain open, which delays
/// every reclamation in that domain, so drop it soon. Do not wait for a grace period of the
/// same domain (`synchronize`, `barrier`) while holding one: the wait would never end (debug
/// builds of the workspace's schemes panic instead).
///
/// ```
/// let map = gracepoint_structures::HashMap::new(srcu::Srcu::new(), 8);
/// map.insert(1, vec![1, 2, 3]).unwrap();
/// let v = map.get(&1).unwrap();
/// assert_eq!(v.len(), 3);
/// ```
pub struct Ref<'a, T, R: Reclaim + 'a> {
    value: NonNull<T>,
    _section: Section<'a, R>,
}

/// A `Ref` keeps its read section open: a value removed meanwhile stays readable through it,
/// and is freed only after the `Ref` drops.
///
/// ```
/// use reclaim::Reclaim;
/// let map = gracepoint_structures::HashMap::new(srcu::Srcu::new(), 8);
/// map.insert(1, String::from("one")).unwrap();
/// let one = map.get(&1).unwrap();
/// assert!(map.remove(&1)); // unlinked, not freed: `one` still holds its section
/// assert_eq!(*one, "one");
/// drop(one);
/// map.domain().barrier(); // now it is freed
/// ```
impl<'a, T, R: Reclaim> Ref<'a, T, R> {
    /// Runs `find` inside `section` and keeps the reference it returns together with the
    /// section.
    ///
    /// Sound because the reference was valid for as long as `section` lasted, and `Section`
    /// hands out no reference into itself, so moving it into the `Ref` invalidates nothing.
    pub(crate) fn protect(
        section: Section<'a, R>,
        find: impl for<'g> FnOnce(&'g Section<'a, R>) -> Option<&'g T>,
    ) -> Option<Self> {
        let value = NonNull::from(find(&section)?);
        Some(Self {
            value,
            _section: section,
        })
    }
}

impl<T, R: Reclaim> core::ops::Deref for Ref<'_, T, R> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: `protect` took the pointer from a reference valid while the section lasts,
        // and the section lives in `self`.
        unsafe { self.value.as_ref() }
    }
}

impl<T: fmt::Debug, R: Reclaim> fmt::Debug for Ref<'_, T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
