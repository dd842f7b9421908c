//! `urcu-test`: a torture test in the shape of liburcu's `test_urcu`, for any scheme of the
//! list. Run `urcu-test --help` for the arguments.
//!
//! Readers loop read sections that load a shared pointer and check that the object it points
//! to is still live; writers publish a fresh object, wait for a grace period with
//! `synchronize`, poison the old object, and free it. A reader that finds a poisoned object
//! ends the run with a message and exit code 1. The last line is liburcu's `SUMMARY` line, so
//! that a result sits beside liburcu's own.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use benches::schemes::{self, Scheme, SchemeVisitor};
use reclaim::Reclaim;

const HELP: &str = "\
urcu-test: liburcu's test_urcu torture test, on any scheme of this workspace or its peers.

USAGE
    cargo run -p benches --release --bin urcu-test -- SCHEME NR_READERS NR_WRITERS DURATION [OPTIONS]

    SCHEME       a scheme id (see --list), or `none`: a domain whose grace periods never wait,
                 which must make the run fail (it shows that the check has teeth).
    NR_READERS   reader threads.
    NR_WRITERS   writer threads.
    DURATION     seconds to run (a decimal is allowed).

OPTIONS
    -r N         spin N loops inside each read section (test_urcu's rduration).
    -w N         spin N loops between publishing and synchronize (wduration).
    -d N         spin N loops after each write (wdelay).
    -v           verbose: say what runs, and the totals.
    --list       print the scheme ids and exit.
    -h, --help   this text.

WHAT IT DOES
    Readers loop: enter a read section, load the shared pointer, check that the object it
    points to holds the live value (8, as in test_urcu), leave. Writers loop: publish a fresh
    object, synchronize, poison the old one (0), free it. A freed object stays poisoned in a
    quarantine for a while before its memory goes back to the allocator, so a reader that was
    let go too early reads the poison rather than someone else's data. A reader that sees a
    poisoned object fails the run: a message on stderr, exit code 1, no SUMMARY line.
    crossbeam-epoch, seize and sdd have no synchronize; their adapters emulate it (see
    docs/comparison.md).

OUTPUT
    SUMMARY urcu-test:SCHEME testdur .. nr_readers .. rdur .. wdur .. nr_writers .. wdelay ..
    nr_reads .. nr_writes .. nr_ops ..   (liburcu's format)
";

/// The live value readers expect, as in `test_urcu`.
const LIVE: u64 = 8;
/// What a writer stores into an object once its grace period has passed.
const POISON: u64 = 0;
/// Objects each writer keeps poisoned before freeing them.
const QUARANTINE: usize = 4096;

/// `test_urcu`'s `struct test_array`: one value, atomic so that a reader racing with the
/// poisoning is a detected failure, not a data race.
struct Object {
    a: AtomicU64,
}

#[derive(Clone, Debug)]
struct Args {
    scheme: String,
    readers: usize,
    writers: usize,
    duration_text: String,
    duration: Duration,
    rdur: u64,
    wdur: u64,
    wdelay: u64,
    verbose: bool,
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse(&argv) {
        Ok(Some(args)) => args,
        Ok(None) => return,
        Err(e) => {
            eprintln!("urcu-test: {e} (try --help)");
            std::process::exit(2);
        }
    };
    let mut run = Run {
        args,
        outcome: None,
    };
    if run.args.scheme == "none" {
        let scheme = Scheme::baseline("none", "`none` (never waits, broken on purpose)");
        run.visit(&scheme, || NoGracePeriod);
    } else if !schemes::visit_one(&run.args.scheme.clone(), &mut run) {
        eprintln!(
            "urcu-test: no scheme {:?} in this build (see --list; liburcu: {})",
            run.args.scheme,
            peers::liburcu::status()
        );
        std::process::exit(2);
    }
    match run.outcome {
        Some(Ok(summary)) => println!("{summary}"),
        Some(Err(failure)) => {
            eprintln!("urcu-test: FAILED: {failure}");
            std::process::exit(1);
        }
        None => unreachable!("the visitor ran"),
    }
}

fn parse(argv: &[String]) -> Result<Option<Args>, String> {
    let mut positional = Vec::new();
    let (mut rdur, mut wdur, mut wdelay, mut verbose) = (0, 0, 0, false);
    let mut it = argv.iter();
    while let Some(arg) = it.next() {
        let mut loops = || -> Result<u64, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{arg} needs a number of loops"))
        };
        match arg.as_str() {
            "-h" | "--help" => {
                print!("{HELP}");
                return Ok(None);
            }
            "--list" => {
                for s in schemes::all() {
                    println!("{:<22} {}", s.id, s.name);
                }
                return Ok(None);
            }
            "-r" => rdur = loops()?,
            "-w" => wdur = loops()?,
            "-d" => wdelay = loops()?,
            "-v" => verbose = true,
            other if other.starts_with('-') && other.len() > 1 => {
                return Err(format!("unknown option {other:?}"));
            }
            other => positional.push(other.to_owned()),
        }
    }
    let [scheme, readers, writers, duration] = positional.as_slice() else {
        return Err("expected SCHEME NR_READERS NR_WRITERS DURATION".to_owned());
    };
    let count = |s: &str, what: &str| {
        s.parse::<usize>()
            .map_err(|_| format!("{what} must be a whole number, not {s:?}"))
    };
    let seconds: f64 = duration
        .parse()
        .map_err(|_| format!("DURATION must be seconds, not {duration:?}"))?;
    if !(seconds.is_finite() && seconds >= 0.0) {
        return Err(format!("DURATION must be seconds, not {duration:?}"));
    }
    Ok(Some(Args {
        scheme: scheme.clone(),
        readers: count(readers, "NR_READERS")?,
        writers: count(writers, "NR_WRITERS")?,
        duration_text: duration.clone(),
        duration: Duration::from_secs_f64(seconds),
        rdur,
        wdur,
        wdelay,
        verbose,
    }))
}

/// `test_urcu`'s `loop_sleep`: spin `loops` times.
#[inline]
fn spin(loops: u64) {
    for _ in 0..loops {
        std::hint::spin_loop();
    }
}

/// Runs the test on the scheme it visits; the outcome is the SUMMARY line or the failure.
struct Run {
    args: Args,
    outcome: Option<Result<String, String>>,
}

impl SchemeVisitor for Run {
    fn visit<R, F>(&mut self, scheme: &Scheme, make: F)
    where
        R: Reclaim + 'static,
        F: Fn() -> R + Send + Sync + 'static,
    {
        let a = &self.args;
        if a.verbose {
            eprintln!(
                "urcu-test: {} with {} readers and {} writers for {} s",
                scheme.name, a.readers, a.writers, a.duration_text
            );
        }
        let domain = make();
        let shared = AtomicPtr::new(Box::into_raw(Box::new(Object {
            a: AtomicU64::new(LIVE),
        })));
        let stop = AtomicBool::new(false);
        let failure: Mutex<Option<String>> = Mutex::new(None);
        let (reads, writes) = (AtomicU64::new(0), AtomicU64::new(0));
        let start_line = std::sync::Barrier::new(a.readers + a.writers + 1);
        std::thread::scope(|s| {
            let mut readers = Vec::new();
            let mut writers = Vec::new();
            for r in 0..a.readers {
                let (domain, shared, stop, failure, reads, start_line) =
                    (&domain, &shared, &stop, &failure, &reads, &start_line);
                readers.push(s.spawn(move || {
                    start_line.wait();
                    let mut n = 0u64;
                    loop {
                        let guard = domain.enter();
                        let p = shared.load(Ordering::Acquire);
                        // SAFETY: the section keeps the object allocated (that is what is under
                        // test); a freed one sits poisoned in a writer's quarantine.
                        let value = unsafe { &*p }.a.load(Ordering::Relaxed);
                        spin(a.rdur);
                        drop(guard);
                        n += 1;
                        if value != LIVE {
                            failure.lock().expect("no panics").get_or_insert(format!(
                                "reader {r} saw the value {value} where {LIVE} was expected, in \
                                 its read section number {n}: the object was poisoned (or freed) \
                                 while the section still held it: {} ended a grace period too \
                                 early",
                                scheme.name
                            ));
                            stop.store(true, Ordering::Relaxed);
                        }
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                    }
                    reads.fetch_add(n, Ordering::Relaxed);
                }));
            }
            for _ in 0..a.writers {
                let (domain, shared, stop, writes, start_line) =
                    (&domain, &shared, &stop, &writes, &start_line);
                writers.push(s.spawn(move || {
                    start_line.wait();
                    let mut quarantine: std::collections::VecDeque<Box<Object>> =
                        std::collections::VecDeque::with_capacity(QUARANTINE);
                    let mut n = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        let fresh = Box::into_raw(Box::new(Object {
                            a: AtomicU64::new(LIVE),
                        }));
                        let old = shared.swap(fresh, Ordering::AcqRel);
                        spin(a.wdur);
                        domain.synchronize();
                        // SAFETY: `old` is unlinked, and this writer alone got it from the swap.
                        let old = unsafe { Box::from_raw(old) };
                        old.a.store(POISON, Ordering::Relaxed);
                        if quarantine.len() == QUARANTINE {
                            quarantine.pop_front();
                        }
                        quarantine.push_back(old);
                        n += 1;
                        spin(a.wdelay);
                    }
                    writes.fetch_add(n, Ordering::Relaxed);
                    // Readers may still be inside sections that hold quarantined objects.
                    quarantine
                }));
            }
            start_line.wait();
            let begin = Instant::now();
            while begin.elapsed() < a.duration && !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(1).min(a.duration));
            }
            stop.store(true, Ordering::Relaxed);
            for reader in readers {
                reader.join().expect("a reader panicked");
            }
            // Quarantined objects are freed only now that every reader has stopped.
            for writer in writers {
                drop(writer.join().expect("a writer panicked"));
            }
        });
        // SAFETY: every thread has stopped; the last object is owned here.
        drop(unsafe { Box::from_raw(shared.load(Ordering::Relaxed)) });
        let (reads, writes) = (reads.into_inner(), writes.into_inner());
        if a.verbose {
            eprintln!("total number of reads : {reads}, writes {writes}");
        }
        self.outcome = Some(match failure.into_inner().expect("no panics") {
            Some(f) => Err(f),
            None => Ok(format!(
                "SUMMARY {:<25} testdur {:>4} nr_readers {:>3} rdur {:>6} wdur {:>6} \
                 nr_writers {:>3} wdelay {:>6} nr_reads {:>12} nr_writes {:>12} nr_ops {:>12}",
                format!("urcu-test:{}", scheme.id),
                a.duration_text,
                a.readers,
                a.rdur,
                a.wdur,
                a.writers,
                a.wdelay,
                reads,
                writes,
                reads + writes
            )),
        });
    }
}

/// A domain whose grace periods never wait: the run must catch it.
struct NoGracePeriod;

// SAFETY: not sound at all, on purpose: `synchronize` returns at once. Only `urcu-test none`
// uses it, to show that the readers' check catches a broken scheme; the objects it lets go too
// early are poisoned but still allocated (quarantined), so the readers read the poison.
unsafe impl Reclaim for NoGracePeriod {
    type Guard<'a> = ();
    type Cookie = ();
    fn enter(&self) {}
    unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
        // SAFETY: broken on purpose (see above); the test never retires through it.
        unsafe { free(ptr) }
    }
    fn synchronize(&self) {}
    fn barrier(&self) {}
    fn start_poll(&self) {}
    fn poll(&self, _: &()) -> bool {
        true
    }
}
