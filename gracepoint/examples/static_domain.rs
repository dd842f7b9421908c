//! A `no_std`-style domain: a fixed slot array in a `static`, readers that register a slot,
//! raw retire with a plain function as deleter, and a spinning wait. Nothing here allocates in
//! the domain (the same code builds without `std` or `alloc`).
//!
//! `cargo run -p gracepoint --example static_domain`

use gracepoint::srcu::Srcu;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Four reader slots, inline: no allocator needed.
static DOMAIN: Srcu<4> = Srcu::new_fixed();

/// Objects from a fixed pool, "freed" by marking them free again.
static POOL_FREE: [AtomicUsize; 8] = [const { AtomicUsize::new(1) }; 8];

unsafe fn give_back(slot: *mut ()) {
    POOL_FREE[slot as usize].store(1, Ordering::Release);
}

fn main() {
    let reader = DOMAIN.register().expect("a free reader slot");
    for round in 0..100usize {
        let slot = round % 8;
        // Take a pool object, use it under a read section, retire it.
        while POOL_FREE[slot].swap(0, Ordering::Acquire) == 0 {
            DOMAIN.synchronize_with(&mut gracepoint::wait::Spin);
            DOMAIN.collect();
        }
        {
            let _section = reader.enter();
        }
        // SAFETY: `give_back` accepts any slot index smuggled in the pointer.
        unsafe { reader.retire_raw(slot as *mut (), give_back) };
    }
    DOMAIN.barrier();
    let free = POOL_FREE
        .iter()
        .filter(|s| s.load(Ordering::Relaxed) == 1)
        .count();
    println!("100 rounds over a pool of 8; {free} objects free after barrier");
    assert_eq!(free, 8);
}
