//! Small, dense thread ids, and the one-entry cache that makes a read section's slot lookup
//! one thread-local load and one compare.
//!
//! Crate-private on purpose: a thread id *is* the right to write a slot without atomic
//! read-modify-writes, so only this crate hands ids out and takes them back. Safe code outside
//! the crate cannot obtain, return or forge one (see the `compile_fail` example in
//! [`scheme`](crate::scheme)).
//!
//! # Ids
//! The lowest free id is handed out first, so a slot array grows only as far as the number of
//! threads alive at once. An id goes back to the pool when its thread exits (the destructor of
//! a thread-local). Reuse is safe: the exiting thread's last write to its slots happens before
//! it returns the id (program order, then the pool's lock), and the next owner takes the id under
//! the same lock.
//!
//! # The slot cache
//! Each thread remembers the last `(slot array key, slot)` pair it looked up. A slot array's key
//! is unique for the life of the process and is only cached for slots that live in heap segments,
//! which never move and live as long as the array: a hit can therefore never point at freed or
//! moved memory, and the slot belongs to this thread because the cache dies with the thread (it
//! is cleared before the id is returned).

extern crate alloc;
use alloc::collections::BinaryHeap;
use core::cell::Cell;
use core::cmp::Reverse;

struct Pool {
    next: usize,
    free: BinaryHeap<Reverse<usize>>,
    /// Who holds each id: recorded when the id is taken (off the read path), for stall reports.
    owners: alloc::vec::Vec<Option<crate::stall::ThreadInfo>>,
}

// Loom cannot see this lock: an id handed from a thread that exited to the next owner would look
// to loom like an unsynchronized hand-off, and the new owner's first look at its slot (is the
// owner inside a section?) like a race with the old one. So under loom an id is never reused
// within an execution, and every execution starts from an empty pool (`reset_for_loom`); a
// loom-managed pool would have to outlive the execution's statics, which loom tears down
// before the main thread's locals.
static POOL: parking_lot::Mutex<Pool> = parking_lot::Mutex::new(Pool {
    next: 0,
    free: BinaryHeap::new(),
    owners: alloc::vec::Vec::new(),
});

/// The pool, locked.
fn pool() -> impl core::ops::DerefMut<Target = Pool> {
    POOL.lock()
}

/// The calling thread as stall reports name it.
fn this_thread() -> Option<crate::stall::ThreadInfo> {
    #[cfg(loom)]
    return None;
    #[cfg(not(loom))]
    {
        #[cfg(target_os = "linux")]
        // SAFETY: gettid has no preconditions.
        let os_tid = unsafe { libc::gettid() } as u64;
        #[cfg(not(target_os = "linux"))]
        let os_tid = 0;
        let name = std::thread::current()
            .name()
            .map(alloc::string::String::from);
        Some(crate::stall::ThreadInfo { name, os_tid })
    }
}

/// The thread that holds id `id` now, if it is recorded.
pub(crate) fn owner_of(id: usize) -> Option<crate::stall::ThreadInfo> {
    pool().owners.get(id).cloned().flatten()
}

const UNSET: usize = usize::MAX;
/// The key of an empty cache entry: slot arrays never get this key (see `next_key`).
const NO_KEY: u64 = u64::MAX;

/// Takes the lowest free id out of the pool.
pub(crate) fn acquire() -> usize {
    let me = this_thread();
    let mut pool = pool();
    let id = match crate::mutant!("thread_id_peek" => pool.free.peek().copied(),
        else pool.free.pop())
    {
        Some(Reverse(id)) => id,
        None => {
            pool.next += 1;
            pool.next - 1
        }
    };
    if pool.owners.len() <= id {
        pool.owners.resize(id + 1, None);
    }
    pool.owners[id] = me;
    id
}

/// Returns `id` to the pool.
///
/// # Safety
/// The caller owns `id` (it came from [`acquire`] and was not released since) and neither it nor
/// anyone it handed the id to uses it afterwards.
pub(crate) unsafe fn release(id: usize) {
    let mut pool = pool();
    if let Some(owner) = pool.owners.get_mut(id) {
        *owner = None;
    }
    #[cfg(not(loom))]
    pool.free.push(Reverse(id));
}

/// Forgets every id handed out: the loom harness calls this as each execution of a model starts,
/// when no thread of the previous execution holds one any more.
#[cfg(loom)]
pub fn reset_for_loom() {
    let mut pool = pool();
    pool.next = 0;
    pool.free.clear();
    pool.owners.clear();
}

#[cfg(not(loom))]
/// A fresh slot-array key: unique for the life of the process, never 0 (the "not assigned yet"
/// value) and never [`NO_KEY`].
pub(crate) fn next_key() -> u64 {
    static NEXT: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, core::sync::atomic::Ordering::Relaxed)
}

/// What a thread keeps: its id and its last slot lookup. No destructor, so reading it is a
/// plain thread-local load with no state check.
struct Local {
    id: Cell<usize>,
    key: Cell<u64>,
    slot: Cell<*const ()>,
    /// The domain (its core's address) whose retired objects this thread is freeing right now,
    /// or 0.
    collecting: Cell<usize>,
}

/// Gives the id back when the thread exits.
struct Owner(Cell<usize>);

impl Drop for Owner {
    fn drop(&mut self) {
        let id = self.0.get();
        if id == UNSET {
            return;
        }
        // When a loom model fails, its threads' locals are dropped while the panic unwinds and
        // loom's execution state is already gone: touching another loom thread-local then
        // aborts the process instead of reporting the failure.
        #[cfg(loom)]
        let forget = !std::thread::panicking();
        #[cfg(not(loom))]
        let forget = true;
        if forget {
            let _ = LOCAL.try_with(|local| {
                local.id.set(UNSET);
                local.key.set(NO_KEY);
                local.slot.set(core::ptr::null());
            });
        }
        // SAFETY: this thread took `id` in `register` and, with the cache cleared above, no
        // longer uses it.
        unsafe { release(id) };
    }
}

#[cfg(not(loom))]
std::thread_local! {
    static LOCAL: Local = const {
        Local {
            id: Cell::new(UNSET),
            key: Cell::new(NO_KEY),
            slot: Cell::new(core::ptr::null()),
            collecting: Cell::new(0),
        }
    };
    static OWNER: Owner = const { Owner(Cell::new(UNSET)) };
}
#[cfg(loom)]
loom::thread_local! {
    static LOCAL: Local = Local {
        id: Cell::new(UNSET),
        key: Cell::new(NO_KEY),
        slot: Cell::new(core::ptr::null()),
        collecting: Cell::new(0),
    };
    static OWNER: Owner = Owner(Cell::new(UNSET));
}

/// The calling thread's id.
///
/// A thread that first asks for its id from a thread-local destructor that runs after this
/// module's own keeps that id for good: nothing is left to give it back.
#[inline]
pub(crate) fn current() -> usize {
    let id = LOCAL.with(|local| local.id.get());
    if id != UNSET { id } else { register() }
}

#[cold]
fn register() -> usize {
    let id = acquire();
    #[cfg(not(loom))]
    let _owned = OWNER.try_with(|owner| owner.0.set(id)).is_ok();
    #[cfg(loom)]
    OWNER.with(|owner| owner.0.set(id));
    LOCAL.with(|local| local.id.set(id));
    id
}

/// The slot this thread last remembered for the slot array with key `key`, if any.
#[cfg(not(loom))]
#[inline(always)]
pub(crate) fn cached(key: u64) -> Option<*const ()> {
    LOCAL.with(|local| (local.key.get() == key).then(|| local.slot.get()))
}

/// Remembers `slot` as this thread's slot in the array with key `key`.
///
/// # Safety
/// `slot` belongs to this thread's id in that array, and stays valid, at the same address, for
/// as long as the array lives.
#[cfg(not(loom))]
#[inline]
pub(crate) unsafe fn remember(key: u64, slot: *const ()) {
    LOCAL.with(|local| {
        local.key.set(key);
        local.slot.set(slot);
    });
}

/// Records that this thread now frees the retired objects of the domain at `domain` (0: none),
/// and returns what it recorded before (collections of different domains may nest).
pub(crate) fn set_collecting(domain: usize) -> usize {
    LOCAL
        .try_with(|local| local.collecting.replace(domain))
        .unwrap_or(0)
}

/// True while this thread frees the retired objects of the domain at `domain`.
pub(crate) fn is_collecting(domain: usize) -> bool {
    LOCAL
        .try_with(|local| local.collecting.get() == domain)
        .unwrap_or(false)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::prelude::rust_2024::*;

    #[test]
    fn ids_stay_dense_across_thread_exits() {
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

    #[test]
    fn the_cache_forgets_at_thread_exit_and_never_matches_an_unassigned_key() {
        assert_eq!(cached(0), None);
        std::thread::spawn(|| {
            let key = next_key();
            // An address without provenance (not `8 as *const ()`, an integer-to-pointer cast
            // that Miri's strict provenance refuses): the cache only stores and compares it.
            let slot = core::ptr::without_provenance::<()>(8);
            // SAFETY: the pointer is never dereferenced in this test.
            unsafe { remember(key, slot) };
            assert_eq!(cached(key), Some(slot));
        })
        .join()
        .unwrap();
    }
}
