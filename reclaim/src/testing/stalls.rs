//! Generic checks of stall reports and limits, run on every scheme.

use super::{Ledger, Tracked};
use crate::Reclaim;
use alloc::boxed::Box;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What [`stall_reports_name_the_stalled_thread`] saw.
#[derive(Clone, Debug)]
pub struct StallCheck {
    /// When the first hook call came, counted from the moment the reader was inside.
    pub first_report_after: Duration,
    /// The report the hook with the shorter threshold received.
    pub report: crate::stall::StallReport,
}

/// A thread named `stalled-reader` enters a section and sleeps for 5 × `threshold`, while this
/// thread retires an object and calls `synchronize`. Checks that a hook with `threshold` is
/// called within 2 × `threshold` of the stall, exactly once for that grace period (a second hook
/// at 2 × `threshold` also exactly once), and that its report names the sleeping thread when the
/// scheme says it attributes exactly. Returns what it saw.
///
/// ```no_run
/// # use gracepoint_reclaim::testing::*;
/// # static DOMAIN: gracepoint_reclaim::ReaderCount = gracepoint_reclaim::ReaderCount;
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
    let first: Arc<Mutex<Option<(Instant, crate::stall::StallReport)>>> = Arc::default();
    let (count, keep) = (Arc::clone(&calls[0]), Arc::clone(&first));
    domain.on_stall(threshold, move |report| {
        count.fetch_add(1, Ordering::SeqCst);
        keep.lock()
            .unwrap()
            .get_or_insert_with(|| (Instant::now(), report.clone()));
    });
    let count = Arc::clone(&calls[1]);
    domain.on_stall(2 * threshold, move |_| {
        count.fetch_add(1, Ordering::SeqCst);
    });
    let (inside_tx, inside_rx) = std::sync::mpsc::channel();
    let stalled_at = std::thread::scope(|s| {
        let reader = std::thread::Builder::new()
            .name("stalled-reader".into())
            .spawn_scoped(s, move || {
                let _guard = domain.enter();
                inside_tx.send(Instant::now()).unwrap();
                std::thread::sleep(5 * threshold);
            })
            .unwrap();
        let stalled_at = inside_rx.recv().unwrap();
        domain.retire(Box::new(0u64));
        domain.synchronize();
        reader.join().unwrap();
        stalled_at
    });
    let (at, report) = first
        .lock()
        .unwrap()
        .take()
        .expect("the stall hook was never called");
    let calls = [
        calls[0].load(Ordering::SeqCst),
        calls[1].load(Ordering::SeqCst),
    ];
    assert_eq!(calls, [1, 1], "each hook must run once per grace period");
    let after = at.saturating_duration_since(stalled_at);
    assert!(
        after <= 2 * threshold,
        "the report came {after:?} into the stall, past twice the threshold {threshold:?}"
    );
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
    StallCheck {
        first_report_after: after,
        report,
    }
}

/// Readers run short sections while this thread calls `synchronize` 200 times, with a stall hook
/// at `threshold` installed: the hook must never be called.
///
/// ```no_run
/// # use gracepoint_reclaim::testing::*;
/// # static DOMAIN: gracepoint_reclaim::ReaderCount = gracepoint_reclaim::ReaderCount;
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
        for i in 0..200u64 {
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

/// One reader stalls in `limited` for 200 ms while two writers retire into it as fast as they
/// can, for 300 ms, outside any section; a sampler records the peak of what waits. Meanwhile
/// `other` (another domain of the same scheme) keeps completing grace periods. After the reader
/// leaves, `barrier` must free everything exactly once. Returns what it measured; the caller
/// checks the peak against its policy.
///
/// ```no_run
/// # use gracepoint_reclaim::testing::*;
/// # static A: gracepoint_reclaim::ReaderCount = gracepoint_reclaim::ReaderCount;
/// # static B: gracepoint_reclaim::ReaderCount = gracepoint_reclaim::ReaderCount;
/// static L: Ledger = Ledger::new();
/// bounded_garbage_under_a_stalled_reader(&A, &B, &L);
/// ```
#[track_caller]
pub fn bounded_garbage_under_a_stalled_reader<D: Reclaim + crate::stall::Monitor>(
    limited: &D,
    other: &D,
    ledger: &'static Ledger,
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
            std::thread::sleep(Duration::from_millis(200));
            stalled.store(false, Ordering::SeqCst);
        });
        inside_rx.recv().unwrap();
        for _ in 0..2 {
            s.spawn(|| {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    limited.retire(Box::new(Tracked::new(ledger, n as u64)));
                    n += 1;
                }
                retired.fetch_add(n, Ordering::Relaxed);
            });
        }
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                other.retire(Box::new(0u64));
                other.synchronize();
                other_gps.fetch_add(1, Ordering::Relaxed);
            }
        });
        let end = Instant::now() + Duration::from_millis(300);
        while Instant::now() < end {
            peak.fetch_max(limited.stats().pending, Ordering::Relaxed);
            std::thread::sleep(Duration::from_micros(200));
        }
        stop.store(true, Ordering::Relaxed);
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
/// cap of 2000 objects on the first. Checks that the other domain kept completing grace
/// periods, and that under `Block` the peak stayed at the cap plus, per writer, a local bag and
/// a sealed bag in flight. Prints and returns what each policy reached.
///
/// ```no_run
/// # use gracepoint_reclaim::testing::*;
/// static L: Ledger = Ledger::new();
/// let peaks = every_limit_policy(|| gracepoint_reclaim::ReaderCount, &L);
/// assert_eq!(peaks.len(), 3);
/// ```
#[track_caller]
pub fn every_limit_policy<D: Reclaim + crate::stall::Monitor>(
    make: impl Fn() -> D,
    ledger: &'static Ledger,
) -> alloc::vec::Vec<(crate::stall::Policy, GarbageCheck)> {
    use crate::stall::{Limit, Policy};
    const LIMIT: usize = 2_000;
    let mut seen_per_policy = alloc::vec::Vec::new();
    for policy in [Policy::Block, Policy::Expedite, Policy::Hook] {
        let (limited, other) = (make(), make());
        limited.set_limit(Limit::objects(LIMIT).with_policy(policy));
        limited.on_limit(|_| {});
        let seen = bounded_garbage_under_a_stalled_reader(&limited, &other, ledger);
        std::eprintln!("{policy:?}: {seen:?}");
        assert!(
            seen.other_domain_grace_periods > 0,
            "the other domain stalled too"
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
