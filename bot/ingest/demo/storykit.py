"""Tiny constructors for hand-written ticket stories (see story_*.py).

A story ticket lists its notes as offsets in minutes from `created`, so timelines stay
readable and consistent: `escalated_at` is the time of the first "esc" note, and
`resolved_at` the time of the last "res" note. Note kinds drive the ground-truth labels:

    tried   internal note: something L1/L2 ran or changed, and what it showed
    ask     customer-visible question to the client
    answer  the client's reply
    esc     escalation note (sets escalated_at)
    res     resolution note (sets resolved_at)
    reopen  client says it's back / ticket reopened (counts into reopened_count)
    info    anything else (pickup notes, status updates)
"""

from __future__ import annotations

from typing import Any

WHO = {
    "sam": "Sam Patel (L1)",
    "jordan": "Jordan Reyes (L1)",
    "priya": "Priya Nair (L1)",
    "tyler": "Tyler Brooks (L1)",
    "alex": "Alex Romero (L2)",
    "chris": "Chris Dunn (L2)",
    "nadia": "Nadia Haddad (L2)",
    "owen": "Owen Fitzgerald (L3)",
}


def T(**kw: Any) -> dict:
    """A story ticket. Keys: id (optional, pins the PSA number), tenant, cat, status, prio,
    device, contact, created, title, desc, notes, alerts, packet, repeat_ask."""
    kw.setdefault("alerts", [])
    kw.setdefault("packet", None)
    return kw


def N(off: float, who: str, vis: str, kind: str, text: str) -> tuple:
    """A note `off` minutes after the ticket was created. vis: 'i' internal, 'c' customer."""
    return (off, who, vis, kind, text)


def A(
    off: float,
    kind: str | None = None,
    msg: str | None = None,
    *,
    device: str | None = None,
    sev: str | None = None,
    check: str | None = None,
    res: float | None = None,
    noise: str | None = None,
    dup: int = 0,
) -> dict:
    """An alert `off` minutes relative to the ticket's creation (negative = before).
    `kind` picks source/check/severity from alertkinds; `msg`/`check`/`sev` override.
    `res` = minutes until auto-resolved; `dup` = number of exact re-sends a few minutes later."""
    return {
        "off": off,
        "kind": kind,
        "msg": msg,
        "device": device,
        "sev": sev,
        "check": check,
        "res": res,
        "noise": noise,
        "dup": dup,
    }
