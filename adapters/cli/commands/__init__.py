"""Subcommands of ``handoff``: one module per group, each with ``register(sub)``.

A command's ``run(args, core)`` returns the exit code. Adding a command is a
new module here and one line in ``COMMAND_MODULES``.
"""

from adapters.cli.commands import (
    data,
    demo,
    evaluate,
    metrics,
    ops,
    outbox,
    packet,
    report,
    rollout,
    search,
    serve,
    sync,
    teams,
    triage,
)

COMMAND_MODULES = [data, demo, packet, search, triage, evaluate, serve, teams]
COMMAND_MODULES.append(metrics)
COMMAND_MODULES.append(report)
COMMAND_MODULES.append(rollout)  # rollout and audit
COMMAND_MODULES.append(ops)  # db upgrade|status, backup, restore
COMMAND_MODULES.append(sync)  # sync from a PSA
COMMAND_MODULES.append(outbox)
