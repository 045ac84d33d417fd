#!/usr/bin/env bash
# Installs everything the tests need (Python packages, Chromium) and runs the whole suite:
# unit tests, integration tests on SQLite and on PostgreSQL, and browser tests in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev

if ! command -v chromium >/dev/null; then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi

exec .venv/bin/python -m pytest "$@"
