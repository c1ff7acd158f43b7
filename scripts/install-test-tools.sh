#!/usr/bin/env bash
# Independent iCalendar parsers for the feed tests: Debian's libical (through GObject
# introspection, run by Debian's own python3) and ical.js (pinned in tests/js/package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c "import gi; gi.require_version('ICalGLib', '3.0')" >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt_get="apt-get"
  elif command -v sudo >/dev/null 2>&1; then
    apt_get="sudo apt-get"
  else
    echo "The feed tests need libical: run 'apt-get install gir1.2-ical-3.0 python3-gi' as root." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $apt_get update -qq
  $apt_get install -y -qq --no-install-recommends gir1.2-ical-3.0 python3-gi >/dev/null
fi
if [ ! -f tests/js/node_modules/ical.js/package.json ]; then
  (cd tests/js && npm ci --no-audit --no-fund --silent)
fi
