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
