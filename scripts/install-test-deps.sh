#!/usr/bin/env bash
# Makes sure a Python with the pinned moto[server] exists and prints its path.
# Uses the system python3 when it already has the pinned version; otherwise
# installs into target/moto-venv (MOTO_FORCE_VENV=1 forces that path).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
want=$(sed -n 's/^moto\[server\]==//p' "$root/scripts/requirements-test.txt")
has_moto() {
  "$1" - "$want" <<'PY' 2>/dev/null
import sys
import moto, flask, flask_cors, boto3, jsonschema, yaml, parliament, cbor2  # noqa: F401  (server extras included; parliament lints policies; cbor2 for CloudWatch)
sys.exit(0 if moto.__version__ == sys.argv[1] else 1)
PY
}
if [ "${MOTO_FORCE_VENV:-0}" != 1 ] && has_moto python3; then
  command -v python3
  exit 0
fi
venv="$root/target/moto-venv"
if [ -x "$venv/bin/python" ] && has_moto "$venv/bin/python"; then
  echo "$venv/bin/python"
  exit 0
fi
echo "installing moto[server]==$want into $venv ..." >&2
python3 -m venv "$venv" >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$root/scripts/requirements-test.txt" >&2
has_moto "$venv/bin/python" || { echo "moto[server]==$want did not install into $venv" >&2; exit 1; }
echo "$venv/bin/python"
