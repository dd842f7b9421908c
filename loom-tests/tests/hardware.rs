//! Checks on the real machine of what loom cannot see: which thread holds which thread id (under
//! loom an id is never reused within an execution), and whether a writer runs the heavy half of
//! an asymmetric fence (under loom both halves are plain fences).
//!
//! They run in every ordinary test build, where they must pass; `scripts/test-all` also builds
//! this file once per mutant listed in `../hardware-mutants.txt` (with
//! `RUSTFLAGS='--cfg reclaim_mutant="NAME"'`), where the named test must fail with the message
//! given there. A check that cannot run on this machine prints a line that starts with
//! `skipped:` and passes.
#![cfg(not(loom))]

/// A thread that exited gives its id back, and the next thread to ask gets it: two threads alive
/// at once must never hold the same id, since an id is the right to write its slot with plain
/// stores. Built with `thread_id_peek`, the pool hands out the lowest free id without taking it
/// out, and both live threads get the exited thread's id.
#[test]
fn an_exited_threads_id_goes_to_one_live_thread() {
    use reclaim::scheme::slots::Slots;
    let slots: &'static Slots<(), 0> = Box::leak(Box::new(Slots::new()));
    let slot_of_this_thread = move || {
        let owner = slots.mine().expect("a growable slot array has room");
        std::ptr::from_ref(owner.slot()) as usize
    };
    // Joined, not scoped: `join` returns only after the thread's thread-locals were destroyed,
    // which is when its id goes back to the pool.
    std::thread::spawn(slot_of_this_thread).join().unwrap();
    let both_alive = std::sync::Barrier::new(2);
    let slots: Vec<usize> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let slot = slot_of_this_thread();
                    both_alive.wait();
                    slot
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert_ne!(
        slots[0], slots[1],
        "two live threads hold the same thread id (they own one slot, which each writes with \
         plain stores): the pool handed an exited thread's id to both"
    );
}

/// A grace period of an SRCU domain of the Fast flavor runs `membarrier` at barrier srcu-A: its
/// readers' B and C are compiler fences, so a plain fence on the writer's side orders nothing
/// of theirs (store buffering; `reclaim/tests/litmus.rs` shows it on this machine). The check
/// refuses `membarrier(PRIVATE_EXPEDITED)` on the writer's thread (a seccomp filter that fails
/// that one command) and expects its `synchronize` to stop on the refusal. Built with
/// `srcu_fast_plain_a`, A is a plain fence and the grace period ends without asking.
#[test]
fn a_fast_grace_period_runs_membarrier_at_barrier_a() {
    use srcu::{Flavor, Options, Srcu};
    let domain: Srcu = Srcu::with_options(Options::DEFAULT.flavor(Flavor::Fast));
    // Resolves the flavor, and registers the process for membarrier, before the filter.
    if domain.flavor() != Flavor::Fast {
        eprintln!("skipped: membarrier is refused here, so the domain runs fenced readers");
        return;
    }
    let outcome: Result<std::thread::Result<()>, String> = std::thread::scope(|s| {
        s.spawn(|| {
            seccomp::refuse_membarrier_on_this_thread()?;
            eprintln!("membarrier is refused on this thread: the panic reported next is expected");
            Ok(std::panic::catch_unwind(std::panic::AssertUnwindSafe(
                || domain.synchronize(),
            )))
        })
        .join()
        .unwrap()
    });
    match outcome {
        Err(why) => eprintln!("skipped: {why}"),
        Ok(Ok(())) => panic!(
            "a Fast grace period ended without running membarrier: barrier srcu-A is a plain \
             fence, which does not order the readers' counter increments (their B and C are \
             compiler fences)"
        ),
        Ok(Err(payload)) => {
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("");
            assert!(
                message.contains("membarrier"),
                "the Fast grace period failed for another reason than the refused membarrier: \
                 {message}"
            );
        }
    }
}

/// Per-CPU increments by restartable sequence (what `SlotChoice::Cpu` SRCU readers run on Linux
/// x86-64) lose no count: eight threads kept on two CPUs, moved between them with
/// `sched_setaffinity` and `sched_yield` and preempted by each other, each add one to the
/// current CPU's counter millions of times in all, and the counters must sum to exactly the
/// increments made. The kernel restarts a sequence that is preempted, migrated or signalled
/// before its store. Built with `srcu_rseq_no_abort`, the sequence never registers its
/// descriptor, so a thread preempted between its load and its store later writes back a stale
/// value over the counts other threads made on that CPU meanwhile.
#[test]
fn per_cpu_rseq_increments_lose_no_count() {
    use reclaim::scheme::cpu;
    use reclaim::sync::{AtomicCount, Ordering};
    use std::sync::atomic::AtomicU64;
    const THREADS: usize = 8;
    const PER_THREAD: u64 = 2_500_000;
    /// Counters one cache line apart, so that CPUs do not share lines.
    const SPACING: usize = 16;
    if !cpu::can_add_on_cpu() {
        eprintln!(
            "skipped: no restartable sequence here (not Linux x86-64, or no glibc rseq area)"
        );
        return;
    }
    let cpus = cpu::possible();
    let counters: Vec<AtomicCount> = (0..cpus * SPACING).map(|_| AtomicCount::new(0)).collect();
    let stride = SPACING * size_of::<AtomicCount>();
    let refused = AtomicU64::new(0);
    // Two of the CPUs this process may run on: every thread is kept on them (eight threads on
    // two CPUs preempt each other whatever the machine's size) and moved between them.
    // SAFETY: a zeroed cpu set is a valid empty one; sched_getaffinity fills it.
    let mut allowed: Vec<usize> = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, size_of_val(&set), &mut set) != 0 {
            Vec::new()
        } else {
            (0..libc::CPU_SETSIZE as usize)
                .filter(|&c| libc::CPU_ISSET(c, &set))
                .collect()
        }
    };
    allowed.truncate(2);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (counters, refused, allowed) = (&counters, &refused, &allowed);
            s.spawn(move || {
                for i in 0..PER_THREAD {
                    // SAFETY: `cpus` counters `stride` bytes apart, alive for the scope, and
                    // written only by this sequence (on their CPU).
                    if !unsafe { cpu::add_on_cpu(counters.as_ptr().cast(), stride, cpus) } {
                        refused.fetch_add(1, Ordering::Relaxed);
                    }
                    if i % 1024 == 0 {
                        if (i / 1024 + t as u64).is_multiple_of(3) && !allowed.is_empty() {
                            // Pin to the next CPU (a migration), or to both.
                            let k = (i / 1024) as usize + t;
                            // SAFETY: a cpu set filled here and passed with its size.
                            unsafe {
                                let mut set: libc::cpu_set_t = std::mem::zeroed();
                                if k.is_multiple_of(4) {
                                    allowed.iter().for_each(|&c| libc::CPU_SET(c, &mut set));
                                } else {
                                    libc::CPU_SET(allowed[k % allowed.len()], &mut set);
                                }
                                libc::sched_setaffinity(0, size_of_val(&set), &set);
                            }
                        } else {
                            std::thread::yield_now();
                        }
                    }
                }
            });
        }
    });
    let refused = refused.load(Ordering::Relaxed);
    let added = THREADS as u64 * PER_THREAD - refused;
    if added == 0 {
        eprintln!("skipped: the rseq area reports no CPU here (registration failed)");
        return;
    }
    #[allow(clippy::unnecessary_cast)] // u32 counters under `--cfg reclaim_seq32`
    let counted: u64 = counters
        .iter()
        .map(|c| c.load(Ordering::Relaxed) as u64)
        .sum();
    eprintln!("{counted} counted of {added} per-CPU increments ({refused} refused)");
    assert_eq!(
        counted, added,
        "per-CPU rseq increments lost counts: {counted} counted of {added} made; a sequence \
         interrupted between its load and its store was not restarted"
    );
}

/// A seccomp filter that fails `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)` with `EPERM` on
/// the calling thread (and threads it spawns later), and allows everything else.
mod seccomp {
    use std::ffi::{c_int, c_long};

    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    const TARGET: Option<(u32, u32, c_long)> = Some((0xc000_003e, 324, 317));
    #[cfg(all(target_os = "linux", target_arch = "aarch64"))]
    const TARGET: Option<(u32, u32, c_long)> = Some((0xc000_00b7, 283, 277));
    #[cfg(not(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    )))]
    const TARGET: Option<(u32, u32, c_long)> = None;

    #[repr(C)]
    struct SockFilter {
        code: u16,
        jt: u8,
        jf: u8,
        k: u32,
    }

    #[repr(C)]
    struct SockFprog {
        len: u16,
        filter: *const SockFilter,
    }

    unsafe extern "C" {
        fn prctl(option: c_int, ...) -> c_int;
        fn syscall(number: c_long, ...) -> c_long;
    }

    const fn statement(code: u16, k: u32) -> SockFilter {
        SockFilter {
            code,
            jt: 0,
            jf: 0,
            k,
        }
    }

    const fn jump(code: u16, k: u32, jt: u8, jf: u8) -> SockFilter {
        SockFilter { code, jt, jf, k }
    }

    pub(super) fn refuse_membarrier_on_this_thread() -> Result<(), String> {
        const LOAD_WORD: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
        const JUMP_IF_EQUAL: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
        const RETURN: u16 = 0x06; // BPF_RET | BPF_K
        const ALLOW: u32 = 0x7fff_0000;
        const FAIL_EPERM: u32 = 0x0005_0000 | 1;
        const PRIVATE_EXPEDITED: u32 = 1 << 3;
        const PR_SET_NO_NEW_PRIVS: c_int = 38;
        const SET_MODE_FILTER: c_long = 1;
        let Some((arch, membarrier, seccomp)) = TARGET else {
            return Err("the seccomp filter is written for Linux on x86-64 and aarch64".into());
        };
        // `struct seccomp_data`: the syscall number at 0, the architecture at 4, the first
        // argument's low half at 16 (little-endian).
        let program = [
            statement(LOAD_WORD, 4),
            jump(JUMP_IF_EQUAL, arch, 1, 0),
            statement(RETURN, ALLOW),
            statement(LOAD_WORD, 0),
            jump(JUMP_IF_EQUAL, membarrier, 1, 0),
            statement(RETURN, ALLOW),
            statement(LOAD_WORD, 16),
            jump(JUMP_IF_EQUAL, PRIVATE_EXPEDITED, 1, 0),
            statement(RETURN, ALLOW),
            statement(RETURN, FAIL_EPERM),
        ];
        let fprog = SockFprog {
            len: program.len() as u16,
            filter: program.as_ptr(),
        };
        // SAFETY: prctl and seccomp take plain integers and a pointer to a filter that outlives
        // the call (the kernel copies it); they change only this thread's syscall filter.
        unsafe {
            if prctl(
                PR_SET_NO_NEW_PRIVS,
                1 as c_long,
                0 as c_long,
                0 as c_long,
                0 as c_long,
            ) != 0
            {
                return Err("prctl(PR_SET_NO_NEW_PRIVS) is refused here".into());
            }
            if syscall(seccomp, SET_MODE_FILTER, 0 as c_long, &raw const fprog) != 0 {
                return Err("seccomp filters are refused here".into());
            }
        }
        Ok(())
    }
}
