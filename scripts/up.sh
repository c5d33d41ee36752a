#!/usr/bin/env bash
# README command 1: install what is missing, build, and start Wharf in the foreground.
source "$(dirname "$0")/lib/setup.sh"
ensure_node_modules
build
build_console
ensure_docker_engine
ensure_busybox
ensure_session_manager_plugin
exec node bin/wharf.js up "$@"
