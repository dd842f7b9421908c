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

use std::sync::Arc;
use std::time::Duration;

use gus::{Gus, Mode};
use peers::{CrossbeamEpoch, Liburcu, Mapping, Peer, Sdd, Seize};
use reclaim::Reclaim;
use srcu::{Flavor, SlotChoice, Srcu};

/// Hands every scheme to `visitor`: SRCU's four configurations, GUS's three modes, then the
/// peers (crossbeam-epoch, seize, sdd, and liburcu when this build found it).
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
    for (flavor, choice) in SRCU_CONFIGS {
        v.visit(&srcu(flavor, choice), move || {
            Srcu::with_options(flavor, choice)
        });
    }
    for mode in GUS_MODES {
        v.visit(&gus(mode), move || Gus::with_mode(mode));
    }
    v.visit(&Scheme::peer::<CrossbeamEpoch>(), || CrossbeamEpoch);
    v.visit(&Scheme::peer::<Seize>(), Seize::new);
    v.visit(&Scheme::peer::<Sdd>(), || Sdd);
    if let Ok(urcu) = Liburcu::try_new() {
        let inline = move |iters| urcu.time_inline_read_side(iters);
        v.visit(
            &Scheme::peer::<Liburcu>().with_native_read_side(inline),
            move || urcu,
        );
    }
}

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

/// A timed loop over a scheme's read side in its own language: `iters` sections, and the time
/// they took.
///
/// ```
/// let loop_in_c: benches::schemes::NativeReadSide =
///     std::sync::Arc::new(|iters| std::time::Duration::from_nanos(iters));
/// assert_eq!(loop_in_c(5).as_nanos(), 5);
/// ```
pub type NativeReadSide = Arc<dyn Fn(u64) -> Duration + Send + Sync>;

/// What the benches need to know about one scheme besides its type.
///
/// ```
/// let s = benches::schemes::Scheme::ours("x", "X");
/// assert_eq!((s.id.as_str(), s.name.as_str()), ("x", "X"));
/// assert!(s.native_read_side.is_none());
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
    /// The scheme's read side timed in its own language, where the trait path adds a cost its
    /// users do not pay (liburcu's inline C fast path behind an FFI call).
    pub native_read_side: Option<NativeReadSide>,
}

impl Scheme {
    /// One of this workspace's schemes: every operation native.
    ///
    /// ```
    /// let s = benches::schemes::Scheme::ours("gus-default", "GUS default");
    /// assert_eq!(s.origin, benches::schemes::Origin::Ours);
    /// ```
    pub fn ours(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            origin: Origin::Ours,
            mapping: Mapping::NATIVE,
            native_read_side: None,
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
            native_read_side: None,
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

    /// The same scheme, with its read side also timed by `read_side`.
    ///
    /// ```
    /// let s = benches::schemes::Scheme::ours("x", "X")
    ///     .with_native_read_side(|n| std::time::Duration::from_nanos(n));
    /// assert!(s.native_read_side.is_some());
    /// ```
    pub fn with_native_read_side(
        mut self,
        read_side: impl Fn(u64) -> Duration + Send + Sync + 'static,
    ) -> Self {
        self.native_read_side = Some(Arc::new(read_side));
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

/// An SRCU configuration's description; its name says when Fast fell back to Fenced.
///
/// ```
/// use srcu::{Flavor, SlotChoice};
/// let s = benches::schemes::srcu(Flavor::Fenced, SlotChoice::Cpu);
/// assert_eq!((s.id.as_str(), s.name.as_str()), ("srcu-fenced-cpu", "SRCU fenced/cpu"));
/// ```
pub fn srcu(flavor: Flavor, choice: SlotChoice) -> Scheme {
    let active = Srcu::with_options(flavor, choice).flavor();
    let slots = match choice {
        SlotChoice::Thread => "thread",
        SlotChoice::Cpu => "cpu",
    };
    let asked = flavor_word(flavor);
    let mut name = format!("SRCU {asked}/{slots}");
    if active != flavor {
        name.push_str(&format!(" (runs {})", flavor_word(active)));
    }
    Scheme::ours(format!("srcu-{asked}-{slots}"), name)
}

fn mode_words(mode: Mode) -> (String, String) {
    match mode {
        Mode::Default => ("default".into(), "default".into()),
        Mode::Deferred(n) => (format!("deferred{n}"), format!("deferred({n})")),
        Mode::Lazy => ("lazy".into(), "lazy".into()),
    }
}

/// A GUS mode's description; its name says when the domain fell back to another mode.
///
/// ```
/// let s = benches::schemes::gus(gus::Mode::Deferred(8));
/// assert_eq!((s.id.as_str(), s.name.as_str()), ("gus-deferred8", "GUS deferred(8)"));
/// ```
pub fn gus(mode: Mode) -> Scheme {
    let active = Gus::with_mode(mode).mode();
    let (id, asked) = mode_words(mode);
    let mut name = format!("GUS {asked}");
    if active != mode {
        name.push_str(&format!(" (runs {})", mode_words(active).1));
    }
    Scheme::ours(format!("gus-{id}"), name)
}
