//! The emulated-board test: each scheme (SRCU, GUS, epochs) in a `static` domain with four fixed
//! slots and no allocator, read by a timer interrupt while the main loop writes.
//!
//! Phase 1, readers in the interrupt handler. On every tick the handler runs a short section
//! (load the published value, check it) and keeps one long section open across 1 to 4 ticks
//! (the value it loaded is checked again on every tick until the section closes): the main loop
//! runs grace periods while that section is open, as it would with a preempted task. The main
//! loop publishes a fresh value, retires the old one (through its registered reader, or the
//! domain), and now and then runs `synchronize`, a polled grace period or `barrier`.
//!
//! Phase 2, the writer in the interrupt handler. The main loop holds a section for three ticks
//! and checks its value before and after, then runs a grace period and a collection; once per
//! such round the handler publishes a fresh value and retires the old one through its own
//! reader (a retire from a handler never waits while a pooled bag is free), and every tick it
//! polls, so frees run in the handler while the main loop reads.
//!
//! Values come from a static pool. A freed value is poisoned; every read checks for poison, and
//! that the value is the one the section first saw. Every value counts its retires and frees:
//! at the end each was freed exactly once per retire, and nothing is left. The timer's period
//! changes on every tick (a fixed pseudo-random sequence), so interrupts land all over the main
//! loop. The program reports through semihosting and exits 0 only when every check passed.
//!
//! Test configurations (features of this crate, see scripts/embedded):
//! - `mutant-irq-reader-uncounted`: the handler's long section reads without entering a
//!   section, as if the domain did not count an interrupt-time reader. The program must fail
//!   (poisoned or recycled values seen). Library mutants (`--cfg reclaim_mutant=...`) run the
//!   same way;
//! - `misuse`: the handler calls `synchronize`, which must panic with a message that says why
//!   (the program then exits non-zero with that message).
#![no_std]
#![no_main]

use core::cell::UnsafeCell;
use core::ptr;
use gracepoint::Reclaim;
use gracepoint::atomic::Reader;
use gracepoint::epoch::Epoch;
use gracepoint::gus::Gus;
use gracepoint::srcu::Srcu;
use gracepoint::sync::{AtomicPtr, AtomicU8, AtomicU32, Ordering};
use gracepoint_embedded::{self as board, println};

/// Ticks of phase 1, and rounds (of three ticks) of phase 2, per scheme.
const PHASE1_TICKS: u32 = 400;
const PHASE2_ROUNDS: u32 = 30;
/// The timer period, in timer cycles, around which each tick's period varies.
const PERIOD: u32 = 4000;
/// The hang guard, counted in interrupts: a scheme's run takes about 500 ticks; one that has
/// not finished after this many is stuck (a grace period that never ends), and fails.
const HANG_TICKS: u32 = 50_000;

static SRCU: Srcu<4> = Srcu::new_fixed();
static GUS: Gus<4> = Gus::new_fixed();
static EPOCH: Epoch<4> = Epoch::new_fixed();

/// What the program needs from a scheme beyond [`Reclaim`]: its registered reader, a retire
/// through it, and its grace-period count.
trait Scheme: Reclaim + Sync + 'static {
    const NAME: &'static str;
    type R<'a>: Reader<Domain = Self>
    where
        Self: 'a;
    fn reader(&self) -> Self::R<'_>;
    /// # Safety
    /// As `retire_raw`.
    unsafe fn retire_by(reader: &Self::R<'_>, ptr: *mut (), free: unsafe fn(*mut ()));
    fn grace_periods(&self) -> u64;
    /// Frees what has expired, without waiting.
    fn collect_expired(&self) -> usize;
}

macro_rules! scheme {
    ($domain:ty, $name:literal, $reader:ident) => {
        impl Scheme for $domain {
            const NAME: &'static str = $name;
            type R<'a> = $reader<'a, 4>;
            fn reader(&self) -> $reader<'_, 4> {
                match self.register() {
                    Ok(reader) => reader,
                    Err(full) => panic!("{}", full),
                }
            }
            unsafe fn retire_by(reader: &$reader<'_, 4>, ptr: *mut (), free: unsafe fn(*mut ())) {
                // SAFETY: the caller's promise.
                unsafe { reader.retire_raw(ptr, free) }
            }
            fn grace_periods(&self) -> u64 {
                self.stats().grace_periods
            }
            fn collect_expired(&self) -> usize {
                self.collect()
            }
        }
    };
}
use gracepoint::epoch::EpochReader;
use gracepoint::gus::GusReader;
use gracepoint::srcu::SrcuReader;
scheme!(Srcu<4>, "srcu", SrcuReader);
scheme!(Gus<4>, "gus", GusReader);
scheme!(Epoch<4>, "epoch", EpochReader);

// ---- The values: a static pool, poisoned when freed, counted --------------------------------

const CELLS: usize = 64;
const FREE: u8 = 0;
const LIVE: u8 = 1;
const RETIRED: u8 = 2;
const POISON: u32 = 0xdead_beef;
const MAGIC: u32 = 0x5a5a_1234;

struct Value {
    state: AtomicU8,
    value: AtomicU32,
    check: AtomicU32,
    retires: AtomicU32,
    frees: AtomicU32,
}

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: Value = Value {
    state: AtomicU8::new(FREE),
    value: AtomicU32::new(POISON),
    check: AtomicU32::new(POISON),
    retires: AtomicU32::new(0),
    frees: AtomicU32::new(0),
};
static POOL: [Value; CELLS] = [EMPTY; CELLS];
static PUBLISHED: AtomicPtr<Value> = AtomicPtr::new(ptr::null_mut());
static NEXT: AtomicU32 = AtomicU32::new(1);

/// Failures, from wherever they were seen (the handler cannot print).
static BAD_READS: AtomicU32 = AtomicU32::new(0);
static BAD_FREES: AtomicU32 = AtomicU32::new(0);
static FIRST_BAD: AtomicU32 = AtomicU32::new(0);
static RETIRED_N: AtomicU32 = AtomicU32::new(0);
static FREED_N: AtomicU32 = AtomicU32::new(0);

/// A free value from the pool, filled with a fresh number, or `None` when all are in use.
fn alloc() -> Option<&'static Value> {
    let cell = POOL.iter().find(|cell| {
        cell.state
            .compare_exchange(FREE, LIVE, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    })?;
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    cell.value.store(n, Ordering::Relaxed);
    cell.check.store(n ^ MAGIC, Ordering::Relaxed);
    Some(cell)
}

/// The deleter every retire passes: poisons the value and counts the free.
unsafe fn free_value(p: *mut ()) {
    // SAFETY: retires pass pointers into `POOL`.
    let cell = unsafe { &*(p as *const Value) };
    if cell.state.load(Ordering::Relaxed) != RETIRED {
        note_bad(&BAD_FREES, 0xf000_0000 | cell.value.load(Ordering::Relaxed));
    }
    cell.value.store(POISON, Ordering::Relaxed);
    cell.check.store(POISON, Ordering::Relaxed);
    cell.frees.fetch_add(1, Ordering::Relaxed);
    FREED_N.fetch_add(1, Ordering::Relaxed);
    cell.state.store(FREE, Ordering::Release);
}

fn note_bad(counter: &AtomicU32, what: u32) {
    counter.fetch_add(1, Ordering::Relaxed);
    let _ = FIRST_BAD.compare_exchange(0, what, Ordering::Relaxed, Ordering::Relaxed);
}

/// Checks a value read inside a section: not poisoned, intact, and (when given) still the
/// number the section first saw. Returns the number.
fn check(cell: &Value, expect: Option<u32>) -> u32 {
    let value = cell.value.load(Ordering::Relaxed);
    let intact = value != POISON && cell.check.load(Ordering::Relaxed) == value ^ MAGIC;
    if !intact || expect.is_some_and(|e| e != value) {
        note_bad(&BAD_READS, value);
    }
    value
}

/// Marks `cell` retired and hands it to the domain, through `reader` or the domain itself.
fn retire<D: Scheme>(domain: &D, reader: Option<&D::R<'_>>, cell: &'static Value) {
    cell.state.store(RETIRED, Ordering::Relaxed);
    cell.retires.fetch_add(1, Ordering::Relaxed);
    RETIRED_N.fetch_add(1, Ordering::Relaxed);
    let p = cell as *const Value as *mut ();
    // SAFETY: `cell` is unlinked (no longer published); `free_value` accepts any pool value.
    unsafe {
        match reader {
            Some(reader) => D::retire_by(reader, p, free_value),
            None => domain.retire_raw(p, free_value),
        }
    }
}

// ---- The interrupt handler ------------------------------------------------------------------

const READERS_IN_HANDLER: u8 = 1;
const WRITER_IN_HANDLER: u8 = 2;

/// What the handler shares with the main loop for one scheme's run.
struct Ctx<'a, D: Scheme> {
    domain: &'static D,
    short: &'a D::R<'static>,
    long: &'a D::R<'static>,
    phase: AtomicU8,
    ticks: AtomicU32,
    reads: AtomicU32,
    long_sections: AtomicU32,
    long_checks: AtomicU32,
    handler_retires: AtomicU32,
    /// Set by the main loop when the handler may retire once (phase 2).
    may_retire: AtomicU8,
    /// 1 while the handler's long section is open (it opens none after phase 1's last tick).
    long_open: AtomicU8,
    /// Handler-only while the timer runs: the open long section, and what it read.
    long_guard: UnsafeCell<Option<<D as Reclaim>::Guard<'a>>>,
    long_held: UnsafeCell<(*const Value, u32, u32)>,
    rng: UnsafeCell<u32>,
}

fn tick<D: Scheme>(context: *const ()) {
    // SAFETY: `run` keeps the context alive until the timer stops.
    let ctx = unsafe { &*(context as *const Ctx<'static, D>) };
    let n = ctx.ticks.fetch_add(1, Ordering::Relaxed) + 1;
    assert!(
        n < HANG_TICKS,
        "{}: the main loop has not finished after {HANG_TICKS} timer interrupts (about 100 times \
         what a run takes): a grace period that never ends?",
        D::NAME
    );
    // SAFETY: only the handler touches these while the timer runs.
    let rng = unsafe { &mut *ctx.rng.get() };
    *rng ^= *rng << 13;
    *rng ^= *rng >> 17;
    *rng ^= *rng << 5;
    board::set_period(PERIOD / 2 + *rng % PERIOD);

    #[cfg(feature = "misuse")]
    if n == 5 {
        // Not allowed: must panic, saying that a handler may not wait.
        ctx.domain.synchronize();
    }

    match ctx.phase.load(Ordering::Relaxed) {
        READERS_IN_HANDLER => {
            {
                let _section = ctx.short.enter();
                let p = PUBLISHED.load(Ordering::Acquire);
                if !p.is_null() {
                    // SAFETY: pool values are statics; the section keeps this one unfreed.
                    check(unsafe { &*p }, None);
                    ctx.reads.fetch_add(1, Ordering::Relaxed);
                }
            }
            // SAFETY: handler-only while the timer runs.
            let (guard, held) = unsafe { (&mut *ctx.long_guard.get(), &mut *ctx.long_held.get()) };
            if held.2 == 0 && n < PHASE1_TICKS {
                #[cfg(not(feature = "mutant-irq-reader-uncounted"))]
                {
                    *guard = Some(ctx.long.enter());
                }
                #[cfg(feature = "mutant-irq-reader-uncounted")]
                let _ = ctx.long;
                let p = PUBLISHED.load(Ordering::Acquire);
                if !p.is_null() {
                    // SAFETY: as above.
                    let value = check(unsafe { &*p }, None);
                    *held = (p, value, 1 + n % 4);
                    ctx.long_open.store(1, Ordering::Relaxed);
                } else {
                    *guard = None;
                }
            } else if held.2 != 0 {
                // SAFETY: as above; the long section is still open.
                check(unsafe { &*held.0 }, Some(held.1));
                ctx.long_checks.fetch_add(1, Ordering::Relaxed);
                held.2 -= 1;
                if held.2 == 0 {
                    *guard = None;
                    ctx.long_sections.fetch_add(1, Ordering::Relaxed);
                    ctx.long_open.store(0, Ordering::Relaxed);
                }
            }
        }
        // One retire per section of the main loop, after the main loop's grace period and
        // collection: without an allocator the domain seals into four pooled bags, which a
        // handler must never wait for (it would panic), and a bag it seals waits for the end of
        // the main loop's section; a handler that interrupts a collection finds the bags that
        // collection holds taken too.
        WRITER_IN_HANDLER if ctx.may_retire.swap(0, Ordering::Relaxed) == 1 => {
            if let Some(fresh) = alloc() {
                let old = PUBLISHED.swap(fresh as *const Value as *mut Value, Ordering::AcqRel);
                if !old.is_null() {
                    // SAFETY: pool values are statics.
                    retire(ctx.domain, Some(ctx.short), unsafe { &*old });
                    ctx.handler_retires.fetch_add(1, Ordering::Relaxed);
                }
            }
            let cookie = ctx.domain.start_poll();
            let _ = ctx.domain.poll(&cookie);
        }
        _ => {
            let cookie = ctx.domain.start_poll();
            let _ = ctx.domain.poll(&cookie);
        }
    }
}

// ---- The main loop --------------------------------------------------------------------------

fn wait_ticks<D: Scheme>(ctx: &Ctx<'_, D>, ticks: u32) {
    let start = ctx.ticks.load(Ordering::Relaxed);
    while ctx.ticks.load(Ordering::Relaxed).wrapping_sub(start) < ticks {
        core::hint::spin_loop();
    }
}

/// One scheme's run; true when every check passed.
fn run<D: Scheme>(domain: &'static D) -> bool {
    let (bad_reads, bad_frees) = (
        BAD_READS.load(Ordering::Relaxed),
        BAD_FREES.load(Ordering::Relaxed),
    );
    let (retired0, freed0) = (
        RETIRED_N.load(Ordering::Relaxed),
        FREED_N.load(Ordering::Relaxed),
    );
    let gp0 = domain.grace_periods();
    let main_reader = domain.reader();
    let short = domain.reader();
    let long = domain.reader();
    let ctx = Ctx::<D> {
        domain,
        short: &short,
        long: &long,
        phase: AtomicU8::new(READERS_IN_HANDLER),
        ticks: AtomicU32::new(0),
        reads: AtomicU32::new(0),
        long_sections: AtomicU32::new(0),
        long_checks: AtomicU32::new(0),
        handler_retires: AtomicU32::new(0),
        may_retire: AtomicU8::new(0),
        long_open: AtomicU8::new(0),
        long_guard: UnsafeCell::new(None),
        long_held: UnsafeCell::new((ptr::null(), 0, 0)),
        rng: UnsafeCell::new(0x1234_5678),
    };
    PUBLISHED.store(
        alloc().expect("an empty pool") as *const Value as *mut Value,
        Ordering::Release,
    );
    // SAFETY: `ctx` outlives the timer, which `stop_timer` below stops.
    unsafe { board::start_timer(tick::<D>, &ctx as *const Ctx<'_, D> as *const (), PERIOD) };

    // Phase 1: readers in the handler, the writer here.
    let mut round = 0u32;
    let mut sync_calls = 0u32;
    while ctx.ticks.load(Ordering::Relaxed) < PHASE1_TICKS {
        let Some(fresh) = alloc() else {
            // Every value waits for a grace period: wait for them (the handler's sections
            // go on meanwhile).
            domain.barrier();
            continue;
        };
        let old = PUBLISHED.swap(fresh as *const Value as *mut Value, Ordering::AcqRel);
        // SAFETY: pool values are statics.
        let old = unsafe { &*old };
        if round.is_multiple_of(3) {
            retire(domain, None, old);
        } else {
            retire(domain, Some(&main_reader), old);
        }
        match round % 16 {
            0 => {
                domain.synchronize();
                sync_calls += 1;
            }
            5 => {
                let cookie = domain.start_poll();
                while !domain.poll(&cookie) {
                    core::hint::spin_loop();
                }
            }
            11 => domain.barrier(),
            _ => {}
        }
        round += 1;
    }

    // Phase 2: the writer in the handler, a reader here. Without an allocator a retire finds a
    // free bag among the domain's few pooled ones only while grace periods keep freeing them, and
    // a handler must not wait for one (it would panic): so the pool starts empty, and the main
    // loop runs a grace period and a collection between its sections.
    // The handler opens no long section after phase 1's last tick: wait for the open one to
    // close (it would hold every grace period of phase 2 back).
    while ctx.long_open.load(Ordering::Relaxed) != 0 {
        core::hint::spin_loop();
    }
    domain.barrier();
    ctx.phase.store(WRITER_IN_HANDLER, Ordering::Relaxed);
    let mut main_sections = 0u32;
    for _ in 0..PHASE2_ROUNDS {
        {
            let _section = main_reader.enter();
            let p = PUBLISHED.load(Ordering::Acquire);
            // SAFETY: pool values are statics; the section keeps this one unfreed.
            let cell = unsafe { &*p };
            let value = check(cell, None);
            wait_ticks(&ctx, 3);
            check(cell, Some(value));
            main_sections += 1;
        }
        domain.synchronize();
        domain.collect_expired();
        ctx.may_retire.store(1, Ordering::Relaxed);
    }

    board::stop_timer();
    // SAFETY: the timer is stopped: nothing else touches the handler's state.
    unsafe { *ctx.long_guard.get() = None };
    let last = PUBLISHED.swap(ptr::null_mut(), Ordering::AcqRel);
    // SAFETY: pool values are statics.
    retire(domain, Some(&main_reader), unsafe { &*last });
    domain.barrier();

    let retired = RETIRED_N.load(Ordering::Relaxed) - retired0;
    let freed = FREED_N.load(Ordering::Relaxed) - freed0;
    let mut unbalanced = 0;
    for cell in &POOL {
        if cell.retires.load(Ordering::Relaxed) != cell.frees.load(Ordering::Relaxed)
            || cell.state.load(Ordering::Relaxed) != FREE
        {
            unbalanced += 1;
        }
    }
    let bad_reads = BAD_READS.load(Ordering::Relaxed) - bad_reads;
    let bad_frees = BAD_FREES.load(Ordering::Relaxed) - bad_frees;
    let reads = ctx.reads.load(Ordering::Relaxed);
    let long_sections = ctx.long_sections.load(Ordering::Relaxed);
    let handler_retires = ctx.handler_retires.load(Ordering::Relaxed);
    let ok = bad_reads == 0
        && bad_frees == 0
        && unbalanced == 0
        && retired == freed
        && reads > 0
        && long_sections > 0
        && handler_retires > 0
        && main_sections == PHASE2_ROUNDS;
    println!(
        "{}: {} ticks; handler: {} reads, {} long sections ({} checks across grace periods), \
         {} retires; main: {} sections, {} retires, {} synchronize; {} grace periods; \
         {} retired, {} freed, {} values unbalanced, {} bad reads (first: {:#x}), {} bad frees: {}",
        D::NAME,
        ctx.ticks.load(Ordering::Relaxed),
        reads,
        long_sections,
        ctx.long_checks.load(Ordering::Relaxed),
        handler_retires,
        main_sections,
        retired - handler_retires,
        sync_calls,
        domain.grace_periods() - gp0,
        retired,
        freed,
        unbalanced,
        bad_reads,
        FIRST_BAD.load(Ordering::Relaxed),
        bad_frees,
        if ok { "ok" } else { "FAILED" }
    );
    ok
}

/// Reports the panic through semihosting and ends the program with a failure.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    board::stop_timer();
    println!("board test FAILED: {}", info);
    board::exit(1)
}

#[cfg_attr(target_arch = "arm", cortex_m_rt::entry)]
#[cfg_attr(target_arch = "riscv32", riscv_rt::entry)]
fn main() -> ! {
    println!(
        "board test on {} ({}-bit counters): static domains with 4 fixed slots, no allocator",
        board::BOARD,
        gracepoint::sync::Count::BITS
    );
    let mut ok = run(&SRCU);
    ok &= run(&GUS);
    ok &= run(&EPOCH);
    if cfg!(feature = "misuse") {
        println!("MISUSE NOT CAUGHT: synchronize from the handler returned");
        board::exit(1);
    }
    if ok {
        println!("board test passed");
        board::exit(0)
    } else {
        println!("board test FAILED");
        board::exit(1)
    }
}
