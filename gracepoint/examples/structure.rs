//! A lock-free hash map shared by threads, over an SRCU domain: no `unsafe` in sight.
//!
//! `cargo run -p gracepoint --example structure`

use gracepoint::srcu::Srcu;
use gracepoint::structures::HashMap;

fn main() {
    let map = HashMap::new(Srcu::new(), 1024);
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let map = &map;
            s.spawn(move || {
                for k in (t..4000).step_by(4) {
                    map.insert(k, k * 10).unwrap();
                }
                for k in (t..4000).step_by(8) {
                    assert!(map.remove(&k));
                }
            });
        }
    });
    assert_eq!(map.len(), 2000);
    // Keys 0..4000 went in; those that are 0-3 modulo 8 came out again.
    let value = map.get(&4).map(|v| *v);
    println!(
        "{} keys; key 4 -> {value:?}; key 0 removed: {}",
        map.len(),
        !map.contains(&0)
    );
    assert_eq!(value, Some(40));
}
