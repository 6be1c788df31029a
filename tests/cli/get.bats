#!/usr/bin/env bats
# h3cli get against h3cli serve on loopback: curl's outputs (-i, -I, -o,
# -O, -w, -v, --events), request options (-H, -A, -X, -d, -L, -f), TLS
# options, every exit code of the man page, and bad input of every kind.
load helpers

setup_file() {
  site=$BATS_FILE_TMPDIR/site
  mkdir -p "$site/dir" "$site/a" "$site/out"
  printf 'hello world\n' >"$site/hello.txt"
  printf 'second\n' >"$site/dir/second.txt"
  printf 'one\n' >"$site/a/one.txt"
  head -c 2000000 /dev/urandom >"$site/big.bin"
  printf 'x\0y' >"$site/nul.bin"
  truncate -s 400M "$site/zeros.bin"
  PORT=$(start_server main --echo /echo "$site")
  CPORT=$(start_server certs --cert "$REPO/tests/certs/server.pem" \
    --key "$REPO/tests/certs/server.key" "$site")
  PIN=$(sed -n 's/^pin //p' "$BATS_FILE_TMPDIR/main.out")
  SILENT=$(start_silent)
  FREE=$(free_port)
  export PORT CPORT PIN SILENT FREE SITE=$site
  [ -n "$PORT" ] && [ -n "$CPORT" ] && [ -n "$SILENT" ]
}

teardown_file() { stop_all_servers; }

U() { echo "https://127.0.0.1:$PORT$1"; }

@test "the body goes to stdout and nothing else" {
  run --separate-stderr "$H3CLI" get -k "$(U /hello.txt)"
  [ "$status" -eq 0 ]
  [ "$output" = "hello world" ]
  [ -z "$stderr" ]
}

@test "-i: HTTP/3 status line with a trailing space, CRLF lines, then the body" {
  run "$H3CLI" get -k -i "$(U /hello.txt)"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = $'HTTP/3 200 \r' ]
  [ "${lines[1]}" = $'server: h3cli/0.1.0\r' ]
  [[ "$output" == *$'content-length: 12\r\naccept-ranges: bytes\r\n\r\nhello world' ]]
  run "$H3CLI" get -k --include "$(U /hello.txt)"
  [ "${lines[0]}" = $'HTTP/3 200 \r' ]
  run "$H3CLI" get -k -i --no-show-headers "$(U /hello.txt)"
  [ "$output" = "hello world" ]
}

@test "-I: HEAD, the head only" {
  run "$H3CLI" get -k -I "$(U /hello.txt)"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = $'HTTP/3 200 \r' ]
  [[ "$output" == *$'content-length: 12\r\n'* ]]
  [[ "$output" != *"hello world"* ]]
}

@test "-o FILE, -o -, -O, --output-dir" {
  cd "$BATS_TEST_TMPDIR"
  run "$H3CLI" get -k -o f.txt "$(U /hello.txt)"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  [ "$(cat f.txt)" = "hello world" ]
  run "$H3CLI" get -k -o - "$(U /hello.txt)"
  [ "$output" = "hello world" ]
  run "$H3CLI" get -k -O "$(U /dir/second.txt)"
  [ "$(cat second.txt)" = "second" ]
  mkdir d
  run "$H3CLI" get -k --output-dir d -O "$(U /hello.txt)" -o x.txt "$(U /dir/second.txt)"
  [ "$status" -eq 0 ]
  [ "$(cat d/hello.txt)" = "hello world" ]
  [ "$(cat d/x.txt)" = "second" ]
}

@test "-o and -O that cannot be written: exit 23" {
  run --separate-stderr "$H3CLI" get -k -o /nonexistent/dir/f "$(U /hello.txt)"
  [ "$status" -eq 23 ]
  [ "$stderr" = "h3cli: (23) Failed to open the file /nonexistent/dir/f: No such file or directory" ]
  cd "$BATS_TEST_TMPDIR"
  run --separate-stderr "$H3CLI" get -k -O "$(U /dir/)"
  [ "$status" -eq 23 ]
  [ "$stderr" = "h3cli: (23) Remote file name has no length" ]
  if [ -w /dev/full ]; then
    run --separate-stderr "$H3CLI" get -k -o /dev/full "$(U /big.bin)"
    [ "$status" -eq 23 ]
  fi
}

@test "a reader that goes away: exit 23, not SIGPIPE" {
  run bash -c "'$H3CLI' get -k '$(U /big.bin)' | head -c 10 >/dev/null; echo \${PIPESTATUS[0]}"
  [ "${lines[-1]}" = "23" ]
  [[ "$output" == *"h3cli: (23) Failure writing output to destination"* ]]
}

@test "several URLs: one connection, outputs in URL order" {
  run --separate-stderr "$H3CLI" get -k -v "$(U /big.bin)" "$(U /hello.txt)" "$(U /dir/second.txt)" -o /dev/null
  [ "$status" -eq 0 ]
  [ "$output" = $'hello world\nsecond' ]
  [ "$(grep -c '^\* QUIC handshake done' <<<"$stderr")" -eq 1 ]
  run "$H3CLI" get -k --parallel-max 1 "$(U /hello.txt)" "$(U /dir/second.txt)" "$(U /a/one.txt)"
  [ "$output" = $'hello world\nsecond\none' ]
  # Another origin gets its own connection.
  run --separate-stderr "$H3CLI" get -k -v "$(U /hello.txt)" "https://localhost:$CPORT/a/one.txt"
  [ "$output" = $'hello world\none' ]
  [ "$(grep -c '^\* QUIC handshake done' <<<"$stderr")" -eq 2 ]
}

@test "a 2 MB body arrives intact, with --cc reno too" {
  run "$H3CLI" get -k -o "$BATS_TEST_TMPDIR/b" "$(U /big.bin)"
  [ "$status" -eq 0 ]
  cmp "$SITE/big.bin" "$BATS_TEST_TMPDIR/b"
  run "$H3CLI" get -k --cc reno -o "$BATS_TEST_TMPDIR/c" "$(U /big.bin)"
  [ "$status" -eq 0 ]
  cmp "$SITE/big.bin" "$BATS_TEST_TMPDIR/c"
}

@test "-v: * info, > request and < response lines on stderr" {
  run --separate-stderr "$H3CLI" get -k -v "$(U /hello.txt)"
  [ "$status" -eq 0 ]
  [ "$output" = "hello world" ]
  [[ "$stderr" == *"* Host 127.0.0.1:$PORT was resolved."* ]]
  [[ "$stderr" == *"* IPv4: 127.0.0.1"* ]]
  [[ "$stderr" =~ \*\ QUIC\ handshake\ done\ in\ [0-9.]+\ ms:\ QUIC\ v1,\ TLS_AES_128_GCM_SHA256,\ ALPN\ h3 ]]
  [[ "$stderr" == *"> GET /hello.txt HTTP/3
> host: 127.0.0.1:$PORT
> user-agent: h3cli/0.1.0
> accept: */*
>
< HTTP/3 200 "* ]]
  [[ "$stderr" == *"< content-length: 12"* ]]
}

@test "-H adds, replaces and removes fields; -A sets the user-agent" {
  run --separate-stderr "$H3CLI" get -k -v -o /dev/null -H 'X-Custom: a b' \
    -H 'Accept: text/plain' -H 'user-agent:' -H 'x-empty;' -H 'Connection: close' \
    -H 'Host: example.com' "$(U /hello.txt)"
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"> host: example.com
> x-custom: a b
> accept: text/plain
> x-empty: 
>"* ]]
  [[ "$stderr" != *"> user-agent"* ]]
  [[ "$stderr" != *"> connection"* ]]
  run --separate-stderr "$H3CLI" get -k -v -o /dev/null -A 'me/1.0' "$(U /hello.txt)"
  [[ "$stderr" == *"> user-agent: me/1.0"* ]]
  printf 'x-from-file: 1\nx-second: 2\n' >"$BATS_TEST_TMPDIR/h"
  run --separate-stderr "$H3CLI" get -k -v -o /dev/null -H "@$BATS_TEST_TMPDIR/h" "$(U /hello.txt)"
  [[ "$stderr" == *"> x-from-file: 1
> x-second: 2"* ]]
}

@test "-d, --data-binary, @file, @-: POST bodies; -X sets the method" {
  run "$H3CLI" get -k -d 'a=1' -d 'b=2' "$(U /echo)"
  [ "$output" = "a=1&b=2" ]
  printf 'line1\r\nline2\n' >"$BATS_TEST_TMPDIR/d"
  run "$H3CLI" get -k -d "@$BATS_TEST_TMPDIR/d" "$(U /echo)"
  [ "$output" = "line1line2" ]
  run "$H3CLI" get -k --data-binary "@$BATS_TEST_TMPDIR/d" -o "$BATS_TEST_TMPDIR/back" "$(U /echo)"
  cmp "$BATS_TEST_TMPDIR/d" "$BATS_TEST_TMPDIR/back"
  run bash -c "printf stdin | '$H3CLI' get -k -d @- '$(U /echo)'"
  [ "$output" = "stdin" ]
  run --separate-stderr "$H3CLI" get -k -v -X PUT -d x -H 'content-type: text/x' -w ' %header{content-type}' "$(U /echo)"
  [ "$output" = "x text/x" ]
  [[ "$stderr" == *"> PUT /echo HTTP/3"* ]]
  [[ "$stderr" == *"> content-length: 1"* ]]
}

@test "-L follows redirects, --max-redirs limits them (exit 47)" {
  run "$H3CLI" get -k -w '%{http_code}' "$(U /dir)"
  [ "$output" = $'301 Moved Permanently\n301' ]
  run "$H3CLI" get -k -L -w '%{http_code} %{url_effective}' -o /dev/null "$(U /dir)"
  [ "$status" -eq 0 ]
  [ "$output" = "200 https://127.0.0.1:$PORT/dir/" ]
  run --separate-stderr "$H3CLI" get -k -L --max-redirs 0 "$(U /dir)"
  [ "$status" -eq 47 ]
  [ "$stderr" = "h3cli: (47) Maximum (0) redirects followed" ]
  run "$H3CLI" get -k -L --no-location -w '%{http_code}' -o /dev/null "$(U /dir)"
  [ "$output" = "301" ]
}

@test "-f: exit 22 without the body; --fail-with-body: with it" {
  run --separate-stderr "$H3CLI" get -k -f "$(U /missing)"
  [ "$status" -eq 22 ]
  [ -z "$output" ]
  [ "$stderr" = "h3cli: (22) The requested URL returned error: 404" ]
  run --separate-stderr "$H3CLI" get -k --fail-with-body "$(U /missing)"
  [ "$status" -eq 22 ]
  [ "$output" = "404 Not Found" ]
  run "$H3CLI" get -k "$(U /missing)"
  [ "$status" -eq 0 ]
  run "$H3CLI" get -k -f "$(U /hello.txt)"
  [ "$status" -eq 0 ]
}

@test "-s hides errors, -S shows them again" {
  run --separate-stderr "$H3CLI" get -k -s -f "$(U /missing)"
  [ "$status" -eq 22 ]
  [ -z "$stderr" ]
  run --separate-stderr "$H3CLI" get -k -s -S -f "$(U /missing)"
  [ "$stderr" = "h3cli: (22) The requested URL returned error: 404" ]
}

@test "-w: curl's variables, %header{}, %{json}, @file" {
  run "$H3CLI" get -k -o /dev/null -w '%{http_code} %{response_code} %{http_version} %{size_download} %{num_headers} %{exitcode} %{remote_ip} %{remote_port} %{local_ip} %header{Content-Length} %%\n' "$(U /hello.txt)"
  [ "$status" -eq 0 ]
  [ "$output" = "200 200 3 12 8 0 127.0.0.1 $PORT 127.0.0.1 12 %" ]
  run "$H3CLI" get -k -o /dev/null -w '%{time_connect} %{time_starttransfer} %{time_total} %{size_header}' "$(U /hello.txt)"
  [[ "$output" =~ ^[0-9]+\.[0-9]{6}\ [0-9]+\.[0-9]{6}\ [0-9]+\.[0-9]{6}\ [0-9]+$ ]]
  run "$H3CLI" get -k -o /dev/null -w '%{json}' "$(U /hello.txt)"
  python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert d["http_code"] == 200 and d["exitcode"] == 0' "$output"
  printf '%%{http_code}' >"$BATS_TEST_TMPDIR/fmt"
  run "$H3CLI" get -k -o /dev/null -w "@$BATS_TEST_TMPDIR/fmt" "$(U /hello.txt)"
  [ "$output" = "200" ]
  run --separate-stderr "$H3CLI" get -k -o /dev/null -w '%{exitcode} %{errormsg}' -f "$(U /missing)"
  [ "$output" = "22 The requested URL returned error: 404" ]
  run --separate-stderr "$H3CLI" get -k -w '%{stderr}E' -o /dev/null "$(U /hello.txt)"
  [ "$stderr" = "E" ]
  run --separate-stderr "$H3CLI" get -k -w @/nonexistent "$(U /hello.txt)"
  [ "$status" -eq 26 ]
}

@test "--events: one line per event and header instead of the body" {
  run --separate-stderr "$H3CLI" get -k --events "$(U /hello.txt)"
  [ "$status" -eq 0 ]
  [[ "$output" != *"hello world"* ]]
  [[ "$output" == *"quic handshake_completed alpn=h3 early_data_accepted=false session_resumed=false"* ]]
  [[ "$output" == *"h3 headers_received stream_id=0 count=8 stream_ended=false
h3 header stream_id=0 name=:status value=200
h3 header stream_id=0 name=server value=h3cli/0.1.0"* ]]
  [[ "$output" == *'h3 header stream_id=0 name=content-type value="text/plain; charset=utf-8"'* ]]
  [[ "$output" == *"h3 data_received stream_id=0 length=12 stream_ended=true"* ]]
  run "$H3CLI" get -k --events -o "$BATS_TEST_TMPDIR/body" "$(U /hello.txt)"
  [ "$(cat "$BATS_TEST_TMPDIR/body")" = "hello world" ]
}

@test "--json: every line is a JSON object with layer and event" {
  run --separate-stderr "$H3CLI" get -k --json "$(U /hello.txt)"
  [ "$status" -eq 0 ]
  printf '%s\n' "$output" | python3 -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin]
assert all(set(("layer", "event")) <= set(l) for l in lines)
hdr = [l for l in lines if l["event"] == "header"]
assert {"layer": "h3", "event": "header", "stream_id": 0, "name": ":status", "value": "200"} in hdr
term = lines[-1]
assert term["event"] == "connection_terminated" and term["error_code"] == 256, term
'
}

@test "TLS: --cacert verifies, the system store does not know our CA (60)" {
  run "$H3CLI" get --cacert "$REPO/tests/certs/ca.pem" "https://localhost:$CPORT/hello.txt"
  [ "$status" -eq 0 ]
  [ "$output" = "hello world" ]
  run --separate-stderr "$H3CLI" get "https://localhost:$CPORT/hello.txt"
  [ "$status" -eq 60 ]
  [ "$stderr" = "h3cli: (60) SSL certificate problem: unable to verify the certificate of localhost (untrusted, expired or badly signed)" ]
  run --separate-stderr "$H3CLI" get --cacert "$REPO/tests/certs/ca.pem" --resolve "other.example:$CPORT:127.0.0.1" "https://other.example:$CPORT/hello.txt"
  [ "$status" -eq 60 ]
  [ "$stderr" = "h3cli: (60) SSL: no alternative certificate subject name matches target host name 'other.example'" ]
  run --separate-stderr "$H3CLI" get -k --no-insecure "https://localhost:$CPORT/hello.txt"
  [ "$status" -eq 60 ]
  # CURL_CA_BUNDLE wins over SSL_CERT_FILE (both may be set around us).
  run env -u CURL_CA_BUNDLE SSL_CERT_FILE="$REPO/tests/certs/ca.pem" "$H3CLI" get "https://localhost:$CPORT/hello.txt"
  [ "$status" -eq 0 ]
  run env CURL_CA_BUNDLE="$REPO/tests/certs/ca.pem" SSL_CERT_FILE=/nonexistent "$H3CLI" get "https://localhost:$CPORT/hello.txt"
  [ "$status" -eq 0 ]
  run env -u CURL_CA_BUNDLE -u SSL_CERT_FILE -u SSL_CERT_DIR "$H3CLI" get "https://localhost:$CPORT/hello.txt"
  [ "$status" -eq 60 ]
}

@test "--cacert that cannot be read: exit 77" {
  run --separate-stderr "$H3CLI" get --cacert /nonexistent.pem "https://localhost:$CPORT/hello.txt"
  [ "$status" -eq 77 ]
  [ "$stderr" = "h3cli: (77) error setting certificate file: /nonexistent.pem" ]
}

@test "--pinnedpubkey: the right pin passes, another is exit 90, nonsense exit 2" {
  run "$H3CLI" get -k --pinnedpubkey "$PIN" "$(U /hello.txt)"
  [ "$status" -eq 0 ]
  run "$H3CLI" get --cacert "$REPO/tests/certs/ca.pem" --pinnedpubkey "sha256//$(cat "$REPO/tests/certs/server.spki")" "https://localhost:$CPORT/hello.txt"
  [ "$status" -eq 0 ]
  run --separate-stderr "$H3CLI" get -k --pinnedpubkey "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" "$(U /hello.txt)"
  [ "$status" -eq 90 ]
  [ "$stderr" = "h3cli: (90) SSL: public key does not match pinned public key" ]
  run --separate-stderr "$H3CLI" get -k --pinnedpubkey "md5//x" "$(U /hello.txt)"
  [ "$status" -eq 2 ]
}

@test "--resolve and --connect-to keep the name for TLS and :authority" {
  run --separate-stderr "$H3CLI" get --cacert "$REPO/tests/certs/ca.pem" -v --resolve "localhost:$CPORT:127.0.0.1" "https://localhost:$CPORT/hello.txt"
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"> host: localhost:$CPORT"* ]]
  run --separate-stderr "$H3CLI" get --cacert "$REPO/tests/certs/ca.pem" -v --connect-to "localhost:443:127.0.0.1:$CPORT" "https://localhost/hello.txt"
  [ "$status" -eq 0 ]
  [ "$output" = "hello world" ]
  [[ "$stderr" == *"> host: localhost"$'\n'* ]]
  run --separate-stderr "$H3CLI" get -k --resolve "bad" "$(U /)"
  [ "$status" -eq 2 ]
  run --separate-stderr "$H3CLI" get -k --connect-to "a:b" "$(U /)"
  [ "$status" -eq 2 ]
}

@test "-4 and -6 filter addresses (6 when none is left)" {
  run "$H3CLI" get -k -4 "$(U /hello.txt)"
  [ "$status" -eq 0 ]
  run --separate-stderr "$H3CLI" get -k -6 "$(U /hello.txt)"
  [ "$status" -eq 6 ]
  [ "$stderr" = "h3cli: (6) Could not resolve host: 127.0.0.1" ]
}

@test "exit 1: not https" {
  run --separate-stderr "$H3CLI" get "http://127.0.0.1:$PORT/"
  [ "$status" -eq 1 ]
  [ "$stderr" = 'h3cli: (1) Protocol "http" not supported' ]
  run --separate-stderr "$H3CLI" get "ftp://127.0.0.1/"
  [ "$status" -eq 1 ]
}

@test "exit 2: usage errors" {
  run --separate-stderr "$H3CLI" get
  [ "$status" -eq 2 ]
  [ "$stderr" = "h3cli: no URL specified
h3cli: try 'h3cli get --help' for more information" ]
  for args in "-m x" "-m -1" "--connect-timeout abc" "--max-redirs -1" "--parallel-max 0" "--cc vegas"; do
    run --separate-stderr "$H3CLI" get $args "$(U /)"
    [ "$status" -eq 2 ] || { echo "$args: $status"; false; }
    [[ "${stderr_lines[0]}" == "h3cli: option "*": invalid argument '"* ]]
  done
}

@test "exit 3: malformed URLs" {
  for url in 'https://[::1' 'https://' 'https://h:99999/' 'https://h:0/' 'https://a b/' 'https:host'; do
    run --separate-stderr "$H3CLI" get "$url"
    [ "$status" -eq 3 ] || { echo "$url: $status"; false; }
    [[ "$stderr" == "h3cli: (3) "* ]]
  done
}

@test "exit 7: nothing listens (ICMP port unreachable)" {
  run --separate-stderr "$H3CLI" get -k "https://127.0.0.1:$FREE/"
  [ "$status" -eq 7 ]
  [[ "$stderr" =~ ^h3cli:\ \(7\)\ Failed\ to\ connect\ to\ 127\.0\.0\.1\ port\ $FREE\ after\ [0-9]+\ ms:\ Connection\ refused$ ]]
}

@test "exit 28: --connect-timeout and --max-time" {
  run --separate-stderr "$H3CLI" get -k --connect-timeout 0.3 "https://127.0.0.1:$SILENT/"
  [ "$status" -eq 28 ]
  [[ "$stderr" =~ ^h3cli:\ \(28\)\ Failed\ to\ connect\ to\ 127\.0\.0\.1\ port\ $SILENT\ after\ [0-9]+\ ms:\ Timeout\ was\ reached$ ]]
  run --separate-stderr "$H3CLI" get -k -m 0.3 "https://127.0.0.1:$SILENT/"
  [ "$status" -eq 28 ]
  [[ "$stderr" =~ ^h3cli:\ \(28\)\ Operation\ timed\ out\ after\ [0-9]+\ milliseconds\ with\ 0\ bytes\ received$ ]]
}

# Exit codes for peers that misbehave: build/rogue_server completes real
# handshakes (or refuses one) and then does one wrong thing.
rogue_get() { # name mode [rogue_server options...]: runs get against it
  local port
  port=$(start_rogue "$@")
  [ -n "$port" ]
  run --separate-stderr "$H3CLI" get --cacert "$REPO/tests/certs/ca.pem" \
    -m 10 "https://127.0.0.1:$port/x"
  stop_server "$1"
}

@test "exit 8: a response whose :status is not three digits" {
  rogue_get badstatus bad-status
  [ "$status" -eq 8 ]
  [ "$output" = "" ]
  [ "$stderr" = "h3cli: (8) Weird server reply: malformed HTTP/3 response on stream 0" ]
}

@test "exit 8: the request stream ends without a response" {
  rogue_get noresp no-response
  [ "$status" -eq 8 ]
  [ "$stderr" = "h3cli: (8) Weird server reply: malformed HTTP/3 response on stream 0" ]
}

@test "exit 35: the TLS handshake fails (the server offers no h3 ALPN)" {
  rogue_get alpn handshake -a hq-interop
  [ "$status" -eq 35 ]
  [ "$stderr" = "h3cli: (35) TLS handshake with 127.0.0.1 failed: TLS alert 120 (no_application_protocol) from the peer" ]
}

@test "exit 55: a -H field the HTTP/3 layer refuses to send (RFC 9114 §4.2)" {
  # A space in a field name, and a value ending in a space, are not valid
  # field lines: the request never leaves.
  local before
  before=$(grep -c '"GET /hello.txt"' "$BATS_FILE_TMPDIR/main.out" || true)
  for h in 'x y: z' 'x-a: b '; do
    run --separate-stderr "$H3CLI" get -k -H "$h" "$(U /hello.txt)"
    [ "$status" -eq 55 ] || { echo "[$h]: $status"; false; }
    [ "$output" = "" ]
    [ "$stderr" = "h3cli: (55) Failed sending HTTP request: invalid argument" ]
  done
  # Neither request reached the server's access log.
  [ "$(grep -c '"GET /hello.txt"' "$BATS_FILE_TMPDIR/main.out" || true)" -eq "$before" ]
}

@test "exit 55: the request's header fields exceed the server's limit" {
  # The server's SETTINGS (max_field_section_size 50) arrive in 0.5-RTT,
  # before the first request is written.
  rogue_get tiny tiny-headers
  [ "$status" -eq 55 ]
  [[ "$stderr" =~ ^h3cli:\ \(55\)\ Failed\ sending\ HTTP\ request:\ [0-9]+\ bytes\ of\ header\ fields,\ the\ server\ accepts\ 50$ ]]
}

@test "exit 56: the server resets the request stream" {
  rogue_get reset reset
  [ "$status" -eq 56 ]
  [ "$stderr" = "h3cli: (56) HTTP/3 stream 0 reset by server (H3_REQUEST_REJECTED)" ]
}

@test "exit 56: the server closes the connection cleanly before answering" {
  rogue_get quiet quiet-close
  [ "$status" -eq 56 ]
  [ "$stderr" = "h3cli: (56) Connection to 127.0.0.1 closed by the peer with H3_NO_ERROR (0x100): rogue: quiet-close" ]
}

@test "exit 95: the server closes with an HTTP/3 error" {
  rogue_get h3close h3-close
  [ "$status" -eq 95 ]
  [ "$stderr" = "h3cli: (95) HTTP/3 error: connection closed by the peer with H3_INTERNAL_ERROR (0x102): rogue: h3-close" ]
}

@test "exit 95: a DATA frame before HEADERS is an HTTP/3 error of ours" {
  rogue_get datafirst data-first
  [ "$status" -eq 95 ]
  [ "$stderr" = "h3cli: (95) HTTP/3 error: connection closed with H3_FRAME_UNEXPECTED (0x105): frame not permitted here" ]
  # The client closed the connection with that code (RFC 9114 §4.1).
  grep -qx 'rogue_server: connection ended: application 0x105 by the client' \
    "$BATS_FILE_TMPDIR/datafirst.out"
}

@test "exit 96: the server closes with a QUIC transport error" {
  rogue_get quicclose quic-close
  [ "$status" -eq 96 ]
  [ "$stderr" = "h3cli: (96) QUIC connection error: closed by the peer with PROTOCOL_VIOLATION (0xa): rogue: quic-close" ]
}

@test "exit 26: a -d, --data-binary or -H file that cannot be read" {
  for opt in -d --data-binary -H; do
    run --separate-stderr "$H3CLI" get -k $opt @/nonexistent/file "$(U /echo)"
    [ "$status" -eq 26 ]
    [ "$stderr" = "h3cli: (26) Failed to open/read local data from file/application: /nonexistent/file: No such file or directory" ]
  done
}

@test "exit 27: a -d, --data-binary or -H file larger than the memory allowed" {
  command -v prlimit >/dev/null || skip "prlimit (util-linux) missing"
  # 300 MB of zeros (sparse); 200 MB of address space lets h3cli start but
  # not hold the file: the allocation really fails.
  truncate -s 300M "$BATS_TEST_TMPDIR/huge"
  for opt in -d --data-binary -H; do
    run --separate-stderr prlimit --as=200000000 "$H3CLI" get -k $opt "@$BATS_TEST_TMPDIR/huge" "$(U /echo)"
    [ "$status" -eq 27 ] || { echo "$opt: $status $stderr"; false; }
    [ "$stderr" = "h3cli: (27) Out of memory" ]
  done
}

@test "100 KB of header fields before serve's SETTINGS are known: the server answers 431" {
  # The first request leaves with the handshake; serve's SETTINGS (65536)
  # come after its handshake completes. (Once they are known, get refuses
  # with 55: see the tiny-headers test above.)
  big=$(head -c 100000 /dev/zero | tr '\0' a)
  run --separate-stderr "$H3CLI" get -k -f -H "x-big: $big" "$(U /hello.txt)"
  [ "$status" -eq 22 ]
  [ "$stderr" = "h3cli: (22) The requested URL returned error: 431" ]
}

@test "binary output to a terminal is refused (23) unless -o -" {
  run script -qec "'$H3CLI' get -k '$(U /nul.bin)'" /dev/null
  [ "$status" -eq 23 ]
  [[ "$output" == *"h3cli: warning: Binary output can mess up your terminal."* ]]
  run script -qec "'$H3CLI' get -k -o - '$(U /nul.bin)'" /dev/null
  [ "$status" -eq 0 ]
  run script -qec "'$H3CLI' get -k '$(U /hello.txt)'" /dev/null
  [ "$status" -eq 0 ]
  [[ "$output" == *"hello world"* ]]
}

@test "--session-file: the second connection resumes the TLS session" {
  f=$BATS_TEST_TMPDIR/session
  run --separate-stderr "$H3CLI" get -k -v --session-file "$f" "$(U /hello.txt)"
  [ "$status" -eq 0 ]
  [[ "$stderr" != *", resumed"* ]]
  [ "$(head -n 2 "$f")" = "h3cli-session 3
origin 127.0.0.1:$PORT" ]
  [[ "$(sed -n 3p "$f")" =~ ^ticket\ [0-9]+$ ]]
  [[ "$(sed -n 4p "$f")" =~ ^token\ [0-9]+$ ]]
  # serve's SETTINGS, kept for 0-RTT: format byte, table capacity 4096,
  # field sections 65536, 100 blocked streams (1 + 3 + 5 + 3 bytes).
  [ "$(sed -n 5p "$f")" = "settings 12" ]
  [[ "$stderr" == *"* QUIC address token received"* ]]
  [ "$(stat -c %a "$f")" = "600" ]
  run --separate-stderr "$H3CLI" get -k -v --session-file "$f" "$(U /hello.txt)"
  [ "$status" -eq 0 ]
  [ "$output" = "hello world" ]
  [[ "$stderr" =~ \*\ QUIC\ handshake\ done\ in\ [0-9.]+\ ms:\ QUIC\ v1,\ [A-Z0-9_]+,\ ALPN\ h3,\ resumed ]]
  # A file of format 2 (no settings line and bytes) still resumes.
  python3 - "$f" <<'EOF'
import sys
path = sys.argv[1]
head = open(path, "rb").read().split(b"\n", 5)
n = int(head[4].split()[1])
rest = head[5][:len(head[5]) - n]
open(path, "wb").write(b"h3cli-session 2\n" + b"\n".join(head[1:4]) + b"\n" + rest)
EOF
  [ "$(head -n 1 "$f")" = "h3cli-session 2" ]
  run --separate-stderr "$H3CLI" get -k -v --session-file "$f" "$(U /hello.txt)"
  [ "$status" -eq 0 ]
  [[ "$stderr" == *", resumed"* ]]
  [ "$(head -n 1 "$f")" = "h3cli-session 3" ]
  # A session for another origin or a damaged file: a full handshake.
  run --separate-stderr "$H3CLI" get --cacert "$REPO/tests/certs/ca.pem" -v --session-file "$f" "https://localhost:$CPORT/hello.txt"
  [ "$status" -eq 0 ]
  [[ "$stderr" != *", resumed"* ]]
  printf 'garbage' >"$f"
  run "$H3CLI" get -k --session-file "$f" "$(U /hello.txt)"
  [ "$status" -eq 0 ]
  run --separate-stderr "$H3CLI" get -k --session-file /nonexistent/dir/s "$(U /hello.txt)"
  [ "$status" -eq 23 ]
  [ "$stderr" = "h3cli: (23) cannot write the session file /nonexistent/dir/s: No such file or directory" ]
}

@test "--quic-version v2: the whole connection in QUIC v2 (RFC 9369)" {
  run --separate-stderr "$H3CLI" get -k -v --quic-version v2 "$(U /hello.txt)"
  [ "$status" -eq 0 ]
  [ "$output" = "hello world" ]
  [[ "$stderr" == *"ms: QUIC v2, "* ]]
  run --separate-stderr "$H3CLI" get -k -v --quic-version v1 "$(U /hello.txt)"
  [[ "$stderr" == *"ms: QUIC v1, "* ]]
  run --separate-stderr "$H3CLI" get -k --quic-version v3 "$(U /hello.txt)"
  [ "$status" -eq 2 ]
  [ "${stderr_lines[0]}" = "h3cli: option --quic-version: invalid argument 'v3'" ]
}

@test "--0rtt: GET requests go as early data and are accepted; POST waits" {
  f=$BATS_TEST_TMPDIR/session
  run "$H3CLI" get -k --0rtt --session-file "$f" "$(U /hello.txt)"
  [ "$status" -eq 0 ]
  run --separate-stderr "$H3CLI" get -k -v --0rtt --session-file "$f" \
    "$(U /hello.txt)" "$(U /dir/second.txt)"
  [ "$status" -eq 0 ]
  [ "$output" = $'hello world\nsecond' ]
  [[ "$stderr" == *"resuming the TLS session from $f, with 0-RTT"* ]]
  [[ "$stderr" == *"* 0-RTT requests respect the server's HTTP/3 SETTINGS saved with the session"* ]]
  [[ "$stderr" == *"* 0-RTT accepted by the server"* ]]
  # Both requests were written before the handshake completed.
  [ "$(sed -n '/^> GET \/dir\/second.txt HTTP\/3/=' <<<"$stderr")" -lt \
    "$(sed -n '/^\* QUIC handshake done/=' <<<"$stderr")" ]
  run --separate-stderr "$H3CLI" get -k -v --0rtt --session-file "$f" -d x "$(U /echo)"
  [ "$output" = "x" ]
  [ "$(sed -n '/^> POST \/echo HTTP\/3/=' <<<"$stderr")" -gt \
    "$(sed -n '/^\* QUIC handshake done/=' <<<"$stderr")" ]
}

@test "--0rtt with a session another server cannot resume: sent again, still right" {
  f=$BATS_TEST_TMPDIR/session
  run "$H3CLI" get -k --session-file "$f" "https://localhost:$PORT/hello.txt"
  [ "$status" -eq 0 ]
  # The same origin name, but the other server (another ticket key).
  run --separate-stderr "$H3CLI" get -k -v --0rtt --session-file "$f" \
    --connect-to "localhost:$PORT:127.0.0.1:$CPORT" "https://localhost:$PORT/hello.txt"
  [ "$status" -eq 0 ]
  [ "$output" = "hello world" ]
  [[ "$stderr" == *"* 0-RTT rejected (requests sent again) by the server"* ]]
  [[ "$stderr" != *", resumed"* ]]
}

@test "a progress meter on a terminal's stderr for transfers over a second" {
  run script -qec "'$H3CLI' get -k -o '$BATS_TEST_TMPDIR/z' '$(U /zeros.bin)'" /dev/null
  [ "$status" -eq 0 ]
  [[ "$output" == *"  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current"* ]]
  [[ "$output" =~ $'\r'100\ \ 400M\ \ 100\ \ 400M\ \ \ \ 0\ \ \ \ \ 0 ]]
  # Not with -s, not in a pipe, not for a short transfer.
  run script -qec "'$H3CLI' get -s -k -o '$BATS_TEST_TMPDIR/z' '$(U /zeros.bin)'" /dev/null
  [[ "$output" != *"% Total"* ]]
  run --separate-stderr "$H3CLI" get -k -o "$BATS_TEST_TMPDIR/z" "$(U /zeros.bin)"
  [ -z "$stderr" ]
  run script -qec "'$H3CLI' get -k -o '$BATS_TEST_TMPDIR/h' '$(U /hello.txt)'" /dev/null
  [[ "$output" != *"% Total"* ]]
}

@test "--parallel-max 1: each request waits for the previous response" {
  run --separate-stderr "$H3CLI" get -k -v "$(U /hello.txt)" "$(U /dir/second.txt)"
  [ "$(grep -E '^(> GET|< HTTP)' <<<"$stderr" | cut -c1-14)" = "$(printf '%s\n' \
    '> GET /hello.t' '> GET /dir/sec' '< HTTP/3 200 ' '< HTTP/3 200 ')" ]
  run --separate-stderr "$H3CLI" get -k -v --parallel-max 1 "$(U /hello.txt)" "$(U /dir/second.txt)"
  [ "$status" -eq 0 ]
  [ "$output" = $'hello world\nsecond' ]
  [ "$(grep -E '^(> GET|< HTTP)' <<<"$stderr" | cut -c1-14)" = "$(printf '%s\n' \
    '> GET /hello.t' '< HTTP/3 200 ' '> GET /dir/sec' '< HTTP/3 200 ')" ]
}

@test "SSLKEYLOGFILE: get and serve log the same TLS secrets (NSS format)" {
  local k=$BATS_TEST_TMPDIR
  port=$(SSLKEYLOGFILE=$k/server.keys start_server keylog "$SITE")
  SSLKEYLOGFILE=$k/client.keys run "$H3CLI" get -k "https://127.0.0.1:$port/hello.txt"
  [ "$output" = "hello world" ]
  stop_server keylog
  local re='^(CLIENT|SERVER)_(HANDSHAKE_TRAFFIC_SECRET|TRAFFIC_SECRET_0) [0-9a-f]{64} [0-9a-f]{64}$'
  [ "$(grep -cE "$re" "$k/client.keys")" -eq 4 ]
  [ "$(wc -l < "$k/client.keys")" -eq 4 ]
  # The same four secrets of the same connection (one client random) on
  # both sides, whatever the order they were written in.
  [ "$(sort "$k/client.keys")" = "$(sort "$k/server.keys")" ]
  [ "$(cut -d' ' -f2 "$k/client.keys" | sort -u | wc -l)" -eq 1 ]
}

@test "a path starting with // is requested as is, like curl" {
  run --separate-stderr "$H3CLI" get -k -v -w '%{url_effective}\n' "$(U //a//hello.txt)"
  [ "${lines[${#lines[@]} - 1]}" = "$(U //a//hello.txt)" ]
  grep -qxF '> GET //a//hello.txt HTTP/3' <<<"$stderr"
  grep -qF '"GET //a//hello.txt"' "$BATS_FILE_TMPDIR/main.out"
}

@test "--http3-only and --path-as-is are accepted" {
  run "$H3CLI" get -k --http3-only --path-as-is "$(U /hello.txt)"
  [ "$status" -eq 0 ]
  [ "$output" = "hello world" ]
  run "$H3CLI" get -k -w '%{http_code}' -o /dev/null --path-as-is "$(U /a/../hello.txt)"
  [ "$output" = "404" ]
  run "$H3CLI" get -k "$(U /a/../hello.txt)"
  [ "$output" = "hello world" ]
}

@test "the last failure decides the exit status" {
  run --separate-stderr "$H3CLI" get -k -f "$(U /missing)" "$(U /hello.txt)"
  [ "$status" -eq 22 ]
  [ "$output" = "hello world" ]
  run --separate-stderr "$H3CLI" get -k -f "$(U /missing)" "http://x/"
  [ "$status" -eq 1 ]
}
