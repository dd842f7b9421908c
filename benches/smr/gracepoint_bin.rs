//! smr-benchmark's map driver for gracepoint's schemes (installed as `src/bin/gracepoint.rs` by
//! gracepoint's `scripts/smr-benchmark`; not part of smr-benchmark).
//!
//! Same command line as the other drivers (`-d -t -g -r -i -c ...`); the scheme comes from the
//! environment:
//!
//! - `GP_SCHEME`: `srcu` (Fenced, per-thread slots: the default), `srcu-fast`, `gus` (default
//!   mode), `gus-lazy`, `epoch`; with `-ns` appended (`epoch-ns`), the same scheme over the
//!   port whose lists have no sentinel head node (see `ds_impl/gp/mod.rs`);
//! - `GP_SECTION`: `reader` (default: each worker registers a reader once and enters its
//!   sections on it, as the EBR driver pins a registered crossbeam handle) or `domain`
//!   (`Section::new(domain)`, one thread-local lookup per section).
//!
//! Each worker keeps one section per `-c` operations and renews it with `repin`, as the EBR
//! driver drops its guard and pins again. Memory sampling (`-s`) is not implemented: run with
//! `-s 0` (every scheme then runs without the sampling thread).

use crossbeam_utils::thread::scope;
use rand::prelude::*;
use std::io::{stdout, Write};
use std::sync::{mpsc, Barrier};
use std::thread::available_parallelism;
use std::time::Instant;
use typenum::{Unsigned, U1, U4};

use gracepoint::atomic::Section;
use smr_benchmark::config::map::{setup, Config, Op, OpsPerCs, Perf, DS};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Entry {
    /// `Section::with_reader` on a reader registered once per thread.
    Reader,
    /// `Section::new(domain)`.
    Domain,
}

#[derive(Clone, Copy)]
enum Prefill {
    /// Multi-threaded, keys in random order (the tree).
    Random,
    /// One thread, keys in decreasing order (lists and the hash map).
    Decreasing,
}

fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

fn main() {
    let scheme = std::env::var("GP_SCHEME").unwrap_or_else(|_| "srcu".to_string());
    let entry = match std::env::var("GP_SECTION").as_deref() {
        Ok("domain") => Entry::Domain,
        Ok("reader") | Err(_) => Entry::Reader,
        Ok(other) => panic!("GP_SECTION={other}: expected `reader` or `domain`"),
    };
    let (config, output) = setup(format!("gp-{scheme}"));
    println!("{config}");
    if config.sampling {
        println!("note: memory sampling is not implemented for gracepoint (run with -s 0)");
    }
    use gracepoint::{epoch, gus, srcu};
    let (base, ns) = match scheme.strip_suffix("-ns") {
        Some(base) => (base, true),
        None => (scheme.as_str(), false),
    };
    let perf = match base {
        "srcu" | "srcu-fast" => {
            let flavor = if base == "srcu" { srcu::Flavor::Fenced } else { srcu::Flavor::Fast };
            let domain = leak(srcu::Srcu::with_options(srcu::Options::DEFAULT.flavor(flavor)));
            println!("srcu flavor: {:?}", domain.flavor());
            if ns {
                on_srcu_ns::run(&config, domain, entry)
            } else {
                on_srcu::run(&config, domain, entry)
            }
        }
        "gus" | "gus-lazy" => {
            let mode = if base == "gus" { gus::Mode::Default } else { gus::Mode::Lazy };
            let domain = leak(gus::Gus::with_options(gus::Options::DEFAULT.mode(mode)));
            println!("gus mode: {:?}", domain.mode());
            if ns {
                on_gus_ns::run(&config, domain, entry)
            } else {
                on_gus::run(&config, domain, entry)
            }
        }
        "epoch" if ns => on_epoch_ns::run(&config, leak(epoch::Epoch::new()), entry),
        "epoch" => on_epoch::run(&config, leak(epoch::Epoch::new()), entry),
        _ => panic!("GP_SCHEME={scheme}: expected srcu, srcu-fast, gus, gus-lazy or epoch, optionally with -ns"),
    };
    output.write_record(&config, &perf);
    println!("{perf}");
}

macro_rules! driver {
    ($driver:ident, $scheme:ident) => {
        mod $driver {
            use super::*;
            use smr_benchmark::ds_impl::gp::$scheme::{
                ConcurrentMap, Domain, HHSList, HList, HMList, HashMap, NMTreeMap,
            };

            pub fn run(config: &Config, domain: &'static Domain, entry: Entry) -> Perf {
                match config.ops_per_cs {
                    OpsPerCs::One => by_structure::<U1>(config, domain, entry),
                    OpsPerCs::Four => by_structure::<U4>(config, domain, entry),
                }
            }

            fn by_structure<N: Unsigned>(
                config: &Config,
                domain: &'static Domain,
                entry: Entry,
            ) -> Perf {
                use Prefill::*;
                match config.ds {
                    DS::HList => bench::<HList<usize, usize>, N>(config, domain, entry, Decreasing),
                    DS::HMList => {
                        bench::<HMList<usize, usize>, N>(config, domain, entry, Decreasing)
                    }
                    DS::HHSList => {
                        bench::<HHSList<usize, usize>, N>(config, domain, entry, Decreasing)
                    }
                    DS::HashMap => {
                        bench::<HashMap<usize, usize>, N>(config, domain, entry, Decreasing)
                    }
                    DS::NMTree => {
                        bench::<NMTreeMap<usize, usize>, N>(config, domain, entry, Random)
                    }
                    ref other => panic!("{other:?} has no gracepoint port"),
                }
            }

            fn prefill<M: ConcurrentMap<usize, usize> + Sync>(
                config: &Config,
                domain: &'static Domain,
                map: &M,
                how: Prefill,
            ) {
                let insert_some = |count: usize, sorted: bool| {
                    let rng = &mut rand::thread_rng();
                    let mut keys: Vec<usize> =
                        (0..count).map(|_| config.key_dist.sample(rng)).collect();
                    if sorted {
                        keys.sort_unstable_by(|a, b| b.cmp(a));
                    }
                    for key in keys {
                        map.insert(key, key, &Section::new(domain));
                    }
                };
                match how {
                    Prefill::Decreasing => insert_some(config.prefill, true),
                    Prefill::Random => {
                        let threads = available_parallelism().map(|n| n.get()).unwrap_or(1);
                        print!("prefilling with {threads} threads... ");
                        stdout().flush().unwrap();
                        scope(|s| {
                            for t in 0..threads {
                                let count = config.prefill / threads
                                    + usize::from(t < config.prefill % threads);
                                let insert_some = &insert_some;
                                s.spawn(move |_| insert_some(count, false));
                            }
                        })
                        .unwrap();
                    }
                }
                print!("prefilled... ");
                stdout().flush().unwrap();
            }

            fn bench<M: ConcurrentMap<usize, usize> + Send + Sync, N: Unsigned>(
                config: &Config,
                domain: &'static Domain,
                entry: Entry,
                how: Prefill,
            ) -> Perf {
                let map = &M::new();
                prefill(config, domain, map, how);
                let start_line = &Barrier::new(config.threads);
                let (ops_tx, ops_rx) = mpsc::channel();
                scope(|s| {
                    for _ in 0..config.threads {
                        let ops_tx = ops_tx.clone();
                        s.spawn(move |_| {
                            let rng = &mut rand::thread_rng();
                            // Leaked with the domain: a section borrows both for 'static.
                            let reader = leak(domain.register().expect("a reader slot"));
                            let enter = || match entry {
                                Entry::Reader => Section::with_reader(domain, reader),
                                Entry::Domain => Section::new(domain),
                            };
                            start_line.wait();
                            let start = Instant::now();
                            let mut ops: u64 = 0;
                            let mut section = enter();
                            while start.elapsed() < config.duration {
                                let key = config.key_dist.sample(rng);
                                match Op::OPS[config.op_dist.sample(rng)] {
                                    Op::Get => {
                                        map.get(&key, &section);
                                    }
                                    Op::Insert => {
                                        map.insert(key, key, &section);
                                    }
                                    Op::Remove => {
                                        map.remove(&key, &section);
                                    }
                                }
                                ops += 1;
                                if ops % N::to_u64() == 0 {
                                    section.repin();
                                }
                            }
                            drop(section);
                            ops_tx.send(ops).unwrap();
                        });
                    }
                })
                .unwrap();
                println!("end");
                let ops: u64 = ops_rx.iter().take(config.threads).sum();
                Perf {
                    ops_per_sec: ops / config.interval,
                    peak_mem: 0,
                    avg_mem: 0,
                    peak_garb: 0,
                    avg_garb: 0,
                }
            }
        }
    };
}

driver!(on_srcu, srcu);
driver!(on_gus, gus);
driver!(on_epoch, epoch);
driver!(on_srcu_ns, srcu_ns);
driver!(on_gus_ns, gus_ns);
driver!(on_epoch_ns, epoch_ns);
