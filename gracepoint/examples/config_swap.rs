//! RCU-style configuration swap: reader threads read the current configuration without locks
//! while a writer replaces it; every old version is freed once no reader can hold it.
//!
//! `cargo run -p gracepoint --example config_swap`

use gracepoint::srcu::Srcu;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

static DOMAIN: Srcu = Srcu::new();
static FREED: AtomicUsize = AtomicUsize::new(0);

struct Config {
    version: u64,
    endpoints: Vec<String>,
}

impl Drop for Config {
    fn drop(&mut self) {
        FREED.fetch_add(1, Ordering::Relaxed);
    }
}

fn main() {
    let current = AtomicPtr::new(Box::into_raw(Box::new(Config {
        version: 0,
        endpoints: vec!["a".into()],
    })));
    let stop = AtomicBool::new(false);
    let reads = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let mut last = 0;
                while !stop.load(Ordering::Relaxed) {
                    let _guard = DOMAIN.enter();
                    // SAFETY: the guard keeps the configuration alive until it drops.
                    let config = unsafe { &*current.load(Ordering::Acquire) };
                    assert!(config.version >= last, "versions only grow");
                    assert_eq!(config.endpoints.len() as u64, config.version % 3 + 1);
                    last = config.version;
                    reads.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        for version in 1..=1000u64 {
            let fresh = Box::new(Config {
                version,
                endpoints: (0..version % 3 + 1).map(|i| format!("host-{i}")).collect(),
            });
            let old = current.swap(Box::into_raw(fresh), Ordering::AcqRel);
            // SAFETY: `old` is unlinked; only sections that began before the swap can see it.
            unsafe { DOMAIN.retire_ptr(old) };
        }
        stop.store(true, Ordering::Relaxed);
    });
    DOMAIN.barrier();
    println!(
        "1000 swaps, {} reads, {} old versions freed, {} waiting",
        reads.load(Ordering::Relaxed),
        FREED.load(Ordering::Relaxed),
        DOMAIN.stats().pending
    );
    assert_eq!(FREED.load(Ordering::Relaxed), 1000);
    // SAFETY: every thread has stopped; the current version is ours.
    drop(unsafe { Box::from_raw(current.load(Ordering::Relaxed)) });
}
