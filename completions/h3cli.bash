# bash completion for h3cli                                  -*- shell-script -*-
# Installed as $(datadir)/bash-completion/completions/h3cli.

_h3cli() {
    local cur prev words cword
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi

    local global_opts="--help --version -h -V"
    local commands="get serve ping help"
    local get_opts="--output --remote-name --output-dir --show-headers --head --verbose --silent --show-error --write-out --events --json --request --header --data --data-binary --user-agent --location --max-redirs --fail --fail-with-body --path-as-is --parallel-max --insecure --cacert --pinnedpubkey --resolve --connect-to --ipv4 --ipv6 --max-time --connect-timeout --quic-version --session-file --0rtt --migrate --qlog-dir --cc --http3-only --help -o -O -i -I -v -s -S -w -X -H -d -A -L -f -k -4 -6 -m -h"
    local serve_opts="--listen --dotfiles --echo --cert --key --retry --max-connections --idle-timeout --qlog-dir --workers --quiet --events --json --help -q -h"
    local ping_opts="--count --interval --timeout --deadline --quiet --timestamps --report-outstanding --numeric --events --json --insecure --cacert --alpn --ipv4 --ipv6 --help -c -i -W -w -q -D -O -n -k -4 -6 -h"

    # The first word that is not an option is the subcommand.
    local i cmd=
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            -*) ;;
            *) cmd=${words[i]}; break ;;
        esac
    done

    # Arguments of options: files, directories, fixed words, or nothing.
    case $cmd:$prev in
        get:-o | get:--output | get:--session-file | *:--cacert | serve:--cert | serve:--key)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        get:--output-dir | *:--qlog-dir)
            COMPREPLY=($(compgen -d -- "$cur"))
            return ;;
        get:-X | get:--request)
            COMPREPLY=($(compgen -W "GET HEAD POST PUT DELETE OPTIONS" -- "$cur"))
            return ;;
        get:--cc)
            COMPREPLY=($(compgen -W "cubic reno" -- "$cur"))
            return ;;
        get:--quic-version)
            COMPREPLY=($(compgen -W "v1 v2" -- "$cur"))
            return ;;
        get:-H | get:--header | get:-d | get:--data | get:--data-binary | \
        get:-w | get:--write-out | get:-A | get:--user-agent | \
        get:--max-redirs | get:--parallel-max | get:--pinnedpubkey | \
        get:--resolve | get:--connect-to | get:-m | get:--max-time | \
        get:--connect-timeout | serve:--listen | serve:--echo | \
        serve:--max-connections | serve:--idle-timeout | serve:--workers | \
        ping:-c | ping:--count | ping:-i | ping:--interval | ping:-W | \
        ping:--timeout | ping:-w | ping:--deadline | ping:--alpn)
            COMPREPLY=()
            return ;;
    esac

    case $cmd in
        "")
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "$global_opts" -- "$cur"))
            else
                COMPREPLY=($(compgen -W "$commands" -- "$cur"))
            fi
            ;;
        help)
            COMPREPLY=($(compgen -W "get serve ping" -- "$cur"))
            ;;
        get)
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "$get_opts" -- "$cur"))
            else
                COMPREPLY=($(compgen -W "https://" -- "$cur"))
            fi
            ;;
        serve)
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "$serve_opts" -- "$cur"))
            else
                COMPREPLY=($(compgen -d -- "$cur"))
            fi
            ;;
        ping)
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "$ping_opts" -- "$cur"))
            else
                COMPREPLY=($(compgen -A hostname -- "$cur"))
            fi
            ;;
    esac
}
complete -F _h3cli h3cli
