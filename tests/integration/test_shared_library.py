"""A new user's first import: the public Windows Server articles and Prometheus runbooks of
``../shared/data`` as ``_global`` beside the demo MSP. The clients' own notes must not vanish
behind a few hundred vendor articles, and no packet may show one section twice.

Skipped, saying so, when the shared data is absent. Slow (it indexes about 180 more documents).
"""

from __future__ import annotations

import json
import shutil

import pytest

from adapters.cli.commands.demo import demo_folder
from bench.support.shared_data import shared_path
from bench.support.world_b import _shared_front
from bot.config import Settings
from bot.db import store
from bot.ingest.loader import ingest_folder
from bot.packets.builder import build_packet
from tests.harness.worlds import core_with_index

LABELS = demo_folder().parent / "labels" / "packets.jsonl"


def _packets(core, labels):  # type: ignore[no-untyped-def]
    with core.session() as session:
        for label in labels:
            ticket = store.find_ticket(session=session, ticket_id=label["ticket"])
            yield label["ticket"], build_packet(session=session, ticket=ticket, retriever=core.retriever,
                                                as_of=ticket.escalated_at or ticket.resolved_at)


def test_shared_articles_beside_the_demo_keep_client_notes_and_no_section_twice(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    runbooks = shared_path("runbooks")
    if runbooks is None or not (runbooks / "ms-support").is_dir() or not (runbooks / "prometheus-operator").is_dir():
        pytest.skip("../shared/data/runbooks (ms-support, prometheus-operator) is absent; set HANDOFF_SHARED_DATA")
    if not LABELS.exists():
        pytest.skip(f"the demo labels are not in {LABELS}")
    labels = [json.loads(line) for line in LABELS.read_text().splitlines() if line.strip()]
    folder = tmp_path / "msp"
    shutil.copytree(demo_folder(), folder)
    core = core_with_index(Settings(data_dir=tmp_path / "data"), embedder, folder)
    try:
        before = {tid for tid, packet in _packets(core, labels) if packet.section("client")}
        assert before, "no demo packet has client notes to begin with"
        shared = folder / "docs" / "_global" / "public"
        for path in sorted((runbooks / "ms-support").glob("*.md")):
            if path.name not in ("SOURCES.md", "TOPICS.md"):
                (shared / "ms-support").mkdir(parents=True, exist_ok=True)
                (shared / "ms-support" / path.name).write_text(_shared_front(path.read_text(encoding="utf-8")))
        prometheus = runbooks / "prometheus-operator" / "content" / "runbooks"
        for path in sorted(prometheus.rglob("*.md")):
            if path.name != "_index.md":
                out = shared / "prometheus" / path.relative_to(prometheus)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(_shared_front(path.read_text(encoding="utf-8")))
        summary = ingest_folder(folder, engine=core.engine)
        assert summary.ok, summary.errors[:3]
        core.retriever.sync(engine=core.engine, progress=False)

        after = dict(_packets(core, labels))
        lost = sorted(tid for tid in before if not after[tid].section("client"))
        assert not lost, f"client notes vanished from packets {lost}"
        for tid, packet in after.items():
            shown = [(s.tenant, s.id) for c in packet.claims if c.section in ("runbook", "client", "history")
                     for s in c.sources if s.kind in ("doc", "ticket")]
            assert len(shown) == len(set(shown)), f"packet {tid} shows a section twice: {shown}"
        hits = core.retriever.search_knowledge(tenant_id="acme", query="DC01 replication 1722", limit=8)
        sections = [(h.tenant, h.doc_path, h.anchor) for h in hits]
        assert len(sections) == len(set(sections)) == 8
    finally:
        core.close()
