//! Shared pieces of the loom models in `tests/`: an object whose "free" loom can see, a
//! pointer pair that a writer swaps, and a way to run models one at a time. The models
//! themselves live in `tests/`, and run only with `RUSTFLAGS="--cfg loom"`.
//!
//! An object's contents (`model::Ptr`) are a loom `UnsafeCell`: "freeing" writes a poison value
//! through it, so a read after the free, or concurrent with it (loom reports the missing
//! happens-before as a causality violation), fails the model. The memory itself is released
//! only after every thread has joined, so a wrong answer never touches freed memory for real.
#![cfg_attr(not(loom), allow(unused))]

#[cfg(loom)]
pub mod model {
    //! What every model shares. See the crate docs.
    use loom::cell::UnsafeCell;

    const LIVE: u64 = 0x5afe;
    const POISON: u64 = 0xdead;

    /// An object readers may still hold.
    struct Object {
        data: UnsafeCell<u64>,
    }

    /// A raw object pointer that may cross threads (the models synchronise its uses).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Ptr(pub *mut ());

    // SAFETY: only used under the protocol each model checks.
    unsafe impl Send for Ptr {}
    unsafe impl Sync for Ptr {}

    impl Ptr {
        /// A fresh, live object.
        #[allow(clippy::new_without_default)]
        pub fn new() -> Self {
            Ptr(Box::into_raw(Box::new(Object {
                data: UnsafeCell::new(LIVE),
            }))
            .cast())
        }

        fn object(self) -> *mut Object {
            self.0.cast()
        }

        /// What a reader does: read the object and check it was not freed.
        #[track_caller]
        pub fn read(self) {
            // SAFETY: the allocation lives until `release`; the cell access is what the model
            // checks.
            let value = unsafe { (*self.object()).data.with(|v| *v) };
            assert_eq!(value, LIVE, "read an object after it was freed");
        }

        /// What a writer does after a grace period: "free" the object.
        pub fn poison(self) {
            // SAFETY: as in `read`.
            unsafe { (*self.object()).data.with_mut(|v| *v = POISON) };
        }

        /// Really frees it, once every thread has joined.
        pub fn release(self) {
            // SAFETY: made by `new`, released once.
            drop(unsafe { Box::from_raw(self.object()) });
        }
    }

    /// A shared pointer to a first object, and the replacement a writer swaps in.
    pub struct Shared {
        slot: loom::sync::atomic::AtomicPtr<()>,
        first: Ptr,
        second: Ptr,
    }

    impl Shared {
        /// A fresh pair, leaked so that the model's threads can borrow it for `'static`;
        /// `release` frees it.
        #[allow(clippy::new_ret_no_self)]
        pub fn new() -> &'static Shared {
            let first = Ptr::new();
            Box::leak(Box::new(Shared {
                slot: loom::sync::atomic::AtomicPtr::new(first.0),
                first,
                second: Ptr::new(),
            }))
        }

        /// What a reader does: load the current object.
        pub fn load(&self) -> Ptr {
            Ptr(self.slot.load(loom::sync::atomic::Ordering::Acquire))
        }

        /// Unlinks the first object; returns it.
        pub fn swap(&self) -> Ptr {
            Ptr(self
                .slot
                .swap(self.second.0, loom::sync::atomic::Ordering::AcqRel))
        }

        /// Frees both objects and the pair, once every thread has joined.
        pub fn release(&'static self) {
            self.first.release();
            self.second.release();
            // SAFETY: from `Box::leak` in `new`; every thread has joined.
            drop(unsafe { Box::from_raw(self as *const Shared as *mut Shared) });
        }
    }

    /// The reader every model of a use after free runs: a thread that enters a section of
    /// `domain` (through `Reclaim::enter`, as any user's generic code would), loads the shared
    /// object, reads it (which fails the model if it was freed), and leaves.
    pub fn reader_model<R: reclaim::Reclaim + 'static>(
        domain: &'static R,
        shared: &'static Shared,
    ) -> loom::thread::JoinHandle<()> {
        loom::thread::spawn(move || {
            let guard = domain.enter();
            shared.load().read();
            drop(guard);
        })
    }

    /// A loom builder with `preemptions` as its bound, unless `LOOM_MAX_PREEMPTIONS` says
    /// otherwise.
    pub fn builder(preemptions: usize) -> loom::model::Builder {
        let mut builder = loom::model::Builder::new();
        if builder.preemption_bound.is_none() {
            builder.preemption_bound = Some(preemptions);
        }
        builder
    }

    /// Runs one model at a time. Reader slots come from `reclaim::thread_id`, a process-wide
    /// pool: models running in parallel test threads would hand each other's threads different
    /// ids from one execution to the next, and loom requires every execution of a model to be
    /// deterministic. Each execution starts with the pool empty (under loom, ids are not reused
    /// within an execution: see `reclaim`'s thread module).
    pub fn check_with(builder: loom::model::Builder, model: impl Fn() + Sync + Send + 'static) {
        static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _serial = SERIAL
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        builder.check(move || {
            reclaim::__private::reset_thread_ids_for_loom();
            model()
        });
    }
}
