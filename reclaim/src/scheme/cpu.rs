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

/// Keeps the statement or item it wraps only where restartable-sequence increments exist:
/// Linux on x86-64 with 64-bit counters, outside loom and Miri (aarch64 reads the CPU number
/// from the rseq area but has no increment yet). One list, so that every place agrees.
macro_rules! where_rseq_adds {
    ($($code:tt)*) => {
        #[cfg(all(
            target_os = "linux",
            target_arch = "x86_64",
            target_has_atomic = "64",
            not(reclaim_seq32),
            not(loom),
            not(miri)
        ))]
        $($code)*
    };
}

#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64"),
    not(loom),
    not(miri)
))]
mod rseq {
    use core::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

    /// Not looked up yet.
    const UNKNOWN: isize = isize::MIN;
    /// No registered area: use `sched_getcpu`.
    const NONE: isize = isize::MIN + 1;
    /// Where `cpu_id` sits in `struct rseq` (after `cpu_id_start`).
    const CPU_ID: isize = 4;

    static OFFSET: AtomicIsize = AtomicIsize::new(UNKNOWN);
    /// The registered area is large enough for the `rseq_cs` field (set by `probe`, before it
    /// publishes `OFFSET`; both are read by the thread that probes or after a later probe).
    static HAS_CS: AtomicBool = AtomicBool::new(false);

    /// The CPU from the rseq area, or `None` when there is none (or it reports an error).
    #[inline(always)]
    pub(super) fn cpu() -> Option<usize> {
        let offset = offset()?;
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

    /// The rseq area's offset from the thread pointer, or `None` when there is no area.
    #[inline(always)]
    pub(super) fn offset() -> Option<isize> {
        let offset = match OFFSET.load(Ordering::Relaxed) {
            UNKNOWN => probe(),
            offset => offset,
        };
        (offset != NONE).then_some(offset)
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
                // The `rseq_cs` pointer (bytes 8 to 16) is what a critical section needs.
                HAS_CS.store(size >= 16, Ordering::Relaxed);
                offset
            } else {
                NONE
            }
        };
        // cpu-R: Release pairs with cpu-A in `can_add`: `HAS_CS` is set before `OFFSET` is seen.
        OFFSET.store(found, Ordering::Release);
        found
    }

    where_rseq_adds! {
        /// True when [`add`] can run: a registered area with room for `rseq_cs`.
        #[cold]
        pub(super) fn can_add() -> bool {
            if offset().is_none() {
                return false;
            }
            // cpu-A: pairs with cpu-R, the Release store of `OFFSET` in `probe`.
            core::sync::atomic::fence(Ordering::Acquire);
            HAS_CS.load(Ordering::Relaxed)
        }
    }

    where_rseq_adds! {
        /// One restartable sequence: adds one to the `u64` at `first + cpu * stride`, where `cpu`
        /// is read inside the sequence; `None` (nothing written) when `cpu >= bound`.
        ///
        /// # Safety
        /// `offset` comes from [`offset`]; `first + c * stride` is a valid, 8-byte aligned `u64`
        /// for every `c < bound`, and only this function (on CPU `c`) writes it.
        #[inline(always)]
        pub(super) unsafe fn add(offset: isize, first: *const u8, stride: usize, bound: usize) -> bool {
            let done: usize;
            // The critical section, with the facts from the kernel's rseq ABI (and librseq's
            // x86-64 header, whose layout this follows):
            // - `3:` is the `struct rseq_cs` descriptor, 32-byte aligned in a writable data section:
            //   version 0, flags 0, start_ip `4:`, post_commit_offset `5: - 4:`, abort_ip `7:`.
            // - `6:` stores the descriptor's address in the area's `rseq_cs` (byte 8, at
            //   fs:[offset + 8]: on x86-64 the thread pointer is fs's base). From then until
            //   `5:`, the kernel moves an interrupted (preempted, migrated, signalled) thread to
            //   the abort handler instead of resuming it, and clears `rseq_cs`.
            // - `4:` to `5:` reads `cpu_id` (byte 4) and increments that CPU's counter with a plain
            //   load, add and store; the store is the commit, the sequence's last instruction.
            // - `7:` is the abort handler, preceded by the signature RSEQ_SIG 0x53053053 that
            //   glibc registered the area with (as the operand of `ud1`, as librseq writes it, so
            //   that disassemblers stay in step): it starts again from `6:`, since the kernel
            //   cleared `rseq_cs`. A retry is bounded by the next preemption or signal.
            // - `8:` (cpu_id at or past `bound`, or negative: unregistered) leaves, writing nothing.
            // - The result (1: added, 0: not) goes out in the register that held the CPU number.
            // Labels avoid 0 and 1, which Intel syntax could read as binary numbers.
            macro_rules! sequence {
                ($($store_cs:literal)?) => {
                    core::arch::asm!(
                        ".pushsection __rseq_cs, \"aw\"",
                        ".balign 32",
                        "3:",
                        ".long 0, 0",
                        ".quad 4f, (5f - 4f), 7f",
                        ".popsection",
                        "6:",
                        "lea {tmp}, [rip + 3b]",
                        $($store_cs,)?
                        "4:",
                        "mov {cpu:e}, dword ptr fs:[{area} + 4]",
                        "cmp {cpu}, {bound}",
                        "jae 8f",
                        "imul {cpu}, {stride}",
                        "mov {tmp}, qword ptr [{first} + {cpu}]",
                        "add {tmp}, 1",
                        "mov qword ptr [{first} + {cpu}], {tmp}",
                        "5:",
                        "mov {cpu:e}, 1",
                        "jmp 9f",
                        ".byte 0x0f, 0xb9, 0x3d",
                        ".long 0x53053053",
                        "7:",
                        "jmp 6b",
                        "8:",
                        "xor {cpu:e}, {cpu:e}",
                        "9:",
                        area = in(reg) offset,
                        first = in(reg) first,
                        stride = in(reg) stride,
                        bound = in(reg) bound,
                        // The CPU's number, then whether the sequence added (1) or not (0).
                        cpu = out(reg) done,
                        tmp = out(reg) _,
                        // Neither `nomem` nor `readonly`: the block writes memory the compiler
                        // knows of (a counter other code reads atomically), so it is a compiler
                        // barrier for memory, like the atomic increment it replaces. The ordering
                        // the algorithms need comes from their own fences around it (SRCU's B and
                        // C), as it did with the Relaxed `fetch_add`.
                        options(nostack),
                    )
                };
            }
            // SAFETY: as the caller promises: the area is this thread's registered rseq area at
            // `offset` from fs's base, and each counter a CPU below `bound` can index is valid and
            // written only by this sequence on that CPU, which the kernel runs to its commit
            // uninterrupted or restarts. The `srcu_rseq_no_abort` mutant leaves `rseq_cs` unset:
            // the kernel then resumes a preempted sequence, whose store overwrites the increments
            // other threads made on that CPU meanwhile (or, after a migration, races with them).
            unsafe {
                crate::mutant!("srcu_rseq_no_abort" => sequence!(), else
                    sequence!("mov qword ptr fs:[{area} + 8], {tmp}"));
            }
            done != 0
        }
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

/// Adds one to the current CPU's counter in a restartable sequence: the `u64` at
/// `first + cpu * stride` bytes, where `cpu` is read inside the sequence, so the increment lands
/// on the CPU that runs it even if the thread migrates. A plain load, add and store: no locked
/// instruction, yet no count is lost, because the kernel restarts the sequence whenever it
/// interrupts it. Returns false, writing nothing, where there is no restartable sequence
/// (not Linux on x86-64, no glibc rseq area, loom, Miri, 32-bit counters) or when the CPU's
/// number is `bound` or more: the caller then falls back to an atomic increment elsewhere.
///
/// # Safety
/// For every `c < bound`, `first + c * stride` must be a valid, 8-byte aligned `u64` (an
/// [`AtomicCount`](crate::sync::AtomicCount) where that is 64-bit) that lives as long as
/// anyone may call this with it, and that nothing writes except this function called by
/// threads running on CPU `c` (an atomic read-modify-write from another CPU could be lost).
/// Reading it atomically from anywhere is fine.
///
/// ```
/// use gracepoint_reclaim::sync::{AtomicCount, Ordering};
/// let counters: [AtomicCount; 4096] = core::array::from_fn(|_| AtomicCount::new(0));
/// let added = (0..1000)
///     // SAFETY: 4096 counters, 8 bytes apart, written only by this call.
///     .filter(|_| unsafe {
///         gracepoint_reclaim::scheme::cpu::add_on_cpu(counters.as_ptr().cast(), 8, 4096)
///     })
///     .count();
/// let total: u64 = counters.iter().map(|c| c.load(Ordering::Relaxed) as u64).sum();
/// assert_eq!(total, added as u64);
/// ```
#[doc(hidden)]
#[inline(always)]
pub unsafe fn add_on_cpu(first: *const u8, stride: usize, bound: usize) -> bool {
    match rseq_offset() {
        // SAFETY: as the caller promises; `offset` comes from `rseq_offset`.
        Some(offset) => unsafe { add_on_cpu_at(offset, first, stride, bound) },
        None => false,
    }
}

/// Where glibc's rseq area sits from the thread pointer (the same for every thread of the
/// process), when [`add_on_cpu`] can add: callers that keep it save [`add_on_cpu_at`] a look
/// at a process-wide static on each call.
///
/// ```
/// if let Some(offset) = gracepoint_reclaim::scheme::cpu::rseq_offset() {
///     let counters = [0u64; 1024];
///     // SAFETY: 1024 counters, 8 bytes apart, written only by this call.
///     let _ = unsafe {
///         gracepoint_reclaim::scheme::cpu::add_on_cpu_at(offset, counters.as_ptr().cast(), 8, 1024)
///     };
/// }
/// ```
#[doc(hidden)]
#[inline]
pub fn rseq_offset() -> Option<isize> {
    where_rseq_adds! {
        if let Some(offset) = rseq::offset()
            && rseq::can_add()
        {
            return Some(offset);
        }
    }
    None
}

/// [`add_on_cpu`] with the area's offset given.
///
/// # Safety
/// As [`add_on_cpu`], and `offset` comes from [`rseq_offset`].
///
/// ```
/// let counters = [0u64; 1024];
/// if let Some(offset) = gracepoint_reclaim::scheme::cpu::rseq_offset() {
///     // SAFETY: 1024 counters, 8 bytes apart, written only by this call.
///     let added = unsafe {
///         gracepoint_reclaim::scheme::cpu::add_on_cpu_at(offset, counters.as_ptr().cast(), 8, 1024)
///     };
///     assert_eq!(counters.iter().sum::<u64>(), added as u64);
/// }
/// ```
#[doc(hidden)]
#[inline(always)]
pub unsafe fn add_on_cpu_at(offset: isize, first: *const u8, stride: usize, bound: usize) -> bool {
    where_rseq_adds! {
        // SAFETY: as the caller promises.
        return unsafe { rseq::add(offset, first, stride, bound) };
    }
    #[allow(unreachable_code)]
    {
        let _ = (offset, first, stride, bound);
        false
    }
}

/// True when [`add_on_cpu`] can add at all here: Linux on x86-64, with glibc's registered rseq
/// area (and 64-bit counters, not loom, not Miri).
///
/// ```
/// let _ = gracepoint_reclaim::scheme::cpu::can_add_on_cpu();
/// ```
#[doc(hidden)]
pub fn can_add_on_cpu() -> bool {
    rseq_offset().is_some()
}

/// How many CPUs the system may have (`sysconf(_SC_NPROCESSORS_CONF)`), at least 1.
///
/// ```
/// assert!(gracepoint_reclaim::scheme::cpu::possible() >= 1);
/// ```
#[doc(hidden)]
pub fn possible() -> usize {
    #[cfg(all(unix, not(loom), not(miri)))]
    {
        // SAFETY: sysconf has no preconditions.
        let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_CONF) };
        if n > 0 {
            return n as usize;
        }
    }
    1
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
