"""Hand-written cases for the rules added after world C's first run: paraphrased answers to checklist
items, items a device's description leaves without an object, the ``near`` state, terse steps, quoted
customer words and negated verbs (see test_packet_quality.py for the earlier rules)."""

from __future__ import annotations

import pytest

from bot.packets.devices import device_profile
from bot.packets.notes import tried_steps
from bot.packets.unknowns import Evidence, check, checklist_for
from tests.unit.test_packet_quality import _item, _note_doc, _notes, _ticket

# (category, item, a note that answers it, a note on the same topic that does not)
RULES = [
    ("_common", "customer-contact", "Marco - handed to our network team; they'll call you before noon.",
     "Marco, is it only dock 3 or are docks 1-2 printing blank too?"),
    ("_common", "customer-contact", "Hannah - POS box is with our hardware guy now, will ring you by 4.",
     "can someone on site power-cycle the grey box?"),
    ("endpoint", "online", "ping brew-ctl 10.0.30.5 - timeout", "brew controller graphs look odd"),
    ("endpoint", "online", "pos dead. pwr cycled. nope", "pos screen layout changed"),
    ("endpoint", "online", "06:58 df -h / -> 96% used, 1.9G avail", "disk usage policy is 80%"),
    ("endpoint", "user-impact", "Reception has been given the spare laptop for now.", "Reception PC blue-screens."),
    ("endpoint", "user-impact", "Scanners slow to confirm picks.", "RMM alert on wms01."),
    ("printing", "scope", "Is it only dock 3 or are docks 1-2 printing blank too; only dock 3", "dock 3 prints blank"),
    ("printing", "reachable", "printer web pg ok, 10.20.5.41, status READY", "labels come out blank"),
    ("printing", "spooler", "cups on OL-MBP-02: printer-state-message 'not responding'", "jobs held on OL-MBP-02"),
    ("backup", "last-good", "Hyper Backup to C2 ran OK at 01:00 last night.", "Hyper Backup to C2 is set up."),
    ("backup", "last-good", "last ok 2 nights ago 01:15", "ok to rerun later"),
    ("backup", "repository-space", "vol1 4.2 / 16 TB used", "vol1 is the backup volume"),
    ("backup", "offsite", "Hyper Backup to C2 ran OK at 01:00 last night.", "local USB copy failed"),
    ("m365", "affected-users", "Is anyone else seeing it; Just me as far as I know.", "Is anyone else seeing it?"),
    ("active-directory", "user-impact", "Staff at HQ get 'access denied' opening the S: drive.", "S: is on FS01."),
    ("active-directory", "recent-change", "FS01-OLD was rebuilt last week under CHG-2275", "FS01-OLD is old"),
    ("network", "scope", "Handheld scanners in the north warehouse aisles keep dropping off wifi.",
     "Handheld scanners keep dropping off wifi."),
    ("network", "isp", "Aussie BB status page: no outage in the area", "fw01 offline in unifi cloud"),
    ("network", "recent-change", "Did anyone do work at Unit 9; No work that we know of.", "Unit 9 VPN down"),
]


@pytest.mark.parametrize(("category", "item_id", "answering", "not_answering"), RULES)
def test_each_paraphrase_rule_with_an_answering_and_a_non_answering_note(category: str, item_id: str,
                                                                         answering: str, not_answering: str) -> None:
    item = _item(category, item_id)
    visible = item.scope != "all"
    assert check([item], [Evidence(answering, "note:a", customer_visible=visible)])[0].state == "answered"
    assert check([item], [Evidence(not_answering, "note:b", customer_visible=visible)])[0].state != "answered"


def test_a_partial_success_is_not_a_last_good_backup() -> None:
    item = _item("backup", "last-good")
    text = "ABM365 task: partial success 3 nights, last successful run 14/11"
    assert check([item], [Evidence(text, "note:1")])[0].state == "mentioned"


def test_a_sentence_on_the_items_subject_makes_it_near_not_surely_unknown() -> None:
    item = _item("endpoint", "online")
    assert check([item], [Evidence("agent service keeps restarting", "note:1")])[0].state == "near"
    assert check([item], [Evidence("labels print 4 min fast", "note:1")])[0].state == "unknown"


def test_a_device_description_can_leave_an_item_without_an_object() -> None:
    docs = [_note_doc("- OL-PLOT-01: HP DesignJet T830 plotter. The Macs print to it directly; there is no print server.\n"
                      "- SB-PRN-LAB: HP LaserJet M507, queue on DC01.\n"
                      "- NAS01: Synology DS1621+ running Active Backup for Microsoft 365. No cloud copy.\n"
                      "- NAS02: QNAP TS-253D, Hybrid Backup Sync to Backblaze B2.\n")]
    ids = lambda device, category: {i.id for i in checklist_for(  # noqa: E731
        category, escalated=True, profile=device_profile(device, docs), ticket_text="jobs stuck")}
    assert "spooler" not in ids("OL-PLOT-01", "printing") and "spooler" in ids("SB-PRN-LAB", "printing")
    assert "offsite" not in ids("NAS01", "backup") and "offsite" in ids("NAS02", "backup")


def test_a_switch_gets_no_isp_item_unless_the_ticket_is_about_the_internet() -> None:
    docs = [_note_doc("- SW-CORE: Cisco Catalyst 9300-48P, PoE budget 370 W, feeds the warehouse access points.\n")]
    profile = device_profile("SW-CORE", docs)
    assert "switch" in profile.kinds and profile.windows is False
    wifi = {i.id for i in checklist_for("network", escalated=True, profile=profile, ticket_text="Handhelds drop wifi")}
    internet = {i.id for i in checklist_for("network", escalated=True, profile=profile, ticket_text="no internet")}
    assert "isp" not in wifi and "isp" in internet


TERSE = [
    "pg_wal 40G?? archive_command failing since 11/14 per pg log",
    "calibrated media (hold feed, 2 flashes) - still blank",
    "entra sign-in logs sofia.l: 3x interrupted, AADSTS50074 then 50158",
    "OWA in a private window - works",
    "roll loaded (kasper on site), jobs still held on OL-MBP-02",
    "unlock x3 for j.ferris, relocks in <5 min",
    "only j.ferris affected, others fine",
    "taproom on tablet till (square) for now",
    "sw port 7 up/up, mac seen on vlan30",
    "hbs3 'office-nightly' failed x2 - insufficient space",
    "snapshots 1.1T, retention = keep all??",
]


@pytest.mark.parametrize("text", TERSE)
def test_terse_steps_and_findings_are_found(text: str) -> None:
    assert [s.note.note_id for s in tried_steps(_notes(text), _ticket())] == ["7101-1"]


@pytest.mark.parametrize("text", ["> 'graphs stopped at 2am' (Hannah)",
                                  "Still no DNS validation - Howard never called back.",
                                  "sd card full again?? like last time"])
def test_quoted_words_and_negated_verbs_are_not_steps(text: str) -> None:
    assert tried_steps(_notes(text), _ticket()) == []
