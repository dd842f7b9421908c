//! The checks every scheme runs (`reclaim::testing`), on SRCU.

use super::*;
use reclaim::testing::*;

fn each_option(check: impl Fn(&Srcu)) {
    for (flavor, choice) in ALL_OPTIONS {
        check(&Srcu::with_options(flavor, choice));
    }
}

#[test]
fn short_lived_threads_leave_nothing_behind() {
    static LEDGER: Ledger = Ledger::new();
    each_option(|domain| short_lived_retiring_threads(domain, &LEDGER, 2_000));
    LEDGER.assert_balanced();
}

#[test]
fn barrier_frees_other_live_threads_bags() {
    static LEDGER: Ledger = Ledger::new();
    each_option(|domain| barrier_reaches_live_threads(domain, &LEDGER));
}

#[test]
fn barrier_waits_for_frees_running_on_other_threads() {
    static LEDGER: Ledger = Ledger::new();
    each_option(|domain| barrier_waits_for_frees_on_other_threads(domain, &LEDGER, 100));
}

#[test]
fn a_quiet_thread_s_retire_is_freed_by_other_calls() {
    static LEDGER: Ledger = Ledger::new();
    each_option(|domain| {
        quiet_retire_is_freed_by_other_calls(domain, &LEDGER, 16);
    });
}

#[test]
fn panicking_destructors_leave_the_domain_working() {
    static LEDGER: Ledger = Ledger::new();
    each_option(|domain| panicking_destructors_do_not_break_the_domain(domain, &LEDGER));
    LEDGER.assert_balanced();
}

#[test]
fn stall_reports_name_the_stalled_reader() {
    for (flavor, choice) in ALL_OPTIONS {
        let domain = Srcu::with_options(flavor, choice);
        let seen =
            stall_reports_name_the_stalled_thread(&domain, std::time::Duration::from_millis(40));
        std::eprintln!("{flavor:?}/{choice:?}: {seen:?}");
    }
}

#[test]
fn a_static_domain_reports_stalls() {
    static DOMAIN: Srcu = Srcu::new();
    stall_reports_name_the_stalled_thread(&DOMAIN, std::time::Duration::from_millis(40));
}

#[test]
fn short_sections_do_not_report() {
    static DOMAIN: Srcu = Srcu::new();
    short_sections_never_report(&DOMAIN, std::time::Duration::from_millis(100));
}

#[test]
fn the_blocking_limit_bounds_garbage_under_a_stalled_reader() {
    static LEDGER: Ledger = Ledger::new();
    every_limit_policy(Srcu::new, &LEDGER);
}

#[test]
fn a_background_reclaimer_frees_with_no_other_calls() {
    static LEDGER: Ledger = Ledger::new();
    for (flavor, choice) in ALL_OPTIONS {
        let domain = std::sync::Arc::new(Srcu::with_options(flavor, choice));
        background_reclaimer_frees_without_other_calls(domain, &LEDGER);
    }
}

#[test]
#[should_panic(expected = "called from a destructor or callback that this domain is running")]
fn barrier_from_a_callback_panics_instead_of_hanging() {
    static DOMAIN: Srcu = Srcu::new();
    DOMAIN.call(|| DOMAIN.barrier());
    DOMAIN.barrier();
}
