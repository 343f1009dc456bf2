"""The core's metrics, report and rollout calls, as ``Core`` methods (``Core`` inherits this).

Kept apart from ``bot/core.py`` so that neither grows into a god file; the
methods use the same session, policy and audit as every other core call.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.config import Settings
from bot.db.models import PostedMessage, utcnow
from bot.errors import Refused
from bot.reporting import client_version, metrics_view, narrative, report_store, reports, service_review
from bot.reporting.reports import ReportDraft
from bot.tenancy import audit, policy
from bot.tenancy.policy import Scope, Where

if TYPE_CHECKING:
    from bot.db.models import Report
    from bot.reporting.client_check import ClientGate
    from bot.reporting.metrics_view import MetricsView
    from bot.reporting.service_review import ServiceReview


@dataclass(frozen=True)
class MetricsReply:
    """``metrics [client]`` in chat: the view, its weekly chart, and where it may be shown."""

    view: MetricsView
    png: bytes
    compact_png: bytes  # small enough for a Teams card
    web_url: str | None = None  # the signed dashboard link for the place it is shown in (``handoff serve web``)


class Reporting:
    settings: Settings
    llm_options: dict[str, Any]

    if TYPE_CHECKING:  # provided by Core, which mixes this class in
        def session(self) -> AbstractContextManager[Session]: ...

        def refuse(self, where: Where, request: str, exc: Refused) -> None: ...

        def metrics_link(self, tenant_ids: list[str], to: Where | None, *, now: float | None = None) -> str | None: ...

        def publish_report(self, draft: ReportDraft, to: Where | None, *, now: float | None = None) -> ReportDraft: ...

    # --- metrics ---------------------------------------------------------------------

    def metrics(self, *, where: Where, client: str | None = None, since: datetime | None = None,
                until: datetime | None = None, category: str | None = None,
                scope: Scope | Refused | None = None) -> MetricsReply:
        """The metrics a place may see: its own client in a client channel, any or all in a NOC channel.
        ``scope``: the place's scope when the caller has worked it out (``policy.request_scope``)."""
        from bot.reporting.charts import render_png

        try:
            with self.session() as session:
                seen = policy.request_scope(where, known=scope, session=session, settings=self.settings)
                tenant_ids = policy.clients_in_scope(client, scope=seen, session=session)
                view = metrics_view.compute(session=session, tenant_ids=tenant_ids, since=since, until=until,
                                            category=category)
                for tenant_id in tenant_ids:
                    audit.record(session, action="metrics_shown", where=where, tenant_id=tenant_id,
                                 detail={"since": str(since) if since else None, "until": str(until) if until else None})
        except Refused as exc:
            self.refuse(where, "metrics", exc)
            raise
        return MetricsReply(view=view, png=render_png(view), compact_png=render_png(view, compact=True),
                            web_url=self.metrics_link(tenant_ids, where))



    # --- customer report drafts ------------------------------------------------------

    def report(self, *, where: Where, client: str, month: str, now: datetime | None = None,
               scope: Scope | Refused | None = None) -> ReportDraft:
        """Draft a client's monthly report, for internal review only.

        Asked from a client's channel, a direct chat or anything shared outside the
        MSP, it is refused (and audited): drafts are posted only to the review channel
        or a NOC channel, and Handoff never sends them to the client.
        """
        requested_at = now or utcnow()
        reports.month_window(month)  # BadInput before anything else
        # Short transactions (issue #12: none held across a network call): read the period and close
        # the session, let the model write the summary, then store the draft in a new one.
        try:
            with self.session() as session:
                seen = policy.require_internal(
                    policy.request_scope(where, known=scope, session=session, settings=self.settings))
                tenant_id = policy.client_for_request(client, scope=seen, session=session)
                draft, gate = self._service_review(session, tenant_id, month)
        except Refused as exc:
            self.refuse(where, f"report {client} {month}", exc)
            raise
        if self.settings.llm_model:
            narrative.rewrite(draft.review, gate, self.settings, self.llm_options)
        draft.client_markdown = client_version.client_markdown(draft.review)

        def audited(session: Session, _row: Report) -> None:
            audit.record(session, action="report_drafted", where=where, tenant_id=tenant_id,
                         detail={"report_id": draft.report_id, "month": month, "report_no": draft.report_no,
                                 "revision": draft.revision, "statements": len(draft.statements)})

        report_store.save_retrying(self.session, draft, then=audited, requested_at=requested_at,
                                   requested_by=where.user_id,
                                   extra_markdown=client_version.internal_additions(draft.review))
        return self.publish_report(draft, where)

    def _service_review(self, session: Session, tenant_id: str, period: str) -> tuple[ReportDraft, ClientGate]:
        """The internal draft, its service review and the plain narrative; the gate the client version passes."""
        targets = {"response_targets": self.settings.response_targets,
                   "resolution_targets": self.settings.resolution_targets}
        draft = reports.draft(session=session, tenant_id=tenant_id, month=period, **targets)
        gate = service_review.gate_for(session, tenant_id)
        draft.review = service_review.review(session, draft, msp_name=self.settings.msp_name, gate=gate, **targets)
        draft.review.narrative = client_version.narrative(draft.review, gate)
        return draft, gate

    def report_charts(self, report_id: int, review: ServiceReview) -> dict[str, bytes]:
        """The charts of a stored revision (already allowed to be seen by the caller): drawn once, then read."""
        from bot.reporting.report_charts import all_charts

        return report_store.stored_charts(self.session, report_id, lambda: all_charts(review))

    def record_report_posted(self, draft: ReportDraft, *, where: Where, message_id: str,
                             thread_id: str | None = None) -> None:
        """After a front end posted a draft (in the internal channel it was asked in): audit what was shown."""
        with self.session() as session:
            policy.internal_scope(where, session=session, settings=self.settings)  # never anywhere else
            session.add(PostedMessage(
                tenant_id=draft.tenant, packet_pk=None, kind="report", platform=where.platform,
                channel=where.channel_id or "direct", message_id=message_id, thread_id=thread_id,
                posted_by_request_of=where.user_id, posted_at=utcnow()))
            audit.record(session, action="report_posted", where=where, tenant_id=draft.tenant, detail={
                "report_id": draft.report_id, "month": draft.month, "message_id": message_id,
                "sources": sorted({s.url for s in draft.sources()}),
            })

    def mark_report_sent(self, report_id: int, *, where: Where, at: datetime | None = None) -> tuple[Report, bool]:
        """An engineer sent the report to the client themselves and says so: the end of its turnaround.

        Only from an internal place (the operator's terminal, the review or a NOC
        channel) that may see the report's client. Returns (report, newly marked).
        """
        try:
            with self.session() as session:
                scope = policy.internal_scope(where, session=session, settings=self.settings)
                row = report_store.get(session, report_id=int(report_id), tenant_id=scope.tenant_id)
                row, changed = report_store.mark_sent(session, row=row, by=where.user_id, at=at)
                if changed:
                    audit.record(session, action="report_marked_sent", where=where, tenant_id=row.tenant_id,
                                 detail={"report_id": row.pk, "month": row.month})
                session.expunge(row)
                return row, changed
        except Refused as exc:
            self.refuse(where, f"mark report {report_id} sent", exc)
            raise
