#!/usr/bin/env bash
# `make demo`: the main job of h3cli, run from a fresh build.
#   usage: tests/demo.sh BUILD/h3cli
set -euo pipefail
bin=${1:-build/h3cli}
echo "\$ h3cli --version"
"$bin" --version
