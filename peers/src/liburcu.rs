//! liburcu 0.13's memb flavor, bound to the system's shared library when the build found it.
//!
//! Without liburcu the types still exist, so that code using them compiles everywhere, but no
//! [`Liburcu`] value can be made: [`Liburcu::try_new`] says why.
//!
//! ```
//! match peers::Liburcu::try_new() {
//!     Ok(urcu) => {
//!         let took = urcu.time_inline_read_side(1000);
//!         println!("1000 inline read sections took {took:?}");
//!     }
//!     Err(why) => println!("liburcu skipped: {why}"),
//! }
//! ```

use core::marker::PhantomData;
use std::cell::Cell;
use std::time::Duration;

use reclaim::Reclaim;

use crate::sentinel::Sentinel;
use crate::{Fidelity, Mapping, Peer};

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

#[cfg(has_liburcu)]
mod ffi {
    use super::RcuHead;

    /// Proof that the library was linked: a [`super::Liburcu`] holds one.
    #[derive(Clone, Copy, Debug)]
    pub struct Present;

    unsafe extern "C" {
        pub fn urcu_memb_register_thread();
        pub fn urcu_memb_unregister_thread();
        pub fn urcu_memb_read_lock();
        pub fn urcu_memb_read_unlock();
        pub fn urcu_memb_synchronize_rcu();
        pub fn urcu_memb_call_rcu(head: *mut RcuHead, func: unsafe extern "C" fn(*mut RcuHead));
        pub fn urcu_memb_barrier();
        /// `csrc/liburcu_read_side.c`: `iters` inline read sections, in nanoseconds.
        pub fn peers_liburcu_memb_read_side_ns(iters: u64) -> u64;
    }
}

/// Stand-ins with the library's signatures. None can run: they take no `Present`, but every
/// caller holds a `Liburcu`, which cannot exist without one, and `Present` has no values here.
#[cfg(not(has_liburcu))]
#[allow(clippy::missing_safety_doc)]
mod ffi {
    use super::RcuHead;

    #[derive(Clone, Copy, Debug)]
    pub enum Present {}

    const UNLINKED: &str = "liburcu is not linked, so no Liburcu value exists";

    pub unsafe fn urcu_memb_register_thread() {
        unreachable!("{UNLINKED}")
    }
    pub unsafe fn urcu_memb_unregister_thread() {
        unreachable!("{UNLINKED}")
    }
    pub unsafe fn urcu_memb_read_lock() {
        unreachable!("{UNLINKED}")
    }
    pub unsafe fn urcu_memb_read_unlock() {
        unreachable!("{UNLINKED}")
    }
    pub unsafe fn urcu_memb_synchronize_rcu() {
        unreachable!("{UNLINKED}")
    }
    pub unsafe fn urcu_memb_call_rcu(_: *mut RcuHead, _: unsafe extern "C" fn(*mut RcuHead)) {
        unreachable!("{UNLINKED}")
    }
    pub unsafe fn urcu_memb_barrier() {
        unreachable!("{UNLINKED}")
    }
    pub unsafe fn peers_liburcu_memb_read_side_ns(_: u64) -> u64 {
        unreachable!("{UNLINKED}")
    }
}

/// What the build found: `linked from DIR`, or why liburcu is missing.
///
/// ```
/// assert!(!peers::liburcu::status().is_empty());
/// ```
pub fn status() -> &'static str {
    env!("PEERS_LIBURCU_STATUS")
}

/// Why no [`Liburcu`] can be made in this build.
///
/// ```
/// if let Err(why) = peers::Liburcu::try_new() {
///     assert!(why.to_string().contains("liburcu"));
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unavailable;

impl core::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "liburcu memb flavor: {}", status())
    }
}

impl std::error::Error for Unavailable {}

/// Unregisters the thread from liburcu when the thread exits.
struct Registration {
    registered: Cell<bool>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        if self.registered.get() {
            // SAFETY: this thread registered and holds no read lock when its locals drop.
            unsafe { ffi::urcu_memb_unregister_thread() };
        }
    }
}

std::thread_local! {
    static REGISTRATION: Registration = const { Registration { registered: Cell::new(false) } };
}

/// Registers the calling thread with liburcu once.
#[inline]
fn ensure_registered(_: ffi::Present) {
    REGISTRATION.with(|r| {
        if !r.registered.get() {
            // SAFETY: registering an unregistered thread is always allowed.
            unsafe { ffi::urcu_memb_register_thread() };
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
///   calls** into the shared library: liburcu's inline fast path lives in its C headers, which
///   Rust cannot inline. [`time_inline_read_side`](Liburcu::time_inline_read_side) times that
///   fast path in C instead.
/// - `synchronize` is `urcu_memb_synchronize_rcu`: exact.
/// - `retire` queues a record with `urcu_memb_call_rcu` (liburcu's worker thread frees it): one
///   allocation per retire, where C users embed an `rcu_head` in their object.
/// - `barrier` is `urcu_memb_barrier` (`rcu_barrier`): exact.
/// - `start_poll` and `poll` are **emulated** (liburcu 0.13 has no polling API): a `call_rcu`
///   sentinel and its flag.
///
/// liburcu has one domain per process and flavor: every `Liburcu` value is the same domain.
///
/// ```
/// use reclaim::Reclaim;
/// if let Ok(domain) = peers::Liburcu::try_new() {
///     drop(domain.enter());
///     domain.synchronize();
///     domain.retire(Box::new(1u64));
///     domain.barrier();
/// }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Liburcu {
    present: ffi::Present,
}

impl Peer for Liburcu {
    const ID: &'static str = "liburcu-memb";
    const NAME: &'static str = "liburcu memb";
    const MAPPING: Mapping = Mapping {
        enter: Fidelity::Adapted(
            "out-of-line calls into the shared library; the read-side pass also times the inline C path",
        ),
        retire: Fidelity::Adapted("call_rcu with an allocated record per retire"),
        synchronize: Fidelity::Native,
        poll: Fidelity::Emulated("a call_rcu sentinel's flag (liburcu 0.13 has no polling)"),
        barrier: Fidelity::Native,
    };
}

impl Liburcu {
    /// The process's liburcu memb domain, or why this build has none.
    ///
    /// ```
    /// match peers::Liburcu::try_new() {
    ///     Ok(_) => assert!(peers::liburcu::status().starts_with("linked")),
    ///     Err(why) => eprintln!("{why}"),
    /// }
    /// ```
    pub fn try_new() -> Result<Self, Unavailable> {
        #[cfg(has_liburcu)]
        return Ok(Self {
            present: ffi::Present,
        });
        #[cfg(not(has_liburcu))]
        return Err(Unavailable);
    }

    /// Runs `iters` empty read sections through the header's inline `urcu_memb_read_lock` and
    /// `urcu_memb_read_unlock` (a loop compiled in C) on the calling thread, and returns the
    /// time they took: liburcu's true read-side cost, with no call across languages.
    ///
    /// # Panics
    /// If the calling thread is inside a `Liburcu` read section (the loop would nest).
    ///
    /// ```
    /// if let Ok(urcu) = peers::Liburcu::try_new() {
    ///     let per_pair = urcu.time_inline_read_side(1_000_000).as_nanos() as f64 / 1e6;
    ///     println!("{per_pair:.2} ns per read section");
    /// }
    /// ```
    pub fn time_inline_read_side(&self, iters: u64) -> Duration {
        ensure_registered(self.present);
        // SAFETY: the thread is registered; the loop's sections are balanced.
        Duration::from_nanos(unsafe { ffi::peers_liburcu_memb_read_side_ns(iters) })
    }
}

/// A liburcu memb read-side section; not `Send` (liburcu's reader state is per thread).
///
/// ```
/// use reclaim::Reclaim;
/// if let Ok(urcu) = peers::Liburcu::try_new() {
///     let guard: peers::LiburcuGuard = urcu.enter();
///     drop(guard);
/// }
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
        unsafe { ffi::urcu_memb_read_unlock() };
    }
}

// SAFETY: `urcu_memb_synchronize_rcu` returns, and `call_rcu` callbacks run, only after every
// read-side section that began before the call has ended.
unsafe impl Reclaim for Liburcu {
    type Guard<'a> = LiburcuGuard;
    type Cookie = Sentinel;

    #[inline]
    fn enter(&self) -> LiburcuGuard {
        ensure_registered(self.present);
        // SAFETY: the thread is registered.
        unsafe { ffi::urcu_memb_read_lock() };
        LiburcuGuard {
            _not_send: PhantomData,
        }
    }

    unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
        ensure_registered(self.present);
        let deferred = Box::into_raw(Box::new(Deferred {
            head: RcuHead {
                next: core::ptr::null_mut(),
                func: None,
            },
            ptr,
            free,
        }));
        // SAFETY: the record stays alive until `run_deferred` frees it.
        unsafe { ffi::urcu_memb_call_rcu(deferred.cast::<RcuHead>(), run_deferred) };
    }

    fn synchronize(&self) {
        // SAFETY: may be called from any thread outside a read section.
        unsafe { ffi::urcu_memb_synchronize_rcu() };
    }

    fn barrier(&self) {
        ensure_registered(self.present);
        // SAFETY: called outside a read section.
        unsafe { ffi::urcu_memb_barrier() };
    }

    /// **Emulated** (liburcu 0.13 has no polling API): queues a `call_rcu` sentinel; the cookie
    /// is done once liburcu's callback thread ran it.
    fn start_poll(&self) -> Sentinel {
        let sentinel = Sentinel::default();
        let flag = Box::into_raw(Box::new(sentinel.clone()));
        unsafe fn set(flag: *mut ()) {
            // SAFETY: `flag` is the box leaked in `start_poll`, freed once here.
            unsafe { Box::from_raw(flag.cast::<Sentinel>()) }.set();
        }
        // SAFETY: `set` frees exactly that box, once, on any thread.
        unsafe { self.retire_raw(flag.cast(), set) };
        sentinel
    }

    fn poll(&self, cookie: &Sentinel) -> bool {
        cookie.is_done()
    }
}
