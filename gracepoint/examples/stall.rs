//! A stall report: one thread enters a read section and sleeps; another retires an object and
//! calls `synchronize` with a hook installed, which prints who holds the grace period back.
//!
//! `cargo run -p gracepoint --example stall`

use gracepoint::srcu::Srcu;
use std::time::Duration;

static DOMAIN: Srcu = Srcu::new();

fn main() {
    DOMAIN.on_stall(Duration::from_millis(100), |report| {
        println!("{report}");
    });
    let (entered_tx, entered_rx) = std::sync::mpsc::channel();
    let sleeper = std::thread::Builder::new()
        .name("slow-reader".into())
        .spawn(move || {
            let _guard = DOMAIN.enter();
            entered_tx.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(300));
        })
        .unwrap();
    entered_rx.recv().unwrap();
    DOMAIN.retire(Box::new([0u64; 16]));
    DOMAIN.synchronize(); // waits for the sleeper; the hook reports at 100 ms
    sleeper.join().unwrap();
    DOMAIN.barrier();
}
