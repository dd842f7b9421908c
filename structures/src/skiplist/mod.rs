//! A lock-free skip list (Herlihy and Shavit's lock-free skip list, after Fraser and Pugh),
//! whose nodes carry their tower of links inline: the structure that shows how nodes with a
//! layout of their own go through `reclaim::atomic` (`Shared::from_raw`, `Section::retire_raw`),
//! and how a structure that owns or shares its domain accepts its callers' sections.
//!
//! # Algorithm
//! Level 0 is a sorted linked list of every entry; level `i` links a subset, each node being on
//! levels `0..height` with `height` drawn geometrically. A search descends from the top level
//! of the head, moving right while the next key is smaller. A remove *marks* the node's links
//! from the top level down (the low bit of each of its own links; the mark on level 0, set by
//! exactly one remover, is the linearization point), then searches again: a search that meets
//! a node marked at the level it walks unlinks it there with a compare-and-swap on the
//! predecessor's link (and restarts when that fails). An insert links level 0 with a
//! compare-and-swap (its linearization point), then the levels above, one at a time, and stops
//! when it finds its node marked.
//!
//! # Reclamation
//! A node may be linked at several levels, unlinked by different threads, and still be linked
//! at a level by its insert after a remove has unlinked it elsewhere. So a node counts its
//! references (`refs`, `height + 1` at first): each successful unlink at a level takes one; the
//! insert gives back the levels it never linked, and its own one when it is done (first
//! unlinking its node at every level, if it was removed meanwhile). The thread that takes the
//! last one retires the node, exactly once, through the section it runs in.
//!
//! Why a node is never freed under a reader: a reader moves right only past nodes it saw
//! unmarked at that level, and descends only from such a node. Marks are set top-down, so a
//! node unmarked at level `i` is unmarked at every level below, hence still linked there; a
//! marked node's links never change again. So every node a reader reaches was linked, at the
//! level it was reached by, at some moment after the reader's section began: its last unlink,
//! and so its retire, come after that, and the grace period covers the reader.
//!
//! # Orderings
//! Links are loaded with `Acquire`, pairing with the `Release` compare-and-swap that published
//! the node they point to; unlinks and marks are `AcqRel` (they hand on what they acquired);
//! `refs` is decremented with `AcqRel`, so the thread that retires a node has seen every other
//! thread's last use of it.
//!
//! ```
//! use gracepoint::structures::SkipList;
//! let list = SkipList::new(gracepoint::epoch::Epoch::new());
//! for k in [5, 1, 9] {
//!     list.insert(k, k * 10).unwrap();
//! }
//! assert!(list.remove(&1));
//! assert_eq!(*list.get(&9).unwrap(), 90);
//! let mut keys = Vec::new();
//! list.for_each(|k, _| keys.push(*k));
//! assert_eq!(keys, [5, 9]);
//! ```

mod node;
#[cfg(all(test, not(loom)))]
mod tests;

use core::fmt;
use core::ops::ControlFlow;

use reclaim::Reclaim;
use reclaim::atomic::{Atomic, Section, Shared};
use reclaim::sync::AtomicUsize;
use reclaim::sync::Ordering::{AcqRel, Acquire, Relaxed, Release};

use crate::Ref;
use node::{MARK, MAX_HEIGHT, Node, links};

/// A lock-free ordered map from `K` to `V` (a skip list), freeing removed entries through the
/// domain `R` it owns (by value, or shared through `&D` or `Arc<D>`).
///
/// Every operation has two forms: one that opens its own read section (`get`, `insert`, ...),
/// and one that runs in a section the caller holds (`get_in`, `insert_in`, `remove_in`), for
/// code that makes many calls in one section, or enters its sections through a registered
/// reader. A section of another domain is refused with a panic: it would protect nothing.
///
/// ```
/// use gracepoint::structures::SkipList;
/// use std::sync::Arc;
/// let domain = Arc::new(gracepoint::gus::Gus::new()); // shared by two lists
/// let (a, b) = (SkipList::new(Arc::clone(&domain)), SkipList::new(Arc::clone(&domain)));
/// let section = a.section(); // one section serves both: same domain
/// a.insert_in(1, "one", &section).unwrap();
/// b.insert_in(2, "two", &section).unwrap();
/// assert_eq!(a.get_in(&1, &section), Some(&"one"));
/// assert_eq!(b.get_in(&2, &section), Some(&"two"));
/// ```
pub struct SkipList<K, V, R: Reclaim> {
    head: [Atomic<Node<K, V>>; MAX_HEIGHT],
    /// The highest level in use: searches start there. Only grows.
    levels: AtomicUsize,
    /// Feeds the node heights.
    seed: AtomicUsize,
    domain: R,
}

/// What a search found: at each level, the predecessor's link and its successor.
struct Position<'g, K, V> {
    preds: [&'g Atomic<Node<K, V>>; MAX_HEIGHT],
    succs: [Shared<'g, Node<K, V>>; MAX_HEIGHT],
}

/// Inserting, removing, looking up and visiting entries, from any number of threads.
///
/// ```
/// let list = gracepoint::structures::SkipList::new(gracepoint::srcu::Srcu::new());
/// assert!(list.insert(2, "two").is_ok());
/// assert_eq!(list.insert(2, "deux"), Err((2, "deux"))); // keys are unique
/// assert!(list.contains(&2) && list.len() == 1);
/// assert!(list.remove(&2) && list.is_empty());
/// ```
impl<K, V, R> SkipList<K, V, R>
where
    K: Ord + Send + Sync + 'static,
    V: Send + Sync + 'static,
    R: Reclaim,
{
    /// An empty list whose removed nodes are freed through `domain`.
    ///
    /// ```
    /// let list = gracepoint::structures::SkipList::<u32, u32, _>::new(gracepoint::gus::Gus::new());
    /// assert!(list.is_empty());
    /// ```
    pub fn new(domain: R) -> Self {
        Self {
            head: core::array::from_fn(|_| Atomic::null()),
            levels: AtomicUsize::new(1),
            seed: AtomicUsize::new(0),
            domain,
        }
    }

    /// The reclamation domain.
    ///
    /// ```
    /// use gracepoint::Reclaim;
    /// let list = gracepoint::structures::SkipList::<u8, u8, _>::new(gracepoint::srcu::Srcu::new());
    /// list.domain().barrier();
    /// ```
    pub fn domain(&self) -> &R {
        &self.domain
    }

    /// A read section of the list's domain, for the `_in` methods.
    ///
    /// ```
    /// let list = gracepoint::structures::SkipList::new(gracepoint::epoch::Epoch::new());
    /// let section = list.section();
    /// list.insert_in(1, 'a', &section).unwrap();
    /// assert_eq!(list.get_in(&1, &section), Some(&'a'));
    /// ```
    pub fn section(&self) -> Section<'_, R> {
        Section::new(&self.domain)
    }

    #[track_caller]
    fn check(&self, section: &Section<'_, R>) {
        assert!(
            section.belongs_to(&self.domain),
            "SkipList: the section belongs to another domain than the list's, so it would not \
             protect the list's nodes; make it with `list.section()` or \
             `Section::new(list.domain())`"
        );
    }

    /// Finds where `key` is or would go, unlinking the marked nodes met on the way.
    fn find<'g>(&'g self, key: &K, section: &'g Section<'_, R>) -> Position<'g, K, V> {
        'retry: loop {
            let mut position = Position {
                preds: core::array::from_fn(|level| &self.head[level]),
                succs: [Shared::null(); MAX_HEIGHT],
            };
            let mut pred: &'g [Atomic<Node<K, V>>] = &self.head;
            for level in (0..self.levels.load(Relaxed)).rev() {
                let mut curr = pred[level].load(Acquire, section);
                if curr.tag() & MARK != 0 {
                    // The predecessor got marked at this level since we passed it.
                    continue 'retry;
                }
                while !curr.is_null() {
                    // SAFETY: reached as argued in the module docs; nodes are freed only
                    // through the list's domain, after their last unlink.
                    let node = unsafe { curr.deref() };
                    node.canary.check("gracepoint_structures::SkipList");
                    let curr_links = unsafe { links(curr) };
                    let succ = curr_links[level].load(Acquire, section);
                    if succ.tag() & MARK != 0 {
                        // `curr` is being removed: unlink it at this level. AcqRel: hands on
                        // the successor it acquired; Acquire on failure, as we restart.
                        match pred[level].compare_exchange(
                            curr,
                            succ.with_tag(0),
                            AcqRel,
                            Acquire,
                            section,
                        ) {
                            Ok(_) => {
                                self.release(curr, 1, section);
                                curr = succ.with_tag(0);
                                continue;
                            }
                            Err(_) => continue 'retry,
                        }
                    }
                    if node.key < *key {
                        pred = curr_links;
                        curr = succ;
                    } else {
                        break;
                    }
                }
                position.preds[level] = &pred[level];
                position.succs[level] = curr;
            }
            return position;
        }
    }

    /// Gives back `n` of `node`'s references; the thread that gives back the last retires it.
    fn release(&self, node: Shared<'_, Node<K, V>>, n: usize, section: &Section<'_, R>) {
        // SAFETY: protected by `section` (the caller reached it in it, and holds a reference).
        let refs = &unsafe { node.deref() }.refs;
        // AcqRel: the last one sees every other thread's use of the node before it retires it.
        if refs.fetch_sub(n, AcqRel) == n {
            // SAFETY: no level links it any more and its insert is done, so no section that
            // begins from now on can reach it; it is retired once, by the thread that took the
            // last reference; `free` matches `allocate`'s layout.
            unsafe {
                section.retire_raw(node.as_raw().cast_mut().cast(), node::free::<K, V>);
            }
        }
    }

    /// Inserts `key` → `value`. If `key` is already present, nothing changes and both are
    /// given back.
    ///
    /// ```
    /// let list = gracepoint::structures::SkipList::new(gracepoint::srcu::Srcu::new());
    /// assert_eq!(list.insert(1, "one"), Ok(()));
    /// assert_eq!(list.insert(1, "uno"), Err((1, "uno")));
    /// ```
    pub fn insert(&self, key: K, value: V) -> Result<(), (K, V)> {
        self.insert_in(key, value, &Section::new(&self.domain))
    }

    /// [`insert`](SkipList::insert) in the caller's `section`.
    ///
    /// # Panics
    /// When `section` belongs to another domain.
    ///
    /// ```
    /// let list = gracepoint::structures::SkipList::new(gracepoint::gus::Gus::new());
    /// let section = list.section();
    /// for k in 0..10 {
    ///     list.insert_in(k, k, &section).unwrap();
    /// }
    /// assert_eq!(list.len(), 10);
    /// ```
    #[track_caller]
    pub fn insert_in(&self, key: K, value: V, section: &Section<'_, R>) -> Result<(), (K, V)> {
        self.check(section);
        let height = node::random_height(&self.seed);
        let raw = node::allocate(key, value, height);
        // SAFETY: a fresh node, protected because unpublished (and then by `section`).
        let new = unsafe { Shared::from_raw(raw) };
        // SAFETY: as above.
        let (new_ref, new_links) = unsafe { (new.deref(), links(new)) };
        self.levels.fetch_max(height, Relaxed);
        let mut position = loop {
            let position = self.find(&new_ref.key, section);
            let succ = position.succs[0];
            // SAFETY: reached in `section` (see `find`).
            if unsafe { succ.as_ref() }.is_some_and(|n| n.key == new_ref.key) {
                // SAFETY: never published.
                return Err(unsafe { node::unpublish(raw) });
            }
            for (level, link) in new_links.iter().enumerate() {
                // Relaxed: the node is private until the Release below publishes it.
                link.store(position.succs[level], Relaxed);
            }
            // Release: publishes the node (key, value, tower) to whoever loads the link.
            if position.preds[0]
                .compare_exchange(succ, new, Release, Relaxed, section)
                .is_ok()
            {
                break position;
            }
        };
        // Linked at level 0: the insert has happened. Now the levels above.
        let mut linked = 1;
        'levels: for (level, own_link) in new_links.iter().enumerate().skip(1) {
            loop {
                let succ = position.succs[level];
                let own = own_link.load(Acquire, section);
                if own.tag() & MARK != 0 {
                    break 'levels; // removed meanwhile: stop building
                }
                // AcqRel: fails if a remover marked the link meanwhile.
                if own != succ
                    && own_link
                        .compare_exchange(own, succ, AcqRel, Acquire, section)
                        .is_err()
                {
                    continue;
                }
                if position.preds[level]
                    .compare_exchange(succ, new, Release, Relaxed, section)
                    .is_ok()
                {
                    linked += 1;
                    break;
                }
                position = self.find(&new_ref.key, section);
            }
        }
        if new_links[0].load(Acquire, section).tag() & MARK != 0 {
            // Removed while the tower was being built: make sure no level still links it.
            self.find(&new_ref.key, section);
        }
        // The levels never linked, and the insert's own reference.
        self.release(new, height - linked + 1, section);
        Ok(())
    }

    /// Removes `key`; true if it was present. Its value is freed once no reader holds it.
    ///
    /// ```
    /// let list = gracepoint::structures::SkipList::new(gracepoint::srcu::Srcu::new());
    /// list.insert(1, ()).unwrap();
    /// assert!(list.remove(&1));
    /// assert!(!list.remove(&1));
    /// ```
    pub fn remove(&self, key: &K) -> bool {
        self.remove_in(key, &Section::new(&self.domain))
    }

    /// [`remove`](SkipList::remove) in the caller's `section`.
    ///
    /// # Panics
    /// When `section` belongs to another domain.
    ///
    /// ```
    /// let list = gracepoint::structures::SkipList::new(gracepoint::epoch::Epoch::new());
    /// list.insert(1, ()).unwrap();
    /// let section = list.section();
    /// assert!(list.remove_in(&1, &section));
    /// ```
    #[track_caller]
    pub fn remove_in(&self, key: &K, section: &Section<'_, R>) -> bool {
        self.check(section);
        let position = self.find(key, section);
        let found = position.succs[0];
        // SAFETY: reached in `section` (see `find`).
        let Some(node) = (unsafe { found.as_ref() }) else {
            return false;
        };
        if node.key != *key {
            return false;
        }
        // SAFETY: as above.
        let node_links = unsafe { links(found) };
        // Top-down, so that a node unmarked at a level is unmarked at every level below.
        for link in node_links[1..].iter().rev() {
            link.fetch_or(MARK, AcqRel, section);
        }
        // The linearization point: the one remover that marks level 0 wins.
        if node_links[0].fetch_or(MARK, AcqRel, section).tag() & MARK != 0 {
            return false;
        }
        // Unlink it everywhere it is linked.
        self.find(key, section);
        true
    }

    /// The value stored under `key`, with the read section that keeps it alive.
    ///
    /// ```
    /// let list = gracepoint::structures::SkipList::new(gracepoint::gus::Gus::new());
    /// list.insert(3, String::from("three")).unwrap();
    /// assert_eq!(*list.get(&3).unwrap(), "three");
    /// assert!(list.get(&4).is_none());
    /// ```
    pub fn get(&self, key: &K) -> Option<Ref<'_, V, R>> {
        Ref::protect(Section::new(&self.domain), |section| {
            self.search(key, section)
        })
    }

    /// The value stored under `key`, valid while the caller's `section` is borrowed: no
    /// section of its own, so a run of lookups costs one section.
    ///
    /// # Panics
    /// When `section` belongs to another domain.
    ///
    /// ```
    /// let list = gracepoint::structures::SkipList::new(gracepoint::srcu::Srcu::new());
    /// list.insert(1, 10).unwrap();
    /// list.insert(2, 20).unwrap();
    /// let section = list.section();
    /// let sum: i32 = [1, 2].iter().filter_map(|k| list.get_in(k, &section)).sum();
    /// assert_eq!(sum, 30);
    /// ```
    #[track_caller]
    pub fn get_in<'g>(&'g self, key: &K, section: &'g Section<'_, R>) -> Option<&'g V> {
        self.check(section);
        self.search(key, section)
    }

    /// A lookup that writes nothing: it walks past marked nodes instead of unlinking them.
    fn search<'g>(&'g self, key: &K, section: &'g Section<'_, R>) -> Option<&'g V> {
        let mut pred: &'g [Atomic<Node<K, V>>] = &self.head;
        for level in (0..self.levels.load(Relaxed)).rev() {
            let mut curr = pred[level].load(Acquire, section).with_tag(0);
            while !curr.is_null() {
                // SAFETY: reached as argued in the module docs.
                let node = unsafe { curr.deref() };
                node.canary.check("gracepoint_structures::SkipList");
                let curr_links = unsafe { links(curr) };
                let succ = curr_links[level].load(Acquire, section);
                if succ.tag() & MARK != 0 {
                    // Being removed: walk past it, but never descend from it.
                    curr = succ.with_tag(0);
                } else if node.key < *key {
                    pred = curr_links;
                    curr = succ;
                } else {
                    if level == 0 && node.key == *key {
                        return Some(&node.value);
                    }
                    break;
                }
            }
        }
        None
    }

    /// Whether `key` is present.
    ///
    /// ```
    /// let list = gracepoint::structures::SkipList::new(gracepoint::srcu::Srcu::new());
    /// list.insert(7, ()).unwrap();
    /// assert!(list.contains(&7) && !list.contains(&8));
    /// ```
    pub fn contains(&self, key: &K) -> bool {
        self.search(key, &Section::new(&self.domain)).is_some()
    }

    fn walk(&self, section: &Section<'_, R>, mut f: impl FnMut(&K, &V) -> ControlFlow<()>) {
        let mut curr = self.head[0].load(Acquire, section);
        while !curr.is_null() {
            // SAFETY: reached at level 0 as `search` reaches nodes.
            let node = unsafe { curr.deref() };
            node.canary.check("gracepoint_structures::SkipList");
            let succ = unsafe { links(curr) }[0].load(Acquire, section);
            if succ.tag() & MARK == 0 && f(&node.key, &node.value).is_break() {
                return;
            }
            curr = succ.with_tag(0);
        }
    }

    /// Calls `f` on every entry, in key order (a snapshot of each node as it is passed).
    ///
    /// ```
    /// let list = gracepoint::structures::SkipList::new(gracepoint::srcu::Srcu::new());
    /// for k in [3, 1, 2] {
    ///     list.insert(k, ()).unwrap();
    /// }
    /// let mut keys = Vec::new();
    /// list.for_each(|k, _| keys.push(*k));
    /// assert_eq!(keys, [1, 2, 3]);
    /// ```
    pub fn for_each(&self, mut f: impl FnMut(&K, &V)) {
        self.walk(&Section::new(&self.domain), |k, v| {
            f(k, v);
            ControlFlow::Continue(())
        });
    }

    /// The number of entries (a walk: O(n), and approximate under concurrent updates).
    ///
    /// ```
    /// let list = gracepoint::structures::SkipList::new(gracepoint::gus::Gus::new());
    /// list.insert(1, ()).unwrap();
    /// assert_eq!(list.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        let mut n = 0;
        self.for_each(|_, _| n += 1);
        n
    }

    /// Whether there is no entry.
    ///
    /// ```
    /// let list = gracepoint::structures::SkipList::<u8, u8, _>::new(gracepoint::srcu::Srcu::new());
    /// assert!(list.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        let mut empty = true;
        self.walk(&Section::new(&self.domain), |_, _| {
            empty = false;
            ControlFlow::Break(())
        });
        empty
    }
}

impl<K, V, R: Reclaim> Drop for SkipList<K, V, R> {
    fn drop(&mut self) {
        // SAFETY (the whole function): `&mut self`, so no operation is running: every node
        // still linked somewhere is reached here, its `refs` counts exactly the levels that
        // still link it, and the walk from the top level down frees it at its lowest one,
        // after the last use of its links. Nodes already retired are the domain's to free.
        let guard = unsafe { reclaim::atomic::unprotected() };
        for level in (0..MAX_HEIGHT).rev() {
            let mut curr = self.head[level].swap(Shared::null(), Relaxed, guard);
            while !curr.is_null() {
                let node = curr.as_raw().cast_mut();
                let next = unsafe { node::tower(node) }[level].load(Relaxed, guard);
                if unsafe { &(*node).refs }.fetch_sub(1, Relaxed) == 1 {
                    unsafe { node::free::<K, V>(node.cast()) };
                }
                curr = next.with_tag(0);
            }
        }
    }
}

impl<K, V, R: Reclaim> fmt::Debug for SkipList<K, V, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SkipList").finish_non_exhaustive()
    }
}
