"""What a verified link opens: the object, loaded for its own tenant only.

``open_link`` is the one gate. It finds the tenant the object really belongs
to, verifies the signature against exactly (kind, id, that tenant, expiry),
and only then loads anything. Every failure (unknown kind or id, bad or
expired signature, a signature for another object or tenant) is the same
``LinkRefused``, so a 403 tells the holder nothing about what exists.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlmodel import Session

from bot.alerts import signals as signal_store
from bot.alerts.signals import SignalView
from bot.db import store
from bot.db.models import GLOBAL_TENANT, PacketRow, Report, Signal, Tenant
from bot.packets import stored as packets
from bot.packets.model import Packet
from bot.packets.unknowns import CheckItem, shipped_checklists
from bot.reporting import metrics_view
from bot.reporting.metrics_view import MetricsView
from bot.weblinks.links import ALL_CLIENTS, KINDS, WebLinks


class LinkRefused(Exception):
    """A link that opens nothing. The reason is for the server log, never for the response."""


@dataclass(frozen=True)
class PacketPage:
    packet: Packet
    expires: int


@dataclass(frozen=True)
class SignalPage:
    signal: SignalView
    client_name: str
    expires: int


@dataclass(frozen=True)
class ChecklistPage:
    category: str
    title: str
    items: tuple[CheckItem, ...]
    expires: int


@dataclass(frozen=True)
class ReportPage:
    report: Report
    client_name: str
    expires: int
    links: dict[str, str] = field(default_factory=dict)  # handoff:// URIs in its Markdown -> signed links


@dataclass(frozen=True)
class MetricsPage:
    view: MetricsView
    object_id: str  # a tenant id, or ALL_CLIENTS
    expires: int | None  # None: opened through the trusted proxy, not a link


Page = PacketPage | SignalPage | ChecklistPage | ReportPage | MetricsPage


def _int_id(object_id: str) -> int | None:
    return int(object_id) if object_id.isdigit() and len(object_id) < 12 else None


def checklist_title(items: tuple[CheckItem, ...]) -> str:
    first = items[0]
    suffix = f": {first.ask}"
    return first.source_title[: -len(suffix)] if first.source_title.endswith(suffix) else first.category


def object_tenant(session: Session, kind: str, object_id: str) -> str | None:
    """The tenant an object belongs to, or None when there is no such object."""
    pk = _int_id(object_id)
    if kind == "packet" and pk is not None:
        row = session.get(PacketRow, pk)
        return row.tenant_id if row else None
    if kind == "signal" and pk is not None:
        sig = session.get(Signal, pk)
        return sig.tenant_id if sig else None
    if kind == "report" and pk is not None:
        report = session.get(Report, pk)
        return report.tenant_id if report else None
    if kind == "checklist":
        return GLOBAL_TENANT if object_id in shipped_checklists() else None
    if kind == "metrics":
        if object_id == ALL_CLIENTS:
            return ALL_CLIENTS
        return object_id if object_id != GLOBAL_TENANT and session.get(Tenant, object_id) is not None else None
    return None


def open_link(session: Session, links: WebLinks, *, kind: str, object_id: str, exp: str, sig: str,
              now: float | None = None) -> Page:
    if not links.enabled or links.signer is None:
        raise LinkRefused("web links are not configured")
    if kind not in KINDS or not exp.isdigit() or len(exp) > 12 or not sig or len(sig) > 100:
        raise LinkRefused("malformed link")
    tenant = object_tenant(session, kind, object_id)
    expires = int(exp)
    # Verified even for an unknown object, so the time to refuse doesn't tell which ids exist.
    valid = links.signer.verify(kind, object_id, tenant or "\0none", expires, sig, now=now)
    if tenant is None:
        raise LinkRefused(f"no {kind} {object_id!r}")
    if not valid:
        raise LinkRefused(f"bad or expired signature for {kind} {object_id!r}")
    return load(session, links, kind=kind, object_id=object_id, tenant=tenant, expires=expires)


def load(session: Session, links: WebLinks, *, kind: str, object_id: str, tenant: str,
         expires: int | None) -> Page:
    """The page of an object whose tenant is already established (by a signature or the trusted proxy)."""
    if kind == "packet":
        packet = packets.get(session, tenant_id=tenant, packet_id=int(object_id))
        assert expires is not None
        packet.links = links.source_links([(s.url, s.tenant) for c in packet.claims for s in c.sources],
                                          tenant=tenant, expires=expires)
        return PacketPage(packet, expires)
    if kind == "signal":
        view = signal_store.signal_view(session=session, tenant_id=tenant, signal_id=int(object_id))
        if view is None:
            raise LinkRefused(f"signal {object_id} has no alerts")
        assert expires is not None
        return SignalPage(view, store.get_tenant(session=session, tenant_id=tenant).name, expires)
    if kind == "checklist":
        items = shipped_checklists()[object_id]
        assert expires is not None
        return ChecklistPage(object_id, checklist_title(items), items, expires)
    if kind == "report":
        row = session.get(Report, int(object_id))
        if row is None or row.tenant_id != tenant:
            raise LinkRefused(f"report {object_id} is not {tenant}'s")
        assert expires is not None
        uris = [(str(s.get("url", "")), str(s.get("tenant", tenant))) for s in row.sources or []]
        return ReportPage(row, store.get_tenant(session=session, tenant_id=tenant).name, expires,
                          links.source_links(uris, tenant=tenant, expires=expires))
    if kind == "metrics":
        return MetricsPage(_metrics(session, tenant), object_id, expires)
    raise LinkRefused(f"unknown kind {kind!r}")


METRICS_TTL_S = 60.0
_metrics_cache: dict[tuple[int, str], tuple[float, MetricsView]] = {}


def _metrics(session: Session, tenant: str) -> MetricsView:
    """A client's (or every client's) metrics, computed at most once a minute per database: they are
    aggregates over months, and computing them takes about 100 ms on the demo MSP."""
    key = (id(session.get_bind()), tenant)
    hit = _metrics_cache.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    tenant_ids = [t.id for t in store.list_tenants(session=session)] if tenant == ALL_CLIENTS else [tenant]
    view = metrics_view.compute(session=session, tenant_ids=tenant_ids)
    if len(_metrics_cache) > 256:
        _metrics_cache.clear()
    _metrics_cache[key] = (time.monotonic() + METRICS_TTL_S, view)
    return view


def link_expired(expires: int | None, now: float | None = None) -> bool:
    return expires is not None and expires < (time.time() if now is None else now)


__all__ = ["ChecklistPage", "LinkRefused", "MetricsPage", "PacketPage", "Page", "ReportPage", "SignalPage",
           "checklist_title", "load", "object_tenant", "open_link"]
