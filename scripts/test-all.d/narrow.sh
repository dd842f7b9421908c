#!/usr/bin/env bash
# The narrow-counter configuration (docs/embedded.md): `--cfg reclaim_seq32` gives every scheme
# the 32-bit counters, sequences and tags of targets without 64-bit atomics, and
# `--cfg reclaim_near_wrap` starts them just below the wrap. The whole suite of every scheme
# runs in it (in the target directory gus.sh uses for the same flags, so nothing is built
# twice), then the loom models.
set -euo pipefail
cd "$(dirname "$0")/../.."
flags="--cfg reclaim_seq32 --cfg reclaim_near_wrap"
echo "--> every scheme with 32-bit counters near the wrap: $flags"
RUSTFLAGS="$flags" CARGO_TARGET_DIR=target/cfg-seq32-near-wrap \
    cargo test -q -p gracepoint-reclaim -p gracepoint-srcu -p gracepoint-gus -p gracepoint-epoch -p gracepoint-structures
echo "--> the loom models with 32-bit counters near the wrap"
RUSTFLAGS="--cfg loom $flags" CARGO_TARGET_DIR=target/loom-seq32 LOOM_MAX_PREEMPTIONS=${LOOM_MAX_PREEMPTIONS:-3} \
    cargo test -q --release -p loom-tests
