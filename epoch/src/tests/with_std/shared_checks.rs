//! The checks every scheme runs (`reclaim::testing`), on epochs.

use super::*;
use reclaim::testing::*;

#[test]
fn short_lived_threads_leave_nothing_behind() {
    static LEDGER: Ledger = Ledger::new();
    short_lived_retiring_threads(&Epoch::new(), &LEDGER, 2_000);
    short_lived_retiring_threads(&Epoch::<4>::new_fixed(), &LEDGER, 100);
    LEDGER.assert_balanced();
}

#[test]
fn barrier_frees_other_live_threads_bags() {
    static LEDGER: Ledger = Ledger::new();
    barrier_reaches_live_threads(&Epoch::new(), &LEDGER);
}

#[test]
fn barrier_waits_for_frees_running_on_other_threads() {
    static LEDGER: Ledger = Ledger::new();
    barrier_waits_for_frees_on_other_threads(&Epoch::new(), &LEDGER, 100);
}

#[test]
fn a_quiet_thread_s_retire_is_freed_by_other_calls() {
    static LEDGER: Ledger = Ledger::new();
    quiet_retire_is_freed_by_other_calls(&Epoch::new(), &LEDGER, 16);
}

#[test]
fn panicking_destructors_leave_the_domain_working() {
    static LEDGER: Ledger = Ledger::new();
    panicking_destructors_do_not_break_the_domain(&Epoch::new(), &LEDGER);
    LEDGER.assert_balanced();
}

#[test]
fn stall_reports_name_the_stalled_reader() {
    static DOMAIN: Epoch = Epoch::new();
    let seen = stall_reports_name_the_stalled_thread(&DOMAIN, std::time::Duration::from_millis(40));
    assert_eq!(seen.report.attribution, reclaim::stall::Attribution::Exact);
}

#[test]
fn short_sections_do_not_report() {
    static DOMAIN: Epoch = Epoch::new();
    short_sections_never_report(&DOMAIN, std::time::Duration::from_millis(100));
}

#[test]
fn the_blocking_limit_bounds_garbage_under_a_stalled_reader() {
    static LEDGER: Ledger = Ledger::new();
    every_limit_policy(Epoch::new, &LEDGER);
}

#[test]
fn a_background_reclaimer_frees_with_no_other_calls() {
    static LEDGER: Ledger = Ledger::new();
    static DOMAIN: Epoch = Epoch::new();
    background_reclaimer_frees_without_other_calls(&DOMAIN, &LEDGER);
}

#[test]
#[should_panic(expected = "called from a destructor or callback that this domain is running")]
fn barrier_from_a_callback_panics_instead_of_hanging() {
    static DOMAIN: Epoch = Epoch::new();
    DOMAIN.call(|| DOMAIN.barrier());
    DOMAIN.barrier();
}
