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
use crate::canary::Canary;

/// Edge bit: the leaf this edge leads to is being deleted.
const FLAG: usize = 1;
/// Edge bit: this edge is frozen; its node is being spliced out.
const TAG: usize = 2;

/// A real key, or one of the three sentinels above every real key (variant order is the
/// order).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key<K> {
    Finite(K),
    Inf0,
    Inf1,
    Inf2,
}

struct Node<K, V> {
    canary: Canary,
    key: Key<K>,
    /// Present in leaves with a finite key only.
    value: Option<V>,
    /// Both null in a leaf, both non-null in an internal node: never changes.
    left: Atomic<Node<K, V>>,
    right: Atomic<Node<K, V>>,
}

impl<K: Ord, V> Node<K, V> {
    fn new(key: Key<K>, value: Option<V>) -> Owned<Self> {
        Owned::new(Node {
            canary: Canary::new(),
            key,
            value,
            left: Atomic::null(),
            right: Atomic::null(),
        })
    }

    fn check(&self) -> &Self {
        self.canary.check("gracepoint_structures::Tree");
        self
    }

    /// Whether `key` is routed left at this node.
    fn goes_left(&self, key: &K) -> bool {
        match &self.key {
            Key::Finite(k) => key < k,
            _ => true,
        }
    }

    /// The child edge `key` is routed to, and the other one.
    fn edges(&self, key: &K) -> (&Atomic<Self>, &Atomic<Self>) {
        if self.goes_left(key) {
            (&self.left, &self.right)
        } else {
            (&self.right, &self.left)
        }
    }

    fn holds(&self, key: &K) -> bool {
        matches!(&self.key, Key::Finite(k) if k == key)
    }
}

/// The end of a search: the leaf where `key` is or would be, its parent, and the last clean
/// edge on the path, from `ancestor` to `successor`.
struct SeekRecord<'g, K, V> {
    ancestor: Shared<'g, Node<K, V>>,
    successor: Shared<'g, Node<K, V>>,
    parent: Shared<'g, Node<K, V>>,
    leaf: Shared<'g, Node<K, V>>,
    /// The parent's edge to `leaf` as loaded, with its flag and tag.
    leaf_edge: Shared<'g, Node<K, V>>,
}

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

    /// The sentinel `S`, whose left subtree holds every real key.
    fn sentinel<'g>(&'g self, section: &'g Section<'_, R>) -> Shared<'g, Node<K, V>> {
        // Relaxed: the root was stored before the tree was shared and never changes.
        let root = self.root.load(Relaxed, section);
        // SAFETY: the sentinels are freed only by the tree's drop.
        let root = unsafe { root.deref() }.check();
        // Relaxed: `S` is never spliced out (every deleted leaf lies below `S.left`, so `S`
        // is never a parent in a cleanup), and was published with the tree.
        root.left.load(Relaxed, section)
    }

    fn seek<'g>(&'g self, key: &K, section: &'g Section<'_, R>) -> SeekRecord<'g, K, V> {
        let s = self.sentinel(section);
        // SAFETY (every `deref` in this module): the node was reached from the root inside
        // `section`, and nodes are retired only through this section's domain, after the
        // compare-and-swap that unlinked them.
        let leaf_edge = unsafe { s.deref() }.check().left.load(Acquire, section);
        let mut record = SeekRecord {
            ancestor: self.root.load(Relaxed, section),
            successor: s,
            parent: s,
            leaf: leaf_edge.with_tag(0),
            leaf_edge,
        };
        loop {
            let node = unsafe { record.leaf.deref() }.check();
            // Acquire: the child's contents, published by the compare-and-swap that linked it.
            let below = node.edges(key).0.load(Acquire, section);
            if below.is_null() {
                return record; // a leaf
            }
            if record.leaf_edge.tag() & TAG == 0 {
                record.ancestor = record.parent;
                record.successor = record.leaf;
            }
            record.parent = record.leaf;
            record.leaf = below.with_tag(0);
            record.leaf_edge = below;
        }
    }

    /// Finishes the deletion of the flagged leaf below `record.parent` on `key`'s side (or of
    /// its flagged sibling): true if this call's compare-and-swap spliced it out.
    fn cleanup<'g>(
        &'g self,
        key: &K,
        record: &SeekRecord<'g, K, V>,
        section: &'g Section<'_, R>,
    ) -> bool {
        let ancestor = unsafe { record.ancestor.deref() }.check();
        let parent = unsafe { record.parent.deref() }.check();
        let (child_edge, sibling_edge) = parent.edges(key);
        // Acquire: as in `seek`.
        let child = child_edge.load(Acquire, section);
        // The edge that stays is the one whose leaf is not being deleted here.
        let (kept_edge, removed_edge) = if child.tag() & FLAG != 0 {
            (sibling_edge, child_edge)
        } else {
            (child_edge, sibling_edge)
        };
        // Freeze the kept edge. AcqRel: acquires the kept subtree, which is installed above.
        let kept = kept_edge.fetch_or(TAG, AcqRel, section);
        // Splice: the ancestor's clean edge now leads to the kept subtree, whose flag (a leaf
        // being deleted stays marked) moves with it and whose tag does not. AcqRel: releases
        // the kept subtree to readers of the ancestor, and acquires nothing new but keeps the
        // edge's release sequence. Relaxed on failure: the caller seeks again.
        let spliced = ancestor.edges(key).0.compare_exchange(
            record.successor,
            kept.with_tag(kept.tag() & FLAG),
            AcqRel,
            Relaxed,
            section,
        );
        if spliced.is_err() {
            return false;
        }
        // Retire what the splice unlinked: every node from the successor down to the parent,
        // each with the flagged leaf hanging off the path, and the parent's removed leaf.
        let mut node = record.successor;
        while node != record.parent {
            let internal = unsafe { node.deref() }.check();
            let (down, off) = internal.edges(key);
            // Acquire: as in `seek`. Both edges are marked, so they no longer change.
            let off_leaf = off.load(Acquire, section);
            debug_assert!(
                off_leaf.tag() & FLAG != 0,
                "gracepoint_structures::Tree: a node spliced out had an unflagged child off the path"
            );
            let next = down.load(Acquire, section).with_tag(0);
            // SAFETY: the splice above unlinked them, and only this thread's splice could
            // (their edges are all marked); each is retired once.
            unsafe {
                section.retire(off_leaf.with_tag(0));
                section.retire(node);
            }
            node = next;
        }
        let removed_leaf = removed_edge.load(Acquire, section).with_tag(0);
        // SAFETY: as above.
        unsafe {
            section.retire(removed_leaf);
            section.retire(record.parent);
        }
        true
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

/// Deterministic runs of the paths a two-core stress test rarely reaches: a deleter stalled
/// half-way, whose work another operation finishes.
#[cfg(all(test, feature = "testing", not(loom)))]
mod tests {
    use super::*;
    use crate::testing::Counting;

    type Counted = Tree<u64, u64, Counting<srcu::Srcu>>;

    fn tree_with(keys: &[u64]) -> Counted {
        let tree = Tree::new(Counting::new(srcu::Srcu::new()));
        for &k in keys {
            tree.insert(k, k).unwrap();
        }
        tree
    }

    /// A deleter of `key` that flags its leaf and, if `tag_sibling`, also freezes the sibling
    /// edge, then stalls before the splice.
    fn stall_delete(tree: &Counted, key: u64, tag_sibling: bool) {
        let section = Section::new(&tree.domain);
        let record = tree.seek(&key, &section);
        let parent = unsafe { record.parent.deref() };
        let (child, sibling) = parent.edges(&key);
        child
            .compare_exchange(
                record.leaf,
                record.leaf.with_tag(FLAG),
                AcqRel,
                Acquire,
                &section,
            )
            .unwrap();
        if tag_sibling {
            sibling.fetch_or(TAG, AcqRel, &section);
        }
    }

    fn keys(tree: &Counted) -> Vec<u64> {
        let mut keys = Vec::new();
        tree.for_each(|k, v| {
            assert_eq!(k, v);
            keys.push(*k)
        });
        keys
    }

    #[test]
    fn one_splice_removes_a_chain_of_stalled_deletions() {
        // Shape: I(∞₀)[ I(2)[ L1, I(3)[L2, L3] ], L∞₀ ].
        let tree = tree_with(&[1, 2, 3]);
        let counts = tree.domain.counts();
        // The deleter of 1 flags L1 and tags I(2)'s edge to I(3), then stalls: the path to 2
        // now crosses a tagged edge, so deleting 2 splices out I(2) and I(3) together.
        stall_delete(&tree, 1, true);
        assert!(!tree.contains(&1), "a flagged leaf is already deleted");
        assert!(tree.remove(&2));
        assert_eq!(
            counts.retired(),
            4,
            "L1, I(2), L2 and I(3) are retired once each"
        );
        assert_eq!(keys(&tree), [3]);
        assert!(
            !tree.remove(&1),
            "the stalled deletion was finished by the splice"
        );
        assert_eq!(counts.retired(), 4);
        tree.insert(1, 1).unwrap();
        assert_eq!(keys(&tree), [1, 3]);
        drop(tree);
        assert_eq!(counts.freed(), 4);
    }

    #[test]
    fn insert_helps_a_stalled_deletion_of_its_key() {
        let tree = tree_with(&[1, 2]);
        let counts = tree.domain.counts();
        stall_delete(&tree, 1, false);
        assert_eq!(
            tree.insert(1, 1),
            Ok(()),
            "the flagged 1 is gone; the insert helps first"
        );
        assert_eq!(
            counts.retired(),
            2,
            "the helper retires the old leaf and its parent"
        );
        assert_eq!(keys(&tree), [1, 2]);
    }

    #[test]
    fn remove_helps_a_stalled_deletion_next_to_it() {
        let tree = tree_with(&[1, 2]);
        let counts = tree.domain.counts();
        // 1 and 2 are siblings: the stalled deletion of 1 froze the edge to 2.
        stall_delete(&tree, 1, true);
        assert!(tree.remove(&2));
        assert!(tree.is_empty());
        assert_eq!(counts.retired(), 4);
    }

    #[test]
    fn a_deep_tree_is_walked_and_dropped_without_recursion() {
        const DEPTH: u32 = 3000;
        let tree = Tree::new(srcu::Srcu::new());
        for k in 0..DEPTH {
            tree.insert(k, ()).unwrap(); // sorted: every leaf hangs one level deeper
        }
        // A stack far too small for one frame per level.
        std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || {
                assert_eq!(tree.len(), DEPTH as usize);
                assert!(tree.contains(&(DEPTH - 1)));
                drop(tree);
            })
            .unwrap()
            .join()
            .unwrap();
    }
}
