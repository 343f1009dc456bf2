"""Triage over plain alert objects: storms, correlation, noise, categories, tenants (pure)."""

from __future__ import annotations

from datetime import timedelta

from bench.support.alert_stream import T0, A, stream
from bot.alerts.grouping_eval import score_signals
from bot.alerts.triage import NOISE_BLIP, NOISE_FLAPPING, category_for, triage


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
    alerts = [alert(1, resolved_after=30), alert(2, minute=60 * 5), alert(3, device="DC02")]
    assert len(triage(alerts)) == 3  # the first had cleared hours before the second


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


def test_open_alert_keeps_its_episode_while_it_is_open() -> None:
    still_open = [alert(1, resolved_after=60 * 8), alert(2, minute=120)]  # re-fires 2 h later while open
    assert len(triage(still_open)) == 1
    next_day = [alert(1, resolved_after=60 * 30), alert(2, minute=60 * 24)]  # open, and again a day later
    assert len(triage(next_day)) == 1
    forgotten = [alert(1), alert(2, minute=60 * 24 * 8)]  # left open, but 8 days later: a week at most
    assert len(triage(forgotten)) == 2
    resolved_gap = [alert(1, resolved_after=5), alert(2, minute=90)]  # resolved, then again 90 min later
    assert len(triage(resolved_gap)) == 2


def test_persistent_condition_re_notifying_is_one_actionable_signal_not_flapping() -> None:
    # A stopped service re-notifies every 5 minutes; every notification resolves when it is fixed at
    # 02:30, so the last ones resolved within minutes of firing - but each was still open when the next
    # fired: repetition, not alternation.
    fixed = 150
    repeats = [alert(i, device="ACME-HV01", check="Windows service", severity="warning",
                     message="Service 'Print Spooler' (Spooler) is not running", minute=5 * i,
                     resolved_after=fixed - 5 * i) for i in range(30)]
    [signal] = triage(repeats)
    assert signal.noise is None and signal.grouping == "single" and len(signal.alerts) == 30


def test_flapping_needs_alternation_to_dominate() -> None:
    # Down and up four times, then down for good: an outage, not noise.
    flaps = [alert(i, check="Ping", message="Ping to DC01 lost 40% of packets", minute=i * 20, resolved_after=5)
             for i in range(4)]
    down = [alert(10 + i, check="Ping", message="Ping to DC01 lost 40% of packets", minute=80 + 10 * i)
            for i in range(6)]
    assert [s.noise for s in triage(flaps)] == [NOISE_FLAPPING]
    [signal] = triage(flaps + down)
    assert signal.noise is None


def test_daily_repeats_of_an_open_condition_are_one_signal() -> None:
    # A patch install fails in every nightly window for five nights; each notification stays open until
    # the patch is fixed on the sixth day.
    nights = [alert(i, device="ACME-WS03", check="Patch management", severity="warning",
                    message="Install failed: KB5063878 (0x800f0922)", minute=60 * 24 * i + 3 * i,
                    resolved_after=60 * 24 * (5 - i)) for i in range(5)]
    [signal] = triage(nights)
    assert len(signal.alerts) == 5 and signal.noise is None


def test_scheduled_job_failing_on_every_run_is_one_signal_even_when_each_alert_closed() -> None:
    # A nightly backup fails three nights in a row; each alert was closed by the morning sweep.
    def night(i: int, minute: int) -> A:
        return alert(i, device="ACME-VBR01", check="Backup job", message="Job 'Nightly' failed: VSS error",
                     minute=minute, resolved_after=6 * 60)
    runs = [night(i, 60 * 24 * i + 7 * i) for i in range(3)]
    [signal] = triage(runs)
    assert len(signal.alerts) == 3
    assert len(triage(runs[:2])) == 2  # two failures a day apart are not a schedule yet
    irregular = [night(1, 0), night(2, 60 * 24), night(3, 60 * 24 + 60 * 9)]  # 24 h, then 9 h
    assert len(triage(irregular)) == 3
    weekly = [night(i, 60 * 24 * 7 * i) for i in range(3)]  # a period over a day: no schedule assumed
    assert len(triage(weekly)) == 3
    odd = [night(i, 810 * i) for i in range(3)]  # every 13.5 h: no scheduler runs like that
    assert len(triage(odd)) == 3
    four_hourly = [night(i, 240 * i + 2 * i) for i in range(4)]
    assert len(triage(four_hourly)) == 1


def test_long_fire_resolve_cycles_are_not_flapping() -> None:
    slow = [alert(i, check="Printer status", message="Printer offline", minute=i * 50, resolved_after=45)
            for i in range(4)]
    [signal] = triage(slow)
    assert signal.noise is None and len(signal.alerts) == 4


def test_different_problems_on_one_device_at_once_stay_apart() -> None:
    # A lockout loop (re-notifying every 30 min) starts three minutes after a CPU alarm on a DC.
    cpu = [alert(i, device="DC02", check="CPU utilization", severity="warning",
                 message="CPU utilization 95% for 10 min (top process: MsMpEng.exe)", minute=15 * i,
                 resolved_after=130 - 15 * i) for i in range(8)]
    lockouts = [alert(20 + i, device="DC02", check="Account lockouts", severity="warning",
                      message="Event 4740: account 'haddad' locked out (caller computer ACME-WS07)",
                      minute=3 + 30 * i, resolved_after=220 - 30 * i) for i in range(6)]
    assert sorted(len(s.alerts) for s in triage(cpu + lockouts)) == [6, 8]
    # Netlogon stops while that lockout loop has been going for over an hour.
    netlogon = [alert(40 + i, device="DC02", check="Windows service", message="Service 'Netlogon' is not running",
                      minute=80 + 5 * i, resolved_after=60) for i in range(5)]
    assert sorted(len(s.alerts) for s in triage(lockouts + netlogon)) == [5, 6]


def test_related_checks_join_while_the_first_is_still_open() -> None:
    # Time skew on a DC, then (while it is still open) replication and DNS errors an hour later.
    skew = alert(1, check="Time sync", severity="warning", message="Clock offset +118.6 s from domain time source",
                 resolved_after=60 * 6)
    repl = alert(2, message="Replication from DC02 failed: The target principal name is incorrect", minute=70)
    dns = alert(3, check="Event log: DNS Server", severity="warning",
                message="DNS Server event 4015: critical error from Active Directory", minute=95)
    [signal] = triage([skew, repl, dns])
    assert signal.grouping == "device" and signal.category == "active-directory"
    stale = alert(4, message="Replication from DC02 failed: The target principal name is incorrect",
                  minute=60 * 5)  # open, but 5 hours later: no longer said to be related
    assert len(triage([skew, stale])) == 2
    unknown = [alert(5, check="Custom script", message="Script exit code 3"),
               alert(6, check="Other script", message="Script exit code 9", minute=2)]
    assert len(triage(unknown)) == 2  # checks no family names are never correlated


def test_storm_does_not_absorb_a_device_elsewhere_that_goes_offline_later() -> None:
    # A plant loses power: 12 devices go offline within 2 minutes and re-notify every 10 minutes until
    # power is back at 17:30 + 50 min. A PC at head office goes offline 35 minutes in, for its own reasons.
    plant = [alert(100 * r + i, device=f"RL-PLT-WS{i:02d}", check="Device offline",
                   message=f"Agent has not checked in for {5 + 10 * r} min", minute=i // 6 + 10 * r,
                   resolved_after=50 - 10 * r) for i in range(12) for r in range(4)]
    lone = alert(999, device="RL-HQ-WS10", check="Device offline", message="Agent has not checked in for 5 min",
                 minute=35, resolved_after=500)
    signals = triage(plant + [lone])
    storm = next(s for s in signals if s.grouping == "storm")
    assert len(storm.devices) == 12 and len(storm.alerts) == 48
    assert [s.devices for s in signals if s is not storm] == [["RL-HQ-WS10"]]


def test_persistent_storm_is_one_signal_across_its_waves() -> None:
    # A bad definition update fails on 10 PCs every 4 hours until fixed; each alert stays open until then.
    waves = [alert(100 * w + i, device=f"SM-LT{i:02d}", check="Antivirus health", severity="warning",
                   message="Security intelligence update failed with 0x80072ee2", minute=240 * w + i,
                   resolved_after=60 * 20 - 240 * w) for i in range(10) for w in range(4)]
    [signal] = triage(waves)
    assert signal.grouping == "storm" and len(signal.alerts) == 40


def test_correlation_is_by_onset_not_by_resolution() -> None:
    disk = alert(1, device="SRV", check="Disk space", message="Disk C: 4% free", resolved_after=60 * 18)
    cpu = alert(2, device="SRV", check="CPU utilization", message="CPU 91% for 15 min", minute=60 * 17)
    assert len(triage([disk, cpu])) == 2
