# tests/interop/helpers.bash — shared helpers of the interop Bats suites:
# start and stop third-party peers (ngtcp2's gtlsserver/gtlsclient, quic-go's
# h3 example server and client, headless Chromium) and our UDP impairment
# proxy, all on 127.0.0.1 inside a network namespace made per .bats file.
# Usage and conventions: tests/interop/README.md. Peers come from
# deps/interop.sh; nothing here installs anything.
#
# Every process is started under `timeout` (servers: PEER_LIFETIME seconds,
# clients: CLIENT_TIMEOUT), recorded by PID and stopped by that PID in
# teardown; every wait loop is bounded in count.
bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
H3CLI=${H3CLI:-$BUILD/h3cli}
SHARED=${SHARED:-$(cd "$REPO/.." && pwd)/shared}
PEER_LIFETIME=${PEER_LIFETIME:-120}
CLIENT_TIMEOUT=${CLIENT_TIMEOUT:-60}

# The committed test PKI (tests/certs/make-certs.sh): a leaf for localhost,
# 127.0.0.1 and ::1 signed by ca.pem, and its base64 SHA-256 SPKI pin.
CERTS=$REPO/tests/certs
CERT=$CERTS/server.pem
KEY=$CERTS/server.key
CA=$CERTS/ca.pem
SPKI=$(cat "$CERTS/server.spki")

# quic-go's example server always presents the certificate compiled into it
# (its internal/testdata: CN localhost, DNS:localhost only, until 2030),
# issued by QUICGO_CA: clients must use https://localhost:PORT and that CA.
QUICGO_BIN=$BUILD/interop/bin
QUICGO_SRC=/usr/share/gocode/src/github.com/lucas-clemente/quic-go
QUICGO_CA=$QUICGO_SRC/internal/testdata/ca.pem

# ---- suite set-up -------------------------------------------------------

# Call from setup_file. Checks the peers, makes the namespace and the shared
# files, and exports what the tests read. A missing piece does not fail the
# file: INTEROP_SKIP names it and interop_setup skips every test with it.
interop_setup_file() {
  export INTEROP_SKIP=
  local tool
  for tool in gtlsserver gtlsclient ss timeout sha256sum; do
    command -v "$tool" >/dev/null ||
      { export INTEROP_SKIP="$tool missing: run deps/interop.sh as root"; return 0; }
  done
  export WORK=$BATS_FILE_TMPDIR
  export PEER_PIDS_FILE=$WORK/file-pids
  : > "$PEER_PIDS_FILE"
  netns_create || { export INTEROP_SKIP="cannot create a network namespace"; return 0; }
  interop_files
}

# Call from teardown_file: stops what setup_file started, drops the namespace.
interop_teardown_file() {
  [ -n "${PEER_PIDS_FILE:-}" ] && peers_stop_all "$PEER_PIDS_FILE"
  netns_delete
}

# Call from setup: skips when the suite cannot run; gives each test its own
# download directory DL and PID list (stopped by interop_teardown).
interop_setup() {
  [ -z "${INTEROP_SKIP:-}" ] || skip "$INTEROP_SKIP"
  export PEER_PIDS_FILE=$BATS_TEST_TMPDIR/pids
  : > "$PEER_PIDS_FILE"
  DL=$BATS_TEST_TMPDIR/dl
  mkdir -p "$DL"
}

interop_teardown() {
  peers_stop_all "$BATS_TEST_TMPDIR/pids"
}

# skip_unless_cmd CMD REASON: skips the test when CMD is not on PATH.
skip_unless_cmd() {
  command -v "$1" >/dev/null || skip "$1 missing: $2"
}

# ---- network namespace --------------------------------------------------

# netns_create: as root, a namespace with only `lo` (up) named in NS; as
# another user NS stays empty and everything runs on the host's loopback
# (Chromium then refuses to run: see chromium_dump_dom).
netns_create() {
  export NS=
  [ "$(id -u)" -eq 0 ] || return 0
  local name=h3i-$$-$RANDOM
  timeout 10 ip netns add "$name" || return 1
  export NS=$name
  timeout 10 ip -n "$NS" link set lo up || { netns_delete; return 1; }
}

netns_delete() {
  [ -n "${NS:-}" ] || return 0
  timeout 10 ip netns del "$NS" 2>/dev/null || true
  NS=
}

# in_ns CMD [ARGS...]: runs CMD inside the test namespace (or directly).
in_ns() {
  if [ -n "${NS:-}" ]; then ip netns exec "$NS" "$@"; else "$@"; fi
}

# ns_client CMD [ARGS...]: runs a client CMD in the namespace under
# `timeout CLIENT_TIMEOUT` (exit 124 when it hangs), e.g.
#   run ns_client "$H3CLI" get -k "https://127.0.0.1:$GTLSSERVER_PORT/1mb.bin"
ns_client() {
  in_ns timeout "$CLIENT_TIMEOUT" "$@"
}

# ---- ports and processes ------------------------------------------------

# udp_bound PORT: true when something listens on UDP PORT in the namespace.
udp_bound() {
  in_ns ss -lunH "sport = :$1" 2>/dev/null | grep -q .
}

# free_udp_port: prints a UDP port in 20000-59999 nobody uses (100 tries).
free_udp_port() {
  local i port
  for i in $(seq 100); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    if ! in_ns ss -uanH "sport = :$port" 2>/dev/null | grep -q .; then
      echo "$port"
      return 0
    fi
  done
  echo "free_udp_port: no free port after 100 tries" >&2
  return 1
}

# wait_udp_bound PORT PID [TENTHS]: waits until PORT is bound (default at most
# 5 s); fails early when PID has exited.
wait_udp_bound() {
  local port=$1 pid=$2 i
  for i in $(seq "${3:-50}"); do
    udp_bound "$port" && return 0
    kill -0 "$pid" 2>/dev/null || { echo "process $pid exited before binding :$port" >&2; return 1; }
    sleep 0.1
  done
  echo "nothing bound UDP :$port after $(( ${3:-50} / 10 )) s" >&2
  return 1
}

# peer_start NAME PORT CMD [ARGS...]: starts CMD in the namespace under
# `timeout PEER_LIFETIME` with stdout+stderr in $WORK/NAME.log (WORK is the
# test's tmpdir when called from a test), records its PID, then waits until
# UDP PORT is bound (no wait when PORT is empty). Sets NAME_PID and NAME_LOG
# (NAME upper-cased, e.g. GTLSSERVER_PID). On failure prints the log tail.
peer_start() {
  local name=$1 port=$2; shift 2
  local var=${name^^} dir=${BATS_TEST_TMPDIR:-$WORK}
  local log=$dir/$name.log nsx=()
  [ -n "${NS:-}" ] && nsx=(ip netns exec "$NS")
  # A simple command in the background: $! is timeout itself (ip netns exec
  # execs), so stopping that PID stops the peer. fd 3 closed: Bats waits
  # for every holder of it.
  "${nsx[@]}" timeout "$PEER_LIFETIME" "$@" > "$log" 2>&1 3>&- &
  local pid=$!
  echo "$pid" >> "$PEER_PIDS_FILE"
  printf -v "${var}_PID" '%s' "$pid"
  printf -v "${var}_LOG" '%s' "$log"
  export "${var}_PID" "${var}_LOG"
  [ -z "$port" ] && return 0
  wait_udp_bound "$port" "$pid" && return 0
  echo "--- $name did not start; last lines of $log:" >&2
  tail -n 20 "$log" >&2
  return 1
}

# peer_stop PID: SIGTERM (timeout passes it to the peer), up to 5 s for it to
# go, then SIGKILL. Works for processes of another shell (setup_file's).
peer_stop() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}

# peers_stop_all FILE: stops every PID listed in FILE, newest first.
peers_stop_all() {
  local file=$1 pid
  [ -f "$file" ] || return 0
  for pid in $(tac "$file"); do peer_stop "$pid"; done
  : > "$file"
}

# ---- test files ---------------------------------------------------------

# interop_files: once per Bats run, a document root WWW (exported) with
#   1mb.bin 20mb.bin 50mb.bin  random bytes
#   index.html                 a tiny page
#   h3page.html + sub/         a page with 30 subresources (make_h3_page)
# and MIME_TYPES, a mime.types file for gtlsserver. Shared read-only by all
# .bats files of the run; never modify these files in a test.
interop_files() {
  export WWW=$BATS_RUN_TMPDIR/interop-www
  export MIME_TYPES=$BATS_RUN_TMPDIR/interop-mime.types
  [ -f "$WWW/.complete" ] && return 0
  local tmp=$BATS_RUN_TMPDIR/interop-www.tmp
  rm -rf "$tmp"
  mkdir -p "$tmp"
  random_file "$tmp/1mb.bin" 1000000
  random_file "$tmp/20mb.bin" 20000000
  random_file "$tmp/50mb.bin" 50000000
  printf '<!doctype html><html><head><title>h3 ok</title></head><body><h1>hello over h3</h1></body></html>\n' \
    > "$tmp/index.html"
  make_h3_page "$tmp" 30
  printf '%s\n' 'text/html html htm' 'text/css css' 'text/javascript js' \
    'application/octet-stream bin' > "$MIME_TYPES"
  rm -rf "$WWW"
  mv "$tmp" "$WWW"
  touch "$WWW/.complete"
}

# random_file PATH SIZE: SIZE random bytes.
random_file() {
  head -c "$2" /dev/urandom > "$1"
}

# make_h3_page DIR N: DIR/h3page.html loads N subresources from DIR/sub/
# (a third stylesheets, the rest scripts, all blocking) and then writes into
# <p id="result"> what the Resource Timing API saw:
#   nav=<nextHopProtocol of the page> resources=<count> h3=<count over h3>
#   other=<names not over h3, comma-separated>
# so a --dump-dom of the page can be matched exactly.
make_h3_page() {
  local dir=$1 n=$2 i name css=$(( $2 / 3 ))
  mkdir -p "$dir/sub"
  {
    echo '<!doctype html><html><head><title>h3 page</title>'
    for i in $(seq "$css"); do
      name=$(printf 's%02d.css' "$i")
      printf 'p.c%d { margin: %dpx; }\n' "$i" "$i" > "$dir/sub/$name"
      echo "<link rel=\"stylesheet\" href=\"sub/$name\">"
    done
    echo '</head><body><p id="result">pending</p>'
    for i in $(seq $((css + 1)) "$n"); do
      name=$(printf 's%02d.js' "$i")
      printf 'window.loaded = (window.loaded || 0) + 1;\n' > "$dir/sub/$name"
      echo "<script src=\"sub/$name\"></script>"
    done
    cat <<'EOF'
<script>
var nav = performance.getEntriesByType('navigation')[0].nextHopProtocol;
var res = performance.getEntriesByType('resource');
var other = res.filter(function (r) { return r.nextHopProtocol !== 'h3'; })
               .map(function (r) { return r.name.replace(/^.*\//, '') + ':' + r.nextHopProtocol; });
document.getElementById('result').textContent = 'nav=' + nav + ' resources=' + res.length +
  ' h3=' + (res.length - other.length) + ' other=' + other.join(',');
</script></body></html>
EOF
  } > "$dir/h3page.html"
}

# same_file GOT WANT: true when both exist with equal SHA-256; else says which.
same_file() {
  [ -f "$1" ] || { echo "missing: $1" >&2; return 1; }
  local got want
  got=$(sha256sum < "$1" | cut -d' ' -f1)
  want=$(sha256sum < "$2" | cut -d' ' -f1)
  [ "$got" = "$want" ] && return 0
  echo "sha256 differs: $1 ($(stat -c %s "$1") bytes, $got) vs $2 ($(stat -c %s "$2") bytes, $want)" >&2
  return 1
}

# ---- ngtcp2: gtlsserver / gtlsclient ------------------------------------

# Both are quiet (-q) by default; PEER_VERBOSE=1 logs packets and frames
# (--no-quic-dump --no-http-dump: no hex dumps), which the feature checks
# (0-RTT, Retry, key update) read. Avoid it for large files: logs grow fast.
gtls_log_opts() {
  if [ "${PEER_VERBOSE:-0}" = 1 ]; then echo --no-quic-dump --no-http-dump; else echo -q; fi
}

# gtlsserver_start [OPTION...]: gtlsserver serving DIR (default WWW; set
# SERVE_DIR to change) on 127.0.0.1:<free port> with the test certificate.
# Sets GTLSSERVER_PORT, GTLSSERVER_PID, GTLSSERVER_LOG.
gtlsserver_start() {
  export GTLSSERVER_PORT
  GTLSSERVER_PORT=$(free_udp_port) || return 1
  # shellcheck disable=SC2046
  peer_start gtlsserver "$GTLSSERVER_PORT" gtlsserver $(gtls_log_opts) \
    --mime-types-file="$MIME_TYPES" -d "${SERVE_DIR:-$WWW}" "$@" \
    127.0.0.1 "$GTLSSERVER_PORT" "$KEY" "$CERT"
}

# gtlsclient_get DIR PORT [OPTION...] -- TARGET...: fetches each TARGET (a
# path like /1mb.bin, or a full URL) from 127.0.0.1:PORT into DIR (the file
# name is the last path component; index.html for "/"). Output goes to
# stdout/stderr. gtlsclient exits 0 even on a 404 or a handshake timeout and
# does not verify certificates: compare the downloaded files.
gtlsclient_get() {
  local dir=$1 port=$2; shift 2
  local opts=() urls=() t
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  for t in "$@"; do
    case $t in https://*) urls+=("$t") ;; *) urls+=("https://127.0.0.1:$port$t") ;; esac
  done
  mkdir -p "$dir"   # gtlsclient fails without an existing --download dir
  # shellcheck disable=SC2046
  in_ns timeout "$CLIENT_TIMEOUT" gtlsclient $(gtls_log_opts) \
    --download="$dir" --exit-on-all-streams-close "${opts[@]}" \
    127.0.0.1 "$port" "${urls[@]}"
}

# Checks of a verbose (PEER_VERBOSE=1) gtlsclient log, for the features the
# client cannot report by exit status. Each is true only on positive proof.
# gtls_log_statuses LOG: the response status codes, one per line.
gtls_log_statuses() {
  sed -n 's/^http: stream 0x[0-9a-f]* \[:status: \([0-9]*\)\]$/\1/p' "$1"
}

# gtls_log_cipher LOG: the negotiated TLS cipher suite (e.g. AES-128-GCM).
gtls_log_cipher() {
  sed -n 's/^Negotiated cipher suite is //p' "$1"
}

# gtls_log_0rtt_accepted LOG: the first request (stream 0, with FIN) left in
# a 0-RTT packet and the server did not reject early data.
gtls_log_0rtt_accepted() {
  grep -q 'frm tx [0-9]* 0RTT STREAM(0x0b) id=0x0 fin=1 ' "$1" &&
    ! grep -q 'Early data was rejected' "$1"
}

# gtls_log_retry LOG: the client received a Retry packet.
gtls_log_retry() {
  grep -q 'pkt rx .* type=Retry' "$1"
}

# gtls_log_key_update LOG: the client initiated a key update, it was
# confirmed, and packets went out with key phase 1.
gtls_log_key_update() {
  grep -q 'Initiate key update' "$1" && grep -q 'key update confirmed' "$1" &&
    grep -q 'pkt tx .* type=1RTT k=1' "$1"
}

# gtls_log_migrated LOG: path validation succeeded and the client sent from
# at least two local ports.
gtls_log_migrated() {
  local ports
  ports=$(grep -o 'local=\[[0-9a-f.:]*\]:[0-9]*' "$1" | sort -u | wc -l)
  grep -q 'Path validation .* succeeded' "$1" && [ "$ports" -ge 2 ]
}

# ---- quic-go: example server and client ---------------------------------

# quicgo_server_start: quic-go's h3 example server on 127.0.0.1 and ::1, one
# free port, serving SERVE_DIR (default WWW), /demo/echo echoing POST bodies
# (so https://localhost:PORT works whichever address a client tries). Its
# certificate is the built-in one (see QUICGO_CA). It also opens a pprof
# listener on TCP localhost:6060, harmless inside the namespace.
# Sets QUICGO_PORT, QUICGO_SERVER_PID, QUICGO_SERVER_LOG.
quicgo_server_start() {
  [ -x "$QUICGO_BIN/quicgo-server" ] || { echo "no $QUICGO_BIN/quicgo-server: run deps/interop.sh" >&2; return 1; }
  export QUICGO_PORT
  QUICGO_PORT=$(free_udp_port) || return 1
  peer_start quicgo_server "$QUICGO_PORT" "$QUICGO_BIN/quicgo-server" \
    -bind "127.0.0.1:$QUICGO_PORT,[::1]:$QUICGO_PORT" -www "${SERVE_DIR:-$WWW}" ||
    return 1
  local i   # one goroutine per address: wait for the second socket too
  for i in $(seq 30); do
    [ "$(in_ns ss -lunH "sport = :$QUICGO_PORT" | wc -l)" -ge 2 ] && return 0
    sleep 0.1
  done
  echo "quicgo-server bound only one of 127.0.0.1 and ::1" >&2
  return 1
}

# quicgo_get OUT URL: fetches URL with quic-go's example client and writes
# the body to OUT; the client's log goes to OUT.log. Certificates are
# verified against CA (our test CA) or QUICGO_CA_FILE when set;
# QUICGO_INSECURE=1 skips verification. The client can only print the body
# into its log: "Response Body:" on a line, the body, a "\n" when the body
# does not end in one, then lines starting with "client ". The body is cut
# out by the Content-Length the client logged (so a response without one
# fails here), and anything else after it fails too. Sets QUICGO_STATUS to
# the response status (the client exits 0 on a 404: check it).
quicgo_get() {
  local out=$1 url=$2 rc off len start bad
  local insecure=()
  [ "${QUICGO_INSECURE:-0}" = 1 ] && insecure=(-insecure)
  in_ns env SSL_CERT_FILE="${QUICGO_CA_FILE:-$CA}" timeout "$CLIENT_TIMEOUT" \
    "$QUICGO_BIN/quicgo-client" "${insecure[@]}" "$url" > /dev/null 2> "$out.log"
  rc=$?
  QUICGO_STATUS=$(grep -a -m1 '^Got response for ' "$out.log" |
                  grep -o 'StatusCode:[0-9]*' | cut -d: -f2)
  off=$(grep -abo -m1 '^Response Body:$' "$out.log" | cut -d: -f1)
  len=$(grep -a -m1 '^Got response for ' "$out.log" |
        grep -o 'ContentLength:-\?[0-9]*' | cut -d: -f2)
  if [ -z "$off" ] || [ -z "$len" ] || [ "$len" -lt 0 ]; then
    echo "quicgo_get: no body of known length in the client's log (rc=$rc):" >&2
    grep -a -v '^Response Body:$' "$out.log" | head -c 2000 | tail -n 5 >&2
    return 1
  fi
  start=$((off + 16))
  tail -c "+$start" "$out.log" | head -c "$len" > "$out"
  bad=$(tail -c "+$((start + len))" "$out.log" | sed '1{/^$/d}' |
        LC_ALL=C grep -avc '^client ' || true)
  if [ "$bad" -ne 0 ]; then
    echo "quicgo_get: $bad unexpected line(s) after the $len-byte body" >&2
    return 1
  fi
  return "$rc"
}

# ---- the lossy path: build/udp_impair -----------------------------------

# impair_start UPSTREAM_PORT [udp_impair OPTION...]: a proxy on
# 127.0.0.1:<its own free port> forwarding to 127.0.0.1:UPSTREAM_PORT with
# the given impairments (see tests/tools/udp_impair.c). The seed is
# IMPAIR_SEED when set, else random; it is printed (shown when a test
# fails) so a run can be repeated. Sets IMPAIR_PORT, IMPAIR_PID, IMPAIR_LOG.
impair_start() {
  local upstream=$1; shift
  local bin=$BUILD/udp_impair i
  [ -x "$bin" ] || { echo "no $bin: run make" >&2; return 1; }
  export IMPAIR_SEED_USED=${IMPAIR_SEED:-$(( (RANDOM << 15) | RANDOM ))}
  peer_start impair "" "$bin" --listen 127.0.0.1:0 \
    --upstream "127.0.0.1:$upstream" --seed "$IMPAIR_SEED_USED" \
    --lifetime "$PEER_LIFETIME" "$@" || return 1
  export IMPAIR_PORT=
  for i in $(seq 50); do
    IMPAIR_PORT=$(sed -n '1s/^udp_impair: listening 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$IMPAIR_LOG")
    [ -n "$IMPAIR_PORT" ] && break
    sleep 0.1
  done
  echo "udp_impair seed=$IMPAIR_SEED_USED (IMPAIR_SEED=$IMPAIR_SEED_USED repeats it): $(head -n 1 "$IMPAIR_LOG")" >&2
  [ -n "$IMPAIR_PORT" ] || { cat "$IMPAIR_LOG" >&2; return 1; }
}

# impair_stop: stops the proxy and prints its statistics line.
impair_stop() {
  peer_stop "$IMPAIR_PID"
  grep '^udp_impair: stats' "$IMPAIR_LOG"
}

# impair_stat NAME: a counter from the stats line (after impair_stop).
impair_stat() {
  sed -n "s/^udp_impair: stats.* $1=\([0-9]*\).*/\1/p" "$IMPAIR_LOG"
}

# ---- Chromium -----------------------------------------------------------

# chromium_dump_dom URL OUT [FLAG...]: loads URL (https://localhost:PORT/...)
# in headless Chromium inside the namespace, forced onto QUIC for that
# origin, trusting the test certificate by its SPKI pin, and writes the DOM
# after the load event to OUT (Chromium's stderr to OUT.err). Refuses to
# run without a namespace: outside one Chromium reaches for the internet.
chromium_dump_dom() {
  local url=$1 out=$2; shift 2
  [ -n "${NS:-}" ] || { echo "chromium_dump_dom: needs a network namespace (root)" >&2; return 1; }
  local origin=${url#https://}
  origin=${origin%%/*}
  local profile=$BATS_TEST_TMPDIR/chromium-profile
  mkdir -p "$profile"
  in_ns timeout "$CLIENT_TIMEOUT" chromium --headless=new --no-sandbox \
    --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --disable-default-apps \
    --user-data-dir="$profile" --enable-quic \
    --origin-to-force-quic-on="$origin" \
    --host-resolver-rules="MAP localhost 127.0.0.1, MAP * ~NOTFOUND" \
    --ignore-certificate-errors-spki-list="${CHROMIUM_SPKI:-$SPKI}" \
    "$@" --dump-dom "$url" > "$out" 2> "$out.err"
}

# ---- h3cli (tests/interop/h3cli_*.bats) ---------------------------------
# Helpers for the suites that run our own h3cli against the peers above.

# h3serve_start [OPTION...]: `h3cli serve` on 127.0.0.1:<free port> with the
# test certificate, serving SERVE_DIR (default WWW); options pass through
# (--echo PATH, --events, ...). Its access log (or --events lines) goes to
# H3SERVE_LOG. Sets H3SERVE_PORT, H3SERVE_PID, H3SERVE_LOG.
h3serve_start() {
  [ -x "$H3CLI" ] || { echo "no $H3CLI: run make" >&2; return 1; }
  export H3SERVE_PORT
  H3SERVE_PORT=$(free_udp_port) || return 1
  peer_start h3serve "$H3SERVE_PORT" "$H3CLI" serve \
    --listen "127.0.0.1:$H3SERVE_PORT" --cert "$CERT" --key "$KEY" \
    "$@" "${SERVE_DIR:-$WWW}"
}

# h3serve_stop: SIGTERM to the server (a graceful shutdown), then waits for
# it; true when it exited 0. Its log is complete afterwards.
h3serve_stop() {
  local i
  kill -TERM "$H3SERVE_PID" 2>/dev/null || return 1
  for i in $(seq 100); do
    kill -0 "$H3SERVE_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$H3SERVE_PID" 2>/dev/null && { peer_stop "$H3SERVE_PID"; return 1; }
  wait "$H3SERVE_PID"
}

# h3serve_log_requests: the access-log lines of H3SERVE_LOG as
# "METHOD PATH STATUS BYTES", one per request, in log order.
h3serve_log_requests() {
  sed -n 's/^[0-9T:.Z-]* [^ ]* "\([A-Z]*\) \([^"]*\)" \([0-9]*\) \([0-9]*\) .*/\1 \2 \3 \4/p' \
    "$H3SERVE_LOG"
}

# h3get_urls_args DIR URL...: prints, NUL-separated, "-o DIR/<last path
# component> URL" for each URL, for `h3cli get` with many URLs:
#   mapfile -d '' args < <(h3get_urls_args "$DL" "${urls[@]}")
h3get_urls_args() {
  local dir=$1 url; shift
  for url in "$@"; do printf '%s\0' -o "$dir/${url##*/}" "$url"; done
}

# gtls_log_followed_to_new_addr LOG: in a verbose gtlsclient log of a
# --change-local-addr run, the server sent packets to the client's new
# local address (RFC 9000 §9.3: a server follows the client's migration),
# not only to the first one.
gtls_log_followed_to_new_addr() {
  local first ports
  first=$(grep -m1 -o '^Sent packet: local=\[[0-9a-f.:]*\]:[0-9]*' "$1" | sed 's/^Sent packet: //')
  ports=$(grep '^Received packet: ' "$1" | grep -o 'local=\[[0-9a-f.:]*\]:[0-9]*' |
          grep -vxF "$first" | sort -u | wc -l)
  [ -n "$first" ] && [ "$ports" -ge 1 ]
}
