//! An opt-in background reclaimer: a thread that frees a domain's retired objects when nobody
//! else calls into the domain (liburcu's `call_rcu` thread is the model).
//!
//! No domain in this workspace starts a thread of its own: retired objects are freed by later
//! calls into the domain (`retire`, `synchronize`, `barrier`, ...). A program that retires and
//! then goes quiet for a long time, or that wants frees off its own threads, starts one of these
//! explicitly; it stops when its handle drops (or with [`BackgroundReclaimer::stop`]).
//!
//! ```
//! # use gracepoint_reclaim as gracepoint;
//! use gracepoint::{Background, BackgroundReclaimer};
//! use std::time::Duration;
//!
//! # use gracepoint_reclaim::scheme::ReaderCount as MyDomain;
//! static DOMAIN: MyDomain = MyDomain;
//! let reclaimer = BackgroundReclaimer::start(&DOMAIN, Duration::from_millis(1));
//! // ... retire into DOMAIN from any thread; the reclaimer frees what expired ...
//! reclaimer.stop();
//! ```

use crate::stall::Pending;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// A domain whose retired objects a [`BackgroundReclaimer`] can free. Every scheme in this
/// workspace implements it.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::Background;
/// /// Runs rounds until nothing waits, or gives up after `rounds`.
/// fn drain<D: Background>(domain: &D, rounds: usize) -> bool {
///     (0..rounds).any(|_| domain.reclaim_step().objects == 0)
/// }
/// # use gracepoint_reclaim::scheme::ReaderCount;
/// assert!(drain(&ReaderCount, 10));
/// ```
pub trait Background: Send + Sync {
    /// One round of background work, without waiting: takes retired objects out of bags that
    /// stayed idle since the previous round, makes sure a grace period will cover everything
    /// waiting, moves grace periods along, and frees what expired. Returns what still waits.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::{Background, Reclaim};
    /// # use gracepoint_reclaim::scheme::ReaderCount as MyDomain;
    /// let domain = MyDomain;
    /// domain.retire(Box::new([0u8; 64]));
    /// let left = domain.reclaim_step();
    /// assert_eq!((left.objects, left.bytes), (0, 0)); // nothing could hold it back
    /// ```
    fn reclaim_step(&self) -> Pending;
}

impl<D: Background + ?Sized> Background for &D {
    fn reclaim_step(&self) -> Pending {
        (**self).reclaim_step()
    }
}

impl<D: Background + ?Sized> Background for Arc<D> {
    fn reclaim_step(&self) -> Pending {
        (**self).reclaim_step()
    }
}

/// The handle of a background reclaimer thread; dropping it stops the thread and waits for it.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::BackgroundReclaimer;
/// use std::sync::Arc;
/// use std::time::Duration;
/// # use gracepoint_reclaim::scheme::ReaderCount as MyDomain;
/// let domain = Arc::new(MyDomain);
/// {
///     let _reclaimer = BackgroundReclaimer::start(Arc::clone(&domain), Duration::from_millis(1));
///     // ... retire into `domain`; the reclaimer frees what expired ...
/// } // the handle drops here: the thread stops, and lets go of its `Arc`
/// assert_eq!(Arc::strong_count(&domain), 1);
/// ```
#[derive(Debug)]
pub struct BackgroundReclaimer {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Starting and stopping the thread.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::BackgroundReclaimer;
/// use std::time::Duration;
/// # use gracepoint_reclaim::scheme::ReaderCount as MyDomain;
/// static DOMAIN: MyDomain = MyDomain;
/// let reclaimer = BackgroundReclaimer::start(&DOMAIN, Duration::from_millis(1));
/// reclaimer.stop(); // returns once the thread has finished its round
/// ```
impl BackgroundReclaimer {
    /// Starts a thread that runs [`Background::reclaim_step`] on `domain` every `interval` while
    /// objects wait, and sleeps (checking every 50 `interval`s) while none do. `domain` is
    /// `'static` (a `static` domain, a leaked one, or an `Arc`), so that it outlives the thread.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// # use gracepoint_reclaim::scheme::ReaderCount as MyDomain;
    /// let domain = Arc::new(MyDomain);
    /// let reclaimer = gracepoint::BackgroundReclaimer::start(Arc::clone(&domain), Duration::from_micros(500));
    /// drop(reclaimer); // stops the thread
    /// ```
    pub fn start<D: Background + 'static>(domain: D, interval: Duration) -> Self {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("reclaim-background".into())
            .spawn(move || {
                let (lock, wake) = &*flag;
                let mut stopped = lock.lock().unwrap_or_else(|e| e.into_inner());
                while !*stopped {
                    drop(stopped);
                    let waiting = domain.reclaim_step().objects > 0;
                    let pause = if waiting { interval } else { interval * 50 };
                    stopped = lock.lock().unwrap_or_else(|e| e.into_inner());
                    if !*stopped {
                        stopped = wake
                            .wait_timeout(stopped, pause)
                            .unwrap_or_else(|e| e.into_inner())
                            .0;
                    }
                }
            })
            .expect("reclaim: could not spawn the background reclaimer thread");
        Self {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops the thread and waits for it to finish its current round.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// # use gracepoint_reclaim::scheme::ReaderCount as MyDomain;
    /// static DOMAIN: MyDomain = MyDomain;
    /// gracepoint::BackgroundReclaimer::start(&DOMAIN, std::time::Duration::from_millis(1)).stop();
    /// ```
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        let (lock, wake) = &*self.stop;
        *lock.lock().unwrap_or_else(|e| e.into_inner()) = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            // A panic in the reclaimer (a destructor that panicked) is reported where it
            // happened; stopping still succeeds.
            let _ = thread.join();
        }
    }
}

impl Drop for BackgroundReclaimer {
    fn drop(&mut self) {
        self.halt();
    }
}
