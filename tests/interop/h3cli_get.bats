#!/usr/bin/env bats
# tests/interop/h3cli_get.bats — `h3cli get` fetching from ngtcp2's
# gtlsserver and quic-go's example server: 1 MB and 50 MB bodies compared by
# sha256, 20 URLs sharing one connection (counted in the --events lines),
# a POST to quic-go's echo endpoint, and resumption with 0-RTT
# (--session-file --0rtt) accepted by gtlsserver. Certificates are always verified:
# our test CA for gtlsserver, quic-go's own CA for its built-in certificate.
load helpers

setup_file() { interop_setup_file; }
teardown_file() { interop_teardown_file; }
setup() {
  interop_setup
  [ -x "$H3CLI" ] || skip "$H3CLI not built: run make"
}
teardown() { interop_teardown; }

skip_unless_quicgo_server() {
  [ -x "$QUICGO_BIN/quicgo-server" ] || skip "quic-go tools not built: run deps/interop.sh"
}

# The 20 subresources of h3page.html (10 stylesheets, 10 scripts).
twenty_paths() {
  local i
  for i in $(seq 1 20); do
    if [ "$i" -le 10 ]; then printf '/sub/s%02d.css\n' "$i"; else printf '/sub/s%02d.js\n' "$i"; fi
  done
}

# check_one_connection EVENTS: the --events lines of one `h3cli get` run with
# the 20 URLs of twenty_paths: one handshake, twenty 200 responses on twenty
# distinct client-initiated bidirectional streams (0, 4, ..., 76), one close.
check_one_connection() {
  local ev=$1
  [ "$(grep -c '^quic handshake_completed ' "$ev")" -eq 1 ]
  [ "$(grep -c '^quic connection_terminated ' "$ev")" -eq 1 ]
  [ "$(grep -c '^h3 header stream_id=[0-9]* name=:status value=200$' "$ev")" -eq 20 ]
  run sh -c "sed -n 's/^h3 headers_received stream_id=\([0-9]*\) .*/\1/p' '$ev' | sort -n | tr '\n' ' '"
  [ "$output" = "$(seq 0 4 76 | tr '\n' ' ')" ]
}

# check_twenty_files DIR: each of the 20 bodies arrived intact.
check_twenty_files() {
  local p
  for p in $(twenty_paths); do same_file "$1/${p##*/}" "$WWW$p"; done
}

@test "h3cli get <- gtlsserver: 1 MB and 50 MB, sha256 equal" {
  gtlsserver_start
  local f
  for f in 1mb.bin 50mb.bin; do
    run --separate-stderr ns_client "$H3CLI" get -sS --cacert "$CA" -o "$DL/$f" \
      "https://127.0.0.1:$GTLSSERVER_PORT/$f"
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    same_file "$DL/$f" "$WWW/$f"
  done
}

@test "h3cli get <- gtlsserver: 20 URLs on one connection" {
  gtlsserver_start
  local urls=() args=() p
  for p in $(twenty_paths); do urls+=("https://127.0.0.1:$GTLSSERVER_PORT$p"); done
  mapfile -d '' args < <(h3get_urls_args "$DL" "${urls[@]}")
  ns_client "$H3CLI" get -sS --cacert "$CA" --events "${args[@]}" > "$DL/events"
  check_one_connection "$DL/events"
  check_twenty_files "$DL"
}

@test "h3cli get <- gtlsserver: 20 URLs, -w shows one local port" {
  gtlsserver_start
  local urls=() args=() p
  for p in $(twenty_paths); do urls+=("https://127.0.0.1:$GTLSSERVER_PORT$p"); done
  mapfile -d '' args < <(h3get_urls_args "$DL" "${urls[@]}")
  run --separate-stderr ns_client "$H3CLI" get -sS --cacert "$CA" \
    -w '%{http_code} %{local_port}\n' "${args[@]}"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 20 ]
  # Twenty 200s, all from the same local port: one UDP socket, one connection.
  [ "$(printf '%s\n' "${lines[@]}" | sort -u | wc -l)" -eq 1 ]
  [[ "${lines[0]}" =~ ^200\ [0-9]+$ ]]
  check_twenty_files "$DL"
}

@test "h3cli get --session-file --0rtt <- gtlsserver: the second request goes as 0-RTT and is accepted" {
  PEER_VERBOSE=1 gtlsserver_start
  local sess=$BATS_TEST_TMPDIR/session n
  # (not "i": Bats 1.8's `run --separate-stderr` assigns to an i in scope)
  for n in 1 2; do
    run --separate-stderr ns_client "$H3CLI" get -v --cacert "$CA" \
      --session-file "$sess" --0rtt -o "$DL/$n.html" \
      "https://127.0.0.1:$GTLSSERVER_PORT/index.html"
    [ "$status" -eq 0 ]
    printf '%s\n' "$stderr" > "$BATS_TEST_TMPDIR/get$n.err"
    same_file "$DL/$n.html" "$WWW/index.html"
  done
  # First run: a full handshake that stores a ticket, no 0-RTT.
  grep -q '^\* TLS session ticket received ([0-9]* bytes)$' "$BATS_TEST_TMPDIR/get1.err"
  run ! grep -q '0-RTT' "$BATS_TEST_TMPDIR/get1.err"
  # Second run: resumed, the request written before the handshake finished,
  # and the server accepted the early data.
  grep -qxF "* resuming the TLS session from $sess, with 0-RTT" "$BATS_TEST_TMPDIR/get2.err"
  grep -qxF '* 0-RTT accepted by the server' "$BATS_TEST_TMPDIR/get2.err"
  run grep -n -E '^(> GET /index.html HTTP/3|\* QUIC handshake done in .*, resumed)$' "$BATS_TEST_TMPDIR/get2.err"
  [ "${#lines[@]}" -eq 2 ]
  [[ "${lines[0]}" == *"> GET /index.html HTTP/3" ]]
  # gtlsserver's own log: exactly one request stream (0, FIN) arrived in a
  # 0-RTT packet, from the second connection.
  [ "$(grep -c 'frm rx [0-9]* 0RTT STREAM(0x0b) id=0x0 fin=1 ' "$GTLSSERVER_LOG")" -eq 1 ]
}

@test "h3cli get <- quic-go: 1 MB and 50 MB, sha256 equal" {
  skip_unless_quicgo_server
  quicgo_server_start
  local f
  for f in 1mb.bin 50mb.bin; do
    run --separate-stderr ns_client "$H3CLI" get -sS --cacert "$QUICGO_CA" -o "$DL/$f" \
      "https://localhost:$QUICGO_PORT/$f"
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    same_file "$DL/$f" "$WWW/$f"
  done
}

@test "h3cli get <- quic-go: 20 URLs on one connection" {
  skip_unless_quicgo_server
  quicgo_server_start
  local urls=() args=() p
  for p in $(twenty_paths); do urls+=("https://localhost:$QUICGO_PORT$p"); done
  mapfile -d '' args < <(h3get_urls_args "$DL" "${urls[@]}")
  ns_client "$H3CLI" get -sS --cacert "$QUICGO_CA" --events "${args[@]}" > "$DL/events"
  check_one_connection "$DL/events"
  check_twenty_files "$DL"
}

@test "h3cli get <- quic-go: POST 100 kB to /demo/echo comes back byte for byte" {
  skip_unless_quicgo_server
  quicgo_server_start
  random_file "$BATS_TEST_TMPDIR/up.bin" 100000
  run --separate-stderr ns_client "$H3CLI" get -sS --cacert "$QUICGO_CA" \
    --data-binary "@$BATS_TEST_TMPDIR/up.bin" -o "$DL/echo" \
    -w '%{http_code} %{size_download}\n' "https://localhost:$QUICGO_PORT/demo/echo"
  [ "$status" -eq 0 ]
  [ "$output" = "200 100000" ]
  same_file "$DL/echo" "$BATS_TEST_TMPDIR/up.bin"
}

@test "h3cli get <- quic-go: -v shows the request went out as POST over h3" {
  skip_unless_quicgo_server
  quicgo_server_start
  run --separate-stderr ns_client "$H3CLI" get -v --cacert "$QUICGO_CA" \
    -d 'hello=h3' "https://localhost:$QUICGO_PORT/demo/echo"
  [ "$status" -eq 0 ]
  [ "$output" = "hello=h3" ]
  [[ "$stderr" == *"> POST /demo/echo"* ]]
  [[ "$stderr" == *"< HTTP/3 200"* ]]
}
