#!/usr/bin/env bash
# Start a throwaway Redis for the tests (Debian's redis-server, installed if missing) and print
# its URL. It listens on loopback only, keeps nothing on disk, and stops when the given process
# (the test run) is gone.
# Usage: url=$(scripts/start-test-redis.sh PID)
set -euo pipefail
watch_pid="$1"
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apt_get="apt-get"; else apt_get="sudo apt-get"; fi
  export DEBIAN_FRONTEND=noninteractive
  $apt_get update -qq >&2
  $apt_get install -y -qq --no-install-recommends redis-server >/dev/null
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir "$dir" \
  --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
for _ in $(seq 1 50); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -p "$port" ping >/dev/null
# Stop it once the test run has ended.
(
  while kill -0 "$watch_pid" 2>/dev/null; do sleep 2; done
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$dir"
) >/dev/null 2>&1 &
echo "redis://127.0.0.1:$port/0"
