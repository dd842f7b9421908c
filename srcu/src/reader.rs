//! The read side: lock, unlock, guards, tokens and registered readers.
//!
//! # Why an owned slot may use plain increments
//! With [`SlotChoice::Thread`] a slot has one writer: the thread whose (crate-private) id indexes
//! it, or the [`SrcuReader`] that claimed it. A counter with a single writer cannot lose an
//! update, so `load` + `store` (both `Relaxed`) does what `fetch_add` does, without the locked
//! instruction. Ownership is a type (`reclaim::scheme::slots::Owned`), which safe code outside
//! `reclaim` cannot make. A section that ends on another thread (a [`ReadToken`]) increments
//! *that* thread's own slot; lock and unlock then sit on different slots, which is fine because
//! the writer only ever compares sums over all slots. Shared slots ([`SlotChoice::Cpu`],
//! [`Srcu::enter_on`]) have several writers and use `fetch_add`.
//!
//! # Length
//! Over 500 lines, of which about 185 are the runnable examples every public item carries; the
//! code (guards, tokens and registered readers, which share the lock and unlock path) is about
//! 340.
//!
//! # Cost
//! The calling thread's slot is one thread-local load and one compare away (the slot array
//! remembers it per thread). A guard keeps its slot and half, so unlock does not look them up
//! again. The flavor check is one predictable branch on a value that never changes once
//! resolved. The debug-build misuse tracking compiles to nothing in release builds.

use crate::{FAST, FAST_UNRESOLVED, SlotChoice, Srcu, SrcuSlot};
use core::marker::PhantomData;
use reclaim::SlotsFull;
use reclaim::scheme::slots::{Owned, Slot, SlotClaim};
use reclaim::sync::{AtomicU64, Ordering, fence, light_fence};

/// A read-side section of an [`Srcu`] domain; the section ends when the guard drops.
///
/// Not `Send`: the section ends on the thread that began it (use [`ReadToken`] otherwise).
/// Sections nest freely.
///
/// ```
/// let domain = gracepoint_srcu::Srcu::new();
/// let outer = domain.enter();
/// let inner = domain.enter();
/// drop(inner);
/// drop(outer);
/// ```
///
/// A guard cannot move to another thread:
/// ```compile_fail
/// fn send<T: Send>(_: T) {}
/// let domain = gracepoint_srcu::Srcu::new();
/// send(domain.enter());
/// ```
#[must_use = "the read section ends as soon as the guard drops"]
pub struct SrcuGuard<'a, const N: usize = 0> {
    domain: &'a Srcu<N>,
    slot: &'a SrcuSlot,
    /// `Some` when the slot is owned by this thread or reader (plain increments, a nesting
    /// depth, and the retire path's deferred work at the outermost exit); `None` when it is
    /// shared (atomic increments).
    owner: Option<Owned<'a, SrcuSlot>>,
    idx: usize,
    _not_send: PhantomData<*const ()>,
}

/// A read-side section that may end on another thread: "lock here, unlock there".
///
/// End it with [`Srcu::read_unlock`], or just drop it. Sections held through tokens are not
/// seen by the debug-build misuse check, since the token may be released anywhere.
///
/// ```
/// let domain = gracepoint_srcu::Srcu::new();
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

/// A reader that owns a slot of its domain until it drops: the cheapest way in (no slot lookup
/// at all), and the `no_std` way to give a reader a slot of its own.
///
/// `Send` (it may move to another thread between sections) but not `Sync`: two threads
/// entering through one reader would both write its slot's plain counters.
///
/// ```compile_fail
/// fn shared<T: Sync>(_: &T) {}
/// let domain = gracepoint_srcu::Srcu::new();
/// shared(&domain.register().unwrap());
/// ```
///
/// ```
/// let domain = gracepoint_srcu::Srcu::new();
/// let reader = domain.register().unwrap();
/// let guard = reader.enter();
/// drop(guard);
/// domain.synchronize();
/// ```
pub struct SrcuReader<'a, const N: usize = 0> {
    domain: &'a Srcu<N>,
    claim: SlotClaim<'a, SrcuSlot, N>,
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

impl<const N: usize> core::fmt::Debug for SrcuReader<'_, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SrcuReader")
            .field("slot", &self.claim.index())
            .finish()
    }
}

/// Adds one to a counter whose only writer is the caller: a plain load and store.
#[inline(always)]
fn bump_owned(counter: &AtomicU64) {
    counter.store(
        counter.load(Ordering::Relaxed).wrapping_add(1),
        Ordering::Relaxed,
    );
}

/// Adds one to a shared counter; the `srcu_plain_shared` mutant brings back a plain increment
/// there, which loses counts when two readers share the slot.
#[inline(always)]
fn bump_shared(counter: &AtomicU64) {
    reclaim::mutant!("srcu_plain_shared" => counter.store(
        counter.load(Ordering::Relaxed).wrapping_add(1),
        Ordering::Relaxed,
    ), else {
        counter.fetch_add(1, Ordering::Relaxed);
    });
}

#[cold]
#[inline(never)]
#[track_caller]
fn slots_full(full: SlotsFull) -> ! {
    panic!("srcu: {full}")
}

/// Read-side sections: guards on the thread's own slot, on a named slot, tokens that may end
/// on another thread, and registered readers with a slot of their own.
///
/// ```
/// let domain = gracepoint_srcu::Srcu::new();
/// let guard = domain.enter(); // ends when dropped
/// let token = domain.read_lock_token(); // may end on another thread
/// let shared = &domain;
/// std::thread::scope(|s| {
///     s.spawn(move || shared.read_unlock(token));
/// });
/// let reader = domain.register().unwrap(); // no slot lookup on entry
/// drop(reader.enter());
/// drop(guard);
/// domain.synchronize();
/// ```
impl<const N: usize> Srcu<N> {
    /// Begins a read-side section; it ends when the guard drops.
    ///
    /// The slot comes from the domain's [`SlotChoice`]; without `std` every such section shares
    /// slot 0 (use [`enter_on`](Srcu::enter_on) or [`register`](Srcu::register) to spread
    /// readers).
    ///
    /// # Panics
    /// Without `alloc`, when the slot index is past the domain's fixed slot count.
    ///
    /// ```
    /// let domain = gracepoint_srcu::Srcu::new();
    /// let guard = domain.enter();
    /// drop(guard);
    /// ```
    #[inline(always)]
    #[track_caller]
    pub fn enter(&self) -> SrcuGuard<'_, N> {
        match self.own_slot() {
            (slot, Some(owner)) => self.guard_owned(owner, slot),
            (slot, None) => self.guard_shared(slot.state()),
        }
    }

    /// The literature's name for [`enter`](Srcu::enter) (`srcu_read_lock`).
    ///
    /// ```
    /// let domain = gracepoint_srcu::Srcu::new();
    /// drop(domain.read_lock());
    /// ```
    #[inline]
    #[track_caller]
    pub fn read_lock(&self) -> SrcuGuard<'_, N> {
        self.enter()
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
    /// static DOMAIN: gracepoint_srcu::Srcu<4> = gracepoint_srcu::Srcu::new_fixed();
    /// let guard = DOMAIN.enter_on(3).unwrap();
    /// drop(guard);
    /// # #[cfg(not(feature = "alloc"))]
    /// assert!(DOMAIN.enter_on(4).is_err());
    /// ```
    #[inline]
    #[track_caller]
    pub fn enter_on(&self, slot: usize) -> Result<SrcuGuard<'_, N>, SlotsFull> {
        self.assert_shared_slots("enter_on");
        let slot = self.core.slots().shared(slot)?;
        Ok(self.guard_shared(slot.state()))
    }

    /// Begins a read-side section that may end on another thread.
    ///
    /// ```
    /// let domain = gracepoint_srcu::Srcu::new();
    /// let token = domain.read_lock_token();
    /// std::thread::scope(|s| s.spawn(move || drop(token)).join()).unwrap();
    /// ```
    #[inline]
    #[track_caller]
    pub fn read_lock_token(&self) -> ReadToken<'_, N> {
        self.note_token();
        let (slot, owner) = self.own_slot();
        let idx = self.lock_slot(slot.state(), owner.is_none());
        ReadToken {
            domain: self,
            slot: slot.state(),
            idx,
        }
    }

    /// [`read_lock_token`](Srcu::read_lock_token) counted on a caller-chosen, shared slot.
    ///
    /// # Panics
    /// As [`enter_on`](Srcu::enter_on).
    ///
    /// ```
    /// static DOMAIN: gracepoint_srcu::Srcu<2> = gracepoint_srcu::Srcu::new_fixed();
    /// let token = DOMAIN.read_lock_token_on(1).unwrap();
    /// DOMAIN.read_unlock(token);
    /// ```
    #[inline]
    #[track_caller]
    pub fn read_lock_token_on(&self, slot: usize) -> Result<ReadToken<'_, N>, SlotsFull> {
        self.assert_shared_slots("read_lock_token_on");
        self.note_token();
        let slot = self.core.slots().shared(slot)?.state();
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
    /// let domain = gracepoint_srcu::Srcu::new();
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

    /// Takes a slot for one reader, to enter through with no lookup. Fails with [`SlotsFull`]
    /// when a fixed-size domain has no free slot left.
    ///
    /// On a domain with per-thread slots the reader's increments are plain stores (it owns the
    /// slot); on shared-slot domains they stay atomic, since [`enter_on`](Srcu::enter_on) may
    /// name the same slot.
    ///
    /// ```
    /// static DOMAIN: gracepoint_srcu::Srcu<2> = gracepoint_srcu::Srcu::new_fixed();
    /// let reader = DOMAIN.register().unwrap();
    /// drop(reader.enter());
    /// ```
    pub fn register(&self) -> Result<SrcuReader<'_, N>, SlotsFull> {
        Ok(SrcuReader {
            domain: self,
            claim: self.core.slots().claim()?,
        })
    }

    /// Records that tokens are in use (for stall reports): a load, and a store the first time.
    #[inline(always)]
    fn note_token(&self) {
        if !self.readers.tokens_used.load(Ordering::Relaxed) {
            self.readers.tokens_used.store(true, Ordering::Relaxed);
        }
    }

    /// The calling reader's slot, and its ownership when the calling thread owns it.
    #[inline(always)]
    #[track_caller]
    fn own_slot(&self) -> (&Slot<SrcuSlot>, Option<Owned<'_, SrcuSlot>>) {
        #[cfg(feature = "std")]
        match self.readers.choice {
            SlotChoice::Thread => match self.core.slots().mine() {
                Ok(owned) => (owned.slot(), Some(owned)),
                Err(full) => slots_full(full),
            },
            SlotChoice::Cpu => match self.core.slots().shared(reclaim::scheme::cpu::current()) {
                Ok(slot) => (slot, None),
                Err(full) => slots_full(full),
            },
        }
        #[cfg(not(feature = "std"))]
        match self.core.slots().shared(0) {
            Ok(slot) => (slot, None),
            Err(full) => slots_full(full),
        }
    }

    /// True when `enter` counts on a slot the calling thread owns.
    #[inline(always)]
    pub(crate) fn owned_slots(&self) -> bool {
        cfg!(feature = "std") && self.readers.choice == SlotChoice::Thread
    }

    #[inline(always)]
    #[track_caller]
    fn assert_shared_slots(&self, operation: &str) {
        if self.owned_slots() {
            panic!(
                "srcu: `{operation}` needs a domain whose slots are shared (SlotChoice::Cpu); \
                 this one gives each thread its own slot, updated without atomic \
                 read-modify-writes. Use `enter`, or build the domain with SlotChoice::Cpu"
            );
        }
    }

    /// A section on a slot the caller owns: plain increments and a nesting depth.
    #[inline(always)]
    fn guard_owned<'a>(
        &'a self,
        owner: Owned<'a, SrcuSlot>,
        slot: &'a Slot<SrcuSlot>,
    ) -> SrcuGuard<'a, N> {
        let state = slot.state();
        // SAFETY: `owner` proves this thread owns the slot.
        unsafe { state.depth.set(state.depth.get() + 1) };
        let idx = self.lock_slot(state, false);
        reclaim::scheme::debug::enter_section(self.addr());
        SrcuGuard {
            domain: self,
            slot: state,
            owner: Some(owner),
            idx,
            _not_send: PhantomData,
        }
    }

    /// A section on a slot other threads may share: atomic increments.
    #[inline(always)]
    fn guard_shared<'a>(&'a self, slot: &'a SrcuSlot) -> SrcuGuard<'a, N> {
        let idx = self.lock_slot(slot, true);
        reclaim::scheme::debug::enter_section(self.addr());
        SrcuGuard {
            domain: self,
            slot,
            owner: None,
            idx,
            _not_send: PhantomData,
        }
    }

    /// Read lock: load the index, count the section in it, then B.
    #[inline(always)]
    pub(crate) fn lock_slot(&self, slot: &SrcuSlot, shared: bool) -> usize {
        let idx = self.readers.idx.load(Ordering::Relaxed) & 1;
        if shared {
            bump_shared(&slot.locks[idx]);
        } else {
            bump_owned(&slot.locks[idx]);
        }
        // B: pairs with A (store buffering: either the writer's lock sum sees this increment,
        // or the loads of this section see every update made before that scan's A) and so,
        // through A, with P.
        reclaim::mutant!("srcu_no_b" => (), else self.reader_fence(Ordering::SeqCst));
        idx
    }

    /// Read unlock: C, then count the exit in the half the section entered.
    #[inline(always)]
    pub(crate) fn unlock_slot(&self, slot: &SrcuSlot, idx: usize, shared: bool) {
        // C: pairs with A. A scan that counts this unlock (A acts as its acquire fence) sees the
        // whole section, and this section's lock, as finished. That is message passing, so a
        // release fence is enough: the section's accesses and its lock increment may not move
        // past the unlock increment. Linux uses a full barrier here; all it adds is ordering
        // this unlock before the next lock's index load, which only the counter-wrap bound of
        // 32-bit counters needs, and on x86 it would cost a locked instruction per section
        // where a release fence costs nothing.
        reclaim::mutant!("srcu_no_c" => (), else self.reader_fence(Ordering::Release));
        if shared {
            bump_shared(&slot.unlocks[idx & 1]);
        } else {
            bump_owned(&slot.unlocks[idx & 1]);
        }
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

impl<const N: usize> SrcuReader<'_, N> {
    /// Begins a read-side section on this reader's slot; nesting is free.
    ///
    /// ```
    /// let domain = gracepoint_srcu::Srcu::new();
    /// let reader = domain.register().unwrap();
    /// let outer = reader.enter();
    /// let inner = reader.enter();
    /// drop((inner, outer));
    /// ```
    #[inline]
    pub fn enter(&self) -> SrcuGuard<'_, N> {
        let owner = self.claim.owned();
        if self.domain.owned_slots() {
            self.domain.guard_owned(owner, owner.slot())
        } else {
            self.domain.guard_shared(owner.state())
        }
    }
}

impl<const N: usize> SrcuReader<'_, N> {
    /// Calls `free(ptr)` once every read section that began before this call has ended, like
    /// [`Srcu::retire_raw`], into this reader's own bag: no lookup, no lock, no atomic
    /// read-modify-write (the `no_std` way to retire without a shared fallback).
    ///
    /// # Safety
    /// As [`Srcu::retire_raw`].
    ///
    /// ```
    /// static DOMAIN: gracepoint_srcu::Srcu<2> = gracepoint_srcu::Srcu::new_fixed();
    /// unsafe fn forget(_: *mut ()) {}
    /// let reader = DOMAIN.register().unwrap();
    /// // SAFETY: `forget` accepts any pointer.
    /// unsafe { reader.retire_raw(core::ptr::null_mut(), forget) };
    /// DOMAIN.barrier();
    /// ```
    pub unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
        // SAFETY: the caller promises what `Retired::new` asks.
        let item = unsafe { reclaim::scheme::bag::Retired::new(ptr, free) };
        self.domain
            .core
            .retire(&self.domain.clock(), self.claim.owned(), item);
    }
}

impl<const N: usize> Drop for SrcuGuard<'_, N> {
    #[inline]
    fn drop(&mut self) {
        reclaim::scheme::debug::exit_section(self.domain.addr());
        self.domain
            .unlock_slot(self.slot, self.idx, self.owner.is_none());
        if let Some(owner) = self.owner {
            // SAFETY: `owner` proves this thread owns the slot.
            let depth = unsafe { self.slot.depth.get() } - 1;
            // SAFETY: as above.
            unsafe { self.slot.depth.set(depth) };
            if depth == 0 {
                // The outermost section ended: run what a retire left for this moment.
                self.domain
                    .core
                    .on_section_exit(&self.domain.clock(), owner);
            }
        }
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
            domain.unlock_slot(mine.state(), self.idx, false);
        } else {
            domain.unlock_slot(self.slot, self.idx, true);
        }
    }
}
