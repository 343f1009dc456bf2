"""Bounded thread pools for the core's blocking calls from the async front ends.

Core methods block (SQL, embeddings, the model); the Slack, Teams and inbound
servers call them through ``Workers.run`` instead of ``asyncio.to_thread``, so
they share a pool of a known size rather than asyncio's default one (which a
few hanging model calls used to fill, stalling every other client's ``help``).

Model calls get a separate, smaller limit (``model_slot``): a packet build
waits for a slot only briefly and otherwise writes the extractive summary, so
one slow provider holds at most ``model_workers`` core threads.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


class Workers:
    def __init__(self, *, core_workers: int = 8, model_workers: int = 2, model_wait_s: float = 0.5):
        self.pool = ThreadPoolExecutor(max_workers=core_workers, thread_name_prefix="handoff-core")
        self.model_slots = threading.BoundedSemaphore(model_workers)
        self.model_wait_s = model_wait_s
        self.size, self.model_size = core_workers, model_workers

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        ctx = contextvars.copy_context()
        return await loop.run_in_executor(self.pool, functools.partial(ctx.run, fn, *args, **kwargs))

    @contextmanager
    def model_slot(self) -> Iterator[bool]:
        """True with a model slot held; False when all are busy (the caller skips the model)."""
        got = self.model_slots.acquire(timeout=self.model_wait_s)
        try:
            yield got
        finally:
            if got:
                self.model_slots.release()

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
