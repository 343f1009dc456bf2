"""Hand-written cases for the rules added in the world D round (fitted on world D's tuning half): shell
prompts before commands, German participles, steps on "your" thing in customer-visible notes, every
checklist item's subject words (``near``), supply-level alerts, the alert window of "since Saturday", and
a runbook whose title names the ticket's error code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.packets.builder import ALERTS_BEFORE, ALERTS_BEFORE_MAX, alert_window
from bot.packets.knowledge import error_codes, section_score, title_codes
from bot.packets.notes import tried_steps
from bot.packets.sections import _SUPPLY
from bot.packets.unknowns import Evidence, check, shipped_checklists
from retrieval.retriever import Hit
from tests.unit.test_packet_quality import _item, _notes, _ticket, _told

# The text of a command after a prompt (PowerShell, a Linux shell) is a command L1 ran.
PROMPTED = ["PS C:\\> Get-PrintJob -ComputerName FS02 -PrinterName LAB-HP\n(queue empty)",
            "PS C:\\Users\\admin> Test-NetConnection intranet.local -Port 443",
            "root@web02:~# df -h /var", "$ systemctl status nginx"]


@pytest.mark.parametrize("text", PROMPTED)
def test_a_command_after_a_shell_prompt_is_a_command(text: str) -> None:
    assert [(s.note.note_id, s.shape) for s in tried_steps(_notes(text), _ticket())] == [("7101-1", "command")]


@pytest.mark.parametrize("text", ["Dienst auf APP02 neu gestartet, Fehler bleibt", "Treiber aktualisiert - same",
                                  "Toner getauscht, druckt wieder streifig"])
def test_german_participles_are_steps(text: str) -> None:
    assert [s.shape for s in tried_steps(_notes(text), _ticket())] == ["action"]


def test_a_step_on_your_thing_is_a_step_however_typed() -> None:
    steps = tried_steps(_told("hi dana rbtd ur router remotly, still no internet sorry"), _ticket(contact="Dana Ruiz"))
    assert [s.shape for s in steps] == ["action", "told"]
    plan = tried_steps(_told("hi dana can you restart your router and tell us?"), _ticket(contact="Dana Ruiz"))
    assert [s.shape for s in plan] == ["action"], "asking the customer to do it is not a step we took"


def test_every_checklist_item_knows_its_subject_words() -> None:
    missing = [f"{cat}:{i.id}" for cat, items in shipped_checklists().items() for i in items if i.near is None]
    assert missing == []


# (category, item, a sentence on the item's subject that answers it in words no rule knows, an unrelated one)
NEAR = [
    ("printing", "reachable", "Webinterface 10.0.0.9 nicht erreichbar", "drum unit replaced last month"),
    ("printing", "spooler", "Warteschlange auf PS02 voll mit alten Aufträgen", "the toner is low"),
    ("endpoint", "online", "Taskmanager remote: CPU 100%", "SolidWorks freezes when saving"),
    ("endpoint", "user-impact", "Ich arbeite solange am Laptop", "SolidWorks freezes when saving"),
    ("active-directory", "recent-change", "I searched the change log for the firewalls", "DC02 fails inbound"),
    ("network", "isp", "The 3rd floor says the site works for them.", "Westlaw times out"),
]


@pytest.mark.parametrize(("category", "item_id", "on_subject", "unrelated"), NEAR)
def test_a_sentence_on_the_subject_makes_an_item_less_surely_unknown(category: str, item_id: str, on_subject: str,
                                                                     unrelated: str) -> None:
    item = _item(category, item_id)
    assert check([item], [Evidence(on_subject, "note:a", customer_visible=True)])[0].state in ("near", "answered")
    assert check([item], [Evidence(unrelated, "note:b", customer_visible=True)])[0].state == "unknown"


@pytest.mark.parametrize(("category", "item_id", "answering"), [
    ("printing", "reachable", "PS C:\\> Test-Connection PRN-LAB -Count 2"),
    ("printing", "reachable", "test page sent from PS02 straight to PRN-LAB came out fine"),
    ("printing", "spooler", "Get-PrintJob -ComputerName PS02 -PrinterName LAB -> queue empty"),
])
def test_remote_checks_answer_the_printing_items(category: str, item_id: str, answering: str) -> None:
    assert check([_item(category, item_id)], [Evidence(answering, "note:a", customer_visible=False)])[0].state == \
        "answered"


@pytest.mark.parametrize(("text", "supply"), [("Toner black below 10%", True), ("Drum unit near end of life", True),
                                              ("Printer offline (SNMP timeout)", False), ("Paper jam tray 2", True)])
def test_supply_level_alerts_are_recognised(text: str, supply: bool) -> None:
    assert bool(_SUPPLY.search(text)) is supply


T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(("description", "days"), [
    ("Replication failures on DC02 since Saturday.", 3),
    ("Westlaw times out since the weekend.", 3),
    ("VPN flaky for 3 days now.", 4),
    ("Druckt nicht seit Freitag.", 4),
    ("Replication broken since last week.", 7),
])
def test_the_alert_window_goes_back_to_when_the_ticket_says_it_began(description: str, days: int) -> None:
    ticket = _ticket(description=description, created_at=T0)
    before, _ = alert_window(ticket, T0 + timedelta(hours=2))
    assert before == timedelta(days=days) and before <= ALERTS_BEFORE_MAX


def test_without_a_start_the_alert_window_is_a_day() -> None:
    ticket = _ticket(description="DC02 not replicating.", created_at=T0)
    assert alert_window(ticket, T0 + timedelta(hours=2))[0] == ALERTS_BEFORE


def _doc_hit(title: str, dense: float, exact: tuple[str, ...] = ()) -> Hit:
    return Hit(tenant="_global", kind="runbook", doc_path="ms/x.md", title=title, heading_path=(title, "Symptoms"),
               anchor="symptoms", url="https://kb.example/x#symptoms", text="...", score=0.1, dense_score=dense,
               sparse_score=1.0, exact_terms=exact)


def test_error_codes_are_codes_not_years() -> None:
    assert error_codes("DC02 DC01 1722 FW01 0x80070005 KB5034441 since 2019 on Windows Server 2016") == {
        "1722", "0x80070005", "kb5034441"}


def test_a_document_about_the_tickets_error_code_scores_above_a_general_guide() -> None:
    codes = error_codes("DC02 not replicating DC02 DC01 1722")
    general = _doc_hit("Active Directory replication troubleshooting guidance", dense=0.65)
    # world D's 1722 ticket: the general guide matched its wording better (0.65 against 0.54)
    specific = _doc_hit("Replication error 1722: The RPC server is unavailable", dense=0.54, exact=("1722",))
    assert title_codes(specific, codes) == ["1722"] and title_codes(general, codes) == []
    g_score, _ = section_score(general, set(), rank=1, codes=codes)
    s_score, why = section_score(specific, set(), rank=1, codes=codes)
    assert s_score > g_score and "about 1722" in why
    other = _doc_hit("Replication error 8524", dense=0.54, exact=("1722",))
    assert section_score(other, set(), rank=1, codes=codes)[0] < g_score, "another code in the title earns nothing"
