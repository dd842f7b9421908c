//! Wrap-safe sequence numbers.
//!
//! Grace-period clocks only grow, and eventually wrap. Two values are compared by the sign of
//! their wrapping difference, as TCP compares sequence numbers: `a` is before `b` when
//! `(a - b) as signed < 0`. The comparison is right as long as the two values are less than half
//! the sequence space apart; every scheme keeps its clocks within that distance (GUS bounds
//! `wr_seq - rd_seq` explicitly, SRCU's cookies are at most a few grace periods apart).
//!
//! Tests start clocks just below the wrap point (see [`Sequence::NEAR_WRAP`]) so that every
//! comparison in a scheme also runs across the wrap.
//!
//! ```
//! use gracepoint_reclaim::scheme::seq::Sequence;
//! let before_wrap = u32::MAX - 1;
//! let after_wrap = before_wrap.wrapping_add(4);
//! assert!(before_wrap.seq_lt(after_wrap));
//! assert!(after_wrap.seq_gt(before_wrap));
//! assert_eq!(before_wrap.seq_max(after_wrap), after_wrap);
//! ```

/// An unsigned integer used as a wrapping sequence number.
///
/// Code generic over the width runs the same on 32-bit and 64-bit clocks:
/// ```
/// use gracepoint_reclaim::scheme::seq::Sequence;
/// fn passed<S: Sequence>(clock: S, goal: S) -> bool {
///     goal.seq_le(clock)
/// }
/// assert!(passed(5u32, 3));
/// assert!(passed(2u64, u64::MAX)); // the clock wrapped past the goal
/// assert!(!passed(u32::NEAR_WRAP, u32::NEAR_WRAP.wrapping_add(2000)));
/// ```
pub trait Sequence: Copy + Eq + core::fmt::Debug {
    /// Half the sequence space: two values further apart than this cannot be compared.
    const HALF: Self;
    /// A value a little below the wrap point, for tests that run a clock across the wrap.
    const NEAR_WRAP: Self;
    /// The wrapping difference `self - other`.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::seq::Sequence;
    /// assert_eq!(2u32.seq_diff(u32::MAX), 3);
    /// assert!(5u64.seq_diff(1) < u64::HALF); // within comparable distance
    /// ```
    fn seq_diff(self, other: Self) -> Self;
    /// True when `self` comes strictly before `other`.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::seq::Sequence;
    /// assert!(u64::MAX.seq_lt(0));
    /// assert!(!7u32.seq_lt(7));
    /// ```
    fn seq_lt(self, other: Self) -> bool;
    /// True when `self` comes before or equals `other`.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::seq::Sequence;
    /// assert!(7u32.seq_le(7));
    /// assert!(u32::MAX.seq_le(1));
    /// ```
    #[inline]
    fn seq_le(self, other: Self) -> bool {
        !other.seq_lt(self)
    }
    /// True when `self` comes strictly after `other`.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::seq::Sequence;
    /// assert!(1usize.seq_gt(usize::MAX));
    /// assert!(!1usize.seq_gt(1));
    /// ```
    #[inline]
    fn seq_gt(self, other: Self) -> bool {
        other.seq_lt(self)
    }
    /// True when `self` comes after or equals `other`.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::seq::Sequence;
    /// assert!(0u64.seq_ge(u64::MAX));
    /// assert!(3u64.seq_ge(3));
    /// ```
    #[inline]
    fn seq_ge(self, other: Self) -> bool {
        !self.seq_lt(other)
    }
    /// The later of the two values.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::seq::Sequence;
    /// assert_eq!(u32::MAX.seq_max(4), 4); // 4 comes after the wrap
    /// assert_eq!(9u32.seq_max(4), 9);
    /// ```
    #[inline]
    fn seq_max(self, other: Self) -> Self {
        if self.seq_lt(other) { other } else { self }
    }
    /// The earlier of the two values.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::seq::Sequence;
    /// assert_eq!(u32::MAX.seq_min(4), u32::MAX);
    /// assert_eq!(9u32.seq_min(4), 4);
    /// ```
    #[inline]
    fn seq_min(self, other: Self) -> Self {
        if self.seq_lt(other) { self } else { other }
    }
}

macro_rules! impl_sequence {
    ($($unsigned:ty => $signed:ty),*) => {$(
        impl Sequence for $unsigned {
            const HALF: Self = <$unsigned>::MAX / 2 + 1;
            const NEAR_WRAP: Self = <$unsigned>::MAX - 1000;
            #[inline]
            fn seq_diff(self, other: Self) -> Self {
                self.wrapping_sub(other)
            }
            #[inline]
            fn seq_lt(self, other: Self) -> bool {
                (self.wrapping_sub(other) as $signed) < 0
            }
        }
    )*};
}

impl_sequence!(u32 => i32, u64 => i64, usize => isize);

#[cfg(test)]
mod tests {
    use super::Sequence;
    use proptest::prelude::*;
    use std::prelude::rust_2024::*;

    #[test]
    fn ordering_across_the_wrap() {
        let a = u64::MAX;
        let b = a.wrapping_add(1);
        assert!(a.seq_lt(b));
        assert!(!b.seq_lt(a));
        assert!(a.seq_le(a));
        assert_eq!(a.seq_min(b), a);
        assert_eq!(b.seq_diff(a), 1);
    }

    proptest! {
    // Fewer cases under Miri, and no regression file there.
    #![proptest_config(crate::proptest_config::miri_aware())]

        #[test]
        fn lt_matches_offset_sign(base in any::<u32>(), d in 1u32..(1u32 << 31)) {
            let later = base.wrapping_add(d);
            prop_assert!(base.seq_lt(later));
            prop_assert!(later.seq_gt(base));
            prop_assert!(!later.seq_le(base));
            prop_assert_eq!(base.seq_max(later), later);
            prop_assert_eq!(later.seq_diff(base), d);
        }

        #[test]
        fn lt_is_a_strict_order_within_half(base in any::<u64>(), a in 0u64..(1 << 40), b in 0u64..(1 << 40)) {
            let (x, y) = (base.wrapping_add(a), base.wrapping_add(b));
            prop_assert_eq!(x.seq_lt(y), a < b);
            prop_assert_eq!(x.seq_le(y), a <= b);
        }
    }
}
