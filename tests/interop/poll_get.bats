#!/usr/bin/env bats
# tests/interop/poll_get.bats — build/poll_get (tests/tools/poll_get.c: the
# engine driven by poll() and one UDP socket, only the public headers)
# fetching from ngtcp2's gtlsserver, quic-go's example server and `h3cli
# serve`: our HTTP/3 and QPACK against nghttp3's, quic-go's and our own
# server, with certificate verification, bodies compared by sha256.
load helpers

setup_file() { interop_setup_file; }
teardown_file() { interop_teardown_file; }
setup() {
  interop_setup
  [ -x "$BUILD/poll_get" ] || skip "build/poll_get not built: run make"
}
teardown() { interop_teardown; }

@test "poll_get <- gtlsserver: a page, verified against the test CA" {
  gtlsserver_start
  run --separate-stderr ns_client "$BUILD/poll_get" -c "$CA" 127.0.0.1 \
    "$GTLSSERVER_PORT" /index.html
  [ "$status" -eq 0 ]
  [ "$output" = "$(cat "$WWW/index.html")" ]
  [ "${stderr_lines[0]}" = "< :status: 200" ]
  [[ "$stderr" == *"< content-type: text/html"* ]]
}

@test "poll_get <- gtlsserver: 1 MB and 20 MB, sha256 equal" {
  gtlsserver_start
  for f in 1mb.bin 20mb.bin; do
    ns_client "$BUILD/poll_get" -c "$CA" 127.0.0.1 "$GTLSSERVER_PORT" "/$f" \
      > "$DL/$f" 2> "$DL/$f.err"
    same_file "$DL/$f" "$WWW/$f"
  done
}

@test "poll_get <- gtlsserver: a dynamic body of 12345 zero bytes" {
  gtlsserver_start
  ns_client "$BUILD/poll_get" -c "$CA" 127.0.0.1 "$GTLSSERVER_PORT" /12345 \
    > "$DL/z" 2>/dev/null
  [ "$(stat -c %s "$DL/z")" = 12345 ]
  [ -z "$(tr -d '\0' < "$DL/z")" ]
}

@test "poll_get <- gtlsserver: a 404 is a complete response, exit 1" {
  gtlsserver_start
  run --separate-stderr ns_client "$BUILD/poll_get" -c "$CA" 127.0.0.1 \
    "$GTLSSERVER_PORT" /nope
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = "< :status: 404" ]
}

@test "poll_get <- gtlsserver: an untrusted certificate fails the handshake" {
  gtlsserver_start
  # Our own cert as the only CA: the server's chain does not verify.
  run --separate-stderr ns_client "$BUILD/poll_get" -c "$CERT" -n example.org \
    127.0.0.1 "$GTLSSERVER_PORT" /index.html
  [ "$status" -eq 1 ]
  [ -z "$output" ]
  [[ "$stderr" == *"connection closed"* ]]
}

@test "poll_get <- quic-go: a page and 1 MB, sha256 equal" {
  [ -x "$QUICGO_BIN/quicgo-server" ] || skip "quic-go tools not built: run deps/interop.sh"
  quicgo_server_start
  # Go's file server answers /index.html with a redirect to ./ itself.
  ns_client "$BUILD/poll_get" -c "$QUICGO_CA" 127.0.0.1 "$QUICGO_PORT" / \
    > "$DL/index.html" 2> "$DL/index.err"
  same_file "$DL/index.html" "$WWW/index.html"
  ns_client "$BUILD/poll_get" -c "$QUICGO_CA" 127.0.0.1 "$QUICGO_PORT" \
    /1mb.bin > "$DL/1mb.bin" 2> "$DL/1mb.err"
  same_file "$DL/1mb.bin" "$WWW/1mb.bin"
}

@test "poll_get <- h3cli serve: a page, 1 MB and 20 MB, sha256 equal, access log" {
  [ -x "$H3CLI" ] || skip "$H3CLI not built: run make"
  h3serve_start
  run --separate-stderr ns_client "$BUILD/poll_get" -c "$CA" 127.0.0.1 \
    "$H3SERVE_PORT" /index.html
  [ "$status" -eq 0 ]
  [ "$output" = "$(cat "$WWW/index.html")" ]
  [ "${stderr_lines[0]}" = "< :status: 200" ]
  [[ "$stderr" == *"< content-type: text/html"* ]]
  local f
  for f in 1mb.bin 20mb.bin; do
    ns_client "$BUILD/poll_get" -c "$CA" 127.0.0.1 "$H3SERVE_PORT" "/$f" \
      > "$DL/$f" 2> "$DL/$f.err"
    same_file "$DL/$f" "$WWW/$f"
  done
  run --separate-stderr ns_client "$BUILD/poll_get" -c "$CA" 127.0.0.1 \
    "$H3SERVE_PORT" /nope
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = "< :status: 404" ]
  h3serve_stop
  run h3serve_log_requests
  [ "$output" = "$(printf '%s\n' "GET /index.html 200 $(stat -c %s "$WWW/index.html")" \
    'GET /1mb.bin 200 1000000' 'GET /20mb.bin 200 20000000' 'GET /nope 404 14')" ]
}

@test "poll_get.c: under 200 lines, the public headers, poll() and a UDP socket only" {
  local src=$REPO/tests/tools/poll_get.c
  [ "$(wc -l < "$src")" -lt 200 ]
  # Its engine includes are the installed public headers; the rest is libc.
  run sed -n 's/^#include [<"]\(.*\)[>"]$/\1/p' "$src"
  [ "$(grep '^h3cli/' <<<"$output" | sort | tr '\n' ' ')" = "h3cli/h3.h h3cli/quic.h " ]
  [ -z "$(grep -vE '^(h3cli/(h3|quic|qpack)\.h|netdb\.h|poll\.h|stdio\.h|stdlib\.h|string\.h|sys/socket\.h|time\.h|unistd\.h)$' <<<"$output")" ]
  grep -q 'poll(' "$src"
  grep -q 'SOCK_DGRAM' "$src"
  # No libev (or any other event library) call.
  [ -z "$(grep -E '(^|[^a-z_])ev_[a-z_]+\(' "$src")" ]
}
