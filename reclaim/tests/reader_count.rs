//! `ReaderCount`, the stand-in domain of the examples, under the shared stress run: readers
//! check every object they read (freed objects are poisoned), writers retire and free after
//! `synchronize`, and every object is freed exactly once.
#![cfg(feature = "testing")]

use gracepoint_reclaim::Reclaim;
use gracepoint_reclaim::scheme::ReaderCount;
use gracepoint_reclaim::testing::{Dispose, Ledger, StressConfig, swap_and_retire};
use std::time::Duration;

#[test]
fn readers_never_see_a_freed_object_and_every_object_is_freed_once() {
    static LEDGER: Ledger = Ledger::new();
    let report = swap_and_retire(
        ReaderCount,
        &LEDGER,
        StressConfig {
            readers: 3,
            writers: 2,
            swaps_per_writer: 20_000,
            dispose: Dispose::Both,
            max_duration: Duration::from_secs(2),
        },
    );
    assert!(report.reads > 0 && report.swaps > 0);
    // Every value is the same process-wide domain: dropping one frees nothing, a barrier does.
    ReaderCount.barrier();
    LEDGER.assert_balanced();
}

#[test]
fn a_poll_is_not_done_while_a_reader_is_inside() {
    let guard = ReaderCount.enter();
    ReaderCount.start_poll(); // the cookie is `()`: a poll asks whether no reader is inside
    assert!(!ReaderCount.poll(&()));
    drop(guard);
    ReaderCount.synchronize();
}
