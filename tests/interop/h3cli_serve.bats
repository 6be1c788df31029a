#!/usr/bin/env bats
# tests/interop/h3cli_serve.bats — ngtcp2's gtlsclient and quic-go's client
# fetching from `h3cli serve`: 1 MB and 50 MB bodies compared by sha256, 20
# URLs on one connection, and the transport features gtlsclient can drive
# (resumption with 0-RTT, Retry with `serve --retry`, key update,
# ChaCha20-Poly1305 only), each proved from gtlsclient's verbose log and the
# server's access log or --events lines.
load helpers

setup_file() { interop_setup_file; }
teardown_file() { interop_teardown_file; }
setup() {
  interop_setup
  [ -x "$H3CLI" ] || skip "$H3CLI not built: run make"
}
teardown() { interop_teardown; }

@test "gtlsclient <- h3cli serve: 1 MB and 50 MB, sha256 equal, access log" {
  h3serve_start
  gtlsclient_get "$DL" "$H3SERVE_PORT" -- /1mb.bin
  gtlsclient_get "$DL" "$H3SERVE_PORT" -- /50mb.bin
  same_file "$DL/1mb.bin" "$WWW/1mb.bin"
  same_file "$DL/50mb.bin" "$WWW/50mb.bin"
  h3serve_stop
  run h3serve_log_requests
  [ "$output" = "$(printf '%s\n' 'GET /1mb.bin 200 1000000' 'GET /50mb.bin 200 50000000')" ]
}

@test "gtlsclient <- h3cli serve: 20 URLs on one connection" {
  h3serve_start
  local paths=() i
  for i in $(seq 11 30); do paths+=("$(printf '/sub/s%02d.js' "$i")"); done
  gtlsclient_get "$DL" "$H3SERVE_PORT" -- "${paths[@]}"
  for i in "${paths[@]}"; do same_file "$DL/${i##*/}" "$WWW$i"; done
  h3serve_stop
  # Twenty 200s, all from one client address and port.
  [ "$(h3serve_log_requests | grep -c '^GET /sub/s[0-9]*\.js 200 ')" -eq 20 ]
  [ "$(sed -n 's/^[^ ]* \([^ ]*\) "GET .*/\1/p' "$H3SERVE_LOG" | sort -u | wc -l)" -eq 1 ]
}

@test "quic-go client <- h3cli serve: 1 MB and 50 MB, sha256 equal, test CA verified" {
  [ -x "$QUICGO_BIN/quicgo-client" ] || skip "quic-go tools not built: run deps/interop.sh"
  h3serve_start
  local f
  for f in 1mb.bin 50mb.bin; do
    quicgo_get "$DL/$f" "https://127.0.0.1:$H3SERVE_PORT/$f"
    [ "$QUICGO_STATUS" = 200 ]
    same_file "$DL/$f" "$WWW/$f"
  done
}

@test "gtlsclient <- h3cli serve: resumption, the second request goes as 0-RTT and is accepted" {
  h3serve_start --events
  local opts=(--session-file="$BATS_TEST_TMPDIR/sess" --tp-file="$BATS_TEST_TMPDIR/tp")
  local c1=$BATS_TEST_TMPDIR/c1.log c2=$BATS_TEST_TMPDIR/c2.log
  PEER_VERBOSE=1 gtlsclient_get "$DL/1" "$H3SERVE_PORT" "${opts[@]}" -- /index.html > "$c1" 2>&1
  [ -s "$BATS_TEST_TMPDIR/sess" ] && [ -s "$BATS_TEST_TMPDIR/tp" ]
  PEER_VERBOSE=1 gtlsclient_get "$DL/2" "$H3SERVE_PORT" "${opts[@]}" -- /index.html > "$c2" 2>&1
  h3serve_stop
  # Client side: no 0-RTT without a ticket; with one, the request (stream 0,
  # FIN) left in a 0-RTT packet, early data was not rejected, and the
  # request was never sent again in 1-RTT.
  run ! gtls_log_0rtt_accepted "$c1"
  gtls_log_0rtt_accepted "$c2"
  run ! grep -q 'frm tx [0-9]* 1RTT STREAM(0x0b) id=0x0 ' "$c2"
  [ "$(gtls_log_statuses "$c2")" = 200 ]
  same_file "$DL/1/index.html" "$WWW/index.html"
  same_file "$DL/2/index.html" "$WWW/index.html"
  # Server side: the first handshake is full, the second resumed with early
  # data accepted, and its request headers were decoded before the
  # handshake completed (they came in 0-RTT).
  run grep -E '^quic handshake_completed ' "$H3SERVE_LOG"
  [ "${lines[0]}" = "quic handshake_completed conn=1 alpn=h3 early_data_accepted=false session_resumed=false" ]
  [ "${lines[1]}" = "quic handshake_completed conn=2 alpn=h3 early_data_accepted=true session_resumed=true" ]
  [ "${#lines[@]}" -eq 2 ]
  run grep -n -E '^(quic handshake_completed conn=2 |h3 header conn=2 stream_id=0 name=:path value=/index.html$)' "$H3SERVE_LOG"
  [ "${#lines[@]}" -eq 2 ]
  [[ "${lines[0]}" == *":path value=/index.html" ]]
  [[ "${lines[1]}" == *"quic handshake_completed conn=2 "* ]]
}

@test "gtlsclient <- h3cli serve --retry: the client sees a Retry and still gets the page" {
  h3serve_start --retry
  PEER_VERBOSE=1 gtlsclient_get "$DL" "$H3SERVE_PORT" -- /index.html \
    > "$BATS_TEST_TMPDIR/c.log" 2>&1
  gtls_log_retry "$BATS_TEST_TMPDIR/c.log"
  [ "$(gtls_log_statuses "$BATS_TEST_TMPDIR/c.log")" = 200 ]
  same_file "$DL/index.html" "$WWW/index.html"
}

@test "gtlsclient <- h3cli serve: no Retry unless asked" {
  h3serve_start
  PEER_VERBOSE=1 gtlsclient_get "$DL" "$H3SERVE_PORT" -- /index.html \
    > "$BATS_TEST_TMPDIR/c.log" 2>&1
  run ! gtls_log_retry "$BATS_TEST_TMPDIR/c.log"
  same_file "$DL/index.html" "$WWW/index.html"
}

@test "gtlsclient --key-update <- h3cli serve: keys updated, 1 MB intact" {
  h3serve_start
  local log=$BATS_TEST_TMPDIR/c.log
  PEER_VERBOSE=1 gtlsclient_get "$DL" "$H3SERVE_PORT" --key-update=1ms -- /1mb.bin > "$log" 2>&1
  gtls_log_key_update "$log"
  same_file "$DL/1mb.bin" "$WWW/1mb.bin"
}

@test "gtlsclient <- h3cli serve: ChaCha20-Poly1305 only, 1 MB intact" {
  h3serve_start
  local log=$BATS_TEST_TMPDIR/c.log
  PEER_VERBOSE=1 gtlsclient_get "$DL" "$H3SERVE_PORT" \
    --ciphers=NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305 -- /1mb.bin > "$log" 2>&1
  [ "$(gtls_log_cipher "$log")" = CHACHA20-POLY1305 ]
  same_file "$DL/1mb.bin" "$WWW/1mb.bin"
}
