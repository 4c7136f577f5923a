#!/usr/bin/env bash
# The test command: unit tests, then the real binary against a moto server
# (installed here if missing, while the tests compile). Extra arguments go to
# `cargo test`, e.g. `scripts/test.sh web` runs only the tests named *web*.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
deps_out=target/.test-deps-python
scripts/install-test-deps.sh >"$deps_out" &
deps=$!
if ! cargo test --locked --no-run "$@"; then
  wait "$deps" || true
  exit 1
fi
wait "$deps"
MOTO_PYTHON=$(cat "$deps_out")
export MOTO_PYTHON
cargo test --locked "$@"
