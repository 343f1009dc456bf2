"""Turn hand-written stories and scenario families into tickets with consistent timelines.

Output of this module is an internal ticket: the public fields plus `_alerts` (alert
specs to materialise), `_packet`, `_storm`, `_family`, and note `kind`s for the labels.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from . import story_acme, story_others, story_ridgeline
from .cast import BY_ID, ENGINEERS_L1, ENGINEERS_L2, TENANTS, first_name
from .common import END, START, business_time, minutes, rand_time, ts
from .context import fill, has, make_context
from .families_ad_backup import FAMILIES as F1
from .families_endpoint_print import FAMILIES as F2
from .families_net_m365 import FAMILIES as F3
from .storykit import WHO

FAMILIES: list[dict[str, Any]] = F1 + F2 + F3
STORIES = story_acme.STORIES + story_ridgeline.STORIES + story_others.STORIES

# generated tickets per tenant (stories come on top)
PER_TENANT = {"acme": 27, "harbor-law": 24, "ridgeline": 24, "tidewater": 22, "beacon-cpa": 22, "stmarks": 22}
# generated tickets must not land in the hours around 4412/4413/4415 (their PSA numbers are pinned)
QUIET = (datetime(2026, 11, 23, 22, tzinfo=UTC), datetime(2026, 11, 24, 15, tzinfo=UTC))
LAST_CREATE = datetime(2026, 11, 26, 15, tzinfo=UTC)
RECENT = datetime(2026, 11, 16, tzinfo=UTC)
OPEN_TARGET = {"escalated": 6, "in_progress": 7, "new": 4}
# family weights by category, so printing (5 families, every client) doesn't crowd out backup
CAT_WEIGHT = {
    "printing": 0.55,
    "backup": 1.8,
    "active-directory": 1.0,
    "network": 1.1,
    "m365": 0.9,
    "endpoint": 1.0,
}

REOPEN_TEXT = [
    "Hi, this is happening again since this morning.",
    "Sorry - it's back. Same thing as before.",
    "Still not fixed, {uf} had the same problem again today.",
    "Hi again, same issue came back today :(",
]
REOPEN_INTERNAL = [
    "Reopening - same alert on {dev} again overnight.",
    "Reopened: it's back, monitor fired again on {dev}.",
]
PICKUP = [
    "Picked up from L1. Notes are clear, working from those.",
    "Taking this one. Have what I need from the L1 notes.",
    "Picked up, reviewing {dev} now.",
    "On it - will look at {dev} after hours if needed.",
]
ANNOYED = ["As I told {l1} earlier: ", "Like I said before - ", "I already answered this, but: ", ""]


def _note(at: datetime, author: str, vis: str, kind: str, text: str) -> dict[str, Any]:
    return {"at": at, "author": author, "visibility": vis, "kind": kind, "text": text}


def from_story(s: dict) -> dict:
    created = ts(s["created"])
    contact = s["contact"]
    notes = []
    for off, who, vis, kind, text in s["notes"]:
        author = contact if who == "@" else WHO.get(who, who)
        notes.append(
            _note(created + minutes(off), author, "internal" if vis == "i" else "customer", kind, text)
        )
    alerts = []
    for a in s["alerts"]:
        a = dict(a)
        a["at"] = created + minutes(a.pop("off"))
        a["device"] = a["device"] or s["device"]
        alerts.append(a)
    return {
        "pinned": s.get("id"),
        "tenant": s["tenant"],
        "title": s["title"],
        "description": s["desc"],
        "status": s["status"],
        "priority": s["prio"],
        "category": s["cat"],
        "device": s["device"],
        "contact": contact,
        "created": created,
        "notes": notes,
        "_alerts": alerts,
        "_packet": s.get("packet"),
        "_storm": s.get("storm"),
        "_am": s.get("am_links", []),
        "_repeat": s.get("repeat_ask", False),
        "_family": None,
    }


def _plan(rng: random.Random) -> list[tuple[dict, dict, datetime]]:
    """Choose (tenant, family, created) for every generated ticket."""
    plan = []
    for tenant in TENANTS:
        fams = [f for f in FAMILIES if has(tenant, f["need"])]
        used: dict[str, int] = {}
        for _ in range(PER_TENANT[tenant["id"]]):
            choices = [f for f in fams if used.get(f["key"], 0) < 3]
            fam = rng.choices(choices, weights=[CAT_WEIGHT[f["cat"]] for f in choices])[0]
            used[fam["key"]] = used.get(fam["key"], 0) + 1
            while True:
                alert_driven = bool(fam["alerts"]) and fam["role"] not in ("user", "ws")
                start = RECENT if rng.random() < 0.18 else START  # the open queue is recent work
                c = (
                    rand_time(rng, start, LAST_CREATE)
                    if alert_driven
                    else business_time(rng, start, LAST_CREATE)
                )
                if not (QUIET[0] <= c <= QUIET[1]):
                    break
            plan.append((tenant, fam, c.replace(second=0)))
    plan.sort(key=lambda p: p[2])
    return plan


def _statuses(rng: random.Random, plan: list[tuple[dict, dict, datetime]]) -> list[str]:
    status = ["done"] * len(plan)
    recent = [i for i, p in enumerate(plan) if p[2] >= datetime(2026, 11, 17, tzinfo=UTC)]
    newest = [i for i in recent if plan[i][2] >= datetime(2026, 11, 23, tzinfo=UTC)]
    for i in rng.sample(newest, min(len(newest), OPEN_TARGET["new"])):
        status[i] = "new"
    pool = [i for i in recent if status[i] == "done" and plan[i][1]["esc"]]
    for i in rng.sample(pool, OPEN_TARGET["escalated"]):
        status[i] = "escalated"
    pool = [i for i in recent if status[i] == "done"]
    for i in rng.sample(pool, OPEN_TARGET["in_progress"]):
        status[i] = "in_progress"
    return status


def _gen_notes(rng: random.Random, fam: dict, ctx: dict, created: datetime, status: str, l1: str, l2: str,
               reopen: bool, repeat: bool, chain: int) -> list[dict]:
    """`chain` is one variant index shared by steps, question and resolution (families align them)."""
    notes: list[dict] = []
    t = created + minutes(rng.randint(4, 35))
    if status == "new":
        return notes
    steps = fam["tried"]
    if status == "in_progress":
        k = rng.randint(1, len(steps))
    elif status == "escalated":
        k = max(1, len(steps) - 1)  # the last step is usually the fix
    else:
        k = len(steps)
    asks = fam["ask"] if fam["ask"] and (repeat or rng.random() < 0.85) else []
    first_ask = None
    for i, variants in enumerate(steps[:k]):
        notes.append(_note(t, l1, "internal", "tried", fill(variants[chain % len(variants)], ctx)))
        t += minutes(rng.randint(3, 25))
        if i == 0 and asks:
            qs = asks[0][0]
            qi = 0 if repeat else chain % len(qs) if fam.get("aligned") else rng.randrange(len(qs))
            if ctx["contact"] == ctx["user"] and not repeat:  # don't ask Sofia whether it's mainly Sofia
                qi = next((i for i, q in enumerate(qs) if q.startswith("Hi {uf}")), qi)
            q_t, answers = qs[qi], asks[0][1]
            if isinstance(answers[0], list):  # answers given per question
                answers = answers[qi]
            if status in ("escalated", "in_progress") and len(asks[0]) > 3:
                answers = asks[0][3]  # answers that don't say "fixed"
            first_ask = asks[0]
            notes.append(_note(t, l1, "customer", "ask", fill(q_t, ctx)))
            waiting = status == "in_progress" and rng.random() < 0.4
            if waiting:
                return notes
            t += minutes(rng.randint(10, 240))
            answerer = ctx["user"] if q_t.startswith("Hi {uf}") else ctx["contact"]
            notes.append(_note(t, answerer, "customer", "answer", fill(rng.choice(answers), ctx)))
            t += minutes(rng.randint(3, 20))
    if status == "in_progress":
        return notes
    escalate = status == "escalated" or (fam["esc"] and rng.random() < 0.12)
    if escalate:
        notes.append(_note(t, l1, "internal", "esc", fill(rng.choice(fam["esc"]), ctx)))
        t += minutes(rng.randint(20, 180))
        if repeat and first_ask and len(first_ask) > 2 and first_ask[2]:
            notes.append(_note(t, l2, "customer", "ask", fill(rng.choice(first_ask[2]), ctx)))
            t += minutes(rng.randint(15, 200))
            prev = next(n for n in notes if n["kind"] == "answer")
            lead = rng.choice(ANNOYED).format(l1=first_name(l1.split(" (")[0]))
            text = prev["text"]
            notes.append(
                _note(
                    t,
                    prev["author"],
                    "customer",
                    "answer",
                    lead + (text[0].lower() + text[1:] if lead else text),
                )
            )
            t += minutes(rng.randint(5, 30))
        else:
            notes.append(_note(t, l2, "internal", "info", fill(rng.choice(PICKUP), ctx)))
            t += minutes(rng.randint(20, 300))
        if status == "escalated":
            return notes
    author = l2 if escalate else l1
    t += minutes(rng.randint(5, 900))
    notes.append(_note(t, author, "internal", "res", fill(fam["res"][chain % len(fam["res"])], ctx)))
    if reopen:
        t += minutes(rng.randint(900, 3500))
        if fam["role"] in ("user", "ws", "printer"):
            notes.append(_note(t, ctx["contact"], "customer", "reopen", fill(rng.choice(REOPEN_TEXT), ctx)))
        else:  # nobody at the client notices a backup job or a disk alert; the monitor reopens it
            notes.append(_note(t, l1, "internal", "reopen", fill(rng.choice(REOPEN_INTERNAL), ctx)))
        t += minutes(rng.randint(20, 600))
        notes.append(_note(t, author, "internal", "res", fill(rng.choice(fam["res2"]), ctx)))
    return notes


def _fit_before_end(created: datetime, notes: list[dict]) -> None:
    """Squeeze a timeline that would run past the end of the demo period."""
    if notes and notes[-1]["at"] > END:
        span = (notes[-1]["at"] - created).total_seconds()
        room = (END - created).total_seconds() * 0.9
        for n in notes:
            n["at"] = created + (n["at"] - created) * (room / span)
            n["at"] = n["at"].replace(microsecond=0)


def generated(rng: random.Random) -> list[dict]:
    plan = _plan(rng)
    status = _statuses(rng, plan)
    done = [
        i
        for i, s in enumerate(status)
        if s == "done" and plan[i][1].get("res2") and plan[i][2] < datetime(2026, 11, 10, tzinfo=UTC)
    ]
    reopened = set(rng.sample(done, 3))
    esc = [
        i
        for i, s in enumerate(status)
        if s == "escalated" and any(len(a) > 2 and a[2] for a in plan[i][1]["ask"])
    ]
    repeat = set(esc[:1])
    out = []
    for i, (tenant, fam, created) in enumerate(plan):
        ctx = make_context(rng, tenant, fam, created)
        l1, l2 = rng.choice(ENGINEERS_L1), rng.choice(ENGINEERS_L2)
        st = status[i]
        chain = rng.randrange(12)
        notes = _gen_notes(rng, fam, ctx, created, st, l1, l2, i in reopened, i in repeat, chain)
        _fit_before_end(created, notes)
        if st == "done":
            last_res = max(n["at"] for n in notes if n["kind"] == "res")
            st = (
                "closed"
                if last_res < datetime(2026, 11, 19, tzinfo=UTC) and rng.random() < 0.96
                else "resolved"
            )
        alerts = []
        for kind, lo, hi in fam["alerts"]:
            dev = ctx["dev"]
            if fam.get("alert_role"):
                dev = (tenant["devices"].get(fam["alert_role"]) or [None])[0]
            if dev is None:
                continue
            for _ in range(rng.randint(lo, hi)):
                lead = min(180, int((created - START).total_seconds() // 60) - 1)
                alerts.append(
                    {
                        "at": created - minutes(rng.randint(min(3, lead), lead)),
                        "kind": kind,
                        "msg": None,
                        "device": dev,
                        "sev": None,
                        "check": None,
                        "res": None,
                        "noise": None,
                        "dup": 1 if rng.random() < 0.12 else 0,
                    }
                )
        alerts.sort(key=lambda a: a["at"])
        packet = None
        if fam["runbook"]:
            devs = sorted({ctx["dev"]} | {a["device"] for a in alerts} - {None})
            packet = {
                "runbook": [fam["runbook"]],
                "client_docs": [f"{tenant['id']}/environment.md"],
                "devices": devs,
            }
        if fam.get("aligned"):
            title, desc = fam["titles"][chain % len(fam["titles"])], fam["descs"][chain % len(fam["descs"])]
        else:
            title, desc = rng.choice(fam["titles"]), rng.choice(fam["descs"])
        out.append(
            {
                "pinned": None,
                "tenant": tenant["id"],
                "title": fill(title, ctx),
                "description": fill(desc, ctx),
                "status": st,
                "priority": rng.choice(fam["prio"]),
                "category": fam["cat"],
                "device": ctx["dev"],
                "contact": ctx["contact"],
                "created": created,
                "notes": notes,
                "_alerts": alerts,
                "_packet": packet,
                "_storm": None,
                "_am": [],
                "_repeat": i in repeat,
                "_family": fam["key"],
            }
        )
    return out


def assign_ids(tickets: list[dict], rng: random.Random) -> None:
    """PSA numbers rise with creation time; pinned numbers (4412 ...) stay where they are."""
    tickets.sort(key=lambda t: (t["created"], t["tenant"]))
    anchors = [(-1, 3040)] + [(i, int(t["pinned"])) for i, t in enumerate(tickets) if t["pinned"]]
    anchors.append((len(tickets), 4460))
    for (i0, id0), (i1, id1) in zip(anchors, anchors[1:], strict=False):
        gap = list(range(i0 + 1, i1))
        room = id1 - id0 - 1
        if len(gap) > room:
            raise ValueError(f"not enough PSA numbers between {id0} and {id1}")
        chosen = sorted(rng.sample(range(id0 + 1, id1), len(gap)))
        for idx, num in zip(gap, chosen, strict=True):
            tickets[idx]["id"] = str(num)
    for t in tickets:
        if t["pinned"]:
            t["id"] = t["pinned"]


def all_tickets(rng: random.Random) -> list[dict]:
    tickets = [from_story(s) for s in STORIES] + generated(rng)
    for t in tickets:
        assert t["tenant"] in BY_ID, t["tenant"]
    assign_ids(tickets, rng)
    return tickets
