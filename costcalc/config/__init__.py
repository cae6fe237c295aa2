"""Config input: the bounded YAML loader, config files with ``file:line`` errors, user-defined networks,
the verify suite, device profiles, and the files a command reads and writes."""
