#!/usr/bin/env bash
# Runs every benchmark built from bench/*.c (and bench/*.sh scripts that are
# not this one), printing the machine first so results can be quoted.
#   usage: bench/run.sh BUILD_DIR      (make bench calls it)
set -uo pipefail
build=${1:-build}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(uname -sr)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
for b in "$build"/bench/*; do
  [ -x "$b" ] || continue
  echo; echo "== $(basename "$b")"; "$b" || echo "($(basename "$b") failed: $?)"
done
for s in bench/*.sh; do
  [ "$(basename "$s")" = run.sh ] && continue
  [ -f "$s" ] || continue
  echo; echo "== $(basename "$s")"; bash "$s" "$build" || echo "($(basename "$s") failed: $?)"
done
