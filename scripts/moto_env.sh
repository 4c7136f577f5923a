# Sourced by the demo and the benchmark: starts the patched moto server on a
# free loopback port, seeds it, and points the AWS SDK at it. Stops it on exit.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MOTO_PYTHON=$("$root/scripts/install-test-deps.sh")
port=$("$MOTO_PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_log=$(mktemp)
MOTO_ACM_VALIDATION_WAIT=${MOTO_ACM_VALIDATION_WAIT:-2} "$MOTO_PYTHON" "$root/scripts/moto_server.py" -H 127.0.0.1 -p "$port" >"$moto_log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null; wait $moto_pid 2>/dev/null' EXIT
export AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
       AWS_REGION=us-east-1 AWS_MAX_ATTEMPTS=1 AWS_EC2_METADATA_DISABLED=true
for _ in $(seq 200); do
  if "$MOTO_PYTHON" -c "import urllib.request,sys; urllib.request.urlopen('$AWS_ENDPOINT_URL/moto-api/')" 2>/dev/null; then break; fi
  sleep 0.1
done
SEED_JSON=$("$MOTO_PYTHON" "$root/scripts/seed_moto.py" ${SEED_ARGS:-})
# Tells the emulator how a family's containers (or a service's rollout) turn
# out, since moto runs no containers: moto_outcome '{"family": "report", ...}'.
moto_outcome() {
  "$MOTO_PYTHON" -c "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + '/_fargate_stack/outcome', data=sys.argv[2].encode(), method='POST'))" \
    "$AWS_ENDPOINT_URL" "$1"
}
