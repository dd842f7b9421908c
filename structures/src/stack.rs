//! The Treiber stack (Treiber, IBM RJ 5118, 1986).
//!
//! # Algorithm
//! The stack is a singly linked list whose head is the top. A push links a new node in front
//! of the head with one compare-and-swap; a pop swings the head to the top node's successor
//! with one compare-and-swap.
//!
//! # Reclamation
//! A pop reads the top node's `next` link before its compare-and-swap, so the node must stay
//! allocated while a concurrent pop may still hold it: the winner retires it through the
//! stack's domain instead of freeing it. Every pop runs in one read section, so the node it
//! read cannot be freed, and therefore cannot be reused, before its compare-and-swap: the ABA
//! problem of the original algorithm is gone. The winner moves the value out of the node
//! before retiring it; the node's later destructor does not touch the value.
//!
//! # Orderings
//! A push publishes its node with a `Release` compare-and-swap; a pop loads the head with
//! `Acquire`, which makes the node's value and link visible. The pop's own compare-and-swap
//! needs no `Release` for the node it installs as the new head: it is a read-modify-write, so
//! it continues the release sequence of the push that stored that node, and the next pop's
//! `Acquire` load still synchronizes with that push.
//!
//! ```
//! let stack = gracepoint_structures::Stack::new(srcu::Srcu::new());
//! stack.push(1);
//! stack.push(2);
//! assert_eq!((stack.pop(), stack.pop(), stack.pop()), (Some(2), Some(1), None));
//! ```

use core::fmt;
use core::mem::ManuallyDrop;

use reclaim::Reclaim;
use reclaim::atomic::{Atomic, Owned, Section, Shared};
use reclaim::sync::Ordering::{Acquire, Relaxed, Release};

use crate::canary::Canary;

struct Node<T> {
    canary: Canary,
    /// Moved out by the pop that unlinks the node, or by the stack's drop.
    value: ManuallyDrop<T>,
    next: Atomic<Node<T>>,
}

// SAFETY: other threads only read a node's canary and link; the value is moved out by exactly
// one thread (the pop that won, or the drop) and never shared, so `T: Send` suffices.
unsafe impl<T: Send> Sync for Node<T> {}

/// A lock-free last-in first-out stack, freeing popped nodes through the domain `R` it owns.
///
/// ```
/// use gracepoint_structures::Stack;
/// let stack = Stack::new(srcu::Srcu::new());
/// std::thread::scope(|s| {
///     for t in 0..2 {
///         let stack = &stack;
///         s.spawn(move || (0..100).for_each(|i| stack.push(t * 100 + i)));
///     }
/// });
/// let mut popped = std::iter::from_fn(|| stack.pop()).collect::<Vec<_>>();
/// popped.sort();
/// assert_eq!(popped, (0..200).collect::<Vec<_>>());
/// ```
pub struct Stack<T, R: Reclaim> {
    head: Atomic<Node<T>>,
    domain: R,
}

/// Pushing and popping at the top, from any number of threads.
///
/// ```
/// let stack = gracepoint_structures::Stack::new(gus::Gus::new());
/// stack.push(1);
/// stack.push(2);
/// assert_eq!(stack.pop(), Some(2)); // last in, first out
/// assert_eq!(stack.pop(), Some(1));
/// assert!(stack.is_empty() && stack.pop().is_none());
/// ```
impl<T: Send + 'static, R: Reclaim> Stack<T, R> {
    /// An empty stack whose popped nodes are freed through `domain`.
    ///
    /// ```
    /// let stack = gracepoint_structures::Stack::<u8, _>::new(gus::Gus::new());
    /// assert!(stack.is_empty());
    /// ```
    pub fn new(domain: R) -> Self {
        Self {
            head: Atomic::null(),
            domain,
        }
    }

    /// The reclamation domain.
    ///
    /// ```
    /// use reclaim::Reclaim;
    /// let stack = gracepoint_structures::Stack::<u8, _>::new(srcu::Srcu::new());
    /// stack.domain().barrier();
    /// ```
    pub fn domain(&self) -> &R {
        &self.domain
    }

    /// Pushes `value` on top.
    ///
    /// ```
    /// let stack = gracepoint_structures::Stack::new(srcu::Srcu::new());
    /// stack.push(1);
    /// stack.push(2);
    /// assert_eq!(stack.pop(), Some(2));
    /// ```
    pub fn push(&self, value: T) {
        let section = Section::new(&self.domain);
        let mut node = Owned::new(Node {
            canary: Canary::new(),
            value: ManuallyDrop::new(value),
            next: Atomic::null(),
        });
        // Relaxed: the head is only stored as the new node's link, never dereferenced here.
        let mut head = self.head.load(Relaxed, &section);
        loop {
            // Relaxed: the node is private until the Release below publishes it.
            node.next.store(head, Relaxed);
            match self
                .head
                .compare_exchange(head, node, Release, Relaxed, &section)
            {
                Ok(_) => return,
                Err(err) => (head, node) = (err.current, err.new),
            }
        }
    }

    /// Pops the top value, or `None` if the stack is empty.
    ///
    /// ```
    /// let stack = gracepoint_structures::Stack::new(srcu::Srcu::new());
    /// assert_eq!(stack.pop(), None);
    /// stack.push("a");
    /// assert_eq!(stack.pop(), Some("a"));
    /// ```
    pub fn pop(&self) -> Option<T> {
        let section = Section::new(&self.domain);
        // Acquire: pairs with the push's Release, so the node's value and link are visible.
        let mut head = self.head.load(Acquire, &section);
        loop {
            // SAFETY: `head` was loaded inside `section`, and nodes are retired only through
            // this section's domain after being unlinked.
            let node = unsafe { head.as_ref() }?;
            node.canary.check("gracepoint_structures::Stack");
            // Relaxed: the node's link was made visible by the Acquire load of `head`, and
            // never changes once the node is published.
            let next = node.next.load(Relaxed, &section);
            // Acquire on failure: the head we find is dereferenced on the next turn. On
            // success nothing new is read; see the module docs for why the next pop still sees
            // `next`'s contents.
            match self
                .head
                .compare_exchange(head, next, Acquire, Acquire, &section)
            {
                Ok(_) => {
                    // SAFETY: this compare-and-swap unlinked the node, so this thread alone
                    // moves the value out; nobody else reads it.
                    let value = unsafe { core::ptr::read(&*node.value) };
                    // SAFETY: unlinked by this thread's compare-and-swap, retired once.
                    unsafe { section.retire(head) };
                    return Some(value);
                }
                Err(err) => head = err.current,
            }
        }
    }

    /// Whether the stack is empty (a snapshot that may be stale under concurrent updates).
    ///
    /// ```
    /// let stack = gracepoint_structures::Stack::new(srcu::Srcu::new());
    /// stack.push(());
    /// assert!(!stack.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.head
            .load(Relaxed, &Section::new(&self.domain))
            .is_null()
    }
}

impl<T, R: Reclaim> Drop for Stack<T, R> {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no pop is running, and linked nodes were never retired, so this
        // is their only owner.
        let mut curr: Shared<'_, Node<T>> = unsafe { self.head.load_unprotected(Relaxed) };
        while !curr.is_null() {
            let mut node = unsafe { curr.into_owned() };
            curr = unsafe { node.next.load_unprotected(Relaxed) };
            // SAFETY: a linked node still holds its value; it is dropped once, here.
            unsafe { ManuallyDrop::drop(&mut node.value) };
        }
    }
}

impl<T, R: Reclaim> fmt::Debug for Stack<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stack").finish_non_exhaustive()
    }
}
