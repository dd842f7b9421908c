//! The read side: lock, unlock, guards, tokens and registered readers.
//!
//! # Why an owned slot may use plain increments
//! With [`SlotChoice::Thread`] a slot has one writer: the thread whose (crate-private) id indexes
//! it, or the [`SrcuReader`] that claimed it. A counter with a single writer cannot lose an
//! update, so `load` + `store` (both `Relaxed`) does what `fetch_add` does, without the locked
//! instruction. Ownership is a type (`Owned`, from the shared core), which safe code outside
//! the core cannot make. A section that ends on another thread (a [`ReadToken`]) increments
//! *that* thread's own slot; lock and unlock then sit on different slots, which is fine because
//! the writer only ever compares sums over all slots. Shared slots ([`SlotChoice::Cpu`],
//! [`Srcu::enter_on`]) have several writers and use `fetch_add`.
//!
//! # Per-CPU counters by restartable sequence
//! [`SlotChoice::Cpu`] guards on Linux x86-64 count in the slot's `cpu_locks`/`cpu_unlocks`
//! instead, with a restartable sequence ([`reclaim::scheme::cpu::add_on_cpu`]) that reads the
//! CPU number and increments counter number *cpu* with a plain load and store: the kernel
//! restarts it if it is preempted, migrated or signalled before its store. Those counters
//! have one writer at a time, whoever runs on their CPU, so nothing else may touch them: the
//! sequence indexes slots `0..bound` of one run in memory (the inline slots, or the first
//! segment), and slot *c* counts for CPU *c*. Lock and unlock each index by the CPU they run on,
//! which may differ; the writer compares sums, so that is fine. Where the sequence cannot run
//! (no glibc rseq area, another architecture, loom, Miri, a CPU number past the run) the guard
//! falls back to `fetch_add` on the current CPU's slot's `locks`/`unlocks`.
//!
//! # Cost
//! The calling thread's slot is one thread-local load and one compare away (the slot array
//! remembers it per thread). A guard keeps its slot and half, so unlock does not look them up
//! again. The flavor check is one predictable branch on a value that never changes once
//! resolved. The debug-build misuse tracking compiles to nothing in release builds.

#[cfg(feature = "std")]
use crate::SlotChoice;
use crate::clock::SrcuClock;
use crate::{Srcu, SrcuSlot};
use core::marker::PhantomData;
use reclaim::SlotsFull;
use reclaim::scheme::slots::{Owned, Slot, SlotClaim, slots_full};
use reclaim::sync::{AtomicCount, Ordering};

/// A read-side section of an [`Srcu`] domain; the section ends when the guard drops.
///
/// Not `Send`: the section ends on the thread that began it (use [`ReadToken`] otherwise).
/// Sections nest freely.
///
/// ```
/// let domain = gracepoint::srcu::Srcu::new();
/// let outer = domain.enter();
/// let inner = domain.enter();
/// drop(inner);
/// drop(outer);
/// ```
///
/// A guard cannot move to another thread:
/// ```compile_fail
/// fn send<T: Send>(_: T) {}
/// let domain = gracepoint::srcu::Srcu::new();
/// send(domain.enter());
/// ```
#[must_use = "the read section ends as soon as the guard drops"]
pub struct SrcuGuard<'a, const N: usize = 0> {
    domain: &'a Srcu<N>,
    /// The slot whose counters count this section (with [`Bump::Cpu`], slot 0, the first of
    /// the run the restartable sequence indexes).
    slot: &'a SrcuSlot,
    /// How the counters are incremented.
    bump: Bump,
    /// The calling thread's (or registered reader's) own slot, when it has one: it keeps the
    /// nesting depth that tells the retire path and the misuse checks that its owner is
    /// inside, and runs the retire path's deferred work at the outermost exit. With per-thread
    /// slots it is also the counters' slot.
    owner: Option<Owned<'a, SrcuSlot>>,
    idx: usize,
    _not_send: PhantomData<*const ()>,
}

/// A read-side section that may end on another thread: "lock here, unlock there".
///
/// End it with [`Srcu::read_unlock`], or just drop it. Sections held through tokens are not
/// seen by the misuse checks, since the token may be released anywhere.
///
/// ```
/// let domain = gracepoint::srcu::Srcu::new();
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
/// let domain = gracepoint::srcu::Srcu::new();
/// shared(&domain.register().unwrap());
/// ```
///
/// ```
/// let domain = gracepoint::srcu::Srcu::new();
/// let reader = domain.register().unwrap();
/// let guard = reader.enter();
/// drop(guard);
/// domain.synchronize();
/// ```
pub struct SrcuReader<'a, const N: usize = 0> {
    pub(crate) domain: &'a Srcu<N>,
    pub(crate) claim: SlotClaim<'a, SrcuSlot, N>,
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

/// How a section's counters are incremented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bump {
    /// The caller owns the slot: plain load and store.
    Owned,
    /// Other threads may write the slot's counters: `fetch_add`.
    Shared,
    /// Per-CPU: a restartable sequence on the current CPU's `cpu_locks`/`cpu_unlocks`, or
    /// `fetch_add` on the current CPU's `locks`/`unlocks` where it cannot run.
    #[cfg(feature = "std")]
    Cpu,
}

/// Adds one to a counter whose only writer is the caller: a plain load and store.
#[inline(always)]
fn bump_owned(counter: &AtomicCount) {
    counter.store(
        counter.load(Ordering::Relaxed).wrapping_add(1),
        Ordering::Relaxed,
    );
}

/// Adds one to half `idx` of an owned slot's pair. The half is picked by a branch, so each
/// arm stores to a fixed offset from the slot: an indexed address would make the store wait on
/// the load of `idx` (docs/srcu.md, "The read side's cost"). `black_box` keeps the compiler
/// from folding the two arms back into the indexed form.
#[inline(always)]
fn bump_owned_half(pair: &[AtomicCount; 2], idx: usize) {
    if idx & 1 == 0 {
        bump_owned(&pair[0]);
    } else {
        core::hint::black_box(());
        bump_owned(&pair[1]);
    }
}

/// Adds one to a shared counter; the `srcu_plain_shared` mutant brings back a plain increment
/// there, which loses counts when two readers share the slot.
#[inline(always)]
fn bump_shared(counter: &AtomicCount) {
    reclaim::mutant!("srcu_plain_shared" => counter.store(
        counter.load(Ordering::Relaxed).wrapping_add(1),
        Ordering::Relaxed,
    ), else {
        counter.fetch_add(1, Ordering::Relaxed);
    });
}

/// Read-side sections: guards on the thread's own slot, on a named slot, tokens that may end
/// on another thread, and registered readers with a slot of their own.
///
/// ```
/// let domain = gracepoint::srcu::Srcu::new();
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
    /// let domain = gracepoint::srcu::Srcu::new();
    /// let guard = domain.enter();
    /// drop(guard);
    /// ```
    #[inline(always)]
    #[track_caller]
    pub fn enter(&self) -> SrcuGuard<'_, N> {
        #[cfg(feature = "std")]
        match self.srcu_clock().readers.choice {
            SlotChoice::Thread => match self.core.slots().mine() {
                Ok(owner) => self.guard(owner.state(), Bump::Owned, Some(owner)),
                Err(full) => slots_full("srcu", full),
            },
            // The counters go to the CPU's slot; the thread's own slot, when it has one, keeps
            // the depth (a fixed array may have a slot per CPU and none for this thread).
            SlotChoice::Cpu => match self.rseq_first() {
                Some(first) => self.guard(first, Bump::Cpu, self.core.slots().mine().ok()),
                None => match self.core.slots().shared(reclaim::scheme::cpu::current()) {
                    Ok(slot) => {
                        self.guard(slot.state(), Bump::Shared, self.core.slots().mine().ok())
                    }
                    Err(full) => slots_full("srcu", full),
                },
            },
        }
        #[cfg(not(feature = "std"))]
        match self.core.slots().shared(0) {
            Ok(slot) => self.guard(slot.state(), Bump::Shared, None),
            Err(full) => slots_full("srcu", full),
        }
    }

    /// The literature's name for [`enter`](Srcu::enter) (`srcu_read_lock`).
    ///
    /// ```
    /// let domain = gracepoint::srcu::Srcu::new();
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
    /// use gracepoint::srcu::{Options, SlotChoice, Srcu};
    /// static DOMAIN: Srcu<4> = Srcu::fixed_with_options(Options::DEFAULT.slots(SlotChoice::Cpu));
    /// let guard = DOMAIN.enter_on(3).unwrap();
    /// drop(guard);
    /// ```
    #[inline]
    #[track_caller]
    pub fn enter_on(&self, slot: usize) -> Result<SrcuGuard<'_, N>, SlotsFull> {
        self.assert_shared_slots("enter_on");
        let slot = self.core.slots().shared(slot)?;
        #[cfg(feature = "std")]
        let owner = self.core.slots().mine().ok();
        #[cfg(not(feature = "std"))]
        let owner = None;
        Ok(self.guard(slot.state(), Bump::Shared, owner))
    }

    /// Begins a read-side section that may end on another thread.
    ///
    /// ```
    /// let domain = gracepoint::srcu::Srcu::new();
    /// let token = domain.read_lock_token();
    /// std::thread::scope(|s| s.spawn(move || drop(token)).join()).unwrap();
    /// ```
    #[inline]
    #[track_caller]
    pub fn read_lock_token(&self) -> ReadToken<'_, N> {
        self.note_token();
        let (slot, owner) = self.own_slot();
        let shared = reclaim::mutant!("srcu_token_plain_shared" => false, else owner.is_none());
        let idx = self.lock_slot(
            slot.state(),
            if shared { Bump::Shared } else { Bump::Owned },
        );
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
    /// use gracepoint::srcu::{Options, SlotChoice, Srcu};
    /// static DOMAIN: Srcu<2> = Srcu::fixed_with_options(Options::DEFAULT.slots(SlotChoice::Cpu));
    /// let token = DOMAIN.read_lock_token_on(1).unwrap();
    /// DOMAIN.read_unlock(token);
    /// ```
    #[inline]
    #[track_caller]
    pub fn read_lock_token_on(&self, slot: usize) -> Result<ReadToken<'_, N>, SlotsFull> {
        self.assert_shared_slots("read_lock_token_on");
        self.note_token();
        let slot = self.core.slots().shared(slot)?.state();
        let idx = self.lock_slot(slot, Bump::Shared);
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
    /// let domain = gracepoint::srcu::Srcu::new();
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

    #[inline(always)]
    fn srcu_clock(&self) -> &SrcuClock {
        self.core.clock()
    }

    /// Records that tokens are in use (for stall reports): a load, and a store the first time.
    #[inline(always)]
    fn note_token(&self) {
        let used = &self.srcu_clock().readers.tokens_used;
        if !used.load(Ordering::Relaxed) {
            used.store(true, Ordering::Relaxed);
        }
    }

    /// The slot a token counts on, and its ownership when the calling thread owns it.
    #[inline(always)]
    #[track_caller]
    fn own_slot(&self) -> (&Slot<SrcuSlot>, Option<Owned<'_, SrcuSlot>>) {
        #[cfg(feature = "std")]
        match self.srcu_clock().readers.choice {
            SlotChoice::Thread => match self.core.slots().mine() {
                Ok(owned) => (owned.slot(), Some(owned)),
                Err(full) => slots_full("srcu", full),
            },
            SlotChoice::Cpu => match self.core.slots().shared(reclaim::scheme::cpu::current()) {
                Ok(slot) => (slot, None),
                Err(full) => slots_full("srcu", full),
            },
        }
        #[cfg(not(feature = "std"))]
        match self.core.slots().shared(0) {
            Ok(slot) => (slot, None),
            Err(full) => slots_full("srcu", full),
        }
    }

    #[inline(always)]
    #[track_caller]
    fn assert_shared_slots(&self, operation: &str) {
        if self.srcu_clock().owned_slots() {
            panic!(
                "srcu: `{operation}` needs a domain whose slots are shared (SlotChoice::Cpu); \
                 this one gives each thread its own slot, updated without atomic \
                 read-modify-writes. Use `enter`, or build the domain with SlotChoice::Cpu"
            );
        }
    }

    /// Slot 0's state when [`SlotChoice::Cpu`] sections count by restartable sequence (see
    /// the module docs), resolved by the first such section; `None` where they cannot.
    #[cfg(feature = "std")]
    #[inline(always)]
    fn rseq_first(&self) -> Option<&SrcuSlot> {
        // Loom has no restartable sequences: skip the resolution's atomics, which would only
        // add interleavings to explore.
        if cfg!(loom) {
            return None;
        }
        let readers = &self.srcu_clock().readers;
        // Acquire pairs with the Release in `resolve_rseq`: `rseq_first`, and the slots' `len`
        // raised over the run, come with the bound.
        match readers.rseq_bound.load(Ordering::Acquire) {
            0 => None,
            crate::clock::RSEQ_UNKNOWN => self.resolve_rseq(),
            // SAFETY: `resolve_rseq` stored the address of slot 0's state before the bound;
            // slots live, and stay in place, as long as the domain.
            _ => Some(unsafe { &*(readers.rseq_first.load(Ordering::Relaxed) as *const SrcuSlot) }),
        }
    }

    /// Looks once whether restartable sequences can count this domain's per-CPU sections, and
    /// raises the slots they will index (one per possible CPU, as many as lie in one run) into
    /// the scans. Racing callers compute the same answer.
    #[cfg(feature = "std")]
    #[cold]
    #[inline(never)]
    fn resolve_rseq(&self) -> Option<&SrcuSlot> {
        let readers = &self.srcu_clock().readers;
        let offset = reclaim::scheme::cpu::rseq_offset();
        let run = offset.and_then(|_| {
            self.core
                .slots()
                .leading_run(reclaim::scheme::cpu::possible())
        });
        match (offset, run) {
            (Some(offset), Some((first, bound))) => {
                readers
                    .rseq_offset
                    .store(offset as usize, Ordering::Relaxed);
                readers.rseq_first.store(
                    core::ptr::from_ref(first.state()) as usize,
                    Ordering::Relaxed,
                );
                readers.rseq_bound.store(bound, Ordering::Release);
                Some(first.state())
            }
            _ => {
                readers.rseq_bound.store(0, Ordering::Relaxed);
                None
            }
        }
    }

    /// Adds one to the current CPU's `counter` (a field of every slot, given for slot 0) by
    /// restartable sequence; false when it cannot (the caller then uses `fetch_add`).
    #[cfg(feature = "std")]
    #[inline(always)]
    fn add_on_cpu(&self, counter: &AtomicCount) -> bool {
        let readers = &self.srcu_clock().readers;
        let bound = readers.rseq_bound.load(Ordering::Relaxed);
        let offset = readers.rseq_offset.load(Ordering::Relaxed) as isize;
        // SAFETY: `counter` is in slot 0 of a run of `bound` slots, `Slots::STRIDE` bytes apart,
        // all in the domain's slot array (so alive as long as `self`); the same field of slot
        // `c` is written only by this sequence on CPU `c` (`cpu_locks` and `cpu_unlocks` have
        // no other writer; scans only load them). `offset` came from `rseq_offset`, stored
        // before the bound that `rseq_first` (which every caller loaded) was published with.
        unsafe {
            reclaim::scheme::cpu::add_on_cpu_at(
                offset,
                core::ptr::from_ref(counter).cast(),
                reclaim::scheme::slots::Slots::<SrcuSlot, N>::STRIDE,
                bound,
            )
        }
    }

    /// `fetch_add` on the current CPU's slot's `locks[idx]` (or `unlocks[idx]`): per-CPU
    /// sections where the sequence cannot run.
    #[cfg(feature = "std")]
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn bump_on_cpu_slot(&self, unlock: bool, idx: usize) {
        match self.core.slots().shared(reclaim::scheme::cpu::current()) {
            Ok(slot) if unlock => bump_shared(&slot.state().unlocks[idx]),
            Ok(slot) => bump_shared(&slot.state().locks[idx]),
            Err(full) => slots_full("srcu", full),
        }
    }

    /// A section counted on `slot` as `bump` says, with its depth on `owner`'s slot when there
    /// is one.
    #[inline(always)]
    fn guard<'a>(
        &'a self,
        slot: &'a SrcuSlot,
        bump: Bump,
        owner: Option<Owned<'a, SrcuSlot>>,
    ) -> SrcuGuard<'a, N> {
        if let Some(owner) = owner {
            owner.open_section();
        }
        let idx = self.lock_slot(slot, bump);
        reclaim::scheme::debug::enter_section(self.core.addr());
        SrcuGuard {
            domain: self,
            slot,
            bump,
            owner,
            idx,
            _not_send: PhantomData,
        }
    }

    /// Read lock: load the index, count the section in it, then B.
    #[inline(always)]
    fn lock_slot(&self, slot: &SrcuSlot, bump: Bump) -> usize {
        let readers = &self.srcu_clock().readers;
        let idx = readers.idx.load(Ordering::Relaxed) & 1;
        match bump {
            Bump::Owned => bump_owned_half(&slot.locks, idx),
            Bump::Shared => bump_shared(&slot.locks[idx]),
            #[cfg(feature = "std")]
            Bump::Cpu => {
                if !self.add_on_cpu(&slot.cpu_locks[idx]) {
                    self.bump_on_cpu_slot(false, idx);
                }
            }
        }
        // srcu-B: pairs with srcu-A (store buffering: either the writer's lock sum sees this increment,
        // or the loads of this section see every update made before that scan's A) and so,
        // through A, with P. A compiler fence in the Fast flavor, whose A is `membarrier`.
        reclaim::mutant!("srcu_no_b" => (), else readers.fence.reader());
        idx
    }

    /// Read unlock: C, then count the exit in the half the section entered.
    #[inline(always)]
    fn unlock_slot(&self, slot: &SrcuSlot, idx: usize, bump: Bump) {
        // srcu-C: pairs with srcu-A. A scan that counts this unlock (A acts as its acquire fence) sees the
        // whole section, and this section's lock, as finished. That is message passing, so a
        // release fence is enough: the section's accesses and its lock increment may not move
        // past the unlock increment. Linux uses a full barrier here; all it adds is ordering
        // this unlock before the next lock's index load, which only the counter-wrap bound of
        // 32-bit counters needs, and on x86 it would cost a locked instruction per section
        // where a release fence costs nothing.
        reclaim::mutant!("srcu_no_c" => (), else self.srcu_clock().readers.fence.reader_release());
        if bump == Bump::Owned {
            bump_owned_half(&slot.unlocks, idx);
        } else {
            self.unlock_shared(slot, idx & 1, bump);
        }
    }

    /// The unlock of a shared or per-CPU slot, out of line: inlined, the per-CPU sequence's
    /// registers (or the two paths together) make every guard's drop glue too big for the
    /// compiler to inline into the caller, and per-thread sections pay for it (docs/srcu.md,
    /// "Per-CPU counters with restartable sequences", has the figures).
    #[inline(never)]
    fn unlock_shared(&self, slot: &SrcuSlot, idx: usize, bump: Bump) {
        match bump {
            // The CPU may differ from the lock's: lock and unlock land on different slots,
            // which the sums do not mind.
            #[cfg(feature = "std")]
            Bump::Cpu => {
                if !self.add_on_cpu(&slot.cpu_unlocks[idx]) {
                    self.bump_on_cpu_slot(true, idx);
                }
            }
            _ => bump_shared(&slot.unlocks[idx]),
        }
    }
}

impl<const N: usize> SrcuReader<'_, N> {
    /// Begins a read-side section on this reader's slot; nesting is free.
    ///
    /// ```
    /// let domain = gracepoint::srcu::Srcu::new();
    /// let reader = domain.register().unwrap();
    /// let outer = reader.enter();
    /// let inner = reader.enter();
    /// drop((inner, outer));
    /// ```
    #[inline]
    pub fn enter(&self) -> SrcuGuard<'_, N> {
        let owner = self.claim.owned();
        // On a shared-slot domain `enter_on` may name this slot too: count atomically.
        let bump = if self.domain.srcu_clock().owned_slots() {
            Bump::Owned
        } else {
            Bump::Shared
        };
        self.domain.guard(owner.state(), bump, Some(owner))
    }
}

impl<const N: usize> Drop for SrcuGuard<'_, N> {
    #[inline]
    fn drop(&mut self) {
        reclaim::scheme::debug::exit_section(self.domain.core.addr());
        self.domain.unlock_slot(self.slot, self.idx, self.bump);
        if let Some(owner) = self.owner
            && owner.close_section()
        {
            // The outermost section ended: run what a retire left for this moment.
            self.domain.core.on_section_exit(owner);
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
        if domain.srcu_clock().owned_slots() {
            let (mine, _) = domain.own_slot();
            domain.unlock_slot(mine.state(), self.idx, Bump::Owned);
        } else {
            domain.unlock_slot(self.slot, self.idx, Bump::Shared);
        }
    }
}
