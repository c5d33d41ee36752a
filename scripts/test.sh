#!/usr/bin/env bash
# README command 2: install what is missing, build, check the layers, run every test.
source "$(dirname "$0")/lib/setup.sh"
ensure_node_modules
build
build_console
ensure_chromium
ensure_docker_engine
ensure_busybox
ensure_session_manager_plugin
ensure_aws_cli_v2
ensure_postgres
ensure_extra_engines 3
ensure_tls_engine
say "checking layer rules (dependency-cruiser)"
npx depcruise src --config .dependency-cruiser.cjs --validate --output-type err
say "running tests"
# The SDK warns on every test process that its releases after January 2027 need Node 22; the
# lockfile pins today's releases, which support Node 20, so the warning is only noise here.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
exec node --test --test-concurrency=4 --test-reporter=spec dist/
