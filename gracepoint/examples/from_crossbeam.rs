//! The Treiber stack of crossbeam-epoch's documentation, ported to `gracepoint::atomic`: the
//! worked example of `docs/from-crossbeam.md`, compiled and run. The stack owns its domain (any
//! scheme: `Epoch` by default, or a shared `Arc<D>` or `&'static D`), frees popped nodes
//! through it, and accepts sections from its callers.
//!
//! `cargo run -p gracepoint --example from_crossbeam`

use std::mem::ManuallyDrop;
use std::ptr;
use std::sync::Arc;

use gracepoint::Reclaim;
use gracepoint::atomic::{Atomic, Owned, Section, Shared, unprotected};
use gracepoint::epoch::Epoch;
use gracepoint::sync::Ordering::{Acquire, Relaxed, Release};

/// crossbeam: `struct TreiberStack<T> { head: Atomic<Node<T>> }`, over the global collector.
/// Here the stack names its domain, and owns it.
struct TreiberStack<T, D: Reclaim = Epoch> {
    head: Atomic<Node<T>>,
    domain: D,
}

struct Node<T> {
    data: ManuallyDrop<T>,
    next: Atomic<Node<T>>,
}

// SAFETY: other threads read only a node's `next`; `data` is moved out by the one pop that
// unlinked it. So a node may be shared with `T: Send` alone (see `gracepoint::atomic`'s docs on
// bounds).
unsafe impl<T: Send> Sync for Node<T> {}

impl<T: Send + 'static> TreiberStack<T> {
    /// crossbeam: `TreiberStack::new()`.
    fn new() -> Self {
        Self::with_domain(Epoch::new())
    }
}

impl<T: Send + 'static> Default for TreiberStack<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Send + 'static, D: Reclaim> TreiberStack<T, D> {
    fn with_domain(domain: D) -> Self {
        TreiberStack {
            head: Atomic::null(),
            domain,
        }
    }

    /// crossbeam: `let guard = epoch::pin();` becomes a section of the stack's own domain.
    fn section(&self) -> Section<'_, D> {
        Section::new(&self.domain)
    }

    fn push(&self, t: T) {
        let mut n = Owned::new(Node {
            data: ManuallyDrop::new(t),
            next: Atomic::null(),
        });
        let section = self.section();
        loop {
            let head = self.head.load(Relaxed, &section);
            n.next.store(head, Relaxed);
            // crossbeam: `compare_exchange(head, n, Release, Relaxed, &guard)`; weak in a loop.
            match self
                .head
                .compare_exchange_weak(head, n, Release, Relaxed, &section)
            {
                Ok(_) => break,
                Err(e) => n = e.new,
            }
        }
    }

    fn pop(&self) -> Option<T> {
        self.pop_in(&self.section())
    }

    /// The caller-section form: a run of pops in one section.
    fn pop_in(&self, section: &Section<'_, D>) -> Option<T> {
        // A section of another domain would protect nothing: refuse it.
        assert!(
            section.belongs_to(&self.domain),
            "a section of another domain"
        );
        loop {
            let head = self.head.load(Acquire, section);
            // SAFETY: loaded in a section of the domain that frees the nodes.
            match unsafe { head.as_ref() } {
                Some(h) => {
                    let next = h.next.load(Relaxed, section);
                    if self
                        .head
                        .compare_exchange(head, next, Relaxed, Relaxed, section)
                        .is_ok()
                    {
                        // SAFETY: unlinked by this thread's compare-and-swap, retired once
                        // (crossbeam: `guard.defer_destroy(head)`); the data is moved out
                        // first, and `Node` has no drop of its own for it.
                        unsafe {
                            section.retire(head);
                            return Some(ManuallyDrop::into_inner(ptr::read(&h.data)));
                        }
                    }
                }
                None => return None,
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.head.load(Acquire, &self.section()).is_null()
    }
}

impl<T, D: Reclaim> Drop for TreiberStack<T, D> {
    fn drop(&mut self) {
        // crossbeam: `unsafe { epoch::unprotected() }`: `&mut self`, nobody else can reach a
        // node.
        let guard = unsafe { unprotected() };
        let mut curr = self.head.swap(Shared::null(), Relaxed, guard);
        // SAFETY: linked nodes were never retired; each is freed once, here.
        while let Some(mut node) = unsafe { curr.try_into_owned() } {
            curr = node.next.load(Relaxed, guard);
            unsafe { ManuallyDrop::drop(&mut node.data) };
        }
    }
}

fn main() {
    // On its own domain.
    let stack = TreiberStack::new();
    std::thread::scope(|s| {
        for t in 0..2 {
            let stack = &stack;
            s.spawn(move || {
                for i in 0..10_000 {
                    stack.push(t * 10_000 + i);
                }
            });
        }
    });
    let mut section = stack.section();
    let mut popped = Vec::new();
    while let Some(v) = stack.pop_in(&section) {
        popped.push(v);
        if popped.len() % 1000 == 0 {
            section.repin(); // crossbeam: `guard.repin()`
        }
    }
    drop(section);
    assert!(stack.is_empty());
    popped.sort_unstable();
    assert_eq!(popped, (0..20_000).collect::<Vec<_>>());

    // Two stacks sharing one domain, dropped with values inside: nothing leaks.
    let domain = Arc::new(gracepoint::srcu::Srcu::new());
    let a = TreiberStack::with_domain(Arc::clone(&domain));
    let b = TreiberStack::with_domain(Arc::clone(&domain));
    a.push(String::from("a"));
    b.push(String::from("b"));
    assert_eq!(b.pop().as_deref(), Some("b"));
    drop((a, b));
    domain.barrier();
    println!(
        "popped {} values; shared domain: {} objects pending, {} handles left",
        popped.len(),
        domain.stats().pending,
        Arc::strong_count(&domain)
    );
    assert_eq!(Arc::strong_count(&domain), 1);
}
