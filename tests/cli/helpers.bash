# Shared helpers for the Bats suites. H3CLI (the binary) and BUILD (the build
bats_require_minimum_version 1.5.0
# directory) are exported by tests/run.sh; defaults let `bats tests/cli` work.
REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
H3CLI=${H3CLI:-$REPO/build/h3cli}
BUILD=${BUILD:-$REPO/build}
SHARED=${SHARED:-$(cd "$REPO/.." && pwd)/shared}

# Long options ("--name") that `h3cli [help CMD] --help` lists, sorted.
help_long_options() { # [command]
  if [ -n "${1:-}" ]; then "$H3CLI" help "$1"; else "$H3CLI" --help; fi |
    grep -E '^  +(-[A-Za-z0-9], )?--' | grep -oE -- '--[a-z0-9][a-z0-9-]*' |
    head -n 1000 | sort -u
}

# Long options in the OPTIONS section of a man page, sorted.
man_long_options() { # page-file
  sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$1" | grep -E '^\.(B|BR|BI|IP|TP)' |
    grep -oE -- '\\-\\-[a-z0-9][a-z0-9-]*' | sed 's/\\//g' | sort -u
}

# Long options the bash completion offers: the words of "local NAME_opts=".
bash_long_options() { # variable-prefix (global, get, ...)
  sed -n "s/^ *local $1_opts=\"\\(.*\\)\"/\\1/p" "$REPO/completions/h3cli.bash" |
    tr ' ' '\n' | grep -E -- '^--' | sort -u
}

# Long options in a zsh function body (_h3cli for the global ones, up to its
# "case $state"; _h3cli_CMD for a command).
zsh_long_options() { # function-name
  awk -v f="$1" '$0 ~ "^"f"\\(\\) \\{" {on=1; next}
                 on && /^}/ {exit} on && /case \$state/ {exit} on' \
    "$REPO/completions/_h3cli" | grep -oE -- '--[a-z0-9][a-z0-9-]*' | sort -u
}

# Long options of fish "complete" lines whose condition contains COND.
fish_long_options() { # condition
  grep -F -- "$1" "$REPO/completions/h3cli.fish" |
    grep -oE -- ' -l [a-z0-9][a-z0-9-]*' | sed 's/ -l /--/' | sort -u
}

# ---- background processes of a .bats file --------------------------------
# Each is started with fd 3 closed (Bats waits for every holder of it), its
# PID in $BATS_FILE_TMPDIR/NAME.pid; stop_server NAME stops one and
# stop_all_servers (from teardown_file) every one, by those PIDs.

# Starts `h3cli serve --listen ADDR ARGS...` (ADDR with port 0) with its
# output in $BATS_FILE_TMPDIR/NAME.out and NAME.err, and prints the port it
# got (from the banner's first line; empty when it did not start in 5 s).
start_server_on() { # name addr args...
  local name=$1 addr=$2 out
  shift 2
  out=$BATS_FILE_TMPDIR/$name.out
  "$H3CLI" serve --listen "$addr" "$@" >"$out" 2>"$BATS_FILE_TMPDIR/$name.err" 3>&- &
  echo $! >"$BATS_FILE_TMPDIR/$name.pid"
  for _ in $(seq 100); do
    [ -s "$out" ] && break
    sleep 0.05
  done
  sed -n '1s/^listening on https:\/\/[^ ]*:\([0-9]*\)\/ .*/\1/p' "$out"
}

# start_server_on on 127.0.0.1:0.
start_server() { # name args...
  local name=$1
  shift
  start_server_on "$name" 127.0.0.1:0 "$@"
}

stop_server() { # name
  local pid
  pid=$(cat "$BATS_FILE_TMPDIR/$1.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || true
}

stop_all_servers() {
  local f
  for f in "$BATS_FILE_TMPDIR"/*.pid; do
    [ -e "$f" ] && stop_server "$(basename "$f" .pid)"
  done
  true
}

# A UDP port with a socket that never answers, held open for 120 s by a
# sleeping process (PID in silent.pid); prints the port.
start_silent() {
  python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(120)' >"$BATS_FILE_TMPDIR/silent.port" 3>&- &
  echo $! >"$BATS_FILE_TMPDIR/silent.pid"
  for _ in $(seq 100); do
    [ -s "$BATS_FILE_TMPDIR/silent.port" ] && break
    sleep 0.05
  done
  cat "$BATS_FILE_TMPDIR/silent.port"
}

# A UDP port nobody listens on (bound, then released).
free_port() {
  python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Starts build/rogue_server (tests/tools/rogue_server.c: real handshakes,
# then the misbehaviour MODE) with the test certificate for 120 s, output
# in $BATS_FILE_TMPDIR/NAME.out; prints its port.
start_rogue() { # name mode [rogue_server options...]
  local name=$1 mode=$2 out
  shift 2
  out=$BATS_FILE_TMPDIR/$name.out
  "$BUILD/rogue_server" -m "$mode" -t 120 "$@" "$REPO/tests/certs/server.pem" \
    "$REPO/tests/certs/server.key" >"$out" 2>"$BATS_FILE_TMPDIR/$name.err" 3>&- &
  echo $! >"$BATS_FILE_TMPDIR/$name.pid"
  for _ in $(seq 100); do
    [ -s "$out" ] && break
    sleep 0.05
  done
  sed -n '1s/^rogue_server: listening 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$out"
}
