//! Per-thread state, measured: the size of a reader slot (with its local bag), and the bytes a
//! thread allocates when it joins a domain (its first pin) and keeps while it lives, for this
//! crate and for crossbeam-epoch in the same run. A counting allocator attributes every allocation to the
//! thread that makes it.
//!
//! `cargo test -p gracepoint-epoch --test footprint -- --nocapture` prints the figures quoted in
//! `docs/epoch.md`.

#![cfg(feature = "std")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Barrier;

/// Counts, per thread, the bytes allocated and not yet freed by that thread.
struct Counting;

std::thread_local! {
    static NET: Cell<isize> = const { Cell::new(0) };
}

fn count(bytes: isize) {
    // `try_with`: allocations made while the thread's locals are being destroyed are not counted.
    let _ = NET.try_with(|net| net.set(net.get() + bytes));
}

// SAFETY: forwards to the system allocator; the bookkeeping allocates nothing.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        // SAFETY: as the caller promised.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        // SAFETY: as the caller promised.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn net() -> isize {
    NET.with(Cell::get)
}

/// Runs `join` on each of `threads` threads at once and returns what each kept allocated
/// afterwards, measured while all of them are still alive.
fn joined_bytes(threads: usize, join: impl Fn() -> Box<dyn FnOnce()> + Sync) -> Vec<isize> {
    let all_joined = Barrier::new(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let before = net();
                    let leave = join();
                    let kept = net() - before;
                    all_joined.wait();
                    leave();
                    kept
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn per_thread_state_is_one_slot_and_no_allocation_per_thread() {
    // One test function, so that the thread ids this binary hands out stay dense.
    const THREADS: usize = 100;
    let slot = gracepoint_epoch::SLOT_BYTES;
    let domain = gracepoint_epoch::Epoch::new();
    let ours = joined_bytes(THREADS, || {
        drop(domain.pin());
        Box::new(|| {})
    });
    let collector = crossbeam_epoch::Collector::new();
    let theirs = joined_bytes(THREADS, || {
        let handle = collector.register();
        drop(handle.pin());
        Box::new(move || drop(handle))
    });
    let total = |v: &[isize]| v.iter().sum::<isize>();
    // Debug builds also keep the misuse checker's list of open sections per thread (a small
    // vector); release builds allocate nothing per thread.
    let tracker = if cfg!(debug_assertions) { 64 } else { 0 };
    let growers = ours.iter().filter(|&&b| b > tracker).count();
    let others = ours.iter().filter(|&&b| b <= tracker).max().unwrap_or(&0);
    eprintln!(
        "epoch: slot {slot} B; {THREADS} threads joining allocated {} B in all ({} B per thread \
         amortised), {growers} of them (slot array growth), the others at most {others} B",
        total(&ours),
        total(&ours) / THREADS as isize,
    );
    let entries = reclaim::scheme::bag::ENTRIES_HEAP_BYTES;
    eprintln!(
        "epoch: a thread that retires also allocates its local bag's entries once: {entries} B \
         (slot and entries together {} B)",
        slot + entries
    );
    eprintln!(
        "crossbeam-epoch: {THREADS} threads joining allocated {} B in all ({} B per thread); \
         smallest single thread {} B",
        total(&theirs),
        total(&theirs) / THREADS as isize,
        theirs.iter().min().unwrap(),
    );
    assert!(slot <= 256, "a slot takes {slot} B");
    assert!(
        slot + entries <= 1024,
        "a retiring thread's slot and bag take {} B",
        slot + entries
    );
    // The slot array grows in doubling segments of 16, 32, 64... slots: a handful of threads
    // allocate a segment, every other thread allocates nothing at all. (The process-wide record
    // of thread names and ids for stall reports, shared by every domain, grows by doubling too:
    // one more grower now and then.)
    assert!(growers <= 8, "{growers} threads allocated when joining");
    assert!(
        total(&ours) <= (2 * THREADS as isize + 16) * slot as isize,
        "the slot array reserved more than twice the slots in use"
    );
}
