//! The fallback to fenced readers when `membarrier` is refused.
//!
//! This is its own test binary, hence its own process: `RECLAIM_NO_MEMBARRIER` must be set
//! before the process probes `membarrier` for the first time, and the answer is then cached for
//! the life of the process.

#![cfg(feature = "std")]

use srcu::{Flavor, Srcu};

#[test]
fn fast_falls_back_to_fenced_when_membarrier_is_refused() {
    // SAFETY: this binary has one test, and nothing else runs while it sets the variable.
    unsafe { std::env::set_var("RECLAIM_NO_MEMBARRIER", "1") };
    static DOMAIN: Srcu = Srcu::new();
    let explicit = Srcu::with_options(Flavor::Fast, srcu::SlotChoice::Cpu);
    // Readers may come first: they run real fences until the flavor is resolved.
    drop(DOMAIN.read_lock());
    assert_eq!(DOMAIN.flavor(), Flavor::Fenced);
    assert_eq!(explicit.flavor(), Flavor::Fenced);
    assert!(!reclaim::membarrier::available());
    let guard = DOMAIN.read_lock();
    let cookie = DOMAIN.start_poll();
    assert!(!DOMAIN.poll(cookie));
    drop(guard);
    DOMAIN.synchronize();
    assert!(DOMAIN.poll(cookie));
    explicit.retire(Box::new(1));
    explicit.barrier();
}
