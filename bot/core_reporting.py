"""The core's metrics, report and rollout calls, as ``Core`` methods (``Core`` inherits this).

Kept apart from ``bot/core.py`` so that neither grows into a god file; the
methods use the same session, policy and audit as every other core call.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot import audit, metrics_view, policy, store
from bot.config import Settings
from bot.errors import Refused
from bot.policy import Where

if TYPE_CHECKING:
    from bot.metrics_view import MetricsView


@dataclass(frozen=True)
class MetricsReply:
    """``metrics [client]`` in chat: the view, its weekly chart, and where it may be shown."""

    view: MetricsView
    png: bytes
    compact_png: bytes  # small enough for a Teams card


class Reporting:
    settings: Settings

    def session(self) -> AbstractContextManager[Session]:  # provided by Core
        raise NotImplementedError

    def refuse(self, where: Where, request: str, exc: Refused) -> None:  # provided by Core
        raise NotImplementedError

    # --- metrics ---------------------------------------------------------------------

    def metrics(self, *, where: Where, client: str | None = None, since: datetime | None = None,
                until: datetime | None = None, category: str | None = None) -> MetricsReply:
        """The metrics a place may see: its own client in a client channel, any or all in a NOC channel."""
        from bot.charts import render_png

        try:
            with self.session() as session:
                scope = policy.scope_for(where, session=session, settings=self.settings)
                if scope.tenant_id is not None or client:
                    tenant_ids = [policy.client_for_request(client, scope=scope, session=session)]
                else:
                    tenant_ids = [t.id for t in store.list_tenants(session=session)]
                view = metrics_view.compute(session=session, tenant_ids=tenant_ids, since=since, until=until,
                                            category=category)
                for tenant_id in tenant_ids:
                    audit.record(session, action="metrics_shown", where=where, tenant_id=tenant_id,
                                 detail={"since": str(since) if since else None, "until": str(until) if until else None})
        except Refused as exc:
            self.refuse(where, "metrics", exc)
            raise
        return MetricsReply(view=view, png=render_png(view), compact_png=render_png(view, compact=True))


