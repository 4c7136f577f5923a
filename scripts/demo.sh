#!/usr/bin/env bash
# The whole workflow against a local AWS emulator it starts itself:
# create-stack -> plan -> apply -> apply again -> change -> plan -> apply,
# then a service (create-service, status), a one-off task (run-task, logs),
# a worker stack (queue, bucket, secrets, EFS, schedule), destroy, and last
# a web stack: two https services behind one load balancer, with validated
# certificates, DNS, WAF and autoscaling, ending with the service's URL.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
echo "== building fargate-stack"
cargo build --quiet
bin="$root/target/debug/fargate-stack"
# The web stack's domains live in a public hosted zone for example.com.
SEED_ARGS="--zone example.com"
source "$root/scripts/moto_env.sh"
echo "== emulator on $AWS_ENDPOINT_URL, seeded with a VPC (IGW + NAT), subnets and an ECR image:"
echo "   $SEED_JSON"
work=$(mktemp -d)
cd "$work"
step() { echo; echo "== \$ fargate-stack $*"; "$bin" "$@"; }

step create-stack demo daemon:web image:helloworld env:GREETING=hello task:report image:helloworld
step plan -c demo.yml
step apply -c demo.yml --yes
step apply -c demo.yml --yes
echo; echo "== the config now records what was discovered and created:"; cat demo.yml

step create-service -c demo.yml web
step status -c demo.yml

sed -i 's/GREETING: hello/GREETING: bonjour/' demo.yml
step plan -c demo.yml
step apply -c demo.yml --yes
step update-service -c demo.yml web

# The emulator runs no containers; tell it what the report task prints and
# how it exits, as a real container would.
moto_outcome '{"family": "report", "exit_code": 0, "log_lines": ["report: 42 rows", "report: done"]}'
step run-task -c demo.yml report --poll-time 200ms
step list-tasks -c demo.yml stopped
step logs -c demo.yml report 10m
step tasks -c demo.yml

# A worker stack: a queue with its dead-letter queue, a bucket, a secret and
# a parameter, an EFS mount and a nightly schedule. The secret, parameter
# and file system must exist first; make them in the emulator.
fs_id=$("$MOTO_PYTHON" "$root/scripts/seed_worker.py" "$SEED_JSON")
sed "s/fs-0123456789abcdef0/$fs_id/" "$root/examples/worker.yml" > worker.yml
step plan -c worker.yml
step apply -c worker.yml --yes
step apply -c worker.yml --yes
step disable-scheduled-task -c worker.yml nightly
step destroy -c worker.yml --yes

step destroy -c demo.yml --dryrun
step destroy -c demo.yml --yes
echo; echo "== after destroy the config keeps your settings, without the recorded IDs:"; cat demo.yml
# The web stack. The emulator issues a certificate 2 s after it is
# requested (MOTO_ACM_VALIDATION_WAIT); apply waits for it, with progress.
cp "$root/examples/web.yml" web.yml
step plan -c web.yml
step apply -c web.yml --yes
step apply -c web.yml --yes
step create-service -c web.yml web --poll-time 200ms
step create-service -c web.yml api --poll-time 200ms
step status -c web.yml web
echo; echo "== demo finished; files are in $work"
echo "== the web service answers at https://www.example.com/ (and the api at https://api.example.com/)"
