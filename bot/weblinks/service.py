"""The core's web-link calls, as ``Core`` methods (``Core`` inherits this, like ``Reporting``).

Links are minted here, at the moment the core hands a packet or report to a
front end for one place, and only when ``policy.may_link`` says that place may
see the client. Nothing minted is stored: the stored packet keeps its
``handoff://`` URIs, and audits record those, never a capability.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.config import Settings
from bot.tenancy import policy
from bot.tenancy.policy import Where
from bot.weblinks import pages
from bot.weblinks.links import ALL_CLIENTS, WebLinks

if TYPE_CHECKING:
    from bot.chat.views import TriageView
    from bot.packets.model import Packet
    from bot.reporting.reports import ReportDraft


class Publishing:
    settings: Settings

    if TYPE_CHECKING:  # provided by Core
        def session(self) -> AbstractContextManager[Session]: ...

    @cached_property
    def web_links(self) -> WebLinks:
        return WebLinks(self.settings)

    def publish_packet(self, packet: Packet, to: Where | None, *, now: float | None = None) -> Packet:
        """Give ``packet`` signed links for the place it is about to be shown in, if that place may see
        its client; otherwise none (front ends then show titles without links)."""
        packet.links, packet.web_url = {}, None
        links = self.web_links
        if not links.enabled or packet.packet_id is None:
            return packet
        tenant = packet.ticket.tenant
        with self.session() as session:
            if not policy.may_link(to, tenant, session=session, settings=self.settings):
                return packet
        packet.web_url = links.url("packet", str(packet.packet_id), tenant, now=now)
        packet.links = links.source_links([(s.url, s.tenant) for c in packet.claims for s in c.sources],
                                          tenant=tenant, now=now)
        # A ticket without a PSA link is named handoff://tickets/ID: its packet page is the closest thing.
        if packet.web_url:
            packet.links.setdefault(f"handoff://tickets/{packet.ticket.id}", packet.web_url)
        return packet

    def publish_report(self, draft: ReportDraft, to: Where | None, *, now: float | None = None) -> ReportDraft:
        draft.links, draft.web_url = {}, None
        links = self.web_links
        if not links.enabled or draft.report_id is None:
            return draft
        with self.session() as session:
            if not policy.may_link(to, draft.tenant, session=session, settings=self.settings):
                return draft
        draft.web_url = links.url("report", str(draft.report_id), draft.tenant, now=now)
        draft.links = links.source_links([(s.url, s.tenant) for s in draft.sources()], tenant=draft.tenant, now=now)
        return draft

    def publish_triage(self, view: TriageView, to: Where | None, *, now: float | None = None) -> TriageView:
        """Signed links to each listed signal's page, for the clients ``to`` may see."""
        if not self.web_links.enabled or not view.signals:
            return view
        with self.session() as session:
            allowed = {t for t in {s.tenant for s in view.signals}
                       if policy.may_link(to, t, session=session, settings=self.settings)}
        signals = [replace(s, web_url=self.web_links.url("signal", str(s.id), s.tenant, now=now))
                   if s.tenant in allowed else s for s in view.signals]
        return replace(view, signals=signals)

    def metrics_link(self, tenant_ids: list[str], to: Where | None, *, now: float | None = None) -> str | None:
        """A link to the dashboard of one client (or of every client, for a place that sees them all)."""
        if not self.web_links.enabled or not tenant_ids:
            return None
        with self.session() as session:
            if not all(policy.may_link(to, t, session=session, settings=self.settings) for t in tenant_ids):
                return None
            everyone = len(tenant_ids) > 1
            if everyone and not policy.may_link(to, None, session=session, settings=self.settings):
                return None
        return self.web_links.url("metrics", ALL_CLIENTS if everyone else tenant_ids[0],
                                  ALL_CLIENTS if everyone else tenant_ids[0], now=now)

    def open_link(self, *, kind: str, object_id: str, exp: str, sig: str, now: float | None = None) -> pages.Page:
        """The page a signed link opens; ``pages.LinkRefused`` for anything else."""
        with self.session() as session:
            return pages.open_link(session, self.web_links, kind=kind, object_id=object_id, exp=exp, sig=sig,
                                   now=now)

    def dashboard_page(self) -> pages.MetricsPage:
        """Every client's metrics, for a person the trusted reverse proxy authenticated."""
        with self.session() as session:
            page = pages.load(session, self.web_links, kind="metrics", object_id=ALL_CLIENTS, tenant=ALL_CLIENTS,
                              expires=None)
        assert isinstance(page, pages.MetricsPage)
        return page
