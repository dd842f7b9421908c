//! The CPU the calling thread is running on, for schemes that pick reader slots per CPU.
//!
//! The answer may be stale by the time it is used (the thread can migrate), so it is only a
//! hint for spreading threads over slots; a scheme that uses it must tolerate two threads, or
//! one thread's lock and unlock, landing on different slots.
//!
//! # How it is read
//! glibc (2.35 and later) registers a restartable-sequences area for every thread, and the
//! kernel keeps that area's `cpu_id` field current whenever the thread returns to user space.
//! Reading it is one load at a fixed offset from the thread pointer: no system call, no vDSO
//! call. The offset is published by glibc as `__rseq_offset` (and the area's size as
//! `__rseq_size`, 0 when registration was disabled); both are looked up once with `dlsym`, so a
//! binary linked against an older glibc still runs. Where there is no registered area (older
//! glibc, other C libraries, other architectures), [`current`] calls `sched_getcpu`.
//!
//! ```
//! let cpu = gracepoint_reclaim::scheme::cpu::current();
//! assert!(cpu < 1 << 20);
//! ```

#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64"),
    not(loom),
    not(miri)
))]
mod rseq {
    use core::sync::atomic::{AtomicIsize, Ordering};

    /// Not looked up yet.
    const UNKNOWN: isize = isize::MIN;
    /// No registered area: use `sched_getcpu`.
    const NONE: isize = isize::MIN + 1;
    /// Where `cpu_id` sits in `struct rseq` (after `cpu_id_start`).
    const CPU_ID: isize = 4;

    static OFFSET: AtomicIsize = AtomicIsize::new(UNKNOWN);

    /// The CPU from the rseq area, or `None` when there is none (or it reports an error).
    #[inline(always)]
    pub(super) fn cpu() -> Option<usize> {
        let offset = match OFFSET.load(Ordering::Relaxed) {
            UNKNOWN => probe(),
            offset => offset,
        };
        if offset == NONE {
            return None;
        }
        let thread_pointer: *const u8;
        // SAFETY: reads the thread pointer register (x86-64: the TCB's self pointer at fs:0,
        // which glibc keeps; aarch64: tpidr_el0); no memory is written.
        unsafe {
            #[cfg(target_arch = "x86_64")]
            core::arch::asm!("mov {}, fs:0", out(reg) thread_pointer, options(nostack, readonly, preserves_flags));
            #[cfg(target_arch = "aarch64")]
            core::arch::asm!("mrs {}, tpidr_el0", out(reg) thread_pointer, options(nostack, nomem, preserves_flags));
        }
        // SAFETY: glibc registered an rseq area of at least `CPU_ID + 4` bytes at this offset
        // from every thread's pointer (checked in `probe`); the kernel updates it only between
        // this thread's own instructions, hence the volatile read of a plain `u32`.
        let cpu = unsafe {
            core::ptr::read_volatile(thread_pointer.offset(offset + CPU_ID).cast::<u32>())
        };
        // Negative values (as i32) mean "not registered" or "registration failed".
        (cpu as i32 >= 0).then_some(cpu as usize)
    }

    #[cold]
    fn probe() -> isize {
        // SAFETY: `dlsym` with `RTLD_DEFAULT` and NUL-terminated names only reads.
        let (offset, size) = unsafe {
            (
                libc::dlsym(libc::RTLD_DEFAULT, c"__rseq_offset".as_ptr()),
                libc::dlsym(libc::RTLD_DEFAULT, c"__rseq_size".as_ptr()),
            )
        };
        let found = if offset.is_null() || size.is_null() {
            NONE
        } else {
            // SAFETY: glibc defines these as `const ptrdiff_t` and `const unsigned int`.
            let (offset, size) = unsafe { (*offset.cast::<isize>(), *size.cast::<u32>()) };
            if size as isize >= CPU_ID + 4 {
                offset
            } else {
                NONE
            }
        };
        OFFSET.store(found, Ordering::Relaxed);
        found
    }
}

/// The current CPU's number, or 0 where the platform cannot tell.
///
/// ```
/// let _ = gracepoint_reclaim::scheme::cpu::current();
/// ```
#[inline]
pub fn current() -> usize {
    #[cfg(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64"),
        not(loom),
        not(miri)
    ))]
    if let Some(cpu) = rseq::cpu() {
        return cpu;
    }
    sched_getcpu()
}

/// The current CPU's number from `sched_getcpu`, or 0 where the platform cannot tell: the
/// fallback of [`current`], also useful to check it.
///
/// ```
/// let _ = gracepoint_reclaim::scheme::cpu::sched_getcpu();
/// ```
#[inline]
pub fn sched_getcpu() -> usize {
    // Miri runs neither the rseq area's inline assembly nor `sched_getcpu`: every thread is on
    // CPU 0 there, which the schemes must tolerate anyway (see the module docs).
    #[cfg(all(target_os = "linux", not(loom), not(miri)))]
    {
        // SAFETY: sched_getcpu has no preconditions; on x86-64 it runs in the vDSO.
        let cpu = unsafe { libc::sched_getcpu() };
        if cpu >= 0 {
            return cpu as usize;
        }
    }
    0
}

#[cfg(all(test, not(loom), not(miri)))]
mod tests {
    #[test]
    fn rseq_and_sched_getcpu_agree_when_pinned() {
        // Pin to one CPU so that the two readings cannot differ by a migration.
        #[cfg(target_os = "linux")]
        // SAFETY: plain libc calls on a zeroed, then filled, cpu set of this thread.
        unsafe {
            let mut set: libc::cpu_set_t = core::mem::zeroed();
            let cpu = super::sched_getcpu();
            libc::CPU_SET(cpu, &mut set);
            let pinned = libc::sched_setaffinity(0, core::mem::size_of_val(&set), &set) == 0;
            if pinned {
                for _ in 0..100 {
                    assert_eq!(super::current(), cpu);
                }
                let mut all: libc::cpu_set_t = core::mem::zeroed();
                for c in 0..libc::CPU_SETSIZE as usize {
                    libc::CPU_SET(c, &mut all);
                }
                libc::sched_setaffinity(0, core::mem::size_of_val(&all), &all);
            }
        }
    }
}
