//! sdd 4.8, the epoch-based reclaimer under scc, on its process-wide collector.

use reclaim::Reclaim;

use crate::sentinel::{SendPtr, Sentinel, wait_for};
use crate::{Fidelity, Mapping, Peer};

/// sdd 4.8 behind [`Reclaim`], on sdd's process-wide collector.
///
/// Mapping:
/// - `enter` is [`sdd::Guard::new`]; the guard is sdd's [`Guard`](sdd::Guard).
/// - `retire` is [`Guard::defer_execute`](sdd::Guard::defer_execute) of a closure that drops
///   the box (or calls the deleter), so each retire **allocates** that closure. sdd retires its
///   own smart pointers (`Owned`, `Shared`) without an allocation, but those carry sdd's
///   header and cannot be made from a `Box` or a raw pointer with a deleter.
/// - `synchronize` is **emulated**: sdd has no grace-period wait. It defers a sentinel closure,
///   then creates guards that [`accelerate`](sdd::Guard::accelerate) the epoch until the
///   sentinel has run. sdd runs a deferred closure only after every guard that existed when it
///   was deferred has been dropped, so this is a real grace period.
/// - `start_poll` and `poll` are the same sentinel, without the wait.
/// - `barrier` is that wait, three times. Deferred closures sit in the deferring thread's own
///   lists until its epoch moves on, so the first wait covers this thread's retirements. An
///   exited thread's collector, with its garbage, is handed as garbage to the thread that scans
///   next; the later waits cover it when this thread's nudges did the scanning. What another
///   **live** thread retired is not covered.
///
/// All values share sdd's one collector: this "domain" is not independent.
///
/// ```
/// use reclaim::Reclaim;
/// let domain = peers::Sdd;
/// let guard = domain.enter();
/// domain.retire(Box::new(7u64));
/// drop(guard);
/// domain.synchronize();
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Sdd;

/// Sentinel waits in `barrier`: one for this thread's garbage, then two for what exited threads
/// left, which a scan hands over only after the first wait has started.
const BARRIER_ROUNDS: usize = 3;

impl Peer for Sdd {
    const ID: &'static str = "sdd";
    const NAME: &'static str = "sdd";
    const MAPPING: Mapping = Mapping {
        enter: Fidelity::Native,
        retire: Fidelity::Adapted("allocates a deferred closure per retire"),
        synchronize: Fidelity::Emulated(
            "defers a sentinel closure, then accelerates the epoch until it ran",
        ),
        poll: Fidelity::Emulated("a deferred sentinel's flag"),
        barrier: Fidelity::Partial(
            "covers this thread's and exited threads' retirements, not other live threads'",
        ),
    };
}

impl Sdd {
    fn sentinel(&self) -> Sentinel {
        let sentinel = Sentinel::default();
        let flag = sentinel.clone();
        sdd::Guard::new().defer_execute(move || flag.set());
        sentinel
    }

    /// Enters and leaves once, asking sdd to try to move the epoch on.
    fn nudge() {
        let guard = sdd::Guard::new();
        guard.accelerate();
    }
}

// SAFETY: sdd runs a deferred closure only after every `Guard` present when it was deferred has
// been dropped; `synchronize` waits for such a closure.
unsafe impl Reclaim for Sdd {
    type Guard<'a> = sdd::Guard;
    type Cookie = Sentinel;

    #[inline]
    fn enter(&self) -> sdd::Guard {
        sdd::Guard::new()
    }

    fn retire<T: Send + 'static>(&self, boxed: Box<T>) {
        sdd::Guard::new().defer_execute(move || drop(boxed));
    }

    unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
        let ptr = SendPtr(ptr);
        sdd::Guard::new().defer_execute(move || {
            let ptr = ptr;
            // SAFETY: the caller made `free(ptr)` safe once, on any thread, after a grace
            // period; sdd runs this closure once, after one.
            unsafe { free(ptr.0) }
        });
    }

    fn synchronize(&self) {
        let sentinel = self.sentinel();
        wait_for(&sentinel, Self::nudge);
    }

    fn barrier(&self) {
        // The first wait covers this thread's retirements. A thread that exited leaves its
        // collector behind; the scans that moved the epoch meanwhile hand it to this thread as
        // garbage, deferred after the first sentinel, so that the later waits cover it too.
        for _ in 0..BARRIER_ROUNDS {
            self.synchronize();
        }
    }

    /// **Emulated**: defers a sentinel; its cookie is done once sdd ran it.
    fn start_poll(&self) -> Sentinel {
        self.sentinel()
    }

    fn poll(&self, cookie: &Sentinel) -> bool {
        if !cookie.is_done() {
            Self::nudge();
        }
        cookie.is_done()
    }
}
