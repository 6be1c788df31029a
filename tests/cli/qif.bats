#!/usr/bin/env bats
# QPACK offline interop (RFC 9204) with build/qif over the shared qifs files
# (../shared/qifs/FORMAT.md): other encoders' files decode to their QIF
# input, the error files give their documented result, and our encoder's
# output decodes back to its input at every table size, blocked-streams
# limit and ack mode, compressing well when the table is usable.
bats_require_minimum_version 1.5.0

setup_file() {
  export REPO_DIR=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  export QIF=${BUILD:-$REPO_DIR/build}/qif
  export QIFS=${SHARED:-$BATS_TEST_DIRNAME/../../../shared}/qifs
  [ -x "$QIF" ] || { echo "missing $QIF (run make)" >&2; return 1; }
  [ -d "$QIFS/encoded" ] || { echo "missing $QIFS" >&2; return 1; }
}

# A QIF in the form `qif decode` prints: no comments, one empty line after
# each header set (FORMAT.md §2).
canonical() {
  awk '/^#/ { next } /^$/ { if (n) { print ""; n = 0 } next } { print; n = 1 }
       END { if (n) print "" }' "$1"
}

@test "qif: every encoded interop file decodes to exactly its QIF input" {
  local f name base params cap blocked n=0 bad=0
  for f in "$QIFS"/encoded/qpack-05/*/*.out.*; do
    name=$(basename "$f"); base=${name%%.out.*}
    [ "$base" = examples ] && continue     # no QIF; see the next test
    params=${name#*.out.}; cap=${params%%.*}; params=${params#*.}
    blocked=${params%%.*}
    n=$((n + 1))
    if ! "$QIF" decode "$f" "$cap" "$blocked" > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" ||
       ! canonical "$QIFS/qifs/$base.qif" | cmp -s - "$BATS_TEST_TMPDIR/out"; then
      echo "FAILED: $f: $(cat "$BATS_TEST_TMPDIR/err")"; bad=$((bad + 1))
    fi
  done
  # 264 files: f5 72, ls-qpack 96, nghttp3 96 (FORMAT.md §1).
  [ "$n" -eq 264 ]
  [ "$bad" -eq 0 ]
  echo "# decoded $n interop files" >&3
}

@test "qif: the draft example decodes at capacities 170, 220 and 4096, not 169" {
  local f=$QIFS/encoded/qpack-05/draft-examples.out cap
  for cap in 170 220 4096; do
    diff <(canonical "$QIFS/qifs/draft-examples.qif") <("$QIF" decode "$f" "$cap" 100)
  done
  run --separate-stderr "$QIF" decode "$f" 169 100
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"QPACK_ENCODER_STREAM_ERROR: dynamic table capacity above the maximum"* ]]
}

@test "qif: RFC 9204 Appendix B example decodes to its three sections" {
  run --separate-stderr "$QIF" decode --rfc-capacity "$QIFS/encoded/qpack-05/examples/examples.out.220.100.1" 220 100
  [ "$status" -eq 0 ]
  [ "$output" = $':path\t/index.html\n\n:authority\twww.example.com\n:path\t/sample/path\n\n:authority\twww.example.com\n:path\t/\ncustom-key\tcustom-value' ]
}

@test "qif: error files give the documented RFC 9204 result" {
  local expect=(
    "err1|QPACK_DECOMPRESSION_FAILED: field section ends inside a field line"
    "err2|QPACK_DECOMPRESSION_FAILED: field section ends inside a field line"
    "err3|QPACK_DECOMPRESSION_FAILED: field section ends inside a field line"
    "err4|QPACK_DECOMPRESSION_FAILED: negative Base"
    "err5|QPACK_DECOMPRESSION_FAILED: invalid dynamic table reference in a field section"
    "err6|QPACK_DECOMPRESSION_FAILED: field section ends inside a field line"
    "err7|QPACK_DECOMPRESSION_FAILED: field section ends inside a field line"
    "err8|QPACK_DECOMPRESSION_FAILED: field section ends inside a field line"
    "err11|QPACK_ENCODER_STREAM_ERROR: invalid dynamic table reference on the encoder stream"
    "err12|QPACK_ENCODER_STREAM_ERROR: static table index out of range on the encoder stream"
  )
  local e file msg
  for e in "${expect[@]}"; do
    file=${e%%|*}; msg=${e#*|}
    run --separate-stderr "$QIF" decode "$QIFS/encoded/errors/$file" 4096
    echo "$file: status $status, $stderr"
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"$msg"* ]]
    [ -z "$output" ]
  done
  # Valid under RFC 9204's 99-entry, 0-based static table (FORMAT.md §7).
  run --separate-stderr "$QIF" decode "$QIFS/encoded/errors/err9" 4096
  [ "$status" -eq 0 ]
  [ "$output" = $':authority\t' ]
  run --separate-stderr "$QIF" decode "$QIFS/encoded/errors/err10" 4096
  [ "$status" -eq 0 ]
  [ "$output" = $'x-xss-protection\t1; mode=block' ]
}

@test "qif: our encoder round-trips every QIF at 4 capacities x 2 blocked x 2 ack modes" {
  local q base cap blocked ack size
  declare -A total
  printf '# %-20s %6s %7s %4s %9s\n' input capacity blocked ack compressed >&3
  for q in "$QIFS"/qifs/*.qif; do
    base=$(basename "$q" .qif)
    for cap in 0 256 4096 16384; do
      for blocked in 0 100; do
        for ack in 0 1; do
          "$QIF" encode "$q" "$cap" "$blocked" "$ack" "$BATS_TEST_TMPDIR/enc" 2> "$BATS_TEST_TMPDIR/stats"
          # Our encoder follows RFC 9204 §3.2.2 (Set Dynamic Table Capacity
          # first), so decode strictly from an empty table.
          "$QIF" decode --rfc-capacity "$BATS_TEST_TMPDIR/enc" "$cap" "$blocked" > "$BATS_TEST_TMPDIR/out"
          canonical "$q" | cmp - "$BATS_TEST_TMPDIR/out"
          size=$(awk '{ print $NF }' "$BATS_TEST_TMPDIR/stats")
          total[$base.$cap.$blocked.$ack]=$size
          printf '# %-20s %6s %7s %4s %9s\n' "$base" "$cap" "$blocked" "$ack" "$size" >&3
        done
      done
    done
  done
  # Every input repeats field lines across its sets. With acknowledgements
  # the 4096-byte table must save at least 15% over no table. With blocked
  # 0 an insert cannot serve its own section, so the 3-set draft example
  # (one field repeated once) is exempt there; without acknowledgements
  # (ack 0) entries never become usable, so nothing is asserted.
  local bad=0 small big
  for q in "$QIFS"/qifs/*.qif; do
    base=$(basename "$q" .qif)
    for blocked in 0 100; do
      [ "$blocked" = 0 ] && [ "$base" = draft-examples ] && continue
      small=${total[$base.4096.$blocked.1]}; big=${total[$base.0.$blocked.1]}
      if [ $((small * 100)) -gt $((big * 85)) ]; then
        echo "$base blocked $blocked: $small at 4096 vs $big at 0"; bad=1
      fi
    done
  done
  [ "$bad" -eq 0 ]
}
