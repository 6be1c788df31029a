#!/usr/bin/env bats
# The h3cli command itself: global options, dispatch, usage errors, and the
# agreement of --help, the man page and the three completion files.
load helpers

@test "--version prints h3cli's, wolfSSL's and libev's versions" {
  run "$H3CLI" --version
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^h3cli\ [0-9]+\.[0-9]+\.[0-9]+\ wolfSSL/[0-9]+\.[0-9]+\.[0-9]+\ libev/[0-9]+\.[0-9]+$ ]]
  run "$H3CLI" -V
  [ "$status" -eq 0 ]
}

@test "--help prints usage and options on stdout" {
  run --separate-stderr "$H3CLI" --help
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Usage: h3cli [--help] [--version] <command> [options]" ]
  [[ "$output" == *"--version"* ]]
  [ -z "$stderr" ]
}

@test "help is the same as --help" {
  diff <("$H3CLI" help) <("$H3CLI" --help)
}

@test "no command: usage on stderr, exit 2" {
  run --separate-stderr "$H3CLI"
  [ "$status" -eq 2 ]
  [ -z "$output" ]
  [[ "$stderr" == Usage:* ]]
}

@test "unknown long option: one error line and a hint, exit 2" {
  run --separate-stderr "$H3CLI" --bogus
  [ "$status" -eq 2 ]
  [ "$stderr" = "h3cli: option --bogus: is unknown
h3cli: try 'h3cli --help' for more information" ]
  [ -z "$output" ]
}

@test "unknown short option: exit 2" {
  run --separate-stderr "$H3CLI" -x
  [ "$status" -eq 2 ]
  [ "${stderr_lines[0]}" = "h3cli: option -x: is unknown" ]
}

@test "argument to a flag that takes none: exit 2" {
  run --separate-stderr "$H3CLI" --version=1
  [ "$status" -eq 2 ]
  [ "${stderr_lines[0]}" = "h3cli: option --version: does not take an argument" ]
}

@test "unknown command: one error line and a hint, exit 2" {
  run --separate-stderr "$H3CLI" frobnicate
  [ "$status" -eq 2 ]
  [ "$stderr" = "h3cli: 'frobnicate' is not an h3cli command
h3cli: try 'h3cli --help' for more information" ]
}

@test "help for an unknown command: exit 2" {
  run --separate-stderr "$H3CLI" help frobnicate
  [ "$status" -eq 2 ]
  [ "${stderr_lines[0]}" = "h3cli: 'frobnicate' is not an h3cli command" ]
}

@test "global options agree: --help, h3cli(1), bash, zsh, fish" {
  want=$(help_long_options)
  [ -n "$want" ]
  diff <(echo "$want") <(man_long_options "$REPO/man/h3cli.1")
  diff <(echo "$want") <(bash_long_options global)
  diff <(echo "$want") <(zsh_long_options _h3cli)
  diff <(echo "$want") <(fish_long_options __fish_use_subcommand)
}

@test "--help lists the commands that work" {
  run --separate-stderr "$H3CLI" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"
Commands:
  get      fetch URLs over HTTP/3, like curl
  serve    serve a directory over HTTP/3
  ping     measure QUIC round trips to a server, like ping(8)
"* ]]
}

@test "each command's options agree: help, its man page, bash, zsh, fish" {
  for cmd in get serve ping; do
    want=$(help_long_options "$cmd")
    [ -n "$want" ]
    diff <(echo "$want") <(man_long_options "$REPO/man/h3cli-$cmd.1")
    diff <(echo "$want") <(bash_long_options "$cmd")
    diff <(echo "$want") <(zsh_long_options "_h3cli_$cmd")
    diff <(echo "$want") <(fish_long_options "__fish_seen_subcommand_from $cmd")
  done
}

@test "help CMD and CMD --help print the same, on stdout, exit 0" {
  for cmd in get serve ping; do
    diff <("$H3CLI" help "$cmd") <("$H3CLI" "$cmd" --help)
    run --separate-stderr "$H3CLI" "$cmd" -h
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "Usage: h3cli $cmd $(case $cmd in get) echo '[options] <url>...';; serve) echo '[options] [<dir>]';; ping) echo '[options] <host>[:<port>]';; esac)" ]
    [ -z "$stderr" ]
  done
}

@test "a command's unknown option: one error line and the command's hint" {
  for cmd in get serve ping; do
    run --separate-stderr "$H3CLI" "$cmd" --bogus
    [ "$status" -eq 2 ]
    [ "$stderr" = "h3cli: option --bogus: is unknown
h3cli: try 'h3cli $cmd --help' for more information" ]
    run --separate-stderr "$H3CLI" "$cmd" -Z
    [ "$status" -eq 2 ]
    [ "${stderr_lines[0]}" = "h3cli: option -Z: is unknown" ]
  done
  run --separate-stderr "$H3CLI" get -o
  [ "$status" -eq 2 ]
  [ "${stderr_lines[0]}" = "h3cli: option -o: requires an argument" ]
  run --separate-stderr "$H3CLI" serve --listen
  [ "$status" -eq 2 ]
  [ "${stderr_lines[0]}" = "h3cli: option --listen: requires an argument" ]
}

@test "every man page renders without warnings" {
  for page in "$REPO"/man/*.1; do
    run sh -c "MANWIDTH=80 man -l '$page' 2>&1 >/dev/null"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    run groff -man -ww -z "$page"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    if command -v mandoc >/dev/null; then
      run mandoc -T lint "$page"
      [ "$status" -eq 0 ]
      [ -z "$output" ]
    fi
  done
  for cmd in get serve ping; do [ -f "$REPO/man/h3cli-$cmd.1" ]; done
}

@test "completion files load in their shells" {
  run bash -c "source '$REPO/completions/h3cli.bash' && complete -p h3cli"
  [ "$status" -eq 0 ]
  [[ "$output" == *"-F _h3cli h3cli"* ]]
  COMP_WORDS=(h3cli --ver) COMP_CWORD=1 run bash -c "
    source '$REPO/completions/h3cli.bash'
    COMP_WORDS=(h3cli --ver); COMP_CWORD=1; _h3cli; echo \"\${COMPREPLY[*]}\""
  [ "$output" = "--version" ]
  head -n 1 "$REPO/completions/_h3cli" | grep -qx '#compdef h3cli'
  if command -v zsh >/dev/null; then zsh -n "$REPO/completions/_h3cli"; fi
  if command -v fish >/dev/null; then fish -n "$REPO/completions/h3cli.fish"; fi
}

# Runs the bash completion for the words given and prints the candidates.
bash_complete() {
  bash -c 'source "$0"; COMP_WORDS=("${@}"); COMP_CWORD=$(($# - 1)); _h3cli
           echo "${COMPREPLY[*]}"' "$REPO/completions/h3cli.bash" "$@"
}

@test "bash completes commands, their options and option arguments" {
  [ "$(bash_complete h3cli "")" = "get serve ping help" ]
  [ "$(bash_complete h3cli get --out)" = "--output --output-dir" ]
  [ "$(bash_complete h3cli get -X P)" = "POST PUT" ]
  [ "$(bash_complete h3cli get --cc "")" = "cubic reno" ]
  [ "$(bash_complete h3cli get -H "")" = "" ]
  [ "$(bash_complete h3cli serve --wor)" = "--workers" ]
  [ "$(bash_complete h3cli ping -c 3 --report)" = "--report-outstanding" ]
  [ "$(bash_complete h3cli help s)" = "serve" ]
  [ "$(cd "$REPO" && bash_complete h3cli get --output-dir completion)" = "completions" ]
}

@test "fish completes each command's options" {
  command -v fish >/dev/null || skip "fish not installed"
  run fish -c "source '$REPO/completions/h3cli.fish'; complete -C 'h3cli ping --report'"
  [ "$output" = "--report-outstanding	report unanswered PINGs" ]
  run fish -c "source '$REPO/completions/h3cli.fish'; complete -C 'h3cli get -X P'"
  [ "$output" = "POST	request method
PUT	request method" ]
}

@test "make install puts every file in place under DESTDIR and PREFIX" {
  dest=$(mktemp -d)
  run make -C "$REPO" --no-print-directory install DESTDIR="$dest" PREFIX=/opt/h3
  [ "$status" -eq 0 ]
  for f in bin/h3cli lib/libh3cli.a lib/pkgconfig/h3cli.pc include/h3cli/quic.h \
           share/man/man1/h3cli.1 share/bash-completion/completions/h3cli \
           share/zsh/site-functions/_h3cli share/fish/vendor_completions.d/h3cli.fish; do
    [ -e "$dest/opt/h3/$f" ] || { echo "missing $f"; false; }
  done
  "$dest/opt/h3/bin/h3cli" --version
  grep -q '^prefix=/opt/h3$' "$dest/opt/h3/lib/pkgconfig/h3cli.pc"
  # A program builds against the installed headers and library alone.
  export PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_PATH=$dest/opt/h3/lib/pkgconfig
  cc -std=c11 -D_DEFAULT_SOURCE "$REPO/tests/tools/poll_get.c" \
     $(pkg-config --cflags --libs --static h3cli) -o "$dest/poll_get"
  run "$dest/poll_get"
  [ "$status" -eq 2 ]
  rm -rf "$dest"
}
