//! This workspace's schemes, as handed to the `compare` program.
//!
//! ```
//! struct Count(usize);
//! impl benches::schemes::SchemeVisitor for Count {
//!     fn visit<R: reclaim::Reclaim + 'static>(&mut self, _: &str, _: &dyn Fn() -> R) {
//!         self.0 += 1;
//!     }
//! }
//! let mut c = Count(0);
//! benches::ours::for_each(&mut c);
//! ```

use crate::schemes::SchemeVisitor;

/// Hands SRCU's and GUS's configurations to `visitor`.
///
/// (Filled in as the `srcu` and `gus` crates land their APIs.)
///
/// ```
/// struct Skip;
/// impl benches::schemes::SchemeVisitor for Skip {
///     fn visit<R: reclaim::Reclaim + 'static>(&mut self, _: &str, _: &dyn Fn() -> R) {}
/// }
/// benches::ours::for_each(&mut Skip);
/// ```
pub fn for_each(visitor: &mut impl SchemeVisitor) {
    let _ = visitor;
}
