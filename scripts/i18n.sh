#!/usr/bin/env bash
# Refreshes every package's Chinese catalogue from the source: ./scripts/i18n.sh
# Root templates and shared modules belong to core/; each feature package has its own.
set -euo pipefail
cd "$(dirname "$0")/.."
pybabel=.venv/bin/pybabel

refresh() {
  local package=$1; shift
  local dir="$package/translations"
  mkdir -p "$dir"
  $pybabel -q extract -F babel.cfg -k _l --no-location --sort-output \
    --project "logistics-pass" -o "$dir/messages.pot" "$@"
  if [[ -f "$dir/zh/LC_MESSAGES/messages.po" ]]; then
    $pybabel -q update --no-fuzzy-matching --ignore-obsolete -i "$dir/messages.pot" -d "$dir" -l zh
  else
    $pybabel -q init -i "$dir/messages.pot" -d "$dir" -l zh
  fi
  rm "$dir/messages.pot"
}

refresh core core templates app.py commands.py demo.py
# Every other top-level Python package is a feature with a catalogue of its own.
for init in */__init__.py; do
  package=${init%/__init__.py}
  case $package in core|tests|migrations|bench) continue ;; esac
  refresh "$package" "$package"
done
