#!/usr/bin/env bash
# `make demo`: the main job of h3cli, run from a fresh build — serve a
# directory on a free loopback port, fetch a page from it with `get -i`,
# ping it three times, stop the server.
#   usage: tests/demo.sh BUILD/h3cli
set -euo pipefail
bin=$(cd "$(dirname "${1:-build/h3cli}")" && pwd)/$(basename "${1:-build/h3cli}")
work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir "$work/site"
printf '<!DOCTYPE html>\n<title>h3cli</title>\n<p>Hello over HTTP/3!</p>\n' \
  >"$work/site/index.html"

echo "\$ h3cli --version"
"$bin" --version
echo
echo "\$ h3cli serve --listen 127.0.0.1:0 site &"
"$bin" serve --listen 127.0.0.1:0 "$work/site" >"$work/serve.out" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  [ -s "$work/serve.out" ] && [ "$(wc -l <"$work/serve.out")" -ge 4 ] && break
  sleep 0.05
done
port=$(sed -n '1s/^listening on https:\/\/127\.0\.0\.1:\([0-9]*\)\/ .*/\1/p' "$work/serve.out")
if [ -z "$port" ]; then
  echo "demo: the server did not start:" >&2
  cat "$work/serve.out" >&2
  exit 1
fi
sed -n 1,4p "$work/serve.out"
pin=$(sed -n 's/^pin //p' "$work/serve.out")
echo
echo "\$ h3cli get -i -k --pinnedpubkey $pin https://127.0.0.1:$port/"
"$bin" get -i -k --pinnedpubkey "$pin" "https://127.0.0.1:$port/" | tr -d '\r'
echo
echo "\$ h3cli ping -c 3 -i 0.2 -k 127.0.0.1:$port"
"$bin" ping -c 3 -i 0.2 -k "127.0.0.1:$port"
echo
echo "\$ kill -INT %1    # the server's access log:"
kill -INT "$server_pid"
wait "$server_pid"
server_pid=
sed -n '5,$p' "$work/serve.out"
