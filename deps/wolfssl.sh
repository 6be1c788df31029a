#!/usr/bin/env bash
# Provides wolfSSL with its QUIC API (wolfSSL_set_quic_method) in PREFIX.
# Debian's libwolfssl is built without QUIC, so this builds Debian's own source
# package (trixie's when the archive offers it: years of QUIC fixes over
# bookworm's) with the flags h3cli needs, static only. Prints the pkg-config
# search path to use on stdout. Nothing is fetched but from the Debian archive.
#   usage: deps/wolfssl.sh PREFIX
set -euo pipefail
prefix=$(mkdir -p "$1" && cd "$1" && pwd)
stamp=$prefix/.wolfssl-quic-built

has_quic() { [ -f "$1/wolfssl/options.h" ] && grep -q '^#define WOLFSSL_QUIC' "$1/wolfssl/options.h"; }

# 1. A system wolfSSL that already has QUIC wins.
if pkg-config --exists wolfssl 2>/dev/null; then
  inc=$(pkg-config --variable=includedir wolfssl)
  if has_quic "$inc"; then echo "system"; exit 0; fi
fi
# 2. Ours, built before.
if [ -f "$stamp" ] && has_quic "$prefix/include"; then echo "$prefix/lib/pkgconfig"; exit 0; fi

if [ "$(id -u)" -ne 0 ] && ! command -v dpkg-source >/dev/null; then
  echo "deps: wolfSSL with QUIC is missing; run: sudo apt-get install -y dpkg-dev autoconf automake libtool" >&2
  exit 1
fi

# apt-get source needs deb-src entries. Add them for the machine's own suite and
# for trixie: sources only, so no installed package changes.
src_list=/etc/apt/sources.list.d/h3cli-deb-src.sources
if ! apt-get indextargets --format '$(TARGET_OF)' 2>/dev/null | grep -q deb-src; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps: apt has no deb-src entries; as root, add $src_list with:" >&2
    echo "  Types: deb-src / URIs: http://deb.debian.org/debian / Suites: bookworm trixie / Components: main" >&2
    exit 1
  fi
  cat > "$src_list" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $(. /etc/os-release; echo "${VERSION_CODENAME:-bookworm}") trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt-get update -qq >/dev/null 2>&1 || true
fi

work=$prefix/src
rm -rf "$work"; mkdir -p "$work"; cd "$work"
if ! apt-get source -qq --download-only wolfssl/trixie >/dev/null 2>&1; then
  echo "deps: trixie's wolfssl source unavailable, using the machine's suite" >&2
  apt-get source -qq --download-only wolfssl >/dev/null
fi
dsc=$(ls wolfssl_*.dsc | head -n 1)
dpkg-source --no-check -x "$dsc" wolfssl-src >/dev/null
cd wolfssl-src
version=$(sed -n 's/^Version: //p' "../$dsc")
echo "deps: building wolfSSL $version with QUIC into $prefix" >&2

flags=(--prefix="$prefix" --enable-static --disable-shared --disable-examples
  --disable-crypttests --disable-benchmark
  --enable-quic --enable-session-ticket --enable-earlydata --enable-alpn
  --enable-sni --enable-curve25519 --enable-ed25519 --enable-chacha
  --enable-poly1305 --enable-aesgcm --enable-aesctr --enable-certgen
  --enable-keygen --enable-harden --enable-sp --enable-sp-asm
  --enable-hkdf --enable-tls13 --enable-opensslextra --enable-certext
  --enable-keylog-export --with-pic)
if grep -qw aes /proc/cpuinfo && grep -qw avx2 /proc/cpuinfo; then
  flags+=(--enable-intelasm --enable-aesni)
elif grep -qw aes /proc/cpuinfo; then
  flags+=(--enable-aesni)
fi
autoreconf -fi >/dev/null 2>&1
./configure "${flags[@]}" CFLAGS="-O2 -fPIC" >configure.log 2>&1 \
  || { tail -n 20 configure.log >&2; exit 1; }
make -j"$(nproc)" >build.log 2>&1 || { tail -n 30 build.log >&2; exit 1; }
make install >/dev/null
has_quic "$prefix/include" || { echo "deps: built wolfSSL lacks WOLFSSL_QUIC" >&2; exit 1; }
echo "$version" > "$stamp"
cd "$prefix"; rm -rf "$work"
echo "$prefix/lib/pkgconfig"
