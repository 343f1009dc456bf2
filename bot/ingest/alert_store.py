"""Storing alerts, safe under concurrency: one upsert per batch instead of select-then-insert.

Shared by the folder import (``bot/ingest/loader.py``) and the inbound
webhooks (``bot/alerts/inbound.py``). An alert is keyed by (source, id):

* new keys are inserted with ``INSERT ... ON CONFLICT DO NOTHING RETURNING``,
  so two identical deliveries arriving at once (an Alertmanager HA pair does
  exactly that) both succeed: one inserts, the other finds the row and counts
  a duplicate. On PostgreSQL the second insert waits for the first
  transaction and then sees its row; on SQLite writers take turns anyway.
* a key already stored under another tenant is a conflict: reported, never
  moved (the caller answers 409);
* a changed alert is updated only if its stored hash still differs
  (``WHERE content_hash <> new``), so of two identical concurrent updates
  one counts as updated and the other as unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from bot.db.models import Alert, utcnow
from bot.ingest.records import AlertRecord, as_utc

_CHUNK = 500  # keys per statement; far below every backend's parameter limit


def _row(record: AlertRecord, digest: str) -> dict[str, Any]:
    return {
        "tenant_id": record.tenant,
        "source": record.source,
        "external_id": record.id,
        "device": record.device,
        "check_name": record.check,
        "severity": record.severity,
        "message": record.message,
        "at": as_utc(record.at),
        "resolved_at": as_utc(record.resolved_at),
        "url": record.url,
        "labels": record.labels,
        "content_hash": digest,
    }


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """Insert the rows whose key is free; (source, id) -> pk of those this call inserted."""
    statement = _INSERT[session.get_bind().dialect.name == "postgresql"]
    inserted: dict[tuple[str, str], int] = {}
    for start in range(0, len(rows), _CHUNK):
        # One statement with the rows as parameters (SQLAlchemy's "insertmanyvalues" batches them
        # into multi-row VALUES itself). Rows inlined with .values(rows) made a new statement per
        # delivery that SQLAlchemy compiled every time: most of the cost of storing a delivery.
        for pk, source, external_id in session.execute(statement, rows[start: start + _CHUNK]):
            inserted[(source, external_id)] = pk
    return inserted


def _insert_statement(insert: Any) -> Any:
    table = Alert.__table__  # type: ignore[attr-defined]  # sqlmodel's table classes have one
    return (insert(table).on_conflict_do_nothing(index_elements=["source", "external_id"])
            .returning(table.c.pk, table.c.source, table.c.external_id))


_INSERT = {False: _insert_statement(sqlite.insert), True: _insert_statement(postgresql.insert)}  # by "postgresql?"


def _stored(session: Session, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, str, str, bool]]:
    """(source, id) -> (pk, tenant, content hash, resolved) of stored alerts."""
    by_source: dict[str, list[str]] = defaultdict(list)
    for source, external_id in keys:
        by_source[source].append(external_id)
    out = {}
    for source, ids in by_source.items():
        for start in range(0, len(ids), _CHUNK):
            rows = session.execute(  # five columns: sqlalchemy's select (sqlmodel's types stop at four)
                sa_select(col(Alert.pk), col(Alert.external_id), col(Alert.tenant_id), col(Alert.content_hash),
                       col(Alert.resolved_at)).where(
                    col(Alert.source) == source, col(Alert.external_id).in_(ids[start: start + _CHUNK]))
            )
            for pk, external_id, tenant, digest, resolved_at in rows:
                out[(source, external_id)] = (pk, tenant, digest, resolved_at is not None)
    return out


def store_alerts(
    records: Sequence[AlertRecord], *, session: Session, received_at: Any = None
) -> tuple[list[int], list[int], int, list[str]]:
    """Insert new alerts and update changed ones; (new pks, updated pks, unchanged, conflicts).

    With conflicts nothing is returned as stored and the caller must roll back
    (both callers run this in a transaction that an error rolls back).
    """
    received_at = received_at or utcnow()
    last: dict[tuple[str, str], AlertRecord] = {}
    for record in records:  # a key twice in one batch: the last one wins
        last[(record.source, record.id)] = record
    digests = {key: record.content_hash() for key, record in last.items()}
    rows = [{**_row(record, digests[key]), "received_at": received_at} for key, record in last.items()]
    inserted = _insert_new(session, rows)
    existing = _stored(session, [key for key in last if key not in inserted])
    conflicts = [f"{source}/{ext}" for (source, ext), stored in existing.items()
                 if stored[1] != last[(source, ext)].tenant]
    if conflicts:
        return [], [], 0, conflicts
    updated, unchanged = [], 0
    for key, (pk, _tenant, digest, resolved) in existing.items():
        record = last[key]
        if digest == digests[key] or (resolved and record.resolved_at is None):
            # Unchanged, or a late "firing" notification for an episode already
            # resolved: Alertmanager repeats firing notifications, and the order
            # of deliveries (or of files in an import) must not re-open an alert.
            unchanged += 1
            continue
        where = and_(col(Alert.pk) == pk, col(Alert.content_hash) != digests[key])
        if record.resolved_at is None:  # see above: never re-open, also not one resolved meanwhile
            where = and_(where, col(Alert.resolved_at).is_(None))
        result = session.execute(update(Alert).where(where).values(**_row(record, digests[key])))
        if result.rowcount:  # type: ignore[attr-defined]
            updated.append(pk)
        else:  # a concurrent delivery wrote the same change first
            unchanged += 1
    duplicates_in_batch = len(records) - len(last)
    return sorted(inserted.values()), updated, unchanged + duplicates_in_batch, []
