"""The embedded index's owner and the v0.1 migration (real Qdrant Edge, real qdrant-client, real models).

One process owns the Qdrant Edge shard (the one that serves). A second one
that needs it gets ``IndexBusy`` with a message saying what to do, before it
writes anything; it never gets an empty or partial index. A v0.1 data
directory (a qdrant-client folder per owner) is converted on first start.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from qdrant_client import QdrantClient
from qdrant_client import models as qm

from adapters.cli.main import main
from bot.errors import TenantMismatch
from bot.ingest.loader import ingest_folder
from retrieval import Retriever
from retrieval.embed import Embedder
from retrieval.retriever import build_store
from retrieval.store import EdgeStore, IndexBusy
from retrieval.store.migrate import MIGRATED_SUFFIX
from tests.harness.retrieval_helpers import ADVERSARIAL_DOCS, settings_for, sqlite_engine
from tests.harness.worlds import tickets, write_world

ROOT = Path(__file__).resolve().parents[2]
QUERIES = [("acme", "DC01 replication fails, who to call"), ("ridge", "plant VPN keeps dropping"),
           ("acme", "RPC server unavailable 1722")]


@pytest.fixture
def owner_process(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Another process holding the shard at ``tmp_path/data/index``, as a running ``handoff serve`` does."""
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from retrieval.store import EdgeStore
        store = EdgeStore({str(tmp_path / "data" / "index")!r})
        store.acquire(dim=384)
        print("ready", flush=True)
        sys.stdin.read()
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    yield proc
    proc.communicate("", timeout=30)


def test_a_second_process_is_told_the_index_is_busy(tmp_path: Path, owner_process: Any,
                                                     capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    store = EdgeStore(tmp_path / "data" / "index")
    with pytest.raises(IndexBusy, match="open in another Handoff process.*HANDOFF_QDRANT_URL"):
        store.count(tenant_id="acme")
    with pytest.raises(IndexBusy):
        store.drop_all()  # and it never deletes the shard under its owner
    assert (tmp_path / "data" / "index" / "edge_config.json").is_file()

    for key in ("HANDOFF_DATA_DIR", "HANDOFF_DATABASE_URL", "HANDOFF_QDRANT_URL", "HANDOFF_EMBEDDING_MODEL"):
        monkeypatch.delenv(key, raising=False)
    folder = write_world(tmp_path / "world", docs=dict(ADVERSARIAL_DOCS), tickets_=tickets())
    base = ["--data-dir", str(tmp_path / "data")]
    capsys.readouterr()
    code = main([*base, "ingest", str(folder)])  # `handoff ingest` while `serve` runs
    err = capsys.readouterr().err
    assert code != 0 and "open in another Handoff process" in err and "Traceback" not in err
    assert main([*base, "tenants", "--json"]) == 0
    assert '"acme"' not in capsys.readouterr().out  # refused before importing anything
    for command in (["index"], ["reindex"]):
        assert main([*base, *command]) != 0
        assert "open in another Handoff process" in capsys.readouterr().err


def _v01_folders(store: EdgeStore, root: Path, *, plant: dict[str, Any] | None = None) -> int:
    """Write ``store``'s points the way v0.1 kept them: a qdrant-client folder per owner, collection ``chunks``."""
    import qdrant_edge as qe

    shard = store._open()
    records, _ = shard.scroll(qe.ScrollRequest(limit=100_000, with_payload=True, with_vector=True))
    by_owner: dict[str, list[Any]] = {}
    for record in records:
        by_owner.setdefault(record.payload["tenant"], []).append(qm.PointStruct(
            id=str(record.id), payload=record.payload, vector={
                "dense": list(record.vector["dense"]),
                "bm25": qm.SparseVector(indices=list(record.vector["bm25"].indices),
                                        values=list(record.vector["bm25"].values))}))
    if plant:
        by_owner["acme"].append(qm.PointStruct(id="00000000-0000-0000-0000-000000000001", **plant))
    for owner, points in by_owner.items():
        client = QdrantClient(path=str(root / owner))
        client.create_collection("chunks", vectors_config={"dense": qm.VectorParams(size=384,
                                                                                    distance=qm.Distance.COSINE)},
                                 sparse_vectors_config={"bm25": qm.SparseVectorParams(modifier=qm.Modifier.IDF)})
        client.upsert("chunks", points=points)
        client.close()
    return len(records)


def test_a_v01_data_directory_is_converted_on_first_start(tmp_path: Path, embedder: Embedder,  # noqa: F811
                                                          capsys: pytest.CaptureFixture) -> None:
    engine = sqlite_engine(tmp_path)
    ingest_folder(write_world(tmp_path / "world", docs=dict(ADVERSARIAL_DOCS), tickets_=tickets()), engine=engine)
    before = Retriever(settings_for(tmp_path), embedder=embedder, store=EdgeStore(tmp_path / "scratch"))
    before.sync(engine=engine)
    expected = {q: [(h.chunk_id, h.score) for h in before.search_knowledge(tenant_id=q[0], query=q[1])]
                for q in QUERIES}
    counts = {o: before.store.count(tenant_id=o) for o in before.store.owners()}
    settings = settings_for(tmp_path)
    total = _v01_folders(before.store, settings.qdrant_path)
    before.close()

    capsys.readouterr()
    store = build_store(settings, progress=True)  # what the first `serve` or `reindex` after the upgrade does
    bar = capsys.readouterr().err
    assert "migrating the v0.1 index" in bar and f"{total}/{total}" in bar
    assert not settings.qdrant_path.exists()
    assert (settings.data_dir / ("qdrant" + MIGRATED_SUFFIX) / "acme").is_dir()  # kept, not deleted
    assert {o: store.count(tenant_id=o) for o in store.owners()} == counts
    after = Retriever(settings, embedder=embedder, store=store)
    report = after.sync(engine=engine)
    assert report.chunks == 0 and report.unchanged == 6  # nothing embedded again
    for query, hits in expected.items():
        got = [(h.chunk_id, h.score) for h in after.search_knowledge(tenant_id=query[0], query=query[1])]
        assert [c for c, _ in got] == [c for c, _ in hits]
        assert [s for _, s in got] == pytest.approx([s for _, s in hits], rel=1e-5)
    after.close()
    again = build_store(settings)  # the second start finds nothing to convert
    assert again.count(tenant_id="acme") == counts["acme"]
    again.close()


def test_a_foreign_point_in_a_v01_folder_stops_the_conversion(tmp_path: Path, embedder: Embedder) -> None:  # noqa: F811
    engine = sqlite_engine(tmp_path)
    ingest_folder(write_world(tmp_path / "world", docs=dict(ADVERSARIAL_DOCS), tickets_=tickets()), engine=engine)
    before = Retriever(settings_for(tmp_path), embedder=embedder, store=EdgeStore(tmp_path / "scratch"))
    before.sync(engine=engine)
    settings = settings_for(tmp_path)
    text = "RIDGECANARY4410 planted in acme's folder"
    _v01_folders(before.store, settings.qdrant_path, plant={
        "payload": {"tenant": "ridge", "kind": "kb", "source": "doc:x.md", "source_hash": "x", "source_chunks": 1,
                    "seq": 0, "text": text},
        "vector": {"dense": [float(x) for x in embedder.dense([text])[0]],
                   "bm25": qm.SparseVector(indices=embedder.sparse([text])[0].indices,
                                           values=embedder.sparse([text])[0].values)}})
    before.close()
    with pytest.raises(TenantMismatch):
        build_store(settings)
    assert (settings.qdrant_path / "acme").is_dir()  # not renamed: nothing is lost, the next start retries
