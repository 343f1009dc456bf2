"""Retrieval: per-tenant hybrid search (fastembed dense + BM25 sparse, fused) over Qdrant.

``Retriever`` (one per process, ``bot.core.Core.retriever``) searches and
indexes; ``Hit`` is what a search returns. Heavy libraries (fastembed,
onnxruntime, qdrant-edge, qdrant-client) load on first use, not on import.
"""

from retrieval.retriever import Hit, Retriever

__all__ = ["Hit", "Retriever"]
