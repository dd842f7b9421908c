//! The suite's runs on [`RcuCell`]: exactly-once reclamation, poisoned values, and no lost
//! `update` (see [`check_rcu_cell`](super::check_rcu_cell)).

extern crate std;

use alloc::vec::Vec;

use reclaim::Reclaim;
use reclaim::testing::{Ledger, Tracked};

use super::Counting;
use super::runs::{OPS, Rng, THREADS, fresh_ledger};
use crate::RcuCell;

/// What the threads of one run did.
#[derive(Default)]
struct CellRun {
    /// Successful replacements: stores, swaps, updates and compare-and-sets that won.
    replaced: usize,
    reads: usize,
}

/// `THREADS` threads on one cell: in 20 operations, `loads` are loads (every 8th held across a
/// yield), the rest split among store, swap, update and compare-and-set. Every value read is
/// checked (a freed value is poisoned).
fn churn<R: Reclaim>(cell: &RcuCell<Tracked, R>, ledger: &'static Ledger, loads: u64) -> CellRun {
    let start = &std::sync::Barrier::new(THREADS);
    let runs: Vec<CellRun> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS as u64)
            .map(|t| {
                s.spawn(move || {
                    start.wait();
                    let mut rng = Rng::new(t + 101);
                    let mut run = CellRun::default();
                    for i in 0..OPS {
                        let op = rng.below(20);
                        let value = rng.below(1 << 20);
                        if op < loads {
                            let current = cell.load();
                            if i % 8 == 0 {
                                std::thread::yield_now();
                            }
                            current.read();
                            run.reads += 1;
                            continue;
                        }
                        match op % 4 {
                            0 => cell.store(Tracked::new(ledger, value)),
                            1 => {
                                let old = cell.swap(Tracked::new(ledger, value));
                                std::thread::yield_now();
                                old.read();
                            }
                            2 => {
                                let old = cell.update(|v| Tracked::new(ledger, v.read() + 1));
                                old.read();
                            }
                            _ => {
                                let seen = cell.load();
                                seen.read();
                                if cell
                                    .compare_and_set(&seen, Tracked::new(ledger, value))
                                    .is_err()
                                {
                                    continue;
                                }
                            }
                        }
                        run.replaced += 1;
                    }
                    run
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a worker thread panicked"))
            .collect()
    });
    runs.into_iter().fold(CellRun::default(), |a, b| CellRun {
        replaced: a.replaced + b.replaced,
        reads: a.reads + b.reads,
    })
}

pub(super) fn exactly_once<R: Reclaim>(make: &impl Fn() -> R) {
    let ledger = fresh_ledger();
    let domain = Counting::new(make());
    let counts = domain.counts();
    let cell = RcuCell::new(Tracked::new(ledger, 0), domain);
    let run = churn(&cell, ledger, 10);
    assert!(
        run.replaced > 0 && run.reads > 0,
        "RcuCell: the run did nothing"
    );
    assert_eq!(
        counts.retired(),
        run.replaced,
        "RcuCell: every successful replacement retires exactly the value it replaced"
    );
    cell.domain().barrier();
    drop(cell);
    assert_eq!(
        counts.freed(),
        counts.retired(),
        "RcuCell: every retired value must be freed once the cell and its domain are gone"
    );
    ledger.assert_balanced();
}

pub(super) fn poisoned<R: Reclaim>(make: &impl Fn() -> R) {
    let ledger = fresh_ledger();
    let cell = RcuCell::new(Tracked::new(ledger, 0), make());
    let run = churn(&cell, ledger, 16);
    assert!(run.reads > 0, "RcuCell: no load ran");
    cell.domain().barrier();
    let last = cell.into_inner();
    last.read();
    drop(last);
    ledger.assert_balanced();
}

pub(super) fn updates_are_not_lost<R: Reclaim>(make: &impl Fn() -> R) {
    let ledger = fresh_ledger();
    let cell = RcuCell::new(Tracked::new(ledger, 0), make());
    let per_thread = OPS / 4;
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..per_thread {
                    drop(cell.update(|v| Tracked::new(ledger, v.read() + 1)));
                }
            });
        }
    });
    assert_eq!(
        cell.load().read(),
        THREADS as u64 * per_thread,
        "RcuCell: an update was lost"
    );
    cell.domain().barrier();
    drop(cell);
    ledger.assert_balanced();
}
