"""Subcommands of ``handoff``: one module per group, each with ``register(sub)``.

A command's ``run(args, core)`` returns the exit code. Adding a command is a
new module here and one line in ``COMMAND_MODULES``.
"""

from bot.commands import data, demo, evaluate, search

COMMAND_MODULES = [data, demo, search, evaluate]
