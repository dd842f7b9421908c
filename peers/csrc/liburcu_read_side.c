/*
 * liburcu's memb read side as C users get it: with _LGPL_SOURCE, urcu_memb_read_lock() and
 * urcu_memb_read_unlock() are the header's static inline fast paths, not calls into the shared
 * library. Rust cannot inline C, so the benches time this loop here and compare its cost per
 * pair with the other schemes' read sections.
 */
#define _LGPL_SOURCE
#include <stdint.h>
#include <time.h>
#include <urcu/urcu-memb.h>

/*
 * Runs `iters` empty read-side sections on the calling thread, which must be registered with
 * liburcu's memb flavor and outside any section, and returns the nanoseconds they took.
 */
uint64_t peers_liburcu_memb_read_side_ns(uint64_t iters)
{
	struct timespec start, end;
	uint64_t i;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < iters; i++) {
		urcu_memb_read_lock();
		urcu_memb_read_unlock();
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	return (uint64_t)(end.tv_sec - start.tv_sec) * 1000000000u
		+ (uint64_t)end.tv_nsec - (uint64_t)start.tv_nsec;
}
