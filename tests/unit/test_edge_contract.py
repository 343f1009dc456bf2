"""What Handoff relies on in the Qdrant Edge binding (qdrant-edge-py, pinned in pyproject.toml).

The binding is pre-1.0 and its stubs differ from its runtime in places. These
tests talk to the binding directly (not through ``EdgeStore``) and fail with a
message naming the behaviour that changed, so an upgrade that breaks
per-tenant IDF, batch queries, the tenant index, the persisted config or the
WAL lock is caught here before it quietly changes rankings or isolation.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

qe = pytest.importorskip("qdrant_edge")

PINNED = "0.9.0"


def _pid(n: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"point-{n}"))


# tenant, dense, sparse terms (index -> weight)
POINTS: list[tuple[str, list[float], dict[int, float]]] = [
    ("acme", [1.0, 0.0, 0.0, 0.0], {1: 1.0, 2: 0.5}),
    ("acme", [0.9, 0.1, 0.0, 0.0], {2: 1.0, 3: 1.0}),
    ("acme", [0.0, 1.0, 0.0, 0.0], {4: 1.0}),
    # ridge has term 2 everywhere: under a collection-wide IDF it would lower acme's score for term 2.
    *[("ridge", [0.5, 0.5, 0.0, 0.0], {2: 1.0, 5: 0.3}) for _ in range(12)],
]


@pytest.fixture
def shard(tmp_path: Path) -> Any:
    config = qe.EdgeConfig(vectors={"dense": qe.EdgeVectorParams(size=4, distance=qe.Distance.Cosine)},
                           sparse_vectors={"bm25": qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)})
    shard = qe.EdgeShard.create(str(tmp_path / "shard"), config)
    shard.update(qe.UpdateOperation.create_field_index("tenant", qe.KeywordIndexParams(is_tenant=True)))
    shard.update(qe.UpdateOperation.upsert_points([
        qe.Point(_pid(i), {"dense": dense, "bm25": qe.SparseVector(list(terms), list(terms.values()))},
                 {"tenant": tenant})
        for i, (tenant, dense, terms) in enumerate(POINTS)
    ]))
    yield shard
    shard.close()


def _tenant(name: str) -> Any:
    return qe.Filter(must=[qe.FieldCondition(key="tenant", match=qe.MatchValue(name))])


def _bm25(query: dict[int, float], tenant: str) -> dict[str, float]:
    """Qdrant's sparse score with the IDF modifier, N and df counted over ``tenant``'s points only."""
    docs = [(i, terms) for i, (owner, _, terms) in enumerate(POINTS) if owner == tenant]
    n = len(docs)
    scores = {}
    for i, terms in docs:
        shared = [t for t in query if t in terms]
        if shared:
            scores[_pid(i)] = sum(query[t] * terms[t] * math.log(
                (n - (df := sum(1 for _, d in docs if t in d)) + 0.5) / (df + 0.5) + 1) for t in shared)
    return scores


def test_the_installed_binding_is_the_pinned_one() -> None:
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert f'"qdrant-edge-py=={PINNED}"' in pyproject, "pyproject.toml must pin qdrant-edge-py exactly"
    assert version("qdrant-edge-py") == PINNED, (
        f"qdrant-edge-py {version('qdrant-edge-py')} is installed, Handoff is tested against {PINNED}: "
        "run this file, then update PINNED and the pin together")


def test_the_tenant_index_is_a_tenant_index(shard: Any) -> None:
    info = shard.info().payload_schema["tenant"]
    assert info.data_type == qe.PayloadSchemaType.Keyword
    assert info.params.is_tenant is True, "KeywordIndexParams(is_tenant=True) is no longer reported back"
    hits = shard.query(qe.QueryRequest(limit=100, query=qe.Query.Nearest([0.5, 0.5, 0.0, 0.0], using="dense"),
                                       filter=_tenant("acme"), with_payload=True, with_vector=False))
    assert len(hits) == 3 and {h.payload["tenant"] for h in hits} == {"acme"}, "the tenant filter leaks"
    facets = {str(hit.value): hit.count for hit in shard.facet(qe.FacetRequest(key="tenant", limit=10, exact=True)).hits}
    assert facets == {"acme": 3, "ridge": 12}, "facet on the tenant index (EdgeStore.owners) changed"


def test_idf_can_be_counted_over_one_tenant(shard: Any) -> None:
    query = {2: 1.0, 3: 1.0}
    request = qe.QueryRequest(limit=10, query=qe.Query.Nearest(qe.SparseVector(list(query), list(query.values())),
                                                               using="bm25"),
                              filter=_tenant("acme"), params=qe.SearchParams(idf=qe.IdfParams(corpus=_tenant("acme"))),
                              with_payload=["tenant"], with_vector=False)
    per_tenant = {str(h.id): h.score for h in shard.query(request)}
    assert per_tenant == pytest.approx(_bm25(query, "acme"), rel=1e-5), "IdfParams(corpus=...) no longer scopes IDF"
    collection_wide = qe.QueryRequest(limit=10, query=request.query, filter=_tenant("acme"), with_payload=["tenant"],
                                      with_vector=False)
    global_scores = {str(h.id): h.score for h in shard.query(collection_wide)}
    assert global_scores != pytest.approx(per_tenant), "without IdfParams the IDF should be collection-wide"


def test_a_batch_answers_each_query_as_if_alone(shard: Any) -> None:
    sparse = qe.SparseVector([2, 4], [1.0, 1.0])
    params = qe.SearchParams(idf=qe.IdfParams(corpus=_tenant("acme")))
    requests = [
        qe.QueryRequest(limit=5, query=qe.Query.Nearest([1.0, 0.0, 0.0, 0.0], using="dense"), filter=_tenant("acme"),
                        with_payload=["tenant"], with_vector=False),
        qe.QueryRequest(limit=5, query=qe.Query.Nearest(sparse, using="bm25"), filter=_tenant("acme"), params=params,
                        with_payload=["tenant"], with_vector=False),
        qe.QueryRequest(limit=5, query=qe.Query.Nearest([1.0, 0.0, 0.0, 0.0], using="dense"), filter=_tenant("ridge"),
                        with_payload=["tenant"], with_vector=False),
    ]
    batch = shard.query_batch(qe.QueryBatchRequest(requests))
    assert len(batch) == 3, "query_batch must return one list per request"
    for request, answer in zip(requests, batch, strict=True):
        alone = shard.query(request)
        assert [(str(h.id), h.score) for h in answer] == [(str(h.id), h.score) for h in alone]
    assert {h.payload["tenant"] for h in batch[2]} == {"ridge"}


def test_points_read_back_as_handoff_expects(shard: Any) -> None:
    # 0.9.0 quirk: retrieve() needs with_vector although the stub marks it optional.
    records = shard.retrieve([_pid(0)], with_payload=True, with_vector=["dense"])
    assert str(records[0].id) == _pid(0), "point ids no longer round-trip (EdgeStore str()s them)"
    assert records[0].payload == {"tenant": "acme"}
    assert records[0].vector["dense"] == pytest.approx([1.0, 0.0, 0.0, 0.0])
    hits = shard.query(qe.QueryRequest(limit=5, query=qe.Query.Nearest(qe.SparseVector([1], [1.0]), using="bm25"),
                                       filter=qe.Filter(must=[*_tenant("acme").must, qe.HasIdCondition({_pid(0)})]),
                                       with_payload=["tenant"], with_vector=False))
    assert [str(h.id) for h in hits] == [_pid(0)], "HasIdCondition (EdgeStore.sparse_scores) changed"
    records, offset = shard.scroll(qe.ScrollRequest(limit=2, filter=_tenant("acme"), with_payload=["tenant"],
                                                    with_vector=False))
    assert len(records) == 2 and offset is not None
    assert shard.count(qe.CountRequest(exact=True, filter=_tenant("ridge"))) == 12


def test_the_config_is_persisted_where_edgestore_reads_it(shard: Any, tmp_path: Path) -> None:
    config = json.loads((tmp_path / "shard" / "edge_config.json").read_text())
    assert config["vectors"]["dense"]["size"] == 4, "EdgeStore.dense_size reads edge_config.json"
    assert config["sparse_vectors"]["bm25"]["modifier"] == "idf"


def test_a_second_opener_is_refused_by_the_wal_lock(shard: Any, tmp_path: Path) -> None:
    with pytest.raises(Exception, match=re.escape("WouldBlock")):  # EdgeStore maps this to IndexBusy
        qe.EdgeShard.load(str(tmp_path / "shard"))


def test_loading_with_a_config_writes_the_payload_placement_back(shard: Any, tmp_path: Path) -> None:
    """EdgeStore upgrades a shard made with cold payloads by loading it with its current config."""
    path = tmp_path / "shard"
    assert json.loads((path / "edge_config.json").read_text()).get("payload_memory") in (None, "cold")
    shard.close()
    config = qe.EdgeConfig(vectors={"dense": qe.EdgeVectorParams(size=4, distance=qe.Distance.Cosine)},
                           sparse_vectors={"bm25": qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
                           payload_memory=qe.Memory.Cached)
    again = qe.EdgeShard.load(str(path), config)
    try:
        assert json.loads((path / "edge_config.json").read_text())["payload_memory"] == "cached", (
            "EdgeShard.load(path, config) no longer writes the config back (EdgeStore._open relies on it)")
        again.optimize()  # EdgeStore.optimize: must keep every point and payload
        assert again.count(qe.CountRequest(exact=True, filter=_tenant("ridge"))) == 12
        records = again.retrieve([_pid(0)], with_payload=True, with_vector=False)
        assert records[0].payload == {"tenant": "acme"}
    finally:
        again.close()
