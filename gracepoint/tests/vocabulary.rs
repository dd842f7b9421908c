//! One piece of user code, written once with only the type names swapped, on all three schemes:
//! through their inherent methods, and generically through `gracepoint::prelude`. If a scheme
//! lacks a name of the shared vocabulary, or spells a signature differently, this file does not
//! compile.

use gracepoint::prelude::*;
use gracepoint::stall::{Limit, Pending, Policy, StallReport};
use gracepoint::{SlotsFull, Stats};
use std::sync::Arc;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

/// The same code for every scheme; only the names passed in differ.
macro_rules! the_same_code {
    ($module:ident: $Domain:ident, $Guard:ident, $Reader:ident) => {
        mod $module {
            use super::*;
            use gracepoint::$module::{Cookie, Options, $Domain, $Guard, $Reader};

            static STATIC: $Domain = $Domain::new();
            static FIXED: $Domain<4> = $Domain::new_fixed();
            static FIXED_WITH: $Domain<2> = $Domain::fixed_with_options(Options::DEFAULT);

            #[test]
            fn through_inherent_methods() {
                let domain: $Domain = $Domain::with_options(Options::default());
                let _: $Domain = Default::default();
                let shared = AtomicPtr::new(Box::into_raw(Box::new(1u64)));

                // Reading: on the thread's own slot, and through a registered reader.
                {
                    let guard: $Guard<'_> = domain.enter();
                    assert_eq!(unsafe { *shared.load(Ordering::Acquire) }, 1);
                    drop(guard);
                }
                let reader: $Reader<'_> = domain.register().expect("a slot");
                let nested = (reader.enter(), reader.enter());
                drop(nested);

                // Retiring: a box, a closure, a raw pointer; through the domain and the reader.
                let freed = Arc::new(AtomicUsize::new(0));
                let old = shared.swap(Box::into_raw(Box::new(2)), Ordering::AcqRel);
                unsafe { domain.retire_ptr(old) };
                let count = Arc::clone(&freed);
                domain.call(move || {
                    count.fetch_add(1, Ordering::Relaxed);
                });
                let count = Arc::clone(&freed);
                reader.call(move || {
                    count.fetch_add(1, Ordering::Relaxed);
                });
                reader.retire(Box::new([0u8; 16]));
                unsafe fn forget(_: *mut ()) {}
                unsafe {
                    domain.retire_raw(core::ptr::null_mut(), forget);
                    reader.retire_raw(core::ptr::null_mut(), forget);
                }

                // Waiting, and polled grace periods.
                domain.synchronize();
                domain.synchronize_expedited();
                domain.synchronize_with(&mut gracepoint::wait::Spin);
                let state: Cookie = domain.get_state();
                let cookie: Cookie = domain.start_poll();
                domain.wait(&state);
                domain.wait_with(&cookie, &mut gracepoint::wait::Spin);
                assert!(domain.poll(&cookie));
                domain.barrier();
                assert_eq!(freed.load(Ordering::Relaxed), 2);
                let _: usize = domain.collect();

                // Monitoring.
                let stats: Stats = domain.stats();
                assert_eq!(stats.pending, 0);
                let report: Option<StallReport> = domain.stall_report();
                assert!(report.is_none());
                domain.on_stall(std::time::Duration::from_secs(60), |report| {
                    eprintln!("{report}")
                });
                domain.set_limit(Limit::objects(1_000_000).with_policy(Policy::Hook));
                domain.on_limit(|pending: Pending| eprintln!("{pending:?}"));
                let left: Pending = domain.reclaim_step();
                assert_eq!(left.objects, 0);

                // Fixed-size domains in statics.
                drop(STATIC.enter());
                let fixed_reader = FIXED.register().expect("a slot");
                drop(fixed_reader.enter());
                let _: Result<$Reader<'_, 2>, SlotsFull> = FIXED_WITH.register();
                FIXED.synchronize();

                unsafe { drop(Box::from_raw(shared.load(Ordering::Relaxed))) };
            }

            #[test]
            fn through_the_prelude() {
                generic(&$Domain::new());
                generic(&Arc::new($Domain::new()));
                generic(&&STATIC);
            }
        }
    };
}

the_same_code!(srcu: Srcu, SrcuGuard, SrcuReader);
the_same_code!(gus: Gus, GusGuard, GusReader);
the_same_code!(epoch: Epoch, EpochGuard, EpochReader);

/// Code written once against the traits, for any scheme (and any pointer to a domain).
fn generic<D: Reclaim + Monitor>(domain: &D) {
    drop(domain.enter());
    domain.retire(Box::new(String::from("x")));
    domain.call(|| ());
    let cookie = domain.start_poll();
    domain.synchronize();
    assert!(domain.poll(&cookie));
    domain.barrier();
    assert_eq!(domain.stats().pending, 0);
    assert!(domain.stall_report().is_none());
}

/// `Background` too, through the prelude.
#[test]
fn a_background_reclaimer_takes_any_scheme() {
    fn start<D: Background + 'static>(domain: D) -> gracepoint::BackgroundReclaimer {
        gracepoint::BackgroundReclaimer::start(domain, std::time::Duration::from_millis(1))
    }
    start(Arc::new(gracepoint::srcu::Srcu::new())).stop();
    start(Arc::new(gracepoint::gus::Gus::new())).stop();
    start(Arc::new(gracepoint::epoch::Epoch::new())).stop();
}
