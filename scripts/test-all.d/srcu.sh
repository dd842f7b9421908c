#!/usr/bin/env bash
# SRCU: run its tests again with `membarrier` refused (RECLAIM_NO_MEMBARRIER is read before the
# first probe), so every domain that asks for the Fast flavor runs the Fenced fallback.
set -euo pipefail
RECLAIM_NO_MEMBARRIER=1 cargo test -p srcu --tests
