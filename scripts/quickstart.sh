#!/usr/bin/env bash
# Fresh clone → the seed's headline benchmark: installs dependencies, brings up a local MariaDB
# when none answers (scripts/setup-mariadb.sh), builds, prepares the `small` library and runs
# 100 insert workers for 60 s. Extra arguments go to `innobench run` (e.g. --duration 30s).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*" >&2; }

step "npm ci"
npm ci --no-audit --no-fund

step "bash scripts/setup-mariadb.sh"
bash scripts/setup-mariadb.sh

step "npm run build"
npm run build

step "innobench prepare insert-features --scale small"
node dist/src/cli/main.js prepare insert-features --scale small

# The seed's shape by default; an option given on the command line replaces the default one.
defaults=()
[[ " $* " == *" --workers"* ]] || defaults+=(--workers 100)
[[ " $* " == *" --duration"* ]] || defaults+=(--duration 60s)
step "innobench run insert-features ${defaults[*]} --fresh $*"
node dist/src/cli/main.js run insert-features "${defaults[@]}" --fresh "$@"
