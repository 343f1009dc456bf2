"""Signals in the store (SQLite and PostgreSQL): classification, time-to-classify, reads, tenants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.alerts.signals import (
    classification_delays,
    classify_alerts,
    classify_pending,
    current_signals,
    default_now,
    related_alert_clusters,
)
from bot.db.engine import session_scope
from bot.db.models import Alert, Signal
from bot.ingest.loader import ingest_folder, store_alerts
from bot.ingest.records import AlertRecord
from tests.harness.worlds import write_world

T = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def rec(id_: str, tenant: str, device: str | None, minute: float, *, check: str = "AD replication",
        message: str = "Replication from DC02 failed: The RPC server is unavailable (1722)",
        severity: str = "critical", resolved_after: float | None = None) -> AlertRecord:
    at = T + timedelta(minutes=minute)
    return AlertRecord(id=id_, tenant=tenant, device=device, check=check, message=message, severity=severity,
                       at=at, source="rmm",
                       resolved_at=at + timedelta(minutes=resolved_after) if resolved_after is not None else None)


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> Engine:
    write_world(tmp_path / "w", alerts_=[])
    assert ingest_folder(tmp_path / "w", engine=engine).ok
    return engine


def put(engine: Engine, records: list[AlertRecord], classify: bool = True) -> list[int]:
    with session_scope(engine) as session:
        new, updated, _, conflicts = store_alerts(records, session=session)
        assert not conflicts
    if classify:
        for tenant in sorted({r.tenant for r in records}):
            with session_scope(engine) as session:
                pks = [a.pk for a in session.exec(select(Alert).where(Alert.tenant_id == tenant))]
                classify_alerts(session=session, tenant_id=tenant, pks=[p for p in pks if p in set(new + updated)])
    return new + updated


def adversarial_dc01(engine: Engine) -> None:
    """DC01 in both clients, the same check and message, firing in the same minutes."""
    records = []
    for tenant in ("acme", "ridge"):
        records += [
            rec(f"{tenant}-1", tenant, "DC01", 0),
            rec(f"{tenant}-2", tenant, "DC01", 3, check="DNS", severity="warning", message="DNS error 4015"),
            rec(f"{tenant}-3", tenant, "DC01", 5, check="Time sync", severity="warning", message="Time skew 300 s"),
            rec(f"{tenant}-4", tenant, "WS07", 10, check="Disk space", severity="warning",
                message="Disk C: on WS07 is 93% full"),
        ]
    put(engine, records)


def test_alerts_get_a_signal_and_a_classification_time(world: Engine) -> None:
    adversarial_dc01(world)
    with Session(world) as session:
        alerts = session.exec(select(Alert)).all()
        assert alerts and all(a.signal_id is not None for a in alerts)
        assert all(a.classified_at is not None and a.classified_at >= a.received_at for a in alerts)
        signals = {s.pk: s for s in session.exec(select(Signal))}
        for a in alerts:
            assert signals[a.signal_id].tenant_id == a.tenant_id
        assert sorted((s.tenant_id, s.alert_count, s.grouping) for s in signals.values()) == [
            ("acme", 1, "single"), ("acme", 3, "device"), ("ridge", 1, "single"), ("ridge", 3, "device")]
        delays = classification_delays(session=session, tenant_id="acme")
        assert len(delays) == 4 and all(0 <= d < 60 for d in delays)
        assert classification_delays(session=session, tenant_id="acme", since=alerts[0].received_at +
                                     timedelta(hours=1)) == []


def test_related_alert_clusters_never_cross_tenants(world: Engine) -> None:
    adversarial_dc01(world)
    with Session(world) as session:
        for tenant in ("acme", "ridge"):
            clusters = related_alert_clusters(session=session, tenant_id=tenant, device="dc01",
                                              around=T + timedelta(minutes=30))
            assert [c.same_device for c in clusters] == [True, False]
            first = clusters[0]
            assert first.tenant_id == tenant and first.devices == ["DC01"] and first.count == 3
            assert first.title == "AD replication on DC01 with DNS, Time sync"
            assert first.firing and first.severity == "critical" and first.noise is None
            assert first.category == "active-directory"
            assert first.minutes_from_around == 25.0
            assert {a.external_id.split("-")[0] for c in clusters for a in c.alerts} == {tenant}
            assert clusters[1].devices == ["WS07"]


def test_related_alert_clusters_window_and_unknown_device(world: Engine) -> None:
    adversarial_dc01(world)
    with Session(world) as session:
        far = related_alert_clusters(session=session, tenant_id="acme", device="DC01", around=T + timedelta(days=3))
        assert far == []
        none = related_alert_clusters(session=session, tenant_id="acme", device=None, around=T)
        assert len(none) == 2 and not any(c.same_device for c in none)
        # All of acme's alerts fire at T, after around + 2h: outside the window.
        before = related_alert_clusters(session=session, tenant_id="acme", device="DC01",
                                        around=T - timedelta(minutes=150))
        assert before == []
        with pytest.raises(ValueError):
            related_alert_clusters(session=session, tenant_id="", device="DC01", around=T)


def test_reading_clusters_never_classifies(world: Engine) -> None:
    """Reads never write: pending alerts stay pending through a read, and appear once classified."""
    put(world, [rec("p1", "acme", "DC01", 0), rec("p2", "ridge", "DC01", 0)], classify=False)
    with session_scope(world) as session:
        assert related_alert_clusters(session=session, tenant_id="acme", device="DC01", around=T) == []
        assert not session.new and not session.dirty
    with Session(world) as session:
        assert all(a.signal_id is None for a in session.exec(select(Alert)))


def test_classify_ticket_alerts_before_the_read(world: Engine) -> None:
    """The explicit step before a packet build: the ticket's tenant's pending alerts in its window."""
    from bot.db.models import Ticket
    from bot.packets.builder import classify_ticket_alerts

    put(world, [rec("p1", "acme", "DC01", 0), rec("p2", "ridge", "DC01", 0),
                rec("p3", "acme", "DC01", 60 * 24 * 3)], classify=False)
    ticket = Ticket(id="1", tenant_id="acme", title="DC01 replication", status="new", created_at=T,
                    device="DC01", content_hash="x")
    with session_scope(world) as session:
        assert classify_ticket_alerts(session=session, ticket=ticket, as_of=T + timedelta(hours=1)) == 1
        [cluster] = related_alert_clusters(session=session, tenant_id="acme", device="DC01", around=T)
        assert [a.external_id for a in cluster.alerts] == ["p1"]
    with Session(world) as session:
        pending = {a.external_id for a in session.exec(select(Alert)) if a.signal_id is None}
        # Another tenant's alerts and alerts outside the ticket's window are left alone.
        assert pending == {"p2", "p3"}


def test_storm_forming_keeps_one_signal_id_and_first_classification_time(world: Engine) -> None:
    def offline(i: int) -> AlertRecord:
        return rec(f"off{i}", "acme", f"WS{i:02d}", i, check="Device offline",
                   message=f"Agent WS{i:02d} has not checked in for {10 + i} minutes")

    put(world, [offline(0)])
    with Session(world) as session:
        first = session.exec(select(Alert)).one()
    put(world, [offline(1)])
    put(world, [offline(2), offline(3)])
    with Session(world) as session:
        alerts = session.exec(select(Alert).order_by(Alert.pk)).all()
        signals = session.exec(select(Signal)).all()
        assert len(signals) == 1 and signals[0].grouping == "storm" and signals[0].alert_count == 4
        assert {a.signal_id for a in alerts} == {signals[0].pk} == {first.signal_id}
        assert alerts[0].classified_at == first.classified_at


def test_resolution_updates_the_signal(world: Engine) -> None:
    put(world, [rec("x1", "acme", "DC01", 0)])
    with Session(world) as session:
        assert session.exec(select(Signal)).one().firing
    put(world, [rec("x1", "acme", "DC01", 0, resolved_after=120)])
    with Session(world) as session:
        signal = session.exec(select(Signal)).one()
        assert not signal.firing and signal.noise is None


def test_current_signals_at_a_past_now(world: Engine) -> None:
    put(world, [
        rec("a", "acme", "DC01", 0, resolved_after=240),
        rec("b", "acme", "WS01", 60 * 30, check="Disk space", message="Disk C: on WS01 is 95% full"),
        rec("c", "acme", "WS02", 10, check="Ping", message="Ping to WS02 lost 50%", resolved_after=2),
    ])
    with Session(world) as session:
        wall = T + timedelta(days=100)
        now = default_now(session=session, tenant_id="acme", wall_clock=wall)
        assert now == T + timedelta(minutes=60 * 30)  # data older than a day: the newest alert's time
        assert default_now(session=session, tenant_id="acme", wall_clock=T + timedelta(hours=31)) == \
            T + timedelta(hours=31)
        at_30 = current_signals(session=session, tenant_id="acme", now=T + timedelta(minutes=30))
        assert [(v.devices, v.firing, v.noise) for v in at_30] == [(["DC01"], True, None), (["WS02"], False, "blip")]
        assert all(v.count == 1 for v in at_30)  # the future alert "b" is not visible at 00:30
        latest = current_signals(session=session, tenant_id="acme", now=now, include_noise=False)
        assert [v.devices for v in latest] == [["WS01"]]
        assert [v.alerts[0].external_id for v in latest] == ["b"]


def test_ingest_classifies_what_it_stored(world: Engine, tmp_path: Path) -> None:
    write_world(tmp_path / "w2")  # the two DC01 alerts of the shared test world
    summary = ingest_folder(tmp_path / "w2", engine=world)
    assert summary.ok and summary.classified == 2
    with session_scope(world) as session:
        assert classify_pending(session=session, tenant_id="acme") == 0
    with Session(world) as session:
        acme = session.exec(select(Alert).where(Alert.tenant_id == "acme")).one()
        ridge = session.exec(select(Alert).where(Alert.tenant_id == "ridge")).one()
        assert acme.signal_id is not None and ridge.signal_id is not None
        assert acme.signal_id != ridge.signal_id, "one DC01 signal per client, never shared"
        assert acme.classified_at is not None and acme.classified_at >= acme.received_at


def _grouping(engine: Engine) -> set[frozenset[str]]:
    with Session(engine) as session:
        members: dict[int | None, set[str]] = {}
        for alert in session.exec(select(Alert)):
            members.setdefault(alert.signal_id, set()).add(alert.external_id)
    assert None not in members
    return {frozenset(m) for m in members.values()}


def test_live_deliveries_group_like_a_bulk_classification(world: Engine) -> None:
    """Alerts delivered as they happen (firing, then a resolved update hours or days later), each
    delivery classified at once, end in the same signals as classifying everything afterwards: the
    re-triage window reaches an alert kept open for days and a job failing every night."""
    day = 24 * 60
    records = [  # a patch failing every night for 4 nights, each notification open until fixed
        rec(f"patch{n}", "acme", "WS03", n * day + n, check="Patch management", severity="warning",
            message="Install failed: KB5063878 (0x800f0922)", resolved_after=4 * day + 60 - n * (day + 1))
        for n in range(4)]
    records += [  # a backup failing 3 nights, each alert closed by the morning sweep
        rec(f"vbr{n}", "acme", "VBR01", n * day + 300 + 7 * n, check="Backup job",
            message="Job 'Nightly' failed: VSS error", resolved_after=360) for n in range(3)]
    records += [  # a storm on 6 PCs re-notifying every 4 hours until fixed the next day
        rec(f"av{w}-{i}", "acme", f"WS1{i}", 600 + 240 * w + i, check="Antivirus health", severity="warning",
            message="Security intelligence update failed with 0x80072ee2", resolved_after=1500 - 240 * w)
        for w in range(4) for i in range(6)]
    records += [rec(f"dc{i}", "acme", "DC01", 2 * day + 15 * i, resolved_after=120 - 15 * i) for i in range(6)]
    records += [  # a disk's predictive failure, still open when it is reported again three days later
        rec(f"smart{n}", "acme", "FS01", n * 3 * day + 10, check="Disk health", severity="warning",
            message="SMART predictive failure on disk 1", resolved_after=4 * day - n * 3 * day) for n in range(2)]
    records += [rec(f"other{i}", "acme", f"LT{i:02d}", 37 * i, check="Disk space",
                    message=f"Disk C: on LT{i:02d} is 95% full", resolved_after=30) for i in range(30)]
    # First every alert as it fires (the backup's closed within hours, so delivered closed), then the
    # resolutions of the rest; the signals must match a bulk classification after each phase.
    firing = sorted((r if r.id.startswith("vbr") else r.model_copy(update={"resolved_at": None})
                     for r in records), key=lambda r: r.at)
    resolved = sorted((r for r in records if not r.id.startswith("vbr")), key=lambda r: r.resolved_at or r.at)
    for phase in (firing, resolved):
        for record in phase:
            put(world, [record])
        live = _grouping(world)
        with session_scope(world) as session:
            session.execute(update(Alert).values(signal_id=None, classified_at=None))
            session.execute(delete(Signal))
        with session_scope(world) as session:
            classify_pending(session=session, tenant_id="acme")
        assert _grouping(world) == live
        assert frozenset(f"patch{n}" for n in range(4)) in live
        assert frozenset(f"vbr{n}" for n in range(3)) in live
        assert frozenset({"smart0", "smart1"}) in live
        assert frozenset(f"av{w}-{i}" for w in range(4) for i in range(6)) in live
