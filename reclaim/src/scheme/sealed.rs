//! Sealed bags: batches of retired objects tagged with the grace period they wait for, shared
//! by the whole domain.
//!
//! # Invariants
//! - A sealed bag (a [`Node`]) holds objects taken out of exactly one [`LocalBag`] take, and a
//!   tag read after that take. It is freed only when the scheme's clock says the tag expired.
//! - Sealing is lock-free: a bag is pushed onto the `incoming` stack with a compare-and-swap.
//!   Only collection takes a lock, and it is a try-lock: a retiring thread that finds another
//!   collecting goes on without waiting. `barrier` is the one caller that waits for it.
//! - The holder of the lock owns the queue. It moves `incoming` into the queue (oldest first),
//!   frees every bag whose tag expired, and releases the lock even when a destructor panics.
//! - Counters: `objects` and `bytes` count what sealed bags hold, from the push to the free.
//!
//! Without `alloc`, bags come from a small pool inline in the domain ([`POOL_NODES`]); when the
//! pool is empty the sealing thread must wait for a grace period (see [`Core`](super::Core)).
//!
//! [`LocalBag`]: super::bag::LocalBag

use super::bag::Taken;
use crate::sync::{AtomicBool, AtomicPtr, AtomicUsize, Ordering, UnsafeCell};
use core::ptr::NonNull;

#[cfg(feature = "alloc")]
extern crate alloc;

/// How many sealed bags a domain without `alloc` keeps inline.
pub const POOL_NODES: usize = 4;

/// A sealed bag.
pub(crate) struct Node<T> {
    /// The next bag on the `incoming` stack, then in the queue.
    next: AtomicPtr<Node<T>>,
    /// Written by `publish`; every node reachable from `incoming` or the queue has it.
    #[cfg(not(loom))]
    tag: core::mem::MaybeUninit<T>,
    #[cfg(not(loom))]
    items: Taken,
    /// Under loom the tag and the items live in loom cells, so that the models check that the
    /// push onto `incoming` (sealed-S) publishes them to the collector (sealed-G).
    #[cfg(loom)]
    tag: UnsafeCell<core::mem::MaybeUninit<T>>,
    #[cfg(loom)]
    items: UnsafeCell<Taken>,
    bytes: usize,
}

impl<T> Node<T> {
    /// The node's batch, for its holder: the sealer before the push, the collector after.
    fn items_mut(&mut self) -> &mut Taken {
        #[cfg(not(loom))]
        return &mut self.items;
        // SAFETY: the caller holds the node (`&mut`); loom records the access.
        #[cfg(loom)]
        return self.items.with_mut(|items| unsafe { &mut *items });
    }
}

impl<T: Copy> Node<T> {
    fn empty() -> Self {
        Self {
            next: AtomicPtr::new(core::ptr::null_mut()),
            #[cfg(not(loom))]
            tag: core::mem::MaybeUninit::uninit(),
            #[cfg(not(loom))]
            items: Taken::new(),
            #[cfg(loom)]
            tag: UnsafeCell::new(core::mem::MaybeUninit::uninit()),
            #[cfg(loom)]
            items: UnsafeCell::new(Taken::new()),
            bytes: 0,
        }
    }

    /// The tag of a published node.
    fn tag(&self) -> T {
        // SAFETY: only published nodes are reachable from the queue (see the field).
        #[cfg(not(loom))]
        return unsafe { self.tag.assume_init() };
        // SAFETY: as above; loom records the access.
        #[cfg(loom)]
        return self.tag.with(|tag| unsafe { (*tag).assume_init() });
    }

    /// Tags a reserved node, before `publish` pushes it.
    fn set_tag(&mut self, tag: T) {
        #[cfg(not(loom))]
        self.tag.write(tag);
        // SAFETY: the holder of a reserved node is its only user; loom records the access.
        #[cfg(loom)]
        self.tag.with_mut(|cell| unsafe { (*cell).write(tag) });
    }
}

/// An empty bag reserved for one seal: fill its batch, then publish or give it back.
pub(crate) struct Reserved<T> {
    node: NonNull<Node<T>>,
}

impl<T> Reserved<T> {
    /// The batch to take objects into.
    pub(crate) fn items(&mut self) -> &mut Taken {
        // SAFETY: a reserved node belongs to its holder.
        unsafe { self.node.as_mut().items_mut() }
    }
}

/// The queue of sealed bags, owned by the holder of the collection lock.
struct Queue<T> {
    head: *mut Node<T>,
    tail: *mut Node<T>,
}

#[cfg(not(feature = "alloc"))]
struct Pooled<T> {
    busy: AtomicBool,
    node: core::cell::UnsafeCell<core::mem::MaybeUninit<Node<T>>>,
}

/// The sealed bags of one domain.
pub(crate) struct Sealed<T> {
    incoming: AtomicPtr<Node<T>>,
    /// The collection lock: held by whoever drains and frees the queue.
    lock: AtomicBool,
    queue: UnsafeCell<Queue<T>>,
    objects: AtomicUsize,
    bytes: AtomicUsize,
    #[cfg(not(feature = "alloc"))]
    pool: [Pooled<T>; POOL_NODES],
}

// SAFETY: the queue is only touched by the lock holder; nodes carry `Send` objects and tags.
unsafe impl<T: Send> Sync for Sealed<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Send for Sealed<T> {}

/// Bags popped from the queue by a collection, to be freed.
pub(crate) struct Expired<T> {
    head: *mut Node<T>,
}

impl<T> Expired<T> {
    pub(crate) fn is_empty(&self) -> bool {
        self.head.is_null()
    }
}

impl<T: Copy> Sealed<T> {
    crate::const_fn_unless_loom! {
        pub(crate) fn new() -> Self {
            Self {
                incoming: AtomicPtr::new(core::ptr::null_mut()),
                lock: AtomicBool::new(false),
                queue: UnsafeCell::new(Queue {
                    head: core::ptr::null_mut(),
                    tail: core::ptr::null_mut(),
                }),
                objects: AtomicUsize::new(0),
                bytes: AtomicUsize::new(0),
                #[cfg(not(feature = "alloc"))]
                pool: [const {
                    Pooled {
                        busy: AtomicBool::new(false),
                        node: core::cell::UnsafeCell::new(core::mem::MaybeUninit::uninit()),
                    }
                }; POOL_NODES],
            }
        }
    }

    /// Objects and bytes in sealed bags, not yet freed.
    pub(crate) fn pending(&self) -> (usize, usize) {
        (
            self.objects.load(Ordering::Relaxed),
            self.bytes.load(Ordering::Relaxed),
        )
    }

    /// An empty bag for one seal; `None` only without `alloc`, when every pooled bag waits for
    /// its grace period (the caller must wait for one and collect).
    pub(crate) fn reserve(&self) -> Option<Reserved<T>> {
        #[cfg(feature = "alloc")]
        {
            let node = alloc::boxed::Box::new(Node::empty());
            Some(Reserved {
                node: NonNull::from(alloc::boxed::Box::leak(node)),
            })
        }
        #[cfg(not(feature = "alloc"))]
        {
            for pooled in &self.pool {
                // Acquire pairs with the Release in `release`: the previous use is over.
                if pooled
                    .busy
                    .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    // SAFETY: the flag gives this thread the pooled node until `release`.
                    let slot = unsafe { &mut *pooled.node.get() };
                    return Some(Reserved {
                        node: NonNull::from(slot.write(Node::empty())),
                    });
                }
            }
            None
        }
    }

    /// Gives back a reserved bag that got nothing to seal.
    pub(crate) fn unreserve(&self, reserved: Reserved<T>) {
        // SAFETY: the reserved node is empty and was never published.
        unsafe { self.release(reserved.node.as_ptr()) };
    }

    /// Seals the reserved bag with `tag` and hands it to the domain. Returns how many objects
    /// were pending in sealed bags before.
    pub(crate) fn publish(&self, mut reserved: Reserved<T>, tag: T) -> usize {
        // SAFETY: a reserved node belongs to its holder until the push below publishes it.
        let node = unsafe { reserved.node.as_mut() };
        node.set_tag(tag);
        node.bytes = node.items_mut().bytes();
        let len = node.items_mut().len();
        self.bytes.fetch_add(node.bytes, Ordering::Relaxed);
        let before = self.objects.fetch_add(len, Ordering::Relaxed);
        let node = reserved.node.as_ptr();
        let mut head = self.incoming.load(Ordering::Relaxed);
        loop {
            // SAFETY: the node is ours until the compare-and-swap publishes it.
            unsafe { &*node }.next.store(head, Ordering::Relaxed);
            // sealed-S: Release publishes the node's contents (and the objects' retires before it) to
            // the collector's Acquire swap (G).
            match self.incoming.compare_exchange_weak(
                head,
                node,
                crate::mutant!("sealed_publish_relaxed" => Ordering::Relaxed, else Ordering::Release),
                Ordering::Relaxed,
            ) {
                Ok(_) => return before,
                Err(now) => head = now,
            }
        }
    }

    /// Gives a freed bag's memory back.
    ///
    /// # Safety
    /// `node` came from `alloc`, is empty, and is no longer reachable.
    unsafe fn release(&self, node: *mut Node<T>) {
        #[cfg(feature = "alloc")]
        // SAFETY: `alloc` leaked exactly this box.
        drop(unsafe { alloc::boxed::Box::from_raw(node) });
        #[cfg(not(feature = "alloc"))]
        for pooled in &self.pool {
            if core::ptr::eq(pooled.node.get().cast::<Node<T>>(), node) {
                // SAFETY: the node was written by `alloc` and is dropped once here.
                unsafe { core::ptr::drop_in_place(node) };
                // Release pairs with the Acquire in `alloc`.
                pooled.busy.store(false, Ordering::Release);
            }
        }
    }

    /// Takes the collection lock if nobody holds it.
    pub(crate) fn try_lock(&self) -> bool {
        // Acquire pairs with the Release in `unlock`: the previous holder's queue updates are
        // visible to this one.
        !self.lock.load(Ordering::Relaxed)
            && self
                .lock
                .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
    }

    /// Releases the collection lock.
    ///
    /// # Safety
    /// The caller holds it.
    pub(crate) unsafe fn unlock(&self) {
        self.lock.store(false, Ordering::Release);
    }

    /// Moves the incoming bags into the queue, oldest first.
    ///
    /// # Safety
    /// The caller holds the collection lock.
    pub(crate) unsafe fn drain_incoming(&self) {
        // sealed-G: Acquire pairs with sealed-S: every bag's contents are visible.
        let mut stack = self.incoming.swap(core::ptr::null_mut(), Ordering::Acquire);
        if stack.is_null() {
            return;
        }
        // The stack is newest first; reverse it so the queue stays in sealing order.
        let last = stack;
        let mut reversed: *mut Node<T> = core::ptr::null_mut();
        while !stack.is_null() {
            // SAFETY: drained nodes belong to the lock holder.
            let next = unsafe { &*stack }.next.load(Ordering::Relaxed);
            // SAFETY: as above.
            unsafe { &*stack }.next.store(reversed, Ordering::Relaxed);
            reversed = stack;
            stack = next;
        }
        self.queue.with_mut(|queue| {
            // SAFETY: the caller holds the lock, which owns the queue.
            let queue = unsafe { &mut *queue };
            if queue.tail.is_null() {
                queue.head = reversed;
            } else {
                // SAFETY: the tail is a live queued node.
                unsafe { &*queue.tail }
                    .next
                    .store(reversed, Ordering::Relaxed);
            }
            queue.tail = last;
        });
    }

    /// The latest tag in the queue (by `le`), if the queue holds anything.
    ///
    /// # Safety
    /// The caller holds the collection lock.
    pub(crate) unsafe fn latest_tag(&self, le: impl Fn(T, T) -> bool) -> Option<T> {
        self.queue.with(|queue| {
            // SAFETY: the lock owns the queue.
            let mut node = unsafe { &*queue }.head;
            let mut latest = None;
            while !node.is_null() {
                // SAFETY: queued nodes are live while the lock is held.
                let n = unsafe { &*node };
                latest = Some(match latest {
                    Some(l) if le(n.tag(), l) => l,
                    _ => n.tag(),
                });
                node = n.next.load(Ordering::Relaxed);
            }
            latest
        })
    }

    /// Unlinks the queued bags whose tag `expired` accepts, from the front of the queue up to
    /// the first that it does not (or every one, when `all` is set).
    ///
    /// The queue holds bags in the order they were sealed, and a bag's tag is read just before
    /// it is pushed, so tags along the queue are in order but for bags sealed at the same
    /// moment on different threads. Stopping at the first unexpired bag keeps a collection's
    /// cost to what it frees, however long the queue; a bag that an out-of-order neighbour
    /// holds back waits for the next collection.
    ///
    /// # Safety
    /// The caller holds the collection lock.
    pub(crate) unsafe fn pop_expired(&self, expired: impl Fn(T) -> bool, all: bool) -> Expired<T> {
        let mut out = Expired {
            head: core::ptr::null_mut(),
        };
        self.queue.with_mut(|queue| {
            // SAFETY: the lock owns the queue.
            let queue = unsafe { &mut *queue };
            let mut node = queue.head;
            let mut last: *mut Node<T> = core::ptr::null_mut();
            while !node.is_null() {
                // SAFETY: queued nodes are live while the lock is held.
                let n = unsafe { &*node };
                if !all && !expired(n.tag()) {
                    break;
                }
                last = node;
                node = n.next.load(Ordering::Relaxed);
            }
            if !last.is_null() {
                // The expired prefix, `head..=last`, leaves the queue in one piece.
                out.head = queue.head;
                // SAFETY: `last` is a live queued node.
                unsafe { &*last }
                    .next
                    .store(core::ptr::null_mut(), Ordering::Relaxed);
                queue.head = node;
                if node.is_null() {
                    queue.tail = core::ptr::null_mut();
                }
            }
        });
        out
    }

    /// Frees the objects of `expired` bags and their memory. Every object is freed even when a
    /// destructor panics; the first panic is resumed after all are done. Returns how many
    /// objects were freed.
    ///
    /// # Safety
    /// Every bag's grace period has ended.
    pub(crate) unsafe fn free(&self, expired: Expired<T>) -> usize {
        /// Finishes the walk if a destructor unwinds out of it.
        struct Walk<'a, T: Copy> {
            sealed: &'a Sealed<T>,
            node: *mut Node<T>,
            freed: usize,
        }
        impl<T: Copy> Walk<'_, T> {
            fn step(&mut self) -> bool {
                if self.node.is_null() {
                    return false;
                }
                let node = self.node;
                // SAFETY: expired nodes belong to this walk.
                let n = unsafe { &mut *node };
                self.node = n.next.load(Ordering::Relaxed);
                let len = n.items_mut().len();
                let bytes = n.bytes;
                self.sealed.objects.fetch_sub(len, Ordering::Relaxed);
                self.sealed.bytes.fetch_sub(bytes, Ordering::Relaxed);
                self.freed += len;
                /// Releases the node even if a destructor in it unwinds.
                struct Release<'a, T: Copy>(&'a Sealed<T>, *mut Node<T>);
                impl<T: Copy> Drop for Release<'_, T> {
                    fn drop(&mut self) {
                        // SAFETY: the node is empty (or its objects were read out) and
                        // unreachable.
                        unsafe { self.0.release(self.1) };
                    }
                }
                let _release = Release(self.sealed, node);
                // SAFETY: the walk's caller vouched for the grace period.
                unsafe { n.items_mut().free_all() };
                true
            }
        }
        impl<T: Copy> Drop for Walk<'_, T> {
            fn drop(&mut self) {
                while self.step() {}
            }
        }
        let mut walk = Walk {
            sealed: self,
            node: expired.head,
            freed: 0,
        };
        // With `std`, a panic from one bag's destructors is caught so that the walk goes on
        // outside of any unwind (a second panic during an unwind would abort), and the first
        // one is resumed at the end. Without `std`, `Walk`'s `Drop` finishes the walk.
        #[cfg(feature = "std")]
        {
            let mut first_panic = None;
            loop {
                let step = std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| walk.step()));
                match step {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(payload) => {
                        first_panic.get_or_insert(payload);
                    }
                }
            }
            if let Some(payload) = first_panic {
                drop(walk);
                std::panic::resume_unwind(payload);
            }
        }
        #[cfg(not(feature = "std"))]
        while walk.step() {}
        walk.freed
    }

    /// Frees every bag, queued or incoming. For the domain's `Drop`.
    ///
    /// # Safety
    /// No reader of the domain remains, and nobody else touches `self`.
    pub(crate) unsafe fn free_everything(&self) -> usize {
        // SAFETY: exclusive access stands in for the lock.
        unsafe { self.drain_incoming() };
        // SAFETY: as above.
        let all = unsafe { self.pop_expired(|_| true, true) };
        // SAFETY: no reader remains.
        unsafe { self.free(all) }
    }
}
