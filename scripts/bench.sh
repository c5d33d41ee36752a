#!/usr/bin/env bash
# npm run bench: build, then run each benchmark in bench/ and print its table.
source "$(dirname "$0")/lib/setup.sh"
ensure_node_modules
build
# wrk (C) drives the load so the generator is not what is measured.
if ! command -v wrk >/dev/null && is_debian_root; then apt_install wrk; fi
# nginx, which the load balancer benchmark compares Wharf's proxy with.
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ] && is_debian_root; then apt_install nginx-light; fi
# The distribution registry the registry benchmark compares Wharf's with.
if ! command -v docker-registry >/dev/null && is_debian_root; then apt_install docker-registry; fi
ensure_postgres # the tests' PostgreSQL server (exports WHARF_TEST_POSTGRES), for bench/store-postgres.mjs
for bench in bench/*.mjs; do
  say "benchmark: $bench"
  node "$bench"
done
