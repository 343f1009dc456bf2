"""The packet's knowledge sections: runbook, client notes and similar past tickets.

All three come from retrieval over the ticket's own client and the shared
``_global`` runbooks only (``Retriever.search_knowledge`` checks every hit).
The query is the ticket as an engineer would search for it: its title, the
device, the alerting checks and the identifiers in the notes and alerts
(error codes, event ids, KB numbers), which the sparse leg matches exactly.

Confidence of a knowledge claim rests on three things retrieval reports the
same way for every query: the dense cosine similarity of query and section,
whether identifiers of the query occur verbatim in the section, and whether
the section's heading names the problem (shares words with the ticket or its
alerts). The formulas are in ``bot/packets/confidence.py``;
``bench/eval_packets.py`` measures how often each label is right.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.db import store
from bot.db.models import Doc
from bot.errors import NotFound
from bot.packets import confidence
from bot.packets.evidence import Draft, Gathered, KnowledgeHit, KnowledgeSearch, KnowledgeSection
from bot.packets.model import Confidence, Source
from bot.packets.sources import ticket_source
from bot.tenancy.guard import check_sources
from bot.tenancy.secrets import redact
from bot.text import KNOWLEDGE_STOP_WORDS, clip, one_line, plain_text, words

if TYPE_CHECKING:
    from bot.chat.views import AnswerHit

MAX_RUNBOOK = 2
MAX_CLIENT = 3
MAX_HISTORY = 3
EXCERPT = 280  # characters of a section shown in a claim
_IDENT = re.compile(r"\b(0x[0-9a-f]{6,}|KB\d{6,7}|\d{3,5}|[A-Z]{2,}[A-Z0-9-]*\d+[A-Z0-9-]*)\b", re.IGNORECASE)


def ticket_query(g: Gathered) -> str:
    """Title, device, alerting checks and the identifiers L1 saw, in one line."""
    t = g.ticket
    parts = [t.title, t.device or ""]
    if t.description:
        parts.append(one_line(t.description)[:300])
    for cluster in [c for c in g.clusters if c.same_device][:3]:
        parts.append(cluster.title)
    seen: set[str] = set()
    idents = []
    for text in [t.description or "", *(n.text for n in g.notes if n.visibility == "internal")]:
        for match in _IDENT.findall(text):
            # Bare numbers count only at four digits (event ids, RPC errors); longer or
            # shorter ones are mostly sizes, counts and times.
            useful = not match.isdigit() or len(match) == 4
            if useful and match.casefold() not in seen:
                seen.add(match.casefold())
                idents.append(match)
    parts.append(" ".join(idents[:12]))
    return redact(" ".join(p for p in parts if p)[:1500])  # a query is sent to the index: no credentials


def ticket_gist(g: Gathered) -> str:
    """What the dense query is embedded from: the ticket's title, device, description and
    alerting checks, without the identifiers ``ticket_query`` appends. Embedding costs time per
    token and error codes and KB numbers split into many word pieces that carry little meaning
    for the dense model; the BM25 leg and the exact matches still get them from ``ticket_query``."""
    t = g.ticket
    parts = [t.title, t.device or ""]
    if t.description:
        parts.append(one_line(t.description)[:300])
    parts += [cluster.title for cluster in [c for c in g.clusters if c.same_device][:3]]
    return redact(" ".join(p for p in parts if p)[:1500])


def _terms(text: str) -> set[str]:
    return words(text, KNOWLEDGE_STOP_WORDS)


# Error codes a document's title can be about: hex codes, KB numbers, 4-5 digit event ids and error numbers
# (not years: "Windows Server 2019" in a title says nothing about a ticket that mentions 2019).
_CODE = re.compile(r"\b(0x[0-9a-f]{6,}|KB\d{6,7}|\d{4,5})\b", re.IGNORECASE)


def error_codes(text: str) -> set[str]:
    return {c.casefold() for c in _CODE.findall(text) if not (c.isdigit() and 1990 <= int(c) <= 2035)}


def title_codes(hit: KnowledgeSection, codes: set[str]) -> list[str]:
    """The ticket's error codes the hit's document title names: the document is about that error."""
    return sorted(codes & error_codes(hit.title)) if codes else []


def section_score(hit: KnowledgeHit, problem_terms: set[str], *, rank: int,
                  codes: set[str] | None = None) -> tuple[float, str]:
    """Confidence that a retrieved section matches the ticket (``confidence.knowledge_section``), and why."""
    heading = " ".join([hit.title, *hit.heading_path])
    named = sorted(_terms(heading) & problem_terms)
    in_title = title_codes(hit, codes or set())
    score = confidence.knowledge_section(dense_score=hit.dense_score, exact_terms=bool(hit.exact_terms),
                                         heading_names_problem=bool(named), top=rank == 0,
                                         title_names_code=bool(in_title))
    why = [f"section match {hit.dense_score:.2f}"]
    if in_title:
        why.append(f"the document is about {', '.join(in_title[:2])}")
    if hit.exact_terms:
        why.append(f"contains {', '.join(list(hit.exact_terms)[:3])}")
    if named:
        why.append(f"heading names {', '.join(named[:2])}")
    return score, ", ".join(why)


def _doc_source(hit: KnowledgeSection) -> Source:
    heading = " > ".join(hit.heading_path[1:] if len(hit.heading_path) > 1 else hit.heading_path) or hit.title
    return Source(kind="doc", id=f"{hit.doc_path}#{hit.anchor}" if hit.anchor else hit.doc_path,
                  title=f"{hit.title}: {heading}" if heading != hit.title else hit.title, url=hit.url,
                  tenant=hit.tenant)


def problem_terms(g: Gathered) -> set[str]:
    t = g.ticket
    words = _terms(f"{t.title} {t.description or ''}")
    for cluster in [c for c in g.clusters if c.same_device][:3]:
        words |= _terms(f"{cluster.title} {' '.join(a.check_name or '' for a in cluster.alerts[:5])}")
    return words - _terms(t.device or "")


# Sections that describe a problem rather than say what to do about it. They
# are often the best match for an alert's wording ("Symptoms" restates the
# alert), which is how the runbook is found, but the engineer needs the
# section that acts: so the packet links the acting section of the same
# document when retrieval found one.
_DESCRIPTIVE = frozenset({
    "symptoms", "symptom", "overview", "introduction", "about", "meaning", "impact", "background", "summary",
    "escalate when", "when to escalate", "escalation", "contacts", "contacts and approvals", "scope",
    "cause", "causes", "more information", "references", "data collection", "applies to", "see also",
    "related articles", "related content", "next steps", "feedback", "third-party information disclaimer",
})
# Words of a heading that says what to do. Among a document's retrieved sections, one of these
# is linked before any other; "Cause" or "More information" only when nothing better exists.
_ACTING = re.compile(r"\b(resolution|resolve|fix|fixes|steps?|workaround|mitigation|mitigate|solution|remed\w*|"
                     r"procedure|how to|method \d|recover\w*|repair|restart|verify|check|clean ?up|delete|"
                     r"configure|reset|re-?register)\b", re.IGNORECASE)


def _descriptive(hit: KnowledgeSection) -> bool:
    heading = hit.heading_path[-1].strip().casefold() if hit.heading_path else ""
    return len(hit.heading_path) <= 1 or heading in _DESCRIPTIVE


def _acting(hit: KnowledgeSection) -> bool:
    return len(hit.heading_path) > 1 and any(_ACTING.search(h) for h in hit.heading_path[1:])


def _acting_section(best: KnowledgeHit, doc_hits: Sequence[KnowledgeHit], doc: Doc | None, words: set[str],
                    idents: set[str]) -> KnowledgeSection:
    """The section of the matched document to link: a retrieved acting section if
    there is one, else the acting section of the document whose words and
    identifiers overlap the ticket's most (found by reading the document)."""
    acting = next((h for h in doc_hits if _acting(h)), None)
    if acting is not None:
        return acting
    if doc is None:
        return next((h for h in doc_hits if not _descriptive(h)), best)
    from retrieval.chunk import split_markdown

    best_section, best_overlap = None, 0
    for section in split_markdown(doc.body):
        if len(section.heading_path) <= 1 or section.heading_path[-1].strip().casefold() in _DESCRIPTIVE:
            continue
        # The heading says what a section is for: its overlap counts three times, and a
        # heading that says what to do ("Resolution", "Verify DNS is working") counts extra.
        heading = " ".join(section.heading_path[1:]).casefold()
        body = section.text.casefold()
        overlap = (3 * len(_terms(heading) & words) + 3 * sum(1 for i in idents if i in heading)
                   + len(_terms(body) & words) + 2 * sum(1 for i in idents if i in body)
                   + (4 if _ACTING.search(heading) else 0))
        if overlap > best_overlap:
            best_section, best_overlap = section, overlap
    if best_section is None:
        return best
    base_url = best.url.split("#", 1)[0]
    return SectionRef(tenant=best.tenant, doc_path=best.doc_path, title=best.title,
                      heading_path=best_section.heading_path, anchor=best_section.anchor,
                      url=f"{base_url}#{best_section.anchor}", text=best_section.text)


@dataclass(frozen=True)
class SectionRef:
    """A section read from a document rather than returned by a search."""

    tenant: str
    doc_path: str
    title: str
    heading_path: tuple[str, ...]
    anchor: str
    url: str
    text: str


def runbook_choices(hits: Sequence[KnowledgeHit], g: Gathered | None = None, session: Session | None = None,
                    query: str = "") -> list[tuple[KnowledgeHit, KnowledgeSection]]:
    """(the document's best-matching hit, the section to link) per document, best document first."""
    by_doc: dict[tuple[str, str], list[KnowledgeHit]] = {}
    for hit in hits:
        by_doc.setdefault((hit.tenant, hit.doc_path), []).append(hit)
    words = problem_terms(g) | _terms(query) if g is not None else _terms(query)
    idents = {i.casefold() for i in _IDENT.findall(query)}
    out = []
    for (tenant, path), doc_hits in by_doc.items():
        doc: Doc | None = None
        if session is not None and not any(_acting(h) for h in doc_hits):
            try:
                doc = store.get_doc(session=session, tenant_id=tenant, path=path)
            except NotFound:
                doc = None
        out.append((doc_hits[0], _acting_section(doc_hits[0], doc_hits, doc, words, idents)))
    return out


def add_runbook(draft: Draft, g: Gathered, hits: Sequence[KnowledgeHit], *, session: Session | None = None) -> None:
    """The best runbook documents, each linked to its section that says what to do.

    Confidence: the document's best section score (``section_score``); the
    reason names the matched section when the linked one differs.
    """
    terms = problem_terms(g)
    query = ticket_query(g)
    choices = runbook_choices(hits[:MAX_RUNBOOK * 4], g, session, query)
    # A document about one of the ticket's error codes first ("Replication error 1722" before a general
    # replication guide that ranks higher on wording): the order of the rest is retrieval's.
    codes = error_codes(query)
    choices.sort(key=lambda choice: not title_codes(choice[0], codes))
    shown = 0
    near_miss: tuple[float, str, KnowledgeSection] | None = None
    for rank, (best, chosen) in enumerate(choices[:MAX_RUNBOOK]):
        score, why = section_score(best, terms, rank=rank, codes=codes)
        if chosen is not best:
            why += f"; matched '{best.heading_path[-1] if best.heading_path else best.title}'"
        if score < runbook_floor():
            near_miss = near_miss or (score, why, chosen)
            continue
        draft.add("runbook", _runbook_text(chosen), [_doc_source(chosen)], Confidence.of(score, why))
        shown += 1
    if shown == 0 and hits:
        # An honest none: a confident wrong runbook costs the engineer more than no runbook.
        draft.add("runbook", "No runbook matches this ticket well enough.", [ticket_source(g.ticket)],
                  Confidence.of(confidence.RUNBOOK_NONE, f"best runbook score below the floor {runbook_floor():.2f}"))
        if near_miss is not None:
            score, why, chosen = near_miss
            draft.add("runbook", "Nearest, probably not it: " + _runbook_text(chosen), [_doc_source(chosen)],
                      Confidence.of(min(score, confidence.RUNBOOK_NEAR_MISS), f"below the floor; {why}"))


def runbook_floor() -> float:
    """Below this score a runbook is not shown as the runbook (``confidence.RUNBOOK_FLOOR``; the
    calibration run lowers it to 0 to fit it)."""
    return confidence.RUNBOOK_FLOOR


def _runbook_text(chosen: KnowledgeSection) -> str:
    heading = " > ".join(chosen.heading_path) or chosen.title
    owner = "shared runbook" if chosen.tenant == "_global" else "client runbook"
    return f"{heading} ({owner}): {clip(plain_text(chosen.text), EXCERPT)}"


def add_client(draft: Draft, g: Gathered, hits: Sequence[KnowledgeHit]) -> None:
    """Client notes that matter here: sections of notes about this device first.

    A note whose front matter lists the ticket's device is about it by the
    client's own documentation (``confidence.client_note``).
    """
    terms = problem_terms(g)
    device = (g.ticket.device or "").casefold()
    about_device = {d.path for d in g.client_docs if device and device in {x.casefold() for x in d.devices}}
    in_runbook = {s.url for _, sources, _ in draft.claims["runbook"] for s in sources}
    shown = 0
    for rank, hit in enumerate(hits):
        if hit.tenant != g.ticket.tenant_id or hit.url in in_runbook:
            continue  # shared runbooks, and sections already shown as the runbook, are not repeated
        score, why = section_score(hit, terms, rank=rank)
        lists_device = hit.doc_path in about_device
        score = confidence.client_note(score, lists_device=lists_device)
        if lists_device:
            why += f", the note lists {g.ticket.device}"
        heading = " > ".join(hit.heading_path) or hit.title
        draft.add("client", f"{heading}: {clip(plain_text(hit.text), EXCERPT)}", [_doc_source(hit)],
                  Confidence.of(score, why))
        shown += 1
        if shown >= MAX_CLIENT:
            break


def add_history(draft: Draft, g: Gathered, hits: Sequence[KnowledgeHit], *, session: Session) -> None:
    """Similar past tickets of the same client and how they were resolved.

    Only tickets resolved before the packet's moment count (a packet built as
    of an escalation must not know the future). Confidence: ``confidence.past_ticket``.
    """
    t = g.ticket
    terms = problem_terms(g)
    shown = 0
    for rank, hit in enumerate(hits):
        past_id = hit.ticket_id or hit.doc_path
        if hit.tenant != t.tenant_id or past_id == t.id:
            continue
        try:
            past = store.get_ticket(session=session, tenant_id=t.tenant_id, ticket_id=past_id)
        except NotFound:
            continue  # indexed before a re-import removed it
        if past.resolved_at is None or past.resolved_at > g.as_of:
            continue
        score, why = section_score(hit, terms, rank=rank)
        same_device = bool(t.device and past.device and past.device.casefold() == t.device.casefold())
        score = confidence.past_ticket(score, same_device=same_device,
                                       same_category=bool(t.category and past.category == t.category))
        if same_device:
            why += ", same device"
        resolution = _resolution(session, t.tenant_id, past.id)
        text = f"#{past.id} {past.title} (resolved {past.resolved_at:%Y-%m-%d})"
        text += f": {resolution}" if resolution else "."
        source = Source(kind="ticket", id=past.id, title=f"#{past.id} {past.title}", url=hit.url, tenant=t.tenant_id)
        draft.add("history", text, [source], Confidence.of(score, why))
        shown += 1
        if shown >= MAX_HISTORY:
            break


def _resolution(session: Session, tenant_id: str, ticket_id: str) -> str | None:
    """The last internal note of a resolved ticket: where engineers write what fixed it."""
    notes = [n for n in store.list_notes(session=session, tenant_id=tenant_id, ticket_id=ticket_id)
             if n.visibility == "internal"]
    return clip(notes[-1].text, 240) if notes else None


def gather_hits(g: Gathered, retriever: KnowledgeSearch) -> None:
    """Fill the gathered evidence with this ticket's knowledge hits.

    One search over the client's own knowledge and the shared runbooks,
    split by kind afterwards: a kind filter is evaluated point by point in
    embedded Qdrant (about 10 ms per search on 500 chunks), and one query
    embeds the text once instead of three times.
    """
    query = ticket_query(g)
    hits = retriever.search_knowledge(tenant_id=g.ticket.tenant_id, query=query, limit=40,
                                      dense_query=ticket_gist(g))
    own = g.ticket.tenant_id
    g.runbook_hits = [h for h in hits if h.kind in ("runbook", "kb")][:10]
    g.client_hits = [h for h in hits if h.tenant == own and h.kind in ("client-note", "runbook", "kb")][:6]
    g.history_hits = [h for h in hits if h.tenant == own and h.kind == "ticket"][:8]


# Below this, a section is more likely noise than an answer (cosine of an
# unrelated runbook section to a question is typically 0.1-0.3 with MiniLM).
ANSWER_FLOOR = 0.35


def answer_hits(retriever: KnowledgeSearch, *, tenant_id: str, question: str, limit: int = 5) -> list[AnswerHit]:
    """``/packet ask``: the client's knowledge and the shared runbooks, each hit with a confidence."""
    from bot.chat.views import AnswerHit

    hits = retriever.search_knowledge(tenant_id=tenant_id, query=question, limit=limit,
                                      kinds=("runbook", "client-note", "kb", "ticket"))
    # Retrieval checks every hit already; an answer is shown to people, so the
    # sources it would cite pass the packet's gate too.
    check_sources([_doc_source(hit) for hit in hits], tenant_id=tenant_id, cited_by=f"answer for {tenant_id!r}")
    words = _terms(question)
    out = []
    for rank, hit in enumerate(hits):
        if hit.dense_score < ANSWER_FLOOR and not hit.exact_terms:
            continue
        score, why = section_score(hit, words, rank=rank)
        heading = " > ".join(hit.heading_path) or hit.title
        if hit.title.casefold() not in heading.casefold():
            heading = f"{hit.title} > {heading}"
        out.append(AnswerHit(title=heading, url=hit.url, text=clip(plain_text(hit.text), 400), tenant=hit.tenant,
                             kind=hit.kind, confidence=Confidence.of(score, why)))
    return out
