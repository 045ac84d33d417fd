#!/usr/bin/env bash
# Installs the service, creates its SQLite database with a demo city, and serves it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

export FLASK_APP=app
# Plain http on localhost: a Secure cookie would never come back.
export LP_SESSION_COOKIE_SECURE=false
.venv/bin/flask init-db
.venv/bin/flask seed-demo
port="${PORT:-8000}"
echo "serving on http://127.0.0.1:${port}/  (Ctrl-C to stop)"
# Confirming a 5,000-row bulk upload issues every pass in one request (bench/RESULTS.md).
exec .venv/bin/gunicorn --workers 2 --threads 4 --timeout 120 --bind "127.0.0.1:${port}" \
  'app:create_app()'
