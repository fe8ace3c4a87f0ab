#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh Debian machine, then run it.
# Used by the README's test command and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1   # the browser comes from Debian, never from a CDN
export PIP_DISABLE_PIP_VERSION_CHECK=1

say() { echo "[tests] $(date +%T) $*"; }

# 1) Debian's Chromium for the browser tiers (needs root on a fresh machine).
if ! [ -x /usr/bin/chromium ]; then
  say "installing Debian chromium"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
fi

# 2) Python environment: the package (its build hook bundles js/) plus test extras.
if ! [ -x .venv/bin/python ]; then
  say "creating .venv"
  python3 -m venv .venv
fi
say "pip install -e .[test]"
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[test]'

# 3) Front-end checks and unit tests (tsc, Biome lint and format, vitest), when the JS toolchain is present.
if [ -f js/package-lock.json ] && [ -d js/test ]; then
  say "js tests"
  (cd js && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } && npm test --silent)
fi

# 4) Static checks: lint, format and strict types; any finding fails the run.
say "ruff check, ruff format --check, mypy"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy

# 5) pytest last, so its summary closes the run.
say "pytest"
export CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium} REQUIRE_BROWSER=${REQUIRE_BROWSER:-1}
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
