//! The owned-slot baseline, shared by the `epoch` bench and the `pin_ratios` example: a load of
//! a shared clock stored into a slot only this thread writes, and a release store of zero on
//! exit, with no fence. It is what a reader slot costs without the fence, so a nested pin (which
//! needs no fence) is read as a ratio to it.

use crossbeam_utils::CachePadded;
use std::sync::atomic::{AtomicU64, Ordering};

/// One slot and the clock it copies.
pub struct OwnedSlot {
    clock: CachePadded<AtomicU64>,
    slot: CachePadded<AtomicU64>,
}

/// The section of an [`OwnedSlot`]: stores zero into the slot when dropped.
pub struct SlotGuard<'a>(&'a OwnedSlot);

impl OwnedSlot {
    /// A slot and a clock, both zero.
    pub const fn new() -> Self {
        Self {
            clock: CachePadded::new(AtomicU64::new(0)),
            slot: CachePadded::new(AtomicU64::new(0)),
        }
    }

    /// Loads the clock and stores it (made odd) into the slot.
    #[inline]
    pub fn enter(&self) -> SlotGuard<'_> {
        let now = self.clock.load(Ordering::Relaxed);
        self.slot.store(now | 1, Ordering::Relaxed);
        SlotGuard(self)
    }
}

impl Drop for SlotGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        self.0.slot.store(0, Ordering::Release);
    }
}

/// How many threads besides the measuring one `with_idle_threads` registers.
pub const IDLE_THREADS: usize = 999;

/// Runs `f` while [`IDLE_THREADS`] threads, each registered in `domain` and in `collector` (it
/// pinned both once), sit parked outside any section.
pub fn with_idle_threads<T>(
    domain: &gracepoint_epoch::Epoch,
    collector: &crossbeam_epoch::Collector,
    f: impl FnOnce() -> T,
) -> T {
    let stop = std::sync::atomic::AtomicBool::new(false);
    let ready = std::sync::Barrier::new(IDLE_THREADS + 1);
    std::thread::scope(|s| {
        let idle: Vec<_> = (0..IDLE_THREADS)
            .map(|_| {
                std::thread::Builder::new()
                    .stack_size(64 * 1024)
                    .spawn_scoped(s, || {
                        drop(domain.pin());
                        let handle = collector.register();
                        drop(handle.pin());
                        ready.wait();
                        while !stop.load(Ordering::Acquire) {
                            std::thread::park();
                        }
                    })
                    .expect("spawn an idle thread")
            })
            .collect();
        ready.wait();
        let result = f();
        stop.store(true, Ordering::Release);
        for thread in &idle {
            thread.thread().unpark();
        }
        result
    })
}
