#!/usr/bin/env bash
# The whole workflow against a local AWS emulator it starts itself:
# create-stack -> plan -> apply -> apply again -> change -> plan -> apply.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
echo "== building fargate-stack"
cargo build --quiet
bin="$root/target/debug/fargate-stack"
source "$root/scripts/moto_env.sh"
echo "== emulator on $AWS_ENDPOINT_URL, seeded with a VPC (IGW + NAT), subnets and an ECR image:"
echo "   $SEED_JSON"
work=$(mktemp -d)
cd "$work"
step() { echo; echo "== \$ fargate-stack $*"; "$bin" "$@"; }

step create-stack demo daemon:web image:helloworld env:GREETING=hello
step plan -c demo.yml
step apply -c demo.yml --force
step apply -c demo.yml --force
echo; echo "== the config now records what was discovered and created:"; cat demo.yml
sed -i 's/GREETING: hello/GREETING: bonjour/' demo.yml
step plan -c demo.yml
step apply -c demo.yml --force
echo; echo "== demo finished; files are in $work"
