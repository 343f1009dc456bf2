"""Subcommands of ``handoff``: one module per group, each with ``register(sub)``.

A command's ``run(args, core)`` returns the exit code. Adding a command is a
new module here and one line in ``COMMAND_MODULES``.
"""

from bot.commands import data, demo, evaluate, packet, search, serve, teams, triage

COMMAND_MODULES = [data, demo, packet, search, triage, evaluate, serve, teams]
