#!/usr/bin/env bash
# bench/perf_breakdown.sh — where h3cli's CPU goes during a bulk transfer:
# `h3cli serve` and `h3cli get -o` each run under `perf record -g` for one
# loopback transfer of a random file, then every sample is put in one group
# and the groups are printed per process, largest first. A measurement
# tool, not a test (it needs perf and fails only when a step fails).
#
#   usage: bench/perf_breakdown.sh [BUILD]     env: SIZE_MB=300
#
# A sample in user space is grouped by its function: wolfCrypt's AES-GCM /
# ChaCha20-Poly1305 → AEAD, its single-block AES-ECB (wc_AesEncryptDirect)
# → header protection, libc memcpy/memmove → memcpy, malloc/free →
# allocator, our own functions by the source file that defines them (read
# from the object files with nm): the send path (conn_send, frames out,
# sendbuf, packet and varint encoding), the receive path, ACK processing
# and recovery (recovery, ranges, cc_*, pacer), h3/qpack, cmd/. A sample in
# the kernel is grouped by the system call it is under (the first user-space
# frame of its call chain): UDP send (sendmmsg, sendmsg), UDP receive
# (recvmmsg, recvmsg), file I/O (pread, read, write), waiting (epoll_wait),
# else "kernel, other" (page faults, interrupts, scheduling).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SIZE_MB=${SIZE_MB:-300}
command -v perf >/dev/null || { echo "perf_breakdown: perf missing" >&2; exit 1; }
DIR=$(mktemp -d /tmp/h3cli-perf.XXXXXX)
SRV=
cleanup() {
  [ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
  rm -rf "$DIR"
}
trap cleanup EXIT

mkdir -p "$DIR/www"
head -c "$((SIZE_MB * 1000000))" /dev/urandom > "$DIR/www/big.bin"
port=$((40000 + RANDOM % 20000))
timeout 300 perf record -q -g -o "$DIR/serve.data" -- "$BUILD/h3cli" serve \
  --quiet --listen "127.0.0.1:$port" --cert tests/certs/server.pem \
  --key tests/certs/server.key "$DIR/www" > "$DIR/serve.log" 2>&1 &
SRV=$!
for _ in $(seq 50); do
  ss -lunH "sport = :$port" | grep -q . && break
  sleep 0.1
done
timeout 300 perf record -q -g -o "$DIR/get.data" -- "$BUILD/h3cli" get -sS \
  --cacert tests/certs/ca.pem -o "$DIR/got" "https://127.0.0.1:$port/big.bin"
# SIGINT to serve itself (perf's child): a clean exit, perf writes its data.
kill -INT "$(cat "/proc/$SRV/task/$SRV/children" | cut -d' ' -f1)"
wait "$SRV" || true
SRV=
cmp -s "$DIR/got" "$DIR/www/big.bin" || { echo "perf_breakdown: the file did not arrive intact" >&2; exit 1; }

# symbol → defining source file, for our own code.
for o in "$BUILD"/obj/core/*.o "$BUILD"/obj/h3/*.o "$BUILD"/obj/qpack/*.o "$BUILD"/obj/cmd/*.o; do
  nm --defined-only "$o" | awk -v f="${o#"$BUILD"/obj/}" '$2 ~ /^[tT]$/ {print $3, f}'
done > "$DIR/symfiles"

echo "$SIZE_MB MB, h3cli get <- h3cli serve over loopback, perf cpu-clock samples"
for who in serve get; do
  echo
  echo "== h3cli $who"
  perf script -i "$DIR/$who.data" -F ip,sym,dso 2>/dev/null |
    python3 -c '
import re, sys
files = dict(l.split() for l in open(sys.argv[1]))
def user_group(sym):
    if re.search(r"GCM|Gcm|ChaCha20Poly|Poly1305|chacha|Chacha", sym): return "AEAD (AES-GCM / ChaCha20-Poly1305)"
    if re.search(r"AesEncrypt|AES_ECB|AES_encrypt|^EECB_", sym): return "header protection (AES-ECB block)"
    if re.search(r"mem(p?cpy|move|set|cmp)", sym): return "memcpy/memmove (libc)"
    if re.search(r"^_IO_|fwrite|new_do_write|libc_write", sym): return "file output (stdio, user space)"
    if re.search(r"^ev_|clock_gettime|sendmmsg|recvmmsg|epoll_wait|errno", sym): return "libev, clock and syscall wrappers"
    if re.search(r"malloc|_int_free|^free$|cfree|realloc|calloc", sym): return "allocator (malloc/free)"
    f = files.get(sym, "")
    if re.match(r"core/(recovery|ranges|cc_|pacer)", f): return "ACK processing, recovery, congestion control"
    if re.match(r"core/(conn_send|conn_app_out|conn_frames_out|sendbuf|packet|pn|varint|frame|stream|flowctl|cid)", f): return "packet building (send path: frames, sendbuf, encoding)"
    if re.match(r"core/(protect|aead)", f): return "packet protection glue (core/protect.c, aead.c)"
    if re.match(r"core/(conn_recv|conn_frames|rob)", f): return "packet receive path (parse, reassembly)"
    if f.startswith("core/"): return "core, other (events, API, key update)"
    if f.startswith(("h3/", "qpack/")): return "HTTP/3 and QPACK"
    if f.startswith("cmd/"): return "cmd/ driver (loop, serve/get logic)"
    return "other user space"
def kernel_group(user):
    if re.search(r"sendmmsg|sendmsg|sendto", user): return "syscalls: UDP send (sendmmsg)"
    if re.search(r"recvmmsg|recvmsg|recvfrom", user): return "syscalls: UDP receive (recvmmsg)"
    if re.search(r"pread|^read$|__libc_read|write|fwrite", user): return "file I/O (pread / write, kernel)"
    if re.search(r"epoll", user): return "waiting (epoll_wait)"
    return "kernel, other (faults, interrupts, scheduling)"
counts, total, chain = {}, 0, []
def flush():
    global total
    if not chain: return
    ip, sym, dso = chain[0]
    if "kernel" in dso:
        user = next((s for _, s, d in chain if "kernel" not in d), "")
        g = kernel_group(user)
    else:
        g = user_group(sym)
    counts[g] = counts.get(g, 0) + 1
    total += 1
for line in sys.stdin:
    line = line.strip()
    if not line:
        flush(); chain = []; continue
    m = re.match(r"([0-9a-f]+) (.*) \((.*)\)$", line)
    if m:
        chain.append((m.group(1), re.sub(r"\+0x[0-9a-f]+$", "", m.group(2)), m.group(3)))
flush()
for g, n in sorted(counts.items(), key=lambda kv: -kv[1]):
    print("%5.1f%%  %s" % (100.0 * n / total, g))
print("(%d samples)" % total)
' "$DIR/symfiles"
done
