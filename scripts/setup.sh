#!/usr/bin/env bash
# Installs what the service needs into .venv; with --dev, what the tests need too.
# Both sets are locked with hashes (requirements*.txt, made by scripts/lock.sh).
set -euo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."

requirements=requirements.txt
[[ "${1:-}" == "--dev" ]] && requirements=requirements-dev.txt

[[ -x .venv/bin/python ]] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check --require-hashes -r "$requirements"

# Each feature keeps its own message catalogue; compile them all.
for catalogue in */translations; do
  .venv/bin/pybabel -q compile --use-fuzzy -d "$catalogue" || exit 1
done

if [[ -f package-lock.json ]]; then
  # zxing-wasm for the scanning page; node also runs tests/js.
  if ! command -v npm >/dev/null; then
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq nodejs npm >/dev/null
  fi
  npm ci --silent --no-audit --no-fund
fi
