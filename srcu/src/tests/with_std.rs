//! Unit tests that need `std`: threads, tokens, misuse panics, grace-period sharing.

use super::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[test]
fn every_option_runs_sections_and_grace_periods() {
    for (flavor, choice) in ALL_OPTIONS {
        let domain = Srcu::with_options(Options::DEFAULT.flavor(flavor).slots(choice));
        {
            let _a = domain.read_lock();
            let _b = domain.read_lock();
            let token = domain.read_lock_token();
            domain.read_unlock(token);
        }
        domain.synchronize();
        domain.synchronize_expedited();
        assert_eq!(domain.stats().grace_periods, 2);
        assert_eq!(domain.slot_choice(), choice);
        if flavor == Flavor::Fenced {
            assert_eq!(domain.flavor(), Flavor::Fenced);
        }
        poll_sequence_runs_across_the_wrap(&Srcu::<1>::fixed_with_options(
            Options::DEFAULT.flavor(flavor).slots(SlotChoice::Cpu),
        ));
    }
}

#[test]
fn fast_resolves_to_what_the_kernel_allows() {
    let domain = Srcu::with_options(Options::DEFAULT.flavor(Flavor::Fast));
    let expected = if reclaim::scheme::membarrier::available() {
        Flavor::Fast
    } else {
        Flavor::Fenced
    };
    assert_eq!(domain.flavor(), expected);
    assert_eq!(Srcu::new().flavor(), expected, "the default flavor is Fast");
}

#[test]
fn slot_cache_follows_moves_and_switches_between_domains() {
    let first: Srcu<4> = Srcu::fixed_with_options(Options::DEFAULT);
    drop(first.read_lock());
    // Moving the domain moves its inline slots: a cached slot pointer must not survive.
    let moved = Box::new(first);
    let other: Srcu<4> = Srcu::fixed_with_options(Options::DEFAULT);
    for _ in 0..3 {
        let guard = moved.read_lock();
        let cookie = moved.start_poll();
        drop(other.read_lock());
        for _ in 0..3 {
            assert!(
                !moved.poll(&cookie),
                "the section was counted somewhere else"
            );
        }
        drop(guard);
        assert!(moved.poll(&cookie));
        assert_eq!(open_in(&moved, 0) + open_in(&moved, 1), 0);
        assert_eq!(open_in(&other, 0) + open_in(&other, 1), 0);
    }
}

#[test]
fn nested_sections_hold_the_grace_period() {
    let domain = Srcu::new();
    let outer = domain.read_lock();
    let cookie = domain.start_poll();
    {
        let _inner = domain.read_lock();
        assert!(!domain.poll(&cookie));
    }
    assert!(!domain.poll(&cookie));
    drop(outer);
    while !domain.poll(&cookie) {}
}

#[test]
fn token_unlocked_on_another_thread_ends_the_section() {
    for (flavor, choice) in ALL_OPTIONS {
        let domain = Srcu::with_options(Options::DEFAULT.flavor(flavor).slots(choice));
        let token = domain.read_lock_token();
        let cookie = domain.start_poll();
        assert!(!domain.poll(&cookie));
        std::thread::scope(|s| {
            s.spawn(|| domain.read_unlock(token));
        });
        while !domain.poll(&cookie) {}
        // The lock and the unlock landed on different slots; only the sums balance.
        assert_eq!(open_in(&domain, 0), 0);
        assert_eq!(open_in(&domain, 1), 0);
    }
}

#[test]
#[should_panic(expected = "ReadToken from a different Srcu domain")]
fn unlocking_a_foreign_token_panics() {
    let a = Srcu::new();
    let b = Srcu::new();
    let token = a.read_lock_token();
    b.read_unlock(token);
}

#[test]
#[should_panic(expected = "needs a domain whose slots are shared")]
fn named_slots_on_a_per_thread_domain_panic() {
    let domain = Srcu::new();
    let _ = domain.enter_on(0);
}

#[test]
fn tokens_and_other_domains_do_not_trip_the_misuse_check() {
    let a = Srcu::new();
    let b = Srcu::new();
    let _in_b = b.read_lock();
    let token = a.read_lock_token();
    let cookie = a.get_state();
    drop(token);
    a.synchronize();
    assert!(a.poll(&cookie));
}

#[test]
fn concurrent_synchronize_callers_share_grace_periods() {
    // Under Miri, which runs a thousand times slower, fewer callers and rounds.
    const THREADS: usize = if cfg!(miri) { 3 } else { 8 };
    const ROUNDS: usize = if cfg!(miri) { 3 } else { 50 };
    let domain = Srcu::new();
    let waiting = AtomicUsize::new(0);
    let round_start = std::sync::Barrier::new(THREADS + 1);
    let round_end = std::sync::Barrier::new(THREADS + 1);
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..ROUNDS {
                    round_start.wait();
                    let mut counted = false;
                    // The strategy runs only once this caller holds a cookie and found it
                    // not yet served: that is when it counts as waiting.
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
            // Hold a section until every caller of this round waits, so they all wait
            // together whatever the scheduler does.
            let guard = domain.read_lock();
            waiting.store(0, Ordering::Release);
            round_start.wait();
            while waiting.load(Ordering::Acquire) < THREADS {
                std::thread::yield_now();
            }
            drop(guard);
            round_end.wait();
        }
    });
    let gps = domain.stats().grace_periods;
    let calls = (THREADS * ROUNDS) as u64;
    std::eprintln!("{gps} grace periods served {calls} synchronize calls");
    assert!(
        gps >= ROUNDS as u64,
        "each round needs its own grace period"
    );
    // One caller at a time would cost `calls` grace periods. Callers that wait together
    // need at most the one in flight when they arrive and the next.
    assert!(
        gps <= 2 * ROUNDS as u64,
        "{gps} grace periods for {calls} synchronize calls: not shared"
    );
}

#[test]
fn overlapping_readers_do_not_starve_synchronize() {
    // Under Miri, which runs a thousand times slower, a quarter.
    const SYNCS: usize = if cfg!(miri) { 5 } else { 20 };
    for flavor in [Flavor::Fenced, Flavor::Fast] {
        let domain = Srcu::with_options(Options::DEFAULT.flavor(flavor));
        let stop = AtomicBool::new(false);
        let inside = AtomicUsize::new(0);
        let overlaps = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    // Each new section begins before the previous one ends, so some reader
                    // of this thread is always inside.
                    let mut held = domain.read_lock();
                    inside.fetch_add(1, Ordering::Relaxed);
                    while !stop.load(Ordering::Relaxed) {
                        let next = domain.read_lock();
                        if inside.load(Ordering::Relaxed) > 1 {
                            overlaps.fetch_add(1, Ordering::Relaxed);
                        }
                        std::hint::spin_loop();
                        held = next;
                    }
                    drop(held);
                    inside.fetch_sub(1, Ordering::Relaxed);
                });
            }
            while inside.load(Ordering::Relaxed) < 3 {
                std::thread::yield_now();
            }
            for _ in 0..SYNCS {
                domain.synchronize();
            }
            stop.store(true, Ordering::Relaxed);
        });
        assert!(overlaps.load(Ordering::Relaxed) > 0);
        assert!(domain.stats().grace_periods >= SYNCS as u64);
    }
}

reclaim::scheme_tests! {
    domain: Srcu,
    configurations: [
        Srcu::with_options(Options::DEFAULT.flavor(Flavor::Fenced)),
        Srcu::with_options(Options::DEFAULT.flavor(Flavor::Fenced).slots(SlotChoice::Cpu)),
        Srcu::with_options(Options::DEFAULT.flavor(Flavor::Fast)),
        Srcu::with_options(Options::DEFAULT.flavor(Flavor::Fast).slots(SlotChoice::Cpu)),
    ],
}
