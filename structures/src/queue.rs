//! The Michael–Scott queue (Michael and Scott, PODC 1996).
//!
//! # Algorithm
//! A singly linked list with a *dummy* first node: `head` points at the dummy, whose successor
//! holds the oldest value; `tail` points at the last node or, briefly, at the one before it.
//! - A push links its node after the last one with a compare-and-swap on that node's `next`,
//!   then swings `tail` forward (or leaves that to the next operation, which helps).
//! - A pop swings `head` from the dummy to its successor with a compare-and-swap. The successor
//!   becomes the new dummy; the winner moves its value out.
//!
//! # Reclamation
//! The old dummy is unlinked by the pop's compare-and-swap on `head`, and only that pop retires
//! it. One hazard is specific to this queue: `tail` may still point at the dummy being
//! unlinked, and a later push would then dereference a retired node. So before moving `head`
//! off a node, a pop first makes sure `tail` has moved past it (as crossbeam's queue does).
//! Every operation runs in one read section, so every node it read stays allocated (and
//! cannot be reused, which rules out ABA) until it returns.
//!
//! # Orderings
//! Links, `head` and `tail` are loaded with `Acquire`; every compare-and-swap that installs a
//! node in a link, in `head` or in `tail` is `Release`, so whoever acquires the pointer sees the
//! node's value and link. A pop's `Acquire` load of `head` thereby also sees the `tail` value
//! that the previous pop checked, which is what the tail fix above relies on.
//!
//! ```
//! let queue = gracepoint_structures::Queue::new(srcu::Srcu::new());
//! queue.push(1);
//! queue.push(2);
//! assert_eq!((queue.pop(), queue.pop(), queue.pop()), (Some(1), Some(2), None));
//! ```

use core::fmt;
use core::mem::MaybeUninit;

use crossbeam_utils::CachePadded;
use reclaim::Reclaim;
use reclaim::atomic::{Atomic, Owned, Section, Shared};
use reclaim::sync::Ordering::{Acquire, Relaxed, Release};

use crate::canary::Canary;

struct Node<T> {
    canary: Canary,
    /// Uninitialised in the dummy: moved out by the pop that made the node the dummy.
    value: MaybeUninit<T>,
    next: Atomic<Node<T>>,
}

// SAFETY: other threads only read a node's canary and link; the value is moved out by exactly
// one thread (the pop that won, or the drop) and never shared, so `T: Send` suffices.
unsafe impl<T: Send> Sync for Node<T> {}

impl<T> Node<T> {
    fn new(value: MaybeUninit<T>) -> Owned<Self> {
        Owned::new(Node {
            canary: Canary::new(),
            value,
            next: Atomic::null(),
        })
    }
}

/// A lock-free first-in first-out queue, freeing popped nodes through the domain `R` it owns.
///
/// ```
/// use gracepoint_structures::Queue;
/// let queue = Queue::new(srcu::Srcu::new());
/// std::thread::scope(|s| {
///     s.spawn(|| (0..100).for_each(|i| queue.push(i)));
///     s.spawn(|| {
///         let mut last = None;
///         for _ in 0..100 {
///             if let Some(v) = queue.pop() {
///                 assert!(last < Some(v), "values of one producer come out in order");
///                 last = Some(v);
///             }
///         }
///     });
/// });
/// ```
pub struct Queue<T, R: Reclaim> {
    head: CachePadded<Atomic<Node<T>>>,
    tail: CachePadded<Atomic<Node<T>>>,
    domain: R,
}

/// Pushing at the tail and popping at the head, from any number of threads.
///
/// ```
/// let queue = gracepoint_structures::Queue::new(srcu::Srcu::new());
/// for word in ["first", "second", "third"] {
///     queue.push(word);
/// }
/// assert_eq!(queue.pop(), Some("first")); // first in, first out
/// assert_eq!(queue.pop(), Some("second"));
/// assert_eq!(queue.pop(), Some("third"));
/// assert!(queue.is_empty() && queue.pop().is_none());
/// ```
impl<T: Send + 'static, R: Reclaim> Queue<T, R> {
    /// An empty queue whose popped nodes are freed through `domain`.
    ///
    /// ```
    /// let queue = gracepoint_structures::Queue::<u8, _>::new(gus::Gus::new());
    /// assert!(queue.is_empty());
    /// ```
    pub fn new(domain: R) -> Self {
        let queue = Self {
            head: CachePadded::new(Atomic::null()),
            tail: CachePadded::new(Atomic::null()),
            domain,
        };
        let section = Section::new(&queue.domain);
        let dummy = Node::new(MaybeUninit::uninit()).into_shared(&section);
        // Relaxed: the queue is not shared yet; handing it to other threads publishes it.
        queue.head.store(dummy, Relaxed);
        queue.tail.store(dummy, Relaxed);
        drop(section);
        queue
    }

    /// The reclamation domain.
    ///
    /// ```
    /// use reclaim::Reclaim;
    /// let queue = gracepoint_structures::Queue::<u8, _>::new(srcu::Srcu::new());
    /// queue.domain().barrier();
    /// ```
    pub fn domain(&self) -> &R {
        &self.domain
    }

    /// Appends `value` at the back.
    ///
    /// ```
    /// let queue = gracepoint_structures::Queue::new(srcu::Srcu::new());
    /// queue.push(1);
    /// queue.push(2);
    /// assert_eq!(queue.pop(), Some(1));
    /// ```
    pub fn push(&self, value: T) {
        let section = Section::new(&self.domain);
        let mut node = Node::new(MaybeUninit::new(value));
        loop {
            // Acquire: the tail node is dereferenced below.
            let tail = self.tail.load(Acquire, &section);
            // SAFETY: `tail` was loaded inside `section`; a node is retired only after `head`
            // and `tail` have both moved past it (see the module docs).
            let last = unsafe { tail.deref() };
            last.canary.check("gracepoint_structures::Queue");
            // Acquire: a successor is dereferenced on the next turn.
            let next = last.next.load(Acquire, &section);
            if !next.is_null() {
                // `tail` lags: help it forward and retry. Release: publishes `next` to
                // whoever acquires `tail`. Failure is fine: someone else moved it.
                let _ = self
                    .tail
                    .compare_exchange(tail, next, Release, Relaxed, &section);
                continue;
            }
            // Release: publishes the node's value. Relaxed on failure: we reload.
            match last
                .next
                .compare_exchange(Shared::null(), node, Release, Relaxed, &section)
            {
                Ok(linked) => {
                    // Release as above. Failure means another operation already helped.
                    let _ = self
                        .tail
                        .compare_exchange(tail, linked, Release, Relaxed, &section);
                    return;
                }
                Err(err) => node = err.new,
            }
        }
    }

    /// Removes and returns the front value, or `None` if the queue is empty.
    ///
    /// ```
    /// let queue = gracepoint_structures::Queue::new(srcu::Srcu::new());
    /// assert_eq!(queue.pop(), None);
    /// queue.push("a");
    /// assert_eq!(queue.pop(), Some("a"));
    /// ```
    pub fn pop(&self) -> Option<T> {
        let section = Section::new(&self.domain);
        loop {
            // Acquire: the dummy is dereferenced below, and the `tail` the previous pop fixed
            // is visible (module docs).
            let head = self.head.load(Acquire, &section);
            // SAFETY: as in `push`.
            let dummy = unsafe { head.deref() };
            dummy.canary.check("gracepoint_structures::Queue");
            // Acquire: the successor's value is read below.
            let next = dummy.next.load(Acquire, &section);
            // SAFETY: as in `push`; a null successor means the queue is empty.
            let first = unsafe { next.as_ref() }?;
            first.canary.check("gracepoint_structures::Queue");
            // `tail` must not be left on the node this pop unlinks. Relaxed: only compared.
            let tail = self.tail.load(Relaxed, &section);
            if tail == head {
                // Release: publishes `next` to whoever acquires `tail`.
                let _ = self
                    .tail
                    .compare_exchange(tail, next, Release, Relaxed, &section);
            }
            // Release: publishes to the next pop the `tail` state checked above. Relaxed on
            // failure: we reload.
            if self
                .head
                .compare_exchange(head, next, Release, Relaxed, &section)
                .is_ok()
            {
                // SAFETY: the compare-and-swap made `first` the dummy for this pop alone,
                // which moves its value out once; no one else reads it.
                let value = unsafe { first.value.assume_init_read() };
                // SAFETY: the compare-and-swap unlinked the old dummy, and `tail` has moved
                // past it; retired once, by this pop.
                unsafe { section.retire(head) };
                return Some(value);
            }
        }
    }

    /// Whether the queue is empty (a snapshot that may be stale under concurrent updates).
    ///
    /// ```
    /// let queue = gracepoint_structures::Queue::new(srcu::Srcu::new());
    /// queue.push(());
    /// assert!(!queue.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        let section = Section::new(&self.domain);
        let head = self.head.load(Acquire, &section);
        // SAFETY: as in `push`.
        let dummy = unsafe { head.deref() };
        dummy.canary.check("gracepoint_structures::Queue");
        dummy.next.load(Relaxed, &section).is_null()
    }
}

impl<T, R: Reclaim> Drop for Queue<T, R> {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no operation is running, and linked nodes were never retired,
        // so this is their only owner. The first is the dummy; every later node holds a value.
        let mut curr = unsafe { self.head.load_unprotected(Relaxed) };
        let mut is_dummy = true;
        while !curr.is_null() {
            let mut node = unsafe { curr.into_owned() };
            curr = unsafe { node.next.load_unprotected(Relaxed) };
            if !is_dummy {
                // SAFETY: a node after the dummy holds its value; dropped once, here.
                unsafe { node.value.assume_init_drop() };
            }
            is_dummy = false;
        }
    }
}

impl<T, R: Reclaim> fmt::Debug for Queue<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue").finish_non_exhaustive()
    }
}
