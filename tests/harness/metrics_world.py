"""A small world whose metrics are worked out by hand in tests/unit/test_metrics.py.

Acme (five tickets, three alerts, two packets, five feedback rows, two reports)
and Ridgeline (one ticket that names Acme, one alert), written as a dataset
folder and completed with rows the import cannot carry (alert timings,
packets, feedback, reports). Every number the tests expect follows from the
times below; the comments give the arithmetic.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.db.models import Alert, Feedback, PacketRow, Report
from bot.ingest.loader import ingest_folder
from tests.harness.worlds import write_world


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def note(nid: str, when: str, author: str, visibility: str, text: str) -> dict[str, Any]:
    return {"id": nid, "at": when, "author": author, "visibility": visibility, "text": text}


def tickets() -> list[dict[str, Any]]:
    base = {"tenant": "acme", "contact": "Dana Whitfield", "priority": "P3"}
    return [
        # MTTE 30 min (1800 s); MTTR after escalation 2 h (7200 s); one repeat question (101-4 re-asks 101-2),
        # one new question after the escalation (101-5).
        {**base, "id": "101", "title": "FS01 backup repository filling", "status": "closed", "category": "backup",
         "created_at": "2026-10-05T10:00:00Z", "escalated_at": "2026-10-05T10:30:00Z",
         "resolved_at": "2026-10-05T12:30:00Z", "notes": [
             note("101-1", "2026-10-05T10:05:00Z", "Sam (L1)", "internal", "Checked the repository: 93% used."),
             note("101-2", "2026-10-05T10:10:00Z", "Sam (L1)", "customer",
                  "Hi Dana, did anyone copy a big batch of files to the file server this week?"),
             note("101-3", "2026-10-05T10:20:00Z", "Dana Whitfield", "customer", "Yes, the imaging exports."),
             note("101-4", "2026-10-05T11:00:00Z", "Alex (L2)", "customer",
                  "Hi Dana, Alex from L2. Did someone copy a big batch of files onto the file server?"),
             note("101-5", "2026-10-05T11:05:00Z", "Alex (L2)", "customer",
                  "Also, can we restart the NAS tonight after 7pm?"),
         ]},
        # MTTE 4 h (14400 s); MTTR after escalation 24 h (86400 s); reopened once.
        {**base, "id": "102", "title": "Elm St VPN drops", "status": "closed", "category": "network",
         "created_at": "2026-10-06T09:00:00Z", "escalated_at": "2026-10-06T13:00:00Z",
         "resolved_at": "2026-10-07T13:00:00Z", "reopened_count": 1},
        # Never escalated, resolved.
        {**base, "id": "103", "title": "Guest Wi-Fi slow", "status": "resolved", "category": "network",
         "created_at": "2026-10-13T08:00:00Z", "resolved_at": "2026-10-13T10:00:00Z"},
        # MTTE 20 min (1200 s), still escalated: no MTTR, not resolved once.
        {**base, "id": "104", "title": "Nightly backup job failed", "status": "escalated", "category": "backup",
         "created_at": "2026-10-14T08:00:00Z", "escalated_at": "2026-10-14T08:20:00Z"},
        # New, uncategorised.
        {**base, "id": "105", "title": "Question about a new laptop", "status": "new",
         "created_at": "2026-10-15T09:00:00Z"},
        # Ridgeline's ticket names Acme; none of it may count for Acme. MTTE 1 min, reopened twice.
        {"id": "201", "tenant": "ridge", "title": "Same backup problem Acme Dental had", "status": "closed",
         "category": "backup", "created_at": "2026-10-05T10:00:00Z", "escalated_at": "2026-10-05T10:01:00Z",
         "resolved_at": "2026-10-05T10:02:00Z", "reopened_count": 2,
         "description": "Acme Dental Group's FS01 had this too."},
    ]


def alerts() -> list[dict[str, Any]]:
    return [
        {"id": f"a{i}", "tenant": "acme", "device": "FS01", "source": "rmm", "check": "Disk space",
         "severity": "warning", "message": f"Volume D: {90 + i}% used", "at": f"2026-10-0{i}T09:00:00Z"}
        for i in (5, 6, 7)
    ] + [{"id": "r1", "tenant": "ridge", "device": "FS01", "source": "rmm", "check": "Disk space",
          "severity": "warning", "message": "Volume D: 99% used", "at": "2026-10-05T09:00:00Z"}]


# Time-to-classify per alert, set after the import: 2 s, 4 s, 30 s for Acme (median 4, p90 30); 999 s for Ridgeline.
DELAYS = {"a5": 2.0, "a6": 4.0, "a7": 30.0, "r1": 999.0}


def build(root: Path, engine: Engine) -> None:
    world = write_world(root, tickets_=tickets(), alerts_=alerts(), docs={})
    summary = ingest_folder(world, engine=engine)
    assert summary.ok, summary.errors
    from datetime import timedelta

    with Session(engine) as session:
        for alert in session.exec(select(Alert)):
            alert.received_at = alert.at + timedelta(seconds=5)
            alert.classified_at = alert.received_at + timedelta(seconds=DELAYS[alert.external_id])
            session.add(alert)
        on = PacketRow(tenant_id="acme", ticket_id="101", generated_at=at("2026-10-05T10:31:00Z"), mode="on")
        shadow = PacketRow(tenant_id="acme", ticket_id="104", generated_at=at("2026-10-14T08:21:00Z"), mode="shadow")
        other = PacketRow(tenant_id="ridge", ticket_id="201", generated_at=at("2026-10-05T10:02:00Z"), mode="on")
        session.add_all([on, shadow, other])
        session.flush()

        def fb(packet: PacketRow, kind: str, start: str, seconds: float | None, user: str = "U1") -> Feedback:
            begun = at(start)
            return Feedback(tenant_id=packet.tenant_id, packet_pk=packet.pk, platform="slack", user_id=user,
                            kind=kind, started_at=begun, duration_s=seconds,
                            ended_at=None if seconds is None else begun + timedelta(seconds=seconds))

        session.add_all([
            # Correction time on "on" packets: 300 s and 900 s (median 600, p90 900); the open one doesn't count.
            fb(on, "correction", "2026-10-05T10:40:00Z", 300.0),
            fb(on, "correction", "2026-10-05T10:45:00Z", 900.0, user="U2"),
            fb(on, "correction", "2026-10-05T10:50:00Z", None, user="U3"),
            fb(on, "accept", "2026-10-05T10:41:00Z", 0.0),
            fb(on, "flag", "2026-10-05T10:42:00Z", 0.0),
            # Shadow packet, reviewed in the review channel: 600 s, counted apart.
            fb(shadow, "correction", "2026-10-14T09:00:00Z", 600.0),
            # Ridgeline's engineer took 5000 s; never Acme's.
            fb(other, "correction", "2026-10-05T10:10:00Z", 5000.0),
        ])
        # Reports: turnaround (requested to marked sent) 1 day for the sent one; drafts ready in 5 s and 3 s.
        session.add_all([
            Report(tenant_id="acme", month="2026-10", requested_at=at("2026-11-01T09:00:00Z"),
                   ready_at=at("2026-11-01T09:00:05Z"), sent_at=at("2026-11-02T09:00:00Z"), markdown="x"),
            Report(tenant_id="acme", month="2026-10", requested_at=at("2026-11-03T09:00:00Z"),
                   ready_at=at("2026-11-03T09:00:03Z"), markdown="x", period_report=2),  # after the sent one
            Report(tenant_id="ridge", month="2026-10", requested_at=at("2026-11-01T09:00:00Z"),
                   ready_at=at("2026-11-01T10:00:00Z"), sent_at=at("2026-11-01T10:00:01Z"), markdown="x"),
        ])
        session.commit()
