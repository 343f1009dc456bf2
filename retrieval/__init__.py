"""Retrieval: per-tenant hybrid search over runbooks, client notes and past tickets."""
