//! A configuration that many threads read and one thread reloads, with `RcuCell`: no lock, no
//! `unsafe`, and every old configuration freed once its last reader is done.
//!
//! `cargo run -p gracepoint --example rcu_cell`

use gracepoint::srcu::Srcu;
use gracepoint::structures::RcuCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

#[derive(Clone, Debug)]
struct Config {
    version: u64,
    limits: Vec<u64>, // some heap data, to show that it is freed
}

fn main() {
    let config = RcuCell::new(
        Config {
            version: 0,
            limits: vec![0; 16],
        },
        Srcu::new(),
    );
    let done = AtomicBool::new(false);
    let reads = AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                let mut last = 0;
                while !done.load(Ordering::Relaxed) {
                    let current = config.load(); // a read section and a &Config in one
                    assert!(current.version >= last, "versions only move forward");
                    assert!(current.limits.iter().all(|&l| l == current.version));
                    last = current.version;
                    reads.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        // The reloader: a whole new configuration each time, or an edit of the current one.
        for version in 1..=200u64 {
            if version % 2 == 0 {
                config.store(Config {
                    version,
                    limits: vec![version; 16],
                });
            } else {
                config.update(|old| Config {
                    version,
                    limits: vec![version; old.limits.len()],
                });
            }
            std::thread::sleep(std::time::Duration::from_micros(50)); // let the readers read
        }
        done.store(true, Ordering::Relaxed);
    });
    let last = config.load().version;
    config.domain().barrier(); // every replaced configuration is freed now
    println!(
        "{} reads while the configuration was replaced 200 times; now at version {last}; {} bytes wait to be freed",
        reads.load(Ordering::Relaxed),
        config.domain().stats().pending_bytes,
    );
    assert_eq!(last, 200);
    assert_eq!(config.domain().stats().pending, 0);
}
