//! Unit tests of local bags and batches: exactly-once takes under races, panicking
//! destructors.

use super::*;
use std::prelude::rust_2024::*;
use std::sync::atomic::AtomicUsize as StdUsize;

static FREED: StdUsize = StdUsize::new(0);
unsafe fn count(_: *mut ()) {
    FREED.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
}

#[test]
fn owner_and_thieves_take_each_object_exactly_once() {
    let bag = LocalBag::new();
    // Miri runs this about a million times slower: a few hundred pushes still fill the bag
    // and overflow into the owner's own takes many times over.
    let total = if cfg!(miri) { 1_000 } else { 200_000usize };
    let taken = StdUsize::new(0);
    let done = core::sync::atomic::AtomicBool::new(false);
    let before = FREED.load(core::sync::atomic::Ordering::Relaxed);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while !done.load(core::sync::atomic::Ordering::Acquire) {
                    let mut batch = Taken::new();
                    let n = bag.take(&mut batch);
                    assert_eq!(n, batch.len());
                    taken.fetch_add(n, core::sync::atomic::Ordering::Relaxed);
                    // SAFETY: no readers in this test.
                    unsafe { batch.free_all() };
                }
            });
        }
        for _ in 0..total {
            // SAFETY: `count` accepts any pointer.
            let mut item = unsafe { Retired::new(core::ptr::null_mut(), count) };
            loop {
                // SAFETY: this thread is the only pusher.
                match unsafe { bag.push(item) } {
                    Ok(()) => break,
                    Err(back) => {
                        item = back;
                        let mut batch = Taken::new();
                        let n = bag.take(&mut batch);
                        taken.fetch_add(n, core::sync::atomic::Ordering::Relaxed);
                        // SAFETY: no readers in this test.
                        unsafe { batch.free_all() };
                    }
                }
            }
        }
        done.store(true, core::sync::atomic::Ordering::Release);
    });
    let mut rest = Taken::new();
    taken.fetch_add(bag.take(&mut rest), core::sync::atomic::Ordering::Relaxed);
    // SAFETY: no readers in this test.
    unsafe { rest.free_all() };
    assert_eq!(taken.load(core::sync::atomic::Ordering::Relaxed), total);
    assert_eq!(
        FREED.load(core::sync::atomic::Ordering::Relaxed) - before,
        total
    );
}

#[test]
fn a_panicking_destructor_does_not_stop_the_rest() {
    static OK: StdUsize = StdUsize::new(0);
    struct Boom(bool);
    impl Drop for Boom {
        fn drop(&mut self) {
            if self.0 {
                std::panic!("boom");
            }
            OK.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        }
    }
    let mut taken = Taken::new();
    for i in 0..LOCAL_CAPACITY {
        taken
            .push(Retired::from_box(Box::new(Boom(i % 3 == 1))))
            .unwrap();
    }
    let result = std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| unsafe {
        taken.free_all()
    }));
    assert!(result.is_err());
    let booms = (0..LOCAL_CAPACITY).filter(|i| i % 3 == 1).count();
    assert_eq!(
        OK.load(core::sync::atomic::Ordering::Relaxed),
        LOCAL_CAPACITY - booms
    );
    assert!(taken.is_empty());
}
