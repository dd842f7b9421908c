//! liburcu's memb flavor, bound to the shared library's exported functions.

use core::marker::PhantomData;
use std::cell::Cell;

use reclaim::Reclaim;

/// liburcu's `struct rcu_head`: a `cds_wfcq_node` (one pointer) and the callback.
#[repr(C)]
struct RcuHead {
    next: *mut RcuHead,
    func: Option<unsafe extern "C" fn(*mut RcuHead)>,
}

/// What `retire_raw` queues with `call_rcu`; the head comes first so the callback can cast back.
#[repr(C)]
struct Deferred {
    head: RcuHead,
    ptr: *mut (),
    free: unsafe fn(*mut ()),
}

unsafe extern "C" {
    fn urcu_memb_register_thread();
    fn urcu_memb_unregister_thread();
    fn urcu_memb_read_lock();
    fn urcu_memb_read_unlock();
    fn urcu_memb_synchronize_rcu();
    fn urcu_memb_call_rcu(head: *mut RcuHead, func: unsafe extern "C" fn(*mut RcuHead));
    fn urcu_memb_barrier();
}

/// Unregisters the thread from liburcu when the thread exits.
struct Registration {
    registered: Cell<bool>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        if self.registered.get() {
            // SAFETY: this thread registered and holds no read lock when its locals drop.
            unsafe { urcu_memb_unregister_thread() };
        }
    }
}

std::thread_local! {
    static REGISTRATION: Registration = const { Registration { registered: Cell::new(false) } };
}

/// Registers the calling thread with liburcu once.
#[inline]
fn ensure_registered() {
    REGISTRATION.with(|r| {
        if !r.registered.get() {
            // SAFETY: registering an unregistered thread is always allowed.
            unsafe { urcu_memb_register_thread() };
            r.registered.set(true);
        }
    });
}

/// Frees a [`Deferred`] from liburcu's call_rcu worker thread.
///
/// # Safety
/// `head` is the head of a `Deferred` queued by `retire_raw`, and its grace period is over.
unsafe extern "C" fn run_deferred(head: *mut RcuHead) {
    // SAFETY: `head` is the first field of a boxed `Deferred` (repr(C)).
    let deferred = unsafe { Box::from_raw(head.cast::<Deferred>()) };
    // SAFETY: `retire_raw`'s caller made this call sound after the grace period.
    unsafe { (deferred.free)(deferred.ptr) };
}

/// liburcu 0.13's memb flavor (the system library) behind [`Reclaim`].
///
/// Mapping:
/// - `enter` registers the thread on first use (a thread-local check every time), then calls
///   `urcu_memb_read_lock`; the guard calls `urcu_memb_read_unlock`. These are **out-of-line
///   calls** into the shared library: liburcu's own inline fast path lives in its C headers
///   (`_urcu_memb_read_lock`), which Rust cannot inline. The figure measured here is therefore
///   an upper bound on liburcu's real read-side cost.
/// - `synchronize` is `urcu_memb_synchronize_rcu`: exact.
/// - `retire` queues a record with `urcu_memb_call_rcu` (liburcu's worker thread frees it);
///   `retire_raw` allocates that record (one allocation per retire, as liburcu users embed an
///   `rcu_head` instead).
/// - `barrier` is `urcu_memb_barrier` (`rcu_barrier`): exact.
///
/// liburcu has one domain per process and flavor: every `Liburcu` value is the same domain.
///
/// ```
/// use reclaim::Reclaim;
/// let domain = benches::peers::Liburcu;
/// drop(domain.enter());
/// domain.synchronize();
/// domain.retire(Box::new(1u64));
/// domain.barrier();
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Liburcu;

/// A liburcu memb read-side section; not `Send` (liburcu's reader state is per thread).
///
/// ```
/// use reclaim::Reclaim;
/// let guard: benches::peers::LiburcuGuard = benches::peers::Liburcu.enter();
/// drop(guard);
/// ```
#[derive(Debug)]
#[must_use]
pub struct LiburcuGuard {
    _not_send: PhantomData<*mut ()>,
}

impl Drop for LiburcuGuard {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: this thread is registered and holds the read lock taken in `enter`.
        unsafe { urcu_memb_read_unlock() };
    }
}

// SAFETY: `urcu_memb_synchronize_rcu` returns, and `call_rcu` callbacks run, only after every
// read-side section that began before the call has ended.
unsafe impl Reclaim for Liburcu {
    type Guard<'a> = LiburcuGuard;
    type Cookie = super::Sentinel;

    #[inline]
    fn enter(&self) -> LiburcuGuard {
        ensure_registered();
        // SAFETY: the thread is registered.
        unsafe { urcu_memb_read_lock() };
        LiburcuGuard {
            _not_send: PhantomData,
        }
    }

    unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
        ensure_registered();
        let deferred = Box::into_raw(Box::new(Deferred {
            head: RcuHead {
                next: core::ptr::null_mut(),
                func: None,
            },
            ptr,
            free,
        }));
        // SAFETY: the record stays alive until `run_deferred` frees it.
        unsafe { urcu_memb_call_rcu(deferred.cast::<RcuHead>(), run_deferred) };
    }

    fn synchronize(&self) {
        // SAFETY: may be called from any thread outside a read section.
        unsafe { urcu_memb_synchronize_rcu() };
    }

    fn barrier(&self) {
        ensure_registered();
        // SAFETY: called outside a read section.
        unsafe { urcu_memb_barrier() };
    }

    /// **Emulated** (liburcu 0.13 has no polling API): queues a `call_rcu` sentinel; the cookie
    /// is done once liburcu's callback thread ran it.
    fn start_poll(&self) -> super::Sentinel {
        let sentinel = super::Sentinel::default();
        let flag = Box::into_raw(Box::new(sentinel.clone()));
        unsafe fn set(flag: *mut ()) {
            // SAFETY: `flag` is the box leaked in `start_poll`, freed once here.
            unsafe { Box::from_raw(flag.cast::<super::Sentinel>()) }.set();
        }
        // SAFETY: `set` frees exactly that box, once, on any thread.
        unsafe { self.retire_raw(flag.cast(), set) };
        sentinel
    }

    fn poll(&self, cookie: &super::Sentinel) -> bool {
        cookie.done()
    }
}
