#!/usr/bin/env bash
# README command 2: install what is missing, build, check the layers, run every test.
source "$(dirname "$0")/lib/setup.sh"
ensure_node_modules
build
ensure_docker_engine
ensure_busybox
ensure_aws_cli_v2
say "checking layer rules (dependency-cruiser)"
npx depcruise src --config .dependency-cruiser.cjs --validate --output-type err
say "running tests"
exec node --test --test-concurrency=4 --test-reporter=spec dist/
