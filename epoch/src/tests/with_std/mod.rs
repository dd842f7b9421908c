//! Unit tests that need `std`.

use super::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize};

#[test]
fn thread_slots_pin_nest_and_report() {
    let domain = Epoch::new();
    assert!(!domain.is_pinned());
    let outer = domain.enter();
    let inner = domain.pin();
    assert!(domain.is_pinned());
    drop(outer);
    assert!(domain.is_pinned());
    drop(inner);
    assert!(!domain.is_pinned());
    assert!(format!("{domain:?}").contains("Epoch"));
    let guard = domain.pin();
    assert!(format!("{guard:?}").contains("EpochGuard"));
    drop(guard);
    let reader = domain.register().unwrap();
    assert!(format!("{reader:?}").contains("EpochReader"));
}

#[test]
fn the_default_domain_is_one_static() {
    assert!(core::ptr::eq(
        crate::default_domain(),
        crate::default_domain()
    ));
    let guard = crate::pin();
    assert!(crate::default_domain().is_pinned());
    drop(guard);
    crate::default_domain().retire(Box::new(1u8));
}

#[test]
fn a_pinned_thread_holds_back_other_threads_cookies() {
    let domain = Epoch::new();
    let (pinned_tx, pinned_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|s| {
        let domain = &domain;
        s.spawn(move || {
            let _guard = domain.pin();
            pinned_tx.send(()).unwrap();
            release_rx.recv().unwrap();
        });
        pinned_rx.recv().unwrap();
        let cookie = domain.start_poll();
        for _ in 0..100 {
            assert!(!domain.poll(cookie));
        }
        release_tx.send(()).unwrap();
    });
    domain.synchronize();
}

#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "`synchronize` called inside a read section of the same domain")]
fn synchronize_while_pinned_panics_in_debug_builds() {
    let domain = Epoch::new();
    let _guard = domain.pin();
    domain.synchronize();
}

#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "`barrier` called inside a read section of the same domain")]
fn barrier_while_pinned_panics_in_debug_builds() {
    let domain = Epoch::new();
    let _guard = domain.pin();
    domain.barrier();
}

#[test]
fn another_domain_s_section_does_not_trip_the_misuse_check() {
    let (a, b) = (Epoch::new(), Epoch::new());
    let _in_b = b.pin();
    a.synchronize();
    a.barrier();
}

#[test]
fn concurrent_synchronize_callers_share_advances() {
    const THREADS: usize = 8;
    const ROUNDS: usize = 50;
    let domain = Epoch::new();
    let waiting = AtomicUsize::new(0);
    let round_start = std::sync::Barrier::new(THREADS + 1);
    let round_end = std::sync::Barrier::new(THREADS + 1);
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..ROUNDS {
                    round_start.wait();
                    let mut counted = false;
                    domain.synchronize_with(&mut || {
                        if !counted {
                            counted = true;
                            waiting.fetch_add(1, Ordering::AcqRel);
                        }
                        std::thread::yield_now();
                    });
                    round_end.wait();
                }
            });
        }
        for _ in 0..ROUNDS {
            // Hold a pin until every caller waits, so that they all wait together.
            let guard = domain.pin();
            waiting.store(0, Ordering::Release);
            round_start.wait();
            while waiting.load(Ordering::Acquire) < THREADS {
                std::thread::yield_now();
            }
            drop(guard);
            round_end.wait();
        }
    });
    let advances = domain.stats().grace_periods;
    let calls = (THREADS * ROUNDS) as u64;
    std::eprintln!("{advances} advances served {calls} synchronize calls");
    // Alone, each call needs two advances; callers that wait together share them.
    assert!(advances >= 2 * ROUNDS as u64);
    assert!(
        advances <= 4 * ROUNDS as u64,
        "{advances} advances for {calls} synchronize calls: not shared"
    );
}

#[test]
fn retire_and_call_run_once_and_drop_frees_pending() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct Counted;
    impl Drop for Counted {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::Relaxed);
        }
    }
    let calls = Arc::new(AtomicUsize::new(0));
    let domain = Epoch::new();
    for _ in 0..300 {
        domain.retire(Box::new(Counted));
        let calls = calls.clone();
        domain.call(move || {
            calls.fetch_add(1, Ordering::Relaxed);
        });
    }
    domain.barrier();
    assert_eq!(DROPS.load(Ordering::Relaxed), 300);
    assert_eq!(calls.load(Ordering::Relaxed), 300);
    let guard = domain.pin();
    for _ in 0..10 {
        domain.retire(Box::new(Counted));
    }
    assert!(domain.stats().pending > 0, "a pin holds them back");
    drop(guard);
    drop(domain);
    assert_eq!(DROPS.load(Ordering::Relaxed), 310);
}

#[test]
fn callbacks_may_retire_into_their_own_domain() {
    static DOMAIN: Epoch = Epoch::new();
    static RAN: AtomicUsize = AtomicUsize::new(0);
    for _ in 0..100 {
        DOMAIN.call(|| {
            RAN.fetch_add(1, Ordering::Relaxed);
            DOMAIN.call(|| {
                RAN.fetch_add(1, Ordering::Relaxed);
            });
        });
    }
    DOMAIN.barrier();
    DOMAIN.barrier();
    assert_eq!(RAN.load(Ordering::Relaxed), 200);
    assert_eq!(DOMAIN.stats().pending, 0);
}

#[test]
fn pending_stays_bounded_under_a_steady_retire_rate() {
    const RETIRES: u64 = 40_000;
    let domain = Epoch::new();
    let stop = AtomicBool::new(false);
    let (mut most, mut sum) = (0, 0);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                let _guard = domain.pin();
                std::hint::spin_loop();
            }
        });
        for i in 0..RETIRES {
            domain.retire(Box::new(i));
            let pending = domain.stats().pending;
            most = most.max(pending);
            sum += pending as u64;
        }
        stop.store(true, Ordering::Release);
    });
    // Not a hard cap: a reader preempted while pinned holds the epoch for a whole time
    // slice, and a retire never waits (past the pressure threshold it yields once per
    // seal). On a loaded 2-core machine the peak sits a little above the threshold, far
    // below the 40 000 an unreclaimed stream would reach.
    let average = (sum / RETIRES) as usize;
    let pressure = reclaim::scheme::domain::PRESSURE_OBJECTS;
    std::eprintln!("pending: {average} on average, {most} at the peak");
    assert!(average <= pressure, "{average} objects pending on average");
    assert!(most <= 3 * pressure, "{most} objects pending at the peak");
}

#[test]
fn works_through_the_reclaim_trait() {
    use reclaim::Reclaim;
    fn exercise<R: Reclaim>(domain: &R) {
        drop(domain.enter());
        domain.retire(Box::new(String::from("x")));
        domain.synchronize();
        let cookie = domain.start_poll();
        while !domain.poll(&cookie) {}
        domain.barrier();
    }
    exercise(&Epoch::new());
    exercise(&Epoch::<4>::new_fixed());
    exercise(crate::default_domain());
}

mod shared_checks;
