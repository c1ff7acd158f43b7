#!/usr/bin/env bash
# Rebuild static/vendor/ from the versions pinned in static-src/package-lock.json.
# To update a library: change its version in static-src/package.json, run
# `(cd static-src && npm install)`, then this script, and commit static-src/ and static/vendor/.
# The app serves only the committed copies: nothing is fetched at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd static-src && npm ci --no-audit --no-fund --silent)
vendor=static/vendor
mkdir -p "$vendor"
jsqr=static-src/node_modules/jsqr
version=$(node -p "require('./$jsqr/package.json').version")
{
  printf '/*! jsQR %s | https://github.com/cozmo/jsQR | Apache License 2.0 (see jsQR.LICENSE.txt) */\n' "$version"
  cat "$jsqr/dist/jsQR.js"
} >"$vendor/jsQR.js"
cp "$jsqr/LICENSE" "$vendor/jsQR.LICENSE.txt"
echo "static/vendor/jsQR.js is jsQR $version"
