"""``handoff outbox``: what Handoff still has to post, or could not post (``bot/chat/outbox.py``).

Pending and sending entries are in flight (or were, when a server stopped
mid-post); failed ones carry the error id that the asker or the log line named.
A failed entry is posted by a retry of the same request (the PSA's webhook
retry, Slack's event retry, the button pressed again), or by the outbox worker
(``bot/chat/outbox_worker.py``) on its schedule; ``--retry ID`` makes one due now,
so the worker posts it at its next run (within ``HANDOFF_OUTBOX_RETRY_INTERVAL_S``).
"""

from __future__ import annotations

import argparse

from adapters.cli.commands.output import print_json, table, when
from bot.chat import outbox
from bot.core import Core
from bot.db.models import OutboxEntry, utcnow
from bot.errors import BadInput


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("outbox", help="posts that are pending or failed (packets, thread replies, escalations)")
    p.add_argument("--all", action="store_true", help="delivered entries too")
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--json", action="store_true")
    p.add_argument("--retry", type=int, metavar="ID",
                   help="make failed entry ID due now: the servers' outbox worker posts it at its next run")
    p.set_defaults(run=run_outbox)


def run_outbox(args: argparse.Namespace, core: Core) -> int:
    if args.retry is not None:
        return retry(args, core)
    statuses = (outbox.PENDING, outbox.SENDING, outbox.FAILED) + ((outbox.DELIVERED,) if args.all else ())
    entries = core.outbox.entries(statuses=statuses, limit=args.limit)
    counts = core.outbox.counts()
    rows = [{"id": e.pk, "status": e.status, "platform": e.platform, "kind": e.kind, "channel": e.channel,
             "key": e.key, "tenant": e.tenant_id, "packet_id": e.packet_pk, "attempts": e.attempts,
             "message_id": e.message_id, "error_id": e.error_id, "last_error": e.last_error,
             "updated_at": e.updated_at, "rounds": e.rounds, "next_attempt_at": e.next_attempt_at,
             "asker": e.asker} for e in entries]
    if args.json:
        print_json({"counts": counts, "entries": rows})
        return 0
    print(", ".join(f"{n} {status}" for status, n in counts.items()))
    if not rows:
        print("(nothing pending or failed)" if not args.all else "(the outbox is empty)")
        return 0
    print(table([(e.pk, e.status, e.platform, e.kind, e.channel, e.attempts, e.rounds, when(e.updated_at),
                  _next(e), e.error_id or "", (e.last_error or "")[:120]) for e in entries],
                ["id", "status", "platform", "kind", "channel", "tries", "rounds", "updated (UTC)", "next try",
                 "error id", "last error"]))
    return 0


def _next(entry: OutboxEntry) -> str:
    """When the worker tries it again: a time, "given up" (failed, no round left) or nothing."""
    if entry.status != outbox.FAILED:
        return ""
    return when(entry.next_attempt_at) if entry.next_attempt_at else "given up (--retry)"


def retry(args: argparse.Namespace, core: Core) -> int:
    with core.session() as session:
        entry = session.get(OutboxEntry, args.retry)
        if entry is None:
            raise BadInput(f"--retry: there is no outbox entry {args.retry} (`handoff outbox` lists them)")
        if entry.status == outbox.DELIVERED:
            raise BadInput(f"--retry: entry {args.retry} was delivered already (message {entry.message_id})")
        if entry.status != outbox.FAILED:
            raise BadInput(f"--retry: entry {args.retry} is {entry.status} (being posted now); only a failed "
                           "entry can be retried")
        entry.next_attempt_at = utcnow()
        platform = entry.platform
    print(f"entry {args.retry} is due: the {platform} server holding the lease outbox:{platform} posts it within "
          f"{core.settings.outbox_retry_interval_s:g}s (HANDOFF_OUTBOX_RETRY_INTERVAL_S)")
    return 0
