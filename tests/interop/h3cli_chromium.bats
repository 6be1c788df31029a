#!/usr/bin/env bats
# tests/interop/h3cli_chromium.bats — headless Chromium loading pages from
# `h3cli serve` over HTTP/3, inside the suite's network namespace (only
# `lo`, every name but localhost unresolvable): the page with 30
# subresources must load completely with nextHopProtocol h3 for the page and
# every resource, as the page's own Resource Timing script reports.
load helpers

setup_file() { interop_setup_file; }
teardown_file() { interop_teardown_file; }
setup() {
  interop_setup
  [ -x "$H3CLI" ] || skip "$H3CLI not built: run make"
  skip_unless_cmd chromium "run deps/interop.sh"
  [ -n "$NS" ] || skip "Chromium runs only inside a network namespace (needs root)"
}
teardown() { interop_teardown; }

@test "Chromium <- h3cli serve: a page with 30 subresources, all over h3" {
  h3serve_start
  chromium_dump_dom "https://localhost:$H3SERVE_PORT/h3page.html" \
    "$BATS_TEST_TMPDIR/dom.html"
  run grep -o '<p id="result">[^<]*</p>' "$BATS_TEST_TMPDIR/dom.html"
  [ "$output" = '<p id="result">nav=h3 resources=30 h3=30 other=</p>' ]
  h3serve_stop
  # The server saw the page and each subresource exactly once, all 200.
  run sh -c "grep -c ' \"GET /h3page.html\" 200 ' '$H3SERVE_LOG'"
  [ "$output" = 1 ]
  run sh -c "grep -c ' \"GET /sub/s[0-9][0-9]\.\(css\|js\)\" 200 ' '$H3SERVE_LOG'"
  [ "$output" = 30 ]
}
