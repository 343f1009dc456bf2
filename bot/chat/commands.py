"""The chat command language, shared by Slack (``/packet ...``) and Teams (``@Handoff ...``).

One parser so that both front ends accept exactly the same requests and
give the same usage text:

    4412 | #4412 | packet 4412     the escalation packet of ticket 4412
    ask <question>                 (client channel) answer from the client's knowledge
    ask <client> <question>        (NOC channel or direct chat) name the client first
    triage [client]                current alert signals
    metrics [client]               service-delivery metrics
    report <client> <YYYY-MM|YYYY-Qn>  draft a monthly or quarterly client report (internal review)
    help                           this text
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import BadInput

USAGE = (
    "*Handoff* prepares escalation packets. Usage:\n"
    "• `4412` or `packet 4412`: the escalation packet of ticket 4412\n"
    "• `ask <question>`: search this client's runbooks and notes (in a NOC channel: `ask <client> <question>`)\n"
    "• `triage [client]`: current alert signals\n"
    "• `metrics [client]`: service-delivery metrics\n"
    "• `report <client> <YYYY-MM>` (or `YYYY-Qn`): draft a client report for internal review\n"
    "• `help`: this text"
)

_TICKET = re.compile(r"^#?(\d{1,12})$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class ChatRequest:
    kind: str  # packet | ask | triage | metrics | report | help
    ticket_id: str | None = None
    text: str | None = None  # the question, for ask
    client: str | None = None  # a client named in the request
    # ask in a NOC channel: the text starts with the client's id, name or alias, which may be several
    # words ("Acme Dental Group"); the core splits it off against the client list (``store.split_client_name``).
    client_first: bool = False
    month: str | None = None


def parse(text: str, *, client_channel: bool) -> ChatRequest:
    """Parse a request; ``BadInput`` names what is wrong. ``client_channel``: the place
    belongs to one client, so ``ask`` takes the whole rest as the question."""
    words = text.strip().split()
    if not words or words[0].lower() in ("help", "-h", "--help", "?"):
        return ChatRequest("help")
    head, rest = words[0].lower(), words[1:]
    if _TICKET.match(words[0]):
        return ChatRequest("packet", ticket_id=_TICKET.match(words[0]).group(1))  # type: ignore[union-attr]
    if head == "packet":
        if len(rest) != 1 or not _TICKET.match(rest[0]):
            raise BadInput("`packet` takes a ticket number, e.g. `packet 4412`.")
        return ChatRequest("packet", ticket_id=_TICKET.match(rest[0]).group(1))  # type: ignore[union-attr]
    if head == "ask":
        if client_channel:
            if not rest:
                raise BadInput("`ask` needs a question, e.g. `ask how do we restart the Denticore service?`")
            return ChatRequest("ask", text=" ".join(rest))
        if len(rest) < 2:
            raise BadInput("In this channel name the client first: `ask <client> <question>`.")
        return ChatRequest("ask", text=" ".join(rest), client_first=True)
    if head in ("triage", "metrics"):
        return ChatRequest(head, client=" ".join(rest) or None)
    if head == "report":
        if len(rest) < 2 or not _MONTH.match(rest[-1]):
            raise BadInput("`report` takes a client and a month: `report acme 2026-10`.")
        return ChatRequest("report", client=" ".join(rest[:-1]), month=rest[-1])
    raise BadInput(f"I don't know `{words[0][:40]}`. Try a ticket number like `4412`, or `help`.")
