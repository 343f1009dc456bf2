"""Claims of each packet section, from the evidence ``bot.packets.builder.gather`` collected.

Each function documents how its confidence is computed, so that a label means
the same in every section (``bench/eval_packets.py`` measures it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from bot.packets.model import Confidence, Source
from bot.packets.evidence import Draft, Gathered
from bot.packets.sources import alert_source, note_source, signal_source, ticket_source
from bot.packets.summary import Sentence
from bot.packets.unknowns import Evidence, check, checklist_for, tenant_checks

MAX_SAME_DEVICE = 4
MAX_CLUSTERS = 6

def _timing(cluster, created: datetime, device: str | None) -> tuple[str, float]:  # type: ignore[no-untyped-def]
    """("12 min before ticket", minutes) from when the cluster *started* (on the ticket's
    device, when it is there) to when the ticket was opened. Onset is what links an
    alert to a ticket: a condition that had been firing for days when the ticket
    came in is background, however "current" it is."""
    on_device = [a for a in cluster.alerts if device and a.device and a.device.casefold() == device.casefold()]
    onset = min(a.at for a in on_device) if on_device else cluster.first_seen
    minutes = abs((created - onset).total_seconds()) / 60
    side = "before" if onset <= created else "after"
    amount = f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.0f} h"
    return f"started {amount} {side} ticket", minutes


def selected_clusters(g: Gathered) -> list:  # type: ignore[type-arg]
    """The ticket's device first; then the client's other devices only when close in
    time (an hour) or of the ticket's category, and never noise from elsewhere."""
    same = [c for c in g.clusters if c.same_device][:MAX_SAME_DEVICE]
    others = [
        c for c in g.clusters
        if not c.same_device and c.noise is None
        and (c.minutes_from_around <= 60 or (g.ticket.category and c.category == g.ticket.category))
    ]
    return (same + others)[:MAX_CLUSTERS]


_WORD = re.compile(r"[a-z][a-z0-9]{3,}")
_STOP = frozenset(
    ["with", "from", "this", "that", "after", "before", "since", "again", "still", "failed", "failing", "error", "errors", "alert", "alerts", "about", "over", "under", "into", "than", "then", "they", "them", "their", "there", "when", "what", "which", "while", "would", "could", "should", "status", "check", "issue", "problem", "ticket", "user", "users", "device"]
)


def shared_terms(g: Gathered, cluster) -> list[str]:  # type: ignore[no-untyped-def]
    """Words the ticket and the cluster have in common (not the device's own name): the
    sign that an alert is about the ticket's problem rather than just on its machine."""
    t = g.ticket
    device = (t.device or "").casefold()
    ticket_words = set(_WORD.findall(f"{t.title} {t.description or ''}".casefold())) - _STOP
    cluster_text = " ".join([cluster.title, cluster.representative, *(a.check_name or "" for a in cluster.alerts[:5])])
    cluster_words = set(_WORD.findall(cluster_text.casefold())) - _STOP
    return sorted(w for w in ticket_words & cluster_words if w not in device)


def add_alerts(draft: Draft, g: Gathered) -> None:
    """One claim per alert cluster of the ticket's client.

    Confidence that the cluster is about the ticket: 0.55 on the ticket's own
    device (0.45 for a storm over more than three devices), 0.3 on another
    device of the client; +0.25 (same device) or +0.15 (other device) when it
    started within an hour of the ticket, +0.1 within six hours; +0.15
    when the cluster and the ticket share words (the check or message names the
    ticket's problem); +0.05 when triage's category matches the ticket's;
    -0.1 for a cluster that started more than an hour after the ticket (an
    effect, not a cause); -0.25 for a cluster triage labelled as noise.
    """
    created = g.ticket.created_at
    for cluster in selected_clusters(g):
        when, minutes = _timing(cluster, created, g.ticket.device)
        # A storm over many devices is not specific to this one.
        storm = len(cluster.devices) > 3
        score = (0.45 if storm else 0.55) if cluster.same_device else 0.3
        if minutes <= 60:
            score += 0.25 if cluster.same_device else 0.15
        elif minutes <= 360:
            score += 0.1
        terms = shared_terms(g, cluster)
        if terms:
            score += 0.15
        category_match = bool(g.ticket.category and cluster.category == g.ticket.category)
        if category_match:
            score += 0.05
        if cluster.first_seen > created and minutes > 60:
            score -= 0.1
        if cluster.noise:
            score -= 0.25
        reason = ", ".join(p for p in [
            "same device" if cluster.same_device else "another device of this client",
            when,
            f"names {', '.join(terms[:3])}" if terms else "",
            "same category" if category_match else "",
            f"triage: {cluster.noise}" if cluster.noise else "",
        ] if p)
        devices = ", ".join(cluster.devices[:4]) + (f" +{len(cluster.devices) - 4}" if len(cluster.devices) > 4 else "")
        state = "still firing" if cluster.firing else "resolved"
        noise = f" Noise: {cluster.noise}." if cluster.noise else ""
        text = (
            f"{cluster.count} alert{'s' if cluster.count != 1 else ''} on {devices}: {cluster.title}. "
            f"First {cluster.first_seen:%m-%d %H:%M}, last {cluster.last_seen:%m-%d %H:%M} UTC, {state}.{noise}"
            f" e.g. \"{_clip(cluster.representative, 160)}\""
        )
        if cluster.root:  # a site outage (bot/alerts/outages.py): say what failed first and what followed
            effects = ", ".join(cluster.effects[:6]) + (f" +{len(cluster.effects) - 6}" if len(cluster.effects) > 6 else "")
            text += f" Probable root: {cluster.root} (failed first); effects: {effects or 'none'}."
        sources = [signal_source(cluster), *(alert_source(a, g.ticket.tenant_id) for a in _spread(cluster.alerts, 3))]
        draft.add("alerts", text, sources, Confidence.of(score, reason))


def _spread(items: Sequence, n: int) -> list:  # type: ignore[type-arg]
    """First, last and middle items: a cluster's citation shows its whole span."""
    if len(items) <= n:
        return list(items)
    picks = {0, len(items) - 1, len(items) // 2}
    return [items[i] for i in sorted(picks)][:n]


def alert_summary(g: Gathered) -> Sentence | None:
    """The summary's sentence about the alerts: the nearest actionable cluster on the device."""
    same = [c for c in g.clusters if c.same_device and c.noise is None]
    if not same:
        return None
    total = sum(c.count for c in same)
    first = min(c.first_seen for c in same)
    firing = any(c.firing for c in same)
    titles = "; ".join(dict.fromkeys(c.title for c in same[:3]))
    return Sentence(
        f"Monitoring raised {total} alert{'s' if total != 1 else ''} on {g.ticket.device} since "
        f"{first:%m-%d %H:%M} UTC ({titles}), {'still firing' if firing else 'now resolved'}.",
        tuple(signal_source(c) for c in same[:3]),
        Confidence.of(0.85, "triage signals on the ticket's device"),
    )


def add_tried(draft: Draft, g: Gathered) -> None:
    """What L1 did and what it showed, one claim per work-log note, as written.

    Confidence that the note is a step L1 took (or a finding it made): 0.9 for
    note that reads as an action or a command, 0.7 for a finding with its
    evidence ("CBS.log: 0x80073712"); +0.05 when it states an outcome. Notes
    with none of these shapes are not reported (see ``bot.packets.notes.tried_steps``).
    """
    base = {"action": 0.85, "command": 0.85, "observation": 0.7}
    for step in g.tried:
        score = base[step.shape] + (0.05 if step.has_outcome else 0.0)
        reason = {
            "action": "internal note, an action L1 took",
            "command": "internal note, a command L1 ran",
            "observation": "internal note, a finding with its evidence",
        }[step.shape] + (", states the outcome" if step.has_outcome else "")
        draft.add("tried", step.text, [note_source(g.ticket, step.note)], Confidence.of(score, reason))


def add_asked(draft: Draft, g: Gathered) -> None:
    """Questions already put to the customer, with the answer when there is one."""
    for q in g.asked:
        sources = [note_source(g.ticket, q.note)]
        if q.answer is not None:
            sources.append(note_source(g.ticket, q.answer))
            who = q.answer.author or "the customer"
            text = f"Asked: {q.question} Answer from {who}: {q.answer_text}"
            confidence = Confidence.of(0.85, "customer-visible question and the customer's reply")
        else:
            text = f"Asked: {q.question} No answer on record yet."
            confidence = Confidence.of(0.8, "customer-visible question, no reply yet")
        draft.add("asked", text, sources, confidence)


def add_unknowns(draft: Draft, g: Gathered, *, alert_texts: Sequence[tuple[str, str]] = ()) -> None:
    """Checklist items that no evidence answers, each citing the checklist that asks.

    Confidence that an item is truly unknown: 0.85 when nothing mentions it,
    0.55 when a sentence mentions it without confirming ("not sure the patch
    window completed" - it may be answered elsewhere in words we missed).
    """
    t = g.ticket
    src = ticket_source(t)
    if not g.notes:
        draft.add("unknown", "No notes on this ticket yet: nothing on record of what was tried or asked.", [src],
                  Confidence.of(0.95, "the ticket has no notes"))
    evidence = [Evidence(t.description or "", "ticket:description")]
    for note in g.notes:
        evidence.append(Evidence(
            note.text, f"note:{note.note_id}", customer_visible=note.visibility == "customer",
            after_escalation=bool(t.escalated_at and note.at and note.at >= t.escalated_at) or not t.escalated_at,
        ))
    evidence.extend(Evidence(text, key) for key, text in alert_texts)
    escalated = t.status == "escalated" or t.escalated_at is not None
    items = checklist_for(t.category, escalated=escalated, extra=tenant_checks(g.client_docs, t.category))
    for finding in check(items, evidence):
        if finding.state == "answered":
            continue
        item = finding.item
        text = item.unknown.replace("{device}", t.device or "the affected device")
        source = Source(kind=item.source_kind, id=item.source_id, title=item.source_title, url=item.source_url,
                        tenant=item.source_tenant)
        if finding.state == "mentioned":
            confidence = Confidence.of(0.55, f"mentioned but not confirmed: \"{_clip(finding.evidence or '', 80)}\"")
        else:
            confidence = Confidence.of(0.85, "no note, description or alert answers it")
        draft.add("unknown", text, [source], confidence)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

