"""The retrieval API the rest of Handoff calls: ``Retriever.search`` and ``search_knowledge``.

A query is embedded twice (dense and BM25). For each owner searched, the
store returns the dense top-N and the BM25 top-N of that owner only (the
tenant filter, BM25 with the IDF of the owner's own points) in one batched
request. The lists of all owners searched are fused with
reciprocal rank fusion (Qdrant's formula, see ``fusion.py``); the payloads of
the hits are then read, and every hit gets its exact dense and sparse scores
and the identifiers of the query it contains verbatim, so that confidence can
be computed the same way for every query.

Every hit is checked against the owners the caller asked for before it is
returned; a hit of any other tenant raises ``TenantMismatch``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from bot.db.models import GLOBAL_TENANT
from bot.errors import BadInput, ConfigError
from bot.runtime.stages import stage
from retrieval.embed import Embedder, SparseVec
from retrieval.fusion import dbsf, exact_terms, identifiers, rrf, term_patterns
from retrieval.store import KINDS, Candidate, IndexStore, check_tenant, require_owner

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from bot.config import Settings
    from retrieval.index import Indexer, IndexReport

MODES = ("hybrid", "dense", "sparse")
FUSIONS = ("rrf", "dbsf")
MAX_LIMIT = 50
MAX_QUERY_CHARS = 2000


@dataclass(frozen=True)
class Hit:
    """One ranked chunk. ``score`` orders hits; ``dense_score`` (cosine, about 0..1),
    ``sparse_score`` (BM25, 0 when no query term occurs) and ``exact_terms`` mean
    the same for every query and are what confidence is built from."""

    tenant: str
    kind: str
    doc_path: str  # the document's path under docs/<tenant>/, or the ticket id for kind "ticket"
    title: str
    heading_path: tuple[str, ...]
    anchor: str
    url: str  # the source link: document url + "#anchor", or the ticket's url
    text: str
    score: float
    dense_score: float
    sparse_score: float
    exact_terms: tuple[str, ...]
    ticket_id: str | None = None
    chunk_id: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["heading_path"] = list(self.heading_path)
        data["exact_terms"] = list(self.exact_terms)
        return data


def build_store(settings: Settings, *, progress: bool | None = None) -> IndexStore:
    """The index store the settings ask for (see README: Retrieval).

    The embedded default converts a v0.1 data directory (a qdrant-client
    folder per owner) into its shard the first time it is opened.
    """
    # Each layout is imported only when chosen: qdrant-client imports fastembed and onnxruntime,
    # seconds the embedded default does not need to pay at start.
    layout = getattr(settings, "qdrant_layout", "auto")
    if settings.qdrant_url or layout == "shared":
        from retrieval.store.server import SharedStore
    if settings.qdrant_url:
        if layout == "embedded":
            raise ConfigError("HANDOFF_QDRANT_LAYOUT=embedded is the in-process index; "
                              "with HANDOFF_QDRANT_URL use 'shared' (or 'auto')")
        from qdrant_client import QdrantClient

        return SharedStore(QdrantClient(url=settings.qdrant_url, api_key=settings.qdrant_api_key, timeout=30))
    if layout == "shared":
        from qdrant_client import QdrantClient

        path = settings.data_dir / "qdrant-shared"
        path.mkdir(parents=True, exist_ok=True)
        return SharedStore(QdrantClient(path=str(path)))
    from retrieval.store.embedded import EdgeStore
    from retrieval.store.migrate import migrate_v01

    store = EdgeStore(settings.index_path)
    try:
        migrate_v01(settings.qdrant_path, store, progress=progress)
    except BaseException:
        store.close()
        raise
    return store


class Retriever:
    """Search, tenant by tenant, over the index. One per process (``Core.retriever``); closes with ``close()``."""

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None, store: IndexStore | None = None):
        self.settings = settings
        if embedder is not None:
            self.__dict__["embedder"] = embedder
        if store is not None:
            self.__dict__["store"] = store

    @cached_property
    def embedder(self) -> Embedder:
        return Embedder(model=self.settings.embedding_model, data_dir=self.settings.data_dir,
                        batch_size=self.settings.embedding_batch_size)

    @cached_property
    def store(self) -> IndexStore:
        return build_store(self.settings)

    # --- indexing ----------------------------------------------------------------------

    def acquire(self) -> None:
        """Own the index from now on (see ``IndexStore.acquire``); ``serve`` and ``ingest`` call it first."""
        self.store.acquire(dim=self.embedder.dim)

    def indexer(self, *, engine: Engine) -> Indexer:
        from retrieval.index import Indexer

        return Indexer(embedder=self.embedder, store=self.store, engine=engine)

    def sync(self, *, engine: Engine, tenants: Sequence[str] | None = None, progress: bool | None = None) -> IndexReport:
        """Index new and changed documents and past tickets, remove deleted ones."""
        return self.indexer(engine=engine).sync(tenants=tenants, progress=progress)

    def rebuild(self, *, engine: Engine, tenants: Sequence[str] | None = None,
                progress: bool | None = None) -> IndexReport:
        return self.indexer(engine=engine).rebuild(tenants=tenants, progress=progress)

    # --- search ------------------------------------------------------------------------

    def search(
        self, *, tenant_id: str, query: str, limit: int = 5, kinds: Sequence[str] | None = None,
        mode: str = "hybrid", fusion: str = "rrf",
    ) -> list[Hit]:
        """The best chunks of one owner: a client, or ``_global`` (the shared runbooks)."""
        owner = _owner(tenant_id)
        with stage("search"):
            return self._search((owner,), query=query, limit=limit, kinds=kinds, mode=mode, fusion=fusion)

    def search_knowledge(
        self, *, tenant_id: str, query: str, limit: int = 5, kinds: Sequence[str] | None = None,
        mode: str = "hybrid", fusion: str = "rrf", dense_query: str | None = None,
    ) -> list[Hit]:
        """The best sections of a client's own knowledge and the shared ``_global`` runbooks.

        Each owner is ranked on its own (``_search``), then merged by one rule
        (``merge_client_first``): the client's best hits keep at least half of
        the places, when it has that many, so that a large shared library
        (hundreds of vendor articles) cannot push the client's own notes and
        past tickets out; the other places go to the better rank in its own
        list, the client's hit first on a tie.

        ``dense_query``, when given, is what the dense vector is embedded from
        (the gist of a long query, e.g. a packet's ticket without its list of
        error codes): embedding costs time per token, and identifiers carry
        little meaning for the dense model, while the BM25 leg and the exact
        identifier matches still use all of ``query``.
        """
        owner = _owner(tenant_id)
        with stage("search"):
            vectors = self._vectors(_check_query(query), _check_query(dense_query) if dense_query else None)
            if owner == GLOBAL_TENANT:
                return self._search((owner,), query=query, limit=limit, kinds=kinds, mode=mode, fusion=fusion,
                                    vectors=vectors)
            own = self._search((owner,), query=query, limit=limit, kinds=kinds, mode=mode, fusion=fusion,
                               vectors=vectors)
            shared = self._search((GLOBAL_TENANT,), query=query, limit=limit, kinds=kinds, mode=mode, fusion=fusion,
                                  vectors=vectors)
            return merge_client_first(own, shared, limit=limit)

    def _vectors(self, query: str, dense_query: str | None = None) -> tuple[Any, SparseVec]:
        with stage("embed.dense"):
            dense = self.embedder.dense_query(dense_query or query)
        with stage("embed.sparse"):
            sparse = self.embedder.sparse_query(query)
        return dense, sparse

    def _search(
        self, owners: tuple[str, ...], *, query: str, limit: int, kinds: Sequence[str] | None, mode: str,
        fusion: str, vectors: tuple[Any, SparseVec] | None = None,
    ) -> list[Hit]:
        query = _check_query(query)
        if not 1 <= int(limit) <= MAX_LIMIT:
            raise BadInput(f"limit must be between 1 and {MAX_LIMIT}")
        if mode not in MODES:
            raise BadInput(f"mode must be one of {', '.join(MODES)}")
        if fusion not in FUSIONS:
            raise BadInput(f"fusion must be one of {', '.join(FUSIONS)}")
        kinds = _check_kinds(kinds)
        # Candidates per modality and owner: four times the limit for the usual limits (5, 10), 20
        # beyond it for larger ones (a packet's 40: 100 rather than 160; each candidate's payload is read).
        depth = max(20, min(4 * limit, 2 * limit + 20))
        dense_q, sparse_q = vectors or self._vectors(query)

        dense: list[tuple[str, Candidate]] = []
        sparse: list[tuple[str, Candidate]] = []
        for owner in owners:
            with stage("engine"):
                d, s = self.store.candidates(tenant_id=owner, dense=dense_q, sparse=sparse_q, limit=depth,
                                             kinds=kinds)
            for cand in (*d, *s):  # the store checked each point already; this layer checks again
                check_tenant(owner, cand.payload)
            dense += [(owner, c) for c in d]
            sparse += [(owner, c) for c in s]
        # One list per modality across owners: cosine is comparable between
        # owners; BM25 nearly so (IDF is per owner).
        dense.sort(key=lambda oc: -oc[1].score)
        sparse.sort(key=lambda oc: -oc[1].score)
        dense, sparse = dense[:depth], sparse[:depth]

        dense_scores: dict[tuple[str, str], float] = {(owner, c.id): c.score for owner, c in dense}
        sparse_scores: dict[tuple[str, str], float] = {(owner, c.id): c.score for owner, c in sparse}

        if mode == "dense":
            ranked = {key: score for key, score in dense_scores.items()}
        elif mode == "sparse":
            ranked = {key: score for key, score in sparse_scores.items()}
        elif fusion == "dbsf":
            ranked = dbsf([[((o, c.id), c.score) for o, c in dense], [((o, c.id), c.score) for o, c in sparse]])
        else:
            ranked = rrf([[(o, c.id) for o, c in dense], [(o, c.id) for o, c in sparse]])

        # Neighbouring windows of one section are one hit: rank deeper than asked, keep each
        # section's best window (``section_key``), so that no section is returned twice. The
        # candidates carry the section fields (``CANDIDATE_FIELDS``): only the kept hits are fetched.
        fields = {(o, c.id): c.payload for o, c in (*dense, *sparse)}
        deeper = sorted(ranked, key=lambda key: (-ranked[key], -dense_scores.get(key, 0.0), key))[:limit * 4]
        seen: set[tuple[str, ...]] = set()
        order = []
        for key in deeper:
            section = (key[0], *section_key(fields[key]))
            if section not in seen:
                seen.add(section)
                order.append(key)
            if len(order) == limit:
                break
        with stage("fetch"):
            full = self._fetch(order, dense_scores)
        self._complete_scores(order, full, dense_q, sparse_q, dense_scores, sparse_scores)
        terms = term_patterns(identifiers(query))
        # ``_hit`` checks each one: the last gate before hits leave retrieval/.
        return [self._hit(key, full[key], ranked[key], dense_scores[key], sparse_scores[key], terms)
                for key in order]

    def _fetch(self, order: Sequence[tuple[str, str]], dense_scores: dict) -> dict[tuple[str, str], Candidate]:
        """Payloads of the hits (and dense vectors of those the dense list did not rank), owner by owner."""
        full: dict[tuple[str, str], Candidate] = {}
        for owner in dict.fromkeys(key[0] for key in order):
            ids = [key[1] for key in order if key[0] == owner]
            need_dense = any((owner, point) not in dense_scores for point in ids)
            fetched = self.store.fetch(tenant_id=owner, ids=ids, with_dense=need_dense)
            for point in ids:
                if point not in fetched:
                    raise LookupError(f"point {point} of {owner!r} vanished while searching; retry")
                full[(owner, point)] = fetched[point]
        return full

    def _complete_scores(
        self, order: Sequence[tuple[str, str]], full: dict[tuple[str, str], Candidate], dense_q: Any,
        sparse_q: SparseVec, dense_scores: dict, sparse_scores: dict,
    ) -> None:
        """Fill in the score a hit did not get from the list it was missing from: the cosine of its
        stored vector, or its exact BM25 score (0 when it shares no term with the query)."""
        to_ask: dict[str, list[str]] = {}
        for key in order:
            if key not in dense_scores:
                vector = full[key].dense
                dense_scores[key] = _cosine(dense_q, vector) if vector is not None else 0.0
            if key not in sparse_scores:
                to_ask.setdefault(key[0], []).append(key[1])
        for owner, ids in to_ask.items():
            with stage("fetch"):
                exact = self.store.sparse_scores(tenant_id=owner, sparse=sparse_q, ids=ids)
            for point in ids:
                sparse_scores[(owner, point)] = exact.get(point, 0.0)

    @staticmethod
    def _hit(key: tuple[str, str], cand: Candidate, score: float, dense_score: float, sparse_score: float,
             terms: Sequence[Any]) -> Hit:
        p = cand.payload
        owner = key[0]  # one of the searched owners: the hit's tenant is the one checked here
        check_tenant(owner, p)
        heading_path = tuple(p.get("heading_path") or ())
        anchor = p.get("anchor") or ""
        kind = p.get("kind") or "kb"
        haystack = "\n".join([p.get("title") or "", *heading_path, *(p.get("devices") or []), p.get("text") or ""])
        return Hit(
            tenant=owner, kind=kind,
            doc_path=(p.get("ticket_id") if kind == "ticket" else p.get("doc_path")) or "",
            title=p.get("title") or "", heading_path=heading_path, anchor=anchor,
            url=f"{p.get('url')}#{anchor}" if anchor else (p.get("url") or ""),
            text=p.get("text") or "", score=float(score), dense_score=float(dense_score),
            sparse_score=float(sparse_score), exact_terms=tuple(exact_terms(terms, haystack)),
            ticket_id=p.get("ticket_id"), chunk_id=cand.id,
        )

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()


def section_key(payload: dict[str, Any]) -> tuple[str, str]:
    """What makes two chunks one section: the document (or past ticket) and the heading's anchor."""
    if (payload.get("kind") or "") == "ticket":
        return ("ticket", str(payload.get("ticket_id") or ""))
    return (str(payload.get("doc_path") or ""), str(payload.get("anchor") or ""))


def merge_client_first(own: Sequence[Hit], shared: Sequence[Hit], *, limit: int) -> list[Hit]:
    """Two ranked lists as one: the client's first ``ceil(limit / 2)`` hits are kept whatever the
    shared list holds; the remaining places go, rank by rank, to whichever list's next hit ranks
    higher in its own list (rank, not score: fused scores of two lists are not comparable), the
    client's on a tie. Unused client places go to the shared list. The chosen hits are then ordered
    by one fused ranking, as one search over both would order them."""
    reserved = min(len(own), -(-limit // 2))
    taken_own: list[Hit] = list(own[:reserved])
    taken_shared: list[Hit] = []
    next_own, next_shared = reserved, 0  # the rank of each list's next hit in its own list
    while len(taken_own) + len(taken_shared) < limit and (next_own < len(own) or next_shared < len(shared)):
        if next_shared >= len(shared) or (next_own < len(own) and next_own <= next_shared):
            taken_own.append(own[next_own])
            next_own += 1
        else:
            taken_shared.append(shared[next_shared])
            next_shared += 1
    # Which hits: the rule above. In what order: one fused ranking of the chosen hits, as if they
    # came from one list (cosine is comparable between collections, BM25 nearly so).
    chosen = [*taken_own, *taken_shared]
    by_dense = sorted(range(len(chosen)), key=lambda i: -chosen[i].dense_score)
    by_sparse = sorted((i for i in range(len(chosen)) if chosen[i].sparse_score > 0), key=lambda i: -chosen[i].sparse_score)
    fused = rrf([by_dense, by_sparse])
    # ``score`` is that merged ranking's, so that it orders the returned hits as it always does.
    return [replace(chosen[i], score=float(fused.get(i, 0.0)))
            for i in sorted(range(len(chosen)), key=lambda i: (-fused.get(i, 0.0), i))]


def _owner(tenant_id: str) -> str:
    try:
        return require_owner(tenant_id)
    except ValueError as exc:
        raise BadInput(str(exc)) from None


def _check_query(query: str) -> str:
    if not isinstance(query, str) or not query.strip():
        raise BadInput("the query is empty")
    return query.strip()[:MAX_QUERY_CHARS]


def _check_kinds(kinds: Sequence[str] | None) -> list[str] | None:
    if kinds is None:
        return None
    if isinstance(kinds, str):
        kinds = [kinds]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise BadInput(f"unknown kind {unknown[0] if unknown else '(none)'!r}; kinds are {', '.join(KINDS)}")
    return list(kinds)


def _cosine(a: Any, b: Sequence[float]) -> float:
    import numpy as np

    va, vb = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    norm = float(np.linalg.norm(va) * np.linalg.norm(vb))
    return float(va @ vb) / norm if norm else 0.0
