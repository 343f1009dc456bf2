"""The ``handoff`` command.

Exit codes: 0 ok; 2 bad input, unknown ids, refused requests (the message
says what is wrong); 1 an unexpected error, reported with an error id that is
also in the log.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from adapters.cli.commands import COMMAND_MODULES
from bot.config import load_settings
from bot.core import Core
from bot.errors import HandoffError, user_text
from bot.runtime.logs import TEXT_FORMAT, apply_format

log = logging.getLogger("handoff")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="handoff",
        description="Escalation packets for MSP engineers: cited, per-client, draft-only.",
    )
    parser.add_argument("--data-dir", type=Path, help="where the SQLite database and the index live (HANDOFF_DATA_DIR)")
    parser.add_argument("--database-url", help="SQL database URL, e.g. postgresql://... (HANDOFF_DATABASE_URL)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format=TEXT_FORMAT,
        stream=sys.stderr,
    )
    core: Core | None = None
    try:
        overrides = {k: v for k, v in {"data_dir": args.data_dir, "database_url": args.database_url}.items() if v}
        settings = load_settings(**overrides)
        apply_format(settings.log_format)
        core = Core(settings)
        return int(args.run(args, core) or 0)
    except HandoffError as exc:
        text, _ = user_text(exc, request=f"handoff {args.command}", logger=log)
        print(f"error: {text}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        # The terminal's reader is the operator: the same id as in the log, pointing at the traceback.
        _, error_id = user_text(exc, request=f"handoff {args.command}", logger=log)
        print(f"error: unexpected error (id {error_id}); the traceback above carries the same id", file=sys.stderr)
        return 1
    finally:
        if core is not None:
            core.close()


if __name__ == "__main__":
    raise SystemExit(main())
