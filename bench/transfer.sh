#!/usr/bin/env bash
# bench/transfer.sh — the bulk-transfer benchmark: one large random file over
# loopback, fetched and written to a file, RUNS times per client/server pair;
# prints per pair the median wall time, throughput, CPU time of the client and
# of the server and the server's peak RSS, then the throughput ratio of each
# pair against the ngtcp2 one. A benchmark, not a test: it never fails on
# numbers, only when a transfer does not arrive intact.
#
#   usage: bench/transfer.sh [BUILD]      (make bench passes the build dir)
#   env:   SIZE_MB=1000  RUNS=5  PAIRS="gtls h3cli"  BENCH_DIR=BUILD/bench-transfer
#
# Pairs: gtls = ngtcp2's gtlsclient <- gtlsserver (the reference), h3cli =
# `h3cli get -o` <- `h3cli serve`. The pairs' runs alternate (gtls, h3cli,
# gtls, ...) so that load from other processes on the machine hits both
# alike; the load average is printed before and after.
#
# A pair is one function pair_NAME RUN_DIR that serves $FILE on loopback,
# downloads it into RUN_DIR/got, stops the server and prints one line
#   WALL_S CLIENT_CPU_S SERVER_CPU_S SERVER_PEAK_RSS_KB
# Adding a pair is writing that function and naming it in PAIRS. Everything
# runs on 127.0.0.1, inside a private network namespace when run as root;
# each process is started under `timeout` and stopped by its PID.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
BUILD=${1:-build}
SIZE_MB=${SIZE_MB:-1000}
RUNS=${RUNS:-5}
PAIRS=${PAIRS:-gtls h3cli}
BENCH_DIR=${BENCH_DIR:-$BUILD/bench-transfer}
LIFETIME=${LIFETIME:-300}
CERTS=tests/certs
TICKS=$(getconf CLK_TCK)
NS=

say() { echo "transfer: $*" >&2; }

# Pairs run in command substitutions, so the server's PID is kept in a file
# for this trap too.
cleanup() {
  [ -f "$BENCH_DIR/server.pid" ] && kill "$(cat "$BENCH_DIR/server.pid")" 2>/dev/null
  [ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
  rm -rf "$BENCH_DIR"
}
trap cleanup EXIT

in_ns() {
  if [ -n "$NS" ]; then ip netns exec "$NS" "$@"; else "$@"; fi
}

setup() {
  command -v gtlsserver >/dev/null || { say "gtlsserver missing: run deps/interop.sh"; exit 1; }
  rm -rf "$BENCH_DIR"
  mkdir -p "$BENCH_DIR/www"
  FILE=$BENCH_DIR/www/big.bin
  head -c "$((SIZE_MB * 1000000))" /dev/urandom > "$FILE"
  WANT=$(sha256sum < "$FILE" | cut -d' ' -f1)
  if [ "$(id -u)" -eq 0 ] && timeout 10 ip netns add "h3bench-$$"; then
    NS=h3bench-$$
    ip -n "$NS" link set lo up
  fi
}

# start_server PORT CMD...: sets SRV_PID (timeout's PID) once UDP PORT is bound.
start_server() {
  local port=$1 i nsx=(); shift
  [ -n "$NS" ] && nsx=(ip netns exec "$NS")
  "${nsx[@]}" timeout "$LIFETIME" "$@" > "$BENCH_DIR/server.log" 2>&1 &
  SRV_PID=$!
  echo "$SRV_PID" > "$BENCH_DIR/server.pid"
  for i in $(seq 100); do
    in_ns ss -lunH "sport = :$port" | grep -q . && return 0
    kill -0 "$SRV_PID" 2>/dev/null || break
    sleep 0.1
  done
  say "server did not start:"; tail -n 5 "$BENCH_DIR/server.log" >&2
  return 1
}

# stop_server: prints "CPU_S PEAK_RSS_KB" of the server process (timeout's
# child), read from /proc just before stopping it.
stop_server() {
  local child ticks rss
  child=$(cat "/proc/$SRV_PID/task/$SRV_PID/children" 2>/dev/null | cut -d' ' -f1)
  ticks=$(awk '{print $14 + $15}' "/proc/$child/stat" 2>/dev/null)
  rss=$(awk '/^VmHWM:/ {print $2}' "/proc/$child/status" 2>/dev/null)
  kill "$SRV_PID" 2>/dev/null
  wait "$SRV_PID" 2>/dev/null
  rm -f "$BENCH_DIR/server.pid"
  awk -v t="${ticks:-0}" -v hz="$TICKS" -v r="${rss:-0}" 'BEGIN {printf "%.2f %d\n", t / hz, r}'
}

# timed_client CMD...: runs CMD; prints "WALL_S CPU_S" (user + sys).
timed_client() {
  local t
  t=$( { TIMEFORMAT='%R %U %S'; time in_ns timeout "$LIFETIME" "$@" > /dev/null 2> "$BENCH_DIR/client.log"; } 2>&1 )
  awk '{printf "%.3f %.2f\n", $1, $2 + $3}' <<< "$t"
}

# The ngtcp2 pair (gtlsclient <- gtlsserver). gtlsserver reads the whole
# file into memory, so its RSS grows with the file size.
pair_gtls() {
  local dir=$1 port=$((40000 + RANDOM % 20000)) client server
  start_server "$port" gtlsserver -q -d "$BENCH_DIR/www" 127.0.0.1 "$port" \
    "$CERTS/server.key" "$CERTS/server.pem" || return 1
  client=$(timed_client gtlsclient -q --exit-on-all-streams-close \
    --download="$dir" 127.0.0.1 "$port" "https://127.0.0.1:$port/big.bin")
  server=$(stop_server)
  mv "$dir/big.bin" "$dir/got" 2>/dev/null
  echo "${client% *} ${client#* } $server"
}

# Our pair: `h3cli serve` (sends the file in bounded chunks, so its RSS does
# not grow with the file) and `h3cli get -o`, certificate verified.
pair_h3cli() {
  local dir=$1 port=$((40000 + RANDOM % 20000)) client server
  start_server "$port" "$BUILD/h3cli" serve --quiet --listen "127.0.0.1:$port" \
    --cert "$CERTS/server.pem" --key "$CERTS/server.key" "$BENCH_DIR/www" || return 1
  client=$(timed_client "$BUILD/h3cli" get -sS --cacert "$CERTS/ca.pem" \
    -o "$dir/got" "https://127.0.0.1:$port/big.bin")
  server=$(stop_server)
  echo "${client% *} ${client#* } $server"
}

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# run_one NAME I: transfer I of pair NAME, checked by sha256; appends the
# line to BENCH_DIR/NAME.results.
run_one() {
  local name=$1 i=$2 line dir=$BENCH_DIR/run
  rm -rf "$dir"; mkdir -p "$dir"
  line=$("pair_$name" "$dir") || { say "$name run $i failed"; return 1; }
  [ "$(sha256sum < "$dir/got" 2>/dev/null | cut -d' ' -f1)" = "$WANT" ] ||
    { say "$name run $i: the file did not arrive intact"; return 1; }
  echo "$line" >> "$BENCH_DIR/$name.results"
  say "$name run $i: $line"
  rm -rf "$dir"
}

# summary NAME: the summary line of the pair's runs; leaves the median
# throughput in GBITS[NAME].
declare -A GBITS
summary() {
  local name=$1 results=$BENCH_DIR/$1.results wall ccpu scpu rss
  [ -s "$results" ] || return 1
  wall=$(cut -d' ' -f1 "$results" | median)
  ccpu=$(cut -d' ' -f2 "$results" | median)
  scpu=$(cut -d' ' -f3 "$results" | median)
  rss=$(cut -d' ' -f4 "$results" | sort -g | tail -n 1)
  GBITS[$name]=$(awk -v b="$((SIZE_MB * 1000000))" -v w="$wall" 'BEGIN {printf "%.2f", b * 8 / w / 1e9}')
  printf '%-6s %8.3f %8s %10.2f %10.2f %10d\n' "$name" "$wall" "${GBITS[$name]}" \
    "$ccpu" "$scpu" "$((rss / 1024))"
}

setup
echo "$SIZE_MB MB over loopback${NS:+ (network namespace)}, median of $RUNS runs"
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(uname -sr)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
declare -A FAILED
for p in $PAIRS; do
  declare -F "pair_$p" >/dev/null || { say "no pair named $p"; FAILED[$p]=1; status=1; }
  : > "$BENCH_DIR/$p.results"
done
for i in $(seq "$RUNS"); do
  for p in $PAIRS; do
    [ -z "${FAILED[$p]:-}" ] || continue
    run_one "$p" "$i" || { FAILED[$p]=1; status=1; }
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %8s %8s %10s %10s %10s\n' pair wall_s Gbit/s client_cpu server_cpu srv_rss_MB
for p in $PAIRS; do
  [ -z "${FAILED[$p]:-}" ] && summary "$p"
done
for p in $PAIRS; do
  [ "$p" = gtls ] || [ -z "${GBITS[$p]:-}" ] || [ -z "${GBITS[gtls]:-}" ] && continue
  awk -v a="${GBITS[$p]}" -v b="${GBITS[gtls]}" -v n="$p" \
    'BEGIN {printf "ratio %s/gtls throughput: %.2f\n", n, a / b}'
done
exit "$status"
