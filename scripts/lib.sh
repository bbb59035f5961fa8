# Shared setup for scripts/run, scripts/test and .ci/run: tools from the registries,
# local PostgreSQL and Redis started when they are down. Idempotent.

log() { printf '\033[1m[kitops-top]\033[0m %s\n' "$*" >&2; }

apt_install() {
  local missing=()
  for pair in "$@"; do
    local cmd=${pair%%:*} pkg=${pair##*:}
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} (apt)"
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

ensure_tools() {
  apt_install tmux:tmux redis-server:redis-server redis-cli:redis-tools psql:postgresql-client openssl:openssl pgrep:procps
  command -v cargo >/dev/null || { log "cargo not found: install Rust (rustup) first"; exit 1; }
}

ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return; fi
  log "starting PostgreSQL"
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return; sleep 1; done
  log "PostgreSQL is not reachable on 127.0.0.1:5432"; exit 1
}

ensure_redis() {
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return; fi
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return; sleep 1; done
  log "Redis is not reachable on 127.0.0.1:6379"; exit 1
}

# moto_server (AWS emulator) in a virtualenv of the repo: tests find it at .venv/bin/moto_server.
ensure_moto() {
  if [ -x .venv/bin/moto_server ]; then return; fi
  log "installing moto[server] into .venv (PyPI)"
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check 'moto[server]'
}
