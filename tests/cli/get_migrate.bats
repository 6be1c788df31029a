#!/usr/bin/env bats
# h3cli get --migrate against h3cli serve on loopback: the connection moves
# to a new local port after the handshake (RFC 9000 §9.2), the transfer is
# intact, the new path is validated, and the server answers the next
# request from the new port (its access log shows both ports).
load helpers

setup_file() {
  site=$BATS_FILE_TMPDIR/site
  mkdir -p "$site"
  printf 'hello world\n' >"$site/hello.txt"
  head -c 2000000 /dev/urandom >"$site/big.bin"
  truncate -s 20M "$site/zeros.bin"
  PORT=$(start_server main "$site")
  export PORT SITE=$site
  [ -n "$PORT" ]
}

teardown_file() { stop_all_servers; }

U() { echo "https://127.0.0.1:$PORT$1"; }

# The "from" and "to" ports of the -v line of a migration in $stderr.
migrated_ports() {
  sed -n 's/^\* Migrated the connection from local port \([0-9]*\) to \([0-9]*\)$/\1 \2/p' <<<"$stderr"
}

@test "--migrate: 2 MB intact, the connection moves to a new port and the path is validated" {
  cd "$BATS_TEST_TMPDIR"
  run --separate-stderr "$H3CLI" get -k -v --migrate -o big.bin "$(U /big.bin)"
  [ "$status" -eq 0 ]
  cmp big.bin "$SITE/big.bin"
  read -r from to <<<"$(migrated_ports)"
  [ -n "$from" ] && [ -n "$to" ] && [ "$from" != "$to" ]
  [[ "$stderr" == *"* the new path was validated"* ]]
}

@test "--migrate: the server follows; the next request comes from the new port" {
  cd "$BATS_TEST_TMPDIR"
  run --separate-stderr "$H3CLI" get -k -v --migrate --parallel-max 1 \
    -o zeros.bin "$(U /zeros.bin)" -o hello.txt "$(U /hello.txt)"
  [ "$status" -eq 0 ]
  cmp zeros.bin "$SITE/zeros.bin"
  [ "$(cat hello.txt)" = "hello world" ]
  read -r from to <<<"$(migrated_ports)"
  [ -n "$to" ]
  # The access log names the client's address when a response ends: the
  # 20 MB one (asked from the old port, it ends long after the move) and
  # the second request, sent after it, both from the new port.
  grep -q " 127.0.0.1:$to \"GET /zeros.bin\" 200 20971520 " "$BATS_FILE_TMPDIR/main.out"
  grep -q " 127.0.0.1:$to \"GET /hello.txt\" 200 12 " "$BATS_FILE_TMPDIR/main.out"
  run ! grep -q " 127.0.0.1:$from " "$BATS_FILE_TMPDIR/main.out"
}

@test "without --migrate (or with --no-migrate) the connection keeps its port" {
  cd "$BATS_TEST_TMPDIR"
  run --separate-stderr "$H3CLI" get -k -v -o big.bin "$(U /big.bin)"
  [ "$status" -eq 0 ]
  [ -z "$(migrated_ports)" ]
  [[ "$stderr" != *"new path"* ]]
  run --separate-stderr "$H3CLI" get -k -v --migrate --no-migrate -o big.bin "$(U /big.bin)"
  [ "$status" -eq 0 ]
  [ -z "$(migrated_ports)" ]
}
