//! A program that uses the default static domain (and a static domain of its own) from several
//! threads and exits with garbage still pending, for leak checkers; with the argument
//! `crossbeam` it does the same through crossbeam-epoch's global collector instead:
//!
//! ```text
//! cargo build --release -p gracepoint-epoch --example static_exit
//! valgrind --leak-check=full target/release/examples/static_exit
//! valgrind --leak-check=full target/release/examples/static_exit crossbeam
//! ```
//!
//! A `static` is never dropped, so what is still pending at exit stays reachable from it: leak
//! checkers count it as "still reachable", not lost. `docs/epoch.md` quotes the output.

use gracepoint_epoch::Epoch;
use std::sync::atomic::{AtomicPtr, Ordering};

static OWN: Epoch = Epoch::new();

const THREADS: u64 = 4;
const SWAPS: u64 = 1000;

fn with_epoch(shared: &'static AtomicPtr<Vec<u64>>, t: u64) {
    for i in 0..SWAPS {
        {
            let _guard = gracepoint_epoch::pin();
            // SAFETY: the guard keeps the object alive.
            assert_eq!(unsafe { &*shared.load(Ordering::Acquire) }.len(), 4);
        }
        let old = shared.swap(Box::into_raw(Box::new(vec![t + i; 4])), Ordering::AcqRel);
        // SAFETY: `old` is unlinked; readers load it only while pinned in the default domain.
        unsafe { gracepoint_epoch::default_domain().retire_ptr(old) };
        OWN.retire(Box::new(i));
    }
}

fn with_crossbeam(shared: &'static AtomicPtr<Vec<u64>>, t: u64) {
    for i in 0..SWAPS {
        let guard = crossbeam_epoch::pin();
        // SAFETY: the guard keeps the object alive.
        assert_eq!(unsafe { &*shared.load(Ordering::Acquire) }.len(), 4);
        let old = shared.swap(Box::into_raw(Box::new(vec![t + i; 4])), Ordering::AcqRel);
        // SAFETY: `old` is unlinked, came from `Box::into_raw`, and readers load it only while
        // pinned.
        unsafe { guard.defer_destroy(crossbeam_epoch::Shared::from(old.cast_const())) };
    }
}

fn main() {
    let crossbeam = std::env::args().nth(1).as_deref() == Some("crossbeam");
    let shared: &'static AtomicPtr<Vec<u64>> =
        Box::leak(Box::new(AtomicPtr::new(Box::into_raw(Box::new(vec![
            0u64;
            4
        ])))));
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            std::thread::spawn(move || {
                if crossbeam {
                    with_crossbeam(shared, t * SWAPS);
                } else {
                    with_epoch(shared, t * SWAPS);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    if !crossbeam {
        println!(
            "exiting with {} objects pending in the default domain, {} in its own",
            gracepoint_epoch::default_domain().stats().pending,
            OWN.stats().pending
        );
    }
    // SAFETY: every thread has stopped; the last object and the pointer are ours.
    unsafe {
        drop(Box::from_raw(shared.load(Ordering::Relaxed)));
        drop(Box::from_raw(
            shared as *const AtomicPtr<Vec<u64>> as *mut AtomicPtr<Vec<u64>>,
        ));
    }
}
