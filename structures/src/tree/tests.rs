//! Deterministic runs of the paths a two-core stress test rarely reaches: a deleter stalled
//! half-way, whose work another operation finishes.

use super::node::TAG;
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
    // Sorted inserts cost quadratic time, which Miri (a thousand times slower) cannot afford at
    // full depth; Miri does not bound a thread's stack by `stack_size` either, so under Miri
    // this checks the walk and the drop, not the absence of recursion.
    const DEPTH: u32 = if cfg!(miri) { 100 } else { 3000 };
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
