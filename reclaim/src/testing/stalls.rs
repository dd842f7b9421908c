//! Generic checks of stall reports and limits, run on every scheme.

use super::{Ledger, Tracked};
use crate::Reclaim;
use alloc::boxed::Box;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What [`stall_reports_name_the_stalled_thread`] saw.
#[derive(Clone, Debug)]
pub struct StallCheck {
    /// The report the hook with the shorter threshold received.
    pub report: crate::stall::StallReport,
}

/// How long a check waits for something that must happen before it calls it a hang.
pub const HANG: Duration = Duration::from_secs(60);

/// A thread named `stalled-reader` enters a section and stays inside until both stall hooks
/// (at `threshold` and at 2 × `threshold`) have run, while this thread retires an object and
/// calls `synchronize`. Checks that each hook runs exactly once for that grace period, and that
/// the report names the stalled thread when the scheme says it attributes exactly. Nothing here
/// depends on how fast the machine is: the reader leaves when the hooks say they saw it, and
/// only a hook that never runs (for [`HANG`]) fails the check. Returns what it saw.
///
/// ```no_run
/// # use gracepoint_reclaim::testing::*;
/// # static DOMAIN: gracepoint_reclaim::scheme::ReaderCount = gracepoint_reclaim::scheme::ReaderCount;
/// stall_reports_name_the_stalled_thread(&DOMAIN, std::time::Duration::from_millis(50));
/// ```
#[track_caller]
pub fn stall_reports_name_the_stalled_thread<D: Reclaim + crate::stall::Monitor>(
    domain: &D,
    threshold: Duration,
) -> StallCheck {
    use std::sync::{Arc, Mutex};
    // Per-call counters (a `static` here would be shared by every test that calls this).
    let calls = [Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0))];
    let first: Arc<Mutex<Option<crate::stall::StallReport>>> = Arc::default();
    let (count, keep) = (Arc::clone(&calls[0]), Arc::clone(&first));
    domain.on_stall(threshold, move |report| {
        count.fetch_add(1, Ordering::SeqCst);
        keep.lock().unwrap().get_or_insert_with(|| report.clone());
    });
    let count = Arc::clone(&calls[1]);
    domain.on_stall(2 * threshold, move |_| {
        count.fetch_add(1, Ordering::SeqCst);
    });
    let (inside_tx, inside_rx) = std::sync::mpsc::channel();
    let both_hooks_ran = || calls.iter().all(|c| c.load(Ordering::SeqCst) > 0);
    std::thread::scope(|s| {
        let reader = std::thread::Builder::new()
            .name("stalled-reader".into())
            .spawn_scoped(s, || {
                let _guard = domain.enter();
                inside_tx.send(()).unwrap();
                let since = Instant::now();
                while !both_hooks_ran() && since.elapsed() < HANG {
                    std::thread::sleep(threshold / 4);
                }
            })
            .unwrap();
        inside_rx.recv().unwrap();
        domain.retire(Box::new(0u64));
        domain.synchronize();
        reader.join().unwrap();
    });
    let report = first.lock().unwrap().take().unwrap_or_else(|| {
        panic!("the stall hook never ran while a reader stalled for {HANG:?} (a hang)")
    });
    let calls = [
        calls[0].load(Ordering::SeqCst),
        calls[1].load(Ordering::SeqCst),
    ];
    assert_eq!(calls, [1, 1], "each hook must run once per grace period");
    if report.attribution == crate::stall::Attribution::Exact {
        let named = report
            .blockers
            .iter()
            .any(|b| b.thread.as_ref().and_then(|t| t.name.as_deref()) == Some("stalled-reader"));
        assert!(
            named,
            "the report does not name the stalled thread:\n{report}"
        );
    }
    StallCheck { report }
}

/// Readers run short sections while this thread calls `synchronize` 200 times (20 under Miri),
/// with a stall hook at `threshold` installed: the hook must never be called.
///
/// ```no_run
/// # use gracepoint_reclaim::testing::*;
/// # static DOMAIN: gracepoint_reclaim::scheme::ReaderCount = gracepoint_reclaim::scheme::ReaderCount;
/// short_sections_never_report(&DOMAIN, std::time::Duration::from_millis(50));
/// ```
#[track_caller]
pub fn short_sections_never_report<D: Reclaim + crate::stall::Monitor>(
    domain: &D,
    threshold: Duration,
) {
    let calls = std::sync::Arc::new(AtomicUsize::new(0));
    let count = std::sync::Arc::clone(&calls);
    domain.on_stall(threshold, move |report| {
        count.fetch_add(1, Ordering::SeqCst);
        std::eprintln!("unexpected stall report:\n{report}");
    });
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    drop(domain.enter());
                }
            });
        }
        // Under Miri, which runs a thousand times slower, a tenth.
        for i in 0..if cfg!(miri) { 20 } else { 200u64 } {
            domain.retire(Box::new(i));
            domain.synchronize();
        }
        stop.store(true, Ordering::Relaxed);
    });
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "short sections produced a stall report"
    );
}

/// What [`bounded_garbage_under_a_stalled_reader`] measured.
#[derive(Clone, Copy, Debug)]
pub struct GarbageCheck {
    /// The most objects seen waiting in the limited domain.
    pub peak: usize,
    /// Objects the two writers retired.
    pub retired: usize,
    /// `synchronize` calls another, unlimited domain of the same scheme completed meanwhile.
    pub other_domain_grace_periods: usize,
}

/// One reader stalls in `limited` while two writers retire into it as fast as they can,
/// outside any section, and a sampler records the peak of what waits; meanwhile `other`
/// (another domain of the same scheme) must keep completing grace periods. The run lasts until
/// the other domain completed 10 grace periods, and the writers either retired 20 000 objects
/// (400 under Miri) or were seen holding `cap` objects waiting (a blocking limit stops them
/// there) — or, as a hang guard, a minute — so that what it shows does not depend on the
/// machine's speed. After the reader leaves, `barrier` must free everything exactly once.
/// Returns what it measured; the caller checks the peak against its policy.
///
/// ```no_run
/// # use gracepoint_reclaim::testing::*;
/// # static A: gracepoint_reclaim::scheme::ReaderCount = gracepoint_reclaim::scheme::ReaderCount;
/// # static B: gracepoint_reclaim::scheme::ReaderCount = gracepoint_reclaim::scheme::ReaderCount;
/// static L: Ledger = Ledger::new();
/// bounded_garbage_under_a_stalled_reader(&A, &B, &L, 2_000);
/// ```
/// How many retires end a [`bounded_garbage_under_a_stalled_reader`] run (fewer under Miri,
/// which runs a thousand times slower).
const RETIRES: usize = if cfg!(miri) { 400 } else { 20_000 };

#[track_caller]
pub fn bounded_garbage_under_a_stalled_reader<D: Reclaim + crate::stall::Monitor>(
    limited: &D,
    other: &D,
    ledger: &'static Ledger,
    cap: usize,
) -> GarbageCheck {
    let before = ledger.live();
    let stop = AtomicBool::new(false);
    let stalled = AtomicBool::new(true);
    let retired = AtomicUsize::new(0);
    let peak = AtomicUsize::new(0);
    let other_gps = AtomicUsize::new(0);
    let (inside_tx, inside_rx) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        s.spawn(|| {
            let _guard = limited.enter();
            inside_tx.send(()).unwrap();
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(1));
            }
            stalled.store(false, Ordering::SeqCst);
        });
        inside_rx.recv().unwrap();
        for _ in 0..2 {
            s.spawn(|| {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    limited.retire(Box::new(Tracked::new(ledger, n as u64)));
                    retired.fetch_add(1, Ordering::Relaxed);
                    n += 1;
                }
            });
        }
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                other.retire(Box::new(0u64));
                other.synchronize();
                other_gps.fetch_add(1, Ordering::Relaxed);
            }
        });
        let since = Instant::now();
        let done = || {
            other_gps.load(Ordering::Relaxed) >= 10
                && (retired.load(Ordering::Relaxed) >= RETIRES
                    || peak.load(Ordering::Relaxed) >= cap)
        };
        while !done() && since.elapsed() < HANG {
            peak.fetch_max(limited.stats().pending, Ordering::Relaxed);
            std::thread::sleep(Duration::from_micros(200));
        }
        peak.fetch_max(limited.stats().pending, Ordering::Relaxed);
        stop.store(true, Ordering::SeqCst);
    });
    assert!(!stalled.load(Ordering::SeqCst));
    limited.barrier();
    assert_eq!(
        ledger.live(),
        before,
        "objects were left unfreed after the stall"
    );
    ledger.assert_balanced_so_far();
    GarbageCheck {
        peak: peak.load(Ordering::Relaxed),
        retired: retired.load(Ordering::Relaxed),
        other_domain_grace_periods: other_gps.load(Ordering::Relaxed),
    }
}

/// Runs [`bounded_garbage_under_a_stalled_reader`] once per policy (`Block`, `Expedite`,
/// `Hook` with a hook that does nothing), each time on two fresh domains from `make` and with a
/// cap of 2000 objects (100 under Miri) on the first. Checks that the other domain kept
/// completing grace periods, and that under `Block` the peak stayed at the cap plus, per
/// writer, a local bag and a sealed bag in flight. Prints and returns what each policy reached
/// (the other policies do not bound what a stalled reader holds back; see `stall::Policy`).
///
/// ```no_run
/// # use gracepoint_reclaim::testing::*;
/// static L: Ledger = Ledger::new();
/// let peaks = every_limit_policy(|| gracepoint_reclaim::scheme::ReaderCount, &L);
/// assert_eq!(peaks.len(), 3);
/// ```
#[track_caller]
pub fn every_limit_policy<D: Reclaim + crate::stall::Monitor>(
    make: impl Fn() -> D,
    ledger: &'static Ledger,
) -> alloc::vec::Vec<(crate::stall::Policy, GarbageCheck)> {
    use crate::stall::{Limit, Policy};
    // Under Miri, a cap small enough to reach with the fewer retires it runs.
    const LIMIT: usize = if cfg!(miri) { 100 } else { 2_000 };
    let mut seen_per_policy = alloc::vec::Vec::new();
    for policy in [Policy::Block, Policy::Expedite, Policy::Hook] {
        let (limited, other) = (make(), make());
        limited.set_limit(Limit::objects(LIMIT).with_policy(policy));
        limited.on_limit(|_| {});
        // Only the blocking policy stops the writers at the cap; the others run to the retire
        // count, to show what they do not bound.
        let stop_at = if policy == Policy::Block {
            LIMIT
        } else {
            usize::MAX
        };
        let seen = bounded_garbage_under_a_stalled_reader(&limited, &other, ledger, stop_at);
        std::eprintln!("{policy:?}: {seen:?}");
        assert!(
            seen.other_domain_grace_periods >= 10,
            "the other domain stalled too: {} grace periods in {HANG:?} (a hang)",
            seen.other_domain_grace_periods
        );
        if policy == Policy::Block {
            // The cap, plus a local bag and one sealed bag in flight per writer.
            let bound = LIMIT + 2 * 2 * crate::scheme::bag::LOCAL_CAPACITY;
            assert!(seen.peak <= bound, "peak {} past {bound}", seen.peak);
        }
        seen_per_policy.push((policy, seen));
    }
    seen_per_policy
}
