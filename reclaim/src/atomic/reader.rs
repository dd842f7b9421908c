//! [`Reader`]: what a [`Section`](super::Section) needs from a registered reader.

use crate::Reclaim;

/// A registered reader: a handle that owns a reader slot of its domain, so that its sections
/// need no slot lookup and its retires go through its own bag. Every scheme's `register()`
/// returns one (`SrcuReader`, `GusReader`, `EpochReader`).
///
/// [`Section::with_reader`](super::Section::with_reader) (or the reader's own `section()`)
/// makes a section on the reader: its loads, retires and deferred closures skip the
/// thread-local slot lookup, and without `std` it is the way to give a structure's operations
/// a slot of their own.
///
/// # Safety
/// [`enter`](Reader::enter) returns a read section of [`domain`](Reader::domain), and the
/// retire methods retire into that domain, with its guarantee.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::atomic::{Reader, Section};
/// // With `let domain = gracepoint::srcu::Srcu::new(); let reader = domain.register()?;`:
/// # let domain = gracepoint_reclaim::scheme::ReaderCount;
/// # let reader = gracepoint_reclaim::__private::doc_reader(&domain);
/// fn same_domain<Rd: Reader>(reader: &Rd, domain: &Rd::Domain) -> bool {
///     core::ptr::eq(reader.domain(), domain)
/// }
/// assert!(same_domain(&reader, &domain));
/// let section = Section::with_reader(&domain, &reader);
/// drop(section);
/// ```
pub unsafe trait Reader {
    /// The domain the reader belongs to.
    type Domain: Reclaim;

    /// The domain the reader belongs to.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::Reader;
    /// // With `let domain = gracepoint::gus::Gus::new(); let reader = domain.register()?;`:
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// # let reader = gracepoint_reclaim::__private::doc_reader(&domain);
    /// assert!(core::ptr::eq(Reader::domain(&reader), &domain));
    /// ```
    fn domain(&self) -> &Self::Domain;

    /// Enters a read section on the reader's own slot.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::Reader;
    /// // With `let domain = gracepoint::epoch::Epoch::new(); let reader = domain.register()?;`:
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// # let reader = gracepoint_reclaim::__private::doc_reader(&domain);
    /// drop(Reader::enter(&reader));
    /// ```
    fn enter(&self) -> <Self::Domain as Reclaim>::Guard<'_>;

    /// Retires into the reader's own bag. What the section's retire paths call; a
    /// scheme's `domain_front!` writes it.
    #[doc(hidden)]
    fn __retire(&self, item: crate::scheme::bag::Retired);
}
