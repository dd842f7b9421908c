//! The skip list's nodes: a header and a tower of links of the node's own height, in one
//! allocation with a layout computed at run time, so they cannot be `Owned<T>` (a `Box<T>`).
//! They enter links through `Shared::from_raw` and leave through `Section::retire_raw` with
//! [`free`], which drops the header and gives the memory back with the same layout.
//!
//! Links point to the header type `Node<K, V>`. The tower is reached from the *raw* node
//! pointer (the allocation's provenance), never from a `&Node`, whose provenance covers the
//! header only.

use alloc::alloc::{Layout, alloc, dealloc, handle_alloc_error};
use core::ptr;

use reclaim::atomic::{Atomic, Shared};
use reclaim::sync::AtomicUsize;

use crate::canary::Canary;

/// Tower height of the head, and the most any node gets: 2^16 keys per level-16 node on
/// average, plenty for the sizes a skip list is used at.
pub(super) const MAX_HEIGHT: usize = 16;

/// Link bit: the node that owns this link is being removed (at this level).
pub(super) const MARK: usize = 1;

/// The header; `height` links follow it in the same allocation.
#[repr(C)]
pub(super) struct Node<K, V> {
    pub(super) canary: Canary,
    pub(super) key: K,
    pub(super) value: V,
    pub(super) height: usize,
    /// The levels at which the node is, or may still become, linked, plus one while its
    /// insert is still building the tower. Each successful unlink at a level takes one, the
    /// insert gives back the levels it never linked and its own one; whoever takes the last
    /// retires the node, exactly once.
    pub(super) refs: AtomicUsize,
}

/// The layout of a node of `height` links, and the offset of its tower.
fn layout<K, V>(height: usize) -> (Layout, usize) {
    let links = Layout::array::<Atomic<Node<K, V>>>(height).expect("a tower of at most 16 links");
    let (layout, offset) = Layout::new::<Node<K, V>>()
        .extend(links)
        .expect("a node's layout fits in memory");
    (layout.pad_to_align(), offset)
}

/// A new node of `height` links, all null, with `refs = height + 1` (see [`Node::refs`]).
pub(super) fn allocate<K, V>(key: K, value: V, height: usize) -> *mut Node<K, V> {
    debug_assert!((1..=MAX_HEIGHT).contains(&height));
    let (layout, offset) = layout::<K, V>(height);
    // SAFETY: the layout has a non-zero size (the header has fields).
    let node = unsafe { alloc(layout) }.cast::<Node<K, V>>();
    if node.is_null() {
        handle_alloc_error(layout);
    }
    // SAFETY: `node` is a fresh allocation of `layout`: room for the header at offset 0 and
    // `height` links at `offset`, each aligned.
    unsafe {
        node.write(Node {
            canary: Canary::new(),
            key,
            value,
            height,
            refs: AtomicUsize::new(height + 1),
        });
        let tower = node.cast::<u8>().add(offset).cast::<Atomic<Node<K, V>>>();
        for level in 0..height {
            tower.add(level).write(Atomic::null());
        }
    }
    node
}

/// The node's links, from its raw pointer.
///
/// # Safety
/// `node` came from [`allocate`] and is not freed for `'a`.
pub(super) unsafe fn tower<'a, K, V>(node: *const Node<K, V>) -> &'a [Atomic<Node<K, V>>] {
    let (_, offset) = layout::<K, V>(0);
    // SAFETY: the caller's promise; `height` links were written at `offset` by `allocate`, and
    // the pointer keeps the whole allocation's provenance.
    unsafe {
        let height = (*node).height;
        core::slice::from_raw_parts(
            node.cast::<u8>().add(offset).cast::<Atomic<Node<K, V>>>(),
            height,
        )
    }
}

/// The links of the node `shared` points to (its tag ignored), for as long as it is protected.
///
/// # Safety
/// `shared` is not null, points to a node from [`allocate`], and is protected for `'g` (loaded
/// in a section of the list's domain, or owned).
pub(super) unsafe fn links<'g, K, V>(shared: Shared<'g, Node<K, V>>) -> &'g [Atomic<Node<K, V>>] {
    // SAFETY: the caller's promise.
    unsafe { tower(shared.as_raw()) }
}

/// Drops a node's header and frees its memory: the deleter a retire hands to the domain.
///
/// # Safety
/// `node` came from [`allocate`] (as `*mut Node<K, V>`), is unreachable, and is freed once.
pub(super) unsafe fn free<K, V>(node: *mut ()) {
    let node = node.cast::<Node<K, V>>();
    // SAFETY: the caller's promise; links need no drop.
    unsafe {
        let height = (*node).height;
        ptr::drop_in_place(node);
        dealloc(node.cast(), layout::<K, V>(height).0);
    }
}

/// Takes the key and value back out of a node that was never published, and frees it.
///
/// # Safety
/// As [`free`], and the node was never reachable by another thread.
pub(super) unsafe fn unpublish<K, V>(node: *mut Node<K, V>) -> (K, V) {
    // SAFETY: the caller's promise: the header is read once, then the memory freed without
    // dropping what was moved out (the canary and the counter need no drop of their own
    // beyond the canary's poisoning, which an unpublished node can skip).
    unsafe {
        let height = (*node).height;
        let key = ptr::read(&(*node).key);
        let value = ptr::read(&(*node).value);
        dealloc(node.cast(), layout::<K, V>(height).0);
        (key, value)
    }
}

/// A height for a new node: geometric with ratio 1/2, at most [`MAX_HEIGHT`], from a
/// counter mixed with SplitMix64 (no thread-local state, so it works without `std`).
pub(super) fn random_height(seed: &AtomicUsize) -> usize {
    let mut x = seed
        .fetch_add(0x9E37_79B9, reclaim::sync::Ordering::Relaxed)
        .wrapping_add(0x7F4A_7C15) as u64;
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    (x.trailing_ones() as usize + 1).min(MAX_HEIGHT)
}
