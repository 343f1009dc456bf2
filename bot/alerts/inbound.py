"""Inbound alerts: a webhook body into stored, classified alerts. No web framework here.

``receive_alerts`` is the whole path behind ``POST /alerts/<source>[/<tenant>]``
(see ``adapters/inbound/app.py``, which only maps HTTP to it and back):

1. decode the body: JSON, or XML for N-central (malformed: ``Rejected("malformed")``,
   naming line and column);
2. map it to ``AlertRecord``s with the source's converter (``bot/alerts/formats/``)
   or, for ``generic``, the alert format of ``handoff ingest`` (one object or a list);
3. settle each alert's tenant (``bot/alerts/formats/common.py``): its own label
   or field, else the vendor's client field through the endpoint's clients
   table, else the endpoint's tenant. No tenant is ``no_tenant``; a tenant that
   is not a known client is ``unknown_tenant`` (webhooks never create clients);
   an alert that names another tenant than the endpoint it was posted to is
   ``tenant_mismatch``. The whole body is rejected and nothing of it is stored;
4. store it in one transaction (``bot.ingest.alert_store.store_alerts``, an upsert):
   idempotent by (source, id), so a repeated delivery, also one arriving at the same
   moment, is counted as ``duplicate``; an id stored under another client is
   ``AlertIdConflict`` (409). A resolution (a NinjaOne reset, an N-central return to
   Normal, a Datto resolution payload) closes the open alert it names instead of adding one;
5. classify the new and changed alerts right away, in a second transaction,
   so ``classified_at`` is real. If that fails the alerts stay stored and
   unclassified, and the next classification picks them up.

Alertmanager and Grafana fingerprints are hashes of the label set. When the
tenant comes from the endpoint rather than a label, two clients' identical
alerts (the same ``alertname`` on ``localhost:9100``) would have the same id;
such ids are qualified with the tenant (``acme:<fingerprint>@<startsAt>``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.alerts.endpoints import EndpointSettings
from bot.alerts.formats import FORMATS, TENANT_LABELS, Endpoint, decode_xml
from bot.alerts.resolutions import apply_resolutions
from bot.alerts.signals import classify_alerts
from bot.db.engine import session_scope
from bot.db.models import Tenant, utcnow
from bot.errors import BadInput, Conflict, new_error_id
from bot.ingest.alert_store import store_alerts
from bot.ingest.records import AlertRecord, validation_problems

log = logging.getLogger("handoff.inbound")

Reason = Literal["malformed", "no_tenant", "unknown_tenant", "tenant_mismatch", "conflict"]
Format = str  # "generic" or a name in bot.alerts.formats.FORMATS


class Rejected(BadInput):
    """A body refused as a whole; ``problems`` are (field, message) pairs."""

    def __init__(self, reason: Reason, message: str, problems: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.reason = reason
        self.problems = problems or []


class AlertIdConflict(Rejected, Conflict):
    """An alert id already stored under another client (409); nothing of the body is stored."""

    def __init__(self, message: str, problems: list[tuple[str, str]]):
        super().__init__("conflict", message, problems)


@dataclass
class InboundResult:
    accepted: int = 0      # alerts stored for the first time
    updated: int = 0       # alerts already stored whose content changed (e.g. now resolved)
    duplicate: int = 0     # alerts already stored unchanged, or repeated within the body
    tenants: list[str] = field(default_factory=list)
    signals: list[int] = field(default_factory=list)
    classified: bool = True
    error_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class Parsed:
    records: list[AlertRecord]
    closes: list[bool]


def decode_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except UnicodeDecodeError as exc:
        raise Rejected("malformed", f"body is not UTF-8 text (byte {exc.start})", [("(body)", "not UTF-8")]) from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise Rejected("malformed", f"body is not valid JSON: {exc.msg} at {where}", [(f"(body) {where}", exc.msg)]) from None
    except RecursionError:  # e.g. 100,000 nested arrays: Python's parser gives up before we could look
        raise Rejected("malformed", "body is nested too deeply to be an alert", [("(body)", "nested too deeply")]) from None


def decode_body(raw: bytes, fmt: Format) -> Any:
    spec = FORMATS.get(fmt)
    if spec is not None and spec.body == "xml":
        root, problem = decode_xml(raw)
        if problem is not None:
            raise Rejected("malformed", f"malformed {fmt} body: {problem}", [(problem.field, problem.message)])
        return root
    return decode_json(raw)


def parse_body(body: Any, *, fmt: Format, endpoint_tenant: str | None,
               settings: EndpointSettings | None = None, received_at: datetime | None = None) -> Parsed:
    """Alert records of one decoded body, or ``Rejected`` naming every problem (see the module doc)."""
    spec = FORMATS.get(fmt)
    if spec is not None:
        endpoint = settings.endpoint(endpoint_tenant) if settings else Endpoint(tenant=endpoint_tenant)
        converted = spec.convert(body, endpoint, received_at or utcnow())
        records, closes = converted.records, converted.closes
        pairs = [(p.field, p.message) for p in converted.problems]
        no_tenant = [p for p in pairs if p[1].startswith("no tenant")]
    else:
        records, pairs = _parse_generic(body, endpoint_tenant)
        closes = [False] * len(records)
        no_tenant = [p for p in pairs if p[0].split(".")[-1] == "tenant" and "missing" in p[1]]
    malformed = [p for p in pairs if p not in no_tenant]
    if malformed:
        raise Rejected("malformed", f"malformed {fmt} body: " + _summary(malformed), malformed)
    if no_tenant:
        raise Rejected("no_tenant", "cannot tell which client these alerts belong to: " + _summary(no_tenant), no_tenant)
    if endpoint_tenant:
        wrong = [(f"alerts[{i}].tenant", f"names client {r.tenant!r}, but was posted to the endpoint of {endpoint_tenant!r}")
                 for i, r in enumerate(records) if r.tenant != endpoint_tenant]
        if wrong:
            raise Rejected("tenant_mismatch", "alerts name another client than this endpoint: " + _summary(wrong), wrong)
    if spec is not None and spec.shared_ids:
        records = [_qualify(r) for r in records]
    return Parsed(records, closes)


def _qualify(record: AlertRecord) -> AlertRecord:
    if any(record.labels.get(label) for label in TENANT_LABELS):
        return record
    return record.model_copy(update={"id": f"{record.tenant}:{record.id}"[:255]})


def _parse_generic(body: Any, endpoint_tenant: str | None) -> tuple[list[AlertRecord], list[tuple[str, str]]]:
    single = isinstance(body, dict)
    items = [body] if single else body
    if not isinstance(items, list) or not items:
        return [], [("(body)", "expected an alert object or a non-empty list of alert objects")]
    records: list[AlertRecord] = []
    problems: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        where = "" if single else f"[{index}]"
        if not isinstance(item, dict):
            problems.append((where or "(body)", "expected an object"))
            continue
        if endpoint_tenant and not item.get("tenant"):
            item = {**item, "tenant": endpoint_tenant}
        try:
            records.append(AlertRecord.model_validate(item))
        except ValidationError as exc:
            problems.extend((f"{where}.{f}" if where else f, m) for f, m in validation_problems(exc))
    return records, problems


def _summary(problems: list[tuple[str, str]], limit: int = 3) -> str:
    text = "; ".join(f"{f}: {m}" for f, m in problems[:limit])
    return text + (f" (and {len(problems) - limit} more)" if len(problems) > limit else "")


def store_records(records: list[AlertRecord], *, session: Session, received_at: datetime,
                  closes: list[bool] | None = None) -> tuple[InboundResult, dict[str, list[int]]]:
    """Store one body's records (all or nothing); returns the counts and the pks to classify per tenant."""
    tenants = sorted({r.tenant for r in records})
    known = set(session.exec(select(Tenant.id).where(col(Tenant.id).in_(tenants))))
    unknown = [t for t in tenants if t not in known]
    if unknown:
        problems = [("tenant", f"unknown client {t!r}: clients are added with `handoff ingest`, never by a webhook")
                    for t in unknown]
        raise Rejected("unknown_tenant", _summary(problems), problems)
    # A resolution becomes the stored alert it closes, with its resolved_at.
    records = apply_resolutions(records, closes or [False] * len(records), session=session)
    last: dict[tuple[str, str], AlertRecord] = {}
    for record in records:  # a key repeated within one body: the last one wins
        last[(record.source, record.id)] = record
    unique = list(last.values())
    new_pks, updated_pks, unchanged, conflicts = store_alerts(unique, session=session, received_at=received_at)
    if conflicts:
        problems = [("id", f"alert {c} is already stored under another client") for c in conflicts]
        raise AlertIdConflict(_summary(problems), problems)
    result = InboundResult(accepted=len(new_pks), updated=len(updated_pks),
                           duplicate=unchanged + len(records) - len(unique), tenants=tenants)
    changed = set(new_pks) | set(updated_pks)
    by_tenant: dict[str, list[int]] = {}
    if changed:
        from bot.db.models import Alert  # local: only needed when something changed

        for pk, tenant in session.exec(select(Alert.pk, Alert.tenant_id).where(col(Alert.pk).in_(sorted(changed)))):
            if pk is not None:
                by_tenant.setdefault(tenant, []).append(pk)
    return result, by_tenant


def receive_alerts(raw: bytes, *, fmt: Format, endpoint_tenant: str | None, engine: Engine,
                   now: datetime | None = None, settings: EndpointSettings | None = None) -> InboundResult:
    """Decode, validate, store and classify one webhook body (see the module doc)."""
    received_at = now or utcnow()
    parsed = parse_body(decode_body(raw, fmt), fmt=fmt, endpoint_tenant=endpoint_tenant, settings=settings,
                        received_at=received_at)
    with session_scope(engine) as session:
        result, by_tenant = store_records(parsed.records, session=session, received_at=received_at,
                                          closes=parsed.closes)
    try:
        for tenant_id, pks in sorted(by_tenant.items()):
            with session_scope(engine) as session:
                result.signals.extend(classify_alerts(session=session, tenant_id=tenant_id, pks=pks))
    except Exception:
        result.classified = False
        result.error_id = new_error_id()
        log.exception("classification failed (error %s); the alerts are stored and stay pending", result.error_id)
    return result
