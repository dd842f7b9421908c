//! A Treiber stack (Treiber, 1986) written once against [`Reclaim`]: the retire-bound workload,
//! since every pop unlinks a node and retires it.
//!
//! # How reclamation fits
//! - `pop` runs inside a read section: the head it loads, and that node's `next`, stay
//!   allocated until the section ends even if another thread pops the node meanwhile. That also
//!   rules out ABA on the head: a node cannot be freed and its address reused while a popper
//!   that loaded it is still inside its section.
//! - Exactly one pop wins the CAS that unlinks a node; it moves the value out and retires the
//!   node's memory (the value is not dropped twice: nodes hold it in a `ManuallyDrop`).
//!
//! In debug builds each node carries a canary that its destructor overwrites; `pop` asserts it.
//!
//! ```
//! use benches::stack::TreiberStack;
//! let stack = TreiberStack::new(peers::CrossbeamEpoch);
//! stack.push(1);
//! stack.push(2);
//! assert_eq!(stack.pop(), Some(2));
//! assert_eq!(stack.pop(), Some(1));
//! assert_eq!(stack.pop(), None);
//! ```

use core::mem::ManuallyDrop;
use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};

use reclaim::Reclaim;

#[cfg(debug_assertions)]
const ALIVE: u64 = 0x57AC_57AC_57AC_57AC;
#[cfg(debug_assertions)]
const POISON: u64 = 0xDEAD_57AC_DEAD_57AC;

struct Node<T> {
    #[cfg(debug_assertions)]
    canary: u64,
    value: ManuallyDrop<T>,
    /// Written before the node is published, read-only afterwards.
    next: *mut Node<T>,
}

// SAFETY: a node crosses threads only to be freed after a grace period; its drop touches the
// canary alone (the value was moved out or is dropped by the stack itself), never `next`.
unsafe impl<T: Send> Send for Node<T> {}

impl<T> Drop for Node<T> {
    fn drop(&mut self) {
        #[cfg(debug_assertions)]
        {
            assert_eq!(self.canary, ALIVE, "bench stack: node freed twice");
            // SAFETY: plain write through `&mut self`; volatile so it is not optimised away.
            unsafe { ptr::write_volatile(&mut self.canary, POISON) };
        }
    }
}

/// A lock-free LIFO stack whose popped nodes are reclaimed through `R`.
///
/// ```
/// use benches::stack::TreiberStack;
/// let stack = TreiberStack::new(peers::Seize::new());
/// std::thread::scope(|s| {
///     for t in 0..2u64 {
///         let stack = &stack;
///         s.spawn(move || {
///             for i in 0..100 {
///                 stack.push(t * 100 + i);
///                 stack.pop();
///             }
///         });
///     }
/// });
/// assert_eq!(stack.pop(), None);
/// ```
pub struct TreiberStack<T, R: Reclaim> {
    head: AtomicPtr<Node<T>>,
    domain: R,
}

// SAFETY: values move between threads through the stack (`T: Send`); nodes are shared only
// through atomics, and their values are never read by reference by anyone but the popper.
unsafe impl<T: Send, R: Reclaim> Sync for TreiberStack<T, R> {}
// SAFETY: as above.
unsafe impl<T: Send, R: Reclaim> Send for TreiberStack<T, R> {}

impl<T: Send + 'static, R: Reclaim> TreiberStack<T, R> {
    /// An empty stack using `domain`.
    ///
    /// ```
    /// let stack = benches::stack::TreiberStack::<u64, _>::new(peers::CrossbeamEpoch);
    /// assert!(stack.is_empty());
    /// ```
    pub fn new(domain: R) -> Self {
        Self {
            head: AtomicPtr::new(ptr::null_mut()),
            domain,
        }
    }

    /// The reclamation domain.
    ///
    /// ```
    /// use reclaim::Reclaim;
    /// let stack = benches::stack::TreiberStack::<u64, _>::new(peers::CrossbeamEpoch);
    /// stack.domain().barrier();
    /// ```
    pub fn domain(&self) -> &R {
        &self.domain
    }

    /// Pushes `value` on top.
    ///
    /// ```
    /// let stack = benches::stack::TreiberStack::new(peers::CrossbeamEpoch);
    /// stack.push("a");
    /// assert!(!stack.is_empty());
    /// ```
    pub fn push(&self, value: T) {
        let node = Box::into_raw(Box::new(Node {
            #[cfg(debug_assertions)]
            canary: ALIVE,
            value: ManuallyDrop::new(value),
            next: ptr::null_mut(),
        }));
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            // SAFETY: `node` is private to this thread until the CAS publishes it.
            unsafe { (*node).next = head };
            match self
                .head
                .compare_exchange_weak(head, node, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(now) => head = now,
            }
        }
    }

    /// Pops the top value, retiring its node; `None` when empty.
    ///
    /// ```
    /// let stack = benches::stack::TreiberStack::new(peers::CrossbeamEpoch);
    /// stack.push(5u8);
    /// assert_eq!(stack.pop(), Some(5));
    /// assert_eq!(stack.pop(), None);
    /// ```
    pub fn pop(&self) -> Option<T> {
        let _guard = self.domain.enter();
        let mut head = self.head.load(Ordering::Acquire);
        loop {
            if head.is_null() {
                return None;
            }
            // SAFETY: `head` was loaded inside this section, so it is still allocated.
            let node = unsafe { &*head };
            #[cfg(debug_assertions)]
            assert_eq!(node.canary, ALIVE, "bench stack: use of a freed node");
            match self.head.compare_exchange_weak(
                head,
                node.next,
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    // SAFETY: this call unlinked the node, so only it takes the value, once.
                    let value = unsafe { ptr::read(&*node.value) };
                    // SAFETY: unlinked by this call, allocated by `Box` in `push`, retired
                    // once; its value was moved out and `ManuallyDrop` keeps it undropped.
                    self.domain.retire(unsafe { Box::from_raw(head) });
                    return Some(value);
                }
                Err(now) => head = now,
            }
        }
    }

    /// Whether the stack is empty (a racy snapshot under concurrent use).
    ///
    /// ```
    /// let stack = benches::stack::TreiberStack::<u8, _>::new(peers::CrossbeamEpoch);
    /// assert!(stack.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.head.load(Ordering::Acquire).is_null()
    }
}

impl<T, R: Reclaim> Drop for TreiberStack<T, R> {
    fn drop(&mut self) {
        // Exclusive access: every node still linked owns its value.
        let mut curr = *self.head.get_mut();
        while !curr.is_null() {
            // SAFETY: linked nodes are owned by the stack and nobody else can reach them now.
            let mut node = unsafe { Box::from_raw(curr) };
            curr = node.next;
            // SAFETY: a linked node's value was never moved out.
            unsafe { ManuallyDrop::drop(&mut node.value) };
        }
    }
}

impl<T, R: Reclaim> core::fmt::Debug for TreiberStack<T, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TreiberStack").finish_non_exhaustive()
    }
}
