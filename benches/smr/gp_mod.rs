//! gracepoint's schemes in smr-benchmark (installed as `src/ds_impl/gp/mod.rs` by
//! gracepoint's `scripts/smr-benchmark`; not part of smr-benchmark).
//!
//! The files under `srcu/`, `gus/` and `epoch/` are produced by that script from
//! smr-benchmark's own crossbeam-epoch structures (`src/ds_impl/ebr/`) by a handful of
//! mechanical substitutions, so the algorithms are exactly the ones its EBR runs: only the
//! reclamation calls change. Each scheme gets its own copy, in which `Guard` is a section of
//! that scheme's domain (a leaked, `&'static` domain, as a crossbeam-epoch collector would be).
//!
//! The `*_ns` modules are the same files with one structural change, made by the same script
//! for smr-benchmark's EBR too (`ebr_ns`): the list has no sentinel head node, its head link
//! points at the first entry (as smr-benchmark's HP and NR lists do), which saves one dependent
//! load per operation. They measure how much of HP's lead is that structure difference.

macro_rules! scheme_module {
    ($(#[$doc:meta])* $name:ident, $domain:ty) => {
        $(#[$doc])*
        pub mod $name {
            pub use gracepoint::atomic::{unprotected, Atomic, Owned, Shared};
            /// The domain type of this scheme.
            pub type Domain = $domain;
            /// What the ported structures call `Guard`: a section of a leaked domain.
            pub type Guard = gracepoint::atomic::Section<'static, Domain>;

            pub mod concurrent_map;
            pub mod list;
            pub mod michael_hash_map;
            pub mod natarajan_mittal_tree;

            pub use self::concurrent_map::ConcurrentMap;
            pub use self::list::{HHSList, HList, HMList};
            pub use self::michael_hash_map::HashMap;
            pub use self::natarajan_mittal_tree::NMTreeMap;
        }
    };
}

scheme_module!(
    /// SRCU (Fenced or Fast, chosen when the domain is built).
    srcu,
    gracepoint::srcu::Srcu
);
scheme_module!(
    /// GUS (default, deferred or lazy mode, chosen when the domain is built).
    gus,
    gracepoint::gus::Gus
);
scheme_module!(
    /// Epoch-based reclamation.
    epoch,
    gracepoint::epoch::Epoch
);
scheme_module!(
    /// SRCU over the lists without a sentinel node.
    srcu_ns,
    gracepoint::srcu::Srcu
);
scheme_module!(
    /// GUS over the lists without a sentinel node.
    gus_ns,
    gracepoint::gus::Gus
);
scheme_module!(
    /// Epochs over the lists without a sentinel node.
    epoch_ns,
    gracepoint::epoch::Epoch
);
