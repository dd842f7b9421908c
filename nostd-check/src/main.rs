//! A `no_std`, allocator-free program that uses each scheme through a domain in a `static`.
//!
//! It links against the C runtime only (for `_start` and `exit`), has its own panic handler,
//! and never declares `extern crate alloc`, so any use of an allocator in the schemes' core
//! would fail to build. It returns 0 when every check passes.
#![no_std]
#![no_main]

use core::panic::PanicInfo;
use reclaim::slots::{SlotState, Slots};
use reclaim::sync::{AtomicU64, Ordering};

struct Counter(AtomicU64);
impl SlotState for Counter {
    reclaim::idle_slot!(Counter(AtomicU64::new(0)));
}

static SLOTS: Slots<Counter, 4> = Slots::new();

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
    claim.state().0.store(1, Ordering::Relaxed);
    check(SLOTS.iter().map(|s| s.0.load(Ordering::Relaxed)).sum::<u64>() == 1);
    check(SLOTS.capacity() == Some(4));
}

#[unsafe(no_mangle)]
extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    shared_core();
    0
}
