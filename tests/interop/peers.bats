#!/usr/bin/env bats
# tests/interop/peers.bats — proves the interop infrastructure with the
# third-party peers alone (no h3cli): each peer serves and fetches, the
# impairment proxy really drops and reorders, Chromium really uses h3. When
# one of these fails, the h3cli interop tests built on the same helpers
# cannot be trusted either.
load helpers

setup_file() { interop_setup_file; }
teardown_file() { interop_teardown_file; }
setup() { interop_setup; }
teardown() { interop_teardown; }

skip_unless_quicgo() {
  [ -x "$QUICGO_BIN/quicgo-server" ] && [ -x "$QUICGO_BIN/quicgo-client" ] ||
    skip "quic-go tools not built: run deps/interop.sh"
}

@test "gtlsclient <- gtlsserver: 1 MB and a page, sha256 equal" {
  gtlsserver_start
  gtlsclient_get "$DL" "$GTLSSERVER_PORT" -- /1mb.bin /index.html
  same_file "$DL/1mb.bin" "$WWW/1mb.bin"
  same_file "$DL/index.html" "$WWW/index.html"
}

@test "gtlsclient <- gtlsserver: resumption with 0-RTT accepted on the second connection" {
  gtlsserver_start
  local opts=(--session-file="$BATS_TEST_TMPDIR/sess" --tp-file="$BATS_TEST_TMPDIR/tp")
  PEER_VERBOSE=1 gtlsclient_get "$DL/1" "$GTLSSERVER_PORT" "${opts[@]}" -- /index.html \
    > "$BATS_TEST_TMPDIR/c1.log" 2>&1
  PEER_VERBOSE=1 gtlsclient_get "$DL/2" "$GTLSSERVER_PORT" "${opts[@]}" -- /index.html \
    > "$BATS_TEST_TMPDIR/c2.log" 2>&1
  run ! gtls_log_0rtt_accepted "$BATS_TEST_TMPDIR/c1.log"
  gtls_log_0rtt_accepted "$BATS_TEST_TMPDIR/c2.log"
  [ "$(gtls_log_statuses "$BATS_TEST_TMPDIR/c2.log")" = 200 ]
  same_file "$DL/2/index.html" "$WWW/index.html"
}

@test "gtlsclient <- gtlsserver -V: Retry seen only when the server asks" {
  gtlsserver_start
  PEER_VERBOSE=1 gtlsclient_get "$DL/1" "$GTLSSERVER_PORT" -- /index.html \
    > "$BATS_TEST_TMPDIR/plain.log" 2>&1
  run ! gtls_log_retry "$BATS_TEST_TMPDIR/plain.log"
  gtlsserver_start -V
  PEER_VERBOSE=1 gtlsclient_get "$DL/2" "$GTLSSERVER_PORT" -- /index.html \
    > "$BATS_TEST_TMPDIR/retry.log" 2>&1
  gtls_log_retry "$BATS_TEST_TMPDIR/retry.log"
  same_file "$DL/2/index.html" "$WWW/index.html"
}

@test "gtlsclient <- gtlsserver: key update, migration and ChaCha20 checks hold" {
  gtlsserver_start
  local log=$BATS_TEST_TMPDIR/c.log
  PEER_VERBOSE=1 gtlsclient_get "$DL/ku" "$GTLSSERVER_PORT" --key-update=1ms -- /1mb.bin > "$log" 2>&1
  gtls_log_key_update "$log"
  run ! gtls_log_migrated "$log"
  same_file "$DL/ku/1mb.bin" "$WWW/1mb.bin"
  PEER_VERBOSE=1 gtlsclient_get "$DL/mig" "$GTLSSERVER_PORT" --change-local-addr=1ms -- /1mb.bin > "$log" 2>&1
  gtls_log_migrated "$log"
  run ! gtls_log_key_update "$log"
  same_file "$DL/mig/1mb.bin" "$WWW/1mb.bin"
  PEER_VERBOSE=1 gtlsclient_get "$DL/cc" "$GTLSSERVER_PORT" \
    --ciphers=NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305 -- /index.html > "$log" 2>&1
  [ "$(gtls_log_cipher "$log")" = CHACHA20-POLY1305 ]
}

@test "quic-go client <- quic-go server: 1 MB, certificate verified" {
  skip_unless_quicgo
  quicgo_server_start
  QUICGO_CA_FILE=$QUICGO_CA quicgo_get "$DL/1mb.bin" \
    "https://localhost:$QUICGO_PORT/1mb.bin"
  [ "$QUICGO_STATUS" = 200 ]
  same_file "$DL/1mb.bin" "$WWW/1mb.bin"
}

@test "gtlsclient <- quic-go server: 1 MB GET and a 100 kB POST to /demo/echo" {
  skip_unless_quicgo
  quicgo_server_start
  random_file "$BATS_TEST_TMPDIR/up.bin" 100000
  gtlsclient_get "$DL" "$QUICGO_PORT" -- "https://localhost:$QUICGO_PORT/1mb.bin"
  gtlsclient_get "$DL" "$QUICGO_PORT" -m POST -d "$BATS_TEST_TMPDIR/up.bin" \
    -- "https://localhost:$QUICGO_PORT/demo/echo"
  same_file "$DL/1mb.bin" "$WWW/1mb.bin"
  same_file "$DL/echo" "$BATS_TEST_TMPDIR/up.bin"
}

@test "quic-go client <- gtlsserver: 1 MB, our test CA verified" {
  skip_unless_quicgo
  gtlsserver_start
  quicgo_get "$DL/1mb.bin" "https://127.0.0.1:$GTLSSERVER_PORT/1mb.bin"
  [ "$QUICGO_STATUS" = 200 ]
  same_file "$DL/1mb.bin" "$WWW/1mb.bin"
}

@test "udp_impair: bad options exit 2 with a message" {
  run -2 "$BUILD/udp_impair" --listen 127.0.0.1:0 --upstream 127.0.0.1:1 --loss 101
  [[ "$output" == *'--loss: "101" is not a number in [0, 100]'* ]]
  run -2 "$BUILD/udp_impair" --listen localhost:1 --upstream 127.0.0.1:1
  [[ "$output" == *'"localhost:1" is not a numeric ADDR:PORT'* ]]
  run -2 "$BUILD/udp_impair" --listen 127.0.0.1:0
  [[ "$output" == usage:* ]]
}

@test "udp_impair: at 100% loss nothing reaches the server" {
  gtlsserver_start
  impair_start "$GTLSSERVER_PORT" --loss 100
  gtlsclient_get "$DL" "$IMPAIR_PORT" --handshake-timeout=1s -- /index.html
  impair_stop
  [ ! -e "$DL/index.html" ]
  [ "$(impair_stat c2s)" -gt 0 ]
  [ "$(impair_stat lost_c2s)" -eq "$(impair_stat c2s)" ]
  [ "$(impair_stat s2c)" -eq 0 ]
}

@test "gtlsclient <- gtlsserver through udp_impair (5% loss, reordering, duplicates): 20 MB intact" {
  gtlsserver_start
  impair_start "$GTLSSERVER_PORT" --loss 5 --reorder 3 --reorder-delay 5 \
    --delay 1 --jitter 1 --dup 1
  gtlsclient_get "$DL" "$IMPAIR_PORT" -- /20mb.bin
  impair_stop
  same_file "$DL/20mb.bin" "$WWW/20mb.bin"
  [ "$(impair_stat lost_s2c)" -gt 100 ]
  [ "$(impair_stat lost_c2s)" -gt 0 ]
  [ "$(impair_stat reordered)" -gt 100 ]
  [ "$(impair_stat duplicated)" -gt 0 ]
}

@test "Chromium loads a page with 30 subresources from gtlsserver, all over h3" {
  skip_unless_cmd chromium "run deps/interop.sh"
  [ -n "$NS" ] || skip "Chromium runs only inside a network namespace (needs root)"
  gtlsserver_start
  chromium_dump_dom "https://localhost:$GTLSSERVER_PORT/h3page.html" \
    "$BATS_TEST_TMPDIR/dom.html"
  run grep -o '<p id="result">[^<]*</p>' "$BATS_TEST_TMPDIR/dom.html"
  [ "$output" = '<p id="result">nav=h3 resources=30 h3=30 other=</p>' ]
}
