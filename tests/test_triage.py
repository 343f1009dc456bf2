"""Triage over plain alert objects: storms, correlation, noise, categories, tenants (pure)."""

from __future__ import annotations

from datetime import timedelta

from bot.evaluation import score_signals
from bot.triage import NOISE_BLIP, NOISE_FLAPPING, category_for, triage
from tests.alert_stream import T0, A, stream


def alert(pk, tenant="acme", device="DC01", check="AD replication", message="Replication from DC02 failed (1722)",
          minute=0, severity="critical", resolved_after=None):  # type: ignore[no-untyped-def]
    at = T0 + timedelta(minutes=minute)
    resolved = at + timedelta(minutes=resolved_after) if resolved_after is not None else None
    return A(pk, tenant, device, check, severity, message, at, resolved)


def test_storm_on_many_devices_is_one_signal() -> None:
    alerts = [alert(i, device=f"ACME-WS{i:02d}", check="Device offline",
                    message=f"Agent ACME-WS{i:02d} has not checked in for {5 + i} minutes", minute=i % 7)
              for i in range(12)]
    [signal] = triage(alerts)
    assert signal.grouping == "storm" and signal.noise is None
    assert len(signal.devices) == 12 and len(signal.alerts) == 12
    assert signal.title == "Device offline on 12 devices"
    assert signal.category == "network"


def test_two_devices_are_not_a_storm() -> None:
    alerts = [alert(1, device="WS01", check="Device offline", message="Agent WS01 offline"),
              alert(2, device="WS02", check="Device offline", message="Agent WS02 offline")]
    assert sorted(s.grouping for s in triage(alerts)) == ["single", "single"]


def test_related_templates_on_one_device_are_one_signal() -> None:
    alerts = [
        alert(1, message="Replication from ACME-DC02 failed: The RPC server is unavailable (1722)", minute=0),
        alert(2, check="DNS", severity="warning", message="DNS server encountered error 4015", minute=4),
        alert(3, check="Time sync", severity="warning", message="Time skew of 312 seconds against the PDC", minute=9),
        alert(4, message="Replication from ACME-DC03 failed: The RPC server is unavailable (1722)", minute=30),
    ]
    [signal] = triage(alerts)
    assert signal.grouping == "device"
    assert signal.title == "AD replication on DC01 with DNS, Time sync"
    assert signal.severity == "critical" and signal.firing
    assert signal.representative.startswith("Replication from ACME-DC02")
    assert signal.category == "active-directory"
    assert [c.check for c in signal.clusters].count("AD replication") == 1  # both replication alerts: one kind


def test_far_apart_or_other_device_is_another_signal() -> None:
    alerts = [alert(1), alert(2, minute=60 * 5), alert(3, device="DC02")]
    assert len(triage(alerts)) == 3


def test_flapping_check_is_noise_and_kept_apart() -> None:
    flaps = [alert(i, check="Ping", severity="warning", message="Ping to DC01 lost 40% of packets",
                   minute=i * 20, resolved_after=3) for i in range(5)]
    real = [alert(10, minute=30)]
    signals = triage(flaps + real)
    noise = [s for s in signals if s.noise]
    assert [(s.noise, len(s.alerts)) for s in noise] == [(NOISE_FLAPPING, 5)]
    assert [s.noise for s in signals if not s.noise] == [None]


def test_auto_resolved_blip_is_noise_but_not_a_long_outage() -> None:
    blip = alert(1, device="WS01", check="Disk space", message="Disk C: 95% full", resolved_after=4)
    long = alert(2, device="WS02", check="Disk space", message="Disk C: 95% full", resolved_after=90)
    by_device = {s.devices[0]: s for s in triage([blip, long])}
    assert by_device["WS01"].noise == NOISE_BLIP
    assert by_device["WS02"].noise is None and not by_device["WS02"].firing


def test_same_device_name_in_two_tenants_never_shares_a_signal() -> None:
    alerts = [alert(1, tenant="acme"), alert(2, tenant="ridge"), alert(3, tenant="acme", minute=1),
              alert(4, tenant="ridge", minute=1)]
    alerts += [alert(10 + i, tenant=["acme", "ridge"][i % 2], device=f"WS{i}", check="Device offline",
                     message=f"Agent WS{i} offline") for i in range(6)]  # 3 + 3 devices: a storm in neither
    signals = triage(alerts)
    for signal in signals:
        assert {a.tenant_id for a in signal.alerts} == {signal.tenant_id}
    assert sorted((s.tenant_id, len(s.alerts)) for s in signals if s.devices == ["DC01"]) == [("acme", 2), ("ridge", 2)]
    assert sorted((s.tenant_id, s.grouping) for s in signals if s.grouping == "storm") == [
        ("acme", "storm"), ("ridge", "storm")]


def test_categories() -> None:
    assert category_for(["Backup", "Backup job Nightly failed: VSS error"]) == "backup"
    assert category_for(["Printer", "Printer toner low"]) == "printing"
    assert category_for(["M365", "Mailbox <*> exceeded its quota"]) == "m365"
    assert category_for(["VPN", "Site-to-site VPN tunnel to <*> is down"]) == "network"
    assert category_for(["AD replication", "DNS"]) == "active-directory"
    assert category_for(["Something odd happened"]) == "endpoint"


def test_labelled_stream_is_compressed_without_mixing_incidents() -> None:
    alerts = stream(tenants=3, hours=24 * 3)
    signals = triage(alerts)
    score = score_signals([(s.noise is not None, [a.pk for a in s.alerts]) for s in signals],
                          {a.pk: a.incident for a in alerts}, {a.pk: a.tenant_id for a in alerts})
    assert score.tenant_mixed_signals == 0
    assert score.purity >= 0.95 and score.mixed_signals <= 1
    assert score.noise_recall >= 0.9
    assert score.actionable <= score.incidents * 1.1
    assert sum(len(s.alerts) for s in signals) == len(alerts)


def test_open_alert_keeps_its_episode_only_for_a_while() -> None:
    still_open = [alert(1, resolved_after=60 * 8), alert(2, minute=120)]  # re-fires 2 h later while open
    assert len(triage(still_open)) == 1
    long_after = [alert(1, resolved_after=60 * 30), alert(2, minute=60 * 12)]  # open, but 12 h later
    assert len(triage(long_after)) == 2
    resolved_gap = [alert(1, resolved_after=5), alert(2, minute=90)]  # resolved, then again 90 min later
    assert len(triage(resolved_gap)) == 2


def test_long_fire_resolve_cycles_are_not_flapping() -> None:
    slow = [alert(i, check="Printer status", message="Printer offline", minute=i * 50, resolved_after=45)
            for i in range(4)]
    [signal] = triage(slow)
    assert signal.noise is None and len(signal.alerts) == 4


def test_correlation_is_by_onset_not_by_resolution() -> None:
    disk = alert(1, device="SRV", check="Disk space", message="Disk C: 4% free", resolved_after=60 * 18)
    cpu = alert(2, device="SRV", check="CPU utilization", message="CPU 91% for 15 min", minute=60 * 17)
    assert len(triage([disk, cpu])) == 2
