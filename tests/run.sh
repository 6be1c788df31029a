#!/usr/bin/env bash
# Runs every test suite after `make check` has built them, and ends with one
# line "N passed, N failed" summing all of them. Suites:
#   unit        cmocka tests (build/tests/unit/*)
#   unit-asan   the same under ASan+UBSan (build/asan/tests/unit/*)
#   fuzz        corpus replay of each fuzz target under ASan+UBSan
#   cli         Bats tests of the h3cli command (tests/cli/*.bats)
#   interop     Bats tests against third-party peers (tests/interop/*.bats)
# SUITES="unit cli" limits the run. Exit status: 0 when nothing failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export SHARED=${SHARED:-$(cd .. && pwd)/shared}
SUITES=${SUITES:-unit unit-asan fuzz cli interop}
passed=0 failed=0 skipped=0
log_dir=build/test-logs; mkdir -p "$log_dir"

count() { # count SUITE PASSED FAILED
  printf '  suite %-10s pass %d, fail %d\n' "$1" "$2" "$3"
  passed=$((passed + $2)); failed=$((failed + $3))
}

# A cmocka binary prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s),".
# A binary that crashes or prints no summary counts as one failure.
run_cmocka_dir() { # SUITE DIR
  local suite=$1 dir=$2 p=0 f=0 t out rc np nf
  for t in "$dir"/*; do
    [ -x "$t" ] && [ -f "$t" ] || continue
    out=$log_dir/$suite-$(basename "$t").log
    (cd tests/unit && SHARED=$SHARED timeout 600 "../../$t") >"$out" 2>&1; rc=$?
    np=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -n 1)
    nf=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -n 1)
    np=${np:-0}; nf=${nf:-0}
    if [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ]; then nf=1; fi
    if [ "$nf" -ne 0 ]; then
      echo "--- $suite: $(basename "$t") failed (rc=$rc), last lines of $out:"; tail -n 25 "$out"
    fi
    p=$((p + np)); f=$((f + nf))
  done
  count "$suite" "$p" "$f"
}

run_fuzz_replay() {
  local p=0 f=0 t name out
  for t in build/asan/tests/fuzz/fuzz_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t"); name=${name#fuzz_}
    out=$log_dir/fuzz-$name.log
    if timeout 600 "$t" "tests/fuzz/corpus/$name" >"$out" 2>&1; then p=$((p + 1))
    else f=$((f + 1)); echo "--- fuzz replay $name failed:"; tail -n 25 "$out"; fi
  done
  count fuzz "$p" "$f"
}

# Bats in TAP mode: "ok N" / "not ok N" lines; skipped tests count as passed
# only when bats marks them "# skip" (reported separately).
run_bats() { # SUITE DIR
  local suite=$1 dir=$2 out p f
  ls "$dir"/*.bats >/dev/null 2>&1 || { count "$suite" 0 0; return; }
  out=$log_dir/$suite.tap
  H3CLI=$PWD/build/h3cli BUILD=$PWD/build timeout 1500 bats --tap "$dir" >"$out" 2>&1
  p=$(grep '^ok ' "$out" | grep -vc '# skip'); f=$(grep -c '^not ok ' "$out")
  sk=$(grep '^ok ' "$out" | grep -c '# skip')
  skipped=$((skipped + sk))
  [ "$sk" -eq 0 ] || grep '^ok .*# skip' "$out" | sed 's/^/  skipped: /'
  if [ "$f" -ne 0 ] || ! grep -q '^1\.\.' "$out"; then
    grep -A 12 '^not ok ' "$out" | head -n 80
    grep -q '^1\.\.' "$out" || { echo "--- $suite: bats did not run"; tail -n 20 "$out"; f=$((f + 1)); }
  fi
  count "$suite" "$p" "$f"
}

for s in $SUITES; do
  case $s in
    unit) run_cmocka_dir unit build/tests/unit ;;
    unit-asan) run_cmocka_dir unit-asan build/asan/tests/unit ;;
    fuzz) run_fuzz_replay ;;
    cli) run_bats cli tests/cli ;;
    interop) run_bats interop tests/interop ;;
    *) echo "unknown suite $s"; failed=$((failed + 1)) ;;
  esac
done
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
