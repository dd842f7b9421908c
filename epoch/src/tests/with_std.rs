//! Unit tests that need `std`.

use super::*;

use std::sync::atomic::AtomicUsize;

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
            assert!(!domain.poll(&cookie));
        }
        release_tx.send(()).unwrap();
    });
    domain.synchronize();
}

#[test]
fn concurrent_synchronize_callers_share_advances() {
    // Under Miri, which runs a thousand times slower, fewer callers and rounds.
    const THREADS: usize = if cfg!(miri) { 3 } else { 8 };
    const ROUNDS: usize = if cfg!(miri) { 3 } else { 50 };
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

reclaim::scheme_tests! {
    domain: Epoch,
    configurations: [
        Epoch::with_options(crate::Options::DEFAULT.flavor(crate::Flavor::Fenced)),
        Epoch::with_options(crate::Options::DEFAULT.flavor(crate::Flavor::Fast)),
    ],
}
