#!/usr/bin/env bash
# Re-pins requirements.txt (the service) and requirements-dev.txt (tests and tools) from their
# .in files, with hashes. Run after editing a .in file, or with --upgrade to take new releases.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x .venv/bin/pip-compile ]] || scripts/setup.sh --dev
compile() {
  CUSTOM_COMPILE_COMMAND="scripts/lock.sh" .venv/bin/pip-compile --quiet --generate-hashes \
    --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links "$@"
}
compile "$@" -o requirements.txt requirements.in
compile "$@" -o requirements-dev.txt requirements-dev.in
