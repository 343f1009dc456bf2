"""The kinds of reply a chat request gets, and the one place that tells them apart.

``Core.handle_chat`` returns one of ``ChatReply``; each front end implements a
``ReplyRenderer`` (one method per kind: render and post) and hands the reply to
``send_reply``. A new kind is added here once, and the type checker then names
every front end that cannot show it yet.
"""

from __future__ import annotations

from typing import Protocol

from bot.chat.views import Answer, TriageView
from bot.packets.model import Packet
from bot.reporting.reports import ReportDraft
from bot.reporting.service import MetricsReply

# What a chat request gets back; front ends render each type.
ChatReply = Packet | Answer | TriageView | MetricsReply | ReportDraft | str


class ReplyRenderer(Protocol):
    async def packet(self, packet: Packet) -> None: ...
    async def metrics(self, reply: MetricsReply) -> None: ...
    async def report(self, draft: ReportDraft) -> None: ...
    async def answer(self, answer: Answer) -> None: ...
    async def triage(self, view: TriageView) -> None: ...
    async def usage(self, text: str) -> None: ...


async def send_reply(reply: ChatReply, renderer: ReplyRenderer) -> None:
    if isinstance(reply, Packet):
        await renderer.packet(reply)
    elif isinstance(reply, MetricsReply):
        await renderer.metrics(reply)
    elif isinstance(reply, ReportDraft):
        await renderer.report(reply)
    elif isinstance(reply, Answer):
        await renderer.answer(reply)
    elif isinstance(reply, TriageView):
        await renderer.triage(reply)
    elif isinstance(reply, str):
        await renderer.usage(reply)
    else:
        raise TypeError(f"no rendering for a {type(reply).__name__} reply")
