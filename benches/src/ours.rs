//! This workspace's schemes, as handed to the `compare` program.
//!
//! ```
//! struct Names(Vec<String>);
//! impl benches::schemes::SchemeVisitor for Names {
//!     fn visit<R: reclaim::Reclaim + 'static>(&mut self, name: &str, _: &dyn Fn() -> R) {
//!         self.0.push(name.to_owned());
//!     }
//! }
//! let mut names = Names(Vec::new());
//! benches::ours::for_each(&mut names);
//! assert!(names.0.iter().any(|n| n.starts_with("SRCU fenced")));
//! assert!(names.0.iter().any(|n| n.starts_with("GUS default")));
//! ```

use gus::{Gus, Mode};
use srcu::{Flavor, SlotChoice, Srcu};

use crate::schemes::SchemeVisitor;

/// The display name of an SRCU configuration, saying when Fast fell back to Fenced.
///
/// ```
/// use srcu::{Flavor, SlotChoice};
/// assert_eq!(benches::ours::srcu_name(Flavor::Fenced, SlotChoice::Cpu), "SRCU fenced/cpu");
/// ```
pub fn srcu_name(flavor: Flavor, choice: SlotChoice) -> String {
    let active = Srcu::with_options(flavor, choice).flavor();
    let f = |fl: Flavor| match fl {
        Flavor::Fast => "fast",
        Flavor::Fenced => "fenced",
    };
    let c = match choice {
        SlotChoice::Thread => "thread",
        SlotChoice::Cpu => "cpu",
    };
    if active == flavor {
        format!("SRCU {}/{c}", f(flavor))
    } else {
        format!("SRCU {}/{c} (runs {})", f(flavor), f(active))
    }
}

/// The `n` of the deferred GUS mode that the benches and `compare` run.
pub const GUS_DEFERRED_N: u32 = 8;

/// The GUS modes the benches and `compare` run: default, deferred and lazy.
///
/// ```
/// assert_eq!(benches::ours::GUS_MODES.len(), 3);
/// ```
pub const GUS_MODES: [Mode; 3] = [Mode::Default, Mode::Deferred(GUS_DEFERRED_N), Mode::Lazy];

/// The display name of a GUS mode, saying when the domain fell back to another mode.
///
/// ```
/// assert_eq!(benches::ours::gus_name(gus::Mode::Default), "GUS default");
/// ```
pub fn gus_name(mode: Mode) -> String {
    let f = |m: Mode| match m {
        Mode::Default => "default".to_owned(),
        Mode::Deferred(n) => format!("deferred({n})"),
        Mode::Lazy => "lazy".to_owned(),
    };
    let active = Gus::with_mode(mode).mode();
    if active == mode {
        format!("GUS {}", f(mode))
    } else {
        format!("GUS {} (runs {})", f(mode), f(active))
    }
}

/// Hands SRCU's and GUS's configurations to `visitor`.
///
/// ```
/// struct Skip;
/// impl benches::schemes::SchemeVisitor for Skip {
///     fn visit<R: reclaim::Reclaim + 'static>(&mut self, _: &str, _: &dyn Fn() -> R) {}
/// }
/// benches::ours::for_each(&mut Skip);
/// ```
pub fn for_each(visitor: &mut impl SchemeVisitor) {
    for flavor in [Flavor::Fast, Flavor::Fenced] {
        for choice in [SlotChoice::Thread, SlotChoice::Cpu] {
            visitor.visit(&srcu_name(flavor, choice), &move || {
                Srcu::with_options(flavor, choice)
            });
        }
    }
    for mode in GUS_MODES {
        visitor.visit(&gus_name(mode), &move || Gus::with_mode(mode));
    }
}
