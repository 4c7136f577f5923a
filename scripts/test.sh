#!/usr/bin/env bash
# The test command: unit tests, then the real binary against a moto server
# (installed here if missing). Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
MOTO_PYTHON=$(scripts/install-test-deps.sh)
export MOTO_PYTHON
cargo test --locked "$@"
