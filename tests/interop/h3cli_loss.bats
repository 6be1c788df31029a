#!/usr/bin/env bats
# tests/interop/h3cli_loss.bats — `h3cli get` fetching from `h3cli serve`
# through build/udp_impair on a lossy path: 5% loss each way, reordering,
# jitter and duplicates. The 20 MB body must arrive intact and the proxy's
# counters must show the impairments really happened. The proxy's seed is
# printed (IMPAIR_SEED=N repeats a run).
load helpers

setup_file() { interop_setup_file; }
teardown_file() { interop_teardown_file; }
setup() {
  interop_setup
  [ -x "$H3CLI" ] || skip "$H3CLI not built: run make"
}
teardown() { interop_teardown; }

@test "h3cli get <- h3cli serve through udp_impair (5% loss, reordering, duplicates): 20 MB intact" {
  h3serve_start
  impair_start "$H3SERVE_PORT" --loss 5 --reorder 3 --reorder-delay 5 \
    --delay 1 --jitter 1 --dup 1
  # The proxy forwards to 127.0.0.1 only: name the server by its address
  # and keep the certificate check (its SAN has 127.0.0.1).
  run --separate-stderr ns_client "$H3CLI" get -sS --cacert "$CA" \
    -o "$DL/20mb.bin" -w '%{http_code} %{size_download}\n' \
    "https://127.0.0.1:$IMPAIR_PORT/20mb.bin"
  impair_stop
  # shellcheck disable=SC2154  # stderr: set by run --separate-stderr
  echo "h3cli get: status $status, stdout '$output', stderr '$stderr'"
  [ "$status" -eq 0 ]
  [ "$output" = "200 20000000" ]
  same_file "$DL/20mb.bin" "$WWW/20mb.bin"
  [ "$(impair_stat lost_s2c)" -gt 100 ]
  [ "$(impair_stat lost_c2s)" -gt 0 ]
  [ "$(impair_stat reordered)" -gt 100 ]
  [ "$(impair_stat duplicated)" -gt 0 ]
  h3serve_stop
  run h3serve_log_requests
  [ "$output" = "GET /20mb.bin 200 20000000" ]
}
