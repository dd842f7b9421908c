//! The shared suite (`gracepoint_structures::testing`) on every scheme of the workspace: SRCU in both
//! reader flavors and both slot choices, GUS in each of its modes, and epochs. One test per scheme and
//! structure, so that a failure names both.
//!
//! The same suite runs on the peer adapters from the `benches` crate.
#![cfg(not(loom))]

use gracepoint_structures::testing::{
    check_list, check_map, check_queue, check_rcu_cell, check_skiplist, check_stack, check_tree,
};
use gus::{Gus, Mode};
use srcu::{Flavor, SlotChoice, Srcu};

macro_rules! on_every_structure {
    ($scheme:ident, $make:expr) => {
        mod $scheme {
            use super::*;

            #[test]
            fn list() {
                check_list(|| $make);
            }

            #[test]
            fn hash_map() {
                check_map(|| $make);
            }

            #[test]
            fn tree() {
                check_tree(|| $make);
            }

            #[test]
            fn skiplist() {
                check_skiplist(|| $make);
            }

            #[test]
            fn rcu_cell() {
                check_rcu_cell(|| $make);
            }

            #[test]
            fn stack() {
                check_stack(|| $make);
            }

            #[test]
            fn queue() {
                check_queue(|| $make);
            }
        }
    };
}

on_every_structure!(
    srcu_fenced_thread,
    Srcu::with_options(
        srcu::Options::DEFAULT
            .flavor(Flavor::Fenced)
            .slots(SlotChoice::Thread)
    )
);
on_every_structure!(
    srcu_fenced_cpu,
    Srcu::with_options(
        srcu::Options::DEFAULT
            .flavor(Flavor::Fenced)
            .slots(SlotChoice::Cpu)
    )
);
on_every_structure!(
    srcu_fast_thread,
    Srcu::with_options(
        srcu::Options::DEFAULT
            .flavor(Flavor::Fast)
            .slots(SlotChoice::Thread)
    )
);
on_every_structure!(
    srcu_fast_cpu,
    Srcu::with_options(
        srcu::Options::DEFAULT
            .flavor(Flavor::Fast)
            .slots(SlotChoice::Cpu)
    )
);
on_every_structure!(
    gus_default,
    Gus::with_options(gus::Options::DEFAULT.mode(Mode::Default))
);
on_every_structure!(
    gus_deferred_8,
    Gus::with_options(gus::Options::DEFAULT.mode(Mode::Deferred(8)))
);
on_every_structure!(
    gus_lazy,
    Gus::with_options(gus::Options::DEFAULT.mode(Mode::Lazy))
);
on_every_structure!(epoch, gracepoint::epoch::Epoch::new());

/// Structures sharing one `static` domain through `&'static Srcu` (a reference to a domain is a
/// domain): each run's barrier still covers its own retires.
mod shared_static_domain {
    use super::*;

    static DOMAIN: Srcu = Srcu::new();

    #[test]
    fn every_structure() {
        gracepoint_structures::testing::check_all(|| &DOMAIN);
    }
}

/// Structures sharing one domain through an `Arc`.
#[test]
fn shared_arc_domain() {
    let domain = std::sync::Arc::new(Gus::new());
    gracepoint_structures::testing::check_all(|| domain.clone());
}
