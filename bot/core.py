"""The core as the front ends see it: settings, the database and the index.

A ``Core`` is built once per process from one ``Settings`` object and passed
to the CLI commands, the Slack app, the Teams bot and the webhooks, so that
all of them answer through the same functions. Expensive parts (the database
migration check, the embedding model, the Qdrant client) open on first use.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.db import open_database, session_scope

if TYPE_CHECKING:
    from retrieval import Retriever


class Core:
    def __init__(self, settings: Settings):
        self.settings = settings

    @cached_property
    def engine(self) -> Engine:
        return open_database(self.settings)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine) as session:
            yield session

    @cached_property
    def retriever(self) -> Retriever:
        """Search and indexing (retrieval/); models and index open on first use."""
        from retrieval import Retriever

        return Retriever(self.settings)

    def close(self) -> None:
        if "retriever" in self.__dict__:
            self.retriever.close()
        if "engine" in self.__dict__:
            self.engine.dispose()
