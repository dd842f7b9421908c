//! Every adapter keeps the trait's promises: a grace period waits for readers that entered
//! before it, a polled cookie is never done early, every retired object is freed exactly once,
//! and no reader ever sees a freed object.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use peers::{CrossbeamEpoch, Liburcu, Peer, Sdd, Seize};
use reclaim::Reclaim;
use reclaim::testing::{Dispose, HANG, Ledger, StressConfig, swap_and_retire};

/// Runs `check` on every peer, liburcu included when this build has it.
fn each_peer(mut check: impl FnMut(&dyn Fn() -> Box<dyn Run>)) {
    check(&|| Box::new(CrossbeamEpoch));
    check(&|| Box::new(Seize::new()));
    check(&|| Box::new(Sdd));
    if let Ok(urcu) = Liburcu::try_new() {
        check(&move || Box::new(urcu));
    } else {
        eprintln!("{}", Liburcu::try_new().unwrap_err());
    }
}

/// The checks, object-safe so that one list of peers serves every test.
trait Run {
    fn name(&self) -> &'static str;
    fn synchronize_waits_for_a_reader(self: Box<Self>);
    fn poll_is_never_early(self: Box<Self>);
    fn retire_raw_frees_each_once(self: Box<Self>, freed: &'static AtomicUsize) -> usize;
    fn stress(self: Box<Self>, ledger: &'static Ledger, dispose: Dispose);
    fn barrier(&self);
}

/// When the reader of [`with_reader_inside`] leaves its section.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Leave {
    /// Only after `inside` returned: whatever `inside` sees, the reader is inside.
    AfterInside,
    /// While `inside` runs, released by another thread (for an `inside` that waits for the
    /// reader). The release comes after a short sleep, so that `inside` is most likely already
    /// waiting; nothing checked depends on that.
    WhileInside,
}

/// Sets its flag when dropped.
struct SetOnDrop<'a>(&'a AtomicBool);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Runs `inside` while another thread holds a read section of `domain`; returns whether that
/// thread had left its section when `inside` returned.
fn with_reader_inside<R: Reclaim>(domain: &R, leave_when: Leave, inside: impl FnOnce()) -> bool {
    let entered = AtomicBool::new(false);
    let leave = AtomicBool::new(false);
    let left = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let guard = domain.enter();
            entered.store(true, Ordering::SeqCst);
            while !leave.load(Ordering::SeqCst) {
                std::thread::yield_now();
            }
            left.store(true, Ordering::SeqCst);
            drop(guard);
        });
        while !entered.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
        if leave_when == Leave::WhileInside {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(20));
                leave.store(true, Ordering::SeqCst);
            });
        }
        // Released when `inside` returns or panics (a failed check must not leave the
        // reader inside for ever).
        let release = SetOnDrop(&leave);
        inside();
        let left_by_then = left.load(Ordering::SeqCst);
        drop(release);
        left_by_then
    })
}

impl<P: Peer> Run for P {
    fn name(&self) -> &'static str {
        P::NAME
    }

    fn synchronize_waits_for_a_reader(self: Box<Self>) {
        let returned_after_reader_left =
            with_reader_inside(&*self, Leave::WhileInside, || self.synchronize());
        assert!(
            returned_after_reader_left,
            "{}: grace period ended early",
            P::NAME
        );
    }

    fn poll_is_never_early(self: Box<Self>) {
        let domain = &*self;
        let mut cookie = None;
        let left = with_reader_inside(domain, Leave::AfterInside, || {
            let c = domain.start_poll();
            for _ in 0..100 {
                assert!(
                    !domain.poll(&c),
                    "{}: cookie done while a reader is inside",
                    P::NAME
                );
            }
            cookie = Some(c);
        });
        assert!(!left);
        let cookie = cookie.expect("set inside");
        while !domain.poll(&cookie) {
            std::thread::yield_now();
        }
    }

    fn retire_raw_frees_each_once(self: Box<Self>, freed: &'static AtomicUsize) -> usize {
        unsafe fn free(ptr: *mut ()) {
            // SAFETY: every pointer retired below is a leaked `Box<&AtomicUsize>`.
            let counter = unsafe { Box::from_raw(ptr.cast::<&'static AtomicUsize>()) };
            counter.fetch_add(1, Ordering::SeqCst);
        }
        for _ in 0..100 {
            let p = Box::into_raw(Box::new(freed)).cast::<()>();
            // SAFETY: `free` matches the allocation and each pointer is retired once.
            unsafe { self.retire_raw(p, free) };
        }
        self.barrier();
        drop(self);
        freed.load(Ordering::SeqCst)
    }

    fn stress(self: Box<Self>, ledger: &'static Ledger, dispose: Dispose) {
        let config = StressConfig {
            dispose,
            ..StressConfig::quick()
        };
        let report = swap_and_retire(*self, ledger, config);
        assert!(report.reads > 0 && report.swaps > 0);
    }

    fn barrier(&self) {
        Reclaim::barrier(self);
    }
}

#[test]
fn synchronize_waits_for_a_reader() {
    each_peer(|make| make().synchronize_waits_for_a_reader());
}

#[test]
fn polled_grace_periods_are_never_early() {
    each_peer(|make| make().poll_is_never_early());
}

#[test]
fn retire_raw_runs_each_deleter_once() {
    each_peer(|make| {
        let counter: &'static AtomicUsize = Box::leak(Box::new(AtomicUsize::new(0)));
        let peer = make();
        let name = peer.name();
        assert_eq!(peer.retire_raw_frees_each_once(counter), 100, "{name}");
        // Nothing is freed twice later either.
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(counter.load(Ordering::SeqCst), 100, "{name}");
    });
}

#[test]
fn readers_never_see_a_freed_object_and_each_is_freed_once() {
    for dispose in [Dispose::Retire, Dispose::Synchronize, Dispose::Both] {
        each_peer(|make| {
            let ledger: &'static Ledger = Box::leak(Box::new(Ledger::new()));
            let peer = make();
            let name = peer.name();
            peer.stress(ledger, dispose);
            // The stress run joined its writers and ended with `barrier`. The process-wide
            // peers may still hand an exited thread's last objects to another thread of this
            // binary (tests run at the same time), so barriers go on until those are freed
            // too; only a minute without that is a failure (a hang).
            let deadline = std::time::Instant::now() + HANG;
            while ledger.live() > 0 && std::time::Instant::now() < deadline {
                make().barrier();
                std::thread::yield_now();
            }
            assert_eq!(
                ledger.live(),
                0,
                "{name} ({dispose:?}): objects still not freed after {HANG:?} of barriers (a hang)"
            );
            ledger.assert_balanced();
        });
    }
}
