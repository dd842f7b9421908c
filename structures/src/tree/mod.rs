//! The Natarajan–Mittal lock-free external binary search tree (Natarajan and Mittal,
//! "Fast Concurrent Lock-Free Binary Search Trees", PPoPP 2014).
//!
//! # Algorithm
//! *External*: entries live in the leaves; internal nodes only route (`key < node.key` goes
//! left, otherwise right) and always have two children. Three sentinel keys above every real
//! key, ∞₀ < ∞₁ < ∞₂, make the top of the tree fixed: the root `R` (∞₂) has left child `S`
//! (∞₁), and every real key lives in `S`'s left subtree, so neither ever moves.
//!
//! Deletion marks *edges*, not nodes, with two bits in the child links:
//! - **flag** (`FLAG`): the leaf at the end of this edge is being deleted. Setting it (the
//!   *injection*) is the deletion's linearization point;
//! - **tag** (`TAG`): this edge is frozen, because its node is about to be spliced out.
//!
//! A marked edge never changes again. To finish deleting leaf `L` under parent `P`, *cleanup*
//! tags `P`'s other edge (to the sibling `S'`) and then swings the edge of the closest
//! ancestor whose edge on the search path is clean, from its child (the *successor*) to `S'`.
//! Between the successor and `P`, every edge on the path is tagged: each node there is being
//! spliced out by another deletion, whose flagged leaf hangs off the path. The one
//! compare-and-swap removes all of them at once.
//!
//! An insert replaces a leaf by a new internal node whose children are that leaf and the new
//! one. Inserts and deletes that meet a marked edge help finish the deletion before retrying.
//!
//! # Reclamation
//! The thread whose compare-and-swap on the ancestor's edge succeeds (the deleter or any
//! helper) retires everything that compare-and-swap unlinked: walking the search path from the
//! successor down to `P`, each node on it and the flagged leaf hanging off it, then `P`'s
//! flagged leaf. Those nodes' edges are all marked, so no other compare-and-swap can unlink
//! them again: each is retired exactly once. Each operation runs in one read section, so every
//! node a traversal reached stays allocated (and cannot come back at the same address, which
//! rules out ABA on the edges) until it returns.
//!
//! # Orderings
//! Edges are loaded with `Acquire`, pairing with the `Release` (or `AcqRel`) compare-and-swap
//! that stored the node they point to, so a node's key, value and children are visible to
//! whoever reaches it. A compare-and-swap that moves an existing subtree (cleanup) is `AcqRel`:
//! it hands on a subtree it acquired.
//!
//! The tree is not balanced: keys inserted in sorted order make it a list. Operations are
//! iterative, so a deep tree is slow but never overflows the stack.
//!
//! ```
//! let tree = gracepoint_structures::Tree::new(srcu::Srcu::new());
//! for k in [5, 3, 8] {
//!     tree.insert(k, ()).unwrap();
//! }
//! assert!(tree.remove(&3));
//! assert!(!tree.contains(&3));
//! ```

use core::fmt;
use core::ops::ControlFlow;

use alloc::vec::Vec;
use reclaim::Reclaim;
use reclaim::atomic::{Atomic, Owned, Section, Shared};
use reclaim::sync::Ordering::{AcqRel, Acquire, Relaxed, Release};

use crate::Ref;

mod node;
#[cfg(all(test, feature = "testing", not(loom)))]
mod tests;

use node::{FLAG, Key, Node};

/// A lock-free ordered map from `K` to `V` (an unbalanced external binary search tree),
/// freeing removed entries through the domain `R` it owns.
///
/// ```
/// use gracepoint_structures::Tree;
/// let tree = Tree::new(srcu::Srcu::new());
/// std::thread::scope(|s| {
///     for t in 0..2u64 {
///         let tree = &tree;
///         s.spawn(move || {
///             for k in 0..100 {
///                 tree.insert((k * 37 + t) % 200, k).unwrap_or(());
///             }
///         });
///     }
/// });
/// let mut keys = Vec::new();
/// tree.for_each(|k, _| keys.push(*k));
/// assert!(keys.windows(2).all(|w| w[0] < w[1]));
/// ```
pub struct Tree<K, V, R: Reclaim> {
    /// `R`, the root sentinel: set at construction, never changed.
    root: Atomic<Node<K, V>>,
    domain: R,
}

/// Inserting, removing, looking up and visiting entries, from any number of threads.
///
/// ```
/// let tree = gracepoint_structures::Tree::new(srcu::Srcu::new());
/// for key in [5, 1, 9, 3] {
///     tree.insert(key, key * 10).unwrap();
/// }
/// assert_eq!(tree.insert(5, 0), Err((5, 0))); // keys are unique
/// assert_eq!(*tree.get(&9).unwrap(), 90);
/// assert!(tree.remove(&1) && !tree.contains(&1));
/// let mut keys = Vec::new();
/// tree.for_each(|key, _| keys.push(*key));
/// assert_eq!(keys, [3, 5, 9]); // in key order
/// assert_eq!(tree.len(), 3);
/// ```
impl<K, V, R> Tree<K, V, R>
where
    K: Ord + Clone + Send + Sync + 'static,
    V: Send + Sync + 'static,
    R: Reclaim,
{
    /// An empty tree whose removed nodes are freed through `domain`.
    ///
    /// ```
    /// let tree = gracepoint_structures::Tree::<u32, u32, _>::new(gus::Gus::new());
    /// assert!(tree.is_empty());
    /// ```
    pub fn new(domain: R) -> Self {
        let leaf = |key| Atomic::from(Node::new(key, None));
        let mut s = Node::new(Key::Inf1, None);
        (s.left, s.right) = (leaf(Key::Inf0), leaf(Key::Inf1));
        let mut r = Node::new(Key::Inf2, None);
        (r.left, r.right) = (Atomic::from(s), leaf(Key::Inf2));
        Self {
            root: Atomic::from(r),
            domain,
        }
    }

    /// The reclamation domain.
    ///
    /// ```
    /// use reclaim::Reclaim;
    /// let tree = gracepoint_structures::Tree::<u32, u32, _>::new(srcu::Srcu::new());
    /// tree.domain().barrier();
    /// ```
    pub fn domain(&self) -> &R {
        &self.domain
    }

    /// Inserts `key` → `value`. If `key` is already present, nothing changes and both are
    /// given back.
    ///
    /// ```
    /// let tree = gracepoint_structures::Tree::new(srcu::Srcu::new());
    /// assert_eq!(tree.insert(1, "one"), Ok(()));
    /// assert_eq!(tree.insert(1, "uno"), Err((1, "uno")));
    /// ```
    pub fn insert(&self, key: K, value: V) -> Result<(), (K, V)> {
        let section = Section::new(&self.domain);
        let new_leaf = Node::new(Key::Finite(key), Some(value)).into_shared(&section);
        // SAFETY: ours until published; once published, protected by `section` as any node.
        let new_node = unsafe { new_leaf.deref() };
        let Key::Finite(key) = &new_node.key else {
            unreachable!()
        };
        let mut spare: Option<Owned<Node<K, V>>> = None;
        loop {
            let record = self.seek(key, &section);
            let leaf = unsafe { record.leaf.deref() }.check();
            if leaf.holds(key) {
                if record.leaf_edge.tag() & FLAG != 0 {
                    // Being deleted: help it out, then insert.
                    self.cleanup(key, &record, &section);
                    continue;
                }
                // SAFETY: never published; this is its only owner.
                let node = unsafe { new_leaf.into_owned() }.into_box();
                let Node {
                    key: Key::Finite(key),
                    value: Some(value),
                    ..
                } = *node
                else {
                    unreachable!()
                };
                return Err((key, value));
            }
            // The new internal node routes between the old leaf and the new one.
            let (router, left, right) = if leaf.goes_left(key) {
                (leaf.key.clone(), new_leaf, record.leaf)
            } else {
                (Key::Finite(key.clone()), record.leaf, new_leaf)
            };
            let mut internal = spare.take().unwrap_or_else(|| Node::new(Key::Inf0, None));
            internal.key = router;
            // Relaxed: private until the Release below publishes it.
            internal.left.store(left, Relaxed);
            internal.right.store(right, Relaxed);
            let parent = unsafe { record.parent.deref() }.check();
            // Release: publishes the internal node and the new leaf. Acquire on failure: the
            // edge found is examined (and its node helped) below.
            match parent.edges(key).0.compare_exchange(
                record.leaf,
                internal,
                Release,
                Acquire,
                &section,
            ) {
                Ok(_) => return Ok(()),
                Err(err) => {
                    spare = Some(err.new);
                    let edge = err.current;
                    if edge.with_tag(0) == record.leaf && edge.tag() != 0 {
                        self.cleanup(key, &record, &section);
                    }
                }
            }
        }
    }

    /// Removes `key`; true if this call removed it. The entry is dropped once no reader can
    /// see it any more.
    ///
    /// ```
    /// let tree = gracepoint_structures::Tree::new(srcu::Srcu::new());
    /// tree.insert(5, ()).unwrap();
    /// assert!(tree.remove(&5));
    /// assert!(!tree.remove(&5));
    /// ```
    pub fn remove(&self, key: &K) -> bool {
        let section = Section::new(&self.domain);
        let mut injected = None;
        loop {
            let record = self.seek(key, &section);
            match injected {
                None => {
                    let leaf = unsafe { record.leaf.deref() }.check();
                    if !leaf.holds(key) {
                        return false;
                    }
                    let parent = unsafe { record.parent.deref() }.check();
                    // Injection, the linearization point: flag the edge to the leaf.
                    // AcqRel: keeps the edge's release sequence for readers of the leaf.
                    // Acquire on failure: the edge found is examined below.
                    match parent.edges(key).0.compare_exchange(
                        record.leaf,
                        record.leaf.with_tag(FLAG),
                        AcqRel,
                        Acquire,
                        &section,
                    ) {
                        Ok(_) => {
                            injected = Some(record.leaf);
                            if self.cleanup(key, &record, &section) {
                                return true;
                            }
                        }
                        Err(err) => {
                            let edge = err.current;
                            if edge.with_tag(0) == record.leaf && edge.tag() != 0 {
                                self.cleanup(key, &record, &section);
                            }
                        }
                    }
                }
                Some(leaf) => {
                    // Someone else's splice removed our flagged leaf: done.
                    if record.leaf != leaf {
                        return true;
                    }
                    if self.cleanup(key, &record, &section) {
                        return true;
                    }
                }
            }
        }
    }

    /// The value of `key`, if present, borrowed through a [`Ref`] that keeps it alive.
    ///
    /// ```
    /// let tree = gracepoint_structures::Tree::new(srcu::Srcu::new());
    /// tree.insert(2, 20).unwrap();
    /// assert_eq!(tree.get(&2).map(|v| *v), Some(20));
    /// assert!(tree.get(&3).is_none());
    /// ```
    pub fn get(&self, key: &K) -> Option<Ref<'_, V, R>> {
        Ref::protect(Section::new(&self.domain), |section| {
            self.find(key, section)
        })
    }

    fn find<'g>(&'g self, key: &K, section: &'g Section<'_, R>) -> Option<&'g V> {
        let record = self.seek(key, section);
        let leaf = unsafe { record.leaf.deref() };
        // A flagged leaf is already deleted (its injection was the linearization point).
        if leaf.holds(key) && record.leaf_edge.tag() & FLAG == 0 {
            leaf.value.as_ref()
        } else {
            None
        }
    }

    /// Whether `key` is present.
    ///
    /// ```
    /// let tree = gracepoint_structures::Tree::new(srcu::Srcu::new());
    /// tree.insert(4, ()).unwrap();
    /// assert!(tree.contains(&4));
    /// assert!(!tree.contains(&3));
    /// ```
    pub fn contains(&self, key: &K) -> bool {
        self.find(key, &Section::new(&self.domain)).is_some()
    }

    /// Visits the entries in key order until `f` breaks.
    fn walk(&self, section: &Section<'_, R>, mut f: impl FnMut(&K, &V) -> ControlFlow<()>) {
        let s = unsafe { self.sentinel(section).deref() }.check();
        let mut pending = Vec::new();
        pending.push(s.left.load(Acquire, section));
        while let Some(edge) = pending.pop() {
            let node = unsafe { edge.with_tag(0).deref() }.check();
            // Acquire: as in `seek`.
            let (left, right) = (
                node.left.load(Acquire, section),
                node.right.load(Acquire, section),
            );
            if left.is_null() {
                if let (Key::Finite(k), Some(v)) = (&node.key, &node.value)
                    && edge.tag() & FLAG == 0
                    && f(k, v).is_break()
                {
                    return;
                }
            } else {
                // Right first, so that the left subtree is visited first.
                pending.push(right);
                pending.push(left);
            }
        }
    }

    /// Calls `f` on every entry in key order, inside one read section. Under concurrent
    /// updates it sees each entry that stays present throughout, and may or may not see the
    /// others.
    ///
    /// ```
    /// let tree = gracepoint_structures::Tree::new(srcu::Srcu::new());
    /// for k in [3, 1, 2] {
    ///     tree.insert(k, k * 10).unwrap();
    /// }
    /// let mut seen = Vec::new();
    /// tree.for_each(|k, v| seen.push((*k, *v)));
    /// assert_eq!(seen, [(1, 10), (2, 20), (3, 30)]);
    /// ```
    pub fn for_each(&self, mut f: impl FnMut(&K, &V)) {
        self.walk(&Section::new(&self.domain), |k, v| {
            f(k, v);
            ControlFlow::Continue(())
        });
    }

    /// The number of entries (a snapshot that may be stale under concurrent updates).
    ///
    /// ```
    /// let tree = gracepoint_structures::Tree::new(srcu::Srcu::new());
    /// tree.insert(1, ()).unwrap();
    /// tree.insert(9, ()).unwrap();
    /// assert_eq!(tree.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        let mut n = 0;
        self.for_each(|_, _| n += 1);
        n
    }

    /// Whether the tree is empty.
    ///
    /// ```
    /// let tree = gracepoint_structures::Tree::<u8, u8, _>::new(srcu::Srcu::new());
    /// assert!(tree.is_empty());
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

impl<K, V, R: Reclaim> Drop for Tree<K, V, R> {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no operation is running; every node still reachable from the
        // root (marked edges included) was never retired, so this is its only owner.
        let mut pending: Vec<Shared<'_, Node<K, V>>> = Vec::new();
        pending.push(unsafe { self.root.load_unprotected(Relaxed) });
        while let Some(edge) = pending.pop() {
            let node = unsafe { edge.with_tag(0).into_owned() };
            for child in [&node.left, &node.right] {
                let child = unsafe { child.load_unprotected(Relaxed) };
                if !child.is_null() {
                    pending.push(child);
                }
            }
        }
    }
}

impl<K, V, R: Reclaim> fmt::Debug for Tree<K, V, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tree").finish_non_exhaustive()
    }
}
