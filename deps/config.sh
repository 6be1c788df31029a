#!/usr/bin/env bash
# Brings every build dependency, then prints the make variables that use them
# (the Makefile caches this output in build/deps.mk).  usage: deps/config.sh DEPS_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/ensure-packages.sh" "$here/packages.txt" >&2
pc=$(bash "$here/wolfssl.sh" "$1")
[ "$pc" = system ] && pc= || export PKG_CONFIG_PATH="$pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
echo "WOLFSSL_PKG_CONFIG_PATH := $pc"
echo "WOLFSSL_CFLAGS := $(pkg-config --cflags wolfssl)"
echo "WOLFSSL_LIBS := $(pkg-config --static --libs wolfssl)"
echo "WOLFSSL_PC_PRIVATE := $(pkg-config --static --libs wolfssl)"
echo "WOLFSSL_VERSION := $(pkg-config --modversion wolfssl)"
echo "EV_CFLAGS :="
echo "EV_LIBS := -lev"
echo "CMOCKA_LIBS := $(pkg-config --libs cmocka)"
echo "NGHTTP3_LIBS := $(pkg-config --libs libnghttp3)"
