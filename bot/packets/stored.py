"""Stored packets: each packet, its claims and the ticket state it was built from.

A packet is a snapshot. It is reused while the ticket, the client's alerts and
knowledge are unchanged (so the NOC thread reply and a ``/packet`` a minute
later are the same packet, and feedback on either lands on one row), and
rebuilt when any of them changed or when asked.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.db.models import GLOBAL_TENANT, Alert, ClaimRow, Doc, PacketRow, Ticket, TicketNote
from bot.errors import NotFound
from bot.packets.model import Packet


def state_of(session: Session, ticket: Ticket) -> dict[str, Any]:
    """What a packet depends on, cheaply: the ticket's hash and markers of its tenant's alerts and docs."""
    tenant_id = ticket.tenant_id
    alerts = session.exec(
        select(func.count(), func.max(Alert.pk), func.max(Alert.received_at), func.max(Alert.classified_at)).where(
            Alert.tenant_id == tenant_id
        )
    ).one()
    docs = session.exec(
        select(func.count(), func.max(Doc.updated_at)).where(col(Doc.tenant_id).in_([tenant_id, GLOBAL_TENANT]))
    ).one()
    note_ids = list(
        session.exec(
            select(TicketNote.note_id).where(TicketNote.tenant_id == tenant_id, TicketNote.ticket_id == ticket.id)
        )
    )
    return {
        "ticket_hash": ticket.content_hash,
        "status": ticket.status,
        "note_ids": note_ids,
        "alerts": [alerts[0], alerts[1], _iso(alerts[2]), _iso(alerts[3])],
        "docs": [docs[0], _iso(docs[1])],
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def save(session: Session, packet: Packet, *, built_from: dict[str, Any], requested_by: str | None,
         requested_where: str | None, mode: str = "on") -> int:
    packet.mode = mode
    row = PacketRow(
        tenant_id=packet.ticket.tenant, ticket_id=packet.ticket.id, generated_at=packet.generated_at,
        built_from=built_from, writer=packet.writer, requested_by=requested_by, requested_where=requested_where,
        mode=mode, body={},
    )
    session.add(row)
    session.flush()
    assert row.pk is not None
    packet.packet_id = row.pk
    row.body = packet.to_json()
    session.add(row)
    for claim in packet.claims:
        session.add(ClaimRow(
            packet_pk=row.pk, tenant_id=packet.ticket.tenant, claim_id=claim.id, section=claim.section,
            text=claim.text, confidence=claim.confidence.score, confidence_label=claim.confidence.label,
            confidence_reason=claim.confidence.reason, sources=[s.to_json() for s in claim.sources],
        ))
    session.flush()
    return row.pk


def latest(session: Session, *, tenant_id: str, ticket_id: str, mode: str | None = None) -> tuple[Packet, dict[str, Any]] | None:
    stmt = select(PacketRow).where(PacketRow.tenant_id == tenant_id, PacketRow.ticket_id == ticket_id)
    if mode:
        stmt = stmt.where(PacketRow.mode == mode)
    row = session.exec(stmt.order_by(col(PacketRow.pk).desc()).limit(1)).first()
    if row is None:
        return None
    return _packet(row), row.built_from


def _packet(row: PacketRow) -> Packet:
    packet = Packet.from_json(row.body)
    packet.mode = row.mode  # the column is the record (bodies stored before the field existed lack it)
    return packet


def get(session: Session, *, tenant_id: str, packet_id: int) -> Packet:
    row = session.exec(select(PacketRow).where(PacketRow.tenant_id == tenant_id, PacketRow.pk == packet_id)).first()
    if row is None:
        raise NotFound(f"no packet {packet_id} for this client")
    return _packet(row)
