# fish completion for h3cli; installed as
# $(datadir)/fish/vendor_completions.d/h3cli.fish.

complete -c h3cli -f
complete -c h3cli -n '__fish_use_subcommand' -s h -l help -d 'show the help'
complete -c h3cli -n '__fish_use_subcommand' -s V -l version -d 'print the version of h3cli and its libraries'
complete -c h3cli -n '__fish_use_subcommand' -a help -d 'show the help of a command'
