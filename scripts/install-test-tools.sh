#!/usr/bin/env bash
# Debian's tools the tests use: libical (through GObject introspection, run by Debian's own
# python3) and ical.js (pinned in tests/js/package-lock.json) as independent iCalendar parsers;
# nginx and openssl in front of gunicorn (tests/test_nginx.py); pg_dump and pg_restore (tests/test_backups.py).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
if ! /usr/bin/python3 -c "import gi; gi.require_version('ICalGLib', '3.0')" >/dev/null 2>&1; then
  missing+=(gir1.2-ical-3.0 python3-gi)
fi
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  missing+=(nginx)
fi
if ! command -v openssl >/dev/null 2>&1; then
  missing+=(openssl)  # a throwaway certificate for the nginx test
fi
if ! command -v pg_dump >/dev/null 2>&1 || ! command -v pg_restore >/dev/null 2>&1; then
  missing+=(postgresql-client)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt_get="apt-get"
  elif command -v sudo >/dev/null 2>&1; then
    apt_get="sudo apt-get"
  else
    echo "The tests need Debian packages: run 'apt-get install ${missing[*]}' as root." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $apt_get update -qq
  $apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -f tests/js/node_modules/ical.js/package.json ]; then
  (cd tests/js && npm ci --no-audit --no-fund --silent)
fi
