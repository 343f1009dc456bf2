"""What the latency work changed in retrieval, on a real index in both layouts: only the hits kept are
fetched in full (candidates carry just the section fields), a packet's dense query can be its gist while
BM25 and the exact matches keep every identifier, and the per-stage timers the benches print."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from qdrant_client import QdrantClient

from bot.ingest.loader import ingest_folder
from bot.runtime import stages
from retrieval import Retriever
from retrieval.embed import Embedder
from retrieval.retriever import section_key
from retrieval.store import EdgeStore, SharedStore
from retrieval.store.base import CANDIDATE_FIELDS
from tests.harness.retrieval_helpers import ADVERSARIAL_DOCS, CANARY, settings_for, sqlite_engine
from tests.harness.worlds import tickets, write_world


class RecordingEmbedder(Embedder):
    """The real models; remembers which text each query vector was made from."""

    def __init__(self, real: Embedder):
        super().__init__(model=real.model, data_dir=real.data_dir)
        self._dense, self._sparse = real.dense_model, real.sparse_model
        self.dense_texts: list[str] = []
        self.sparse_texts: list[str] = []

    def dense_query(self, text: str) -> Any:
        self.dense_texts.append(text)
        return super().dense_query(text)

    def sparse_query(self, text: str) -> Any:
        self.sparse_texts.append(text)
        return super().sparse_query(text)


@pytest.fixture(params=["embedded", "shared"])
def indexed(request: pytest.FixtureRequest, tmp_path: Path, embedder: Embedder):  # noqa: F811
    engine = sqlite_engine(tmp_path)
    folder = write_world(tmp_path / "world", tickets_=tickets(), docs=ADVERSARIAL_DOCS)
    assert ingest_folder(folder, engine=engine).ok
    store = EdgeStore(tmp_path / "index") if request.param == "embedded" else SharedStore(QdrantClient(location=":memory:"))
    retriever = Retriever(settings_for(tmp_path), embedder=RecordingEmbedder(embedder), store=store)
    assert retriever.sync(engine=engine).chunks > 0
    yield retriever
    retriever.close()
    engine.dispose()


def test_candidates_carry_the_section_fields_and_no_text(indexed) -> None:
    retriever = indexed
    vectors = retriever._vectors("DC01 replication failing")
    dense, sparse = retriever.store.candidates(tenant_id="acme", dense=vectors[0], sparse=vectors[1], limit=20)
    assert dense and sparse
    for cand in (*dense, *sparse):
        assert set(cand.payload) <= set(CANDIDATE_FIELDS), cand.payload  # never the text: that is fetched later
        assert cand.payload["tenant"] == "acme" and cand.payload.get("kind")
        assert any(cand.payload.get(k) for k in ("doc_path", "ticket_id"))


def test_only_the_hits_returned_are_fetched_in_full(indexed, monkeypatch: pytest.MonkeyPatch) -> None:
    retriever = indexed
    fetched: list[tuple[str, tuple[str, ...]]] = []
    real_fetch = retriever.store.fetch

    def fetch(*, tenant_id: str, ids: Any, with_dense: bool = False) -> Any:
        fetched.append((tenant_id, tuple(ids)))
        return real_fetch(tenant_id=tenant_id, ids=ids, with_dense=with_dense)

    monkeypatch.setattr(retriever.store, "fetch", fetch)
    for tenant in ("acme", "ridge"):
        fetched.clear()
        hits = retriever.search_knowledge(tenant_id=tenant, query="DC01 replication failing, repadmin errors", limit=3)
        assert hits and all(h.tenant in (tenant, "_global") for h in hits)
        assert CANARY[{"acme": "ridge", "ridge": "acme"}[tenant]] not in " ".join(h.text for h in hits)
        ids = [i for _, batch in fetched for i in batch]
        # Each owner's own top 3 are fetched (the merge keeps some of them), and nothing deeper.
        assert len(ids) <= 3 * len({owner for owner, _ in fetched}) and len(set(ids)) == len(ids)
        assert {h.chunk_id for h in hits} <= set(ids)
        sections = [(h.tenant, *section_key({"kind": h.kind, "ticket_id": h.ticket_id, "doc_path": h.doc_path,
                                             "anchor": h.anchor})) for h in hits]
        assert len(sections) == len(set(sections))  # still one hit per section


def test_dense_query_embeds_the_gist_and_bm25_keeps_every_identifier(indexed, embedder: Embedder) -> None:  # noqa: F811
    retriever = indexed
    full = "DC01 replication failing 0x2105 KB5034441 event 1311"
    gist = "DC01 replication failing"
    retriever.embedder.dense_texts.clear()
    retriever.embedder.sparse_texts.clear()
    hits = retriever.search_knowledge(tenant_id="acme", query=full, dense_query=gist, limit=3)
    assert retriever.embedder.dense_texts == [gist] and retriever.embedder.sparse_texts == [full]
    assert hits
    top = hits[0]
    stored = retriever.store.fetch(tenant_id=top.tenant, ids=[top.chunk_id], with_dense=True)[top.chunk_id].dense
    vector = np.asarray(stored) / np.linalg.norm(stored)
    # The dense score is the cosine with the gist's vector, not the full query's.
    assert top.dense_score == pytest.approx(float(vector @ embedder.dense_query(gist)), abs=1e-3)
    assert top.dense_score != pytest.approx(float(vector @ embedder.dense_query(full)), abs=1e-3)
    with pytest.raises(Exception, match="empty"):
        retriever.search_knowledge(tenant_id="acme", query=full, dense_query="   ")


def test_stage_totals_add_up_and_reset() -> None:
    stages.reset()
    for _ in range(2):
        with stages.stage("unit-test"):
            time.sleep(0.002)
    assert stages.calls()["unit-test"] == 2
    assert stages.totals_ms()["unit-test"] >= 4.0
    with pytest.raises(ValueError), stages.stage("failing"):
        raise ValueError("still counted")
    assert stages.calls()["failing"] == 1
    stages.reset()
    assert stages.totals_ms() == {} and stages.calls() == {}
