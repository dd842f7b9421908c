//! The test suite every scheme runs, written once: [`scheme_tests!`](crate::scheme_tests)
//! expands to a module of named `#[test]`s in the scheme's own unit tests, on every
//! configuration the scheme lists. The checks themselves are the functions of this module's
//! parent; the macro only names them, so that a failure says which check, on which scheme.
//!
//! Every check is logical: a report names the stalled reader, a hook runs once per grace
//! period, a backlog stays within what the algorithm bounds it by, every object is freed exactly
//! once. None depends on how fast the machine is; the only clock readings are hang guards of a
//! minute, whose messages say so.

/// Writes the shared test suite of a scheme (see the module docs). Invoke it in the scheme's
/// unit tests (with `std`), with the domain type in scope and the configurations to run:
///
/// ```ignore
/// gracepoint_reclaim::scheme_tests! {
///     domain: Srcu,
///     configurations: [
///         Srcu::new(),
///         Srcu::with_options(Options::DEFAULT.flavor(Flavor::Fast)),
///     ],
/// }
/// ```
///
/// The first configuration must be `$domain::new()`'s: the checks of misuse and of static
/// domains use it. The scheme's `Clock` must say whether its steps are heavy (the backlog bound
/// depends on it).
#[doc(hidden)]
#[macro_export]
macro_rules! scheme_tests {
    (
        domain: $Domain:ident,
        configurations: [$($config:expr),+ $(,)?] $(,)?
    ) => {
        /// The shared suite (`reclaim::scheme_tests!`): the same checks on every scheme.
        mod shared_suite {
            #[allow(unused_imports)]
            use super::*;
            use $crate::testing::*;
            use ::std::boxed::Box;
            use ::std::string::String;
            use ::std::sync::Arc;
            use ::std::sync::atomic::{AtomicUsize, Ordering};

            /// Every configuration the scheme lists, built afresh, with its source text.
            fn configurations() -> ::std::vec::Vec<(&'static str, fn() -> $Domain)> {
                ::std::vec![$((stringify!($config), (|| $config) as fn() -> $Domain)),+]
            }

            fn each<T>(check: impl Fn(&$Domain) -> T) {
                for (name, make) in configurations() {
                    ::std::eprintln!("{}: {name}", stringify!($Domain));
                    check(&make());
                }
            }

            /// How many objects a retire-bound thread whose own section comes and goes may
            /// leave waiting: the retire path steps the clock every few bags; a clock that
            /// needs heavy fences waits for the process's next batch of them, which comes by
            /// time, so there the bound is the pressure threshold, past which every seal steps
            /// at once (see `docs/reclaim.md`).
            fn backlog_bound(domain: &$Domain) -> usize {
                use $crate::__private::tuning::{LOCAL_CAPACITY, PRESSURE_OBJECTS};
                use $crate::scheme::Clock;
                if domain.core.clock().heavy_steps() {
                    PRESSURE_OBJECTS + 32 * LOCAL_CAPACITY
                } else {
                    32 * LOCAL_CAPACITY
                }
            }

            #[test]
            fn short_lived_threads_leave_nothing_behind() {
                static LEDGER: Ledger = Ledger::new();
                // Under Miri (here and below) the counts shrink: it runs a thousand times slower.
                let threads = if cfg!(miri) { 16 } else { 2_000 };
                each(|domain| short_lived_retiring_threads(domain, &LEDGER, threads));
                LEDGER.assert_balanced();
            }

            #[test]
            fn barrier_frees_other_live_threads_bags() {
                static LEDGER: Ledger = Ledger::new();
                each(|domain| barrier_reaches_live_threads(domain, &LEDGER));
            }

            #[test]
            fn barrier_waits_for_frees_running_on_other_threads() {
                static LEDGER: Ledger = Ledger::new();
                let rounds = if cfg!(miri) { 2 } else { 100 };
                each(|domain| barrier_waits_for_frees_on_other_threads(domain, &LEDGER, rounds));
            }

            #[test]
            fn a_quiet_thread_s_retire_is_freed_by_other_calls() {
                static LEDGER: Ledger = Ledger::new();
                each(|domain| quiet_retire_is_freed_by_other_calls(domain, &LEDGER, 16));
            }

            #[test]
            fn panicking_destructors_leave_the_domain_working() {
                static LEDGER: Ledger = Ledger::new();
                each(|domain| panicking_destructors_do_not_break_the_domain(domain, &LEDGER));
                LEDGER.assert_balanced();
            }

            #[test]
            fn readers_never_see_a_freed_object() {
                static LEDGER: Ledger = Ledger::new();
                for (name, make) in configurations() {
                    let report = swap_and_retire(make(), &LEDGER, StressConfig::quick());
                    assert!(report.reads > 0 && report.swaps > 0, "{name}: {report:?}");
                }
                LEDGER.assert_balanced();
            }

            #[test]
            fn stall_reports_name_the_stalled_reader() {
                each(|domain| {
                    let seen = stall_reports_name_the_stalled_thread(
                        domain,
                        ::std::time::Duration::from_millis(20),
                    );
                    ::std::eprintln!("{seen:?}");
                });
            }

            #[test]
            fn a_static_domain_reports_stalls() {
                static DOMAIN: $Domain = $Domain::new();
                stall_reports_name_the_stalled_thread(&DOMAIN, ::std::time::Duration::from_millis(20));
            }

            #[test]
            fn short_sections_do_not_report() {
                static DOMAIN: $Domain = $Domain::new();
                // A threshold of a minute: a report then means a hang, not a busy machine.
                short_sections_never_report(&DOMAIN, HANG);
            }

            #[test]
            fn the_blocking_limit_bounds_garbage_under_a_stalled_reader() {
                static LEDGER: Ledger = Ledger::new();
                every_limit_policy($Domain::new, &LEDGER);
            }

            #[test]
            fn a_background_reclaimer_frees_with_no_other_calls() {
                static LEDGER: Ledger = Ledger::new();
                for (_, make) in configurations() {
                    background_reclaimer_frees_without_other_calls(Arc::new(make()), &LEDGER);
                }
            }

            #[test]
            #[should_panic(expected = "called from a destructor or callback that this domain is running")]
            fn barrier_from_a_callback_panics_instead_of_hanging() {
                static DOMAIN: $Domain = $Domain::new();
                DOMAIN.call(|| DOMAIN.barrier());
                DOMAIN.barrier();
            }

            #[test]
            #[should_panic(expected = "retire_ptr of a null pointer")]
            fn retire_ptr_of_a_null_pointer_panics() {
                let domain = $Domain::new();
                // SAFETY: null is refused before anything is retired.
                unsafe { domain.retire_ptr(::core::ptr::null_mut::<u64>()) };
            }

            #[test]
            fn retire_and_call_run_once_and_drop_frees_pending() {
                let drops = Arc::new(AtomicUsize::new(0));
                struct Counted(Arc<AtomicUsize>);
                impl Drop for Counted {
                    fn drop(&mut self) {
                        self.0.fetch_add(1, Ordering::Relaxed);
                    }
                }
                let n = if cfg!(miri) { 30 } else { 300 };
                each(|domain| {
                    drops.store(0, Ordering::Relaxed);
                    let calls = Arc::new(AtomicUsize::new(0));
                    for _ in 0..n {
                        domain.retire(Box::new(Counted(drops.clone())));
                        let calls = calls.clone();
                        domain.call(move || {
                            calls.fetch_add(1, Ordering::Relaxed);
                        });
                    }
                    domain.barrier();
                    assert_eq!(drops.load(Ordering::Relaxed), n);
                    assert_eq!(calls.load(Ordering::Relaxed), n);
                    let reader = domain.register().unwrap();
                    let guard = reader.enter();
                    for _ in 0..10 {
                        domain.retire(Box::new(Counted(drops.clone())));
                        reader.retire(Box::new(Counted(drops.clone())));
                        let unlinked = Box::into_raw(Box::new(Counted(drops.clone())));
                        // SAFETY: from `Box::into_raw`, reachable by no reader, retired once.
                        unsafe { domain.retire_ptr(unlinked) };
                        let unlinked = Box::into_raw(Box::new(Counted(drops.clone())));
                        // SAFETY: as above.
                        unsafe { reader.retire_ptr(unlinked) };
                    }
                    assert!(domain.stats().pending > 0, "a section holds them back");
                    drop(guard);
                    drop(reader);
                });
                // Every configuration's domain dropped with objects pending, and freed them.
                assert_eq!(drops.load(Ordering::Relaxed), n + 40);
            }

            #[test]
            fn callbacks_may_retire_into_their_own_domain() {
                static DOMAIN: $Domain = $Domain::new();
                static RAN: AtomicUsize = AtomicUsize::new(0);
                let n = if cfg!(miri) { 20 } else { 100 };
                for _ in 0..n {
                    DOMAIN.call(|| {
                        RAN.fetch_add(1, Ordering::Relaxed);
                        DOMAIN.call(|| {
                            RAN.fetch_add(1, Ordering::Relaxed);
                        });
                    });
                }
                DOMAIN.barrier();
                assert!(RAN.load(Ordering::Relaxed) >= n);
                DOMAIN.barrier();
                assert_eq!(RAN.load(Ordering::Relaxed), 2 * n);
                assert_eq!(DOMAIN.stats().pending, 0);
            }

            #[test]
            fn retire_and_call_inside_a_section_never_block() {
                use $crate::__private::tuning::PRESSURE_OBJECTS;
                each(|domain| {
                    let ran = Arc::new(AtomicUsize::new(0));
                    let section = domain.enter();
                    for i in 0..2 * PRESSURE_OBJECTS {
                        domain.retire(Box::new(i));
                    }
                    let reader = domain.register().unwrap();
                    let inner = reader.enter();
                    for _ in 0..100 {
                        let ran = ran.clone();
                        domain.call(move || {
                            ran.fetch_add(1, Ordering::Relaxed);
                        });
                    }
                    assert_eq!(ran.load(Ordering::Relaxed), 0);
                    drop((inner, section));
                    domain.barrier();
                    assert_eq!(ran.load(Ordering::Relaxed), 100);
                    assert_eq!(domain.stats().pending, 0);
                });
            }

            #[test]
            fn pending_stays_bounded_under_a_steady_retire_rate() {
                // One thread retires while its own sections come and go in lockstep with the
                // retires, so that the bound does not depend on how a busy machine schedules a
                // reader thread (one preempted inside its section holds everything back while
                // it is off the CPU).
                each(|domain| {
                    let reader = domain.register().unwrap();
                    let mut section = None;
                    let mut most = 0;
                    // Under Miri, which runs a thousand times slower, a few hundred retires: the
                    // seals, steps and collections run, but they stay under the bound.
                    let retires = if cfg!(miri) { 150 } else { 40_000u64 };
                    for i in 0..retires {
                        match i % 100 {
                            0 => section = Some(reader.enter()),
                            50 => section = None,
                            _ => {}
                        }
                        domain.retire(Box::new(i));
                        most = most.max(domain.stats().pending);
                    }
                    drop(section);
                    let bound = backlog_bound(domain);
                    assert!(most <= bound, "{most} objects pending, bound {bound}");
                    domain.barrier();
                    assert_eq!(domain.stats().pending, 0);
                });
            }

            #[test]
            fn works_through_the_reclaim_trait() {
                use $crate::Reclaim;
                fn exercise<R: Reclaim>(domain: &R) {
                    drop(domain.enter());
                    domain.retire(Box::new(String::from("x")));
                    domain.call(|| ());
                    let cookie = domain.start_poll();
                    domain.synchronize();
                    assert!(domain.poll(&cookie));
                    domain.barrier();
                }
                each(|domain| exercise(domain));
                exercise(&$Domain::<4>::new_fixed());
                exercise(&Arc::new($Domain::new()));
            }

            #[test]
            fn polled_grace_periods_wait_for_older_sections_only() {
                each(|domain| {
                    let old_reader = domain.register().unwrap();
                    let old = old_reader.enter();
                    let cookie = domain.start_poll();
                    let state = domain.get_state();
                    for _ in 0..10 {
                        assert!(!domain.poll(&cookie), "a section older than the cookie is inside");
                    }
                    let young_reader = domain.register().unwrap();
                    let young = young_reader.enter();
                    drop(old);
                    // A section that began after the cookie does not hold it back.
                    while !domain.poll(&cookie) {}
                    drop(young);
                    domain.wait(&state);
                    assert!(domain.poll(&state));
                });
            }

            #[test]
            fn stats_count_grace_periods_and_pending_bytes() {
                each(|domain| {
                    let reader = domain.register().unwrap();
                    let section = reader.enter();
                    // The first retire into a quiet domain is sealed alone, so its bytes
                    // count at once. `retire` makes its `Retired` through the same
                    // `from_box_ptr` as `retire_ptr`.
                    // SAFETY: from `Box::into_raw`, reachable by no reader, retired once.
                    unsafe { domain.retire_ptr(Box::into_raw(Box::new([0u8; 40]))) };
                    let stats = domain.stats();
                    assert_eq!((stats.pending, stats.pending_bytes), (1, 40));
                    drop(section);
                    let before = domain.stats().grace_periods;
                    for _ in 0..5 {
                        domain.synchronize();
                    }
                    let stats = domain.stats();
                    assert!(stats.grace_periods >= before + 5, "{stats:?}");
                    assert_eq!(stats.pending, 0, "synchronize collects what it passed");
                    assert!(::std::format!("{domain:?}").contains(stringify!($Domain)));
                });
            }

            #[test]
            #[should_panic(expected = "`synchronize` called inside a read section of the same domain")]
            fn synchronize_inside_a_section_panics() {
                let domain = $Domain::new();
                let _section = domain.enter();
                domain.synchronize();
            }

            #[test]
            #[should_panic(expected = "`barrier` called inside a read section of the same domain")]
            fn barrier_inside_a_section_panics() {
                let domain = $Domain::new();
                let _section = domain.enter();
                domain.barrier();
            }

            #[test]
            #[should_panic(expected = "`wait` called inside a read section of the same domain")]
            fn wait_inside_a_nested_section_panics() {
                let domain = $Domain::new();
                let _outer = domain.enter();
                let _inner = domain.enter();
                let cookie = domain.start_poll();
                domain.wait(&cookie);
            }

            #[test]
            #[cfg(debug_assertions)]
            #[should_panic(expected = "`synchronize` called inside a read section of the same domain")]
            fn synchronize_inside_a_registered_reader_s_section_panics_in_debug_builds() {
                let domain = $Domain::new();
                let reader = domain.register().unwrap();
                let _section = reader.enter();
                domain.synchronize();
            }

            #[test]
            fn sections_of_other_domains_do_not_trip_the_misuse_checks() {
                let (a, b) = ($Domain::new(), $Domain::new());
                let _in_b = b.enter();
                let cookie = a.start_poll();
                a.synchronize();
                a.wait(&cookie);
                a.barrier();
                let section = a.enter();
                drop(section);
                a.synchronize();
            }
        }
    };
}
