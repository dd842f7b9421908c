#!/usr/bin/env bash
# Epoch under the test configurations: the global epoch starting just below the wrap point (in
# the same target directory as the other near-wrap runs).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUSTFLAGS="--cfg reclaim_near_wrap" CARGO_TARGET_DIR=target/cfg-near-wrap cargo test -p gracepoint-epoch
