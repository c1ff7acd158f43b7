#!/usr/bin/env bash
# The browser tests drive Debian's chromium package; nothing downloads a browser of its own.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  apt_get="apt-get"
elif command -v sudo >/dev/null 2>&1; then
  apt_get="sudo apt-get"
else
  echo "The browser tests need Debian's chromium: run 'apt-get install chromium' as root." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$apt_get update -qq
$apt_get install -y -qq --no-install-recommends chromium >/dev/null
