#!/usr/bin/env bash
# Benchmark: plan and apply of the examples against a fresh local emulator.
# Usage: scripts/bench.sh [--debug]   (release build by default)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ "${1:-}" = --debug ]; then cargo build --quiet; bin=target/debug/fargate-stack
else cargo build --quiet --release; bin=target/release/fargate-stack; fi
# web.yml's domains need a public zone; certificates are issued at once.
export SEED_ARGS="--zone example.com" MOTO_ACM_VALIDATION_WAIT=0
source "$root/scripts/moto_env.sh"
SEED_JSON="$SEED_JSON" "$MOTO_PYTHON" "$root/scripts/bench.py" "$root/$bin"
