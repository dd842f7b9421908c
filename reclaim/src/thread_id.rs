//! Small, dense thread ids, handed back when a thread exits and reused by the next one.
//!
//! A domain finds the calling thread's reader slot by indexing its slot array with this id: one
//! thread-local load on the read path, no hash lookup. Ids are dense (the lowest free id is
//! handed out first), so a slot array only grows as far as the number of threads alive at once.
//!
//! Reuse is safe for every scheme: a thread's last write to its slot happens before it returns
//! the id (program order, then the pool's lock), and the next owner takes the id under the same
//! lock.
//!
//! ```
//! let mine = reclaim::thread_id::current();
//! assert_eq!(mine, reclaim::thread_id::current());
//! let other = std::thread::spawn(reclaim::thread_id::current).join().unwrap();
//! assert_ne!(mine, other);
//! ```

extern crate alloc;
use alloc::collections::BinaryHeap;
use core::cell::Cell;
use core::cmp::Reverse;

struct Pool {
    next: usize,
    free: BinaryHeap<Reverse<usize>>,
}

static POOL: parking_lot::Mutex<Pool> = parking_lot::Mutex::new(Pool {
    next: 0,
    free: BinaryHeap::new(),
});

const UNSET: usize = usize::MAX;

/// Takes the lowest free id out of the pool.
///
/// ```
/// let id = reclaim::thread_id::acquire();
/// reclaim::thread_id::release(id);
/// ```
pub fn acquire() -> usize {
    let mut pool = POOL.lock();
    match pool.free.pop() {
        Some(Reverse(id)) => id,
        None => {
            pool.next += 1;
            pool.next - 1
        }
    }
}

/// Returns `id` to the pool. The caller must own it and must not use it afterwards.
///
/// ```
/// let id = reclaim::thread_id::acquire();
/// reclaim::thread_id::release(id);
/// assert_eq!(reclaim::thread_id::acquire(), id);
/// # reclaim::thread_id::release(id);
/// ```
pub fn release(id: usize) {
    POOL.lock().free.push(Reverse(id));
}

/// Gives the id back when the thread exits.
struct Owner(Cell<usize>);

impl Drop for Owner {
    fn drop(&mut self) {
        let id = self.0.get();
        if id != UNSET {
            // When a loom model fails, its threads' locals are dropped while the panic unwinds
            // and loom's execution state is already gone: touching another loom thread-local
            // then aborts the process instead of reporting the failure.
            #[cfg(loom)]
            let forget_cached = !std::thread::panicking();
            #[cfg(not(loom))]
            let forget_cached = true;
            if forget_cached {
                let _ = CACHED.try_with(|cached| cached.set(UNSET));
            }
            release(id);
        }
    }
}

#[cfg(not(loom))]
std::thread_local! {
    // No destructor, so reading it costs one thread-local load with no state check.
    static CACHED: Cell<usize> = const { Cell::new(UNSET) };
    static OWNER: Owner = const { Owner(Cell::new(UNSET)) };
}
#[cfg(loom)]
loom::thread_local! {
    static CACHED: Cell<usize> = Cell::new(UNSET);
    static OWNER: Owner = Owner(Cell::new(UNSET));
}

/// The calling thread's id.
///
/// A thread that reads its id for the first time from a thread-local destructor that runs after
/// this module's own keeps that id for good: there is nothing left to give it back.
///
/// ```
/// assert_eq!(reclaim::thread_id::current(), reclaim::thread_id::current());
/// ```
#[inline]
pub fn current() -> usize {
    let id = CACHED.with(Cell::get);
    if id != UNSET { id } else { register() }
}

#[cold]
fn register() -> usize {
    let id = acquire();
    #[cfg(not(loom))]
    let owned = OWNER.try_with(|owner| owner.0.set(id)).is_ok();
    #[cfg(loom)]
    let owned = {
        OWNER.with(|owner| owner.0.set(id));
        true
    };
    let _ = owned; // Without an owner the id is never returned; see `current`.
    CACHED.with(|cached| cached.set(id));
    id
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::prelude::rust_2024::*;

    #[test]
    fn ids_are_reused_after_thread_exit() {
        let first = std::thread::spawn(current).join().unwrap();
        let second = std::thread::spawn(current).join().unwrap();
        // Other tests run in parallel and may take the freed id first, so only check density.
        assert!(
            first < 64 && second < 64,
            "ids stay dense: {first}, {second}"
        );
    }

    #[test]
    fn live_threads_get_distinct_ids() {
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    let id = current();
                    barrier.wait();
                    id
                })
            })
            .collect();
        let mut ids: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 8);
    }
}
