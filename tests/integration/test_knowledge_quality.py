"""The packet's knowledge on a real index: one hit per section, the client's notes kept beside a large
shared library, an honest "no runbook" below the floor, and `ask` naming a client in several words."""

from __future__ import annotations

import pytest

from bot.chat.commands import parse
from bot.core import Core
from bot.db import store
from bot.errors import NotFound
from bot.packets.builder import build_packet
from bot.tenancy.policy import Where
from tests.harness.retrieval_helpers import settings_for
from tests.harness.worlds import core_with_index, tickets, write_world

CLI = Where(platform="cli", user_id="test")

_STEP = ("Stop the print spooler service, delete the files in the spool printers folder, start the spooler "
         "again and print a test page from the print server before touching the client. ")
DOCS = {
    # One long section: the index stores it as several overlapping windows.
    "_global/printing.md": "---\ntitle: Printing\nkind: runbook\n---\n# Printing\n## Clear a stuck print queue\n"
    + _STEP * 40,
    "acme/environment.md": "---\ntitle: Acme environment\nkind: client-note\ndevices: [DC01]\n---\n# Acme\n"
    "## DC01 replication quirk\nReplication from DC01 to DC03 fails with 1722 every evening when the Elm St "
    "circuit drops to LTE; the Auto VPN re-forms within 20 minutes. Not an incident on its own.\n",
    # Its symptoms restate the ticket word for word; its fix is what the engineer needs.
    "_global/dc-replication-alert.md": "---\ntitle: DC01 AD replication failing\nkind: runbook\n---\n"
    "# DC01 AD replication failing\n## Symptoms\nDC01: AD replication failing. Monitoring alert for replication "
    "on DC01. Replication from DC02 failed: The RPC server is unavailable (1722).\n## Background\nReplication "
    "uses RPC.\n## Fix\nOpen TCP 135 and the dynamic RPC range between the domain controllers, then run "
    "repadmin /syncall.\n",
    **{f"_global/ad-{i}.md": f"---\ntitle: AD replication article {i}\nkind: runbook\n---\n# AD replication {i}\n"
       f"## Resolution\nReplication error 1722 RPC server is unavailable between domain controllers: check DNS, "
       f"the firewall ports 135 and the dynamic RPC range, variant {i}.\n" for i in range(14)},
}


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory, embedder) -> Core:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("knowledge")
    rows = tickets() + [{
        "id": "4500", "tenant": "acme", "title": "Coffee machine in the break room leaks water",
        "description": "The office manager says the coffee machine drips on the floor.", "status": "escalated",
        "category": "endpoint", "created_at": "2026-11-24T09:00:00Z", "escalated_at": "2026-11-24T09:30:00Z",
        "notes": [{"id": "4500-1", "at": "2026-11-24T09:10:00Z", "author": "Sam (L1)", "visibility": "internal",
                   "text": "checked the machine, tray full"}],
    }]
    world = write_world(tmp / "w", tickets_=rows, docs=DOCS)
    c = core_with_index(settings_for(tmp), embedder, world)
    yield c
    c.close()


def _sections(hits) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [(h.tenant, h.doc_path, h.anchor) for h in hits]


def test_neighbouring_windows_of_one_section_are_one_hit(core: Core) -> None:
    hits = core.retriever.search(tenant_id="_global", query="clear a stuck print queue spooler", limit=8)
    sections = _sections(hits)
    assert sections.count(("_global", "printing.md", "clear-a-stuck-print-queue")) == 1
    assert len(sections) == len(set(sections))
    both = core.retriever.search_knowledge(tenant_id="acme", query="replication 1722 print spooler", limit=8)
    assert len(_sections(both)) == len(set(_sections(both)))


def test_the_clients_note_is_kept_beside_many_shared_articles(core: Core) -> None:
    hits = core.retriever.search_knowledge(tenant_id="acme", query="DC01 replication 1722 RPC server unavailable",
                                           limit=6)
    assert any(h.tenant == "acme" and h.doc_path == "environment.md" for h in hits)
    with core.session() as session:
        packet = build_packet(session=session, ticket=store.find_ticket(session=session, ticket_id="4412"),
                              retriever=core.retriever)
    assert packet.section("client"), "the client's note vanished behind the shared articles"
    ids = [(s.tenant, s.id) for c in packet.claims if c.section in ("runbook", "client") for s in c.sources]
    assert len(ids) == len(set(ids)), "a section is shown twice"


def test_below_the_floor_the_packet_says_no_runbook_fits(core: Core) -> None:
    with core.session() as session:
        coffee = build_packet(session=session, ticket=store.find_ticket(session=session, ticket_id="4500"),
                              retriever=core.retriever)
        replication = build_packet(session=session, ticket=store.find_ticket(session=session, ticket_id="4412"),
                                   retriever=core.retriever)
    runbook = coffee.section("runbook")
    assert runbook[0].text == "No runbook matches this ticket well enough."
    assert all(c.confidence.label == "low" for c in runbook[1:])  # the near miss, if any
    assert replication.section("runbook")[0].text != "No runbook matches this ticket well enough."
    assert " > Resolution (" in replication.section("runbook")[0].text or " > Fix (" in replication.section("runbook")[0].text


@pytest.mark.parametrize(("text", "tenant", "question"), [
    ("ask Acme Dental Group what is the DC01 replication quirk?", "acme", "what is the DC01 replication quirk?"),
    ("ask ACME Dental what is the DC01 replication quirk?", "acme", "what is the DC01 replication quirk?"),
    ("ask acme: DC01 replication quirk", "acme", "DC01 replication quirk"),
    ("ask Ridgeline Manufacturing plant VPN", "ridge", "plant VPN"),
])
def test_ask_resolves_a_client_named_in_several_words(core: Core, text: str, tenant: str, question: str) -> None:
    answer = core.dispatch(parse(text, client_channel=False), where=CLI)
    assert answer.tenant == tenant and answer.question == question
    assert all(h.tenant in (tenant, "_global") for h in answer.hits)


def test_ask_names_an_unknown_client(core: Core) -> None:
    with pytest.raises(NotFound, match="No client called 'Globex'"):
        core.dispatch(parse("ask Globex what is the quirk?", client_channel=False), where=CLI)


def test_the_acting_section_is_linked_when_symptoms_match_better(core: Core) -> None:
    hits = core.retriever.search_knowledge(tenant_id="acme", query="DC01: AD replication failing", limit=8)
    assert any(h.anchor == "symptoms" for h in hits), "the symptoms section is what retrieval matches"
    with core.session() as session:
        packet = build_packet(session=session, ticket=store.find_ticket(session=session, ticket_id="4412"),
                              retriever=core.retriever)
    for claim in packet.section("runbook"):
        assert not claim.sources[0].id.endswith(("#symptoms", "#cause", "#more-information"))
