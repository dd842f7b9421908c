//! The fallback to fenced readers when `membarrier` is refused, in a build made with
//! `RUSTFLAGS="--cfg reclaim_no_membarrier"` (see `scripts/test-all.d/srcu.sh`); in other builds
//! the same test checks that the flavor follows what the kernel allows.

#![cfg(feature = "std")]

use gracepoint_srcu::{Flavor, Options, Srcu};

#[test]
fn fast_falls_back_to_fenced_when_membarrier_is_refused() {
    static DOMAIN: Srcu = Srcu::with_options(
        Options::DEFAULT
            .flavor(Flavor::Fast)
            .slots(gracepoint_srcu::SlotChoice::Thread),
    );
    let explicit = Srcu::with_options(
        Options::DEFAULT
            .flavor(Flavor::Fast)
            .slots(gracepoint_srcu::SlotChoice::Cpu),
    );
    // Readers may come first: they run real fences until the flavor is resolved.
    drop(DOMAIN.enter());
    let expected = if reclaim::scheme::membarrier::available() {
        Flavor::Fast
    } else {
        Flavor::Fenced
    };
    assert_eq!(cfg!(reclaim_no_membarrier), expected == Flavor::Fenced);
    assert_eq!(DOMAIN.flavor(), expected);
    assert_eq!(explicit.flavor(), expected);
    let guard = DOMAIN.enter();
    let cookie = DOMAIN.start_poll();
    assert!(!DOMAIN.poll(&cookie));
    drop(guard);
    DOMAIN.synchronize();
    assert!(DOMAIN.poll(&cookie));
    explicit.retire(Box::new(1));
    explicit.barrier();
}
