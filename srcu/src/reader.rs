//! The read side: lock, unlock, guards and tokens.
//!
//! # Why an owned slot may use plain increments
//! With [`SlotChoice::Thread`] a slot has one writer: the thread whose id indexes it (ids are
//! handed back only when the thread exits). A counter with a single writer cannot lose an
//! update, so `load` + `store` (both `Relaxed`) does what `fetch_add` does, without the locked
//! instruction. A section that ends on another thread (a [`ReadToken`]) increments *that*
//! thread's slot, which it owns in turn; the lock and its unlock then sit on different slots,
//! which is fine because the writer only ever compares sums over all slots. Shared slots
//! ([`SlotChoice::Cpu`], [`Srcu::read_lock_on`]) have several writers and use `fetch_add`.
//!
//! # Cost
//! A guard keeps its slot and half, so unlock does not look them up again. The flavor check is
//! one predictable branch on a value that never changes once resolved. The debug-build misuse
//! tracking compiles to nothing in release builds.

use crate::{FAST, FAST_UNRESOLVED, SlotChoice, Srcu, SrcuSlot};
use core::marker::PhantomData;
use reclaim::slots::SlotsFull;
use reclaim::sync::{AtomicU64, Ordering, fence, light_fence};

/// A read-side section of an [`Srcu`] domain; the section ends when the guard drops.
///
/// Not `Send`: the section ends on the thread that began it (use [`ReadToken`] otherwise).
/// Sections nest freely.
///
/// ```
/// let domain = srcu::Srcu::new();
/// let outer = domain.read_lock();
/// let inner = domain.read_lock();
/// drop(inner);
/// drop(outer);
/// ```
///
/// A guard cannot move to another thread:
/// ```compile_fail
/// fn send<T: Send>(_: T) {}
/// let domain = srcu::Srcu::new();
/// send(domain.read_lock());
/// ```
#[must_use = "the read section ends as soon as the guard drops"]
pub struct SrcuGuard<'a, const N: usize = 0> {
    domain: &'a Srcu<N>,
    slot: &'a SrcuSlot,
    idx: usize,
    /// The slot is shared (atomic increments), or owned by this thread (plain ones).
    shared: bool,
    _not_send: PhantomData<*const ()>,
}

/// A read-side section that may end on another thread: "lock here, unlock there".
///
/// End it with [`Srcu::read_unlock`], or just drop it. Sections held through tokens are not
/// seen by the debug-build misuse check, since the token may be released anywhere.
///
/// ```
/// let domain = srcu::Srcu::new();
/// let token = domain.read_lock_token();
/// std::thread::scope(|s| {
///     s.spawn(|| domain.read_unlock(token));
/// });
/// domain.synchronize();
/// ```
#[must_use = "the read section ends as soon as the token drops"]
pub struct ReadToken<'a, const N: usize = 0> {
    domain: &'a Srcu<N>,
    /// The slot the section locked on; shared slots are unlocked there too.
    slot: &'a SrcuSlot,
    idx: usize,
}

impl<const N: usize> core::fmt::Debug for SrcuGuard<'_, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SrcuGuard").field("idx", &self.idx).finish()
    }
}

impl<const N: usize> core::fmt::Debug for ReadToken<'_, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ReadToken").field("idx", &self.idx).finish()
    }
}

/// The last (domain, thread id) to slot lookup a thread made with [`SlotChoice::Thread`]: one
/// entry, so a reader that stays in one domain skips the slot-array lookup.
#[cfg(all(feature = "std", not(loom)))]
#[derive(Clone, Copy)]
struct SlotCacheEntry {
    uid: u64,
    domain: usize,
    thread: usize,
    slot: *const SrcuSlot,
}

#[cfg(all(feature = "std", not(loom)))]
std::thread_local! {
    // No destructor, so reading it is one thread-local access with no state check.
    static SLOT_CACHE: core::cell::Cell<SlotCacheEntry> = const {
        core::cell::Cell::new(SlotCacheEntry {
            uid: 0,
            domain: 0,
            thread: usize::MAX,
            slot: core::ptr::null(),
        })
    };
}

/// Adds one to a counter: plainly when the caller is its only writer, atomically otherwise.
#[inline(always)]
fn bump(counter: &AtomicU64, shared: bool) {
    if shared {
        counter.fetch_add(1, Ordering::Relaxed);
    } else {
        counter.store(
            counter.load(Ordering::Relaxed).wrapping_add(1),
            Ordering::Relaxed,
        );
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn slots_full(full: SlotsFull) -> ! {
    panic!("srcu: {full}")
}

impl<const N: usize> Srcu<N> {
    /// Begins a read-side section; it ends when the guard drops.
    ///
    /// The slot comes from the domain's [`SlotChoice`]; without `std` every such section shares
    /// slot 0 (use [`read_lock_on`](Srcu::read_lock_on) to spread readers).
    ///
    /// # Panics
    /// Without `alloc`, when the slot index is past the domain's fixed slot count.
    ///
    /// ```
    /// let domain = srcu::Srcu::new();
    /// let guard = domain.read_lock();
    /// drop(guard);
    /// ```
    #[inline]
    pub fn read_lock(&self) -> SrcuGuard<'_, N> {
        let (slot, shared) = self.own_slot();
        self.guard_on(slot, shared)
    }

    /// Begins a read-side section counted on slot `slot`, which threads may share: for `no_std`
    /// callers that know their CPU or have their own reader ids. Increments are atomic.
    ///
    /// Returns [`SlotsFull`] when `slot` is past a fixed slot count.
    ///
    /// # Panics
    /// With `std`, on a domain built with [`SlotChoice::Thread`]: those slots belong to threads
    /// that update them without atomic read-modify-writes, so another writer would lose counts.
    ///
    /// ```
    /// use srcu::{Flavor, SlotChoice, Srcu};
    /// static DOMAIN: Srcu<4> = Srcu::new_fixed();
    /// let guard = DOMAIN.read_lock_on(3).unwrap();
    /// drop(guard);
    /// # #[cfg(not(feature = "alloc"))]
    /// assert!(DOMAIN.read_lock_on(4).is_err());
    /// ```
    #[inline]
    #[track_caller]
    pub fn read_lock_on(&self, slot: usize) -> Result<SrcuGuard<'_, N>, SlotsFull> {
        self.assert_shared_slots("read_lock_on");
        let slot = self.slots.get(slot)?;
        Ok(self.guard_on(slot, true))
    }

    /// Begins a read-side section that may end on another thread.
    ///
    /// ```
    /// let domain = srcu::Srcu::new();
    /// let token = domain.read_lock_token();
    /// let handle = std::thread::scope(|s| s.spawn(move || drop(token)).join());
    /// handle.unwrap();
    /// ```
    #[inline]
    pub fn read_lock_token(&self) -> ReadToken<'_, N> {
        let (slot, shared) = self.own_slot();
        let idx = self.lock_slot(slot, shared);
        ReadToken {
            domain: self,
            slot,
            idx,
        }
    }

    /// [`read_lock_token`](Srcu::read_lock_token) counted on a caller-chosen, shared slot.
    ///
    /// # Panics
    /// As [`read_lock_on`](Srcu::read_lock_on).
    ///
    /// ```
    /// static DOMAIN: srcu::Srcu<2> = srcu::Srcu::new_fixed();
    /// let token = DOMAIN.read_lock_token_on(1).unwrap();
    /// DOMAIN.read_unlock(token);
    /// ```
    #[inline]
    #[track_caller]
    pub fn read_lock_token_on(&self, slot: usize) -> Result<ReadToken<'_, N>, SlotsFull> {
        self.assert_shared_slots("read_lock_token_on");
        let slot = self.slots.get(slot)?;
        let idx = self.lock_slot(slot, true);
        Ok(ReadToken {
            domain: self,
            slot,
            idx,
        })
    }

    /// Ends the section `token` holds, on whatever thread calls it. Dropping the token does the
    /// same; this form also checks that the token belongs to this domain.
    ///
    /// # Panics
    /// When `token` came from another domain (that domain's section still ends, as the token
    /// drops during the unwind).
    ///
    /// ```
    /// let domain = srcu::Srcu::new();
    /// let token = domain.read_lock_token();
    /// domain.read_unlock(token);
    /// ```
    #[track_caller]
    pub fn read_unlock(&self, token: ReadToken<'_, N>) {
        assert!(
            core::ptr::eq(token.domain, self),
            "srcu: read_unlock was given a ReadToken from a different Srcu domain; unlock a \
             token on the domain that issued it"
        );
        drop(token);
    }

    /// The calling reader's slot, and whether it is shared.
    #[inline(always)]
    fn own_slot(&self) -> (&SrcuSlot, bool) {
        #[cfg(feature = "std")]
        let (index, shared) = match self.readers.choice {
            SlotChoice::Thread => {
                let thread = reclaim::thread_id::current();
                #[cfg(not(loom))]
                if let Some(slot) = self.cached_slot(thread) {
                    return (slot, false);
                }
                (thread, false)
            }
            SlotChoice::Cpu => (reclaim::cpu::current(), true),
        };
        #[cfg(not(feature = "std"))]
        let (index, shared) = (0, true);
        match self.slots.get(index) {
            Ok(slot) => {
                #[cfg(all(feature = "std", not(loom)))]
                if !shared {
                    self.cache_slot(index, slot);
                }
                (slot, shared)
            }
            Err(full) => slots_full(full),
        }
    }

    /// The slot the calling thread last used in this domain, if the cache still describes this
    /// domain, at this address, and this thread id.
    ///
    /// The key makes the pointer safe to use: `uid` is never reused by another domain (so the
    /// slot memory, which lives as long as the domain, is still there), the address catches a
    /// domain that was moved (its inline slots moved with it), and the thread id catches an id
    /// handed back and taken again (only the id's current owner may write the slot).
    #[cfg(all(feature = "std", not(loom)))]
    #[inline(always)]
    fn cached_slot(&self, thread: usize) -> Option<&SrcuSlot> {
        let entry = SLOT_CACHE.get();
        let uid = self.readers.uid.load(Ordering::Relaxed);
        if entry.uid == uid && entry.domain == self.addr() && entry.thread == thread {
            // SAFETY: see above; `uid` is nonzero in every filled entry and the empty entry's
            // thread never matches.
            Some(unsafe { &*entry.slot })
        } else {
            None
        }
    }

    #[cfg(all(feature = "std", not(loom)))]
    #[cold]
    fn cache_slot(&self, thread: usize, slot: &SrcuSlot) {
        SLOT_CACHE.set(SlotCacheEntry {
            uid: self.uid(),
            domain: self.addr(),
            thread,
            slot,
        });
    }

    /// This domain's unique id, assigned on first use (`new` is `const`).
    #[cfg(all(feature = "std", not(loom)))]
    fn uid(&self) -> u64 {
        static NEXT_UID: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(1);
        let uid = self.readers.uid.load(Ordering::Relaxed);
        if uid != 0 {
            return uid;
        }
        let fresh = NEXT_UID.fetch_add(1, Ordering::Relaxed);
        match self
            .readers
            .uid
            .compare_exchange(0, fresh, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => fresh,
            Err(winner) => winner,
        }
    }

    /// True when `read_lock` counts on a slot the calling thread owns.
    #[inline(always)]
    fn owned_slots(&self) -> bool {
        cfg!(feature = "std") && self.readers.choice == SlotChoice::Thread
    }

    #[inline(always)]
    #[track_caller]
    fn assert_shared_slots(&self, operation: &str) {
        if self.owned_slots() {
            panic!(
                "srcu: `{operation}` needs a domain whose slots are shared (SlotChoice::Cpu); \
                 this one gives each thread its own slot, updated without atomic \
                 read-modify-writes. Use `read_lock`, or build the domain with SlotChoice::Cpu"
            );
        }
    }

    #[inline(always)]
    fn guard_on<'a>(&'a self, slot: &'a SrcuSlot, shared: bool) -> SrcuGuard<'a, N> {
        let idx = self.lock_slot(slot, shared);
        reclaim::debug::enter_section(self.addr());
        SrcuGuard {
            domain: self,
            slot,
            idx,
            shared,
            _not_send: PhantomData,
        }
    }

    /// Read lock, steps 1 to 4: load the index, count the section in it, then B.
    #[inline(always)]
    pub(crate) fn lock_slot(&self, slot: &SrcuSlot, shared: bool) -> usize {
        let idx = self.readers.idx.load(Ordering::Relaxed) & 1;
        bump(&slot.locks[idx], shared);
        // B: pairs with A (store buffering: either the writer's lock sum sees this increment,
        // or the loads of this section see every update made before that scan) and with E.
        #[cfg(not(feature = "mutant-no-b"))]
        self.reader_fence(Ordering::SeqCst);
        idx
    }

    /// Read unlock: C, then count the exit in the half the section entered.
    #[inline(always)]
    pub(crate) fn unlock_slot(&self, slot: &SrcuSlot, idx: usize, shared: bool) {
        // C: pairs with A. A scan that counts this unlock (A acts as its acquire fence) sees
        // the whole section, and this section's lock, as finished. That is message passing, so
        // a release fence is enough: the section's accesses and its lock increment may not move
        // past the unlock increment. Linux uses a full barrier here; the only extra it buys is
        // ordering this unlock before the *next* lock's index load, which the counter-wrap
        // argument uses but safety does not (see docs/srcu.md), and on x86 it would cost a
        // locked instruction per section where a release fence costs nothing.
        #[cfg(not(feature = "mutant-no-c"))]
        self.reader_fence(Ordering::Release);
        bump(&slot.unlocks[idx & 1], shared);
    }

    /// The reader half of B (`SeqCst`) and C (`Release`). One predictable branch: the flavor
    /// never changes once resolved. Until it is resolved, a reader runs the real fence, which
    /// is always enough.
    #[inline(always)]
    fn reader_fence(&self, order: Ordering) {
        let flavor = self.readers.flavor.load(Ordering::Relaxed);
        if flavor == FAST {
            light_fence();
        } else {
            fence(order);
            if flavor == FAST_UNRESOLVED {
                self.flavor();
            }
        }
    }
}

impl<const N: usize> Drop for SrcuGuard<'_, N> {
    #[inline]
    fn drop(&mut self) {
        reclaim::debug::exit_section(self.domain.addr());
        self.domain.unlock_slot(self.slot, self.idx, self.shared);
    }
}

impl<const N: usize> Drop for ReadToken<'_, N> {
    #[inline]
    fn drop(&mut self) {
        let domain = self.domain;
        // An owned slot may only be written by its owner, so a token ends on the dropping
        // thread's own slot; a shared slot can be written from anywhere, so it ends where it
        // began (no need to look up the current CPU).
        if domain.owned_slots() {
            let (mine, _) = domain.own_slot();
            domain.unlock_slot(mine, self.idx, false);
        } else {
            domain.unlock_slot(self.slot, self.idx, true);
        }
    }
}
