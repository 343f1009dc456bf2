"""Handoff core: the store, ingest, triage, packets, policy and metrics.

Nothing in this package imports a chat platform SDK or a web framework; the
front ends in ``adapters/`` convert platform payloads into calls on this core.
"""

__version__ = "0.1.0"
