#!/usr/bin/env bats
# tests/interop/h3cli_serve_migration.bats — connection migration (RFC
# 9000 §9) with ngtcp2's peers, both ways:
#  - gtlsclient moves to a new local port 1 ms after the handshake
#    (--change-local-addr) in the middle of a 1 MB download from `h3cli
#    serve`; the server must follow it to the new address, answer and send
#    its own PATH_CHALLENGE there. Proved from the body's sha256,
#    gtlsclient's verbose log (its path validation succeeded, the server
#    sent to the new port, the client answered the server's challenge) and
#    the access log;
#  - `h3cli get --migrate` moves during a 1 MB download from gtlsserver,
#    whose verbose log shows it validated the client's new path.
# Not tested: gtlsclient --nat-rebinding. It swaps sockets without sending
# and ignores what reaches the old one, so when it has no ACK pending at
# that moment it never speaks again and no server can learn its new port
# (it stalls against ngtcp2's own gtlsserver the same way).
load helpers

setup_file() { interop_setup_file; }
teardown_file() { interop_teardown_file; }
setup() {
  interop_setup
  [ -x "$H3CLI" ] || skip "$H3CLI not built: run make"
}
teardown() { interop_teardown; }

@test "gtlsclient --change-local-addr <- h3cli serve: 1 MB intact, the server follows and validates" {
  h3serve_start
  local log=$BATS_TEST_TMPDIR/c.log
  PEER_VERBOSE=1 gtlsclient_get "$DL" "$H3SERVE_PORT" --change-local-addr=1ms -- /1mb.bin > "$log" 2>&1
  same_file "$DL/1mb.bin" "$WWW/1mb.bin"
  gtls_log_migrated "$log"
  gtls_log_followed_to_new_addr "$log"
  # The server validated the client's new address: gtlsclient received a
  # PATH_CHALLENGE and sent the PATH_RESPONSE.
  grep -q 'frm rx [0-9]* 1RTT PATH_CHALLENGE' "$log"
  grep -q 'frm tx [0-9]* 1RTT PATH_RESPONSE' "$log"
  h3serve_stop
  run h3serve_log_requests
  [ "$output" = 'GET /1mb.bin 200 1000000' ]
}

@test "gtlsclient without --change-local-addr <- h3cli serve: no path validation, one local port" {
  h3serve_start
  local log=$BATS_TEST_TMPDIR/c.log
  PEER_VERBOSE=1 gtlsclient_get "$DL" "$H3SERVE_PORT" -- /1mb.bin > "$log" 2>&1
  same_file "$DL/1mb.bin" "$WWW/1mb.bin"
  run ! gtls_log_migrated "$log"
  run ! grep -q 'PATH_CHALLENGE' "$log"
}

@test "h3cli get --migrate -> gtlsserver: 1 MB intact, the server validates the new path" {
  PEER_VERBOSE=1 gtlsserver_start
  run --separate-stderr ns_client "$H3CLI" get -v --cacert "$CA" --migrate \
    -o "$DL/1mb.bin" "https://localhost:$GTLSSERVER_PORT/1mb.bin"
  [ "$status" -eq 0 ]
  same_file "$DL/1mb.bin" "$WWW/1mb.bin"
  [[ "$stderr" == *"* Migrated the connection from local port "* ]]
  [[ "$stderr" == *"* the new path was validated"* ]]
  grep -q 'Path validation against path .* succeeded' "$GTLSSERVER_LOG"
}
