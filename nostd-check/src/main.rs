//! A `no_std`, allocator-free program that uses each scheme through a domain in a `static`.
//!
//! It links against the C runtime only (for `_start` and `exit`), has its own panic handler,
//! and never declares `extern crate alloc`, so any use of an allocator in the schemes' core
//! would fail to build. It returns 0 when every check passes.
#![no_std]
#![no_main]

use core::panic::PanicInfo;
use reclaim::scheme::slots::{SlotState, Slots};
use reclaim::sync::{AtomicU64, Ordering};

struct Counter(AtomicU64);
impl SlotState for Counter {
    reclaim::idle_slot!(Counter(AtomicU64::new(0)));
}

static SLOTS: Slots<Counter, 4> = Slots::new();
static SRCU: srcu::Srcu<4> = srcu::Srcu::new_fixed();
static GUS: gus::Gus<4> = gus::Gus::new_fixed();
static EPOCH: epoch::Epoch<4> = epoch::Epoch::new_fixed();
static FREED: AtomicU64 = AtomicU64::new(0);

/// A deleter for `retire_raw`: counts instead of freeing, since there is no allocator.
unsafe fn count_free(_: *mut ()) {
    FREED.fetch_add(1, Ordering::Relaxed);
}

// The C library gives the process its entry point and `abort`; nothing else comes from it.
#[link(name = "c")]
unsafe extern "C" {
    fn abort() -> !;
}

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    // SAFETY: abort has no preconditions.
    unsafe { abort() }
}

/// The precompiled `core` refers to this symbol; with `panic = "abort"` nothing ever calls it.
#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() {}

fn check(ok: bool) {
    if !ok {
        panic!();
    }
}

fn shared_core() {
    let claim = SLOTS.claim().ok().expect("a free slot");
    claim.owned().state().0.store(1, Ordering::Relaxed);
    check(
        SLOTS
            .iter()
            .map(|s| s.state().0.load(Ordering::Relaxed))
            .sum::<u64>()
            == 1,
    );
    check(SLOTS.capacity() == Some(4));
}

fn srcu_in_a_static() {
    let guard = SRCU.enter_on(1).ok().expect("slot 1 exists");
    let cookie = SRCU.start_poll();
    check(!SRCU.poll(&cookie));
    drop(guard);
    SRCU.synchronize_with(&mut reclaim::wait::Spin);
    check(SRCU.poll(&cookie));
    let reader = SRCU.register().ok().expect("a free reader slot");
    drop(reader.enter());
    for i in 0..200 {
        // SAFETY: `count_free` accepts any pointer.
        unsafe {
            if i % 2 == 0 {
                SRCU.retire_raw(core::ptr::null_mut(), count_free)
            } else {
                reader.retire_raw(core::ptr::null_mut(), count_free)
            }
        };
    }
    SRCU.barrier();
}

fn gus_in_a_static() {
    let reader = GUS.register().ok().expect("a free reader slot");
    let guard = reader.enter();
    let goal = GUS.advance();
    check(!GUS.poll(&goal));
    drop(guard);
    GUS.wait_with(&goal, &mut || core::hint::spin_loop());
    check(GUS.poll(&goal));
    for _ in 0..200 {
        // SAFETY: `count_free` accepts any pointer.
        unsafe { GUS.retire_raw(core::ptr::null_mut(), count_free) };
    }
    GUS.barrier();
}

fn epoch_in_a_static() {
    let reader = EPOCH.register().ok().expect("a free reader slot");
    let guard = reader.pin();
    let cookie = EPOCH.start_poll();
    check(!EPOCH.poll(&cookie));
    drop(guard);
    EPOCH.synchronize_with(&mut reclaim::wait::Spin);
    check(EPOCH.poll(&cookie));
    for i in 0..200 {
        // SAFETY: `count_free` accepts any pointer.
        unsafe {
            if i % 2 == 0 {
                reader.retire_raw(core::ptr::null_mut(), count_free);
            } else {
                EPOCH.retire_raw(core::ptr::null_mut(), count_free);
            }
        }
    }
    EPOCH.barrier();
    let others: [_; 3] = core::array::from_fn(|_| EPOCH.register().ok().expect("slots 2..4"));
    check(EPOCH.register().is_err());
    drop(others);
}

#[unsafe(no_mangle)]
extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    shared_core();
    srcu_in_a_static();
    gus_in_a_static();
    epoch_in_a_static();
    check(FREED.load(Ordering::Relaxed) == 600);
    0
}
