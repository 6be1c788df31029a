#!/usr/bin/env bats
# Our QUIC transport against ngtcp2's example server (Debian ngtcp2-server,
# gtlsserver): handshake with ALPN h3, PINGs acknowledged, clean close, over
# a loopback UDP socket driven by build/quic_ping. The in-memory pair tests
# cannot catch a misunderstanding both of our own sides share; this can.
bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BUILD=${BUILD:-$REPO/build}

setup_file() {
  command -v gtlsserver >/dev/null || skip "gtlsserver (ngtcp2-server) not installed"
  command -v openssl >/dev/null || skip "openssl not installed"
  export WORK_DIR=$(mktemp -d)
  mkdir -p "$WORK_DIR/htdocs"
  timeout 30 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -nodes -keyout "$WORK_DIR/key.pem" -out "$WORK_DIR/cert.pem" -days 2 \
    -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    2>/dev/null
  # A free loopback UDP port: try a few random ones.
  local port
  for _ in $(seq 20); do
    port=$((20000 + RANDOM % 30000))
    ss -lunH "sport = :$port" 2>/dev/null | grep -q . || break
  done
  export PORT=$port
  timeout 120 gtlsserver --no-quic-dump --no-http-dump -d "$WORK_DIR/htdocs" \
    127.0.0.1 "$PORT" "$WORK_DIR/key.pem" "$WORK_DIR/cert.pem" \
    >"$WORK_DIR/server.log" 2>&1 &
  export SERVER_PID=$!
  for _ in $(seq 50); do
    ss -lunH "sport = :$PORT" 2>/dev/null | grep -q . && return 0
    sleep 0.1
  done
  echo "gtlsserver did not bind port $PORT" >&2
  return 1
}

teardown_file() {
  if [ -n "${SERVER_PID:-}" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  [ -n "${WORK_DIR:-}" ] && rm -rf "$WORK_DIR"
}

@test "quic_ping: handshake with gtlsserver negotiates h3" {
  run -0 timeout 20 "$BUILD/quic_ping" -c 1 127.0.0.1 "$PORT"
  [ "${lines[0]}" = "handshake completed alpn=h3" ]
}

@test "quic_ping: five PINGs acknowledged by gtlsserver, then a clean close" {
  run -0 timeout 20 "$BUILD/quic_ping" -c 5 127.0.0.1 "$PORT"
  for i in 0 1 2 3 4; do
    [ "${lines[$((i + 1))]}" = "ping $i acknowledged" ]
  done
  [ "${lines[6]}" = 'connection terminated error=0x0 (NO_ERROR) reason="done"' ]
  [ "${lines[7]}" = "OK: 5/5 pings acknowledged" ]
}

@test "quic_ping: gtlsserver saw our close (it entered draining)" {
  run -0 timeout 20 "$BUILD/quic_ping" -c 1 127.0.0.1 "$PORT"
  sleep 0.2
  grep -q "ERR_DRAINING\|draining" "$WORK_DIR/server.log"
}

@test "quic_ping: an ALPN the server does not speak fails the handshake" {
  run -1 timeout 20 "$BUILD/quic_ping" -a hq-interop -c 1 127.0.0.1 "$PORT"
  [[ "$output" == *"connection terminated error=0x178"* ]]
}
