"""Listener work still running after Slack got its ack.

Bolt runs a listener as an asyncio task once it has acked, so nothing waits
for it. This counts started and finished work, so that shutdown can let
in-flight packets finish and tests can wait for "everything this request
caused" instead of sleeping.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Work:
    def __init__(self) -> None:
        self.started: Counter[str] = Counter()
        self.finished: Counter[str] = Counter()

    @property
    def running(self) -> int:
        return sum(self.started.values()) - sum(self.finished.values())

    @asynccontextmanager
    async def track(self, kind: str) -> AsyncIterator[None]:
        self.started[kind] += 1
        try:
            yield
        finally:
            self.finished[kind] += 1

    async def settle(self, *, timeout: float = 10.0, **at_least: int) -> None:
        """Wait until nothing runs and at least ``kind=n`` pieces of work of each named kind finished."""
        deadline = time.monotonic() + timeout
        while self.running or any(self.finished[k] < n for k, n in at_least.items()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"work still running: started {dict(self.started)}, finished {dict(self.finished)}")
            await asyncio.sleep(0.005)
