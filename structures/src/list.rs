//! The Harris–Michael sorted linked list (Harris, DISC 2001; Michael, SPAA 2002).
//!
//! # Algorithm
//! Nodes are sorted by key. Removing a node takes two steps:
//! 1. *mark* it: set the low bit of its own `next` link (`DELETED`); from then on the link
//!    never changes, so no insert can slip in behind a node being removed, and the key is
//!    logically gone;
//! 2. *unlink* it: compare-and-swap its predecessor's link from the node to its successor.
//!
//! Every search (`Chain::find`) unlinks the marked nodes it meets, so a remover whose own
//! unlink failed leaves the job to the next search. This is Michael's variant: a search unlinks
//! marked nodes one at a time and restarts from the head when an unlink fails, where Harris's
//! original cut out a whole run of marked nodes with one compare-and-swap. One node per unlink
//! means one retire per winning compare-and-swap, which keeps "who retires what" trivial (and
//! the list would also suit hazard pointers, which Harris's original does not).
//!
//! # Reclamation
//! - Every operation runs inside one [`Section`] of the list's domain: a node reached by the
//!   traversal stays allocated until the operation returns, even if it is unlinked meanwhile.
//! - The thread whose compare-and-swap unlinks a node, and only that thread, retires it, so
//!   each node is retired exactly once. Nodes still linked when the list drops (marked or not)
//!   are freed by the drop.
//!
//! # Orderings
//! Links are read with `Acquire`, pairing with the `Release` of the compare-and-swap that
//! published the node they point to: a node's key, value and first link are visible to whoever
//! reaches it. Compare-and-swaps that write a link use `Release` (publishing a new node) or
//! `AcqRel` (unlinking: the successor they install was itself acquired, and is handed on).
//! Their failure orderings are `Relaxed` wherever the value found is not dereferenced (the
//! operation reloads with `Acquire` before use).
//!
//! ```
//! let list = gracepoint_structures::List::new(srcu::Srcu::new());
//! list.insert(2, "b").unwrap();
//! list.insert(1, "a").unwrap();
//! assert!(list.remove(&2));
//! assert_eq!(list.len(), 1);
//! ```

use core::fmt;

use reclaim::Reclaim;
use reclaim::atomic::{Atomic, Owned, Section, Shared};
use reclaim::sync::Ordering::{AcqRel, Acquire, Relaxed, Release};

use crate::Ref;
use crate::canary::Canary;

/// The tag on a node's `next` link saying that the node itself is logically deleted.
pub(crate) const DELETED: usize = 1;

pub(crate) struct Node<K, V> {
    canary: Canary,
    key: K,
    value: V,
    /// The successor; tagged [`DELETED`] once this node is logically removed.
    next: Atomic<Node<K, V>>,
}

/// Where a search stopped: the link that points at `curr`, and `curr`, the first node whose key
/// is not below the one searched (or null).
struct Position<'g, K, V> {
    prev: &'g Atomic<Node<K, V>>,
    curr: Shared<'g, Node<K, V>>,
    found: bool,
}

/// One sorted lock-free chain: the whole [`List`], or one bucket of a
/// [`HashMap`](crate::HashMap). `K` and `V` must be `Send + 'static` for retire; every method
/// takes a section of the domain that frees this chain's nodes.
pub(crate) struct Chain<K, V> {
    head: Atomic<Node<K, V>>,
}

impl<K: Ord + Send + Sync + 'static, V: Send + Sync + 'static> Chain<K, V> {
    pub(crate) fn new() -> Self {
        Self {
            head: Atomic::null(),
        }
    }

    /// Harris–Michael search: the position of `key`, unlinking and retiring marked nodes on
    /// the way.
    fn find<'g, R: Reclaim>(&'g self, key: &K, section: &'g Section<'_, R>) -> Position<'g, K, V> {
        'restart: loop {
            let mut prev = &self.head;
            // Acquire: pairs with the Release that published the first node.
            let mut curr = prev.load(Acquire, section);
            loop {
                // SAFETY (every `deref` below): `curr` was reached from the head inside
                // `section`, and nodes are retired only through this section's domain after
                // being unlinked.
                let Some(node) = (unsafe { curr.as_ref() }) else {
                    return Position {
                        prev,
                        curr,
                        found: false,
                    };
                };
                node.canary.check("gracepoint_structures::List");
                // Acquire: the successor's contents, published by the Release that linked it.
                let next = node.next.load(Acquire, section);
                if next.tag() == DELETED {
                    let succ = next.with_tag(0);
                    // AcqRel: releases `succ` (acquired just above) to whoever next reads
                    // `prev`. Relaxed on failure: we restart and reload.
                    match prev.compare_exchange(curr, succ, AcqRel, Relaxed, section) {
                        Ok(_) => {
                            // SAFETY: this compare-and-swap unlinked `curr`; no other thread
                            // can win it again, so it is retired once.
                            unsafe { section.retire(curr) };
                            curr = succ;
                            continue;
                        }
                        Err(_) => continue 'restart,
                    }
                }
                if node.key >= *key {
                    return Position {
                        prev,
                        curr,
                        found: node.key == *key,
                    };
                }
                prev = &node.next;
                curr = next;
            }
        }
    }

    pub(crate) fn insert<R: Reclaim>(
        &self,
        key: K,
        value: V,
        section: &Section<'_, R>,
    ) -> Result<(), (K, V)> {
        let mut new = Owned::new(Node {
            canary: Canary::new(),
            key,
            value,
            next: Atomic::null(),
        });
        loop {
            let pos = self.find(&new.key, section);
            if pos.found {
                let Node { key, value, .. } = *new.into_box();
                return Err((key, value));
            }
            // Relaxed: the node is still private; the Release below publishes it.
            new.next.store(pos.curr, Relaxed);
            // Release: publishes the node's key, value and link. Relaxed on failure: the
            // node comes back and we search again.
            match pos
                .prev
                .compare_exchange(pos.curr, new, Release, Relaxed, section)
            {
                Ok(_) => return Ok(()),
                Err(err) => new = err.new,
            }
        }
    }

    pub(crate) fn remove<R: Reclaim>(&self, key: &K, section: &Section<'_, R>) -> bool {
        loop {
            let pos = self.find(key, section);
            if !pos.found {
                return false;
            }
            // SAFETY: as in `find`.
            let node = unsafe { pos.curr.deref() };
            // Acquire: `next` is installed in `prev` below and must be visible there.
            let next = node.next.load(Acquire, section);
            if next.tag() == DELETED {
                // Another remover got there first; its search will report the key gone.
                continue;
            }
            // Marking is the linearization point. AcqRel: keeps `next`'s publication in the
            // release sequence readers of this link acquire. Relaxed on failure: we retry.
            if node
                .next
                .compare_exchange(next, next.with_tag(DELETED), AcqRel, Relaxed, section)
                .is_err()
            {
                continue;
            }
            // Logically removed by this call. Unlink it, or leave that to a search.
            // AcqRel as in `find`.
            if pos
                .prev
                .compare_exchange(pos.curr, next, AcqRel, Relaxed, section)
                .is_ok()
            {
                // SAFETY: as in `find`: this compare-and-swap unlinked it.
                unsafe { section.retire(pos.curr) };
            } else {
                self.find(key, section);
            }
            return true;
        }
    }

    /// The value of `key`, if present and not marked. It never writes and never restarts: it
    /// does not help unlink.
    pub(crate) fn get<'g, R: Reclaim>(
        &'g self,
        key: &K,
        section: &'g Section<'_, R>,
    ) -> Option<&'g V> {
        // Acquire on every link, as in `find`.
        let mut curr = self.head.load(Acquire, section);
        // SAFETY: as in `find`; a marked node still points at a node that was its successor
        // when it was marked, which was not yet retired when this section began.
        while let Some(node) = unsafe { curr.as_ref() } {
            node.canary.check("gracepoint_structures::List");
            let next = node.next.load(Acquire, section);
            if node.key >= *key {
                return (node.key == *key && next.tag() != DELETED).then_some(&node.value);
            }
            curr = next.with_tag(0);
        }
        None
    }

    /// Calls `f` on every entry not marked deleted, in key order.
    pub(crate) fn for_each<R: Reclaim>(
        &self,
        section: &Section<'_, R>,
        f: &mut impl FnMut(&K, &V),
    ) {
        let mut curr = self.head.load(Acquire, section);
        // SAFETY: as in `get`.
        while let Some(node) = unsafe { curr.as_ref() } {
            node.canary.check("gracepoint_structures::List");
            let next = node.next.load(Acquire, section);
            if next.tag() != DELETED {
                f(&node.key, &node.value);
            }
            curr = next.with_tag(0);
        }
    }
}

impl<K, V> Chain<K, V> {
    /// Whether no entry is present (marked entries do not count).
    pub(crate) fn is_empty<R: Reclaim>(&self, section: &Section<'_, R>) -> bool {
        let mut curr = self.head.load(Acquire, section);
        // SAFETY: as in `get`.
        while let Some(node) = unsafe { curr.as_ref() } {
            node.canary.check("gracepoint_structures::List");
            let next = node.next.load(Acquire, section);
            if next.tag() != DELETED {
                return false;
            }
            curr = next.with_tag(0);
        }
        true
    }
}

impl<K, V> Drop for Chain<K, V> {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no section of this structure is open, and every node still
        // linked (marked or not) was never retired, so this is its only owner.
        let mut curr = unsafe { self.head.load_unprotected(Relaxed) };
        while !curr.is_null() {
            let node = unsafe { curr.into_owned() };
            curr = unsafe { node.next.load_unprotected(Relaxed) }.with_tag(0);
        }
    }
}

/// A lock-free sorted linked list mapping `K` to `V`, freeing removed entries through the
/// domain `R` it owns.
///
/// Operations take O(n) steps: use it for small sets, or as a building block (each bucket of
/// [`HashMap`](crate::HashMap) is one). Readers never block writers nor each other; a reader
/// that holds a [`Ref`] keeps only the entries it can see from being freed, but it does hold a
/// read section open, which delays every reclamation in the domain.
///
/// ```
/// use gracepoint_structures::List;
/// let list = List::new(srcu::Srcu::new());
/// std::thread::scope(|s| {
///     for t in 0..2u64 {
///         let list = &list;
///         s.spawn(move || {
///             for k in 0..50 {
///                 list.insert(k * 2 + t, k).unwrap();
///             }
///         });
///     }
/// });
/// assert_eq!(list.len(), 100);
/// assert_eq!(*list.get(&7).unwrap(), 3);
/// ```
pub struct List<K, V, R: Reclaim> {
    chain: Chain<K, V>,
    domain: R,
}

/// Inserting, removing, looking up and visiting entries, from any number of threads.
///
/// ```
/// let list = gracepoint_structures::List::new(gus::Gus::new());
/// list.insert(2, "two").unwrap();
/// list.insert(1, "one").unwrap();
/// assert_eq!(list.insert(1, "uno"), Err((1, "uno"))); // keys are unique
/// assert_eq!(*list.get(&1).unwrap(), "one");
/// let mut keys = Vec::new();
/// list.for_each(|key, _| keys.push(*key));
/// assert_eq!(keys, [1, 2]); // in key order
/// assert!(list.remove(&1) && !list.contains(&1));
/// assert_eq!(list.len(), 1);
/// ```
impl<K, V, R> List<K, V, R>
where
    K: Ord + Send + Sync + 'static,
    V: Send + Sync + 'static,
    R: Reclaim,
{
    /// An empty list whose removed nodes are freed through `domain`.
    ///
    /// ```
    /// let list = gracepoint_structures::List::<u32, String, _>::new(gus::Gus::new());
    /// assert!(list.is_empty());
    /// ```
    pub fn new(domain: R) -> Self {
        Self {
            chain: Chain::new(),
            domain,
        }
    }

    /// The reclamation domain.
    ///
    /// ```
    /// use reclaim::Reclaim;
    /// let list = gracepoint_structures::List::<u32, u32, _>::new(srcu::Srcu::new());
    /// list.domain().barrier();
    /// ```
    pub fn domain(&self) -> &R {
        &self.domain
    }

    /// Inserts `key` → `value`. If `key` is already present, nothing changes and both are
    /// given back.
    ///
    /// ```
    /// let list = gracepoint_structures::List::new(srcu::Srcu::new());
    /// assert_eq!(list.insert(1, "one"), Ok(()));
    /// assert_eq!(list.insert(1, "uno"), Err((1, "uno")));
    /// ```
    pub fn insert(&self, key: K, value: V) -> Result<(), (K, V)> {
        self.chain.insert(key, value, &Section::new(&self.domain))
    }

    /// Removes `key`; true if this call removed it. The entry is dropped once no reader can
    /// see it any more.
    ///
    /// ```
    /// let list = gracepoint_structures::List::new(srcu::Srcu::new());
    /// list.insert(5, ()).unwrap();
    /// assert!(list.remove(&5));
    /// assert!(!list.remove(&5));
    /// ```
    pub fn remove(&self, key: &K) -> bool {
        self.chain.remove(key, &Section::new(&self.domain))
    }

    /// The value of `key`, if present, borrowed through a [`Ref`] that keeps it alive.
    ///
    /// ```
    /// let list = gracepoint_structures::List::new(srcu::Srcu::new());
    /// list.insert(2, String::from("two")).unwrap();
    /// let value = list.get(&2).unwrap();
    /// list.remove(&2); // the entry is gone, but `value` still reads it safely
    /// assert_eq!(*value, "two");
    /// assert!(list.get(&2).is_none());
    /// ```
    pub fn get(&self, key: &K) -> Option<Ref<'_, V, R>> {
        Ref::protect(Section::new(&self.domain), |section| {
            self.chain.get(key, section)
        })
    }

    /// Whether `key` is present.
    ///
    /// ```
    /// let list = gracepoint_structures::List::new(srcu::Srcu::new());
    /// list.insert(4, ()).unwrap();
    /// assert!(list.contains(&4));
    /// assert!(!list.contains(&3));
    /// ```
    pub fn contains(&self, key: &K) -> bool {
        self.chain.get(key, &Section::new(&self.domain)).is_some()
    }

    /// Calls `f` on every entry in key order, inside one read section. Under concurrent
    /// updates it sees each entry that stays present throughout, and may or may not see the
    /// others.
    ///
    /// ```
    /// let list = gracepoint_structures::List::new(srcu::Srcu::new());
    /// for k in [3, 1, 2] {
    ///     list.insert(k, k * 10).unwrap();
    /// }
    /// let mut seen = Vec::new();
    /// list.for_each(|k, v| seen.push((*k, *v)));
    /// assert_eq!(seen, [(1, 10), (2, 20), (3, 30)]);
    /// ```
    pub fn for_each(&self, mut f: impl FnMut(&K, &V)) {
        self.chain.for_each(&Section::new(&self.domain), &mut f)
    }

    /// The number of entries (a snapshot that may be stale under concurrent updates).
    ///
    /// ```
    /// let list = gracepoint_structures::List::new(srcu::Srcu::new());
    /// list.insert(1, ()).unwrap();
    /// list.insert(9, ()).unwrap();
    /// assert_eq!(list.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        let mut n = 0;
        self.for_each(|_, _| n += 1);
        n
    }

    /// Whether the list is empty.
    ///
    /// ```
    /// let list = gracepoint_structures::List::<u8, u8, _>::new(srcu::Srcu::new());
    /// assert!(list.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.chain.is_empty(&Section::new(&self.domain))
    }
}

impl<K, V, R: Reclaim> fmt::Debug for List<K, V, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("List").finish_non_exhaustive()
    }
}

#[cfg(all(test, feature = "testing", not(loom)))]
mod tests {
    use super::*;
    use crate::testing::Counting;

    #[test]
    fn a_search_unlinks_and_retires_a_node_its_remover_left_marked() {
        let list = List::new(Counting::new(srcu::Srcu::new()));
        let counts = list.domain().counts();
        for k in 1..=3u64 {
            list.insert(k, k).unwrap();
        }
        {
            // A remover of 2 that marks the node and stalls before unlinking it.
            let section = Section::new(&list.domain);
            let pos = list.chain.find(&2, &section);
            let node = unsafe { pos.curr.deref() };
            let next = node.next.load(Acquire, &section);
            node.next
                .compare_exchange(next, next.with_tag(DELETED), AcqRel, Relaxed, &section)
                .unwrap();
        }
        assert!(list.get(&2).is_none(), "a marked node is already removed");
        assert_eq!(list.len(), 2);
        assert_eq!(counts.retired(), 0, "reads do not unlink");
        assert!(
            list.insert(4, 4).is_ok(),
            "this search passes the marked node and unlinks it"
        );
        assert_eq!(counts.retired(), 1);
        assert!(!list.remove(&2));
        assert_eq!(counts.retired(), 1);
        drop(list);
        assert_eq!(counts.freed(), 1);
    }
}
