# Shared set-up for the README's two commands: install what is missing, build,
# and make sure a Docker engine answers. Sourced by up.sh and test.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

say() { printf '\033[1m[wharf]\033[0m %s\n' "$*" >&2; }

is_debian_root() { [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }

APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" = 0 ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_node_modules() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm dependencies (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

build() {
  say "compiling TypeScript"
  rm -rf dist
  npx tsc -p tsconfig.json
}

# The console (console/, its own npm package): npm ci there when its node_modules is missing or
# older than its lockfile, then `vite build` into console/dist unless nothing it is built from changed.
build_console() {
  if [ ! -d console/node_modules ] || [ console/package-lock.json -nt console/node_modules/.package-lock.json ]; then
    say "installing the console's npm dependencies (npm ci in console/)"
    (cd console && npm ci --no-audit --no-fund --loglevel=error)
  fi
  local stamp
  stamp="$(find console/src console/index.html console/vite.config.ts console/package-lock.json src/domain/exec -type f ! -name '*.test.ts' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
  if [ -f console/dist/index.html ] && [ "$(cat console/.build-stamp 2>/dev/null)" = "$stamp" ]; then return 0; fi
  say "building the console (vite build into console/dist)"
  (cd console && npx vite build --logLevel warn)
  printf '%s\n' "$stamp" > console/.build-stamp
}

# The console's browser tests drive Debian's chromium (headless) through playwright-core.
ensure_chromium() {
  if command -v chromium >/dev/null; then return 0; fi
  if ! is_debian_root; then
    say "The console tests drive a headless Chromium; install Debian's chromium package (or put chromium on PATH)."
    exit 1
  fi
  apt_install chromium
}

engine_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

ensure_docker_engine() {
  if engine_answers; then return 0; fi
  if ! is_debian_root; then
    say "No Docker engine answers. Install Docker (https://docs.docker.com/engine/install/) and start it, then run this again."
    exit 1
  fi
  command -v dockerd >/dev/null || apt_install docker.io
  command -v busybox >/dev/null || [ -x /bin/busybox ] || apt_install busybox-static
  say "starting dockerd --live-restore (log: /var/log/wharf-dockerd.log)"
  # Its own session, so it outlives the shell (and the terminal) that started it.
  setsid nohup dockerd --live-restore >>/var/log/wharf-dockerd.log 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    if engine_answers; then say "Docker engine is up"; return 0; fi
    sleep 0.5
  done
  say "dockerd did not answer within 30 s; see /var/log/wharf-dockerd.log"
  exit 1
}

ensure_busybox() {
  if [ ! -x /bin/busybox ] && is_debian_root; then apt_install busybox-static; fi
}

ensure_aws_cli_v2() {
  if [ -x /usr/bin/aws ]; then return 0; fi
  if ! is_debian_root; then
    say "The tests drive the aws CLI v2 at /usr/bin/aws; install Debian's awscli package."
    exit 1
  fi
  apt_install awscli
}

# ECS Exec: the aws CLI runs `session-manager-plugin` from PATH. Wharf's own goes there (a symlink
# into /usr/local/bin) when running as root and no other plugin is installed; otherwise one line says how.
ensure_session_manager_plugin() {
  local ours="$ROOT/bin/session-manager-plugin" link=/usr/local/bin/session-manager-plugin found
  found="$(command -v session-manager-plugin 2>/dev/null || true)"
  # A link to another checkout's plugin (an older clone, a deleted one) is re-pointed at this one,
  # so the plugin always matches the Wharf under test; AWS's own plugin is left alone.
  if [ -n "$found" ] && ! { [ "$found" = "$link" ] && [ -L "$link" ] && grep -qs "Wharf's session-manager-plugin" "$(readlink -f "$link")"; }; then
    if [ "$(readlink -f "$found")" != "$(readlink -f "$ours")" ]; then say "ECS Exec uses the session-manager-plugin at $found"; fi
    return 0
  fi
  if [ "$(readlink -f "$link" 2>/dev/null)" = "$(readlink -f "$ours")" ]; then return 0; fi
  if [ "$(id -u)" = 0 ] && [ -d /usr/local/bin ]; then
    ln -sfn "$ours" "$link"
    say "linked $link to Wharf's (for aws ecs execute-command)"
  else
    say "for aws ecs execute-command, put Wharf's plugin on PATH: sudo ln -s $ours $link"
  fi
}

# PostgreSQL for the store's PostgreSQL adapters and the several-control-planes tests: Debian's
# postgresql package, and a cluster of the tests' own (its own folder, port and trust on loopback
# only), started once and left running like dockerd. Exports WHARF_TEST_POSTGRES, the URL the
# tests connect to; each test makes and drops databases of its own under it.
WHARF_PG_PORT="${WHARF_PG_PORT:-55432}"
WHARF_PG_DIR="${WHARF_PG_DIR:-/var/lib/wharf-test-postgres}"
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
postgres_answers() { pg_isready -q -h 127.0.0.1 -p "$WHARF_PG_PORT" 2>/dev/null; }

ensure_postgres() {
  export WHARF_TEST_POSTGRES="postgres://postgres@127.0.0.1:${WHARF_PG_PORT}/postgres"
  if postgres_answers; then return 0; fi
  if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
    if ! is_debian_root; then
      say "The PostgreSQL tests need a server: install Debian's postgresql package (or start one and set WHARF_TEST_POSTGRES)."
      exit 1
    fi
    apt_install postgresql
  fi
  local bin owner=postgres
  bin="$(pg_bin)"
  id "$owner" >/dev/null 2>&1 || owner="$(id -un)"
  if [ ! -f "$WHARF_PG_DIR/PG_VERSION" ]; then
    say "initialising the tests' PostgreSQL cluster in $WHARF_PG_DIR"
    mkdir -p "$WHARF_PG_DIR"
    chown "$owner" "$WHARF_PG_DIR"
    chmod 700 "$WHARF_PG_DIR"
    run_as "$owner" "$bin/initdb" -D "$WHARF_PG_DIR" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  say "starting PostgreSQL on 127.0.0.1:$WHARF_PG_PORT (log: $WHARF_PG_DIR/server.log)"
  # Tuned for tests, not durability: a crash of the machine may lose the tests' last writes.
  run_as "$owner" "$bin/pg_ctl" -D "$WHARF_PG_DIR" -l "$WHARF_PG_DIR/server.log" -w -t 60 start \
    -o "-h 127.0.0.1 -p $WHARF_PG_PORT -k /tmp -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
  postgres_answers || { say "PostgreSQL did not start; see $WHARF_PG_DIR/server.log"; exit 1; }
}

# Runs a command as `user` (PostgreSQL refuses to run as root); as itself when it is that user.
run_as() {
  local user="$1"; shift
  if [ "$(id -un)" = "$user" ]; then "$@"; else runuser -u "$user" -- "$@"; fi
}

# Extra Docker engines, each a host of its own in miniature (the several-hosts tests): engine <i>
# is a dockerd in the network namespace wharf-eng-<i>, reached from here over a veth pair at
# tcp://10.203.<i>.2:2375 (this side 10.203.<i>.1/24), without TLS. Its default bridge is one of its
# own made beforehand inside that namespace (never docker0: `--bridge` is always given), so its
# iptables rules are that namespace's and the main engine's are never touched. State under
# $WHARF_ENGINES_DIR/<i>, log beside it in <i>.log. Started once and left running like dockerd;
# an engine that answers is left alone, a namespace or link left by a dead run is reused or rebuilt.
# Exports WHARF_TEST_ENGINES, the comma-separated tcp:// URLs, and loads the main engine's
# wharf/ and wharf-test/ images into each (the engines have no registry to pull from).
WHARF_ENGINES_DIR="${WHARF_ENGINES_DIR:-/var/lib/wharf-test-engines}"
# The one extra engine that takes only TLS clients (dockerd --tlsverify), for the remote-engine TLS test.
WHARF_TLS_ENGINE=4
extra_engine_is_tls() { [ "$1" = "$WHARF_TLS_ENGINE" ]; }
extra_engine_url() { if extra_engine_is_tls "$1"; then printf 'tcp://10.203.%s.2:2376' "$1"; else printf 'tcp://10.203.%s.2:2375' "$1"; fi; }
extra_engine_client_certs() { printf '%s/%s/tls/client' "$WHARF_ENGINES_DIR" "$1"; }
# The docker CLI against extra engine i (with the test client's certificates for the TLS engine).
extra_engine_docker() {
  local i="$1"
  shift
  if extra_engine_is_tls "$i"; then
    DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$(extra_engine_client_certs "$i")" timeout "${EXTRA_ENGINE_TIMEOUT:-0}" docker -H "$(extra_engine_url "$i")" "$@"
  else
    timeout "${EXTRA_ENGINE_TIMEOUT:-0}" docker -H "$(extra_engine_url "$i")" "$@"
  fi
}
# The subnet an extra engine's Wharf tasks get (wharf hosts add --task-subnet), routed to it from here.
extra_engine_task_subnet() { printf '10.220.%s.0/24' "$1"; }
extra_engine_answers() { EXTRA_ENGINE_TIMEOUT=5 extra_engine_docker "$1" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

ensure_extra_engines() {
  local count="${1:-1}" i urls=()
  for i in $(seq 1 "$count"); do
    ensure_extra_engine "$i"
    route_extra_engine_tasks "$i"
    load_test_images_into "$i"
    urls+=("$(extra_engine_url "$i")")
  done
  WHARF_TEST_ENGINES="$(IFS=,; printf '%s' "${urls[*]}")"
  export WHARF_TEST_ENGINES
}

ensure_extra_engine() {
  local i="$1" url dir="$WHARF_ENGINES_DIR/$1" log="$WHARF_ENGINES_DIR/$1.log" pid
  url="$(extra_engine_url "$i")"
  if extra_engine_answers "$i"; then return 0; fi
  if [ "$(id -u)" != 0 ]; then
    say "The several-hosts tests start extra Docker engines in network namespaces: run as root (or start them and set WHARF_TEST_ENGINES)."
    exit 1
  fi
  command -v dockerd >/dev/null || apt_install docker.io
  mkdir -p "$dir"
  pid="$(cat "$dir/dockerd.pid" 2>/dev/null || true)"
  if [ -n "$pid" ] && grep -qsF -- "$dir/data" "/proc/$pid/cmdline"; then
    say "wharf-engine-$i (pid $pid) is running but not answering yet; waiting"
  else
    extra_engine_network "$i"
    say "starting wharf-engine-$i at $url (log: $log)"
    # nsenter switches the network namespace alone: `ip netns exec` would also mount a fresh /sys,
    # hiding the cgroup hierarchies from dockerd. No --live-restore: stopping an extra engine stops
    # its containers, so nothing outlives it in its namespace. Its containers' default cgroup parent
    # is its own, apart from the main engine's /docker. Wharf's registry, which the several-hosts
    # tests reach at this machine's 10.203.<i>.1 over plain HTTP, is an insecure registry to it.
    local listen=(-H "tcp://10.203.$i.2:2375" --tls=false)
    if extra_engine_is_tls "$i"; then
      extra_engine_certs "$i"
      listen=(-H "tcp://10.203.$i.2:2376" --tlsverify --tlscacert "$dir/tls/ca.pem" --tlscert "$dir/tls/server/cert.pem" --tlskey "$dir/tls/server/key.pem")
    fi
    setsid nohup nsenter --net="/run/netns/wharf-eng-$i" dockerd \
      --data-root "$dir/data" --exec-root "/run/wharf-engine-$i" --pidfile "$dir/dockerd.pid" \
      -H "unix://$dir/docker.sock" "${listen[@]}" \
      --bridge "wharf-br-$i" --cgroup-parent "/wharf-engine-$i" --insecure-registry 10.203.0.0/16 \
      >>"$log" 2>&1 </dev/null &
  fi
  for _ in $(seq 1 60); do
    if extra_engine_answers "$i"; then say "wharf-engine-$i is up"; return 0; fi
    sleep 0.5
  done
  say "wharf-engine-$i did not answer at $url within 30 s; see $log"
  exit 1
}

# The namespace, the veth pair and the engine's bridge, each made only if missing (or remade when
# half of it is gone), so a run after a dead one, or after a reboot, finds them as it needs them.
extra_engine_network() {
  local i="$1" ns="wharf-eng-$1" host_if="wharf-eng-$1"
  ip netns list | grep -qw "^$ns" || ip netns add "$ns"
  if ip link show "$host_if" >/dev/null 2>&1 && ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
    ip link del "$host_if"
  fi
  if ! ip link show "$host_if" >/dev/null 2>&1; then
    ip -n "$ns" link del eth0 2>/dev/null || true
    ip link add "$host_if" type veth peer name eth0 netns "$ns"
  fi
  ip addr replace "10.203.$i.1/24" dev "$host_if"
  ip link set "$host_if" up
  ip -n "$ns" addr replace "10.203.$i.2/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  ip -n "$ns" link show "wharf-br-$i" >/dev/null 2>&1 || ip -n "$ns" link add "wharf-br-$i" type bridge
  ip -n "$ns" addr replace "10.204.$i.1/24" dev "wharf-br-$i"
  ip -n "$ns" link set "wharf-br-$i" up
}

# Task addresses on an extra engine are reached from here as a VPC routes them: its task subnet
# routed via the engine's address, and let through the engine's FORWARD chain (dockerd drops
# forwarded traffic to containers but for published ports). Both are checked before being added.
route_extra_engine_tasks() {
  local i="$1" subnet ns="/run/netns/wharf-eng-$1"
  subnet="$(extra_engine_task_subnet "$i")"
  ip route replace "$subnet" via "10.203.$i.2"
  nsenter --net="$ns" iptables -C DOCKER-USER -i eth0 -d "$subnet" -j ACCEPT 2>/dev/null ||
    nsenter --net="$ns" iptables -I DOCKER-USER -i eth0 -d "$subnet" -j ACCEPT
  # The task metadata endpoint: 169.254.170.2 is Wharf's machine, reached with the task's own
  # address (dockerd would masquerade it, and the endpoint knows its callers by address).
  nsenter --net="$ns" ip route replace 169.254.170.2/32 via "10.203.$i.1"
  nsenter --net="$ns" iptables -t nat -C POSTROUTING -s "$subnet" -d 169.254.170.2/32 -j RETURN 2>/dev/null ||
    nsenter --net="$ns" iptables -t nat -I POSTROUTING -s "$subnet" -d 169.254.170.2/32 -j RETURN
}

# The TLS engine's CA, its server certificate (for its address) and the test client's, made once;
# `done` is written last, so a half-made set is made again.
extra_engine_certs() {
  local d="$WHARF_ENGINES_DIR/$1/tls" ip="10.203.$1.2"
  [ -f "$d/done" ] && return 0
  command -v openssl >/dev/null || apt_install openssl
  rm -rf "$d"
  mkdir -p "$d/server" "$d/client"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=wharf-test-ca" -keyout "$d/ca-key.pem" -out "$d/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$ip" -keyout "$d/server/key.pem" -out "$d/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\n' "$ip" >"$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" -CAcreateserial -days 3650 -extfile "$d/server.ext" -out "$d/server/cert.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=wharf-test-client" -keyout "$d/client/key.pem" -out "$d/client.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$d/client.ext"
  openssl x509 -req -in "$d/client.csr" -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" -CAcreateserial -days 3650 -extfile "$d/client.ext" -out "$d/client/cert.pem" 2>/dev/null
  cp "$d/ca.pem" "$d/client/ca.pem"
  chmod 600 "$d/ca-key.pem" "$d/server/key.pem" "$d/client/key.pem"
  touch "$d/done"
}

# The TLS-only engine for the remote-engine TLS test; exports its URL and the client's certificates.
ensure_tls_engine() {
  local i="$WHARF_TLS_ENGINE"
  ensure_extra_engine "$i"
  route_extra_engine_tasks "$i"
  load_test_images_into "$i"
  WHARF_TEST_TLS_ENGINE="$(extra_engine_url "$i")"
  WHARF_TEST_TLS_CERTS="$(extra_engine_client_certs "$i")"
  export WHARF_TEST_TLS_ENGINE WHARF_TEST_TLS_CERTS
}

# Copies the main engine's wharf/ and wharf-test/ images (the pause image, the busybox test image,
# ...) into extra engine i, each only when the engine lacks that id under that name. The
# busybox test image is made in the main engine first when the build can (tests make it on demand).
load_test_images_into() {
  local i="$1" url ref want have
  url="$(extra_engine_url "$i")"
  if [ -f dist/e2e/test-images.js ]; then
    node -e "import('./dist/e2e/test-images.js').then((m) => m.ensureTestImage())" >/dev/null 2>&1 || true
  fi
  for ref in $(docker images --format '{{.Repository}}:{{.Tag}}' | grep -E '^wharf(-test)?/' | grep -v ':<none>$' | sort -u); do
    want="$(docker image inspect --format '{{.Id}}' "$ref")"
    have="$(extra_engine_docker "$i" image inspect --format '{{.Id}}' "$ref" 2>/dev/null || true)"
    [ "$want" = "$have" ] && continue
    say "loading $ref into $url"
    docker save "$ref" | extra_engine_docker "$i" load -q >/dev/null
  done
}

# Stops the extra engines (their containers with them) and removes their namespaces and links;
# their state directories stay, so the next ensure_extra_engines starts where this left off, unless
# `purge` is given: then their state, logs and (empty) cgroup folders go too.
stop_extra_engines() {
  local count="${1:-1}" purge="${2:-}" i dir pid
  for i in $(seq 1 "$count"); do
    dir="$WHARF_ENGINES_DIR/$i"
    pid="$(cat "$dir/dockerd.pid" 2>/dev/null || true)"
    if [ -n "$pid" ] && grep -qsF -- "$dir/data" "/proc/$pid/cmdline"; then
      say "stopping wharf-engine-$i (pid $pid)"
      kill "$pid"
      for _ in $(seq 1 60); do [ -d "/proc/$pid" ] || break; sleep 0.5; done
    fi
    ip link del "wharf-eng-$i" 2>/dev/null || true
    ip netns del "wharf-eng-$i" 2>/dev/null || true
    if [ "$purge" = purge ]; then
      # dockerd leaves its data root bind-mounted on itself.
      while grep -qs " $dir/data " /proc/mounts; do umount "$dir/data"; done
      rm -rf "$dir" "$WHARF_ENGINES_DIR/$i.log" "/run/wharf-engine-$i"
      rmdir /sys/fs/cgroup/*/"wharf-engine-$i" 2>/dev/null || true
    fi
  done
}
