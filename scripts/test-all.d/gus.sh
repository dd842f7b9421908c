#!/usr/bin/env bash
# GUS configurations beyond the default build. Each is a compiler flag (no dependent crate can
# turn one on), built in its own target directory so the configurations do not rebuild each
# other:
#   reclaim_seq32       32-bit sequences (what targets without 64-bit atomics get);
#   reclaim_near_wrap   the INVARIANTS-style configuration: clocks start just below the wrap,
#                       with a large increment and a short distance bound;
#   both together;
#   reclaim_no_membarrier  membarrier refused: lazy domains fall back to the default mode
#                       (unit and stress tests only: the rest does not depend on it);
# then the core-only build (no std, no alloc) with 32-bit sequences near the wrap.
set -euo pipefail
cd "$(dirname "$0")/../.."
run() {
    local dir=$1 flags=$2
    shift 2
    echo "--> gus with $flags: cargo test -p gracepoint-gus $*"
    RUSTFLAGS="$flags" CARGO_TARGET_DIR="target/$dir" cargo test -q -p gracepoint-gus "$@"
}
run cfg-seq32 "--cfg reclaim_seq32"
run cfg-near-wrap "--cfg reclaim_near_wrap"
run cfg-seq32-near-wrap "--cfg reclaim_seq32 --cfg reclaim_near_wrap"
run cfg-no-membarrier "--cfg reclaim_no_membarrier" --lib --test stress
run cfg-seq32-near-wrap "--cfg reclaim_seq32 --cfg reclaim_near_wrap" --no-default-features --lib
