//! The one list of schemes that every bench runs: this workspace's schemes, then the peers.
//!
//! [`for_each_scheme`] hands each scheme to a [`SchemeVisitor`] as a description and a
//! constructor of fresh domains. The `compare` program, the criterion bench and `urcu-test` all
//! visit this list, so **adding a scheme is one line in [`for_each_scheme`]**:
//!
//! ```text
//! v.visit(&Scheme::ours("epoch", "epoch"), epoch::Epoch::new);
//! ```
//!
//! ```
//! use benches::schemes::{self, Scheme, SchemeVisitor};
//! struct Ids(Vec<String>);
//! impl SchemeVisitor for Ids {
//!     fn visit<R, F>(&mut self, scheme: &Scheme, _make: F)
//!     where
//!         R: reclaim::Reclaim + 'static,
//!         F: Fn() -> R + Send + Sync + 'static,
//!     {
//!         self.0.push(scheme.id.clone());
//!     }
//! }
//! let mut ids = Ids(Vec::new());
//! schemes::for_each_scheme(&mut ids);
//! assert!(ids.0.iter().any(|id| id == "srcu-fenced-thread"));
//! assert!(ids.0.iter().any(|id| id == "crossbeam-epoch"));
//! ```

use core::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use epoch::Epoch;
use gus::{Gus, Mode};
use peers::{CrossbeamEpoch, Liburcu, Mapping, Peer, Sdd, Seize};
use reclaim::Reclaim;
use srcu::{Flavor, SlotChoice, Srcu};

use crate::measure;

/// A timed loop over a registered reader of a fresh domain built by `$make`: `register()`
/// once, then `enter()` on the handle, which skips the per-call slot lookup. The schemes'
/// handles share no trait, only these method names.
macro_rules! registered {
    ($make:expr) => {
        move |iters: u64| {
            let domain = $make;
            let reader = domain
                .register()
                .expect("a growable domain always has a slot for a new reader");
            measure::time_loop(iters, || drop(black_box(reader.enter())))
        }
    };
}

/// Hands every scheme to `visitor`: for each of this workspace's schemes first its default
/// configuration (`new()`, named after the configuration it resolved to, see [`srcu_default`]),
/// then its explicit configurations (SRCU's four, GUS's three modes, epoch's two flavors), then
/// the peers (crossbeam-epoch, seize, sdd, and liburcu when this build found it). Each of ours
/// also carries a timed loop over its registered reader, crossbeam-epoch one over its
/// registered handle, and liburcu one over its inline C read side ([`Scheme::direct_read_sides`]).
///
/// ```
/// use benches::schemes::{Scheme, SchemeVisitor};
/// struct Print;
/// impl SchemeVisitor for Print {
///     fn visit<R, F>(&mut self, scheme: &Scheme, _: F)
///     where
///         R: reclaim::Reclaim + 'static,
///         F: Fn() -> R + Send + Sync + 'static,
///     {
///         println!("{} ({})", scheme.name, scheme.id);
///     }
/// }
/// benches::schemes::for_each_scheme(&mut Print);
/// ```
pub fn for_each_scheme(v: &mut impl SchemeVisitor) {
    let registered = registered!(Srcu::new());
    v.visit(
        &srcu_default().with_direct_read_side(REGISTERED, registered),
        Srcu::new,
    );
    for (flavor, choice) in SRCU_CONFIGS {
        let registered = registered!(Srcu::with_options(
            srcu::Options::DEFAULT.flavor(flavor).slots(choice)
        ));
        v.visit(
            &srcu(flavor, choice).with_direct_read_side(REGISTERED, registered),
            move || Srcu::with_options(srcu::Options::DEFAULT.flavor(flavor).slots(choice)),
        );
    }
    let registered = registered!(Gus::new());
    v.visit(
        &gus_default().with_direct_read_side(REGISTERED, registered),
        Gus::new,
    );
    for mode in GUS_MODES {
        let registered = registered!(Gus::with_options(gus::Options::DEFAULT.mode(mode)));
        v.visit(
            &gus(mode).with_direct_read_side(REGISTERED, registered),
            move || Gus::with_options(gus::Options::DEFAULT.mode(mode)),
        );
    }
    let registered = registered!(Epoch::new());
    v.visit(
        &epoch_default().with_direct_read_side(REGISTERED, registered),
        Epoch::new,
    );
    for flavor in [Flavor::Fenced, Flavor::Fast] {
        let registered = registered!(Epoch::with_options(epoch::Options::DEFAULT.flavor(flavor)));
        v.visit(
            &epoch(flavor).with_direct_read_side(REGISTERED, registered),
            move || Epoch::with_options(epoch::Options::DEFAULT.flavor(flavor)),
        );
    }
    let registered = |iters| CrossbeamEpoch.time_registered_read_side(iters);
    v.visit(
        &Scheme::peer::<CrossbeamEpoch>().with_direct_read_side(CROSSBEAM_HANDLE, registered),
        || CrossbeamEpoch,
    );
    v.visit(&Scheme::peer::<Seize>(), Seize::new);
    v.visit(&Scheme::peer::<Sdd>(), || Sdd);
    if let Ok(urcu) = Liburcu::try_new() {
        let inline = move |iters| urcu.time_inline_read_side(iters);
        v.visit(
            &Scheme::peer::<Liburcu>().with_direct_read_side(INLINE_C, inline),
            move || urcu,
        );
    }
}

/// The direct read side of this workspace's schemes: a registered reader.
///
/// ```
/// assert_eq!(benches::schemes::REGISTERED.name, " (registered reader)");
/// ```
pub const REGISTERED: ReadPath = ReadPath {
    id: "+registered",
    name: " (registered reader)",
    note: "register() once, then enter() on the handle, which skips the slot lookup; the \
           scheme's own API, not a trait operation",
};

/// crossbeam-epoch's counterpart of [`REGISTERED`]: a `LocalHandle` of its default collector.
///
/// ```
/// assert_eq!(benches::schemes::CROSSBEAM_HANDLE.id, "+handle");
/// ```
pub const CROSSBEAM_HANDLE: ReadPath = ReadPath {
    id: "+handle",
    name: " (registered handle)",
    note: "default_collector().register() once, then pin() on the LocalHandle, which skips the \
           thread-local lookup; crossbeam's own API, not a trait operation",
};

/// liburcu's direct read side: its header's inline fast path, timed in C.
///
/// ```
/// assert_eq!(benches::schemes::INLINE_C.name, " (inline C)");
/// ```
pub const INLINE_C: ReadPath = ReadPath {
    id: "+inline",
    name: " (inline C)",
    note: "the header's inline rcu_read_lock/rcu_read_unlock in a C loop, which Rust cannot \
           inline; liburcu's own API, not a trait operation",
};

/// The scheme every ratio is taken against: the most used Rust scheme, always available.
///
/// ```
/// assert_eq!(benches::schemes::RATIO_BASELINE, "crossbeam-epoch");
/// ```
pub const RATIO_BASELINE: &str = CrossbeamEpoch::ID;

/// Receives each scheme of the list in turn.
///
/// ```
/// use benches::schemes::{Scheme, SchemeVisitor};
/// struct Count(usize);
/// impl SchemeVisitor for Count {
///     fn visit<R, F>(&mut self, _: &Scheme, _: F)
///     where
///         R: reclaim::Reclaim + 'static,
///         F: Fn() -> R + Send + Sync + 'static,
///     {
///         self.0 += 1;
///     }
/// }
/// let mut count = Count(0);
/// benches::schemes::for_each_scheme(&mut count);
/// assert!(count.0 >= 10);
/// ```
pub trait SchemeVisitor {
    /// Called once per scheme with its description and a constructor of fresh domains.
    fn visit<R, F>(&mut self, scheme: &Scheme, make: F)
    where
        R: Reclaim + 'static,
        F: Fn() -> R + Send + Sync + 'static;
}

/// Where a row of results comes from.
///
/// ```
/// assert_ne!(benches::schemes::Origin::Ours, benches::schemes::Origin::Peer);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A scheme of this workspace.
    Ours,
    /// A well-known peer, through its adapter in the `peers` crate.
    Peer,
    /// A floor that protects nothing (a thread-local increment, an idle process), measured in
    /// the same run so that the figures above it can be read against it.
    Baseline,
}

/// A timed loop over a read side reached around the trait: `iters` sections, and the time
/// they took.
///
/// ```
/// let loop_in_c: benches::schemes::TimedReadSide =
///     std::sync::Arc::new(|iters| std::time::Duration::from_nanos(iters));
/// assert_eq!(loop_in_c(5).as_nanos(), 5);
/// ```
pub type TimedReadSide = Arc<dyn Fn(u64) -> Duration + Send + Sync>;

/// A read side that a scheme's users can reach without the trait's `enter`, reported as a row
/// of its own next to the trait's: what it is called, and how it differs.
///
/// ```
/// let path = benches::schemes::REGISTERED;
/// assert!(path.id.starts_with('+') && path.name.starts_with(' '));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadPath {
    /// Appended to the scheme's id (`gus-fenced+registered`).
    pub id: &'static str,
    /// Appended to the scheme's name (`GUS fenced (registered reader)`).
    pub name: &'static str,
    /// What the path does instead of the trait's `enter`; the tables print it under the row.
    pub note: &'static str,
}

/// What the benches need to know about one scheme besides its type.
///
/// ```
/// let s = benches::schemes::Scheme::ours("x", "X");
/// assert_eq!((s.id.as_str(), s.name.as_str()), ("x", "X"));
/// assert!(s.direct_read_sides.is_empty());
/// ```
#[derive(Clone)]
pub struct Scheme {
    /// A short, stable identifier for command lines and CSV files.
    pub id: String,
    /// The name shown in tables; it says when a configuration fell back to another.
    pub name: String,
    /// Ours, a peer, or a baseline.
    pub origin: Origin,
    /// How the trait's operations map onto the scheme.
    pub mapping: Mapping,
    /// Read sides the scheme's users reach around the trait, each timed by its own loop: a
    /// registered reader that skips the slot lookup, liburcu's inline C fast path (which Rust
    /// reaches only through an out-of-line call).
    pub direct_read_sides: Vec<(ReadPath, TimedReadSide)>,
}

impl Scheme {
    /// One of this workspace's schemes: every operation native.
    ///
    /// ```
    /// let s = benches::schemes::Scheme::ours("gus-fenced", "GUS fenced");
    /// assert_eq!(s.origin, benches::schemes::Origin::Ours);
    /// ```
    pub fn ours(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            origin: Origin::Ours,
            mapping: Mapping::NATIVE,
            direct_read_sides: Vec::new(),
        }
    }

    /// A peer adapter, described by its [`Peer`] constants.
    ///
    /// ```
    /// let s = benches::schemes::Scheme::peer::<peers::Sdd>();
    /// assert_eq!(s.id, "sdd");
    /// ```
    pub fn peer<P: Peer>() -> Self {
        Self {
            id: P::ID.to_owned(),
            name: P::NAME.to_owned(),
            origin: Origin::Peer,
            mapping: P::MAPPING,
            direct_read_sides: Vec::new(),
        }
    }

    /// A baseline row.
    ///
    /// ```
    /// let s = benches::schemes::Scheme::baseline("floor", "baseline: floor");
    /// assert_eq!(s.origin, benches::schemes::Origin::Baseline);
    /// ```
    pub fn baseline(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            origin: Origin::Baseline,
            ..Self::ours(id, name)
        }
    }

    /// The same scheme, with its read side also reached through `path`, timed by `time`.
    ///
    /// ```
    /// let s = benches::schemes::Scheme::ours("x", "X").with_direct_read_side(
    ///     benches::schemes::REGISTERED,
    ///     |n| std::time::Duration::from_nanos(n),
    /// );
    /// assert_eq!(s.direct_read_sides.len(), 1);
    /// ```
    pub fn with_direct_read_side(
        mut self,
        path: ReadPath,
        time: impl Fn(u64) -> Duration + Send + Sync + 'static,
    ) -> Self {
        self.direct_read_sides.push((path, Arc::new(time)));
        self
    }
}

impl core::fmt::Debug for Scheme {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Scheme")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

/// Visits only the scheme whose id is `id`; returns whether it exists in this build.
///
/// ```
/// use benches::schemes::{Scheme, SchemeVisitor};
/// struct Name(String);
/// impl SchemeVisitor for Name {
///     fn visit<R, F>(&mut self, scheme: &Scheme, _: F)
///     where
///         R: reclaim::Reclaim + 'static,
///         F: Fn() -> R + Send + Sync + 'static,
///     {
///         self.0 = scheme.name.clone();
///     }
/// }
/// let mut name = Name(String::new());
/// assert!(benches::schemes::visit_one("seize", &mut name));
/// assert_eq!(name.0, "seize");
/// assert!(!benches::schemes::visit_one("no-such-scheme", &mut name));
/// ```
pub fn visit_one(id: &str, visitor: &mut impl SchemeVisitor) -> bool {
    struct Only<'a, V> {
        id: &'a str,
        inner: &'a mut V,
        found: bool,
    }
    impl<V: SchemeVisitor> SchemeVisitor for Only<'_, V> {
        fn visit<R, F>(&mut self, scheme: &Scheme, make: F)
        where
            R: Reclaim + 'static,
            F: Fn() -> R + Send + Sync + 'static,
        {
            if scheme.id == self.id {
                self.found = true;
                self.inner.visit(scheme, make);
            }
        }
    }
    let mut only = Only {
        id,
        inner: visitor,
        found: false,
    };
    for_each_scheme(&mut only);
    only.found
}

/// Every scheme of the list, without constructors.
///
/// ```
/// let all = benches::schemes::all();
/// assert!(all.iter().any(|s| s.id == "sdd"));
/// ```
pub fn all() -> Vec<Scheme> {
    struct Collect(Vec<Scheme>);
    impl SchemeVisitor for Collect {
        fn visit<R, F>(&mut self, scheme: &Scheme, _: F)
        where
            R: Reclaim + 'static,
            F: Fn() -> R + Send + Sync + 'static,
        {
            self.0.push(scheme.clone());
        }
    }
    let mut all = Collect(Vec::new());
    for_each_scheme(&mut all);
    all.0
}

/// The SRCU configurations the benches run: Fast and Fenced readers, per-thread and per-CPU
/// slots.
///
/// ```
/// assert_eq!(benches::schemes::SRCU_CONFIGS.len(), 4);
/// ```
pub const SRCU_CONFIGS: [(Flavor, SlotChoice); 4] = [
    (Flavor::Fast, SlotChoice::Thread),
    (Flavor::Fast, SlotChoice::Cpu),
    (Flavor::Fenced, SlotChoice::Thread),
    (Flavor::Fenced, SlotChoice::Cpu),
];

/// The `n` of the deferred GUS mode the benches run.
///
/// ```
/// assert!(benches::schemes::GUS_MODES.contains(&gus::Mode::Deferred(benches::schemes::GUS_DEFERRED_N)));
/// ```
pub const GUS_DEFERRED_N: u32 = 8;

/// The GUS modes the benches run: default, deferred and lazy.
///
/// ```
/// assert_eq!(benches::schemes::GUS_MODES.len(), 3);
/// ```
pub const GUS_MODES: [Mode; 3] = [Mode::Default, Mode::Deferred(GUS_DEFERRED_N), Mode::Lazy];

fn flavor_word(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::Fast => "fast",
        Flavor::Fenced => "fenced",
    }
}

fn slots_word(choice: SlotChoice) -> &'static str {
    match choice {
        SlotChoice::Thread => "thread",
        SlotChoice::Cpu => "cpu",
    }
}

/// SRCU's default configuration, `Srcu::new()`: id `srcu-default`, and a name that says the
/// flavor and slots it resolved to on this machine, such as `SRCU default (fenced/thread)`
/// (a Fast default where `membarrier` is refused says `fenced`).
///
/// ```
/// let s = benches::schemes::srcu_default();
/// assert_eq!(s.id, "srcu-default");
/// assert!(s.name.starts_with("SRCU default ("), "{}", s.name);
/// ```
pub fn srcu_default() -> Scheme {
    let domain = Srcu::new();
    Scheme::ours(
        "srcu-default",
        format!(
            "SRCU default ({}/{})",
            flavor_word(domain.flavor()),
            slots_word(domain.slot_choice())
        ),
    )
}

/// GUS's default configuration, `Gus::new()`: id `gus-default`, and a name that says the mode
/// it resolved to on this machine, such as `GUS default (fenced)` or `GUS default (lazy)`.
///
/// ```
/// let s = benches::schemes::gus_default();
/// assert_eq!(s.id, "gus-default");
/// assert!(s.name.starts_with("GUS default ("), "{}", s.name);
/// ```
pub fn gus_default() -> Scheme {
    let mode = Gus::new().mode();
    Scheme::ours(
        "gus-default",
        format!("GUS default ({})", mode_words(mode).1),
    )
}

/// epoch's default configuration, `Epoch::new()`: id `epoch-default`, and a name that says the
/// flavor it resolved to on this machine, such as `epoch default (fast)`.
///
/// ```
/// let s = benches::schemes::epoch_default();
/// assert_eq!(s.id, "epoch-default");
/// assert!(s.name.starts_with("epoch default ("), "{}", s.name);
/// ```
pub fn epoch_default() -> Scheme {
    let flavor = Epoch::new().flavor();
    Scheme::ours(
        "epoch-default",
        format!("epoch default ({})", flavor_word(flavor)),
    )
}

/// An epoch configuration's description (ids `epoch-fenced`, `epoch-fast`); its name says when
/// Fast fell back to Fenced.
///
/// ```
/// use srcu::Flavor;
/// let s = benches::schemes::epoch(Flavor::Fenced);
/// assert_eq!((s.id.as_str(), s.name.as_str()), ("epoch-fenced", "epoch fenced"));
/// ```
pub fn epoch(flavor: Flavor) -> Scheme {
    let active = Epoch::with_options(epoch::Options::DEFAULT.flavor(flavor)).flavor();
    let asked = flavor_word(flavor);
    let mut name = format!("epoch {asked}");
    if active != flavor {
        name.push_str(&format!(" (runs {})", flavor_word(active)));
    }
    Scheme::ours(format!("epoch-{asked}"), name)
}

/// An SRCU configuration's description; its name says when Fast fell back to Fenced.
///
/// ```
/// use srcu::{Flavor, SlotChoice};
/// let s = benches::schemes::srcu(Flavor::Fenced, SlotChoice::Cpu);
/// assert_eq!((s.id.as_str(), s.name.as_str()), ("srcu-fenced-cpu", "SRCU fenced/cpu"));
/// ```
pub fn srcu(flavor: Flavor, choice: SlotChoice) -> Scheme {
    let active = Srcu::with_options(srcu::Options::DEFAULT.flavor(flavor).slots(choice)).flavor();
    let slots = slots_word(choice);
    let asked = flavor_word(flavor);
    let mut name = format!("SRCU {asked}/{slots}");
    if active != flavor {
        name.push_str(&format!(" (runs {})", flavor_word(active)));
    }
    Scheme::ours(format!("srcu-{asked}-{slots}"), name)
}

fn mode_words(mode: Mode) -> (String, String) {
    match mode {
        // `Mode::Default` is GUS's fenced read side with an advance per write; the row named
        // `default` is the domain `Gus::new()` builds, whatever mode that is.
        Mode::Default => ("fenced".into(), "fenced".into()),
        Mode::Deferred(n) => (format!("deferred{n}"), format!("deferred({n})")),
        Mode::Lazy => ("lazy".into(), "lazy".into()),
    }
}

/// A GUS mode's description; its name says when the domain fell back to another mode.
/// `Mode::Default`, the fenced read side, is `gus-fenced` ("GUS fenced"): `gus-default` is
/// [`gus_default`], the domain `Gus::new()` builds.
///
/// ```
/// let s = benches::schemes::gus(gus::Mode::Deferred(8));
/// assert_eq!((s.id.as_str(), s.name.as_str()), ("gus-deferred8", "GUS deferred(8)"));
/// assert_eq!(benches::schemes::gus(gus::Mode::Default).id, "gus-fenced");
/// ```
pub fn gus(mode: Mode) -> Scheme {
    let active = Gus::with_options(gus::Options::DEFAULT.mode(mode)).mode();
    let (id, asked) = mode_words(mode);
    let mut name = format!("GUS {asked}");
    if active != mode {
        name.push_str(&format!(" (runs {})", mode_words(active).1));
    }
    Scheme::ours(format!("gus-{id}"), name)
}
