#!/usr/bin/env bash
# GUS configurations beyond the default build: the whole gus suite (unit, doc, proptest and
# stress tests) with 32-bit sequences (what targets without 64-bit atomics get), with every
# domain's clocks starting just below the wrap point, and with both; then the lazy mode's
# fallback where membarrier is refused, and the 32-bit core-only build.
set -euo pipefail
cd "$(dirname "$0")/../.."
for features in seq32 near-wrap seq32,near-wrap; do
    echo "--> gus --features $features"
    cargo test -p gus --features "$features"
done
echo "--> gus with membarrier refused (lazy domains fall back to the default mode)"
RECLAIM_NO_MEMBARRIER=1 cargo test -p gus --lib --test stress
echo "--> gus core only, 32-bit sequences, near the wrap"
cargo test -p gus --no-default-features --features seq32,near-wrap --lib
