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
//! ```

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
}
