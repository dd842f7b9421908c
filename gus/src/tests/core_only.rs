//! Builds without `std`: fixed domains, registered readers, sections that claim a slot each,
//! raw retire into the inline pool of bags.

use crate::Gus;
use core::sync::atomic::{AtomicUsize, Ordering};

#[cfg(not(feature = "alloc"))]
#[test]
fn registering_past_a_fixed_capacity_says_so() {
    let gus: Gus<2> = Gus::new_fixed();
    let _a = gus.register().unwrap();
    let _b = gus.register().unwrap();
    let err = gus.register().err().unwrap();
    assert!(std::string::ToString::to_string(&err).contains("fixed capacity of 2"));
}

#[test]
fn each_section_claims_a_slot_and_gives_it_back() {
    let gus: Gus<2> = Gus::new_fixed();
    for _ in 0..3 {
        let outer = gus.enter();
        let goal = gus.advance();
        let inner = gus.enter();
        assert!(!gus.poll(&goal));
        drop(outer);
        assert!(gus.poll(&goal), "the inner section began after the advance");
        drop(inner);
    }
    assert!(gus.core.slots().len() <= 2);
}

#[cfg(not(feature = "alloc"))]
#[test]
#[should_panic(expected = "fixed capacity of 1")]
fn a_section_with_every_slot_taken_panics_with_the_reason() {
    let gus: Gus<1> = Gus::new_fixed();
    let _reader = gus.register().unwrap();
    let _section = gus.enter();
}

#[test]
fn the_reclaim_trait_works_without_std() {
    use reclaim::Reclaim;
    static FREED: AtomicUsize = AtomicUsize::new(0);
    unsafe fn count(_: *mut ()) {
        FREED.fetch_add(1, Ordering::Relaxed);
    }
    fn exercise<R: Reclaim>(domain: &R) {
        let guard = domain.enter();
        // SAFETY: `count` accepts any pointer.
        unsafe { domain.retire_raw(core::ptr::null_mut(), count) };
        drop(guard);
        domain.synchronize();
        domain.barrier();
    }
    let gus: Gus<2> = Gus::new_fixed();
    exercise(&gus);
    assert_eq!(FREED.load(Ordering::Relaxed), 1);
}

#[test]
fn raw_retires_wait_for_a_reader_and_barrier_frees_them_all() {
    static FREED: AtomicUsize = AtomicUsize::new(0);
    unsafe fn count(_: *mut ()) {
        FREED.fetch_add(1, Ordering::Relaxed);
    }
    let gus: Gus<2> = Gus::new_fixed();
    let entered = std::sync::Barrier::new(2);
    let leave = std::sync::Barrier::new(2);
    std::thread::scope(|s| {
        s.spawn(|| {
            let reader = gus.register().unwrap();
            let section = reader.enter();
            entered.wait();
            leave.wait();
            drop(section);
        });
        entered.wait();
        // Without `alloc` each raw retire seals a pooled bag of its own; this many fit
        // without waiting for the reader.
        for _ in 0..reclaim::__private::tuning::POOL_NODES {
            // SAFETY: `count` accepts any pointer.
            unsafe { gus.retire_raw(core::ptr::null_mut(), count) };
        }
        assert_eq!(FREED.load(Ordering::Relaxed), 0, "the reader holds them");
        leave.wait();
    });
    let total = reclaim::__private::tuning::POOL_NODES + 300;
    for _ in reclaim::__private::tuning::POOL_NODES..total {
        // SAFETY: as above.
        unsafe { gus.retire_raw(core::ptr::null_mut(), count) };
    }
    gus.barrier();
    assert_eq!(FREED.load(Ordering::Relaxed), total);
}

#[test]
fn a_static_domain_reads_advances_and_waits_without_an_allocator() {
    static DOMAIN: Gus<2> = Gus::new_fixed();
    let reader = DOMAIN.register().unwrap();
    let section = reader.enter();
    let goal = DOMAIN.advance();
    assert!(!DOMAIN.poll(&goal));
    drop(section);
    DOMAIN.wait_with(&goal, &mut reclaim::wait::Spin);
    DOMAIN.synchronize_with(&mut || core::hint::spin_loop());
    let tagged = DOMAIN.tag(7u8);
    assert_eq!(tagged.take_with(&DOMAIN, &mut reclaim::wait::Spin), 7);
}
