//! Reuse without freeing: tag a live object with a goal, and hand it back only once the goal
//! has passed.
//!
//! This is FreeBSD's UMA pattern (a per-CPU bucket of freed items gets one `smr_advance()` tag
//! and is reused only after a non-blocking poll succeeds) and its inpcb pattern (tag a live
//! object, then wait before publishing it again). Readers may still hold a pointer to an
//! object that was unlinked; its memory stays valid (nothing is freed), but its contents must
//! not change under them. [`Tagged`] makes that a type: it gives no access to the value until
//! its goal has passed. [`Recycler`] keeps a FIFO of tagged objects for allocation-free reuse:
//! when nothing has expired it returns `None` and the caller allocates fresh, so memory grows
//! instead of anyone waiting.

use crate::Gus;
use crate::goal::Goal;
use reclaim::wait::WaitStrategy;

/// A value held back until `goal` has passed: no access to it before that.
///
/// ```
/// let gus = gracepoint::gus::Gus::new();
/// let reader = gus.register().unwrap();
/// let section = reader.enter();
/// let node = gus.tag(vec![1, 2, 3]); // unlinked, maybe still read by `section`
/// let node = node.try_take(&gus).unwrap_err(); // not yet
/// drop(section);
/// let mut node = node.take(&gus); // safe to overwrite and publish again
/// node.clear();
/// ```
#[derive(Debug)]
pub struct Tagged<T> {
    value: T,
    goal: Goal,
}

impl<T> Tagged<T> {
    /// Holds `value` back until `goal` (from [`Gus::advance`] after the value was unlinked).
    ///
    /// ```
    /// let gus = gracepoint::gus::Gus::new();
    /// let tagged = gracepoint::gus::Tagged::new(5, gus.advance());
    /// assert_eq!(tagged.take(&gus), 5);
    /// ```
    pub const fn new(value: T, goal: Goal) -> Self {
        Self { value, goal }
    }

    /// The goal the value waits for.
    ///
    /// ```
    /// let gus = gracepoint::gus::Gus::new();
    /// let goal = gus.advance();
    /// assert_eq!(gracepoint::gus::Tagged::new((), goal).goal(), goal);
    /// ```
    pub const fn goal(&self) -> Goal {
        self.goal
    }

    /// True once the value may be used again (a non-blocking poll).
    ///
    /// ```
    /// let gus = gracepoint::gus::Gus::new();
    /// assert!(gus.tag(1).is_ready(&gus));
    /// ```
    pub fn is_ready<const N: usize>(&self, gus: &Gus<N>) -> bool {
        gus.poll(&self.goal)
    }

    /// The value, if its goal has passed; otherwise the tagged value back.
    ///
    /// ```
    /// let gus = gracepoint::gus::Gus::new();
    /// assert_eq!(gus.tag('x').try_take(&gus).unwrap(), 'x');
    /// ```
    pub fn try_take<const N: usize>(self, gus: &Gus<N>) -> Result<T, Self> {
        if gus.poll(&self.goal) {
            Ok(self.value)
        } else {
            Err(self)
        }
    }

    /// Waits until the goal has passed and returns the value.
    ///
    /// # Panics
    /// In debug builds, when called inside a read section of `gus` on this thread.
    ///
    /// ```
    /// let gus = gracepoint::gus::Gus::new();
    /// assert_eq!(gus.tag(3u8).take(&gus), 3);
    /// ```
    #[track_caller]
    pub fn take<const N: usize>(self, gus: &Gus<N>) -> T {
        gus.wait(&self.goal);
        self.value
    }

    /// [`take`](Tagged::take) with a caller-supplied wait strategy.
    ///
    /// ```
    /// static DOMAIN: gracepoint::gus::Gus<1> = gracepoint::gus::Gus::new_fixed();
    /// let tagged = DOMAIN.tag([0u8; 16]);
    /// let buffer = tagged.take_with(&DOMAIN, &mut gracepoint::wait::Spin);
    /// assert_eq!(buffer.len(), 16);
    /// ```
    #[track_caller]
    pub fn take_with<const N: usize>(self, gus: &Gus<N>, strategy: &mut impl WaitStrategy) -> T {
        gus.wait_with(&self.goal, strategy);
        self.value
    }
}

/// Tagging values for reuse.
///
/// ```
/// let gus = gracepoint::gus::Gus::new();
/// let spare = gus.tag([0u8; 16]);
/// assert_eq!(spare.take(&gus), [0u8; 16]);
/// ```
impl<const N: usize> Gus<N> {
    /// Tags `value` with a fresh goal: call it after unlinking `value` from where readers
    /// find it.
    ///
    /// ```
    /// let gus = gracepoint::gus::Gus::new();
    /// let tagged = gus.tag(String::from("old"));
    /// assert_eq!(tagged.goal(), gus.current());
    /// ```
    pub fn tag<T>(&self, value: T) -> Tagged<T> {
        Tagged::new(value, self.advance())
    }
}

/// A FIFO of unlinked objects waiting to be reused: objects go in tagged, and come out only
/// after their goal has passed. `get` never waits.
///
/// Use one recycler with one domain: the goals it holds mean nothing to another.
///
/// ```
/// let gus = gracepoint::gus::Gus::new();
/// let pool = gracepoint::gus::Recycler::new();
/// pool.put(&gus, Box::new([0u64; 8])); // unlinked node, maybe still read
/// let node = pool.get(&gus).unwrap_or_else(|| Box::new([0; 8])); // reused once safe
/// assert_eq!(node.len(), 8);
/// ```
#[cfg(feature = "alloc")]
pub struct Recycler<T> {
    waiting: reclaim::sync::Mutex<alloc::collections::VecDeque<Tagged<T>>>,
}

#[cfg(feature = "alloc")]
impl<T> Default for Recycler<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "alloc")]
impl<T> Recycler<T> {
    reclaim::const_fn_unless_loom! {
        /// An empty recycler.
        ///
        /// ```
        /// let pool: gracepoint::gus::Recycler<u32> = gracepoint::gus::Recycler::new();
        /// assert!(pool.is_empty());
        /// ```
        pub fn new() -> Self {
            Self {
                waiting: reclaim::sync::Mutex::new(alloc::collections::VecDeque::new()),
            }
        }
    }

    /// Adds an unlinked object, tagged with a fresh goal of `gus`. Goals are taken under the
    /// recycler's lock, so they never decrease along the queue and `get` only looks at the
    /// oldest.
    ///
    /// ```
    /// let gus = gracepoint::gus::Gus::new();
    /// let pool = gracepoint::gus::Recycler::new();
    /// pool.put(&gus, 1);
    /// assert_eq!(pool.len(), 1);
    /// ```
    pub fn put<const N: usize>(&self, gus: &Gus<N>, value: T) {
        let mut waiting = self.waiting.lock();
        let tagged = gus.tag(value);
        waiting.push_back(tagged);
    }

    /// The oldest object whose goal has passed, or `None` if there is none yet (allocate a
    /// fresh one instead of waiting).
    ///
    /// ```
    /// let gus = gracepoint::gus::Gus::new();
    /// let pool = gracepoint::gus::Recycler::new();
    /// assert_eq!(pool.get(&gus), None::<u8>);
    /// pool.put(&gus, 9u8);
    /// assert_eq!(pool.get(&gus), Some(9));
    /// ```
    pub fn get<const N: usize>(&self, gus: &Gus<N>) -> Option<T> {
        let mut waiting = self.waiting.lock();
        if gus.poll(&waiting.front()?.goal) {
            waiting.pop_front().map(|tagged| tagged.value)
        } else {
            None
        }
    }

    /// How many objects wait.
    ///
    /// ```
    /// let pool: gracepoint::gus::Recycler<()> = gracepoint::gus::Recycler::new();
    /// assert_eq!(pool.len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.waiting.lock().len()
    }

    /// True when no object waits.
    ///
    /// ```
    /// let pool: gracepoint::gus::Recycler<()> = gracepoint::gus::Recycler::new();
    /// assert!(pool.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
