"""Site outages: one signal with its root and effects, from topology or, without it, a heuristic (pure)."""

from __future__ import annotations

from datetime import timedelta

from bench.support.alert_stream import T0, A
from bot.alerts.topology import Topology, topology_from, topology_problems
from bot.alerts.triage import triage
from tests.harness.outage import ELM, site_outage


def unrelated(tenant: str = "acme", pk: int = 100) -> A:
    return A(pk, tenant, "ACME-MS-PRN02", "Printer", "warning", "Printer ACME-MS-PRN02 toner low (5%)",
             T0 + timedelta(minutes=12), None)


def test_topology_makes_the_outage_one_signal_with_the_ups_as_root() -> None:
    signals = triage([*site_outage(), unrelated()], topologies={"acme": ELM})
    outage = [s for s in signals if s.grouping == "outage"]
    assert len(outage) == 1
    [signal] = outage
    assert signal.root == "ACME-ELM-UPS" and signal.site == "Elm St"
    assert signal.effects == ["ACME-ELM-MX", "ACME-DC03", "ACME-ELM-WS01", "ACME-ELM-WS02", "ACME-ELM-WS03",
                              "ACME-ELM-PRN01", "ACME-DC01"]
    assert len(signal.alerts) == 9 and signal.noise is None
    assert "topology" in (signal.reason or "") and signal.title.startswith("Site outage at Elm St: ACME-ELM-UPS")
    # The toner at Main St, in the same minutes, is another problem.
    assert [s.title for s in signals if s.grouping != "outage"] == ["Printer on ACME-MS-PRN02"]


def test_the_same_minutes_at_another_client_stay_separate() -> None:
    alerts = [*site_outage(), *site_outage(tenant="ridge", first_pk=50)]
    signals = triage(alerts, topologies={"acme": ELM})
    for signal in signals:
        assert {a.tenant_id for a in signal.alerts} == {signal.tenant_id}
    [acme] = [s for s in signals if s.tenant_id == "acme"]
    assert acme.root == "ACME-ELM-UPS" and {a.pk for a in acme.alerts} == set(range(1, 10))
    # Ridge has no topology: its own copy is grouped by the heuristic, and says so.
    ridge = [s for s in signals if s.tenant_id == "ridge"]
    assert [s.grouping for s in ridge] == ["outage"] and "no topology" in (ridge[0].reason or "")


def test_without_topology_the_heuristic_says_so_and_picks_the_first_failure() -> None:
    [signal] = [s for s in triage([*site_outage(), unrelated()], topologies={}) if s.grouping == "outage"]
    assert signal.root == "ACME-ELM-UPS"
    assert "no topology for this client" in (signal.reason or "") and "acme-elm-*" in (signal.reason or "")
    # DC01 is at another "site" by name, but its alert names DC03, one of the dark devices.
    assert "ACME-DC01" in signal.effects and "ACME-MS-PRN02" not in signal.devices


def test_an_upstream_failure_long_before_does_not_explain_later_trouble() -> None:
    alerts = site_outage()
    late = [A(a.pk, a.tenant_id, a.device, a.check_name, a.severity, a.message,
              a.at + (timedelta(hours=3) if a.device != "ACME-ELM-UPS" else timedelta()), a.resolved_at)
            for a in alerts]
    late[0] = A(1, "acme", "ACME-ELM-UPS", "UPS status", "warning", "UPS ACME-ELM-UPS on battery",
                T0, T0 + timedelta(minutes=5))
    signals = triage(late, topologies={"acme": ELM})
    outage = [s for s in signals if s.grouping == "outage"]
    assert all(s.root != "ACME-ELM-UPS" for s in outage)
    assert any(s.devices == ["ACME-ELM-UPS"] for s in signals)


def test_topology_upstream_and_problems() -> None:
    assert ELM.upstream("ACME-ELM-WS01") == {"acme-elm-mx", "acme-ms-fw"}
    assert ELM.ancestors("ACME-ELM-WS01") == {"acme-elm-mx", "acme-ms-fw", "acme-elm-ups"}
    assert ELM.upstream("ACME-ELM-MX") == {"acme-elm-ups", "acme-ms-fw"}
    assert ELM.site_of("acme-dc03").name == "Elm St" and ELM.site_of("ACME-XX") is None
    assert topology_from(ELM.as_dict()) == ELM and not Topology()
    cyclic = Topology(depends_on={"A": ("B",), "B": ("A",)})
    assert cyclic.ancestors("A") == {"b"}
    assert topology_problems({"sites": [{"name": "X", "depends_on": ["Y"]}, {"name": "X"}]}) == [
        "sites: 'X' appears twice", "sites[0].depends_on: no site named 'Y'"]
