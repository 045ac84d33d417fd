#!/usr/bin/env bash
# Installs everything the tests need (Python packages, Chromium, nginx) and runs the whole suite
# in named stages (scripts/stages.py): lint and types, unit, integration on SQLite, integration
# on PostgreSQL, browser, cluster. With arguments, runs pytest with them instead.
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

if [[ $# -eq 0 ]]; then
  exec .venv/bin/python scripts/stages.py
fi
exec .venv/bin/python -m pytest "$@"
