#!/usr/bin/env bash
# Brings the third-party peers the interop tests use: installs the missing
# Debian packages (ngtcp2's gtlsclient/gtlsserver, Go and quic-go's source,
# Chromium) and builds quic-go's h3 example server and client offline into
# BUILD/interop/bin. Idempotent: a stamp file names what was built from which
# package and Go versions, so a second run only checks and prints.
# usage: deps/interop.sh [BUILD]     (default BUILD=build; run as root to install)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
build=${1:-$repo/build}
case $build in /*) ;; *) build=$repo/$build ;; esac
out=$build/interop
say() { echo "interop-deps: $*" >&2; }
die() { echo "interop-deps: error: $*" >&2; exit 1; }

# Packages: an unreachable archive must fail, not hang (apt retries for long).
say "checking Debian packages (test-packages.txt, interop-packages.txt)"
timeout 600 bash "$here/ensure-packages.sh" "$here/test-packages.txt" \
  "$here/interop-packages.txt" ||
  die "could not install the interop packages (see the lines above)"
for tool in gtlsclient gtlsserver go chromium; do
  command -v "$tool" >/dev/null || die "$tool is not on PATH after the install"
done

# quic-go 0.29 as packaged: GOPATH mode over /usr/share/gocode, no module
# proxy, no network. The example server is h3 (`-bind ADDR:PORT -www DIR`,
# /demo/echo echoes POST bodies); the example client fetches URLs.
src=/usr/share/gocode/src/github.com/lucas-clemente/quic-go
[ -d "$src/example" ] || die "quic-go source missing in $src"
qver=$(dpkg-query -W -f='${Version}' golang-github-lucas-clemente-quic-go-dev)
gover=$(go version | cut -d' ' -f3)
stamp=$out/quicgo.stamp
want="quic-go $qver built with $gover"
bin=$out/bin
if [ -x "$bin/quicgo-server" ] && [ -x "$bin/quicgo-client" ] &&
  [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  say "quic-go tools up to date ($want)"
else
  say "building quic-go example server and client ($want) into $bin"
  mkdir -p "$bin" "$out/gocache"
  rm -f "$stamp"
  export GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=$out/gocache \
    GOPROXY=off GOFLAGS= GOTOOLCHAIN=local CGO_ENABLED=0
  start=$(date +%s)
  timeout 600 go build -o "$bin/quicgo-server" \
    github.com/lucas-clemente/quic-go/example ||
    die "go build of quic-go's example server failed"
  timeout 600 go build -o "$bin/quicgo-client" \
    github.com/lucas-clemente/quic-go/example/client ||
    die "go build of quic-go's example client failed"
  echo "$want" > "$stamp"
  rm -rf "$out/gocache"   # 60 MB; the stamp already prevents rebuilds
  say "quic-go built in $(( $(date +%s) - start )) s"
fi

# Chromium must start at all (a broken install would otherwise surface as a
# confusing page-load failure inside the tests).
timeout 60 chromium --version >/dev/null 2>&1 ||
  die "chromium is installed but does not run (chromium --version failed)"
say "ready: ngtcp2 $(dpkg-query -W -f='${Version}' ngtcp2-client)," \
  "$want, $(chromium --version 2>/dev/null)"
