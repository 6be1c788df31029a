#!/usr/bin/env bats
# h3cli ping against our own server on loopback: ping(8)'s output and exit
# codes, every option, and the errors of bad hosts, certificates and peers.
load helpers

setup_file() {
  mkdir -p "$BATS_FILE_TMPDIR/site"
  PORT=$(start_server main "$BATS_FILE_TMPDIR/site")
  CPORT=$(start_server certs --cert "$REPO/tests/certs/server.pem" \
    --key "$REPO/tests/certs/server.key" "$BATS_FILE_TMPDIR/site")
  export PORT CPORT
  [ -n "$PORT" ] && [ -n "$CPORT" ]
}

teardown_file() { stop_all_servers; }

rtt='[0-9]+(\.[0-9]{1,3})?'

@test "three PINGs: ping(8)'s lines, exit 0" {
  run --separate-stderr "$H3CLI" ping -c 3 -i 0.2 -k "127.0.0.1:$PORT"
  [ "$status" -eq 0 ]
  [ -z "$stderr" ]
  [ "${#lines[@]}" -eq 7 ]
  [[ "${lines[0]}" =~ ^PING\ 127\.0\.0\.1\ \(127\.0\.0\.1:$PORT\)\ over\ QUIC\ v1,\ ALPN\ h3:\ handshake=$rtt\ ms$ ]]
  [[ "${lines[1]}" =~ ^seq=1\ time=$rtt\ ms$ ]]
  [[ "${lines[2]}" =~ ^seq=2\ time=$rtt\ ms$ ]]
  [[ "${lines[3]}" =~ ^seq=3\ time=$rtt\ ms$ ]]
  [ "${lines[4]}" = "--- 127.0.0.1 ping statistics ---" ]
  [[ "${lines[5]}" =~ ^3\ pings\ transmitted,\ 3\ received,\ 0%\ loss,\ time\ [0-9]+ms$ ]]
  [[ "${lines[6]}" =~ ^rtt\ min/avg/max/mdev\ =\ [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+\ ms$ ]]
  # A blank line precedes the statistics, as in ping(8).
  [ "$(printf '%s\n' "$output" | sed -n 5p)" = "" ]
}

@test "-i spaces the PINGs, the answers come in well under the delayed-ACK time" {
  start=$(date +%s%N)
  run "$H3CLI" ping -c 3 -i 0.3 -k "127.0.0.1:$PORT"
  end=$(date +%s%N)
  [ "$status" -eq 0 ]
  elapsed_ms=$(((end - start) / 1000000))
  [ "$elapsed_ms" -ge 600 ]
  [ "$elapsed_ms" -lt 3000 ]
  # Each answer comes after one round trip, not after max_ack_delay.
  for i in 1 2 3; do
    t=$(printf '%s\n' "$output" | sed -n "s/^seq=$i time=\([0-9.]*\) ms$/\1/p")
    awk -v t="$t" 'BEGIN { exit !(t < 20) }'
  done
}

@test "-q prints the first line and the statistics only" {
  run "$H3CLI" ping -q -c 2 -i 0.1 -k "127.0.0.1:$PORT"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 4 ]
  [[ "${lines[0]}" == PING\ * ]]
  [ "${lines[1]}" = "--- 127.0.0.1 ping statistics ---" ]
}

@test "-D prefixes lines with the Unix time" {
  run "$H3CLI" ping -D -c 1 -k "127.0.0.1:$PORT"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^\[[0-9]{10}\.[0-9]{6}\]\ PING\  ]]
  [[ "${lines[1]}" =~ ^\[[0-9]{10}\.[0-9]{6}\]\ seq=1\ time= ]]
}

@test "-O, -n and --numeric are accepted; answered PINGs print no warning" {
  run "$H3CLI" ping -O -n --numeric -c 2 -i 0.1 -k "127.0.0.1:$PORT"
  [ "$status" -eq 0 ]
  [[ "$output" != *"no answer yet"* ]]
}

@test "--json: every line is one JSON object, the last the statistics" {
  run --separate-stderr "$H3CLI" ping --json -c 2 -i 0.1 -k "127.0.0.1:$PORT"
  [ "$status" -eq 0 ]
  printf '%s\n' "$output" | python3 -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin]
assert all("layer" in l and "event" in l for l in lines)
kinds = [(l["layer"], l["event"]) for l in lines]
assert ("quic", "handshake_completed") in kinds
assert ("ping", "start") in kinds
replies = [l for l in lines if l["event"] == "reply"]
assert [r["seq"] for r in replies] == [1, 2], replies
stats = [l for l in lines if l["event"] == "statistics"]
assert stats == [lines[-1]] or lines[-1]["event"] == "connection_terminated"
assert stats[0]["transmitted"] == 2 and stats[0]["received"] == 2
'
}

@test "--events: text lines for QUIC events, replies and statistics" {
  run "$H3CLI" ping --events -c 1 -k "127.0.0.1:$PORT"
  [ "$status" -eq 0 ]
  [[ "$output" == *"quic handshake_completed alpn=h3 early_data_accepted=false session_resumed=false"* ]]
  [[ "$output" =~ ping\ reply\ seq=1\ time_ms=[0-9.]+ ]]
  [[ "$output" =~ ping\ statistics\ host=127\.0\.0\.1\ transmitted=1\ received=1 ]]
  [[ "$output" =~ quic\ ping_acknowledged\ uid=1 ]]
}

@test "-w ends the run at the deadline; fewer answers than -c is exit 1" {
  run "$H3CLI" ping -w 0.5 -i 0.2 -c 100 -k "127.0.0.1:$PORT"
  [ "$status" -eq 1 ]
  [[ "$output" =~ [0-9]+\ pings\ transmitted,\ [0-9]+\ received ]]
  run "$H3CLI" ping -w 2 -i 0.1 -c 3 -k "127.0.0.1:$PORT"
  [ "$status" -eq 0 ]
  [[ "$output" == *"3 received"* ]]
}

@test "SIGINT prints the statistics and exits 0" {
  "$H3CLI" ping -i 0.1 -k "127.0.0.1:$PORT" >"$BATS_TEST_TMPDIR/out" 3>&- &
  pid=$!
  sleep 0.6
  kill -INT "$pid"
  rc=0
  wait "$pid" || rc=$?
  [ "$rc" -eq 0 ]
  grep -q '^--- 127.0.0.1 ping statistics ---$' "$BATS_TEST_TMPDIR/out"
  grep -qE '^[0-9]+ pings transmitted, [0-9]+ received' "$BATS_TEST_TMPDIR/out"
}

@test "--cacert verifies the server; without -k an unknown CA is exit 2" {
  run "$H3CLI" ping -c 1 --cacert "$REPO/tests/certs/ca.pem" "localhost:$CPORT"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "PING localhost (127.0.0.1:$CPORT) over QUIC v1, ALPN h3: handshake="* ]]
  run --separate-stderr "$H3CLI" ping -c 1 "localhost:$CPORT"
  [ "$status" -eq 2 ]
  [ -z "$output" ]
  [ "$stderr" = "h3cli: ping: handshake with localhost (127.0.0.1:$CPORT) failed: TLS alert 48 (unknown_ca)" ]
  run --separate-stderr "$H3CLI" ping -c 1 --cacert "$REPO/tests/certs/ca2.pem" "localhost:$CPORT"
  [ "$status" -eq 2 ]
}

@test "--cacert that cannot be read: exit 2" {
  run --separate-stderr "$H3CLI" ping -c 1 --cacert /nonexistent/ca.pem "localhost:$CPORT"
  [ "$status" -eq 2 ]
  [ "$stderr" = "h3cli: ping: cannot read CA file /nonexistent/ca.pem: No such file or directory" ]
}

@test "--alpn the server does not speak: the handshake fails, exit 2" {
  run --separate-stderr "$H3CLI" ping -c 1 -k --alpn hq-interop "127.0.0.1:$PORT"
  [ "$status" -eq 2 ]
  [[ "$stderr" == "h3cli: ping: handshake with 127.0.0.1 (127.0.0.1:$PORT) failed: TLS alert 120 (no_application_protocol)"* ]]
}

@test "nothing listening: ICMP port unreachable, exit 1" {
  port=$(free_port)
  run --separate-stderr "$H3CLI" ping -c 1 -k "127.0.0.1:$port"
  [ "$status" -eq 1 ]
  [ "$stderr" = "h3cli: ping: 127.0.0.1 (127.0.0.1:$port): Connection refused" ]
}

@test "no answer to the handshake within -W: exit 1" {
  port=$(start_silent)
  run --separate-stderr "$H3CLI" ping -c 1 -W 0.5 -k "127.0.0.1:$port"
  [ "$status" -eq 1 ]
  [ "$stderr" = "h3cli: ping: no answer from 127.0.0.1 (127.0.0.1:$port) within 0.5 s" ]
  [ -z "$output" ]
}

@test "-4 and -6 filter the addresses; a host without one is exit 2" {
  run "$H3CLI" ping -4 -c 1 -k "127.0.0.1:$PORT"
  [ "$status" -eq 0 ]
  run --separate-stderr "$H3CLI" ping -6 -c 1 -k "127.0.0.1:$PORT"
  [ "$status" -eq 2 ]
  [ "$stderr" = "h3cli: ping: Could not resolve host: 127.0.0.1" ]
  run --separate-stderr "$H3CLI" ping -4 -c 1 -k "[::1]:$PORT"
  [ "$status" -eq 2 ]
}

@test "usage errors: exit 2 with one line and the hint" {
  run --separate-stderr "$H3CLI" ping
  [ "$status" -eq 2 ]
  [ "$stderr" = "h3cli: no host given
h3cli: try 'h3cli ping --help' for more information" ]
  run --separate-stderr "$H3CLI" ping a b
  [ "$status" -eq 2 ]
  [ "${stderr_lines[0]}" = "h3cli: more than one host given" ]
  for args in "-c 0" "-c x" "-i 0" "-i abc" "-i -1" "-W 0" "-w nan" "--alpn="; do
    run --separate-stderr "$H3CLI" ping $args localhost
    [ "$status" -eq 2 ]
    [[ "${stderr_lines[0]}" == "h3cli: option "*": invalid argument '"* ]]
  done
  run --separate-stderr "$H3CLI" ping '[::1'
  [ "$status" -eq 2 ]
  [ "${stderr_lines[0]}" = "h3cli: invalid host '[::1'" ]
  run --separate-stderr "$H3CLI" ping localhost:99999
  [ "$status" -eq 2 ]
}

@test "an idle timeout of the server ends the run with its statistics" {
  port=$(start_server idle --idle-timeout 0.3 "$BATS_FILE_TMPDIR/site")
  run --separate-stderr "$H3CLI" ping -c 3 -i 1 -k "127.0.0.1:$port"
  stop_server idle
  [ "$status" -eq 0 ]
  [ "$stderr" = "h3cli: ping: connection to 127.0.0.1 idle timeout" ]
  [[ "$output" == *"1 pings transmitted, 1 received"* ]]
}

@test "-O reports unanswered PINGs; losses count in the statistics" {
  port=$(start_server stopped "$BATS_FILE_TMPDIR/site")
  spid=$(cat "$BATS_FILE_TMPDIR/stopped.pid")
  "$H3CLI" ping -O -c 4 -i 0.3 -W 0.5 -k "127.0.0.1:$port" \
    >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
  pid=$!
  # Freeze the server once the first answer is in.
  for _ in $(seq 100); do grep -q '^seq=1 ' "$BATS_TEST_TMPDIR/out" && break; sleep 0.02; done
  kill -STOP "$spid"
  rc=0
  wait "$pid" || rc=$?
  kill -CONT "$spid"
  stop_server stopped
  cat "$BATS_TEST_TMPDIR/out"
  [ "$rc" -eq 0 ]
  grep -qx 'no answer yet for seq=2' "$BATS_TEST_TMPDIR/out"
  grep -qx 'no answer yet for seq=3' "$BATS_TEST_TMPDIR/out"
  grep -qx '4 pings transmitted, 1 received, 75% loss, time [0-9]*ms' "$BATS_TEST_TMPDIR/out"
}
