//! "Lock here, unlock there": a read section begun on one thread and ended on another, which
//! reads the protected object in between.
//!
//! `cargo run -p gracepoint --example token`

use gracepoint::srcu::Srcu;
use std::sync::atomic::{AtomicPtr, Ordering};

fn main() {
    let domain = Srcu::new();
    let shared = AtomicPtr::new(Box::into_raw(Box::new(String::from("first"))));
    let token = domain.read_lock_token();
    let seen = shared.load(Ordering::Acquire) as usize;
    std::thread::scope(|s| {
        s.spawn(|| {
            // SAFETY: the token's section keeps the string alive until it is unlocked.
            let text = unsafe { &*(seen as *const String) };
            println!("read {text:?} on another thread");
            assert_eq!(text, "first");
            domain.read_unlock(token);
        });
        let old = shared.swap(
            Box::into_raw(Box::new(String::from("second"))),
            Ordering::AcqRel,
        );
        // Waits for the token's section, wherever it ends.
        domain.synchronize();
        // SAFETY: every section that could see `old` has ended.
        drop(unsafe { Box::from_raw(old) });
    });
    // SAFETY: every thread has stopped.
    drop(unsafe { Box::from_raw(shared.load(Ordering::Relaxed)) });
}
