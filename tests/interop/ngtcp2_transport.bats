#!/usr/bin/env bats
# Our QUIC transport alone (no HTTP/3) against other stacks' servers, driven
# by build/quic_ping over a loopback UDP socket: handshake with ALPN h3 and
# certificate verification, PINGs acknowledged, a clean close; through a
# Retry, through a lossy path (udp_impair), and against quic-go too. The
# in-memory pair tests cannot catch a misunderstanding both of our own
# sides share; these can. Peers: tests/interop/README.md.
load helpers

setup_file() { interop_setup_file; }
teardown_file() { interop_teardown_file; }
setup() { interop_setup; }
teardown() { interop_teardown; }

PING=$BUILD/quic_ping

@test "quic_ping -> gtlsserver: handshake h3, certificate verified against our CA" {
  gtlsserver_start
  run -0 ns_client "$PING" -C "$CA" -c 1 127.0.0.1 "$GTLSSERVER_PORT"
  [ "${lines[0]}" = "handshake completed alpn=h3" ]
}

@test "quic_ping -> gtlsserver: five PINGs acknowledged, then a clean close" {
  gtlsserver_start
  run -0 ns_client "$PING" -c 5 127.0.0.1 "$GTLSSERVER_PORT"
  for i in 0 1 2 3 4; do
    [ "${lines[$((i + 1))]}" = "ping $i acknowledged" ]
  done
  [ "${lines[6]}" = 'connection terminated error=0x0 (NO_ERROR) reason="done"' ]
  [ "${lines[7]}" = "OK: 5/5 pings acknowledged" ]
}

@test "quic_ping -> gtlsserver: the server drains on our CONNECTION_CLOSE" {
  PEER_VERBOSE=1 gtlsserver_start
  run -0 ns_client "$PING" -c 1 127.0.0.1 "$GTLSSERVER_PORT"
  sleep 0.3
  grep -q 'ERR_DRAINING\|draining' "$GTLSSERVER_LOG"
}

@test "quic_ping -> gtlsserver: a wrong host name fails verification (bad_certificate)" {
  gtlsserver_start
  run -1 ns_client "$PING" -C "$CA" -n other.example -c 1 127.0.0.1 "$GTLSSERVER_PORT"
  [[ "$output" == *"connection terminated error=0x12a"* ]]
}

@test "quic_ping -> gtlsserver: an ALPN it does not speak fails (no_application_protocol)" {
  gtlsserver_start
  run -1 ns_client "$PING" -a hq-interop -c 1 127.0.0.1 "$GTLSSERVER_PORT"
  [[ "$output" == *"connection terminated error=0x178"* ]]
  [[ "$output" == *"by peer"* ]]
}

@test "quic_ping -> gtlsserver -V: handshake through a Retry" {
  PEER_VERBOSE=1 gtlsserver_start -V
  run -0 ns_client "$PING" -C "$CA" -c 2 127.0.0.1 "$GTLSSERVER_PORT"
  [ "${lines[0]}" = "handshake completed alpn=h3" ]
  grep -qi 'retry' "$GTLSSERVER_LOG"
}

@test "quic_ping -k -> gtlsserver: PINGs acknowledged across five key updates" {
  PEER_VERBOSE=1 gtlsserver_start
  run -0 ns_client "$PING" -k -c 6 127.0.0.1 "$GTLSSERVER_PORT"
  [ "$(grep -c '^key update [0-9]' <<< "$output")" -eq 5 ]
  [ "${lines[-1]}" = "OK: 6/6 pings acknowledged" ]
  sleep 0.2
  # ngtcp2 rotated its keys for each of ours
  [ "$(grep -c 'rotate keys' "$GTLSSERVER_LOG")" -ge 5 ]
}

@test "quic_ping -> udp_impair (15% loss, reordering, duplication) -> gtlsserver" {
  gtlsserver_start
  impair_start "$GTLSSERVER_PORT" --loss 15 --delay 5 --reorder 10 --dup 5
  run -0 ns_client "$PING" -C "$CA" -c 10 -t 30 127.0.0.1 "$IMPAIR_PORT"
  [ "${lines[0]}" = "handshake completed alpn=h3" ]
  [ "${lines[-1]}" = "OK: 10/10 pings acknowledged" ]
  impair_stop
  [ "$(impair_stat lost_c2s)" -gt 0 ] || [ "$(impair_stat lost_s2c)" -gt 0 ]
}

@test "quic_ping -> quic-go server: handshake h3, PINGs, close" {
  [ -x "$QUICGO_BIN/quicgo-server" ] || skip "quic-go not built (deps/interop.sh)"
  quicgo_server_start
  run -0 ns_client "$PING" -C "$QUICGO_CA" -c 3 127.0.0.1 "$QUICGO_PORT"
  [ "${lines[0]}" = "handshake completed alpn=h3" ]
  [ "${lines[-1]}" = "OK: 3/3 pings acknowledged" ]
}
