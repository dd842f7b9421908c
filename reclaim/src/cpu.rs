//! The CPU the calling thread is running on, for schemes that pick reader slots per CPU.
//!
//! The answer may be stale by the time it is used (the thread can migrate), so it is only a
//! hint for spreading threads over slots; a scheme that uses it must tolerate two threads, or
//! one thread's lock and unlock, landing on different slots.
//!
//! ```
//! let cpu = reclaim::cpu::current();
//! assert!(cpu < 4096);
//! ```

/// The current CPU's number, or 0 where the platform cannot tell.
///
/// ```
/// let _ = reclaim::cpu::current();
/// ```
#[inline]
pub fn current() -> usize {
    #[cfg(all(target_os = "linux", not(loom)))]
    {
        // SAFETY: sched_getcpu has no preconditions; on x86-64 it runs in the vDSO.
        let cpu = unsafe { libc::sched_getcpu() };
        if cpu >= 0 {
            return cpu as usize;
        }
    }
    0
}
