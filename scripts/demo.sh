#!/usr/bin/env bash
# Installs the service, creates its SQLite database with a demo city, and serves it.
#   PORT=8001 scripts/demo.sh                       another port (default 8000)
#   HOST=0.0.0.0 TLS_CERT=c.pem TLS_KEY=k.pem ...   HTTPS for phones on the network (README)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

host="${HOST:-127.0.0.1}"
port="${PORT:-8000}"
# Ask the kernel before anything else: gunicorn would say so only after the demo data is in.
if ! .venv/bin/python - "$host" "$port" <<'PY'
import socket, sys
with socket.socket() as probe:
    try:
        probe.bind((sys.argv[1], int(sys.argv[2])))
    except OSError as error:
        sys.exit(f"cannot serve on {sys.argv[1]}:{sys.argv[2]}: {error.strerror}")
PY
then
  echo "Pick a free port, for example: PORT=$((port + 1)) scripts/demo.sh" >&2
  exit 1
fi

tls=()
scheme=http
if [[ -n "${TLS_CERT:-}" || -n "${TLS_KEY:-}" ]]; then
  tls=(--certfile "${TLS_CERT:?TLS_CERT: the certificate file}"
       --keyfile "${TLS_KEY:?TLS_KEY: the private key file}")
  scheme=https
else
  # Plain http: a Secure cookie would never come back.
  export LP_SESSION_COOKIE_SECURE=false
fi
# The address to print: the wildcard is no address a browser can open.
shown_host="$host"
[[ "$host" == "0.0.0.0" ]] && shown_host="$(hostname -I 2>/dev/null | cut -d' ' -f1)"
base_url="${scheme}://${shown_host:-127.0.0.1}:${port}"

export FLASK_APP=app
.venv/bin/flask init-db
.venv/bin/flask seed-demo --url "$base_url"
echo "serving on ${base_url}/  (Ctrl-C to stop)"
# Confirming a 5,000-row bulk upload issues every pass in one request (bench/RESULTS.md).
exec .venv/bin/gunicorn --workers 2 --threads 4 --timeout 120 --bind "${host}:${port}" \
  "${tls[@]}" 'app:create_app()'
