//! Polled grace periods: take a cookie, keep working, and free when `poll` says every reader
//! that could hold the object is gone — never blocking.
//!
//! `cargo run -p gracepoint --example polled`

use gracepoint::Reclaim;
use gracepoint::srcu::Srcu;

fn main() {
    let domain = Srcu::new();
    let (entered_tx, entered_rx) = std::sync::mpsc::channel();
    let (leave_tx, leave_rx) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|s| {
        let domain = &domain;
        s.spawn(move || {
            let _guard = domain.enter();
            entered_tx.send(()).unwrap();
            leave_rx.recv().unwrap();
        });
        entered_rx.recv().unwrap();
        let unlinked = Box::new([0u8; 256]);
        let cookie = domain.start_poll();
        let mut polls = 0;
        while !domain.poll(&cookie) {
            polls += 1;
            if polls == 10 {
                // The reader that began before the cookie is still inside: let it go.
                leave_tx.send(()).unwrap();
            }
            std::thread::yield_now();
        }
        drop(unlinked); // safe now: every section that began before `start_poll` has ended
        println!("the grace period ended after {polls} polls");
        assert!(polls >= 10);
    });
    // The same through the trait, for code written once for every scheme.
    let cookie = Reclaim::start_poll(&domain);
    while !Reclaim::poll(&domain, &cookie) {}
}
