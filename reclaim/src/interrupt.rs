//! Read sections in interrupt handlers, and the check that stops a handler from waiting.
//!
//! On a microcontroller a reader can be an interrupt handler (or a task that preempts another),
//! and the writer the main loop. A handler runs to its end before the code it interrupted runs
//! again, so a handler must never *wait* for a grace period: the grace period may be waiting for
//! a section that the interrupted code holds, which cannot end until the handler returns. That
//! is a deadlock, and on one core it is certain, not a race.
//!
//! | in a handler | allowed? | why |
//! |---|---|---|
//! | `enter` / `pin` and drop the guard, on the handler's own registered reader (or `enter_on` a slot of its own, SRCU) | yes | a section never waits; on one core it cannot even be delayed |
//! | `start_poll`, `get_state`, `poll`, `collect`, `reclaim_step` | yes | never wait: each takes at most one non-blocking step |
//! | `retire_raw` / `retire` / `call` through the handler's own reader | yes, while a bag is free | the object goes into the reader's bag without a lock; without `alloc`, a full bag is sealed into one of a few pooled bags, and when every pooled bag waits for a grace period the retire has to wait, which panics here (see below) |
//! | `synchronize*`, `wait*`, `barrier` | **no** | they wait; they panic when called from a handler (see below) |
//!
//! The check sits in [`wait_until`](crate::wait::wait_until), through which every blocking
//! call of every scheme waits, so it costs nothing on any path that does not wait. It asks
//! [`in_handler`]: on Cortex-M (the `thumbv6m`, `thumbv7m`, `thumbv7em` and `thumbv8m` targets,
//! which this crate's build script recognises) it reads the IPSR register, one instruction; elsewhere it calls the detector the program installed with [`set_detector`]
//! (RISC-V has no register that says "in a handler": a trap handler that counts its nesting
//! is one way), and without one it answers `false` and checks nothing.
//!
//! ```
//! # use gracepoint_reclaim as gracepoint;
//! use gracepoint::interrupt;
//! // Thread mode on a host: no handler, and no detector installed.
//! assert!(!interrupt::in_handler());
//! ```

#[cfg(not(reclaim_cortex_m))]
use core::sync::atomic::{AtomicPtr, Ordering};

/// The program's detector, where the target has no register to ask (null: none).
#[cfg(not(reclaim_cortex_m))]
static DETECTOR: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());

/// True when the caller runs in an interrupt (or exception) handler, as far as this target can
/// tell: the IPSR register on Cortex-M, the detector installed with [`set_detector`] elsewhere,
/// and `false` where there is neither.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// assert!(!gracepoint::interrupt::in_handler()); // a test thread is not a handler
/// ```
#[inline]
pub fn in_handler() -> bool {
    handler_number().is_some()
}

/// The exception number of the running handler (Cortex-M), `Some(0)` for "a handler" where
/// the detector cannot tell which, or `None` outside handlers.
#[inline]
fn handler_number() -> Option<u32> {
    #[cfg(reclaim_cortex_m)]
    {
        let ipsr: u32;
        // SAFETY: reading IPSR has no side effects, and is allowed in thread and handler mode.
        unsafe {
            core::arch::asm!("mrs {}, IPSR", out(reg) ipsr, options(nomem, nostack, preserves_flags))
        };
        let exception = ipsr & 0x1ff;
        (exception != 0).then_some(exception)
    }
    #[cfg(not(reclaim_cortex_m))]
    {
        let detector = DETECTOR.load(Ordering::Relaxed);
        if detector.is_null() {
            return None;
        }
        // SAFETY: only `set_detector` stores here, and it stores a `fn() -> bool`.
        let detect: fn() -> bool =
            unsafe { core::mem::transmute::<*mut (), fn() -> bool>(detector) };
        detect().then_some(0)
    }
}

/// Installs `detect` as the answer to "is the caller in an interrupt handler?" on targets with
/// no register that says so (everything but Cortex-M, where this does nothing: IPSR answers).
/// Install it before the first handler that uses a domain can run. It must be cheap and must
/// not call into a domain; it is asked only by calls that are about to wait.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use core::sync::atomic::{AtomicU32, Ordering};
/// /// Handler nesting depth, kept by the program's trap entry and exit.
/// static DEPTH: AtomicU32 = AtomicU32::new(0);
/// gracepoint::interrupt::set_detector(|| DEPTH.load(Ordering::Relaxed) != 0);
/// assert!(!gracepoint::interrupt::in_handler());
/// DEPTH.store(1, Ordering::Relaxed); // as a trap entry would
/// assert!(gracepoint::interrupt::in_handler());
/// DEPTH.store(0, Ordering::Relaxed);
/// ```
pub fn set_detector(detect: fn() -> bool) {
    #[cfg(not(reclaim_cortex_m))]
    DETECTOR.store(detect as *mut (), Ordering::Relaxed);
    #[cfg(reclaim_cortex_m)]
    let _ = detect;
}

/// Panics when the caller is in an interrupt handler: it is about to wait, which from a handler
/// can wait forever (see the module docs). Called by every blocking wait.
#[inline]
#[track_caller]
pub(crate) fn assert_may_wait() {
    if let Some(exception) = handler_number() {
        waiting_in_handler(exception);
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn waiting_in_handler(exception: u32) -> ! {
    panic!(
        "gracepoint: a call that waits for a grace period (synchronize, wait, barrier, or a \
         retire that found every pooled bag waiting) was made from an interrupt handler \
         (exception {exception}; 0: the installed detector said so). It could wait for a read \
         section that the interrupted code holds, which cannot end until the handler returns. \
         From a handler, retire, start_poll and poll, which never wait, and wait in the main \
         loop or a task (docs/embedded.md)"
    )
}
