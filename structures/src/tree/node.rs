//! The tree's nodes, their keys and edge marks, and the search and cleanup that every
//! operation of [`Tree`](super::Tree) runs (see the [module docs](super) for the algorithm).

use reclaim::Reclaim;
use reclaim::atomic::{Atomic, Owned, Section, Shared};
use reclaim::sync::Ordering::{AcqRel, Acquire, Relaxed};

use super::Tree;
use crate::canary::Canary;

/// Edge bit: the leaf this edge leads to is being deleted.
pub(super) const FLAG: usize = 1;
/// Edge bit: this edge is frozen; its node is being spliced out.
pub(super) const TAG: usize = 2;

/// A real key, or one of the three sentinels above every real key (variant order is the
/// order).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Key<K> {
    Finite(K),
    Inf0,
    Inf1,
    Inf2,
}

pub(super) struct Node<K, V> {
    pub(super) canary: Canary,
    pub(super) key: Key<K>,
    /// Present in leaves with a finite key only.
    pub(super) value: Option<V>,
    /// Both null in a leaf, both non-null in an internal node: never changes.
    pub(super) left: Atomic<Node<K, V>>,
    pub(super) right: Atomic<Node<K, V>>,
}

impl<K: Ord, V> Node<K, V> {
    pub(super) fn new(key: Key<K>, value: Option<V>) -> Owned<Self> {
        Owned::new(Node {
            canary: Canary::new(),
            key,
            value,
            left: Atomic::null(),
            right: Atomic::null(),
        })
    }

    pub(super) fn check(&self) -> &Self {
        self.canary.check("gracepoint_structures::Tree");
        self
    }

    /// Whether `key` is routed left at this node.
    pub(super) fn goes_left(&self, key: &K) -> bool {
        match &self.key {
            Key::Finite(k) => key < k,
            _ => true,
        }
    }

    /// The child edge `key` is routed to, and the other one.
    pub(super) fn edges(&self, key: &K) -> (&Atomic<Self>, &Atomic<Self>) {
        if self.goes_left(key) {
            (&self.left, &self.right)
        } else {
            (&self.right, &self.left)
        }
    }

    pub(super) fn holds(&self, key: &K) -> bool {
        matches!(&self.key, Key::Finite(k) if k == key)
    }
}

/// The end of a search: the leaf where `key` is or would be, its parent, and the last clean
/// edge on the path, from `ancestor` to `successor`.
pub(super) struct SeekRecord<'g, K, V> {
    pub(super) ancestor: Shared<'g, Node<K, V>>,
    pub(super) successor: Shared<'g, Node<K, V>>,
    pub(super) parent: Shared<'g, Node<K, V>>,
    pub(super) leaf: Shared<'g, Node<K, V>>,
    /// The parent's edge to `leaf` as loaded, with its flag and tag.
    pub(super) leaf_edge: Shared<'g, Node<K, V>>,
}

/// The search and the cleanup that every operation runs (see the [module docs](super)).
///
/// ```
/// let tree = gracepoint::structures::Tree::new(gracepoint::srcu::Srcu::new());
/// tree.insert(2, ()).unwrap(); // a seek, then a compare-and-swap
/// assert!(tree.remove(&2)); // a seek, an injection, and a cleanup
/// ```
impl<K, V, R> Tree<K, V, R>
where
    K: Ord + Clone + Send + Sync + 'static,
    V: Send + Sync + 'static,
    R: Reclaim,
{
    /// The sentinel `S`, whose left subtree holds every real key.
    pub(super) fn sentinel<'g>(&'g self, section: &'g Section<'_, R>) -> Shared<'g, Node<K, V>> {
        // Relaxed: the root was stored before the tree was shared and never changes.
        let root = self.root.load(Relaxed, section);
        // SAFETY: the sentinels are freed only by the tree's drop.
        let root = unsafe { root.deref() }.check();
        // Relaxed: `S` is never spliced out (every deleted leaf lies below `S.left`, so `S`
        // is never a parent in a cleanup), and was published with the tree.
        root.left.load(Relaxed, section)
    }

    pub(super) fn seek<'g>(&'g self, key: &K, section: &'g Section<'_, R>) -> SeekRecord<'g, K, V> {
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
    pub(super) fn cleanup<'g>(
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
}
