#!/usr/bin/env bash
# Installs everything the tests need (Python packages, Chromium, nginx) and runs the whole suite:
# unit tests, integration tests on SQLite and on PostgreSQL, and browser tests in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev

# nginx: tests/integration/test_cluster.py runs deploy/nginx.conf in front of two instances.
if ! command -v chromium >/dev/null || [[ ! -x /usr/sbin/nginx ]]; then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq chromium fonts-noto-cjk nginx >/dev/null
fi

exec .venv/bin/python -m pytest "$@"
