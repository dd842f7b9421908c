//! Two skip lists that share one epoch domain through an `Arc`, driven with sections the
//! caller holds: one section (entered through a registered reader, so with no slot lookup)
//! serves a whole batch of operations on both lists, and `repin` lets reclamation move on
//! between batches. Nothing is leaked: the domain is freed with its last `Arc`.
//!
//! `cargo run -p gracepoint --example caller_sections`

use gracepoint::atomic::Section;
use gracepoint::epoch::Epoch;
use gracepoint::structures::SkipList;
use std::sync::Arc;

fn main() {
    let domain = Arc::new(Epoch::new());
    let evens = SkipList::new(Arc::clone(&domain));
    let odds = SkipList::new(Arc::clone(&domain));

    std::thread::scope(|s| {
        for t in 0..2u64 {
            let (domain, evens, odds) = (&domain, &evens, &odds);
            s.spawn(move || {
                let reader = domain.register().expect("a growable domain has room");
                // A section of the lists' domain, on this thread's registered reader.
                let mut section = Section::with_reader(domain, &reader);
                for batch in 0..50u64 {
                    for i in 0..20u64 {
                        let key = (batch * 20 + i) * 2 + t;
                        let list = if key % 2 == 0 { evens } else { odds };
                        list.insert_in(key, key * key, &section).unwrap();
                        if i % 4 == 0 {
                            assert!(list.remove_in(&key, &section));
                        }
                    }
                    section.repin(); // the batch's removed nodes may be freed from now on
                }
            });
        }
    });

    let section = evens.section(); // the same domain: it serves `odds` too
    let sum: u64 = (0..2000).filter_map(|k| odds.get_in(&k, &section)).sum();
    println!(
        "{} evens and {} odds left; sum of odd squares: {sum}",
        evens.len(),
        odds.len()
    );
    // Each thread inserted 1000 keys and removed every fourth: 750 left each.
    assert_eq!((evens.len(), odds.len()), (750, 750));
    drop(section);
    drop((evens, odds));
    assert_eq!(
        Arc::strong_count(&domain),
        1,
        "the lists gave their handles back"
    );
}
