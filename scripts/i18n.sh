#!/usr/bin/env bash
# Extract every user-facing string and bring the Kazakh and Russian catalogs up to date.
# Then translate the new entries in translations/{kk,ru}/LC_MESSAGES/messages.po;
# the app compiles the catalogs itself when it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
pybabel=.venv/bin/pybabel
$pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
  --no-wrap --sort-by-file --project "Library events" --copyright-holder "Library events" \
  -o translations/messages.pot .
for locale in kk ru; do
  if [ -f "translations/$locale/LC_MESSAGES/messages.po" ]; then
    $pybabel update --no-wrap --ignore-obsolete --no-fuzzy-matching \
      -i translations/messages.pot -d translations -l "$locale"
  else
    $pybabel init --no-wrap -i translations/messages.pot -d translations -l "$locale"
  fi
done
