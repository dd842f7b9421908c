#!/usr/bin/env bash
# SRCU under the test configurations (compiler flags, each in its own target directory):
# - every domain's grace-period sequence starting just below the wrap point;
# - membarrier refused, so that every domain asking for the Fast flavor runs the Fenced fallback.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUSTFLAGS="--cfg reclaim_near_wrap" CARGO_TARGET_DIR=target/cfg-near-wrap cargo test -p gracepoint-srcu
RUSTFLAGS="--cfg reclaim_no_membarrier" CARGO_TARGET_DIR=target/cfg-no-membarrier \
    cargo test -p gracepoint-srcu --tests
