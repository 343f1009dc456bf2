"""Claims of each packet section, from the evidence ``bot.packets.builder.gather`` collected.

Each section's confidence score comes from ``bot/packets/confidence.py``, so
that a label means the same in every section (``bench/eval_packets.py``
measures it); the reasons shown next to a score are written here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from bot.alerts.signals import RelatedCluster
from bot.packets import confidence
from bot.packets.devices import device_profile
from bot.packets.evidence import Draft, Gathered
from bot.packets.model import Confidence, Source
from bot.packets.sources import alert_source, note_source, signal_source, ticket_source
from bot.packets.summary import Sentence
from bot.packets.unknowns import Evidence, check, checklist_for, tenant_checks
from bot.text import ALERT_STOP_WORDS, clip, words

MAX_SAME_DEVICE = 4
MAX_CLUSTERS = 6
T = TypeVar("T")


def _timing(cluster: RelatedCluster, created: datetime, device: str | None) -> tuple[str, float]:
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


def selected_clusters(g: Gathered) -> list[RelatedCluster]:
    """The ticket's device first; then the client's other devices only when close in
    time (an hour) or of the ticket's category, and never noise from elsewhere."""
    same = [c for c in g.clusters if c.same_device][:MAX_SAME_DEVICE]
    others = [
        c for c in g.clusters
        if not c.same_device and c.noise is None
        and (c.minutes_from_around <= 60 or (g.ticket.category and c.category == g.ticket.category))
    ]
    return (same + others)[:MAX_CLUSTERS]


_SUPPLY = re.compile(r"\b(toner|ink|drum|paper|waste|maintenance kit|fuser|cartridge)\b", re.IGNORECASE)


def cluster_text(cluster: RelatedCluster) -> str:
    return " ".join([cluster.title, cluster.representative, *(a.check_name or "" for a in cluster.alerts[:5])])


def shared_terms(g: Gathered, cluster: RelatedCluster) -> list[str]:
    """Words the ticket and the cluster have in common (not the device's own name): the
    sign that an alert is about the ticket's problem rather than just on its machine."""
    t = g.ticket
    device = (t.device or "").casefold()
    ticket_words = words(f"{t.title} {t.description or ''}", ALERT_STOP_WORDS)
    cluster_words = words(cluster_text(cluster), ALERT_STOP_WORDS)
    return sorted(w for w in ticket_words & cluster_words if w not in device)


def add_alerts(draft: Draft, g: Gathered) -> None:
    """One claim per alert cluster of the ticket's client (confidence: ``confidence.alert_cluster``)."""
    created = g.ticket.created_at
    for cluster in selected_clusters(g):
        when, minutes = _timing(cluster, created, g.ticket.device)
        terms = shared_terms(g, cluster)
        category_match = bool(g.ticket.category and cluster.category == g.ticket.category)
        if category_match and not terms and _SUPPLY.search(cluster_text(cluster)):
            # "Toner black below 10%" on the printer of a "jobs never come out" ticket: a consumable's
            # level is a maintenance notice, not a fault, unless the ticket speaks of it (``terms``).
            category_match = False
        score = confidence.alert_cluster(
            same_device=cluster.same_device,
            storm=len(cluster.devices) > 3,  # a storm over many devices is not specific to this one
            minutes=minutes, names_problem=bool(terms), category_match=category_match,
            started_after=cluster.first_seen > created and minutes > 60, noise=bool(cluster.noise),
            off_topic=cluster.same_device and not terms and not category_match,
        )
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
            f" e.g. \"{clip(cluster.representative, 160)}\""
        )
        if cluster.root:  # a site outage (bot/alerts/outages.py): say what failed first and what followed
            effects = ", ".join(cluster.effects[:6]) + (f" +{len(cluster.effects) - 6}" if len(cluster.effects) > 6 else "")
            text += f" Probable root: {cluster.root} (failed first); effects: {effects or 'none'}."
        sources = [signal_source(cluster), *(alert_source(a, g.ticket.tenant_id) for a in _spread(cluster.alerts, 3))]
        draft.add("alerts", text, sources, Confidence.of(score, reason))


def _spread(items: Sequence[T], n: int) -> list[T]:
    """First, last and middle items: a cluster's citation shows its whole span."""
    if len(items) <= n:
        return list(items)
    picks = {0, len(items) - 1, len(items) // 2}
    return [items[i] for i in sorted(picks)][:n]


def alert_summary(g: Gathered) -> Sentence | None:
    """The summary's sentence about the alerts on the device: the clusters about the ticket's problem
    (sharing its words or its category), else the nearest one; the count and the start come from
    exactly the clusters it cites, so an unrelated memory alert is not folded into a SQL ticket."""
    actionable = [c for c in g.clusters if c.same_device and c.noise is None]
    if not actionable:
        return None
    category = g.ticket.category
    same = [c for c in actionable if shared_terms(g, c) or (category and c.category == category)][:3]
    same = same or actionable[:1]
    total = sum(c.count for c in same)
    first = min(c.first_seen for c in same)
    firing = any(c.firing for c in same)
    titles = "; ".join(dict.fromkeys(c.title for c in same[:3]))
    return Sentence(
        f"Monitoring raised {total} alert{'s' if total != 1 else ''} on {g.ticket.device} since "
        f"{first:%m-%d %H:%M} UTC ({titles}), {'still firing' if firing else 'now resolved'}.",
        tuple(signal_source(c) for c in same),
        Confidence.of(confidence.SUMMARY_ALERTS, "triage signals on the ticket's device"),
    )


def add_tried(draft: Draft, g: Gathered) -> None:
    """What L1 did and what it showed, one claim per work-log note, as written.

    Confidence that the note is a step L1 took (or a finding it made, "CBS.log:
    0x80073712"): ``confidence.tried_step``. Notes of no recognised shape are not
    reported (see ``bot.packets.notes.tried_steps``).
    """
    for step in g.tried:
        score = confidence.tried_step(step.shape, has_outcome=step.has_outcome)
        reason = {
            "action": "internal note, an action L1 took",
            "command": "internal note, a command L1 ran",
            "observation": "internal note, a finding with its evidence",
            "finding": "internal note, a state L1 noted",
            "told": "customer-visible note, a step the MSP told the customer it took",
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
            sure = Confidence.of(confidence.ASKED_ANSWERED, "customer-visible question and the customer's reply")
        else:
            text = f"Asked: {q.question} No answer on record yet."
            sure = Confidence.of(confidence.ASKED_OPEN, "customer-visible question, no reply yet")
        draft.add("asked", text, sources, sure)


def unknown_evidence(g: Gathered) -> list[Evidence]:
    """Everything on the ticket that can answer a checklist item: title, description, every note of
    either visibility, each question with the customer's answer read as one statement, the related
    alerts of the ticket's device."""
    t = g.ticket
    evidence = [Evidence(t.title, "ticket:title"), Evidence(t.description or "", "ticket:description")]
    for note in g.notes:
        evidence.append(Evidence(
            note.text, f"note:{note.note_id}", customer_visible=note.visibility == "customer",
            after_escalation=bool(t.escalated_at and note.at and note.at >= t.escalated_at) or not t.escalated_at,
        ))
    for q in g.asked:
        if q.answer is not None and q.answer_text:
            # "Can the students use the other PCs?" + "Yes they can": the pair answers, the question alone does not.
            evidence.append(Evidence(f"{q.question.replace('?', ';')} {q.answer_text}", f"note:{q.answer.note_id}",
                                     customer_visible=True))
    for cluster in [c for c in g.clusters if c.same_device]:
        messages = {a.message for a in cluster.alerts[:3] if a.message}
        evidence.append(Evidence(". ".join([cluster.title, *messages]), f"signal:{cluster.signal_id}"))
    return evidence


def add_unknowns(draft: Draft, g: Gathered) -> None:
    """Checklist items that nothing on the ticket answers, each citing the checklist that asks.

    Items that do not fit the device (``unknowns.applies``) are left out.
    Confidence that an item is truly unknown (``confidence.UNKNOWN_*``): high when
    nothing mentions it, lower when a sentence mentions it without confirming
    ("not sure the patch window completed" - it may be answered elsewhere in
    words we missed).
    """
    t = g.ticket
    src = ticket_source(t)
    if not g.notes:
        draft.add("unknown", "No notes on this ticket yet: nothing on record of what was tried or asked.", [src],
                  Confidence.of(confidence.UNKNOWN_NO_NOTES, "the ticket has no notes"))
    escalated = t.status == "escalated" or t.escalated_at is not None
    profile = device_profile(t.device, g.client_docs)
    items = checklist_for(t.category, escalated=escalated, extra=tenant_checks(g.client_docs, t.category),
                          profile=profile, ticket_text=f"{t.title} {t.description or ''}")
    for finding in check(items, unknown_evidence(g)):
        if finding.state == "answered":
            continue
        item = finding.item
        text = item.unknown.replace("{device}", t.device or "the affected device")
        source = Source(kind=item.source_kind, id=item.source_id, title=item.source_title, url=item.source_url,
                        tenant=item.source_tenant)
        if finding.state == "mentioned":
            sure = Confidence.of(confidence.UNKNOWN_MENTIONED,
                                 f"mentioned but not confirmed: \"{clip(finding.evidence or '', 80)}\"")
        elif finding.state == "near":
            sure = Confidence.of(confidence.UNKNOWN_NEAR,
                                 f"a note touches on it and may answer it: \"{clip(finding.evidence or '', 80)}\"")
        else:
            sure = Confidence.of(confidence.UNKNOWN_UNMENTIONED,
                                 "nothing on the ticket answers it (title, description, notes, answers, alerts)")
        draft.add("unknown", text, [source], sure)
